/**
 * `rml predict` on a run trained here (a real MLP on a 1,500-row Adult subset, through the real training
 * process): the CLI's predictions equal the run's own, through the TypeScript source and through the bundles.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { main } from '../../../src/cli/main';
import { startTraining } from '../../../src/core/training/runnerClient';
import { makeZip } from '../data/readHelpers';
import { fixtures, root, worker, writeConfig } from '../training/smallRun';

const testFile = path.join(fixtures, 'adult-small-test.csv');

async function rml(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd,
    env: {},
  });
  return { code, stdout, stderr };
}

/** row, prediction, score of each line after the header. */
const firstThree = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').slice(0, 3).join(','));

describe('rml predict', function () {
  this.timeout(180_000);
  let dir: string;
  let runDir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-predict-'));
    const config = writeConfig(dir, 'p');
    const session = startTraining({
      ...worker,
      params: { configPath: config, backend: 'wasm' },
      onProgress: () => {},
    });
    const r = await session.result;
    assert.equal(r.state, 'finished', r.message);
    runDir = r.runDir!;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the run's own predictions for its test file, with --keep columns", async () => {
    const out = path.join(dir, 'out.csv');
    const r = await rml(
      ['predict', runDir, testFile, '--backend', 'wasm', '--output', out, '--keep', 'age'],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Wrote \d+ prediction\(s\) to out\.csv/);
    const got = fs.readFileSync(out, 'utf8');
    assert.equal(got.split('\n')[0], 'row,prediction,score,age');
    assert.deepEqual(
      firstThree(got),
      firstThree(fs.readFileSync(path.join(runDir, 'predictions.csv'), 'utf8')),
    );
  });

  it('is a usage error (exit 2) to keep a column the file lacks, and writes nothing', async () => {
    const out = path.join(dir, 'none.csv');
    const r = await rml(
      ['predict', runDir, testFile, '--backend', 'wasm', '--output', out, '--keep', 'nosuch'],
      dir,
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--keep names column\(s\) not in the file: nosuch/);
    assert.ok(!fs.existsSync(out));
  });

  it('reads a table inside a ZIP archive as the audit names it, and writes beside the archive', async () => {
    const train = fs.readFileSync(path.join(fixtures, 'adult-small.csv'));
    fs.writeFileSync(
      path.join(dir, 'adult.zip'),
      makeZip([
        { name: 'train.csv', data: train },
        { name: 'test.csv', data: fs.readFileSync(testFile) },
      ]),
    );
    const r = await rml(['predict', runDir, 'adult.zip/test.csv', '--backend', 'wasm'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Wrote \d+ prediction\(s\) to adult\.test\.predictions\.csv/);
    assert.deepEqual(
      firstThree(fs.readFileSync(path.join(dir, 'adult.test.predictions.csv'), 'utf8')),
      firstThree(fs.readFileSync(path.join(runDir, 'predictions.csv'), 'utf8')),
    );
    // Which table is meant cannot be guessed; nor can a file the archive lacks be read.
    const whole = await rml(['predict', runDir, 'adult.zip', '--backend', 'wasm'], dir);
    assert.equal(whole.code, 2);
    assert.match(
      whole.stderr,
      /adult\.zip is a ZIP archive of 2 tables: name the one to read, as adult\.zip\/train\.csv/,
    );
    const lacking = await rml(['predict', runDir, 'adult.zip/valid.csv', '--backend', 'wasm'], dir);
    assert.equal(lacking.code, 2);
    assert.match(
      lacking.stderr,
      /the ZIP archive adult\.zip has no file valid\.csv \(its tables: train\.csv, test\.csv\)/,
    );
  });

  it('runs from the bundles, and the CLI bundle carries no TensorFlow.js', function () {
    const cli = path.join(root, 'dist/cli.js');
    if (!fs.existsSync(cli)) this.skip(); // `npm test` builds first; a bare mocha run may not have.
    assert.ok(
      !fs.readFileSync(cli, 'utf8').includes('registerKernel'),
      'dist/cli.js holds TensorFlow.js kernels',
    );
    const out = path.join(dir, 'bundled.csv');
    execFileSync(
      process.execPath,
      [path.join(root, 'bin/rml.js'), 'predict', runDir, testFile, '--backend', 'wasm', '--output', out],
      { cwd: dir, stdio: 'pipe' },
    );
    assert.deepEqual(
      firstThree(fs.readFileSync(out, 'utf8')),
      firstThree(fs.readFileSync(path.join(runDir, 'predictions.csv'), 'utf8')),
    );
  });
});
