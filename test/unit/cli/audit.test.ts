import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import { gzipSync } from 'zlib';
import { progressLine } from '../../../src/cli/commands/audit';
import { main } from '../../../src/cli/main';
import { scanDataset } from '../../../src/core/scan';
import { makeZip } from '../data/readHelpers';
import { makeTar } from '../data/makeTar';

const fixture = path.resolve(__dirname, '../../fixtures/scan/customers.csv');

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  }) as Writable & { isTTY?: boolean };
  return { stream, text: () => text };
}

async function rml(args: string[], cwd = path.dirname(fixture), stdin?: NodeJS.ReadableStream) {
  const out = capture();
  const err = capture();
  const code = await main(args, {
    stdout: out.stream,
    stderr: err.stream,
    cwd,
    env: {},
    ...(stdin ? { stdin } : {}),
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('rml audit', () => {
  const temps: string[] = [];
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  it('prints grouped text findings and exits 0 without --fail-on', async () => {
    const r = await rml(['audit', 'customers.csv']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /customers\.csv — 6 rows × 10 columns \(csv\)/);
    assert.match(r.stdout, /privacy\/pii-column/);
    assert.ok(!r.stdout.includes('alice.johnson@example.com'));
    assert.ok(!r.stdout.includes('\u001b['), 'no colour when not a terminal');
  });

  it('exits 1 when a finding reaches --fail-on', async () => {
    const r = await rml(['audit', 'customers.csv', '--fail-on', 'warning', '--format', 'json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { rows: number; findings: { severity: string }[] };
    assert.equal(report.rows, 6);
    assert.ok(report.findings.some((f) => f.severity === 'warning' || f.severity === 'error'));
  });

  it('writes SARIF 2.1.0 with physical locations and regions', async () => {
    const r = await rml(['audit', 'customers.csv', '--format', 'sarif']);
    assert.equal(r.code, 0, r.stderr);
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: {
          ruleId: string;
          ruleIndex: number;
          locations: {
            physicalLocation: {
              artifactLocation: { uri: string };
              region: { startLine: number; startColumn: number; endColumn: number };
            };
          }[];
        }[];
      }[];
    };
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0]!;
    assert.ok(run.results.length > 0);
    for (const res of run.results) {
      assert.equal(run.tool.driver.rules[res.ruleIndex]?.id, res.ruleId);
      const loc = res.locations[0]!.physicalLocation;
      assert.equal(loc.artifactLocation.uri, 'customers.csv');
      assert.ok(
        loc.region.startLine >= 1 &&
          loc.region.startColumn >= 1 &&
          loc.region.endColumn > loc.region.startColumn,
      );
    }
  });

  it('rejects bad usage with status 2 and a clear message', async () => {
    const r = await rml(['audit', 'customers.csv', '--format', 'xml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be text, json or sarif/);
    const split = await rml(['audit', 'customers.csv', '--split', 'rows']);
    assert.equal(split.code, 2);
    assert.match(split.stderr, /--split must be columns or ranges \(got 'rows'\)/);
    const missing = await rml(['audit', 'nope.csv']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.csv: no such file/);
    const folder = await rml(['audit', '.', 'customers.csv', '--format', 'json']);
    assert.equal(folder.code, 2, 'an input error, though the other file is audited');
    assert.match(folder.stderr, /\.: a folder, not a dataset file\./);
    assert.equal((JSON.parse(folder.stdout) as { rows: number }).rows, 6);
    const cols = await rml(['audit', 'customers.csv', '--max-columns', '0']);
    assert.equal(cols.code, 2);
    assert.match(cols.stderr, /--max-columns must be a positive integer \(got '0'\)/);
  });

  it("reads the columns --max-columns allows, else the policy's, and says how many it left", async () => {
    type Report = { columns: { name: string }[]; findings: { rule: string; data?: unknown }[] };
    const read = async (args: string[], cwd?: string) => {
      const r = await rml(['audit', fixture, '--format', 'json', ...args], cwd);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Report;
    };
    const all = await read([]);
    assert.equal(all.columns.length, 10);
    assert.ok(!all.findings.some((f) => f.rule === 'data/too-many-columns'));
    const four = await read(['--max-columns', '4']);
    assert.deepEqual(
      four.columns.map((c) => c.name),
      all.columns.slice(0, 4).map((c) => c.name),
    );
    assert.deepEqual(four.findings.find((f) => f.rule === 'data/too-many-columns')?.data, {
      columns: 10,
      read: 4,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-'));
    temps.push(dir);
    fs.writeFileSync(path.join(dir, 'policy.json'), '{ "maxColumns": 6 }');
    assert.equal((await read(['--policy', 'policy.json'], dir)).columns.length, 6);
    assert.equal((await read(['--policy', 'policy.json', '--max-columns', '3'], dir)).columns.length, 3);
  });

  it("reads phone numbers without + as --region's, else the policy's, else American; a bad code is a usage error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-'));
    temps.push(dir);
    // A British number in free text: read as American, it is no number at all.
    fs.writeFileSync(path.join(dir, 'calls.csv'), 'id,notes\n1,rang 07911 123456 twice\n2,no answer\n');
    type Report = { findings: { rule: string; entity?: string; row?: number; excerpt?: string }[] };
    const phones = async (args: string[]) => {
      const r = await rml(['audit', 'calls.csv', '--format', 'json', ...args], dir);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as Report).findings
        .filter((f) => f.entity === 'PHONE_NUMBER')
        .map((f) => [f.rule, f.row, f.excerpt]);
    };
    assert.deepEqual(await phones([]), []);
    const found = [['privacy/pii-cell', 1, '***** **3456']];
    assert.deepEqual(await phones(['--region', 'GB']), found);
    assert.deepEqual(await phones(['--region', 'gb']), found);
    fs.writeFileSync(path.join(dir, 'policy.json'), '{ "region": "GB" }');
    assert.deepEqual(await phones(['--policy', 'policy.json']), found);
    assert.deepEqual(await phones(['--policy', 'policy.json', '--region', 'US']), []);
    const bad = await rml(['audit', 'calls.csv', '--region', 'UK'], dir);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--region must be a country code as ISO 3166-1 gives it \(got 'UK'; the United Kingdom is GB\)/,
    );
  });

  it('gives the one-thread report split by column or by range in threads', async () => {
    const one = await rml(['audit', 'customers.csv', '--format', 'json', '--threads', '1']);
    assert.equal(one.code, 0, one.stderr);
    for (const split of ['columns', 'ranges']) {
      const r = await rml(['audit', 'customers.csv', '--format', 'json', '--threads', '2', '--split', split]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, one.stdout, split);
    }
  });

  it('audits a gzip-compressed file as the file inside, in one thread whatever --threads says', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-gz-'));
    temps.push(dir);
    fs.copyFileSync(fixture, path.join(dir, 'c.csv'));
    fs.writeFileSync(path.join(dir, 'c.csv.gz'), gzipSync(fs.readFileSync(fixture)));
    const plain = await rml(['audit', 'c.csv', '--format', 'json'], dir);
    assert.equal(plain.code, 0, plain.stderr);
    for (const extra of [[], ['--threads', '2', '--split', 'ranges'], ['--threads', '2']]) {
      const r = await rml(['audit', 'c.csv.gz', '--format', 'json', ...extra], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        plain.stdout.replaceAll('"file": "c.csv"', '"file": "c.csv.gz"'),
        extra.join(' '),
      );
    }
    // A ZIP archive's file: the same report, with a note naming the file read.
    fs.writeFileSync(path.join(dir, 'c.zip'), makeZip([{ name: 'c.csv', data: fs.readFileSync(fixture) }]));
    const zip = JSON.parse((await rml(['audit', 'c.zip', '--format', 'json', '--threads', '2'], dir)).stdout);
    const zipNotes = (zip.findings as { rule: string }[]).filter((f) => f.rule === 'data/zip-archive');
    assert.equal(zipNotes.length, 1);
    zip.findings = zip.findings.filter((f: { rule: string }) => f.rule !== 'data/zip-archive');
    assert.equal(
      JSON.stringify(zip, null, 2),
      plain.stdout.trimEnd().replaceAll('"file": "c.csv"', '"file": "c.zip"'),
    );
    // A cut file: the rows before, and an error that --fail-on error catches.
    const whole = gzipSync(fs.readFileSync(fixture));
    fs.writeFileSync(path.join(dir, 'cut.csv.gz'), whole.subarray(0, whole.length - 20));
    const cut = await rml(['audit', 'cut.csv.gz', '--fail-on', 'error', '--no-color'], dir);
    assert.equal(cut.code, 1, cut.stderr);
    assert.match(cut.stdout, /error +1:1 +The gzip-compressed data is cut short .* data\/compressed-damaged/);
  });

  it('audits each table of a ZIP archive on its own, named inside it, standard input after them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-zip-'));
    temps.push(dir);
    const people = Buffer.from('id,email,sex\n1,a.person@example.com,F\n2,b.person@example.org,M\n');
    fs.copyFileSync(fixture, path.join(dir, 'customers.csv'));
    fs.writeFileSync(path.join(dir, 'people.csv'), people);
    fs.writeFileSync(
      path.join(dir, 'k.zip'),
      makeZip([
        { name: 'data/customers.csv', data: fs.readFileSync(fixture) },
        { name: 'README.md', data: Buffer.from('# Customers\n') },
        { name: 'data/people.csv', data: people, method: 0 },
      ]),
    );
    const plain = JSON.parse(
      (await rml(['audit', 'customers.csv', 'people.csv', '--format', 'json'], dir)).stdout,
    ) as { file: string; findings: { rule: string; file?: string }[] }[];
    for (const extra of [[], ['--threads', '1'], ['--threads', '4']]) {
      const r = await rml(
        ['audit', 'k.zip', '-', '--format', 'json', ...extra],
        dir,
        Readable.from([people]),
      );
      assert.equal(r.code, 0, r.stderr);
      const reports = JSON.parse(r.stdout) as typeof plain;
      assert.deepEqual(
        reports.map((x) => x.file),
        ['k.zip/data/customers.csv', 'k.zip/data/people.csv', '<stdin>'],
      );
      for (const k of [0, 1]) {
        const notes = reports[k]!.findings.filter((f) => f.rule === 'data/zip-archive');
        assert.equal(notes.length, 1);
        const rest = {
          ...reports[k]!,
          findings: reports[k]!.findings.filter((f) => f.rule !== 'data/zip-archive'),
        };
        const name = plain[k]!.file;
        assert.equal(
          JSON.stringify(rest),
          JSON.stringify(plain[k]).replaceAll(`"file":"${name}"`, `"file":"k.zip/data/${name}"`),
          `${name} ${extra.join(' ')}`,
        );
      }
    }
    const text = await rml(['audit', 'k.zip', '--no-color'], dir);
    assert.match(text.stdout, /^k\.zip\/data\/customers\.csv — 6 rows × 10 columns \(csv\)/);
    assert.match(
      text.stdout,
      /info +1:1 +This is the file data\/people\.csv of the ZIP archive k\.zip, read through; its other table \(data\/customers\.csv\) is audited on its own; 1 other file in it \(README\.md\) is not a table and was not read\. data\/zip-archive/,
    );
    assert.match(text.stdout, /^2 files: /m);
    // One table, named as the audit of the archive names it: the same report, its note alone.
    const one = await rml(['audit', 'k.zip/data/people.csv', '--format', 'json'], dir);
    assert.equal(one.code, 0, one.stderr);
    const single = JSON.parse(one.stdout) as (typeof plain)[number];
    assert.equal(single.file, 'k.zip/data/people.csv');
    assert.deepEqual(
      single.findings
        .filter((f) => f.rule === 'data/zip-archive')
        .map((f) => (f as { message?: string }).message),
      ['The file is a ZIP archive: its file data/people.csv was read.'],
    );
    assert.equal(
      JSON.stringify({ ...single, findings: single.findings.filter((f) => f.rule !== 'data/zip-archive') }),
      JSON.stringify(plain[1]).replaceAll('"file":"people.csv"', '"file":"k.zip/data/people.csv"'),
    );
    const missing = await rml(['audit', 'k.zip/data/nope.csv', 'customers.csv'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /customers\.csv — 6 rows/);
    assert.equal(
      missing.stderr,
      'rml audit: k.zip/data/nope.csv: the ZIP archive k.zip has no file data/nope.csv (its tables: ' +
        'data/customers.csv, data/people.csv).\n',
    );
    const sarif = JSON.parse((await rml(['audit', 'k.zip', '--format', 'sarif'], dir)).stdout);
    const uris = new Set(
      (
        sarif.runs[0].results as {
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[]
      ).map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri),
    );
    assert.deepEqual([...uris].sort(), ['k.zip/data/customers.csv', 'k.zip/data/people.csv']);
  });

  it('audits each table of a tar archive on its own, plain or gzip-compressed, and one named inside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-tar-'));
    temps.push(dir);
    const people = Buffer.from('id,email,sex\n1,a.person@example.com,F\n2,b.person@example.org,M\n');
    fs.copyFileSync(fixture, path.join(dir, 'customers.csv'));
    fs.writeFileSync(path.join(dir, 'people.csv'), people);
    const tar = makeTar([
      { name: 'data/', type: '5' },
      { name: 'data/customers.csv', data: fs.readFileSync(fixture) },
      { name: 'README.md', data: Buffer.from('# Customers\n') },
      { name: 'data/people.csv', data: people },
    ]);
    fs.writeFileSync(path.join(dir, 'k.tar'), tar);
    fs.writeFileSync(path.join(dir, 'k.tgz'), gzipSync(tar));
    const plain = JSON.parse(
      (await rml(['audit', 'customers.csv', 'people.csv', '--format', 'json'], dir)).stdout,
    ) as { file: string; findings: { rule: string; message: string }[] }[];
    const without = (r: (typeof plain)[number]) => ({
      ...r,
      findings: r.findings.filter((f) => f.rule !== 'data/tar-archive'),
    });
    for (const archive of ['k.tar', 'k.tgz']) {
      const r = await rml(['audit', archive, '--format', 'json'], dir);
      assert.equal(r.code, 0, r.stderr);
      const reports = JSON.parse(r.stdout) as typeof plain;
      assert.deepEqual(
        reports.map((x) => x.file),
        [`${archive}/data/customers.csv`, `${archive}/data/people.csv`],
      );
      for (const k of [0, 1]) {
        const name = plain[k]!.file;
        assert.equal(
          JSON.stringify(without(reports[k]!)),
          JSON.stringify(plain[k]).replaceAll(`"file":"${name}"`, `"file":"${archive}/data/${name}"`),
          `${archive} ${name}`,
        );
      }
      assert.deepEqual(
        reports[1]!.findings.filter((f) => f.rule === 'data/tar-archive').map((f) => f.message),
        [
          `This is the file data/people.csv of the tar archive ${archive}, read through; its other table (data/customers.csv) is audited on its own; 1 other file in it (README.md) is not a table and was not read.`,
        ],
      );
      const one = await rml(['audit', `${archive}/data/people.csv`, '--format', 'json'], dir);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(
        JSON.stringify(without(JSON.parse(one.stdout))),
        JSON.stringify(plain[1]).replaceAll('"file":"people.csv"', `"file":"${archive}/data/people.csv"`),
      );
      const missing = await rml(['audit', `${archive}/people.csv`], dir);
      assert.equal(missing.code, 2);
      assert.equal(
        missing.stderr,
        `rml audit: ${archive}/people.csv: the tar archive ${archive} has no file people.csv (its tables: data/customers.csv, data/people.csv).\n`,
      );
    }
  });

  it("reads standard input for '-', in its place among the files, compressed or not, named or not", async () => {
    const bytes = fs.readFileSync(fixture);
    const plain = await rml(['audit', 'customers.csv', '--format', 'json']);
    const fromStdin = await rml(['audit', '-', '--format', 'json'], undefined, Readable.from([bytes]));
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(fromStdin.stdout, plain.stdout.replaceAll('"file": "customers.csv"', '"file": "<stdin>"'));
    // Named: its findings and SARIF locations carry the name.
    const gz = Readable.from([gzipSync(bytes)]);
    const named = await rml(
      ['audit', '-', '--stdin-name', 'customers.csv', '--format', 'json'],
      undefined,
      gz,
    );
    assert.equal(named.stdout, plain.stdout);
    const several = await rml(
      ['audit', 'customers.csv', 'missing.csv', '-', 'customers.csv', '--format', 'json'],
      undefined,
      Readable.from([bytes.subarray(0, 200), bytes.subarray(200)]),
    );
    assert.equal(several.code, 2);
    assert.deepEqual(
      (JSON.parse(several.stdout) as { file: string }[]).map((r) => r.file),
      ['customers.csv', '<stdin>', 'customers.csv'],
    );
    const twice = await rml(['audit', '-', '-'], undefined, Readable.from([bytes]));
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /give standard input \('-'\) once/);
    const unused = await rml(['audit', 'customers.csv', '--stdin-name', 'x.csv']);
    assert.equal(unused.code, 2);
    assert.match(unused.stderr, /--stdin-name names standard input/);
  });

  it('audits several files, each with its own policy, as one after another does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-files-'));
    temps.push(dir);
    fs.mkdirSync(path.join(dir, 'strict'));
    // Each file keeps its own policy: the nearest above it.
    fs.writeFileSync(path.join(dir, 'strict', 'responsible-ml.json'), '{ "maxFindingsPerRule": 1 }');
    fs.copyFileSync(fixture, path.join(dir, 'a.csv'));
    fs.copyFileSync(fixture, path.join(dir, 'strict', 'b.csv'));
    fs.writeFileSync(path.join(dir, 'c.csv'), 'id,email\n1,x.y@example.com\n2,"open\n');
    const args = ['a.csv', 'strict/b.csv', 'missing.csv', 'c.csv', 'a.csv'];
    for (const format of ['json', 'sarif', 'text']) {
      const one = await rml(['audit', ...args, '--format', format, '--threads', '1'], dir);
      const side = await rml(['audit', ...args, '--format', format], dir);
      assert.equal(one.code, 2, one.stderr);
      assert.match(one.stderr, /missing\.csv/);
      assert.deepEqual(side, one, format);
    }
    const reports = JSON.parse((await rml(['audit', ...args, '--format', 'json'], dir)).stdout);
    assert.deepEqual(
      reports.map((r: { file: string }) => r.file),
      ['a.csv', 'strict/b.csv', 'c.csv', 'a.csv'],
    );
    assert.ok(reports[1].findings.length < reports[0].findings.length, 'b.csv kept its own policy');
  });

  it('goes on past a file that fails to read mid-scan, says which, and exits 2', async function () {
    // A regular file that every check before the scan passes and whose first read fails with EIO (Linux: this
    // process's memory at address 0, never mapped).
    const failing = '/proc/self/mem';
    if (!fs.existsSync(failing)) this.skip();
    const r = await rml(['audit', 'customers.csv', failing, 'customers.csv', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `rml audit: ${failing}: the scan failed: EIO: i/o error, read\n`);
    const reports = JSON.parse(r.stdout) as { file: string; rows: number }[];
    assert.deepEqual(
      reports.map((x) => [x.file, x.rows]),
      [
        ['customers.csv', 6],
        ['customers.csv', 6],
      ],
    );
  });

  it('audits predictions per group and writes the output to a file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-audit-'));
    temps.push(dir);
    const csv = ['y,yhat,p,grp'];
    const rows: [number, number, number, string][] = [
      [1, 1, 0.9, 'a'],
      [0, 1, 0.6, 'a'],
      [1, 0, 0.4, 'a'],
      [0, 0, 0.1, 'a'],
      [1, 1, 0.8, 'b'],
      [1, 1, 0.7, 'b'],
      [0, 0, 0.2, 'b'],
      [0, 0, 0.3, 'b'],
    ];
    for (const r of rows) csv.push(r.join(','));
    fs.writeFileSync(path.join(dir, 'preds.csv'), csv.join('\n') + '\n');
    const r = await rml(
      [
        'audit',
        'preds.csv',
        '--label',
        'y',
        '--prediction',
        'yhat',
        '--score',
        'p',
        '--group',
        'grp',
        '--format',
        'json',
        '--output',
        'out.json',
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8')) as {
      fairness: {
        groups: Record<
          string,
          Record<string, { n: number; tpr: number; fpr: number; selectionRate: number }>
        >;
        disparities: Record<string, { demographicParityDifference: number }>;
      };
    };
    const a = report.fairness.groups.grp!.a!;
    const b = report.fairness.groups.grp!.b!;
    assert.deepEqual([a.n, a.tpr, a.fpr, a.selectionRate], [4, 0.5, 0.5, 0.5]);
    assert.deepEqual([b.n, b.tpr, b.fpr, b.selectionRate], [4, 1, 0, 0.5]);
    assert.equal(report.fairness.disparities.grp!.demographicParityDifference, 0);
    // Written in pieces, the file holds the layout JSON.stringify gives, and no temporary file is left.
    const text = fs.readFileSync(path.join(dir, 'out.json'), 'utf8');
    assert.equal(text, JSON.stringify(report, null, 2) + '\n');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['out.json', 'preds.csv']);
  });

  it('writes JSON and SARIF to standard output as JSON.stringify(value, null, 2) lays them out', async () => {
    for (const format of ['json', 'sarif']) {
      const r = await rml(['audit', fixture, '--format', format, '--label', 'approved']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, JSON.stringify(JSON.parse(r.stdout), null, 2) + '\n', format);
    }
  });

  it('stops quietly when the reader of its output goes away (`rml audit ... | head`)', async () => {
    const root = path.resolve(__dirname, '../../..');
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin/rml.js'), 'audit', fixture, '--format', 'sarif'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // The read end closed before the first write: every write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

describe('rml audit progress line', () => {
  it('is shown only on a terminal for a large file, rewritten in place, and cleared at the end', async () => {
    const err = capture();
    const io = { stdout: capture().stream, stderr: err.stream, cwd: '.', env: {} };
    assert.equal(progressLine(io, 'big.csv', 100e6), undefined, 'not a terminal: no progress');
    err.stream.isTTY = true;
    assert.equal(progressLine(io, 'small.csv', 1000), undefined, 'a small file: no progress');
    const p = progressLine(io, 'big.csv', 100e6)!;
    p.update(1);
    await new Promise((r) => setTimeout(r, 300));
    p.update(25e6);
    p.update(26e6); // within 250 ms of the last: not written
    p.clear();
    const writes = err
      .text()
      .split('\r\u001b[K')
      .filter((w) => w.length > 0);
    assert.equal(writes.length, 1, JSON.stringify(err.text()));
    assert.match(writes[0]!, /^big\.csv: 25% · 25\.0 of 100\.0 MB · [\d.]+ MB\/s$/);
    assert.ok(err.text().endsWith('\r\u001b[K'), 'the line is cleared');
  });

  it('the scanner reports the bytes it has read', async () => {
    const seen: number[] = [];
    const bytes = fs.statSync(fixture).size;
    await scanDataset(fs.createReadStream(fixture, { highWaterMark: 64 }), {
      fileName: 'customers.csv',
      onProgress: (n) => seen.push(n),
    });
    assert.ok(seen.length > 2);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    assert.equal(seen[seen.length - 1], bytes);
  });
});
