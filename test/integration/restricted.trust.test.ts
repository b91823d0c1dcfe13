import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { api, codeOf, file, ours, waitFor } from './helpers';

describe('restricted mode (untrusted workspace)', () => {
  before(async () => {
    await api();
  });

  it('the workspace is not trusted in this launch', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
  });

  it('diagnostics still work', async () => {
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    await vscode.window.showTextDocument(doc);
    await waitFor('diagnostics', () => ours(doc.uri).some((d) => codeOf(d) === 'privacy/pii-column'));
  });

  it('Train Model is refused with an explanation and starts nothing', async () => {
    const outcome = await vscode.commands.executeCommand<{ state: string; reason?: string }>(
      'responsibleMl.trainModel',
      file('small.train.json'),
    );
    assert.deepStrictEqual([outcome.state, outcome.reason], ['refused', 'untrusted']);
    assert.strictEqual(fs.existsSync(file('runs').fsPath), false, 'a run folder was created');
  });

  it('installing the native backend is refused', async () => {
    assert.strictEqual(
      await vscode.commands.executeCommand('responsibleMl.installNativeBackend', 'cpu'),
      false,
    );
  });
});
