/**
 * Label leakage: a single column that almost determines the label is usually a copy or a consequence of the
 * outcome (a "paid" flag next to "defaulted", an outcome date), and a model trained with it learns nothing
 * that holds at prediction time. Each column is scored on its own against the label.
 */
import type { Finding } from '../findings';
import type { EncodedColumn } from '../data/encoded';
import { NumericSummaries } from './proxies';
import { entropy, fmt, readOutcome } from './stats';
import {
  OutcomeTally,
  PASS_COLUMNS,
  countPass,
  fairColumn,
  outcomeWindows,
  ownCodes,
  rowsOf,
  type FairColumn,
  type OutcomeWindows,
} from './windows';

export interface LeakageOptions {
  /** Goodman–Kruskal λ at or above which a column is flagged. Default 0.9. */
  lambda?: number;
  /** For numeric columns: ROC AUC of the raw value (either direction) at or above which it is flagged. Default 0.98. */
  auc?: number;
  /** Quantile bins for numeric columns. Default 10. */
  bins?: number;
  /** Categorical columns with more levels than this (or half the rows) are skipped: each value would "predict" its own row. Default 200. */
  maxLevels?: number;
  /** Called after each pass over `PASS_COLUMNS` columns, as the proxies' `between`. */
  between?: () => void;
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

/** λ, accuracy and uncertainty from labelled rows per (slot, outcome): `counts[2 * slot + y]`, `k` slots. */
function scoreCounts(counts: Float64Array, k: number): Omit<LeakageScore, 'column' | 'kind'> {
  const classes = [0, 0];
  for (let v = 0; v < k; v++) {
    classes[0]! += counts[2 * v]!;
    classes[1]! += counts[2 * v + 1]!;
  }
  const n = classes[0]! + classes[1]!;
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
  return labelLeakageOf(
    outcomeWindows(y),
    columns.map((c) => ({ name: c.name, column: fairColumn(c.column) })),
    options,
  );
}

/**
 * {@link labelLeakage} over columns read in windows: numeric columns sorted first for their deciles and AUC
 * (`summaries`, which must read the same outcome), then one pass counts every column against the label.
 */
export function labelLeakageOf(
  y: OutcomeWindows,
  columns: { name: string; column: FairColumn }[],
  options: LeakageOptions & { summaries?: NumericSummaries } = {},
): LeakageResult {
  const lambdaLimit = options.lambda ?? 0.9;
  const aucLimit = options.auc ?? 0.98;
  const bins = options.bins ?? 10;
  const maxLevels = options.maxLevels ?? 200;
  const summaries = options.summaries ?? new NumericSummaries(y);
  const scores: LeakageScore[] = [];
  const findings: Finding[] = [];
  // A pass at a time (see `PASS_COLUMNS`): a wide table's tallies and views are not all live at once.
  for (let start = 0; start < columns.length; start += PASS_COLUMNS) {
    const planned = columns.slice(start, start + PASS_COLUMNS).map(({ name, column }) => {
      const rows = rowsOf(column);
      if (rows !== y.length)
        throw new RangeError(`column '${name}': expected ${y.length} values, got ${rows}.`);
      if (column.kind === 'categorical') {
        const levels = column.codes.levels.length;
        if (levels > maxLevels || levels > rows / 2) return { name, column, levels };
        return { name, column, tally: new OutcomeTally(ownCodes(column.codes)) };
      }
      return { name, column, tally: new OutcomeTally(summaries.bins(column, bins)) };
    });
    countPass(
      y.length,
      y,
      planned.flatMap((p) => (p.tally ? [p.tally] : [])),
    );
    for (const { name, column, tally, levels } of planned) {
      if (!tally) {
        scores.push({
          column: name,
          kind: 'categorical',
          lambda: null,
          accuracy: null,
          baseline: null,
          uncertainty: null,
          reason: `the column has ${levels} distinct values, too many to judge (identifier-like)`,
        });
        continue;
      }
      const k = tally.views[0]!.slots + 1;
      const s: LeakageScore =
        column.kind === 'categorical'
          ? { column: name, kind: 'categorical', ...scoreCounts(tally.counts, k) }
          : {
              column: name,
              kind: 'numeric',
              ...scoreCounts(tally.counts, k),
              auc: summaries.of(column, bins).auc,
            };
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
    options.between?.();
  }
  return { scores, findings };
}
