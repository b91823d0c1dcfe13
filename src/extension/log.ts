import * as vscode from 'vscode';

/**
 * The extension's one log output channel ("Responsible ML"). A log channel gives levels and timestamps for
 * free and lets the user pick the level. Nothing logged here may contain a full detected personal value:
 * callers log file names, rule ids and counts, and findings only through their (masked) messages.
 */
let channel: vscode.LogOutputChannel | undefined;

export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Responsible ML', { log: true });
  return channel;
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
