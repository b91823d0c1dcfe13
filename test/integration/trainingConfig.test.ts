import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, codeOf, file, waitFor } from './helpers';

describe('training config diagnostics', () => {
  before(async () => {
    await api();
  });

  it('an invalid config shows positioned errors', async () => {
    const doc = await vscode.workspace.openTextDocument(file('invalid.train.json'));
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor('config diagnostics', () => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'Responsible ML');
      return d.length >= 2 && d;
    });
    const text = doc.getText();
    const forest = doc.positionAt(text.indexOf('"forest"'));
    const epochs = doc.positionAt(text.indexOf('0 }'));
    const onForest = diags.find((d) => d.range.contains(forest));
    assert.ok(onForest, `nothing at "forest": ${diags.map((d) => `${d.range.start.line}:${d.range.start.character} ${d.message}`).join(' | ')}`);
    assert.match(onForest.message, /logistic/);
    assert.match(codeOf(onForest), /^train-config\//);
    assert.strictEqual(onForest.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(diags.some((d) => d.range.contains(epochs)), 'nothing at training.epochs');
  });

  it('"Train" on an invalid config is refused and starts nothing', async () => {
    const outcome = await vscode.commands.executeCommand<{ state: string; reason?: string }>('responsibleMl.trainModel', file('invalid.train.json'));
    assert.strictEqual(outcome.state, 'refused');
    assert.strictEqual(outcome.reason, 'invalid');
  });

  it('a CodeLens offers Train and Validate above a config', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', file('small.train.json'));
    assert.deepStrictEqual(lenses.map((l) => l.command?.command).sort(), ['responsibleMl.trainModel', 'responsibleMl.validateConfig']);
  });
});
