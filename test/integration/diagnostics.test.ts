import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { api, cellRange, codeOf, file, ours, waitFor } from './helpers';

describe('dataset diagnostics', () => {
  before(async () => {
    await api();
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('opening a CSV shows a personal-data diagnostic on the email header, linked to the rule docs', async () => {
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor('diagnostics on people.csv', () => {
      const d = ours(doc.uri);
      return d.length > 0 && d;
    });
    const email = diags.find(
      (d) => codeOf(d) === 'privacy/pii-column' && d.range.isEqual(cellRange(doc, 0, 1)),
    );
    assert.ok(
      email,
      `no privacy/pii-column at the email header; got ${diags.map((d) => `${codeOf(d)}@${d.range.start.line}:${d.range.start.character}`).join(', ')}`,
    );
    assert.strictEqual(email.severity <= vscode.DiagnosticSeverity.Warning, true);
    const target = typeof email.code === 'object' ? email.code.target.toString() : '';
    assert.match(target, /docs\/rules\.md#privacy-pii-column$/);
    // No full personal value in any message.
    for (const d of diags)
      assert.ok(!/[a-z]+\.[a-z]+\d+@example\.com/.test(d.message), `leaks a value: ${d.message}`);
    // The e-mail inside free text is found at its cell (row 8, the notes column).
    const cell = diags.find((d) => codeOf(d) === 'privacy/pii-cell');
    assert.ok(cell, 'no privacy/pii-cell finding');
    assert.ok(
      cellRange(doc, 8, 6).contains(cell.range),
      `pii-cell at ${cell.range.start.line}:${cell.range.start.character}`,
    );
  });

  it('hovering the header shows the column profile and its findings', async () => {
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    await vscode.window.showTextDocument(doc);
    await waitFor('diagnostics', () => ours(doc.uri).length > 0);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(0, 8),
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
      .join('\n');
    assert.match(text, /\*\*email\*\*/);
    assert.match(text, /distinct/);
    assert.match(text, /EMAIL_ADDRESS/);
  });

  it('re-scans on change (debounced) and clears what was fixed', async () => {
    // A copy, so that no other suite sees the edit even if it were saved.
    fs.copyFileSync(file('people.csv').fsPath, file('people-edit.csv').fsPath);
    const doc = await vscode.workspace.openTextDocument(file('people-edit.csv'));
    const editor = await vscode.window.showTextDocument(doc);
    await waitFor('diagnostics', () => ours(doc.uri).some((d) => codeOf(d) === 'privacy/pii-cell'));
    // Remove the e-mail address from the free-text cell of row 8.
    const line = doc.lineAt(8);
    const at = line.text.indexOf('asked to email');
    assert.ok(at > 0);
    await editor.edit((e) =>
      e.replace(new vscode.Range(8, at, 8, line.text.lastIndexOf(',')), 'asked for a call'),
    );
    await waitFor(
      'pii-cell to disappear',
      () => !ours(doc.uri).some((d) => codeOf(d) === 'privacy/pii-cell'),
      10_000,
    );
    assert.ok(ours(doc.uri).some((d) => codeOf(d) === 'privacy/pii-column'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    fs.rmSync(file('people-edit.csv').fsPath);
  });

  it('JSON Lines: diagnostics at the key, hover on a key, also named .json; a JSON object file is not a dataset', async () => {
    const doc = await vscode.workspace.openTextDocument(file('people.jsonl'));
    await vscode.window.showTextDocument(doc);
    const diag = await waitFor('a pii-column diagnostic in people.jsonl', () =>
      ours(doc.uri).find((d) => codeOf(d) === 'privacy/pii-column'),
    );
    assert.strictEqual(doc.getText(diag.range).replace(/"/g, ''), 'email');
    const keyAt = doc.positionAt(doc.getText().indexOf('"email"') + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      keyAt,
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
      .join('\n');
    assert.match(text, /\*\*email\*\*/);
    // JSON Lines under a .json name (Hugging Face's to_json) is a dataset too, read as JSON Lines.
    const lines = await vscode.workspace.openTextDocument(file('people-lines.json'));
    await vscode.window.showTextDocument(lines);
    const linesDiag = await waitFor('a pii-column diagnostic in people-lines.json', () =>
      ours(lines.uri).find((d) => codeOf(d) === 'privacy/pii-column'),
    );
    assert.strictEqual(lines.getText(linesDiag.range).replace(/"/g, ''), 'email');
    const config = await vscode.workspace.openTextDocument(file('settings-like.json'));
    await vscode.window.showTextDocument(config);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepStrictEqual(ours(config.uri), []);
  });
});
