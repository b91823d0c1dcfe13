import * as assert from 'assert';
import fc from 'fast-check';
import { encodeCategorical } from '../../../src/core/data/encoded';
import {
  auditPredictions,
  computeDisparities,
  type GroupMetrics,
} from '../../../src/core/fairness/predictionAudit';

const close = (a: number | null | undefined, b: number | null | undefined, tol = 1e-12) =>
  (a === null && b === null) ||
  (a === undefined && b === undefined) ||
  (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= tol);

describe('fairness: prediction audit against hand-computed confusion matrices', () => {
  // Group A: tp 2, fn 1, fp 1, tn 4. Group B: tp 2, fp 2, nothing predicted negative.
  const label = [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0];
  const pred = [1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1];
  const grp = encodeCategorical(['A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B']);
  const audit = auditPredictions({ label, prediction: pred, groups: { g: grp } });

  it('computes every rate of a group', () => {
    const a = audit.groups.g!.A!;
    assert.deepStrictEqual(a.confusion, { tp: 2, fp: 1, tn: 4, fn: 1 });
    assert.strictEqual(a.n, 8);
    assert.strictEqual(a.positives, 3);
    assert.strictEqual(a.baseRate, 3 / 8);
    assert.strictEqual(a.selectionRate, 3 / 8);
    assert.strictEqual(a.tpr, 2 / 3);
    assert.strictEqual(a.fnr, 1 / 3);
    assert.strictEqual(a.fpr, 1 / 5);
    assert.strictEqual(a.tnr, 4 / 5);
    assert.strictEqual(a.ppv, 2 / 3);
    assert.strictEqual(a.npv, 4 / 5);
    assert.strictEqual(a.accuracy, 6 / 8);
    assert.deepStrictEqual(a.reasons, {});
  });

  it('gives null with a reason for a zero denominator, never NaN', () => {
    const b = audit.groups.g!.B!;
    assert.deepStrictEqual(b.confusion, { tp: 2, fp: 2, tn: 0, fn: 0 });
    assert.strictEqual(b.npv, null);
    assert.match(b.reasons.npv!, /nothing in the group is predicted negative/);
    assert.strictEqual(b.fpr, 1);
    assert.strictEqual(b.tnr, 0);
    assert.strictEqual(b.ppv, 0.5);
    assert.ok(!JSON.stringify(audit).includes('NaN'));
  });

  it("computes Fairlearn's between-group disparities", () => {
    const d = audit.disparities.g!;
    assert.strictEqual(d.demographicParityDifference, 1 - 3 / 8);
    assert.strictEqual(d.demographicParityRatio, 3 / 8);
    assert.strictEqual(d.equalOpportunityDifference, 1 - 2 / 3);
    assert.strictEqual(d.equalOpportunityRatio, 2 / 3);
    assert.strictEqual(d.equalizedOddsDifference, Math.max(1 - 2 / 3, 1 - 1 / 5));
    assert.strictEqual(d.equalizedOddsRatio, Math.min(2 / 3, 1 / 5));
    assert.strictEqual(d.predictiveParityDifference, 2 / 3 - 1 / 2);
    assert.deepStrictEqual(d.extremes.selectionRate, {
      min: { group: 'A', value: 3 / 8, n: 8 },
      max: { group: 'B', value: 1, n: 4 },
    });
  });

  it('reports crossed policy thresholds with the numbers, and small groups', () => {
    const th = audit.findings.filter((f) => f.rule === 'fairness/threshold');
    assert.deepStrictEqual(
      th.map((f) => f.data?.metric),
      [
        'demographicParityDifference',
        'demographicParityRatio',
        'equalizedOddsDifference',
        'equalizedOddsRatio',
        'equalOpportunityDifference',
        'predictiveParityDifference',
      ],
    );
    const eo = th.find((f) => f.data?.metric === 'equalizedOddsDifference')!;
    assert.strictEqual(eo.column, 'g');
    assert.strictEqual(eo.data?.value, 0.8);
    assert.strictEqual(eo.data?.threshold, 0.1);
    assert.match(
      eo.message,
      /Equalized odds difference for `g` is 0\.800 \(false positive rate 'A' 0\.200 vs 'B' 1\.000\), above the policy's 0\.1/,
    );
    const lenient = auditPredictions(
      { label, prediction: pred, groups: { g: grp } },
      {
        thresholds: {
          demographicParityDifference: 1,
          demographicParityRatio: 0,
          equalizedOddsDifference: 1,
          equalizedOddsRatio: 0,
          equalOpportunityDifference: 1,
          predictiveParityDifference: 1,
        },
      },
    );
    assert.strictEqual(lenient.findings.filter((f) => f.rule === 'fairness/threshold').length, 0);
    const small = audit.findings.find((f) => f.rule === 'fairness/small-group')!;
    assert.strictEqual(small.severity, 'info');
    assert.match(small.message, /2 groups have fewer than 30 rows/);
  });

  it('covers the edge cases: missing rows, empty and one-class groups, no predicted positives', () => {
    const g = encodeCategorical(['P', 'P', 'N', 'N', 'Z', undefined, 'P']);
    g.levels.push('Empty'); // a level no row uses: not a group
    const r = auditPredictions({
      label: [1, 1, 0, 0, 1, 1, -1],
      prediction: [1, 0, 0, 0, NaN, 1, 1],
      groups: { g },
    });
    assert.strictEqual(r.overall.n, 5, 'rows missing the label or the prediction are left out');
    assert.deepStrictEqual(Object.keys(r.groups.g!), ['P', 'N'], 'Z has no complete row, Empty none at all');
    const p = r.groups.g!.P!;
    assert.strictEqual(p.fpr, null);
    assert.strictEqual(p.tnr, null);
    assert.match(p.reasons.fpr!, /no negative labels/);
    const n = r.groups.g!.N!;
    assert.strictEqual(n.tpr, null);
    assert.match(n.reasons.tpr!, /no positive labels/);
    assert.strictEqual(n.ppv, null);
    assert.match(n.reasons.ppv!, /nothing in the group is predicted positive/);
    assert.strictEqual(n.selectionRate, 0);
    const d = r.disparities.g!;
    assert.strictEqual(d.equalOpportunityDifference, null);
    assert.match(
      d.reasons.equalOpportunityDifference!,
      /fewer than two groups have a defined true positive rate/,
    );
    assert.strictEqual(d.equalizedOddsDifference, null);
    assert.strictEqual(d.demographicParityDifference, 0.5);
  });

  it('gives null metrics for an empty population and zero total weight', () => {
    const r = auditPredictions({ label: [], prediction: [], groups: {} });
    assert.strictEqual(r.overall.n, 0);
    assert.strictEqual(r.overall.accuracy, null);
    assert.match(r.overall.reasons.accuracy!, /no rows with a label and a prediction/);
    const w = auditPredictions({ label: [1, 0], prediction: [1, 1], groups: {}, weights: [0, 0] });
    assert.strictEqual(w.overall.n, 2);
    assert.strictEqual(w.overall.selectionRate, null);
    assert.match(w.overall.reasons.selectionRate!, /weight 0/);
  });

  it('ratios are null when every group is at 0', () => {
    const d = computeDisparities({
      a: { selectionRate: 0, tpr: null, fpr: null, ppv: null, accuracy: 1, n: 3 } as GroupMetrics,
      b: { selectionRate: 0, tpr: null, fpr: null, ppv: null, accuracy: 1, n: 3 } as GroupMetrics,
    });
    assert.strictEqual(d.demographicParityDifference, 0);
    assert.strictEqual(d.demographicParityRatio, null);
    assert.match(d.reasons.demographicParityRatio!, /every group's selection rate is 0/);
  });

  it('rejects a value that is not an outcome, naming its row; and bad weights', () => {
    assert.throws(
      () => auditPredictions({ label: [1, 0, 2], prediction: [1, 0, 1], groups: {} }),
      /label: row 3 holds 2/,
    );
    assert.throws(
      () => auditPredictions({ label: [1], prediction: [1, 0], groups: {} }),
      /prediction: expected 1 values, got 2/,
    );
    assert.throws(
      () => auditPredictions({ label: [1, 0], prediction: [1, 0], groups: {}, weights: [1, -1] }),
      /row 2 has weight -1/,
    );
  });

  it('ROC AUC matches the scikit-learn example and counts ties as one half', () => {
    const r = auditPredictions({
      label: [0, 0, 1, 1],
      prediction: [0, 0, 0, 1],
      score: [0.1, 0.4, 0.35, 0.8],
      groups: {},
    });
    assert.strictEqual(r.overall.rocAuc, 0.75);
    const t = auditPredictions({
      label: [1, 0, 1, 0],
      prediction: [1, 1, 0, 0],
      score: [0.5, 0.5, 0.9, 0.1],
      groups: {},
    });
    assert.strictEqual(t.overall.rocAuc, (1 + 0.5 + 1 + 1) / 4);
    const one = auditPredictions({ label: [1, 1], prediction: [1, 0], score: [0.2, 0.3], groups: {} });
    assert.strictEqual(one.overall.rocAuc, null);
    assert.match(one.overall.reasons.rocAuc!, /no negative labels/);
  });

  it('ECE and reliability bins use scikit-learn bin edges (0.3 falls in [0.2, 0.3))', () => {
    const r = auditPredictions({
      label: [0, 1, 0, 1],
      prediction: [0, 0, 0, 1],
      score: [0.1, 0.3, 0.3, 0.95],
      groups: {},
    });
    assert.ok(close(r.overall.ece, (0.1 + 2 * 0.2 + 0.05) / 4, 1e-15));
    const bins = r.overall.reliability!;
    assert.strictEqual(bins.length, 10);
    assert.deepStrictEqual(
      bins.map((b) => b.count),
      [0, 1, 2, 0, 0, 0, 0, 0, 0, 1],
    );
    assert.strictEqual(bins[0]!.meanScore, null);
    assert.strictEqual(bins[2]!.fractionPositive, 0.5);
    assert.strictEqual(bins[9]!.upper, 1);
    const bad = auditPredictions({ label: [0, 1], prediction: [0, 1], score: [-2, 3], groups: {} });
    assert.strictEqual(bad.overall.ece, null);
    assert.match(bad.overall.reasons.ece!, /outside \[0, 1\]/);
    assert.strictEqual(bad.overall.rocAuc, 1, 'AUC needs no probabilities');
    const none = auditPredictions({ label: [0, 1], prediction: [0, 1], score: [NaN, NaN], groups: {} });
    assert.strictEqual(none.overall.rocAuc, null);
    assert.strictEqual(none.overall.ece, null);
  });
});

// ---- Property-based: every metric against a plain, separately written computation over rows ----

interface Row {
  y: number;
  p: number;
  s: number;
  g: number;
  w: number;
}

function reference(rows: Row[], weighted: boolean, scored: boolean) {
  const div = (a: number, b: number) => (b > 0 ? a / b : null);
  const metricsOf = (sel: Row[]) => {
    let tp = 0,
      fp = 0,
      tn = 0,
      fn = 0;
    const ok = sel.filter((r) => (r.y === 0 || r.y === 1) && (r.p === 0 || r.p === 1));
    for (const r of ok) {
      const w = weighted ? r.w : 1;
      if (r.y === 1 && r.p === 1) tp += w;
      if (r.y === 0 && r.p === 1) fp += w;
      if (r.y === 0 && r.p === 0) tn += w;
      if (r.y === 1 && r.p === 0) fn += w;
    }
    const out: Record<string, number | null> = {
      n: ok.length,
      baseRate: div(tp + fn, tp + fn + fp + tn),
      selectionRate: div(tp + fp, tp + fn + fp + tn),
      tpr: div(tp, tp + fn),
      fpr: div(fp, fp + tn),
      fnr: div(fn, tp + fn),
      tnr: div(tn, fp + tn),
      ppv: div(tp, tp + fp),
      npv: div(tn, tn + fn),
      accuracy: div(tp + tn, tp + fn + fp + tn),
    };
    if (scored) {
      // AUC over all pairs.
      const sc = ok.filter((r) => !Number.isNaN(r.s));
      let num = 0,
        den = 0;
      for (const a of sc)
        for (const b of sc) {
          if (a.y !== 1 || b.y !== 0) continue;
          const w = (weighted ? a.w : 1) * (weighted ? b.w : 1);
          den += w;
          num += w * (a.s > b.s ? 1 : a.s === b.s ? 0.5 : 0);
        }
      out.rocAuc = den > 0 ? num / den : null;
      // ECE with a linear scan of NumPy linspace edges.
      const edges = Array.from({ length: 9 }, (_, i) => (i + 1) * 0.1);
      const ws = new Array(10).fill(0),
        ss = new Array(10).fill(0),
        ps = new Array(10).fill(0);
      let tot = 0;
      for (const r of sc) {
        let b = 0;
        while (b < edges.length && edges[b]! <= r.s) b++;
        const w = weighted ? r.w : 1;
        ws[b] += w;
        ss[b] += w * r.s;
        ps[b] += r.y === 1 ? w : 0;
        tot += w;
      }
      let ece = 0;
      for (let b = 0; b < 10; b++)
        if (ws[b] > 0) ece += (ws[b] / tot) * Math.abs(ss[b] / ws[b] - ps[b] / ws[b]);
      out.ece = sc.length > 0 && tot > 0 ? ece : null;
    }
    return out;
  };
  const groups: Record<string, Record<string, number | null>> = {};
  for (let g = 0; g < 4; g++) {
    const sel = rows.filter((r) => r.g === g && (r.y === 0 || r.y === 1) && (r.p === 0 || r.p === 1));
    if (sel.length > 0) groups[`g${g}`] = metricsOf(sel);
  }
  const spread = (k: string) => {
    const vals = Object.values(groups)
      .map((m) => m[k])
      .filter((v): v is number => v !== null && v !== undefined);
    if (vals.length < 2) return { d: null, r: null };
    let mn = Infinity,
      mx = -Infinity;
    for (const v of vals) {
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    return { d: mx - mn, r: mx > 0 ? mn / mx : null };
  };
  const sel = spread('selectionRate'),
    tpr = spread('tpr'),
    fpr = spread('fpr'),
    ppv = spread('ppv');
  const disp = {
    demographicParityDifference: sel.d,
    demographicParityRatio: sel.r,
    equalOpportunityDifference: tpr.d,
    equalizedOddsDifference: tpr.d !== null && fpr.d !== null ? Math.max(tpr.d, fpr.d) : null,
    equalizedOddsRatio: tpr.r !== null && fpr.r !== null ? Math.min(tpr.r, fpr.r) : null,
    predictiveParityDifference: ppv.d,
  };
  return { overall: metricsOf(rows), groups, disp };
}

describe('fairness: prediction audit agrees with a row-by-row reference (property)', () => {
  const row = fc.record({
    y: fc.constantFrom(0, 1, 1, 0, -1, NaN),
    p: fc.constantFrom(0, 1, 0, 1, -1),
    s: fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(0, 0.1, 0.2, 0.30000000000000004, 0.3, 0.5, 1, NaN),
    ),
    g: fc.integer({ min: -1, max: 3 }),
    // Instance weights as reweighing and survey designs produce them (and exact zeros). Subnormal weights such as
    // 1e-300 make products underflow to 0 in one summation order and not in another, so "empty" differs between
    // two correct computations (a seen counterexample: weights near 1e-235 gave ROC AUC 0 against null).
    w: fc.oneof(fc.double({ min: 1e-6, max: 5, noNaN: true }), fc.constant(0), fc.constant(1)),
  });
  it('every rate, AUC, ECE and disparity matches to 1e-12', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.boolean(), fc.boolean(), (rows, weighted, scored) => {
        const groups = {
          grp: {
            kind: 'categorical' as const,
            codes: Int32Array.from(rows.map((r) => r.g)),
            levels: ['g0', 'g1', 'g2', 'g3'],
          },
        };
        const audit = auditPredictions({
          label: rows.map((r) => r.y),
          prediction: rows.map((r) => r.p),
          groups,
          ...(scored ? { score: rows.map((r) => r.s) } : {}),
          ...(weighted ? { weights: rows.map((r) => r.w) } : {}),
        });
        const ref = reference(rows, weighted, scored);
        const cmp = (got: GroupMetrics, want: Record<string, number | null>, where: string) => {
          for (const [k, v] of Object.entries(want)) {
            const g = (got as unknown as Record<string, number | null | undefined>)[k];
            if (!close(g, v)) throw new Error(`${where}.${k}: got ${String(g)}, want ${String(v)}`);
            if (g === null && !got.reasons[k]) throw new Error(`${where}.${k} is null without a reason`);
          }
        };
        cmp(audit.overall, ref.overall, 'overall');
        assert.deepStrictEqual(Object.keys(audit.groups.grp!).sort(), Object.keys(ref.groups).sort());
        for (const [k, m] of Object.entries(ref.groups)) cmp(audit.groups.grp![k]!, m, k);
        const d = audit.disparities.grp!;
        for (const [k, v] of Object.entries(ref.disp)) {
          const g = d[k as keyof typeof ref.disp];
          if (!close(g, v)) throw new Error(`disparity ${k}: got ${String(g)}, want ${String(v)}`);
        }
        assert.ok(!JSON.stringify(audit).includes('NaN'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fairness: group values that are also JavaScript property names', () => {
  it('treats __proto__, constructor and toString as ordinary groups', () => {
    const g = encodeCategorical([
      '__proto__',
      '__proto__',
      'constructor',
      'constructor',
      'toString',
      'toString',
    ]);
    const r = auditPredictions({ label: [1, 0, 1, 0, 1, 0], prediction: [1, 0, 0, 0, 1, 1], groups: { g } });
    assert.deepStrictEqual(Object.keys(r.groups.g!), ['__proto__', 'constructor', 'toString']);
    assert.strictEqual(r.groups.g!['__proto__']!.tpr, 1);
    const ctor: string = 'constructor'; // a string key reaches the index signature, not Object's member
    assert.strictEqual(r.groups.g![ctor]!.tpr, 0);
    assert.strictEqual(r.disparities.g!.equalOpportunityDifference, 1);
    const json = JSON.parse(JSON.stringify(r)) as { groups: { g: Record<string, unknown> } };
    assert.deepStrictEqual(Object.keys(json.groups.g), ['__proto__', 'constructor', 'toString']);
  });
});
