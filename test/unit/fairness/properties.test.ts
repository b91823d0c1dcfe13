/**
 * Property tests for the dataset-level measures: each agrees with a plain computation written separately
 * here, looping over rows, to 1e-12.
 */
import * as assert from 'assert';
import fc from 'fast-check';
import type { CategoricalColumn } from '../../../src/core/data/encoded';
import { datasetBias } from '../../../src/core/fairness/datasetBias';
import { association } from '../../../src/core/fairness/proxies';
import { labelLeakage } from '../../../src/core/fairness/leakage';

const close = (a: number | null | undefined, b: number | null | undefined, tol = 1e-12) =>
  (a === null && b === null) ||
  (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)));

const col = (codes: number[], k: number): CategoricalColumn => ({
  kind: 'categorical',
  codes: Int32Array.from(codes),
  levels: Array.from({ length: k }, (_, i) => `v${i}`),
});

describe('fairness: dataset measures agree with row-by-row references (property)', () => {
  it('base rates, shares, statistical parity difference and disparate impact (weighted or not)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            y: fc.constantFrom(0, 1, -1),
            g: fc.integer({ min: -1, max: 3 }),
            w: fc.double({ min: 0.01, max: 4, noNaN: true }),
          }),
          { maxLength: 80 },
        ),
        fc.boolean(),
        (rows, weighted) => {
          const r = datasetBias(
            {
              label: rows.map((x) => x.y),
              attributes: [
                {
                  name: 'g',
                  column: col(
                    rows.map((x) => x.g),
                    4,
                  ),
                },
              ],
              ...(weighted ? { weights: rows.map((x) => x.w) } : {}),
            },
            { minGroupSize: 1, intersections: false },
          );
          const w = (x: { w: number }) => (weighted ? x.w : 1);
          const lab = rows.filter((x) => x.y >= 0 && x.g >= 0);
          const total = lab.reduce((s, x) => s + w(x), 0);
          const rate = (g: number) => {
            const rs = lab.filter((x) => x.g === g);
            const den = rs.reduce((s, x) => s + w(x), 0);
            return rs.length === 0
              ? undefined
              : den > 0
                ? rs.filter((x) => x.y === 1).reduce((s, x) => s + w(x), 0) / den
                : null;
          };
          const at = r.attributes[0]!;
          const present = [0, 1, 2, 3].filter((g) => lab.some((x) => x.g === g));
          assert.deepStrictEqual(
            at.groups.map((x) => x.value),
            present.map((g) => `v${g}`),
          );
          // Reference: highest rate, ties to the larger group, then the first.
          let ref: number | undefined;
          for (const g of present) {
            const rg = rate(g)!;
            if (rg === null) continue;
            const n = lab.filter((x) => x.g === g).length;
            if (
              ref === undefined ||
              rg > rate(ref)! ||
              (rg === rate(ref) && n > lab.filter((x) => x.g === ref).length)
            )
              ref = g;
          }
          assert.strictEqual(at.reference, ref === undefined ? null : `v${ref}`);
          for (const grp of at.groups) {
            const g = Number(grp.value.slice(1));
            const rg = rate(g)!;
            assert.ok(close(grp.baseRate, rg), `rate ${grp.value}`);
            assert.ok(close(grp.share, lab.filter((x) => x.g === g).reduce((s, x) => s + w(x), 0) / total));
            if (ref !== undefined && rg !== null) {
              const rr = rate(ref)!;
              assert.ok(close(grp.statisticalParityDifference, g === ref ? 0 : rg - rr!));
              assert.ok(close(grp.disparateImpact, rr! > 0 ? (g === ref ? 1 : rg / rr!) : null));
            }
            if (grp.ci95)
              assert.ok(
                grp.ci95[0] <= (grp.baseRate ?? 0) + 1e-12 && (grp.baseRate ?? 1) <= grp.ci95[1] + 1e-12,
              );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("Cramér's V and NMI from a plain contingency table", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 4 })), {
          maxLength: 60,
        }),
        (pairs) => {
          const r = association(
            col(
              pairs.map((p) => p[0]),
              4,
            ),
            col(
              pairs.map((p) => p[1]),
              5,
            ),
          );
          const n = pairs.length;
          const count = new Map<string, number>();
          const ca = new Map<number, number>();
          const cb = new Map<number, number>();
          for (const [a, b] of pairs) {
            count.set(`${a},${b}`, (count.get(`${a},${b}`) ?? 0) + 1);
            ca.set(a, (ca.get(a) ?? 0) + 1);
            cb.set(b, (cb.get(b) ?? 0) + 1);
          }
          if (ca.size < 2 || cb.size < 2) {
            assert.strictEqual(r.cramersV, null);
            return;
          }
          let chi2 = 0;
          let mi = 0;
          for (const [a, na] of ca)
            for (const [b, nb] of cb) {
              const o = count.get(`${a},${b}`) ?? 0;
              const e = (na * nb) / n;
              chi2 += (o - e) ** 2 / e;
              if (o > 0) mi += (o / n) * Math.log(o / n / ((na / n) * (nb / n)));
            }
          const h = (m: Map<number, number>) =>
            [...m.values()].reduce((s, c) => s - (c / n) * Math.log(c / n), 0);
          assert.ok(
            close(r.cramersV, Math.min(1, Math.sqrt(chi2 / (n * (Math.min(ca.size, cb.size) - 1))))),
            `V ${r.cramersV}`,
          );
          assert.ok(close(r.nmi, Math.min(1, Math.max(0, mi) / ((h(ca) + h(cb)) / 2)), 1e-9), `NMI ${r.nmi}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('Goodman–Kruskal λ from per-value majority counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 1, -1), fc.integer({ min: -1, max: 2 })), {
          minLength: 8,
          maxLength: 60,
        }),
        (pairs) => {
          const r = labelLeakage(
            pairs.map((p) => p[0]),
            [
              {
                name: 'x',
                column: col(
                  pairs.map((p) => p[1]),
                  3,
                ),
              },
            ],
          );
          const lab = pairs.filter((p) => p[0] >= 0);
          const pos = lab.filter((p) => p[0] === 1).length;
          const maj = Math.max(pos, lab.length - pos);
          let correct = 0;
          for (const v of [-1, 0, 1, 2]) {
            const rs = lab.filter((p) => p[1] === v);
            const k = rs.filter((p) => p[0] === 1).length;
            correct += Math.max(k, rs.length - k);
          }
          const s = r.scores[0]!;
          if (lab.length === 0 || maj === lab.length) assert.strictEqual(s.lambda, null);
          else assert.ok(close(s.lambda, (correct - maj) / (lab.length - maj)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
