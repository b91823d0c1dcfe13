import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTable } from '../../../src/core/data/readTable';
import type { Finding } from '../../../src/core/findings';
import type { TableHeader } from '../../../src/core/data/table';

const dir = path.join(__dirname, '../../fixtures/data');

async function readFixture(name: string) {
  const file = path.join(dir, name);
  let header: TableHeader | undefined;
  const rows: (string | undefined)[][] = [];
  const problems: Finding[] = [];
  const summary = await readTable(
    fs.createReadStream(file),
    { header: (h) => (header = h), row: (r) => rows.push(r.values), problem: (f) => problems.push(f) },
    { fileName: file },
  );
  return { header, rows, problems, summary, file };
}

describe('reader fixtures (test/fixtures/data), read as streams from disk', () => {
  it('people.csv: quoted commas and line breaks, missing markers kept as text', async () => {
    const r = await readFixture('people.csv');
    assert.deepEqual(r.problems, []);
    assert.equal(r.rows.length, 4);
    assert.equal(r.rows[1]?.[6], 'Wrote on two lines:\ncall back after 5pm');
    assert.equal(r.rows[2]?.[1], 'Chen, Wei');
    assert.equal(r.rows[2]?.[3], '?');
  });

  it('malformed.csv: each problem at its place, the rest read', async () => {
    const r = await readFixture('malformed.csv');
    // Problems of the records held back for header detection come before their ragged-row findings: sort.
    const byPlace = [...r.problems].sort(
      (a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || a.rule.localeCompare(b.rule),
    );
    assert.deepEqual(
      byPlace.map((p) => [p.rule, p.severity, p.location?.line, p.location?.startColumn, p.file]),
      [
        ['data/ragged-row', 'warning', 3, 1, r.file],
        ['data/ragged-row', 'warning', 4, 1, r.file],
        ['data/unclosed-quote', 'error', 4, 1, r.file],
        ['data/ragged-row', 'error', 5, 1, r.file],
        ['data/invalid-encoding', 'error', 6, 8, r.file],
      ],
    );
    assert.deepEqual(
      r.rows.map((x) => x[0]),
      ['ann', 'bob', 'cara,Nice,5', 'dan', 'eve'],
    );
  });

  it('utf16le.csv: decoded, reported once', async () => {
    const r = await readFixture('utf16le.csv');
    assert.deepEqual(
      r.problems.map((p) => p.rule),
      ['data/utf16'],
    );
    assert.deepEqual(r.rows, [
      ['Zoë', 'Köln'],
      ['ann', 'Paris'],
    ]);
  });

  it('people.json and rows.jsonl: keys as columns, a broken line reported', async () => {
    const j = await readFixture('people.json');
    assert.deepEqual(
      j.header?.columns.map((c) => c.name),
      ['id', 'name', 'email', 'age', 'tags', 'address'],
    );
    assert.deepEqual(j.problems, []);
    assert.equal(j.rows[1]?.[2], undefined);
    assert.equal(j.rows[1]?.[5], '{\n      "city": "London"\n    }');
    const l = await readFixture('rows.jsonl');
    assert.deepEqual(l.rows, [
      ['1', 'ann.smith@example.com'],
      ['3', 'cara@example.net'],
    ]);
    assert.deepEqual(
      l.problems.map((p) => [p.rule, p.location?.line]),
      [['data/invalid-json', 2]],
    );
  });

  it('rejects a delimiter that cannot work before reading anything', async () => {
    await assert.rejects(
      readTable([], { header() {}, row() {}, problem() {} }, { delimiter: ';;' }),
      RangeError,
    );
    await assert.rejects(
      readTable([], { header() {}, row() {}, problem() {} }, { delimiter: '"' }),
      /one character/,
    );
  });
});
