/**
 * A run folder, `runs/<config name>/<timestamp>/`: everything a run records. Every file but
 * `metrics.jsonl` is written to a temporary file and renamed when complete, so a crash never leaves a
 * half-written model or report; `metrics.jsonl` is appended and flushed line by line, so a crashed or
 * cancelled run keeps every epoch it finished. `status.json` says how the run ended.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The panel's vocabulary (report/viewModels.ts `RunState`); a crash is `failed` with `crashed: true`. */
export type RunState = 'running' | 'finished' | 'cancelled' | 'failed';

/** `status.json`. */
export interface RunStatus {
  state: RunState;
  /** ISO times. */
  startedAt: string;
  endedAt?: string;
  /** Epochs whose metrics are in metrics.jsonl. */
  epochsCompleted: number;
  /** Process that runs the training (for a `running` status whose process died, the parent writes `crashed`). */
  pid?: number;
  /** For a person: why it failed, or what stopped it. Never contains data values. */
  message?: string;
  /** True when the training process died without reporting (killed, out of memory, native crash). */
  crashed?: boolean;
  /** Files present in the folder at the end. */
  files?: string[];
}

export const STATUS_FILE = 'status.json';
export const METRICS_FILE = 'metrics.jsonl';

/** A timestamp usable as a folder name on every OS (no colons): `2026-11-28T15-40-12-345Z`. */
export function runStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

/** Writes `data` to `file` through a temporary sibling renamed into place. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export class RunFolder {
  private metricsFd: number | null = null;
  private status: RunStatus;

  private constructor(
    readonly dir: string,
    startedAt: string,
  ) {
    this.status = { state: 'running', startedAt, epochsCompleted: 0, pid: process.pid };
  }

  /** Creates `<runsDir>/<name>/<stamp>/` (with a `-2`, `-3` suffix if it exists) and writes the first status. */
  static create(runsDir: string, name: string, nowMs: number): RunFolder {
    const parent = path.join(runsDir, name);
    fs.mkdirSync(parent, { recursive: true });
    const stamp = runStamp(nowMs);
    let dir = path.join(parent, stamp);
    for (let i = 2; ; i++) {
      try {
        fs.mkdirSync(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        dir = path.join(parent, `${stamp}-${i}`);
      }
    }
    const f = new RunFolder(dir, new Date(nowMs).toISOString());
    f.writeStatus();
    return f;
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), JSON.stringify(value, null, 2) + '\n');
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(this.path(name), text);
  }

  writeBytes(name: string, data: Uint8Array): void {
    fs.mkdirSync(path.dirname(this.path(name)), { recursive: true });
    writeFileAtomic(this.path(name), data);
  }

  /** Appends one JSON line to metrics.jsonl and flushes it to disk. */
  appendMetric(record: Record<string, unknown>): void {
    if (this.metricsFd === null) this.metricsFd = fs.openSync(this.path(METRICS_FILE), 'a');
    fs.writeSync(this.metricsFd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.metricsFd);
    if (record.type === 'epoch') this.status.epochsCompleted++;
  }

  get epochsCompleted(): number {
    return this.status.epochsCompleted;
  }

  /** Records that `epochs` epochs were streamed by an external command (its metrics file is this one). */
  setEpochsCompleted(epochs: number): void {
    this.status.epochsCompleted = epochs;
  }

  /** Ends the run: closes the metrics file and writes the final status. */
  finish(state: Exclude<RunState, 'running'>, nowMs: number, message?: string): RunStatus {
    if (this.metricsFd !== null) {
      fs.closeSync(this.metricsFd);
      this.metricsFd = null;
    }
    this.status = {
      ...this.status,
      state,
      endedAt: new Date(nowMs).toISOString(),
      ...(message ? { message } : {}),
    };
    delete this.status.pid;
    this.status.files = listFiles(this.dir);
    this.writeStatus();
    return this.status;
  }

  private writeStatus(): void {
    this.writeJson(STATUS_FILE, this.status);
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.endsWith('.tmp') || e.name === STATUS_FILE) continue;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(prefix + e.name);
  }
  return out.sort();
}

/**
 * Marks a run whose process died without saying so: `running` becomes `failed` with `crashed: true`, keeping everything
 * recorded. Used by the parent when the worker exits unexpectedly. Returns the new status, or null when the
 * run had already ended (its own status wins).
 */
export function markCrashed(
  dir: string,
  nowMs: number,
  message: string,
  state: 'failed' | 'cancelled' = 'failed',
): RunStatus | null {
  const file = path.join(dir, STATUS_FILE);
  let status: RunStatus;
  try {
    status = JSON.parse(fs.readFileSync(file, 'utf8')) as RunStatus;
  } catch {
    return null;
  }
  if (status.state !== 'running') return null;
  let epochs = status.epochsCompleted;
  try {
    epochs = fs
      .readFileSync(path.join(dir, METRICS_FILE), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"epoch"')).length;
  } catch {
    // No metrics recorded yet.
  }
  const next: RunStatus = {
    ...status,
    state,
    crashed: true,
    endedAt: new Date(nowMs).toISOString(),
    epochsCompleted: epochs,
    message,
    files: listFiles(dir),
  };
  delete next.pid;
  writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n');
  return next;
}
