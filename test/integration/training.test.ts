import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, file, recordMetric, waitFor } from './helpers';

interface Outcome {
  state: string;
  runDir?: string;
  message?: string;
}

describe('training from the editor', () => {
  before(async () => {
    await api();
  });

  it('Train Model on a small config finishes and creates its run folder', async () => {
    const outcome = await vscode.commands.executeCommand<Outcome>(
      'responsibleMl.trainModel',
      file('small.train.json'),
    );
    assert.strictEqual(outcome.state, 'finished', outcome.message);
    assert.ok(outcome.runDir);
    assert.strictEqual(path.dirname(path.dirname(outcome.runDir)), file('runs').fsPath);
    for (const f of ['metrics.jsonl', 'status.json', path.join('model', 'model.json')]) {
      assert.ok(fs.existsSync(path.join(outcome.runDir, f)), `${f} missing`);
    }
    const status = JSON.parse(fs.readFileSync(path.join(outcome.runDir, 'status.json'), 'utf8')) as {
      state: string;
    };
    assert.strictEqual(status.state, 'finished');
    const epochs = fs
      .readFileSync(path.join(outcome.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.includes('epoch'));
    assert.ok(epochs.length >= 1);
  });

  it('Stop Training cancels a running run, which records that it was cancelled', async () => {
    const running = vscode.commands.executeCommand<Outcome>(
      'responsibleMl.trainModel',
      file('slow.train.json'),
    );
    const a = await api();
    const runDir = await waitFor('the run to start', () => [...a.services.training.runningDirs()][0], 60_000);
    await waitFor(
      'a first metrics line',
      () =>
        fs.existsSync(path.join(runDir, 'metrics.jsonl')) &&
        fs.statSync(path.join(runDir, 'metrics.jsonl')).size > 0,
      60_000,
    );
    const stopped = await vscode.commands.executeCommand<boolean>(
      'responsibleMl.stopTraining',
      file('slow.train.json'),
    );
    assert.strictEqual(stopped, true);
    const t0 = Date.now();
    const outcome = await running;
    recordMetric('Stop Training -> run ended (ms)', Date.now() - t0);
    assert.strictEqual(outcome.state, 'cancelled', outcome.message);
    assert.ok(Date.now() - t0 < 15_000, 'took too long to stop');
    const status = JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8')) as { state: string };
    assert.strictEqual(status.state, 'cancelled');
    assert.strictEqual(a.services.training.isTraining(), false);
  });
});
