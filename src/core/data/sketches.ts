/**
 * Bounded-memory summaries for columns with more distinct values than can be kept exactly:
 * HyperLogLog for the distinct count, Space-Saving for the most frequent values. Small enough to write here
 * (the npm implementations hash with their own string functions, which would hash each value twice).
 */
import { hashOut, hashString } from './hash';

/**
 * HyperLogLog (Flajolet et al. 2007), by default with 2^14 registers: standard error about 0.8%, 16 KiB per
 * column (fewer registers for the columns of a wide table: see `tableBudget` in `profile.ts`).
 */
export class HyperLogLog {
  /** The default precision: 2^14 registers (16 KB), about 0.8% standard error. */
  private static readonly P = 14;
  private readonly registers: Uint8Array<ArrayBuffer>;
  /** 32 minus the precision: lane A's top bits pick the register. */
  private readonly shift: number;

  /**
   * `registers`: from {@link HyperLogLog.registersCopy} of another sketch, taken over (not copied), which
   * sets the precision; else `precision` bits of register index (2^p registers, about 1.04 / sqrt(2^p)
   * error).
   */
  constructor(registers?: Uint8Array<ArrayBuffer>, precision = HyperLogLog.P) {
    const p = registers ? Math.log2(registers.length) : precision;
    if (!Number.isInteger(p) || p < 4 || p > 16)
      throw new Error(
        `HyperLogLog: ${registers ? registers.length : `2^${precision}`} registers, not 2^4 to 2^16`,
      );
    this.registers = registers ?? new Uint8Array(1 << p);
    this.shift = 32 - p;
  }

  /** The registers, in a buffer of their own (to send to another thread). */
  registersCopy(): Uint8Array<ArrayBuffer> {
    return this.registers.slice();
  }

  /**
   * Adds every value `other` has seen. A register holds the largest rank of the values hashed to it, so the
   * union of two sketches is the register-wise maximum: exactly the sketch of all the values added to either,
   * in any order.
   */
  merge(other: HyperLogLog): void {
    const r = this.registers;
    const o = other.registers;
    if (o.length !== r.length) throw new Error(`HyperLogLog.merge: ${o.length} registers into ${r.length}`);
    for (let i = 0; i < r.length; i++) if ((o[i] as number) > (r[i] as number)) r[i] = o[i] as number;
  }

  add(value: string): void {
    hashString(value);
    this.addHash(hashOut[0] as number, hashOut[1] as number);
  }

  /**
   * {@link addHash} for the first `n` of `laneA` and `laneB`, in a loop of its own (see `scatterSlots` in
   * `profile.ts`).
   */
  addHashes(laneA: Int32Array, laneB: Int32Array, n: number): void {
    const registers = this.registers;
    const shift = this.shift;
    for (let i = 0; i < n; i++) {
      const idx = (laneA[i] as number) >>> shift;
      const rank = Math.clz32(laneB[i] as number) + 1;
      if (rank > (registers[idx] as number)) registers[idx] = rank;
    }
  }

  /** Adds a value by its two hash lanes: the register from lane A, the rank from lane B. */
  addHash(a: number, b: number): void {
    const idx = a >>> this.shift;
    const rank = Math.clz32(b) + 1;
    if (rank > (this.registers[idx] as number)) this.registers[idx] = rank;
  }

  /**
   * Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017):
   * unbiased from small to large counts without the empirical bias tables of HyperLogLog++, where the
   * original estimator with linear counting is off by several percent between 2.5 and 5 times the
   * register count.
   */
  estimate(): number {
    const m = this.registers.length;
    const q = 32; // rank bits: ranks run 1..q+1
    const histogram = new Array<number>(q + 2).fill(0);
    for (let i = 0; i < m; i++) {
      const r = this.registers[i] as number;
      histogram[r] = (histogram[r] as number) + 1;
    }
    let z = m * tau(1 - (histogram[q + 1] as number) / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + (histogram[k] as number));
    z += m * sigma((histogram[0] as number) / m);
    return Math.round((m * m) / (2 * Math.LN2 * z));
  }
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const before = z;
    z += x * y;
    y += y;
    if (z === before) return z;
  }
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const before = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === before) return z / 3;
  }
}

/**
 * Copies a string so that it does not keep alive the large decoded chunk it was sliced from (V8 shares the
 * parent's memory for substrings of 13 characters or more). For values that a sketch or map keeps.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * Characters of a value kept to name it (a top value's text). A cell of a malformed file can be megabytes
 * long (a field whose quote never closes), and a corpus's documents are long too: kept whole, 60 documents of
 * 1 MB made a 56 MB file's audit peak at 460 MB, and a top value's text in the report made it 60 MB.
 */
export const TOP_VALUE_CHARS = 1000;

/** `value` cut to `chars` characters and an ellipsis, never inside a surrogate pair. */
export function clipValue(value: string, chars = TOP_VALUE_CHARS): string {
  if (value.length <= chars) return value;
  let end = chars;
  const c = value.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${value.slice(0, end)}\u2026`;
}

/** A value's text to keep for naming it: {@link clipValue}d, and {@link detach}ed from its chunk. */
export function keptText(s: string): string {
  return detach(s.length > TOP_VALUE_CHARS ? clipValue(s) : s);
}

/**
 * What a column's state keeps of a value longer than {@link TOP_VALUE_CHARS}: its {@link clipValue}d text
 * with its length and 64-bit hash (`hashString`, or its lanes `a` and `b` where the caller has them),
 * {@link detach}ed. Equal values give one stand-in and different ones different stand-ins (two merge with a
 * probability of about 2^-64), so a dictionary of stand-ins numbers values as one of the values would, and
 * its texts still name them. The privacy scanner's sample of distinct values and the column builders' levels
 * kept each long value whole until the column was ruled out: 400 documents of 0.5 MB were all held at once
 * (325 MB; 153 MB with stand-ins), and a corpus's peak grew with its documents up to a thousand of them
 * (1,200 of 0.5 MB: 747 MB; 157 MB).
 */
export function standIn(value: string, a?: number, b?: number): string {
  // Not longer than TOP_VALUE_CHARS itself, so that a stand-in stands for itself.
  if (value.length <= TOP_VALUE_CHARS) return value;
  if (a === undefined || b === undefined) {
    hashString(value);
    a = hashOut[0] as number;
    b = hashOut[1] as number;
  }
  const hash = hex32(a) + hex32(b);
  return detach(`${clipValue(value, STAND_IN_CHARS)} (${value.length} characters, #${hash})`);
}

/** Characters of a long value that its {@link standIn} keeps: room for its length and hash up to 1,000. */
const STAND_IN_CHARS = TOP_VALUE_CHARS - 64;

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * Space-Saving (Metwally et al. 2005): `capacity` counters; an unseen value takes over the smallest counter
 * and inherits its count. Every value with a true frequency above n/capacity is kept, and a count
 * overestimates the true one by at most the counter's `error`. Counters are found by the value's 64-bit
 * hash (lane A as the map key, lane B checked), and ordered by count in the paper's Stream-Summary: a list of
 * buckets of equal count, ascending, each a list of its counters, all in typed arrays. An update moves one
 * counter to the next bucket up (or a new one), so it costs O(1) where a min-heap took O(log capacity) moves:
 * in a column of near-unique values every update replaces the smallest counter and sank it through the
 * whole heap, which was most of the update's time.
 *
 * A counter learns its value's text at the value's second occurrence while counted (or when added with a
 * weight above 1), not when it takes the counter: a counter whose value came once holds `count - error = 1`,
 * which no caller shows, and in a column of near-unique values nearly every update is such a replacement,
 * whose copy of the text (see {@link detach}) would be thrown away at the next.
 */
export class SpaceSaving {
  private readonly values: (string | undefined)[] = [];
  /**
   * Per index `k`, {@link INTS} numbers side by side: counter `k`'s lanes, bucket and neighbours in its
   * bucket's list (-1: none), then bucket `k`'s first counter and neighbours in ascending order of count (at
   * most one bucket a counter; unused buckets are chained through their next from `freeBucket`). With
   * `floats` (counter `k`'s count and error, bucket `k`'s count) and `slots`, three typed arrays (views of one
   * buffer) where there were thirteen: a table of 20,000 columns keeps a summary for nearly every column, and
   * each typed array costs several hundred bytes besides its data (20,000 summaries of 64 counters: 237 MB of
   * resident memory in thirteen arrays, for 5.6 KB of data each). An update's fields are on one or two cache
   * lines, too.
   */
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private freeBucket = 0;
  /** The bucket of the smallest count, -1 while there are no counters. */
  private minBucket = -1;
  /**
   * Open-addressing index from lane A to counter id (linear probing, backward-shift deletion), key and id side
   * by side (id -1: empty) in a typed array: in a column of unique ids every value replaces a counter, and a
   * Map's delete and insert per value cost more than the rest of the update together.
   */
  private readonly slots: Int32Array;
  private readonly slotMask: number;
  private size = 0;

  /**
   * `memory`: where its arrays go, from byte `at` on (a multiple of 8; {@link SpaceSaving.bytes} of them,
   * zeroed), for a caller that has a buffer to spare; else buffers of its own.
   */
  constructor(
    private readonly capacity: number,
    memory?: ArrayBuffer,
    at = 0,
  ) {
    const slots = slotCount(capacity);
    const m = memory ?? new ArrayBuffer(SpaceSaving.bytes(capacity));
    // The floats first: their offset must be a multiple of 8.
    this.floats = new Float64Array(m, at, FLOATS * capacity);
    this.ints = new Int32Array(m, at + 8 * FLOATS * capacity, INTS * capacity);
    this.slots = new Int32Array(m, at + (8 * FLOATS + 4 * INTS) * capacity, 2 * slots);
    for (let i = 1; i < 2 * slots; i += 2) this.slots[i] = -1;
    this.slotMask = slots - 1;
    for (let k = 0; k < capacity; k++) this.ints[INTS * k + B_NEXT] = k + 1 < capacity ? k + 1 : -1;
    if (capacity === 0) this.freeBucket = -1;
  }

  /** The bytes of memory a summary of `capacity` counters uses (see the constructor). */
  static bytes(capacity: number): number {
    return (8 * FLOATS + 4 * INTS) * capacity + 8 * slotCount(capacity);
  }

  add(value: string, weight = 1): void {
    hashString(value);
    this.addHashed(value, hashOut[0] as number, hashOut[1] as number, weight);
  }

  /**
   * Adds a value whose {@link hashString} lanes the caller already has. Its text may be missing for a value
   * added once with weight 1 (a profiler's seed): such a counter learns no text then anyway.
   */
  addHashed(value: string | undefined, a: number, b: number, weight = 1): void {
    const ints = this.ints;
    let id = this.find(a);
    if (id !== -1) {
      // Two of the counted values sharing lane A (odds about capacity / 2^32): the occurrence is dropped.
      if (ints[INTS * id + LANE_B] !== b) return;
      if (this.values[id] === undefined && value !== undefined) this.values[id] = keptText(value);
      this.raise(id, weight);
      return;
    }
    if (this.size < this.capacity) {
      id = this.size++;
      this.values[id] = weight > 1 && value !== undefined ? keptText(value) : undefined;
      ints[INTS * id + LANE_A] = a;
      ints[INTS * id + LANE_B] = b;
      this.floats[FLOATS * id + COUNT] = weight;
      this.floats[FLOATS * id + ERROR] = 0;
      this.insert(a, id);
      this.place(id, weight);
      return;
    }
    if (this.capacity === 0) return;
    // The smallest counter: the first of the first bucket.
    id = ints[INTS * this.minBucket + B_HEAD] as number;
    const min = this.floats[FLOATS * id + COUNT] as number;
    this.remove(ints[INTS * id + LANE_A] as number);
    this.values[id] = weight > 1 && value !== undefined ? keptText(value) : undefined;
    ints[INTS * id + LANE_A] = a;
    ints[INTS * id + LANE_B] = b;
    this.floats[FLOATS * id + ERROR] = min;
    this.insert(a, id);
    this.raise(id, weight);
  }

  private home(a: number): number {
    return (Math.imul(a, 0x9e3779b1) >>> 0) & this.slotMask;
  }

  private find(a: number): number {
    const slots = this.slots;
    for (let i = this.home(a); ; i = (i + 1) & this.slotMask) {
      const id = slots[2 * i + 1] as number;
      if (id === -1) return -1;
      if (slots[2 * i] === a) return id;
    }
  }

  private insert(a: number, id: number): void {
    const slots = this.slots;
    let i = this.home(a);
    while ((slots[2 * i + 1] as number) !== -1) i = (i + 1) & this.slotMask;
    slots[2 * i] = a;
    slots[2 * i + 1] = id;
  }

  /** Deletes key `a` and shifts later entries of its probe run back so that no lookup stops early. */
  private remove(a: number): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let i = this.home(a);
    while (slots[2 * i] !== a || slots[2 * i + 1] === -1) {
      if (slots[2 * i + 1] === -1) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (slots[2 * j + 1] === -1) break;
      const h = this.home(slots[2 * j] as number);
      // Entry j may move to the hole at i if its home is not in the cyclic range (i, j].
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        slots[2 * i] = slots[2 * j] as number;
        slots[2 * i + 1] = slots[2 * j + 1] as number;
        i = j;
      }
    }
    slots[2 * i + 1] = -1;
  }

  /** An upper bound on the count of any value without a counter: the smallest count once all are taken. */
  absent(): number {
    return this.size === this.capacity && this.size > 0
      ? (this.floats[FLOATS * this.minBucket + B_COUNT] as number)
      : 0;
  }

  /** The counters in arrays of their own, to send to another thread or {@link mergeCounters merge}. */
  counters(): SpaceSavingCounters {
    const n = this.size;
    const out: SpaceSavingCounters = {
      values: this.values.slice(0, n),
      laneA: new Int32Array(n),
      laneB: new Int32Array(n),
      counts: new Float64Array(n),
      errors: new Float64Array(n),
      absent: this.absent(),
    };
    for (let id = 0; id < n; id++) {
      out.laneA[id] = this.ints[INTS * id + LANE_A] as number;
      out.laneB[id] = this.ints[INTS * id + LANE_B] as number;
      out.counts[id] = this.floats[FLOATS * id + COUNT] as number;
      out.errors[id] = this.floats[FLOATS * id + ERROR] as number;
    }
    return out;
  }

  /**
   * The `n` largest counters, largest first (ties by value, counters without a text last, for a stable
   * order). `value` is undefined where the text is not known: where `count - error` is 1.
   */
  top(n: number): { value: string | undefined; count: number; error: number }[] {
    const out: { value: string | undefined; count: number; error: number }[] = [];
    for (let i = 0; i < this.size; i++)
      out.push({
        value: this.values[i],
        count: this.floats[FLOATS * i + COUNT] as number,
        error: this.floats[FLOATS * i + ERROR] as number,
      });
    return out.sort((x, y) => y.count - x.count || byText(x.value, y.value)).slice(0, n);
  }

  /** Adds `weight` to counter `id`'s count, moving it up to the bucket of its new count. */
  private raise(id: number, weight: number): void {
    const ints = this.ints;
    const floats = this.floats;
    const from = ints[INTS * id + BUCKET_OF] as number;
    const count = (floats[FLOATS * id + COUNT] as number) + weight;
    floats[FLOATS * id + COUNT] = count;
    // The last bucket below the new count: where a bucket for it goes, if there is none.
    let below = from;
    let up = ints[INTS * from + B_NEXT] as number;
    while (up !== -1 && (floats[FLOATS * up + B_COUNT] as number) < count) {
      below = up;
      up = ints[INTS * up + B_NEXT] as number;
    }
    this.unlink(id, from);
    // `from` is gone when `id` was its only counter: then the new bucket goes where it was.
    const empty = ints[INTS * from + B_HEAD] === -1;
    if (below === from && empty) below = ints[INTS * from + B_PREV] as number;
    if (empty) this.dropBucket(from);
    this.join(id, up !== -1 && floats[FLOATS * up + B_COUNT] === count ? up : this.newBucket(count, below));
  }

  /** Places a new counter `id` of count `count` in its bucket, found from the smallest up. */
  private place(id: number, count: number): void {
    let below = -1;
    let up = this.minBucket;
    while (up !== -1 && (this.floats[FLOATS * up + B_COUNT] as number) < count) {
      below = up;
      up = this.ints[INTS * up + B_NEXT] as number;
    }
    this.join(
      id,
      up !== -1 && this.floats[FLOATS * up + B_COUNT] === count ? up : this.newBucket(count, below),
    );
  }

  /** Puts counter `id` first in bucket `bucket`. */
  private join(id: number, bucket: number): void {
    const ints = this.ints;
    const head = ints[INTS * bucket + B_HEAD] as number;
    ints[INTS * id + BUCKET_OF] = bucket;
    ints[INTS * id + PREV] = -1;
    ints[INTS * id + NEXT] = head;
    if (head !== -1) ints[INTS * head + PREV] = id;
    ints[INTS * bucket + B_HEAD] = id;
  }

  /** Takes counter `id` out of bucket `bucket`'s list. */
  private unlink(id: number, bucket: number): void {
    const ints = this.ints;
    const p = ints[INTS * id + PREV] as number;
    const n = ints[INTS * id + NEXT] as number;
    if (p === -1) ints[INTS * bucket + B_HEAD] = n;
    else ints[INTS * p + NEXT] = n;
    if (n !== -1) ints[INTS * n + PREV] = p;
  }

  /** An empty bucket of count `count`, linked after bucket `below` (-1: first). */
  private newBucket(count: number, below: number): number {
    const ints = this.ints;
    const k = this.freeBucket;
    this.freeBucket = ints[INTS * k + B_NEXT] as number;
    this.floats[FLOATS * k + B_COUNT] = count;
    ints[INTS * k + B_HEAD] = -1;
    const above = below === -1 ? this.minBucket : (ints[INTS * below + B_NEXT] as number);
    ints[INTS * k + B_PREV] = below;
    ints[INTS * k + B_NEXT] = above;
    if (below === -1) this.minBucket = k;
    else ints[INTS * below + B_NEXT] = k;
    if (above !== -1) ints[INTS * above + B_PREV] = k;
    return k;
  }

  /** Unlinks the empty bucket `k` and frees it. */
  private dropBucket(k: number): void {
    const ints = this.ints;
    const below = ints[INTS * k + B_PREV] as number;
    const above = ints[INTS * k + B_NEXT] as number;
    if (below === -1) this.minBucket = above;
    else ints[INTS * below + B_NEXT] = above;
    if (above !== -1) ints[INTS * above + B_PREV] = below;
    ints[INTS * k + B_NEXT] = this.freeBucket;
    this.freeBucket = k;
  }
}

/** {@link SpaceSaving}'s index slots: a power of two, at least four per counter. */
function slotCount(capacity: number): number {
  let slots = 16;
  while (slots < capacity * 4) slots *= 2;
  return slots;
}

/** {@link SpaceSaving}'s `ints` per index: a counter's fields, then a bucket's. */
const INTS = 8;
const LANE_A = 0;
const LANE_B = 1;
const BUCKET_OF = 2;
const PREV = 3;
const NEXT = 4;
const B_HEAD = 5;
const B_PREV = 6;
const B_NEXT = 7;
/** {@link SpaceSaving}'s `floats` per index: a counter's count and error, a bucket's count. */
const FLOATS = 3;
const COUNT = 0;
const ERROR = 1;
const B_COUNT = 2;

/** Orders texts, an unknown text after every known one. */
function byText(x: string | undefined, y: string | undefined): number {
  if (x === y) return 0;
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  return x < y ? -1 : 1;
}

/**
 * Space-Saving counters as plain data. `values[i]` is undefined where the text of a counted value is unknown:
 * a merge can count a value by its hash alone (see `ProfilerMerge`), and learn its text from a later summary.
 */
export interface SpaceSavingCounters {
  values: (string | undefined)[];
  laneA: Int32Array<ArrayBuffer>;
  laneB: Int32Array<ArrayBuffer>;
  /** Upper bounds of the true counts; `count - error` is a lower bound. */
  counts: Float64Array<ArrayBuffer>;
  errors: Float64Array<ArrayBuffer>;
  /**
   * An upper bound on the count of any value not among the counters: once every counter is taken, the
   * smallest count (a value may have been evicted); 0 while every value seen has a counter, and for exact counts.
   */
  absent: number;
}

/**
 * Combines summaries of two disjoint streams into one of at most `capacity` counters, the mergeable-summaries
 * combine for Space-Saving (Agarwal et al. 2013; Cafaro et al. 2016): counts and errors add per value (matched
 * by both hash lanes), a value absent from one summary takes that summary's `absent` bound there as both count
 * and error, and the `capacity` largest counts stay (ties: `x`'s counters first, in their order, then `y`'s).
 * Counts stay upper bounds and `count - error` lower bounds, and the result depends only on the inputs; it is
 * not what one summary fed both streams would hold, which depends on the order of the updates.
 */
export function mergeCounters(
  capacity: number,
  x: SpaceSavingCounters,
  y: SpaceSavingCounters,
): SpaceSavingCounters {
  const nx = x.counts.length;
  const ny = y.counts.length;
  // Lane A finds the counter, lane B confirms it; pairs sharing lane A (odds about nx / 2^32) go by string.
  const byA = new Map<number, number>();
  const byBoth = new Map<string, number>();
  for (let i = 0; i < nx; i++) {
    const a = x.laneA[i] as number;
    if (byA.has(a)) byBoth.set(`${a},${x.laneB[i] as number}`, i);
    else byA.set(a, i);
  }
  // Candidates: x's counters (0 .. nx-1), then y's counters that x lacks, by their index in y.
  const matched = new Int32Array(nx).fill(-1);
  const onlyY = new Int32Array(ny);
  let n = nx;
  for (let j = 0; j < ny; j++) {
    const a = y.laneA[j] as number;
    let i = byA.get(a) ?? -1;
    if (i !== -1 && x.laneB[i] !== y.laneB[j]) i = byBoth.get(`${a},${y.laneB[j] as number}`) ?? -1;
    if (i === -1) onlyY[n++ - nx] = j;
    else matched[i] = j;
  }
  const counts = new Float64Array(n);
  for (let i = 0; i < nx; i++) {
    const j = matched[i] as number;
    counts[i] = (x.counts[i] as number) + (j === -1 ? y.absent : (y.counts[j] as number));
  }
  for (let k = nx; k < n; k++) counts[k] = (y.counts[onlyY[k - nx] as number] as number) + x.absent;
  // Keep the counts above the capacity-th largest, then those equal to it in order.
  let threshold = -Infinity;
  let ties = n;
  if (n > capacity) {
    threshold = kthLargest(counts.slice(), capacity);
    ties = capacity;
    for (let k = 0; k < n; k++) if ((counts[k] as number) > threshold) ties--;
  }
  const size = Math.min(n, capacity);
  const out: SpaceSavingCounters = {
    values: [],
    laneA: new Int32Array(size),
    laneB: new Int32Array(size),
    counts: new Float64Array(size),
    errors: new Float64Array(size),
    // A value dropped here counts at most the threshold.
    absent: n > capacity ? Math.max(x.absent + y.absent, threshold) : x.absent + y.absent,
  };
  let o = 0;
  for (let k = 0; k < n; k++) {
    const c = counts[k] as number;
    if (c < threshold || (c === threshold && ties-- <= 0)) continue;
    out.counts[o] = c;
    if (k < nx) {
      const j = matched[k] as number;
      out.values.push(x.values[k] ?? (j === -1 ? undefined : y.values[j]));
      out.laneA[o] = x.laneA[k] as number;
      out.laneB[o] = x.laneB[k] as number;
      out.errors[o] = (x.errors[k] as number) + (j === -1 ? y.absent : (y.errors[j] as number));
    } else {
      const j = onlyY[k - nx] as number;
      out.values.push(y.values[j]);
      out.laneA[o] = y.laneA[j] as number;
      out.laneB[o] = y.laneB[j] as number;
      out.errors[o] = (y.errors[j] as number) + x.absent;
    }
    o++;
  }
  return out;
}

/**
 * The `k`-th largest of `a` (1-based), by quickselect with a three-way partition (counts repeat a lot: most
 * values of a column occur once). Reorders `a`. Linear on average, where a sort of 100,000 counts was most
 * of a merge's time.
 */
function kthLargest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const target = a.length - k; // index in ascending order
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    // a[lo..lt-1] < pivot, a[lt..i-1] == pivot, a[gt+1..hi] > pivot
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i] as number;
      if (v < pivot) {
        a[i++] = a[lt] as number;
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt] as number;
        a[gt--] = v;
      } else i++;
    }
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else return pivot;
  }
  return a[lo] as number;
}
