/**
 * Reads run folders (`runs/<config>/<timestamp>/`) for the tree and "Open Run". No `vscode` import.
 * Run folders are written by the training runner and by external commands; every field is optional and a
 * half-written folder (a crashed run) still lists, with what it has.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseMetricsJsonl, type RunState } from '../core/report/viewModels';

export interface RunSummary {
  dir: string;
  config: string;
  id: string;
  state: RunState;
  /** Short figures for a person: `acc 0.851`, `val_loss 0.32`. */
  metrics: string[];
  /** Files a person opens from the tree, when present. */
  files: { audit?: string; report?: string; model?: string; metrics?: string };
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stateOf(dir: string, running: boolean): RunState {
  if (running) return 'running';
  for (const name of ['status.json', 'run.json', 'summary.json']) {
    const j = readJson(path.join(dir, name));
    const s = j?.state ?? j?.status;
    if (s === 'finished' || s === 'cancelled' || s === 'failed') return s;
    // A run started elsewhere (the CLI, another window) is running while its process lives.
    if (s === 'running') return typeof j?.pid === 'number' && alive(j.pid) ? 'running' : 'unknown';
  }
  if (fs.existsSync(path.join(dir, 'audit.json')) && fs.existsSync(path.join(dir, 'model')))
    return 'finished';
  return 'unknown';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Key figures: test/validation accuracy from audit.json when present, else the last epoch's values. */
function keyMetrics(dir: string): string[] {
  const out: string[] = [];
  const audit = readJson(path.join(dir, 'audit.json'));
  const perf = (audit?.performance ?? audit?.metrics) as Record<string, unknown> | undefined;
  const acc = num(perf?.accuracy);
  if (acc !== undefined) out.push(`acc ${acc.toFixed(3)}`);
  if (out.length === 0) {
    try {
      const { records } = parseMetricsJsonl(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8'));
      const last = [...records].reverse().find((r) => r.kind === 'epoch');
      if (last) {
        out.push(`epoch ${last.epoch}`);
        for (const k of ['val_accuracy', 'accuracy', 'val_loss', 'loss']) {
          const v = last.values[k];
          if (v !== undefined) {
            out.push(`${k} ${v.toFixed(3)}`);
            break;
          }
        }
      }
    } catch {
      // No metrics yet.
    }
  }
  return out;
}

/** Lists runs under a runs folder, newest first. `runningDirs` are runs this window is training now. */
export function listRuns(runsDir: string, runningDirs: ReadonlySet<string> = new Set()): RunSummary[] {
  const out: RunSummary[] = [];
  let configs: string[];
  try {
    configs = fs
      .readdirSync(runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return out;
  }
  for (const config of configs) {
    let ids: string[];
    try {
      ids = fs
        .readdirSync(path.join(runsDir, config), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      continue;
    }
    for (const id of ids) {
      const dir = path.join(runsDir, config, id);
      const f = (name: string): string | undefined =>
        fs.existsSync(path.join(dir, name)) ? path.join(dir, name) : undefined;
      const audit = f('audit.json');
      const report = f('report.md');
      const model = f('model');
      const metrics = f('metrics.jsonl');
      out.push({
        dir,
        config,
        id,
        state: stateOf(dir, runningDirs.has(dir)),
        metrics: keyMetrics(dir),
        files: {
          ...(audit ? { audit } : {}),
          ...(report ? { report } : {}),
          ...(model ? { model } : {}),
          ...(metrics ? { metrics } : {}),
        },
      });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
