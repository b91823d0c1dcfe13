import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import * as zlib from 'zlib';
import { fixCommand } from '../../../src/cli/commands/fix';
import { UsageError } from '../../../src/cli/command';
import { readTable } from '../../../src/core/data/readTable';
import { encodeCategorical } from '../../../src/core/data/encoded';
import { datasetBias } from '../../../src/core/fairness/datasetBias';
import { toBinaryOutcome } from '../../../src/core/fairness/positives';
import { ADULT_PATH } from './adultData';
import { makeZip } from '../data/readHelpers';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

async function fix(args: string[], cwd: string) {
  const out = capture();
  const err = capture();
  const code = await fixCommand.run(args, { stdout: out.stream, stderr: err.stream, cwd, env: {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

async function readAll(file: string) {
  const rows: (string | undefined)[][] = [];
  let names: string[] = [];
  await readTable(
    [fs.readFileSync(file)],
    {
      header: (h) => (names = h.columns.map((c) => c.name)),
      row: (r) => rows.push(r.values),
      problem: () => {},
    },
    { fileName: file },
  );
  return { names, rows };
}

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('rml fix', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-fix-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reweigh: writes <name>.reweighed.csv beside (part of) Adult, keeps every line, original untouched; weighted parity is 0', async () => {
    // The first 3,000 rows keep this test fast; the invariant on all of Adult is tested on the core function.
    const input = path.join(dir, 'adult.csv');
    fs.writeFileSync(input, fs.readFileSync(ADULT_PATH, 'utf8').split('\n').slice(0, 3001).join('\n') + '\n');
    const before = sha(input);
    const r = await fix(
      ['reweigh', 'adult.csv', '--label', 'income', '--group', 'sex', '--positive', '>50K'],
      dir,
    );
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(sha(input), before, 'the input is never modified');
    assert.match(r.stdout, /Wrote adult\.reweighed\.csv: 3000 rows with a 'weight' column/);
    assert.match(r.stdout, /Female\s+0\.\d{4}\s+0\.\d{4}/);
    const outLines = fs.readFileSync(path.join(dir, 'adult.reweighed.csv'), 'utf8').split('\n');
    const inLines = fs.readFileSync(input, 'utf8').split('\n');
    assert.strictEqual(outLines[0], inLines[0] + ',weight');
    for (let i = 1; i < inLines.length; i++) {
      if (inLines[i] === '') continue;
      assert.ok(
        outLines[i]!.startsWith(inLines[i] + ','),
        `line ${i + 1} is the original line plus a weight`,
      );
    }
    const { names, rows } = await readAll(path.join(dir, 'adult.reweighed.csv'));
    const col = (n: string) => rows.map((row) => row[names.indexOf(n)]);
    const bias = datasetBias({
      label: toBinaryOutcome(col('income'), ['>50K']).outcome,
      attributes: [{ name: 'sex', column: encodeCategorical(col('sex')) }],
      weights: Float64Array.from(col('weight'), Number),
    });
    for (const g of bias.attributes[0]!.groups) assert.ok(Math.abs(g.statisticalParityDifference!) < 1e-9);
    assert.deepStrictEqual(
      fs.readdirSync(dir).sort(),
      ['adult.csv', 'adult.reweighed.csv'],
      'no temporary file left behind',
    );
  });

  it('reweigh: quoted fields survive, several --group columns combine; existing output needs --force', async () => {
    const input = path.join(dir, 'people.csv');
    fs.writeFileSync(
      input,
      'name,sex,race,hired\n"Doe, Jane",F,A,yes\n"say ""hi""",M,B,no\n"two\nlines",F,B,yes\nX,M,A,no\n',
    );
    const r = await fix(
      [
        'reweigh',
        'people.csv',
        '--label',
        'hired',
        '--group',
        'sex',
        '--group',
        'race',
        '--positive',
        'yes',
        '--out',
        'out.csv',
      ],
      dir,
    );
    assert.strictEqual(r.code, 0, r.stderr);
    const { names, rows } = await readAll(path.join(dir, 'out.csv'));
    assert.deepStrictEqual(names, ['name', 'sex', 'race', 'hired', 'weight']);
    assert.deepStrictEqual(
      rows.map((x) => x[0]),
      ['Doe, Jane', 'say "hi"', 'two\nlines', 'X'],
    );
    await assert.rejects(
      fix(
        [
          'reweigh',
          'people.csv',
          '--label',
          'hired',
          '--group',
          'sex',
          '--positive',
          'yes',
          '--out',
          'out.csv',
        ],
        dir,
      ),
      (e: unknown) => e instanceof UsageError && /exists; pass --force/.test(e.message),
    );
    const again = await fix(
      [
        'reweigh',
        'people.csv',
        '--label',
        'hired',
        '--group',
        'sex',
        '--positive',
        'yes',
        '--out',
        'out.csv',
        '--force',
      ],
      dir,
    );
    assert.strictEqual(again.code, 0);
  });

  it('reweigh: JSON keeps value types', async () => {
    const input = path.join(dir, 'd.json');
    fs.writeFileSync(
      input,
      JSON.stringify([
        { age: 30, sex: 'F', y: 1 },
        { age: 40, sex: 'M', y: 0 },
        { age: 50, sex: 'F', y: 0 },
        { age: 60, sex: 'M', y: 1 },
      ]),
    );
    const r = await fix(['reweigh', 'd.json', '--label', 'y', '--group', 'sex'], dir);
    assert.strictEqual(r.code, 0, r.stderr);
    const out = JSON.parse(fs.readFileSync(path.join(dir, 'd.reweighed.json'), 'utf8')) as {
      age: number;
      weight: number;
    }[];
    assert.strictEqual(out[0]!.age, 30);
    assert.strictEqual(out[0]!.weight, 1);
    // Records held in an object: the copy keeps the object and its other keys.
    const records = JSON.parse(fs.readFileSync(input, 'utf8')) as unknown[];
    const wrapped = { schema: { fields: [{ name: 'age' }] }, data: records, version: '1.4.0' };
    fs.writeFileSync(path.join(dir, 'w.json'), JSON.stringify(wrapped, null, 1));
    const w = await fix(['reweigh', 'w.json', '--label', 'y', '--group', 'sex'], dir);
    assert.strictEqual(w.code, 0, w.stderr);
    const copy = JSON.parse(fs.readFileSync(path.join(dir, 'w.reweighed.json'), 'utf8')) as typeof wrapped;
    assert.deepStrictEqual(Object.keys(copy), ['schema', 'data', 'version']);
    assert.deepStrictEqual(copy.schema, wrapped.schema);
    assert.deepStrictEqual(copy.data, out);
  });

  it('reweigh: reads a gzip-compressed file through and writes its copy as plain text; refuses a cut one', async () => {
    const text = 'g,y\nF,Yes\nM,No\nF,No\nM,Yes\nM,Yes\n';
    fs.writeFileSync(path.join(dir, 'a.csv'), text);
    fs.writeFileSync(path.join(dir, 'b.csv.gz'), zlib.gzipSync(text));
    const args = ['--label', 'y', '--group', 'g', '--positive', 'Yes'];
    assert.strictEqual((await fix(['reweigh', 'a.csv', ...args], dir)).code, 0);
    const r = await fix(['reweigh', 'b.csv.gz', ...args], dir);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote b\.reweighed\.csv: 5 rows/);
    assert.strictEqual(
      fs.readFileSync(path.join(dir, 'b.reweighed.csv'), 'utf8'),
      fs.readFileSync(path.join(dir, 'a.reweighed.csv'), 'utf8'),
    );
    // A ZIP archive's file likewise, named by the archive: c.zip holding d.csv gives c.reweighed.csv.
    fs.writeFileSync(path.join(dir, 'c.zip'), makeZip([{ name: 'd.csv', data: Buffer.from(text) }]));
    const z = await fix(['reweigh', 'c.zip', ...args], dir);
    assert.strictEqual(z.code, 0, z.stderr);
    assert.strictEqual(
      fs.readFileSync(path.join(dir, 'c.reweighed.csv'), 'utf8'),
      fs.readFileSync(path.join(dir, 'a.reweighed.csv'), 'utf8'),
    );
    // A table inside an archive of several, named as the audit names it: its copy beside the archive, named
    // after both. The archive named whole is refused: which table is meant cannot be guessed.
    const other = 'g,y\nF,No\n';
    fs.writeFileSync(
      path.join(dir, 'e.zip'),
      makeZip([
        { name: 'other.csv', data: Buffer.from(other) },
        { name: 'f/g.csv', data: Buffer.from(text) },
      ]),
    );
    const m = await fix(['reweigh', 'e.zip/f/g.csv', ...args], dir);
    assert.strictEqual(m.code, 0, m.stderr);
    assert.match(m.stdout, /^Wrote e\.g\.reweighed\.csv: 5 rows/);
    assert.strictEqual(
      fs.readFileSync(path.join(dir, 'e.g.reweighed.csv'), 'utf8'),
      fs.readFileSync(path.join(dir, 'a.reweighed.csv'), 'utf8'),
    );
    await assert.rejects(
      fix(['reweigh', 'e.zip', ...args], dir),
      /e\.zip is a ZIP archive of 2 tables: name the one to read, as e\.zip\/other\.csv \(its tables: other\.csv, f\/g\.csv\)\./,
    );
    await assert.rejects(
      fix(['reweigh', 'e.zip/g.csv', ...args], dir),
      /the ZIP archive e\.zip has no file g\.csv/,
    );
    fs.writeFileSync(path.join(dir, 'cut.csv.gz'), zlib.gzipSync(text).subarray(0, 20));
    await assert.rejects(
      fix(['reweigh', 'cut.csv.gz', ...args], dir),
      /^Error: cut\.csv\.gz: the gzip-compressed data is cut short/,
    );
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), [
      'a.csv',
      'a.reweighed.csv',
      'b.csv.gz',
      'b.reweighed.csv',
      'c.reweighed.csv',
      'c.zip',
      'cut.csv.gz',
      'e.g.reweighed.csv',
      'e.zip',
    ]);
  });

  it('refuses to touch the input, to lose data, and explains label values', async () => {
    const input = path.join(dir, 'a.csv');
    fs.writeFileSync(input, 'g,y\nF,Yes\nM,No\n');
    await assert.rejects(
      fix(['reweigh', 'a.csv', '--label', 'y', '--group', 'g', '--positive', 'Yes', '--out', 'a.csv'], dir),
      /never modifies its input/,
    );
    await assert.rejects(
      fix(['reweigh', 'a.csv', '--label', 'y', '--group', 'g'], dir),
      /values seen are 'No' \(1\), 'Yes' \(1\)\. Name it with --positive/,
    );
    await assert.rejects(
      fix(['reweigh', 'a.csv', '--label', 'income', '--group', 'g'], dir),
      /Label column 'income' is not in a\.csv; its columns are g, y/,
    );
    await assert.rejects(fix(['reweigh', 'a.csv', '--group', 'g'], dir), /needs --label/);
    await assert.rejects(fix(['sanitise', 'a.csv'], dir), /unknown transform 'sanitise'/);
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'g,y\nF,1\nM,0,extra\n');
    await assert.rejects(
      fix(['reweigh', 'bad.csv', '--label', 'y', '--group', 'g'], dir),
      /1 error that a rewritten copy would not preserve; nothing was written:\n\s+bad\.csv:3:1/,
    );
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['a.csv', 'bad.csv']);
  });

  it('thresholds: writes per-group rules and expected metrics as JSON', async () => {
    const rows = ['g,y,s'];
    for (let i = 0; i < 200; i++) {
      const g = i % 2 ? 'A' : 'B';
      const y = (i * 7) % 10 < (g === 'A' ? 5 : 2) ? 1 : 0;
      rows.push(`${g},${y},${((y ? 0.3 : 0) + ((i * 37) % 100) / 150).toFixed(3)}`);
    }
    fs.writeFileSync(path.join(dir, 's.csv'), rows.join('\n') + '\n');
    const args = ['--label', 'y', '--group', 'g', '--score', 's', '--constraint', 'equalized_odds'];
    const r = await fix(['thresholds', 's.csv', ...args], dir);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote s\.thresholds\.json: equalized_odds thresholds for 2 groups/);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 's.thresholds.json'), 'utf8')) as {
      rules: Record<string, unknown>;
      expected: { groups: Record<string, { tpr: number; fpr: number }> };
    };
    assert.deepStrictEqual(Object.keys(doc.rules).sort(), ['A', 'B']);
    assert.ok(Math.abs(doc.expected.groups.A!.tpr - doc.expected.groups.B!.tpr) < 1e-9);
    assert.ok(Math.abs(doc.expected.groups.A!.fpr - doc.expected.groups.B!.fpr) < 1e-9);
    // The same table inside a ZIP archive, named as the audit names it: the same thresholds, beside it.
    fs.writeFileSync(
      path.join(dir, 'scores.zip'),
      makeZip([
        { name: 'README', data: Buffer.from('Scores.\n') },
        { name: 'run/s.csv', data: fs.readFileSync(path.join(dir, 's.csv')) },
      ]),
    );
    const z = await fix(['thresholds', 'scores.zip/run/s.csv', ...args], dir);
    assert.strictEqual(z.code, 0, z.stderr);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, 'scores.s.thresholds.json'), 'utf8')), {
      ...doc,
      file: 'scores.zip/run/s.csv',
    });
    fs.writeFileSync(path.join(dir, 'n.csv'), 'g,y,s\nA,1,0.5\nB,0,high\n');
    await assert.rejects(
      fix(['thresholds', 'n.csv', '--label', 'y', '--group', 'g', '--score', 's'], dir),
      /not a number, first in data row 2 \('high'\)/,
    );
    await assert.rejects(
      fix(
        ['thresholds', 's.csv', '--label', 'y', '--group', 'g', '--score', 's', '--constraint', 'parity'],
        dir,
      ),
      /--constraint must be/,
    );
  });
});
