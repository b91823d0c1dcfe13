import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTable } from '../../../src/core/data/readTable';
import type { DataFormat } from '../../../src/core/data/table';
import {
  generaliseAge,
  generaliseCoordinates,
  generaliseDate,
  generalisePostalCode,
  maskText,
  maskValue,
  pseudonymise,
  sanitizeTable,
  type SanitizeOptions,
} from '../../../src/core/privacy/transforms';

const FIXTURE = join(__dirname, '../../fixtures/privacy/people.csv');
const KEY = new Uint8Array(32).fill(7);

async function sanitize(
  bytes: Uint8Array,
  options: SanitizeOptions,
  chunkSize = 64,
): Promise<{ text: string; summary: Awaited<ReturnType<typeof sanitizeTable>> }> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const parts: string[] = [];
  const summary = await sanitizeTable(chunks, options, async (t) => {
    await Promise.resolve();
    parts.push(t);
  });
  return { text: parts.join(''), summary };
}

async function readBack(
  text: string,
  format: DataFormat,
): Promise<{ names: string[]; rows: (string | undefined)[][] }> {
  let names: string[] = [];
  const rows: (string | undefined)[][] = [];
  await readTable(
    [Buffer.from(text)],
    {
      header: (h) => (names = h.columns.map((c) => c.name)),
      row: (r) => rows.push(r.values.slice()),
      problem: (f) => assert.fail(f.message),
    },
    { format },
  );
  return { names, rows };
}

describe('privacy transforms', () => {
  it('masks values whole or the personal spans inside text', () => {
    assert.equal(maskValue('john.doe@example.com'), 'j***@example.com');
    assert.equal(maskValue('536-22-6789', 'US_SSN'), '***-**-6789');
    assert.equal(maskValue('Never-married'), '*****-*******');
    assert.equal(maskText('write to j.doe@example.net today'), 'write to j***@example.net today');
    assert.equal(maskText('no personal data'), '** ******** ****');
  });

  it('pseudonymises with a keyed HMAC: deterministic, prefixed, key-dependent', () => {
    const p = pseudonymise('maria.garcia@example.com', KEY);
    assert.match(p, /^pn_[0-9a-f]{16}$/);
    assert.equal(pseudonymise('maria.garcia@example.com', KEY), p);
    assert.notEqual(pseudonymise('maria.garcia@example.com', new Uint8Array(32).fill(8)), p);
    assert.notEqual(pseudonymise('maria.garcia@example.co', KEY), p);
    // Not a plain hash of the value.
    assert.ok(!createHash('sha256').update('maria.garcia@example.com').digest('hex').startsWith(p.slice(3)));
    assert.throws(() => pseudonymise('x', new Uint8Array(8)), RangeError);
  });

  it('generalises ages, postal codes and dates, suppressing what it cannot read', () => {
    assert.equal(generaliseAge('34'), '30-39');
    assert.equal(generaliseAge('30'), '30-39');
    assert.equal(generaliseAge('39.9'), '30-39');
    assert.equal(generaliseAge('0'), '0-9');
    assert.equal(generaliseAge('34', 5), '30-34');
    assert.equal(generaliseAge('unknown'), '*');
    assert.equal(generaliseAge('-3'), '*');
    assert.throws(() => generaliseAge('3', 0), RangeError);
    assert.equal(generalisePostalCode('94107'), '941**');
    assert.equal(generalisePostalCode('SW1A 1AA'), 'SW1* ***');
    assert.equal(generalisePostalCode('94107-1234', 5), '94107-****');
    assert.equal(generaliseDate('1985-03-07'), '1985');
    assert.equal(generaliseDate('03/07/1985'), '1985');
    assert.equal(generaliseDate('soon'), '*');
    // Coordinates to two decimals (about 1.1 km), a pair and a WKT point each of their numbers.
    assert.equal(generaliseCoordinates('40.712776'), '40.71');
    assert.equal(generaliseCoordinates('40.7128, -74.0060'), '40.71, -74.01');
    assert.equal(generaliseCoordinates('POINT(-74.006 40.7128)', 1), 'POINT(-74.0 40.7)');
    assert.equal(generaliseCoordinates('-0.0012'), '0.00');
    // A GeoJSON point each of its numbers; a geohash to a cell of about the same size (six characters).
    assert.equal(
      generaliseCoordinates('{"type":"Point","coordinates":[-73.98571,40.74844]}'),
      '{"type":"Point","coordinates":[-73.99,40.75]}',
    );
    assert.equal(
      generaliseCoordinates('SRID=4326;POINT(-73.98571 40.74844)'),
      'SRID=4326;POINT(-73.99 40.75)',
    );
    assert.equal(generaliseCoordinates('dr5ru7c2'), 'dr5ru7');
    assert.equal(
      generaliseCoordinates('[[-8.618643,41.141412],[-8.618499,41.141376]]'),
      '[[-8.62,41.14],[-8.62,41.14]]',
    );
    assert.equal(generaliseCoordinates('dr5ru7c2', 0), 'dr5');
    assert.equal(generaliseCoordinates('north'), '*');
    assert.throws(() => generaliseCoordinates('1.5', 9), RangeError);
  });

  it('generalises a column of coordinates, by its header, to two decimals', async () => {
    const csv = Buffer.from(
      'trip,pickup_latitude,pickup_longitude\n1,40.712776,-74.005974\n2,40.758896,-73.98513\n',
    );
    const { text } = await sanitize(csv, {
      fileName: 'trips.csv',
      transforms: [
        { column: 'pickup_latitude', kind: 'generalise' },
        { column: 'pickup_longitude', kind: 'generalise' },
      ],
    });
    assert.equal(text, 'trip,pickup_latitude,pickup_longitude\n1,40.71,-74.01\n2,40.76,-73.99\n');
  });

  it('writes a sanitised CSV copy that reads back, from the original bytes untouched', async () => {
    const original = readFileSync(FIXTURE);
    const before = Buffer.from(original);
    const { text, summary } = await sanitize(original, {
      fileName: 'people.csv',
      key: KEY,
      transforms: [
        { column: 'email', kind: 'pseudonymise' },
        { column: 'name', kind: 'mask' },
        { column: 'notes', kind: 'mask' },
        { column: 'zip', kind: 'generalise' },
        { column: 'dob', kind: 'generalise' },
        { column: 'phone', kind: 'drop' },
      ],
    });
    assert.ok(original.equals(before), 'input bytes unchanged');
    assert.equal(summary.rows, 10);
    assert.deepEqual(summary.columns, ['id', 'name', 'email', 'notes', 'zip', 'dob', 'amount']);
    const back = await readBack(text, 'csv');
    assert.deepEqual(back.names, summary.columns);
    assert.equal(back.rows.length, 10);
    const row2 = back.rows[1]!;
    assert.equal(row2[1], 'J*** S***');
    assert.equal(row2[2], pseudonymise('john.smith@example.org', KEY));
    assert.equal(row2[3], 'Customer wrote from j***@example.net about card **** **** **** 1111');
    assert.equal(row2[4], '100**');
    assert.equal(row2[5], '1990');
    assert.equal(row2[6], '75');
    // The multi-line cell stays one cell, masked; the doubled quotes survive the round trip.
    assert.equal(back.rows[2]![3], 'Multi-line note:\nsecond line has SSN ***-**-1234 here');
    assert.equal(back.rows[3]![3], 'She said "call me at (***) ***-0100" today');
    // Missing stays missing, exactly as written.
    assert.equal(back.rows[8]![4], '?');
    for (const leaked of [
      'john.smith@example.org',
      'j.doe@example.net',
      '4111 1111 1111 1111',
      '536-22-1234',
      '(415) 555-0132',
      'Maria',
    ]) {
      assert.ok(!text.includes(leaked), leaked);
    }
  });

  it("keeps Excel's sep= line, so that the copy splits as the original did", async () => {
    const csv = Buffer.from('sep=;\r\nname;amount\r\n"Garcia, Maria";1,50\r\n"Smith, John";2,75\r\n');
    const t = await sanitize(csv, { lineEnding: '\r\n', transforms: [{ column: 'name', kind: 'mask' }] }, 5);
    assert.equal(t.text, 'sep=;\r\nname;amount\r\nG*** M***;1,50\r\nS*** J***;2,75\r\n');
  });

  it('keeps the delimiter of a TSV and writes JSON and JSON Lines that read back', async () => {
    const tsv = Buffer.from('name\tage\tcity\nMaria Garcia\t34\tBoston, MA\nJohn Smith\t51\tDallas\n');
    const t = await sanitize(tsv, {
      format: 'tsv',
      transforms: [
        { column: 'age', kind: 'generalise' },
        { column: 'name', kind: 'mask' },
      ],
    });
    assert.equal(t.text, 'name\tage\tcity\nM*** G***\t30-39\tBoston, MA\nJ*** S***\t50-59\tDallas\n');

    const json = Buffer.from(
      '[\n {"name": "Maria Garcia", "age": 34, "vip": true, "zip": "02134"},\n {"name": "John \\"JJ\\" Smith", "age": 51, "vip": false, "zip": null}\n]',
    );
    const j = await sanitize(
      json,
      { format: 'json', transforms: [{ column: 'name', kind: 'pseudonymise' }], key: KEY },
      7,
    );
    const parsed = JSON.parse(j.text) as Record<string, unknown>[];
    assert.deepEqual(parsed, [
      { name: pseudonymise('Maria Garcia', KEY), age: 34, vip: true, zip: '02134' },
      { name: pseudonymise('John "JJ" Smith', KEY), age: 51, vip: false, zip: null },
    ]);

    const jsonl = Buffer.from('{"email":"a@example.com","n":1}\n{"email":"b@example.com","n":2}\n');
    const l = await sanitize(jsonl, { format: 'jsonl', transforms: [{ column: 'email', kind: 'mask' }] });
    assert.equal(l.text, '{"email":"***@example.com","n":1}\n{"email":"***@example.com","n":2}\n');
    const back = await readBack(l.text, 'jsonl');
    assert.deepEqual(back.rows, [
      ['***@example.com', '1'],
      ['***@example.com', '2'],
    ]);
  });

  it('refuses an unknown column or a missing key before writing anything', async () => {
    const writes: string[] = [];
    await assert.rejects(
      sanitizeTable(
        [readFileSync(FIXTURE)],
        { transforms: [{ column: 'e-mail', kind: 'drop' }], fileName: 'people.csv' },
        (t) => void writes.push(t),
      ),
      /no column 'e-mail' in the file; its columns are: 'id', 'name', 'email'/,
    );
    await assert.rejects(
      sanitizeTable(
        [readFileSync(FIXTURE)],
        { transforms: [{ column: 'email', kind: 'pseudonymise' }] },
        (t) => void writes.push(t),
      ),
      /needs a key/,
    );
    assert.deepEqual(writes, []);
  });
});
