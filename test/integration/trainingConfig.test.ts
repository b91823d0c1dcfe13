import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { makeZip } from '../unit/data/makeZip';
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
    assert.ok(
      onForest,
      `nothing at "forest": ${diags.map((d) => `${d.range.start.line}:${d.range.start.character} ${d.message}`).join(' | ')}`,
    );
    assert.match(onForest.message, /logistic/);
    assert.match(codeOf(onForest), /^train-config\//);
    assert.strictEqual(onForest.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(
      diags.some((d) => d.range.contains(epochs)),
      'nothing at training.epochs',
    );
  });

  it('"Train" on an invalid config is refused and starts nothing', async () => {
    const outcome = await vscode.commands.executeCommand<{ state: string; reason?: string }>(
      'responsibleMl.trainModel',
      file('invalid.train.json'),
    );
    assert.strictEqual(outcome.state, 'refused');
    assert.strictEqual(outcome.reason, 'invalid');
  });

  it('a CodeLens offers Train and Validate above a config', async () => {
    // The CodeLens command needs the document's model, i.e. an opened document.
    await vscode.workspace.openTextDocument(file('small.train.json'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      file('small.train.json'),
    );
    assert.deepStrictEqual(lenses.map((l) => l.command?.command).sort(), [
      'responsibleMl.trainModel',
      'responsibleMl.validateConfig',
    ]);
  });

  it('"Create training config from this dataset" scaffolds a valid config beside it (label chosen)', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>(
      'responsibleMl.createTrainingConfig',
      file('people.csv'),
      'approved',
    );
    assert.strictEqual(uri.fsPath, file('people.train.json').fsPath);
    const config = JSON.parse(fs.readFileSync(uri.fsPath, 'utf8')) as {
      data: { train: string; label: string; features?: { exclude?: string[] } };
      protected?: string[];
    };
    assert.deepStrictEqual([config.data.train, config.data.label], ['./people.csv', 'approved']);
    assert.ok(config.data.features?.exclude?.includes('email'), 'email is not excluded');
    const findings = await vscode.commands.executeCommand<{ severity: string; rule: string }[]>(
      'responsibleMl.validateConfig',
      uri,
    );
    assert.deepStrictEqual(
      findings.filter((f) => f.severity === 'error'),
      [],
    );
    fs.rmSync(uri.fsPath);
  });

  it('the gate says which direct-identifier columns a config would train on', async () => {
    const cfg = file('gate.train.json');
    fs.writeFileSync(
      cfg.fsPath,
      JSON.stringify({ name: 'gate', data: { train: './people.csv', label: 'approved' } }, null, 2),
    );
    const findings = await vscode.commands.executeCommand<
      { severity: string; rule: string; message: string }[]
    >('responsibleMl.validateConfig', cfg);
    const gate = findings.filter((f) => f.rule === 'train-config/privacy-gate');
    assert.ok(
      gate.some((f) => f.message.includes('"email"') && f.severity === 'warning'),
      JSON.stringify(findings),
    );
    fs.rmSync(cfg.fsPath);
  });

  it('data.train may name a table inside a ZIP archive; the archive whole, when it holds several, is an error', async () => {
    const people = fs.readFileSync(file('people.csv').fsPath);
    const zip = file('people.zip').fsPath;
    fs.writeFileSync(
      zip,
      makeZip([
        { name: 'README.txt', data: Buffer.from('People, made up.\n') },
        { name: 'old/people.csv', data: Buffer.from('id,approved\n1,yes\n') },
        { name: 'people.csv', data: people },
      ]),
    );
    // A config file each: an open document of one rewritten on disk would be read as it was.
    const configs: string[] = [];
    const validate = async (train: string) => {
      const cfg = file(`zipped${configs.length}.train.json`);
      configs.push(cfg.fsPath);
      fs.writeFileSync(cfg.fsPath, JSON.stringify({ name: 'zipped', data: { train, label: 'approved' } }));
      return vscode.commands.executeCommand<{ severity: string; rule: string; message: string }[]>(
        'responsibleMl.validateConfig',
        cfg,
      );
    };
    try {
      // The gate read the archive's people.csv, not its first table: it found the e-mail column.
      const inside = await validate('./people.zip/people.csv');
      assert.deepStrictEqual(
        inside.filter((f) => f.severity === 'error'),
        [],
      );
      assert.ok(
        inside.some((f) => f.rule === 'train-config/privacy-gate' && f.message.includes('"email"')),
        JSON.stringify(inside),
      );
      const whole = await validate('./people.zip');
      assert.deepStrictEqual(
        whole.filter((f) => f.severity === 'error').map((f) => [f.rule, f.message]),
        [
          [
            'train-config/missing-file',
            'data.train: ./people.zip is a ZIP archive of 2 tables: name the one to read, as ./people.zip/old/people.csv (its tables: old/people.csv, people.csv).',
          ],
        ],
      );
      const lacking = await validate('./people.zip/nobody.csv');
      assert.deepStrictEqual(
        lacking.filter((f) => f.severity === 'error').map((f) => f.message),
        [
          'data.train: ./people.zip/nobody.csv: the ZIP archive ./people.zip has no file nobody.csv (its tables: old/people.csv, people.csv).',
        ],
      );
    } finally {
      for (const c of configs) fs.rmSync(c, { force: true });
      fs.rmSync(zip, { force: true });
    }
  });

  it("the rml task provider offers a train task per config, running the CLI with the host's Node", async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'rml' });
    const small = tasks.find((t) => (t.definition as { config?: string }).config === 'small.train.json');
    assert.ok(small, `no task for small.train.json: ${tasks.map((t) => t.name).join(', ')}`);
    assert.strictEqual(small.source, 'rml');
    const exec = small.execution as vscode.ProcessExecution;
    assert.ok(
      exec.args.some((a) => a.endsWith('dist/launch.js')) && exec.args.includes('train'),
      exec.args.join(' '),
    );
  });

  it('the train task runs the training to the end and leaves its run folder', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'rml' });
    const small = tasks.find((t) => (t.definition as { config?: string }).config === 'small.train.json');
    assert.ok(small);
    const runs = path.join(file('runs').fsPath, 'small');
    const list = () => (fs.existsSync(runs) ? fs.readdirSync(runs) : []);
    const before = new Set(list());
    const ended = new Promise<number | undefined>((resolve) => {
      const listener = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.definition === small.definition) {
          listener.dispose();
          resolve(e.exitCode);
        }
      });
    });
    await vscode.tasks.executeTask(small);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the task did not end within 180 s')), 180_000);
    });
    const code = await Promise.race([ended, timeout]).finally(() => clearTimeout(timer));
    assert.strictEqual(code, 0);
    const added = list().filter((d) => !before.has(d));
    assert.strictEqual(added.length, 1, `new run folders: ${added.join(', ')}`);
    const status = JSON.parse(fs.readFileSync(path.join(runs, added[0]!, 'status.json'), 'utf8')) as {
      state: string;
    };
    assert.strictEqual(status.state, 'finished');
  });
});
