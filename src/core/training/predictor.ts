/**
 * Predictions with a saved run: the model (`model/`), the same preprocessing (`preprocess.json`) and, when
 * the run used threshold mitigation, its per-group thresholds (`thresholds.json`). Used by `rml predict`,
 * by the run itself for `predictions.csv`, and by the tests that check a reloaded model reproduces the run.
 */
import * as tf from '@tensorflow/tfjs';
import { encodeCategorical } from '../data/encoded';
import { applyThresholds } from '../fairness/mitigation/thresholds';
import { seededRandom } from '../random';
import { outputsToScores } from './heads';
import { modelFromFiles, type ModelFiles } from './modelIo';
import { encodeFeatures, missingTest, outputWidth, type PreprocessSpec, type RawTable } from './preprocess';
import type { ShippedThresholds } from './runTraining';
import { predictRaw } from './trainLoop';

export interface Predictions {
  /** Indices into the table of the rows predicted (rows dropped by `missing: drop` are absent). */
  rows: Int32Array;
  /** Binary: P(positive), one per row; multi-class: class probabilities, row-major; regression: values in the label's units. */
  scores: Float32Array;
  /** The predicted label value of each row (binary: the positive value or "not <positive>"... see {@link predictedLabel}). */
  labels: string[];
  /** Binary: 1/0 decisions (after per-group thresholds when shipped; -1 where the group is missing). */
  decisions?: Int8Array;
  /** Cells whose category was not seen in training. */
  unknownCategories: number;
  /** Why per-group thresholds could not be applied, if they could not. */
  thresholdNote?: string;
}

export interface Predictor {
  spec: PreprocessSpec;
  thresholds: ShippedThresholds | null;
  predict(table: RawTable): Promise<Predictions>;
  dispose(): void;
}

export interface RunArtifacts {
  model: ModelFiles;
  /** Text of preprocess.json. */
  preprocess: string;
  /** Text of thresholds.json, when the run has one. */
  thresholds?: string;
}

/** Label names for binary decisions: the first positive value, and the other label value seen in training when known. */
function binaryNames(spec: PreprocessSpec): [string, string] {
  const pos = spec.positive?.[0] ?? '1';
  return [spec.negative ?? `not ${pos}`, pos];
}

export async function loadPredictor(a: RunArtifacts): Promise<Predictor> {
  const spec = JSON.parse(a.preprocess) as PreprocessSpec;
  if (spec.version !== 1)
    throw new Error(
      `preprocess.json has version ${String(spec.version)}; this version of rml reads version 1.`,
    );
  const thresholds = a.thresholds ? (JSON.parse(a.thresholds) as ShippedThresholds) : null;
  const model = (await modelFromFiles(a.model)) as tf.Sequential;
  const k = outputWidth(spec);
  return {
    spec,
    thresholds,
    dispose: () => model.dispose(),
    async predict(table) {
      const all = Int32Array.from({ length: table.rowNumbers.length }, (_, i) => i);
      const enc = encodeFeatures(spec, table, all, false);
      const t = tf.tidy(() =>
        outputsToScores(spec.task, predictRaw(model, tf.tensor2d(enc.x, [enc.rows.length, spec.width]))),
      );
      const scores = (await t.data()) as Float32Array;
      t.dispose();
      const out: Predictions = {
        rows: enc.rows,
        scores,
        labels: [],
        unknownCategories: enc.unknownCategories,
      };
      if (spec.task === 'binary') {
        const names = binaryNames(spec);
        let decisions: Int8Array = Int8Array.from(scores, (s) => (s >= 0.5 ? 1 : 0));
        if (thresholds) {
          const gi = table.names.indexOf(thresholds.attribute);
          if (gi < 0) {
            out.thresholdNote = `The data has no "${thresholds.attribute}" column, so the run's per-group thresholds were not applied (0.5 used).`;
          } else {
            const isMissing = missingTest(spec.missingTokens);
            const col = table.columns[gi]!;
            const group = encodeCategorical(
              Array.from(enc.rows, (r) => (isMissing(col[r]) ? undefined : col[r]!.trim())),
            );
            decisions = applyThresholds(scores, group, thresholds.rules, seededRandom(thresholds.seed));
          }
        }
        out.decisions = decisions;
        out.labels = Array.from(decisions, (d) => (d < 0 ? '' : names[d]!));
      } else if (spec.task === 'multiclass') {
        const classes = spec.classes ?? [];
        for (let i = 0; i < enc.rows.length; i++) {
          let best = 0;
          for (let c = 1; c < k; c++) if (scores[i * k + c]! > scores[i * k + best]!) best = c;
          out.labels.push(classes[best] ?? String(best));
        }
      } else {
        const t = spec.target!;
        for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! * t.std + t.mean;
        out.labels = Array.from(scores, (v) => String(v));
      }
      return out;
    },
  };
}

/** Quotes a CSV field when needed (RFC 4180). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Predictions as CSV: `row` (1-based data row of the input), `prediction`, then `score` (binary) or one
 * `p(<class>)` column per class (multi-class), then `extra` columns copied from the input (the label and
 * protected attributes, for audits). Scores are written with full precision, so they parse back exactly.
 */
export function predictionsCsv(
  p: Predictions,
  spec: PreprocessSpec,
  table: RawTable,
  extra: readonly string[] = [],
): string {
  const k = outputWidth(spec);
  const cols = extra.filter((c) => table.names.includes(c));
  const header = ['row', 'prediction'];
  if (spec.task === 'binary') header.push('score');
  if (spec.task === 'multiclass') header.push(...(spec.classes ?? []).map((c) => `p(${c})`));
  header.push(...cols);
  const lines = [header.map(csvField).join(',')];
  const extraCols = cols.map((c) => table.columns[table.names.indexOf(c)]!);
  for (let i = 0; i < p.rows.length; i++) {
    const r = p.rows[i]!;
    const f = [String(table.rowNumbers[r] ?? r + 1), csvField(p.labels[i] ?? '')];
    if (spec.task === 'binary') f.push(String(p.scores[i]));
    if (spec.task === 'multiclass') for (let c = 0; c < k; c++) f.push(String(p.scores[i * k + c]));
    for (const c of extraCols) f.push(csvField((c[r] ?? '').trim()));
    lines.push(f.join(','));
  }
  return lines.join('\n') + '\n';
}
