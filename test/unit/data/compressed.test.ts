import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as os from 'node:os';
import {
  Decompressed,
  decompressWhole,
  zipMembers,
  zipMethodsRead,
  zstdReadable,
  type ZipMember,
} from '../../../src/core/data/compressed';
import { readZipDirectory, zipMemberAt, zipMembersOf } from '../../../src/worker/scannedFile';
import { readTable } from '../../../src/core/data/readTable';
import { grid, makeZip, pieces, readAll, splitAt, type ZipEntry } from './readHelpers';

const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');

describe('gzip-compressed datasets: read through', () => {
  const text = fs.readFileSync(adult).subarray(0, 400_000);
  const plain = gzipSync(text);

  it('reads a gzip file as the text inside, positions included, in any chunking', async () => {
    const expected = await readAll([text], { fileName: 'adult.csv' });
    assert.ok(expected.rows.length > 3000);
    for (const size of [1, 97, 4096, 1 << 18, plain.length]) {
      const got = await readAll(pieces(plain, size), {
        fileName: 'adult.csv.gz',
      });
      assert.deepEqual(got.header, expected.header, `header, pieces of ${size}`);
      assert.deepEqual(got.rows, expected.rows, `rows, pieces of ${size}`);
      assert.deepEqual(
        got.problems,
        expected.problems.map((f) => ({ ...f, file: 'adult.csv.gz' })),
        `problems, pieces of ${size}`,
      );
      assert.equal(got.summary.compression, 'gzip');
      assert.equal(got.summary.bytes, text.length, 'bytes of text');
    }
    assert.equal(expected.summary.compression, undefined);
  });

  it('takes the format from the name inside .gz, and sniffs it without one', async () => {
    const tsv = gzipSync('a\tb\n1\t2\n');
    assert.equal((await readAll([tsv], { fileName: 'x.tsv.gz' })).summary.format, 'tsv');
    const jsonl = gzipSync('{"a": 1}\n{"a": 2}\n');
    const r = await readAll([jsonl], { fileName: 'x.gz' });
    assert.equal(r.summary.format, 'jsonl');
    assert.deepEqual(
      r.rows.map((x) => x.values),
      [['1'], ['2']],
    );
  });

  it('reads concatenated members as one text, as gunzip does', async () => {
    const r = await readAll([Buffer.concat([gzipSync('a,b\n1,2\n'), gzipSync('3,4\n')])]);
    assert.deepEqual(
      r.rows.map((x) => x.values),
      [
        ['1', '2'],
        ['3', '4'],
      ],
    );
    assert.deepEqual(r.problems, []);
  });

  it('reads every row of a file with bytes after its gzip data, and says so as an error, in any chunking', async () => {
    const expected = await readAll([text], { fileName: 'adult.csv' });
    const small = Buffer.from('a,b\n1,2\n3,4\n');
    for (const [gz, source] of [
      [plain, text],
      [Buffer.concat([gzipSync(small.subarray(0, 8)), gzipSync(small.subarray(8))]), small],
      [gzipSync(small), small],
    ] as const) {
      const junk = Buffer.from('garbage after the data\n');
      const withJunk = Buffer.concat([gz, junk]);
      const full = source === text ? expected : await readAll([source], { fileName: 'x.csv' });
      for (const size of [1, 97, 4096, withJunk.length]) {
        const r = await readAll(pieces(withJunk, size), { fileName: 'x.csv.gz' });
        // zlib's gunzip dropped what it had decompressed in the write that met the junk: every row of a small file.
        assert.deepEqual(r.rows, full.rows, `rows, pieces of ${size}`);
        const notes = r.problems.filter((p) => p.rule === 'data/compressed-damaged');
        assert.deepEqual(
          notes.map((p) => [p.severity, p.message, p.data?.trailingAt, p.data?.trailingBytes]),
          [
            [
              // An error all the same: the bytes may be a part whose header was damaged (training refuses the file).
              'error',
              `The file's ${gz.length.toLocaleString('en-US')} bytes of gzip-compressed data are followed by 23 bytes that are not gzip data (gzip -d passes over them with a warning; pandas refuses the file): the ${full.rows.length.toLocaleString('en-US')} rows of the compressed data were read, each part passing its checksum, but if those bytes are a damaged part of the file, the rows in them are lost.`,
              gz.length,
              junk.length,
            ],
          ],
          `pieces of ${size}`,
        );
      }
      // Zeros after the data are a tape's padding, passed over without a word (as zlib does).
      const padded = await readAll([Buffer.concat([gz, Buffer.alloc(512)])], { fileName: 'x.csv.gz' });
      assert.deepEqual(padded.rows, full.rows);
      assert.deepEqual(
        padded.problems.filter((p) => p.rule === 'data/compressed-damaged'),
        [],
      );
    }
    // A second part whose magic number is damaged reads as bytes after the data: the first part's rows, the error.
    const first = gzipSync(small.subarray(0, 8));
    const damaged = Buffer.concat([first, gzipSync(small.subarray(8))]);
    damaged[first.length]! ^= 0x40;
    const d = await readAll([damaged], { fileName: 'x.csv.gz' });
    assert.deepEqual(
      d.rows.map((x) => x.values),
      [['1', '2']],
    );
    assert.equal(d.problems.find((p) => p.rule === 'data/compressed-damaged')?.severity, 'error');
  });

  it('never throws on a damaged two-part file, and reads the rows whole or says what is wrong', async () => {
    const source = Buffer.from(
      Array.from({ length: 300 }, (_, i) => `${i},name${i},${i * 7}`).join('\n') + '\n',
    );
    const gz = Buffer.concat([gzipSync(source.subarray(0, 2000)), gzipSync(source.subarray(2000))]);
    const full = (await readAll([source], { fileName: 'x.csv' })).rows;
    const damage = fc.oneof(
      // Past the magic number: a file that does not start with it is no gzip file (the binary check's).
      fc.record({ flip: fc.integer({ min: 2, max: gz.length - 1 }), by: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ cut: fc.integer({ min: 2, max: gz.length - 1 }) }),
      fc.record({ append: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
      fc.record({ insert: fc.integer({ min: 2, max: gz.length - 1 }), byte: fc.nat(255) }),
    );
    await fc.assert(
      fc.asyncProperty(damage, fc.constantFrom(1, 7, 100, 4096), async (d, size) => {
        let b = Buffer.from(gz);
        if ('flip' in d) b[d.flip]! ^= d.by;
        else if ('cut' in d) b = b.subarray(0, d.cut);
        else if ('append' in d) b = Buffer.concat([b, d.append]);
        else b = Buffer.concat([b.subarray(0, d.insert), Buffer.from([d.byte]), b.subarray(d.insert)]);
        const r = await readAll(pieces(b, size), { fileName: 'x.csv.gz' });
        const fault = r.problems.find((p) => p.rule === 'data/compressed-damaged');
        // Zeros appended are padding; a flip of a header's time or system changes no row.
        if (!fault) assert.deepEqual(r.rows, full);
        else assert.equal(fault.severity, 'error');
      }),
      { numRuns: 150 },
    );
  });

  it('reads members with a name, a comment, extra fields and a header CRC, and checks each member', async () => {
    // FEXTRA, FNAME, FCOMMENT and FHCRC set (flags 0x1e), as some writers put them, before the deflate data.
    const withHeader = (gz: Buffer): Buffer => {
      const extra = Buffer.from([4, 0, 0x41, 0x42, 0, 0]);
      const named = Buffer.concat([
        Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3]),
        extra,
        Buffer.from('data.csv\0a comment\0'),
        Buffer.from([0x12, 0x34]),
        gz.subarray(10),
      ]);
      return named;
    };
    const two = Buffer.concat([withHeader(gzipSync('a,b\n1,2\n')), withHeader(gzipSync('3,4\n'))]);
    for (const size of [1, 5, two.length]) {
      const r = await readAll(pieces(two, size), { fileName: 'x.csv.gz' });
      assert.deepEqual(
        r.rows.map((x) => x.values),
        [
          ['1', '2'],
          ['3', '4'],
        ],
        `pieces of ${size}`,
      );
      assert.deepEqual(r.problems, []);
    }
    // The second member's length check fails: its rows are read, the fault named.
    const bad = Buffer.from(two);
    bad[bad.length - 1]! ^= 1;
    const b = await readAll([bad], { fileName: 'x.csv.gz' });
    assert.match(
      b.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The gzip-compressed data fails its checksum \(the file is damaged\)/,
    );
    // A second member whose method is not deflate is damage, not padding.
    const odd = Buffer.concat([gzipSync('a,b\n1,2\n'), Buffer.from([0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 3])]);
    const o = await readAll([odd], { fileName: 'x.csv.gz' });
    assert.deepEqual(
      o.rows.map((x) => x.values),
      [['1', '2']],
    );
    assert.match(
      o.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The gzip-compressed data is damaged \(zlib: unknown compression method\)/,
    );
  });

  it('keeps the rows before a cut, with one error that the problem cap does not hide', async () => {
    // Every row ragged: 1,000 problems fill the cap before the cut is known.
    const ragged = Buffer.from(
      'a,b,c\n' + Array.from({ length: 3000 }, (_, i) => `${i},${i % 7}`).join('\n') + '\n',
    );
    for (const source of [text, ragged]) {
      const whole = gzipSync(source);
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      const r = await readAll(pieces(cut, 1000), { fileName: 'cut.csv.gz' });
      const fault = r.problems.filter((p) => p.rule === 'data/compressed-damaged');
      assert.equal(fault.length, 1);
      assert.equal(fault[0]!.severity, 'error');
      assert.match(
        fault[0]!.message,
        /^The gzip-compressed data is cut short \(the file ends inside it\): the [\d,]+ rows in its first [\d.]+ (kB|MB) of text were read; the rest of the table is not in the file\.$/,
      );
      assert.equal(fault[0]!.data?.code, 'Z_BUF_ERROR');
      // The rows read are the text's own, up to where the decompressed text stops.
      const full = await readAll([source]);
      assert.ok(
        r.rows.length > full.rows.length * 0.4 && r.rows.length < full.rows.length,
        `${r.rows.length}`,
      );
      const before = r.rows.length - 1;
      assert.deepEqual(r.rows.slice(0, before), full.rows.slice(0, before));
    }
  });

  it('names a damaged stream and a failed checksum', async () => {
    const bad = Buffer.from(plain);
    // The last eight bytes are the CRC-32 and the length: a wrong CRC fails the check at the end.
    bad[bad.length - 6]! ^= 0xff;
    const r = await readAll([bad]);
    const fault = r.problems.find((p) => p.rule === 'data/compressed-damaged');
    assert.match(
      fault?.message ?? '',
      /^The gzip-compressed data fails its checksum \(the file is damaged\)/,
    );
    assert.match(fault?.message ?? '', /any of their values may be garbled/);
    // A block header made invalid in the middle stops the text there.
    const broken = Buffer.from(plain);
    broken.fill(0xff, 10, 20);
    const b = await readAll([broken]);
    const damaged = b.problems.find((p) => p.rule === 'data/compressed-damaged');
    assert.match(damaged?.message ?? '', /^The gzip-compressed data is damaged \(zlib: .+\): the 0 rows/);
    assert.equal(b.rows.length, 0);
  });

  it('throws what the source throws, not a finding', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield plain.subarray(0, 5000);
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    await assert.rejects(
      readTable(failing(), { header: () => undefined, row: () => undefined, problem: () => undefined }),
      /EIO/,
    );
  });

  it('reports a gzip file that holds a workbook as the workbook, and closes the source', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(2000, 7)]);
    let closed = false;
    function* chunks(): Generator<Uint8Array> {
      try {
        yield* splitAt(gzipSync(zip), [10, 20]);
        // A source that would go on: the reader stops at its decision.
        for (;;) yield gzipSync(Buffer.alloc(100_000));
      } finally {
        closed = true;
      }
    }
    const got = await readTable(chunks(), {
      header: () => undefined,
      row: () => undefined,
      problem: (f) => assert.equal(f.data?.format, 'zip'),
    });
    assert.equal(got.rows, 0);
    assert.ok(closed);
  });

  it('holds a few megabytes however far the data expands (a gzip bomb)', async () => {
    // 256 MB of one repeated row in about a quarter of a megabyte.
    const row = Buffer.from('1,2,3\n');
    const block = gzipSync(Buffer.alloc(1 << 24, row.toString()));
    const members = 16;
    const source = new Decompressed(Array.from({ length: members }, () => block));
    const base = process.memoryUsage().arrayBuffers;
    let most = 0;
    let total = 0;
    let n = 0;
    for await (const chunk of source) {
      total += chunk.length;
      if (++n % 8 === 0) {
        // A slow reader: zlib must wait for it rather than fill memory.
        await new Promise((r) => setTimeout(r, 4));
        most = Math.max(most, process.memoryUsage().arrayBuffers - base);
      }
    }
    assert.equal(total, members << 24);
    assert.ok(most < 64 << 20, `${(most / 2 ** 20).toFixed(0)} MB of buffers held`);
  });

  it('decompressWhole: plain bytes as they are, a damaged file named', async () => {
    const b = Buffer.from('a,b\n');
    assert.equal((await decompressWhole(b, 'x.csv')).bytes, b);
    assert.deepEqual((await decompressWhole(gzipSync(b), 'x.csv.gz')).bytes, b);
    await assert.rejects(
      decompressWhole(gzipSync(b).subarray(0, 12), 'x.csv.gz'),
      /^Error: x\.csv\.gz: the gzip-compressed data is cut short/,
    );
  });
});

describe('ZIP archives: the first file read through', () => {
  const text = Buffer.from(fs.readFileSync(adult).subarray(0, 200_000));
  const entry = (name: string, o: Partial<ZipEntry> = {}): ZipEntry => ({ name, data: text, ...o });

  it('reads its first file as that file, by its name, in any chunking, and says so', async () => {
    const expected = await readAll([text], { fileName: 'adult.csv' });
    const tsvText = Buffer.from('a\tb\n1\t2\n');
    for (const zip of [
      makeZip([entry('adult.csv')]),
      makeZip([entry('adult.csv', { method: 0 })]),
      makeZip([entry('adult.csv', { descriptor: true })]),
    ]) {
      for (const size of [1, 97, 65_536, zip.length]) {
        const got = await readAll(pieces(zip, size), { fileName: 'data.zip' });
        assert.deepEqual(got.rows, expected.rows, `pieces of ${size}`);
        assert.equal(got.summary.compression, 'zip');
        assert.equal(got.summary.format, 'csv');
        const notes = got.problems.filter((p) => p.rule === 'data/zip-archive');
        assert.deepEqual(
          notes.map((p) => [p.severity, p.message]),
          [['info', 'The file is a ZIP archive: its file adult.csv was read.']],
        );
        assert.deepEqual(
          got.problems.filter((p) => p.rule !== 'data/zip-archive'),
          expected.problems.map((f) => ({ ...f, file: 'data.zip' })),
        );
      }
    }
    const tsv = await readAll([makeZip([{ name: 'x/table.tsv', data: tsvText }])], { fileName: 'x.zip' });
    assert.equal(tsv.summary.format, 'tsv');
    assert.deepEqual(grid(tsv), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('passes folders first, names the other files (not macOS metadata), and warns that they were not read', async () => {
    const zip = makeZip([
      { name: 'data/', data: new Uint8Array(0), method: 0 },
      entry('data/train.csv'),
      entry('data/test.csv'),
      { name: '__MACOSX/data/._train.csv', data: Buffer.from('xx') },
    ]);
    const r = await readAll([zip], { fileName: 'data.zip' });
    assert.equal(r.rows.length, (await readAll([text])).rows.length);
    const note = r.problems.find((p) => p.rule === 'data/zip-archive');
    assert.equal(note?.severity, 'warning');
    assert.equal(
      note?.message,
      'The file is a ZIP archive: its file data/train.csv was read; 1 other file in it (data/test.csv) was not: give the archive as a file, not standard input, or extract it, to audit each.',
    );
  });

  it('names a cut archive and a failed checksum, keeping the rows before', async () => {
    const zip = makeZip([entry('adult.csv')]);
    const cut = await readAll([zip.subarray(0, zip.length >> 1)], { fileName: 'a.zip' });
    const fault = cut.problems.find((p) => p.rule === 'data/compressed-damaged');
    assert.match(
      fault?.message ?? '',
      /^The ZIP archive's file adult\.csv is cut short \(the archive ends inside it\)/,
    );
    assert.ok(cut.rows.length > 100);
    assert.match(
      cut.problems.find((p) => p.rule === 'data/zip-archive')?.message ?? '',
      /its directory was not found at its end \(is the archive cut short\?\)/,
    );
    for (const descriptor of [false, true]) {
      const bad = await readAll([makeZip([entry('adult.csv', { crc: 12345, descriptor })])]);
      assert.match(
        bad.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
        /^The ZIP archive's file adult\.csv fails its checksum/,
        `descriptor ${descriptor}`,
      );
    }
  });

  it('leaves a workbook, an encrypted file and a file of another kind to the binary check', async () => {
    const workbook = makeZip([{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }]);
    const other = makeZip([{ name: 'model.parquet', data: Buffer.from('PAR1 data') }]);
    const encrypted = makeZip([entry('adult.csv')]);
    encrypted[6] = encrypted[6]! | 1;
    for (const [zip, name] of [
      [workbook, 'book.xlsx'],
      [other, 'x.zip'],
      [encrypted, 'x.zip'],
    ] as const) {
      const r = await readAll([zip], { fileName: name });
      assert.deepEqual(
        r.problems.map((p) => p.rule),
        ['data/binary-file'],
        name,
      );
      assert.equal(r.rows.length, 0);
      assert.equal(r.summary.compression, undefined);
    }
  });
});

describe('ZIP archives on disk: each table read by the directory', () => {
  const text = Buffer.from(fs.readFileSync(adult).subarray(0, 150_000));
  const other = Buffer.from('id,email\n1,a.person@example.com\n2,b.person@example.org\n');
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-zip-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const onDisk = (zip: Buffer, name = 'a.zip'): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, zip);
    return file;
  };
  /** Reads `member` as a scan does: the archive from the entry's local header on, in pieces of `size`. */
  const readMember = (zip: Buffer, member: ZipMember, size = 65_536) =>
    readAll(pieces(zip.subarray(member.entry.offset), size), {
      fileName: `a.zip/${member.entry.name}`,
      zipMember: member,
    });

  it('reads each table as that file alone, in any chunking, stored, deflated or ZIP64, and names the rest', async () => {
    const entries: ZipEntry[] = [
      { name: 'data/', data: new Uint8Array(0), method: 0 },
      { name: 'data/adult.csv', data: text },
      { name: 'README.txt', data: Buffer.from('Adult, a sample.\n') },
      { name: 'data/people.csv', data: other, method: 0 },
      { name: 'logo.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]) },
      { name: '__MACOSX/data/._adult.csv', data: Buffer.from('xx') },
      { name: 'data/.DS_Store', data: Buffer.from('xx') },
      { name: 'data/last.json', data: Buffer.from('[{"a": 1}, {"a": 2}]'), descriptor: true },
    ];
    const expected = [
      await readAll([text], { fileName: 'a.zip/data/adult.csv' }),
      await readAll([other], { fileName: 'a.zip/data/people.csv' }),
      await readAll([Buffer.from('[{"a": 1}, {"a": 2}]')], { fileName: 'a.zip/data/last.json' }),
    ];
    for (const zip64 of [false, true]) {
      const zip = makeZip(entries, { zip64 });
      const file = onDisk(zip);
      const directory = readZipDirectory(file);
      assert.deepEqual(
        directory?.map((e) => [e.name, e.size, zip.readUInt32LE(e.offset)]),
        entries.map((e) => [e.name, e.data.length, 0x04034b50]),
      );
      const members = zipMembersOf(file, 'a.zip');
      assert.deepEqual(
        members?.map((m) => m.entry.name),
        ['data/adult.csv', 'data/people.csv', 'data/last.json'],
      );
      for (const [k, member] of members!.entries()) {
        for (const size of [1, 7, 65_536, zip.length]) {
          if (size === 1 && k === 0) continue;
          const got = await readMember(zip, member, size);
          assert.deepEqual(got.rows, expected[k]!.rows, `${member.entry.name} in pieces of ${size}`);
          assert.equal(got.summary.compression, 'zip');
          assert.deepEqual(
            got.problems.filter((p) => p.rule !== 'data/zip-archive'),
            expected[k]!.problems,
          );
          const notes = got.problems.filter((p) => p.rule === 'data/zip-archive');
          assert.equal(notes.length, 1);
          assert.equal(notes[0]!.severity, 'info');
        }
      }
      const note = (await readMember(zip, members![1]!)).problems.find((p) => p.rule === 'data/zip-archive');
      assert.equal(
        note?.message,
        'This is the file data/people.csv of the ZIP archive a.zip, read through; its 2 other tables ' +
          '(data/adult.csv, data/last.json) are audited each on its own; 2 other files in it (README.txt, ' +
          'logo.png) are not tables and were not read.',
      );
      assert.deepEqual(note?.data, {
        entry: 'data/people.csv',
        others: { count: 2, names: ['README.txt', 'logo.png'] },
        archive: 'a.zip',
        tables: { count: 2, names: ['data/adult.csv', 'data/last.json'] },
        closed: { count: 0, names: [] },
      });
    }
  });

  it('reads a .txt file or one of no extension only when no file is named as a table', () => {
    const entry = (name: string, o: Partial<ZipEntry> = {}): ZipEntry => ({ name, data: other, ...o });
    const names = (zip: Buffer) => zipMembersOf(onDisk(zip), 'a.zip')?.map((m) => m.entry.name);
    assert.deepEqual(names(makeZip([entry('ml/README'), entry('ml/ratings.dat'), entry('ml/u.txt')])), [
      'ml/ratings.dat',
    ]);
    assert.deepEqual(names(makeZip([entry('Index'), entry('people.txt'), entry('a.png')])), [
      'Index',
      'people.txt',
    ]);
    // A name is printed as it is, but for control characters (an escape sequence would act on a terminal).
    assert.deepEqual(names(makeZip([entry('\u001b[2Jx.csv'), entry('Ölwerte\u0007.csv')])), [
      '?[2Jx.csv',
      'Ölwerte?.csv',
    ]);
    // Nothing to read: the archive is read as it streams, and the binary check names it.
    assert.equal(names(makeZip([entry('a.png'), entry('model.parquet')])), undefined);
    assert.equal(names(makeZip([entry('[Content_Types].xml'), entry('xl/data.csv')])), undefined);
    assert.equal(names(Buffer.from('a,b\n1,2\n')), undefined);
    // No directory at the end: cut short.
    const cut = makeZip([entry('a.csv'), entry('b.csv')]);
    assert.equal(names(cut.subarray(0, cut.length - 10)), undefined);
    assert.equal(zipMembersOf(path.join(dir, 'missing.zip'), 'missing.zip'), undefined);
  });

  it('finds a file named inside an archive, and says what is wrong with one it cannot read', () => {
    const zip = makeZip([
      { name: 'data/a.csv', data: other },
      { name: 'data/secret.csv', data: other, encrypted: true },
    ]);
    const file = onDisk(zip, 'n.zip');
    const found = zipMemberAt(path.join(file, 'data', 'a.csv'), 'n.zip/data/a.csv');
    assert.ok(found && 'member' in found);
    assert.deepEqual(
      [found.archive, found.member.archive, found.member.entry.name],
      [file, 'n.zip', 'data/a.csv'],
    );
    assert.deepEqual(zipMemberAt(path.join(file, 'data', 'b.csv'), 'n.zip/data/b.csv'), {
      error: 'n.zip/data/b.csv: the ZIP archive n.zip has no file data/b.csv (its tables: data/a.csv).',
    });
    assert.match(
      (zipMemberAt(path.join(file, 'data/secret.csv'), 'n.zip/data/secret.csv') as { error: string }).error,
      /is encrypted or compressed by a method other than deflate, bzip2(, xz or Zstandard| or xz): extract it to read it\.$/,
    );
    // No archive on the path: the file's own check says what is wrong.
    assert.equal(zipMemberAt(file, 'n.zip'), undefined);
    assert.equal(zipMemberAt(path.join(dir, 'none', 'x.csv'), 'none/x.csv'), undefined);
    fs.writeFileSync(path.join(dir, 'plain.csv'), 'a\n1\n');
    assert.equal(zipMemberAt(path.join(dir, 'plain.csv', 'x'), 'plain.csv/x'), undefined);
  });

  it('names the tables it cannot read, with a warning, and gives each of many only a few names', async () => {
    const zip = makeZip([
      { name: 'open.csv', data: other },
      { name: 'secret.csv', data: other, encrypted: true },
    ]);
    const members = zipMembersOf(onDisk(zip), 'a.zip')!;
    assert.equal(members.length, 1);
    const note = (await readMember(zip, members[0]!)).problems.find((p) => p.rule === 'data/zip-archive');
    assert.equal(note?.severity, 'warning');
    assert.equal(
      note?.message,
      'The file is a ZIP archive: its file open.csv was read; 1 table in it (secret.csv) could not be read: ' +
        `encrypted, or compressed by a method other than ${zipMethodsRead()}; extract it to audit it.`,
    );
    const many = zipMembers(
      'big.zip',
      Array.from({ length: 5000 }, (_, i) => ({
        name: `t${i}.csv`,
        flags: 0,
        method: 8,
        crc: 0,
        compressedSize: 10,
        size: 20,
        offset: i * 100,
      })),
    )!;
    assert.equal(many.length, 5000);
    assert.deepEqual(
      [many[0]!.tables.count, many[0]!.tables.names.length, many[0]!.tables.names[0]],
      [4999, 20, 't1.csv'],
    );
    assert.equal(many[4999]!.tables.names[0], 't0.csv');
  });

  it('reads tables compressed by bzip2 (12), xz (95) and Zstandard (93, where Node.js has it), not LZMA (14)', async () => {
    const fixtures = path.resolve(__dirname, '../../fixtures');
    const people = fs.readFileSync(path.join(fixtures, 'data/people.csv'));
    const stream = (name: string) => fs.readFileSync(path.join(fixtures, name));
    const zip = makeZip([
      { name: 'b.csv', data: people, method: 12, compressed: stream('bzip2/people.csv.bz2') },
      { name: 'x.csv', data: people, method: 95, compressed: stream('xz/people.csv.xz') },
      { name: 'z.csv', data: people, method: 93, compressed: stream('zstd/people.csv.zst') },
      { name: 'l.csv', data: people, method: 14, compressed: Buffer.from('not read') },
    ]);
    const members = zipMembersOf(onDisk(zip), 'm.zip')!;
    const read = zstdReadable() ? ['b.csv', 'x.csv', 'z.csv'] : ['b.csv', 'x.csv'];
    assert.deepEqual(
      members.map((m) => m.entry.name),
      read,
    );
    const expected = await readAll([people], { fileName: 'people.csv' });
    for (const member of members) {
      const got = await readMember(zip, member, 100);
      assert.deepEqual(got.rows, expected.rows, member.entry.name);
      assert.equal(got.problems.filter((p) => p.rule === 'data/compressed-damaged').length, 0);
      assert.match(
        got.problems.find((p) => p.rule === 'data/zip-archive')?.message ?? '',
        zstdReadable() ? /1 table in it \(l\.csv\) could not be read/ : /2 tables in it \(z\.csv, l\.csv\)/,
      );
    }
    // A damaged bzip2 entry: the checksum of the stream's first block.
    const bad = Buffer.from(zip);
    bad[members[0]!.entry.offset + 30 + 'b.csv'.length + 12]! ^= 0x10;
    const damaged = await readMember(bad, members[0]!);
    assert.match(
      damaged.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The ZIP archive's file b\.csv is damaged \(bzip2: a block fails its checksum, and its text was left out\)/,
    );
    assert.equal(damaged.rows.length, 0);
    // As Info-ZIP's `zip -Z bzip2` writes it.
    const infoZip = path.join(fixtures, 'bzip2/two-bzip2.zip');
    const both = zipMembersOf(infoZip, 'two-bzip2.zip')!;
    assert.deepEqual(
      both.map((m) => [m.entry.name, m.entry.method]),
      [
        ['d/people.csv', 12],
        ['d/adult.csv', 12],
      ],
    );
    const adultRows = await readMember(fs.readFileSync(infoZip), both[1]!);
    assert.deepEqual(
      adultRows.rows,
      (await readAll([fs.readFileSync(adult).subarray(0, 200_000)], { fileName: 'x' })).rows,
    );
  });

  it('keeps the rows before a damaged entry, and names a header missing where the directory says', async () => {
    const zip = makeZip([
      { name: 'adult.csv', data: text },
      { name: 'b.csv', data: other },
    ]);
    const members = zipMembersOf(onDisk(zip), 'a.zip')!;
    const bad = Buffer.from(zip);
    const flipped =
      members[0]!.entry.offset + 30 + 'adult.csv'.length + (members[0]!.entry.compressedSize >> 1);
    bad[flipped] = bad[flipped]! ^ 0xff;
    const damaged = await readMember(bad, members[0]!);
    const fault = damaged.problems.find((p) => p.rule === 'data/compressed-damaged');
    assert.match(fault?.message ?? '', /^The ZIP archive's file adult\.csv (is damaged|fails its checksum)/);
    assert.ok(damaged.rows.length > 10, `${damaged.rows.length} rows`);
    // The second table is read whatever became of the first.
    assert.equal((await readMember(bad, members[1]!)).rows.length, 2);
    const misplaced = {
      ...members[1]!,
      entry: { ...members[1]!.entry, offset: members[1]!.entry.offset + 3 },
    };
    const lost = await readMember(zip, misplaced);
    assert.equal(lost.rows.length, 0);
    assert.equal(
      lost.problems.find((p) => p.rule === 'data/compressed-damaged')?.message,
      "The ZIP archive's file b.csv is not where the archive's directory places it (the archive is damaged): " +
        'the 0 rows in its first 0 bytes of text were read, nothing after the fault; the rows just before it ' +
        'may be garbled.',
    );
  });
});
