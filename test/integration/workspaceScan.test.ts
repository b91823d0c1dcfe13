import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, file, ours } from './helpers';

describe('Scan Workspace Datasets', () => {
  it('scans files that are not open (in the worker) and lists them in the tree with counts', async () => {
    const a = await api();
    const uri = file('adult-sample.csv');
    assert.ok(
      !vscode.workspace.textDocuments.some((d) => d.uri.fsPath === uri.fsPath),
      'adult-sample.csv should not be open',
    );
    const summary = await vscode.commands.executeCommand<{
      scanned: number;
      skipped: unknown[];
      cancelled: boolean;
    }>('responsibleMl.scanWorkspace');
    assert.ok(summary.scanned >= 2, JSON.stringify(summary));
    assert.strictEqual(summary.cancelled, false);
    assert.deepStrictEqual(summary.skipped, []);
    // Each file's report arrives on its own (`rml/fileScanned`), whatever order the files finish in.
    assert.strictEqual(a.services.diagnostics.report(file('people.jsonl'))?.report.format, 'jsonl');
    assert.ok(ours(uri).length > 0, 'no diagnostics for adult-sample.csv');
    const report = a.services.diagnostics.report(uri);
    assert.strictEqual(report?.report.rows, 800);
    const tree = a.services.tree;
    const [datasets] = await tree.getChildren();
    const items = (await tree.getChildren(datasets)).map((n) => tree.getTreeItem(n));
    const item = items.find((i) => i.resourceUri?.fsPath === uri.fsPath);
    assert.ok(item, 'adult-sample.csv not in the tree');
    assert.match(String(item.description), /\d+ errors · \d+ warnings/);
  });
});
