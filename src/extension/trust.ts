import * as vscode from 'vscode';

/**
 * Workspace Trust gate for anything that executes: training (built-in or a config's external command), the
 * native backend install, user-defined commands. Diagnostics, hovers and viewing never ask.
 * Returns true when trusted; otherwise explains why the action is refused and offers to manage trust.
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showWarningMessage(
      `Responsible ML: ${action} is disabled in Restricted Mode. A training config can run commands and load code from ` +
        'the workspace, so it only runs in a trusted workspace. Diagnostics and reports keep working.',
      manage,
    )
    .then((choice) => {
      if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}

/** Thrown by commands refused in restricted mode, so callers (and tests) can tell a refusal from a failure. */
export class UntrustedWorkspaceError extends Error {
  constructor(action: string) {
    super(`${action} is disabled in Restricted Mode (the workspace is not trusted).`);
    this.name = 'UntrustedWorkspaceError';
  }
}
