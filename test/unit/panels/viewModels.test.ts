import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MetricsTail,
  TrainingSeries,
  calibrationBins,
  decimateIndices,
  disparityRows,
  ensureMasked,
  groupRows,
  metricsFromConfusion,
  modelSection,
  normalizeMetricRecord,
  overlayFromRecords,
  parseMetricsJsonl,
  thresholdTradeoff,
  tradeoffAt,
  trainingProgress,
  VIEW_DEFAULT_THRESHOLDS,
  wilsonInterval,
} from '../../../src/core/report/viewModels';

describe('panels: metrics.jsonl', () => {
  it('normalises the training loop shapes (camelCase validation names, extra ε, per-attribute fairness)', () => {
    const r = normalizeMetricRecord({
      type: 'epoch',
      epoch: 3,
      loss: 0.41,
      valLoss: 0.43,
      valMetric: 0.84,
      samplesPerSecond: 12000,
      extra: { epsilon: 1.7 },
      fairness: { sex: { equalizedOddsDifference: 0.08 } },
      time: '2026-01-01T00:00:00Z',
    });
    assert.deepEqual(r, {
      kind: 'epoch',
      epoch: 3,
      values: { loss: 0.41, val_loss: 0.43, val_metric: 0.84 },
      samplesPerSecond: 12000,
      epsilon: 1.7,
      fairness: { 'sex.equalizedOddsDifference': 0.08 },
      time: Date.parse('2026-01-01T00:00:00Z'),
    });
  });

  it('infers batch records, skips run events and unknown types', () => {
    assert.equal(normalizeMetricRecord({ epoch: 1, batch: 4, loss: 0.5 })?.kind, 'batch');
    assert.equal(normalizeMetricRecord({ type: 'start', epoch: 0 }), undefined);
    assert.equal(normalizeMetricRecord({ type: 'epoch' }), undefined);
    assert.equal(normalizeMetricRecord('x'), undefined);
    const v = normalizeMetricRecord({ epoch: 1, loss: Number.NaN, validation: { loss: 0.3 } });
    assert.deepEqual(v?.values, { val_loss: 0.3 });
  });

  it('reports malformed lines with their numbers and keeps the rest', () => {
    const { records, problems } = parseMetricsJsonl(
      '{"epoch":1,"loss":1}\n{oops\n\n{"epoch":2,"loss":0.5}\n',
    );
    assert.equal(records.length, 2);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.line, 2);
  });

  it('tails a growing file: a partial last line waits for its newline, line numbers count from the start', () => {
    const t = new MetricsTail();
    assert.equal(t.push('{"epoch":1,"batch":0,"lo').records.length, 0);
    const a = t.push('ss":0.9}\n{"epoch":1,"batch":1,"loss":0.8}\nbad\n{"epoch"');
    assert.deepEqual(
      a.records.map((r) => r.values.loss),
      [0.9, 0.8],
    );
    assert.deepEqual(
      a.problems.map((p) => p.line),
      [3],
    );
    const b = t.push(':1,"loss":0.7}\n');
    assert.equal(b.records.length, 1);
    assert.equal(b.records[0]!.kind, 'epoch');
  });
});

describe('panels: training series and progress', () => {
  const batch = (epoch: number, batch: number, loss: number) =>
    normalizeMetricRecord({ type: 'batch', epoch, batch, batches: 4, loss })!;
  const epoch = (e: number, extra: Record<string, unknown> = {}) =>
    normalizeMetricRecord({ type: 'epoch', epoch: e, loss: 1 / e, valLoss: 1.1 / e, ...extra })!;

  it('places batches at fractional epochs so the last batch meets its epoch point, and smooths batch loss', () => {
    const s = new TrainingSeries(0.5);
    s.add([batch(1, 0, 1), batch(1, 1, 0), batch(1, 2, 1), batch(1, 3, 0), epoch(1)]);
    s.add([batch(2, 0, 1), epoch(2, { epsilon: 0.5 })]);
    assert.deepEqual([...s.batchX()], [0.25, 0.5, 0.75, 1, 1.25]);
    assert.deepEqual(s.epochs, [1, 2]);
    // First smoothed value equals the first raw value (bias correction), then an EMA whose weight decays
    // with the distance in epochs: exp(-0.25 / 0.05) here.
    assert.equal(s.batchLossSmoothed[0], 1);
    const w = Math.exp(-0.25 / 0.05);
    assert.ok(Math.abs(s.batchLossSmoothed[1]! - (w * 1 + 0) / (w + 1 - w)) < 1e-12);
    // Without batches per epoch, a per-point weight (0.5 here).
    const t = new TrainingSeries(0.5);
    t.add([1, 0].map((loss, i) => normalizeMetricRecord({ type: 'batch', epoch: 1, batch: i, loss })!));
    assert.ok(Math.abs(t.batchLossSmoothed[1]! - (0.25 * 1 + 0) / 0.75) < 1e-12);
    assert.deepEqual(s.epochValues.val_loss, [1.1, 0.55]);
    assert.deepEqual(s.epsilon, [null, 0.5]);
    assert.equal(s.hasEpsilon, true);
    assert.equal(s.latest('loss'), 0.5);
  });

  it('learns batches per epoch from the first epoch when records do not say, and handles sparse reports', () => {
    const s = new TrainingSeries();
    const b = (e: number, i: number) =>
      normalizeMetricRecord({ type: 'batch', epoch: e, batch: i, loss: 1 })!;
    s.add([b(1, 1), b(1, 3)]);
    assert.deepEqual([...s.batchX()], [0.5, 1], 'spread by the highest index seen so far');
    s.add([epoch(1), b(2, 1)]);
    assert.equal(s.batchesPerEpoch, 4);
    assert.deepEqual([...s.batchX()], [0.5, 1, 1.5]);
  });

  it('keeps per-epoch arrays aligned when a figure appears late', () => {
    const s = new TrainingSeries();
    s.add([epoch(1), epoch(2, { fairness: { eod: 0.1 } }), epoch(3)]);
    assert.deepEqual(s.fairness.eod, [null, 0.1, null]);
    assert.equal(s.epochValues.loss!.length, 3);
  });

  it('computes fraction done within an epoch and an ETA from injected time', () => {
    const s = new TrainingSeries();
    s.add([
      batch(1, 0, 1),
      batch(1, 1, 1),
      batch(1, 2, 1),
      batch(1, 3, 1),
      epoch(1),
      batch(2, 0, 1),
      batch(2, 1, 1),
    ]);
    const p = trainingProgress(s, { epochs: 10, startedAt: 0 }, 'running', 15_000);
    assert.equal(p.epochsDone, 1);
    assert.ok(Math.abs(p.fraction! - 0.15) < 1e-12);
    assert.ok(Math.abs(p.etaMs! - 85_000) < 1e-6);
    assert.equal(trainingProgress(s, { epochs: 10, startedAt: 0 }, 'finished', 15_000).etaMs, undefined);
    assert.equal(trainingProgress(s, {}, 'running', 1).fraction, undefined);
  });

  it('reduces earlier runs to per-epoch overlays', () => {
    const o = overlayFromRecords('r1', [batch(1, 0, 1), epoch(1), epoch(2)]);
    assert.deepEqual(o.epochs, [1, 2]);
    assert.deepEqual(o.series.loss, [1, 0.5]);
  });
});

describe('panels: M4 decimation', () => {
  it('keeps everything when there are few points, skipping gaps', () => {
    assert.deepEqual(decimateIndices([1, 2, 3], [1, null, 3], 10), [0, 2]);
    assert.deepEqual(decimateIndices([], [], 10), []);
  });

  it("reduces 100,000 points to at most 4 per bucket and keeps each bucket's extremes", () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(i / 500) + (i === 54_321 ? 9 : 0) - (i === 77_777 ? 9 : 0),
    );
    const keep = decimateIndices(x, y, 800);
    assert.ok(keep.length <= 4 * 800, `kept ${keep.length}`);
    assert.ok(keep.length > 800);
    assert.ok(keep.includes(54_321) && keep.includes(77_777), 'spikes survive');
    assert.ok(keep.includes(0) && keep.includes(n - 1), 'ends survive');
    for (let i = 1; i < keep.length; i++) assert.ok(keep[i]! > keep[i - 1]!, 'ascending, unique');
  });

  it('draws the same per-bucket min and max as the full series (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 40 }),
        (ys, buckets) => {
          const x = ys.map((_, i) => i);
          const keep = decimateIndices(x, ys, buckets);
          const span = x.length - 1;
          const bucketOf = (i: number) =>
            span > 0 ? Math.min(buckets - 1, Math.floor((i / span) * buckets)) : 0;
          const full = new Map<number, [number, number]>();
          ys.forEach((v, i) => {
            const b = bucketOf(i);
            const m = full.get(b) ?? [Infinity, -Infinity];
            full.set(b, [Math.min(m[0], v), Math.max(m[1], v)]);
          });
          const kept = new Map<number, [number, number]>();
          for (const i of keep) {
            const b = bucketOf(i);
            const m = kept.get(b) ?? [Infinity, -Infinity];
            kept.set(b, [Math.min(m[0], ys[i]!), Math.max(m[1], ys[i]!)]);
          }
          assert.deepEqual(kept, full);
          assert.ok(keep.length <= Math.max(ys.length <= 4 * buckets ? ys.length : 4 * buckets));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('always keeps the requested indices', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y = x.map(() => 1);
    const keep = decimateIndices(x, y, 10, [500, 501]);
    assert.ok(keep.includes(500) && keep.includes(501));
  });
});

describe('panels: statistics', () => {
  it('Wilson interval: known value, bounds, empty group', () => {
    const [lo, hi] = wilsonInterval(50, 100);
    assert.ok(Math.abs(lo - 0.4038) < 1e-3 && Math.abs(hi - 0.5962) < 1e-3);
    const [lo0, hi0] = wilsonInterval(0, 10);
    assert.equal(lo0, 0);
    assert.ok(hi0 > 0 && hi0 < 0.35);
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
  });

  it('group metrics: zero denominators are null, not 0 or NaN', () => {
    const m = metricsFromConfusion({ tp: 0, fp: 0, tn: 5, fn: 0 });
    assert.equal(m.tpr, null);
    assert.equal(m.ppv, null);
    assert.equal(m.fpr, 0);
    assert.equal(m.selectionRate, 0);
    assert.deepEqual(metricsFromConfusion({ tp: 0, fp: 0, tn: 0, fn: 0 }).accuracy, null);
  });
});

describe('panels: model audit view', () => {
  const audit = {
    overall: { accuracy: 0.85, n: 200 },
    groups: {
      sex: {
        Male: { n: 120, confusion: { tp: 40, fp: 10, tn: 60, fn: 10 } },
        Female: { n: 80, selectionRate: 0.1, confusion: { tp: 5, fp: 3, tn: 62, fn: 10 } },
      },
    },
    disparities: { sex: { demographicParityDifference: 0.317, disparateImpact: 0.24 } },
    findings: [
      { rule: 'fairness/demographic-parity', severity: 'warning', message: 'Selection rate differs' },
    ],
  };

  it('checks groups against the most favourable group and the policy thresholds', () => {
    const m = modelSection(audit, VIEW_DEFAULT_THRESHOLDS);
    const sex = m.attributes[0]!;
    assert.equal(sex.attribute, 'sex');
    const [male, female] = sex.groups;
    assert.equal(male!.value, 'Male');
    assert.equal(male!.pass, true);
    assert.equal(female!.metrics.selectionRate, 0.1, 'given figures win over the confusion matrix');
    assert.equal(female!.checks.selectionRate, false);
    assert.equal(female!.checks.tpr, false, 'TPR 5/15 vs 40/50');
    assert.equal(female!.pass, false);
    assert.deepEqual(
      sex.disparities.map((d) => [d.metric, d.kind, d.pass]),
      [
        ['demographicParityDifference', 'difference', false],
        ['disparateImpact', 'ratio', false],
      ],
    );
    assert.equal(m.findings[0]!.rule, 'fairness/demographic-parity');
    assert.equal(m.threshold, 0.5);
  });

  it('computes disparities from the groups when the audit has none', () => {
    const gr = groupRows(
      {
        a: { confusion: { tp: 10, fp: 0, tn: 10, fn: 0 } },
        b: { confusion: { tp: 9, fp: 1, tn: 9, fn: 1 } },
      },
      VIEW_DEFAULT_THRESHOLDS,
    );
    const d = disparityRows(undefined, gr, VIEW_DEFAULT_THRESHOLDS);
    const eod = d.find((r) => r.metric === 'equalizedOddsDifference')!;
    assert.ok(Math.abs(eod.value - 0.1) < 1e-12);
    assert.equal(eod.pass, true);
    assert.deepEqual(disparityRows(undefined, gr.slice(0, 1), VIEW_DEFAULT_THRESHOLDS), []);
  });

  it('never takes a group below the minimum size as the reference', () => {
    const gr = groupRows(
      {
        big1: { n: 500, confusion: { tp: 100, fp: 50, tn: 300, fn: 50 } },
        big2: { n: 500, confusion: { tp: 95, fp: 55, tn: 295, fn: 55 } },
        tiny: { n: 10, confusion: { tp: 5, fp: 0, tn: 5, fn: 0 } },
      },
      VIEW_DEFAULT_THRESHOLDS,
    );
    assert.equal(gr.find((g) => g.value === 'big1')!.pass, true, 'not failed against the 10-row group');
    assert.equal(gr.find((g) => g.value === 'tiny')!.checks.tpr, true, 'the small group is still checked');
  });

  it('tolerates an empty or foreign audit', () => {
    const m = modelSection(null, VIEW_DEFAULT_THRESHOLDS);
    assert.deepEqual(m.attributes, []);
    assert.deepEqual(modelSection({ groups: 3, overall: 'x' }, VIEW_DEFAULT_THRESHOLDS).attributes, []);
  });
});

describe('panels: threshold trade-off and calibration', () => {
  function brute(scores: number[], labels: number[], groups: string[], t: number) {
    let correct = 0;
    const by = new Map<string, { n: number; sel: number; p: number; tp: number; neg: number; fp: number }>();
    scores.forEach((s, i) => {
      const yhat = s >= t ? 1 : 0;
      if (yhat === labels[i]) correct++;
      const g = by.get(groups[i]!) ?? { n: 0, sel: 0, p: 0, tp: 0, neg: 0, fp: 0 };
      g.n++;
      g.sel += yhat;
      if (labels[i] === 1) {
        g.p++;
        g.tp += yhat;
      } else {
        g.neg++;
        g.fp += yhat;
      }
      by.set(groups[i]!, g);
    });
    const sr = [...by.values()].map((g) => g.sel / g.n);
    const tpr = [...by.values()].filter((g) => g.p > 0).map((g) => g.tp / g.p);
    const fpr = [...by.values()].filter((g) => g.neg > 0).map((g) => g.fp / g.neg);
    const range = (a: number[]) => (a.length > 1 ? Math.max(...a) - Math.min(...a) : null);
    const tr = range(tpr);
    const fr = range(fpr);
    return {
      accuracy: correct / scores.length,
      dpd: range(sr),
      eod: tr === null && fr === null ? null : Math.max(tr ?? 0, fr ?? 0),
    };
  }

  it('matches a brute-force count at every grid threshold, including scores on the grid (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            s: fc.oneof(
              fc.double({ min: 0, max: 1, noNaN: true }),
              fc.integer({ min: 0, max: 20 }).map((k) => k / 20),
            ),
            y: fc.integer({ min: 0, max: 1 }),
            g: fc.constantFrom('a', 'b', 'c'),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (rows) => {
          const scores = rows.map((r) => r.s);
          const labels = rows.map((r) => r.y);
          const groups = rows.map((r) => r.g);
          const pts = thresholdTradeoff({ scores, labels, groups: { g: groups } }, 20);
          assert.equal(pts.length, 21);
          for (const p of pts) {
            const b = brute(scores, labels, groups, p.threshold);
            assert.ok(Math.abs(p.accuracy! - b.accuracy) < 1e-12, `accuracy at ${p.threshold}`);
            const dpd = p.demographicParityDifference.g ?? null;
            assert.equal(dpd === null, b.dpd === null);
            if (dpd !== null) assert.ok(Math.abs(dpd - b.dpd!) < 1e-12);
            const eod = p.equalizedOddsDifference.g ?? null;
            assert.equal(eod === null, b.eod === null);
            if (eod !== null) assert.ok(Math.abs(eod - b.eod!) < 1e-12);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('threshold 0 selects everyone; the slider picks the nearest point', () => {
    const pts = thresholdTradeoff({
      scores: [0, 0.3, 0.9],
      labels: [0, 1, 1],
      groups: { g: ['a', 'a', 'b'] },
    });
    assert.equal(pts[0]!.selectionRate.g!.a, 1);
    assert.equal(tradeoffAt(pts, 0.304)!.threshold, 0.3);
  });

  it('calibration bins: empty bins are null, 1.0 falls in the last bin, intervals are Wilson', () => {
    const bins = calibrationBins([0.05, 0.07, 1, 0.95], [0, 1, 1, 1], 10);
    assert.equal(bins.length, 10);
    assert.equal(bins[0]!.n, 2);
    assert.equal(bins[0]!.observedRate, 0.5);
    assert.ok(Math.abs(bins[0]!.meanScore! - 0.06) < 1e-12);
    assert.equal(bins[5]!.meanScore, null);
    assert.equal(bins[9]!.n, 2);
    assert.deepEqual(bins[9]!.interval, wilsonInterval(2, 2));
  });
});

describe('panels: masking guard', () => {
  it('leaves masked excerpts and masks unmasked ones', () => {
    assert.equal(ensureMasked('j***@example.com'), 'j***@example.com');
    assert.equal(ensureMasked('jane.doe@example.com'), 'j***@example.com');
    assert.equal(ensureMasked('123-45-6789'), '*******6789');
    assert.equal(ensureMasked('abc'), '***');
  });
});
