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
  private readonly laneA: Int32Array;
  private readonly laneB: Int32Array;
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  /** Per counter: its bucket, and its neighbours in the bucket's list (-1: none). */
  private readonly bucketOf: Int32Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /**
   * Per bucket (at most one a counter): its count, first counter, and neighbours in ascending order of count
   * (-1: none). Unused buckets are chained through `bucketNext` from `freeBucket`.
   */
  private readonly bucketCount: Float64Array;
  private readonly bucketHead: Int32Array;
  private readonly bucketPrev: Int32Array;
  private readonly bucketNext: Int32Array;
  private freeBucket = 0;
  /** The bucket of the smallest count, -1 while there are no counters. */
  private minBucket = -1;
  /**
   * Open-addressing index from lane A to counter id (linear probing, backward-shift deletion) in typed
   * arrays: in a column of unique ids every value replaces a counter, and a Map's delete and insert per value
   * cost more than the rest of the update together.
   */
  private readonly slotKey: Int32Array;
  private readonly slotId: Int32Array;
  private readonly slotMask: number;
  private size = 0;

  constructor(private readonly capacity: number) {
    let slots = 16;
    while (slots < capacity * 4) slots *= 2;
    this.slotKey = new Int32Array(slots);
    this.slotId = new Int32Array(slots).fill(-1);
    this.slotMask = slots - 1;
    this.laneA = new Int32Array(capacity);
    this.laneB = new Int32Array(capacity);
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.bucketOf = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.bucketCount = new Float64Array(capacity);
    this.bucketHead = new Int32Array(capacity);
    this.bucketPrev = new Int32Array(capacity);
    this.bucketNext = new Int32Array(capacity);
    for (let k = 0; k < capacity; k++) this.bucketNext[k] = k + 1 < capacity ? k + 1 : -1;
    if (capacity === 0) this.freeBucket = -1;
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
    let id = this.find(a);
    if (id !== -1) {
      // Two of the counted values sharing lane A (odds about capacity / 2^32): the occurrence is dropped.
      if (this.laneB[id] !== b) return;
      if (this.values[id] === undefined && value !== undefined) this.values[id] = detach(value);
      this.raise(id, weight);
      return;
    }
    if (this.size < this.capacity) {
      id = this.size++;
      this.values[id] = weight > 1 && value !== undefined ? detach(value) : undefined;
      this.laneA[id] = a;
      this.laneB[id] = b;
      this.counts[id] = weight;
      this.errors[id] = 0;
      this.insert(a, id);
      this.place(id, weight);
      return;
    }
    if (this.capacity === 0) return;
    // The smallest counter: the first of the first bucket.
    id = this.bucketHead[this.minBucket] as number;
    const min = this.counts[id] as number;
    this.remove(this.laneA[id] as number);
    this.values[id] = weight > 1 && value !== undefined ? detach(value) : undefined;
    this.laneA[id] = a;
    this.laneB[id] = b;
    this.errors[id] = min;
    this.insert(a, id);
    this.raise(id, weight);
  }

  private home(a: number): number {
    return (Math.imul(a, 0x9e3779b1) >>> 0) & this.slotMask;
  }

  private find(a: number): number {
    for (let i = this.home(a); ; i = (i + 1) & this.slotMask) {
      const id = this.slotId[i] as number;
      if (id === -1) return -1;
      if (this.slotKey[i] === a) return id;
    }
  }

  private insert(a: number, id: number): void {
    let i = this.home(a);
    while ((this.slotId[i] as number) !== -1) i = (i + 1) & this.slotMask;
    this.slotKey[i] = a;
    this.slotId[i] = id;
  }

  /** Deletes key `a` and shifts later entries of its probe run back so that no lookup stops early. */
  private remove(a: number): void {
    const mask = this.slotMask;
    let i = this.home(a);
    while (this.slotKey[i] !== a || this.slotId[i] === -1) {
      if (this.slotId[i] === -1) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (this.slotId[j] === -1) break;
      const h = this.home(this.slotKey[j] as number);
      // Entry j may move to the hole at i if its home is not in the cyclic range (i, j].
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        this.slotKey[i] = this.slotKey[j] as number;
        this.slotId[i] = this.slotId[j] as number;
        i = j;
      }
    }
    this.slotId[i] = -1;
  }

  /** An upper bound on the count of any value without a counter: the smallest count once all are taken. */
  absent(): number {
    return this.size === this.capacity && this.size > 0 ? (this.bucketCount[this.minBucket] as number) : 0;
  }

  /** The counters in arrays of their own, to send to another thread or {@link mergeCounters merge}. */
  counters(): SpaceSavingCounters {
    const n = this.size;
    return {
      values: this.values.slice(0, n),
      laneA: this.laneA.slice(0, n),
      laneB: this.laneB.slice(0, n),
      counts: this.counts.slice(0, n),
      errors: this.errors.slice(0, n),
      absent: this.absent(),
    };
  }

  /**
   * The `n` largest counters, largest first (ties by value, counters without a text last, for a stable
   * order). `value` is undefined where the text is not known: where `count - error` is 1.
   */
  top(n: number): { value: string | undefined; count: number; error: number }[] {
    const out: { value: string | undefined; count: number; error: number }[] = [];
    for (let i = 0; i < this.size; i++)
      out.push({ value: this.values[i], count: this.counts[i] as number, error: this.errors[i] as number });
    return out.sort((x, y) => y.count - x.count || byText(x.value, y.value)).slice(0, n);
  }

  /** Adds `weight` to counter `id`'s count, moving it up to the bucket of its new count. */
  private raise(id: number, weight: number): void {
    const from = this.bucketOf[id] as number;
    const count = (this.counts[id] as number) + weight;
    this.counts[id] = count;
    // The last bucket below the new count: where a bucket for it goes, if there is none.
    let below = from;
    let up = this.bucketNext[from] as number;
    while (up !== -1 && (this.bucketCount[up] as number) < count) {
      below = up;
      up = this.bucketNext[up] as number;
    }
    this.unlink(id, from);
    // `from` is gone when `id` was its only counter: then the new bucket goes where it was.
    if (below === from && this.bucketHead[from] === -1) below = this.bucketPrev[from] as number;
    if (this.bucketHead[from] === -1) this.dropBucket(from);
    this.join(id, up !== -1 && this.bucketCount[up] === count ? up : this.newBucket(count, below));
  }

  /** Places a new counter `id` of count `count` in its bucket, found from the smallest up. */
  private place(id: number, count: number): void {
    let below = -1;
    let up = this.minBucket;
    while (up !== -1 && (this.bucketCount[up] as number) < count) {
      below = up;
      up = this.bucketNext[up] as number;
    }
    this.join(id, up !== -1 && this.bucketCount[up] === count ? up : this.newBucket(count, below));
  }

  /** Puts counter `id` first in bucket `bucket`. */
  private join(id: number, bucket: number): void {
    const head = this.bucketHead[bucket] as number;
    this.bucketOf[id] = bucket;
    this.prev[id] = -1;
    this.next[id] = head;
    if (head !== -1) this.prev[head] = id;
    this.bucketHead[bucket] = id;
  }

  /** Takes counter `id` out of bucket `bucket`'s list. */
  private unlink(id: number, bucket: number): void {
    const p = this.prev[id] as number;
    const n = this.next[id] as number;
    if (p === -1) this.bucketHead[bucket] = n;
    else this.next[p] = n;
    if (n !== -1) this.prev[n] = p;
  }

  /** An empty bucket of count `count`, linked after bucket `below` (-1: first). */
  private newBucket(count: number, below: number): number {
    const k = this.freeBucket;
    this.freeBucket = this.bucketNext[k] as number;
    this.bucketCount[k] = count;
    this.bucketHead[k] = -1;
    const above = below === -1 ? this.minBucket : (this.bucketNext[below] as number);
    this.bucketPrev[k] = below;
    this.bucketNext[k] = above;
    if (below === -1) this.minBucket = k;
    else this.bucketNext[below] = k;
    if (above !== -1) this.bucketPrev[above] = k;
    return k;
  }

  /** Unlinks the empty bucket `k` and frees it. */
  private dropBucket(k: number): void {
    const below = this.bucketPrev[k] as number;
    const above = this.bucketNext[k] as number;
    if (below === -1) this.minBucket = above;
    else this.bucketNext[below] = above;
    if (above !== -1) this.bucketPrev[above] = below;
    this.bucketNext[k] = this.freeBucket;
    this.freeBucket = k;
  }
}

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
