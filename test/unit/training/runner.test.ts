/**
 * End-to-end training through the real child process: the worker is the TypeScript source run by tsx
 * (`--require tsx/cjs`), so the test does not depend on a fresh `dist/` build; `rml train` uses the bundled
 * `dist/trainWorker.js` the same way. Each case trains a real MLP on a real 1,500-row Adult subset.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { selectBackend } from '../../../src/core/training/backends/select';
import { loadTable } from '../../../src/core/training/loadTable';
import { loadPredictor } from '../../../src/core/training/predictor';
import { startTraining, type StartTrainingOptions } from '../../../src/core/training/runnerClient';
import type { RunStatus } from '../../../src/core/training/runFolder';
import type { RunAudit } from '../../../src/core/training/runTraining';
import type { TrainProgress } from '../../../src/protocol/training';
import { makeZip } from '../data/readHelpers';
import { fixtures, worker, writeConfig } from './smallRun';

function start(configPath: string, o: Partial<StartTrainingOptions> = {}) {
  const events: TrainProgress[] = [];
  const session = startTraining({
    ...worker,
    params: { configPath, backend: 'wasm', batchReportIntervalMs: 0 },
    onProgress: (p) => events.push(p),
    ...o,
  });
  return { session, events };
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const epochLines = (runDir: string) =>
  fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"epoch"'));

/** Points the config at another training file. */
function withTrainFile(file: string, train: string): string {
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { data: { train: string } };
  config.data.train = train;
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('training runner (child process)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-train-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains end to end, gates the e-mail column, audits by sex with threshold mitigation, and a reloaded model reproduces its predictions exactly', async () => {
    const config = writeConfig(dir, 'full', {
      fairness: { mitigation: 'threshold', constraint: 'demographic_parity' },
    });
    const { session, events } = start(config);
    const r = await session.result;
    assert.equal(r.state, 'finished', r.message);
    assert.ok(r.runDir && r.runDir.startsWith(path.join(dir, 'runs', 'full')));
    const runDir = r.runDir;
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'model/model.json',
      'model/weights.bin',
      'preprocess.json',
      'predictions.csv',
      'thresholds.json',
      'audit.json',
      'report.md',
    ]) {
      assert.ok(fs.existsSync(path.join(runDir, f)), `${f} written`);
    }
    assert.equal(readJson<RunStatus>(path.join(runDir, 'status.json')).state, 'finished');
    assert.equal(epochLines(runDir).length, 4);
    assert.ok(events.some((e) => e.type === 'batch'));
    assert.deepEqual(
      events.filter((e) => e.type === 'epoch').map((e) => (e.type === 'epoch' ? e.record.epoch : 0)),
      [1, 2, 3, 4],
    );
    assert.ok(r.heldOut && r.heldOut.split === 'test' && r.heldOut.rows === 800);
    assert.ok(r.heldOut.value > 0.78, `test accuracy ${r.heldOut.value}`);

    const audit = readJson<RunAudit>(path.join(runDir, 'audit.json'));
    assert.equal(audit.training.backend.name, 'wasm');
    assert.ok(!audit.data.features.includes('contact_email'));
    assert.deepEqual(
      audit.privacy.gate.map((d) => [d.column, d.decision]),
      [['contact_email', 'excluded']],
    );
    const fairness = audit.fairness;
    assert.ok(fairness?.after, 'threshold mitigation audited after');
    assert.deepEqual(Object.keys(fairness.before.groups.sex ?? {}).sort(), ['Female', 'Male']);
    // Fitted to demographic parity on validation; on test the selection-rate gap should not grow.
    const dp = (a: typeof fairness.before) => a.disparities.sex!.demographicParityDifference!;
    assert.ok(
      dp(fairness.after) <= dp(fairness.before) + 0.02,
      `${dp(fairness.before)} -> ${dp(fairness.after)}`,
    );
    const everything = fs
      .readdirSync(runDir)
      .filter((f) => f.endsWith('.json') || f.endsWith('.md') || f.endsWith('.jsonl') || f.endsWith('.csv'));
    for (const f of everything)
      assert.ok(
        !fs.readFileSync(path.join(runDir, f), 'utf8').includes('@example.com'),
        `${f} leaks no e-mail address`,
      );

    // Reload in this process and predict the test file: the scores equal the run's own, bit for bit.
    await selectBackend('wasm');
    const predictor = await loadPredictor({
      model: {
        modelJson: fs.readFileSync(path.join(runDir, 'model/model.json'), 'utf8'),
        weights: fs.readFileSync(path.join(runDir, 'model/weights.bin')),
      },
      preprocess: fs.readFileSync(path.join(runDir, 'preprocess.json'), 'utf8'),
    });
    const test = await loadTable(
      [fs.readFileSync(path.join(fixtures, 'adult-small-test.csv'))],
      'adult-small-test.csv',
    );
    const p = await predictor.predict(test.table);
    predictor.dispose();
    const saved = fs.readFileSync(path.join(runDir, 'predictions.csv'), 'utf8').trim().split('\n').slice(1);
    assert.equal(saved.length, p.rows.length);
    saved.forEach((line, i) => {
      const [row, , score] = line.split(',');
      assert.equal(Number(row), test.table.rowNumbers[p.rows[i]!]);
      assert.equal(Number(score), p.scores[i], `row ${row}`);
    });
  });

  it('cancels mid-epoch within one batch and keeps what it recorded', async () => {
    const config = writeConfig(dir, 'cancel', {
      training: { epochs: 50, batchSize: 32, seed: 1, backend: 'wasm', earlyStopping: false },
    });
    let cancelledAt: { epoch: number; batch: number } | null = null;
    const { session, events } = start(config, {
      onProgress: (p) => {
        events.push(p);
        if (p.type === 'batch' && p.epoch === 2 && p.batch >= 5 && !cancelledAt) {
          cancelledAt = { epoch: p.epoch, batch: p.batch };
          session.cancel();
        }
      },
    });
    const r = await session.result;
    assert.equal(r.state, 'cancelled', r.message);
    assert.ok(cancelledAt);
    const batchesAfter = events.filter(
      (e) => e.type === 'batch' && e.epoch === 2 && e.batch > cancelledAt!.batch,
    ).length;
    // The loop stops after the batch during which the cancel arrives (trainLoop.test checks it to the batch);
    // here the IPC round trip adds the batches run while the cancel was in flight.
    assert.ok(batchesAfter <= 10, `${batchesAfter} batches ran after the cancel`);
    assert.ok(!events.some((e) => e.type === 'epoch' && e.record.epoch === 2), 'epoch 2 did not complete');
    const status = readJson<RunStatus>(path.join(r.runDir!, 'status.json'));
    assert.equal(status.state, 'cancelled');
    assert.equal(status.epochsCompleted, 1);
    assert.match(status.message ?? '', /Cancelled during epoch 2/);
    assert.equal(epochLines(r.runDir!).length, 1);
    assert.ok(!fs.existsSync(path.join(r.runDir!, 'model/model.json')));
  });

  it('falls back to killing a worker that does not stop in time, and records the run as cancelled', async () => {
    const config = writeConfig(dir, 'hardkill', {
      training: { epochs: 50, batchSize: 32, seed: 1, backend: 'wasm', earlyStopping: false },
    });
    const { session } = start(config, {
      cancelGraceMs: 500,
      onProgress: (p) => {
        if (p.type === 'epoch' && p.record.epoch === 1) {
          // A hung worker: stopped, it cannot finish its batch nor answer the cancel.
          session.process.kill('SIGSTOP');
          session.cancel();
        }
      },
    });
    const r = await session.result;
    assert.equal(r.state, 'cancelled');
    assert.match(r.message ?? '', /did not stop in time and was killed/);
    const status = readJson<RunStatus>(path.join(r.runDir!, 'status.json'));
    assert.equal(status.state, 'cancelled');
    assert.equal(status.crashed, true);
    assert.ok(status.epochsCompleted >= 1);
  });

  it('a crashed run (worker killed) keeps its metrics and says it crashed', async () => {
    const config = writeConfig(dir, 'crash', {
      training: { epochs: 50, batchSize: 64, seed: 1, backend: 'wasm', earlyStopping: false },
    });
    const { session } = start(config, {
      onProgress: (p) => {
        if (p.type === 'epoch' && p.record.epoch === 2) session.process.kill('SIGKILL');
      },
    });
    const r = await session.result;
    assert.equal(r.state, 'failed');
    assert.match(r.message ?? '', /exited unexpectedly \(signal SIGKILL\)/);
    const status = readJson<RunStatus>(path.join(r.runDir!, 'status.json'));
    assert.equal(status.state, 'failed');
    assert.equal(status.crashed, true);
    assert.ok(status.epochsCompleted >= 2);
    assert.equal(epochLines(r.runDir!).length, status.epochsCompleted);
    assert.ok(fs.readdirSync(r.runDir!).every((f) => !f.endsWith('.tmp')));
  });

  it('rejects an invalid config with positioned errors and creates no run folder', async () => {
    const file = path.join(dir, 'bad.train.json');
    fs.writeFileSync(
      file,
      '{\n  "name": "bad",\n  "data": { "train": "x.csv", "label": "y" },\n  "model": { "type": "forest" }\n}\n',
    );
    const { session } = start(file);
    const r = await session.result;
    assert.equal(r.state, 'failed');
    assert.equal(r.runDir, null);
    assert.deepEqual(r.configProblems, [`${file}:4:22: model.type must be one of "logistic", "mlp".`]);
  });

  it('trains on gzip-compressed data, read through', async () => {
    const gz = path.join(dir, 'adult.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(path.join(fixtures, 'adult-small.csv'))));
    const file = withTrainFile(writeConfig(dir, 'gzipped'), gz);
    const r = await start(file).session.result;
    assert.equal(r.state, 'finished', r.message);
    assert.equal(epochLines(r.runDir!).length, 4);
    assert.ok(r.heldOut && r.heldOut.value > 0.78, `test accuracy ${r.heldOut?.value}`);
  });

  it('trains on a table inside a ZIP archive named as the audit names it; refuses an archive of several tables named whole, or a file it lacks', async () => {
    const train = fs.readFileSync(path.join(fixtures, 'adult-small.csv'));
    const test = fs.readFileSync(path.join(fixtures, 'adult-small-test.csv'));
    // The test table first: an archive read as it streams would train on it.
    fs.writeFileSync(
      path.join(dir, 'kaggle.zip'),
      makeZip([
        { name: 'README.txt', data: Buffer.from('Adult, a subset.\n') },
        { name: 'adult/test.csv', data: test },
        { name: 'adult/train.csv', data: train },
      ]),
    );
    const file = withTrainFile(writeConfig(dir, 'zipped'), 'kaggle.zip/adult/train.csv');
    const { session, events } = start(file);
    const r = await session.result;
    assert.equal(r.state, 'finished', r.message);
    assert.ok(r.heldOut && r.heldOut.value > 0.78, `test accuracy ${r.heldOut?.value}`);
    const { data } = readJson<RunAudit>(path.join(r.runDir!, 'audit.json'));
    const read = data.rows.train + data.rows.validation + data.droppedMissing + data.duplicatesDropped;
    assert.equal(read, train.toString().trim().split('\n').length - 1);
    // The archive's note is information, not a warning.
    assert.ok(
      events.some(
        (e) => e.type === 'log' && e.level === 'info' && /file adult\/train\.csv was read/.test(e.message),
      ),
    );

    const cases: [string, string][] = [
      [
        'kaggle.zip',
        'kaggle.zip is a ZIP archive of 2 tables: name the one to read, as kaggle.zip/adult/test.csv (its tables: adult/test.csv, adult/train.csv).',
      ],
      [
        'kaggle.zip/train.csv',
        'kaggle.zip/train.csv: the ZIP archive kaggle.zip has no file train.csv (its tables: adult/test.csv, adult/train.csv).',
      ],
    ];
    for (const [data, message] of cases) {
      const f = withTrainFile(writeConfig(dir, data.replace(/\W/g, '-')), data);
      const failed = await start(f).session.result;
      assert.equal(failed.state, 'failed');
      assert.equal(failed.message, message);
    }
  });

  it('fails on training data that is not a table, or cut short, saying why, in the run folder too', async () => {
    const book = path.join(dir, 'adult.xlsx');
    fs.writeFileSync(book, Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(2000, 7)]));
    const whole = zlib.gzipSync(fs.readFileSync(path.join(fixtures, 'adult-small.csv')));
    const cut = path.join(dir, 'cut.csv.gz');
    fs.writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    const cases: [string, RegExp][] = [
      [book, /adult\.xlsx could not be read: The file is an Excel workbook, not CSV/],
      // Half the rows would train a model that seems fine: the run fails instead.
      [cut, /cut\.csv\.gz could not be read whole: The gzip-compressed data is cut short/],
    ];
    for (const [data, message] of cases) {
      const file = withTrainFile(writeConfig(dir, path.basename(data).replace(/\W/g, '-')), data);
      const r = await start(file).session.result;
      assert.equal(r.state, 'failed');
      assert.match(r.message ?? '', message);
      // The run folder keeps what failed and why.
      const status = readJson<RunStatus>(path.join(r.runDir!, 'status.json'));
      assert.equal(status.state, 'failed');
      assert.match(status.message ?? '', message);
    }
  });

  it('runs an external command, streams its metrics and audits its predictions file', async () => {
    const script = path.join(dir, 'external.js');
    fs.writeFileSync(
      script,
      `const fs = require('fs');
for (let e = 1; e <= 3; e++) fs.appendFileSync(process.env.RML_METRICS_FILE, JSON.stringify({ epoch: e, loss: 1 / e }) + '\\n');
const rows = ['prediction,score,income,sex', '>50K,0.9,>50K,Male', '<=50K,0.2,<=50K,Female', '>50K,0.7,<=50K,Female', '<=50K,0.1,>50K,Male'];
fs.writeFileSync(process.env.RML_PREDICTIONS_FILE, rows.join('\\n') + '\\n');
console.log('done in', process.env.RML_RUN_DIR === process.cwd() ? 'run dir' : 'cwd');`,
    );
    const config = writeConfig(dir, 'external', {
      command: [process.execPath, script],
      cwd: '.',
      env: { EXTRA: '1' },
    });
    const { session, events } = start(config);
    const r = await session.result;
    assert.equal(r.state, 'finished', r.message);
    assert.equal(r.epochs, 3);
    assert.equal(events.filter((e) => e.type === 'epoch').length, 3);
    assert.ok(events.some((e) => e.type === 'log' && e.message.startsWith('done in')));
    const audit = readJson<{
      performance: { accuracy: number };
      fairness: {
        before: RunAudit['fairness'] extends infer F ? (F extends { before: infer B } ? B : never) : never;
      };
    }>(path.join(r.runDir!, 'audit.json'));
    assert.equal(audit.performance.accuracy, 0.5);
    assert.equal(audit.fairness.before.groups.sex!.Female!.n, 2);
  });
});
