import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import type { DataRow, TableHeader } from '../../../src/core/data/table';
import {
  DEFAULT_MISSING_TOKENS,
  TableProfiler,
  isMissing,
  tableBudget,
  type ColumnProfile,
} from '../../../src/core/data/profile';
import {
  classifyValue,
  decimalCode,
  decimalText,
  decimalValue,
  isPlainDecimal,
  parseNumber,
} from '../../../src/core/data/valueKinds';

function profileColumns(
  columns: Record<string, (string | undefined)[]>,
  options = {},
): Record<string, ColumnProfile> {
  const names = Object.keys(columns);
  const header: TableHeader = { format: 'csv', hasHeader: true, columns: names.map((name) => ({ name })) };
  const profiler = new TableProfiler(header, options);
  const n = Math.max(...names.map((k) => (columns[k] as unknown[]).length));
  for (let i = 0; i < n; i++) {
    const row: DataRow = {
      index: i + 1,
      values: names.map((k) => (columns[k] as (string | undefined)[])[i]),
      positions: new Int32Array(4 * names.length),
    };
    profiler.add(row);
  }
  return Object.fromEntries(profiler.finish().map((p) => [p.name, p]));
}

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('classifyValue', () => {
  it('tells integers, numbers, booleans, dates and text apart', () => {
    const cases: [string, string][] = [
      ['42', 'integer'],
      ['-7', 'integer'],
      ['+007', 'integer'],
      ['3.14', 'number'],
      ['-.5', 'number'],
      ['1e-3', 'number'],
      ['6.02E23', 'number'],
      ['1,234', 'text'],
      ['NaN', 'text'],
      ['Infinity', 'text'],
      ['-', 'text'],
      ['TRUE', 'boolean'],
      ['false', 'boolean'],
      ['yes', 'text'],
      ['2024-02-29', 'date'],
      ['2024-02-29T13:45:00Z', 'date'],
      ['2024-02-29 13:45:00.123+01:00', 'date'],
      ['2024-13-01', 'text'],
      ['31/12/1999', 'date'],
      ['12/31/1999', 'date'],
      ['31.12.1999', 'date'],
      ['1999/12/31', 'date'],
      ['32/13/1999', 'text'],
      ['1.2.3', 'text'],
      ['5 Jan 2020', 'date'],
      ['05-Jan-2020', 'date'],
      ['January 5, 2020', 'date'],
      ['Jan 5 2020', 'date'],
      ['Janet 5 2020x', 'text'],
      ['20200105', 'integer'],
      ['hello world', 'text'],
    ];
    for (const [value, kind] of cases) assert.equal(classifyValue(value), kind, value);
  });
});

describe('parseNumber', () => {
  // Object.is tells -0 from 0 and NaN from NaN: the fast path must be Number itself, bit for bit.
  const same = (s: string) => assert.ok(Object.is(parseNumber(s), Number(s)), `${s}: ${parseNumber(s)}`);

  it('reads every value as Number does, at the edges of its fast path', () => {
    for (const s of [
      '',
      '0',
      '-0',
      '+0',
      '-0.0',
      '.5',
      '-.5',
      '5.',
      '-5.',
      '.',
      '+',
      '-',
      '+.',
      '1.2.3',
      '007',
      '0.1',
      '0.3',
      '123456789012345',
      '1234567890123456',
      '12345678901234567',
      '9007199254740993',
      '0.000000000000001',
      '1.00000000000000',
      '999999999999999',
      '99999999999999.9',
      '4.35',
      '1e5',
      '1E-3',
      ' 5',
      '5 ',
      '0x10',
      'Infinity',
      '-Infinity',
      'NaN',
      '1_000',
      '١٢',
      '12.3456',
      '-98765.4321',
      '123456789012345.',
    ])
      same(s);
  });

  it('reads random decimals as Number does', () => {
    const digits = fc.stringMatching(/^[0-9]{0,18}$/);
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), digits, fc.boolean(), digits, (sign, whole, point, frac) =>
        same(`${sign}${whole}${point ? '.' : ''}${point ? frac : ''}`),
      ),
      { numRuns: 20000 },
    );
    fc.assert(
      fc.property(fc.double(), (x) => same(String(x))),
      { numRuns: 5000 },
    );
  });
});

describe('decimalCode', () => {
  // A text it takes must come back from its code, with `Number`'s value.
  const check = (s: string) => {
    const code = decimalCode(s);
    if (code === code) {
      assert.equal(decimalText(code), s, `${s} coded as ${code}`);
      assert.ok(Object.is(decimalValue(code), Number(s)), s);
    }
    return code === code;
  };

  it('takes the decimals it can write back and nothing else, at its edges', () => {
    const taken = [
      '0',
      '1',
      '-1',
      '12.50',
      '-0.5',
      '108.0210',
      '0.0000001',
      '0.00',
      '100',
      '281474976710655',
      '-2814749767.10655',
      '0.00000000000001',
    ];
    for (const s of taken) assert.ok(check(s), s);
    const refused = [
      '',
      '-0',
      '-0.000',
      '+1',
      '01',
      '00.5',
      '1.',
      '.5',
      '-',
      '1e3',
      'NaN',
      'Infinity',
      ' 1',
      '1 ',
      '1234567890123456',
      '281474976710656',
      '0.123456789012345',
      '12345678901234.56',
      '1_0',
      '0x1',
      '1.2.3',
    ];
    for (const s of refused) assert.ok(!check(s), s);
  });

  it('never takes a text it would write otherwise', () => {
    const digits = fc.stringMatching(/^[0-9]{0,17}$/);
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), digits, fc.boolean(), digits, (sign, whole, point, frac) => {
        check(`${sign}${whole}${point ? '.' : ''}${point ? frac : ''}`);
      }),
      { numRuns: 20000 },
    );
    // And takes every fixed-point text of up to 15 digits.
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 }), (m, k) => {
        const s = (m / 10 ** k).toFixed(k);
        assert.ok(check(s) || Object.is(Number(s), -0), s);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('isPlainDecimal', () => {
  it('answers as /^[-+]?\\d+(?:\\.\\d+)?$/ does', () => {
    const regex = /^[-+]?\d+(?:\.\d+)?$/;
    const same = (s: string) => assert.equal(isPlainDecimal(s), regex.test(s), JSON.stringify(s));
    for (const s of [
      '',
      '+',
      '-',
      '.',
      '5',
      '-5',
      '+5',
      '5.',
      '.5',
      '-.5',
      '5.5',
      '5.5.5',
      '--5',
      ' 5',
      '5 ',
      '1e5',
      '٣',
    ])
      same(s);
    fc.assert(fc.property(fc.stringMatching(/^[-+. 0-9e]{0,8}$/), same), { numRuns: 20000 });
    fc.assert(fc.property(fc.string(), same), { numRuns: 2000 });
  });
});

describe('TableProfiler', () => {
  it('counts the default missing tokens and extra ones, and nothing else', () => {
    assert.deepEqual([...DEFAULT_MISSING_TOKENS], ['', 'NA', 'N/A', 'null', 'NULL', '?']);
    assert.ok(isMissing(undefined, DEFAULT_MISSING_TOKENS));
    assert.ok(isMissing('N/A', new Set(DEFAULT_MISSING_TOKENS)));
    assert.ok(!isMissing('na', DEFAULT_MISSING_TOKENS));
    const p = profileColumns(
      { a: ['1', '', 'NA', 'N/A', 'null', 'NULL', '?', undefined, '-', 'None', 'na'] },
      { missingTokens: ['-', 'None'] },
    );
    assert.equal(p.a?.missing, 9);
    assert.equal(p.a?.distinct, 2);
    assert.deepEqual(p.a?.typeCounts, { integer: 1, number: 0, boolean: 0, date: 0, text: 1 });
  });

  it('infers each column type', () => {
    const p = profileColumns({
      int: repeat(50, (i) => String(i % 7)),
      num: repeat(50, (i) => (i % 5 === 0 ? String(i) : `${i}.5`)),
      bool: repeat(50, (i) => (i % 2 ? 'true' : 'False')),
      date: repeat(50, (i) => `2020-01-${String((i % 28) + 1).padStart(2, '0')}`),
      cat: repeat(50, (i) => ['red', 'green', 'blue'][i % 3]),
      text: repeat(50, (i) => `free text number ${i % 30} about something`),
      id: repeat(50, (i) => `CUST-${1000 + i}`),
      rowid: repeat(50, (i) => String(i + 1)),
      email: repeat(50, (i) => `user${i}@example.com`),
      empty: repeat(50, () => 'NA'),
    });
    const types = Object.fromEntries(Object.values(p).map((c) => [c.name, c.type]));
    assert.deepEqual(types, {
      int: 'integer',
      num: 'number',
      bool: 'boolean',
      date: 'date',
      cat: 'category',
      text: 'text',
      id: 'identifier',
      rowid: 'identifier',
      email: 'identifier',
      empty: 'empty',
    });
    assert.ok(p.id?.identifierLike && p.rowid?.identifierLike && !p.cat?.identifierLike);
    assert.equal(p.empty?.constant, true);
    assert.equal(p.empty?.missing, 50);
  });

  it('needs enough values before calling a column an identifier', () => {
    const p = profileColumns({ few: repeat(10, (i) => `k${i}`) });
    assert.equal(p.few?.type, 'category');
    assert.equal(p.few?.identifierLike, false);
  });

  it('flags mixed types from 1% of the values, and constant columns', () => {
    const p = {
      ...profileColumns({ mixed: repeat(100, (i) => (i < 2 ? 'unknown' : String(i))) }),
      ...profileColumns({ nearlyPure: [...repeat(199, (i) => String(i)), 'oops'] }),
      ...profileColumns({
        constant: repeat(10, () => 'x'),
        constantWithMissing: repeat(10, (i) => (i ? 'x' : '')),
      }),
      ...profileColumns({ single: ['x'] }),
    };
    assert.equal(p.mixed?.mixedTypes, true);
    assert.deepEqual(p.mixed?.typeCounts, { integer: 98, number: 0, boolean: 0, date: 0, text: 2 });
    assert.equal(p.nearlyPure?.mixedTypes, false, '1 of 200 is below 1%');
    assert.equal(p.constant?.constant, true);
    assert.equal(p.constantWithMissing?.constant, false, 'a missing cell differs from x');
    assert.equal(p.single?.constant, true);
  });

  it('summarises numbers (sample standard deviation) and ignores text in the summary', () => {
    const xs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
    const p = profileColumns({ x: [...xs.map(String), '?'] });
    assert.deepEqual(p.x?.numeric, { min: 1e9 + 4, max: 1e9 + 16, mean: 1e9 + 10, std: Math.sqrt(30) });
    const one = profileColumns({ x: ['5'] });
    assert.deepEqual(one.x?.numeric, { min: 5, max: 5, mean: 5, std: 0 });
    const text = profileColumns({ x: ['a', 'b'] });
    assert.equal(text.x?.numeric, undefined);
  });

  it('counts kinds, spaces and numbers of a value once per cell, whether it was counted exactly or past the cap', () => {
    // The exact phase weighs each value's facts by its count at the end (or when the cap is reached); past
    // the cap every cell adds its own. Caps from 4 values put the switch anywhere in the column.
    const cell = fc.oneof(
      fc.integer({ min: -50, max: 50 }).map(String),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toFixed(3)),
      fc.integer({ min: 0, max: 30 }).map((k) => String(1e9 + k)),
      fc.constantFrom('a b', 'word', 'true', '2024-01-05', '1e400', '?', ' 7 '),
    );
    fc.assert(
      fc.property(
        fc.array(cell, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 4, max: 120 }),
        (cells, cap) => {
          const p = profileColumns({ c: cells }, { distinctCap: cap }).c!;
          const present = cells.filter((v) => !isMissing(v, DEFAULT_MISSING_TOKENS));
          const kinds = { integer: 0, number: 0, boolean: 0, date: 0, text: 0 };
          for (const v of present) kinds[classifyValue(v)]++;
          assert.deepEqual(p.typeCounts, kinds);
          if (!p.numeric) return;
          const xs = present
            .filter((v) => ['integer', 'number'].includes(classifyValue(v)))
            .map(Number)
            .filter(Number.isFinite);
          const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
          const m2 = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
          const std = xs.length > 1 ? Math.sqrt(m2 / (xs.length - 1)) : 0;
          const scale = Math.max(1, ...xs.map(Math.abs));
          // `===`: -0 and 0 are one minimum.
          assert.ok(p.numeric.min === Math.min(...xs), `min ${p.numeric.min}`);
          assert.ok(p.numeric.max === Math.max(...xs), `max ${p.numeric.max}`);
          assert.ok(Math.abs(p.numeric.mean - mean) <= 1e-12 * scale, `mean ${p.numeric.mean} vs ${mean}`);
          assert.ok(
            Math.abs(p.numeric.std - std) <= 1e-9 * Math.max(1, std),
            `std ${p.numeric.std} vs ${std}`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts exactly below the cap whichever way its table grows', () => {
    // Caps up to 409 values grow a column's table and facts from their first size straight to their last;
    // from 410 they double. Either way every value below the cap keeps its count, kind and text.
    fc.assert(
      fc.property(
        fc.constantFrom(17, 61, 121, 241, 409, 410, 600),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (cap, repeats, seed) => {
          const distinct = 1 + (seed % (cap - 1));
          const cells = repeat(distinct * repeats, (i) => {
            const v = (i * 7919 + seed) % distinct;
            return v % 3 === 0 ? `w ${v}` : String(v / 4);
          });
          const p = profileColumns({ c: cells }, { distinctCap: cap, topValues: 3 }).c!;
          assert.equal(p.distinctExact, true);
          assert.equal(p.distinct, distinct);
          const counts = new Map<string, number>();
          for (const v of cells) counts.set(v, (counts.get(v) ?? 0) + 1);
          for (const t of p.topValues) assert.equal(t.count, counts.get(t.value), t.value);
          assert.equal(p.typeCounts.text, cells.filter((v) => v.startsWith('w ')).length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports top values with exact counts, most frequent first, ties by value', () => {
    const p = profileColumns({ c: ['b', 'a', 'c', 'a', 'b', 'a', 'd'] }, { topValues: 3 });
    assert.deepEqual(p.c?.topValues, [
      { value: 'a', count: 3 },
      { value: 'b', count: 2 },
      { value: 'c', count: 1 },
    ]);
    assert.equal(p.c?.distinctExact, true);
  });

  it('estimates distinct counts past the cap within 3% and keeps the heavy hitters', () => {
    const n = 60000;
    const values = repeat(n, (i) =>
      i % 10 === 0 || i % 10 === 2 ? 'frequent' : i % 10 === 1 ? 'common' : `v${i}`,
    );
    const p = profileColumns({ c: values }, { distinctCap: 1000 });
    const trueDistinct = n * 0.7 + 2;
    assert.equal(p.c?.distinctExact, false);
    assert.ok(
      Math.abs((p.c?.distinct ?? 0) - trueDistinct) / trueDistinct < 0.03,
      `estimate ${p.c?.distinct}`,
    );
    assert.deepEqual(
      p.c?.topValues.slice(0, 2).map((t) => t.value),
      ['frequent', 'common'],
    );
    // Space-Saving counts are upper bounds within n / counters of the truth.
    const top = p.c?.topValues[0]?.count ?? 0;
    assert.ok(top >= n / 5 && top <= n / 5 + n / 1024, `count ${top}`);
    assert.equal(p.c?.type, 'text');
  });

  it('past the cap, shows only values certainly more frequent than any value not counted', () => {
    // Each e-value comes three times in a row: counted twice after taking a counter, with the count that
    // counter had before (about n / 1024) on top. Only 'heavy' stands out.
    const n = 60000;
    const values = repeat(n, (i) => (i % 20 === 0 ? 'heavy' : `e${Math.floor(i / 3)}`));
    const p = profileColumns({ c: values }, { distinctCap: 1000 });
    assert.equal(p.c?.distinctExact, false);
    assert.deepEqual(
      p.c?.topValues.map((t) => t.value),
      ['heavy'],
    );
    const count = p.c?.topValues[0]?.count ?? 0;
    assert.ok(count >= n / 20 && count <= n / 20 + n / 1024, `count ${count}`);
  });

  it('past the cap, shows no top values for a column of unique values rather than counts inherited by chance', () => {
    const p = profileColumns({ id: repeat(20000, (i) => `C${100000 + i}`) }, { distinctCap: 1000 });
    assert.equal(p.id?.distinctExact, false);
    assert.deepEqual(p.id?.topValues, []);
  });

  it('past the cap of a wide table, counts in sketches kept in the buffer of the exact table they replace', () => {
    // 10,000 columns: a cap of 121 values, whose last exact table (256 slots, 4 KB) holds 32 counters and 2^10
    // registers. Its slots are not zero when the sketches take it over.
    const header: TableHeader = {
      format: 'csv',
      hasHeader: true,
      columns: Array.from({ length: 10_000 }, (_, i) => ({ name: `m${i}` })),
    };
    const profiler = new TableProfiler(header, { columns: [0] });
    const values: string[] = [];
    for (let i = 0; i < 6000; i++) values.push(i % 10 === 0 ? 'hot' : i % 20 === 5 ? 'warm' : `u${i}`);
    values.forEach((v, i) => profiler.add({ index: i + 1, values: [v], positions: new Int32Array(4) }));
    const [p] = profiler.finish();
    assert.equal(p?.distinctExact, false);
    // 5,102 distinct values; the registers' standard error is 3.2%.
    assert.ok(Math.abs(p!.distinct - 5102) / 5102 < 0.1, `distinct ${p?.distinct}`);
    const [hot, warm] = p!.topValues;
    // Space-Saving's bounds: the true count at most, n / 32 more at most.
    assert.equal(hot?.value, 'hot');
    assert.ok(hot!.count >= 600 && hot!.count <= 600 + 6000 / 32, `hot ${hot?.count}`);
    assert.equal(warm?.value, 'warm');
    assert.ok(warm!.count >= 300 && warm!.count <= 300 + 6000 / 32, `warm ${warm?.count}`);
  });

  it("keeps every column's table, facts and sketches apart where a wide table cuts them from shared buffers", () => {
    // 3,000 columns: a cap of 400, a last table of 8 KB with room for 64 counters and 2^10 registers, and 4.8
    // KB of facts, about a hundred columns to each 1 MB buffer. Forty columns pass the cap at different rows;
    // forty more stay below it. Each column's counts, numbers and top value are its own.
    const width = 3_000;
    const header: TableHeader = {
      format: 'csv',
      hasHeader: true,
      columns: Array.from({ length: width }, (_, i) => ({ name: `m${i}` })),
    };
    const columns = Array.from({ length: 80 }, (_, j) => j * 37);
    const profiler = new TableProfiler(header, { columns });
    const rows = 1_500;
    // Column j: a value of its own every 7th row, else one of 421 + 28j numbers (j < 40) or of 150 (j >= 40).
    const cell = (j: number, r: number): string =>
      r % 7 === 0 ? `${j * 1000 + 0.5}` : `${j * 1e6 + (r % (j < 40 ? 421 + 28 * j : 150))}`;
    for (let r = 0; r < rows; r++) {
      const values: string[] = new Array<string>(width);
      for (const [j, c] of columns.entries()) values[c] = cell(j, r);
      profiler.add({ index: r + 1, values, positions: new Int32Array(4 * width) });
    }
    const profiles = profiler.finish();
    for (const [j, c] of columns.entries()) {
      const p = profiles.find((x) => x.index === c)!;
      const cells = Array.from({ length: rows }, (_, r) => Number(cell(j, r)));
      const distinct = new Set(cells).size;
      assert.equal(p.distinctExact, j >= 40, `m${c}`);
      if (j >= 40) assert.equal(p.distinct, distinct, `m${c}`);
      else assert.ok(Math.abs(p.distinct - distinct) / distinct < 0.1, `m${c}: ${p.distinct} of ${distinct}`);
      assert.equal(p.numeric?.min, Math.min(...cells), `m${c}`);
      assert.equal(p.numeric?.max, Math.max(...cells), `m${c}`);
      const mean = cells.reduce((a, b) => a + b, 0) / rows;
      assert.ok(Math.abs(p.numeric!.mean - mean) <= 1e-9 * Math.abs(mean), `m${c}`);
      assert.equal(p.topValues[0]?.value, `${j * 1000 + 0.5}`, `m${c}`);
    }
  });

  it('never estimates more distinct values than a column holds', () => {
    // 2,000 unique values past a cap of 50: 2^14 registers estimate within about 1%, either side.
    for (let seed = 0; seed < 20; seed++) {
      const p = profileColumns({ id: repeat(2000, (i) => `id-${seed}-${i}`) }, { distinctCap: 50 });
      assert.equal(p.id?.distinctExact, false);
      assert.ok(p.id!.distinct <= 2000 && p.id!.distinct > 1900, `distinct ${p.id?.distinct}`);
    }
    const p = profileColumns(
      { id: repeat(2000, (i) => (i % 4 === 0 ? undefined : `id-${i}`)) },
      { distinctCap: 50 },
    );
    assert.ok(p.id!.distinct <= 1500, `distinct ${p.id?.distinct} of 1,500 values`);
  });

  it("shares 1.2 million exact values among a table's columns, with sketches and samples sized by the share", () => {
    // [columns, cap, counters, precision, levels]: the tiers' edges. The samples and dictionaries keep 1,000
    // values up to 1,200 columns, then the same share, at least 50; the cap stays above them, and is the share
    // however wide the table.
    const tiers = [
      [1, 100_000, 1024, 14, 1000],
      [12, 100_000, 1024, 14, 1000],
      [13, 92_307, 1024, 14, 1000],
      [24, 50_000, 1024, 14, 1000],
      [25, 48_000, 256, 12, 1000],
      [240, 5_000, 256, 12, 1000],
      [241, 4_979, 64, 10, 1000],
      [1_200, 1_001, 64, 10, 1000],
      [1_201, 1_000, 64, 10, 999],
      [4_687, 257, 64, 10, 256],
      [4_688, 256, 64, 10, 255],
      [5_000, 241, 64, 10, 240],
      [5_001, 240, 32, 10, 239],
      [10_000, 121, 32, 10, 120],
      [10_001, 120, 16, 10, 119],
      [20_000, 61, 16, 10, 60],
      [24_000, 51, 16, 10, 50],
      [100_000, 51, 16, 10, 50],
    ];
    for (const [columns, ...expected] of tiers) {
      const b = tableBudget(columns!);
      assert.deepEqual([b.cap, b.counters, b.precision, b.levels], expected, `${columns} columns`);
    }
    // The profiler takes its cap from the header, unless told one.
    const header = (n: number): TableHeader => ({
      format: 'csv',
      hasHeader: true,
      columns: Array.from({ length: n }, (_, i) => ({ name: `c${i}` })),
    });
    assert.equal(new TableProfiler(header(50)).finishPart().distinctCap, 24_000);
    assert.equal(new TableProfiler(header(50), { distinctCap: 7 }).finishPart().distinctCap, 7);
  });

  it('names the same top values keeping the texts of the first 2k values as keeping them all', () => {
    // One pass keeps the text of the first `2 * topValues` distinct values and of every value seen twice; the
    // Space-Saving summary past the cap is seeded from the hash lanes. Keeping every text must change nothing.
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(), { maxLength: 600 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 10, max: 400 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 5, max: 300 }),
        (columns, levels, topValues, distinctCap) => {
          // Skewed levels: a few repeat often, the rest now and then, in any mix and order.
          const named = Object.fromEntries(
            columns.map((c, j) => [`c${j}`, c.map((x) => (x % 7 === 0 ? `v${x % 5}` : `v${x % levels}`))]),
          );
          const few = profileColumns(named, { topValues, distinctCap });
          const all = profileColumns(named, { topValues, distinctCap, allTexts: true });
          assert.deepEqual(few, all);
        },
      ),
      { numRuns: 300 },
    );
    // 'e' is the fifth distinct value (no text kept for topValues 2), seen once before the cap of 5 and twice
    // after: its counter starts from its exact count, though its text comes only after the cap.
    const values = ['a', 'a', 'a', 'b', 'c', 'd', 'e', 'f', 'e', 'e'];
    assert.deepEqual(profileColumns({ x: values }, { topValues: 2, distinctCap: 5 }).x?.topValues, [
      { value: 'a', count: 3 },
      { value: 'e', count: 3 },
    ]);
  });

  it('gives the same ids, lanes and profiles a batch of rows at a time as a row at a time', () => {
    // `addRows` goes column by column through the batch; each column still sees its values in row order.
    const cells = fc.oneof(fc.constantFrom(undefined, '', 'NA', ' x'), fc.nat(60).map(String));
    fc.assert(
      fc.property(
        fc.array(fc.array(cells, { minLength: 4, maxLength: 4 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 20 }),
        fc.subarray([0, 1, 2, 3]),
        fc.integer({ min: 2, max: 40 }),
        (rows, batchRows, columns, distinctCap) => {
          const header: TableHeader = {
            format: 'csv',
            hasHeader: true,
            columns: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }],
          };
          const dataRows: DataRow[] = rows.map((values, i) => ({
            index: i + 1,
            values,
            positions: new Int32Array(16),
          }));
          // A missing cell (id -1) has no lanes; a column not profiled is not written at all.
          const facts = (ids: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, at: number) =>
            [0, 1, 2, 3].map((i) =>
              !columns.includes(i)
                ? ids[at + i]
                : ids[at + i] === -1
                  ? -1
                  : [ids[at + i], a[at + i], b[at + i]],
            );
          const one = new TableProfiler(header, { columns, distinctCap });
          const expected = dataRows.map((row) => {
            one.add(row);
            return facts(one.lastIds, one.lastHashA, one.lastHashB, 0);
          });
          const batched = new TableProfiler(header, { columns, distinctCap });
          const got: unknown[] = [];
          for (let from = 0; from < dataRows.length; from += batchRows) {
            const part = dataRows.slice(from, from + batchRows);
            const n = 4 * part.length;
            const out = {
              ids: new Int32Array(n).fill(-2),
              laneA: new Int32Array(n),
              laneB: new Int32Array(n),
            };
            batched.addRows(part, part.length, out);
            part.forEach((_, k) => got.push(facts(out.ids, out.laneA, out.laneB, 4 * k)));
          }
          assert.deepEqual(got, expected);
          assert.deepEqual(batched.finish(), one.finish());
          assert.deepEqual(batched.finishPart(), one.finishPart());
        },
      ),
      { numRuns: 300 },
    );
  });
});
