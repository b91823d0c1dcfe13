/**
 * One training run from a resolved config to a complete run folder: load, gate, split, preprocess, train,
 * save, mitigate, audit, report. Runs in the training worker; everything that touches the outside world
 * (files, clock, privacy scanner, backend, progress) is injected through {@link TrainingHost}.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { TrainProgress, TrainResult } from '../../protocol/training';
import type { CategoricalColumn } from '../data/encoded';
import { encodeCategorical } from '../data/encoded';
import type { EntityType } from '../findings';
import {
  optimizeThresholds,
  applyThresholds,
  type ThresholdOptimisation,
} from '../fairness/mitigation/thresholds';
import { reweigh } from '../fairness/mitigation/reweighing';
import { auditPredictions, type FairnessThresholds, type PredictionAudit } from '../fairness/predictionAudit';
import type { BackendInfo } from './backends/select';
import { checkKernels } from './backends/webgpu';
import type { ResolvedTrainConfig } from './config';
import { dpSgdTraining, planDpSgd, privacyNotes, type DpPlan } from './dp/dpSgd';
import { membershipInferenceAudit, type MembershipInferenceAudit } from './dp/membershipInference';
import { headMetric, outputsToScores, perExampleLoss, type HeadKind } from './heads';
import { buildModel, makeOptimizer } from './model';
import { modelToFiles } from './modelIo';
import {
  encodeFeatures,
  encodeLabels,
  fitPreprocess,
  missingTest,
  outputWidth,
  type PreprocessSpec,
  type RawTable,
} from './preprocess';
import { gateFeatures, type GateDecision } from './privacyGate';
import { predictionsCsv, type Predictions } from './predictor';
import { renderRunReport } from './runReport';
import { RunFolder, METRICS_FILE } from './runFolder';
import { seededRandom } from '../random';
import { NonFiniteLossError, predictRaw, trainLoop, type EpochLog, type TrainLoopResult } from './trainLoop';

export interface TrainingHost {
  /** Milliseconds since 1970. */
  now(): number;
  /** Reads a data file (absolute path) into columns, via the project's reader. */
  readTable(file: string): Promise<RawTable>;
  /** Personal-data entities in each of `columns` (values and header), from the privacy scanner. */
  detectEntities(table: RawTable, columns: readonly string[]): Promise<Map<string, EntityType[]>>;
  selectBackend(requested: ResolvedTrainConfig['training']['backend']): Promise<BackendInfo>;
  progress(p: TrainProgress): void;
  shouldStop(): boolean;
  yieldToEvents(): Promise<void>;
  batchReportIntervalMs?: number;
}

/** Thresholds the run ships with the model (`thresholds.json`) when mitigation is `threshold`. */
export interface ShippedThresholds {
  attribute: string;
  constraint: ThresholdOptimisation['constraint'];
  rules: ThresholdOptimisation['rules'];
  /** Seed of the randomised decisions at prediction time. */
  seed: number;
}

/** `audit.json`. */
export interface RunAudit {
  version: 1;
  config: string;
  task: HeadKind;
  split: 'test' | 'validation';
  rows: number;
  performance: Record<string, number | null>;
  training: {
    backend: BackendInfo;
    epochs: number;
    bestEpoch: number;
    stoppedEarly: boolean;
    samplesPerSecond: number | null;
    steps: number;
  };
  data: {
    features: string[];
    rows: { train: number; validation: number; test: number };
    droppedMissing: number;
    duplicatesDropped: number;
    unknownCategories: number;
  };
  privacy: {
    gate: GateDecision[];
    dpSgd?: unknown;
    notes?: { option: string; note: string }[];
  };
  /** Loss-threshold (and trained) membership-inference attack: training rows against the held-out split. */
  membershipInference?: MembershipInferenceAudit;
  fairness?: {
    attributes: string[];
    mitigation: ResolvedTrainConfig['fairness']['mitigation'];
    before: PredictionAudit;
    after?: PredictionAudit;
    /** Threshold mitigation: the fitted rules; reweighing: the instance-weight cells. */
    details?: unknown;
    note?: string;
  };
}

/** Thrown for a problem of the data or config found while running (label missing, too few rows...). */
export class RunInputError extends Error {}

/** Held-out predictions in the run folder; also the file an external command writes (`RML_PREDICTIONS_FILE`). */
export const PREDICTIONS_FILE = 'predictions.csv';

function labelValues(table: RawTable, label: string): (string | undefined)[] {
  const i = table.names.indexOf(label);
  if (i < 0)
    throw new RunInputError(
      `The label column "${label}" is not in the data (columns: ${table.names.slice(0, 20).join(', ')}).`,
    );
  return table.columns[i]!;
}

function columnOf(
  table: RawTable,
  name: string,
  rows: Int32Array,
  isMissing: (v: string | undefined) => boolean,
): CategoricalColumn {
  const i = table.names.indexOf(name);
  if (i < 0) throw new RunInputError(`The protected attribute "${name}" is not in the data.`);
  const col = table.columns[i]!;
  return encodeCategorical(Array.from(rows, (r) => (isMissing(col[r]) ? undefined : col[r]!.trim())));
}

/** Decides the head from the config and the training labels. */
export function inferTask(
  config: ResolvedTrainConfig,
  labels: readonly (string | undefined)[],
  isMissing: (v: string | undefined) => boolean,
): { task: HeadKind; positive?: string[]; negative?: string; classes?: string[] } {
  const counts = new Map<string, number>();
  let numeric = true;
  for (const raw of labels) {
    if (isMissing(raw)) continue;
    const v = raw!.trim();
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (numeric && !Number.isFinite(Number(v))) numeric = false;
  }
  const distinct = [...counts.keys()].sort();
  let task = config.model.task;
  if (task === 'auto') {
    if (config.data.positive || distinct.length <= 2) task = 'binary';
    else if (numeric && distinct.length > 20) task = 'regression';
    else task = 'multiclass';
  }
  if (task === 'binary') {
    if (distinct.length < 2 && !config.data.positive) {
      throw new RunInputError(
        `The label "${config.data.label}" has ${distinct.length} distinct value(s); a classifier needs two.`,
      );
    }
    let positive = config.data.positive;
    if (!positive) {
      // The rarer value is usually the outcome of interest (">50K", "default", "fraud"); the run records it.
      const sorted = [...counts].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
      positive = [sorted[0]![0]];
    }
    const negatives = distinct.filter((v) => !positive.includes(v));
    return { task, positive, ...(negatives.length === 1 ? { negative: negatives[0]! } : {}) };
  }
  if (task === 'multiclass') {
    if (distinct.length > 1000)
      throw new RunInputError(
        `The label "${config.data.label}" has ${distinct.length} classes; at most 1000 are supported.`,
      );
    return { task, classes: distinct };
  }
  if (!numeric)
    throw new RunInputError(
      `The label "${config.data.label}" has non-numeric values; regression needs numbers.`,
    );
  return { task };
}

/** Stratified (classification) or plain seeded split of `rows` into train and validation. */
export function splitRows(
  rows: Int32Array,
  share: number,
  seed: number,
  strata: ((r: number) => string) | null,
): { train: Int32Array; validation: Int32Array } {
  const random = seededRandom(seed);
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const k = strata ? strata(r) : '';
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (const k of [...groups.keys()].sort()) {
    const g = groups.get(k)!;
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [g[i], g[j]] = [g[j]!, g[i]!];
    }
    const nVal = Math.round(g.length * share);
    validation.push(...g.slice(0, nVal));
    train.push(...g.slice(nVal));
  }
  train.sort((a, b) => a - b);
  validation.sort((a, b) => a - b);
  return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
}

/** Indices of rows, dropping exact duplicates of an earlier row (all columns equal). */
export function dedupeRows(table: RawTable, rows: Int32Array): { rows: Int32Array; dropped: number } {
  const seen = new Set<string>();
  const kept: number[] = [];
  for (const r of rows) {
    const key = table.columns.map((c) => c[r] ?? '\u0001').join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(r);
  }
  return { rows: Int32Array.from(kept), dropped: rows.length - kept.length };
}

function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function toFairnessThresholds(t: ResolvedTrainConfig['fairness']['thresholds']): FairnessThresholds {
  const out: FairnessThresholds = {};
  if (t.disparateImpact !== undefined) out.demographicParityRatio = t.disparateImpact;
  if (t.demographicParityDifference !== undefined)
    out.demographicParityDifference = t.demographicParityDifference;
  if (t.equalizedOddsDifference !== undefined) out.equalizedOddsDifference = t.equalizedOddsDifference;
  if (t.equalOpportunityDifference !== undefined)
    out.equalOpportunityDifference = t.equalOpportunityDifference;
  return out;
}

/** Binary performance at the 0.5 threshold: accuracy, precision, recall, F1, ROC AUC (ties half), log loss. */
export function binaryPerformance(
  label: ArrayLike<number>,
  score: ArrayLike<number>,
  prediction: ArrayLike<number>,
): Record<string, number | null> {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let ll = 0;
  const n = label.length;
  for (let i = 0; i < n; i++) {
    const y = label[i]!;
    const p = prediction[i]!;
    if (y === 1 && p === 1) tp++;
    else if (y === 0 && p === 1) fp++;
    else if (y === 0 && p === 0) tn++;
    else fn++;
    const s = Math.min(1 - 1e-7, Math.max(1e-7, score[i]!));
    ll -= y === 1 ? Math.log(s) : Math.log(1 - s);
  }
  // ROC AUC by ranks (Mann-Whitney), ties counting one half.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]!] === score[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (label[order[k]!] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    i = j + 1;
  }
  const nNeg = n - nPos;
  const auc = nPos > 0 && nNeg > 0 ? (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg) : null;
  const precision = tp + fp > 0 ? tp / (tp + fp) : null;
  const recall = tp + fn > 0 ? tp / (tp + fn) : null;
  return {
    accuracy: n > 0 ? (tp + tn) / n : null,
    precision,
    recall,
    f1:
      precision !== null && recall !== null && precision + recall > 0
        ? (2 * precision * recall) / (precision + recall)
        : null,
    rocAuc: auc,
    logLoss: n > 0 ? ll / n : null,
  };
}

interface Split {
  table: RawTable;
  rows: Int32Array;
  x: Float32Array;
  y: Float32Array;
}

/**
 * Runs the config to the end and returns how it ended. Never throws for a problem of the run (bad data,
 * NaN loss, cancel): the run folder's status says what happened. Throws only if the run folder itself
 * cannot be created.
 */
export async function runTraining(
  config: ResolvedTrainConfig,
  host: TrainingHost,
  overrides: { runsDir?: string; epochs?: number } = {},
): Promise<TrainResult> {
  const runsDir = overrides.runsDir ?? path.resolve(config.baseDir, config.output.runsDir);
  const resolved: ResolvedTrainConfig = overrides.epochs
    ? { ...config, training: { ...config.training, epochs: overrides.epochs } }
    : config;
  const folder = RunFolder.create(runsDir, config.name, host.now());
  host.progress({ type: 'created', runDir: folder.dir });
  const tensors: tf.Tensor[] = [];
  try {
    folder.writeJson('config.json', resolved);
    const result = await runInFolder(resolved, host, folder, tensors);
    return result;
  } catch (e) {
    let message = e instanceof Error ? e.message : String(e);
    if (
      !(e instanceof RunInputError) &&
      !(e instanceof NonFiniteLossError) &&
      e instanceof Error &&
      e.stack
    ) {
      // Unexpected errors keep their first stack frame for a bug report; data values never reach messages.
      message = `${message} (${e.stack.split('\n')[1]?.trim() ?? ''})`;
    }
    host.progress({ type: 'log', level: 'warning', message });
    folder.appendMetric({ type: 'error', message, time: host.now() });
    folder.finish('failed', host.now(), message);
    return { runDir: folder.dir, state: 'failed', message };
  } finally {
    for (const t of tensors) t.dispose();
  }
}

async function runInFolder(
  config: ResolvedTrainConfig,
  host: TrainingHost,
  folder: RunFolder,
  keep: tf.Tensor[],
): Promise<TrainResult> {
  const base = config.baseDir;
  const isMissing = missingTest(config.data.missingTokens);
  const backend = await host.selectBackend(config.training.backend);

  // ---- data
  const trainTable = await host.readTable(path.resolve(base, config.data.train));
  const valTable = config.data.validation
    ? await host.readTable(path.resolve(base, config.data.validation))
    : null;
  const testTable = config.data.test ? await host.readTable(path.resolve(base, config.data.test)) : null;
  const labels = labelValues(trainTable, config.data.label);

  // ---- features and the privacy gate
  const unknown = [
    ...(config.data.features.include ?? []),
    ...config.data.features.exclude,
    ...config.protected,
  ].filter((c) => !trainTable.names.includes(c));
  if (unknown.length > 0)
    throw new RunInputError(`The config names column(s) not in ${config.data.train}: ${unknown.join(', ')}.`);
  const candidates = (config.data.features.include ?? trainTable.names).filter(
    (c) => c !== config.data.label && !config.data.features.exclude.includes(c),
  );
  const entities = await host.detectEntities(trainTable, candidates);
  const gate = gateFeatures(candidates, entities, config.privacy.allowFeatures);
  for (const d of gate.decisions)
    host.progress({
      type: 'log',
      level: d.decision === 'excluded' ? 'warning' : 'info',
      message: `${d.column}: ${d.reason}.`,
    });
  if (gate.features.length === 0)
    throw new RunInputError(
      'No feature columns are left after the include/exclude lists and the privacy gate.',
    );

  // ---- rows: label present, de-duplicated, split
  let rows: Int32Array = range(trainTable.columns[0]?.length ?? 0).filter((r) => !isMissing(labels[r]));
  const droppedLabel = (trainTable.columns[0]?.length ?? 0) - rows.length;
  let duplicatesDropped = 0;
  if (config.data.deduplicate) {
    const d = dedupeRows(trainTable, rows);
    rows = d.rows;
    duplicatesDropped = d.dropped;
  }
  const { task, positive, negative, classes } = inferTask(
    config,
    Array.from(rows, (r) => labels[r]),
    isMissing,
  );
  let trainRows: Int32Array;
  let valRows: Int32Array;
  if (valTable) {
    trainRows = rows;
    const vl = labelValues(valTable, config.data.label);
    valRows = range(vl.length).filter((r) => !isMissing(vl[r]));
  } else {
    const strata = config.data.stratify && task !== 'regression' ? (r: number) => labels[r]!.trim() : null;
    ({ train: trainRows, validation: valRows } = splitRows(
      rows,
      config.data.validationSplit,
      config.data.seed,
      strata,
    ));
  }
  if (trainRows.length < 2)
    throw new RunInputError(`Only ${trainRows.length} training row(s) have a label; nothing to learn from.`);

  // ---- preprocessing, fitted on the training rows only
  const spec = fitPreprocess(trainTable, trainRows, {
    features: gate.features,
    label: config.data.label,
    task,
    ...(positive ? { positive } : {}),
    ...(negative !== undefined ? { negative } : {}),
    ...(classes ? { classes } : {}),
    categorical: config.data.features.categorical,
    missing: config.data.missing,
    missingTokens: config.data.missingTokens,
    maxCategories: config.data.maxCategories,
  });
  folder.writeJson('preprocess.json', spec);
  let droppedMissing = droppedLabel;
  let unknownCategories = 0;
  const encode = (table: RawTable, r: Int32Array): Split => {
    const e = encodeFeatures(spec, table, r, true);
    droppedMissing += e.dropped;
    unknownCategories += e.unknownCategories;
    return { table, rows: e.rows, x: e.x, y: encodeLabels(spec, table, e.rows) };
  };
  const train = encode(trainTable, trainRows);
  const val = encode(valTable ?? trainTable, valRows);
  let test: Split | null = null;
  if (testTable) {
    const tl = labelValues(testTable, config.data.label);
    test = encode(
      testTable,
      range(tl.length).filter((r) => !isMissing(tl[r])),
    );
  }
  if (unknownCategories > 0) {
    host.progress({
      type: 'log',
      level: 'info',
      message: `${unknownCategories} categorical cell(s) in validation/test were not seen in training; encoded as no known level.`,
    });
  }

  // ---- mitigation inputs
  const attributes = config.protected;
  const mitigationAttr = config.fairness.attribute ?? attributes[0];
  let weights: Float32Array | null = null;
  let reweighDetails: unknown;
  if (config.fairness.mitigation === 'reweighing' && task === 'binary' && mitigationAttr) {
    const group = columnOf(trainTable, mitigationAttr, train.rows, isMissing);
    const r = reweigh(train.y, group);
    weights = Float32Array.from(r.weights);
    reweighDetails = { attribute: mitigationAttr, cells: r.cells };
  }

  // ---- DP plan
  let dpPlan: DpPlan | null = null;
  let dp: ReturnType<typeof dpSgdTraining> | null = null;
  if (config.privacy.dpSgd) {
    try {
      dpPlan = planDpSgd(
        config.privacy.dpSgd,
        train.rows.length,
        config.training.batchSize,
        config.training.epochs,
      );
    } catch (e) {
      throw new RunInputError(e instanceof Error ? e.message : String(e));
    }
    dp = dpSgdTraining(dpPlan, {
      head: task,
      onWarning: (m) => host.progress({ type: 'log', level: 'warning', message: m }),
    });
  }

  const rowsInfo = { train: train.rows.length, validation: val.rows.length, test: test?.rows.length ?? 0 };
  host.progress({
    type: 'started',
    runDir: folder.dir,
    backend,
    task,
    features: gate.features,
    gate: gate.decisions,
    rows: rowsInfo,
    epochs: config.training.epochs,
    dp: dpPlan !== null,
  });

  // ---- training
  const width = spec.width;
  const outW = outputWidth(spec);
  const xTrain = tf.tensor2d(train.x, [train.rows.length, width]);
  const yTrain = tf.tensor2d(train.y, [train.rows.length, outW]);
  const xVal = tf.tensor2d(val.x, [val.rows.length, width]);
  const yVal = tf.tensor2d(val.y, [val.rows.length, outW]);
  keep.push(xTrain, yTrain, xVal, yVal);

  // A fairness figure per epoch, beside the loss: the equalized odds difference (and demographic parity
  // difference) of the current model on the validation split, for each protected attribute of a binary task.
  const valGroups: Record<string, CategoricalColumn> = {};
  if (task === 'binary' && val.rows.length > 0) {
    for (const a of attributes) valGroups[a] = columnOf(val.table, a, val.rows, isMissing);
  }
  const valLabel = Int8Array.from(val.y, (v) => (v === 1 ? 1 : 0));
  const epochFairness = async (
    m: tf.Sequential,
  ): Promise<Record<string, Record<string, number | null>> | undefined> => {
    if (Object.keys(valGroups).length === 0) return undefined;
    const t = tf.tidy(() => outputsToScores(task, predictRaw(m, xVal)));
    const scores = (await t.data()) as Float32Array;
    t.dispose();
    const audit = auditPredictions({
      label: valLabel,
      prediction: Int8Array.from(scores, (v) => (v >= 0.5 ? 1 : 0)),
      groups: valGroups,
    });
    const out: Record<string, Record<string, number | null>> = {};
    for (const [a, d] of Object.entries(audit.disparities)) {
      out[a] = {
        equalizedOddsDifference: d.equalizedOddsDifference,
        demographicParityDifference: d.demographicParityDifference,
      };
    }
    return out;
  };

  const trainOnce = async (
    w: Float32Array | null,
    record: boolean,
  ): Promise<{ model: tf.Sequential; result: TrainLoopResult }> => {
    const model = buildModel({
      type: config.model.type,
      inputWidth: width,
      outputWidth: outW,
      hidden: config.model.hidden,
      activation: config.model.activation,
      dropout: config.model.dropout,
      seed: config.training.seed,
    });
    const optimizer = makeOptimizer(config.training.optimizer, config.training.learningRate);
    const loss = perExampleLoss(task);
    const metric = headMetric(task);
    const metricName = task === 'regression' ? 'val_r2' : 'val_accuracy';
    const result = await trainLoop({
      model,
      optimizer,
      x: xTrain,
      y: yTrain,
      weights: w,
      validation: val.rows.length > 0 ? { x: xVal, y: yVal } : null,
      perExampleLoss: loss,
      metric,
      l2: config.model.l2,
      head: task,
      epochs: config.training.epochs,
      batchSize: Math.min(config.training.batchSize, train.rows.length),
      seed: config.training.seed,
      earlyStopping: val.rows.length > 0 ? config.training.earlyStopping : null,
      ...(dp && record ? { stepFactory: dp.stepFactory, samplerFactory: dp.samplerFactory } : {}),
      now: () => host.now(),
      batchReportIntervalMs: host.batchReportIntervalMs ?? 250,
      shouldStop: () => host.shouldStop(),
      yieldToEvents: () => host.yieldToEvents(),
      onBatch: record
        ? (b) => {
            const rec = {
              type: 'batch',
              epoch: b.epoch,
              batch: b.batch - 1,
              batches: b.batches,
              loss: b.loss,
              time: host.now(),
            };
            folder.appendMetric(rec);
            host.progress({
              type: 'batch',
              epoch: b.epoch,
              batch: b.batch - 1,
              batches: b.batches,
              loss: b.loss,
            });
          }
        : undefined,
      onEpoch: record
        ? async (l: EpochLog) => {
            const rec: Record<string, unknown> = {
              type: 'epoch',
              epoch: l.epoch,
              loss: l.loss,
              samplesPerSecond: l.samplesPerSecond,
              time: host.now(),
            };
            if (l.valLoss !== undefined) rec.val_loss = l.valLoss;
            if (l.valMetric !== undefined) rec[metricName] = l.valMetric;
            for (const [k, v] of Object.entries(l.extra ?? {})) rec[k] = v;
            const fair = await epochFairness(model);
            if (fair) rec.fairness = fair;
            folder.appendMetric(rec);
            const flat: Record<string, number | string> = {};
            for (const [k, v] of Object.entries(rec))
              if (typeof v === 'number' || typeof v === 'string') flat[k] = v;
            host.progress({ type: 'epoch', record: flat });
          }
        : undefined,
    });
    optimizer.dispose();
    return { model, result };
  };

  if (backend.name === 'webgpu') {
    // A kernel the WebGPU backend lacks must fail now, naming it, not mid-run: one step of the same loop
    // (same model, step and optimizer kinds) on two rows of a throwaway model exercises every kernel.
    const probe = await checkKernels({
      step: async () => {
        const m = buildModel({
          type: config.model.type,
          inputWidth: width,
          outputWidth: outW,
          hidden: config.model.hidden,
          activation: config.model.activation,
          dropout: config.model.dropout,
          seed: 1,
        });
        const opt = makeOptimizer(config.training.optimizer, config.training.learningRate);
        const x2 = tf.slice(xTrain, [0, 0], [Math.min(2, train.rows.length), -1]);
        const y2 = tf.slice(yTrain, [0, 0], [Math.min(2, train.rows.length), -1]);
        try {
          await trainLoop({
            model: m,
            optimizer: opt,
            x: x2,
            y: y2,
            perExampleLoss: perExampleLoss(task),
            metric: headMetric(task),
            l2: config.model.l2,
            head: task,
            epochs: 1,
            batchSize: 2,
            seed: 1,
            now: () => host.now(),
            validation: { x: x2, y: y2 },
          });
        } finally {
          tf.dispose([x2, y2]);
          opt.dispose();
          m.dispose();
        }
      },
    });
    if (!probe.ok) throw new RunInputError(probe.message);
  }

  const { model, result } = await trainOnce(weights, true);
  try {
    if (result.cancelled) {
      const message = `Cancelled during epoch ${result.history.length + 1}; ${result.history.length} epoch(s) recorded in ${METRICS_FILE}. No model was saved.`;
      folder.finish('cancelled', host.now(), message);
      return { runDir: folder.dir, state: 'cancelled', message, epochs: result.history.length };
    }

    // ---- save the model (best weights already restored by the loop)
    const files = await modelToFiles(model);
    folder.writeBytes('model/weights.bin', files.weights);
    folder.writeText('model/model.json', files.modelJson);

    // ---- held-out audit
    const held = test ?? val;
    const heldSplit: 'test' | 'validation' = test ? 'test' : 'validation';
    const xHeld = test ? tf.tensor2d(test.x, [test.rows.length, width]) : xVal;
    if (test) keep.push(xHeld);
    const scoresOf = async (m: tf.Sequential, x: tf.Tensor2D): Promise<Float32Array> => {
      const t = tf.tidy(() => outputsToScores(task, predictRaw(m, x)));
      try {
        return (await t.data()) as Float32Array;
      } finally {
        t.dispose();
      }
    };
    const heldScores = await scoresOf(model, xHeld);
    const performance: Record<string, number | null> = {};
    let heldMetric = NaN;
    let fairness: RunAudit['fairness'];
    let shipped: ShippedThresholds | null = null;
    if (task === 'binary') {
      const label = Int8Array.from(held.y, (v) => (v === 1 ? 1 : 0));
      const pred = Int8Array.from(heldScores, (s) => (s >= 0.5 ? 1 : 0));
      Object.assign(performance, binaryPerformance(label, heldScores, pred));
      heldMetric = performance.accuracy ?? NaN;
      if (attributes.length > 0) {
        const groups: Record<string, CategoricalColumn> = {};
        for (const a of attributes) groups[a] = columnOf(held.table, a, held.rows, isMissing);
        const th = { thresholds: toFairnessThresholds(config.fairness.thresholds) };
        let before = auditPredictions({ label, prediction: pred, score: heldScores, groups }, th);
        // Per-row held-out scores feed the audit panel's threshold slider (accuracy against disparity at every
        // threshold). They are the rows predictions.csv already holds, so nothing new about people is written.
        folder.writeJson('scores.json', {
          scores: Array.from(heldScores, (v) => Math.round(v * 1e6) / 1e6),
          labels: Array.from(label),
          groups: Object.fromEntries(
            attributes.map((a) => {
              const c = groups[a]!;
              return [a, Array.from(c.codes, (code) => (code < 0 ? null : c.levels[code]))];
            }),
          ),
        });
        let after: PredictionAudit | undefined;
        let details: unknown;
        let note: string | undefined;
        if (config.fairness.mitigation === 'threshold' && mitigationAttr) {
          const valScores = await scoresOf(model, xVal);
          const valLabel = Int8Array.from(val.y, (v) => (v === 1 ? 1 : 0));
          const opt = optimizeThresholds(
            {
              score: valScores,
              label: valLabel,
              group: columnOf(val.table, mitigationAttr, val.rows, isMissing),
            },
            { constraint: config.fairness.constraint },
          );
          shipped = {
            attribute: mitigationAttr,
            constraint: opt.constraint,
            rules: opt.rules,
            seed: config.training.seed,
          };
          folder.writeJson('thresholds.json', shipped);
          const mitigated = applyThresholds(
            heldScores,
            groups[mitigationAttr]!,
            opt.rules,
            seededRandom(config.training.seed),
          );
          after = auditPredictions({ label, prediction: mitigated, score: heldScores, groups }, th);
          details = {
            fittedOn: 'validation',
            target: opt.target,
            expected: opt.expected,
            unconstrained: opt.unconstrained,
            rules: opt.rules,
          };
          performance.accuracyAfterMitigation = after.overall.accuracy;
        } else if (config.fairness.mitigation === 'reweighing' && mitigationAttr) {
          // "Before" is the same model trained without the weights (same seed and data), so the comparison isolates reweighing.
          host.progress({
            type: 'log',
            level: 'info',
            message: 'Training the unweighted baseline for the before/after comparison.',
          });
          const baseline = await trainOnce(null, false);
          const baseScores = await scoresOf(baseline.model, xHeld);
          baseline.model.dispose();
          after = before;
          before = auditPredictions(
            {
              label,
              prediction: Int8Array.from(baseScores, (s) => (s >= 0.5 ? 1 : 0)),
              score: baseScores,
              groups,
            },
            th,
          );
          details = reweighDetails;
          note =
            "before: the same model trained without instance weights; after: trained with reweighing weights (this run's model)." +
            (dp
              ? ' The baseline is trained without DP-SGD, so the comparison also includes the effect of DP.'
              : '');
          performance.accuracyBaseline = before.overall.accuracy;
        }
        fairness = {
          attributes,
          mitigation: config.fairness.mitigation,
          before,
          ...(after ? { after } : {}),
          ...(details !== undefined ? { details } : {}),
          ...(note ? { note } : {}),
        };
      }
    } else if (task === 'multiclass') {
      const k = outputWidth(spec);
      let correct = 0;
      for (let i = 0; i < held.rows.length; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (heldScores[i * k + c]! > heldScores[i * k + best]!) best = c;
        if (held.y[i * k + best] === 1) correct++;
      }
      heldMetric = held.rows.length > 0 ? correct / held.rows.length : NaN;
      performance.accuracy = Number.isFinite(heldMetric) ? heldMetric : null;
    } else {
      const t = spec.target!;
      let ssRes = 0;
      let ssTot = 0;
      let mean = 0;
      for (let i = 0; i < held.rows.length; i++) mean += held.y[i]!;
      mean /= Math.max(1, held.rows.length);
      for (let i = 0; i < held.rows.length; i++) {
        ssRes += (held.y[i]! - heldScores[i]!) ** 2;
        ssTot += (held.y[i]! - mean) ** 2;
      }
      heldMetric = ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0;
      performance.r2 = heldMetric;
      performance.rmse = held.rows.length > 0 ? Math.sqrt(ssRes / held.rows.length) * t.std : null;
    }

    // Held-out predictions (row, prediction, score, label, protected attributes) for panels and later audits.
    const heldPred: Predictions = { rows: held.rows, scores: heldScores, labels: [], unknownCategories: 0 };
    if (task === 'binary') {
      const names: [string, string] = [
        spec.negative ?? `not ${spec.positive?.[0] ?? '1'}`,
        spec.positive?.[0] ?? '1',
      ];
      heldPred.labels = Array.from(heldScores, (s) => names[s >= 0.5 ? 1 : 0]!);
    } else if (task === 'multiclass') {
      const k = outputWidth(spec);
      for (let i = 0; i < held.rows.length; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (heldScores[i * k + c]! > heldScores[i * k + best]!) best = c;
        heldPred.labels.push(spec.classes?.[best] ?? String(best));
      }
    } else {
      heldPred.scores = Float32Array.from(heldScores, (v) => v * spec.target!.std + spec.target!.mean);
      heldPred.labels = Array.from(heldPred.scores, (v) => String(v));
    }
    folder.writeText(
      PREDICTIONS_FILE,
      predictionsCsv(heldPred, spec, held.table, [config.data.label, ...attributes]),
    );

    // Membership inference in every audit: can the model tell its training rows from held-out ones?
    const yHeld = test ? tf.tensor2d(test.y, [test.rows.length, outW]) : yVal;
    if (test) keep.push(yHeld);
    const membership = await membershipInferenceAudit(
      model,
      { x: xTrain, y: yTrain },
      { x: xHeld, y: yHeld },
      task,
      perExampleLoss(task),
      {
        comparison: `training rows vs ${heldSplit} split`,
        random: seededRandom(config.training.seed),
      },
    );

    const lastSps =
      result.history.length > 0 ? result.history[result.history.length - 1]!.samplesPerSecond : null;
    const audit: RunAudit = {
      version: 1,
      config: config.name,
      task,
      split: heldSplit,
      rows: held.rows.length,
      performance,
      training: {
        backend,
        epochs: result.history.length,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        samplesPerSecond: lastSps,
        steps: result.steps,
      },
      data: { features: gate.features, rows: rowsInfo, droppedMissing, duplicatesDropped, unknownCategories },
      privacy: { gate: gate.decisions },
      ...(membership ? { membershipInference: membership } : {}),
      ...(fairness ? { fairness } : {}),
    };
    if (dpPlan) {
      audit.privacy.dpSgd = (result.stepInfo as { dpSgd?: unknown } | undefined)?.dpSgd ?? dpPlan;
      audit.privacy.notes = privacyNotes({
        standardisedFromData: spec.features.some((f) => f.kind === 'numeric'),
        categoriesFromData: spec.features.some((f) => f.kind === 'categorical'),
        imputedFromData: config.data.missing === 'impute',
        earlyStopping: config.training.earlyStopping !== null && val.rows.length > 0,
        validationFromTrainingFile: !valTable,
        reweighing: config.fairness.mitigation === 'reweighing',
        thresholdFitting: config.fairness.mitigation === 'threshold',
        deduplicated: config.data.deduplicate,
        trainingLossLogged: true,
        seededNoise: false,
        membershipAudit: membership !== null,
      });
    }
    folder.writeJson('audit.json', audit);
    folder.writeText('report.md', renderRunReport(config, audit, spec));
    const status = folder.finish('finished', host.now());
    return {
      runDir: folder.dir,
      state: status.state as 'finished',
      heldOut: {
        split: heldSplit,
        metric: task === 'regression' ? 'r2' : 'accuracy',
        value: heldMetric,
        rows: held.rows.length,
      },
      bestEpoch: result.bestEpoch,
      epochs: result.history.length,
    };
  } finally {
    model.dispose();
  }
}

export type { PreprocessSpec };
