import * as path from 'path';
import * as vscode from 'vscode';
import type { AuditReport } from '../core/report/auditReport';
import { datasetFormat, readHead } from './datasetFiles';
import type { Services } from './services';

/**
 * Where commands hand over to the panels (src/extension/panels/, the panels helper's): an audit of a dataset or
 * of predictions, and a run. Kept in one file so the commands do not depend on how panels are opened.
 */
export async function showDatasetAudit(s: Services, uri: vscode.Uri, report: AuditReport): Promise<void> {
  void s;
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(report, null, 2) });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  void uri;
}

/** Audit Predictions: a file with a prediction column (and the label), audited per group. */
export async function showPredictionsAudit(s: Services, uri: vscode.Uri): Promise<AuditReport | undefined> {
  const { policy } = await s.policies.policyFor(uri);
  const head = await s.scanClient.scan({ path: uri.fsPath, fileName: vscode.workspace.asRelativePath(uri, false), format: datasetFormat(uri.fsPath, readHead(uri.fsPath)) ?? 'auto', maxFindingsPerRule: 1 });
  const names = head.columns.map((c) => c.name);
  const guess = names.find((n) => /^(pred|prediction|predicted|y_pred|yhat)/i.test(n));
  const prediction = await vscode.window.showQuickPick(
    names.map((n) => ({ label: n, picked: n === guess })),
    { title: `Audit Predictions: ${path.basename(uri.fsPath)}`, placeHolder: 'Column with the predicted outcome' },
  );
  if (!prediction) return undefined;
  const label =
    policy.label && names.includes(policy.label)
      ? policy.label
      : (await vscode.window.showQuickPick(names.filter((n) => n !== prediction.label), { title: 'Audit Predictions', placeHolder: 'Column with the true outcome (label)' }));
  if (!label) return undefined;
  const scoreGuess = names.find((n) => /^(score|prob|probability|p_?1|proba)/i.test(n));
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Auditing predictions in ${path.basename(uri.fsPath)}`, cancellable: true },
    (_p, token) =>
      s.scanClient.scan(
        {
          path: uri.fsPath,
          fileName: vscode.workspace.asRelativePath(uri, false),
          format: datasetFormat(uri.fsPath, readHead(uri.fsPath)) ?? 'auto',
          policy,
          label,
          prediction: prediction.label,
          ...(scoreGuess ? { score: scoreGuess } : {}),
        },
        token,
      ),
  );
  await showDatasetAudit(s, uri, report);
  return report;
}

export async function showRun(s: Services, runDir: string): Promise<void> {
  void s;
  const report = path.join(runDir, 'report.md');
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(report));
}
