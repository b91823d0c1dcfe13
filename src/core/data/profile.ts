/**
 * Column profiles computed in one pass over the rows with bounded memory: missing cells, value kinds and the
 * inferred column type, distinct values (exact up to a cap, then HyperLogLog), most frequent values (exact,
 * then Space-Saving) and a numeric summary (Welford's algorithm).
 */
import type { ColumnType, NumericSummary } from '../report/auditReport';
import type { DataRow, TableHeader } from './table';
import { classifyValue, type ValueKind } from './valueKinds';
import { HyperLogLog, SpaceSaving, detach } from './sketches';
import { growSlots, hashOut, hashString } from './hash';

/** Cell texts read as missing unless a policy adds more: empty, `NA`, `N/A`, `null`, `NULL`, `?`. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA', 'N/A', 'null', 'NULL', '?'];

/** True for an absent cell or one whose text is one of `tokens` (compared exactly, case-sensitive). */
export function isMissing(
  value: string | undefined,
  tokens: ReadonlySet<string> | readonly string[],
): boolean {
  if (value === undefined) return true;
  return 'has' in tokens ? tokens.has(value) : tokens.includes(value);
}

/** How many non-missing values of a column looked like each kind. */
export type TypeCounts = Record<ValueKind, number>;

export interface ColumnProfile {
  name: string;
  /** 0-based position in the file. */
  index: number;
  type: ColumnType;
  missing: number;
  /**
   * Distinct non-missing values: exact while `distinctExact` (values compared by a 64-bit hash), else a
   * HyperLogLog estimate (about 1% error), never below the cap.
   */
  distinct: number;
  distinctExact: boolean;
  /**
   * Most frequent non-missing values, most frequent first (ties in order of first appearance); counts are
   * exact while `distinctExact`, else Space-Saving upper bounds, and then only values seen at least twice
   * while counted (none for a column of unique values).
   */
  topValues: { value: string; count: number }[];
  /** Over the values that parse as numbers, for integer and number columns. */
  numeric?: NumericSummary;
  /** More than one value kind (numbers counted together) each makes up at least 1% of the non-missing values. */
  mixedTypes: boolean;
  /** Every cell holds the same value, missing counted as a value (so an all-missing column is constant). */
  constant: boolean;
  /** The inferred type is `identifier`. */
  identifierLike: boolean;
  typeCounts: TypeCounts;
}

export interface ProfileOptions {
  /** Added to {@link DEFAULT_MISSING_TOKENS}. */
  missingTokens?: readonly string[];
  /** Distinct values counted exactly per column before switching to estimates (default 100,000). */
  distinctCap?: number;
  /** How many top values to report (default 10). */
  topValues?: number;
  /** Profile only these columns (0-based), for a scan split across threads by column. Default: all. */
  columns?: readonly number[];
}

/** Counters kept per column once exact counting stops. */
const SPACE_SAVING_COUNTERS = 1024;
/**
 * The text of the first this-many distinct values is kept, and of every value seen twice: enough to name the
 * `k <= KEPT_FIRST / 2` most frequent values exactly (see {@link ColumnState.exactTop}).
 */
const KEPT_FIRST = 2 * SPACE_SAVING_COUNTERS;

/** A text column with at most this many distinct values (or 5% of its values, up to 1,000) is a category. */
const CATEGORY_MAX = 20;
/** An identifier has at least this share of distinct values among at least this many values. */
const IDENTIFIER_SHARE = 0.95;
const IDENTIFIER_MIN_VALUES = 20;

/** {@link TableProfiler.lastIds} of a missing cell. */
export const MISSING = -1;
/** {@link TableProfiler.lastIds} of a cell in a column that no longer counts exactly. */
export const ESTIMATED = -2;

const KINDS: readonly ValueKind[] = ['integer', 'number', 'boolean', 'date', 'text'];

/**
 * One column's counters. The exact phase counts distinct values by their 64-bit hash (see `hash.ts`) in an
 * open-addressing table of typed arrays, as the duplicate-row detector does, rather than in a Map of strings:
 * for many-valued columns (ids, e-mail addresses, amounts, free text) a Map of up to 100,000 copied strings
 * per column was the profiler's main cost and memory. Two different values count as one only if both 32-bit
 * lanes collide (about 2^-64 per pair). The text is kept only where a result can show it: the first
 * {@link KEPT_FIRST} distinct values and every value seen twice.
 */
class ColumnState {
  missing = 0;
  /** Values of each kind, indexed as {@link KINDS} (a typed array: this is updated for every cell). */
  private readonly kindCounts = new Float64Array(KINDS.length);
  /** Exact phase: distinct values so far; -1 once the sketches took over. */
  private distinctCount = 0;
  /**
   * Hash table, three numbers a slot side by side: value id + 1 (0: empty), lane A, lane B. Interleaved so that
   * a probe touches one cache line, not three arrays: with 100,000 values a column the table outgrows the
   * cache, and the probe's misses were a large part of the profiler's time.
   */
  private slots = new Int32Array(3 * 256);
  private slotCount = 256;
  /** Per value id, in order of first appearance: occurrences, text (where kept), and what the value is. */
  private counts = new Int32Array(64);
  private texts: (string | undefined)[] = [];
  /** Kind as an index into {@link KINDS}, the number for numeric kinds, whether it holds a space: worked out once per distinct value. */
  private kindOf = new Uint8Array(64);
  private numberOf = new Float64Array(64);
  private spaceOf = new Uint8Array(64);
  hll: HyperLogLog | undefined;
  top: SpaceSaving | undefined;
  numericCount = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  withSpace = 0;
  totalLength = 0;
  /** Hash lanes of the value last added (see {@link TableProfiler.lastHashA}). */
  lastA = 0;
  lastB = 0;

  constructor(private readonly cap: number) {}

  get exact(): boolean {
    return this.distinctCount >= 0;
  }

  /** Adds a non-missing value; returns its id while counting exactly, else {@link ESTIMATED}. */
  add(value: string): number {
    this.totalLength += value.length;
    hashString(value);
    const a = hashOut[0] as number;
    const b = hashOut[1] as number;
    this.lastA = a;
    this.lastB = b;
    if (this.distinctCount >= 0) {
      const slots = this.slots;
      const mask = this.slotCount - 1;
      let i = a & mask;
      for (;;) {
        const s = slots[3 * i] as number;
        if (s === 0) break;
        if (slots[3 * i + 1] === a && slots[3 * i + 2] === b) {
          const id = s - 1;
          const c = (this.counts[id] as number) + 1;
          this.counts[id] = c;
          if (c === 2 && id >= KEPT_FIRST) this.texts[id] = detach(value);
          this.addKnown(id);
          return id;
        }
        i = (i + 1) & mask;
      }
      if (this.distinctCount < this.cap) {
        const id = this.distinctCount++;
        slots[3 * i] = id + 1;
        slots[3 * i + 1] = a;
        slots[3 * i + 2] = b;
        this.remember(id, value);
        this.addKnown(id);
        if (this.distinctCount * 2 > this.slotCount) this.growTable();
        return id;
      }
      this.overflow();
    }
    this.addKind(value, classifyValue(value));
    (this.hll as HyperLogLog).addHash(a, b);
    (this.top as SpaceSaving).addHashed(value, a, b);
    return ESTIMATED;
  }

  private growTable(): void {
    this.slots = growSlots(this.slots, this.slotCount);
    this.slotCount *= 2;
  }

  /** Records a new distinct value: its first count, its text where kept, and what it is. */
  private remember(id: number, value: string): void {
    if (id >= this.counts.length) {
      const n = this.counts.length * 2;
      const grow = <T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T => {
        to.set(from);
        return to;
      };
      this.counts = grow(this.counts, new Int32Array(n));
      this.kindOf = grow(this.kindOf, new Uint8Array(n));
      this.numberOf = grow(this.numberOf, new Float64Array(n));
      this.spaceOf = grow(this.spaceOf, new Uint8Array(n));
    }
    this.counts[id] = 1;
    this.texts.push(id < KEPT_FIRST ? detach(value) : undefined);
    const kind = classifyValue(value);
    this.kindOf[id] = KINDS.indexOf(kind);
    this.numberOf[id] = kind === 'integer' || kind === 'number' ? Number(value) : NaN;
    this.spaceOf[id] = value.indexOf(' ') !== -1 ? 1 : 0;
  }

  /** One occurrence of the exact value `id`: the same updates as {@link addKind}, from the remembered facts. */
  private addKnown(id: number): void {
    const k = this.kindOf[id] as number;
    this.kindCounts[k]!++;
    // KINDS[0] and KINDS[1]: integer and number.
    if (k < 2) this.addNumber(this.numberOf[id] as number);
    if (this.spaceOf[id] === 1) this.withSpace++;
  }

  private addKind(value: string, kind: ValueKind): void {
    this.kindCounts[KINDS.indexOf(kind)]!++;
    if (kind === 'integer' || kind === 'number') this.addNumber(Number(value));
    if (value.indexOf(' ') !== -1) this.withSpace++;
  }

  private addNumber(x: number): void {
    if (!Number.isFinite(x)) return;
    const n = ++this.numericCount;
    const delta = x - this.mean;
    this.mean += delta / n;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /**
   * The `k` most frequent exact values, most frequent first, ties in order of first appearance. Selects by a
   * count threshold instead of sorting every distinct value: a column can hold 100,000 of them. Every value
   * chosen has its text: one seen twice always does; one seen once is chosen only when fewer than `k` values
   * were seen twice, and then it is among the first `2k - 1` distinct values, whose text is kept for
   * `k <= KEPT_FIRST / 2`.
   */
  private exactTop(k: number): [string, number][] {
    const counts = this.counts;
    const n = this.distinctCount;
    if (n < 0 || k <= 0) return [];
    let threshold = 0;
    if (n > k) {
      const sorted = Float64Array.from(counts.subarray(0, n)).sort();
      threshold = sorted[n - k] as number;
    }
    const above: [string, number, number][] = [];
    const at: [string, number, number][] = [];
    for (let id = 0; id < n; id++) {
      const c = counts[id] as number;
      if (c > threshold) above.push([this.texts[id] as string, c, id]);
      else if (c === threshold && at.length < k) at.push([this.texts[id] as string, c, id]);
    }
    return [...above, ...at]
      .sort((x, y) => y[1] - x[1] || x[2] - y[2])
      .slice(0, k)
      .map(([v, c]): [string, number] => [v, c]);
  }

  /** Switches from exact counting to sketches, seeding them with what was counted so far. */
  private overflow(): void {
    const hll = new HyperLogLog();
    const top = new SpaceSaving(SPACE_SAVING_COUNTERS);
    for (let i = 0; i < this.slotCount; i++) {
      if (this.slots[3 * i] !== 0)
        hll.addHash(this.slots[3 * i + 1] as number, this.slots[3 * i + 2] as number);
    }
    for (const [v, c] of this.exactTop(SPACE_SAVING_COUNTERS)) top.add(v, c);
    this.hll = hll;
    this.top = top;
    this.distinctCount = -1;
    this.slots = this.counts = new Int32Array(0);
    this.slotCount = 0;
    this.kindOf = this.spaceOf = new Uint8Array(0);
    this.numberOf = new Float64Array(0);
    this.texts = [];
  }

  profile(name: string, index: number, rows: number, topN: number): ColumnProfile {
    const nonMissing = rows - this.missing;
    const exact = this.exact;
    const distinct = exact ? this.distinctCount : Math.max(this.cap, (this.hll as HyperLogLog).estimate());
    let topValues: { value: string; count: number }[];
    if (exact) {
      topValues = this.exactTop(topN).map(([value, count]) => ({ value, count }));
    } else {
      // A counter that saw its value once while counting stands for a value that may occur only once: in a
      // column of unique ids every counter has that form, with a large count inherited from the values it
      // replaced (C694592 "485 times"). Only values seen at least twice while counted are shown.
      topValues = (this.top as SpaceSaving)
        .top(SPACE_SAVING_COUNTERS)
        .filter((t) => t.count - t.error >= 2)
        .slice(0, topN)
        .map(({ value, count }) => ({ value, count }));
    }
    const tc: TypeCounts = { integer: 0, number: 0, boolean: 0, date: 0, text: 0 };
    KINDS.forEach((kind, k) => (tc[kind] = this.kindCounts[k]!));
    const numeric = tc.integer + tc.number;
    const kinds: [string, number][] = [
      ['numeric', numeric],
      ['boolean', tc.boolean],
      ['date', tc.date],
      ['text', tc.text],
    ];
    kinds.sort((a, b) => b[1] - a[1]);
    const dominant = (kinds[0] as [string, number])[0];
    const mixedTypes = nonMissing > 0 && kinds.filter(([, n]) => n > 0 && n >= 0.01 * nonMissing).length > 1;
    let type: ColumnType;
    const allDistinct = nonMissing >= IDENTIFIER_MIN_VALUES && distinct >= IDENTIFIER_SHARE * nonMissing;
    if (nonMissing === 0) type = 'empty';
    else if (dominant === 'numeric') {
      // Nearly all distinct integers are record numbers, not measurements.
      type = tc.number === 0 && allDistinct ? 'identifier' : tc.number === 0 ? 'integer' : 'number';
    } else if (dominant === 'boolean') type = 'boolean';
    else if (dominant === 'date') type = 'date';
    else if (allDistinct && this.withSpace <= 0.05 * nonMissing && this.totalLength / nonMissing <= 64) {
      // Nearly all distinct, short and without spaces: codes, keys, e-mail addresses, not prose.
      type = 'identifier';
    } else if (distinct <= Math.max(CATEGORY_MAX, Math.min(1000, 0.05 * nonMissing))) type = 'category';
    else type = 'text';
    const p: ColumnProfile = {
      name,
      index,
      type,
      missing: this.missing,
      distinct,
      distinctExact: exact,
      topValues,
      mixedTypes,
      constant: rows > 0 && distinct + (this.missing > 0 ? 1 : 0) <= 1,
      identifierLike: type === 'identifier',
      typeCounts: { ...tc },
    };
    if (
      (type === 'integer' || type === 'number' || type === 'identifier') &&
      this.numericCount > 0 &&
      dominant === 'numeric'
    ) {
      const n = this.numericCount;
      p.numeric = {
        min: this.min,
        max: this.max,
        mean: this.mean,
        std: n > 1 ? Math.sqrt(this.m2 / (n - 1)) : 0,
      };
    }
    return p;
  }
}

/**
 * Profiles the columns of one table, row by row.
 *
 * Type inference over non-missing values, by the kind most values have: `empty` (no values), `integer`,
 * `number`, `boolean`, `date`, or for text: `identifier` (at least 95% distinct among at least 20 values,
 * few spaces, short), `category` (at most max(20, min(1000, 5% of values)) distinct values), else `text`.
 * Integer columns that are at least 95% distinct are `identifier` too. The numeric summary's `std` is the
 * sample standard deviation (n - 1), 0 for a single value.
 */
export class TableProfiler {
  private readonly columns: ColumnState[];
  /** The columns profiled, ascending. */
  private readonly owned: number[];
  private readonly ownedMask: Uint8Array;
  private readonly tokens: ReadonlySet<string>;
  /** Values longer than every token are not looked up (most values). */
  private readonly longestToken: number;
  private readonly topN: number;
  private rows = 0;
  /**
   * Per column, the id of the value of the row last added: ids number a column's distinct values from 0 in
   * order of first appearance (the numbering a `CategoricalBuilder` gives them, so a caller can build
   * dictionary codes without a second lookup); {@link MISSING} for a missing cell; {@link ESTIMATED} once
   * the column has more distinct values than the cap.
   */
  readonly lastIds: Int32Array;
  /**
   * Per column, the `hashString` lanes of the row last added, where its id is not {@link MISSING}: the duplicate
   * detector builds row hashes from them instead of hashing every character again.
   */
  readonly lastHashA: Int32Array;
  readonly lastHashB: Int32Array;

  constructor(
    private readonly header: TableHeader,
    options: ProfileOptions = {},
  ) {
    const cap = options.distinctCap ?? 100_000;
    this.columns = header.columns.map(() => new ColumnState(cap));
    const all = header.columns.map((_, i) => i);
    this.owned = options.columns ? all.filter((i) => options.columns!.includes(i)) : all;
    this.ownedMask = new Uint8Array(header.columns.length);
    for (const i of this.owned) this.ownedMask[i] = 1;
    this.lastIds = new Int32Array(header.columns.length).fill(ESTIMATED);
    this.lastHashA = new Int32Array(header.columns.length);
    this.lastHashB = new Int32Array(header.columns.length);
    this.tokens = new Set([...DEFAULT_MISSING_TOKENS, ...(options.missingTokens ?? [])]);
    this.longestToken = Math.max(...[...this.tokens].map((t) => t.length));
    this.topN = options.topValues ?? 10;
  }

  add(row: DataRow): void {
    this.rows++;
    const cols = this.columns;
    const ids = this.lastIds;
    const values = row.values;
    const tokens = this.tokens;
    const longest = this.longestToken;
    const owned = this.owned;
    for (let j = 0; j < owned.length; j++) {
      const i = owned[j] as number;
      const col = cols[i] as ColumnState;
      const v = values[i];
      if (v === undefined || (v.length <= longest && tokens.has(v))) {
        col.missing++;
        ids[i] = MISSING;
      } else {
        ids[i] = col.add(v);
        this.lastHashA[i] = col.lastA;
        this.lastHashB[i] = col.lastB;
      }
    }
  }

  /** True when column `i` is profiled here (its {@link lastIds} and hashes are set). */
  profiles(i: number): boolean {
    return this.ownedMask[i] === 1;
  }

  /** The profiles of the columns profiled, in column order. */
  finish(): ColumnProfile[] {
    return this.owned.map((i) =>
      (this.columns[i] as ColumnState).profile(
        this.header.columns[i]?.name ?? `column_${i + 1}`,
        i,
        this.rows,
        this.topN,
      ),
    );
  }
}
