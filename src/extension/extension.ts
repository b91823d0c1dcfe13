import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DatasetCodeActions } from './codeActions';
import { TrainConfigCodeLens } from './codeLens';
import { ConfigDiagnostics } from './configDiagnostics';
import { DatasetDiagnostics } from './diagnostics';
import { HeaderHoverProvider } from './hover';
import { disposeLog, log } from './log';
import { nativeBackendDir } from './nativeBackend';
import { showRun } from './panelBridge';
import { registerPanels } from './panels/panels';
import { PolicyStore } from './policyStore';
import { ScanClient } from './scanClient';
import type { Services } from './services';
import { readSettings, SETTINGS_SECTION } from './settings';
import { StatusBar } from './statusBar';
import { RmlTaskProvider, TASK_TYPE } from './tasks';
import { TrainingController } from './training';
import { WorkspaceTree } from './tree';

/** What the extension returns from `activate`: for tests and other extensions. */
export interface ResponsibleMlApi {
  /** Milliseconds `activate` took (measured inside it). */
  activationMs: number;
  services: Services;
}

const DATASET_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'csv' },
  { scheme: 'file', language: 'tsv' },
  { scheme: 'file', language: 'jsonl' },
  { scheme: 'file', language: 'json' },
  { scheme: 'file', pattern: '**/*.{csv,tsv,tab,jsonl,ndjson}' },
];

/**
 * Activation registers providers and commands only; nothing is scanned or spawned until a dataset is open or
 * a command runs, and TensorFlow.js is never loaded here (training runs in `dist/trainWorker.js`).
 */
export function activate(context: vscode.ExtensionContext): ResponsibleMlApi {
  const started = performance.now();
  const policies = new PolicyStore();
  const scanClient = new ScanClient(
    context.asAbsolutePath('dist/scanWorker.js'),
    () => readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION)).scanThreads,
  );
  const diagnostics = new DatasetDiagnostics(policies, scanClient);
  const configDiagnostics = new ConfigDiagnostics(scanClient);
  const statusBar = new StatusBar();
  // The services object is completed below; providers only read it when called.
  const services = { context, policies, scanClient, diagnostics, configDiagnostics, statusBar } as Services;
  const training = new TrainingController(context, configDiagnostics, statusBar, ({ runDir, handle }) =>
    showRun(services, runDir, handle),
  );
  const tree = new WorkspaceTree(diagnostics, () => training.runningDirs());
  services.training = training;
  services.tree = tree;
  training.onDidChange(() => tree.refreshSoon());

  context.subscriptions.push(
    policies,
    scanClient,
    diagnostics,
    configDiagnostics,
    statusBar,
    training,
    tree,
    vscode.window.registerTreeDataProvider('responsibleMl.workspace', tree),
    vscode.languages.registerHoverProvider(DATASET_SELECTOR, new HeaderHoverProvider(diagnostics)),
    vscode.languages.registerCodeActionsProvider(DATASET_SELECTOR, new DatasetCodeActions(diagnostics), {
      providedCodeActionKinds: DatasetCodeActions.kinds,
    }),
    vscode.languages.registerCodeLensProvider(
      { scheme: 'file', pattern: '**/*.train.json' },
      new TrainConfigCodeLens(),
    ),
    vscode.tasks.registerTaskProvider(
      TASK_TYPE,
      new RmlTaskProvider(context, () => {
        const s = readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
        return { RML_TFJS_NODE_PATH: s.nativeBackendPath || nativeBackendDir(context) };
      }),
    ),
    vscode.workspace.onDidGrantWorkspaceTrust(() =>
      log().info('Workspace trusted: training and installs are enabled.'),
    ),
    registerPanels(context),
    ...registerCommands(services),
    { dispose: disposeLog },
  );
  const activationMs = performance.now() - started;
  log().info(
    `Activated in ${activationMs.toFixed(1)} ms${vscode.workspace.isTrusted ? '' : ' (Restricted Mode: training and installs disabled)'}`,
  );
  return { activationMs, services };
}

export function deactivate(): void {
  // Disposables registered in activate are disposed by VS Code; the workers exit with their parent.
}
