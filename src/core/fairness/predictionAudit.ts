/**
 * Audits a model's predictions, from any framework, by group: confusion-matrix rates per group, score
 * metrics (ROC AUC, calibration) when a score is given, and the disparities between groups with Fairlearn's
 * definitions. Every rate is a number or `null` with a reason; never NaN, so reports stay valid JSON.
 */
import type { Finding } from '../findings';
import type { CategoricalColumn } from '../data/encoded';
import { checkWeights, fmt, readOutcome } from './stats';
import { DEFAULT_THRESHOLDS } from '../thresholds';

/** Policy limits on disparities; a subset of the workspace policy's `thresholds`, so that can be passed as is. */
export interface FairnessThresholds {
  /** Largest allowed selection-rate difference between groups. Default 0.1. */
  demographicParityDifference?: number;
  /** Smallest allowed selection-rate ratio (four-fifths rule). Default 0.8. */
  demographicParityRatio?: number;
  /** Largest allowed max(TPR difference, FPR difference). Default 0.1. */
  equalizedOddsDifference?: number;
  /** Smallest allowed min(TPR ratio, FPR ratio). Default 0.8. */
  equalizedOddsRatio?: number;
  /** Largest allowed TPR difference. Default 0.1. */
  equalOpportunityDifference?: number;
  /** Largest allowed PPV (precision) difference. Default 0.1. */
  predictiveParityDifference?: number;
  /** Groups with fewer rows are reported by `fairness/small-group`. Default 30. */
  minGroupSize?: number;
}

/** The policy's defaults for these thresholds: one set of numbers for the policy, the audits and the panels. */
export const DEFAULT_FAIRNESS_THRESHOLDS: Required<FairnessThresholds> = {
  demographicParityDifference: DEFAULT_THRESHOLDS.demographicParityDifference,
  demographicParityRatio: DEFAULT_THRESHOLDS.demographicParityRatio,
  equalizedOddsDifference: DEFAULT_THRESHOLDS.equalizedOddsDifference,
  equalizedOddsRatio: DEFAULT_THRESHOLDS.equalizedOddsRatio,
  equalOpportunityDifference: DEFAULT_THRESHOLDS.equalOpportunityDifference,
  predictiveParityDifference: DEFAULT_THRESHOLDS.predictiveParityDifference,
  minGroupSize: DEFAULT_THRESHOLDS.minGroupSize,
};

/** Weighted counts (row counts without weights). */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** One equal-width calibration bin on [0, 1], as scikit-learn's `calibration_curve(strategy='uniform')`. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  /** Rows whose score falls in the bin. */
  count: number;
  /** Mean score in the bin; null when the bin is empty. */
  meanScore: number | null;
  /** Share of positive labels in the bin; null when the bin is empty. */
  fractionPositive: number | null;
}

/**
 * Metrics of one group (or of everyone). The population is the rows with both a label and a prediction;
 * score metrics further need a score. With weights, every count is a sum of weights and `n` stays a row count.
 *
 * Definitions (P = tp + fn actual positives, N = fp + tn actual negatives, T = P + N):
 * - `baseRate` = P / T; `selectionRate` = (tp + fp) / T; `accuracy` = (tp + tn) / T — null when T = 0.
 * - `tpr` = tp / P (recall), `fnr` = fn / P — null when the group has no positive labels.
 * - `fpr` = fp / N, `tnr` = tn / N — null when the group has no negative labels.
 * - `ppv` = tp / (tp + fp) (precision) — null when nothing is predicted positive.
 * - `npv` = tn / (tn + fn) — null when nothing is predicted negative.
 * - `rocAuc`: probability that a random positive scores above a random negative, ties counting one half
 *   (Mann–Whitney, equal to scikit-learn's `roc_auc_score`) — null with one class only or no scores.
 * - `ece`: Σ_b (n_b / n) |mean score_b − fraction positive_b| over 10 equal-width bins (scikit-learn's bin
 *   edges) — null without scores or when a score lies outside [0, 1] (not a probability).
 * Each null has its reason in `reasons[metric]`.
 */
export interface GroupMetrics {
  n: number;
  /** Weighted actual positives (tp + fn). */
  positives: number;
  baseRate: number | null;
  selectionRate: number | null;
  tpr: number | null;
  fpr: number | null;
  fnr: number | null;
  tnr: number | null;
  ppv: number | null;
  npv: number | null;
  accuracy: number | null;
  confusion: Confusion;
  rocAuc?: number | null;
  ece?: number | null;
  reliability?: ReliabilityBin[];
  reasons: Record<string, string>;
}

export interface Extreme {
  group: string;
  value: number;
  n: number;
}

/**
 * Disparities between the groups of one attribute, with Fairlearn's "between groups" aggregation: a
 * difference is the largest group value minus the smallest, a ratio the smallest over the largest, over the
 * groups where the metric is defined. Null (with a reason) when fewer than two groups define the metric, or a
 * ratio's largest value is 0.
 * - demographic parity: selection rate; equal opportunity: TPR; predictive parity: PPV;
 * - equalized odds: difference = max(TPR difference, FPR difference), ratio = min(TPR ratio, FPR ratio).
 */
export interface Disparities {
  demographicParityDifference: number | null;
  demographicParityRatio: number | null;
  equalizedOddsDifference: number | null;
  equalizedOddsRatio: number | null;
  equalOpportunityDifference: number | null;
  equalOpportunityRatio: number | null;
  predictiveParityDifference: number | null;
  predictiveParityRatio: number | null;
  accuracyDifference: number | null;
  /** The groups with the smallest and largest value of each underlying metric. */
  extremes: Record<string, { min: Extreme; max: Extreme }>;
  reasons: Record<string, string>;
}

export interface PredictionAudit {
  overall: GroupMetrics;
  /** `groups[attribute][value]`; rows missing the attribute are left out of that attribute's groups. */
  groups: Record<string, Record<string, GroupMetrics>>;
  disparities: Record<string, Disparities>;
  /** `fairness/threshold` and `fairness/small-group`, with `column` set to the attribute. */
  findings: Finding[];
}

export interface PredictionAuditInput {
  /** 1, 0, or -1/NaN for missing. */
  label: ArrayLike<number>;
  /** 1, 0, or -1/NaN for missing. */
  prediction: ArrayLike<number>;
  /** Optional score (probability of the positive outcome for calibration); NaN for missing. */
  score?: ArrayLike<number>;
  groups: Record<string, CategoricalColumn>;
  weights?: ArrayLike<number>;
}

export interface PredictionAuditOptions {
  thresholds?: FairnessThresholds;
  /** Calibration bins. Default 10. */
  calibrationBins?: number;
}

function ratio(
  num: number,
  den: number,
  reasons: Record<string, string>,
  key: string,
  why: string,
): number | null {
  if (den > 0) return num / den;
  reasons[key] = why;
  return null;
}

/** Binary search for scikit-learn's `np.searchsorted(bins[1:-1], s, side='right')` bin index. */
function binOf(edges: Float64Array, s: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The weighted confusion counts of a group and its rows (`n`) as {@link GroupMetrics}, without score metrics. */
export function metricsOfCounts(n: number, c: Confusion): GroupMetrics {
  const { tp, fp, tn, fn } = c;
  const reasons: Record<string, string> = {};
  const P = tp + fn;
  const N = fp + tn;
  const T = P + N;
  const empty =
    n === 0 ? 'the group has no rows with a label and a prediction' : "the group's rows all have weight 0";
  const noPos = 'the group has no positive labels';
  const noNeg = 'the group has no negative labels';
  return {
    n,
    positives: P,
    baseRate: ratio(P, T, reasons, 'baseRate', empty),
    selectionRate: ratio(tp + fp, T, reasons, 'selectionRate', empty),
    tpr: ratio(tp, P, reasons, 'tpr', noPos),
    fpr: ratio(fp, N, reasons, 'fpr', noNeg),
    fnr: ratio(fn, P, reasons, 'fnr', noPos),
    tnr: ratio(tn, N, reasons, 'tnr', noNeg),
    ppv: ratio(tp, tp + fp, reasons, 'ppv', 'nothing in the group is predicted positive'),
    npv: ratio(tn, tn + fn, reasons, 'npv', 'nothing in the group is predicted negative'),
    accuracy: ratio(tp + tn, T, reasons, 'accuracy', empty),
    confusion: { tp, fp, tn, fn },
    reasons,
  };
}

/**
 * Metrics over the rows `idx` (which all have a label and a prediction). Exported for the threshold
 * optimiser and training, which report the same metrics.
 */
export function computeGroupMetrics(
  idx: ArrayLike<number>,
  label: Int8Array,
  prediction: Int8Array,
  score: ArrayLike<number> | undefined,
  weights: ArrayLike<number> | undefined,
  calibrationBins = 10,
): GroupMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const w = weights ? weights[i]! : 1;
    if (label[i] === 1) {
      if (prediction[i] === 1) tp += w;
      else fn += w;
    } else if (prediction[i] === 1) fp += w;
    else tn += w;
  }
  const m = metricsOfCounts(idx.length, { tp, fp, tn, fn });
  if (score) {
    const scored: number[] = [];
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      if (!Number.isNaN(score[i]!)) scored.push(i);
    }
    scored.sort((a, b) => score[a]! - score[b]!);
    const tally = new ScoreTally(calibrationBins);
    let last = NaN;
    for (const i of scored) {
      const s = score[i]!;
      if (s !== last) tally.endBlock();
      last = s;
      tally.add(s, weights ? weights[i]! : 1, label[i] === 1);
    }
    tally.finish(m);
  }
  return m;
}

/**
 * A group's score metrics (ROC AUC and calibration, see {@link GroupMetrics}), from its scored rows given in
 * ascending score order with a block end between different scores. Kept apart from where the rows come
 * from, so that the audit of arrays and the audit of spilled columns (`predictionWindows.ts`) sum the same
 * numbers in the same order and agree to the last bit.
 */
export class ScoreTally {
  private scored = 0;
  private outside = false;
  private wPos = 0;
  private wNeg = 0;
  private num = 0;
  private bp = 0;
  private bn = 0;
  private readonly inner: Float64Array;
  private readonly cnt: Float64Array;
  private readonly wsum: Float64Array;
  private readonly ssum: Float64Array;
  private readonly psum: Float64Array;

  constructor(private readonly bins: number) {
    // Edges as NumPy's linspace makes them (index times step), so that a score on an edge lands where
    // scikit-learn puts it.
    const step = 1 / bins;
    this.inner = new Float64Array(bins - 1);
    for (let b = 1; b < bins; b++) this.inner[b - 1] = b * step;
    this.cnt = new Float64Array(bins);
    this.wsum = new Float64Array(bins);
    this.ssum = new Float64Array(bins);
    this.psum = new Float64Array(bins);
  }

  /** One scored row (not NaN), no lower than the rows before it. */
  add(s: number, w: number, positive: boolean): void {
    this.scored++;
    if (!(s >= 0 && s <= 1)) this.outside = true;
    if (positive) this.bp += w;
    else this.bn += w;
    const b = binOf(this.inner, s);
    this.cnt[b]!++;
    this.wsum[b]! += w;
    this.ssum[b]! += w * s;
    if (positive) this.psum[b]! += w;
  }

  /**
   * Closes a block of equal scores. ROC AUC by the rank-sum over tie blocks: each positive counts the
   * negatives scored below it, plus half of those tied with it, so equal scores are neither rewarded nor
   * punished.
   */
  endBlock(): void {
    const { bp, bn } = this;
    if (bp === 0 && bn === 0) return;
    this.num += bp * this.wNeg + 0.5 * bp * bn;
    this.wPos += bp;
    this.wNeg += bn;
    this.bp = 0;
    this.bn = 0;
  }

  /** Adds `rocAuc`, `ece` and `reliability` (or their reasons) to `m`. */
  finish(m: GroupMetrics): void {
    this.endBlock();
    const { wPos, wNeg, num, bins, inner } = this;
    if (this.scored === 0) {
      m.rocAuc = null;
      m.reasons.rocAuc = 'no row of the group has a score';
    } else if (wPos * wNeg > 0) m.rocAuc = num / (wPos * wNeg);
    else {
      // The product, not each factor, is tested: two tiny weights can multiply to 0 and make 0 / 0.
      m.rocAuc = null;
      m.reasons.rocAuc =
        wPos > 0 && wNeg > 0
          ? "the weights of the group's positive and negative rows are too small to compare"
          : wPos > 0
            ? 'the group has no negative labels'
            : wNeg > 0
              ? 'the group has no positive labels'
              : "the group's scored rows all have weight 0";
    }
    if (this.scored === 0) {
      m.ece = null;
      m.reasons.ece = 'no row of the group has a score';
      return;
    }
    if (this.outside) {
      m.ece = null;
      m.reasons.ece = 'some scores lie outside [0, 1], so they are not probabilities';
      return;
    }
    const total = wPos + wNeg;
    let ece = 0;
    const reliability: ReliabilityBin[] = [];
    for (let b = 0; b < bins; b++) {
      const w = this.wsum[b]!;
      const meanScore = w > 0 ? this.ssum[b]! / w : null;
      const fractionPositive = w > 0 ? this.psum[b]! / w : null;
      if (meanScore !== null && fractionPositive !== null)
        ece += (w / total) * Math.abs(meanScore - fractionPositive);
      reliability.push({
        lower: b === 0 ? 0 : inner[b - 1]!,
        upper: b === bins - 1 ? 1 : inner[b]!,
        count: this.cnt[b]!,
        meanScore,
        fractionPositive,
      });
    }
    m.reliability = reliability;
    if (total > 0) m.ece = ece;
    else {
      m.ece = null;
      m.reasons.ece = "the group's scored rows all have weight 0";
    }
  }
}

type MetricKey = 'selectionRate' | 'tpr' | 'fpr' | 'ppv' | 'accuracy';

const METRIC_NAMES: Record<MetricKey, string> = {
  selectionRate: 'selection rate',
  tpr: 'true positive rate',
  fpr: 'false positive rate',
  ppv: 'precision (PPV)',
  accuracy: 'accuracy',
};

/** Fairlearn's between-groups difference and ratio for the metrics of each group. */
export function computeDisparities(groups: Record<string, GroupMetrics>): Disparities {
  const reasons: Record<string, string> = {};
  const extremes: Disparities['extremes'] = {};
  const spread = (key: MetricKey) => {
    let min: Extreme | undefined;
    let max: Extreme | undefined;
    let defined = 0;
    for (const [group, g] of Object.entries(groups)) {
      const v = g[key];
      if (v === null) continue;
      defined++;
      if (!min || v < min.value) min = { group, value: v, n: g.n };
      if (!max || v > max.value) max = { group, value: v, n: g.n };
    }
    if (!min || !max || defined < 2) {
      return { diff: null, ratio: null, why: `fewer than two groups have a defined ${METRIC_NAMES[key]}` };
    }
    extremes[key] = { min, max };
    return {
      diff: max.value - min.value,
      ratio: max.value > 0 ? min.value / max.value : null,
      why: max.value > 0 ? undefined : `every group's ${METRIC_NAMES[key]} is 0`,
    };
  };
  const sel = spread('selectionRate');
  const tpr = spread('tpr');
  const fpr = spread('fpr');
  const ppv = spread('ppv');
  const acc = spread('accuracy');
  const out: Disparities = {
    demographicParityDifference: sel.diff,
    demographicParityRatio: sel.ratio,
    equalizedOddsDifference: tpr.diff !== null && fpr.diff !== null ? Math.max(tpr.diff, fpr.diff) : null,
    equalizedOddsRatio: tpr.ratio !== null && fpr.ratio !== null ? Math.min(tpr.ratio, fpr.ratio) : null,
    equalOpportunityDifference: tpr.diff,
    equalOpportunityRatio: tpr.ratio,
    predictiveParityDifference: ppv.diff,
    predictiveParityRatio: ppv.ratio,
    accuracyDifference: acc.diff,
    extremes,
    reasons,
  };
  const note = (key: keyof Disparities, why: string | undefined) => {
    if (out[key] === null && why) reasons[key] = why;
  };
  note('demographicParityDifference', sel.why);
  note('demographicParityRatio', sel.why);
  note('equalizedOddsDifference', tpr.diff === null ? tpr.why : fpr.why);
  note('equalizedOddsRatio', tpr.ratio === null ? tpr.why : fpr.why);
  note('equalOpportunityDifference', tpr.why);
  note('equalOpportunityRatio', tpr.why);
  note('predictiveParityDifference', ppv.why);
  note('predictiveParityRatio', ppv.why);
  note('accuracyDifference', acc.why);
  return out;
}

interface Check {
  key: keyof FairnessThresholds & keyof Disparities;
  kind: 'max' | 'min';
  label: string;
  metrics: MetricKey[];
}

const CHECKS: Check[] = [
  {
    key: 'demographicParityDifference',
    kind: 'max',
    label: 'Demographic parity difference',
    metrics: ['selectionRate'],
  },
  {
    key: 'demographicParityRatio',
    kind: 'min',
    label: 'Demographic parity ratio',
    metrics: ['selectionRate'],
  },
  {
    key: 'equalizedOddsDifference',
    kind: 'max',
    label: 'Equalized odds difference',
    metrics: ['tpr', 'fpr'],
  },
  { key: 'equalizedOddsRatio', kind: 'min', label: 'Equalized odds ratio', metrics: ['tpr', 'fpr'] },
  { key: 'equalOpportunityDifference', kind: 'max', label: 'Equal opportunity difference', metrics: ['tpr'] },
  { key: 'predictiveParityDifference', kind: 'max', label: 'Predictive parity difference', metrics: ['ppv'] },
];

/**
 * Audits binary predictions against labels, overall and per group of each attribute (see
 * {@link GroupMetrics} and {@link Disparities} for the definitions and edge cases).
 *
 * Rows with a missing label or prediction are left out of everything; rows missing an attribute's value are
 * left out of that attribute's groups only. A label or prediction other than 1, 0, -1 or NaN is an error
 * naming its row.
 *
 * Findings: `fairness/threshold` (warning) for each attribute and disparity beyond the policy threshold, with
 * `data` holding the value, the threshold and the groups at both ends; `fairness/small-group` (info) for
 * groups with fewer than `minGroupSize` rows, whose rates are noisy.
 */
export function auditPredictions(
  input: PredictionAuditInput,
  options: PredictionAuditOptions = {},
): PredictionAudit {
  const rows = input.label.length;
  const label = readOutcome(input.label, rows, 'label');
  const prediction = readOutcome(input.prediction, rows, 'prediction');
  if (input.score && input.score.length !== rows)
    throw new RangeError(`score: expected ${rows} values, got ${input.score.length}.`);
  checkWeights(input.weights, rows);
  const bins = options.calibrationBins ?? 10;

  const valid: number[] = [];
  for (let i = 0; i < rows; i++) if (label[i]! >= 0 && prediction[i]! >= 0) valid.push(i);
  const overall = computeGroupMetrics(valid, label, prediction, input.score, input.weights, bins);

  const perAttribute: [string, Record<string, GroupMetrics>][] = [];
  for (const [attr, col] of Object.entries(input.groups)) {
    if (col.codes.length !== rows)
      throw new RangeError(`group '${attr}': expected ${rows} values, got ${col.codes.length}.`);
    const buckets: number[][] = col.levels.map(() => []);
    for (const i of valid) {
      const c = col.codes[i]!;
      if (c >= 0) buckets[c]!.push(i);
    }
    // Keyed by data values: without a prototype, a group called `__proto__` or `constructor` is a group.
    const byValue = Object.create(null) as Record<string, GroupMetrics>;
    col.levels.forEach((value, c) => {
      const idx = buckets[c]!;
      if (idx.length > 0)
        byValue[value] = computeGroupMetrics(idx, label, prediction, input.score, input.weights, bins);
    });
    perAttribute.push([attr, byValue]);
  }
  return auditOfGroups(overall, perAttribute, options);
}

/**
 * The audit from each group's metrics (`perAttribute`: attribute, then its groups by value, in the order to
 * report): disparities and findings. Shared by the audit of arrays and of spilled columns.
 */
export function auditOfGroups(
  overall: GroupMetrics,
  perAttribute: readonly (readonly [string, Record<string, GroupMetrics>])[],
  options: PredictionAuditOptions = {},
): PredictionAudit {
  const th = { ...DEFAULT_FAIRNESS_THRESHOLDS, ...(options.thresholds ?? {}) };
  const groups: PredictionAudit['groups'] = Object.create(null) as PredictionAudit['groups'];
  const disparities: PredictionAudit['disparities'] = Object.create(null) as PredictionAudit['disparities'];
  const findings: Finding[] = [];
  for (const [attr, byValue] of perAttribute) {
    groups[attr] = byValue;
    const d = computeDisparities(byValue);
    disparities[attr] = d;

    for (const check of CHECKS) {
      const limit = th[check.key];
      const value = d[check.key];
      if (value === null || limit === undefined) continue;
      const crossed = check.kind === 'max' ? value > limit : value < limit;
      if (!crossed) continue;
      const ends = check.metrics
        .map((mk) => {
          const e = d.extremes[mk];
          return e ? { metric: mk, min: e.min, max: e.max } : undefined;
        })
        .filter((e) => e !== undefined);
      // Name the metric that drives the value (for equalized odds, the larger TPR or FPR gap).
      const driver = ends.reduce<(typeof ends)[number] | undefined>((best, e) => {
        const spread =
          check.kind === 'max'
            ? e.max.value - e.min.value
            : e.max.value > 0
              ? e.min.value / e.max.value
              : Infinity;
        const bestSpread = best
          ? check.kind === 'max'
            ? best.max.value - best.min.value
            : best.max.value > 0
              ? best.min.value / best.max.value
              : Infinity
          : undefined;
        if (bestSpread === undefined) return e;
        return check.kind === 'max' ? (spread > bestSpread ? e : best) : spread < bestSpread ? e : best;
      }, undefined);
      const detail = driver
        ? ` (${METRIC_NAMES[driver.metric]} '${driver.min.group}' ${fmt(driver.min.value)} vs '${driver.max.group}' ${fmt(driver.max.value)})`
        : '';
      findings.push({
        rule: 'fairness/threshold',
        severity: 'warning',
        column: attr,
        message: `${check.label} for \`${attr}\` is ${fmt(value)}${detail}, ${check.kind === 'max' ? 'above' : 'below'} the policy's ${limit}.`,
        data: {
          attribute: attr,
          metric: check.key,
          value,
          threshold: limit,
          extremes: Object.fromEntries(ends.map((e) => [e.metric, { min: e.min, max: e.max }])),
        },
      });
    }
    const small = Object.entries(byValue).filter(([, g]) => g.n < th.minGroupSize);
    if (small.length > 0) {
      findings.push({
        rule: 'fairness/small-group',
        severity: 'info',
        column: attr,
        message:
          `\`${attr}\`: ${small.length} group${small.length > 1 ? 's have' : ' has'} fewer than ${th.minGroupSize} rows with predictions ` +
          `(${small
            .slice(0, 5)
            .map(([v, g]) => `'${v}' ${g.n}`)
            .join(
              ', ',
            )}${small.length > 5 ? ', ...' : ''}); their rates, and disparities involving them, are noisy.`,
        data: {
          attribute: attr,
          minGroupSize: th.minGroupSize,
          groups: small.map(([value, g]) => ({ value, n: g.n })),
        },
      });
    }
  }
  return { overall, groups, disparities, findings };
}
