import * as vscode from 'vscode';
import { datasetFormat, readHead } from './datasetFiles';
import { errorText, type DatasetDiagnostics } from './diagnostics';
import { log } from './log';
import type { PolicyStore } from './policyStore';
import type { ScanClient } from './scanClient';
import { readSettings, SETTINGS_SECTION } from './settings';

/**
 * Files matching any include glob and no exclude glob. One search per include pattern: the file search does
 * not accept nested brace groups, which `{a,b}` around patterns that have their own braces would create.
 */
export async function findDatasetFiles(
  include: readonly string[],
  exclude: readonly string[],
  max?: number,
): Promise<vscode.Uri[]> {
  const excludeGlob =
    exclude.length === 0 ? undefined : exclude.length === 1 ? exclude[0] : `{${exclude.join(',')}}`;
  const seen = new Map<string, vscode.Uri>();
  for (const pattern of include) {
    for (const uri of await vscode.workspace.findFiles(pattern, excludeGlob, max))
      seen.set(uri.toString(), uri);
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

export interface WorkspaceScanSummary {
  scanned: number;
  skipped: { file: string; reason: string }[];
  findings: number;
  cancelled: boolean;
}

/**
 * "Scan Workspace Datasets": every file matching the include globs (minus excludes and the size cap) is
 * scanned in the worker process, streaming from disk, one file at a time, with a cancellable progress
 * notification. Results become diagnostics like those of open files.
 */
export async function scanWorkspace(
  diagnostics: DatasetDiagnostics,
  policies: PolicyStore,
  client: ScanClient,
): Promise<WorkspaceScanSummary> {
  const s = readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
  const files = await findDatasetFiles(s.scanInclude, s.scanExclude);
  const summary: WorkspaceScanSummary = { scanned: 0, skipped: [], findings: 0, cancelled: false };
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Scanning workspace datasets',
      cancellable: true,
    },
    async (progress, token) => {
      for (const [i, uri] of files.entries()) {
        if (token.isCancellationRequested) {
          summary.cancelled = true;
          break;
        }
        const rel = vscode.workspace.asRelativePath(uri, false);
        progress.report({ message: `${rel} (${i + 1}/${files.length})`, increment: 100 / files.length });
        try {
          const stat = await vscode.workspace.fs.stat(uri);
          if (s.scanMaxFileSizeMB > 0 && stat.size > s.scanMaxFileSizeMB * 1024 * 1024) {
            summary.skipped.push({ file: rel, reason: `larger than ${s.scanMaxFileSizeMB} MB` });
            continue;
          }
          const head = readHead(uri.fsPath);
          const format = datasetFormat(uri.fsPath, head);
          if (!format) continue;
          const { policy } = await policies.policyFor(uri);
          const report = await client.scan(
            {
              path: uri.fsPath,
              fileName: rel,
              format,
              policy,
              maxFindingsPerRule: Math.min(s.maxFindingsPerRule, policy.maxFindingsPerRule),
            },
            token,
          );
          diagnostics.publish(uri, { report, version: -1 }, true);
          summary.scanned++;
          summary.findings += report.findings.length;
        } catch (e) {
          if (token.isCancellationRequested) {
            summary.cancelled = true;
            break;
          }
          summary.skipped.push({ file: rel, reason: errorText(e) });
          log().warn(`Workspace scan: ${rel}: ${errorText(e)}`);
        }
      }
    },
  );
  log().info(
    `Workspace scan: ${summary.scanned} file(s), ${summary.findings} finding(s), ${summary.skipped.length} skipped${summary.cancelled ? ', cancelled' : ''}`,
  );
  return summary;
}
