import { applyPolicyChange, type PolicyChange } from './policyChange';
import * as vscode from 'vscode';
import type { PolicyStore } from './policyStore';
import { exists } from './policyStore';

/**
 * Writes a change into the policy that governs `datasetUri` (creating the file in the workspace folder when
 * there is none). An open policy editor gets a workspace edit (undoable) and is saved; otherwise the file is
 * written whole (small, and the user sees it change).
 */
export async function editPolicy(
  policies: PolicyStore,
  datasetUri: vscode.Uri,
  change: PolicyChange,
): Promise<vscode.Uri> {
  const uri = await policies.policyUriFor(datasetUri);
  if (!uri) throw new Error('Open a workspace folder to keep a policy file (responsible-ml.json).');
  if (!(await exists(uri))) {
    // No $schema needed: contributes.jsonValidation gives completion and validation for this file name.
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(applyPolicyChange('{}\n', change)));
    return uri;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const before = doc.getText();
  const after = applyPolicyChange(before, change);
  if (after === before) return uri;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(before.length)), after);
  await vscode.workspace.applyEdit(edit);
  await doc.save();
  return uri;
}
