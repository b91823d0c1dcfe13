/**
 * Label leakage: a single column that almost determines the label is usually a copy or a consequence of the
 * outcome (a "paid" flag next to "defaulted", an outcome date), and a model trained with it learns nothing
 * that holds at prediction time. Each column is scored on its own against the label.
 */
import type { Finding } from '../findings';
import type { CategoricalColumn, EncodedColumn } from '../data/encoded';
import { quantileBins } from './proxies';
import { entropy, fmt, readOutcome } from './stats';

export interface LeakageOptions {
  /** Goodman–Kruskal λ at or above which a column is flagged. Default 0.9. */
  lambda?: number;
  /** For numeric columns: ROC AUC of the raw value (either direction) at or above which it is flagged. Default 0.98. */
  auc?: number;
  /** Quantile bins for numeric columns. Default 10. */
  bins?: number;
  /** Categorical columns with more levels than this (or half the rows) are skipped: each value would "predict" its own row. Default 200. */
  maxLevels?: number;
}

export interface LeakageScore {
  column: string;
  kind: 'categorical' | 'numeric';
  /**
   * Goodman–Kruskal λ: the share of the majority-label baseline's errors removed by predicting, for each value
   * of the column (numeric: each decile; missing: a value of its own), that value's majority label.
   * `(Σ_v max_y n_vy − max_y n_y) / (n − max_y n_y)`, in [0, 1]. Null when the label has a single class.
   */
  lambda: number | null;
  /** Accuracy of that per-value majority rule, and of the overall majority (the baseline). */
  accuracy: number | null;
  baseline: number | null;
  /** Uncertainty coefficient `I(X; Y) / H(Y)`: the share of the label's entropy the column explains. */
  uncertainty: number | null;
  /** Numeric columns: ROC AUC of the raw value as a score, folded so that 0.5 is no signal and 1 perfect. */
  auc?: number | null;
  reason?: string;
}

export interface LeakageResult {
  scores: LeakageScore[];
  /** `fairness/label-leakage` findings with `column` set; the caller fills `location`. */
  findings: Finding[];
}

/**
 * The Mann-Whitney AUC of `values` as a score for `y`, ties counted half, folded. The labelled values of each
 * class are sorted apart (a native numeric sort, 8 bytes a row) and walked together in increasing value,
 * which sums the same terms in the same order as one sort of all rows by value: an index array sorted with a
 * comparator took 8 bytes a row more on the heap and several seconds a column on a million rows.
 */
function foldedAuc(values: Float64Array, y: Int8Array): number | null {
  let np = 0;
  let nn = 0;
  for (let i = 0; i < values.length; i++) {
    if (y[i]! < 0 || Number.isNaN(values[i]!)) continue;
    if (y[i] === 1) np++;
    else nn++;
  }
  const posValues = new Float64Array(np);
  const negValues = new Float64Array(nn);
  for (let i = 0, p = 0, q = 0; i < values.length; i++) {
    if (y[i]! < 0 || Number.isNaN(values[i]!)) continue;
    if (y[i] === 1) posValues[p++] = values[i]!;
    else negValues[q++] = values[i]!;
  }
  posValues.sort();
  negValues.sort();
  let pos = 0;
  let neg = 0;
  let num = 0;
  for (let p = 0, q = 0; p < np || q < nn;) {
    const v = q >= nn || (p < np && posValues[p]! <= negValues[q]!) ? posValues[p]! : negValues[q]!;
    let bp = 0;
    let bn = 0;
    for (; p < np && posValues[p] === v; p++) bp++;
    for (; q < nn && negValues[q] === v; q++) bn++;
    num += bp * neg + 0.5 * bp * bn;
    pos += bp;
    neg += bn;
  }
  if (pos === 0 || neg === 0) return null;
  const auc = num / (pos * neg);
  return Math.max(auc, 1 - auc);
}

function scoreCategorical(col: CategoricalColumn, y: Int8Array): Omit<LeakageScore, 'column' | 'kind'> {
  const k = col.levels.length + 1;
  const counts = new Float64Array(2 * k);
  let n = 0;
  const classes = [0, 0];
  for (let i = 0; i < y.length; i++) {
    const l = y[i]!;
    if (l < 0) continue;
    const c = col.codes[i]!;
    counts[2 * (c < 0 ? k - 1 : c) + l]!++;
    classes[l]!++;
    n++;
  }
  if (n === 0)
    return { lambda: null, accuracy: null, baseline: null, uncertainty: null, reason: 'no labelled rows' };
  const majority = Math.max(classes[0]!, classes[1]!);
  let correct = 0;
  let hyx = 0;
  for (let v = 0; v < k; v++) {
    const a = counts[2 * v]!;
    const b = counts[2 * v + 1]!;
    correct += Math.max(a, b);
    hyx += ((a + b) / n) * entropy([a, b]);
  }
  const hy = entropy(classes);
  if (majority === n) {
    return {
      lambda: null,
      accuracy: 1,
      baseline: 1,
      uncertainty: null,
      reason: 'the label has a single class',
    };
  }
  return {
    lambda: (correct - majority) / (n - majority),
    accuracy: correct / n,
    baseline: majority / n,
    uncertainty: Math.max(0, Math.min(1, (hy - hyx) / hy)),
  };
}

/**
 * Scores every column against the label (see {@link LeakageScore}) and flags those that almost determine it.
 * Rows with a missing label are left out. Identifier-like categorical columns (more than `maxLevels` levels or
 * half the rows) are skipped with a reason, since one value per row trivially "determines" the label.
 *
 * Findings: `fairness/label-leakage` (warning) when λ ≥ `lambda`, or for numeric columns AUC ≥ `auc`.
 */
export function labelLeakage(
  label: ArrayLike<number>,
  columns: { name: string; column: EncodedColumn }[],
  options: LeakageOptions = {},
): LeakageResult {
  const y = readOutcome(label, label.length, 'label');
  const lambdaLimit = options.lambda ?? 0.9;
  const aucLimit = options.auc ?? 0.98;
  const bins = options.bins ?? 10;
  const maxLevels = options.maxLevels ?? 200;
  const scores: LeakageScore[] = [];
  const findings: Finding[] = [];
  for (const { name, column } of columns) {
    const rows = column.kind === 'numeric' ? column.values.length : column.codes.length;
    if (rows !== y.length)
      throw new RangeError(`column '${name}': expected ${y.length} values, got ${rows}.`);
    let s: LeakageScore;
    if (column.kind === 'categorical') {
      if (column.levels.length > maxLevels || column.levels.length > rows / 2) {
        scores.push({
          column: name,
          kind: 'categorical',
          lambda: null,
          accuracy: null,
          baseline: null,
          uncertainty: null,
          reason: `the column has ${column.levels.length} distinct values, too many to judge (identifier-like)`,
        });
        continue;
      }
      s = { column: name, kind: 'categorical', ...scoreCategorical(column, y) };
    } else {
      s = {
        column: name,
        kind: 'numeric',
        ...scoreCategorical(quantileBins(column.values, bins), y),
        auc: foldedAuc(column.values, y),
      };
    }
    scores.push(s);
    const byLambda = s.lambda !== null && s.lambda >= lambdaLimit;
    const byAuc = s.auc !== undefined && s.auc !== null && s.auc >= aucLimit;
    if (byLambda || byAuc) {
      const why = byLambda
        ? `predicting each ${s.kind === 'numeric' ? 'decile' : 'value'}'s majority label is right for ${fmt((s.accuracy ?? 0) * 100, 1)}% of rows, against ${fmt((s.baseline ?? 0) * 100, 1)}% for the overall majority (λ ${fmt(s.lambda)})`
        : `its values alone rank the outcomes with ROC AUC ${fmt(s.auc)}`;
      findings.push({
        rule: 'fairness/label-leakage',
        severity: 'warning',
        column: name,
        message: `\`${name}\` almost determines the label: ${why}. It may be a copy or a consequence of the outcome.`,
        data: {
          column: name,
          lambda: s.lambda,
          uncertainty: s.uncertainty,
          auc: s.auc ?? null,
          accuracy: s.accuracy,
          baseline: s.baseline,
        },
      });
    }
  }
  return { scores, findings };
}
