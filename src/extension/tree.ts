import * as path from 'path';
import * as vscode from 'vscode';
import type { DatasetDiagnostics } from './diagnostics';
import { listRuns, type RunSummary } from './runFolders';
import { findDatasetFiles } from './scanWorkspace';
import { readSettings, SETTINGS_SECTION } from './settings';

type Node =
  | { kind: 'group'; group: 'datasets' | 'configs' | 'runs' }
  | { kind: 'dataset'; uri: vscode.Uri; errors: number; warnings: number; others: number; scanned: boolean }
  | { kind: 'config'; uri: vscode.Uri }
  | { kind: 'run'; run: RunSummary }
  | { kind: 'runFile'; label: string; file: string; run: RunSummary };

const STATE_ICON: Record<string, string> = {
  running: 'sync~spin',
  finished: 'pass',
  cancelled: 'circle-slash',
  failed: 'error',
  unknown: 'question',
};

/**
 * The "Responsible ML" view: datasets (with finding counts from the latest scans), training configs, and runs
 * (status and key metrics; children open the audit, the report and the model folder).
 */
export class WorkspaceTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly diagnostics: DatasetDiagnostics,
    private readonly runningDirs: () => ReadonlySet<string>,
  ) {
    const watchRuns = vscode.workspace.createFileSystemWatcher(
      '**/runs/**/{metrics.jsonl,audit.json,status.json}',
    );
    const configs = vscode.workspace.createFileSystemWatcher('**/*.train.json', false, true, false);
    this.disposables.push(
      watchRuns,
      configs,
      watchRuns.onDidCreate(() => this.refreshSoon()),
      watchRuns.onDidChange(() => this.refreshSoon()),
      configs.onDidCreate(() => this.refreshSoon()),
      configs.onDidDelete(() => this.refreshSoon()),
      diagnostics.onDidUpdate(() => this.refreshSoon()),
    );
  }

  /** Coalesces bursts (a run appends metrics every batch) into one refresh per second. */
  refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.emitter.fire(undefined);
    }, 1000);
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node)
      return [
        { kind: 'group', group: 'datasets' },
        { kind: 'group', group: 'configs' },
        { kind: 'group', group: 'runs' },
      ];
    if (node.kind === 'group') {
      if (node.group === 'datasets') return this.datasets();
      if (node.group === 'configs') return (await this.configs()).map((uri) => ({ kind: 'config', uri }));
      return (await this.runs()).map((run) => ({ kind: 'run', run }));
    }
    if (node.kind === 'run') {
      const f = node.run.files;
      return [
        ...(f.audit ? [{ kind: 'runFile' as const, label: 'Audit', file: f.audit, run: node.run }] : []),
        ...(f.report ? [{ kind: 'runFile' as const, label: 'Report', file: f.report, run: node.run }] : []),
        ...(f.metrics
          ? [{ kind: 'runFile' as const, label: 'Metrics', file: f.metrics, run: node.run }]
          : []),
        ...(f.model
          ? [{ kind: 'runFile' as const, label: 'Model folder', file: f.model, run: node.run }]
          : []),
      ];
    }
    return [];
  }

  private async datasets(): Promise<Node[]> {
    const s = readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
    const scanned = new Map(this.diagnostics.allReports().map(([u, r]) => [u.toString(), r]));
    const found = await findDatasetFiles(s.scanInclude, s.scanExclude, 500);
    const uris = new Map<string, vscode.Uri>(
      found
        .filter((u) => !u.path.endsWith('.json') || scanned.has(u.toString()))
        .map((u) => [u.toString(), u]),
    );
    for (const [k] of scanned) uris.set(k, vscode.Uri.parse(k));
    return [...uris.values()]
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((uri) => {
        const r = scanned.get(uri.toString());
        const count = (sev: string) => r?.report.findings.filter((f) => f.severity === sev).length ?? 0;
        return {
          kind: 'dataset',
          uri,
          errors: count('error'),
          warnings: count('warning'),
          others: count('info') + count('hint'),
          scanned: !!r,
        };
      });
  }

  async configs(): Promise<vscode.Uri[]> {
    const found = await vscode.workspace.findFiles('**/*.train.json', '**/node_modules/**', 500);
    return found.sort((a, b) => a.path.localeCompare(b.path));
  }

  async runs(): Promise<RunSummary[]> {
    const dirs = new Set<string>();
    for (const c of await this.configs()) dirs.add(path.join(path.dirname(c.fsPath), 'runs'));
    for (const m of await vscode.workspace.findFiles(
      '**/runs/*/*/metrics.jsonl',
      '**/node_modules/**',
      1000,
    )) {
      dirs.add(path.dirname(path.dirname(path.dirname(m.fsPath))));
    }
    const running = this.runningDirs();
    return [...dirs].flatMap((d) => listRuns(d, running)).sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const label = { datasets: 'Datasets', configs: 'Training configs', runs: 'Runs' }[node.group];
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = `group-${node.group}`;
        return item;
      }
      case 'dataset': {
        const item = new vscode.TreeItem(
          vscode.workspace.asRelativePath(node.uri, false),
          vscode.TreeItemCollapsibleState.None,
        );
        item.resourceUri = node.uri;
        item.description = node.scanned
          ? `${node.errors} errors · ${node.warnings} warnings · ${node.others} info`
          : 'not scanned';
        item.iconPath = new vscode.ThemeIcon(
          node.errors ? 'error' : node.warnings ? 'warning' : node.scanned ? 'pass' : 'table',
        );
        item.contextValue = 'dataset';
        item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
        return item;
      }
      case 'config': {
        const item = new vscode.TreeItem(
          vscode.workspace.asRelativePath(node.uri, false),
          vscode.TreeItemCollapsibleState.None,
        );
        item.resourceUri = node.uri;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = 'config';
        item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
        return item;
      }
      case 'run': {
        const item = new vscode.TreeItem(
          `${node.run.config} · ${node.run.id}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = [node.run.state, ...node.run.metrics].join(' · ');
        item.iconPath = new vscode.ThemeIcon(STATE_ICON[node.run.state] ?? 'question');
        item.tooltip = node.run.dir;
        item.contextValue = `run-${node.run.state}`;
        item.id = node.run.dir;
        return item;
      }
      case 'runFile': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.resourceUri = vscode.Uri.file(node.file);
        item.iconPath = new vscode.ThemeIcon(node.label === 'Model folder' ? 'folder' : 'file');
        item.command = {
          command: 'responsibleMl.openRunFile',
          title: 'Open',
          arguments: [{ file: node.file, runDir: node.run.dir }],
        };
        return item;
      }
    }
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
