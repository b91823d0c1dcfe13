import * as path from 'path';
import * as vscode from 'vscode';
import type { AuditReport } from '../core/report/auditReport';
import { datasetFormat, readHead } from './datasetFiles';
import { openAuditPanel, openTrainingPanel, type LiveRun } from './panels/panels';
import type { Services } from './services';

/**
 * Where commands hand over to the panels (src/extension/panels/): the audit of a dataset, of predictions or of
 * a run, and a run's training panel. Kept in one file so the commands do not depend on how panels are opened.
 */
export async function showDatasetAudit(s: Services, uri: vscode.Uri, report: AuditReport): Promise<void> {
  const { policy } = await s.policies.policyFor(uri);
  openAuditPanel(s.context, { kind: 'report', report, thresholds: policy.thresholds });
}

/** Audit Predictions: a file with a prediction column (and the label), audited per group. */
export async function showPredictionsAudit(s: Services, uri: vscode.Uri): Promise<AuditReport | undefined> {
  const { policy } = await s.policies.policyFor(uri);
  const format = datasetFormat(uri.fsPath, readHead(uri.fsPath)) ?? 'auto';
  const fileName = vscode.workspace.asRelativePath(uri, false);
  const head = await s.scanClient.scan({ path: uri.fsPath, fileName, format, maxFindingsPerRule: 1 });
  const names = head.columns.map((c) => c.name);
  const guess = names.find((n) => /^(pred|prediction|predicted|y_pred|yhat)/i.test(n));
  const prediction = await vscode.window.showQuickPick(
    names.map((n) => ({
      label: n,
      picked: n === guess,
      ...(n === guess ? { description: 'looks like predictions' } : {}),
    })),
    {
      title: `Audit Predictions: ${path.basename(uri.fsPath)}`,
      placeHolder: 'Column with the predicted outcome',
    },
  );
  if (!prediction) return undefined;
  const label =
    policy.label && names.includes(policy.label)
      ? policy.label
      : await vscode.window.showQuickPick(
          names.filter((n) => n !== prediction.label),
          { title: 'Audit Predictions', placeHolder: 'Column with the true outcome (label)' },
        );
  if (!label) return undefined;
  const score = names.find((n) => n !== prediction.label && /^(score|prob|probability|p_?1|proba)/i.test(n));
  const report = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Auditing predictions in ${path.basename(uri.fsPath)}`,
      cancellable: true,
    },
    (_p, token) =>
      s.scanClient.scan(
        {
          path: uri.fsPath,
          fileName,
          format,
          policy,
          label,
          prediction: prediction.label,
          ...(score ? { score } : {}),
        },
        token,
      ),
  );
  await showDatasetAudit(s, uri, report);
  return report;
}

/** The training panel of a run; `live` when this window is training it (Stop then cancels it directly). */
export function showRun(s: Services, runDir: string, live?: LiveRun): void {
  openTrainingPanel(s.context, runDir, live);
}

/** The audit panel of a finished run (its `audit.json`). */
export function showRunAudit(s: Services, runDir: string): void {
  openAuditPanel(s.context, { kind: 'run', runDir });
}
