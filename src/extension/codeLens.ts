import * as vscode from 'vscode';
import { parseTree } from 'jsonc-parser';

/** "Train · Validate" above a training config's opening brace. */
export class TrainConfigCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const root = parseTree(doc.getText());
    const at = doc.positionAt(root?.offset ?? 0);
    const range = new vscode.Range(at, at);
    return [
      new vscode.CodeLens(range, {
        title: '$(play) Train',
        command: 'responsibleMl.trainModel',
        arguments: [doc.uri],
        tooltip: 'Train a model from this config',
      }),
      new vscode.CodeLens(range, {
        title: 'Validate',
        command: 'responsibleMl.validateConfig',
        arguments: [doc.uri],
        tooltip: 'Check this config and the data it names',
      }),
    ];
  }
}
