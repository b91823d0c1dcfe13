/** Shared by the integration suites: the workspace, waiting for asynchronous editor state, the extension API. */
import * as vscode from 'vscode';
import type { ResponsibleMlApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'responsible-ml.responsible-ml';

export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('The integration launch opens a workspace folder');
  return f.uri;
}

export function file(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), name);
}

export async function api(): Promise<ResponsibleMlApi> {
  const ext = vscode.extensions.getExtension<ResponsibleMlApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Polls `probe` until it returns something truthy, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Responsible ML');
}

export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** The range of the `index`-th comma-separated cell of a line of a document (no quoted commas in fixtures). */
export function cellRange(doc: vscode.TextDocument, line: number, index: number): vscode.Range {
  const text = doc.lineAt(line).text;
  let start = 0;
  for (let i = 0; i < index; i++) start = text.indexOf(',', start) + 1;
  const end = text.indexOf(',', start);
  return new vscode.Range(line, start, line, end < 0 ? text.length : end);
}

/**
 * Records a measured figure for the launcher to print. Speed is reported, not asserted: a timed assertion
 * on a shared 2-core machine fails for reasons that have nothing to do with the code.
 */
export function recordMetric(name: string, value: number): void {
  const g = globalThis as { __rmlMetrics?: Record<string, number> };
  (g.__rmlMetrics ??= {})[name] = Math.round(value * 10) / 10;
}
