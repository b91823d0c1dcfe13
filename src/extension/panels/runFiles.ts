/**
 * The panels' file side, free of 'vscode' so it is tested in plain Node: reading a run folder, following a
 * growing `metrics.jsonl`, finding earlier runs of the same config, and writing exports (temporary file
 * renamed into place; nothing is ever overwritten in place).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { htmlReport } from '../../core/report/htmlReport';
import { modelCard } from '../../core/report/modelCard';
import {
  MetricsTail,
  TrainingSeries,
  overlayFromRecords,
  parseMetricsJsonl,
  readScoredRows,
  runAuditView,
  runStatusFromFile,
  type AuditViewModel,
  type MetricRecord,
  type RunOverlay,
  type RunStatus,
} from '../../core/report/viewModels';

export const METRICS_FILE = 'metrics.jsonl';

export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export interface RunFiles {
  config?: unknown;
  status?: unknown;
  audit?: unknown;
  /** Per-row held-out scores for the threshold slider (`scores.json`), when the run wrote them. */
  scores?: unknown;
}

export function readRunFiles(runDir: string): RunFiles {
  const f: RunFiles = {};
  const put = (k: keyof RunFiles, name: string) => {
    const v = readJsonFile(path.join(runDir, name));
    if (v !== undefined) f[k] = v;
  };
  put('config', 'config.json');
  put('status', 'status.json');
  put('audit', 'audit.json');
  put('scores', 'scores.json');
  return f;
}

/** All records of a run's metrics file (an absent file is an empty run). */
export function readRunRecords(runDir: string): MetricRecord[] {
  try {
    return parseMetricsJsonl(fs.readFileSync(path.join(runDir, METRICS_FILE), 'utf8')).records;
  } catch {
    return [];
  }
}

/**
 * Earlier runs of the same config: the sibling folders of `runDir` whose names sort before it (run folders
 * are named by their start time), newest last, at most `max`, each reduced to per-epoch curves.
 */
export function earlierRuns(runDir: string, max = 3): RunOverlay[] {
  const parent = path.dirname(runDir);
  const me = path.basename(runDir);
  let names: string[];
  try {
    names = fs
      .readdirSync(parent, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name < me)
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  const out: RunOverlay[] = [];
  for (const n of names.slice(-max)) {
    const o = overlayFromRecords(n, readRunRecords(path.join(parent, n)));
    if (o.epochs.length > 0) out.push(o);
  }
  return out;
}

/**
 * Follows a run's `metrics.jsonl` as the training process appends to it: reads only the new bytes, keeps a
 * partial last line for the next read, and hands complete records to `onRecords` at most once per
 * `intervalMs` (the panel's ~10 updates a second). Polling, not `fs.watch`: watch events are unreliable on
 * network and container file systems, and a stat every 100 ms of one file costs nothing.
 */
export class MetricsFollower {
  private offset = 0;
  private readonly tail = new MetricsTail();
  private timer: NodeJS.Timeout | undefined;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly file: string,
    private readonly onRecords: (records: MetricRecord[]) => void,
    private readonly intervalMs = 100,
  ) {}

  /** Skips what the caller already read in full (`readRunRecords`), so only new records are delivered. */
  startAfter(bytes: number): void {
    this.offset = bytes;
    this.timer = setInterval(() => this.poll(), this.intervalMs);
  }

  /** Reads whatever is new now; returns the records delivered. */
  poll(): MetricRecord[] {
    let fd: number | undefined;
    try {
      const size = fs.statSync(this.file).size;
      if (size < this.offset) this.offset = 0; // replaced by a new file
      if (size === this.offset) return [];
      fd = fs.openSync(this.file, 'r');
      const buf = Buffer.alloc(size - this.offset);
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const { records } = this.tail.push(this.decoder.decode(buf.subarray(0, n), { stream: true }));
      if (records.length > 0) this.onRecords(records);
      return records;
    } catch {
      return [];
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Size of the metrics file now (0 when absent), so a follower can start after a full read. */
export function metricsSize(runDir: string): number {
  try {
    return fs.statSync(path.join(runDir, METRICS_FILE)).size;
  } catch {
    return 0;
  }
}

export function runStatus(runDir: string): RunStatus {
  return runStatusFromFile(readJsonFile(path.join(runDir, 'status.json')));
}

/** The audit view of a run folder, with the threshold slider when the run wrote `scores.json`. */
export function runAuditViewFromFolder(
  runDir: string,
  generatedAt: string,
  policyThresholds?: unknown,
): AuditViewModel {
  const f = readRunFiles(runDir);
  const rows = readScoredRows(f.scores);
  return runAuditView(runDir, f.audit ?? {}, {
    config: f.config,
    ...(rows ? { rows } : {}),
    ...(policyThresholds !== undefined ? { thresholds: policyThresholds } : {}),
    generatedAt,
  });
}

/** Writes `text` to `file` through a temporary sibling renamed into place. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, text, 'utf8');
  fs.renameSync(tmp, file);
}

function epochHistory(runDir: string): { epoch: number; loss?: number; valLoss?: number }[] {
  const s = new TrainingSeries();
  s.add(readRunRecords(runDir).filter((r) => r.kind === 'epoch'));
  return s.epochs.map((e, i) => {
    const row: { epoch: number; loss?: number; valLoss?: number } = { epoch: e };
    const l = s.epochValues.loss?.[i];
    const v = s.epochValues.val_loss?.[i];
    if (l !== null && l !== undefined) row.loss = l;
    if (v !== null && v !== undefined) row.valLoss = v;
    return row;
  });
}

/**
 * Writes a run's HTML report (`report.html`) or model card (`model-card.md`) into its folder and returns the
 * path. The run folder is the tool's own output, so a re-export replaces the previous export (atomically).
 */
export function exportRun(
  runDir: string,
  format: 'html' | 'modelCard',
  now: Date,
  policyThresholds?: unknown,
): string {
  const generatedAt = now.toISOString();
  const view = runAuditViewFromFolder(runDir, generatedAt, policyThresholds);
  const epochs = epochHistory(runDir);
  if (format === 'html') {
    const file = path.join(runDir, 'report.html');
    writeFileAtomic(file, htmlReport(view, { generatedAt, epochs }));
    return file;
  }
  const f = readRunFiles(runDir);
  const file = path.join(runDir, 'model-card.md');
  writeFileAtomic(file, modelCard({ view, config: f.config, audit: f.audit, epochs, generatedAt }));
  return file;
}

/**
 * Writes the HTML report of a dataset or predictions audit beside the dataset as `<name>.audit.html`, a new
 * file: the dataset itself is never touched. An existing report of that name is replaced atomically.
 */
export function exportDatasetReport(view: AuditViewModel, datasetPath: string, now: Date): string {
  const file = `${datasetPath.replace(/\.[^./\\]+$/, '')}.audit.html`;
  if (path.resolve(file) === path.resolve(datasetPath)) throw new Error('refusing to overwrite the dataset');
  writeFileAtomic(file, htmlReport(view, { generatedAt: now.toISOString() }));
  return file;
}
