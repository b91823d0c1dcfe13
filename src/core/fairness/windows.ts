/**
 * The fairness analyses' view of a dataset: every column and the label read in windows of rows, whether
 * they are in memory or spilled to disk (see `data/encoded.ts`). Dataset bias, proxies and leakage are all
 * counts in small tables (group × outcome, column × column, value × outcome), so a pass over the windows
 * gives them with one window and the tables in memory. The two things that need values in order, quantile
 * bin edges and the Mann-Whitney AUC of a numeric column, come from each class's values sorted in runs of at
 * most a million (spilled, then merged) or, for a dictionary-coded column, from its level counts.
 *
 * Hand-written: no maintained JavaScript library sorts typed arrays out of core or counts contingency
 * tables over a windowed source; each piece is small and checked against the in-memory definitions.
 */
import {
  NAN_MANTISSA,
  WINDOW_ROWS,
  codeWindows,
  divisorOf,
  numberWindows,
  type CodeArray,
  type CodeWindows,
  type EncodedColumn,
  type NumberWindows,
  type ScaledColumn,
} from '../data/encoded';
import type { SpillDir, SpillFile } from '../data/spill';

/** The label (or a prediction) as 1 positive, 0 negative, -1 missing, window by window. */
export interface OutcomeWindows {
  readonly length: number;
  window(from: number, to: number): Int8Array;
}

/** An outcome held in memory, as windows (views, no copy). */
export function outcomeWindows(y: Int8Array): OutcomeWindows {
  return { length: y.length, window: (from, to) => y.subarray(from, to) };
}

/** An outcome mapped from a coded label column, `outcome[code]` a level (missing cells are -1). */
export function mappedOutcome(label: CodeWindows, outcome: ArrayLike<number>): OutcomeWindows {
  let out = new Int8Array(0);
  return {
    length: label.length,
    window(from, to) {
      const codes = label.window(from, to);
      if (out.length < codes.length) out = new Int8Array(Math.max(codes.length, WINDOW_ROWS));
      const w = out.subarray(0, codes.length);
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i]!;
        w[i] = c < 0 ? -1 : (outcome[c] ?? -1);
      }
      return w;
    },
  };
}

/**
 * A column as the fairness analyses read it: categories, or numbers, either stored as numbers or as
 * dictionary codes whose levels parse as numbers (`numbers[code]`, NaN for a level that does not).
 */
export type FairColumn =
  | { kind: 'categorical'; codes: CodeWindows }
  | { kind: 'numeric'; length: number; values: NumberWindows; scaled?: ScaledColumn }
  | { kind: 'numeric'; length: number; coded: CodeWindows; numbers: Float64Array };

/** An in-memory column as a {@link FairColumn}. */
export function fairColumn(c: EncodedColumn): FairColumn {
  return c.kind === 'categorical'
    ? { kind: 'categorical', codes: codeWindows(c) }
    : { kind: 'numeric', length: c.values.length, values: numberWindows(c) };
}

export function rowsOf(c: FairColumn): number {
  return c.kind === 'categorical' ? c.codes.length : c.length;
}

/** Calls `visit` for each window of rows `0..rows` with its bounds, `step` rows at a time. */
export function eachRange(
  rows: number,
  visit: (from: number, to: number) => void,
  step: number = WINDOW_ROWS,
): void {
  for (let from = 0; from < rows; from += step) visit(from, Math.min(rows, from + step));
}

// ---------------------------------------------------------------------------------------------------------
// Values in order: sorted runs and their merge.

/** A cursor over ascending values. */
interface Cursor {
  done: boolean;
  head: number;
  advance(): void;
}

class ArrayCursor implements Cursor {
  done: boolean;
  head: number;
  private i = 0;
  constructor(private readonly a: Float64Array) {
    this.done = a.length === 0;
    this.head = a[0] ?? 0;
  }
  advance(): void {
    if (++this.i >= this.a.length) this.done = true;
    else this.head = this.a[this.i]!;
  }
}

/** A sorted run in a spill file, read a block at a time. */
class RunCursor implements Cursor {
  done = false;
  head = 0;
  private block: Float64Array = new Float64Array(0);
  private i = 0;
  private read = 0;
  private readonly bytes = new Uint8Array(RUN_BLOCK * 8);
  constructor(
    private readonly file: SpillFile,
    private readonly offset: number,
    private readonly rows: number,
  ) {
    this.fill();
  }
  private fill(): void {
    const n = Math.min(RUN_BLOCK, this.rows - this.read);
    if (n <= 0) {
      this.done = true;
      return;
    }
    const raw = this.file.readRange(this.offset + this.read * 8, n * 8, this.bytes);
    this.block = new Float64Array(raw.buffer, raw.byteOffset, n);
    this.read += n;
    this.i = 0;
    this.head = this.block[0]!;
  }
  advance(): void {
    if (++this.i < this.block.length) this.head = this.block[this.i]!;
    else this.fill();
  }
}

/** The ascending merge of several cursors (a handful: a run per million values). */
class MergeCursor implements Cursor {
  done = false;
  head = 0;
  private at = -1;
  constructor(private readonly parts: Cursor[]) {
    this.pick();
  }
  private pick(): void {
    let best = -1;
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i]!;
      if (!p.done && (best < 0 || p.head < this.parts[best]!.head)) best = i;
    }
    this.at = best;
    this.done = best < 0;
    if (best >= 0) this.head = this.parts[best]!.head;
  }
  advance(): void {
    this.parts[this.at]!.advance();
    this.pick();
  }
}

/** Values read back from a run file at a time. */
const RUN_BLOCK = 1 << 13;

/** Values sorted in memory at a time before a run goes to disk: 8 MB. */
export const RUN_ROWS = 1 << 20;

/**
 * Below this many values the built-in sort is as fast or faster: each radix pass clears and sums 65,536
 * counters, and the radix loops' first calls run before they are compiled (46,000 values: 3.6 ms built in,
 * 2.7 ms by radix once warm, 9 to 14 ms on its first call).
 */
const RADIX_MIN = 1 << 17;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Where a double's low and high 32 bits are in a Uint32Array over its bytes. */
export const LOW = LITTLE_ENDIAN ? 0 : 1;
export const HIGH = 1 - LOW;

/**
 * Sorts `a` ascending in place and returns it, exactly as `a.sort()` does (`-0` before `0`), for values
 * that are not NaN (with a NaN it is `a.sort()`). An LSD radix sort in four 16-bit digits of the values'
 * bits, mapped so that unsigned order is numeric order (a negative number's bits inverted, the others' sign
 * bit set), digits the same for every value skipped: V8's sort of 500,000 numbers took twice as long (48
 * against 22 ms), and every numeric column is sorted once per class of the label for quantiles and the
 * Mann-Whitney AUC. Uses one array of `a`'s size besides. `radixFrom`: the size from which the radix sort
 * is used (tests).
 */
export function sortNumbers(a: Float64Array, radixFrom = RADIX_MIN): Float64Array {
  const n = a.length;
  if (n < radixFrom) return a.sort();
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) return a.sort();
  let src: Uint32Array = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const bits = src;
  for (let i = 0; i < 2 * n; i += 2) {
    const h = src[i + HIGH]!;
    if (h >>> 31 === 1) {
      src[i + HIGH] = ~h;
      src[i + LOW] = ~src[i + LOW]!;
    } else src[i + HIGH] = h | 0x80000000;
  }
  let dst: Uint32Array = new Uint32Array(2 * n);
  const count = new Uint32Array(1 << 16);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? LOW : HIGH;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = word; i < 2 * n; i += 2) count[(src[i]! >>> shift) & 0xffff]!++;
    if (count[(src[word]! >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < count.length; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < 2 * n; i += 2) {
      const to = 2 * count[(src[i + word]! >>> shift) & 0xffff]!++;
      dst[to] = src[i]!;
      dst[to + 1] = src[i + 1]!;
    }
    [src, dst] = [dst, src];
  }
  if (src !== bits) bits.set(src);
  for (let i = 0; i < 2 * n; i += 2) {
    const h = bits[i + HIGH]!;
    if (h >>> 31 === 1) bits[i + HIGH] = h & 0x7fffffff;
    else {
      bits[i + HIGH] = ~h;
      bits[i + LOW] = ~bits[i + LOW]!;
    }
  }
  return a;
}

/**
 * Values collected in any order and read back ascending: in memory while they fit in a run (or when no
 * spill is given or no file can be made), else as sorted runs in a spill file, merged.
 */
class SortedValues {
  private buf: Float64Array;
  private n = 0;
  private file: SpillFile | undefined;
  private readonly runs: { offset: number; rows: number }[] = [];

  constructor(
    private spill: SpillDir | undefined,
    private readonly runRows: number,
  ) {
    this.buf = new Float64Array(Math.max(16, Math.min(1024, runRows)));
  }

  push(v: number): void {
    if (this.n === this.buf.length) this.full();
    this.buf[this.n++] = v;
  }

  private full(): void {
    if (this.spill && this.n >= this.runRows) {
      this.file ??= this.spill.file();
      if (this.file) {
        const run = sortNumbers(this.buf.subarray(0, this.n));
        this.runs.push({ offset: this.file.size, rows: this.n });
        this.file.append(run);
        this.n = 0;
        return;
      }
      this.spill = undefined; // no room on disk: sort in memory
    }
    const next = new Float64Array(Math.max(16, Math.ceil(this.buf.length * 1.5)));
    next.set(this.buf);
    this.buf = next;
  }

  cursor(): Cursor {
    const rest = new ArrayCursor(sortNumbers(this.buf.subarray(0, this.n)));
    if (this.runs.length === 0) return rest;
    const file = this.file as SpillFile;
    return new MergeCursor([...this.runs.map((r) => new RunCursor(file, r.offset, r.rows)), rest]);
  }

  close(): void {
    this.file?.close();
    this.file = undefined;
    this.buf = new Float64Array(0);
  }
}

/**
 * Each distinct non-NaN value of a numeric column in ascending order (`-0` and `0` one value, as `===`
 * has it), with its rows among positive, negative and unlabelled (or, without an outcome, all) rows.
 */
export interface ValueBlocks {
  /** Non-NaN values in all. */
  n: number;
  walk(visit: (value: number, positives: number, negatives: number, others: number) => void): void;
  /** Frees what the walk needed (run files). */
  close(): void;
}

/** The {@link ValueBlocks} of `column` against `y` (or none). */
export function valueBlocks(
  column: Extract<FairColumn, { kind: 'numeric' }>,
  y: OutcomeWindows | undefined,
  spill?: SpillDir,
  runRows = RUN_ROWS,
): ValueBlocks {
  if ('coded' in column) return codedBlocks(column.coded, column.numbers, y);
  const sorted = [0, 1, 2].map(() => new SortedValues(spill, runRows));
  const [neg, pos, other] = sorted as [SortedValues, SortedValues, SortedValues];
  let n = 0;
  eachRange(column.length, (from, to) => {
    const v = column.values.window(from, to);
    const l = y?.window(from, to);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x !== x) continue;
      n++;
      const c = l ? l[i]! : -1;
      (c === 1 ? pos : c === 0 ? neg : other).push(x);
    }
  });
  return {
    n,
    walk(visit) {
      const p = pos.cursor();
      const q = neg.cursor();
      const o = other.cursor();
      while (!p.done || !q.done || !o.done) {
        let v = p.done ? (q.done ? o.head : q.head) : p.head;
        if (!q.done && q.head < v) v = q.head;
        if (!o.done && o.head < v) v = o.head;
        let bp = 0;
        let bn = 0;
        let bo = 0;
        for (; !p.done && p.head === v; p.advance()) bp++;
        for (; !q.done && q.head === v; q.advance()) bn++;
        for (; !o.done && o.head === v; o.advance()) bo++;
        visit(v, bp, bn, bo);
      }
    },
    close() {
      for (const s of sorted) s.close();
    },
  };
}

function codedBlocks(codes: CodeWindows, numbers: Float64Array, y: OutcomeWindows | undefined): ValueBlocks {
  const levels = numbers.length;
  const counts = new Float64Array(3 * levels);
  eachRange(codes.length, (from, to) => {
    const c = codes.window(from, to);
    const l = y?.window(from, to);
    for (let i = 0; i < c.length; i++) {
      const code = c[i]!;
      if (code < 0) continue;
      const cls = l ? l[i]! : -1;
      counts[3 * code + (cls === 1 ? 0 : cls === 0 ? 1 : 2)]!++;
    }
  });
  const order: number[] = [];
  for (let k = 0; k < levels; k++) if (!Number.isNaN(numbers[k]!)) order.push(k);
  order.sort((a, b) => numbers[a]! - numbers[b]!);
  let n = 0;
  for (const k of order) n += counts[3 * k]! + counts[3 * k + 1]! + counts[3 * k + 2]!;
  return {
    n,
    walk(visit) {
      for (let i = 0; i < order.length;) {
        const v = numbers[order[i]!]!;
        let bp = 0;
        let bn = 0;
        let bo = 0;
        // Levels that parse to the same number ("30", "30.0") are one value, as they were as numbers.
        for (; i < order.length && numbers[order[i]!] === v; i++) {
          const k = order[i]!;
          bp += counts[3 * k]!;
          bn += counts[3 * k + 1]!;
          bo += counts[3 * k + 2]!;
        }
        if (bp + bn + bo > 0) visit(v, bp, bn, bo);
      }
    },
    close() {},
  };
}

/**
 * One walk over `blocks`: the values at the given 0-based ranks of the ascending non-NaN values, and with
 * `auc` the Mann-Whitney AUC of the values as a score for the outcome, ties counted half, folded so that
 * 0.5 is no signal and 1 perfect (null without both classes). The AUC sums the same terms in the same order
 * as a walk over all labelled rows sorted by value.
 */
export function walkBlocks(
  blocks: ValueBlocks,
  ranks: readonly number[],
  auc: boolean,
): { at: Map<number, number>; auc: number | null } {
  const wanted = [...new Set(ranks)].sort((a, b) => a - b);
  const at = new Map<number, number>();
  let next = 0;
  let seen = 0;
  let pos = 0;
  let neg = 0;
  let num = 0;
  blocks.walk((v, bp, bn, bo) => {
    seen += bp + bn + bo;
    while (next < wanted.length && wanted[next]! < seen) at.set(wanted[next++]!, v);
    if (bp === 0 && bn === 0) return;
    num += bp * neg + 0.5 * bp * bn;
    pos += bp;
    neg += bn;
  });
  if (!auc || pos === 0 || neg === 0) return { at, auc: null };
  const a = num / (pos * neg);
  return { at, auc: Math.max(a, 1 - a) };
}

// ---------------------------------------------------------------------------------------------------------
// Codes per window and count tables.

/**
 * A column's codes as an analysis counts them: codes 0..slots-1, -1 missing. `window` gives the codes of
 * rows `from..to` (valid until the next call).
 */
export interface CodeView {
  readonly slots: number;
  window(from: number, to: number): CodeArray;
}

/**
 * A {@link CodeView} whose codes are groups a report names (`levels[code]`). Quantile bins are counted
 * without names: a table of 10,000 numeric columns held 13 MB of interval labels that no report showed.
 */
export interface GroupView extends CodeView {
  readonly levels: readonly string[];
}

/** A categorical column's own codes. */
export function ownCodes(codes: CodeWindows): GroupView {
  return {
    levels: codes.levels,
    slots: codes.levels.length,
    window: (from, to) => codes.window(from, to),
  };
}

/** The narrowest code array for codes below `slots`. */
function codeArrayFor(slots: number): new (n: number) => CodeArray {
  return slots <= 128 ? Int8Array : slots <= 32768 ? Int16Array : Int32Array;
}

/**
 * Codes by a function of each number (`codeOf`: 0..slots-1, or -1 for missing), for a numeric column: per
 * level for a coded one, per value otherwise.
 */
export function numberCodes(
  column: Extract<FairColumn, { kind: 'numeric' }>,
  slots: number,
  codeOf: (v: number) => number,
): CodeView {
  // As long as the longest window asked for, and as narrow as the codes: a pass over thousands of columns
  // holds every view's at once (see `countPass`), and a column shorter than a window needs no more than
  // its rows.
  const Codes = codeArrayFor(slots);
  let out = new Codes(0);
  const scratch = (n: number) => {
    if (out.length < n) out = new Codes(n);
    return out.subarray(0, n);
  };
  if ('coded' in column) {
    const byLevel = Int32Array.from(column.numbers, (v) => (Number.isNaN(v) ? -1 : codeOf(v)));
    return {
      slots,
      window(from, to) {
        const c = column.coded.window(from, to);
        const w = scratch(c.length);
        for (let i = 0; i < c.length; i++) {
          const code = c[i]!;
          w[i] = code < 0 ? -1 : byLevel[code]!;
        }
        return w;
      },
    };
  }
  const scaled = column.scaled;
  if (scaled) {
    // The mantissas themselves: decoding a window of doubles for each of thousands of columns would cost a
    // window's worth of garbage a column a pass.
    const p = divisorOf(scaled);
    return {
      slots,
      window(from, to) {
        const m = scaled.mantissas;
        const w = scratch(to - from);
        for (let i = from; i < to; i++) {
          const x = m[i]!;
          w[i - from] = x === NAN_MANTISSA ? -1 : codeOf(x / p);
        }
        return w;
      },
    };
  }
  return {
    slots,
    window(from, to) {
      const v = column.values.window(from, to);
      const w = scratch(v.length);
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        w[i] = x !== x ? -1 : codeOf(x);
      }
      return w;
    },
  };
}

/**
 * Groups of a numeric column by a label of each value (ten-year age bands), numbered in order of first
 * appearance as a column built row by row numbers them (for a stored-number column, one pass finds it).
 */
export function labelledGroups(
  column: Extract<FairColumn, { kind: 'numeric' }>,
  label: (v: number) => string,
): GroupView {
  const levels: string[] = [];
  const index = new Map<string, number>();
  const codeOf = (v: number) => {
    const l = label(v);
    let code = index.get(l);
    if (code === undefined) {
      code = levels.length;
      index.set(l, code);
      levels.push(l);
    }
    return code;
  };
  // Numbering while reading gives the order of first appearance; the view then only looks the labels up. A
  // coded column needs no pass: its levels are numbered by first appearance, so labelling them in level order
  // (which `numberCodes` does at once) numbers the groups in that order too.
  if ('coded' in column) {
    for (const v of column.numbers) if (!Number.isNaN(v)) codeOf(v);
  } else {
    eachRange(rowsOf(column), (from, to) => {
      const v = column.values.window(from, to);
      for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!)) codeOf(v[i]!);
    });
  }
  const view = numberCodes(column, levels.length, (v) => index.get(label(v))!);
  return { levels, slots: levels.length, window: view.window };
}

/** A table counted over windows: `add` sees each window's codes of its views and the outcome. */
export interface Tally {
  readonly views: readonly CodeView[];
  add(codes: readonly CodeArray[], y: Int8Array | undefined): void;
}

/**
 * Columns the proxies and the leakage check count in one {@link countPass}: each column's view and tallies
 * live until its pass ends. A table of 20,000 columns with a label held 40,000 pair tallies and 20,000 views
 * at once, and the proxies' one pass grew the heap by 70 MB and the array buffers by 32 MB, mostly garbage
 * V8 left until the pass ended: the audit's peak on 60 MB (311 to 315 MB; 297 and 298 a pass at a time). A
 * protected attribute's view is read again in each pass, a window at a time.
 */
export const PASS_COLUMNS = 1024;

/** What the windows of one {@link countPass} hold together at most, four bytes a code. */
const PASS_BYTES = 32 << 20;
/** The fewest rows a {@link countPass} window has, however many views it reads. */
const MIN_PASS_ROWS = 1024;

/**
 * One pass over `rows` in windows: each view's window read once (views shared by several tallies are
 * the same object), then every tally counts it. Every view's window is held at once, so a window has fewer
 * rows the more views there are ({@link PASS_BYTES}): with a label, the proxies and leakage of a table of
 * 2,000 columns read 2,000 views in one pass, whose windows of 65,536 rows took 512 MB.
 */
export function countPass(rows: number, y: OutcomeWindows | undefined, tallies: readonly Tally[]): void {
  const views = [...new Set(tallies.flatMap((t) => t.views))];
  const slot = new Map(views.map((v, i) => [v, i]));
  const index = tallies.map((t) => t.views.map((v) => slot.get(v)!));
  const codes: CodeArray[] = new Array(views.length);
  const step = Math.max(MIN_PASS_ROWS, Math.min(WINDOW_ROWS, Math.floor(PASS_BYTES / (4 * views.length))));
  eachRange(
    rows,
    (from, to) => {
      for (let i = 0; i < views.length; i++) codes[i] = views[i]!.window(from, to);
      const w = y?.window(from, to);
      tallies.forEach((t, k) =>
        t.add(
          index[k]!.map((i) => codes[i]!),
          w,
        ),
      );
    },
    step,
  );
}

/**
 * Rows per (code, outcome) over labelled rows: `counts[2 * slot + y]`, slot `slots` for missing.
 */
export class OutcomeTally implements Tally {
  readonly views: CodeView[];
  readonly counts: Float64Array;
  constructor(view: CodeView) {
    this.views = [view];
    this.counts = new Float64Array(2 * (view.slots + 1));
  }
  add([codes]: readonly CodeArray[], y: Int8Array | undefined): void {
    if (!y) return;
    const counts = this.counts;
    const missing = this.views[0]!.slots;
    for (let i = 0; i < y.length; i++) {
      const l = y[i]!;
      if (l < 0) continue;
      const c = codes![i]!;
      counts[2 * (c < 0 ? missing : c) + l]!++;
    }
  }
}

/**
 * Rows per (code of a, code of b) over labelled rows with both present, by outcome: `counts[2 * (a × nb +
 * b) + y]`; labelled rows missing either are counted in `missing`.
 */
export class PairOutcomeTally implements Tally {
  readonly views: CodeView[];
  readonly counts: Float64Array;
  missing = 0;
  constructor(a: CodeView, b: CodeView) {
    this.views = [a, b];
    this.counts = new Float64Array(2 * a.slots * b.slots);
  }
  add([ca, cb]: readonly CodeArray[], y: Int8Array | undefined): void {
    if (!y) return;
    const nb = this.views[1]!.slots;
    const counts = this.counts;
    for (let i = 0; i < y.length; i++) {
      const l = y[i]!;
      if (l < 0) continue;
      const a = ca![i]!;
      const b = cb![i]!;
      if (a < 0 || b < 0) this.missing++;
      else counts[2 * (a * nb + b) + l]!++;
    }
  }
}

/**
 * The order in which a view's slots (missing last) first appear, over all rows: `order[slot]` is the
 * slot's rank, -1 if it never appears.
 */
export class FirstSeen implements Tally {
  readonly views: CodeView[];
  readonly order: Int32Array;
  seen = 0;
  constructor(view: CodeView) {
    this.views = [view];
    this.order = new Int32Array(view.slots + 1).fill(-1);
  }
  add([codes]: readonly CodeArray[]): void {
    const order = this.order;
    const missing = order.length - 1;
    for (let i = 0; i < codes!.length; i++) {
      const c = codes![i]!;
      const s = c < 0 ? missing : c;
      if (order[s]! < 0) order[s] = this.seen++;
    }
  }
}

/** Rows per (slot of a, slot of b) over all rows, missing as the last slot of each: `(na + 1) × (nb + 1)`. */
export class PairTally implements Tally {
  readonly views: CodeView[];
  readonly counts: Float64Array;
  constructor(a: CodeView, b: CodeView) {
    this.views = [a, b];
    this.counts = new Float64Array((a.slots + 1) * (b.slots + 1));
  }
  add([ca, cb]: readonly CodeArray[]): void {
    const ma = this.views[0]!.slots;
    const mb = this.views[1]!.slots;
    const w = mb + 1;
    const counts = this.counts;
    for (let i = 0; i < ca!.length; i++) {
      const a = ca![i]!;
      const b = cb![i]!;
      counts[(a < 0 ? ma : a) * w + (b < 0 ? mb : b)]!++;
    }
  }
}
