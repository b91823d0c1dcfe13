import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { DataRow, TableHeader } from '../../../src/core/data/table';
import { readTable } from '../../../src/core/data/readTable';
import { TableProfiler, type ColumnProfile } from '../../../src/core/data/profile';
import { DuplicateRowDetector } from '../../../src/core/data/duplicates';

const ADULT = '/work/shared/data/adult/adult.csv';

describe('Adult census data, read from disk as a stream', function () {
  this.timeout(60000);
  let header: TableHeader | undefined;
  let profiles: ColumnProfile[] = [];
  let duplicates = { duplicateRows: 0, examples: [] as { row: number; duplicateOf: number }[] };
  let rows = 0;
  let problems = 0;
  let summary: Awaited<ReturnType<typeof readTable>>;

  before(async () => {
    let profiler: TableProfiler | undefined;
    const dup = new DuplicateRowDetector();
    summary = await readTable(
      fs.createReadStream(ADULT),
      {
        header(h) {
          header = h;
          profiler = new TableProfiler(h);
        },
        row(r: DataRow) {
          rows++;
          profiler?.add(r);
          dup.add(r);
        },
        problem() {
          problems++;
        },
      },
      { fileName: ADULT },
    );
    profiles = profiler?.finish() ?? [];
    duplicates = dup.finish();
  });

  it('has 32,561 rows and 15 columns, a header and no problems', () => {
    assert.equal(summary.rows, 32561);
    assert.equal(rows, 32561);
    assert.equal(header?.columns.length, 15);
    assert.equal(header?.hasHeader, true);
    assert.equal(summary.delimiter, ',');
    assert.equal(summary.bytes, fs.statSync(ADULT).size);
    assert.equal(problems, 0);
  });

  it('counts missing cells per column like a plain independent count ("?" as missing)', () => {
    // Independent count: split the file by hand (Adult has no quoted fields) and count "?" per column.
    const lines = fs
      .readFileSync(ADULT, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    const names = (lines[0] as string).split(',');
    const expected = names.map(() => 0);
    for (const line of lines.slice(1)) {
      line.split(',').forEach((v, i) => {
        if (v.trim() === '?') expected[i] = (expected[i] as number) + 1;
      });
    }
    assert.deepEqual(
      profiles.map((p) => p.missing),
      expected,
    );
    assert.equal(
      profiles.reduce((s, p) => s + p.missing, 0),
      4262,
    );
    assert.deepEqual(
      profiles.filter((p) => p.missing > 0).map((p) => p.name),
      ['workclass', 'occupation', 'native-country'],
    );
  });

  it('finds exactly 24 duplicate rows', () => {
    assert.equal(duplicates.duplicateRows, 24);
    assert.equal(duplicates.examples.length, 24);
    for (const ex of duplicates.examples) assert.ok(ex.duplicateOf < ex.row);
  });

  it('infers the column types', () => {
    const types = Object.fromEntries(profiles.map((p) => [p.name, p.type]));
    assert.deepEqual(types, {
      age: 'integer',
      workclass: 'category',
      fnlwgt: 'integer',
      education: 'category',
      'education-num': 'integer',
      'marital-status': 'category',
      occupation: 'category',
      relationship: 'category',
      race: 'category',
      sex: 'category',
      'capital-gain': 'integer',
      'capital-loss': 'integer',
      'hours-per-week': 'integer',
      'native-country': 'category',
      income: 'category',
    });
    assert.ok(profiles.every((p) => !p.mixedTypes && !p.constant && !p.identifierLike && p.distinctExact));
  });

  it('matches the published shares and plain summaries', () => {
    const sex = profiles.find((p) => p.name === 'sex');
    assert.deepEqual(sex?.topValues, [
      { value: 'Male', count: 21790 },
      { value: 'Female', count: 10771 },
    ]);
    assert.equal((21790 / 32561).toFixed(4), '0.6692');
    const age = profiles.find((p) => p.name === 'age');
    const ages = fs
      .readFileSync(ADULT, 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l)
      .map((l) => Number(l.split(',')[0]));
    const mean = ages.reduce((s, x) => s + x, 0) / ages.length;
    const std = Math.sqrt(ages.reduce((s, x) => s + (x - mean) ** 2, 0) / (ages.length - 1));
    assert.equal(age?.numeric?.min, Math.min(...ages));
    assert.equal(age?.numeric?.max, Math.max(...ages));
    assert.ok(Math.abs((age?.numeric?.mean ?? 0) - mean) < 1e-9);
    assert.ok(Math.abs((age?.numeric?.std ?? 0) - std) < 1e-9);
    assert.equal(profiles.find((p) => p.name === 'race')?.distinct, 5);
  });
});
