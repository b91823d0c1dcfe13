import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { decompressWhole, memberOptions, type TarMember } from '../../../src/core/data/compressed';
import { loadTable } from '../../../src/core/training/loadTable';
import { archiveMembersOf, datasetSource, derivedFrom, openScanned } from '../../../src/worker/scannedFile';
import { isTarHeader, paxRecords, readTarHeader } from '../../../src/core/data/tar';
import { pieces, readAll } from './readHelpers';
import { makeTar } from './makeTar';

const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');
const archives = path.resolve(__dirname, '../../fixtures/archives');

const notesOf = (r: Awaited<ReturnType<typeof readAll>>) =>
  r.problems.filter((p) => p.rule === 'data/tar-archive').map((p) => [p.severity, p.message]);

describe('tar archives: the table inside read through', () => {
  const text = Buffer.from(fs.readFileSync(adult).subarray(0, 200_000));

  it('reads the table of a tar archive, plain or gzip-compressed, as that file, in any chunking, and says so', async () => {
    const expected = await readAll([text], { fileName: 'adult.csv' });
    assert.ok(expected.rows.length > 1000);
    const tar = makeTar([
      { name: 'data/', type: '5' },
      { name: 'data/adult.csv', data: text },
    ]);
    for (const [bytes, compression] of [
      [tar, undefined],
      [gzipSync(tar), 'gzip'],
    ] as const) {
      for (const size of [7, 511, 4096, 1 << 18, bytes.length]) {
        const got = await readAll(pieces(bytes, size), { fileName: 'adult.tgz' });
        assert.deepEqual(got.header, expected.header, `header, pieces of ${size}`);
        assert.deepEqual(got.rows, expected.rows, `rows, pieces of ${size}`);
        assert.deepEqual(
          got.problems.filter((p) => p.rule !== 'data/tar-archive'),
          expected.problems.map((f) => ({ ...f, file: 'adult.tgz' })),
        );
        assert.deepEqual(notesOf(got), [
          ['info', 'The file is a tar archive: its file data/adult.csv was read.'],
        ]);
        assert.equal(got.summary.archive, 'tar');
        assert.equal(got.summary.compression, compression);
        assert.equal(got.summary.bytes, text.length);
      }
    }
    // The format is the entry's: a TSV file inside an archive of no telling name.
    const tsv = await readAll([makeTar([{ name: 'x/t.tsv', data: Buffer.from('a\tb\n1\t2\n') }])], {
      fileName: 'x.tar',
    });
    assert.equal(tsv.summary.format, 'tsv');
    assert.equal(tsv.rows.length, 1);
  });

  it('reads the first file named as a table; names the other tables and files, not metadata or links', async () => {
    const tar = makeTar([
      { name: 'README.txt', data: Buffer.from('Adult, a cut.\n') },
      { name: '._train.csv', data: Buffer.from('\0\u0005\u0016\u0007 macOS') },
      { name: 'train.csv', data: text },
      { name: 'latest.csv', type: '2' },
      { name: 'test.csv', data: Buffer.from('a,b\n1,2\n') },
      { name: '.DS_Store', data: Buffer.from('x') },
    ]);
    const r = await readAll([gzipSync(tar)], { fileName: 'adult.tar.gz' });
    assert.equal(r.rows.length, (await readAll([text])).rows.length);
    assert.deepEqual(notesOf(r), [
      [
        'warning',
        'The file is a tar archive: its file train.csv was read; its other table (test.csv) was not: give the archive as a file, not standard input, or extract it, to audit each; 1 other file in it (README.txt) is not a table and was not read.',
      ],
    ]);
    const note = r.problems.find((p) => p.rule === 'data/tar-archive');
    assert.deepEqual(note?.data, {
      entry: 'train.csv',
      tables: { count: 1, names: ['test.csv'] },
      others: { count: 1, names: ['README.txt'] },
      listed: true,
    });
  });

  it('reads the long names of GNU, pax and ustar writers (GNU tar 1.34 fixtures) and of pax records', async () => {
    const name =
      'a-rather-long-folder-name-for-a-dataset-release-2026-11/with-a-sub-folder-whose-name-is-long-too/adult-census-income-train-split.csv';
    for (const f of ['gnu-long.tar.gz', 'pax-long.tar.gz', 'ustar-long.tar.gz']) {
      const r = await readAll([fs.readFileSync(path.join(archives, f))], { fileName: f });
      assert.equal(r.rows.length, 49, f);
      assert.deepEqual(notesOf(r), [['info', `The file is a tar archive: its file ${name} was read.`]], f);
    }
    const long = `${'d'.repeat(120)}/t.csv`;
    const r = await readAll([makeTar([{ name: long, data: Buffer.from('a,b\n1,2\n') }])]);
    assert.equal(r.problems.find((p) => p.rule === 'data/tar-archive')?.data?.entry, long);
    // A record's length counts its own digits, in bytes (the name's accents are two each).
    const record = (kv: string) => {
      let n = Buffer.byteLength(` ${kv}\n`) + 1;
      while (String(n).length + Buffer.byteLength(` ${kv}\n`) !== n) n++;
      return `${n} ${kv}\n`;
    };
    assert.deepEqual(paxRecords(Buffer.from(record('path=d/\u00e9t\u00e9/table.csv') + record('size=12'))), {
      path: 'd/\u00e9t\u00e9/table.csv',
      size: 12,
    });
  });

  it('keeps the rows before a cut inside the table; a cut after it stops only the listing', async () => {
    const tar = makeTar([
      { name: 'adult.csv', data: text },
      { name: 'more.csv', data: text },
    ]);
    const expected = await readAll([text]);
    for (const bytes of [tar.subarray(0, 100_000), gzipSync(tar).subarray(0, 12_000)]) {
      const r = await readAll([bytes], { fileName: 'a.tar' });
      assert.ok(r.rows.length > 100 && r.rows.length < expected.rows.length, `${r.rows.length} rows`);
      const damaged = r.problems.find((p) => p.rule === 'data/compressed-damaged');
      assert.match(
        damaged?.message ?? '',
        /^The tar archive's file adult\.csv is cut short \(the archive ends inside it\): the \d+ rows in its first/,
      );
    }
    for (const bytes of [tar.subarray(0, 300_000), gzipSync(tar.subarray(0, 300_000))]) {
      const r = await readAll([bytes], { fileName: 'a.tar' });
      assert.equal(r.rows.length, expected.rows.length);
      assert.equal(r.problems.filter((p) => p.rule === 'data/compressed-damaged').length, 0);
      assert.deepEqual(notesOf(r), [
        [
          'warning',
          'The file is a tar archive: its file adult.csv was read; its other table (more.csv) was not: give the archive as a file, not standard input, or extract it, to audit each; it is cut short or damaged, so files after that are not named.',
        ],
      ]);
    }
  });

  it('names an archive of no table, and one damaged before its table; plain text is never one', async () => {
    const none = await readAll([makeTar([{ name: 'notes.md', data: Buffer.from('# Notes\n') }])]);
    assert.deepEqual(
      none.problems.map((p) => [p.rule, p.severity]),
      [
        ['data/binary-file', 'error'],
        ['data/tar-archive', 'warning'],
      ],
    );
    assert.match(none.problems[0]!.message, /^The file is a tar archive, not CSV/);
    assert.match(
      none.problems[1]!.message,
      /^The file is a tar archive with no file named as a table \(\.csv, .*; 1 file in it \(notes\.md\) is not a table/,
    );
    const damaged = await readAll([
      makeTar([
        { name: 'README', data: Buffer.from('x') },
        { name: 'adult.csv', data: text, badChecksum: true },
      ]),
    ]);
    assert.equal(damaged.rows.length, 0);
    assert.equal(
      damaged.problems.find((p) => p.rule === 'data/compressed-damaged')?.message,
      'The tar archive is damaged: a header before any table fails its checksum, and nothing after it was read.',
    );
    // A name's control characters (an escape sequence would act on a terminal) are shown as `?`.
    const escaped = await readAll([
      makeTar([
        { name: 'a\u001b[2J.csv', data: Buffer.from('a,b\n1,2\n') },
        { name: 'b\u0007.csv', data: Buffer.from('a\n') },
      ]),
    ]);
    assert.match(notesOf(escaped)[0]![1]!, /its file a\?\[2J\.csv was read; its other table \(b\?\.csv\)/);
    // A header is a checksum over 512 bytes: text never passes for one.
    assert.equal(isTarHeader(text.subarray(0, 512)), false);
    const h = makeTar([{ name: 't.csv', data: Buffer.alloc(3) }]);
    assert.deepEqual(readTarHeader(h), { name: 't.csv', size: 3, type: '0' });
  });

  it('decompressWhole gives the table of a tar archive and its name (rml fix)', async () => {
    const tar = makeTar([{ name: 'x/adult.csv', data: text }]);
    for (const bytes of [tar, gzipSync(tar)]) {
      const whole = await decompressWhole(bytes, 'a.tar.gz');
      assert.equal(whole.entry, 'x/adult.csv');
      assert.ok(whole.bytes.equals(text));
    }
  });
});

describe('tar archives on disk: a table named inside one', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-tar-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('datasetSource finds a table by its path, an archive of one table by its own, and refuses several', async () => {
    const text = Buffer.from(fs.readFileSync(adult).subarray(0, 100_000));
    const expected = await readAll([text]);
    const two = makeTar([
      { name: 'README', data: Buffer.from('x') },
      { name: 'd/train.csv', data: text },
      { name: 'd/test.csv', data: Buffer.from('a,b\n1,2\n') },
    ]);
    fs.writeFileSync(path.join(dir, 'two.tar.gz'), gzipSync(two));
    fs.writeFileSync(path.join(dir, 'one.tar'), makeTar([{ name: 'adult.csv', data: text }]));
    const rowsOf = async (source: Awaited<ReturnType<typeof datasetSource>>, name: string) =>
      (await loadTable(openScanned(source.file, memberOptions(source.member)), name, [], source.member)).table
        .rowNumbers.length;
    const inside = await datasetSource(
      path.join(dir, 'two.tar.gz', 'd', 'train.csv'),
      'two.tar.gz/d/train.csv',
    );
    assert.equal(inside.file, path.join(dir, 'two.tar.gz'));
    assert.equal(await rowsOf(inside, 'two.tar.gz/d/train.csv'), expected.rows.length);
    assert.equal(
      derivedFrom(path.join(dir, 'two.tar.gz', 'd', 'train.csv'), inside),
      path.join(dir, 'two.train.csv'),
    );
    const one = await datasetSource(path.join(dir, 'one.tar'), 'one.tar');
    assert.equal(await rowsOf(one, 'one.tar'), expected.rows.length);
    await assert.rejects(
      datasetSource(path.join(dir, 'two.tar.gz'), 'two.tar.gz'),
      new Error(
        'two.tar.gz is a tar archive of 2 tables: name the one to read, as two.tar.gz/d/train.csv (its tables: d/train.csv, d/test.csv).',
      ),
    );
    await assert.rejects(
      datasetSource(path.join(dir, 'two.tar.gz', 'train.csv'), 'two.tar.gz/train.csv'),
      /^Error: two\.tar\.gz\/train\.csv: the tar archive two\.tar\.gz has no file train\.csv/,
    );
    // A plain .csv.gz is no archive: read as it is.
    fs.writeFileSync(path.join(dir, 'a.csv.gz'), gzipSync(text));
    assert.deepEqual(await datasetSource(path.join(dir, 'a.csv.gz'), 'a.csv.gz'), {
      file: path.join(dir, 'a.csv.gz'),
    });
  });

  it('an archive cut inside its second table: the first whole (its note a warning), the second up to the cut', async () => {
    const text = Buffer.from(fs.readFileSync(adult).subarray(0, 100_000));
    const tar = makeTar([
      { name: 'a.csv', data: text },
      { name: 'b.csv', data: text },
    ]);
    const file = path.join(dir, 'cut.tar');
    fs.writeFileSync(file, tar.subarray(0, 150_000));
    const members = (await archiveMembersOf(file, 'cut.tar')) as TarMember[];
    assert.deepEqual(
      members.map((m) => [m.name, m.listed]),
      [
        ['a.csv', false],
        ['b.csv', false],
      ],
    );
    const [a, b] = await Promise.all(
      members.map((m) =>
        loadTable(openScanned(file, memberOptions(m)), `cut.tar/${m.name}`, [], m).then((t) => t.problems),
      ),
    );
    assert.equal(a!.filter((p) => p.rule === 'data/compressed-damaged').length, 0);
    assert.deepEqual(
      a!.filter((p) => p.rule === 'data/tar-archive').map((p) => p.severity),
      ['warning'],
    );
    assert.match(
      b!.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The tar archive's file b\.csv is cut short \(the archive ends inside it\)/,
    );
  });
});
