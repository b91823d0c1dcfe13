import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import { api, codeOf, EXTENSION_ID, file, ours, waitFor } from './helpers';

describe('packaged extension (.vsix installed into code-server)', () => {
  it('is the installed copy, activates and registers its commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    assert.match(ext.extensionPath, /responsible-ml\.responsible-ml-\d/);
    await api();
    assert.ok(ext.isActive);
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of COMMAND_IDS) assert.ok(all.has(id), id);
  });

  it('shows diagnostics for a CSV (the scanner and its worker are in the package)', async () => {
    // The scan worker runs large files in threads from dist/scanThread.js, and decodes a large bzip2 or xz
    // file in dist/decodeThread.js; without them, in one thread.
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    for (const bundle of ['scanWorker.js', 'scanThread.js', 'decodeThread.js'])
      assert.ok(fs.existsSync(path.join(ext.extensionPath, 'dist', bundle)), bundle);
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    await vscode.window.showTextDocument(doc);
    await waitFor('diagnostics', () => ours(doc.uri).some((d) => codeOf(d) === 'privacy/pii-column'));
    const summary = await vscode.commands.executeCommand<{ scanned: number }>('responsibleMl.scanWorkspace');
    assert.ok(summary.scanned >= 2);
  });
});
