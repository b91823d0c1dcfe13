/**
 * Bounded-memory summaries for columns with more distinct values than can be kept exactly:
 * HyperLogLog for the distinct count, Space-Saving for the most frequent values. Small enough to write here
 * (the npm implementations hash with their own string functions, which would hash each value twice).
 */
import { hashOut, hashString } from './hash';

/**
 * HyperLogLog (Flajolet et al. 2007) with 2^14 registers: standard error about 0.8%, 16 KiB per column.
 */
export class HyperLogLog {
  private static readonly P = 14;
  private readonly registers = new Uint8Array(1 << HyperLogLog.P);

  add(value: string): void {
    hashString(value);
    this.addHash(hashOut[0] as number, hashOut[1] as number);
  }

  /** Adds a value by its two hash lanes: the register from lane A, the rank from lane B. */
  addHash(a: number, b: number): void {
    const idx = a >>> (32 - HyperLogLog.P);
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
 * hash (lane A as the map key, lane B checked), and kept in a min-heap of counter ids in typed arrays, so an
 * update costs one number-keyed map lookup and O(log capacity) moves without touching the map.
 */
export class SpaceSaving {
  private readonly values: string[] = [];
  private readonly laneA: Int32Array;
  private readonly laneB: Int32Array;
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  /** heap[position] = counter id; where[id] = position. */
  private readonly heap: Int32Array;
  private readonly where: Int32Array;
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
    this.heap = new Int32Array(capacity);
    this.where = new Int32Array(capacity);
  }

  add(value: string, weight = 1): void {
    hashString(value);
    this.addHashed(value, hashOut[0] as number, hashOut[1] as number, weight);
  }

  /** Adds a value whose {@link hashString} lanes the caller already has. */
  addHashed(value: string, a: number, b: number, weight = 1): void {
    let id = this.find(a);
    if (id !== -1) {
      // Two of the counted values sharing lane A (odds about capacity / 2^32): the occurrence is dropped.
      if (this.laneB[id] !== b) return;
      this.counts[id] = (this.counts[id] as number) + weight;
      this.down(this.where[id] as number);
      return;
    }
    if (this.size < this.capacity) {
      id = this.size++;
      this.values[id] = detach(value);
      this.laneA[id] = a;
      this.laneB[id] = b;
      this.counts[id] = weight;
      this.errors[id] = 0;
      this.heap[id] = id;
      this.where[id] = id;
      this.insert(a, id);
      this.up(id);
      return;
    }
    id = this.heap[0] as number;
    const min = this.counts[id] as number;
    this.remove(this.laneA[id] as number);
    this.values[id] = detach(value);
    this.laneA[id] = a;
    this.laneB[id] = b;
    this.counts[id] = min + weight;
    this.errors[id] = min;
    this.insert(a, id);
    this.down(0);
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

  /** The `n` largest counters, largest first (ties by value for a stable order). */
  top(n: number): { value: string; count: number; error: number }[] {
    return this.values
      .map((value, i) => ({ value, count: this.counts[i] as number, error: this.errors[i] as number }))
      .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
      .slice(0, n);
  }

  private place(position: number, id: number): void {
    this.heap[position] = id;
    this.where[id] = position;
  }

  private up(position: number): void {
    const id = this.heap[position] as number;
    const c = this.counts[id] as number;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const pid = this.heap[parent] as number;
      if ((this.counts[pid] as number) <= c) break;
      this.place(position, pid);
      position = parent;
    }
    this.place(position, id);
  }

  private down(position: number): void {
    const n = this.size;
    const id = this.heap[position] as number;
    const c = this.counts[id] as number;
    for (;;) {
      const l = 2 * position + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      let cc = this.counts[this.heap[l] as number] as number;
      if (r < n) {
        const rc = this.counts[this.heap[r] as number] as number;
        if (rc < cc) {
          child = r;
          cc = rc;
        }
      }
      if (cc >= c) break;
      this.place(position, this.heap[child] as number);
      position = child;
    }
    this.place(position, id);
  }
}
