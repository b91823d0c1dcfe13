import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { binaryFileMessage, binaryFormat } from '../../../src/core/data/binaryFile';
import { readTable } from '../../../src/core/data/readTable';
import { bytesOf, readAll } from './readHelpers';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
/** A kilobyte of what follows a format's signature: binary, as in the real files. */
const body = Array.from({ length: 1024 }, (_, i) => (i * 37) % 256);

describe('binaryFormat: files that are not text', () => {
  it('names the formats people mistake for tables from their first bytes', () => {
    const cases: [Uint8Array, string, string?][] = [
      [gzipSync(Buffer.from('a,b\n1,2\n')), 'gzip'],
      [bytes('BZh9', [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], body), 'bzip2'],
      [bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], body), 'xz'],
      [bytes([0x28, 0xb5, 0x2f, 0xfd], body), 'zstd'],
      [bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], body), '7z'],
      [bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], body), 'ole'],
      [bytes('PAR1', body), 'parquet'],
      [bytes('ARROW1', [0, 0], body), 'arrow'],
      [bytes('ORC', body), 'orc'],
      [bytes('Obj', [1], body), 'avro'],
      [bytes('SQLite format 3', [0], body), 'sqlite'],
      [bytes([0x89], 'HDF', [0x0d, 0x0a, 0x1a, 0x0a], body), 'hdf5'],
      [bytes([0x93], 'NUMPY', body), 'npy'],
      [bytes('%PDF-1.7\n'), 'pdf'],
      [bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], body), 'png'],
      [bytes([0xff, 0xd8, 0xff, 0xe0], body), 'jpeg'],
      [bytes('GIF89a', body), 'gif'],
      [bytes('PK', [3, 4], body), 'xlsx', 'book.xlsx'],
      [bytes('PK', [3, 4], body), 'ods', 'sheet.ODS'],
      [bytes('PK', [3, 4], body), 'zip', 'data.csv'],
      [bytes('PK', [5, 6], new Array<number>(18).fill(0)), 'zip', 'empty.zip'],
      [Uint8Array.from(body), 'binary'],
      // Headers as each format's description gives them (no writer of these is at hand here): SAS7BDAT's 32
      // bytes, then its alignment bytes; XPORT's first 80-byte record; SPSS's tag, product name and layout code.
      [
        bytes(
          new Array<number>(12).fill(0),
          [0xc2, 0xea, 0x81, 0x60, 0xb3, 0x14, 0x11, 0xcf, 0xbd, 0x92, 0x08, 0x00],
          [0x09, 0xc7, 0x31, 0x8c, 0x18, 0x1f, 0x10, 0x11, 0x33, 0x22, 0x00, 0x33, 0x33, 0x01],
          body,
        ),
        'sas7bdat',
      ],
      [
        bytes(`HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!${'0'.repeat(30)}  SAS     SAS     SASLIB`),
        'xport',
      ],
      [
        bytes(`HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!${'0'.repeat(30)}  SAS     SAS     SASLIB`),
        'xport',
      ],
      [bytes('$FL2@(#) IBM SPSS STATISTICS 64-bit Linux 28.0.0.0', [2, 0, 0, 0], body), 'spss'],
      [bytes('$FL3@(#) IBM SPSS STATISTICS 64-bit Linux 28.0.0.0', [2, 0, 0, 0], body), 'spss'],
      [bytes('RDX3\nX\n', [0, 0, 0, 3, 0, 4, 2, 0], body), 'rdata'],
      [bytes('RDB2\nB\n', [3, 0, 0, 0], body), 'rdata'],
      [bytes('X\n', [0, 0, 0, 3, 0, 4, 2, 0, 0, 3, 5, 0], body), 'rds'],
    ];
    for (const [head, kind, name] of cases) assert.equal(binaryFormat(head, name)?.kind, kind, kind);
    assert.match(
      binaryFileMessage(binaryFormat(bytes('PK', [3, 4], body), 'book.xlsx')!),
      /^The file is an Excel workbook, not CSV, TSV, JSON or JSON Lines text: export the table as CSV/,
    );
    assert.match(
      binaryFileMessage(binaryFormat(Uint8Array.from(body))!),
      /^The file is binary data \(\d+ control bytes in its first 1,024 bytes\), not CSV, TSV, JSON or JSON Lines text\. Nothing in it was read\.$/,
    );
  });

  it('leaves text alone: tables that begin like a signature, accents, stray control bytes', () => {
    for (const text of [
      'ORCID,name\n0000-0002-1825-0097,Ann\n',
      'PAR1,PAR2\n1,2\n',
      'GIF8 code,label\n1,a\n',
      'BZh,x\n1,2\n',
      '%PDF,share\n0.5,1\n',
      'PK,name\n1,Ann\n',
      'naïve,café\nü,ß\n',
      'a,b\n1,2\u001a',
      '<stata_dta>,x\n1,2\n',
      '$FL2,price\n1,2\n',
      'RDX3\nfoo\n',
      'X\n1\n2\n',
      'HEADER RECORD,LIBRARY\n1,2\n',
      `a,b\n${'1,2\n'.repeat(300)}\u0000\u0000\u0007\f\v\u001b[0m`,
    ])
      assert.equal(binaryFormat(bytesOf(text)), undefined, JSON.stringify(text.slice(0, 20)));
    // Latin-1 bytes are invalid UTF-8 but not control bytes: text with encoding errors, reported as such.
    assert.equal(binaryFormat(Uint8Array.from([0x6e, 0x61, 0xef, 0x76, 0x65, 0x2c, 0xe9, 0x0a])), undefined);
  });
});

describe('binaryFormat on files written by pandas 3.0.6 (three rows of Adult)', () => {
  const fixture = (name: string) => fs.readFileSync(path.resolve(__dirname, '../../fixtures/binary', name));

  it('names Stata files of format 118 and 114 and pickles of protocol 5 and 2, and says what a pickle does', () => {
    for (const [name, kind] of [
      ['adult-118.dta', 'stata'],
      ['adult-114.dta', 'stata'],
      ['adult.pkl', 'pickle'],
      ['adult-p2.pkl', 'pickle'],
    ] as const)
      assert.equal(binaryFormat(fixture(name).subarray(0, 1024), name)?.kind, kind, name);
    assert.equal(
      binaryFileMessage(binaryFormat(fixture('adult.pkl'))!),
      'The file is a Python pickle, not CSV, TSV, JSON or JSON Lines text: convert it to CSV or JSON Lines and audit that (loading a pickle runs the code in it: load one only from a source you trust). Nothing in it was read.',
    );
  });

  it('names an R data file inside its gzip, as R writes it', async () => {
    const rds = gzipSync(bytes('X\n', [0, 0, 0, 3, 0, 4, 2, 0, 0, 3, 5, 0, 0, 0, 0, 6], 'CP1252', body));
    const r = await readAll([rds], { fileName: 'adult.rds' });
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.message]),
      [
        [
          'data/binary-file',
          'The file is an R data file (.rds), not CSV, TSV, JSON or JSON Lines text: write the table as CSV (with `write.csv` in R) and audit that. Nothing in it was read.',
        ],
      ],
    );
  });
});

describe('readTable on a binary file', () => {
  it('reports one error, gives a table of no columns, and reads no further than its first bytes', async () => {
    const zip = bytes('PK', [3, 4], body, body, body);
    // Cut into pieces of 7 bytes: the signature is found across them.
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < zip.length; i += 7) pieces.push(zip.subarray(i, i + 7));
    const r = await readAll(pieces, { fileName: 'book.xlsx' });
    assert.equal(r.headerCalls, 1);
    assert.deepEqual(r.header?.columns, []);
    assert.equal(r.rows.length, 0);
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.severity, p.location?.line, p.data?.format]),
      [['data/binary-file', 'error', 1, 'xlsx']],
    );
    // The reader stops once it has decided: a source that would go on for ever is not read to its end.
    let served = 0;
    const chunk = bytes([0x28, 0xb5, 0x2f, 0xfd], body.slice(0, 60));
    function* endless(): Generator<Uint8Array> {
      for (;;) {
        served++;
        yield chunk;
      }
    }
    const summary = await readTable(endless(), {
      header: () => undefined,
      row: () => undefined,
      problem: () => undefined,
    });
    // The decoder holds a kilobyte before it decides anything about the bytes.
    assert.equal(served, Math.ceil(1024 / chunk.length), `${served} chunks of ${chunk.length} bytes read`);
    assert.equal(summary.rows, 0);
  });

  it('words the finding alike whatever the chunks: it judges the first kilobyte alone', async () => {
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256);
    const messages = new Set<string>();
    for (const size of [1000, 65_536, 262_144, data.length]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < data.length; i += size) pieces.push(data.subarray(i, i + size));
      const r = await readAll(pieces);
      messages.add(r.problems.map((p) => p.message).join('\n'));
    }
    assert.equal(messages.size, 1, [...messages].join(' | '));
    assert.match([...messages][0]!, /in its first 1,024 bytes/);
  });

  it('reads UTF-16, whose ASCII has a NUL in every other byte, as text', async () => {
    const r = await readAll(Buffer.from('a,b\n' + '1,2\n3,4\n'.repeat(20), 'utf16le'));
    assert.equal(r.summary.encoding, 'utf-16le');
    assert.equal(r.rows.length, 40);
    assert.ok(!r.problems.some((p) => p.rule === 'data/binary-file'));
  });
});
