import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DuplicateRowDetector } from '../../../src/core/data/duplicates';
import { dataRow as row } from './readHelpers';

describe('DuplicateRowDetector', () => {
  it('counts rows equal to an earlier row and names the first occurrence', () => {
    const d = new DuplicateRowDetector();
    const rows = [
      ['a', 'b'],
      ['a', 'c'],
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'c'],
    ];
    rows.forEach((v, i) => d.add(row(i + 1, v)));
    assert.deepEqual(d.finish(), {
      duplicateRows: 3,
      examples: [
        { row: 3, duplicateOf: 1 },
        { row: 4, duplicateOf: 1 },
        { row: 5, duplicateOf: 2 },
      ],
    });
  });

  it('tells apart values that only concatenate alike, and missing from empty', () => {
    const d = new DuplicateRowDetector();
    [['ab', 'c'], ['a', 'bc'], ['', 'x'], [undefined, 'x'], ['x', ''], ['x', undefined], ['x']].forEach(
      (v, i) => d.add(row(i + 1, v)),
    );
    assert.equal(d.finish().duplicateRows, 0);
  });

  it('caps examples at 100 and agrees with an exact count on many rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom('a', 'b', 'c', undefined), { minLength: 3, maxLength: 3 }), {
          maxLength: 300,
        }),
        (rows) => {
          const d = new DuplicateRowDetector();
          rows.forEach((v, i) => d.add(row(i + 1, v)));
          const seen = new Map<string, number>();
          let dup = 0;
          const examples: { row: number; duplicateOf: number }[] = [];
          rows.forEach((v, i) => {
            const key = JSON.stringify(v.map((x) => (x === undefined ? null : x)));
            const first = seen.get(key);
            if (first === undefined) seen.set(key, i + 1);
            else {
              dup++;
              if (examples.length < 100) examples.push({ row: i + 1, duplicateOf: first });
            }
          });
          assert.deepEqual(d.finish(), { duplicateRows: dup, examples });
        },
      ),
      { numRuns: 50 },
    );
    const d = new DuplicateRowDetector();
    for (let i = 0; i < 50000; i++) d.add(row(i + 1, [String(i % 20000)]));
    const r = d.finish();
    assert.equal(r.duplicateRows, 30000);
    assert.equal(r.examples.length, 100);
    assert.deepEqual(r.examples[0], { row: 20001, duplicateOf: 1 });
  });
});
