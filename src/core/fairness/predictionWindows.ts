/**
 * The prediction audit over columns read in windows, in memory or spilled (see `windows.ts`): the confusion
 * counts of every group come from one pass; with a score, ROC AUC and calibration come from one sort of the
 * scored rows, each carrying its label and group codes, walked once in ascending score order. Memory: the
 * count tables, a window, and one run of the sort (runs past `runRows` rows go to the scan's encrypted
 * temporary files and are merged).
 *
 * The numbers are those of `auditPredictions` on the same rows to the last bit: each group's counts are
 * integers, and its score sums are made by the same {@link ScoreTally} from the group's rows in ascending
 * score order (rows with equal scores are equal numbers, so their order within a tie does not matter).
 *
 * The sort is written here because no maintained JavaScript library sorts records out of core: an LSD radix
 * sort of each run on the scores' bits (with the rows' positions as payload), then a heap merge of the runs.
 */
import { WINDOW_ROWS } from '../data/encoded';
import type { SpillDir, SpillFile } from '../data/spill';
import {
  auditOfGroups,
  metricsOfCounts,
  ScoreTally,
  type GroupMetrics,
  type PredictionAudit,
  type PredictionAuditOptions,
} from './predictionAudit';
import { HIGH, LOW, eachRange, type FairColumn, type GroupView, type OutcomeWindows } from './windows';

export interface PredictionWindowsInput {
  label: OutcomeWindows;
  prediction: OutcomeWindows;
  /** The model's score: numbers, or dictionary codes whose levels parse as numbers. */
  score?: Extract<FairColumn, { kind: 'numeric' }>;
  /** The attributes to audit by, in report order, each as codes of its groups (levels fixed). */
  groups: readonly { name: string; view: GroupView }[];
}

/** Scored rows sorted in memory at a time before a run goes to disk (with three payload words, 10 MB). */
export const RECORD_RUN_ROWS = 1 << 19;

/** Confusion cells: counts per group are `[n, tp, fp, tn, fn]`. */
const TP = 1;
const FP = 2;
const TN = 3;
const FN = 4;

/** Per-code counts of one attribute, grown as codes appear. */
class GroupCounts {
  counts = new Float64Array(5 * 8);
  add(code: number, cell: number): void {
    if (5 * code + 5 > this.counts.length) {
      const next = new Float64Array(Math.max(5 * code + 5, 2 * this.counts.length));
      next.set(this.counts);
      this.counts = next;
    }
    this.counts[5 * code]!++;
    this.counts[5 * code + cell]!++;
  }
  n(code: number): number {
    return this.counts[5 * code] ?? 0;
  }
  metrics(code: number): GroupMetrics {
    const c = this.counts;
    const at = 5 * code;
    return metricsOfCounts(c[at]!, { tp: c[at + TP]!, fp: c[at + FP]!, tn: c[at + TN]!, fn: c[at + FN]! });
  }
}

/**
 * Audits predictions against labels, overall and per group, as `auditPredictions` does for arrays (without
 * weights: a scan has none). `spill` takes the score sort's runs; without one the sort stays in memory.
 */
export function auditPredictionsOf(
  input: PredictionWindowsInput,
  options: PredictionAuditOptions = {},
  spill?: SpillDir,
  runRows = RECORD_RUN_ROWS,
): PredictionAudit {
  const rows = input.label.length;
  if (input.prediction.length !== rows)
    throw new RangeError(`prediction: expected ${rows} values, got ${input.prediction.length}.`);
  const attrs = input.groups.length;
  const overall = new GroupCounts();
  const counts = input.groups.map(() => new GroupCounts());
  const scoreOf = input.score && numbersOf(input.score);
  const sort = scoreOf ? new RecordSort(1 + attrs, spill, runRows) : undefined;
  const codes: ArrayLike<number>[] = new Array<ArrayLike<number>>(attrs);
  try {
    eachRange(rows, (from, to) => {
      const y = input.label.window(from, to);
      const p = input.prediction.window(from, to);
      for (let a = 0; a < attrs; a++) codes[a] = input.groups[a]!.view.window(from, to);
      const s = scoreOf?.(from, to);
      for (let i = 0; i < y.length; i++) {
        const label = y[i]!;
        const pred = p[i]!;
        if (label < 0 || pred < 0) continue;
        const cell = label === 1 ? (pred === 1 ? TP : FN) : pred === 1 ? FP : TN;
        overall.add(0, cell);
        for (let a = 0; a < attrs; a++) {
          const c = codes[a]![i]!;
          if (c >= 0) counts[a]!.add(c, cell);
        }
        if (s && sort) {
          const v = s[i]!;
          if (v !== v) continue;
          const at = sort.push(v);
          const words = sort.words;
          words[at] = label;
          for (let a = 0; a < attrs; a++) words[at + 1 + a] = codes[a]![i]!;
        }
      }
    });

    const overallMetrics = overall.metrics(0);
    const perAttribute = input.groups.map(
      (g, a) => [g, counts[a]!, Object.create(null) as Record<string, GroupMetrics>] as const,
    );
    if (sort) {
      const bins = options.calibrationBins ?? 10;
      const all = new ScoreTally(bins);
      const tallies = input.groups.map((g) => g.view.levels.map(() => new ScoreTally(bins)));
      // Tallies with rows in the current block of equal scores: only they have a block to close.
      const touched: ScoreTally[] = [];
      const inBlock = tallies.map((t) => new Uint8Array(t.length));
      const touchedCodes: number[][] = tallies.map(() => []);
      let last = NaN;
      sort.walk((s, words, at) => {
        if (s !== last) {
          for (const t of touched) t.endBlock();
          touched.length = 0;
          for (let a = 0; a < attrs; a++) {
            for (const c of touchedCodes[a]!) inBlock[a]![c] = 0;
            touchedCodes[a]!.length = 0;
          }
          all.endBlock();
          last = s;
        }
        const positive = words[at] === 1;
        all.add(s, 1, positive);
        for (let a = 0; a < attrs; a++) {
          const c = words[at + 1 + a]!;
          if (c < 0) continue;
          const t = tallies[a]![c]!;
          t.add(s, 1, positive);
          if (inBlock[a]![c] === 0) {
            inBlock[a]![c] = 1;
            touchedCodes[a]!.push(c);
            touched.push(t);
          }
        }
      });
      all.finish(overallMetrics);
      for (const [a, [g, c, byValue]] of perAttribute.entries()) {
        g.view.levels.forEach((value, code) => {
          if (c.n(code) === 0) return;
          const m = c.metrics(code);
          tallies[a]![code]!.finish(m);
          byValue[value] = m;
        });
      }
    } else {
      for (const [g, c, byValue] of perAttribute) {
        g.view.levels.forEach((value, code) => {
          if (c.n(code) > 0) byValue[value] = c.metrics(code);
        });
      }
    }
    return auditOfGroups(
      overallMetrics,
      perAttribute.map(([g, , byValue]) => [g.name, byValue] as const),
      options,
    );
  } finally {
    sort?.close();
  }
}

/** A numeric column's values window by window (NaN where missing). */
function numbersOf(c: Extract<FairColumn, { kind: 'numeric' }>): (from: number, to: number) => Float64Array {
  if (!('coded' in c)) return (from, to) => c.values.window(from, to);
  let out = new Float64Array(0);
  return (from, to) => {
    const codes = c.coded.window(from, to);
    if (out.length < codes.length) out = new Float64Array(Math.max(codes.length, WINDOW_ROWS));
    const w = out.subarray(0, codes.length);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      w[i] = code < 0 ? NaN : c.numbers[code]!;
    }
    return w;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Records sorted by a number key out of core.

/** Records read back from a run file at a time. */
const RUN_BLOCK = 1 << 13;

/**
 * The order of `keys[0..n)` ascending (not NaN; -0 just before 0, so `===` ties stay adjacent), stable: an
 * LSD radix sort in four 16-bit digits of the keys' bits, mapped so that unsigned order is numeric order
 * (negative numbers' bits inverted, the others' sign bit set). Digits that are the same for every key are
 * skipped, as for scores in [0, 1] most high digits are.
 */
export function sortOrder(keys: Float64Array, n: number): Uint32Array {
  const bits = new Uint32Array(keys.buffer, keys.byteOffset, 2 * n);
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + HIGH]!;
    const l = bits[2 * i + LOW]!;
    if (h >>> 31 === 1) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const count = new Uint32Array(1 << 16);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i]! >>> shift) & 0xffff]!++;
    if (n === 0 || count[(word[0]! >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < count.length; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const e = order[i]!;
      next[count[(word[e]! >>> shift) & 0xffff]!++] = e;
    }
    [order, next] = [next, order];
  }
  return order;
}

/** Ascending records, one at a time: `key`, and its payload at `words[at..at + width)`. */
interface RecordCursor {
  done: boolean;
  key: number;
  words: Int32Array;
  at: number;
  advance(): void;
}

/**
 * Records in memory, in the order a {@link sortOrder} gives, copied a block at a time into arrays of their
 * own and read from there in order. The copy's reads are as scattered as reading each record where it lies,
 * but in a short loop of independent loads whose cache misses overlap; read one at a time between visits,
 * each miss waited on its own, and the walk took twice as long on 524,288 scored rows.
 */
class MemoryCursor implements RecordCursor {
  done: boolean;
  key = 0;
  at = 0;
  words: Int32Array;
  private readonly blockKeys: Float64Array;
  private i = 0;
  private length = 0;
  private next = 0;
  constructor(
    private readonly keys: Float64Array,
    private readonly allWords: Int32Array,
    private readonly order: Uint32Array,
    private readonly width: number,
  ) {
    const block = Math.min(RUN_BLOCK, order.length);
    this.blockKeys = new Float64Array(block);
    this.words = new Int32Array(block * width);
    this.done = order.length === 0;
    if (!this.done) this.fill();
  }
  private fill(): void {
    const from = this.next;
    const n = Math.min(this.blockKeys.length, this.order.length - from);
    if (n <= 0) {
      this.done = true;
      return;
    }
    const { keys, allWords, order, width, blockKeys, words } = this;
    for (let j = 0; j < n; j++) {
      const r = order[from + j]!;
      blockKeys[j] = keys[r]!;
      for (let k = 0, src = r * width, dst = j * width; k < width; k++) words[dst + k] = allWords[src + k]!;
    }
    this.next = from + n;
    this.length = n;
    this.i = 0;
    this.key = blockKeys[0]!;
    this.at = 0;
  }
  advance(): void {
    if (++this.i < this.length) {
      this.key = this.blockKeys[this.i]!;
      this.at = this.i * this.width;
    } else this.fill();
  }
}

/** A sorted run in a spill file (its keys, then its payload words), read a block at a time. */
class FileCursor implements RecordCursor {
  done = false;
  key = 0;
  at = 0;
  words: Int32Array = new Int32Array(0);
  private keys: Float64Array = new Float64Array(0);
  private i = 0;
  private read = 0;
  private readonly keyBytes = new Uint8Array(RUN_BLOCK * 8);
  private readonly wordBytes: Uint8Array;
  constructor(
    private readonly file: SpillFile,
    private readonly offset: number,
    private readonly rows: number,
    private readonly width: number,
  ) {
    this.wordBytes = new Uint8Array(RUN_BLOCK * 4 * width);
    this.fill();
  }
  private fill(): void {
    const n = Math.min(RUN_BLOCK, this.rows - this.read);
    if (n <= 0) {
      this.done = true;
      return;
    }
    const k = this.file.readRange(this.offset + this.read * 8, n * 8, this.keyBytes);
    const w = this.file.readRange(
      this.offset + this.rows * 8 + this.read * 4 * this.width,
      n * 4 * this.width,
      this.wordBytes,
    );
    this.keys = new Float64Array(k.buffer, k.byteOffset, n);
    this.words = new Int32Array(w.buffer, w.byteOffset, n * this.width);
    this.read += n;
    this.i = 0;
    this.key = this.keys[0]!;
    this.at = 0;
  }
  advance(): void {
    if (++this.i < this.keys.length) {
      this.key = this.keys[this.i]!;
      this.at = this.i * this.width;
    } else this.fill();
  }
}

/**
 * Records of a number key and `width` Int32 payload words, pushed in any order and walked in ascending key
 * order: in memory while they fit in a run (or when no spill is given or no file can be made), else as
 * sorted runs in a spill file, merged through a heap.
 */
export class RecordSort {
  private keys: Float64Array;
  /** Payload of the records pushed: a record's words start where {@link push} said. */
  words: Int32Array;
  private n = 0;
  private file: SpillFile | undefined;
  private readonly runs: { offset: number; rows: number }[] = [];

  constructor(
    private readonly width: number,
    private spill: SpillDir | undefined,
    private readonly runRows = RECORD_RUN_ROWS,
  ) {
    const first = Math.max(16, Math.min(1024, runRows));
    this.keys = new Float64Array(first);
    this.words = new Int32Array(first * width);
  }

  /** Adds a record with `key` (not NaN); its payload goes to `words[at..at + width)`, `at` returned. */
  push(key: number): number {
    if (this.n === this.keys.length) this.full();
    this.keys[this.n] = key;
    return this.n++ * this.width;
  }

  private full(): void {
    if (this.spill && this.n >= this.runRows) {
      this.file ??= this.spill.file();
      if (this.file) {
        this.writeRun();
        return;
      }
      this.spill = undefined; // no room on disk: sort in memory
    }
    const size = Math.ceil(this.keys.length * 1.5);
    const keys = new Float64Array(size);
    keys.set(this.keys);
    const words = new Int32Array(size * this.width);
    words.set(this.words);
    this.keys = keys;
    this.words = words;
  }

  /** Sorts the records in memory and appends them to the file as a run, a block at a time. */
  private writeRun(): void {
    const file = this.file as SpillFile;
    const order = sortOrder(this.keys, this.n);
    const w = this.width;
    const keys = new Float64Array(RUN_BLOCK);
    const words = new Int32Array(RUN_BLOCK * w);
    this.runs.push({ offset: file.size, rows: this.n });
    for (let from = 0; from < this.n; from += RUN_BLOCK) {
      const to = Math.min(this.n, from + RUN_BLOCK);
      for (let j = from; j < to; j++) keys[j - from] = this.keys[order[j]!]!;
      file.append(keys.subarray(0, to - from));
    }
    for (let from = 0; from < this.n; from += RUN_BLOCK) {
      const to = Math.min(this.n, from + RUN_BLOCK);
      for (let j = from; j < to; j++) {
        const src = order[j]! * w;
        const dst = (j - from) * w;
        for (let k = 0; k < w; k++) words[dst + k] = this.words[src + k]!;
      }
      file.append(words.subarray(0, (to - from) * w));
    }
    this.n = 0;
  }

  /** Calls `visit` for every record in ascending key order (ties in any order). */
  walk(visit: (key: number, words: Int32Array, at: number) => void): void {
    const cursors: RecordCursor[] = this.runs.map(
      (r) => new FileCursor(this.file as SpillFile, r.offset, r.rows, this.width),
    );
    cursors.push(new MemoryCursor(this.keys, this.words, sortOrder(this.keys, this.n), this.width));
    // A binary min-heap of the cursors not done, by their current key.
    const heap = cursors.filter((c) => !c.done);
    const down = (i: number) => {
      const c = heap[i]!;
      for (;;) {
        let m = 2 * i + 1;
        if (m >= heap.length) break;
        if (m + 1 < heap.length && heap[m + 1]!.key < heap[m]!.key) m++;
        if (heap[m]!.key >= c.key) break;
        heap[i] = heap[m]!;
        i = m;
      }
      heap[i] = c;
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    while (heap.length > 0) {
      const c = heap[0]!;
      visit(c.key, c.words, c.at);
      c.advance();
      if (c.done) {
        const lastCursor = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = lastCursor;
      }
      down(0);
    }
  }

  close(): void {
    this.file?.close();
    this.file = undefined;
    this.keys = new Float64Array(0);
    this.words = new Int32Array(0);
  }
}
