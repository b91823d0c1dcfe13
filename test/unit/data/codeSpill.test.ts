import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AdaptiveColumnBuilder,
  CategoricalBuilder,
  SpilledNumbers,
  WINDOW_ROWS,
  decodeScaled,
  type CategoricalColumn,
  type CodeSpill,
  type SpilledCodes,
} from '../../../src/core/data/encoded';
import { SpillDir } from '../../../src/core/data/spill';
import { KAnonymityWork, kAnonymity, smallestSinglingOutSet } from '../../../src/core/privacy/kAnonymity';
import { seededRandom } from '../../../src/core/random';

/** Codes whose levels pass 127 and then 32,767 along the way, so the spilled segments differ in width. */
function growingCodes(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const codes: number[] = [];
  let levels = 0;
  for (let r = 0; r < n; r++) {
    // Mostly known levels; new ones often enough to reach 40,000 levels by the end; some missing.
    const x = rand();
    if (x < 0.05) codes.push(-1);
    else if (x < 0.3 || levels === 0) codes.push(levels++);
    else codes.push(Math.floor(rand() * levels));
  }
  return codes;
}

function fill(b: CategoricalBuilder, codes: readonly number[]): void {
  for (const c of codes) b.pushCode(c, c < 0 ? undefined : `v${c}`);
}

/** Whether two code arrays hold the same numbers (assert.deepEqual on arrays this long takes seconds). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function spillOf(dir: SpillDir): CodeSpill {
  return { afterRows: dir.afterRows, file: () => dir.file() };
}

describe('kept columns spilled to disk', () => {
  let parent: string;
  beforeEach(() => (parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-codes-test-'))));
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('reads back every window of a spilled column as the column in memory, across widths and segments', () => {
    const codes = growingCodes(150_000, 3);
    const inMemory = new CategoricalBuilder();
    fill(inMemory, codes);
    const want = inMemory.build();
    assert.ok(want.codes instanceof Int32Array, 'the levels passed 32,767');
    for (const afterRows of [0, 1000, 100_000]) {
      const dir = new SpillDir(afterRows, parent);
      const b = new CategoricalBuilder(1024, spillOf(dir));
      fill(b, codes);
      assert.ok(b.spilled);
      assert.equal(dir.open, 1);
      assert.throws(() => b.build(), /spilled/);
      const got = b.buildSpilled();
      assert.equal(got.length, codes.length);
      assert.deepEqual(got.levels, want.levels);
      const rand = seededRandom(afterRows + 1);
      for (let k = 0; k < 200; k++) {
        const from = Math.floor(rand() * codes.length);
        const to = Math.min(codes.length, from + Math.floor(rand() * 3 * WINDOW_ROWS));
        assert.ok(same(got.window(from, to), want.codes.subarray(from, to)), `${from}..${to}`);
      }
      assert.ok(same(got.window(0, codes.length), want.codes));
      assert.throws(() => got.window(0, codes.length + 1), RangeError);
      dir.close();
      assert.equal(fs.readdirSync(parent).length, 0);
    }
  });

  it('keeps the codes in memory where no file can be made', () => {
    const codes = growingCodes(20_000, 4);
    const dir = new SpillDir(100, path.join(parent, 'missing', 'deeper'));
    const b = new CategoricalBuilder(1024, spillOf(dir));
    fill(b, codes);
    assert.equal(b.spilled, false);
    assert.ok(same(b.build().codes, codes));
  });

  it('turns a spilled quasi-identifier numeric past the hard limit, as in memory', () => {
    const rand = seededRandom(9);
    const values = Array.from({ length: 5000 }, (_, r) =>
      rand() < 0.1 ? undefined : String(r < 3000 ? Math.floor(rand() * 40) : Math.floor(rand() * 500)),
    );
    const plain = new AdaptiveColumnBuilder(10, true, 50);
    const dir = new SpillDir(200, parent);
    const spilled = new AdaptiveColumnBuilder(10, true, 50, { spill: spillOf(dir) });
    for (const v of values) {
      plain.push(v);
      spilled.push(v);
    }
    const want = plain.build();
    const got = spilled.build();
    // Whole numbers: in memory as mantissas.
    assert.ok(want?.kind === 'scaled');
    // The numbers spill too, as doubles, to a file of their own; the spilled codes were read back and their
    // file closed.
    assert.ok(got instanceof SpilledNumbers);
    assert.deepEqual(got.window(0, got.length), decodeScaled(want, 0, want.mantissas.length));
    assert.equal(dir.open, 1);
    dir.close();
  });

  it('gives k-anonymity and the singling-out set of the columns in memory: lookup, packed and hashed counts', () => {
    const rand = seededRandom(21);
    const n = 3 * WINDOW_ROWS + 1234;
    // Widths (levels + 1) chosen for each path: small (lookup table), large (packed keys), huge (past 2^53).
    const shapes: { levels: number; draw: number }[][] = [
      [
        { levels: 90, draw: 90 },
        { levels: 3, draw: 3 },
        { levels: 12, draw: 12 },
      ],
      [
        { levels: 90, draw: 90 },
        { levels: 40_000, draw: 40_000 },
        { levels: 12, draw: 12 },
      ],
      [
        { levels: 300_000, draw: 50 },
        { levels: 300_000, draw: 40 },
        { levels: 300_000, draw: 30 },
      ],
    ];
    for (const shape of shapes) {
      const dir = new SpillDir(5000, parent);
      const memory: { name: string; column: CategoricalColumn }[] = [];
      const disk: { name: string; column: SpilledCodes }[] = [];
      shape.forEach(({ levels, draw }, j) => {
        const plain = new CategoricalBuilder();
        const b = new CategoricalBuilder(1024, spillOf(dir));
        for (let r = 0; r < n; r++) {
          const v = rand() < 0.02 ? undefined : `c${j}-${Math.floor(rand() * draw)}`;
          plain.push(v);
          b.push(v);
        }
        const inMemory = plain.build();
        const column = b.buildSpilled();
        // Levels never drawn, on both: the key space is the declared one, whatever was drawn.
        for (let i = inMemory.levels.length; i < levels; i++) {
          inMemory.levels.push(`unused-${i}`);
          column.levels.push(`unused-${i}`);
        }
        memory.push({ name: `q${j}`, column: inMemory });
        disk.push({ name: `q${j}`, column });
      });
      // An independent count: classes as a Map over the joined codes.
      const sizes = new Map<string, number>();
      for (let r = 0; r < n; r++) {
        const key = memory.map((m) => m.column.codes[r]).join(',');
        sizes.set(key, (sizes.get(key) ?? 0) + 1);
      }
      const counts = [...sizes.values()];
      const reference = {
        k: counts.reduce((a, b) => Math.min(a, b), Infinity),
        uniqueRecords: counts.filter((c) => c === 1).length / n,
        classes: sizes.size,
        records: n,
      };
      for (const maxClasses of [1 << 20, 3000]) {
        const want = kAnonymity(
          memory.map((m) => m.column),
          new KAnonymityWork({ maxClasses }),
        );
        assert.deepEqual(want, reference);
        const work = new KAnonymityWork({ maxClasses });
        assert.deepEqual(
          kAnonymity(
            disk.map((d) => d.column),
            work,
          ),
          want,
        );
        assert.ok(work.lastPasses >= 1);
        assert.deepEqual(
          smallestSinglingOutSet(disk, 0.5, 3, new KAnonymityWork({ maxClasses })),
          smallestSinglingOutSet(memory, 0.5, 3, new KAnonymityWork({ maxClasses })),
        );
      }
      dir.close();
    }
  });
});
