import * as assert from 'assert';
import fc from 'fast-check';
import { encodeCategorical, type CategoricalColumn } from '../../../src/core/data/encoded';
import { datasetBias } from '../../../src/core/fairness/datasetBias';
import { toBinaryOutcome } from '../../../src/core/fairness/positives';
import { auditPredictions } from '../../../src/core/fairness/predictionAudit';
import { combineColumns, reweigh } from '../../../src/core/fairness/mitigation/reweighing';
import {
  applyThresholds,
  optimizeThresholds,
  type Cut,
  type GroupRule,
  type ThresholdOptimisation,
} from '../../../src/core/fairness/mitigation/thresholds';
import { seededRandom } from '../../../src/core/random';
import { loadAdult, type Adult } from './adultData';

describe('fairness: reweighing (Kamiran & Calders)', () => {
  let adult: Adult;
  let label: Int8Array;
  let sex: CategoricalColumn;
  before(async () => {
    adult = await loadAdult();
    label = toBinaryOutcome(adult.column('income'), ['>50K']).outcome;
    sex = adult.categorical('sex');
  });

  it('makes the weighted statistical parity difference 0 on Adult (to 1e-9), keeping total weight', () => {
    const before = datasetBias({ label, attributes: [{ name: 'sex', column: sex }] });
    assert.ok(Math.abs(before.attributes[0]!.minStatisticalParityDifference! + 0.1963) < 1e-4);
    const { weights, cells } = reweigh(label, sex);
    const after = datasetBias({ label, attributes: [{ name: 'sex', column: sex }], weights });
    for (const g of after.attributes[0]!.groups) {
      assert.ok(
        Math.abs(g.statisticalParityDifference!) < 1e-9,
        `${g.value}: ${g.statisticalParityDifference}`,
      );
      assert.ok(Math.abs(g.baseRate! - before.baseRate!) < 1e-9);
    }
    const total = weights.reduce((s, w) => s + w, 0);
    assert.ok(Math.abs(total - 32561) < 1e-6);
    // Female positives are up-weighted: w = P(F) P(+) / P(F, +) = 0.3308 · 0.2408 / (0.3308 · 0.1095).
    const fPos = cells.find((c) => c.group === 'Female' && c.label === 1)!;
    assert.ok(
      Math.abs(
        fPos.weight -
          before.baseRate! / before.attributes[0]!.groups.find((g) => g.value === 'Female')!.baseRate!,
      ) < 1e-12,
    );
    assert.strictEqual(fPos.count, 1179);
  });

  it('balances intersectional groups (sex & race) with base weights', () => {
    const both = combineColumns([sex, adult.categorical('race')]);
    assert.strictEqual(both.levels.length, 10);
    const base = Float64Array.from({ length: label.length }, (_, i) => 1 + (i % 3));
    const { weights } = reweigh(label, both, base);
    const after = datasetBias({ label, attributes: [{ name: 'sex & race', column: both }], weights });
    for (const g of after.attributes[0]!.groups) assert.ok(Math.abs(g.statisticalParityDifference!) < 1e-9);
    const wTotal = weights.reduce((s, w) => s + w, 0);
    const bTotal = base.reduce((s, w) => s + w, 0);
    assert.ok(Math.abs(wTotal - bTotal) < 1e-6 * bTotal);
  });

  it('on random data: each group with both labels reaches P(y) exactly; group and label totals unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ y: fc.constantFrom(0, 1, -1), g: fc.integer({ min: -1, max: 3 }) }), {
          minLength: 1,
          maxLength: 80,
        }),
        (rows) => {
          const group: CategoricalColumn = {
            kind: 'categorical',
            codes: Int32Array.from(rows.map((r) => r.g)),
            levels: ['a', 'b', 'c', 'd'],
          };
          const y = rows.map((r) => r.y);
          const { weights } = reweigh(y, group);
          const labelled = rows.map((r, i) => ({ ...r, w: weights[i]! })).filter((r) => r.y >= 0);
          const W = labelled.reduce((s, r) => s + r.w, 0);
          const pY = labelled.filter((r) => r.y === 1).length / labelled.length;
          let allBoth = true;
          for (let g = -1; g < 4; g++) {
            const rs = labelled.filter((r) => r.g === g);
            if (rs.length === 0) continue;
            const wg = rs.reduce((s, r) => s + r.w, 0);
            const hasBoth = rs.some((r) => r.y === 1) && rs.some((r) => r.y === 0);
            if (hasBoth) {
              assert.ok(Math.abs(wg - rs.length) < 1e-9, 'group weight unchanged');
              assert.ok(Math.abs(rs.filter((r) => r.y === 1).reduce((s, r) => s + r.w, 0) / wg - pY) < 1e-9);
            } else {
              allBoth = false;
              // One label only: its rows get P(y) and the group keeps its rate of 0 or 1.
              const pLabel = rs[0]!.y === 1 ? pY : 1 - pY;
              for (const r of rs) assert.ok(Math.abs(r.w - pLabel) < 1e-12);
            }
          }
          if (allBoth && labelled.length > 0)
            assert.ok(Math.abs(W - labelled.length) < 1e-9, 'total weight unchanged');
          rows.forEach((r, i) => {
            if (r.y < 0) assert.strictEqual(weights[i], 1);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects mismatched lengths and bad base weights', () => {
    assert.throws(() => reweigh([1, 0], encodeCategorical(['a'])), /group: expected 2 values, got 1/);
    assert.throws(() => reweigh([1, 0], encodeCategorical(['a', 'b']), [1, NaN]), /row 2 has weight NaN/);
  });
});

/** P(ŷ = 1) of each row under the rules, computed row by row (independent of the optimiser's bookkeeping). */
function rowProbabilities(
  score: ArrayLike<number>,
  group: CategoricalColumn,
  rules: Record<string, GroupRule>,
): Float64Array {
  const pass = (s: number, c: Cut) => (c === 'all' ? 1 : c === 'none' ? 0 : s >= c ? 1 : 0);
  return Float64Array.from({ length: score.length }, (_, i) => {
    const r = rules[group.levels[group.codes[i]!]!]!;
    return (
      r.pIgnore * r.constant +
      (1 - r.pIgnore) * (r.pA * pass(score[i]!, r.cutA) + (1 - r.pA) * pass(score[i]!, r.cutB))
    );
  });
}

function expectedRates(prob: Float64Array, y: ArrayLike<number>, group: CategoricalColumn) {
  const out: Record<string, { sel: number; tpr: number; fpr: number; correct: number; n: number }> = {};
  group.levels.forEach((v, c) => {
    let n = 0,
      sel = 0,
      pos = 0,
      tp = 0,
      fp = 0,
      correct = 0;
    for (let i = 0; i < prob.length; i++) {
      if (group.codes[i] !== c) continue;
      n++;
      sel += prob[i]!;
      if (y[i] === 1) {
        pos++;
        tp += prob[i]!;
        correct += prob[i]!;
      } else {
        fp += prob[i]!;
        correct += 1 - prob[i]!;
      }
    }
    if (n > 0) out[v] = { sel: sel / n, tpr: tp / pos, fpr: fp / (n - pos), correct, n };
  });
  return out;
}

/** A logistic regression fitted by gradient descent on a few Adult columns (sex left out), as the score to post-process. */
function adultScore(adult: Adult, y: Int8Array): Float64Array {
  const cols = ['education-num', 'age', 'hours-per-week', 'capital-gain'].map((c) => adult.numeric(c).values);
  const married = adult.column('marital-status').map((v) => (v === 'Married-civ-spouse' ? 1 : 0));
  const n = y.length;
  const feats = [
    ...cols.map((v) => {
      let m = 0,
        s = 0;
      for (const x of v) m += x;
      m /= n;
      for (const x of v) s += (x - m) ** 2;
      s = Math.sqrt(s / n);
      return Float64Array.from(v, (x) => (x - m) / s);
    }),
    Float64Array.from(married),
  ];
  const w = new Float64Array(feats.length + 1);
  for (let it = 0; it < 60; it++) {
    const grad = new Float64Array(w.length);
    for (let i = 0; i < n; i++) {
      let z = w[feats.length]!;
      for (let k = 0; k < feats.length; k++) z += w[k]! * feats[k]![i]!;
      const err = 1 / (1 + Math.exp(-z)) - y[i]!;
      for (let k = 0; k < feats.length; k++) grad[k]! += err * feats[k]![i]!;
      grad[feats.length]! += err;
    }
    for (let k = 0; k < w.length; k++) w[k]! -= (1.0 * grad[k]!) / n;
  }
  return Float64Array.from({ length: n }, (_, i) => {
    let z = w[feats.length]!;
    for (let k = 0; k < feats.length; k++) z += w[k]! * feats[k]![i]!;
    // Rounded to 3 decimals so that groups share score values and ties are exercised.
    return Math.round(1000 / (1 + Math.exp(-z))) / 1000;
  });
}

describe('fairness: threshold post-processing (Hardt et al.) on Adult', () => {
  let y: Int8Array;
  let sex: CategoricalColumn;
  let score: Float64Array;
  before(async () => {
    const adult = await loadAdult();
    y = toBinaryOutcome(adult.column('income'), ['>50K']).outcome;
    sex = adult.categorical('sex');
    score = adultScore(adult, y);
  });

  it('demographic parity: equal expected selection rates (1e-9), randomised predictions close to them', () => {
    const before = auditPredictions({
      label: y,
      prediction: Int8Array.from(score, (s) => (s >= 0.5 ? 1 : 0)),
      score,
      groups: { sex },
    });
    assert.ok(before.overall.rocAuc! > 0.8, `score is informative (AUC ${before.overall.rocAuc})`);
    assert.ok(before.disparities.sex!.demographicParityDifference! > 0.1);
    const opt = optimizeThresholds({ score, label: y, group: sex }, { constraint: 'demographic_parity' });
    const rates = expectedRates(rowProbabilities(score, sex, opt.rules), y, sex);
    assert.ok(Math.abs(rates.Male!.sel - rates.Female!.sel) < 1e-9, JSON.stringify(rates));
    assert.ok(Math.abs(rates.Male!.sel - opt.target.selectionRate!) < 1e-9);
    assert.ok(Math.abs(opt.expected.groups.Female!.selectionRate - rates.Female!.sel) < 1e-9);
    const accuracy = (rates.Male!.correct + rates.Female!.correct) / y.length;
    assert.ok(Math.abs(opt.expected.overall.accuracy - accuracy) < 1e-9);
    assert.ok(accuracy <= opt.unconstrained.accuracy + 1e-12);
    assert.ok(accuracy > 1 - 0.2408, 'better than always predicting the majority');
    const pred = applyThresholds(score, sex, opt.rules, seededRandom(42));
    const after = auditPredictions({ label: y, prediction: pred, groups: { sex } });
    assert.ok(
      after.disparities.sex!.demographicParityDifference! < 0.02,
      String(after.disparities.sex!.demographicParityDifference),
    );
    assert.deepStrictEqual(
      applyThresholds(score, sex, opt.rules, seededRandom(42)),
      pred,
      'seeded: reproducible',
    );
  });

  it('equalized odds: equal expected TPR and FPR (1e-9)', () => {
    const opt = optimizeThresholds({ score, label: y, group: sex }, { constraint: 'equalized_odds' });
    const rates = expectedRates(rowProbabilities(score, sex, opt.rules), y, sex);
    assert.ok(Math.abs(rates.Male!.tpr - rates.Female!.tpr) < 1e-9, JSON.stringify(rates));
    assert.ok(Math.abs(rates.Male!.fpr - rates.Female!.fpr) < 1e-9, JSON.stringify(rates));
    assert.ok(Math.abs(rates.Male!.tpr - opt.target.tpr!) < 1e-9);
    assert.ok(
      Object.values(opt.rules).some((r) => r.pIgnore > 0 || r.pA < 1),
      'needs randomisation on real data',
    );
    const pred = applyThresholds(score, sex, opt.rules, seededRandom(7));
    const after = auditPredictions({ label: y, prediction: pred, groups: { sex } });
    assert.ok(
      after.disparities.sex!.equalizedOddsDifference! < 0.03,
      String(after.disparities.sex!.equalizedOddsDifference),
    );
  });

  it('refuses equalized odds for a group with one label, and data with no usable row', () => {
    const g = encodeCategorical(['a', 'a', 'b', 'b']);
    assert.throws(
      () =>
        optimizeThresholds(
          { score: [0.1, 0.9, 0.2, 0.3], label: [0, 1, 1, 1], group: g },
          { constraint: 'equalized_odds' },
        ),
      /Group 'b' has only positive labels/,
    );
    assert.throws(
      () =>
        optimizeThresholds(
          { score: [NaN], label: [1], group: encodeCategorical(['a']) },
          { constraint: 'demographic_parity' },
        ),
      /No row has a label, a score and a group/,
    );
    const ok = optimizeThresholds(
      { score: [0.1, 0.9, 0.2, NaN], label: [0, 1, 1, 1], group: g },
      { constraint: 'demographic_parity' },
    );
    assert.strictEqual(ok.skipped, 1);
    const pred = applyThresholds(
      [0.5, NaN, 0.5],
      encodeCategorical(['a', 'a', 'zzz']),
      ok.rules,
      seededRandom(1),
    );
    assert.deepStrictEqual([...pred.slice(1)], [-1, -1], 'no score or no rule: no prediction');
  });
});

/** Best total correct predictions at selection rate x for one group, by trying every pair of cuts. */
function bruteBest(points: { x: number; v: number }[], x: number): number {
  let best = -Infinity;
  for (const a of points)
    for (const b of points) {
      if (a.x <= x && x <= b.x) {
        const v = a.x === b.x ? Math.max(a.v, b.v) : a.v + ((b.v - a.v) * (x - a.x)) / (b.x - a.x);
        if (v > best) best = v;
      }
    }
  return best;
}

function allCuts(scores: number[], ys: number[]) {
  const cuts = [...new Set(scores)].sort((a, b) => b - a);
  const pos = ys.filter((v) => v === 1).length;
  const neg = ys.length - pos;
  const pts = [{ tp: 0, fp: 0 }];
  for (const c of cuts) {
    let tp = 0,
      fp = 0;
    scores.forEach((s, i) => {
      if (s >= c) {
        if (ys[i] === 1) tp++;
        else fp++;
      }
    });
    pts.push({ tp, fp });
  }
  return { pts, pos, neg, n: ys.length };
}

describe('fairness: threshold optimiser is exact on small random data (property)', () => {
  const data = fc.array(
    fc.record({
      s: fc.integer({ min: 0, max: 12 }).map((v) => v / 12),
      y: fc.constantFrom(0, 1),
      g: fc.constantFrom(0, 1, 2),
    }),
    { minLength: 2, maxLength: 40 },
  );

  it('demographic parity: matches a brute-force search over every pair of cuts; constraint met', () => {
    fc.assert(
      fc.property(data, (rows) => {
        const group: CategoricalColumn = {
          kind: 'categorical',
          codes: Int32Array.from(rows.map((r) => r.g)),
          levels: ['a', 'b', 'c'],
        };
        const score = rows.map((r) => r.s);
        const y = rows.map((r) => r.y);
        const opt: ThresholdOptimisation = optimizeThresholds(
          { score, label: y, group },
          { constraint: 'demographic_parity' },
        );
        const rates = expectedRates(rowProbabilities(score, group, opt.rules), y, group);
        const sels = Object.values(rates).map((r) => r.sel);
        assert.ok(Math.max(...sels) - Math.min(...sels) < 1e-9);
        const ours = Object.values(rates).reduce((s, r) => s + r.correct, 0);
        const perGroup = [0, 1, 2]
          .filter((g) => rows.some((r) => r.g === g))
          .map((g) => {
            const rs = rows.filter((r) => r.g === g);
            const c = allCuts(
              rs.map((r) => r.s),
              rs.map((r) => r.y),
            );
            return c.pts.map((p) => ({ x: (p.tp + p.fp) / c.n, v: p.tp + c.neg - p.fp }));
          });
        const xs = new Set(perGroup.flatMap((p) => p.map((q) => q.x)));
        let brute = -Infinity;
        for (const x of xs)
          brute = Math.max(
            brute,
            perGroup.reduce((s, p) => s + bruteBest(p, x), 0),
          );
        assert.ok(Math.abs(ours - brute) < 1e-9, `ours ${ours}, brute force ${brute}`);
      }),
      { numRuns: 150 },
    );
  });

  it('equalized odds: at least as accurate as a fine grid over the shared FPR; constraint met', () => {
    fc.assert(
      fc.property(data, (rows) => {
        const present = [0, 1, 2].filter((g) => rows.some((r) => r.g === g));
        const ok = present.every(
          (g) => rows.some((r) => r.g === g && r.y === 1) && rows.some((r) => r.g === g && r.y === 0),
        );
        fc.pre(ok);
        const group: CategoricalColumn = {
          kind: 'categorical',
          codes: Int32Array.from(rows.map((r) => r.g)),
          levels: ['a', 'b', 'c'],
        };
        const score = rows.map((r) => r.s);
        const y = rows.map((r) => r.y);
        const opt = optimizeThresholds({ score, label: y, group }, { constraint: 'equalized_odds' });
        const rates = Object.values(expectedRates(rowProbabilities(score, group, opt.rules), y, group));
        for (const k of ['tpr', 'fpr'] as const) {
          const v = rates.map((r) => r[k]);
          assert.ok(Math.max(...v) - Math.min(...v) < 1e-9, `${k}: ${v.join(', ')}`);
        }
        const ours = rates.reduce((s, r) => s + r.correct, 0);
        const P = y.filter((v) => v === 1).length;
        const N = y.length - P;
        const rocs = present.map((g) => {
          const rs = rows.filter((r) => r.g === g);
          const c = allCuts(
            rs.map((r) => r.s),
            rs.map((r) => r.y),
          );
          return c.pts.map((p) => ({ x: p.fp / c.neg, v: p.tp / c.pos }));
        });
        let brute = -Infinity;
        for (let k = 0; k <= 2000; k++) {
          const x = k / 2000;
          const tpr = Math.min(...rocs.map((p) => bruteBest(p, x)));
          brute = Math.max(brute, P * tpr + N * (1 - x));
        }
        assert.ok(ours >= brute - 1e-9, `ours ${ours}, grid ${brute}`);
      }),
      { numRuns: 150 },
    );
  });
});
