import type * as vscode from 'vscode';
import type { ConfigDiagnostics } from './configDiagnostics';
import type { DatasetDiagnostics } from './diagnostics';
import type { PolicyStore } from './policyStore';
import type { ScanClient } from './scanClient';
import type { StatusBar } from './statusBar';
import type { TrainingController } from './training';
import type { WorkspaceTree } from './tree';

/** What command handlers and providers share; built once in `activate`. */
export interface Services {
  context: vscode.ExtensionContext;
  policies: PolicyStore;
  scanClient: ScanClient;
  diagnostics: DatasetDiagnostics;
  configDiagnostics: ConfigDiagnostics;
  tree: WorkspaceTree;
  statusBar: StatusBar;
  training: TrainingController;
}
