import * as path from 'path';
import * as vscode from 'vscode';
import type { Policy } from '../core/policy';
import type { Finding } from '../core/findings';

export const POLICY_FILE = 'responsible-ml.json';

export interface LoadedPolicy {
  policy: Policy;
  /** The policy file that applies, if any. */
  uri?: vscode.Uri;
  problems: Finding[];
}

/**
 * Finds and parses the workspace policy that applies to a file: the nearest `responsible-ml.json` from the
 * file's folder up to its workspace folder (the CLI looks the same way, so editor and CLI agree). Parsed
 * policies are cached per policy file and dropped when the file changes on disk or in an editor.
 */
export class PolicyStore implements vscode.Disposable {
  private readonly cache = new Map<string, LoadedPolicy>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with the policy file's URI when it changed: dependent diagnostics should be recomputed. */
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${POLICY_FILE}`);
    const changed = (uri: vscode.Uri): void => {
      this.cache.delete(uri.toString());
      this.emitter.fire(uri);
    };
    watcher.onDidChange(changed, undefined, this.disposables);
    watcher.onDidCreate(changed, undefined, this.disposables);
    watcher.onDidDelete(changed, undefined, this.disposables);
    this.disposables.push(
      watcher,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (path.basename(e.document.uri.fsPath) === POLICY_FILE && e.contentChanges.length)
          changed(e.document.uri);
      }),
    );
  }

  /** The policy file that governs `uri` (existing or not: the nearest existing, else the workspace folder's). */
  async policyUriFor(uri: vscode.Uri): Promise<vscode.Uri | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const root = folder.uri.fsPath;
    let dir = path.dirname(uri.fsPath);
    for (;;) {
      const candidate = vscode.Uri.file(path.join(dir, POLICY_FILE));
      if (await exists(candidate)) return candidate;
      if (dir === root || !dir.startsWith(root)) break;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return vscode.Uri.joinPath(folder.uri, POLICY_FILE);
  }

  async policyFor(uri: vscode.Uri): Promise<LoadedPolicy> {
    const policyUri = await this.policyUriFor(uri);
    // The policy module (and its schema validator) loads on first use, not at activation.
    const { DEFAULT_POLICY, parsePolicy } = await import('../core/policy.js');
    if (!policyUri || !(await exists(policyUri))) return { policy: DEFAULT_POLICY, problems: [] };
    const key = policyUri.toString();
    const cached = this.cache.get(key);
    if (cached) return cached;
    const text = await readText(policyUri);
    const relative = vscode.workspace.asRelativePath(policyUri, false);
    const { policy, problems } = parsePolicy(text, relative);
    const loaded: LoadedPolicy = { policy, uri: policyUri, problems };
    this.cache.set(key, loaded);
    return loaded;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Text of a file, from its editor when it is open (unsaved edits count), else from disk. */
export async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}
