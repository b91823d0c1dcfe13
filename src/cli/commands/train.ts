import * as fs from 'fs';
import * as path from 'path';
import pc from 'picocolors';
import { BACKEND_NAMES, type BackendName } from '../../core/training/config';
import { startTraining } from '../../core/training/runnerClient';
import type { RunAudit } from '../../core/training/runTraining';
import type { TrainProgress, TrainResult } from '../../protocol/training';
import { UsageError, type CliCommand, type CliIo, parseCommandLine } from '../command';

const usage = `Usage: rml train <config.train.json> [options]

Trains the model a config describes, in a child process, and writes a run folder
runs/<name>/<timestamp>/ (config, metrics.jsonl, model/, preprocess.json, predictions.csv, audit.json,
report.md, status.json). Ctrl-C stops after the current batch; a second Ctrl-C kills the trainer.

Options:
  --backend B        auto|tensorflow-gpu|webgpu|tensorflow|wasm|cpu (default: the config's, else auto).
  --epochs N         Override training.epochs.
  --runs-dir DIR     Override output.runsDir.
  --json             Print the result as JSON on standard output (no progress).
  --no-color         Plain text output.

Environment: RML_TFJS_NODE_PATH, a folder holding node_modules/@tensorflow/tfjs-node[-gpu].
Exit status: 0 finished, 1 failed, 2 usage or config errors, 130 cancelled.`;

/** The bundled worker beside dist/cli.js, else the TypeScript source run through tsx (development, tests). */
export function locateWorker(): { workerPath: string; execArgv: string[] } {
  const bundled = path.join(__dirname, 'trainWorker.js');
  if (fs.existsSync(bundled)) return { workerPath: bundled, execArgv: [] };
  const source = path.resolve(__dirname, '../../worker/trainWorker.ts');
  if (fs.existsSync(source)) return { workerPath: source, execArgv: ['--require', 'tsx/cjs'] };
  throw new Error(`The training worker is missing (looked for ${bundled}); run \`npm run build\`.`);
}

function bar(fraction: number, width = 24): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(n) + '░'.repeat(width - n);
}

function fmt(x: unknown, d = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—';
}

/** The per-attribute lines printed after a run: selection rate, TPR and FPR per group, and the disparities. */
export function auditSummary(audit: RunAudit, color: (s: string) => string = (s) => s): string[] {
  const lines: string[] = [];
  const fa = audit.fairness;
  if (!fa) return lines;
  const show = (label: string, a: NonNullable<RunAudit['fairness']>['before']) => {
    for (const attr of fa.attributes) {
      lines.push(color(`${label}${attr}:`));
      const groups = Object.entries(a.groups[attr] ?? {}).sort((x, y) => y[1].n - x[1].n);
      const w = Math.max(5, ...groups.map(([g]) => g.length));
      lines.push(`  ${'group'.padEnd(w)}  ${'n'.padStart(6)}  sel.rate     TPR     FPR  accuracy`);
      for (const [g, m] of groups) {
        lines.push(
          `  ${g.padEnd(w)}  ${String(m.n).padStart(6)}  ${fmt(m.selectionRate).padStart(8)}  ${fmt(m.tpr).padStart(6)}  ${fmt(m.fpr).padStart(6)}  ${fmt(m.accuracy).padStart(8)}`,
        );
      }
      const d = a.disparities[attr];
      if (d) {
        lines.push(
          `  demographic parity diff ${fmt(d.demographicParityDifference)} (ratio ${fmt(d.demographicParityRatio)}), equalized odds diff ${fmt(d.equalizedOddsDifference)}`,
        );
      }
    }
  };
  show(fa.after ? 'Before mitigation, by ' : 'By ', fa.before);
  if (fa.after) show(`After ${fa.mitigation}, by `, fa.after);
  return lines;
}

async function train(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, {
    backend: { type: 'string' },
    epochs: { type: 'string' },
    'runs-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-color': { type: 'boolean', default: false },
  });
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('expected one config file.');
  const configPath = path.resolve(io.cwd, positionals[0]!);
  if (!fs.existsSync(configPath)) throw new UsageError(`${positionals[0]} does not exist.`);
  const backend = values.backend as BackendName | undefined;
  if (backend !== undefined && !BACKEND_NAMES.includes(backend))
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}.`);
  let epochs: number | undefined;
  if (values.epochs !== undefined) {
    epochs = Number(values.epochs);
    if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError('--epochs must be a positive integer.');
  }
  const json = values.json === true;
  const colors = pc.createColors(!values['no-color'] && io.stdout.isTTY === true);
  const tty = !json && io.stderr.isTTY === true;
  const out = (s: string) => io.stdout.write(s + '\n');
  const err = (s: string) => io.stderr.write(s + '\n');

  let barShown = false;
  const clearBar = () => {
    if (barShown) io.stderr.write('\r\x1b[2K');
    barShown = false;
  };
  let totalEpochs = epochs ?? 0;
  const onProgress = (p: TrainProgress) => {
    if (json) return;
    switch (p.type) {
      case 'created':
        break;
      case 'started':
        totalEpochs = p.epochs || totalEpochs;
        if (p.backend) {
          out(
            `${colors.bold('Training')} ${p.task} model on ${p.rows.train} rows (validation ${p.rows.validation}, test ${p.rows.test}), ${p.features.length} features`,
          );
          out(`Backend: ${p.backend.name} — ${p.backend.device}`);
          for (const s of p.backend.skipped) out(colors.dim(`  skipped ${s.name}: ${s.reason}`));
        } else {
          out(`${colors.bold('Running')} the external command`);
        }
        out(`Run folder: ${path.relative(io.cwd, p.runDir) || p.runDir}`);
        break;
      case 'batch':
        if (tty) {
          const frac = p.batches > 0 ? (p.batch + 1) / p.batches : 0;
          io.stderr.write(
            `\r\x1b[2Kepoch ${p.epoch}/${totalEpochs} ${bar(frac)} ${Math.round(frac * 100)}% loss ${fmt(p.loss)}`,
          );
          barShown = true;
        }
        break;
      case 'epoch': {
        clearBar();
        const r = p.record;
        const parts = [`epoch ${r.epoch}${totalEpochs ? `/${totalEpochs}` : ''}`, `loss ${fmt(r.loss)}`];
        if (r.val_loss !== undefined) parts.push(`val_loss ${fmt(r.val_loss)}`);
        if (r.val_accuracy !== undefined) parts.push(`val_accuracy ${fmt(r.val_accuracy)}`);
        if (r.val_r2 !== undefined) parts.push(`val_r2 ${fmt(r.val_r2)}`);
        if (r.epsilon !== undefined) parts.push(`ε ${fmt(r.epsilon, 3)}`);
        if (typeof r.samplesPerSecond === 'number') parts.push(`${Math.round(r.samplesPerSecond)} samples/s`);
        out(parts.join('  '));
        break;
      }
      case 'log':
        clearBar();
        (p.level === 'warning' ? err : out)(
          p.level === 'warning' ? colors.yellow(p.message) : colors.dim(p.message),
        );
        break;
    }
  };

  const worker = locateWorker();
  const session = startTraining({
    ...worker,
    params: {
      configPath,
      ...(backend ? { backend } : {}),
      ...(epochs ? { epochs } : {}),
      ...(values['runs-dir'] ? { runsDir: path.resolve(io.cwd, values['runs-dir']) } : {}),
      ...(io.env.RML_TFJS_NODE_PATH ? { tfjsNodePath: io.env.RML_TFJS_NODE_PATH } : {}),
    },
    onProgress,
    env: io.env,
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    clearBar();
    if (interrupts === 1) {
      err('Stopping after the current batch (Ctrl-C again to kill)...');
      session.cancel();
    } else session.kill();
  };
  process.on('SIGINT', onSigint);
  let result: TrainResult;
  try {
    result = await session.result;
  } finally {
    process.off('SIGINT', onSigint);
    clearBar();
  }

  let audit: RunAudit | undefined;
  if (result.runDir && fs.existsSync(path.join(result.runDir, 'audit.json'))) {
    audit = JSON.parse(fs.readFileSync(path.join(result.runDir, 'audit.json'), 'utf8')) as RunAudit;
  }
  if (json) {
    out(JSON.stringify({ ...result, ...(audit ? { performance: audit.performance } : {}) }, null, 2));
  } else if (result.configProblems) {
    for (const l of result.configProblems) err(l);
  } else {
    if (result.state === 'finished') {
      if (result.heldOut) {
        out(
          colors.bold(
            `${result.heldOut.split === 'test' ? 'Test' : 'Validation'} ${result.heldOut.metric}: ${fmt(result.heldOut.value)}`,
          ) +
            ` (${result.heldOut.rows} rows${result.bestEpoch ? `; weights from epoch ${result.bestEpoch}` : ''})`,
        );
      }
      if (audit) for (const l of auditSummary(audit, colors.bold)) out(l);
      if (result.runDir) out(`Report: ${path.relative(io.cwd, path.join(result.runDir, 'report.md'))}`);
    } else {
      err(colors.red(`Run ${result.state}: ${result.message ?? ''}`));
      if (result.runDir) err(`Run folder (kept): ${path.relative(io.cwd, result.runDir) || result.runDir}`);
    }
  }
  if (result.configProblems) return 2;
  return result.state === 'finished' ? 0 : result.state === 'cancelled' ? 130 : 1;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train and audit a model from a *.train.json config (in a child process).',
  usage,
  run: train,
};
