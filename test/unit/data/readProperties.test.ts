import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SourceRange } from '../../../src/core/findings';
import type { ReadOptions } from '../../../src/core/data/readTable';
import { cellAt, decodeLikeEditor, editorLines, makeZip, readAll, sourceAt, splitAt } from './readHelpers';
import { makeTar } from './makeTar';

/** Bytes and cut points: a cut list splits the input into chunks of any size. */
const chunked = (bytes: fc.Arbitrary<Uint8Array>) =>
  bytes.chain((b) =>
    fc
      .uniqueArray(fc.integer({ min: 1, max: Math.max(1, b.length - 1) }), { maxLength: 6 })
      .map((cuts) => ({ bytes: b, cuts: cuts.filter((c) => c < b.length).sort((x, y) => x - y) })),
  );

/** Text made of the characters that matter to the readers, to reach the tricky paths often. */
const trickyText = fc
  .array(
    fc.constantFrom(
      '"',
      ',',
      ';',
      '\t',
      '|',
      '\n',
      '\r',
      '\r\n',
      ' ',
      'a',
      '1',
      '2.5',
      '{',
      '}',
      '[',
      ']',
      ':',
      '\\',
      'null',
      'é',
      '😀',
      '\ufffd',
    ),
    { maxLength: 60 },
  )
  .map((parts) => new TextEncoder().encode(parts.join('')));

const rawBytes = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  trickyText,
  // Invalid UTF-8 and NUL-heavy bytes spliced into text.
  fc
    .tuple(trickyText, fc.uint8Array({ maxLength: 8 }), trickyText)
    .map(([a, b, c]) => new Uint8Array([...a, ...b, ...c])),
);

const readOptions: fc.Arbitrary<ReadOptions> = fc.record({
  fileName: fc.constantFrom(undefined, 'x.csv', 'x.tsv', 'x.json', 'x.jsonl', 'x.txt'),
  hasHeader: fc.constantFrom(undefined, true, false, 'auto' as const),
});

function inside(lines: string[], r: SourceRange): boolean {
  const endLine = r.endLine ?? r.line;
  const l0 = lines[r.line - 1];
  const l1 = lines[endLine - 1];
  if (l0 === undefined || l1 === undefined) return false;
  if (r.startColumn < 1 || r.startColumn > l0.length + 1) return false;
  if (r.endColumn < 1 || r.endColumn > l1.length + 1) return false;
  return endLine > r.line || r.endColumn >= r.startColumn;
}

describe('readTable: properties', () => {
  it('never throws on arbitrary bytes in any chunking, and every position lies inside the input', async () => {
    await fc.assert(
      fc.asyncProperty(chunked(rawBytes), readOptions, async ({ bytes, cuts }, options) => {
        const r = await readAll(splitAt(bytes, cuts), options);
        assert.equal(r.headerCalls, 1);
        assert.equal(r.summary.bytes, bytes.length);
        assert.equal(r.summary.rows, r.rows.length);
        const lines = editorLines(decodeLikeEditor(bytes, r.summary.encoding));
        const width = r.header?.columns.length ?? 0;
        for (const c of r.header?.columns ?? []) {
          if (c.location) assert.ok(inside(lines, c.location), `header ${JSON.stringify(c.location)}`);
        }
        for (const row of r.rows) {
          assert.equal(row.values.length, width);
          for (let i = 0; i < width; i++) {
            const range = cellAt(row, i);
            if (range === undefined) continue;
            assert.ok(inside(lines, range), `row ${row.index} cell ${i} ${JSON.stringify(range)}`);
            // Where the source has no quotes to undo, it is the value itself.
            const source = sourceAt(lines, range);
            const value = (row.values[i] ?? '').replace(/\r\n|\r/g, '\n');
            if (r.summary.format !== 'json' && r.summary.format !== 'jsonl' && !source.includes('"')) {
              assert.equal(source, value, `row ${row.index} cell ${i}`);
            }
          }
        }
        for (const p of r.problems) {
          assert.ok(p.rule.startsWith('data/'));
          if (p.location)
            assert.ok(inside(lines, p.location), `${p.rule} ${JSON.stringify(p.location)} ${p.message}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads back any table written as CSV with quoting, at any delimiter and line ending, with exact positions', async () => {
    const cell = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.constantFrom('"', '""', ',', ';', '\t', '|', '\n', '\r\n', '\r', '  padded ', 'a "b" c', ''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((w) =>
          fc.record({
            rows: fc.array(fc.array(cell, { minLength: w, maxLength: w }), { maxLength: 8 }),
            width: fc.constant(w),
            delimiter: fc.constantFrom(',', ';', '\t', '|'),
            newline: fc.constantFrom('\n', '\r\n', '\r'),
            finalNewline: fc.boolean(),
            chunk: fc.integer({ min: 1, max: 64 }),
          }),
        ),
        async ({ rows, width, delimiter, newline, finalNewline, chunk }) => {
          const header = Array.from({ length: width }, (_, i) => `h${i}`);
          const quote = (v: string): string =>
            v === '' || /["\r\n]/.test(v) || v.includes(delimiter) || /^[ \t]|[ \t]$/.test(v)
              ? `"${v.replace(/"/g, '""')}"`
              : v;
          const text =
            [header, ...rows].map((r) => r.map(quote).join(delimiter)).join(newline) +
            (finalNewline ? newline : '');
          const bytes = new TextEncoder().encode(text);
          const cuts: number[] = [];
          for (let c = chunk; c < bytes.length; c += chunk) cuts.push(c);
          const r = await readAll(splitAt(bytes, cuts), { delimiter, hasHeader: true });
          assert.deepEqual(r.problems, []);
          assert.deepEqual(
            r.header?.columns.map((c) => c.name),
            header,
          );
          assert.deepEqual(
            r.rows.map((x) => x.values),
            rows,
          );
          const lines = editorLines(text);
          for (const row of r.rows) {
            for (let i = 0; i < width; i++) {
              const source = sourceAt(lines, cellAt(row, i)!).replace(/""/g, '"');
              assert.equal(source, (row.values[i] as string).replace(/\r\n|\r/g, '\n'));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads back any array of objects written as JSON, with positions of string values', async () => {
    const key = fc.constantFrom('a', 'b', 'name', 'x y', 'é');
    const value = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.integer(),
      // JSON has no -0 (JSON.stringify(-0) is "0"), so it cannot round-trip; every other double can.
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(key, value, { maxKeys: 4 }), { maxLength: 6 }),
        fc.constantFrom(undefined, 1, '\t'),
        fc.boolean(),
        async (objects, indent, lines) => {
          const text = lines
            ? objects.map((o) => JSON.stringify(o)).join('\n')
            : JSON.stringify(objects, null, indent);
          const r = await readAll(text, { fileName: lines ? 'x.jsonl' : 'x.json' });
          assert.deepEqual(
            r.problems.map((p) => p.rule),
            text === '' ? ['data/empty-file'] : [],
          );
          const names = r.header?.columns.map((c) => c.name) ?? [];
          const src = editorLines(text);
          assert.equal(r.rows.length, objects.length);
          r.rows.forEach((row, k) => {
            const o = objects[k] as Record<string, unknown>;
            names.forEach((name, i) => {
              const expected = o[name];
              const got = row.values[i];
              if (expected === undefined || expected === null) return assert.equal(got, undefined);
              if (typeof expected === 'string') {
                assert.equal(got, expected);
                assert.equal(JSON.parse(`"${sourceAt(src, cellAt(row, i)!)}"`), expected);
              } else {
                assert.deepEqual(JSON.parse(got as string), expected);
                assert.equal(
                  sourceAt(src, cellAt(row, i)!).replace(/\n\s*/g, ''),
                  (got as string).replace(/\n\s*/g, ''),
                );
              }
            });
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads the records of a JSON object as the array alone, whatever the object holds around them', async () => {
    const isRecords = (v: unknown) =>
      Array.isArray(v) &&
      (v.length === 0 || (typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])));
    const member = fc.tuple(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }));
    const record = fc.dictionary(fc.constantFrom('a', 'b', 'c d', 'é'), fc.oneof(fc.string(), fc.integer()), {
      maxKeys: 3,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          member.filter(([, v]) => !isRecords(v)),
          { maxLength: 3 },
        ),
        fc.string({ maxLength: 6 }),
        fc.array(record, { maxLength: 5 }),
        fc.array(member, { maxLength: 3 }),
        fc.constantFrom(undefined, 1, '\t'),
        fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 5 }),
        async (before, key, records, after, indent, cuts) => {
          const json = (v: unknown) => JSON.stringify(v, null, indent);
          const members = [...before, [key, records] as const, ...after].map(
            ([k, v]) => `${json(k)}: ${json(v)}`,
          );
          const text = indent === undefined ? `{${members.join(',')}}` : `{\n${members.join(',\n')}\n}\n`;
          const bytes = new TextEncoder().encode(text);
          const pieces = splitAt(
            bytes,
            cuts.filter((c) => c < bytes.length).sort((x, y) => x - y),
          );
          const r = await readAll(pieces, { fileName: 'x.json' });
          const plain = await readAll(JSON.stringify(records), { fileName: 'x.json' });
          assert.deepEqual(
            r.header?.columns.map((c) => c.name),
            plain.header?.columns.map((c) => c.name),
          );
          assert.deepEqual(
            r.rows.map((x) => x.values),
            plain.rows.map((x) => x.values),
          );
          assert.deepEqual(
            r.problems.map((p) => [p.rule, p.data?.key]),
            [['data/json-object', key]],
          );
          // Positions are the file's: a string's text between its quotes, a number's digits.
          const lines = editorLines(text);
          const names = r.header?.columns.map((c) => c.name) ?? [];
          r.rows.forEach((row, k) =>
            names.forEach((name, i) => {
              const expected = (records[k] as Record<string, string | number>)[name];
              if (expected === undefined) return;
              const source = sourceAt(lines, cellAt(row, i)!);
              assert.equal(
                typeof expected === 'string' ? JSON.parse(`"${source}"`) : Number(source),
                expected,
              );
            }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a gzip-compressed text as the text, and a cut one without throwing, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunked(rawBytes.map((b) => new Uint8Array(gzipSync(b)))),
        fc.option(fc.nat()),
        readOptions,
        async ({ bytes, cuts }, cutAt, options) => {
          const text = gunzipSync(bytes);
          const whole = cutAt === null;
          const input = whole ? bytes : bytes.subarray(0, cutAt % bytes.length);
          const r = await readAll(
            splitAt(
              input,
              cuts.filter((c) => c < input.length),
            ),
            options,
          );
          assert.equal(r.headerCalls, 1);
          const damaged = r.problems.filter((p) => p.rule === 'data/compressed-damaged');
          if (whole) {
            const plain = await readAll(text, options);
            assert.deepEqual(r.rows, plain.rows);
            assert.deepEqual(r.problems, plain.problems);
            assert.equal(r.summary.bytes, text.length);
          } else {
            // Two bytes at least are the magic number: less is a file of one byte, read as text.
            assert.equal(damaged.length, input.length < 2 ? 0 : 1);
            if (input.length >= 2) assert.ok(r.summary.bytes <= text.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a ZIP archive's first file as the file, and a cut archive without throwing, in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBytes,
        fc.constantFrom(0 as const, 8 as const),
        fc.boolean(),
        fc.option(fc.nat()),
        fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { maxLength: 5 }),
        readOptions,
        async (text, method, descriptor, cutAt, cuts, options) => {
          const zip = makeZip([
            { name: 'data.csv', data: text, method, descriptor: descriptor && method === 8 },
          ]);
          const input = cutAt === null ? zip : zip.subarray(0, cutAt % zip.length);
          const r = await readAll(
            splitAt(
              input,
              cuts.filter((c) => c < input.length).sort((a, b) => a - b),
            ),
            { ...options, fileName: 'x.zip' },
          );
          assert.equal(r.headerCalls, 1);
          if (cutAt === null) {
            const plain = await readAll(text, { ...options, fileName: 'data.csv' });
            assert.deepEqual(r.rows, plain.rows);
            assert.deepEqual(
              r.problems.filter((p) => p.rule !== 'data/zip-archive'),
              plain.problems.map((p) => ({ ...p, file: 'x.zip' })),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a tar archive's first table as the file, among files of any kind, names and sizes, plain or gzip, cut or not, in any chunking", async () => {
    // Files of any kind around the table; a table (`other.csv`) only after it, the first table being read.
    const entry = (names: string[]) =>
      fc.record({
        name: fc.oneof(
          fc.constantFrom(...names),
          // Past 100 bytes a name goes in a pax record.
          fc.string({ minLength: 1, maxLength: 20 }).map((n) => `${'x'.repeat(100)}/${n}.bin`),
        ),
        data: fc.uint8Array({ maxLength: 1200 }),
      });
    const others = ['README', 'notes.txt', 'img.png', 'd/', '._t.csv'];
    const asFile = (e: { name: string; data: Uint8Array }) =>
      e.name.endsWith('/') ? { name: e.name, type: '5' } : { name: e.name, data: Buffer.from(e.data) };
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry(others), { maxLength: 4 }),
        rawBytes,
        fc.array(entry([...others, 'other.csv']), { maxLength: 3 }),
        fc.boolean(),
        fc.option(fc.nat()),
        fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { maxLength: 6 }),
        async (before, text, after, gzip, cutAt, cuts) => {
          const tar = makeTar([
            ...before.map(asFile),
            { name: 'data/table.csv', data: Buffer.from(text) },
            ...after.map(asFile),
          ]);
          const archive = gzip ? gzipSync(tar) : tar;
          const input = cutAt === null ? archive : archive.subarray(0, cutAt % archive.length);
          const r = await readAll(
            splitAt(
              input,
              cuts.filter((c) => c < input.length).sort((a, b) => a - b),
            ),
            { fileName: 'x.tar' },
          );
          assert.equal(r.headerCalls, 1);
          if (cutAt === null) {
            const plain = await readAll(text, { fileName: 'table.csv' });
            assert.deepEqual(r.rows, plain.rows);
            assert.deepEqual(
              r.problems.filter((p) => p.rule !== 'data/tar-archive'),
              plain.problems.map((p) => ({ ...p, file: 'x.tar' })),
            );
            assert.equal(
              r.problems.find((p) => p.rule === 'data/tar-archive')?.data?.entry,
              'data/table.csv',
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
