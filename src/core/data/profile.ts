/**
 * Column profiles computed in one pass over the rows with bounded memory: missing cells, value kinds and the
 * inferred column type, distinct values (exact up to a cap, then HyperLogLog), most frequent values (exact,
 * then Space-Saving) and a numeric summary (Welford's algorithm).
 */
import type { ColumnType, NumericSummary } from '../report/auditReport';
import type { DataRow, TableHeader } from './table';
import { classifyValue, type ValueKind } from './valueKinds';
import { HyperLogLog, SpaceSaving, detach } from './sketches';
import { hashOut, hashString } from './hash';

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
  /** Distinct non-missing values: exact while `distinctExact`, else a HyperLogLog estimate (about 1% error). */
  distinct: number;
  distinctExact: boolean;
  /**
   * Most frequent non-missing values, most frequent first (ties in order of first appearance); counts are
   * exact while `distinctExact`, else Space-Saving upper bounds.
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
}

/** Counters kept per column once exact counting stops. */
const SPACE_SAVING_COUNTERS = 1024;
/** A text column with at most this many distinct values (or 5% of its values, up to 1,000) is a category. */
const CATEGORY_MAX = 20;
/** An identifier has at least this share of distinct values among at least this many values. */
const IDENTIFIER_SHARE = 0.95;
const IDENTIFIER_MIN_VALUES = 20;

class ColumnState {
  missing = 0;
  readonly typeCounts: TypeCounts = { integer: 0, number: 0, boolean: 0, date: 0, text: 0 };
  /** Exact phase: value to counter id, counts by id. */
  exact: Map<string, number> | undefined = new Map();
  counts: number[] = [];
  hll: HyperLogLog | undefined;
  top: SpaceSaving | undefined;
  numericCount = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  withSpace = 0;
  totalLength = 0;

  constructor(private readonly cap: number) {}

  add(value: string): void {
    const kind = classifyValue(value);
    this.typeCounts[kind]++;
    if (kind === 'integer' || kind === 'number') {
      const x = Number(value);
      if (Number.isFinite(x)) {
        const n = ++this.numericCount;
        const delta = x - this.mean;
        this.mean += delta / n;
        this.m2 += delta * (x - this.mean);
        if (x < this.min) this.min = x;
        if (x > this.max) this.max = x;
      }
    }
    if (value.indexOf(' ') !== -1) this.withSpace++;
    this.totalLength += value.length;
    const exact = this.exact;
    if (exact) {
      const id = exact.get(value);
      if (id !== undefined) this.counts[id] = (this.counts[id] as number) + 1;
      else if (exact.size < this.cap) {
        exact.set(detach(value), this.counts.length);
        this.counts.push(1);
      } else {
        this.overflow(exact);
        this.addEstimated(value);
      }
      return;
    }
    this.addEstimated(value);
  }

  private addEstimated(value: string): void {
    hashString(value);
    const a = hashOut[0] as number;
    const b = hashOut[1] as number;
    (this.hll as HyperLogLog).addHash(a, b);
    (this.top as SpaceSaving).addHashed(value, a, b);
  }

  /**
   * The `k` most frequent exact values, most frequent first, ties in order of first appearance. Selects by a
   * count threshold instead of sorting every distinct value: a column can hold 100,000 of them.
   */
  private exactTop(k: number): [string, number][] {
    const counts = this.counts;
    const exact = this.exact;
    if (!exact || k <= 0) return [];
    let threshold = 0;
    if (counts.length > k) {
      const sorted = Float64Array.from(counts).sort();
      threshold = sorted[sorted.length - k] as number;
    }
    const above: [string, number, number][] = [];
    const at: [string, number, number][] = [];
    for (const [v, id] of exact) {
      const c = counts[id] as number;
      if (c > threshold) above.push([v, c, id]);
      else if (c === threshold && at.length < k) at.push([v, c, id]);
    }
    return [...above, ...at]
      .sort((a, b) => b[1] - a[1] || a[2] - b[2])
      .slice(0, k)
      .map(([v, c]): [string, number] => [v, c]);
  }

  /** Switches from exact counting to sketches, seeding them with what was counted so far. */
  private overflow(exact: Map<string, number>): void {
    const hll = new HyperLogLog();
    const top = new SpaceSaving(SPACE_SAVING_COUNTERS);
    for (const [v] of exact) hll.add(v);
    for (const [v, c] of this.exactTop(SPACE_SAVING_COUNTERS)) top.add(v, c);
    this.hll = hll;
    this.top = top;
    this.exact = undefined;
    this.counts = [];
  }

  profile(name: string, index: number, rows: number, topN: number): ColumnProfile {
    const nonMissing = rows - this.missing;
    const exact = this.exact !== undefined;
    const distinct = this.exact ? this.exact.size : Math.max(this.cap, (this.hll as HyperLogLog).estimate());
    let topValues: { value: string; count: number }[];
    if (this.exact) {
      topValues = this.exactTop(topN).map(([value, count]) => ({ value, count }));
    } else {
      topValues = (this.top as SpaceSaving).top(topN).map(({ value, count }) => ({ value, count }));
    }
    const tc = this.typeCounts;
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
  private readonly tokens: ReadonlySet<string>;
  /** Values longer than every token are not looked up (most values). */
  private readonly longestToken: number;
  private readonly topN: number;
  private rows = 0;

  constructor(
    private readonly header: TableHeader,
    options: ProfileOptions = {},
  ) {
    const cap = options.distinctCap ?? 100_000;
    this.columns = header.columns.map(() => new ColumnState(cap));
    this.tokens = new Set([...DEFAULT_MISSING_TOKENS, ...(options.missingTokens ?? [])]);
    this.longestToken = Math.max(...[...this.tokens].map((t) => t.length));
    this.topN = options.topValues ?? 10;
  }

  add(row: DataRow): void {
    this.rows++;
    const cols = this.columns;
    const values = row.values;
    const tokens = this.tokens;
    const longest = this.longestToken;
    for (let i = 0; i < cols.length; i++) {
      const col = cols[i] as ColumnState;
      const v = values[i];
      if (v === undefined || (v.length <= longest && tokens.has(v))) col.missing++;
      else col.add(v);
    }
  }

  finish(): ColumnProfile[] {
    return this.columns.map((c, i) =>
      c.profile(this.header.columns[i]?.name ?? `column_${i + 1}`, i, this.rows, this.topN),
    );
  }
}
