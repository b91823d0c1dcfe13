import * as vscode from 'vscode';
import { datasetFormat, readHead } from './datasetFiles';
import { errorText, type DatasetDiagnostics } from './diagnostics';
import { log } from './log';
import type { PolicyStore } from './policyStore';
import type { ScanClient } from './scanClient';
import type { ScanFilesParams } from '../worker/scanWorker';
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
 * scanned in the worker process, streaming from disk, as `rml audit` scans several files (small ones two at a
 * time up to the `scan.threads` setting, `scanFilesEach`), with a cancellable progress notification. Results
 * become diagnostics like those of open files, each as its file is done; a file that fails is skipped.
 */
export async function scanWorkspace(
  diagnostics: DatasetDiagnostics,
  policies: PolicyStore,
  client: ScanClient,
): Promise<WorkspaceScanSummary> {
  const s = readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
  const found = await findDatasetFiles(s.scanInclude, s.scanExclude);
  const summary: WorkspaceScanSummary = { scanned: 0, skipped: [], findings: 0, cancelled: false };
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Scanning workspace datasets',
      cancellable: true,
    },
    async (progress, token) => {
      const files: { uri: vscode.Uri; rel: string; params: ScanFilesParams['files'][number] }[] = [];
      for (const uri of found) {
        if (token.isCancellationRequested) break;
        const rel = vscode.workspace.asRelativePath(uri, false);
        try {
          const stat = await vscode.workspace.fs.stat(uri);
          if (s.scanMaxFileSizeMB > 0 && stat.size > s.scanMaxFileSizeMB * 1024 * 1024) {
            summary.skipped.push({ file: rel, reason: `larger than ${s.scanMaxFileSizeMB} MB` });
            continue;
          }
          const format = datasetFormat(uri.fsPath, readHead(uri.fsPath));
          if (!format) continue;
          const { policy } = await policies.policyFor(uri);
          files.push({
            uri,
            rel,
            params: {
              path: uri.fsPath,
              fileName: rel,
              format,
              policy,
              maxFindingsPerRule: Math.min(s.maxFindingsPerRule, policy.maxFindingsPerRule),
            },
          });
        } catch (e) {
          summary.skipped.push({ file: rel, reason: errorText(e) });
          log().warn(`Workspace scan: ${rel}: ${errorText(e)}`);
        }
      }
      if (token.isCancellationRequested) {
        summary.cancelled = true;
        return;
      }
      const done = new Set<number>();
      progress.report({ message: `${files.length} files` });
      try {
        await client.scanFiles(
          files.map((f) => f.params),
          (result) => {
            const f = files[result.index];
            if (!f || done.has(result.index)) return;
            done.add(result.index);
            progress.report({
              message: `${f.rel} (${done.size}/${files.length})`,
              increment: 100 / files.length,
            });
            if ('report' in result) {
              diagnostics.publish(f.uri, { report: result.report, version: -1 }, true);
              summary.scanned++;
              summary.findings += result.report.findings.length;
            } else {
              summary.skipped.push({ file: f.rel, reason: result.error });
              log().warn(`Workspace scan: ${f.rel}: ${result.error}`);
            }
          },
          token,
        );
      } catch (e) {
        if (token.isCancellationRequested) summary.cancelled = true;
        else {
          // The worker process itself failed: the files it had not done are skipped with its reason.
          const reason = errorText(e);
          log().warn(`Workspace scan: ${reason}`);
          files.forEach((f, i) => done.has(i) || summary.skipped.push({ file: f.rel, reason }));
        }
      }
    },
  );
  log().info(
    `Workspace scan: ${summary.scanned} file(s), ${summary.findings} finding(s), ${summary.skipped.length} skipped${summary.cancelled ? ', cancelled' : ''}`,
  );
  return summary;
}
