import * as path from 'path';
import * as vscode from 'vscode';
import type { ConfigDiagnostics } from './configDiagnostics';
import { errorText } from './diagnostics';
import { log } from './log';
import { nativeBackendDir } from './nativeBackend';
import { readSettings, SETTINGS_SECTION } from './settings';
import type { StatusBar } from './statusBar';
import { startRun, type RunHandle, type RunProgress, type RunResult } from './trainingRunner';
import { requireTrust } from './trust';
import { groupDigits } from '../core/numberText';

export type TrainOutcome =
  RunResult | { state: 'refused'; reason: 'untrusted' | 'invalid' | 'no-config' | 'busy'; message: string };

interface ActiveRun {
  config: vscode.Uri;
  handle: RunHandle;
  runDir?: string;
}

/**
 * Starts, follows and stops training runs. Training never runs on the extension host: the runner spawns
 * `dist/trainWorker.js` (TensorFlow.js is only ever loaded there) and reports progress over JSON-RPC.
 * Every run started here is refused in Restricted Mode.
 */
export class TrainingController implements vscode.Disposable {
  private readonly active = new Map<string, ActiveRun>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly configDiagnostics: ConfigDiagnostics,
    private readonly statusBar: StatusBar,
    private readonly openPanel: (run: { runDir: string; config: vscode.Uri; handle: RunHandle }) => void,
  ) {}

  /** Run folders of runs in progress (for the tree). */
  runningDirs(): ReadonlySet<string> {
    return new Set([...this.active.values()].flatMap((r) => (r.runDir ? [r.runDir] : [])));
  }

  isTraining(): boolean {
    return this.active.size > 0;
  }

  /** QuickPick of the workspace's training configs. */
  async pickConfig(): Promise<vscode.Uri | undefined> {
    const found = await vscode.workspace.findFiles('**/*.train.json', '**/node_modules/**', 200);
    if (found.length === 0) {
      void vscode.window.showInformationMessage(
        'No *.train.json in this workspace. Use "Create Training Config from This Dataset" on a dataset.',
      );
      return undefined;
    }
    if (found.length === 1) return found[0];
    const pick = await vscode.window.showQuickPick(
      found.map((uri) => ({
        label: path.basename(uri.fsPath),
        description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)),
        uri,
      })),
      { title: 'Responsible ML: Train Model', placeHolder: 'Training config' },
    );
    return pick?.uri;
  }

  /**
   * Trains from a config: validates it (errors stay in the config as diagnostics), starts the run with a
   * cancellable progress notification, the status bar item and the training panel, and resolves when the
   * run ends. Never throws for a refused or failed run: the outcome says what happened.
   */
  async train(
    configUri?: vscode.Uri,
    options: { backend?: string; openPanel?: boolean } = {},
  ): Promise<TrainOutcome> {
    if (!(await requireTrust('Training'))) {
      return { state: 'refused', reason: 'untrusted', message: 'Training is disabled in Restricted Mode.' };
    }
    const config = configUri ?? (await this.pickConfig());
    if (!config) return { state: 'refused', reason: 'no-config', message: 'No training config chosen.' };
    if (this.active.has(config.toString())) {
      void vscode.window.showWarningMessage(`${path.basename(config.fsPath)} is already training.`);
      return { state: 'refused', reason: 'busy', message: 'Already training this config.' };
    }
    const doc = await vscode.workspace.openTextDocument(config);
    if (doc.isDirty) await doc.save();
    const { findings } = await this.configDiagnostics.validate(doc, true);
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      const msg = `${path.basename(config.fsPath)} has ${errors.length} error(s); see the Problems view.`;
      void vscode.window.showErrorMessage(`Responsible ML: ${msg}`);
      return { state: 'refused', reason: 'invalid', message: msg };
    }
    const settings = readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
    const backend =
      options.backend ?? (settings.trainingBackend === 'config' ? undefined : settings.trainingBackend);
    const name = path.basename(config.fsPath).replace(/\.train\.json$/i, '');
    const handle = startRun({
      configPath: config.fsPath,
      workerPath: this.context.asAbsolutePath(path.join('dist', 'trainWorker.js')),
      ...(backend ? { backend } : {}),
      env: { RML_TFJS_NODE_PATH: settings.nativeBackendPath || nativeBackendDir(this.context) },
    });
    const run: ActiveRun = { config, handle };
    this.active.set(config.toString(), run);
    void vscode.commands.executeCommand('setContext', 'responsibleMl.training', true);
    this.changeEmitter.fire();
    log().info(
      `Training ${vscode.workspace.asRelativePath(config)}${backend ? ` (backend ${backend})` : ''}`,
    );
    this.statusBar.show({ config: name }, settings.statusBarEnabled);

    handle.runDir.then(
      (dir) => {
        run.runDir = dir;
        this.changeEmitter.fire();
        log().info(`Run folder: ${vscode.workspace.asRelativePath(dir)}`);
        if (options.openPanel ?? settings.openTrainingPanel) this.openPanel({ runDir: dir, config, handle });
      },
      () => undefined,
    );

    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training ${name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void handle.cancel());
        let lastEpoch = 0;
        const sub = handle.onProgress((p: RunProgress) => {
          if (p.message) log().info(p.message);
          if (p.epoch !== undefined && p.epochs) {
            const inc =
              p.kind === 'epoch' && p.epoch > lastEpoch ? ((p.epoch - lastEpoch) / p.epochs) * 100 : 0;
            if (p.kind === 'epoch') lastEpoch = p.epoch;
            progress.report({ increment: inc, message: describe(p) });
          } else if (p.message) {
            progress.report({ message: p.message });
          }
          this.statusBar.show(
            {
              config: name,
              ...(p.epoch !== undefined ? { epoch: p.epoch } : {}),
              ...(p.epochs ? { epochs: p.epochs } : {}),
              ...(p.loss !== undefined ? { loss: p.loss } : {}),
              ...(p.backend ? { backend: p.backend } : {}),
            },
            settings.statusBarEnabled,
          );
        });
        try {
          return await handle.result;
        } catch (e) {
          return { state: 'failed' as const, runDir: run.runDir, message: errorText(e) };
        } finally {
          sub.dispose();
        }
      },
    );
    this.active.delete(config.toString());
    if (this.active.size === 0) {
      this.statusBar.hide();
      void vscode.commands.executeCommand('setContext', 'responsibleMl.training', false);
    }
    this.changeEmitter.fire();
    const where = result.runDir ? ` (${vscode.workspace.asRelativePath(result.runDir)})` : '';
    if (result.state === 'finished') {
      log().info(`Training ${name} finished${where}`);
      void vscode.window.showInformationMessage(`Responsible ML: ${name} finished${where}.`);
    } else if (result.state === 'cancelled') {
      log().info(`Training ${name} cancelled${where}`);
    } else {
      log().error(`Training ${name} failed${where}: ${result.message ?? ''}`);
      void vscode.window
        .showErrorMessage(`Responsible ML: ${name} failed: ${result.message ?? 'see the log'}`, 'Show Log')
        .then((c) => {
          if (c) log().show();
        });
    }
    return result;
  }

  /** Stops one run (QuickPick when several) or the only one; resolves when the stop was requested. */
  async stop(configUri?: vscode.Uri): Promise<boolean> {
    let run: ActiveRun | undefined;
    if (configUri) run = this.active.get(configUri.toString());
    else if (this.active.size === 1) run = [...this.active.values()][0];
    else if (this.active.size > 1) {
      const pick = await vscode.window.showQuickPick(
        [...this.active.values()].map((r) => ({ label: path.basename(r.config.fsPath), r })),
        { title: 'Stop which run?' },
      );
      run = pick?.r;
    }
    if (!run) {
      if (this.active.size === 0)
        void vscode.window.showInformationMessage('Responsible ML: no training is running.');
      return false;
    }
    log().info(`Stopping ${path.basename(run.config.fsPath)}`);
    await run.handle.cancel();
    return true;
  }

  dispose(): void {
    for (const r of this.active.values()) void r.handle.cancel();
    this.changeEmitter.dispose();
  }
}

function describe(p: RunProgress): string {
  const parts = [`epoch ${p.epoch}${p.epochs ? `/${p.epochs}` : ''}`];
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(4)}`);
  if (p.samplesPerSecond) parts.push(`${groupDigits(Math.round(p.samplesPerSecond))} samples/s`);
  return parts.join(' · ');
}
