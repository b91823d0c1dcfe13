import * as vscode from 'vscode';
import type { BackendName } from '../core/training/config';
import { startTraining } from '../core/training/runnerClient';
import type { TrainProgress, TrainResult } from '../protocol/training';
import { log } from './log';
/** What the editor shows of a run's progress (status bar, notification, log). */
export interface RunProgress {
  kind: 'started' | 'batch' | 'epoch' | 'log';
  epoch?: number;
  epochs?: number;
  loss?: number;
  backend?: string;
  samplesPerSecond?: number;
  message?: string;
  raw: TrainProgress;
}

export type RunResult = {
  state: 'finished' | 'cancelled' | 'failed';
  runDir?: string;
  message?: string;
  heldOut?: TrainResult['heldOut'];
};

export interface RunHandle {
  /** Resolves with the run folder once the worker created it (rejects if the run ended before). */
  runDir: Promise<string>;
  result: Promise<RunResult>;
  onProgress: vscode.Event<RunProgress>;
  /** Asks the worker to stop after the current batch; kills it if it has not ended within the grace period. */
  cancel(): Promise<void>;
}

export interface StartRunOptions {
  configPath: string;
  workerPath: string;
  backend?: string;
  epochs?: number;
  env?: Record<string, string>;
}

/**
 * Adapts the training runner client (`src/core/training/runnerClient.ts`, which forks `dist/trainWorker.js`)
 * to what the editor needs: an event of progress for the notification and status bar, the run folder as soon
 * as it exists, and a result that never rejects. TensorFlow.js only ever loads in the worker.
 */
export function startRun(options: StartRunOptions): RunHandle {
  const emitter = new vscode.EventEmitter<RunProgress>();
  let epochs: number | undefined;
  let backend: string | undefined;
  let runDir: string | undefined;
  let resolveDir!: (d: string) => void;
  const dirPromise = new Promise<string>((res) => (resolveDir = res));
  const session = startTraining({
    workerPath: options.workerPath,
    env: { ...process.env, ...(options.env ?? {}) },
    params: {
      configPath: options.configPath,
      ...(options.backend ? { backend: options.backend as BackendName } : {}),
      ...(options.epochs ? { epochs: options.epochs } : {}),
      ...(options.env?.RML_TFJS_NODE_PATH ? { tfjsNodePath: options.env.RML_TFJS_NODE_PATH } : {}),
    },
    onProgress: (p: TrainProgress) => {
      switch (p.type) {
        case 'created':
          runDir = p.runDir;
          resolveDir(p.runDir);
          break;
        case 'started':
          runDir = p.runDir;
          resolveDir(p.runDir);
          epochs = p.epochs;
          backend = p.backend ? p.backend.name : 'external';
          for (const g of p.gate)
            log().info(`Gate: column "${g.column}" ${g.decision} (${g.entities.join(', ')})`);
          emitter.fire({
            kind: 'started',
            epochs,
            backend,
            message: `Training on ${backend}: ${p.rows.train} rows, ${p.features.length} features`,
            raw: p,
          });
          break;
        case 'batch':
          emitter.fire({
            kind: 'batch',
            epoch: p.epoch,
            ...(epochs ? { epochs } : {}),
            loss: p.loss,
            ...(backend ? { backend } : {}),
            raw: p,
          });
          break;
        case 'epoch': {
          const r = p.record;
          const num = (k: string): number | undefined =>
            typeof r[k] === 'number' ? (r[k] as number) : undefined;
          const epoch = num('epoch');
          const loss = num('loss');
          const sps = num('samplesPerSecond');
          emitter.fire({
            kind: 'epoch',
            ...(epoch !== undefined ? { epoch } : {}),
            ...(epochs ? { epochs } : {}),
            ...(loss !== undefined ? { loss } : {}),
            ...(sps !== undefined ? { samplesPerSecond: sps } : {}),
            ...(backend ? { backend } : {}),
            raw: p,
          });
          break;
        }
        case 'log':
          emitter.fire({ kind: 'log', message: p.message, raw: p });
          break;
        default:
          assertNever(p);
      }
    },
  });
  const result = session.result.then((r): RunResult => {
    emitter.dispose();
    const dir = r.runDir ?? runDir;
    return {
      state: r.state,
      ...(dir ? { runDir: dir } : {}),
      ...(r.message ? { message: r.message } : {}),
      ...(r.heldOut ? { heldOut: r.heldOut } : {}),
    };
  });
  return {
    runDir: Promise.race([
      dirPromise,
      result.then((r) => Promise.reject(new Error(r.message ?? 'The run ended before it started.'))),
    ]),
    result,
    onProgress: emitter.event,
    cancel: async () => session.cancel(),
  };
}

function assertNever(x: never): never {
  throw new Error(`Unexpected training message ${JSON.stringify(x)}`);
}
