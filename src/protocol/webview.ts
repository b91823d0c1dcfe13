/**
 * Messages between the extension host and the two panels (training, audit). Both ends `switch (msg.type)`
 * and end in {@link assertNever}, so adding a message without handling it is a compile error on each side.
 *
 * The order is always the same: the webview loads, posts `ready`, and only then does the extension send data
 * by `postMessage`. Nothing is ever pasted into the page's HTML, so the CSP can forbid inline scripts.
 */
import type {
  AuditViewModel,
  MetricRecord,
  RunOverlay,
  RunStatus,
  TrainingRunInfo,
} from '../core/report/viewModels';

/** Ends a `switch` over a discriminated union: a missing case becomes a type error here. */
export function assertNever(value: never, what = 'message'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------- training

/** Extension → training panel. */
export type TrainingHostMessage =
  /**
   * The whole run as known now: sent after `ready`, and again whenever the panel is re-pointed at a run.
   * `records` is everything in `metrics.jsonl` so far; later records come by `metrics`.
   */
  | {
      type: 'init';
      run: TrainingRunInfo;
      records: MetricRecord[];
      /** Earlier runs of the same config, drawn faintly for comparison. */
      overlays: RunOverlay[];
      status: RunStatus;
    }
  /** Facts about the run changed (the worker reported its backend and device once it started). */
  | { type: 'run'; run: TrainingRunInfo }
  /** New records appended to `metrics.jsonl` since the last message; batched at most ~10 times a second. */
  | { type: 'metrics'; records: MetricRecord[] }
  /** The run's state changed (finished, cancelled, failed); `message` says why for a person. */
  | { type: 'status'; status: RunStatus }
  | ExportedMessage;

/** Training panel → extension. */
export type TrainingWebviewMessage =
  /** The page has loaded its script and listens; the extension answers with `init`. */
  | { type: 'ready' }
  /** The Stop button: cancel the running training gracefully (within one batch). */
  | { type: 'stop' }
  /** Open the run's audit in the audit panel. */
  | { type: 'openAudit' }
  /** Write the HTML report or the model card of this run beside it. */
  | { type: 'export'; format: ExportFormat };

// ---------------------------------------------------------------------------------------------- audit

export type ExportFormat = 'html' | 'modelCard';

/** Extension → either panel: the result of an `export` request, where the file was written or why it was not. */
export interface ExportedMessage {
  type: 'exported';
  format: ExportFormat;
  path?: string;
  error?: string;
}

/** Extension → audit panel. */
export type AuditHostMessage =
  /** What to show; sent after `ready` and whenever the source changes. */
  { type: 'audit'; model: AuditViewModel } | ExportedMessage;

/** Audit panel → extension. */
export type AuditWebviewMessage =
  /** The page has loaded and listens; the extension answers with `audit`. */
  | { type: 'ready' }
  /** Write the self-contained HTML report or the Markdown model card. */
  | { type: 'export'; format: ExportFormat };

// ---------------------------------------------------------------------------------------------- state

/**
 * What each webview keeps with `setState` so that a reload (or a window restart, through the panel
 * serializer) shows the same thing. Kept small: a run is re-read from its folder.
 */
export interface TrainingPanelState {
  kind: 'training';
  runDir: string;
}

export interface AuditPanelState {
  kind: 'audit';
  /** The view model itself: for a dataset there is nothing cheaper to re-read it from. Already masked. */
  model: AuditViewModel;
  /** Threshold chosen on the slider, restored with the view. */
  threshold?: number;
}
