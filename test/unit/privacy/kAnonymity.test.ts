import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeCategorical, type CategoricalColumn } from '../../../src/core/data/encoded';
import { SpillDir } from '../../../src/core/data/spill';
import {
  KAnonymityWork,
  kAnonymity,
  kAnonymityFinding,
  smallestSinglingOutSet,
} from '../../../src/core/privacy/kAnonymity';

const ADULT = join(__dirname, '../../../../shared/data/adult/adult.csv');

/** Independent reference: equivalence classes as a Map over the joined raw strings. */
function reference(rows: string[][], cols: number[]): { k: number; unique: number; classes: number } {
  const sizes = new Map<string, number>();
  for (const r of rows) {
    const key = cols.map((c) => r[c]).join('\u0000');
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  let k = Infinity;
  let unique = 0;
  for (const s of sizes.values()) {
    k = Math.min(k, s);
    if (s === 1) unique++;
  }
  return { k, unique: unique / rows.length, classes: sizes.size };
}

/**
 * The plain search over every set of up to three columns in lexicographic order, counted by
 * {@link reference}: the first size with a set reaching the share, its best set (earliest on ties); else the
 * best set over all sizes, the smallest such.
 */
function referenceSearch(
  rows: string[][],
  names: string[],
  share: number,
): { columns: string[]; share: number; reached: boolean } | null {
  const sets: number[][] = [];
  for (let size = 1; size <= Math.min(3, names.length); size++) {
    const grow = (start: number, chosen: number[]): void => {
      if (chosen.length === size) return void sets.push(chosen);
      for (let i = start; i < names.length; i++) grow(i + 1, [...chosen, i]);
    };
    grow(0, []);
  }
  let want: { columns: string[]; share: number; reached: boolean } | null = null;
  for (const cols of sets) {
    const u = reference(rows, cols).unique;
    if (want?.reached && want.columns.length < cols.length) break;
    if (!want || u > want.share)
      want = { columns: cols.map((c) => names[c]!), share: u, reached: u >= share };
  }
  return want;
}

describe('k-anonymity', () => {
  it('computes k, unique share and classes on a hand-made table, missing as its own value', () => {
    const a = encodeCategorical(['a', 'a', 'b', 'b', 'b', undefined]);
    const b = encodeCategorical(['x', 'x', 'x', 'y', 'y', undefined]);
    // Classes: (a,x) x2, (b,x) x1, (b,y) x2, (missing,missing) x1.
    assert.deepEqual(kAnonymity([a, b]), { k: 1, uniqueRecords: 2 / 6, classes: 4, records: 6 });
    assert.deepEqual(
      kAnonymity([encodeCategorical(['a', 'a', 'b', 'b']), encodeCategorical(['x', 'x', 'y', 'y'])]),
      {
        k: 2,
        uniqueRecords: 0,
        classes: 2,
        records: 4,
      },
    );
    // Two missing values are alike: one class of two, not two unique records.
    assert.deepEqual(kAnonymity([encodeCategorical([undefined, undefined, 'a', 'a'])]), {
      k: 2,
      uniqueRecords: 0,
      classes: 2,
      records: 4,
    });
  });

  it('edge cases: no records, no columns, unequal lengths', () => {
    assert.deepEqual(kAnonymity([encodeCategorical([])]), { k: 0, uniqueRecords: 0, classes: 0, records: 0 });
    assert.deepEqual(kAnonymity([]), { k: 0, uniqueRecords: 0, classes: 0, records: 0 });
    assert.throws(() => kAnonymity([encodeCategorical(['a']), encodeCategorical(['a', 'b'])]), RangeError);
    assert.equal(smallestSinglingOutSet([]), null);
    assert.equal(smallestSinglingOutSet([{ name: 'a', column: encodeCategorical([]) }]), null);
  });

  it('finds the smallest singling-out set, or says none reaches the share', () => {
    const cols = [
      { name: 'sex', column: encodeCategorical(['F', 'F', 'M', 'M', 'F', 'M']) },
      { name: 'zip', column: encodeCategorical(['1', '2', '1', '2', '3', '3']) },
      { name: 'age', column: encodeCategorical(['30', '30', '30', '40', '40', '40']) },
    ];
    // Alone: sex 0, zip 0, age 0. Pairs: sex+zip all 6 unique.
    assert.deepEqual(smallestSinglingOutSet(cols, 0.5), { columns: ['sex', 'zip'], share: 1, reached: true });
    const weak = [
      { name: 'a', column: encodeCategorical(['1', '1', '2', '2', '3']) },
      { name: 'b', column: encodeCategorical(['x', 'x', 'x', 'x', 'y']) },
    ];
    // Best is 1 unique record in 5, reached by `a` alone already: the smallest set with the best share.
    assert.deepEqual(smallestSinglingOutSet(weak, 0.5), { columns: ['a'], share: 0.2, reached: false });
  });

  it('builds the finding only below the threshold, anchored on the first quasi-identifier', () => {
    const result = { k: 1, uniqueRecords: 0.25, classes: 3, records: 4 };
    const qis = [
      { name: 'age', index: 0, location: { line: 1, startColumn: 1, endColumn: 4 } },
      { name: 'sex', index: 3, location: { line: 1, startColumn: 10, endColumn: 13 } },
    ];
    const f = kAnonymityFinding(result, qis, { fileName: 'x.csv' })!;
    assert.equal(f.rule, 'privacy/k-anonymity');
    assert.equal(f.column, 'age');
    assert.deepEqual(f.location, qis[0]!.location);
    assert.deepEqual(f.related, [{ message: "quasi-identifier 'sex'", location: qis[1]!.location }]);
    assert.equal(
      f.message,
      'k-anonymity is 1 over the quasi-identifiers age, sex (threshold 5): 25.0% of records are unique on them.',
    );
    // The set that singles people out, in the message: the verb agrees with the number of columns.
    const one = kAnonymityFinding(result, qis, {
      singlingOut: { columns: ['age'], share: 0.25, reached: true },
    });
    assert.match(one!.message, / age alone singles out 25\.0% of records\.$/);
    const two = { columns: ['age', 'sex'], share: 0.25, reached: false };
    assert.match(
      kAnonymityFinding(result, qis, { singlingOut: two })!.message,
      / age \+ sex alone single out at most 25\.0% of records\.$/,
    );
    assert.equal(kAnonymityFinding({ ...result, k: 5 }, qis), null);
    assert.notEqual(kAnonymityFinding({ ...result, k: 5 }, qis, { threshold: 10 }), null);
  });

  it('agrees with the reference when the key space outgrows the lookup table (the hashed path)', () => {
    // 3,000 levels a column over 6,000 records: the second column already makes 3,000 x 3,001 possible keys,
    // above the lookup table's limit, so every refinement after the first goes through the hash table.
    let seed = 7;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % 3000;
    const rows = Array.from({ length: 6000 }, () =>
      [0, 1, 2].map(() => (next() % 7 === 0 ? '?' : String(next() % 40 === 0 ? 1 : next()))),
    );
    const encoded = [0, 1, 2].map((c) =>
      encodeCategorical(rows.map((r) => (r[c] === '?' ? undefined : r[c]))),
    );
    for (const cols of [
      [0, 1],
      [0, 1, 2],
      [2, 0],
    ]) {
      const got = kAnonymity(cols.map((c) => encoded[c]!));
      const want = reference(rows, cols);
      assert.deepEqual(
        [got.k, got.classes, got.uniqueRecords],
        [want.k, want.classes, want.unique],
        String(cols),
      );
    }
  });

  it('agrees with the reference over four columns and in the singling-out search, through reused buffers', () => {
    // One set of work tables for every analysis below, as the audit shares one: each must start clean.
    const work = new KAnonymityWork();
    // Columns of 5, 60, 2,500 and 2 levels over 8,000 records: lookup-table and hashed refinements mixed, and a
    // search over sets of up to three that reuses one buffer per depth.
    let seed = 11;
    const next = (m: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % m;
    const levels = [5, 60, 2500, 2];
    const rows = Array.from({ length: 8000 }, () =>
      levels.map((m) => (next(9) === 0 ? '?' : String(next(m)))),
    );
    const encoded = levels.map((_, c) =>
      encodeCategorical(rows.map((r) => (r[c] === '?' ? undefined : r[c]))),
    );
    for (const cols of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3],
    ]) {
      const got = kAnonymity(
        cols.map((c) => encoded[c]!),
        work,
      );
      const want = reference(rows, cols);
      assert.deepEqual(
        [got.k, got.classes, got.uniqueRecords],
        [want.k, want.classes, want.unique],
        String(cols),
      );
    }
    const names = ['a', 'b', 'c', 'd'];
    for (const share of [0.2, 0.6, 0.99]) {
      const got = smallestSinglingOutSet(
        names.map((name, c) => ({ name, column: encoded[c]! })),
        share,
        3,
        work,
      );
      assert.deepEqual(got, referenceSearch(rows, names, share), String(share));
    }
  });

  it('rules out sets by their bound without changing the answer of the plain search', () => {
    // Like the bench's quasi-identifiers: ZIP codes of about 20 records each among age, sex and occupation.
    // No single column singles anyone out, so every one is counted; of the pairs, age + ZIP has the largest
    // bound and is counted first, and no other pair's bound reaches its unique records.
    let seed = 5;
    const next = (m: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % m;
    const levels = [60, 2, 150, 12];
    const names = ['age', 'sex', 'zip', 'occupation'];
    const rows = Array.from({ length: 3000 }, () => levels.map((m) => String(next(m))));
    const encoded = levels.map((_, c) => encodeCategorical(rows.map((r) => r[c])));
    const work = new KAnonymityWork();
    const columns = names.map((name, c) => ({ name, column: encoded[c]! }));
    const got = smallestSinglingOutSet(columns, 0.5, 3, work);
    assert.deepEqual(got, referenceSearch(rows, names, 0.5));
    assert.deepEqual(got?.columns, ['age', 'zip']);
    assert.equal(work.setsCounted, 4 + 1);

    // Both columns single out all three records: 'a' (two levels, and a missing value as a class of its own)
    // comes first and keeps the tie, though 'b' has more levels.
    const tie = [
      { name: 'a', column: encodeCategorical(['x', 'y', undefined]) },
      { name: 'b', column: encodeCategorical(['p', 'q', 'r']) },
    ];
    assert.deepEqual(smallestSinglingOutSet(tie, 1), { columns: ['a'], share: 1, reached: true });

    // Random tables with few levels, where ties and equal bounds are common, and shares every size reaches.
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((width) =>
            fc.tuple(
              fc.array(fc.integer({ min: 1, max: 9 }), { minLength: width, maxLength: width }),
              fc.integer({ min: 1, max: 60 }),
              fc.integer(),
              fc.constantFrom(0.05, 0.3, 0.7, 1),
            ),
          ),
        ([widths, n, s, share]) => {
          let x = s >>> 0;
          const rnd = (m: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % m;
          const table = Array.from({ length: n }, () => widths.map((m) => String(rnd(m))));
          const names = widths.map((_, c) => `c${c}`);
          const cols = names.map((name, c) => ({ name, column: encodeCategorical(table.map((r) => r[c])) }));
          assert.deepEqual(smallestSinglingOutSet(cols, share, 3), referenceSearch(table, names, share));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts in several passes when the classes outgrow the bound, with tables that stay within it', () => {
    // 9,000 records over columns of 3,000, 3,000 and 7 levels: pairs and triples have thousands of classes,
    // past a bound of 500, so they are counted in passes over shares of the classes (and a pass that meets
    // more than the bound starts over with more passes). Same answers as the reference and the unbounded work.
    let seed = 23;
    const next = (m: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % m;
    const levels = [3000, 3000, 7];
    const rows = Array.from({ length: 9000 }, () =>
      levels.map((m) => (next(11) === 0 ? '?' : String(next(5) === 0 ? 1 : next(m)))),
    );
    const encoded = levels.map((_, c) =>
      encodeCategorical(rows.map((r) => (r[c] === '?' ? undefined : r[c]))),
    );
    // With the classes estimated first (the default), and found out by filling the table (more passes then);
    // each pass reading every record's codes, or its own keys from a file its pass's keys were sorted into.
    const parent = mkdtempSync(join(tmpdir(), 'rml-kanon-test-'));
    const spill = new SpillDir(0, parent);
    for (const [estimate, withFiles] of [
      [true, false],
      [false, false],
      [true, true],
      [false, true],
    ]) {
      const bounded = new KAnonymityWork({ maxClasses: 500, estimate, ...(withFiles ? { spill } : {}) });
      // The last two key spaces pass 2^53: classes are told apart by a member record's codes, not a packed key.
      for (const cols of [
        [0, 1],
        [0, 1, 2],
        [2, 1],
        [2, 0, 1],
        [0, 1, 0, 1, 0],
        [2, 1, 0, 1, 0, 1],
      ]) {
        const got = kAnonymity(
          cols.map((c) => encoded[c]!),
          bounded,
        );
        // Key spaces of up to 64K (7 x 3,000) take one pass through the lookup table.
        const space = cols.reduce((p, c) => p * (encoded[c]!.levels.length + 1), 1);
        if (space <= 65536) assert.equal(bounded.lastPasses, 1, String(cols));
        else assert.ok(bounded.lastPasses > 9, `${String(cols)}: ${bounded.lastPasses} passes`);
        // Packed keys (a key space within 2^53) in several passes go through the files, and none is left open.
        assert.equal(bounded.lastPartitioned, withFiles && space > 65536 && space <= 2 ** 53, String(cols));
        assert.equal(spill.open, 0);
        const want = reference(rows, cols);
        assert.deepEqual(
          [got.k, got.classes, got.uniqueRecords],
          [want.k, want.classes, want.unique],
          `${String(cols)}, estimate ${estimate}`,
        );
        assert.deepEqual(got, kAnonymity(cols.map((c) => encoded[c]!)), String(cols));
        // 500 classes a pass at most 18 bytes each, or the lookup table of 64K counters for small key spaces.
        assert.ok(bounded.bytes <= 4 * 65536, String(bounded.bytes));
      }
      const columns = ['a', 'b', 'c'].map((name, c) => ({ name, column: encoded[c]! }));
      for (const share of [0.3, 0.9, 1]) {
        assert.deepEqual(
          smallestSinglingOutSet(columns, share, 3, bounded),
          smallestSinglingOutSet(columns, share, 3),
          String(share),
        );
      }
    }
    spill.close();
    assert.deepEqual(readdirSync(parent), []);
    rmSync(parent, { recursive: true });
  });

  it('starts over with more passes when a pass of sorted keys meets more classes than its table holds', () => {
    // Without the estimate, a first pass over every record meets the bound late: 5,000 records of one class,
    // then 5,000 unique ones. The classes it infers from that are far too few, so the passes that follow, by
    // files of sorted keys, meet more than the bound too, and start over with more until they fit.
    const n = 10_000;
    const a = encodeCategorical(Array.from({ length: n }, (_, r) => (r < n / 2 ? '0' : String(r))));
    const b = encodeCategorical(Array.from({ length: n }, (_, r) => (r < n / 2 ? 'x' : String(r % 97))));
    const parent = mkdtempSync(join(tmpdir(), 'rml-kanon-test-'));
    const spill = new SpillDir(0, parent);
    // The scan's collector is asked as the files are written and read (their encrypted copies are garbage).
    let asked = 0;
    const work = new KAnonymityWork({ maxClasses: 500, estimate: false, spill, collect: () => asked++ });
    const got = kAnonymity([a, b], work);
    assert.ok(work.lastPartitioned);
    assert.ok(asked >= work.lastPasses, String(asked));
    // Not far past what the classes need (11): the next count comes from how far a pass got.
    assert.ok(work.lastPasses >= 11 && work.lastPasses <= 32, String(work.lastPasses));
    assert.deepEqual(got, { k: 1, uniqueRecords: n / 2 / n, classes: n / 2 + 1, records: n });
    assert.equal(spill.open, 0);
    spill.close();
    rmSync(parent, { recursive: true });
  });

  it('counts in passes over every record where no file for the keys can be made, with the same result', () => {
    let seed = 5;
    const next = (m: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % m;
    const columns = [2000, 2000].map((m) =>
      encodeCategorical(Array.from({ length: 5000 }, () => String(next(m)))),
    );
    // A spill under a folder that does not exist: no file can be made there.
    const nowhere = new SpillDir(0, join(tmpdir(), 'rml-no-such-folder', 'deeper'));
    const work = new KAnonymityWork({ maxClasses: 300, spill: nowhere });
    const got = kAnonymity(columns, work);
    assert.ok(work.lastPasses > 1);
    assert.equal(work.lastPartitioned, false);
    assert.deepEqual(got, kAnonymity(columns));
  });

  it('counts classes of 65,535 records and more exactly through 16-bit lookup counters', () => {
    // 301 x 301 possible keys (past 64K: 16-bit counters) over 70,000 records in few classes.
    const levels = Array.from({ length: 300 }, (_, i) => String(i));
    const column = (codes: number[]): CategoricalColumn => ({
      kind: 'categorical',
      codes: Int16Array.from(codes),
      levels,
    });
    const n = 70_000;
    const one = column(new Array<number>(n).fill(7));
    assert.deepEqual(kAnonymity([one, one]), { k: n, uniqueRecords: 0, classes: 1, records: n });
    const codes = Array.from({ length: n }, (_, r) => (r < 3 ? 1 : r < 5 ? 2 : 0));
    assert.deepEqual(kAnonymity([column(codes), one]), { k: 2, uniqueRecords: 0, classes: 3, records: n });
    const split = Array.from({ length: n }, (_, r) => (r < 66_000 ? 0 : 5));
    assert.deepEqual(kAnonymity([column(split), one]), { k: 4000, uniqueRecords: 0, classes: 2, records: n });
    const twoBig = Array.from({ length: 2 * n }, (_, r) => (r < n ? 0 : 5));
    const twice = column(new Array<number>(2 * n).fill(7));
    assert.deepEqual(kAnonymity([column(twoBig), twice]), {
      k: n,
      uniqueRecords: 0,
      classes: 2,
      records: 2 * n,
    });
  });

  it("matches an independent reference on Adult's quasi-identifiers", function () {
    this.timeout(30000);
    const lines = readFileSync(ADULT, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.equal(rows.length, 32561);
    const qi = [
      'age',
      'education',
      'marital-status',
      'occupation',
      'relationship',
      'race',
      'sex',
      'native-country',
    ];
    const idx = qi.map((n) => header.indexOf(n));
    const encoded: CategoricalColumn[] = idx.map((c) =>
      encodeCategorical(rows.map((r) => (r[c] === '?' ? undefined : r[c]))),
    );
    const got = kAnonymity(encoded);
    const want = reference(rows, idx);
    assert.equal(got.k, want.k);
    assert.equal(got.classes, want.classes);
    assert.equal(got.uniqueRecords, want.unique);
    assert.equal(got.k, 1);
    assert.ok(got.uniqueRecords > 0.1 && got.uniqueRecords < 0.9, String(got.uniqueRecords));

    // Singling out over four of them, against brute force with the reference.
    const four = ['age', 'race', 'sex', 'native-country'];
    const cols = four.map((n) => ({ name: n, column: encoded[qi.indexOf(n)]! }));
    const so = smallestSinglingOutSet(cols, 0.02, 3)!;
    let expected: { columns: string[]; share: number } | null = null;
    for (let size = 1; size <= 3 && !expected; size++) {
      const combos: number[][] = [];
      const rec = (start: number, acc: number[]) => {
        if (acc.length === size) return void combos.push(acc);
        for (let i = start; i < four.length; i++) rec(i + 1, [...acc, i]);
      };
      rec(0, []);
      let best: { columns: string[]; share: number } | null = null;
      for (const c of combos) {
        const share = reference(
          rows,
          c.map((i) => header.indexOf(four[i]!)),
        ).unique;
        if (!best || share > best.share) best = { columns: c.map((i) => four[i]!), share };
      }
      if (best && best.share >= 0.02) expected = best;
    }
    assert.ok(expected, 'some set of up to three reaches 2%');
    assert.deepEqual({ columns: so.columns, share: so.share }, expected);
    assert.equal(so.reached, true);
  });
});
