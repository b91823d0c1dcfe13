/**
 * The training worker protocol: the parent (extension host or CLI) and `dist/trainWorker.js` speak
 * JSON-RPC (vscode-jsonrpc) over the child-process IPC channel.
 *
 * - `train/start` (request): runs one config to the end; the result says how the run ended. Cancelling the
 *   request (`$/cancelRequest`, i.e. the client's CancellationToken) stops training after the current batch
 *   and the run is recorded as cancelled.
 * - `train/progress` (notification, worker → parent): {@link TrainProgress}, one message type per `type`.
 *
 * Both ends `switch (msg.type)` over {@link TrainProgress} and end in `assertNever`.
 */
import type { BackendInfo } from '../core/training/backends/select';
import type { BackendName } from '../core/training/config';
import type { HeadKind } from '../core/training/heads';
import type { GateDecision } from '../core/training/privacyGate';
import type { RunState } from '../core/training/runFolder';

export const TRAIN_START = 'train/start';
export const TRAIN_PROGRESS = 'train/progress';

export interface TrainStartParams {
  /** Absolute path of the `*.train.json`. */
  configPath: string;
  /** Overrides `training.backend`. */
  backend?: BackendName;
  /** Overrides `output.runsDir` (absolute). */
  runsDir?: string;
  /** Overrides `training.epochs` (quick runs, tests). */
  epochs?: number;
  /** Folder holding `node_modules/@tensorflow/tfjs-node[-gpu]` installed later by the extension. */
  tfjsNodePath?: string;
  /** Least milliseconds between two batch notifications (default 250). */
  batchReportIntervalMs?: number;
}

/** Rows in each split after dropping rows with a missing label (and, in `drop` mode, a missing feature). */
export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

export type TrainProgress =
  /** The run folder was just created (before data is read): the parent can mark it if the worker dies. */
  | { type: 'created'; runDir: string }
  /** The run folder exists and training is about to start. */
  | {
      type: 'started';
      runDir: string;
      /** Empty for an external command run. */
      backend: BackendInfo | null;
      task: HeadKind | 'external';
      features: string[];
      /** Direct-identifier columns excluded (or allowed) by the pre-training gate. */
      gate: GateDecision[];
      rows: SplitSizes;
      epochs: number;
      dp: boolean;
    }
  /** Throttled per-batch report; `batch` is 0-based, `loss` the mean since the previous report. */
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  /** One finished epoch, as recorded in metrics.jsonl. */
  | { type: 'epoch'; record: Record<string, number | string> }
  /** A line for a person (warnings from preprocessing, the external command's output). */
  | { type: 'log'; level: 'info' | 'warning'; message: string };

export interface TrainResult {
  runDir: string | null;
  state: Exclude<RunState, 'running'>;
  message?: string;
  /** Accuracy (classification) or R² (regression) on the held-out audit split, before mitigation. */
  heldOut?: { split: 'test' | 'validation'; metric: 'accuracy' | 'r2'; value: number; rows: number };
  /** Epoch whose weights the saved model holds. */
  bestEpoch?: number;
  epochs?: number;
  /** Validation problems of the config (train-config/* findings) as `file:line:col: message` lines. */
  configProblems?: string[];
}
