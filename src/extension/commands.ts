import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandId } from './commandIds';
import { errorText } from './diagnostics';
import { configNameFor, labelCandidates, scaffoldTrainingConfig } from './trainingConfigScaffold';
import { datasetFormat, readHead } from './datasetFiles';
import { log } from './log';
import { installNativeBackend } from './nativeBackend';
import { editPolicy } from './policyEdit';
import { writeSanitizedCopy, type SanitizeArgs } from './sanitize';
import { scanWorkspace } from './scanWorkspace';
import type { Services } from './services';
import { showDatasetAudit, showPredictionsAudit, showRun, showRunAudit } from './panelBridge';

interface ColumnArgs {
  uri: vscode.Uri;
  column: string;
}

/** The URI a command was invoked on: an argument (explorer, tree, CodeLens), else the active editor. */
function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (arg && typeof arg === 'object' && 'uri' in arg && (arg as { uri: unknown }).uri instanceof vscode.Uri)
    return (arg as { uri: vscode.Uri }).uri;
  if (arg && typeof arg === 'object' && 'resourceUri' in arg)
    return (arg as { resourceUri?: vscode.Uri }).resourceUri;
  return vscode.window.activeTextEditor?.document.uri;
}

async function pickDataset(title: string): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && datasetFormat(active.fileName, active.getText(new vscode.Range(0, 0, 5, 0))))
    return active.uri;
  const files = await vscode.workspace.findFiles(
    '**/*.{csv,tsv,jsonl,json}',
    '{**/node_modules/**,**/runs/**,**/*.train.json,**/responsible-ml.json,**/package*.json}',
    500,
  );
  const pick = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), uri })),
    { title, placeHolder: 'Dataset' },
  );
  return pick?.uri;
}

/** Scans a file with the same policy the diagnostics use (open documents: their latest report). */
async function reportFor(s: Services, uri: vscode.Uri) {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) {
    const r = s.diagnostics.report(uri);
    if (r && r.version === open.version) return r.report;
    const scanned = await s.diagnostics.scanDocument(open);
    if (scanned) return scanned.report;
  }
  const { policy } = await s.policies.policyFor(uri);
  return s.scanClient.scan({
    path: uri.fsPath,
    fileName: vscode.workspace.asRelativePath(uri, false),
    format: datasetFormat(uri.fsPath, readHead(uri.fsPath)) ?? 'auto',
    policy,
  });
}

type Handler = (s: Services, ...args: never[]) => unknown;

/**
 * The one command table: every id in {@link COMMAND_IDS} maps to its handler (the type requires all of them),
 * and {@link registerCommands} registers them in one loop. Handlers return values tests can check.
 */
export const commandTable: Record<CommandId, Handler> = {
  'responsibleMl.trainModel': (s, arg?: unknown) => s.training.train(targetUriOrUndefined(arg)),
  'responsibleMl.stopTraining': (s, arg?: unknown) => s.training.stop(targetUriOrUndefined(arg)),
  'responsibleMl.validateConfig': async (s, arg?: unknown) => {
    const uri = targetUri(arg) ?? (await s.training.pickConfig());
    if (!uri) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    const { findings } = await s.configDiagnostics.validate(doc, true);
    const errors = findings.filter((f) => f.severity === 'error').length;
    const warnings = findings.length - errors;
    const name = path.basename(uri.fsPath);
    if (findings.length === 0) void vscode.window.showInformationMessage(`Responsible ML: ${name} is valid.`);
    else
      void vscode.window.showWarningMessage(
        `Responsible ML: ${name}: ${errors} error(s), ${warnings} warning(s); see the Problems view.`,
      );
    return findings;
  },
  'responsibleMl.auditDataset': async (s, arg?: unknown) => {
    const uri =
      targetUri(arg) && datasetFormat(targetUri(arg)!.fsPath, readHead(targetUri(arg)!.fsPath))
        ? targetUri(arg)
        : await pickDataset('Audit Dataset');
    if (!uri) return undefined;
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Auditing ${path.basename(uri.fsPath)}`,
        cancellable: false,
      },
      () => reportFor(s, uri),
    );
    await showDatasetAudit(s, uri, report);
    return report;
  },
  'responsibleMl.auditPredictions': async (s, arg?: unknown) => {
    const uri = targetUri(arg) ?? (await pickDataset('Audit Predictions: file with predictions'));
    if (!uri) return undefined;
    return showPredictionsAudit(s, uri);
  },
  'responsibleMl.openRun': async (s, arg?: unknown) => {
    let dir =
      arg && typeof arg === 'object' && 'run' in arg
        ? (arg as { run: { dir: string } }).run.dir
        : typeof arg === 'string'
          ? arg
          : undefined;
    if (!dir) {
      const runs = await s.tree.runs();
      const pick = await vscode.window.showQuickPick(
        runs.map((r) => ({
          label: `${r.config} · ${r.id}`,
          description: [r.state, ...r.metrics].join(' · '),
          dir: r.dir,
        })),
        { title: 'Open Run' },
      );
      dir = pick?.dir;
    }
    if (!dir) return undefined;
    showRun(s, dir);
    return dir;
  },
  'responsibleMl.openRunFile': async (s, arg?: { file: string; runDir: string }) => {
    if (!arg) return;
    const uri = vscode.Uri.file(arg.file);
    if (path.basename(arg.file) === 'audit.json') showRunAudit(s, arg.runDir);
    else if (fs.statSync(arg.file).isDirectory())
      await vscode.commands.executeCommand('revealInExplorer', uri);
    else if (arg.file.endsWith('.md')) await vscode.commands.executeCommand('markdown.showPreview', uri);
    else await vscode.window.showTextDocument(uri, { preview: true });
  },
  'responsibleMl.installNativeBackend': (s, variant?: 'cpu' | 'gpu' | 'webgpu') =>
    installNativeBackend(s.context, variant),
  'responsibleMl.scanWorkspace': async (s) => {
    const summary = await scanWorkspace(s.diagnostics, s.policies, s.scanClient);
    s.tree.refresh();
    void vscode.window.showInformationMessage(
      `Responsible ML: scanned ${summary.scanned} dataset(s), ${summary.findings} finding(s)${summary.skipped.length ? `, ${summary.skipped.length} skipped` : ''}${summary.cancelled ? ' (cancelled)' : ''}.`,
    );
    return summary;
  },
  'responsibleMl.createTrainingConfig': async (s, arg?: unknown, labelArg?: string) => {
    const uri = targetUri(arg) ?? (await pickDataset('Create Training Config'));
    if (!uri) return undefined;
    const report = await reportFor(s, uri);
    const { policy } = await s.policies.policyFor(uri);
    const candidates = labelCandidates(report, policy.label);
    const label =
      labelArg ??
      (
        await vscode.window.showQuickPick(
          candidates.map((c) => ({
            label: c.name,
            description: `${c.type} · ${c.distinct} distinct${c.name === policy.label ? ' · policy label' : ''}`,
          })),
          { title: 'Create Training Config: which column is the label?', placeHolder: 'Label column' },
        )
      )?.label;
    if (!label) return undefined;
    const dir = path.dirname(uri.fsPath);
    const name = configNameFor(uri.fsPath);
    let target = path.join(dir, `${name}.train.json`);
    for (let i = 2; fs.existsSync(target); i++) target = path.join(dir, `${name}-${i}.train.json`);
    const text = scaffoldTrainingConfig(report, { name, dataPath: `./${path.basename(uri.fsPath)}`, label });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { flag: 'wx' });
    fs.renameSync(tmp, target);
    const configUri = vscode.Uri.file(target);
    await vscode.window.showTextDocument(configUri);
    return configUri;
  },
  'responsibleMl.sanitizeColumn': async (s, args?: SanitizeArgs) => {
    if (!args) return undefined;
    try {
      return await writeSanitizedCopy(s.context, args);
    } catch (e) {
      void vscode.window.showErrorMessage(`Responsible ML: ${errorText(e)}`);
      log().error(`Sanitize ${args.column}: ${errorText(e)}`);
      return undefined;
    }
  },
  'responsibleMl.ignoreRuleForColumn': async (s, args?: ColumnArgs & { rule: string }) => {
    if (!args) return undefined;
    return editPolicy(s.policies, args.uri, { kind: 'ignore', rule: args.rule, column: args.column });
  },
  'responsibleMl.declareProtected': async (s, args?: ColumnArgs) => {
    if (!args) return undefined;
    return editPolicy(s.policies, args.uri, { kind: 'protected', column: args.column });
  },
  'responsibleMl.declareLabel': async (s, args?: ColumnArgs) => {
    if (!args) return undefined;
    return editPolicy(s.policies, args.uri, { kind: 'label', column: args.column });
  },
  'responsibleMl.showLog': () => log().show(),
  'responsibleMl.refreshView': (s) => s.tree.refresh(),
};

function targetUriOrUndefined(arg: unknown): vscode.Uri | undefined {
  return arg === undefined ? undefined : targetUri(arg);
}

/** Registers every command of the table; a failing handler logs and shows its message instead of a stack. */
export function registerCommands(s: Services): vscode.Disposable[] {
  return COMMAND_IDS.map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (commandTable[id] as (s: Services, ...a: unknown[]) => unknown)(s, ...args);
      } catch (e) {
        log().error(`${id}: ${errorText(e)}`);
        void vscode.window.showErrorMessage(`Responsible ML: ${errorText(e)}`);
        throw e;
      }
    }),
  );
}
