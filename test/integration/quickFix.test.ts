import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { api, cellRange, codeOf, file, ours, waitFor } from './helpers';

async function emailDiagnostic(doc: vscode.TextDocument): Promise<vscode.Diagnostic> {
  return waitFor('the email diagnostic', () =>
    ours(doc.uri).find((d) => codeOf(d) === 'privacy/pii-column' && d.range.isEqual(cellRange(doc, 0, 1))),
  );
}

async function actionsAt(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    doc.uri,
    range,
  );
}

describe('quick fixes', () => {
  before(async () => {
    await api();
  });

  it('mask writes people.sanitized.csv beside the original, opens it, and leaves the original byte-identical', async () => {
    const original = fs.readFileSync(file('people.csv').fsPath);
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    await vscode.window.showTextDocument(doc);
    const diag = await emailDiagnostic(doc);
    const actions = await actionsAt(doc, diag.range);
    const mask = actions.find((a) => a.title.startsWith('Mask column "email"'));
    assert.ok(mask?.command, `no mask action; got ${actions.map((a) => a.title).join(' | ')}`);
    const out = await vscode.commands.executeCommand<vscode.Uri>(
      mask.command.command,
      ...(mask.command.arguments ?? []),
    );
    assert.strictEqual(out.fsPath, file('people.sanitized.csv').fsPath);
    const copy = fs.readFileSync(out.fsPath, 'utf8');
    assert.ok(!copy.includes('kai.chen0@example.com'), 'the copy still holds an address');
    assert.match(copy.split('\n')[1] ?? '', /\*\*\*/);
    assert.strictEqual(copy.split('\n')[0], 'id,email,phone,age,sex,zip,notes,approved');
    const after = fs.readFileSync(file('people.csv').fsPath);
    if (!after.equals(original)) {
      const a = original.toString('utf8').split('\n');
      const b = after.toString('utf8').split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      assert.fail(
        `the original changed (${original.length} -> ${after.length} bytes), first at line ${i + 1}: ${JSON.stringify(a[i])} -> ${JSON.stringify(b[i])}`,
      );
    }
    await waitFor(
      'the copy to open',
      () => vscode.window.activeTextEditor?.document.uri.fsPath === out.fsPath,
    );
    assert.ok(
      !fs.readdirSync(file('.').fsPath).some((f) => f.endsWith('.tmp')),
      'a temp file was left behind',
    );
  });

  it('pseudonymise is stable (per-workspace key in SecretStorage) and drop removes the column', async () => {
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    const diag = await emailDiagnostic(doc);
    const actions = await actionsAt(doc, diag.range);
    const pseudo = actions.find((a) => /^Pseudonymise .*column "email"/.test(a.title));
    assert.ok(pseudo?.command, `no pseudonymise action; got ${actions.map((a) => a.title).join(' | ')}`);
    const run = async (a: vscode.CodeAction) =>
      vscode.commands.executeCommand<vscode.Uri>(a.command!.command, ...(a.command!.arguments ?? []));
    const first = fs.readFileSync((await run(pseudo)).fsPath, 'utf8');
    const second = fs.readFileSync((await run(pseudo)).fsPath, 'utf8');
    assert.strictEqual(first, second);
    assert.ok(!first.includes('@example.com,'), 'addresses left in the email column');
    const drop = actions.find((a) => a.title.startsWith('Drop column "email"'));
    assert.ok(drop?.command);
    const dropped = fs.readFileSync((await run(drop)).fsPath, 'utf8');
    assert.strictEqual(dropped.split('\n')[0], 'id,phone,age,sex,zip,notes,approved');
  });

  it('"ignore rule for column" writes responsible-ml.json and the diagnostic goes away', async () => {
    const doc = await vscode.workspace.openTextDocument(file('people.csv'));
    await vscode.window.showTextDocument(doc);
    const diag = await emailDiagnostic(doc);
    const ignore = (await actionsAt(doc, diag.range)).find((a) =>
      a.title.startsWith('Ignore privacy/pii-column for column "email"'),
    );
    assert.ok(ignore?.command);
    await vscode.commands.executeCommand(ignore.command.command, ...(ignore.command.arguments ?? []));
    const policy = JSON.parse(fs.readFileSync(file('responsible-ml.json').fsPath, 'utf8')) as {
      ignore: { rule: string; column: string }[];
    };
    assert.deepStrictEqual(policy.ignore, [{ rule: 'privacy/pii-column', column: 'email' }]);
    await waitFor(
      'the ignored diagnostic to go',
      () =>
        !ours(doc.uri).some(
          (d) => codeOf(d) === 'privacy/pii-column' && d.range.isEqual(cellRange(doc, 0, 1)),
        ),
      10_000,
    );
    fs.rmSync(file('responsible-ml.json').fsPath);
  });

  it('declaring a protected attribute and the label edits responsible-ml.json', async () => {
    await vscode.commands.executeCommand('responsibleMl.declareProtected', {
      uri: file('people.csv'),
      column: 'zip',
    });
    await vscode.commands.executeCommand('responsibleMl.declareLabel', {
      uri: file('people.csv'),
      column: 'approved',
    });
    const policy = JSON.parse(fs.readFileSync(file('responsible-ml.json').fsPath, 'utf8')) as {
      protected: string[];
      label: string;
    };
    assert.deepStrictEqual(policy.protected, ['zip']);
    assert.strictEqual(policy.label, 'approved');
    fs.rmSync(file('responsible-ml.json').fsPath);
  });
});
