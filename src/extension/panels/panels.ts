/**
 * The two webview panels (training, audit): creation, the `ready` handshake, live data, Stop, exports, and
 * restoring after a reload through `WebviewPanelSerializer`. The panels keep no context while hidden
 * (no `retainContextWhenHidden`): a hidden panel's page is discarded, and when it shows again it says
 * `ready` and gets its data again; the webview's `setState` keeps what the page needs meanwhile.
 *
 * The extension's activation calls {@link registerPanels}; commands call {@link openTrainingPanel} and
 * {@link openAuditPanel}.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditReport } from '../../core/report/auditReport';
import { modelCard } from '../../core/report/modelCard';
import {
  datasetAuditView,
  runInfoFromFiles,
  type AuditViewModel,
  type RunStatus,
  type TrainingRunInfo,
} from '../../core/report/viewModels';
import {
  assertNever,
  type AuditHostMessage,
  type AuditPanelState,
  type AuditWebviewMessage,
  type ExportFormat,
  type ExportedMessage,
  type TrainingHostMessage,
  type TrainingPanelState,
  type TrainingWebviewMessage,
} from '../../protocol/webview';
import { makeNonce, panelHtml } from './html';
import {
  MetricsFollower,
  METRICS_FILE,
  earlierRuns,
  exportDatasetReport,
  exportRun,
  metricsSize,
  readRunFiles,
  readRunRecords,
  runAuditViewFromFolder,
  runStatus,
  writeFileAtomic,
} from './runFiles';

export const TRAINING_VIEW_TYPE = 'responsibleMl.trainingPanel';
export const AUDIT_VIEW_TYPE = 'responsibleMl.auditPanel';

/**
 * What the training command knows about a run it started; `RunHandle` (trainingRunner.ts) fits. Optional:
 * a panel opened for a past run, or restored after a reload, has none and reads the folder instead.
 */
export interface LiveRun {
  cancel(): Promise<void> | void;
  onProgress?: vscode.Event<{ kind: string; backend?: string; raw?: unknown }>;
  result?: Promise<{ state: 'finished' | 'cancelled' | 'failed'; message?: string }>;
}

export type AuditSource =
  | { kind: 'run'; runDir: string }
  /** A dataset (or predictions) scan; `thresholds` are the workspace policy's. */
  | { kind: 'report'; report: AuditReport; thresholds?: unknown };

function webviewOptions(
  context: vscode.ExtensionContext,
): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // Only the built bundles and the panels' stylesheet can be loaded into the page.
    localResourceRoots: [
      vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(context.extensionUri, 'media', 'panels'),
    ],
  };
}

function setHtml(
  context: vscode.ExtensionContext,
  panel: vscode.WebviewPanel,
  bundle: 'training' | 'audit',
  title: string,
): void {
  const w = panel.webview;
  panel.webview.options = webviewOptions(context);
  w.html = panelHtml({
    title,
    cspSource: w.cspSource,
    nonce: makeNonce(),
    scriptUri: w
      .asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', `${bundle}.js`))
      .toString(),
    styleUri: w
      .asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'panels', 'panels.css'))
      .toString(),
  });
}

async function revealExport(file: string): Promise<void> {
  const open = await vscode.window.showInformationMessage(
    `Written ${vscode.workspace.asRelativePath(file)}`,
    'Open',
  );
  if (open === 'Open') {
    if (file.endsWith('.md'))
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(file));
    else await vscode.env.openExternal(vscode.Uri.file(file));
  }
}

/** Writes an export with `write`, tells the page where it went (or why it did not), and offers to open it. */
async function runExport(
  format: ExportFormat,
  write: () => string,
  post: (m: ExportedMessage) => Thenable<boolean>,
): Promise<void> {
  try {
    const file = write();
    await post({ type: 'exported', format, path: file });
    void revealExport(file);
  } catch (e) {
    await post({ type: 'exported', format, error: (e as Error).message });
  }
}

// ================================================================================================ training

const trainingPanels = new Map<string, TrainingPanel>();

export class TrainingPanel implements vscode.Disposable {
  private follower: MetricsFollower | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private info: TrainingRunInfo;
  private status: RunStatus;
  private pendingRecords: TrainingHostMessage[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    readonly runDir: string,
    private live?: LiveRun,
  ) {
    trainingPanels.set(runDir, this);
    this.info = runInfoFromFiles(runDir, readRunFiles(runDir));
    this.status = runStatus(runDir);
    if (live && this.status.state === 'unknown') this.status = { state: 'running' };
    setHtml(context, panel, 'training', `Training ${this.info.config}`);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: TrainingWebviewMessage) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    if (live) this.attach(live);
  }

  /** Connects a run started by the training command (a panel may already be open on its folder). */
  attach(live: LiveRun): void {
    this.live = live;
    if (live.onProgress) {
      this.disposables.push(
        live.onProgress((p) => {
          const raw = (p.raw ?? {}) as {
            type?: string;
            backend?: { name?: string; device?: string } | null;
            epochs?: number;
            dp?: boolean;
          };
          if (raw.type === 'started') {
            if (raw.backend?.name) this.info.backend = raw.backend.name;
            if (raw.backend?.device) this.info.device = raw.backend.device;
            if (typeof raw.epochs === 'number') this.info.epochs = raw.epochs;
            if (typeof raw.dp === 'boolean') this.info.dp = raw.dp;
            void this.post({ type: 'run', run: this.info });
          }
        }),
      );
    }
    void live.result?.then((r) => {
      this.follower?.poll();
      this.setStatus({ state: r.state, ...(r.message ? { message: r.message } : {}) });
    });
  }

  private post(m: TrainingHostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private setStatus(s: RunStatus): void {
    if (s.state === this.status.state && s.message === this.status.message) return;
    this.status = s;
    const files = readRunFiles(this.runDir);
    this.info = { ...runInfoFromFiles(this.runDir, files), ...pick(this.info, ['backend', 'device', 'dp']) };
    void this.post({ type: 'status', status: s });
    if (s.state !== 'running') this.stopFollowing();
  }

  private startFollowing(): void {
    this.stopFollowing();
    const records = readRunRecords(this.runDir);
    const size = metricsSize(this.runDir);
    void this.post({
      type: 'init',
      run: this.info,
      records,
      overlays: earlierRuns(this.runDir),
      status: this.status,
    });
    if (this.status.state !== 'running') return;
    this.follower = new MetricsFollower(
      path.join(this.runDir, METRICS_FILE),
      (recs) => void this.post({ type: 'metrics', records: recs }),
    );
    this.follower.startAfter(size);
    // Without a live handle (restored panel, a run started by the CLI) the state comes from status.json.
    if (!this.live?.result) {
      this.statusTimer = setInterval(() => {
        const s = runStatus(this.runDir);
        if (s.state !== 'running' && s.state !== 'unknown') {
          this.follower?.poll();
          this.setStatus(s);
        }
      }, 1000);
    }
  }

  private stopFollowing(): void {
    this.follower?.stop();
    this.follower = undefined;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = undefined;
  }

  private async onMessage(m: TrainingWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        // Also after the panel was hidden and shown again: its page was discarded and starts over.
        this.startFollowing();
        break;
      case 'stop':
        if (this.live) await this.live.cancel();
        else await vscode.commands.executeCommand('responsibleMl.stopTraining');
        break;
      case 'openAudit':
        // In the training panel's own column: the audit's tables need the width more than the curves do.
        openAuditPanel(this.context, { kind: 'run', runDir: this.runDir }, this.panel.viewColumn);
        break;
      case 'export':
        await this.export(m.format);
        break;
      default:
        assertNever(m);
    }
  }

  private export(format: ExportFormat): Promise<void> {
    return runExport(
      format,
      () => exportRun(this.runDir, format, new Date()),
      (m) => this.post(m),
    );
  }

  dispose(): void {
    this.stopFollowing();
    if (trainingPanels.get(this.runDir) === this) trainingPanels.delete(this.runDir);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Opens (or reveals) the training panel of a run folder. Pass the live run when the training command started
 * it, so that Stop cancels it directly and the panel learns the backend as soon as the worker reports it.
 */
export function openTrainingPanel(
  context: vscode.ExtensionContext,
  runDir: string,
  live?: LiveRun,
): TrainingPanel {
  const existing = trainingPanels.get(runDir);
  if (existing) {
    if (live) existing.attach(live);
    existing.panel.reveal(undefined, true);
    return existing;
  }
  const name = path.basename(path.dirname(runDir));
  const panel = vscode.window.createWebviewPanel(
    TRAINING_VIEW_TYPE,
    `Training ${name}`,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
    webviewOptions(context),
  );
  return new TrainingPanel(context, panel, runDir, live);
}

// ================================================================================================ audit

const auditPanels = new Map<string, AuditPanel>();

export class AuditPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private view: AuditViewModel,
    context: vscode.ExtensionContext,
  ) {
    auditPanels.set(view.source.path, this);
    setHtml(context, panel, 'audit', view.title);
    panel.title = view.title;
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: AuditWebviewMessage) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  update(view: AuditViewModel): void {
    this.view = view;
    this.panel.title = view.title;
    void this.post({ type: 'audit', model: view });
  }

  private post(m: AuditHostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private async onMessage(m: AuditWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        // A run's audit is re-read so a restored panel shows the folder as it is now.
        if (this.view.source.kind === 'run')
          this.view = runAuditViewFromFolder(this.view.source.path, new Date().toISOString());
        await this.post({ type: 'audit', model: this.view });
        break;
      case 'export':
        await this.export(m.format);
        break;
      default:
        assertNever(m);
    }
  }

  private export(format: ExportFormat): Promise<void> {
    const { view } = this;
    return runExport(
      format,
      () => {
        if (view.source.kind === 'run') return exportRun(view.source.path, format, new Date());
        if (format === 'html') return exportDatasetReport(view, view.source.path, new Date());
        const file = `${view.source.path.replace(/\.[^./\\]+$/, '')}.model-card.md`;
        writeFileAtomic(file, modelCard({ view, generatedAt: new Date().toISOString() }));
        return file;
      },
      (m) => this.post(m),
    );
  }

  dispose(): void {
    if (auditPanels.get(this.view.source.path) === this) auditPanels.delete(this.view.source.path);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function viewOf(source: AuditSource): AuditViewModel {
  const now = new Date().toISOString();
  return source.kind === 'run'
    ? runAuditViewFromFolder(source.runDir, now)
    : datasetAuditView(source.report, {
        generatedAt: now,
        ...(source.thresholds !== undefined ? { thresholds: source.thresholds } : {}),
      });
}

/**
 * Opens (or reveals and refreshes) the audit panel of a run folder or of a dataset scan, beside the active
 * editor unless a column is given.
 */
export function openAuditPanel(
  context: vscode.ExtensionContext,
  source: AuditSource,
  viewColumn?: vscode.ViewColumn,
): AuditPanel {
  const view = viewOf(source);
  const existing = auditPanels.get(view.source.path);
  if (existing) {
    existing.update(view);
    existing.panel.reveal(undefined, true);
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(
    AUDIT_VIEW_TYPE,
    view.title,
    { viewColumn: viewColumn ?? vscode.ViewColumn.Beside, preserveFocus: false },
    webviewOptions(context),
  );
  return new AuditPanel(panel, view, context);
}

// ================================================================================================ restore

/** Registers the serializers that bring both panels back after a window reload. Call once on activation. */
export function registerPanels(context: vscode.ExtensionContext): vscode.Disposable {
  const training = vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      const s = state as TrainingPanelState | undefined;
      if (s?.kind !== 'training' || typeof s.runDir !== 'string') {
        panel.dispose();
        return;
      }
      new TrainingPanel(context, panel, s.runDir);
    },
  });
  const audit = vscode.window.registerWebviewPanelSerializer(AUDIT_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      const s = state as AuditPanelState | undefined;
      if (s?.kind !== 'audit' || !s.model) {
        panel.dispose();
        return;
      }
      new AuditPanel(panel, s.model, context);
    },
  });
  const d = vscode.Disposable.from(training, audit, {
    dispose: () => {
      for (const p of [...trainingPanels.values()]) p.panel.dispose();
      for (const p of [...auditPanels.values()]) p.panel.dispose();
    },
  });
  context.subscriptions.push(d);
  return d;
}
