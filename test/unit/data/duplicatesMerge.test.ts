import * as assert from 'node:assert/strict';
import {
  DuplicateMerge,
  DuplicateRowDetector,
  duplicatePartTransferables,
  type DuplicatePart,
  type DuplicateResult,
} from '../../../src/core/data/duplicates';
import { seededRandom } from '../../../src/core/random';
import { dataRow as row } from './readHelpers';

/** Seeded, so a failure names its seed and replays. */
const prng = seededRandom;

type Row = (string | undefined)[];

function whole(rows: Row[]): DuplicateResult {
  const d = new DuplicateRowDetector();
  rows.forEach((v, i) => d.add(row(i + 1, v)));
  return d.finish();
}

/** Each range through its own detector with local row numbers, posted as a worker would, then merged. */
function merged(rows: Row[], cuts: number[]): DuplicateResult {
  const m = new DuplicateMerge();
  const bounds = [0, ...cuts, rows.length];
  for (let p = 0; p + 1 < bounds.length; p++) {
    const d = new DuplicateRowDetector();
    rows.slice(bounds[p], bounds[p + 1]).forEach((v, i) => d.add(row(i + 1, v)));
    const part = d.finishPart();
    const posted = structuredClone(part, { transfer: duplicatePartTransferables(part) }) as DuplicatePart;
    m.add(posted, bounds[p]!);
  }
  return m.finish();
}

/** `n` cut points in [0, length], sorted, repeats allowed (an empty range). */
function randomCuts(rand: () => number, length: number, n: number): number[] {
  return Array.from({ length: n }, () => Math.floor(rand() * (length + 1))).sort((a, b) => a - b);
}

describe('DuplicateMerge', () => {
  it('gives what one detector gives over all rows, for 1, 2 and 7 ranges, one-row and empty ranges', () => {
    let capped = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rand = prng(seed);
      const length = Math.floor(rand() * 700);
      const width = 1 + Math.floor(rand() * 3);
      // Two to four values a cell: at most 64 distinct rows, so repeats cross every cut.
      const alphabet = ['a', 'b', '', undefined].slice(0, 2 + Math.floor(rand() * 3));
      const rows: Row[] = Array.from({ length }, () =>
        Array.from({ length: width }, () => alphabet[Math.floor(rand() * alphabet.length)]),
      );
      const expected = whole(rows);
      if (expected.duplicateRows > 100) capped++;
      const splits = [
        [],
        randomCuts(rand, length, 1),
        randomCuts(rand, length, 6),
        Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1),
        [0, 0, ...randomCuts(rand, length, 2), length, length],
      ];
      for (const cuts of splits)
        assert.deepStrictEqual(merged(rows, cuts), expected, `seed ${seed}, cuts ${cuts.join(',')}`);
    }
    assert.ok(capped > 50, `only ${capped} runs had more than 100 duplicates`);
  });

  it('points a range’s own repeats of a row that repeats an earlier range at the earlier row', () => {
    const rows: Row[] = [['x'], ['y'], ['z'], ['y'], ['w'], ['y'], ['w'], ['x']];
    // Range 2 is rows 4..8: its first 'y' (row 4) repeats row 2, its second (row 6) is a local repeat of
    // row 4 that must point at row 2; 'w' is new in range 2 and repeats locally.
    const expected = {
      duplicateRows: 4,
      examples: [
        { row: 4, duplicateOf: 2 },
        { row: 6, duplicateOf: 2 },
        { row: 7, duplicateOf: 5 },
        { row: 8, duplicateOf: 1 },
      ],
    };
    assert.deepStrictEqual(whole(rows), expected);
    assert.deepStrictEqual(merged(rows, [3]), expected);
    assert.deepStrictEqual(merged(rows, [3, 5]), expected);
  });

  it('keeps the first 100 examples when a range’s own repeats follow many repeats across ranges', () => {
    // Range 1: 60 distinct rows. Range 2: those 60 again (across), then 150 local repeats of a new row.
    const rows: Row[] = [];
    for (let i = 0; i < 60; i++) rows.push([String(i)]);
    for (let i = 0; i < 60; i++) rows.push([String(i)]);
    rows.push(['new']);
    for (let i = 0; i < 150; i++) rows.push([i % 2 ? 'new' : '3']);
    const expected = whole(rows);
    assert.equal(expected.examples.length, 100);
    assert.deepStrictEqual(merged(rows, [60]), expected);
    assert.deepStrictEqual(merged(rows, [60, 121]), expected);
    assert.deepStrictEqual(merged(rows, [90]), expected);
  });

  it('lists a range’s distinct rows in row order, rows past 2^22 included (every radix digit)', () => {
    const rand = prng(7);
    const n = 200_000;
    const lanes = Array.from(
      { length: 150_000 },
      () => [(rand() * 2 ** 32) | 0, (rand() * 2 ** 32) | 0] as const,
    );
    // 150,000 distinct rows, then 50,000 repeats of random earlier ones.
    const hashes = Array.from(
      { length: n },
      (_, i) => lanes[i < 150_000 ? i : Math.floor(rand() * 150_000)]!,
    );
    // Row numbers need only increase: spread them up to 2^31 so all three digits differ.
    const spread = (i: number) => i * 10_007 + 1;
    const sparse = new DuplicateRowDetector();
    hashes.forEach(([a, b], i) => sparse.addHash(spread(i), a, b));
    const part = sparse.finishPart();
    assert.equal(part.distinct.length, 3 * 150_000);
    for (let k = 0; k < 150_000; k++) {
      assert.equal(part.distinct[3 * k], spread(k));
      assert.equal(part.distinct[3 * k + 1], lanes[k]![0]);
      assert.equal(part.distinct[3 * k + 2], lanes[k]![1]);
    }
    assert.equal(part.duplicateRows, 50_000);
    assert.deepStrictEqual(Array.from(part.examples.subarray(0, 3)), [spread(150_000), ...hashes[150_000]!]);

    const d = new DuplicateRowDetector();
    hashes.forEach(([a, b], i) => d.addHash(i + 1, a, b));
    const cuts = [70_000, 140_000, 190_000];
    const m = new DuplicateMerge();
    const bounds = [0, ...cuts, n];
    for (let p = 0; p + 1 < bounds.length; p++) {
      const r = new DuplicateRowDetector();
      for (let i = bounds[p]!; i < bounds[p + 1]!; i++) r.addHash(i - bounds[p]! + 1, ...hashes[i]!);
      m.add(r.finishPart(), bounds[p]!);
    }
    assert.deepStrictEqual(m.finish(), d.finish());
  });
});
