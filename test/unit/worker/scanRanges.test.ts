import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCsv } from '../../../bench/scan/generate';
import { scanDataset, type ScanOptions } from '../../../src/core/scan';
import { parsePolicy } from '../../../src/core/policy';
import { scanFileInThreads } from '../../../src/worker/scanThreads';
import { seededRandom } from '../../../src/core/random';
import { countSpillFiles } from './spillSpy';

const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');

/**
 * A report as JSON with means and standard deviations to 12 significant digits: ranges merge Welford's sums
 * in a different order than one pass adds the values, which moves the last bits and nothing else.
 */
function normalised(report: unknown): string {
  return JSON.stringify(report, (key, value: unknown) =>
    (key === 'mean' || key === 'std') && typeof value === 'number' ? Number(value.toPrecision(12)) : value,
  );
}

async function single(file: string, options: ScanOptions): Promise<string> {
  return normalised(await scanDataset(fs.createReadStream(file), options));
}

/** Split into ranges of `rangeBytes`, the columns decided within `headBytes` or not split. */
async function ranged(
  file: string,
  options: ScanOptions,
  rangeBytes: number,
  threads = 2,
  headBytes = rangeBytes,
): Promise<{ report: string; how: string | undefined }> {
  let how: string | undefined;
  const report = await scanFileInThreads(file, options, {
    threads,
    split: 'ranges',
    rangeBytes,
    headBytes,
    onSplit: (h) => (how = h),
  });
  return { report: normalised(report), how };
}

describe('scanFileInThreads: a scan split by byte range', function () {
  this.timeout(180000);
  let dir: string;
  let generated: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-ranges-'));
    generated = path.join(dir, 'customers.csv');
    generateCsv(generated, 3e6);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const threads of [2, 3]) {
    it(`gives the one-pass report with ${threads} threads over many ranges, per-rule caps crossing ranges included`, async () => {
      for (const options of [
        { fileName: 'customers.csv' },
        { fileName: 'customers.csv', maxFindingsPerRule: 20 },
        { fileName: 'customers.csv', maxFindingsPerRule: 2 },
      ]) {
        const got = await ranged(generated, options, 500_000, threads);
        assert.equal(got.how, 'ranges');
        assert.equal(got.report, await single(generated, options));
        const report = JSON.parse(got.report);
        assert.ok(report.rows > 10000, String(report.rows));
        if (options.maxFindingsPerRule)
          assert.ok(report.truncated['privacy/pii-cell'] > 0, 'the cap was reached');
      }
    });
  }

  it('gives the one-pass report on Adult with a label and a policy (duplicates and fairness across ranges)', async () => {
    const { policy } = parsePolicy(
      JSON.stringify({ label: 'income', positive: ['>50K'] }),
      'responsible-ml.json',
    );
    const options = { fileName: 'adult.csv', policy };
    const got = await ranged(adult, options, 300_000);
    assert.equal(got.how, 'ranges');
    assert.equal(got.report, await single(adult, options));
    const report = JSON.parse(got.report);
    assert.ok(report.quality.duplicateRows > 0);
    assert.ok(report.fairness.proxies.length > 0);
  });

  it('gives the one-pass report on long documents: a quasi-identifier and a label beside them, split or not', async () => {
    // Values past 1,000 characters are kept as stand-ins (see `standIn`): every range must make the same
    // ones, and the merge must number them as one pass does. Occupations alike for 1,100 characters; 2,400
    // rows, so that the head (5 MB) decides every column after the privacy scanner's sample of 2,000.
    const rand = seededRandom(5);
    const occupation = (n: number) => `${'o'.repeat(1_100)} ${n}`;
    const lines = ['id,occupation,notes,sex,income'];
    for (let i = 0; i < 2_400; i++) {
      // 400 notes repeat: one whose length is the same, in another row.
      const notes = `${'n'.repeat(1_000 + (((i % 2_000) * 37) % 400))} ${i % 2_000}`;
      const sex = rand() < 0.5 ? 'Male' : 'Female';
      lines.push(
        `${i},${occupation(Math.floor(rand() * 6))},${notes},${sex},${rand() < 0.3 ? '>50K' : '<=50K'}`,
      );
    }
    const file = path.join(dir, 'documents.csv');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { policy } = parsePolicy(
      JSON.stringify({ label: 'income', positive: ['>50K'] }),
      'responsible-ml.json',
    );
    for (const options of [{ fileName: 'documents.csv' }, { fileName: 'documents.csv', policy }]) {
      const want = await single(file, options);
      const got = await ranged(file, options, 400_000, 3, 5_500_000);
      assert.equal(got.how, 'ranges');
      assert.equal(got.report, want);
      const report = JSON.parse(want);
      assert.ok(report.privacy.quasiIdentifiers.includes('occupation'));
      assert.equal(report.columns[1].distinct, 6);
      assert.equal(report.columns[2].distinct, 2_000);
      const byColumn = await scanFileInThreads(file, options, { threads: 2, split: 'columns' });
      assert.equal(normalised(byColumn), want);
    }
  });

  it('cuts outside quoted line breaks, and renumbers ragged rows of later ranges', async () => {
    const lines = ['id,comment,email,amount'];
    for (let i = 0; i < 20000; i++) {
      if (i % 7 === 5) lines.push(`${i},"two\nlines, ""quoted""\nthree",u${i}@example.com,${i}.5`);
      else if (i % 389 === 7) lines.push(`${i},short`);
      else lines.push(`${i},call 415-555-01${String(i % 100).padStart(2, '0')},u${i}@example.com,${i}`);
    }
    const file = path.join(dir, 'quoted.csv');
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
    const options = { fileName: 'quoted.csv' };
    const got = await ranged(file, options, 200_000);
    assert.equal(got.how, 'ranges');
    assert.equal(got.report, await single(file, options));
    const report = JSON.parse(got.report);
    const ragged = report.findings.filter((f: { rule: string }) => f.rule === 'data/ragged-row');
    assert.ok(ragged.length > 10);
    assert.ok(ragged.some((f: { row: number }) => f.row > 15000));
  });

  it('reads the file in one pass when a stray quote makes the cut uncertain, or a lone CR breaks lines', async () => {
    // After the stray quote the count of quotes is odd, so the cutter takes the line break inside a quoted
    // field for a record boundary: the range before it ends in an open quote, which sends the scan to one pass.
    const stray = ['id,comment,amount'];
    for (let i = 0; i < 30000; i++)
      stray.push(
        i === 100
          ? `${i},5" tall,${i}`
          : i % 50 === 0
            ? `${i},"x
y",${i}`
            : `${i},plain,${i}`,
      );
    const lone = ['id,comment,amount'];
    for (let i = 0; i < 30000; i++) lone.push(`${i},text ${i % 13},${i}`);
    for (const [name, text] of [
      ['stray.csv', stray.join('\n')],
      ['lone-cr.csv', lone.slice(0, 20000).join('\n') + '\r' + lone.slice(20000).join('\n')],
    ] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      const options = { fileName: name };
      const got = await ranged(file, options, 100_000);
      assert.equal(got.how, 'single', name);
      assert.equal(got.report, await single(file, options), name);
    }
  });

  it('gives the one-pass report on a headerless TSV file with a policy that ignores a column and adds a missing token', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const note = i % 11 === 0 ? `mail u${i}@example.org` : i % 13 === 0 ? 'n/a' : `note ${i % 50}`;
      lines.push([`${i}`, `u${i}@example.com`, note, i % 3 === 0 ? 'n/a' : `${(i * 7) % 90}`].join('\t'));
    }
    const file = path.join(dir, 'plain.tsv');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { policy } = parsePolicy(
      JSON.stringify({ ignore: [{ column: 'column_2' }], missingTokens: ['n/a'] }),
      'responsible-ml.json',
    );
    const options = { fileName: 'plain.tsv', policy };
    const got = await ranged(file, options, 160_000);
    assert.equal(got.how, 'ranges');
    assert.equal(got.report, await single(file, options));
    const report = JSON.parse(got.report);
    assert.equal(report.format, 'tsv');
    assert.ok(
      report.findings.some(
        (f: { rule: string; row?: number }) => f.rule === 'privacy/pii-cell' && f.row! > 10000,
      ),
    );
    assert.ok(!report.findings.some((f: { column?: string }) => f.column === 'column_2'));
    assert.ok(report.columns[3].missing > 6000);
  });

  it("gives the one-pass report on a file that opens with Excel's sep= line, split either way", async () => {
    const lines = ['sep=;', 'id;email;note;amount'];
    for (let i = 0; i < 30000; i++)
      lines.push(`${i};u${i}@example.com;"note, ${i % 50}";${i % 97},${i % 10}`);
    const file = path.join(dir, 'excel.csv');
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
    const options = { fileName: 'excel.csv' };
    const one = await single(file, options);
    assert.equal(JSON.parse(one).columns[1].location.line, 2);
    const got = await ranged(file, options, 160_000);
    assert.equal(got.how, 'ranges');
    assert.equal(got.report, one);
    const byColumn = await scanFileInThreads(file, options, { threads: 2, split: 'columns' });
    assert.equal(normalised(byColumn), one);
  });

  it('gives the one-pass report on a file that turns out to be Windows-1252 past its first range', async () => {
    const lines = ['id,city,email'];
    for (let i = 0; i < 30000; i++) lines.push(`${i},${i === 20000 ? 'K\xf6ln' : 'Paris'},u${i}@example.com`);
    const file = path.join(dir, 'latin.csv');
    fs.writeFileSync(file, Buffer.from(lines.join('\n') + '\n', 'latin1'));
    const options = { fileName: 'latin.csv' };
    const one = await single(file, options);
    assert.deepEqual(
      JSON.parse(one)
        .findings.filter((f: { rule: string }) => f.rule.startsWith('data/'))
        .map((f: { rule: string }) => f.rule),
      ['data/windows-1252'],
    );
    // The range that holds it cannot know the file was ASCII before: the file is read again in one pass.
    const got = await ranged(file, options, 160_000);
    assert.equal(got.how, 'single');
    assert.equal(got.report, one);
  });

  it('makes the first range long enough to decide a sparse column, which the ranges after it take over', async () => {
    // Half the notes are missing: 60 kB holds about 1,500 rows, 750 notes, short of the 2,000 values the
    // privacy scanner decides a column on; four times that (the default head) holds 3,000.
    const lines = ['id,note,email,amount'];
    for (let i = 0; i < 20000; i++) {
      const note =
        i % 2 === 0 ? '' : i % 9 === 1 ? `call 415-555-01${String(i % 100).padStart(2, '0')}` : `n ${i % 40}`;
      lines.push(`${i},${note},u${i % 3000}@example.com,${i % 97}`);
    }
    const file = path.join(dir, 'sparse.csv');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const options = { fileName: 'sparse.csv' };
    const expected = await single(file, options);
    const short = await ranged(file, options, 60_000, 2, 60_000);
    assert.equal(short.how, 'columns');
    assert.equal(short.report, expected);
    let how: string | undefined;
    const report = await scanFileInThreads(file, options, {
      threads: 2,
      split: 'ranges',
      rangeBytes: 60_000,
      onSplit: (h) => (how = h),
    });
    assert.equal(how, 'ranges');
    assert.equal(normalised(report), expected);
  });

  it('gives the one-pass report on random messy files: quotes, quoted line breaks, CRLF, BOM, blank and ragged lines', async () => {
    const rnd = seededRandom(20261128);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
    for (let it = 0; it < 4; it++) {
      const nl = pick(['\n', '\r\n']);
      const header = pick(['id,name,note,amount,email', 'a;b;c;d;e', 'x,y,"quoted, header",z,w']);
      const d = header.includes(';') ? ';' : ',';
      const lines = [header];
      const rows = 12000 + Math.floor(rnd() * 12000);
      for (let i = 0; i < rows; i++) {
        const r = rnd();
        const note =
          r < 0.05
            ? `"multi${nl}line ""q"" ${i}"`
            : r < 0.08
              ? ''
              : r < 0.1
                ? 'NA'
                : r < 0.15
                  ? `"has${d} delim"`
                  : r < 0.18
                    ? `call 415-555-01${String(i % 100).padStart(2, '0')}`
                    : `note ${i % 37}`;
        const fields = [
          `${i % 500}`,
          pick(['Ann', 'Bob', 'Chen', 'Dee', '']),
          note,
          `${(i * 13) % 997}.${i % 10}`,
          rnd() < 0.1 ? `u${i}@ex.com` : `v${i % 50}@ex.com`,
        ];
        if (rnd() < 0.01) fields.pop();
        if (rnd() < 0.01) fields.push('extra');
        lines.push(fields.join(d));
        if (rnd() < 0.005) lines.push('');
        if (rnd() < 0.01) lines.push(lines[lines.length - 1]!);
      }
      const file = path.join(dir, `messy-${it}.csv`);
      fs.writeFileSync(file, (rnd() < 0.3 ? '\ufeff' : '') + lines.join(nl) + (rnd() < 0.5 ? nl : ''));
      const size = fs.statSync(file).size;
      const options = { fileName: 'messy.csv', maxFindingsPerRule: pick([3, 50, 1000]) };
      const got = await ranged(
        file,
        options,
        Math.max(110_000, Math.floor(size / (2 + Math.floor(rnd() * 4)))),
      );
      assert.equal(got.how, 'ranges', file);
      assert.equal(got.report, await single(file, options), file);
    }
  });

  it('splits JSON Lines by range: late keys reported once, bad lines, blank lines, CRLF and escapes', async () => {
    const rnd = seededRandom(20261129);
    for (let it = 0; it < 3; it++) {
      const nl = it === 1 ? '\r\n' : '\n';
      const lines: string[] = [];
      const rows = 12000 + Math.floor(rnd() * 8000);
      for (let i = 0; i < rows; i++) {
        const r = rnd();
        if (r < 0.004)
          lines.push('{"id": ' + i + ', "name": "broken'); // not closed
        else if (r < 0.006) lines.push('[1, 2, 3]');
        else if (r < 0.01) lines.push('');
        else {
          const o: Record<string, unknown> = {
            id: i,
            name: ['Ann Lee', 'Bob Stone', 'Chen Wu', 'Dee "D" Roe'][i % 4],
            email: rnd() < 0.1 ? `u${i}@example.com` : `v${i % 40}@example.com`,
            amount: (i * 13) % 997,
          };
          if (rnd() < 0.3)
            o.note = rnd() < 0.2 ? `call 415-555-01${String(i % 100).padStart(2, '0')}` : 'a\nb';
          // Keys the first 1,000 objects do not have: one from row 1,500 on, one only near the end.
          if (i > 1500 && rnd() < 0.05) o.extra = i % 7;
          if (i > rows - 500 && rnd() < 0.2) o.late = 'x';
          lines.push(rnd() < 0.5 ? JSON.stringify(o) : JSON.stringify(o, null, 0).replace(/,"/g, ', "'));
        }
      }
      const file = path.join(dir, `lines-${it}.jsonl`);
      fs.writeFileSync(file, (it === 2 ? '\ufeff' : '') + lines.join(nl) + nl);
      const options = { fileName: `lines-${it}.jsonl`, maxFindingsPerRule: it === 0 ? 5 : 1000 };
      const expected = await single(file, options);
      const got = await ranged(file, options, 60_000, 2 + (it % 2), 600_000);
      assert.equal(got.how, 'ranges');
      assert.equal(got.report, expected);
      const report = JSON.parse(got.report);
      const late = report.findings.filter((f: { rule: string }) => f.rule === 'data/late-key');
      assert.deepEqual(
        late.map((f: { data: { key: string } }) => f.data.key),
        ['extra', 'late'],
      );
      assert.ok(report.findings.some((f: { rule: string }) => f.rule === 'data/invalid-json'));
    }
  });

  it('splits a JSON array between elements, on one line or many, else by column', async () => {
    const rnd = seededRandom(20261130);
    const objects = (n: number, nested: boolean): Record<string, unknown>[] =>
      Array.from({ length: n }, (_, i) => {
        const o: Record<string, unknown> = {
          id: i,
          name: ['Ann Lee', 'Bob Stone', 'Chen Wu', 'Dee "D" Roe'][i % 4],
          email: rnd() < 0.1 ? `u${i}@example.com` : `v${i % 40}@example.com`,
          amount: (i * 13) % 997,
          zip: String(10000 + (i % 300)),
        };
        // Nested: every column dense, so that the head decides them all early.
        if (nested) {
          o.items = [{ sku: i % 11 }, { sku: i % 5 }];
          return o;
        }
        if (rnd() < 0.3) o.note = rnd() < 0.2 ? `call 415-555-01${String(i % 100).padStart(2, '0')}` : 'a\nb';
        // Keys the first 1,000 objects do not have: one from element 1,500 on, one only near the end.
        if (i > 1500 && rnd() < 0.05) o.extra = i % 7;
        if (i > n - 500 && rnd() < 0.2) o.late = 'x';
        return o;
      });
    const cases: { name: string; text: string; how: string; rows: number }[] = [];
    // One element a line, as the bench writes it, with CRLF and a BOM.
    const lines = objects(15000, false).map((o) => JSON.stringify(o));
    cases.push({ name: 'lines', text: '[\n' + lines.join(',\n') + '\n]\n', how: 'ranges', rows: 15000 });
    cases.push({
      name: 'crlf',
      text: '\ufeff[\r\n' + lines.join(',\r\n') + '\r\n]',
      how: 'ranges',
      rows: 15000,
    });
    // Pretty-printed (JSON.stringify's indent), flat elements: cut between "}," and "{".
    const pretty = JSON.stringify(objects(9000, false), null, 2);
    cases.push({ name: 'pretty', text: pretty, how: 'ranges', rows: 9000 });
    // Pretty-printed with a nested array of objects in every element: most "},\n{" lie inside one, so a cut
    // lands inside an element; the range before it says so, and the file is split by column instead.
    const nested = JSON.stringify(objects(6000, true), null, 2);
    cases.push({ name: 'nested', text: nested, how: 'columns', rows: 6000 });
    // The whole array on one line (JSON.stringify, pandas' to_json): cut inside the line, before a "{".
    const oneLine = JSON.stringify(objects(12000, false));
    cases.push({ name: 'one-line', text: oneLine, how: 'ranges', rows: 12000 });
    // Python's json.dumps: "}, {" between elements, ": " and ", " inside them.
    const spaced = JSON.stringify(objects(12000, false)).replace(/,"/g, ', "').replace(/},\{/g, '}, {');
    cases.push({ name: 'spaced', text: spaced, how: 'ranges', rows: 12000 });
    // The records in an object (pandas' orient="table", web APIs): its last range would end in the closing
    // brace, so it is split by column.
    const wrapped = `{"schema": {"fields": [{"name": "id"}]}, "data": ${oneLine}, "version": "1"}`;
    cases.push({ name: 'wrapped', text: wrapped, how: 'columns', rows: 12000 });
    // Characters past ASCII (two, three and four bytes in UTF-8; the last two UTF-16 units) before the cuts
    // on the one line: every column after them must still be the one pass's.
    const wide = objects(12000, false).map((o, i) => ({
      ...o,
      name: ['Zoë Ångström', '李雷', 'Renée 😀 Dubois', 'Ann Lee'][i % 4],
      note: `café ☕ call 415-555-01${String(i % 100).padStart(2, '0')}`,
    }));
    cases.push({ name: 'wide', text: JSON.stringify(wide), how: 'ranges', rows: 12000 });
    // Every element holds "},{" in a string: a cut may land there, the range before it then ends inside a
    // string, and the file is split by column; either way the report is the one pass's.
    const trap = objects(12000, false).map((o, i) => ({ ...o, note: `see },{ ${i % 7}` }));
    cases.push({ name: 'trap', text: JSON.stringify(trap), how: 'ranges|columns', rows: 12000 });
    // A bad element half-way: its message numbers the array's elements, which ranges cannot.
    const bad = lines.slice();
    bad[7000] = '[1, 2]';
    cases.push({ name: 'bad', text: '[\n' + bad.join(',\n') + '\n]\n', how: 'columns', rows: 14999 });
    for (const c of cases) {
      const file = path.join(dir, `array-${c.name}.json`);
      fs.writeFileSync(file, c.text);
      const options = { fileName: `array-${c.name}.json`, maxFindingsPerRule: c.name === 'lines' ? 5 : 1000 };
      const expected = await single(file, options);
      for (const threads of [2, 3]) {
        const got = await ranged(file, options, 60_000, threads, 900_000);
        assert.ok(c.how.split('|').includes(got.how!), `${c.name}, ${threads} threads: ${got.how}`);
        assert.equal(got.report, expected, `${c.name}, ${threads} threads`);
      }
      const report = JSON.parse(expected);
      assert.equal(report.rows, c.rows, c.name);
      // Late keys are reported once, by the range that met them first, with the one pass's row.
      assert.deepEqual(
        report.findings
          .filter((f: { rule: string }) => f.rule === 'data/late-key')
          .map((f: { data: { key: string } }) => f.data.key),
        c.name === 'nested' ? [] : ['extra', 'late'],
        c.name,
      );
    }
  });

  it('gives the same report when the per-row state spills to encrypted temporary files, and leaves none', async () => {
    const spillDir = fs.mkdtempSync(path.join(dir, 'spill-'));
    const options = { fileName: 'customers.csv' };
    // The generated rows four times over (72,000 rows): duplicates far apart, and more rows than a block of
    // row ranges holds, so that those spill too.
    const text = fs.readFileSync(generated, 'utf8');
    const body = text.slice(text.indexOf('\n') + 1);
    const file = path.join(dir, 'repeated.csv');
    fs.writeFileSync(file, text + body + body + body);
    const inMemory = await single(file, { ...options, spillRows: Infinity });
    const report = JSON.parse(inMemory);
    // Duplicates far apart with the ranges of both rows: what the spilled state is for.
    const dups = report.findings.filter((f: { rule: string }) => f.rule === 'quality/duplicate-rows');
    assert.ok(dups.length > 10, String(dups.length));
    assert.ok(
      dups.every((f: { location?: unknown; related?: unknown[] }) => f.location && f.related?.length),
    );
    const files = countSpillFiles();
    try {
      for (const spillRows of [0, 3000]) {
        files.count = 0;
        assert.equal(
          await single(file, { ...options, spillRows, spillDir }),
          inMemory,
          `single, ${spillRows}`,
        );
        // 16 duplicate lists and the row ranges, and one file a kept column: the 4 quasi-identifiers, and from
        // row 0 all 12 columns (each builder's first 64 rows spill before the privacy scanner has classified
        // it). annual_income, whose 301 distinct numbers rule it out as a quasi-identifier, is dropped before
        // its 1,001st distinct value would have turned it numeric into a file of its own.
        assert.equal(files.count, spillRows === 0 ? 17 + 12 : 17 + 4, `single, ${spillRows}`);
        files.count = 0;
        const got = await ranged(file, { ...options, spillRows, spillDir }, 500_000);
        assert.equal(got.how, 'ranges');
        assert.equal(got.report, inMemory, `ranges, ${spillRows}`);
        // The merge's 16 duplicate lists and row ranges, and its 4 merged quasi-identifier columns.
        assert.equal(files.count, 17 + 4, `ranges, ${spillRows}`);
        assert.deepEqual(fs.readdirSync(spillDir), []);
      }
      // With a label every column that can be is kept and merged, and spills: the fairness analyses read
      // them in windows, numeric ones sorted in runs on disk.
      const labelled = { ...options, label: 'sex', positive: ['Female'] };
      const labelledInMemory = await single(file, { ...labelled, spillRows: Infinity });
      assert.ok(JSON.parse(labelledInMemory).fairness.proxies.length > 5);
      files.count = 0;
      const got = await ranged(file, { ...labelled, spillRows: 3000, spillDir }, 500_000);
      assert.equal(got.how, 'ranges');
      assert.equal(got.report, labelledInMemory);
      assert.ok(files.count > 17 + 4, String(files.count));
      assert.deepEqual(fs.readdirSync(spillDir), []);
      // Where no file can be made (here a directory that does not exist), the rows stay in memory: same report.
      const nowhere = path.join(spillDir, 'missing');
      assert.equal(await single(file, { ...options, spillRows: 0, spillDir: nowhere }), inMemory);
      const fallback = await ranged(file, { ...options, spillRows: 0, spillDir: nowhere }, 500_000);
      assert.equal(fallback.report, inMemory);
      assert.equal(fs.existsSync(nowhere), false);
      // A cancelled scan leaves nothing either.
      const controller = new AbortController();
      const p = scanDataset(fs.createReadStream(file, { highWaterMark: 64 * 1024 }), {
        ...options,
        spillRows: 0,
        spillDir,
        signal: controller.signal,
        onProgress: (b) => {
          if (b > 1_000_000) controller.abort();
        },
      });
      await assert.rejects(p, { name: 'AbortError' });
      assert.ok(files.count > 0);
      assert.deepEqual(fs.readdirSync(spillDir), []);
    } finally {
      files.restore();
    }
  });

  it('points duplicates at rows that span lines, every row kept whole, spilled or not, split or not', async () => {
    // 80,000 rows, each with a quoted line break (every row's range is kept whole, in five slots); the last
    // 20,000 repeat the first. Spilled from row 0, the ranges are read back in chunks that cut those records.
    const file = path.join(dir, 'multiline.csv');
    const rows = Array.from({ length: 80_000 }, (_, i) => `${i % 60_000},"note\nline ${i % 60_000}"`);
    fs.writeFileSync(file, `id,text\n${rows.join('\n')}\n`);
    const options = { fileName: 'multiline.csv' };
    const inMemory = await single(file, { ...options, spillRows: Infinity });
    const report = JSON.parse(inMemory);
    const dups = report.findings.filter((f: { rule: string }) => f.rule === 'quality/duplicate-rows');
    assert.equal(dups.length, 100);
    for (const f of dups) {
      // Row r is on lines 2r and 2r + 1 (the header is line 1), its range ending before the closing quote;
      // it repeats row r - 60,000.
      const k = f.row - 60_001;
      assert.deepEqual(f.location, {
        line: 2 * f.row,
        startColumn: 1,
        endLine: 2 * f.row + 1,
        endColumn: `line ${k}`.length + 1,
      });
      assert.deepEqual(f.related[0].location, {
        line: 2 * (k + 1),
        startColumn: 1,
        endLine: 2 * (k + 1) + 1,
        endColumn: `line ${k}`.length + 1,
      });
    }
    const spillDir = fs.mkdtempSync(path.join(dir, 'spill-'));
    assert.equal(await single(file, { ...options, spillRows: 0, spillDir }), inMemory);
    for (const spillRows of [Infinity, 0]) {
      const got = await ranged(file, { ...options, spillRows, spillDir }, 300_000);
      assert.equal(got.how, 'ranges');
      assert.equal(got.report, inMemory, String(spillRows));
    }
    assert.deepEqual(fs.readdirSync(spillDir), []);
  });

  it('calls afterReading once, when the whole file is read and before the analyses, however it is split', async () => {
    const size = fs.statSync(generated).size;
    for (const [threads, split, expected] of [
      [1, undefined, 'single'],
      [2, undefined, 'columns'],
      [2, 'ranges', 'ranges'],
      [3, undefined, 'columns'],
      [4, undefined, 'ranges'],
    ] as const) {
      let read = 0;
      const seen: number[] = [];
      let how: string | undefined;
      const report = await scanFileInThreads(
        generated,
        {
          fileName: 'customers.csv',
          onProgress: (b) => (read = b),
          afterReading: () => seen.push(read),
        },
        { threads, rangeBytes: 500_000, ...(split ? { split } : {}), onSplit: (h) => (how = h) },
      );
      assert.equal(how, expected);
      assert.equal(seen.length, 1, `${expected}: called ${seen.length} times`);
      // The column split reads in its threads too and reports this thread's share; the others read alike.
      if (expected !== 'columns') assert.equal(seen[0], size, expected);
      assert.ok(report.rows > 0);
    }
  });

  it('fails with the error of a range thread that dies, and leaves no temporary file', async () => {
    const spillDir = fs.mkdtempSync(path.join(dir, 'spill-'));
    await assert.rejects(
      scanFileInThreads(
        generated,
        { fileName: 'customers.csv', spillRows: 0, spillDir },
        { threads: 2, split: 'ranges', rangeBytes: 500_000, threadLimits: { maxOldGenerationSizeMb: 1 } },
      ),
      (e: NodeJS.ErrnoException) => e.code === 'ERR_WORKER_OUT_OF_MEMORY',
    );
    assert.deepEqual(fs.readdirSync(spillDir), []);
  });

  it('is cancelled by the signal', async () => {
    const controller = new AbortController();
    const p = scanFileInThreads(
      generated,
      { fileName: 'customers.csv', signal: controller.signal },
      { threads: 2, split: 'ranges', rangeBytes: 500_000 },
    );
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
  });
});
