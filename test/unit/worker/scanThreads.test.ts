import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCsv } from '../../../bench/scan/generate';
import { scanDataset, type ScanOptions } from '../../../src/core/scan';
import { parsePolicy } from '../../../src/core/policy';
import { SpillDir, type SpillFileHandle } from '../../../src/core/data/spill';
import { countSpillFiles } from './spillSpy';
import {
  MANY_CORE_THREADS,
  MAX_SPLIT_CELL_CHARS,
  MAX_THREE_THREAD_COLUMNS,
  MAX_TWO_THREAD_COLUMNS,
  MAX_TWO_THREAD_COLUMNS_LABELLED,
  MIN_SPLIT_BYTES,
  columnThreadsFor,
  defaultSplit,
  defaultThreads,
  scanFileInThreads,
} from '../../../src/worker/scanThreads';

const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');

/** The single-threaded report, the reference every split must reproduce byte for byte. */
async function single(file: string, options: ScanOptions) {
  return JSON.stringify(await scanDataset(fs.createReadStream(file), options));
}

describe('scanFileInThreads: a scan split by column across worker threads', function () {
  this.timeout(120000);
  let dir: string;
  let generated: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-threads-'));
    generated = path.join(dir, 'customers.csv');
    // 12 columns of every kind, personal data in free text: enough findings to reach a small per-rule cap
    // in columns that different threads read.
    generateCsv(generated, 3e6);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const threads of [2, 3]) {
    it(`gives the single-threaded report with ${threads} threads, a per-rule cap crossing threads included`, async () => {
      // Cap 2: the header findings of one rule (personal-data columns, quasi-identifiers) come from columns of
      // different threads, so which two are kept is decided across threads.
      for (const options of [
        { fileName: 'customers.csv' },
        { fileName: 'customers.csv', maxFindingsPerRule: 20 },
        { fileName: 'customers.csv', maxFindingsPerRule: 2 },
      ]) {
        const got = JSON.stringify(
          await scanFileInThreads(generated, options, { threads, split: 'columns' }),
        );
        assert.equal(got, await single(generated, options));
        const report = JSON.parse(got);
        assert.ok(report.rows > 10000, String(report.rows));
        if (options.maxFindingsPerRule)
          assert.ok(report.truncated['privacy/pii-cell'] > 0, 'the cap was reached');
      }
    });
  }

  it('gives the in-memory report when every thread spills its kept columns, a worker handing its files over', async () => {
    const spillDir = fs.mkdtempSync(path.join(dir, 'spill-'));
    const adopt = SpillDir.prototype.adopt;
    let adopted = 0;
    SpillDir.prototype.adopt = function (this: SpillDir, handle: SpillFileHandle) {
      adopted++;
      return adopt.call(this, handle);
    };
    const files = countSpillFiles();
    try {
      // Without a label only the quasi-identifiers are kept; with one, every column that can be.
      for (const label of [{}, { label: 'sex', positive: ['Female'] }]) {
        const options = { fileName: 'customers.csv', ...label };
        const inMemory = await single(generated, { ...options, spillRows: Infinity });
        for (const threads of [2, 3]) {
          files.count = 0;
          adopted = 0;
          const got = JSON.stringify(
            await scanFileInThreads(
              generated,
              { ...options, spillRows: 3000, spillDir },
              { threads, split: 'columns' },
            ),
          );
          assert.equal(got, inMemory, `${threads} threads, ${JSON.stringify(label)}`);
          // The workers' files (made in their own modules, so not counted here) came over to this thread.
          assert.ok(adopted > 0, `${threads} threads: nothing handed over`);
          assert.ok(files.count > 0, `${threads} threads: this thread spilled nothing`);
          // Handed-over files and their directories are gone once the report is made.
          assert.deepEqual(fs.readdirSync(spillDir), []);
        }
      }
    } finally {
      files.restore();
      SpillDir.prototype.adopt = adopt;
    }
  });

  it('splits up to three threads by column and more by range, and takes what fits the memory aim by default', () => {
    assert.equal(defaultSplit(2), 'columns');
    assert.equal(defaultSplit(3), 'columns');
    assert.equal(defaultSplit(4), 'ranges');
    assert.equal(defaultSplit(8), 'ranges');
    assert.equal(MANY_CORE_THREADS, 3);
    for (const cores of [1, 2, 3, 4, 16, 64]) {
      const most = cores <= 1 ? 1 : cores === 2 ? 2 : 3;
      assert.equal(defaultThreads(1e9, undefined, cores), most, `${cores} cores`);
      assert.equal(defaultThreads(1e9, 'csv', cores), most, `${cores} cores`);
      assert.equal(defaultThreads(1e9, 'tsv', cores), most, `${cores} cores`);
      assert.equal(defaultThreads(MIN_SPLIT_BYTES, 'csv', cores), most, `${cores} cores`);
      assert.equal(defaultThreads(MIN_SPLIT_BYTES - 1, 'csv', cores), 1, `${cores} cores`);
      // JSON is split by column only, every thread parsing it all: one thread.
      assert.equal(defaultThreads(1e9, 'jsonl', cores), 1, `${cores} cores`);
      assert.equal(defaultThreads(1e9, 'json', cores), 1, `${cores} cores`);
      // Never ranges by default: they take 65 to 95 MB a thread.
      assert.equal(defaultSplit(defaultThreads(1e9, 'csv', cores)), 'columns');
    }
    assert.equal(defaultThreads(1e9), defaultThreads(1e9, 'csv', os.availableParallelism()));
    // A wide table takes fewer threads, whatever its length, and fewer still with a label, which keeps
    // every column.
    assert.equal(columnThreadsFor(12, 3), 3);
    assert.equal(columnThreadsFor(12, 2), 2);
    assert.equal(columnThreadsFor(MAX_THREE_THREAD_COLUMNS - 1, 3), 3);
    assert.equal(columnThreadsFor(MAX_THREE_THREAD_COLUMNS, 3), 2);
    assert.equal(columnThreadsFor(MAX_TWO_THREAD_COLUMNS - 1, 3), 2);
    assert.equal(columnThreadsFor(MAX_TWO_THREAD_COLUMNS, 3), 1);
    assert.equal(columnThreadsFor(MAX_TWO_THREAD_COLUMNS, 2), 1);
    assert.equal(columnThreadsFor(12, 3, true), 2);
    assert.equal(columnThreadsFor(MAX_TWO_THREAD_COLUMNS_LABELLED - 1, 3, true), 2);
    assert.equal(columnThreadsFor(MAX_TWO_THREAD_COLUMNS_LABELLED, 3, true), 1);
    assert.equal(columnThreadsFor(MAX_TWO_THREAD_COLUMNS_LABELLED, 2), 2);
    assert.ok(MAX_TWO_THREAD_COLUMNS_LABELLED < MAX_TWO_THREAD_COLUMNS);
    assert.ok(MAX_THREE_THREAD_COLUMNS < MAX_TWO_THREAD_COLUMNS);
    assert.equal(columnThreadsFor(20_000, 8), 1);
    assert.equal(columnThreadsFor(20_000, 8, true), 1);
  });

  it('takes three threads by column on a machine of more cores by default, two with a label', async () => {
    // Past MIN_SPLIT_BYTES, planned for four cores.
    const file = path.join(dir, 'large.csv');
    generateCsv(file, MIN_SPLIT_BYTES + 1e6);
    try {
      for (const cores of [4]) {
        const how: [string, number][] = [];
        const onSplit = (h: string, n: number) => how.push([h, n]);
        const plain = await scanFileInThreads(file, { fileName: 'large.csv' }, { cores, onSplit });
        const labelled = await scanFileInThreads(
          file,
          { fileName: 'large.csv', label: 'sex', positive: ['Female'] },
          { cores, onSplit },
        );
        assert.deepEqual(how, [
          ['columns', 3],
          ['columns', 2],
        ]);
        assert.ok(plain.rows > 200_000 && labelled.rows === plain.rows, String(plain.rows));
        assert.ok(labelled.fairness, 'the labelled audit has its fairness section');
      }
    } finally {
      fs.rmSync(file);
    }
  });

  it('keeps a table of long text cells in one thread by default, where two would split it by column', async () => {
    // 41 MB of an id and a text of about 300 characters: a mean cell past MAX_SPLIT_CELL_CHARS. Two threads
    // at most, so that the default is a split by column on any machine.
    const file = path.join(dir, 'texts.csv');
    const fd = fs.openSync(file, 'w');
    const text = 'the model was trained on data we never saw again '.repeat(6);
    const rows = Array.from({ length: 1_000 }, (_, i) => `${i},"${text}${i}"`).join('\n');
    fs.writeSync(fd, 'id,text\n');
    for (let written = 0; written <= MIN_SPLIT_BYTES; written += rows.length + 1)
      fs.writeSync(fd, rows + '\n');
    fs.closeSync(fd);
    let how: string | undefined;
    const report = await scanFileInThreads(
      file,
      { fileName: 'texts.csv' },
      { maxThreads: 2, onSplit: (h) => (how = h) },
    );
    assert.equal(how, 'single');
    assert.ok(report.rows > 130_000, String(report.rows));
    assert.ok(MAX_SPLIT_CELL_CHARS < 150);
    fs.rmSync(file);
  });

  it('reads a compressed file in one thread whatever the count asked: gzip, xz, bzip2', async () => {
    const fixtures = path.resolve(__dirname, '../../fixtures');
    for (const name of ['xz/adult-200k.csv.xz', 'bzip2/adult-200k.csv.bz2']) {
      const file = path.join(fixtures, name);
      for (const split of ['columns', 'ranges'] as const) {
        let how: string | undefined;
        const report = await scanFileInThreads(
          file,
          { fileName: path.basename(name) },
          { threads: split === 'columns' ? 2 : 4, split, onSplit: (h) => (how = h) },
        );
        assert.equal(how, 'single', `${name}, ${split}`);
        assert.equal(report.rows, 1_854);
      }
    }
  });

  it('gives the single-threaded report on Adult with a label and a policy (fairness from columns of several threads)', async () => {
    const { policy } = parsePolicy(
      JSON.stringify({ label: 'income', positive: ['>50K'] }),
      'responsible-ml.json',
    );
    const options = { fileName: 'adult.csv', policy };
    const got = JSON.stringify(await scanFileInThreads(adult, options, { threads: 2, split: 'columns' }));
    assert.equal(got, await single(adult, options));
    assert.ok(JSON.parse(got).fairness.proxies.length > 0);
  });

  it('gives the single-threaded report on malformed input: ragged rows, quoted line breaks, a stray quote', async () => {
    const lines = ['id,comment,email,amount'];
    for (let i = 0; i < 400; i++) {
      if (i % 97 === 5) lines.push(`${i},"two\nlines, one quote ""x""",u${i}@example.com,${i}.5`);
      else if (i % 89 === 7) lines.push(`${i},short`);
      else if (i % 83 === 3) lines.push(`${i},"closed" then text,u${i}@example.com,1,extra`);
      else lines.push(`${i},call 415-555-01${String(i % 100).padStart(2, '0')},u${i}@example.com,${i}`);
    }
    const file = path.join(dir, 'messy.csv');
    fs.writeFileSync(file, lines.join('\r\n'));
    const options = { fileName: 'messy.csv' };
    const got = JSON.stringify(await scanFileInThreads(file, options, { threads: 2, split: 'columns' }));
    assert.equal(got, await single(file, options));
    assert.ok(JSON.parse(got).findings.some((f: { rule: string }) => f.rule.startsWith('data/')));
  });

  it('gives the single-threaded report on JSON Lines, a key that first appears late included', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 30000; i++) {
      const o: Record<string, unknown> = {
        id: i,
        email: `u${i}@example.com`,
        note: i % 50 === 0 ? `call 415-555-01${String(i % 100).padStart(2, '0')}` : 'ok',
        age: 20 + (i % 50),
      };
      if (i > 25000) o.late = `x${i % 7}`;
      lines.push(JSON.stringify(o));
    }
    const file = path.join(dir, 'people.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const options = { fileName: 'people.jsonl' };
    const got = JSON.stringify(await scanFileInThreads(file, options, { threads: 2, split: 'columns' }));
    assert.equal(got, await single(file, options));
  });

  it('fails with the error of a worker thread that dies, and leaves no temporary file', async () => {
    // Heaps too small to live in: the worker dies the way one out of memory does, as it starts (1 MB) or
    // further on (8 MB), while every thread spills from the first row (kept columns handed over included).
    const options = { fileName: 'customers.csv', label: 'sex', positive: ['Female'], spillRows: 0 };
    for (const mb of [1, 8]) {
      const spillDir = fs.mkdtempSync(path.join(dir, 'spill-'));
      const files = countSpillFiles();
      try {
        const report = await scanFileInThreads(
          generated,
          { ...options, spillDir },
          { threads: 2, split: 'columns', threadLimits: { maxOldGenerationSizeMb: mb } },
        ).then(
          (r) => JSON.stringify(r),
          (e: NodeJS.ErrnoException) => String(e.code),
        );
        // At 8 MB a worker may live on a machine that needs less: then it gives the report.
        if (mb === 1 || report.startsWith('ERR_'))
          assert.equal(report, 'ERR_WORKER_OUT_OF_MEMORY', `${mb} MB`);
        else assert.equal(report, await single(generated, { ...options, spillRows: Infinity }));
        assert.ok(files.count > 0, `${mb} MB: this thread spilled nothing`);
        // This thread's files, and the directory its worker had, are gone once the error is thrown.
        assert.deepEqual(fs.readdirSync(spillDir), [], `${mb} MB`);
      } finally {
        files.restore();
      }
    }
  });

  it('stops every thread when cancelled', async () => {
    const controller = new AbortController();
    const run = scanFileInThreads(
      generated,
      { fileName: 'customers.csv', signal: controller.signal },
      { threads: 2 },
    );
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
  });
});
