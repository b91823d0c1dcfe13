/**
 * External command mode: the config's `command` runs the user's own training (PyTorch on their GPU, a
 * cluster's submit command) in a run folder of ours. It gets `RML_RUN_DIR`, `RML_METRICS_FILE` and
 * `RML_PREDICTIONS_FILE`; JSON lines it appends to the metrics file are streamed like built-in metrics, and
 * if it writes the predictions file (CSV with `prediction` and optionally `score`, plus the label and
 * protected columns, or a `row` column pointing into the test file) the same fairness audit runs on it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainProgress, TrainResult } from '../../protocol/training';
import { encodeCategorical, type CategoricalColumn } from '../data/encoded';
import { toBinaryOutcome } from '../fairness/positives';
import { auditPredictions } from '../fairness/predictionAudit';
import type { ResolvedTrainConfig } from './config';
import type { RawTable } from './preprocess';
import { missingTest } from './preprocess';
import { RunFolder, METRICS_FILE, writeFileAtomic } from './runFolder';
import { binaryPerformance, PREDICTIONS_FILE } from './runTraining';

export interface ExternalHost {
  now(): number;
  readTable(file: string): Promise<RawTable>;
  progress(p: TrainProgress): void;
  /** Resolves when the parent asks to cancel. */
  cancelled: Promise<void>;
  /** Milliseconds between two polls of the metrics file. */
  pollMs?: number;
}

/** Runs the command to the end; SIGTERM on cancel, SIGKILL 5 s later if it is still running. */
export async function runExternal(
  config: ResolvedTrainConfig,
  host: ExternalHost,
  overrides: { runsDir?: string } = {},
): Promise<TrainResult> {
  const command = config.command!;
  const runsDir = overrides.runsDir ?? path.resolve(config.baseDir, config.output.runsDir);
  const folder = RunFolder.create(runsDir, config.name, host.now());
  host.progress({ type: 'created', runDir: folder.dir });
  folder.writeJson('config.json', config);
  const metricsFile = folder.path(METRICS_FILE);
  const predictionsFile = folder.path(PREDICTIONS_FILE);
  fs.writeFileSync(metricsFile, '', { flag: 'a' });
  host.progress({
    type: 'started',
    runDir: folder.dir,
    backend: null,
    task: 'external',
    features: [],
    gate: [],
    rows: { train: 0, validation: 0, test: 0 },
    epochs: 0,
    dp: false,
  });

  const cwd = path.resolve(config.baseDir, config.cwd ?? '.');
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env: {
      ...process.env,
      ...(config.env ?? {}),
      RML_RUN_DIR: folder.dir,
      RML_METRICS_FILE: metricsFile,
      RML_PREDICTIONS_FILE: predictionsFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lineOut = (level: 'info' | 'warning') => {
    let pending = '';
    return (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) host.progress({ type: 'log', level, message: l.slice(0, 2000) });
    };
  };
  child.stdout.on('data', lineOut('info'));
  child.stderr.on('data', lineOut('warning'));

  // Tail the metrics file: complete lines only; an epoch line is forwarded as an epoch record.
  let offset = 0;
  let partial = '';
  let epochs = 0;
  const poll = () => {
    let size = 0;
    try {
      size = fs.statSync(metricsFile).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = fs.openSync(metricsFile, 'r');
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    offset = size;
    partial += buf.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        continue;
      }
      if (!rec || typeof rec !== 'object') continue;
      const r = rec as Record<string, number | string>;
      if (r.type === 'batch') {
        host.progress({
          type: 'batch',
          epoch: Number(r.epoch),
          batch: Number(r.batch ?? 0),
          batches: Number(r.batches ?? 0),
          loss: Number(r.loss),
        });
      } else if (typeof r.epoch === 'number') {
        epochs++;
        host.progress({ type: 'epoch', record: r });
      }
    }
  };
  const timer = setInterval(poll, host.pollMs ?? 200);
  let cancelled = false;
  void host.cancelled.then(() => {
    cancelled = true;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  clearInterval(timer);
  poll();
  folder.setEpochsCompleted(epochs);

  if (exit.error) {
    const message = `The command "${command[0]}" could not be started: ${exit.error.message}.`;
    folder.finish('failed', host.now(), message);
    return { runDir: folder.dir, state: 'failed', message };
  }
  if (cancelled) {
    const message = `Cancelled; the command was stopped. ${epochs} epoch(s) recorded.`;
    folder.finish('cancelled', host.now(), message);
    return { runDir: folder.dir, state: 'cancelled', message, epochs };
  }
  if (exit.code !== 0) {
    const message = `The command exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}; ${epochs} epoch(s) recorded.`;
    folder.finish('failed', host.now(), message);
    return { runDir: folder.dir, state: 'failed', message, epochs };
  }

  let heldOut: TrainResult['heldOut'];
  if (fs.existsSync(predictionsFile)) {
    const audit = await auditExternalPredictions(config, predictionsFile, host);
    folder.writeJson('audit.json', audit.audit);
    writeFileAtomic(folder.path('report.md'), audit.report);
    if (audit.accuracy !== null)
      heldOut = { split: 'test', metric: 'accuracy', value: audit.accuracy, rows: audit.rows };
  } else {
    host.progress({
      type: 'log',
      level: 'info',
      message: `No ${PREDICTIONS_FILE} was written; the run has no audit.`,
    });
  }
  folder.finish('finished', host.now());
  return { runDir: folder.dir, state: 'finished', epochs, ...(heldOut ? { heldOut } : {}) };
}

/**
 * Audits a predictions file: columns `prediction` (label values or 0/1), optional `score` (probability of
 * the positive outcome), and either the label and protected columns themselves or `row` (0-based index of
 * the test file's data row) to take them from `data.test`.
 */
async function auditExternalPredictions(
  config: ResolvedTrainConfig,
  file: string,
  host: ExternalHost,
): Promise<{ audit: unknown; report: string; accuracy: number | null; rows: number }> {
  const preds = await host.readTable(file);
  const isMissing = missingTest(config.data.missingTokens);
  const col = (t: RawTable, name: string) => t.columns[t.names.indexOf(name)];
  let source: RawTable = preds;
  let index: number[] = preds.rowNumbers.length
    ? Array.from({ length: preds.rowNumbers.length }, (_, i) => i)
    : [];
  const rowCol = col(preds, 'row');
  if (rowCol && config.data.test && !col(preds, config.data.label)) {
    source = await host.readTable(path.resolve(config.baseDir, config.data.test));
    index = rowCol.map((v) => Number(v));
  }
  const predCol = col(preds, 'prediction');
  if (!predCol) throw new Error(`${PREDICTIONS_FILE} has no "prediction" column.`);
  const labelCol = col(source, config.data.label);
  if (!labelCol)
    throw new Error(
      `Neither ${PREDICTIONS_FILE} nor the test file has the label column "${config.data.label}".`,
    );
  const positive = config.data.positive;
  const label = toBinaryOutcome(
    index.map((i) => labelCol[i]),
    positive,
  ).outcome;
  const prediction = toBinaryOutcome(
    predCol,
    positive && predCol.some((v) => positive.includes((v ?? '').trim())) ? positive : undefined,
  ).outcome;
  const scoreCol = col(preds, 'score');
  const score = scoreCol ? Float64Array.from(scoreCol, (v) => (isMissing(v) ? NaN : Number(v))) : undefined;
  const groups: Record<string, CategoricalColumn> = {};
  for (const a of config.protected) {
    const c = col(source, a);
    if (c) groups[a] = encodeCategorical(index.map((i) => (isMissing(c[i]) ? undefined : c[i]!.trim())));
  }
  const fairness = auditPredictions({ label, prediction, ...(score ? { score } : {}), groups });
  const keep = Array.from(label.keys()).filter((i) => label[i]! >= 0 && prediction[i]! >= 0);
  const perf = binaryPerformance(
    keep.map((i) => label[i]!),
    keep.map((i) => (score ? score[i]! : prediction[i]!)),
    keep.map((i) => prediction[i]!),
  );
  const audit = {
    version: 1,
    config: config.name,
    task: 'binary',
    split: 'test',
    rows: keep.length,
    performance: perf,
    external: true,
    fairness: { attributes: Object.keys(groups), mitigation: 'none', before: fairness },
  };
  const lines = [
    `# External run: ${config.name}`,
    '',
    `Predictions audited: ${keep.length} rows; accuracy ${perf.accuracy?.toFixed(4) ?? '—'}.`,
    '',
  ];
  for (const [a, g] of Object.entries(fairness.groups)) {
    lines.push(`## ${a}`, '', '| group | n | selection rate | TPR | FPR |', '|---|---:|---:|---:|---:|');
    for (const [name, m] of Object.entries(g))
      lines.push(
        `| ${name} | ${m.n} | ${m.selectionRate?.toFixed(4) ?? '—'} | ${m.tpr?.toFixed(4) ?? '—'} | ${m.fpr?.toFixed(4) ?? '—'} |`,
      );
    lines.push('');
  }
  return { audit, report: lines.join('\n'), accuracy: perf.accuracy ?? null, rows: keep.length };
}
