import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  classifyCommaValue,
  commaToPoint,
  decimalCommaIn,
  isNumberText,
  parseCommaNumber,
} from '../../../src/core/data/valueKinds';
import { scanDataset, type ScanOptions } from '../../../src/core/scan';
import { loadTable } from '../../../src/core/training/loadTable';
import { fitPreprocess } from '../../../src/core/training/preprocess';
import { scanFileInThreads } from '../../../src/worker/scanThreads';
import { seededRandom } from '../../../src/core/random';

describe('numbers written with a decimal comma (a ";" file)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-comma-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are numbers only in a CSV file delimited by ";", and only as sign, digits, comma, digits', () => {
    assert.equal(decimalCommaIn({ format: 'csv', delimiter: ';' }), true);
    for (const h of [
      { format: 'csv', delimiter: ',' },
      { format: 'tsv', delimiter: '\t' },
      { format: 'csv', delimiter: '|' },
      { format: 'json' },
    ])
      assert.equal(decimalCommaIn(h), false, JSON.stringify(h));
    for (const v of ['1,5', '-0,25', '+12,0', '007,10', '123456,789'])
      assert.equal(classifyCommaValue(v), 'number', v);
    for (const v of ['1,', ',5', '1,2,3', '1.234,5', '1,5e3', '1, 5', 'a,5', ''])
      assert.equal(classifyCommaValue(v), 'text', v);
    assert.equal(classifyCommaValue('12'), 'integer');
    assert.equal(classifyCommaValue('1.5'), 'number');
    assert.equal(classifyCommaValue('2024-01-31'), 'date');
    assert.equal(parseCommaNumber('-0,25'), -0.25);
    assert.equal(parseCommaNumber('1234,56'), 1234.56);
    assert.equal(parseCommaNumber('1.5'), 1.5);
    assert.ok(Number.isNaN(parseCommaNumber('1,2,3')));
    assert.equal(isNumberText('1,5', true), true);
    assert.equal(isNumberText('1,5', false), false);
    assert.equal(isNumberText('1e3', false), true);
    assert.equal(commaToPoint('1,5'), '1.5');
    assert.equal(commaToPoint('1,2,3'), '1,2,3');
  });

  /** A table of amounts, scores and ages; `sep` and the decimal mark as given. */
  function write(name: string, rows: number, sep: string, mark: string): string {
    const random = seededRandom(7);
    const lines = [['id', 'amount', 'score', 'age', 'city', 'y', 'pred'].join(sep)];
    for (let i = 0; i < rows; i++) {
      const score = Math.floor(random() * 10_000) / 10_000;
      const y = random() < score ? 1 : 0;
      const amount = `${Math.floor(random() * 90_000) + 1000}.${String(Math.floor(random() * 100)).padStart(2, '0')}`;
      lines.push(
        [
          i + 1,
          amount.replace('.', mark),
          score.toFixed(4).replace('.', mark),
          18 + Math.floor(random() * 60),
          ['Köln', 'Lyon', 'Porto'][i % 3],
          y,
          score > 0.5 ? 1 : 0,
        ].join(sep),
      );
    }
    const file = path.join(dir, name);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  it('profile, feed the analyses and score a model as the same numbers with a point do', async () => {
    const comma = write('eu.csv', 3000, ';', ',');
    const point = write('us.csv', 3000, ',', '.');
    const options: Omit<ScanOptions, 'fileName'> = {
      label: 'y',
      positive: ['1'],
      prediction: 'pred',
      score: 'score',
    };
    const eu = await scanDataset(fs.createReadStream(comma), { ...options, fileName: 'eu.csv' });
    const us = await scanDataset(fs.createReadStream(point), { ...options, fileName: 'us.csv' });
    assert.deepEqual(
      eu.columns.map((c) => [c.name, c.type]),
      us.columns.map((c) => [c.name, c.type]),
    );
    assert.equal(eu.columns.find((c) => c.name === 'amount')?.type, 'number');
    assert.deepEqual(
      eu.columns.map((c) => c.numeric),
      us.columns.map((c) => c.numeric),
    );
    // No amount taken for an identifier, and the score audited as the point file's.
    const rules = (r: typeof eu) => r.findings.map((f) => `${f.rule} ${f.column ?? ''}`).sort();
    assert.deepEqual(rules(eu), rules(us));
    assert.ok(!rules(eu).includes('quality/identifier-column amount'));
    const overall = (r: typeof eu) => (r.fairness as { overall?: { rocAuc?: number } } | undefined)?.overall;
    assert.deepEqual(overall(eu), overall(us));
    assert.ok((overall(eu)?.rocAuc ?? 0) > 0.7);
  });

  it("give the one-pass report split by column and by range, past the columns' switch to numbers", async () => {
    // 60,000 distinct amounts: past the encoded columns' limits, where they turn to numbers.
    const file = write('big.csv', 60_000, ';', ',');
    const options: ScanOptions = { fileName: 'big.csv', label: 'y', positive: ['1'] };
    const one = JSON.stringify(await scanDataset(fs.createReadStream(file), options));
    for (const split of ['columns', 'ranges'] as const) {
      let how: string | undefined;
      const r = await scanFileInThreads(file, options, {
        threads: 2,
        split,
        rangeBytes: 200_000,
        onSplit: (h) => (how = h),
      });
      assert.equal(how, split);
      assert.equal(JSON.stringify(r, roundMoments), JSON.stringify(JSON.parse(one), roundMoments), split);
    }
    const report = JSON.parse(one) as { columns: { name: string; type: string }[] };
    assert.equal(report.columns.find((c) => c.name === 'amount')?.type, 'number');
  });

  it('stay text in a comma- or tab-delimited file, where a comma groups thousands', async () => {
    const file = path.join(dir, 'quoted.csv');
    fs.writeFileSync(file, 'id,amount\n1,"1,500"\n2,"2,250"\n3,"12,000"\n');
    const r = await scanDataset(fs.createReadStream(file), { fileName: 'quoted.csv' });
    assert.equal(r.columns[1]?.type, 'category');
    const tsv = path.join(dir, 'amounts.tsv');
    fs.writeFileSync(tsv, 'id\tamount\n1\t1,500\n2\t2,250\n3\t12,000\n');
    const t = await scanDataset(fs.createReadStream(tsv), { fileName: 'amounts.tsv' });
    assert.equal(t.columns[1]?.type, 'category');
  });

  it('train as numeric features: the loader reads them as the audit does', async () => {
    const file = write('train.csv', 200, ';', ',');
    const loaded = await loadTable([fs.readFileSync(file)], 'train.csv');
    const amount = loaded.table.columns[loaded.table.names.indexOf('amount')]!;
    assert.match(amount[0]!, /^\d+\.\d\d$/);
    const rows = Int32Array.from({ length: 200 }, (_, i) => i);
    const spec = fitPreprocess(loaded.table, rows, {
      features: ['amount', 'score', 'city'],
      label: 'y',
      task: 'binary',
      positive: ['1'],
      categorical: [],
      missing: 'impute',
      missingTokens: [],
      maxCategories: 10,
    });
    assert.deepEqual(
      spec.features.map((f) => [f.name, f.kind]),
      [
        ['amount', 'numeric'],
        ['score', 'numeric'],
        ['city', 'categorical'],
      ],
    );
  });
});

/** Means and deviations to 12 digits: ranges add Welford's sums in another order (see scanRanges.test.ts). */
function roundMoments(key: string, value: unknown): unknown {
  return (key === 'mean' || key === 'std') && typeof value === 'number'
    ? Number(value.toPrecision(12))
    : value;
}
