/**
 * What the panels show, computed in plain TypeScript so that it is tested in Node and shared by the webviews,
 * the HTML report and the model card. Nothing here touches the DOM or 'vscode'.
 *
 * The inputs (a run's `metrics.jsonl` and `audit.json`, a dataset's {@link AuditReport}) are written by other
 * parts that grow fields over time, so every reader here tolerates missing and unknown fields: a panel shows
 * what is there rather than failing on what is not.
 */
import type { AuditReport } from './auditReport';
import type { Finding, Severity } from '../findings';
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from '../thresholds';
import { groupDigits } from '../numberText';

// =============================================================================================== metrics

/** One line of `metrics.jsonl`, normalised. */
export interface MetricRecord {
  kind: 'batch' | 'epoch';
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch within the epoch, for batch records. */
  batch?: number;
  /** Batches per epoch, when the writer said so. */
  batches?: number;
  /** Named figures: `loss`, `accuracy`, `val_loss`, `val_accuracy`, ...; validation names start with `val_`. */
  values: Record<string, number>;
  samplesPerSecond?: number;
  /** Privacy spent so far (DP runs): ε after this epoch. */
  epsilon?: number;
  /** Fairness figures on the validation split, e.g. `equalizedOddsDifference` for each attribute. */
  fairness?: Record<string, number>;
  /** Wall-clock time of the record, ms since 1970, when written. */
  time?: number;
}

/** A problem in `metrics.jsonl`: the 1-based line and why it was skipped. The rest of the file still loads. */
export interface MetricsProblem {
  line: number;
  message: string;
}

const RESERVED = new Set([
  'type',
  'kind',
  'event',
  'epoch',
  'batch',
  'batches',
  'step',
  'time',
  'timestamp',
  't',
  'samplesPerSecond',
  'samplesPerSec',
  'samples_per_second',
  'samples_per_sec',
  'epsilon',
  'eps',
  'delta',
  'fairness',
  'extra',
  'metrics',
  'val',
  'validation',
  'size',
  'batchSize',
  'elapsedMs',
]);

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `valLoss` → `val_loss`, `valMetric` → `val_metric`, `val_acc` stays. */
function canonicalName(key: string): string {
  const m = /^val([A-Z])(.*)$/.exec(key);
  if (m) return `val_${m[1]!.toLowerCase()}${m[2]}`;
  return key;
}

function readTime(o: Record<string, unknown>): number | undefined {
  for (const k of ['time', 'timestamp', 't']) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string') {
      const d = Date.parse(v);
      if (Number.isFinite(d)) return d;
    }
  }
  return undefined;
}

/**
 * Normalises one parsed JSON line. Returns undefined for lines that are not batch or epoch records (run
 * start/end events and anything unknown), which callers skip silently.
 *
 * Accepted shapes: `{type|kind: 'batch'|'epoch', epoch, batch?, loss, valLoss|val_loss, ...}` with figures at the
 * top level, in `metrics`, in `extra` (the training loop's per-epoch additions, e.g. ε) or in `val`/`validation`
 * (prefixed `val_`); `fairness` holds numeric fairness figures. Without a type, a record with `batch` is a
 * batch record and one with `epoch` only is an epoch record.
 */
export function normalizeMetricRecord(raw: unknown): MetricRecord | undefined {
  if (!isObject(raw)) return undefined;
  const declared =
    typeof raw.type === 'string' ? raw.type : typeof raw.kind === 'string' ? raw.kind : undefined;
  const epoch = num(raw.epoch);
  if (epoch === undefined) return undefined;
  let kind: 'batch' | 'epoch';
  if (declared === 'batch' || declared === 'epoch') kind = declared;
  else if (declared !== undefined) return undefined;
  else kind = num(raw.batch) !== undefined ? 'batch' : 'epoch';

  const values: Record<string, number> = {};
  const take = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const n = num(v);
      if (n === undefined || (prefix === '' && RESERVED.has(k))) continue;
      const name = prefix + canonicalName(k);
      values[name] = n;
    }
  };
  take(raw, '');
  if (isObject(raw.metrics)) take(raw.metrics, '');
  if (isObject(raw.val)) take(raw.val, 'val_');
  if (isObject(raw.validation)) take(raw.validation, 'val_');

  let epsilon = num(raw.epsilon) ?? num(raw.eps);
  let fairness: Record<string, number> | undefined;
  const addFairness = (k: string, v: number): void => {
    (fairness ??= {})[k] = v;
  };
  if (isObject(raw.fairness)) {
    for (const [k, v] of Object.entries(raw.fairness)) {
      const n = num(v);
      if (n !== undefined) addFairness(k, n);
      else if (isObject(v)) {
        // Per attribute: { sex: { equalizedOddsDifference: 0.08 } } → "sex.equalizedOddsDifference".
        for (const [k2, v2] of Object.entries(v)) {
          const n2 = num(v2);
          if (n2 !== undefined) addFairness(`${k}.${k2}`, n2);
        }
      }
    }
  }
  if (isObject(raw.extra)) {
    for (const [k, v] of Object.entries(raw.extra)) {
      const n = num(v);
      if (n === undefined) continue;
      if (k === 'epsilon' || k === 'eps') epsilon = n;
      else if (/parity|odds|disparate|opportunity/i.test(k)) addFairness(k, n);
      else values[canonicalName(k)] = n;
    }
  }

  const rec: MetricRecord = { kind, epoch, values };
  const batch = num(raw.batch);
  if (batch !== undefined) rec.batch = batch;
  const batches = num(raw.batches);
  if (batches !== undefined) rec.batches = batches;
  const sps =
    num(raw.samplesPerSecond) ??
    num(raw.samplesPerSec) ??
    num(raw.samples_per_second) ??
    num(raw.samples_per_sec);
  if (sps !== undefined) rec.samplesPerSecond = sps;
  if (epsilon !== undefined) rec.epsilon = epsilon;
  if (fairness) rec.fairness = fairness;
  const time = readTime(raw);
  if (time !== undefined) rec.time = time;
  return rec;
}

/**
 * Parses `metrics.jsonl` text. A line that is not JSON is reported with its line number and skipped; a last
 * line without its newline is treated as still being written and left for the next read (see
 * {@link MetricsTail}).
 */
export function parseMetricsJsonl(text: string): { records: MetricRecord[]; problems: MetricsProblem[] } {
  const records: MetricRecord[] = [];
  const problems: MetricsProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch (e) {
      problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` });
      return;
    }
    const rec = normalizeMetricRecord(parsed);
    if (rec) records.push(rec);
  });
  return { records, problems };
}

/**
 * Incremental reader of a growing JSON-lines file: feed it the bytes appended since the last call (as text)
 * and it returns the complete records, keeping a partial last line until its newline arrives. Line numbers
 * in problems count from the start of the file.
 */
export class MetricsTail {
  private pending = '';
  private linesSeen = 0;

  push(chunk: string): { records: MetricRecord[]; problems: MetricsProblem[] } {
    const text = this.pending + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      this.pending = text;
      return { records: [], problems: [] };
    }
    this.pending = text.slice(cut + 1);
    const complete = text.slice(0, cut);
    const out = parseMetricsJsonl(complete);
    const base = this.linesSeen;
    this.linesSeen += complete.split('\n').length;
    return { records: out.records, problems: out.problems.map((p) => ({ ...p, line: p.line + base })) };
  }
}

// =============================================================================================== training

/** Where and how a run trains; every field optional because older or external runs may not say. */
export interface TrainingRunInfo {
  /** Absolute path of the run folder. */
  runDir: string;
  /** Config name (the folder above the run). */
  config: string;
  /** Run id (the timestamp folder). */
  id: string;
  backend?: string;
  device?: string;
  /** Configured epochs (an upper bound with early stopping). */
  epochs?: number;
  /** Protected attributes named by the config. */
  protected?: string[];
  /** Whether the run uses DP-SGD. */
  dp?: boolean;
  /** Wall-clock start, ms since 1970. */
  startedAt?: number;
}

export type RunState = 'running' | 'finished' | 'cancelled' | 'failed' | 'unknown';

export interface RunStatus {
  state: RunState;
  /** For a person: why it failed, or what stopped it. Never contains data values. */
  message?: string;
}

/** An earlier run of the same config, reduced to its per-epoch curves. */
export interface RunOverlay {
  id: string;
  /** Per-epoch figures, index i = epoch i+1; null where the run had none. */
  epochs: number[];
  series: Record<string, (number | null)[]>;
}

/**
 * Accumulates records as they arrive (in order) into the arrays the charts draw. Appending is O(1) per
 * record, so a live panel does not redo the whole history ten times a second.
 *
 * Everything shares one x axis in epochs: epoch e's record sits at x = e, and a batch record at
 * x = e − 1 + (batch + 1) / batchesPerEpoch, so the last batch of an epoch meets its epoch point and the
 * curves of earlier runs (per epoch) line up with the live one. Batch reports may be sparse (the training
 * loop throttles them); positions come from the batch index, not from counting records. The smoothed batch
 * loss is an exponential moving average with bias correction (as TensorBoard's smoothing), over a fixed
 * stretch of epochs when batches per epoch are known, else with a per-point weight.
 */
export class TrainingSeries {
  /** Epoch (1-based) of each batch point. */
  readonly batchEpoch: number[] = [];
  /** 0-based batch index within its epoch of each batch point (counted when the record had none). */
  readonly batchIndex: number[] = [];
  readonly batchLoss: number[] = [];
  readonly batchLossSmoothed: number[] = [];
  /** Epoch numbers that have an epoch record, in order. */
  readonly epochs: number[] = [];
  /** Per-epoch figures by name (`loss`, `val_loss`, `val_accuracy`, ...), aligned with `epochs`. */
  readonly epochValues: Record<string, (number | null)[]> = {};
  readonly fairness: Record<string, (number | null)[]> = {};
  readonly epsilon: (number | null)[] = [];
  /** Samples per second of the latest record that said so. */
  samplesPerSecond: number | undefined;
  /** Batches per epoch: as the records say, else learned from the first complete epoch. */
  batchesPerEpoch: number | undefined;
  /** Time of the first and latest records that carried a time. */
  firstTime: number | undefined;
  lastTime: number | undefined;
  /** Highest epoch any record mentioned (the epoch in progress while batches arrive). */
  lastEpochSeen = 0;
  /** Highest batch index seen in {@link lastEpochSeen}. */
  lastBatchIndex = -1;

  private ema = 0;
  private emaWeight = 0;
  private counted = 0;
  private declaredBatches: number | undefined;
  private lastX: number | undefined;

  /**
   * @param smoothing per-point EMA weight, used when batches per epoch are unknown.
   * @param smoothingEpochs time constant of the EMA in epochs, used when they are known.
   */
  constructor(
    readonly smoothing = 0.9,
    readonly smoothingEpochs = 0.05,
  ) {}

  get hasEpsilon(): boolean {
    return this.epsilon.some((e) => e !== null);
  }

  add(records: readonly MetricRecord[]): void {
    for (const r of records) this.addOne(r);
  }

  private addOne(r: MetricRecord): void {
    if (r.time !== undefined) {
      this.firstTime ??= r.time;
      this.lastTime = r.time;
    }
    if (r.samplesPerSecond !== undefined) this.samplesPerSecond = r.samplesPerSecond;
    if (r.epoch > this.lastEpochSeen) {
      this.lastEpochSeen = r.epoch;
      this.lastBatchIndex = -1;
      this.counted = 0;
    }
    if (r.kind === 'batch') {
      const index = r.batch ?? this.counted;
      this.counted = index + 1;
      if (r.epoch === this.lastEpochSeen) this.lastBatchIndex = Math.max(this.lastBatchIndex, index);
      if (r.batches !== undefined) this.declaredBatches = this.batchesPerEpoch = r.batches;
      const loss = r.values.loss;
      if (loss === undefined) return;
      this.batchEpoch.push(r.epoch);
      this.batchIndex.push(index);
      this.batchLoss.push(loss);
      // With batches per epoch known, the average spans a fixed stretch of training (`smoothingEpochs`)
      // whatever the report rate: a per-point weight would lag for epochs when reports are sparse (the loop
      // reports every 250 ms, each report already a mean) and barely smooth when every batch is reported.
      const b = r.batches ?? this.declaredBatches;
      let w = this.smoothing;
      if (b !== undefined && b > 0) {
        const x = r.epoch - 1 + (index + 1) / b;
        w = this.lastX === undefined ? 0 : Math.exp(-Math.max(0, x - this.lastX) / this.smoothingEpochs);
        this.lastX = x;
      }
      this.ema = w * this.ema + (1 - w) * loss;
      this.emaWeight = w * this.emaWeight + (1 - w);
      this.batchLossSmoothed.push(this.ema / this.emaWeight);
      return;
    }
    if (this.declaredBatches === undefined && this.lastBatchIndex >= 0 && r.epoch === this.lastEpochSeen) {
      this.batchesPerEpoch = Math.max(this.batchesPerEpoch ?? 0, this.lastBatchIndex + 1);
    }
    const i = this.epochs.length;
    this.epochs.push(r.epoch);
    const pad = (arr: (number | null)[]): void => {
      while (arr.length < i) arr.push(null);
    };
    for (const [k, v] of Object.entries(r.values)) {
      const arr = (this.epochValues[k] ??= []);
      pad(arr);
      arr.push(v);
    }
    for (const [k, v] of Object.entries(r.fairness ?? {})) {
      const arr = (this.fairness[k] ??= []);
      pad(arr);
      arr.push(v);
    }
    this.epsilon.push(r.epsilon ?? null);
    for (const arr of [...Object.values(this.epochValues), ...Object.values(this.fairness)]) {
      while (arr.length < i + 1) arr.push(null);
    }
  }

  /**
   * x (in epochs) of every batch point. Computed on demand because `batchesPerEpoch` may only become known
   * at the end of the first epoch; until then the points of that epoch are spread by the highest index seen.
   */
  batchX(): Float64Array {
    const n = this.batchLoss.length;
    const x = new Float64Array(n);
    const b = this.batchesPerEpoch ?? Math.max(1, this.lastBatchIndex + 1);
    for (let i = 0; i < n; i++) x[i] = this.batchEpoch[i]! - 1 + Math.min(1, (this.batchIndex[i]! + 1) / b);
    return x;
  }

  /** The latest value of a per-epoch figure, or undefined. */
  latest(name: string): number | undefined {
    const arr = this.epochValues[name];
    if (!arr) return undefined;
    for (let i = arr.length - 1; i >= 0; i--) {
      const v = arr[i];
      if (v !== null && v !== undefined) return v;
    }
    return undefined;
  }
}

export interface TrainingProgress {
  /** Epochs completed. */
  epochsDone: number;
  /** Configured epochs, when known. */
  epochs?: number;
  /** 0..1 over the configured epochs, counting batches of the current epoch when known. */
  fraction?: number;
  samplesPerSecond?: number;
  /** Estimated milliseconds left; undefined when unknown or not running. */
  etaMs?: number;
}

/**
 * Epoch, fraction done and ETA. The ETA extrapolates the elapsed wall time over the fraction done (time from
 * the first record to `now`), which is what a person expects from a progress bar; it is undefined before the
 * first epoch-or-batch progress or when the run is not running. `now` is injected so that it can be tested.
 */
export function trainingProgress(
  series: TrainingSeries,
  run: Pick<TrainingRunInfo, 'epochs' | 'startedAt'>,
  status: RunState,
  now: number,
): TrainingProgress {
  const epochsDone = series.epochs.length > 0 ? Math.max(...series.epochs) : 0;
  const p: TrainingProgress = { epochsDone };
  if (run.epochs !== undefined) p.epochs = run.epochs;
  if (series.samplesPerSecond !== undefined) p.samplesPerSecond = series.samplesPerSecond;
  if (run.epochs && run.epochs > 0) {
    let done = epochsDone;
    if (series.lastEpochSeen > epochsDone && series.batchesPerEpoch && series.lastBatchIndex >= 0) {
      done += Math.min(1, (series.lastBatchIndex + 1) / series.batchesPerEpoch);
    }
    p.fraction = Math.min(1, done / run.epochs);
    if (status === 'running' && p.fraction >= 1) p.etaMs = 0;
    const start = run.startedAt ?? series.firstTime;
    if (status === 'running' && start !== undefined && p.fraction > 0 && p.fraction < 1) {
      const elapsed = now - start;
      if (elapsed > 0) p.etaMs = (elapsed * (1 - p.fraction)) / p.fraction;
    }
  }
  return p;
}

/** `1 h 02 min`, `3 min 05 s`, `12 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Reduces earlier runs' records to overlays: per-epoch `loss`, `val_loss` and the validation metric. */
export function overlayFromRecords(id: string, records: readonly MetricRecord[]): RunOverlay {
  const s = new TrainingSeries();
  s.add(records.filter((r) => r.kind === 'epoch'));
  return { id, epochs: s.epochs, series: s.epochValues };
}

// =============================================================================================== decimation

/**
 * Chooses which points of a line to draw so that the picture at `buckets` pixels wide is the same as drawing
 * all of them: the M4 aggregation (Jugel et al., VLDB 2014): in each pixel-wide bucket of x, keep the first,
 * last, lowest and highest point. At most 4 points per bucket survive, in x order, and every local extreme
 * that a pixel could show is kept. `x` must be ascending; points whose y is null or not finite are skipped
 * (a gap), and `always` lists indices to keep regardless (e.g. epoch ends that other series point at).
 *
 * Edge cases: no points gives []; fewer points than 4 × buckets are all kept; `buckets < 1` is treated as 1;
 * equal x everywhere puts everything in one bucket.
 */
export function decimateIndices(
  x: ArrayLike<number>,
  y: ArrayLike<number | null | undefined>,
  buckets: number,
  always: ArrayLike<number> = [],
): number[] {
  const n = Math.min(x.length, y.length);
  const valid = (i: number): boolean => {
    const v = y[i];
    return typeof v === 'number' && Number.isFinite(v);
  };
  const b = Math.max(1, Math.floor(buckets));
  if (n <= 4 * b) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (valid(i)) all.push(i);
    return mergeSorted(all, always, n);
  }
  const x0 = x[0]!;
  const span = x[n - 1]! - x0;
  const keep: number[] = [];
  let bucket = -1;
  let first = -1;
  let last = -1;
  let lo = -1;
  let hi = -1;
  const flush = (): void => {
    if (first < 0) return;
    // Sorted unique of the four indices keeps x order.
    const four = [first, lo, hi, last].sort((a, c) => a - c);
    for (let k = 0; k < 4; k++) if (k === 0 || four[k] !== four[k - 1]) keep.push(four[k]!);
  };
  for (let i = 0; i < n; i++) {
    if (!valid(i)) continue;
    const bi = span > 0 ? Math.min(b - 1, Math.floor(((x[i]! - x0) / span) * b)) : 0;
    if (bi !== bucket) {
      flush();
      bucket = bi;
      first = lo = hi = i;
    }
    last = i;
    const v = y[i] as number;
    if (v < (y[lo] as number)) lo = i;
    if (v > (y[hi] as number)) hi = i;
  }
  flush();
  return mergeSorted(keep, always, n);
}

function mergeSorted(a: number[], extra: ArrayLike<number>, n: number): number[] {
  if (extra.length === 0) return a;
  const set = new Set(a);
  for (let i = 0; i < extra.length; i++) {
    const v = extra[i]!;
    if (v >= 0 && v < n) set.add(v);
  }
  return [...set].sort((p, q) => p - q);
}

/** Picks `values[i]` for each index (a helper for drawing several series at the decimated x). */
export function pick<T>(values: ArrayLike<T>, indices: readonly number[]): T[] {
  return indices.map((i) => values[i]!);
}

// =============================================================================================== statistics

/**
 * Wilson score interval for a proportion k/n at the given z (1.96 ≈ 95 %). Chosen over the normal
 * approximation because it stays inside [0, 1] and behaves for small groups and rates near 0 or 1.
 * Edge case: n = 0 gives [0, 1] (nothing is known).
 */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] {
  if (!(n > 0)) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

// =============================================================================================== audit view

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * Thresholds the panels check against: the policy's (see `src/core/policy.ts`) and the fairness engine's
 * (`FairnessThresholds`). A disparity named like a key here (e.g. `predictiveParityDifference`) is checked
 * against that key; the four named fields are always present.
 */
export type ViewThresholds = Pick<
  PolicyThresholds,
  'kAnonymity' | 'disparateImpact' | 'demographicParityDifference' | 'equalizedOddsDifference'
> &
  Record<string, number>;

export const VIEW_DEFAULT_THRESHOLDS: ViewThresholds = {
  kAnonymity: DEFAULT_THRESHOLDS.kAnonymity,
  disparateImpact: DEFAULT_THRESHOLDS.disparateImpact,
  demographicParityDifference: DEFAULT_THRESHOLDS.demographicParityDifference,
  demographicParityRatio: DEFAULT_THRESHOLDS.demographicParityRatio,
  equalizedOddsDifference: DEFAULT_THRESHOLDS.equalizedOddsDifference,
  equalizedOddsRatio: DEFAULT_THRESHOLDS.equalizedOddsRatio,
  equalOpportunityDifference: DEFAULT_THRESHOLDS.equalOpportunityDifference,
  predictiveParityDifference: DEFAULT_THRESHOLDS.predictiveParityDifference,
};

export type GroupMetric = 'selectionRate' | 'tpr' | 'fpr' | 'ppv' | 'accuracy';
export const GROUP_METRICS: readonly GroupMetric[] = ['selectionRate', 'tpr', 'fpr', 'ppv', 'accuracy'];

export const METRIC_LABELS: Record<string, string> = {
  selectionRate: 'Selection rate',
  tpr: 'TPR (recall)',
  fpr: 'FPR',
  ppv: 'PPV (precision)',
  accuracy: 'Accuracy',
  n: 'n',
  demographicParityDifference: 'Demographic parity difference',
  demographicParityRatio: 'Demographic parity ratio',
  disparateImpact: 'Disparate impact (selection-rate ratio)',
  equalizedOddsDifference: 'Equalized odds difference',
  equalizedOddsRatio: 'Equalized odds ratio',
  equalOpportunityDifference: 'Equal opportunity difference',
  equalOpportunityRatio: 'Equal opportunity ratio',
  predictiveParityDifference: 'Predictive parity difference',
  predictiveParityRatio: 'Predictive parity ratio',
  tprDifference: 'TPR difference',
  fprDifference: 'FPR difference',
  accuracyDifference: 'Accuracy difference',
};

export interface GroupRow {
  value: string;
  n: number;
  /** null where the denominator is zero (e.g. TPR of a group without positives). */
  metrics: Record<GroupMetric, number | null>;
  confusion?: Confusion;
  /**
   * Per-metric check against the most favourable group: a gap larger than the policy's difference threshold
   * fails (TPR/FPR with `equalizedOddsDifference`, selection rate with `demographicParityDifference` and the
   * four-fifths ratio `disparateImpact`). null where the metric is undefined for the group.
   */
  checks: Partial<Record<GroupMetric, boolean | null>>;
  /** True when every defined check passes. */
  pass: boolean;
}

export interface DisparityRow {
  metric: string;
  value: number;
  /** `difference` passes at or below the threshold, `ratio` at or above it. */
  kind: 'difference' | 'ratio';
  threshold?: number;
  pass?: boolean;
}

export interface AttributeSection {
  attribute: string;
  groups: GroupRow[];
  disparities: DisparityRow[];
}

/** Reliability diagram bin: scores in [lo, hi). */
export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  meanScore: number | null;
  observedRate: number | null;
  interval: [number, number];
}

export interface TradeoffPoint {
  threshold: number;
  accuracy: number | null;
  /** Per attribute: max − min selection rate over groups. */
  demographicParityDifference: Record<string, number | null>;
  /** Per attribute: max of the TPR and FPR ranges over groups. */
  equalizedOddsDifference: Record<string, number | null>;
  /** Per attribute, per group: selection rate at this threshold. */
  selectionRate: Record<string, Record<string, number | null>>;
}

export interface ModelSection {
  /** Overall figures (accuracy, n, auc, ...) as numbers. */
  overall: Record<string, number>;
  attributes: AttributeSection[];
  calibration?: CalibrationBin[];
  tradeoff?: TradeoffPoint[];
  /** Decision threshold the run uses (0.5 unless the run says otherwise). */
  threshold: number;
  /** Final (ε, δ) and DP settings of a DP run. */
  privacy?: Record<string, number>;
  /** Membership-inference figures (AUC, advantage), when the audit has them. */
  membershipInference?: Record<string, number>;
  findings: FindingRow[];
  /** With mitigation: the same audit of the unmitigated model, for a before/after comparison. */
  mitigation?: { method: string; note?: string; accuracyBefore?: number; before: AttributeSection[] };
}

export interface FindingRow {
  rule: string;
  severity: Severity;
  message: string;
  column?: string;
  row?: number;
  line?: number;
  /** Masked excerpt, already masked by the scanner; re-masked here when it looks unmasked. */
  excerpt?: string;
}

export interface GroupShareRow {
  value: string;
  n: number;
  share: number;
  shareInterval: [number, number];
  /** Positive-label rate within the group, when a label is known. */
  baseRate?: number;
  baseRateInterval?: [number, number];
}

export interface GroupShareSection {
  attribute: string;
  kind?: string;
  groups: GroupShareRow[];
}

export interface ProxyRow {
  feature: string;
  attribute: string;
  strength: number;
  measure?: string;
}

export interface DatasetSection {
  file: string;
  rows: number;
  columns: number;
  findings: FindingRow[];
  /** Findings dropped by the per-rule cap. */
  truncated: number;
  quasiIdentifiers: string[];
  kAnonymity: number | null;
  uniqueRecords: number | null;
  singlingOut: { columns: string[]; share: number } | null;
  piiColumns: { name: string; entities: string[] }[];
  groups: GroupShareSection[];
  proxies: ProxyRow[];
  label?: string;
}

export interface AuditViewModel {
  title: string;
  source: { kind: 'dataset' | 'run' | 'predictions'; path: string };
  thresholds: ViewThresholds;
  dataset?: DatasetSection;
  model?: ModelSection;
  /** ISO time the view was built (injected for determinism). */
  generatedAt?: string;
}

// ------------------------------------------------------------------------------------------ masking guard

/**
 * A last line of defence for what we protect: excerpts come masked from the scanner, but a view that is
 * exported as HTML should not rely on every producer getting it right. An excerpt with no mask character is
 * masked here, keeping only what the scanner's own style keeps (the first character and the e-mail domain, or
 * the last four characters).
 */
export function ensureMasked(excerpt: string): string {
  if (excerpt.includes('*') || excerpt.includes('•')) return excerpt;
  const at = excerpt.indexOf('@');
  if (at > 0) return `${excerpt[0]}***${excerpt.slice(at)}`;
  if (excerpt.length <= 4) return '*'.repeat(excerpt.length);
  return `${'*'.repeat(Math.min(8, excerpt.length - 4))}${excerpt.slice(-4)}`;
}

export function findingRow(f: Finding): FindingRow {
  const r: FindingRow = { rule: f.rule, severity: f.severity, message: f.message };
  if (f.column !== undefined) r.column = f.column;
  if (f.row !== undefined) r.row = f.row;
  if (f.location) r.line = f.location.line;
  if (f.excerpt !== undefined) r.excerpt = ensureMasked(f.excerpt);
  return r;
}

function readFindings(v: unknown): FindingRow[] {
  if (!Array.isArray(v)) return [];
  const out: FindingRow[] = [];
  for (const f of v) {
    if (!isObject(f) || typeof f.rule !== 'string' || typeof f.message !== 'string') continue;
    const sev = typeof f.severity === 'string' ? (f.severity as Severity) : 'info';
    out.push(findingRow({ ...(f as unknown as Finding), severity: sev }));
  }
  return out;
}

// --------------------------------------------------------------------------------------------- dataset

/**
 * The dataset half of the audit view from the scanner's report. Group shares and base rates come from
 * `report.fairness` when the fairness engine filled it (`groups[attr][value]` with `n`/`count` and
 * `positives`/`baseRate`), otherwise from the top values of protected columns (shares only; the top-values
 * list is capped, so shares there are of all rows and may not sum to 1).
 */
export function datasetSection(report: AuditReport): DatasetSection {
  const rows = report.rows;
  const groups: GroupShareSection[] = [];
  const proxies: ProxyRow[] = [];
  let label: string | undefined;
  const fair = isObject(report.fairness) ? report.fairness : undefined;
  if (fair) {
    if (typeof fair.label === 'string') label = fair.label;
    // The fairness engine's FairnessReport: `dataset.attributes[]` of { attribute, groups: GroupRate[] }.
    const ds = isObject(fair.dataset) ? fair.dataset : undefined;
    for (const a of Array.isArray(ds?.attributes) ? ds.attributes : []) {
      if (!isObject(a) || typeof a.attribute !== 'string') continue;
      const rowsOut = groupShareRows(a.groups, rows);
      if (rowsOut.length > 0) groups.push({ attribute: a.attribute, groups: rowsOut });
    }
    // Older or foreign shape: `groups[attr][value]` with counts.
    const g =
      isObject(fair.groups) && groups.length === 0 && !isObject(fair.overall) ? fair.groups : undefined;
    for (const [attr, byValue] of Object.entries(g ?? {})) {
      const rowsOut = groupShareRows(byValue, rows);
      if (rowsOut.length > 0) groups.push({ attribute: attr, groups: rowsOut });
    }
    for (const p of Array.isArray(fair.proxies) ? fair.proxies : []) {
      if (!isObject(p)) continue;
      const feature = p.column ?? p.feature;
      const attribute = p.protected ?? p.attribute;
      const cv = num(p.cramersV);
      const strength = cv ?? num(p.nmi) ?? num(p.strength) ?? num(p.score) ?? num(p.value);
      if (typeof feature !== 'string' || typeof attribute !== 'string' || strength === undefined) continue;
      const row: ProxyRow = { feature, attribute, strength };
      const measure =
        cv !== undefined
          ? "Cramér's V"
          : num(p.nmi) !== undefined
            ? 'normalised mutual information'
            : p.measure;
      if (typeof measure === 'string') row.measure = measure;
      proxies.push(row);
    }
  }
  const known = new Set(groups.map((g) => g.attribute));
  for (const c of report.columns) {
    if (!c.protected || known.has(c.name) || c.type === 'identifier') continue;
    const present = rows - c.missing;
    const grs: GroupShareRow[] = c.topValues.map((t) => ({
      value: t.value,
      n: t.count,
      share: present > 0 ? t.count / present : 0,
      shareInterval: wilsonInterval(t.count, present),
    }));
    if (grs.length > 0) groups.push({ attribute: c.name, kind: c.protected, groups: grs });
  }
  for (const g of groups) {
    const col = report.columns.find((c) => c.name === g.attribute);
    if (col?.protected) g.kind = col.protected;
  }
  proxies.sort((a, b) => b.strength - a.strength);
  const truncated = Object.values(report.truncated ?? {}).reduce((a, b) => a + b, 0);
  const ds: DatasetSection = {
    file: report.file,
    rows,
    columns: report.columns.length,
    findings: report.findings.map(findingRow),
    truncated,
    quasiIdentifiers: report.privacy.quasiIdentifiers,
    kAnonymity: report.privacy.kAnonymity,
    uniqueRecords: report.privacy.uniqueRecords,
    singlingOut: report.privacy.singlingOut ?? null,
    piiColumns: report.columns
      .filter((c) => c.entities.length > 0)
      .map((c) => ({ name: c.name, entities: c.entities })),
    groups,
    proxies,
  };
  if (label !== undefined) ds.label = label;
  return ds;
}

function groupShareRows(byValue: unknown, totalRows: number): GroupShareRow[] {
  const entries: [string, Record<string, unknown>][] = [];
  if (isObject(byValue)) {
    for (const [v, o] of Object.entries(byValue)) if (isObject(o)) entries.push([v, o]);
  } else if (Array.isArray(byValue)) {
    for (const o of byValue) if (isObject(o) && typeof o.value === 'string') entries.push([o.value, o]);
  }
  const total = entries.reduce((a, [, o]) => a + (num(o.n) ?? num(o.count) ?? 0), 0) || totalRows;
  const out: GroupShareRow[] = [];
  for (const [value, o] of entries) {
    const n = num(o.n) ?? num(o.count);
    if (n === undefined) continue;
    const share = num(o.share) ?? (total > 0 ? n / total : 0);
    const row: GroupShareRow = { value, n, share, shareInterval: wilsonInterval(share * total, total) };
    const baseRate = num(o.baseRate);
    const positives = num(o.positives) ?? (baseRate !== undefined ? baseRate * n : undefined);
    if (positives !== undefined && n > 0) {
      const weight = num(o.weight) ?? n;
      row.baseRate = baseRate ?? positives / weight;
      const ci = Array.isArray(o.ci95) && o.ci95.length === 2 ? [num(o.ci95[0]), num(o.ci95[1])] : undefined;
      row.baseRateInterval =
        ci && ci[0] !== undefined && ci[1] !== undefined
          ? [ci[0], ci[1]]
          : wilsonInterval(row.baseRate * n, n);
    }
    out.push(row);
  }
  return out.sort((a, b) => b.n - a.n);
}

// ----------------------------------------------------------------------------------------------- model

/** Safe ratio: null when the denominator is 0 (an empty group or a class the group lacks). */
export function rate(num_: number, den: number): number | null {
  return den > 0 ? num_ / den : null;
}

/** Group metrics from a confusion matrix; each is null where its denominator is zero. */
export function metricsFromConfusion(c: Confusion): Record<GroupMetric, number | null> {
  const n = c.tp + c.fp + c.tn + c.fn;
  return {
    selectionRate: rate(c.tp + c.fp, n),
    tpr: rate(c.tp, c.tp + c.fn),
    fpr: rate(c.fp, c.fp + c.tn),
    ppv: rate(c.tp, c.tp + c.fp),
    accuracy: rate(c.tp + c.tn, n),
  };
}

function readConfusion(v: unknown): Confusion | undefined {
  if (!isObject(v)) return undefined;
  const tp = num(v.tp);
  const fp = num(v.fp);
  const tn = num(v.tn);
  const fn = num(v.fn);
  if (tp === undefined || fp === undefined || tn === undefined || fn === undefined) return undefined;
  return { tp, fp, tn, fn };
}

/**
 * Per-group rows with checks. The reference for each metric is the most favourable group (highest selection
 * rate, TPR, PPV, accuracy; lowest FPR) among groups of at least `minGroupSize` rows (default 30; all groups
 * when none is that large), as in Fairlearn's between-groups difference: a group fails a metric
 * when its gap to that group exceeds the threshold. Selection rate also fails below the four-fifths ratio.
 * PPV and accuracy are shown but not checked against a threshold (no policy field names them).
 */
export function groupRows(
  raw: Record<string, Record<string, unknown>>,
  thresholds: ViewThresholds,
): GroupRow[] {
  const rows: GroupRow[] = [];
  for (const [value, o] of Object.entries(raw)) {
    const confusion = readConfusion(o.confusion) ?? readConfusion(o);
    const fromConf = confusion ? metricsFromConfusion(confusion) : undefined;
    const metrics = {} as Record<GroupMetric, number | null>;
    for (const m of GROUP_METRICS) {
      const given = num(o[m]);
      metrics[m] = given !== undefined ? given : (fromConf?.[m] ?? null);
    }
    const n =
      num(o.n) ?? num(o.count) ?? (confusion ? confusion.tp + confusion.fp + confusion.tn + confusion.fn : 0);
    const row: GroupRow = { value, n, metrics, checks: {}, pass: true };
    if (confusion) row.confusion = confusion;
    rows.push(row);
  }
  // Groups below the fairness engine's minimum size (default 30) are checked but never the reference: a
  // group of 24 rows with a perfect TPR would otherwise fail every other group.
  const minSize = thresholds.minGroupSize ?? 30;
  const big = rows.filter((r) => r.n >= minSize);
  const refRows = big.length > 0 ? big : rows;
  const best = (m: GroupMetric, lowIsBest: boolean): number | null => {
    const vals = refRows.map((r) => r.metrics[m]).filter((v): v is number => v !== null);
    if (vals.length === 0) return null;
    return lowIsBest ? Math.min(...vals) : Math.max(...vals);
  };
  const ref = {
    selectionRate: best('selectionRate', false),
    tpr: best('tpr', false),
    fpr: best('fpr', true),
  };
  for (const r of rows) {
    const sr = r.metrics.selectionRate;
    if (sr !== null && ref.selectionRate !== null) {
      const gapOk = ref.selectionRate - sr <= thresholds.demographicParityDifference + 1e-12;
      const ratioOk = ref.selectionRate === 0 || sr / ref.selectionRate >= thresholds.disparateImpact - 1e-12;
      r.checks.selectionRate = gapOk && ratioOk;
    } else r.checks.selectionRate = null;
    const tpr = r.metrics.tpr;
    r.checks.tpr =
      tpr !== null && ref.tpr !== null ? ref.tpr - tpr <= thresholds.equalizedOddsDifference + 1e-12 : null;
    const fpr = r.metrics.fpr;
    r.checks.fpr =
      fpr !== null && ref.fpr !== null ? fpr - ref.fpr <= thresholds.equalizedOddsDifference + 1e-12 : null;
    r.pass = Object.values(r.checks).every((c) => c !== false);
  }
  return rows.sort((a, b) => b.n - a.n);
}

const RATIO_METRICS = /ratio|impact/i;

function disparityThreshold(metric: string, t: ViewThresholds): number | undefined {
  const own = t[metric];
  if (typeof own === 'number') return own;
  if (/demographicParityDifference|selectionRateDifference/i.test(metric))
    return t.demographicParityDifference;
  if (/equalizedOddsDifference|tprDifference|fprDifference|equalOpportunityDifference/i.test(metric))
    return t.equalizedOddsDifference;
  if (/disparateImpact|demographicParityRatio|selectionRateRatio|equalizedOddsRatio/i.test(metric))
    return t.disparateImpact;
  return undefined;
}

/**
 * Disparity rows for one attribute. Accepts `{metric: number}`, `{metric: {value, threshold?, pass?}}` or an
 * array of `{metric, value, ...}`. When none are given they are computed from the group rows:
 * demographic parity difference and ratio, equalized odds difference (the larger of the TPR and FPR ranges).
 */
export function disparityRows(raw: unknown, groups: readonly GroupRow[], t: ViewThresholds): DisparityRow[] {
  const rows: DisparityRow[] = [];
  const add = (metric: string, value: number, threshold?: number, pass?: boolean): void => {
    const kind: DisparityRow['kind'] = RATIO_METRICS.test(metric) ? 'ratio' : 'difference';
    const th = threshold ?? disparityThreshold(metric, t);
    const row: DisparityRow = { metric, value, kind };
    if (th !== undefined) {
      row.threshold = th;
      row.pass = pass ?? (kind === 'ratio' ? value >= th - 1e-12 : value <= th + 1e-12);
    } else if (pass !== undefined) row.pass = pass;
    rows.push(row);
  };
  if (isObject(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      const n = num(v);
      if (n !== undefined) add(k, n);
      else if (isObject(v) && num(v.value) !== undefined)
        add(k, num(v.value)!, num(v.threshold), typeof v.pass === 'boolean' ? v.pass : undefined);
    }
  } else if (Array.isArray(raw)) {
    for (const v of raw) {
      if (isObject(v) && typeof v.metric === 'string' && num(v.value) !== undefined)
        add(v.metric, num(v.value)!, num(v.threshold), typeof v.pass === 'boolean' ? v.pass : undefined);
    }
  }
  if (rows.length === 0 && groups.length > 1) {
    const range = (m: GroupMetric): number | null => {
      const vals = groups.map((g) => g.metrics[m]).filter((v): v is number => v !== null);
      return vals.length > 1 ? Math.max(...vals) - Math.min(...vals) : null;
    };
    const sr = groups.map((g) => g.metrics.selectionRate).filter((v): v is number => v !== null);
    const dpd = range('selectionRate');
    if (dpd !== null) add('demographicParityDifference', dpd);
    if (sr.length > 1 && Math.max(...sr) > 0) add('disparateImpact', Math.min(...sr) / Math.max(...sr));
    const tprR = range('tpr');
    const fprR = range('fpr');
    if (tprR !== null || fprR !== null) add('equalizedOddsDifference', Math.max(tprR ?? 0, fprR ?? 0));
  }
  return rows;
}

/** Per-row data for the threshold slider and the calibration plot. */
export interface ScoredRows {
  scores: ArrayLike<number>;
  /** 1 for the positive class, 0 otherwise. */
  labels: ArrayLike<number>;
  /** Group value of each row, per attribute. */
  groups: Record<string, readonly string[]>;
}

/**
 * Reliability diagram: scores cut into `bins` equal-width bins over [0, 1] (the last bin includes 1), each
 * with its mean score, observed positive rate and Wilson interval. Empty bins have null mean and rate.
 * Scores outside [0, 1] are clamped into the end bins.
 */
export function calibrationBins(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  const n = new Float64Array(bins);
  const sum = new Float64Array(bins);
  const pos = new Float64Array(bins);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    n[b]!++;
    sum[b]! += s;
    if (labels[i] === 1) pos[b]!++;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      lo: b / bins,
      hi: (b + 1) / bins,
      n: n[b]!,
      meanScore: n[b]! > 0 ? sum[b]! / n[b]! : null,
      observedRate: n[b]! > 0 ? pos[b]! / n[b]! : null,
      interval: wilsonInterval(pos[b]!, n[b]!),
    });
  }
  return out;
}

/**
 * Accuracy and disparities at every threshold t = k/steps (k = 0..steps), predicting positive when
 * score ≥ t. Counting rows per (group, label, highest grid threshold at or below the score) and summing from
 * the top makes it O(rows + steps × groups), so the slider moves over precomputed points and the webview
 * never needs the rows themselves.
 *
 * Edge cases: a group without positives (or negatives) has an undefined TPR (FPR) and is left out of that
 * range; a range over fewer than two defined groups is null; no rows gives null accuracy.
 */
export function thresholdTradeoff(rows: ScoredRows, steps = 100): TradeoffPoint[] {
  const nRows = rows.scores.length;
  const K = steps + 1;
  const gridIndex = (s: number): number => {
    let k = Math.floor(s * steps);
    if (k > steps) k = steps;
    if (k < steps && (k + 1) / steps <= s) k++;
    if (k > 0 && k / steps > s) k--;
    return k;
  };
  // Overall counts: positives and negatives with grid index k.
  const posAt = new Float64Array(K);
  const negAt = new Float64Array(K);
  let totalPos = 0;
  let totalNeg = 0;
  const idx = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const s = rows.scores[i]!;
    const k = Number.isFinite(s) ? (s < 0 ? -1 : gridIndex(s)) : -2;
    idx[i] = k;
    if (k === -2) continue;
    const y = rows.labels[i] === 1;
    if (y) totalPos++;
    else totalNeg++;
    if (k >= 0) (y ? posAt : negAt)[k]!++;
  }
  const attrs = Object.keys(rows.groups);
  // Per attribute, per group: the same histograms.
  const perAttr = attrs.map((a) => {
    const values = rows.groups[a]!;
    const names = [...new Set(values)].sort();
    const gi = new Map(names.map((v, i) => [v, i]));
    const G = names.length;
    const pos = new Float64Array(G * K);
    const neg = new Float64Array(G * K);
    const totP = new Float64Array(G);
    const totN = new Float64Array(G);
    for (let i = 0; i < nRows; i++) {
      const k = idx[i]!;
      if (k === -2) continue;
      const g = gi.get(values[i]!)!;
      const y = rows.labels[i] === 1;
      if (y) totP[g]!++;
      else totN[g]!++;
      if (k >= 0) (y ? pos : neg)[g * K + k]!++;
    }
    return { a, names, G, pos, neg, totP, totN, cumP: new Float64Array(G), cumN: new Float64Array(G) };
  });
  const out: TradeoffPoint[] = new Array<TradeoffPoint>(K);
  let cumP = 0;
  let cumN = 0;
  for (let k = steps; k >= 0; k--) {
    cumP += posAt[k]!;
    cumN += negAt[k]!;
    // Predicted positive: rows with grid index ≥ k. Correct = TP + TN = cumP + (totalNeg − cumN).
    const total = totalPos + totalNeg;
    const point: TradeoffPoint = {
      threshold: k / steps,
      accuracy: total > 0 ? (cumP + totalNeg - cumN) / total : null,
      demographicParityDifference: {},
      equalizedOddsDifference: {},
      selectionRate: {},
    };
    for (const pa of perAttr) {
      const sr: (number | null)[] = [];
      const tpr: number[] = [];
      const fpr: number[] = [];
      const srByName: Record<string, number | null> = {};
      for (let g = 0; g < pa.G; g++) {
        pa.cumP[g]! += pa.pos[g * K + k]!;
        pa.cumN[g]! += pa.neg[g * K + k]!;
        const n = pa.totP[g]! + pa.totN[g]!;
        const s = n > 0 ? (pa.cumP[g]! + pa.cumN[g]!) / n : null;
        sr.push(s);
        srByName[pa.names[g]!] = s;
        if (pa.totP[g]! > 0) tpr.push(pa.cumP[g]! / pa.totP[g]!);
        if (pa.totN[g]! > 0) fpr.push(pa.cumN[g]! / pa.totN[g]!);
      }
      const defined = sr.filter((v): v is number => v !== null);
      point.demographicParityDifference[pa.a] =
        defined.length > 1 ? Math.max(...defined) - Math.min(...defined) : null;
      const tr = tpr.length > 1 ? Math.max(...tpr) - Math.min(...tpr) : null;
      const fr = fpr.length > 1 ? Math.max(...fpr) - Math.min(...fpr) : null;
      point.equalizedOddsDifference[pa.a] = tr === null && fr === null ? null : Math.max(tr ?? 0, fr ?? 0);
      point.selectionRate[pa.a] = srByName;
    }
    out[k] = point;
  }
  return out;
}

function numbersOf(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(o)) return out;
  for (const [k, v] of Object.entries(o)) {
    const n = num(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function attributesOf(pa: Record<string, unknown>, thresholds: ViewThresholds): AttributeSection[] {
  const attributes: AttributeSection[] = [];
  const groups = isObject(pa.groups) ? pa.groups : {};
  const disp = isObject(pa.disparities) ? pa.disparities : {};
  for (const [attr, byValue] of Object.entries(groups)) {
    if (!isObject(byValue)) continue;
    const raw: Record<string, Record<string, unknown>> = {};
    for (const [v, o] of Object.entries(byValue)) if (isObject(o)) raw[v] = o;
    const gr = groupRows(raw, thresholds);
    attributes.push({ attribute: attr, groups: gr, disparities: disparityRows(disp[attr], gr, thresholds) });
  }
  return attributes;
}

/** The prediction audit's reliability bins (`lower, upper, count, meanScore, fractionPositive`) as ours. */
function reliabilityBins(v: unknown): CalibrationBin[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: CalibrationBin[] = [];
  for (const b of v) {
    if (!isObject(b)) return undefined;
    const n = num(b.count) ?? num(b.n) ?? 0;
    const rateV = b.fractionPositive ?? b.observedRate;
    const observed = typeof rateV === 'number' && Number.isFinite(rateV) ? rateV : null;
    const ms = num(b.meanScore);
    out.push({
      lo: num(b.lower) ?? num(b.lo) ?? 0,
      hi: num(b.upper) ?? num(b.hi) ?? 1,
      n,
      meanScore: ms ?? null,
      observedRate: observed,
      interval: wilsonInterval((observed ?? 0) * n, n),
    });
  }
  return out;
}

/**
 * The model half of the audit view. Accepts, most specific first:
 * - a run's `audit.json` (`RunAudit`: `performance`, `training`, `privacy.dpSgd`, and `fairness.before` /
 *   `fairness.after`, each a prediction audit; the shipped model is `after` when there is one, and `before`
 *   is kept as the comparison);
 * - a prediction audit or the `fairness` part of a dataset audit (`overall`, `groups[attr][value]`,
 *   `disparities[attr]`, `findings`; the group objects are `GroupMetrics` or any object with a confusion
 *   matrix or the rates themselves).
 * `rows` (per-row scores, labels and groups) adds the threshold trade-off and a calibration plot computed
 * from the rows; without them the calibration comes from the audit's reliability bins when it has them.
 */
export function modelSection(audit: unknown, thresholds: ViewThresholds, rows?: ScoredRows): ModelSection {
  const a = isObject(audit) ? audit : {};
  const fair = isObject(a.fairness) ? a.fairness : undefined;
  const before = fair && isObject(fair.before) ? fair.before : undefined;
  const after = fair && isObject(fair.after) ? fair.after : undefined;
  const pa: Record<string, unknown> = after ?? before ?? a;

  const overall: Record<string, number> = {};
  const ov = isObject(pa.overall) ? pa.overall : {};
  Object.assign(overall, numbersOf(ov));
  delete overall.positives;
  const ovConf = readConfusion(ov.confusion);
  if (ovConf) {
    const m = metricsFromConfusion(ovConf);
    for (const k of GROUP_METRICS) if (overall[k] === undefined && m[k] !== null) overall[k] = m[k]!;
    overall.n ??= ovConf.tp + ovConf.fp + ovConf.tn + ovConf.fn;
  }
  // The run's own performance figures (accuracy on the held-out split, AUC, ...) win over the audit's.
  Object.assign(overall, numbersOf(a.performance));
  if (overall.auc === undefined && overall.rocAuc !== undefined) overall.auc = overall.rocAuc;
  if (overall.n === undefined && num(a.rows) !== undefined) overall.n = num(a.rows)!;

  const section: ModelSection = {
    overall,
    attributes: attributesOf(pa, thresholds),
    threshold: num(a.threshold) ?? num(a.decisionThreshold) ?? 0.5,
    findings: readFindings(pa.findings),
  };
  if (after && before && fair) {
    const m: NonNullable<ModelSection['mitigation']> = {
      method: typeof fair.mitigation === 'string' ? fair.mitigation : 'mitigation',
      before: attributesOf(before, thresholds),
    };
    if (typeof fair.note === 'string') m.note = fair.note;
    const acc = isObject(before.overall) ? num(before.overall.accuracy) : undefined;
    if (acc !== undefined) m.accuracyBefore = acc;
    section.mitigation = m;
  }
  const privSrc = isObject(a.privacy) ? a.privacy : isObject(a.dp) ? a.dp : undefined;
  if (privSrc) {
    const p = { ...numbersOf(privSrc), ...numbersOf(privSrc.dpSgd) };
    if (isObject(privSrc.dpSgd)) {
      // DP plans nest their figures one level down (accountant, final ε); flatten the numeric ones.
      for (const v of Object.values(privSrc.dpSgd)) if (isObject(v)) Object.assign(p, numbersOf(v));
    }
    if (Object.keys(p).length > 0) section.privacy = p;
  }
  const miaSrc = isObject(a.membershipInference)
    ? a.membershipInference
    : isObject(privSrc?.membershipInference)
      ? privSrc.membershipInference
      : undefined;
  if (miaSrc) {
    const p = numbersOf(miaSrc);
    for (const v of Object.values(miaSrc)) if (isObject(v)) Object.assign(p, numbersOf(v));
    if (Object.keys(p).length > 0) section.membershipInference = p;
  }
  const bins = reliabilityBins(ov.reliability);
  if (bins) section.calibration = bins;
  if (rows && rows.scores.length > 0) {
    section.calibration = calibrationBins(rows.scores, rows.labels);
    section.tradeoff = thresholdTradeoff(rows);
  }
  return section;
}

/**
 * Reads per-row held-out scores (`scores.json`: `{ scores, labels, groups: {attr: values[]} }`), the input of
 * the threshold slider. Returns undefined, never throws, when the object does not have that shape or its
 * arrays disagree in length.
 */
export function readScoredRows(v: unknown): ScoredRows | undefined {
  if (!isObject(v) || !Array.isArray(v.scores) || !Array.isArray(v.labels)) return undefined;
  const n = v.scores.length;
  if (v.labels.length !== n || n === 0) return undefined;
  const scores = Float64Array.from(v.scores as unknown[], (x) => (typeof x === 'number' ? x : NaN));
  const labels = Float64Array.from(v.labels as unknown[], (x) =>
    x === 1 || x === true || x === '1' ? 1 : 0,
  );
  const groups: Record<string, string[]> = {};
  if (isObject(v.groups)) {
    for (const [k, arr] of Object.entries(v.groups)) {
      if (Array.isArray(arr) && arr.length === n)
        groups[k] = arr.map((x) => (x === null || x === undefined ? '(missing)' : String(x)));
    }
  }
  return { scores, labels, groups };
}

/** The point of the trade-off curve nearest a threshold (the slider's position). */
export function tradeoffAt(points: readonly TradeoffPoint[], threshold: number): TradeoffPoint | undefined {
  let best: TradeoffPoint | undefined;
  for (const p of points)
    if (!best || Math.abs(p.threshold - threshold) < Math.abs(best.threshold - threshold)) best = p;
  return best;
}

/** Formats a rate as a percentage with one decimal; null as an em dash. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)} %`;
}

/** Formats a number with up to `digits` significant decimals; null as an em dash. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v)) return groupDigits(v);
  return v.toFixed(digits);
}

// =============================================================================================== assembled views

function basename(p: string): string {
  const parts = p.split(/[\\/]/).filter((x) => x !== '');
  return parts[parts.length - 1] ?? p;
}

/** `{ ...defaults, ...policy thresholds, ...the run's fairness thresholds }`, numbers only. */
export function viewThresholds(...sources: unknown[]): ViewThresholds {
  const t: ViewThresholds = { ...VIEW_DEFAULT_THRESHOLDS };
  for (const s of sources) Object.assign(t, numbersOf(s));
  return t;
}

/**
 * The audit view of a training run from its folder's files (already parsed): `audit.json`, optionally the
 * resolved `config.json` (for the title and the config's fairness thresholds) and `scores.json`.
 */
export function runAuditView(
  runDir: string,
  audit: unknown,
  options: { config?: unknown; rows?: ScoredRows; thresholds?: unknown; generatedAt?: string } = {},
): AuditViewModel {
  const cfg = isObject(options.config) ? options.config : {};
  const cfgFair = isObject(cfg.fairness) ? cfg.fairness : {};
  const thresholds = viewThresholds(options.thresholds, cfgFair.thresholds);
  const parts = runDir.split(/[\\/]/).filter((x) => x !== '');
  const id = parts[parts.length - 1] ?? runDir;
  const name =
    (isObject(audit) && typeof audit.config === 'string' ? audit.config : undefined) ??
    parts[parts.length - 2] ??
    'run';
  const vm: AuditViewModel = {
    title: `Audit · ${name} / ${id}`,
    source: { kind: 'run', path: runDir },
    thresholds,
    model: modelSection(audit, thresholds, options.rows),
  };
  if (options.generatedAt) vm.generatedAt = options.generatedAt;
  return vm;
}

/**
 * The audit view of a dataset scan. When the scan also audited predictions (its `fairness` has `overall`
 * and `groups`, from "Audit Predictions"), the model half is filled from it too.
 */
export function datasetAuditView(
  report: AuditReport,
  options: { thresholds?: unknown; generatedAt?: string; rows?: ScoredRows } = {},
): AuditViewModel {
  const fair = isObject(report.fairness) ? report.fairness : undefined;
  const thresholds = viewThresholds(options.thresholds, fair?.thresholds);
  const hasPredictions = fair !== undefined && isObject(fair.overall) && isObject(fair.groups);
  const vm: AuditViewModel = {
    title: `${hasPredictions ? 'Predictions audit' : 'Dataset audit'} · ${basename(report.file)}`,
    source: { kind: hasPredictions ? 'predictions' : 'dataset', path: report.file },
    thresholds,
    dataset: datasetSection(report),
  };
  if (hasPredictions) vm.model = modelSection(fair, thresholds, options.rows);
  if (options.generatedAt) vm.generatedAt = options.generatedAt;
  return vm;
}

/**
 * What the training panel's header shows, from a run folder's files: the resolved `config.json` (epochs,
 * protected attributes, DP), `status.json` (start time) and `audit.json` (backend and device of a finished
 * run). A live run's backend comes from the worker's `started` notification instead.
 */
export function runInfoFromFiles(
  runDir: string,
  files: { config?: unknown; status?: unknown; audit?: unknown },
): TrainingRunInfo {
  const parts = runDir.split(/[\\/]/).filter((x) => x !== '');
  const info: TrainingRunInfo = {
    runDir,
    id: parts[parts.length - 1] ?? runDir,
    config: parts[parts.length - 2] ?? 'run',
  };
  const cfg = isObject(files.config) ? files.config : undefined;
  if (cfg) {
    if (typeof cfg.name === 'string') info.config = cfg.name;
    const tr = isObject(cfg.training) ? cfg.training : undefined;
    if (num(tr?.epochs) !== undefined) info.epochs = num(tr!.epochs)!;
    if (Array.isArray(cfg.protected))
      info.protected = cfg.protected.filter((x): x is string => typeof x === 'string');
    const priv = isObject(cfg.privacy) ? cfg.privacy : undefined;
    if (priv && isObject(priv.dpSgd)) info.dp = true;
  }
  const st = isObject(files.status) ? files.status : undefined;
  if (st && typeof st.startedAt === 'string' && Number.isFinite(Date.parse(st.startedAt)))
    info.startedAt = Date.parse(st.startedAt);
  const au = isObject(files.audit) ? files.audit : undefined;
  const be = au && isObject(au.training) && isObject(au.training.backend) ? au.training.backend : undefined;
  if (be) {
    if (typeof be.name === 'string') info.backend = be.name;
    if (typeof be.device === 'string') info.device = be.device;
  }
  return info;
}

/** The run's state from `status.json`; `unknown` without one. */
export function runStatusFromFile(status: unknown): RunStatus {
  if (!isObject(status)) return { state: 'unknown' };
  const s = status.state;
  const state: RunState =
    s === 'running' || s === 'finished' || s === 'cancelled' || s === 'failed' ? s : 'unknown';
  const out: RunStatus = { state };
  if (typeof status.message === 'string') out.message = status.message;
  return out;
}
