import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeJson } from '../../../src/cli/jsonOut';

function pieces(value: unknown): string[] {
  const out: string[] = [];
  writeJson(value, (p) => out.push(p));
  return out;
}

describe('writeJson', () => {
  it('writes the text JSON.stringify(value, null, 2) gives, for any JSON-like value', () => {
    // Values JSON leaves out or turns into null (undefined, functions, symbols), dates (toJSON), boxed
    // primitives, sparse arrays, strings with line breaks and quotes, nested at every depth.
    const leaf = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.constantFrom(undefined, NaN, -0, Infinity, '\n"\\', () => 1, Symbol('s')),
      fc.date({ noInvalidDate: true }),
      fc.constantFrom(new Number(3), new String('x\ny'), new Boolean(false)),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { maxLength: 5 }),
        fc.sparseArray(tie('tree'), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie('tree'), { maxKeys: 5 }),
      ),
    }));
    fc.assert(
      fc.property(fc.oneof(fc.array(tree), fc.dictionary(fc.string(), tree)), (value) => {
        assert.equal(pieces(value).join(''), JSON.stringify(value, null, 2));
      }),
      { numRuns: 2000, seed: 17 },
    );
  });

  it('writes a large report in pieces of about a megabyte, the same text', () => {
    const report = {
      rows: 814,
      columns: Array.from({ length: 20_000 }, (_, i) => ({
        name: `f${i}`,
        index: i,
        topValues: [{ value: `${i / 7}`, count: 1 }],
        numeric: { min: -i, max: i, mean: i / 3 },
      })),
      fairness: {
        proxies: Array.from({ length: 40_000 }, (_, i) => ({ column: `f${i}`, cramersV: i / 1e5 })),
      },
    };
    const out = pieces(report);
    assert.equal(out.join(''), JSON.stringify(report, null, 2));
    assert.ok(out.length > 5, `${out.length} pieces`);
    assert.ok(Math.max(...out.map((p) => p.length)) < 1.1 * 2 ** 20);
  });

  it('refuses a value with no JSON text, as JSON.stringify gives none', () => {
    assert.throws(() => pieces(undefined), TypeError);
  });
});
