import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { generateCsv } from '../../../bench/scan/generate';
import { scanDataset, type ScanOptions } from '../../../src/core/scan';
import { MIN_SPLIT_BYTES } from '../../../src/worker/scanThreads';
import {
  MAX_FILE_THREADS,
  MAX_SIDE_BY_SIDE_COLUMNS,
  fileThreadsFor,
  scanFilesEach,
  type FileScan,
  type FileStart,
} from '../../../src/worker/scanFiles';
import type { AuditReport } from '../../../src/core/report/auditReport';
import { archiveMembersOf, zipMembersOf } from '../../../src/worker/scannedFile';
import type { TarMember } from '../../../src/core/data/compressed';
import { makeTar } from '../data/makeTar';
import { makeZip } from '../data/readHelpers';

const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');

/** The report of one file scanned alone in this thread: what every file of an audit must get. */
async function alone(f: FileScan): Promise<string> {
  return JSON.stringify(await scanDataset(fs.createReadStream(f.file), f.options));
}

/** Every file's result, and the files scanned in this thread (those `onStart` is told of), in order. */
async function scanTold(files: readonly FileScan[], threaded: Parameters<typeof scanFilesEach>[1]) {
  const here: number[] = [];
  const reports = await scanAll(files, threaded, (i) => {
    here.push(i);
    return undefined;
  });
  return { here, reports };
}

/** Every file's result, in the order given (an `Error` where its scan failed), with `onStart` told. */
async function scanAll(
  files: readonly FileScan[],
  threaded: Parameters<typeof scanFilesEach>[1],
  onStart?: (i: number) => FileStart | undefined,
): Promise<(AuditReport | Error)[]> {
  const results = new Array<AuditReport | Error>(files.length);
  await scanFilesEach(files, threaded, {
    ...(onStart ? { onStart } : {}),
    onDone: (i, result) => {
      assert.equal(results[i], undefined, `file ${i} told twice`);
      results[i] = result;
    },
  });
  return results;
}

describe('scanFilesEach: several files of an audit', function () {
  this.timeout(180000);
  let dir: string;
  let files: FileScan[];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-files-'));
    const customers = path.join(dir, 'customers.csv');
    generateCsv(customers, 2e6);
    const ragged = path.join(dir, 'ragged.csv');
    fs.writeFileSync(ragged, 'id,email,age\n1,a.person@example.com,31\n2,"unclosed,40\n3,b@example.org\n');
    const jsonl = path.join(dir, 'people.jsonl');
    fs.writeFileSync(
      jsonl,
      Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({ id: i, sex: i % 3 ? 'Female' : 'Male', phone: `+1 415 555 01${i % 100}` }),
      ).join('\n'),
    );
    const empty = path.join(dir, 'empty.csv');
    fs.writeFileSync(empty, '');
    const at = (file: string, options: Omit<ScanOptions, 'fileName'> = {}): FileScan => ({
      file,
      options: { ...options, fileName: path.basename(file) },
    });
    files = [
      at(customers),
      at(adult),
      at(ragged),
      at(jsonl),
      at(empty),
      at(customers, { maxFindingsPerRule: 3 }),
      at(adult, { label: 'income', positive: ['>50K'] }),
    ];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scans two files at a time on two cores or more, one on one core', () => {
    assert.equal(MAX_FILE_THREADS, 2);
    assert.equal(fileThreadsFor(1), 1);
    for (const cores of [2, 3, 4, 16, 64]) assert.equal(fileThreadsFor(cores), 2, `${cores} cores`);
  });

  it('gives each file the report a scan of it alone gives, in the order given, side by side', async () => {
    const { here, reports } = await scanTold(files, { cores: 2, sideBySideBytes: 0 });
    assert.equal(reports.length, files.length);
    for (let i = 0; i < files.length; i++)
      assert.equal(JSON.stringify(reports[i]), await alone(files[i]!), `file ${i}`);
    // The files not told were scanned in the worker thread; the empty file, with no header to tell its
    // width, and the one with a label come last, alone.
    assert.ok(here.length > 2 && here.length < files.length, JSON.stringify(here));
    assert.deepEqual(here.slice(-2), [4, 6]);
    const shared = here.slice(0, -2);
    assert.deepEqual(
      shared,
      [...shared].sort((a, b) => a - b),
      'this thread takes the files in order',
    );
  });

  it('scans bzip2 files side by side, their width read from their first block', async () => {
    // generateCsv's first megabyte (seed 42) by `bzip2 -9`: its one block takes 150 kB compressed.
    const bz2 = path.resolve(__dirname, '../../fixtures/bzip2/customers-1mb.csv.bz2');
    const pair = ['a.csv.bz2', 'b.csv.bz2'].map((name) => {
      fs.copyFileSync(bz2, path.join(dir, name));
      return { file: path.join(dir, name), options: { fileName: name } };
    });
    const { here, reports } = await scanTold(pair, { cores: 2, sideBySideBytes: 0 });
    // One in the worker thread: both were narrow enough to go side by side.
    assert.deepEqual(here, [0]);
    for (let i = 0; i < pair.length; i++) assert.equal(JSON.stringify(reports[i]), await alone(pair[i]!));
  });

  it('scans one file after another with a thread count given, on one core, or below the bytes', async () => {
    for (const threaded of [
      { threads: 1, sideBySideBytes: 0 },
      { threads: 2, sideBySideBytes: 0 },
      { cores: 1, sideBySideBytes: 0 },
      { cores: 2 },
    ]) {
      const here: number[] = [];
      const reports = await scanAll(files.slice(0, 3), threaded, (i) => {
        here.push(i);
        return undefined;
      });
      assert.deepEqual(here, [0, 1, 2], JSON.stringify(threaded));
      for (let i = 0; i < 3; i++) assert.equal(JSON.stringify(reports[i]), await alone(files[i]!));
    }
  });

  it('adds what the caller gives to a file of this thread, and tells it when the file is done', async () => {
    const events: string[] = [];
    await scanAll(files.slice(0, 2), { threads: 1 }, (i) => ({
      options: { onProgress: () => events.push(`read ${i}`) },
      done: () => events.push(`done ${i}`),
    }));
    const done0 = events.indexOf('done 0');
    assert.ok(events.indexOf('read 0') >= 0 && events.indexOf('read 0') < done0, events.join());
    assert.ok(events.indexOf('read 1') > done0 && events.at(-1) === 'done 1', events.join());
  });

  it('scans a file past MIN_SPLIT_BYTES after the small ones, with its own split', async () => {
    const large = path.join(dir, 'large.csv');
    generateCsv(large, MIN_SPLIT_BYTES + 1e6);
    const mixed: FileScan[] = [files[2]!, { file: large, options: { fileName: 'large.csv' } }, files[3]!];
    const { here, reports } = await scanTold(mixed, { cores: 2, sideBySideBytes: 0 });
    assert.equal(here.at(-1), 1, JSON.stringify(here));
    for (let i = 0; i < mixed.length; i++)
      assert.equal(JSON.stringify(reports[i]), await alone(mixed[i]!), `file ${i}`);
    fs.rmSync(large);
  });

  it('scans a table too wide for two at once, or any with a label, after the others, alone', async () => {
    const table = (name: string, columns: number) => {
      const file = path.join(dir, name);
      const header = Array.from({ length: columns }, (_, c) => `f${c}`);
      const rows = Array.from({ length: 50 }, (_, r) => header.map((_, c) => r * c).join(','));
      fs.writeFileSync(file, [header.join(','), ...rows].join('\n'));
      return file;
    };
    const narrow = table('narrow.csv', MAX_SIDE_BY_SIDE_COLUMNS - 1);
    const wide = table('wide.csv', MAX_SIDE_BY_SIDE_COLUMNS);
    const list: FileScan[] = [wide, narrow, files[0]!.file, files[1]!.file].map((file) => ({
      file,
      options: { fileName: path.basename(file) },
    }));
    const labelled: FileScan = {
      file: narrow,
      options: { fileName: 'narrow.csv', label: 'f1', positive: ['0'] },
    };
    list.splice(1, 0, labelled);
    const here: string[] = [];
    const reports = await scanAll(list, { cores: 2, sideBySideBytes: 0 }, (i) => {
      here.push(`${list[i]!.options.fileName}${list[i]!.options.label ? ' labelled' : ''}`);
      return undefined;
    });
    assert.deepEqual(here.slice(-2), ['wide.csv', 'narrow.csv labelled'], JSON.stringify(here));
    assert.ok(here.length > 2 && here.length < list.length, JSON.stringify(here));
    for (let i = 0; i < list.length; i++)
      assert.equal(JSON.stringify(reports[i]), await alone(list[i]!), here[i]);
  });

  it("scans a ZIP archive's tables side by side, each as the file alone but for the archive's note", async () => {
    const plain = [files[0]!, files[1]!, files[3]!];
    const archive = path.join(dir, 'tables.zip');
    fs.writeFileSync(
      archive,
      makeZip(
        plain.map((f, k) => ({
          name: f.options.fileName,
          data: fs.readFileSync(f.file),
          method: k === 1 ? 0 : 8,
        })),
      ),
    );
    const members = zipMembersOf(archive, 'tables.zip')!;
    const list: FileScan[] = members.map((m) => ({
      file: archive,
      options: { fileName: m.entry.name, zipMember: m },
    }));
    const { here, reports } = await scanTold(list, { cores: 2, sideBySideBytes: 0 });
    assert.ok(here.length > 0 && here.length < list.length, JSON.stringify(here));
    for (let i = 0; i < list.length; i++) {
      const report = reports[i] as AuditReport;
      const notes = report.findings.filter((f) => f.rule === 'data/zip-archive');
      assert.equal(notes.length, 1);
      const rest = { ...report, findings: report.findings.filter((f) => f.rule !== 'data/zip-archive') };
      assert.equal(JSON.stringify(rest), await alone(plain[i]!), plain[i]!.options.fileName);
    }
  });

  it("scans a tar archive's tables side by side, plain or gzip-compressed, each as the file alone", async () => {
    const plain = [files[0]!, files[1]!, files[3]!];
    const tar = makeTar([
      { name: 'tables/', type: '5' },
      ...plain.map((f) => ({ name: `tables/${f.options.fileName}`, data: fs.readFileSync(f.file) })),
    ]);
    // A gzip-compressed archive's tables keep their first bytes from its walk; without them (past the first
    // 64 tables), the archive is decompressed up to each again to tell whether it may go beside another.
    for (const [name, bytes, heads] of [
      ['tables.tar', tar, false],
      ['tables.tar.gz', gzipSync(tar), true],
      ['tables.tar.gz', gzipSync(tar), false],
    ] as const) {
      const archive = path.join(dir, name);
      fs.writeFileSync(archive, bytes);
      const members = ((await archiveMembersOf(archive, name)) as TarMember[]).map((m) => {
        assert.equal(m.head !== undefined, m.compression === 'gzip', m.name);
        return heads ? m : { ...m, head: undefined };
      });
      assert.deepEqual(
        members.map((m) => m.name),
        plain.map((f) => `tables/${f.options.fileName}`),
      );
      const list: FileScan[] = members.map((m) => ({
        file: archive,
        options: { fileName: path.basename(m.name), tarMember: m },
      }));
      const { here, reports } = await scanTold(list, { cores: 2, sideBySideBytes: 0 });
      assert.ok(here.length > 0 && here.length < list.length, JSON.stringify(here));
      for (let i = 0; i < list.length; i++) {
        const report = reports[i] as AuditReport;
        assert.equal(report.findings.filter((f) => f.rule === 'data/tar-archive').length, 1);
        const rest = { ...report, findings: report.findings.filter((f) => f.rule !== 'data/tar-archive') };
        assert.equal(JSON.stringify(rest), await alone(plain[i]!), `${name}: ${plain[i]!.options.fileName}`);
      }
    }
  });

  it('goes on past a failed file, telling each result as it comes', async () => {
    const unsendable = {
      file: files[2]!.file,
      options: { fileName: 'ragged.csv', policy: { unsendable: () => 0 } } as unknown as ScanOptions,
    };
    const missing = { file: path.join(dir, 'gone.csv'), options: { fileName: 'gone.csv' } };
    const list = [files[0]!, unsendable, files[3]!, missing, files[1]!];
    const done = new Map<number, string>();
    await scanFilesEach(
      list,
      { cores: 2, sideBySideBytes: 0 },
      {
        onDone: (i, result) => {
          assert.ok(!done.has(i), `file ${i} told twice`);
          done.set(i, result instanceof Error ? `error ${result.name}` : JSON.stringify(result));
        },
      },
    );
    assert.deepEqual([...done.keys()].sort(), [0, 1, 2, 3, 4]);
    assert.equal(done.get(1), 'error DataCloneError');
    assert.match(done.get(3)!, /^error /);
    for (const i of [0, 2, 4]) assert.equal(done.get(i), await alone(list[i]!), `file ${i}`);
  });

  it('tells the file of a worker thread that dies, and leaves the rest to this thread', async () => {
    // A heap too small to live in: the worker dies the way one out of memory does, with its first file.
    const dying = { cores: 2, sideBySideBytes: 0, threadLimits: { maxOldGenerationSizeMb: 1 } };
    const spillDir = fs.mkdtempSync(path.join(dir, 'spill-'));
    const spilling = (f: FileScan) => ({ ...f, options: { ...f.options, spillRows: 0, spillDir } });
    const list = [files[0]!, files[1]!, files[3]!, files[0]!].map(spilling);
    const done = new Map<number, string>();
    await scanFilesEach(list, dying, {
      onDone: (i, result) => {
        assert.ok(!done.has(i), `file ${i} told twice`);
        done.set(
          i,
          result instanceof Error
            ? `error ${(result as NodeJS.ErrnoException).code}`
            : JSON.stringify(result),
        );
      },
    });
    assert.deepEqual([...done.keys()].sort(), [0, 1, 2, 3]);
    // This thread took the first file, the worker the second; the others fell to this thread.
    assert.equal(done.get(1), 'error ERR_WORKER_OUT_OF_MEMORY');
    for (const i of [0, 2, 3]) assert.equal(done.get(i), await alone(list[i]!), `file ${i}`);
    assert.deepEqual(fs.readdirSync(spillDir), []);
  });

  it('stops every thread when cancelled', async () => {
    const controller = new AbortController();
    const many = Array.from({ length: 6 }, () => ({
      file: files[0]!.file,
      options: { fileName: 'customers.csv', signal: controller.signal },
    }));
    await assert.rejects(
      scanAll(many, { cores: 2, sideBySideBytes: 0 }, () => {
        setTimeout(() => controller.abort(), 50);
        return undefined;
      }),
      (e: Error) => e.name === 'AbortError',
    );
  });
});
