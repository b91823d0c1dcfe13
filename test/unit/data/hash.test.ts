import { strict as assert } from 'assert';
import { hashCells, hashOut, hashString } from '../../../src/core/data/hash';

const hash = (s: string): [number, number] => {
  hashString(s);
  return [hashOut[0]!, hashOut[1]!];
};

describe('hashString', () => {
  it('has no 64-bit collision and about the chance number of 32-bit ones on 600,000 look-alike values', () => {
    // Ids, numbers, amounts and e-mail addresses that differ in one or two characters, of odd and even length.
    const values: string[] = [];
    for (let i = 0; i < 150_000; i++) {
      values.push(`C${100000 + i}`, String(i), `${i}.${i % 100}`, `user${i}@example.com`);
    }
    const full = new Set<string>();
    const laneA = new Set<number>();
    for (const v of values) {
      const [a, b] = hash(v);
      full.add(`${a}:${b}`);
      laneA.add(a);
    }
    assert.equal(full.size, values.length);
    // Expected 32-bit collisions among n random values: n^2 / 2^33, about 42 here.
    const expected = values.length ** 2 / 2 ** 33;
    assert.ok(
      values.length - laneA.size < 3 * expected + 10,
      `${values.length - laneA.size} lane-A collisions`,
    );
  });

  it('tells apart values that differ only in order, length or a NUL', () => {
    const distinct = ['', '\u0000', '\u0000\u0000', 'a', 'ab', 'ba', 'a\u0000', 'abc', 'acb', 'ab\u0000c'];
    const seen = new Set(distinct.map((v) => hash(v).join(':')));
    assert.equal(seen.size, distinct.length);
  });

  it('row hashes from cell hashes tell a missing cell from an empty one', () => {
    const row = (cells: (string | undefined)[]) => {
      const a = new Int32Array(cells.length);
      const b = new Int32Array(cells.length);
      const present = new Uint8Array(cells.length);
      cells.forEach((c, i) => {
        if (c === undefined) return;
        [a[i], b[i]] = hash(c);
        present[i] = 1;
      });
      hashCells(cells.length, a, b, present);
      return `${hashOut[0]}:${hashOut[1]}`;
    };
    const rows = [['x', ''], ['x', undefined], ['', 'x'], [undefined, 'x'], ['x'], ['x', '', '']];
    assert.equal(new Set(rows.map(row)).size, rows.length);
    assert.equal(row(['x', 'y']), row(['x', 'y']));
  });
});
