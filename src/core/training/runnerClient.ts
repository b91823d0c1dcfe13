/**
 * The parent side of training: forks the worker, sends `train/start`, relays progress, cancels gracefully
 * (the worker stops after the current batch) and falls back to a hard kill. Loads neither TensorFlow.js nor
 * any data: the extension host and the CLI stay light and responsive while a model trains.
 *
 * When the worker dies without answering (killed, out of memory, native crash), the run folder it created
 * is marked `failed` with `crashed: true`, keeping the metrics it recorded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
} from 'vscode-jsonrpc/node';
import {
  TRAIN_PROGRESS,
  TRAIN_START,
  type TrainProgress,
  type TrainResult,
  type TrainStartParams,
} from '../../protocol/training';
import { markCrashed } from './runFolder';

export interface StartTrainingOptions {
  /** `dist/trainWorker.js`, or `src/worker/trainWorker.ts` with `execArgv: ['--require', 'tsx/cjs']`. */
  workerPath: string;
  params: TrainStartParams;
  onProgress?(p: TrainProgress): void;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long a cancel may take before the worker is killed. Default 10 s. */
  cancelGraceMs?: number;
  now?(): number;
}

export interface TrainingSession {
  readonly result: Promise<TrainResult>;
  /** Asks the worker to stop after the current batch; kills it if it has not answered within the grace time. */
  cancel(): void;
  /** Kills the worker now (SIGKILL). The run is recorded as cancelled. */
  kill(): void;
  readonly process: ChildProcess;
}

export function startTraining(o: StartTrainingOptions): TrainingSession {
  const now = o.now ?? Date.now;
  const child = fork(o.workerPath, [], {
    execArgv: o.execArgv ?? [],
    env: o.env ?? process.env,
    ...(o.cwd ? { cwd: o.cwd } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  let runDir: string | null = null;
  let settled = false;
  let killedOnPurpose = false;
  let killTimer: NodeJS.Timeout | undefined;
  connection.onNotification(TRAIN_PROGRESS, (p: TrainProgress) => {
    if (p.type === 'created' || p.type === 'started') runDir = p.runDir;
    o.onProgress?.(p);
  });
  connection.listen();
  const source = new CancellationTokenSource();

  const exited = new Promise<TrainResult>((resolve) => {
    child.once('exit', (code, signal) => {
      if (settled) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const message = killedOnPurpose
        ? `Cancelled: the training process did not stop in time and was killed (${how}).`
        : `The training process exited unexpectedly (${how}); what it recorded is kept.`;
      if (runDir) markCrashed(runDir, now(), message, killedOnPurpose ? 'cancelled' : 'failed');
      resolve({ runDir, state: killedOnPurpose ? 'cancelled' : 'failed', message });
    });
  });
  const answered = connection.sendRequest(TRAIN_START, o.params, source.token).then(
    (r) => r as TrainResult,
    (e: unknown): TrainResult => {
      // The worker threw outside the run (a bug): its run folder, if any, records what it had.
      const message = `The training process failed: ${e instanceof Error ? e.message : String(e)}`;
      if (runDir) markCrashed(runDir, now(), message);
      return { runDir, state: 'failed', message };
    },
  );
  const result = Promise.race([answered, exited]).then((r) => {
    settled = true;
    if (killTimer) clearTimeout(killTimer);
    connection.dispose();
    // Closing the channel ends the worker (it exits when its connection closes).
    if (child.connected) child.disconnect();
    return r;
  });

  const kill = () => {
    killedOnPurpose = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return {
    result,
    process: child,
    kill,
    cancel() {
      source.cancel();
      if (!killTimer) {
        killTimer = setTimeout(kill, o.cancelGraceMs ?? 10_000);
        killTimer.unref();
      }
    },
  };
}
