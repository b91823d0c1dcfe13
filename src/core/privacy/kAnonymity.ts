/**
 * Re-identification risk over quasi-identifiers: k-anonymity, the share of records unique on them, and the
 * smallest set of columns that singles out a given share of records.
 */
import type { Finding, SourceRange } from '../findings';
import {
  WINDOW_ROWS,
  codeWindows,
  type CategoricalColumn,
  type CodeArray,
  type CodeWindows,
  type SpilledCodes,
} from '../data/encoded';
import { fmix, mixA } from '../data/hash';
import { HyperLogLog } from '../data/sketches';
import type { SpillDir, SpillFile } from '../data/spill';

/** A column k-anonymity counts: in memory, or with its codes spilled to disk (read back in windows). */
export type KColumn = CategoricalColumn | SpilledCodes;

export interface KAnonymityResult {
  /**
   * Size of the smallest equivalence class (records sharing all quasi-identifier values). 0 when there are no
   * records, or no columns (nothing to measure: every field of the result is 0).
   */
  k: number;
  /** Share (0..1) of records alone in their class; 0 when there are no records. */
  uniqueRecords: number;
  /** Number of equivalence classes. */
  classes: number;
  /** Number of records. */
  records: number;
}

/** Class sizes over some columns, summed over the passes of {@link classStats}. */
interface ClassStats {
  k: number;
  unique: number;
  classes: number;
}

/**
 * The default bound on the classes a hash table holds at once: 2^20 classes, at most 18 bytes each (19 MB);
 * lookup tables go up to eight times as many 16-bit counters (16 MB).
 */
const DEFAULT_MAX_CLASSES = 1 << 20;

/**
 * Work tables reused by every count of the analyses of one table (the singling-out search counts a dozen
 * sets over the same records), and bounded whatever the number of records: a table holds at most
 * `maxClasses` classes, and when a set of columns has more, its records are counted in several passes, each
 * over the classes whose hash falls in one share. On large files these tables were the audit's memory peak
 * (26 bytes a record at 500 MB), so no array here has one entry per record. Pass one to {@link kAnonymity}
 * and {@link smallestSinglingOutSet} of the same columns to share it.
 */
export class KAnonymityWork {
  /** The most classes one pass counts; more passes when a set of columns has more classes than this. */
  readonly maxClasses: number;
  private lookup = new Int32Array(0);
  /** The 16-bit lookup table for key spaces past 64K. */
  private wide = new Uint16Array(0);
  /** id + 1 of the class in each hash slot; 0 marks an empty one. */
  private slotId = new Int32Array(0);
  /** The codes of each class, `width` a class, by class id (see {@link hashedStats}). */
  private member = new Int32Array(0);
  private counts = new Int32Array(0);
  /**
   * The key table (see {@link packedStats}): three numbers a slot, the packed key's low and high 32 bits and
   * its count (0: empty slot), side by side so that a probe reads one cache line, not one in each of two
   * arrays.
   */
  private keySlots = new Int32Array(0);
  /** Passes of the last count (1 unless a set had more than `maxClasses` classes): for tests and benchmarks. */
  lastPasses = 0;
  /** Whether a count in passes read its keys from files by pass (see {@link partitionedStats}): for tests. */
  lastPartitioned = false;
  /** Sets of columns the last {@link smallestSinglingOutSet} counted (the others were ruled out by a bound). */
  setsCounted = 0;

  /** Whether to estimate a set's classes before counting them (see {@link classStats}); tests turn it off. */
  readonly estimate: boolean;
  /**
   * Where a count in several passes writes each pass's keys (see {@link partitionedStats}); without it, or
   * where no file can be made, every pass reads every record's codes.
   */
  readonly spill: SpillDir | undefined;
  /**
   * Called as those files are written and read (each window of records sorted, every 256 KB read back), whose
   * encrypted copies are new buffers each: the scan's garbage collector.
   */
  readonly collect: (() => void) | undefined;

  constructor(
    options: { maxClasses?: number; estimate?: boolean; spill?: SpillDir; collect?: () => void } = {},
  ) {
    this.maxClasses = Math.max(16, Math.floor(options.maxClasses ?? DEFAULT_MAX_CLASSES));
    this.estimate = options.estimate ?? true;
    this.spill = options.spill;
    this.collect = options.collect;
  }

  /**
   * Bytes the tables hold now: one kind at a time, at most 18 bytes a class of `maxClasses` for a hash table, or
   * 4 a counter of a lookup table of at most 64K or 4 `maxClasses` counters.
   */
  get bytes(): number {
    return (
      this.lookup.byteLength +
      this.wide.byteLength +
      this.slotId.byteLength +
      this.member.byteLength +
      this.counts.byteLength +
      this.keySlots.byteLength
    );
  }

  /**
   * A lookup table of `size` counters, all 0: 32-bit up to 64K counters, 16-bit (2 bytes a counter, at
   * most 16 MB) above.
   */
  table(size: number): Int32Array | Uint16Array {
    if (size <= 1 << 16) {
      if (this.lookup.length < size) this.lookup = new Int32Array(size);
      const t = this.lookup.subarray(0, size);
      t.fill(0);
      return t;
    }
    // One large table at a time, so that the bound holds.
    this.slotId = new Int32Array(0);
    this.member = new Int32Array(0);
    this.counts = new Int32Array(0);
    this.keySlots = new Int32Array(0);
    if (this.wide.length < size) this.wide = new Uint16Array(size);
    const t = this.wide.subarray(0, size);
    t.fill(0);
    return t;
  }

  /** `slots` empty hash slots, and `width` codes and a counter for each of up to `classes` classes. */
  hash(
    slots: number,
    classes: number,
    width: number,
  ): { slotId: Int32Array; member: Int32Array; counts: Int32Array } {
    // One large table at a time, so that the bound holds.
    this.wide = new Uint16Array(0);
    this.keySlots = new Int32Array(0);
    if (this.slotId.length < slots) this.slotId = new Int32Array(slots);
    else this.slotId.fill(0, 0, slots);
    if (this.member.length < classes * width) this.member = new Int32Array(classes * width);
    if (this.counts.length < classes) this.counts = new Int32Array(classes);
    return { slotId: this.slotId, member: this.member, counts: this.counts };
  }

  /** `slots` empty slots of packed keys, three numbers each (see {@link keySlots}). */
  packed(slots: number): Int32Array {
    this.wide = new Uint16Array(0);
    this.slotId = new Int32Array(0);
    this.member = new Int32Array(0);
    this.counts = new Int32Array(0);
    if (this.keySlots.length < 3 * slots) this.keySlots = new Int32Array(3 * slots);
    else this.keySlots.fill(0, 0, 3 * slots);
    return this.keySlots;
  }
}

/**
 * Sizes of the equivalence classes of the records over `cols`: records are in one class when they agree on
 * every column. Missing values (code -1) are a value of their own: two records both missing `zip` are alike
 * on `zip`. This is the cautious reading for risk (a suppressed value still says something, and treating
 * missing as matching everything would hide unique records). Exact, with memory bounded by the work's
 * `maxClasses` whatever the number of records, and the records read in windows of {@link WINDOW_ROWS}, so
 * columns spilled to disk are counted as columns in memory are.
 */
function classStats(cols: readonly CodeWindows[], work: KAnonymityWork): ClassStats {
  const n = cols[0]!.length;
  for (const c of cols) {
    if (c.length !== n) {
      throw new RangeError(`columns differ in length: ${n} and ${c.length} records`);
    }
  }
  work.lastPasses = 1;
  work.lastPartitioned = false;
  let space = 1;
  for (const c of cols) space *= c.levels.length + 1;
  // A lookup table while it is at most two counters a record (or 64K) and eight times the bound on classes
  // (16 MB by default): several times faster than hashing, as its counters are reached without a probe.
  // Larger key spaces (age x ZIP x date over many records) hash.
  if (space <= Math.max(1 << 16, Math.min(2 * n, 8 * work.maxClasses)))
    return lookupStats(cols, work.table(space));
  // A key space within 2^53 packs each record's codes into one exact number, kept in the table itself: no
  // probe reads another record's codes (a cache miss in each column), which made the search four times slower.
  const packed = space <= 2 ** 53;
  // One pass when the classes fit. Else passes over shares of the classes by hash, as many as a HyperLogLog
  // estimate of the classes says, with room for 20% more than an even share (a share's count varies by about
  // its square root, and the estimate by about 1%). The estimate is one cheap pass; finding out by filling
  // the table first cost a third of a set's time. Should a pass still meet more, twice as many passes.
  let passes = 1;
  if (work.estimate && 1.2 * n > work.maxClasses) {
    passes = Math.max(1, Math.ceil((1.2 * estimateClasses(cols, packed)) / work.maxClasses));
  }
  for (;;) {
    const stats = packed ? packedStats(cols, work, passes) : hashedStats(cols, work, passes);
    if (typeof stats !== 'number') {
      work.lastPasses = passes;
      return stats;
    }
    const classes = (work.maxClasses * n * passes) / stats;
    passes = Math.max(2 * passes, Math.ceil((1.2 * classes) / work.maxClasses));
  }
}

/** The codes of rows `from` to `to` of each column (views, or windows read back from disk). */
function windowsOf(cols: readonly CodeWindows[], from: number, to: number): CodeArray[] {
  return cols.map((c) => c.window(from, to));
}

/** The number of classes over `cols`, estimated in one pass (HyperLogLog, about 1% error). */
function estimateClasses(cols: readonly CodeWindows[], packed: boolean): number {
  const n = cols[0]!.length;
  const hll = new HyperLogLog();
  const widths = cols.map((c) => c.levels.length + 1);
  for (let from = 0; from < n; from += WINDOW_ROWS) {
    const to = Math.min(n, from + WINDOW_ROWS);
    const codes = windowsOf(cols, from, to);
    const keyOf = packed ? packedKey(codes, widths) : undefined;
    for (let r = 0; r < to - from; r++) {
      let a: number;
      if (keyOf) {
        const key = keyOf(r);
        a = fmix(Math.imul((key / 4294967296) | 0, 0x85ebca6b) ^ (key >>> 0));
      } else a = hashRecord(codes, r);
      hll.addHash(a, fmix(a ^ 0x5bd1e995));
    }
  }
  return hll.estimate();
}

/**
 * Class sizes through a table of a counter per possible key (`table` zeroed, one entry per key). The loops
 * are functions of their own, as in {@link packedStats}: V8 threw away the code it had optimized on the stack
 * in the first loop at the tally, which had not run yet.
 */
function lookupStats(cols: readonly CodeWindows[], table: Int32Array | Uint16Array): ClassStats {
  const n = cols[0]!.length;
  // 16-bit counters stop at their limit: a class that reaches it is neither unique nor the smallest, unless
  // every class reached it (then counted again below, in 32 bits).
  const limit = table instanceof Uint16Array ? 0xffff : 0x7fffffff;
  const widths = cols.map((c) => c.levels.length + 1);
  for (let from = 0; from < n; from += WINDOW_ROWS) {
    const to = Math.min(n, from + WINDOW_ROWS);
    const codes = windowsOf(cols, from, to);
    // The common one, two and three columns are written out: a loop over the columns per record was about
    // twice as slow.
    if (codes.length === 1) lookupOne(table, limit, to - from, codes[0]!);
    else if (codes.length === 2) lookupTwo(table, limit, to - from, codes[0]!, codes[1]!, widths[1]!);
    else if (codes.length === 3)
      lookupThree(table, limit, to - from, codes[0]!, codes[1]!, codes[2]!, widths[1]!, widths[2]!);
    else lookupMany(table, limit, to - from, codes, widths);
  }
  const stats: ClassStats = { k: Infinity, unique: 0, classes: 0 };
  tallyTable(stats, table);
  if (stats.k >= limit) return lookupStats(cols, new Int32Array(table.length));
  return stats;
}

type Counters = Int32Array | Uint16Array;

function lookupOne(table: Counters, limit: number, m: number, a: CodeArray): void {
  for (let r = 0; r < m; r++) {
    const k = a[r]! + 1;
    const v = table[k]!;
    if (v < limit) table[k] = v + 1;
  }
}

function lookupTwo(table: Counters, limit: number, m: number, a: CodeArray, b: CodeArray, wb: number): void {
  for (let r = 0; r < m; r++) {
    const k = (a[r]! + 1) * wb + b[r]! + 1;
    const v = table[k]!;
    if (v < limit) table[k] = v + 1;
  }
}

function lookupThree(
  table: Counters,
  limit: number,
  m: number,
  a: CodeArray,
  b: CodeArray,
  c: CodeArray,
  wb: number,
  wc: number,
): void {
  for (let r = 0; r < m; r++) {
    const k = ((a[r]! + 1) * wb + b[r]! + 1) * wc + c[r]! + 1;
    const v = table[k]!;
    if (v < limit) table[k] = v + 1;
  }
}

function lookupMany(
  table: Counters,
  limit: number,
  m: number,
  codes: readonly CodeArray[],
  widths: readonly number[],
): void {
  for (let r = 0; r < m; r++) {
    let key = 0;
    for (let j = 0; j < codes.length; j++) key = key * widths[j]! + codes[j]![r]! + 1;
    const v = table[key]!;
    if (v < limit) table[key] = v + 1;
  }
}

/** Adds the counters of a lookup table to `stats`. */
function tallyTable(stats: ClassStats, table: Counters): void {
  for (let i = 0; i < table.length; i++) tally(stats, table[i]!);
}

function tally(stats: ClassStats, size: number): void {
  if (size === 0) return;
  stats.classes++;
  if (size < stats.k) stats.k = size;
  if (size === 1) stats.unique++;
}

/** Record r's codes as one number below the product of the columns' widths (exact below 2^53). */
function packedKey(codes: readonly CodeArray[], widths: readonly number[]): (r: number) => number {
  if (codes.length === 2) {
    const a = codes[0]!;
    const b = codes[1]!;
    const wb = widths[1]!;
    return (r) => (a[r]! + 1) * wb + b[r]! + 1;
  }
  if (codes.length === 3) {
    const a = codes[0]!;
    const b = codes[1]!;
    const c = codes[2]!;
    const wb = widths[1]!;
    const wc = widths[2]!;
    return (r) => ((a[r]! + 1) * wb + b[r]! + 1) * wc + c[r]! + 1;
  }
  return (r) => {
    let key = 0;
    for (let j = 0; j < codes.length; j++) key = key * widths[j]! + codes[j]![r]! + 1;
    return key;
  };
}

/**
 * Records whose keys and slots {@link packedStats} works out in a loop of their own before it probes them: the
 * probes, each a cache miss in a table of a million classes (and often a miss of the address translation),
 * are then in flight together, where behind each record's key and hash they waited one at a time.
 */
const BLOCK = 64;
const blockLo = new Int32Array(BLOCK);
const blockHi = new Int32Array(BLOCK);
const blockSlot = new Int32Array(BLOCK);
const blockRow = new Int32Array(BLOCK);

/**
 * {@link hashedStats} with each class's packed key (see {@link packedKey}) in its slot: 12 bytes a slot, 1.5
 * slots a class. With the blocks and the key beside its count, the bench's 1 GB file counted its sets in
 * 3.4 s instead of 4.4. Each loop is a function of its own ({@link blockKeys}, {@link probeBlock},
 * {@link tallyKeys}), as the profiler's switch to sketches is: this runs once a set of columns, and V8
 * optimized it on the stack, part way through the first loop, then threw the code away at the first code
 * after it that had not run yet (four times a run, each time back in the interpreter until the next).
 */
function packedStats(
  cols: readonly CodeWindows[],
  work: KAnonymityWork,
  passes: number,
): ClassStats | number {
  if (passes > 1) {
    const parted = partitionedStats(cols, work, passes);
    if (parted !== undefined) return parted;
  }
  const n = cols[0]!.length;
  const widths = cols.map((c) => c.levels.length + 1);
  const cap = Math.min(work.maxClasses, n);
  const slots = Math.ceil(1.5 * cap) + 1;
  const stats: ClassStats = { k: Infinity, unique: 0, classes: 0 };
  for (let p = 0; p < passes; p++) {
    const table = work.packed(slots);
    let count = 0;
    for (let from = 0; from < n; from += WINDOW_ROWS) {
      const to = Math.min(n, from + WINDOW_ROWS);
      const keyOf = packedKey(windowsOf(cols, from, to), widths);
      for (let r0 = 0; r0 < to - from; r0 += BLOCK) {
        const q = blockKeys(keyOf, r0, Math.min(to - from, r0 + BLOCK), passes, p, slots);
        const added = probeBlock(table, q, slots, cap - count);
        if (added < 0) return from + blockRow[-added - 1]! + 1;
        count += added;
      }
    }
    tallyKeys(stats, table, slots);
  }
  return stats;
}

/**
 * Works out the keys and slots of records `r0` to `end` of a window that fall in pass `p` of `passes`, into
 * the block's arrays; returns how many.
 */
function blockKeys(
  keyOf: (r: number) => number,
  r0: number,
  end: number,
  passes: number,
  p: number,
  slots: number,
): number {
  let q = 0;
  for (let r = r0; r < end; r++) {
    const key = keyOf(r);
    // The key's 32-bit halves (below 2^53, so the high one has at most 21 bits).
    const lo = key | 0;
    const hi = (key / 4294967296) | 0;
    // A multiplicative hash picks the pass: one multiply for each of the records the pass skips, where a
    // full mix cost a third of the search's time.
    const m = passHash(lo, hi);
    if (passes > 1 && Math.floor(((m >>> 0) * passes) / 4294967296) !== p) continue;
    blockLo[q] = lo;
    blockHi[q] = hi;
    blockSlot[q] = slotOf(m, slots);
    blockRow[q++] = r;
  }
  return q;
}

/** The multiplicative hash of a packed key's halves that picks its pass (see {@link blockKeys}). */
function passHash(lo: number, hi: number): number {
  return Math.imul(Math.imul(hi, 0x85ebca6b) ^ lo, 0x9e3779b1);
}

/**
 * The first number of a key's slot: MurmurHash3's finish of `m`, whose top bits hardly vary within a pass.
 */
function slotOf(m: number, slots: number): number {
  return 3 * Math.floor(((fmix(m) >>> 0) * slots) / 4294967296);
}

/**
 * Keys a pass's buffer holds before {@link partitionedStats} appends them to its file: 8,192 (64 KB), fewer
 * past 64 passes, so that the buffers stay within 4 MB.
 */
function bucketKeys(passes: number): number {
  return Math.max(1024, Math.min(8192, Math.floor((1 << 19) / passes)));
}
/** Bytes of a pass's file read at a time. */
const BUCKET_READ_BYTES = 1 << 18;

/**
 * {@link packedStats} in `passes` passes that each read only their own records' keys: one read of the codes
 * sorts every record's packed key (8 bytes) into a temporary file for its pass, by the hash that picks its
 * pass, and each pass then counts its file. Without this, each pass read every record's codes and worked out
 * every key to keep one in `passes`: the bench's 1 GB file (5.9 million records, near-unique on its
 * quasi-identifiers) took 7 passes for k-anonymity and 6 and 7 for each set of three columns the singling-out
 * search counted, 3.9 s of the audit's 23 with its spilled codes read back and decrypted in every pass (1.8 s
 * now). The files are encrypted as every spill is (`spill.ts`), since a key is a record's quasi-identifiers,
 * and closed before this returns.
 *
 * Undefined where no file can be made or written or read back (a full disk): the caller then reads the codes
 * in every pass, with the same result. Otherwise what {@link packedStats} returns, with the records read when
 * a pass met more classes than its table holds counted as the plain passes would have (the caller estimates
 * the classes from them).
 */
function partitionedStats(
  cols: readonly CodeWindows[],
  work: KAnonymityWork,
  passes: number,
): ClassStats | number | undefined {
  const spill = work.spill;
  if (!spill) return undefined;
  const files: SpillFile[] = [];
  try {
    for (let p = 0; p < passes; p++) {
      const f = spill.file();
      if (!f) return undefined;
      files.push(f);
    }
    partitionKeys(cols, files, work.collect);
    const n = cols[0]!.length;
    const cap = Math.min(work.maxClasses, n);
    const slots = Math.ceil(1.5 * cap) + 1;
    const stats: ClassStats = { k: Infinity, unique: 0, classes: 0 };
    let aligned = new Int32Array(0);
    for (let p = 0; p < passes; p++) {
      const table = work.packed(slots);
      let count = 0;
      let read = 0;
      let overflowAt = -1;
      files[p]!.read(BUCKET_READ_BYTES, (bytes) => {
        work.collect?.();
        if (overflowAt >= 0) return;
        let keys: Int32Array;
        if ((bytes.byteOffset & 3) === 0)
          keys = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
        else {
          if (aligned.length < bytes.length >> 2) aligned = new Int32Array(bytes.length >> 2);
          new Uint8Array(aligned.buffer).set(bytes);
          keys = aligned.subarray(0, bytes.length >> 2);
        }
        const m = keys.length >> 1;
        for (let t0 = 0; t0 < m; t0 += BLOCK) {
          const q = Math.min(BLOCK, m - t0);
          blockFromKeys(keys, t0, q, slots);
          const added = probeBlock(table, q, slots, cap - count);
          if (added < 0) {
            overflowAt = read + t0 - added - 1;
            return;
          }
          count += added;
        }
        read += m;
      });
      // The records a plain pass would have read by then: this pass's share of them, `passes` times over.
      if (overflowAt >= 0) return Math.min(n, Math.max(1, (overflowAt + 1) * passes));
      tallyKeys(stats, table, slots);
    }
    work.lastPartitioned = true;
    return stats;
  } catch (e) {
    // Only the files' errors: a fault of the count itself would be one of the plain passes too.
    if (e instanceof Error && 'code' in e && typeof e.code === 'string') return undefined;
    throw e;
  } finally {
    for (const f of files) f.close();
  }
}

/** Appends each record's packed key, low and high halves, to the file of its pass. */
function partitionKeys(
  cols: readonly CodeWindows[],
  files: readonly SpillFile[],
  collect: (() => void) | undefined,
): void {
  const passes = files.length;
  const n = cols[0]!.length;
  const widths = cols.map((c) => c.levels.length + 1);
  const keys = bucketKeys(passes);
  const buffer = new Int32Array(2 * keys * passes);
  const filled = new Int32Array(passes);
  for (let from = 0; from < n; from += WINDOW_ROWS) {
    const to = Math.min(n, from + WINDOW_ROWS);
    const keyOf = packedKey(windowsOf(cols, from, to), widths);
    sortKeys(keyOf, to - from, keys, buffer, filled, files);
    collect?.();
  }
  for (let p = 0; p < passes; p++) {
    const at = 2 * keys * p;
    if (filled[p]! > 0) files[p]!.append(buffer.subarray(at, at + 2 * filled[p]!));
  }
}

/** The keys of a window's `m` records into their passes' buffers, a full buffer appended to its file. */
function sortKeys(
  keyOf: (r: number) => number,
  m: number,
  bucket: number,
  buffer: Int32Array,
  filled: Int32Array,
  files: readonly SpillFile[],
): void {
  const passes = files.length;
  for (let r = 0; r < m; r++) {
    const key = keyOf(r);
    const lo = key | 0;
    const hi = (key / 4294967296) | 0;
    const p = Math.floor(((passHash(lo, hi) >>> 0) * passes) / 4294967296);
    const start = 2 * bucket * p;
    const f = filled[p]!;
    buffer[start + 2 * f] = lo;
    buffer[start + 2 * f + 1] = hi;
    if (f + 1 === bucket) {
      files[p]!.append(buffer.subarray(start, start + 2 * bucket));
      filled[p] = 0;
    } else filled[p] = f + 1;
  }
}

/** Keys `t0` to `t0 + q` of a pass's file (low and high halves in turn) and their slots, into the block. */
function blockFromKeys(keys: Int32Array, t0: number, q: number, slots: number): void {
  for (let t = 0; t < q; t++) {
    const lo = keys[2 * (t0 + t)]!;
    const hi = keys[2 * (t0 + t) + 1]!;
    blockLo[t] = lo;
    blockHi[t] = hi;
    blockSlot[t] = slotOf(passHash(lo, hi), slots);
  }
}

/**
 * Counts the first `q` records of the block in `table` of `slots` slots: the number of new classes, or
 * `-(t + 1)` when record `t` would be a class past the `room` left (the pass holds too many).
 */
function probeBlock(table: Int32Array, q: number, slots: number, room: number): number {
  let added = 0;
  for (let t = 0; t < q; t++) {
    const lo = blockLo[t]!;
    const hi = blockHi[t]!;
    let i = blockSlot[t]!;
    for (;;) {
      const c = table[i + 2]!;
      if (c === 0) {
        if (added === room) return -(t + 1);
        table[i] = lo;
        table[i + 1] = hi;
        table[i + 2] = 1;
        added++;
        break;
      }
      if (table[i] === lo && table[i + 1] === hi) {
        table[i + 2] = c + 1;
        break;
      }
      i += 3;
      if (i === 3 * slots) i = 0;
    }
  }
  return added;
}

/** Adds the counts of a key table of `slots` slots to `stats`. */
function tallyKeys(stats: ClassStats, table: Int32Array, slots: number): void {
  for (let i = 2; i < 3 * slots; i += 3) tally(stats, table[i]!);
}

/** A 32-bit hash of record `r`'s codes (MurmurHash3's block and finish). */
function hashRecord(codes: readonly CodeArray[], r: number): number {
  let h = 0x2545f491;
  for (let j = 0; j < codes.length; j++) h = mixA(h, codes[j]![r]! + 1);
  return fmix(h);
}

/**
 * Class sizes through open addressing, in `passes` passes: pass p counts the classes whose hash's top share
 * is p. A slot holds the class alone (4 bytes), each class keeps its codes (4 bytes a column: the records
 * are read in windows, so another record's codes cannot be read back), and there are 1.5 slots a class, not
 * a power of two (a multiply maps the hash onto them). For key spaces past 2^53 only, where the codes do not
 * pack into one number. When a pass meets more than `maxClasses` classes, the number of records it had read
 * by then (the caller then takes more passes).
 */
function hashedStats(
  cols: readonly CodeWindows[],
  work: KAnonymityWork,
  passes: number,
): ClassStats | number {
  const n = cols[0]!.length;
  const width = cols.length;
  const cap = Math.min(work.maxClasses, n);
  const slots = Math.ceil(1.5 * cap) + 1;
  const stats: ClassStats = { k: Infinity, unique: 0, classes: 0 };
  for (let p = 0; p < passes; p++) {
    const { slotId, member, counts } = work.hash(slots, cap, width);
    let count = 0;
    for (let from = 0; from < n; from += WINDOW_ROWS) {
      const to = Math.min(n, from + WINDOW_ROWS);
      const codes = windowsOf(cols, from, to);
      for (let r = 0; r < to - from; r++) {
        const h = hashRecord(codes, r);
        if (passes > 1 && Math.floor(((h >>> 0) * passes) / 4294967296) !== p) continue;
        // The slot from other bits than the pass's: within a pass the top bits are nearly fixed.
        let i = Math.floor(((Math.imul(h, 0x9e3779b1) >>> 0) * slots) / 4294967296);
        for (;;) {
          const sid = slotId[i]!;
          if (sid === 0) {
            if (count === cap) return from + r + 1;
            for (let j = 0; j < width; j++) member[count * width + j] = codes[j]![r]!;
            counts[count] = 1;
            slotId[i] = ++count;
            break;
          }
          const at = (sid - 1) * width;
          let same = true;
          for (let j = 0; j < width; j++) {
            if (member[at + j] !== codes[j]![r]) {
              same = false;
              break;
            }
          }
          if (same) {
            counts[sid - 1]!++;
            break;
          }
          if (++i === slots) i = 0;
        }
      }
    }
    for (let i = 0; i < count; i++) tally(stats, counts[i]!);
  }
  return stats;
}

function summary(stats: ClassStats, n: number): KAnonymityResult {
  if (n === 0) return { k: 0, uniqueRecords: 0, classes: 0, records: 0 };
  return { k: stats.k, uniqueRecords: stats.unique / n, classes: stats.classes, records: n };
}

/**
 * k-anonymity of a table over its quasi-identifier columns: the table is k-anonymous when every combination of
 * quasi-identifier values that occurs is shared by at least k records. Missing values count as a value of
 * their own (see {@link classStats}). Columns must have the same length (RangeError otherwise).
 */
export function kAnonymity(columns: readonly KColumn[], work = new KAnonymityWork()): KAnonymityResult {
  if (columns.length === 0) {
    return { k: 0, uniqueRecords: 0, classes: 0, records: 0 };
  }
  const cols = columns.map(codeWindows);
  const n = cols[0]!.length;
  if (n === 0) {
    for (const c of cols)
      if (c.length !== 0) throw new RangeError(`columns differ in length: 0 and ${c.length} records`);
    return summary({ k: 0, unique: 0, classes: 0 }, 0);
  }
  return summary(classStats(cols, work), n);
}

export interface SinglingOutSet {
  /** Column names of the set, in the order given. */
  columns: string[];
  /** Share (0..1) of records unique on this set. */
  share: number;
  /** True when `share` reaches the target; false when no set of up to `maxSize` columns does. */
  reached: boolean;
}

/**
 * The smallest set of up to `maxSize` columns on which at least `share` of the records are unique (singled
 * out). Among sets of that size, the one with the highest unique share; ties go to the earlier columns. When
 * no set reaches `share`, the set with the highest unique share found, the smallest such, with
 * `reached: false`. Null when there are no columns or no records.
 *
 * A set's records unique on it are at most its classes, and its classes at most those of the set without one
 * of its columns times that column's levels (and its missing value). So a set whose bound cannot beat the best
 * of its size so far is not counted: on the bench's four quasi-identifiers (age, sex, ZIP, occupation) the
 * pairs after age + ZIP are all ruled out, where each with ZIP was a full pass of a hash table. Sets are
 * tried in order of that bound, most promising first; the answer is the one the plain search in
 * lexicographic order gives.
 */
export function smallestSinglingOutSet(
  columns: readonly { name: string; column: KColumn }[],
  share = 0.5,
  maxSize = 3,
  work = new KAnonymityWork(),
): SinglingOutSet | null {
  const windows = columns.map((c) => codeWindows(c.column));
  const n = windows[0]?.length ?? 0;
  if (columns.length === 0 || n === 0) return null;
  work.setsCounted = 0;
  // Classes of each set, counted or bounded, by its columns' indices joined with commas.
  const classes = new Map<string, number>();
  let bestOverall: SinglingOutSet | null = null;
  for (let size = 1; size <= Math.min(maxSize, columns.length); size++) {
    const sets: { cols: number[]; bound: number }[] = [];
    const gather = (start: number, chosen: number[]): void => {
      if (chosen.length === size) {
        let bound = n;
        for (let j = 0; j < size; j++) {
          const rest = chosen.filter((_, k) => k !== j);
          const restClasses = size === 1 ? 1 : classes.get(rest.join(','))!;
          bound = Math.min(bound, restClasses * (windows[chosen[j]!]!.levels.length + 1));
        }
        sets.push({ cols: chosen, bound });
        return;
      }
      for (let i = start; i <= columns.length - (size - chosen.length); i++) gather(i + 1, [...chosen, i]);
    };
    gather(0, []);
    // Most promising first, the earlier set on equal bounds: a set is compared as the plain search would
    // meet it, so the earlier one keeps a tie.
    const order = sets.map((s, i) => ({ ...s, i })).sort((a, b) => b.bound - a.bound || a.i - b.i);
    let best: { i: number; unique: number; cols: number[] } | null = null;
    for (const set of order) {
      const key = set.cols.join(',');
      // A bound equal to the best's unique records is n (a set reaches its bound only when every record is
      // its own class), and sets bounded by n come first in their plain order: an equal one comes later, and
      // the earlier set keeps a tie.
      if (best && set.bound <= best.unique) {
        classes.set(key, set.bound);
        continue;
      }
      const stats = classStats(
        set.cols.map((i) => windows[i]!),
        work,
      );
      work.setsCounted++;
      classes.set(key, stats.classes);
      if (!best || stats.unique > best.unique || (stats.unique === best.unique && set.i < best.i))
        best = { i: set.i, unique: stats.unique, cols: set.cols };
    }
    if (!best) continue;
    const s = best.unique / n;
    const found: SinglingOutSet = {
      columns: best.cols.map((i) => columns[i]!.name),
      share: s,
      reached: s >= share,
    };
    if (found.reached) return found;
    if (!bestOverall || found.share > bestOverall.share) bestOverall = found;
  }
  return bestOverall;
}

export const RULE_K_ANONYMITY = 'privacy/k-anonymity';

/**
 * The `privacy/k-anonymity` finding when k is below `threshold` (default 5, settable by policy), or null. It is
 * anchored on the first quasi-identifier header given, with the others as related locations.
 */
export function kAnonymityFinding(
  result: KAnonymityResult,
  quasiIdentifiers: readonly { name: string; index?: number; location?: SourceRange }[],
  options: { threshold?: number; fileName?: string; singlingOut?: SinglingOutSet | null } = {},
): Finding | null {
  const threshold = options.threshold ?? 5;
  if (result.records === 0 || quasiIdentifiers.length === 0 || result.k >= threshold) return null;
  const names = quasiIdentifiers.map((q) => q.name);
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
  const so = options.singlingOut;
  const verb = so?.columns.length === 1 ? 'singles out' : 'single out';
  const tail = so
    ? ` ${so.columns.join(' + ')} alone ${verb}${so.reached ? '' : ' at most'} ${pct(so.share)} of records.`
    : '';
  const anchor = quasiIdentifiers[0]!;
  const related = quasiIdentifiers
    .slice(1)
    .filter((q): q is { name: string; index?: number; location: SourceRange } => q.location !== undefined)
    .map((q) => ({ message: `quasi-identifier '${q.name}'`, location: q.location }));
  return {
    rule: RULE_K_ANONYMITY,
    severity: result.k === 1 ? 'warning' : 'info',
    message:
      `k-anonymity is ${result.k} over the quasi-identifiers ${names.join(', ')} (threshold ${threshold}): ` +
      `${pct(result.uniqueRecords)} of records are unique on them.${tail}`,
    ...(options.fileName !== undefined ? { file: options.fileName } : {}),
    column: anchor.name,
    ...(anchor.index !== undefined ? { columnIndex: anchor.index } : {}),
    ...(anchor.location ? { location: anchor.location } : {}),
    ...(related.length > 0 ? { related } : {}),
    data: {
      k: result.k,
      uniqueRecords: result.uniqueRecords,
      classes: result.classes,
      threshold,
      quasiIdentifiers: names,
      ...(so ? { singlingOut: so } : {}),
    },
  };
}
