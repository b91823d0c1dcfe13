import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import type { DataRow, TableHeader } from '../../../src/core/data/table';
import {
  ProfilerMerge,
  TableProfiler,
  profilerPartTransferables,
  tableBudget,
  type ColumnProfile,
  type ProfileOptions,
  type ProfilerPart,
} from '../../../src/core/data/profile';
import { hashOut, hashString } from '../../../src/core/data/hash';
import { seededRandom } from '../../../src/core/random';
import { SpaceSaving, mergeCounters, type SpaceSavingCounters } from '../../../src/core/data/sketches';

interface Table {
  header: TableHeader;
  rows: DataRow[];
}

function table(columns: Record<string, (string | undefined)[]>): Table {
  const names = Object.keys(columns);
  const header: TableHeader = { format: 'csv', hasHeader: true, columns: names.map((name) => ({ name })) };
  const n = Math.max(...names.map((k) => (columns[k] as unknown[]).length));
  const rows = Array.from({ length: n }, (_, i): DataRow => ({
    index: i + 1,
    values: names.map((k) => (columns[k] as (string | undefined)[])[i]),
    positions: new Int32Array(4 * names.length),
  }));
  return { header, rows };
}

function onePass(t: Table, options: ProfileOptions = {}): ColumnProfile[] {
  const p = new TableProfiler(t.header, options);
  for (const row of t.rows) p.add(row);
  return p.finish();
}

/** One part per consecutive run of `sizes` rows (a size may be 0), in file order. */
function parts(t: Table, sizes: readonly number[], options: ProfileOptions = {}): ProfilerPart[] {
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    t.rows.length,
  );
  let at = 0;
  return sizes.map((size) => {
    const p = new TableProfiler(t.header, options);
    for (const row of t.rows.slice(at, at + size)) p.add(row);
    at += size;
    return p.finishPart();
  });
}

function merge(t: Table, ps: readonly ProfilerPart[], options: ProfileOptions = {}): ColumnProfile[] {
  const m = new ProfilerMerge(t.header, options);
  for (const p of ps) m.add(p);
  return m.finish();
}

/** Within 1e-12 of `scale`, at least of the numbers compared (and of 1). */
function close(actual: number, expected: number, what: string, scale = 0): void {
  const s = Math.max(Math.abs(actual), Math.abs(expected), Math.abs(scale), 1);
  assert.ok(Math.abs(actual - expected) <= 1e-12 * s, `${what}: ${actual} vs ${expected}`);
}

/** Equal, except the mean and standard deviation, which may differ in the last digits. */
function assertSameProfiles(actual: ColumnProfile[], expected: ColumnProfile[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i] as ColumnProfile;
    const where = `${what}, column ${e.name}`;
    assert.deepEqual({ ...a, numeric: undefined }, { ...e, numeric: undefined }, where);
    assert.equal(a.numeric === undefined, e.numeric === undefined, where);
    if (a.numeric && e.numeric) {
      assert.equal(a.numeric.min, e.numeric.min, where);
      assert.equal(a.numeric.max, e.numeric.max, where);
      close(a.numeric.mean, e.numeric.mean, `${where} mean`);
      // Both sums lose digits of a spread small beside the values (amounts near 1e9 here): relative to the
      // values, not to the spread.
      close(a.numeric.std, e.numeric.std, `${where} std`, e.numeric.mean);
    }
  });
}

/** Mulberry32: a small seeded generator, so that the tables are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** A table with a column of each kind the profile tells apart. */
function mixedTable(n: number): Table {
  const r = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  return table({
    cat: repeat(n, () => pick(['red', 'red', 'red', 'green', 'green', 'blue', 'black', 'white grey'])),
    int: repeat(n, () => String(Math.floor(r() * 400) - 100)),
    num: repeat(n, () => (r() < 0.1 ? String(Math.floor(r() * 10)) : (r() * 1000 - 300).toFixed(3))),
    amount: repeat(n, () => String(1e9 + Math.floor(r() * 1000) / 8)),
    withMissing: repeat(n, () => pick(['a', 'b', 'c', '', 'NA', '-', undefined, 'N/A', 'b'])),
    mixed: repeat(n, (i) => (i % 37 === 5 ? 'unknown' : i % 53 === 0 ? '2021-03-04' : String(i % 90))),
    constant: repeat(n, () => 'x'),
    allMissing: repeat(n, (i) => (i % 3 ? 'NA' : undefined)),
    id: repeat(n, (i) => `CUST-${10_000 + i}`),
    rowid: repeat(n, (i) => String(i + 1)),
    text: repeat(n, () => `free text ${Math.floor(r() * 60)} about things`),
    bool: repeat(n, () => pick(['true', 'false', 'TRUE'])),
    skew: repeat(n, (i) => (i % 10 < 3 ? 'hot' : i % 10 === 3 ? 'warm' : `s${Math.floor(r() * 300)}`)),
    // 75 values, 8 rows each in turn: a part of up to 300 rows has at most 38 of them.
    runs: repeat(n, (i) => `run-${Math.floor(i / 8)}`),
  });
}

/** The splits every test runs: rows per part, file order. */
function splits(n: number): [string, number[]][] {
  const third = Math.floor(n / 3);
  return [
    ['one part', [n]],
    ['two halves', [n >> 1, n - (n >> 1)]],
    ['five uneven parts', [7, third, 3, n - third - 7 - 3 - 40, 40]],
    ['parts of one row', repeat(n, () => 1)],
    ['empty parts among others', [0, 100, 0, n - 100, 0]],
  ];
}

describe('ProfilerMerge', () => {
  const t = mixedTable(600);
  const options: ProfileOptions = { missingTokens: ['-'] };
  const expected = onePass(t, options);

  it('gives one pass profiles for every split (mean and std to 1e-12)', () => {
    // The table covers the cases the merge must keep exact.
    const byName = Object.fromEntries(expected.map((p) => [p.name, p]));
    assert.equal(byName.cat?.type, 'category');
    assert.equal(byName.int?.type, 'integer');
    assert.equal(byName.num?.type, 'number');
    assert.equal(byName.withMissing?.missing !== 0, true);
    assert.equal(byName.mixed?.mixedTypes, true);
    assert.equal(byName.constant?.constant, true);
    assert.equal(byName.allMissing?.type, 'empty');
    assert.equal(byName.allMissing?.constant, true);
    assert.equal(byName.id?.identifierLike, true);
    assert.equal(byName.rowid?.identifierLike, true);
    for (const [what, sizes] of splits(t.rows.length)) {
      assertSameProfiles(merge(t, parts(t, sizes, options), options), expected, what);
    }
  });

  it('is bit for bit one pass for a single part, and for no parts gives the profiles of no rows', () => {
    assert.deepEqual(merge(t, parts(t, [t.rows.length], options), options), expected);
    const none = new TableProfiler(t.header, options).finish();
    assert.deepEqual(merge(t, [], options), none);
  });

  it('past a small cap, estimates as one pass does, whether a part or only the merge passes it', () => {
    const capped: ProfileOptions = { ...options, distinctCap: 50 };
    const single = onePass(t, capped);
    const byName = Object.fromEntries(single.map((p) => [p.name, p]));
    for (const name of ['int', 'num', 'id', 'rowid', 'skew', 'runs']) {
      assert.equal(byName[name]?.distinctExact, false, name);
    }
    let mergeOnly = 0;
    for (const [what, sizes] of splits(t.rows.length)) {
      const ps = parts(t, sizes, capped);
      // The runs column (8 rows a value) passes the cap in the merge only where every part stays under it.
      if (Math.max(...sizes) <= 400) {
        mergeOnly++;
        const runs = ps.map((p) => p.columns.find((c) => t.header.columns[c.index]?.name === 'runs'));
        assert.ok(
          runs.every((c) => c?.values.phase === 'exact'),
          what,
        );
      }
      // The HyperLogLog is the one pass sketch, and with fewer distinct values than Space-Saving counters
      // the merged counts are exact, as one pass's are: the profiles are the same.
      assertSameProfiles(merge(t, ps, capped), single, what);
    }
    assert.equal(mergeOnly, 3);
  });

  it('past the cap with more values than counters, keeps the heavy hitters within the error bound', () => {
    const n = 20_000;
    const big = table({
      c: repeat(n, (i) => (i % 4 === 0 ? 'hot' : i % 20 === 1 ? 'warm' : `u${i}`)),
      id: repeat(n, (i) => `C${100_000 + i}`),
      // Values three times in a row: counted twice after taking a counter, on top of its inherited count.
      near: repeat(n, (i) => (i % 10 === 0 ? 'hot' : `e${Math.floor(i / 3)}`)),
    });
    const capped: ProfileOptions = { distinctCap: 1000 };
    const single = onePass(big, capped);
    for (const [what, sizes] of [
      ['four quarters', [5000, 5000, 5000, 5000]],
      ['uneven, exact parts', [1, 999, 0, 800, 900, 17_300]],
      ['parts under the cap', repeat(25, () => 800)],
    ] as [string, number[]][]) {
      const m = merge(big, parts(big, sizes, capped), capped);
      m.forEach((p, i) => {
        const s = single[i] as ColumnProfile;
        assert.deepEqual({ ...p, topValues: [] }, { ...s, topValues: [] }, `${what} ${p.name}`);
        assert.equal(p.distinctExact, false);
      });
      const top = (m[0] as ColumnProfile).topValues;
      assert.deepEqual(
        top.slice(0, 2).map((v) => v.value),
        ['hot', 'warm'],
        what,
      );
      // Counts are upper bounds, over by at most n / counters.
      const hot = top[0]?.count ?? 0;
      const warm = top[1]?.count ?? 0;
      assert.ok(hot >= n / 4 && hot <= n / 4 + n / 1024, `${what}: hot ${hot}`);
      assert.ok(warm >= n / 20 && warm <= n / 20 + n / 1024, `${what}: warm ${warm}`);
      assert.deepEqual((m[1] as ColumnProfile).topValues, [], `${what}: unique values are not shown`);
      // Only values certainly more frequent than any value not counted are shown.
      for (const p of [m[2], single[2]] as ColumnProfile[])
        assert.deepEqual(
          p.topValues.map((v) => v.value),
          ['hot'],
          what,
        );
    }
  });

  it('shares the exact values of a wide table among its columns, with smaller sketches, one pass or merged', () => {
    // 300 columns: 4,000 exact values a column, 64 counters and 2^10 registers past them; samples of 1,000.
    assert.deepEqual(tableBudget(300), { cap: 4000, counters: 64, precision: 10, levels: 1000 });
    const n = 8000;
    const columns: Record<string, string[]> = {
      c: repeat(n, (i) => (i % 4 === 0 ? 'hot' : `u${i}`)),
    };
    for (let j = 1; j < 300; j++) columns[`x${j}`] = repeat(n, (i) => String((i * j) % 7));
    const wide = table(columns);
    const single = onePass(wide);
    const c = single[0] as ColumnProfile;
    assert.equal(c.distinctExact, false);
    // 6,001 values; 2^10 registers give about 3% standard error.
    assert.ok(Math.abs(c.distinct - 6001) < 0.1 * 6001, String(c.distinct));
    assert.deepEqual(c.topValues[0], { value: 'hot', count: 2000 });
    assert.ok(single.slice(1).every((p) => p.distinctExact && p.distinct <= 7));
    for (const sizes of [[2000, 3000, 3000], repeat(8, () => 1000)]) {
      const ps = parts(wide, sizes);
      const past = ps.map((p) => p.columns[0]!.values).filter((v) => v.phase === 'estimated');
      assert.ok(past.every((v) => v.phase === 'estimated' && v.registers.length === 1024));
      const m = merge(wide, ps);
      // The registers' union is the one pass's sketch; the counters are within their bounds (n / 64).
      assert.deepEqual({ ...m[0], topValues: [] }, { ...c, topValues: [] }, sizes.join());
      const hot = (m[0] as ColumnProfile).topValues[0];
      assert.equal(hot?.value, 'hot');
      assert.ok(hot!.count >= 2000 && hot!.count <= 2000 + n / 64, String(hot?.count));
      assertSameProfiles(m.slice(1), single.slice(1), sizes.join());
    }
  });

  it('passes over a top value no part kept the text of, and takes the next one, unless parts keep all texts', () => {
    // Once in each half, after each half's first 2,048 distinct values: no part keeps its text.
    const half = (p: string): string[] => [...repeat(2048, (i) => `${p}${i}`), 'twice'];
    const t2 = table({ c: [...half('a'), ...half('b')] });
    const single = onePass(t2);
    assert.deepEqual(single[0]?.topValues[0], { value: 'twice', count: 2 });
    const m = merge(t2, parts(t2, [2049, 2049]));
    assert.deepEqual(m[0]?.topValues, [...(single[0]?.topValues.slice(1) ?? []), { value: 'a9', count: 1 }]);
    assert.deepEqual({ ...m[0], topValues: [] }, { ...single[0], topValues: [] });
    // A part that saw it twice keeps the text, and so does every part with allTexts.
    assert.deepEqual(merge(t2, parts(t2, [1, 4097]))[0]?.topValues, single[0]?.topValues);
    assert.deepEqual(merge(t2, parts(t2, [2049, 2049], { allTexts: true })), single);
  });

  it('profiles only the owned columns, and refuses a part of other columns or another cap', () => {
    const owned: ProfileOptions = { ...options, columns: [13, 1, 3] };
    const single = onePass(t, owned);
    assert.deepEqual(
      single.map((p) => p.index),
      [1, 3, 13],
    );
    for (const [what, sizes] of splits(t.rows.length)) {
      const ps = parts(t, sizes, owned);
      for (const p of ps)
        assert.deepEqual(
          p.columns.map((c) => c.index),
          [1, 3, 13],
        );
      assertSameProfiles(merge(t, ps, owned), single, what);
    }
    const m = new ProfilerMerge(t.header, owned);
    const [other] = parts(t, [t.rows.length], options);
    assert.throws(() => m.add(other as ProfilerPart), /columns/);
    const [capped] = parts(t, [t.rows.length], { ...owned, distinctCap: 50 });
    assert.throws(() => m.add(capped as ProfilerPart), /distinct/);
    // A part of no rows is skipped, whatever it profiled.
    const empty = new TableProfiler({ format: 'csv', hasHeader: false, columns: [] }).finishPart();
    m.add(empty);
  });

  it('merges parts sent with their buffers transferred (structuredClone) to the same profiles', () => {
    const capped: ProfileOptions = { ...options, distinctCap: 50 };
    const single = onePass(t, capped);
    const ps = parts(t, [7, 200, 3, 350, 40], capped);
    const phases = new Set(ps.flatMap((p) => p.columns.map((c) => c.values.phase)));
    assert.deepEqual([...phases].sort(), ['estimated', 'exact']);
    const sent = ps.map((p) => {
      const transfer = profilerPartTransferables(p);
      assert.equal(new Set(transfer).size, transfer.length, 'each buffer once');
      const clone = structuredClone(p, { transfer });
      // The buffers moved: each was the whole buffer of one array.
      assert.ok(transfer.every((b) => b.byteLength === 0));
      return clone;
    });
    assertSameProfiles(merge(t, sent, capped), single, 'transferred');
  });

  it('leaves the profiler usable after finishPart', () => {
    const p = new TableProfiler(t.header, options);
    for (const row of t.rows) p.add(row);
    const part = p.finishPart();
    structuredClone(part, { transfer: profilerPartTransferables(part) });
    assert.deepEqual(p.finish(), expected);
  });
});

describe('ProfilerMerge.mergedIds', () => {
  it("maps each part's value ids to the merged ids by first appearance, while the merge counts exactly", () => {
    let exact = 0;
    let past = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seededRandom(seed);
      const n = 300 + Math.floor(rand() * 300);
      const spread = 5 + Math.floor(rand() * 80);
      const t = table({
        c: repeat(n, () => (rand() < 0.1 ? undefined : `v${Math.floor(rand() * spread)}`)),
        d: repeat(n, (i) => `${i}`),
      });
      const options: ProfileOptions = { distinctCap: 20 + Math.floor(rand() * 60), columns: [0] };
      const sizes: number[] = [];
      for (let left = n; left > 0;) {
        const size = Math.min(left, Math.floor(rand() * 120));
        sizes.push(size);
        left -= size;
      }
      const m = new ProfilerMerge(t.header, options);
      const merged = new Map<string, number>();
      let at = 0;
      for (const part of parts(t, sizes, options)) {
        const own = new Map<string, number>();
        for (const row of t.rows.slice(at, at + part.rows)) {
          const v = row.values[0];
          if (v === undefined) continue;
          if (!own.has(v)) own.set(v, own.size);
          if (!merged.has(v)) merged.set(v, merged.size);
        }
        at += part.rows;
        m.add(part);
        const expected =
          part.rows > 0 && merged.size <= (options.distinctCap as number)
            ? Int32Array.from(own.keys(), (v) => merged.get(v) as number)
            : undefined;
        if (expected) exact++;
        else past++;
        assert.deepEqual(m.mergedIds(0), expected, `seed ${seed}`);
        assert.equal(m.mergedIds(1), undefined, 'a column not profiled here');
      }
    }
    assert.ok(exact > 50 && past > 50, `${exact} parts counted exactly, ${past} not`);
  });
});

describe('mergeCounters', () => {
  it('keeps counts upper bounds and count - error lower bounds, every value above n / capacity, and bounds the rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({ max: 60 }), { maxLength: 300 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 2, max: 16 }),
        (streams, capacity) => {
          const truth = new Map<string, number>();
          let merged: SpaceSavingCounters | undefined;
          let total = 0;
          for (const stream of streams) {
            // Square the draws so that a few small values are frequent and many are rare.
            const values = stream.map((x) => `v${Math.floor((x * x) / 60)}`);
            const s = new SpaceSaving(capacity);
            for (const v of values) {
              s.add(v);
              truth.set(v, (truth.get(v) ?? 0) + 1);
            }
            total += values.length;
            merged = merged ? mergeCounters(capacity, merged, s.counters()) : s.counters();
          }
          const m = merged as SpaceSavingCounters;
          assert.ok(m.values.length <= capacity);
          // Counters by their hash lanes: a value that came once in each summary has no text.
          const kept = new Map<string, number>();
          for (let i = 0; i < m.counts.length; i++) kept.set(`${m.laneA[i]},${m.laneB[i]}`, i);
          for (const [v, c] of truth) {
            hashString(v);
            const i = kept.get(`${hashOut[0]},${hashOut[1]}`);
            if (i === undefined) {
              assert.ok(c <= m.absent, `${v} (${c}) left out above ${m.absent}`);
              // As one summary would, the merge keeps every value above total / capacity.
              assert.ok(c <= total / capacity, `${v} (${c} of ${total}) lost`);
              continue;
            }
            const count = m.counts[i] as number;
            const error = m.errors[i] as number;
            assert.ok(count >= c && count - error <= c, `${v}: ${count} - ${error}, true ${c}`);
            // A text, where known, is the value's own.
            assert.ok(m.values[i] === undefined || m.values[i] === v);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
