import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import {
  CategoricalBuilder,
  encodeCategorical,
  codeWindows,
  type EncodedColumn,
} from '../../../src/core/data/encoded';
import {
  AdaptiveColumnBuilder,
  NumberBuilder,
  SpilledNumbers,
  decodeScaled,
} from '../../../src/core/data/encoded';
import { SpillDir } from '../../../src/core/data/spill';
import { datasetBias, datasetBiasOf } from '../../../src/core/fairness/datasetBias';
import type { FairnessReport } from '../../../src/core/fairness/fairnessReport';
import { labelLeakage, labelLeakageOf } from '../../../src/core/fairness/leakage';
import {
  NumericSummaries,
  association,
  proxyAssociations,
  proxyAssociationsOf,
  quantileBins,
} from '../../../src/core/fairness/proxies';
import {
  OutcomeTally,
  PairTally,
  countPass,
  labelledGroups,
  numberCodes,
  outcomeWindows,
  ownCodes,
  sortNumbers,
  type CodeView,
  type FairColumn,
} from '../../../src/core/fairness/windows';
import { WINDOW_ROWS } from '../../../src/core/data/encoded';
import { seededRandom } from '../../../src/core/random';
import { scanDataset } from '../../../src/core/scan';
import { countSpillFiles } from '../worker/spillSpy';
import { ADULT_PATH } from './adultData';
import { spilledNumbers, tmpDir } from './windowColumns';

/**
 * The fairness analyses over windows (in memory or spilled, numeric columns sorted in runs on disk) give
 * exactly what the whole-array definitions give: the same tables summed in the same order.
 */

describe('sortNumbers', () => {
  /** The built-in sort's result, element for element (Object.is: -0 apart from 0). */
  const check = (values: Float64Array, radixFrom?: number) => {
    const want = values.slice().sort();
    const got = sortNumbers(values, radixFrom);
    assert.equal(got, values, 'sorts in place');
    for (let i = 0; i < want.length; i++)
      assert.ok(Object.is(got[i], want[i]), `at ${i}: ${got[i]} ${want[i]}`);
  };

  it('sorts as Float64Array.prototype.sort does', () => {
    const edges = [
      0,
      -0,
      1,
      -1,
      0.1,
      -0.1,
      5e-324,
      -5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Infinity,
      -Infinity,
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(...edges), fc.integer({ min: -3, max: 3 })),
          {
            minLength: 4096,
            maxLength: 9000,
          },
        ),
        (xs) => check(Float64Array.from(xs), 1),
      ),
      { numRuns: 300 },
    );
  });

  it('sorts scores in [0, 1], whose high digits are all alike, and ties', () => {
    const random = seededRandom(5);
    // Past the size from which the radix sort is used by default.
    check(Float64Array.from({ length: 200000 }, () => Math.round(random() * 1e6) / 1e6));
    check(
      Float64Array.from({ length: 5000 }, (_, i) => (i % 7) - 3),
      1,
    );
    check(new Float64Array(5000), 1);
  });

  it('leaves a NaN to the built-in sort', () => {
    const values = Float64Array.from({ length: 5000 }, (_, i) => (i === 17 ? NaN : 5000 - i));
    check(values, 1);
    assert.ok(Number.isNaN(values[4999]));
  });
});

/** Values with ties, NaN, -0 and 0, large and small. */
const value = fc.oneof(
  fc.constantFrom(NaN, -0, 0, 1, 1, 2, 2.5, -3, 1e9, Infinity, -Infinity),
  fc.integer({ min: -50, max: 50 }),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
);

describe('fairness in windows', () => {
  it('reads a spilled numeric column back window by window, across blocks and the tail', () => {
    const dir = tmpDir('rml-windows-');
    const spill = new SpillDir(1000, dir);
    try {
      const values = Array.from({ length: 250_003 }, (_, i) => (i % 7 === 0 ? NaN : i * 0.5 - 1000));
      const b = new AdaptiveColumnBuilder(10, false, 10, {
        spill: { afterRows: 1000, file: () => spill.file() },
      });
      for (const v of values) b.push(Number.isNaN(v) ? undefined : String(v));
      const c = b.build();
      assert.ok(c instanceof SpilledNumbers);
      assert.equal(c.length, values.length);
      for (const [from, to] of [
        [0, 10],
        [990, 1010],
        [65_536, 131_072],
        [200_000, 250_003],
        [249_000, 250_003],
        [0, 250_003],
      ] as const) {
        const w = c.window(from, to);
        for (let i = from; i < to; i++) assert.ok(Object.is(w[i - from], values[i]), `row ${i}`);
      }
    } finally {
      spill.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the in-memory leakage, proxies and bias on random columns, sorted in runs on disk', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, fc.constantFrom(1, 0, 0, -1), fc.constantFrom('a', 'b', 'c', undefined)), {
          minLength: 1,
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (rows, runRows, bins) => {
          const dir = tmpDir('rml-windows-');
          const spill = new SpillDir(runRows, dir);
          try {
            const values = rows.map((r) => r[0]);
            const y = Int8Array.from(rows, (r) => r[1]);
            const cat = encodeCategorical(rows.map((r) => r[2]));
            // The same numbers as a coded column whose levels are text ("2.5", and "-0" beside "0").
            const coded = encodeCategorical(
              values.map((v) => (Number.isNaN(v) ? undefined : Object.is(v, -0) ? '-0' : String(v))),
            );
            const num: EncodedColumn = { kind: 'numeric', values: Float64Array.from(values) };
            const windowsOf = (): { name: string; column: FairColumn }[] => [
              { name: 'n', column: spilledNumbers(values, spill, runRows) },
              {
                name: 'coded',
                column: {
                  kind: 'numeric',
                  length: coded.codes.length,
                  coded: codeWindows(coded),
                  numbers: Float64Array.from(coded.levels, Number),
                },
              },
              { name: 'c', column: { kind: 'categorical', codes: codeWindows(cat) } },
            ];
            const arrays: { name: string; column: EncodedColumn }[] = [
              { name: 'n', column: num },
              { name: 'coded', column: num },
              { name: 'c', column: cat },
            ];
            const fair = windowsOf();
            const summaries = new NumericSummaries(outcomeWindows(y), spill, runRows);
            assert.deepStrictEqual(
              labelLeakageOf(outcomeWindows(y), fair, { summaries, bins, maxLevels: 1000 }),
              labelLeakage(y, arrays, { bins, maxLevels: 1000 }),
            );
            assert.deepStrictEqual(
              proxyAssociationsOf(fair, fair, { summaries, bins, maxLevels: 1000 }),
              proxyAssociations(arrays, arrays, { bins, maxLevels: 1000 }),
            );
            const band = (v: number) => `${Math.floor(v / 10) * 10}`;
            const banded = new CategoricalBuilder(values.length);
            for (const v of values) banded.push(Number.isNaN(v) ? undefined : band(v));
            assert.deepStrictEqual(
              datasetBiasOf(
                {
                  label: outcomeWindows(y),
                  attributes: [
                    { name: 'n', groups: labelledGroups(fair[0]!.column as never, band) },
                    { name: 'c', groups: ownCodes(codeWindows(cat)) },
                  ],
                },
                { minGroupSize: 3 },
              ),
              datasetBias(
                {
                  label: y,
                  attributes: [
                    { name: 'n', column: banded.build() },
                    { name: 'c', column: cat },
                  ],
                },
                { minGroupSize: 3 },
              ),
            );
            // The quantile edges the sorted runs give are the ones of one in-memory sort, but for the sign of
            // a zero: -0 and 0 are one value in the walk, as in the AUC's, and print and compare the same.
            const zero = (e: number[]) => e.map((x) => (x === 0 ? 0 : x));
            const edges = summaries.of(fair[0]!.column as never, bins).edges;
            assert.deepStrictEqual(zero(edges), zero(quantileBins(values, bins).edges));
          } finally {
            spill.close();
            fs.rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("sums a pair's table in each column's order of first appearance, as the in-memory association does", () => {
    // Missing values and levels first seen out of order: summed in another order, V differs in its last bits.
    const rnd = seededRandom(7);
    const n = 20_000;
    const cat = encodeCategorical(
      Array.from({ length: n }, () => {
        const r = rnd();
        return r < 0.05 ? undefined : `L${Math.floor(r * r * 12)}`;
      }),
    );
    const values = Float64Array.from({ length: n }, () =>
      rnd() < 0.03 ? NaN : Math.round(rnd() * rnd() * 1000) / 7,
    );
    const got = proxyAssociations(
      [{ name: 'c', column: cat }],
      [{ name: 'v', column: { kind: 'numeric', values } }],
    ).associations[0]!;
    const want = association(cat, quantileBins(values));
    assert.equal(got.cramersV, want.cramersV);
    assert.equal(got.nmi, want.nmi);
  });

  it('audits Adult with a label spilled to disk exactly as in memory', async function () {
    this.timeout(120_000);
    const options = { fileName: 'adult.csv', label: 'income', positive: ['>50K'] };
    const inMemory = await scanDataset(fs.createReadStream(ADULT_PATH), { ...options, spillRows: Infinity });
    const fairness = inMemory.fairness as FairnessReport | undefined;
    assert.ok(fairness?.dataset && fairness.leakage.length > 10 && fairness.proxies.length > 10);
    const dir = tmpDir('rml-windows-');
    const files = countSpillFiles();
    try {
      const spilled = await scanDataset(fs.createReadStream(ADULT_PATH), {
        ...options,
        spillRows: 2000,
        spillDir: dir,
      });
      assert.deepStrictEqual(spilled, inMemory);
      // Where no file can be made, columns and sorts stay in memory: the same report.
      const nowhere = path.join(dir, 'missing', 'deeper');
      assert.deepStrictEqual(
        await scanDataset(fs.createReadStream(ADULT_PATH), {
          ...options,
          spillRows: 2000,
          spillDir: nowhere,
        }),
        inMemory,
      );
      assert.equal(fs.existsSync(nowhere), false);
      // 15 kept columns (the label and fnlwgt's numbers included), the duplicate lists and row ranges, and
      // the sorted runs of the numeric columns: fewer would mean something stayed in memory.
      assert.ok(files.count >= 15 + 17, `${files.count} files`);
      // Every temporary directory is gone once the report is made.
      assert.deepStrictEqual(fs.readdirSync(dir), []);
    } finally {
      files.restore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('countPass', () => {
  /** A view of `codes` that records the longest window asked of it. */
  function recording(codes: Int32Array, slots: number): CodeView & { longest: number } {
    const view = {
      slots,
      longest: 0,
      window(from: number, to: number) {
        view.longest = Math.max(view.longest, to - from);
        return codes.subarray(from, to);
      },
    };
    return view;
  }

  it('reads fewer rows at a time the more views a pass holds, and counts the same', () => {
    // 32 MB of windows at 4 bytes a code: 41,943 rows for 200 views, 65,536 (a whole window) for 2.
    const rows = 100_000;
    const r = seededRandom(7);
    const columns = Array.from({ length: 200 }, () =>
      Int32Array.from({ length: rows }, () => Math.floor(r() * 3)),
    );
    const y = Int8Array.from({ length: rows }, () => (r() < 0.3 ? 1 : 0));
    const many = columns.map((c) => recording(c, 3));
    const tallies = many.map((v) => new OutcomeTally(v));
    countPass(rows, outcomeWindows(y), [...tallies, new PairTally(many[0]!, many[1]!)]);
    assert.ok(Math.max(...many.map((v) => v.longest)) <= 41_943, `${many[0]!.longest} rows`);
    const few = [recording(columns[0]!, 3), recording(columns[1]!, 3)];
    const alone = new OutcomeTally(few[0]!);
    const pair = new PairTally(few[0]!, few[1]!);
    countPass(rows, outcomeWindows(y), [alone, pair]);
    assert.equal(few[0]!.longest, WINDOW_ROWS);
    assert.deepEqual(tallies[0]!.counts, alone.counts);
    let total = 0;
    for (let i = 0; i < rows; i++) total += y[i]!;
    assert.equal(alone.counts[1]! + alone.counts[3]! + alone.counts[5]!, total);
  });

  it('codes a column kept as mantissas as it codes the same numbers as doubles', () => {
    const b = new NumberBuilder(16, undefined);
    const r = seededRandom(3);
    for (let i = 0; i < 5000; i++) b.push(r() < 0.1 ? NaN : Math.round(r() * 1e6) / 1e4);
    const scaled = b.build();
    assert.ok(scaled.kind === 'scaled');
    const values = decodeScaled(scaled, 0, scaled.mantissas.length);
    const numbers = {
      length: values.length,
      window: (from: number, to: number) => values.subarray(from, to),
    };
    const codeOf = (v: number) => Math.min(9, Math.floor(v / 10));
    const fromMantissas = numberCodes(
      { kind: 'numeric', length: values.length, values: numbers, scaled },
      10,
      codeOf,
    );
    const fromDoubles = numberCodes({ kind: 'numeric', length: values.length, values: numbers }, 10, codeOf);
    for (const [from, to] of [
      [0, 5000],
      [1234, 4321],
      [4999, 5000],
    ] as const)
      assert.deepEqual(Array.from(fromMantissas.window(from, to)), Array.from(fromDoubles.window(from, to)));
  });

  it("gives a numeric view's windows no more room than the rows they hold, as narrow as its codes", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i / 10);
    const column: FairColumn = {
      kind: 'numeric',
      length: values.length,
      values: { length: values.length, window: (from, to) => values.subarray(from, to) },
    };
    const view = numberCodes(column, 2, (v) => (v < 50 ? 0 : 1));
    const w = view.window(0, 1000);
    assert.equal(w[0], 0);
    assert.equal(w[999], 1);
    // A window of 65,536 rows for every numeric column of a wide table was 512 MB at 2,000 columns; deciles
    // take a byte a row.
    assert.equal(w.buffer.byteLength, 1000);
    // Codes up to the view's slots fit: 128 in bytes, 129 and 32,768 in two, beyond in four.
    for (const [slots, bytes] of [
      [128, 1],
      [129, 2],
      [32_768, 2],
      [32_769, 4],
    ] as const) {
      const top = numberCodes(column, slots, () => slots - 1).window(0, 10);
      assert.equal(top.BYTES_PER_ELEMENT, bytes, `${slots} slots`);
      assert.equal(top[9], slots - 1);
    }
  });
});
