import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { CategoricalBuilder, codeWindows, numberWindows } from '../../../src/core/data/encoded';
import { SpillDir } from '../../../src/core/data/spill';
import type { FairnessReport } from '../../../src/core/fairness/fairnessReport';
import { auditPredictions } from '../../../src/core/fairness/predictionAudit';
import { RecordSort, auditPredictionsOf, sortOrder } from '../../../src/core/fairness/predictionWindows';
import {
  labelledGroups,
  outcomeWindows,
  ownCodes,
  type FairColumn,
} from '../../../src/core/fairness/windows';
import { scanDataset } from '../../../src/core/scan';
import { countSpillFiles } from '../worker/spillSpy';
import { spilledNumbers, tmpDir } from './windowColumns';

/**
 * The prediction audit over windows, its score sort in runs on disk, gives exactly the audit of arrays: the
 * same counts, and the same sums in the same order within each group.
 */

/** Scores with ties, NaN, -0 and 0, the calibration edges, and values outside [0, 1]. */
const score = fc.oneof(
  fc.constantFrom(NaN, -0, 0, 0.1, 0.2, 0.30000000000000004, 0.3, 0.5, 0.5, 1, 1),
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.constantFrom(-1, 2, Infinity, -Infinity, 1e-310),
);

describe('fairness: the prediction audit in windows', () => {
  it('orders keys as a stable numeric sort does, -0 just before 0', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ noNaN: true }),
            fc.constantFrom(-0, 0, 1, -1, Infinity, -Infinity, 5e-324),
            // Keys whose bits differ in the low word only, in either of its 16-bit digits.
            fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((k) => 1 + k * 2 ** -45),
          ),
          { maxLength: 300 },
        ),
        (xs) => {
          const keys = Float64Array.from(xs);
          const order = Array.from(sortOrder(keys, keys.length));
          // Ascending, -0 just before 0, and equal keys in the order they came.
          const negZero = (x: number) => (Object.is(x, -0) ? 0 : 1);
          const want = xs
            .map((_, i) => i)
            .sort((a, b) => xs[a]! - xs[b]! || negZero(xs[a]!) - negZero(xs[b]!) || a - b);
          assert.deepStrictEqual(order, want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('walks records in key order with their payload, from runs on disk and the tail', () => {
    const dir = tmpDir('rml-predwin-');
    const spill = new SpillDir(0, dir);
    try {
      const r = (() => {
        let s = 7;
        return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
      })();
      const sort = new RecordSort(2, spill, 100);
      const want: [number, number, number][] = [];
      for (let i = 0; i < 2345; i++) {
        const key = Math.floor(r() * 500) / 7;
        const at = sort.push(key);
        sort.words[at] = i;
        sort.words[at + 1] = 7 - i;
        want.push([key, i, 7 - i]);
      }
      const got: [number, number, number][] = [];
      sort.walk((key, words, at) => got.push([key, words[at]!, words[at + 1]!]));
      const byKey = (a: [number, number, number], b: [number, number, number]) => a[0] - b[0] || a[1] - b[1];
      // Ties may come in any order across runs: compare as sorted by key, then payload.
      assert.deepStrictEqual(got.slice().sort(byKey), want.sort(byKey));
      for (let k = 1; k < got.length; k++) assert.ok(got[k - 1]![0] <= got[k]![0]);
      assert.equal(fs.readdirSync(dir).length, 1, 'the runs went to disk');
      sort.close();
    } finally {
      spill.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('walks records held in memory in key order with their payload, over several blocks', () => {
    let seed = 11;
    const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // Without a spill every record stays in memory: 20,000 of them are read back in three blocks.
    const sort = new RecordSort(3, undefined);
    const want: [number, number, number, number][] = [];
    for (let i = 0; i < 20000; i++) {
      const key = Math.floor(r() * 3000) / 11 - 100;
      const at = sort.push(key);
      sort.words[at] = i;
      sort.words[at + 1] = -i;
      sort.words[at + 2] = i % 5;
      want.push([key, i, -i | 0, i % 5]);
    }
    const got: [number, number, number, number][] = [];
    sort.walk((key, words, at) => got.push([key, words[at]!, words[at + 1]!, words[at + 2]!]));
    // One run, sorted stably: ties keep the order they were pushed in.
    want.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepStrictEqual(got, want);
    sort.close();
  });

  it('equals the audit of arrays to the last bit, with the score sorted in runs of 1 to 60 rows', () => {
    const row = fc.record({
      y: fc.constantFrom(0, 1, 1, 0, -1),
      p: fc.constantFrom(0, 1, 0, 1, -1),
      s: score,
      g: fc.constantFrom('a', 'b', 'c', undefined),
      age: fc.oneof(fc.integer({ min: 15, max: 80 }), fc.constant(NaN)),
    });
    const dir = tmpDir('rml-predwin-');
    try {
      fc.assert(
        fc.property(
          fc.array(row, { maxLength: 120 }),
          fc.integer({ min: 1, max: 60 }),
          fc.boolean(),
          fc.boolean(),
          (rows, runRows, scored, spillScore) => {
            const label = Int8Array.from(rows.map((r) => r.y));
            const prediction = Int8Array.from(rows.map((r) => r.p));
            const g = new CategoricalBuilder(rows.length);
            for (const r of rows) g.push(r.g);
            const gCol = g.build();
            const band = (v: number) => `${Math.floor(v / 10) * 10}s`;
            const ageBuilder = new CategoricalBuilder(rows.length);
            for (const r of rows) ageBuilder.push(Number.isNaN(r.age) ? undefined : band(r.age));
            const scores = rows.map((r) => r.s);
            const want = auditPredictions({
              label,
              prediction,
              ...(scored ? { score: scores } : {}),
              groups: { g: gCol, age: ageBuilder.build() },
            });
            const spill = new SpillDir(0, dir);
            try {
              const ages: FairColumn = {
                kind: 'numeric',
                length: rows.length,
                values: numberWindows({ kind: 'numeric', values: Float64Array.from(rows.map((r) => r.age)) }),
              };
              const scoreColumn = spillScore
                ? spilledNumbers(scores, spill, 3)
                : {
                    kind: 'numeric' as const,
                    length: rows.length,
                    values: numberWindows({ kind: 'numeric', values: Float64Array.from(scores) }),
                  };
              const got = auditPredictionsOf(
                {
                  label: outcomeWindows(label),
                  prediction: outcomeWindows(prediction),
                  ...(scored ? { score: scoreColumn as Extract<FairColumn, { kind: 'numeric' }> } : {}),
                  groups: [
                    { name: 'g', view: ownCodes(codeWindows(gCol)) },
                    {
                      name: 'age',
                      view: labelledGroups(ages as Extract<FairColumn, { kind: 'numeric' }>, band),
                    },
                  ],
                },
                {},
                spill,
                runRows,
              );
              assert.deepStrictEqual(got, want);
              // Key order too: the report's JSON is the same text.
              assert.equal(JSON.stringify(got), JSON.stringify(want));
            } finally {
              spill.close();
            }
          },
        ),
        { numRuns: 200 },
      );
      assert.deepStrictEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('audits a scan whose score sort went to disk exactly as in memory, leaving no file', async function () {
    this.timeout(60_000);
    const file = path.join(__dirname, 'fixtures', 'adult-test-logreg.csv');
    const options = {
      fileName: 'preds.csv',
      label: 'income',
      positive: ['>50K'],
      prediction: 'prediction',
      score: 'score',
      groups: ['race', 'sex'],
    };
    const inMemory = await scanDataset(fs.createReadStream(file), { ...options, spillRows: Infinity });
    const fairness = inMemory.fairness as FairnessReport | undefined;
    assert.ok(fairness?.groups && fairness.score === 'score');
    assert.ok(fairness.overall?.rocAuc !== undefined && fairness.overall.rocAuc !== null);
    assert.deepStrictEqual(Object.keys(fairness.groups), ['race', 'sex']);
    // A group given twice is audited once (no repeated findings).
    const twice = await scanDataset(fs.createReadStream(file), {
      ...options,
      groups: ['race', 'sex', 'race'],
      spillRows: Infinity,
    });
    assert.deepStrictEqual(twice, inMemory);
    const dir = tmpDir('rml-predwin-');
    const files = countSpillFiles();
    try {
      const spilled = await scanDataset(fs.createReadStream(file), {
        ...options,
        spillRows: 1000,
        spillDir: dir,
      });
      assert.deepStrictEqual(spilled, inMemory);
      const sorted = files.count;
      // The same scan without a score makes no sort, so the difference is the score's runs.
      const { score: _score, ...unscored } = options;
      files.count = 0;
      await scanDataset(fs.createReadStream(file), { ...unscored, spillRows: 1000, spillDir: dir });
      assert.ok(sorted > files.count, `${sorted} files with a score, ${files.count} without`);
      assert.deepStrictEqual(fs.readdirSync(dir), []);
    } finally {
      files.restore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
