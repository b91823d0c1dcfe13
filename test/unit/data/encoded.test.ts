import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdaptiveColumnBuilder, CategoricalBuilder } from '../../../src/core/data/encoded';
import { hashOut, hashString } from '../../../src/core/data/hash';

const lanes = (v: string): [number, number] => {
  hashString(v);
  return [hashOut[0]!, hashOut[1]!];
};

describe('column builders by hash lanes', () => {
  // Values that differ only slightly (case, white space, a digit), numbers and text, and missing cells.
  const pool = ['02134', '2134', '02134 ', 'a', 'A', 'ab', 'b', '1', '1.0', '', 'x'.repeat(40)];
  const cell = fc.option(fc.constantFrom(...pool), { nil: undefined, freq: 6 });
  // How each cell reaches the builder: by `push`, by `pushHashed`, or by `pushCode` with the reference's code
  // (as the profiler's ids come before its cap).
  const how = fc.constantFrom('push', 'hashed', 'code');

  it("codes a column by its values' lanes as by the values, whichever way each cell comes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, how), { maxLength: 80 }), (cells) => {
        const reference = new CategoricalBuilder(16);
        const mixed = new CategoricalBuilder(16);
        for (const [v, way] of cells) {
          const code = reference.push(v);
          if (way === 'code' || v === undefined) mixed.pushCode(code, v);
          else if (way === 'hashed') assert.equal(mixed.pushHashed(v, ...lanes(v)), code);
          else assert.equal(mixed.push(v), code);
        }
        assert.deepEqual(mixed.levels, reference.levels);
        assert.deepEqual(mixed.build(), reference.build());
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('passes its limits on the same value by lanes as by the values', () => {
    const limits = fc.constantFrom(
      { soft: 3, keepText: false, hard: 6 },
      { soft: 3, keepText: true, hard: 6 },
      { soft: 1, keepText: true, hard: 2 },
    );
    fc.assert(
      fc.property(
        limits,
        fc.array(fc.tuple(cell, how), { maxLength: 80 }),
        ({ soft, keepText, hard }, cells) => {
          const reference = new AdaptiveColumnBuilder(soft, keepText, hard);
          const mixed = new AdaptiveColumnBuilder(soft, keepText, hard);
          for (const [v, way] of cells) {
            const code = reference.push(v);
            const got =
              way === 'hashed' && v !== undefined
                ? mixed.pushHashed(v, ...lanes(v))
                : way === 'code' && code >= -1
                  ? mixed.pushCode(code, v)
                  : mixed.push(v);
            assert.equal(got, code);
          }
          assert.equal(mixed.isDropped, reference.isDropped);
          assert.deepEqual(mixed.build(), reference.build());
        },
      ),
      { numRuns: 500, seed: 12 },
    );
  });
});
