/**
 * Column profiles computed in one pass over the rows with bounded memory: missing cells, value kinds and the
 * inferred column type, distinct values (exact up to a cap, then HyperLogLog), most frequent values (exact,
 * then Space-Saving) and a numeric summary (the exact values' moments by the corrected two-pass formula,
 * weighed by their counts, then Welford's update a cell). A scan split by rows profiles each range apart and
 * joins the counters with {@link ProfilerMerge}.
 */
import type { ColumnType, NumericSummary } from '../report/auditReport';
import type { DataRow, TableHeader } from './table';
import {
  classifyCommaValue,
  classifyValue,
  decimalCommaIn,
  parseCommaNumber,
  parseNumber,
  type ValueKind,
} from './valueKinds';
import {
  HyperLogLog,
  SpaceSaving,
  TOP_VALUE_CHARS,
  detach,
  keptText,
  mergeCounters,
  type SpaceSavingCounters,
} from './sketches';
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
   * HyperLogLog estimate (about 1% error; 1.6% and 3.2% in tables of more than 24 and 240 columns: see
   * {@link tableBudget}), never below the cap nor above the number of non-missing values.
   */
  distinct: number;
  distinctExact: boolean;
  /**
   * Most frequent non-missing values, most frequent first (ties in order of first appearance); counts are
   * exact while `distinctExact`, else Space-Saving upper bounds, and then only values whose guaranteed count
   * is at least 2 and at least the bound on any value not counted (none for a column where no value stands
   * out, such as unique ids or e-mail addresses each seen a few times).
   *
   * From a scan split by rows ({@link ProfilerMerge}) whose parts were profiled without
   * {@link ProfileOptions.allTexts}, a value can be counted without its text: when it occurred at most once in
   * every part and after each part's first `2 * topValues` distinct values (say twice in a column of
   * near-unique values, once in each half). Such a value is left out and the next one by the same order is
   * shown. Past the cap, merged counts are those of merged Space-Saving
   * summaries, within the same error bounds but not the counters one pass would hold.
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
  /** Distinct values counted exactly per column before estimates take over (default: {@link tableBudget}). */
  distinctCap?: number;
  /** How many top values to report (default 10). */
  topValues?: number;
  /** Profile only these columns (0-based), for a scan split across threads by column. Default: all. */
  columns?: readonly number[];
  /**
   * Keep the text of every distinct value while counting exactly, not only of the first `2 * topValues` and
   * of those seen twice: for the parts of a scan split by rows, so that {@link ProfilerMerge} can name every
   * top value (a value seen once in each of two parts is a top value of a column of near-unique values, and
   * no part would have kept its text). Costs one copied string per distinct value, per column, up to the cap.
   */
  allTexts?: boolean;
}

/**
 * A profiler's counters after some rows ({@link TableProfiler.finishPart}), for {@link ProfilerMerge}: plain data
 * and typed arrays each in a buffer of its own, so that a worker thread can send it with
 * {@link profilerPartTransferables} instead of copying.
 */
export interface ProfilerPart {
  /** Rows added. */
  rows: number;
  /** The {@link ProfileOptions.distinctCap} it counted with (a merge needs the same). */
  distinctCap: number;
  /** The columns profiled, ascending by `index`. */
  columns: ColumnPart[];
}

/** One column of a {@link ProfilerPart}. */
/** What a column profile is worked out from besides its distinct and top values. */
export interface ColumnTotals {
  missing: number;
  /** Non-missing values of each kind, indexed as {@link KINDS} (integer, number, boolean, date, text). */
  kindCounts: Float64Array;
  /** Values holding a space, and their total length (UTF-16 units). */
  withSpace: number;
  totalLength: number;
  /** Welford's state over the finite numbers: count, mean, sum of squared deviations, min, max. */
  numericCount: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

export interface ColumnPart extends ColumnTotals {
  index: number;
  /** Transferred: a typed array of its own. */
  kindCounts: Float64Array<ArrayBuffer>;
  values: ExactValues | EstimatedValues;
}

/** A column still counted exactly: per value id (order of first appearance in the part). */
export interface ExactValues {
  phase: 'exact';
  /** The value's `hashString` lanes. */
  laneA: Int32Array<ArrayBuffer>;
  laneB: Int32Array<ArrayBuffer>;
  counts: Int32Array<ArrayBuffer>;
  /**
   * The texts where kept (the first `2 * topValues` ids and every value seen twice, or all with
   * {@link ProfileOptions.allTexts}) joined into a few strings of up to {@link TEXT_PIECE} characters: value
   * `j`'s text is `textPieces[textPiece[j]]` from `textStart[j]` to `textEnd[j]`, and absent where `textPiece[j]`
   * is -1. A few strings cross a thread boundary as a few copies, where an array of a range's 25,000 strings a
   * column cost a tenth of a second to clone each way; and pieces, not one string, because V8 makes a string
   * of 128 KiB or more in its large-object space, 40 times as costly (see `TableReader.push`).
   */
  textPieces: string[];
  textPiece: Int32Array<ArrayBuffer>;
  textStart: Int32Array<ArrayBuffer>;
  textEnd: Int32Array<ArrayBuffer>;
}

/** Characters in one piece of a part's joined texts (see {@link ExactValues.textPieces}). */
const TEXT_PIECE = 1 << 15;

/** Joins the first `n` texts for {@link ExactValues}. */
function joinTexts(
  text: (id: number) => string | undefined,
  n: number,
): Pick<ExactValues, 'textPieces' | 'textPiece' | 'textStart' | 'textEnd'> {
  const textPiece = new Int32Array(n).fill(-1);
  const textStart = new Int32Array(n);
  const textEnd = new Int32Array(n);
  const textPieces: string[] = [];
  let piece: string[] = [];
  let at = 0;
  for (let j = 0; j < n; j++) {
    const t = text(j);
    if (t === undefined) continue;
    if (at > 0 && at + t.length > TEXT_PIECE) {
      textPieces.push(piece.join(''));
      piece = [];
      at = 0;
    }
    textPiece[j] = textPieces.length;
    textStart[j] = at;
    piece.push(t);
    at += t.length;
    textEnd[j] = at;
  }
  if (piece.length > 0) textPieces.push(piece.join(''));
  return { textPieces, textPiece, textStart, textEnd };
}

/**
 * Values `from` on of an exact part as a complete summary, cut to the `counters` largest counts (ties to the
 * first): a merge into that many counters keeps no other value of it, and its absent bound, the largest count
 * left out, keeps the error bounds true.
 */
function largestOf(v: ExactValues, from: number, counters: number): SpaceSavingCounters {
  const n = v.counts.length - from;
  let ids: number[];
  let absent = 0;
  if (n <= counters) {
    ids = Array.from({ length: n }, (_, k) => from + k);
  } else {
    const threshold = kthLargest(v.counts, from, counters);
    // Two passes: in a range of near-unique values the threshold is 1 and nearly every value is at it, of
    // which only the first `room` are kept.
    let above = 0;
    let at = 0;
    let below = 0;
    for (let j = from; j < v.counts.length; j++) {
      const c = v.counts[j] as number;
      if (c > threshold) above++;
      else if (c === threshold) at++;
      else if (c > below) below = c;
    }
    let room = counters - above;
    absent = at > room ? threshold : below;
    ids = [];
    for (let j = from; j < v.counts.length; j++) {
      const c = v.counts[j] as number;
      if (c > threshold || (c === threshold && room-- > 0)) ids.push(j);
    }
  }
  // Loops, not `TypedArray.from(ids, f)`, which takes the iterator protocol and a call per element: a
  // merge calls this for every near-unique column of every range.
  const laneA = new Int32Array(ids.length);
  const laneB = new Int32Array(ids.length);
  const counts = new Float64Array(ids.length);
  for (let k = 0; k < ids.length; k++) {
    const j = ids[k] as number;
    laneA[k] = v.laneA[j] as number;
    laneB[k] = v.laneB[j] as number;
    counts[k] = v.counts[j] as number;
  }
  return {
    values: ids.map((j) => textOf(v, j) as string),
    laneA,
    laneB,
    counts,
    errors: new Float64Array(ids.length),
    absent,
  };
}

/**
 * The `k`-th largest of `counts[from..]` (k no more than their number). Counts of a range's values are mostly
 * small, so a histogram finds it in one pass where a sort of 25,000 counts per column per range was a fifth of
 * the merge's time; a sort where the counts run high. Each loop is a function of its own, as in
 * {@link ColumnState.overflow}: V8 optimized this one on the stack in its first loop and threw the code away
 * at the last one, which had not run yet, about ten times a run of the bench's 25 MB.
 */
function kthLargest(counts: Int32Array, from: number, k: number): number {
  const max = largestFrom(counts, from);
  if (max > 1 << 16) {
    const sorted = Int32Array.from(counts.subarray(from)).sort();
    return sorted[sorted.length - k] as number;
  }
  return kthFromHistogram(histogramFrom(counts, from, max), k);
}

/** The largest of `counts[from..]`, or 0. */
function largestFrom(counts: Int32Array, from: number): number {
  let max = 0;
  for (let j = from; j < counts.length; j++) if ((counts[j] as number) > max) max = counts[j] as number;
  return max;
}

/** How many of `counts[from..]` (none above `max`) are each count. */
function histogramFrom(counts: Int32Array, from: number, max: number): Int32Array {
  const histogram = new Int32Array(max + 1);
  for (let j = from; j < counts.length; j++) histogram[counts[j] as number]!++;
  return histogram;
}

/** The `k`-th largest count of a {@link histogramFrom}. */
function kthFromHistogram(histogram: Int32Array, k: number): number {
  let seen = 0;
  for (let c = histogram.length - 1; c > 0; c--) {
    seen += histogram[c] as number;
    if (seen >= k) return c;
  }
  return 0;
}

/** The text of value `j` of a part, where kept: a copy, so it does not hold the part's joined pieces. */
function textOf(v: ExactValues, j: number): string | undefined {
  const piece = v.textPiece[j] as number;
  return piece < 0 ? undefined : detach((v.textPieces[piece] as string).slice(v.textStart[j], v.textEnd[j]));
}

/**
 * The smallest guaranteed count (`count - error`) of a Space-Saving counter shown as a top value, given the
 * summary's bound on the count of any value without a counter. A counter's `count` is only an upper bound:
 * in a column of near-unique values each counter inherits the count of the values it replaced, so an e-mail
 * address seen 12 times can hold a count of 456. Shown are only the values certainly at least as frequent as
 * any value not counted, and seen at least twice: none, in a column where no value stands out.
 */
function shownFloor(absent: number): number {
  return Math.max(2, absent);
}

/** A column past the distinct cap: its sketches. */
export interface EstimatedValues {
  phase: 'estimated';
  /** HyperLogLog registers ({@link HyperLogLog.registersCopy}). */
  registers: Uint8Array<ArrayBuffer>;
  top: SpaceSavingCounters;
}

/** The buffers of a part's typed arrays, to transfer rather than copy (each is the whole of one buffer). */
export function profilerPartTransferables(part: ProfilerPart): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of part.columns) {
    out.add(c.kindCounts.buffer);
    const v = c.values;
    if (v.phase === 'exact') {
      for (const a of [v.laneA, v.laneB, v.counts, v.textPiece, v.textStart, v.textEnd]) out.add(a.buffer);
    } else {
      for (const a of [v.registers, v.top.laneA, v.top.laneB, v.top.counts, v.top.errors]) out.add(a.buffer);
    }
  }
  return [...out];
}

/**
 * Distinct values counted exactly in a whole table, shared by its columns: 100,000 each for the bench's 12
 * columns. Each costs 50 to 90 bytes (hash slot, count, kind, number, in tables grown by doubling), so
 * without a share for the table, one of many columns of near-unique values grew with its cells: 567 MB for
 * 50 measurement columns of 300,000 rows, 1,045 MB for 2,000 columns of 6,800 rows.
 */
const TABLE_EXACT_VALUES = 1_200_000;

/** What each column of a table may hold (see {@link tableBudget}). */
export interface ColumnBudget {
  /** Distinct values a column counts exactly before its sketches take over. */
  cap: number;
  /** Space-Saving counters a column keeps past the cap. */
  counters: number;
  /** HyperLogLog precision past the cap: 2^precision registers. */
  precision: number;
  /**
   * Distinct values a column's privacy sample and its dictionary codes keep before a reading pass has decided
   * what the column is: 1,000, or in a table wider than 1,200 columns its share of the same 1.2 million (at
   * least 50). Every column holds them as strings until then, so a table of 20,000 columns held 20,000 times
   * its first 1,000 rows (1.5 GB at 406 rows).
   */
  levels: number;
}

/**
 * Each column's share of a table of `columns` columns: up to 24 columns, 100,000 exact values (at least
 * 50,000) and full sketches (1,024 counters, 2^14 registers: 16 KB, 0.8% error); up to 240, its share of
 * {@link TABLE_EXACT_VALUES} and 256 counters, 2^12 registers (1.6%); beyond, its share, 64 counters and 2^10
 * registers (3.2%), and past 5,000 and 10,000 columns 32 and 16 counters, so that the sketches of such a
 * table take about as much as their exact tables (38 MB at 10,000 columns, 48 MB at 20,000) and fit in their
 * buffers (see `overflow`): 10,000 columns peaked at 294 MB instead of 313. The cost is in top values past the
 * cap, shown only where Space-Saving guarantees them (see {@link ColumnProfile.topValues}), which takes more
 * than a 16th of the rows: 919 columns of a 20,000-column table of 169 rows lost values seen 2 to 4 times.
 * Fewer registers would have cost the distinct counts (2^8 moved one count in 20,000 by a fifth).
 *
 * A floor of 256 exact values broke the share past 4,700 columns: a table of 20,000 columns held every
 * column's exact table at about 12 KB before its sketches (6.4 KB) took over, 160 MB more at its
 * peak than its share of 61. The samples and dictionaries of a reading pass take the same share as `levels`,
 * between 50 and 1,000, and the cap stays above it: a column's dictionary then passes its limit on a value
 * the profiler still numbers. With both at 600 (2,000 columns), every column's dictionary indexed its 600
 * values in a Map when the profiler stopped numbering, to find that value new and drop it (95 MB allocated).
 * A function of the header alone, so that every part of a split scan, and their merge, count alike.
 */
export function tableBudget(columns: number): ColumnBudget {
  const share = Math.floor(TABLE_EXACT_VALUES / Math.max(1, columns));
  const levels = Math.min(1000, Math.max(50, share));
  const cap = Math.min(100_000, Math.max(share, levels + 1));
  if (cap >= 50_000) return { cap, counters: 1024, precision: 14, levels };
  if (cap >= 5_000) return { cap, counters: 256, precision: 12, levels };
  if (columns <= 5000) return { cap, counters: 64, precision: 10, levels };
  if (columns <= 10000) return { cap, counters: 32, precision: 10, levels };
  return { cap, counters: 16, precision: 10, levels };
}

/**
 * A column's distinct values past its cap: the HyperLogLog's estimate, within what is known for certain. An
 * estimate of 823 in a column of 814 values was shown as such.
 */
function estimated(hll: HyperLogLog, cap: number, values: number): number {
  return Math.min(values, Math.max(cap, hll.estimate()));
}

/** The bytes of a column's sketches: its Space-Saving summary, then its HyperLogLog registers. */
function sketchBytes(budget: ColumnBudget): number {
  return SpaceSaving.bytes(budget.counters) + (1 << budget.precision);
}

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

/** The index of `kind` in {@link KINDS}, without a search (once per cell of a column past the cap). */
function kindIndex(kind: ValueKind): number {
  switch (kind) {
    case 'integer':
      return 0;
    case 'number':
      return 1;
    case 'boolean':
      return 2;
    case 'date':
      return 3;
    default:
      return 4;
  }
}

/**
 * The smallest table (64 KB of slots) whose probes {@link ColumnState.addHashedCells} reads ahead: smaller
 * ones stay in the first-level cache.
 */
const TOUCH_SLOTS = 4096;
/** Where the read-ahead leaves what it read, so that the compiler keeps its loads. */
const touchSink = new Int32Array(1);
/** Numbers a slot of {@link ColumnState}'s table: value id + 1, lane A, lane B, occurrences. */
const SLOT = 4;

/** {@link ColumnState}'s facts of a value: its kind in the low bits, a space, then where its text is. */
const KIND_MASK = 7;
const SPACE_BIT = 8;
const FACT_BITS = 4;
/** Distinct values a column counts exactly at most: a text's place must fit in a fact's 27 bits. */
const MAX_CAP = 1 << 27;
/** Bytes a value id takes in a column's exact state: its number and its facts. */
const FACT_BYTES = 12;
/** The most slots (8 KB) of a column's last table for which it skips the sizes between (see `growTable`). */
const LAST_SLOTS = 512;

/**
 * Memory for the last exact tables and facts of a wide table's columns, cut from shared 1 MB buffers. An
 * `ArrayBuffer` costs 250 to 350 bytes besides its data (its object, backing store and malloc's share), and
 * a table of 20,000 columns held 40,000 of them: it peaked at 303 to 309 MB instead of 313 to 330. A chunk
 * is freed once no column holds a view of it, so the facts' chunks go when their columns have switched to
 * sketches.
 */
class Slab {
  private chunk = new ArrayBuffer(0);
  private used = 0;

  /** The bytes to cut each chunk into; a larger request gets a chunk of its own. */
  constructor(private readonly chunkBytes: number) {}

  /** `bytes` of zeroes, 8-aligned: `buffer` and the offset returned. */
  take(bytes: number): number {
    const n = (bytes + 7) & ~7;
    if (this.used + n > this.chunk.byteLength) {
      this.chunk = new ArrayBuffer(Math.max(n, this.chunkBytes));
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** The chunk of the last {@link take}. */
  get buffer(): ArrayBuffer {
    return this.chunk;
  }
}

/** A wide table's two slabs (see {@link Slab}): the tables' chunks outlive the facts'. */
interface ColumnSlabs {
  tables: Slab;
  facts: Slab;
}

/** Bytes of each chunk of a {@link Slab}. */
const SLAB_CHUNK = 1 << 20;

/** Whether columns of this cap grow from their first table to their last (`ColumnState.straightToLast`). */
function straightToLast(cap: number): boolean {
  return cap * 5 <= LAST_SLOTS * 4;
}

/**
 * One column's counters. The exact phase counts distinct values by their 64-bit hash (see `hash.ts`) in an
 * open-addressing table of typed arrays, as the duplicate-row detector does, rather than in a Map of strings:
 * for many-valued columns (ids, e-mail addresses, amounts, free text) a Map of up to 100,000 copied strings
 * per column was the profiler's main cost and memory. Two different values count as one only if both 32-bit
 * lanes collide (about 2^-64 per pair). The text is kept only where a result can show it: the first
 * `keptFirst` distinct values and every value seen twice.
 */
class ColumnState implements ColumnTotals {
  missing = 0;
  /**
   * Values of each kind, indexed as {@link KINDS} from `kindAt` (a typed array: this is updated for every
   * cell), in one array for the whole table: an array of its own cost about 240 bytes a column for its 40,
   * and a view of the table's 130.
   */
  private readonly kinds: Float64Array;
  private readonly kindAt: number;
  /** Exact phase: distinct values so far; -1 once the sketches took over. */
  private distinctCount = 0;
  /**
   * Hash table, four numbers a slot side by side: value id + 1 (0: empty), lane A, lane B, occurrences.
   * Interleaved so that a cell's probe and count touch one cache line (16 bytes a slot, four to a line), not
   * several arrays: with 100,000 values a column the table outgrows the cache, and the misses of the probe
   * and then of a count by id were a large part of the profiler's time.
   */
  // Small at first, as everything per column: a table thousands of columns wide has few values in most.
  private slots = new Int32Array(SLOT * 16);
  private slotCount = 16;
  /**
   * Per value id, in order of first appearance, worked out once per distinct value: where its text is in
   * `textList` (1-based; 0: not kept) shifted by {@link FACT_BITS}, whether it holds a space
   * ({@link SPACE_BIT}), and its kind as an index into {@link KINDS} (the low bits, {@link KIND_MASK}). The
   * texts kept are few in a column of near-unique values, where an array by id held a place for every value,
   * and grew and was dropped at the cap: about a fifth of what a wide table left for the full collections.
   */
  private facts: Int32Array;
  /** Per value id, the number for numeric kinds; in the buffer of `facts`. */
  private numberOf: Float64Array;
  /** Made at the first text kept, with room for the first `keptFirst` (grown past them). */
  private textList: string[] = NO_TEXTS;
  private textCount = 0;
  hll: HyperLogLog | undefined;
  top: SpaceSaving | undefined;
  numericCount = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  withSpace = 0;
  totalLength = 0;

  private readonly cap: number;
  /**
   * Whether the table and the facts grow from their first size straight to their last ({@link LAST_SLOTS}).
   * The columns of a wide table pass their first sizes within a few rows of each other, and each size was
   * garbage at once: tables of 10,000 and 20,000 columns peaked 11 to 25 MB lower without them, in the same
   * time. Not past 512 slots: a table of 2,000 columns, whose last table is 16 KB, peaked 3 MB higher.
   */
  private readonly straightToLast: boolean;

  constructor(
    private readonly budget: ColumnBudget,
    /** Ids below this keep their text from the first occurrence ({@link ProfileOptions.allTexts}). */
    private readonly keptFirst: number,
    /** The profiler's array of every column's counts by kind, and where this column's are. */
    kinds: Float64Array,
    kindAt: number,
    /** Where the last table and facts are cut from, in a table wide enough to go {@link straightToLast}. */
    private readonly slabs: ColumnSlabs | null = null,
    /** The table writes decimals with a comma (`decimalCommaIn`): `1,5` is a number. */
    private readonly decimalComma = false,
  ) {
    if (budget.cap > MAX_CAP) throw new RangeError(`a distinct cap of at most ${MAX_CAP} values`);
    this.cap = budget.cap;
    this.straightToLast = straightToLast(budget.cap);
    this.kinds = kinds;
    this.kindAt = kindAt;
    const n = Math.min(16, budget.cap);
    const memory = new ArrayBuffer(FACT_BYTES * n);
    this.numberOf = new Float64Array(memory, 0, n);
    this.facts = new Int32Array(memory, 8 * n, n);
  }

  get exact(): boolean {
    return this.distinctCount >= 0;
  }

  /**
   * Adds the non-missing cells of column `i` among the first `count` of `rows`, whose hash lanes
   * {@link TableProfiler.addRows} has put in `laneA` and `laneB` at `k * width + i` (`ids` there: 0, or
   * {@link MISSING} for a cell to pass over). Writes each cell's id there: its number while counting exactly,
   * else {@link ESTIMATED}. The cells were hashed in a loop of their own, so that this one is short: the
   * probes of consecutive cells (a cache miss each in a table of many values) are then in flight together,
   * where behind each cell's hashing they were waited for one by one: the profiler took about a tenth less
   * time over the bench's table.
   */
  addHashedCells(
    rows: readonly DataRow[],
    i: number,
    count: number,
    width: number,
    ids: Int32Array,
    laneA: Int32Array,
    laneB: Int32Array,
  ): void {
    if (this.distinctCount >= 0 && this.slotCount >= TOUCH_SLOTS) {
      // Each cell's first slot read ahead in a loop with no branch: the loads of every cell are then in
      // flight at once, and the probes below find them in the cache. The probe loop's branches on what it
      // reads held back the loads after them, and the first read of a slot was three fifths of this
      // function's time on the bench's 25 MB, whose near-unique columns fill tables of 2 MB. That file read 3
      // to 5% faster (11 runs in turn in one process, four times), 100 MB 2 and 3.5%.
      const slots = this.slots;
      const mask = this.slotCount - 1;
      let sum = 0;
      for (let k = 0, at = i; k < count; k++, at += width)
        sum ^= slots[SLOT * ((laneA[at] as number) & mask)] as number;
      touchSink[0] = (touchSink[0] as number) ^ sum;
    }
    for (let k = 0, at = i; k < count; k++, at += width) {
      if (ids[at] === MISSING) continue;
      const a = laneA[at] as number;
      const b = laneB[at] as number;
      if (this.distinctCount >= 0) {
        const slots = this.slots;
        const mask = this.slotCount - 1;
        let j = a & mask;
        let id = -1;
        for (;;) {
          const to = SLOT * j;
          const s = slots[to] as number;
          if (s === 0) break;
          if (slots[to + 1] === a && slots[to + 2] === b) {
            id = s - 1;
            const c = (slots[to + 3] as number) + 1;
            slots[to + 3] = c;
            if (c === 2 && id >= this.keptFirst) {
              const at = this.keepText(keptText((rows[k] as DataRow).values[i] as string));
              this.facts[id] = ((this.facts[id] as number) & (SPACE_BIT | KIND_MASK)) | (at << FACT_BITS);
            }
            break;
          }
          j = (j + 1) & mask;
        }
        if (id >= 0) {
          ids[at] = id;
          continue;
        }
        if (this.distinctCount < this.cap) {
          ids[at] = this.insert(j, a, b, (rows[k] as DataRow).values[i] as string);
          continue;
        }
        this.overflow();
      }
      const value = (rows[k] as DataRow).values[i] as string;
      this.addKind(value, this.classify(value));
      (this.hll as HyperLogLog).addHash(a, b);
      (this.top as SpaceSaving).addHashed(value, a, b);
      ids[at] = ESTIMATED;
    }
  }

  /** Puts a new distinct value in empty slot `j`; returns its id. */
  private insert(j: number, a: number, b: number, value: string): number {
    const id = this.distinctCount++;
    const slots = this.slots;
    const at = SLOT * j;
    slots[at] = id + 1;
    slots[at + 1] = a;
    slots[at + 2] = b;
    slots[at + 3] = 1;
    this.remember(id, value);
    // Past three quarters full, unless the table holds the cap at most four fifths full. Four slots share a
    // cache line, so a longer probe seldom reads another line, and a table thousands of columns wide is half
    // the size it was at half full (169 values: 256 slots); the bench's table read no slower. The four fifths
    // spare a near-unique column of a narrow table (cap 100,000) its last doubling, to 4 MB, 1,700 values
    // before it turns to sketches.
    if (this.distinctCount * 4 > this.slotCount * 3 && this.slotCount * 4 < this.cap * 5) this.growTable();
    return id;
  }

  private growTable(): void {
    let next = 2 * this.slotCount;
    if (this.straightToLast) while (next * 4 < this.cap * 5) next *= 2;
    // The last table before the cap gets room for the sketches that take it over (see `overflow`).
    const last = next * 4 >= this.cap * 5;
    if (last && this.slabs) {
      const bytes = Math.max(4 * SLOT * next, sketchBytes(this.budget));
      const at = this.slabs.tables.take(bytes);
      const room = new Int32Array(this.slabs.tables.buffer, at, bytes >> 2);
      this.slots = growSlots(this.slots, this.slotCount, SLOT, 0, next, room);
    } else {
      this.slots = growSlots(this.slots, this.slotCount, SLOT, last ? sketchBytes(this.budget) : 0, next);
    }
    this.slotCount = next;
  }

  /** Records a new distinct value: its text where kept, and what it is. */
  private remember(id: number, value: string): void {
    if (id >= this.facts.length) {
      // Ids stay below the cap. Both arrays in one buffer: a buffer costs a few hundred bytes besides its
      // data, which in a table thousands of columns wide is most of a column's exact state.
      const n = this.straightToLast ? this.cap : Math.min(this.facts.length * 2, this.cap);
      let memory: ArrayBuffer;
      let at = 0;
      if (this.slabs && n === this.cap) {
        at = this.slabs.facts.take(FACT_BYTES * n);
        memory = this.slabs.facts.buffer;
      } else {
        memory = new ArrayBuffer(FACT_BYTES * n);
      }
      const numberOf = new Float64Array(memory, at, n);
      const facts = new Int32Array(memory, at + 8 * n, n);
      numberOf.set(this.numberOf);
      facts.set(this.facts);
      this.numberOf = numberOf;
      this.facts = facts;
    }
    // Keeping every text (a range of a split scan) holds the range's decoded text anyway: a slice costs less
    // than a copy, and the range's chunks are dropped with it.
    const at =
      id < this.keptFirst
        ? this.keepText(
            this.keptFirst === Infinity && value.length <= TOP_VALUE_CHARS ? value : keptText(value),
          )
        : 0;
    const kind = this.classify(value);
    const space = value.indexOf(' ') !== -1 ? SPACE_BIT : 0;
    this.facts[id] = (at << FACT_BITS) | space | kindIndex(kind);
    this.numberOf[id] = kind === 'integer' || kind === 'number' ? this.parse(value) : NaN;
  }

  /**
   * Adds what the exact values counted so far are (kinds, spaces, numbers) to `t`, which holds what the cells
   * past the cap added (nothing before {@link overflow}): a value's facts are worked out once and weighed by
   * its count here, not applied at each of its cells, where reading them was a cache miss a cell in columns
   * of many values. The numbers' moments are the corrected two-pass ones over the distinct values, shifted by
   * the first: as accurate as Welford's a cell, or more.
   */
  private foldExact(t: ColumnTotals, counts: Int32Array): void {
    const n = this.distinctCount;
    t.withSpace += foldKinds(this.facts, counts, n, t.kindCounts);
    const m = foldNumbers(this.facts, this.numberOf, counts, n);
    combineMoments(t, m[0] as number, m[1] as number, m[2] as number, m[3] as number, m[4] as number);
  }

  /** Values of each kind, indexed as {@link KINDS}: a view of the table's array. */
  get kindCounts(): Float64Array {
    return this.kinds.subarray(this.kindAt, this.kindAt + KINDS.length);
  }

  /** This column's totals: its own fields, with the exact values folded in while it counts exactly. */
  totals(): ColumnTotals {
    if (this.distinctCount <= 0) return this;
    const t: ColumnTotals = {
      missing: this.missing,
      kindCounts: this.kindCounts.slice(),
      withSpace: this.withSpace,
      totalLength: this.totalLength,
      numericCount: this.numericCount,
      mean: this.mean,
      m2: this.m2,
      min: this.min,
      max: this.max,
    };
    this.foldExact(t, this.byId().counts);
    return t;
  }

  private classify(value: string): ValueKind {
    return this.decimalComma ? classifyCommaValue(value) : classifyValue(value);
  }

  private parse(value: string): number {
    return this.decimalComma ? parseCommaNumber(value) : parseNumber(value);
  }

  private addKind(value: string, kind: ValueKind): void {
    this.kinds[this.kindAt + kindIndex(kind)]!++;
    // A number holds no space.
    if (kind === 'integer' || kind === 'number') this.addNumber(this.parse(value));
    else if (value.indexOf(' ') !== -1) this.withSpace++;
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

  /** The `k` most frequent exact values (see {@link topIds}). */
  private exactTop(k: number): [string, number][] {
    const { counts } = this.byId();
    const text = (id: number): string | undefined => this.textOf(id);
    return topIds(counts, text, this.distinctCount, k).map((id): [string, number] => [
      text(id) as string,
      counts[id] as number,
    ]);
  }

  /** Switches from exact counting to sketches, seeding them with what was counted so far. */
  private overflow(): void {
    // Into arrays shared by every column: the columns of a wide table reach their caps within a few rows of
    // each other, and arrays of their own, garbage at once, came to 16 MB in a table of 2,000 columns.
    const { laneA, laneB, counts } = this.byId(overflowScratch);
    // From here every cell adds its own facts.
    this.foldExact(this, counts);
    const { counters, precision } = this.budget;
    const need = sketchBytes(this.budget);
    // Both sketches in one buffer, the exact table's where it has room and no more than twice that: its
    // values are in the scratch arrays now. The columns of a wide table switch within a few rows of each other,
    // and their tables, garbage until the next full collection, made malloc's memory peak at the switch with
    // both: 104 MB of array buffers for 10,000 columns, where their sketches hold 66 MB.
    // A table cut from a slab has room for them in its view.
    const old = this.slots.buffer;
    let memory: ArrayBuffer;
    let at = 0;
    if (this.slabs && this.slots.byteLength >= need) {
      memory = old;
      at = this.slots.byteOffset;
      new Uint8Array(memory, at, need).fill(0);
    } else if (old.byteLength >= need && old.byteLength <= 2 * need && this.slots.byteOffset === 0) {
      memory = old;
      new Uint8Array(memory, 0, need).fill(0);
    } else {
      memory = new ArrayBuffer(need);
    }
    const top = new SpaceSaving(counters, memory, at);
    const hll = new HyperLogLog(new Uint8Array(memory, at + SpaceSaving.bytes(counters), 1 << precision));
    const n = this.distinctCount;
    hll.addHashes(laneA, laneB, n);
    // Seeded from the lanes, so the values seen once need no text: a counter learns its text at the second
    // occurrence (or from a weight above 1, and a value counted twice has its text here).
    for (const id of topIds(counts, null, n, this.budget.counters, overflowScratch)) {
      top.addHashed(this.textOf(id), laneA[id] as number, laneB[id] as number, counts[id]);
    }
    this.hll = hll;
    this.top = top;
    this.distinctCount = -1;
    this.slots = NO_INTS;
    this.slotCount = 0;
    this.facts = NO_INTS;
    this.numberOf = NO_NUMBERS;
    this.textList = NO_TEXTS;
    this.textCount = 0;
  }

  /**
   * Keeps `text` in {@link textList}; returns its place, 1-based. Pushed one at a time, an array had room for
   * 17 texts, then 43 from the 18th: in a table of 20,000 columns, 6.5 MB of arrays for 5.7 MB of texts.
   */
  private keepText(text: string): number {
    if (this.textList === NO_TEXTS)
      this.textList = Number.isFinite(this.keptFirst)
        ? new Array<string>(Math.min(this.keptFirst, this.cap))
        : [];
    this.textList[this.textCount] = text;
    return ++this.textCount;
  }

  /** The text of exact value `id`, where kept. A method, not a closure a column (92 bytes each). */
  private textOf(id: number): string | undefined {
    const k = (this.facts[id] as number) >>> FACT_BITS;
    return k === 0 ? undefined : this.textList[k - 1];
  }

  /**
   * Each exact value's hash lanes and count, by value id, out of the table: in arrays of their own, or views
   * of `scratch`'s, valid until its next use.
   */
  private byId(scratch?: Scratch): {
    laneA: Int32Array<ArrayBuffer>;
    laneB: Int32Array<ArrayBuffer>;
    counts: Int32Array<ArrayBuffer>;
  } {
    const n = this.distinctCount;
    const laneA = scratch ? scratch.ints(0, n) : new Int32Array(n);
    const laneB = scratch ? scratch.ints(1, n) : new Int32Array(n);
    const counts = scratch ? scratch.ints(2, n) : new Int32Array(n);
    scatterSlots(this.slots, this.slotCount, laneA, laneB, counts);
    return { laneA, laneB, counts };
  }

  profile(name: string, index: number, rows: number, topN: number): ColumnProfile {
    const exact = this.exact;
    const distinct = exact
      ? this.distinctCount
      : estimated(this.hll as HyperLogLog, this.cap, rows - this.missing);
    let topValues: { value: string; count: number }[];
    if (exact) {
      topValues = this.exactTop(topN).map(([value, count]) => ({ value, count }));
    } else {
      const top = this.top as SpaceSaving;
      const floor = shownFloor(top.absent());
      topValues = [];
      for (const { value, count, error } of top.top(this.budget.counters)) {
        if (topValues.length === topN) break;
        if (value !== undefined && count - error >= floor) topValues.push({ value, count });
      }
    }
    return columnProfile(this.totals(), name, index, rows, distinct, exact, topValues);
  }

  /** The counters, for {@link TableProfiler.finishPart}: arrays of their own, exact length. */
  part(index: number): ColumnPart {
    let values: ColumnPart['values'];
    if (this.distinctCount >= 0) {
      const n = this.distinctCount;
      const { laneA, laneB, counts } = this.byId();
      values = {
        phase: 'exact',
        laneA,
        laneB,
        counts,
        ...joinTexts((id) => this.textOf(id), n),
      };
    } else {
      values = {
        phase: 'estimated',
        registers: (this.hll as HyperLogLog).registersCopy(),
        top: (this.top as SpaceSaving).counters(),
      };
    }
    const t = this.totals();
    return {
      index,
      missing: t.missing,
      kindCounts: t.kindCounts.slice(),
      withSpace: t.withSpace,
      totalLength: t.totalLength,
      numericCount: t.numericCount,
      mean: t.mean,
      m2: t.m2,
      min: t.min,
      max: t.max,
      values,
    };
  }
}

/*
 * The loops of a column's switch to sketches, each in a function of its own. A column switches once, at its
 * 100,001st distinct value in a narrow table, so V8 optimizes these loops on the stack, part way through
 * (on-stack replacement): code after a loop in the same function has run nowhere yet, and its first use threw
 * the optimized code away (foldExact and topIds were deoptimized 9 and 19 times reading the bench's 25 MB). A
 * kernel returns as its loop ends, and the next column's switch finds it optimized: the four switches of the
 * bench's 100 MB took 37 ms instead of 54.
 */

/** Puts each exact value's lanes and count from the table's slots at its id. */
function scatterSlots(
  slots: Int32Array,
  slotCount: number,
  laneA: Int32Array,
  laneB: Int32Array,
  counts: Int32Array,
): void {
  for (let i = 0, at = 0; i < slotCount; i++, at += SLOT) {
    const tag = slots[at] as number;
    if (tag === 0) continue;
    laneA[tag - 1] = slots[at + 1] as number;
    laneB[tag - 1] = slots[at + 2] as number;
    counts[tag - 1] = slots[at + 3] as number;
  }
}

/** Adds each of the `n` exact values' count to its kind's; returns the count of those holding a space. */
function foldKinds(facts: Int32Array, counts: Int32Array, n: number, kindCounts: Float64Array): number {
  let withSpace = 0;
  for (let id = 0; id < n; id++) {
    const c = counts[id] as number;
    const f = facts[id] as number;
    kindCounts[f & KIND_MASK]! += c;
    if ((f & SPACE_BIT) !== 0) withSpace += c;
  }
  return withSpace;
}

/** {@link foldNumbers}'s answer: numeric count, mean, m2, min, max. */
const moments = new Float64Array(5);

/**
 * The moments of the numeric exact values weighed by their counts: the corrected two-pass ones over the
 * distinct values, shifted by the first (as accurate as Welford's a cell, or more). In {@link moments}. The
 * two passes are functions of their own: V8 optimized the first on the stack and threw the code away at the
 * second, which had not run yet.
 */
function foldNumbers(facts: Int32Array, numberOf: Float64Array, counts: Int32Array, n: number): Float64Array {
  sumNumbers(facts, numberOf, counts, n);
  const numeric = moments[0] as number;
  if (numeric === 0) return moments;
  const mean = moments[1] as number;
  moments[2] = Math.max(0, squaredDeviations(facts, numberOf, counts, n, mean, numeric));
  return moments;
}

/** The first pass of {@link foldNumbers}: numeric count, mean, min and max in {@link moments}. */
function sumNumbers(facts: Int32Array, numberOf: Float64Array, counts: Int32Array, n: number): void {
  let numeric = 0;
  let shift = NaN;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let id = 0; id < n; id++) {
    const x = numberOf[id] as number;
    // KINDS[0] and KINDS[1]: integer and number.
    if (((facts[id] as number) & KIND_MASK) >= 2 || !Number.isFinite(x)) continue;
    const c = counts[id] as number;
    if (numeric === 0) shift = x;
    numeric += c;
    sum += c * (x - shift);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  moments[0] = numeric;
  if (numeric === 0) return;
  moments[1] = shift + sum / numeric;
  moments[3] = min;
  moments[4] = max;
}

/** {@link foldNumbers}' second pass: the squared deviations of `numeric` values from `mean`, corrected. */
function squaredDeviations(
  facts: Int32Array,
  numberOf: Float64Array,
  counts: Int32Array,
  n: number,
  mean: number,
  numeric: number,
): number {
  let m2 = 0;
  let residual = 0;
  for (let id = 0; id < n; id++) {
    const x = numberOf[id] as number;
    if (((facts[id] as number) & KIND_MASK) >= 2 || !Number.isFinite(x)) continue;
    const c = counts[id] as number;
    const d = x - mean;
    m2 += c * d * d;
    residual += c * d;
  }
  return m2 - (residual * residual) / numeric;
}

/**
 * The ids among `0..n-1` of the `k` most frequent values with a text (any value, for `text` null), most
 * frequent first, ties in order of first appearance (id). Selects by a count threshold instead of sorting
 * every distinct value: a column can hold 100,000 of them. In one pass every value this would choose has its
 * text: one seen twice always does; one seen once is chosen only when fewer than `k` values were seen twice,
 * and then it is among the first `2k - 1` distinct values, whose text is kept (`keptFirst`). Only a merge of
 * parts can count a value without its text ({@link ColumnProfile.topValues}); it is passed over.
 */
function topIds(
  counts: Int32Array | Float64Array,
  text: ((id: number) => string | undefined) | null,
  n: number,
  k: number,
  scratch?: Scratch,
): number[] {
  if (n <= 0 || k <= 0) return [];
  const withText = text === null ? n : countWithText(text, n);
  let threshold = 0;
  if (withText > k) {
    // A histogram of the counts, not a sort: a sort of the 100,000 counts of a column at its cap took 8 ms,
    // five times over when the bench's near-unique columns reach it.
    const kept = scratch ? scratch.ints(3, withText) : new Int32Array(withText);
    if (text === null) kept.set(counts.subarray(0, n));
    else keepCountsWithText(counts, text, n, kept);
    threshold = kthLargest(kept, 0, k);
  }
  const chosen =
    text === null ? countsAbove(counts, n, threshold, k) : countsAboveWithText(counts, text, n, threshold, k);
  return chosen.sort((x, y) => (counts[y] as number) - (counts[x] as number) || x - y).slice(0, k);
}

/** How many of ids `0..n-1` have a text. */
function countWithText(text: (id: number) => string | undefined, n: number): number {
  let withText = 0;
  for (let id = 0; id < n; id++) if (text(id) !== undefined) withText++;
  return withText;
}

/** The counts of the ids with a text, in order, into `kept`. */
function keepCountsWithText(
  counts: Int32Array | Float64Array,
  text: (id: number) => string | undefined,
  n: number,
  kept: Int32Array,
): void {
  for (let id = 0, j = 0; id < n; id++) if (text(id) !== undefined) kept[j++] = counts[id] as number;
}

/** The ids counted more than `threshold` times, then the first `k` counted exactly so often. */
function countsAbove(counts: Int32Array | Float64Array, n: number, threshold: number, k: number): number[] {
  const above: number[] = [];
  const at: number[] = [];
  for (let id = 0; id < n; id++) {
    const c = counts[id] as number;
    if (c > threshold) above.push(id);
    else if (c === threshold && at.length < k) at.push(id);
  }
  return above.concat(at);
}

/** {@link countsAbove} among the ids with a text. */
function countsAboveWithText(
  counts: Int32Array | Float64Array,
  text: (id: number) => string | undefined,
  n: number,
  threshold: number,
  k: number,
): number[] {
  const above: number[] = [];
  const at: number[] = [];
  for (let id = 0; id < n; id++) {
    if (text(id) === undefined) continue;
    const c = counts[id] as number;
    if (c > threshold) above.push(id);
    else if (c === threshold && at.length < k) at.push(id);
  }
  return above.concat(at);
}

/** Int32 arrays reused from one call to the next (one thread: each isolate has its own module state). */
class Scratch {
  private readonly arrays: Int32Array<ArrayBuffer>[] = [];

  /** Array `which`'s first `n` numbers, zeroed. */
  ints(which: number, n: number): Int32Array<ArrayBuffer> {
    let a = this.arrays[which];
    if (a === undefined || a.length < n) {
      a = new Int32Array(Math.max(n, 2 * (a?.length ?? 0)));
      this.arrays[which] = a;
    }
    const view = a.subarray(0, n);
    view.fill(0);
    return view;
  }
}

const overflowScratch = new Scratch();
const NO_INTS = new Int32Array(0);
const NO_TEXTS: string[] = [];
const NO_NUMBERS = new Float64Array(0);

/**
 * Adds `nb` numbers of mean `mean`, squared deviations `m2` and range `min`..`max` to `t`: Chan, Golub and
 * LeVeque's pairwise update of Welford's state. It rounds in other places than one pass over the rows, so the
 * mean and the standard deviation agree with one pass's to about 1e-12 of the values' magnitude, not to the
 * bit (exactly where one side holds no numbers, as with a single part). Values near 1e9 with a spread of 30
 * lose about 1e-9 of the spread this way, as one pass does against the exact sum.
 */
function combineMoments(
  t: ColumnTotals,
  nb: number,
  mean: number,
  m2: number,
  min: number,
  max: number,
): void {
  if (nb === 0) return;
  const na = t.numericCount;
  if (na === 0) {
    t.mean = mean;
    t.m2 = m2;
  } else {
    const n = na + nb;
    const delta = mean - t.mean;
    t.mean += delta * (nb / n);
    t.m2 += m2 + delta * delta * ((na * nb) / n);
  }
  t.numericCount = na + nb;
  if (min < t.min) t.min = min;
  if (max > t.max) t.max = max;
}

/** The profile of a column from its totals and its distinct and top values. */
function columnProfile(
  t: ColumnTotals,
  name: string,
  index: number,
  rows: number,
  distinct: number,
  exact: boolean,
  topValues: { value: string; count: number }[],
): ColumnProfile {
  const nonMissing = rows - t.missing;
  const tc: TypeCounts = { integer: 0, number: 0, boolean: 0, date: 0, text: 0 };
  KINDS.forEach((kind, k) => (tc[kind] = t.kindCounts[k]!));
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
  else if (allDistinct && t.withSpace <= 0.05 * nonMissing && t.totalLength / nonMissing <= 64) {
    // Nearly all distinct, short and without spaces: codes, keys, e-mail addresses, not prose.
    type = 'identifier';
  } else if (distinct <= Math.max(CATEGORY_MAX, Math.min(1000, 0.05 * nonMissing))) type = 'category';
  else type = 'text';
  const p: ColumnProfile = {
    name,
    index,
    type,
    missing: t.missing,
    distinct,
    distinctExact: exact,
    topValues,
    mixedTypes,
    constant: rows > 0 && distinct + (t.missing > 0 ? 1 : 0) <= 1,
    identifierLike: type === 'identifier',
    typeCounts: { ...tc },
  };
  if (
    (type === 'integer' || type === 'number' || type === 'identifier') &&
    t.numericCount > 0 &&
    dominant === 'numeric'
  ) {
    const n = t.numericCount;
    p.numeric = {
      min: t.min,
      max: t.max,
      mean: t.mean,
      std: n > 1 ? Math.sqrt(t.m2 / (n - 1)) : 0,
    };
  }
  return p;
}

/**
 * What {@link TableProfiler.addRows} gives per row and column: the value's id ({@link MISSING},
 * {@link ESTIMATED} or its number in order of first appearance) and its hash lanes where it is not missing.
 */
export interface RowFacts {
  ids: Int32Array;
  laneA: Int32Array;
  laneB: Int32Array;
}

/**
 * Profiles the columns of one table, a row or a batch of rows at a time.
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
  /**
   * 1 at the first UTF-16 unit (below 128) of each token: a short value whose first unit is not one of them
   * (`30`, `Male`) is not looked up, which would hash a new string per cell.
   */
  private readonly tokenStarts = new Uint8Array(128);
  /** Values longer than every token are not looked up (most values). */
  private readonly longestToken: number;
  private readonly topN: number;
  private readonly cap: number;
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
  private readonly lastFacts: RowFacts;
  private readonly one: DataRow[] = [];

  constructor(
    private readonly header: TableHeader,
    options: ProfileOptions = {},
  ) {
    const budget = tableBudget(header.columns.length);
    const cap = options.distinctCap ?? budget.cap;
    this.cap = cap;
    this.topN = options.topValues ?? 10;
    // Naming the top `topN` values takes the texts of the first `2 * topN - 1` (see `topIds`): a column of
    // wide, short tables holds thousands of distinct values each, and their texts were most of its memory.
    const keptFirst = options.allTexts ? Infinity : 2 * this.topN;
    const columnBudget = { ...budget, cap };
    const kinds = new Float64Array(KINDS.length * header.columns.length);
    const slabs = straightToLast(cap) ? { tables: new Slab(SLAB_CHUNK), facts: new Slab(SLAB_CHUNK) } : null;
    const comma = decimalCommaIn(header);
    this.columns = header.columns.map(
      (_, i) => new ColumnState(columnBudget, keptFirst, kinds, KINDS.length * i, slabs, comma),
    );
    this.owned = ownedColumns(header, options);
    this.ownedMask = new Uint8Array(header.columns.length);
    for (const i of this.owned) this.ownedMask[i] = 1;
    this.lastIds = new Int32Array(header.columns.length).fill(ESTIMATED);
    this.lastHashA = new Int32Array(header.columns.length);
    this.lastHashB = new Int32Array(header.columns.length);
    this.lastFacts = { ids: this.lastIds, laneA: this.lastHashA, laneB: this.lastHashB };
    this.tokens = new Set([...DEFAULT_MISSING_TOKENS, ...(options.missingTokens ?? [])]);
    this.longestToken = Math.max(...[...this.tokens].map((t) => t.length));
    for (const t of this.tokens) {
      const c = t.charCodeAt(0);
      if (c < 128) this.tokenStarts[c] = 1;
    }
  }

  add(row: DataRow): void {
    this.one[0] = row;
    this.addRows(this.one, 1, this.lastFacts);
  }

  /**
   * Adds the first `count` of `rows` a column at a time: a column's table and sketches stay in the cache
   * through the batch, where a row at a time touches every column's in turn (2,000 columns: every update a
   * cache miss, and the profiler about half as fast). Row `k`'s ids and hash lanes go to `out` at
   * `k * width + i` for column `i` of the `width` in the header, as {@link lastIds}, {@link lastHashA} and
   * {@link lastHashB} give them for one row; columns not profiled here are not written.
   */
  addRows(rows: readonly DataRow[], count: number, out: RowFacts): void {
    this.rows += count;
    const width = this.lastIds.length;
    const { ids, laneA, laneB } = out;
    const cols = this.columns;
    const tokens = this.tokens;
    const longest = this.longestToken;
    const starts = this.tokenStarts;
    const owned = this.owned;
    for (let j = 0; j < owned.length; j++) {
      const i = owned[j] as number;
      const col = cols[i] as ColumnState;
      let total = 0;
      for (let k = 0, at = i; k < count; k++, at += width) {
        const v = (rows[k] as DataRow).values[i];
        let c: number;
        if (
          v === undefined ||
          (v.length <= longest &&
            (v.length === 0 || (c = v.charCodeAt(0)) >= 128 || starts[c] === 1) &&
            tokens.has(v))
        ) {
          col.missing++;
          ids[at] = MISSING;
        } else {
          total += v.length;
          hashString(v);
          laneA[at] = hashOut[0] as number;
          laneB[at] = hashOut[1] as number;
          ids[at] = 0;
        }
      }
      col.totalLength += total;
      col.addHashedCells(rows, i, count, width, ids, laneA, laneB);
    }
  }

  /** True when column `i` is profiled here (its {@link lastIds} and hashes are set). */
  profiles(i: number): boolean {
    return this.ownedMask[i] === 1;
  }

  /** The profiles of the columns profiled, in column order. */
  finish(): ColumnProfile[] {
    return this.owned.map((i) =>
      (this.columns[i] as ColumnState).profile(columnName(this.header, i), i, this.rows, this.topN),
    );
  }

  /**
   * The counters of the rows added, for a {@link ProfilerMerge} of a scan split by rows. Copies what it
   * returns (one copy of each column's distinct values), so the profiler stays usable.
   */
  finishPart(): ProfilerPart {
    return {
      rows: this.rows,
      distinctCap: this.cap,
      columns: this.owned.map((i) => (this.columns[i] as ColumnState).part(i)),
    };
  }
}

function ownedColumns(header: TableHeader, options: ProfileOptions): number[] {
  const all = header.columns.map((_, i) => i);
  return options.columns ? all.filter((i) => options.columns!.includes(i)) : all;
}

function columnName(header: TableHeader, i: number): string {
  return header.columns[i]?.name ?? `column_${i + 1}`;
}

/**
 * Joins the {@link ProfilerPart}s of consecutive row ranges, added in file order, into the profiles one
 * {@link TableProfiler} fed every row in order gives. Each part is folded in as it is added and not kept.
 *
 * Exact: rows, missing, type counts and everything decided from them, distinct values while the merged count
 * stays within the cap (a value's id is its first appearance: part 1's ids, then each later part's new values
 * in its id order, so counts and ties are one pass's), min and max. Past the cap, the HyperLogLog is one pass's
 * too: its registers hold the largest rank per register, which does not depend on the order of the values.
 *
 * Close: the mean and standard deviation combine the parts' Welford states by Chan et al.'s pairwise update,
 * which rounds in other places than one pass does: they agree to about 1e-12 of the values' magnitude (so to
 * 1e-12 relative unless the spread is tiny beside the values, where both lose as many digits).
 *
 * Approximate: unless the parts were profiled with {@link ProfileOptions.allTexts}, a top value whose text no
 * part kept is passed over (see {@link ColumnProfile.topValues}); past the cap, the top values come from Space-Saving summaries joined by
 * the mergeable-summaries combine (`mergeCounters`): deterministic, with counts within Space-Saving's bounds,
 * but not the counters one pass, whose evictions depend on the row order, would hold.
 */
export class ProfilerMerge {
  private readonly columns: MergedColumn[];
  private readonly owned: number[];
  private readonly cap: number;
  private readonly topN: number;
  private rows = 0;

  constructor(
    private readonly header: TableHeader,
    options: ProfileOptions = {},
  ) {
    const budget = tableBudget(header.columns.length);
    this.cap = options.distinctCap ?? budget.cap;
    this.owned = ownedColumns(header, options);
    this.columns = this.owned.map(() => new MergedColumn({ ...budget, cap: this.cap }));
    this.topN = options.topValues ?? 10;
  }

  /**
   * Folds in the part of the rows after those added so far. A part of no rows changes nothing and is not
   * checked (a range that held no rows may not have known the header); any other must come from a profiler
   * with the same header, distinct cap and columns (a mistake in the caller, so it throws).
   */
  add(part: ProfilerPart): void {
    for (const c of this.columns) c.lastIds = undefined;
    if (part.rows === 0) return;
    if (part.distinctCap !== this.cap)
      throw new Error(
        `ProfilerMerge: a part counted ${part.distinctCap} distinct values, the merge ${this.cap}`,
      );
    const cols = part.columns;
    if (cols.length !== this.owned.length || cols.some((c, j) => c.index !== this.owned[j]))
      throw new Error(
        `ProfilerMerge: a part profiles columns ${cols.map((c) => c.index).join(',')}, the merge ${this.owned.join(',')}`,
      );
    this.rows += part.rows;
    for (let j = 0; j < cols.length; j++) (this.columns[j] as MergedColumn).add(cols[j] as ColumnPart);
  }

  /**
   * For column `index` of the part last added, the merged id of each of the part's value ids (ids number
   * values by first appearance, in a part and in the merge alike): what a `ColumnMerge` of the same column
   * would find by looking every level's text up. Undefined where the part or the merge no longer counted the
   * column exactly, or the column is not profiled here.
   */
  mergedIds(index: number): Int32Array | undefined {
    const j = this.owned.indexOf(index);
    return j === -1 ? undefined : (this.columns[j] as MergedColumn).lastIds;
  }

  /** The profiles of the columns profiled, in column order. */
  finish(): ColumnProfile[] {
    return this.owned.map((i, j) =>
      (this.columns[j] as MergedColumn).profile(columnName(this.header, i), i, this.rows, this.topN),
    );
  }
}

/**
 * One column of a {@link ProfilerMerge}: the totals, then the values counted exactly by hash (as
 * {@link ColumnState} does, without what each value is: the totals already hold that), or the sketches once
 * the merged values pass the cap.
 */
class MergedColumn implements ColumnTotals {
  missing = 0;
  readonly kindCounts = new Float64Array(KINDS.length);
  withSpace = 0;
  totalLength = 0;
  numericCount = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  /** Distinct values so far; -1 once the sketches took over. */
  private distinctCount = 0;
  /** As {@link ColumnState}'s: value id + 1, lane A, lane B per slot. */
  private slots = new Int32Array(3 * 256);
  private slotCount = 256;
  /** Per value id: occurrences (a sum of parts, so not bounded by one part's Int32Array), text where known. */
  private counts = new Float64Array(64);
  private texts: (string | undefined)[] = [];
  private readonly textById = (id: number): string | undefined => this.texts[id];
  private hll: HyperLogLog | undefined;
  private top: SpaceSavingCounters | undefined;
  /** See {@link ProfilerMerge.mergedIds}. */
  lastIds: Int32Array | undefined;

  private readonly cap: number;
  /**
   * The texts of the first this-many distinct values are kept, and of every value seen twice: enough to name
   * the `counters` most frequent values (see {@link topIds}) the Space-Saving summary is seeded with.
   */
  private readonly keptFirst: number;

  constructor(private readonly budget: ColumnBudget) {
    this.cap = budget.cap;
    this.keptFirst = 2 * budget.counters;
  }

  add(part: ColumnPart): void {
    this.lastIds = undefined;
    this.missing += part.missing;
    for (let k = 0; k < KINDS.length; k++) this.kindCounts[k]! += part.kindCounts[k] as number;
    this.withSpace += part.withSpace;
    this.totalLength += part.totalLength;
    this.addMoments(part);
    if (part.values.phase === 'exact') this.addExact(part.values);
    else this.addEstimated(part.values);
  }

  private addMoments(p: ColumnPart): void {
    combineMoments(this, p.numericCount, p.mean, p.m2, p.min, p.max);
  }

  private addExact(v: ExactValues): void {
    const n = v.counts.length;
    let j = 0;
    if (this.distinctCount >= 0) {
      // Room for every value of the part at once, rather than doubling the tables on the way.
      const room = Math.min(this.cap, this.distinctCount + n);
      while (room * 2 > this.slotCount) {
        this.slots = growSlots(this.slots, this.slotCount);
        this.slotCount *= 2;
      }
      if (room > this.counts.length) {
        let size = this.counts.length;
        while (size < room) size *= 2;
        const grown = new Float64Array(size);
        grown.set(this.counts);
        this.counts = grown;
      }
      const ids = new Int32Array(n);
      for (; j < n; j++) {
        const a = v.laneA[j] as number;
        const b = v.laneB[j] as number;
        const slots = this.slots;
        const mask = this.slotCount - 1;
        let i = a & mask;
        let id = -1;
        for (;;) {
          const s = slots[3 * i] as number;
          if (s === 0) break;
          if (slots[3 * i + 1] === a && slots[3 * i + 2] === b) {
            id = s - 1;
            break;
          }
          i = (i + 1) & mask;
        }
        if (id !== -1) {
          ids[j] = id;
          const c = (this.counts[id] as number) + (v.counts[j] as number);
          this.counts[id] = c;
          // One pass keeps a text from a value's second occurrence on; the parts kept every text.
          if (this.texts[id] === undefined && (c >= 2 || id < this.keptFirst)) this.texts[id] = textOf(v, j);
          continue;
        }
        // The value one pass would have met past the cap: the rest of this part goes to the sketches.
        if (this.distinctCount === this.cap) break;
        id = this.distinctCount++;
        ids[j] = id;
        slots[3 * i] = id + 1;
        slots[3 * i + 1] = a;
        slots[3 * i + 2] = b;
        this.counts[id] = v.counts[j] as number;
        this.texts.push(id < this.keptFirst || (v.counts[j] as number) >= 2 ? textOf(v, j) : undefined);
      }
      if (j === n) {
        this.lastIds = ids;
        return;
      }
      this.overflow();
    }
    const hll = this.hll as HyperLogLog;
    for (let i = j; i < n; i++) hll.addHash(v.laneA[i] as number, v.laneB[i] as number);
    // Exact counts of the values from j on: a complete summary, so a value absent from it counts 0 there. Only
    // its largest counts can survive the merge into `counters` counters, so only they are passed.
    const counters = this.budget.counters;
    this.top = mergeCounters(counters, this.top as SpaceSavingCounters, largestOf(v, j, counters));
  }

  private addEstimated(v: EstimatedValues): void {
    if (this.distinctCount >= 0) this.overflow();
    (this.hll as HyperLogLog).merge(new HyperLogLog(v.registers));
    this.top = mergeCounters(this.budget.counters, this.top as SpaceSavingCounters, v.top);
  }

  /**
   * Switches to sketches as {@link ColumnState} does: the HyperLogLog of every value so far, Space-Saving
   * seeded with the most frequent values (exact counts, no error). A value not seeded counts at most the
   * largest count left out, which becomes the seed's `absent` bound.
   */
  private overflow(): void {
    const hll = new HyperLogLog(undefined, this.budget.precision);
    for (let i = 0; i < this.slotCount; i++) {
      if (this.slots[3 * i] !== 0)
        hll.addHash(this.slots[3 * i + 1] as number, this.slots[3 * i + 2] as number);
    }
    const n = this.distinctCount;
    const ids = topIds(this.counts, this.textById, n, this.budget.counters);
    const seeded = new Uint8Array(n);
    const top: SpaceSavingCounters = {
      values: [],
      laneA: new Int32Array(ids.length),
      laneB: new Int32Array(ids.length),
      counts: new Float64Array(ids.length),
      errors: new Float64Array(ids.length),
      absent: 0,
    };
    ids.forEach((id, k) => {
      const text = this.texts[id] as string;
      hashString(text);
      top.values.push(text);
      top.laneA[k] = hashOut[0] as number;
      top.laneB[k] = hashOut[1] as number;
      top.counts[k] = this.counts[id] as number;
      seeded[id] = 1;
    });
    for (let id = 0; id < n; id++) {
      if (seeded[id] === 0 && (this.counts[id] as number) > top.absent)
        top.absent = this.counts[id] as number;
    }
    this.hll = hll;
    this.top = top;
    this.distinctCount = -1;
    this.slots = new Int32Array(0);
    this.slotCount = 0;
    this.counts = new Float64Array(0);
    this.texts = [];
  }

  profile(name: string, index: number, rows: number, topN: number): ColumnProfile {
    const exact = this.distinctCount >= 0;
    let distinct: number;
    let topValues: { value: string; count: number }[];
    if (exact) {
      distinct = this.distinctCount;
      topValues = topIds(this.counts, this.textById, this.distinctCount, topN).map((id) => ({
        value: this.texts[id] as string,
        count: this.counts[id] as number,
      }));
    } else {
      distinct = estimated(this.hll as HyperLogLog, this.cap, rows - this.missing);
      // As ColumnState.profile, most frequent first, ties by value.
      const t = this.top as SpaceSavingCounters;
      const floor = shownFloor(t.absent);
      const shown: { value: string; count: number }[] = [];
      for (let i = 0; i < t.values.length; i++) {
        const value = t.values[i];
        const count = t.counts[i] as number;
        if (value !== undefined && count - (t.errors[i] as number) >= floor) shown.push({ value, count });
      }
      topValues = shown
        .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
        .slice(0, topN);
    }
    return columnProfile(this, name, index, rows, distinct, exact, topValues);
  }
}
