/**
 * Reproducible preprocessing: fitted on the training split only, saved as `preprocess.json`, and applied
 * unchanged to validation, test and later prediction files. Numerics are standardised (training mean and
 * standard deviation), categoricals one-hot encoded; missing values are imputed or their rows dropped.
 */
import { toBinaryOutcome } from '../fairness/positives';
import { DEFAULT_MISSING_TOKENS } from '../privacy/privacyScanner';
import type { HeadKind } from './heads';

/** A table held column by column: `columns[c][r]` is the raw cell (undefined when absent). */
export interface RawTable {
  names: string[];
  columns: (string | undefined)[][];
  /** 1-based source row numbers (header excluded), for messages. */
  rowNumbers: Int32Array;
}

export interface NumericFeature {
  name: string;
  kind: 'numeric';
  mean: number;
  /** 1 when the training values are constant (so the feature is 0 everywhere rather than NaN). */
  std: number;
}

export interface CategoricalFeature {
  name: string;
  kind: 'categorical';
  /** One output column per level, in this order. */
  levels: string[];
  /** Index in `levels` of the level that missing cells map to (imputation as its own level), or -1. */
  missingLevel: number;
  /** Index in `levels` of the level that rare levels (beyond `maxCategories`) map to, or -1. */
  otherLevel: number;
}

export type FeatureSpec = NumericFeature | CategoricalFeature;

/** The saved pipeline (`preprocess.json`). Plain JSON; version bumps on incompatible change. */
export interface PreprocessSpec {
  version: 1;
  label: string;
  task: HeadKind;
  /** Binary: label values mapped to 1. */
  positive?: string[];
  /** Binary: the negative label value when training saw exactly one (for readable predictions). */
  negative?: string;
  /** Multi-class: class names in output order. */
  classes?: string[];
  /** Regression: the target is standardised with these; predictions are mapped back. */
  target?: { mean: number; std: number };
  features: FeatureSpec[];
  /** Output width (sum of one column per numeric feature and one per categorical level). */
  width: number;
  missing: 'impute' | 'drop';
  missingTokens: string[];
}

/** A missing-cell test: `undefined`, blank, the scanner's default tokens (NA, null, ?, ...) and `extra`, after trimming. */
export function missingTest(extra: readonly string[]): (v: string | undefined) => boolean {
  const set = new Set([...DEFAULT_MISSING_TOKENS, ...extra]);
  return (v) => v === undefined || v.trim() === '' || set.has(v.trim());
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const MISSING_LEVEL = '(missing)';
export const OTHER_LEVEL = '(other)';

export interface FitOptions {
  features: string[];
  label: string;
  task: HeadKind;
  positive?: string[];
  negative?: string;
  classes?: string[];
  categorical: string[];
  missing: 'impute' | 'drop';
  missingTokens: string[];
  maxCategories: number;
}

/** Fits the pipeline on the training rows `rows` (indices into `table`). */
export function fitPreprocess(table: RawTable, rows: Int32Array, o: FitOptions): PreprocessSpec {
  const isMissing = missingTest(o.missingTokens);
  const features: FeatureSpec[] = [];
  let width = 0;
  for (const name of o.features) {
    const col = table.columns[table.names.indexOf(name)];
    if (!col) throw new Error(`Feature column "${name}" is not in the data.`);
    let numeric = !o.categorical.includes(name);
    let sum = 0;
    let count = 0;
    let anyMissing = false;
    const counts = new Map<string, number>();
    for (const r of rows) {
      const raw = col[r];
      if (isMissing(raw)) {
        anyMissing = true;
        continue;
      }
      const v = raw!.trim();
      if (numeric && NUMBER.test(v)) {
        sum += Number(v);
        count++;
      } else {
        numeric = false;
      }
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (numeric && count > 0) {
      const mean = sum / count;
      let ss = 0;
      for (const r of rows) {
        const raw = col[r];
        if (isMissing(raw)) continue;
        const d = Number(raw!.trim()) - mean;
        ss += d * d;
      }
      const std = Math.sqrt(ss / count);
      features.push({ name, kind: 'numeric', mean, std: std > 0 ? std : 1 });
      width += 1;
    } else {
      // Levels sorted by frequency then name, so the encoding does not depend on row order.
      const sorted = [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([k]) => k);
      const levels = sorted.slice(0, o.maxCategories);
      let otherLevel = -1;
      if (sorted.length > o.maxCategories) {
        otherLevel = levels.length;
        levels.push(OTHER_LEVEL);
      }
      let missingLevel = -1;
      if (anyMissing && o.missing === 'impute') {
        missingLevel = levels.length;
        levels.push(MISSING_LEVEL);
      }
      features.push({ name, kind: 'categorical', levels, missingLevel, otherLevel });
      width += levels.length;
    }
  }
  const spec: PreprocessSpec = {
    version: 1,
    label: o.label,
    task: o.task,
    features,
    width,
    missing: o.missing,
    missingTokens: [...o.missingTokens],
  };
  if (o.task === 'binary') {
    spec.positive = o.positive ?? [];
    if (o.negative !== undefined) spec.negative = o.negative;
  }
  if (o.task === 'multiclass') spec.classes = o.classes ?? [];
  if (o.task === 'regression') {
    const col = table.columns[table.names.indexOf(o.label)]!;
    let s = 0;
    let n = 0;
    for (const r of rows) {
      const x = Number(col[r]);
      if (Number.isFinite(x)) {
        s += x;
        n++;
      }
    }
    const mean = n > 0 ? s / n : 0;
    let ss = 0;
    for (const r of rows) {
      const x = Number(col[r]);
      if (Number.isFinite(x)) ss += (x - mean) ** 2;
    }
    const std = n > 0 ? Math.sqrt(ss / n) : 1;
    spec.target = { mean, std: std > 0 ? std : 1 };
  }
  return spec;
}

export interface Encoded {
  /** Row-major features, `rows.length × spec.width`. */
  x: Float32Array;
  /** Indices into the table of the rows kept, in order. */
  rows: Int32Array;
  /** Rows dropped because a feature was missing (mode `drop`) or, with labels, the label was. */
  dropped: number;
  /** Cells whose category was not seen in training (encoded as all zeros). */
  unknownCategories: number;
}

/**
 * Encodes rows of `table` with a fitted spec. A categorical value unseen in training encodes as all zeros
 * in its block (the model sees "none of the known levels"); a missing cell maps to the missing level (or all
 * zeros if training had no missing cells), and a missing numeric to the training mean (0 after standardising).
 * In `drop` mode any missing feature drops the row. `needLabel` also drops rows whose label is missing.
 * @throws Error naming the column when a feature column is absent from the table.
 */
export function encodeFeatures(
  spec: PreprocessSpec,
  table: RawTable,
  rows: Int32Array,
  needLabel = false,
): Encoded {
  const isMissing = missingTest(spec.missingTokens);
  const cols = spec.features.map((f) => {
    const i = table.names.indexOf(f.name);
    if (i < 0) throw new Error(`The data has no column "${f.name}", which the model uses as a feature.`);
    return table.columns[i]!;
  });
  const labelCol = needLabel ? table.columns[table.names.indexOf(spec.label)] : undefined;
  if (needLabel && !labelCol) throw new Error(`The data has no label column "${spec.label}".`);
  const levelIndex = spec.features.map((f) =>
    f.kind === 'categorical' ? new Map(f.levels.map((l, i) => [l, i])) : null,
  );
  const kept: number[] = [];
  for (const r of rows) {
    if (labelCol && isMissing(labelCol[r])) continue;
    if (spec.missing === 'drop' && cols.some((c) => isMissing(c[r]))) continue;
    kept.push(r);
  }
  const x = new Float32Array(kept.length * spec.width);
  let unknown = 0;
  for (let k = 0; k < kept.length; k++) {
    const r = kept[k]!;
    let off = k * spec.width;
    for (let f = 0; f < spec.features.length; f++) {
      const feat = spec.features[f]!;
      const raw = cols[f]![r];
      const missing = isMissing(raw);
      if (feat.kind === 'numeric') {
        const v = missing ? feat.mean : Number(raw!.trim());
        // A non-numeric cell in a numeric column at prediction time is treated as missing.
        x[off] = Number.isFinite(v) ? (v - feat.mean) / feat.std : 0;
        off += 1;
      } else {
        let li = -1;
        if (missing) li = feat.missingLevel;
        else {
          li = levelIndex[f]!.get(raw!.trim()) ?? feat.otherLevel;
          if (li < 0) unknown++;
        }
        if (li >= 0) x[off + li] = 1;
        off += feat.levels.length;
      }
    }
  }
  return { x, rows: Int32Array.from(kept), dropped: rows.length - kept.length, unknownCategories: unknown };
}

/** Output width of the model for a spec. */
export function outputWidth(spec: PreprocessSpec): number {
  return spec.task === 'multiclass' ? (spec.classes?.length ?? 0) : 1;
}

/**
 * Encodes the label of `rows` (which must have no missing label): binary 0/1, multi-class one-hot,
 * regression standardised. A multi-class label unseen in training encodes as all zeros.
 */
export function encodeLabels(spec: PreprocessSpec, table: RawTable, rows: Int32Array): Float32Array {
  const col = table.columns[table.names.indexOf(spec.label)];
  if (!col) throw new Error(`The data has no label column "${spec.label}".`);
  const w = outputWidth(spec);
  const y = new Float32Array(rows.length * w);
  // The fairness engine's mapping, so that `positive: "1"` also matches `1.0` exactly as the audit does.
  const outcome =
    spec.task === 'binary'
      ? toBinaryOutcome(
          Array.from(rows, (r) => col[r]),
          spec.positive,
        ).outcome
      : null;
  const cls = new Map((spec.classes ?? []).map((c, i) => [c, i]));
  for (let k = 0; k < rows.length; k++) {
    const v = (col[rows[k]!] ?? '').trim();
    if (outcome) y[k] = outcome[k] === 1 ? 1 : 0;
    else if (spec.task === 'multiclass') {
      const i = cls.get(v);
      if (i !== undefined) y[k * w + i] = 1;
    } else {
      const t = spec.target!;
      y[k] = (Number(v) - t.mean) / t.std;
    }
  }
  return y;
}
