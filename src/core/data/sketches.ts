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
 * Space-Saving (Metwally et al. 2005): `capacity` counters; an unseen value takes over the smallest counter
 * and inherits its count. Every value with a true frequency above n/capacity is kept, and a count
 * overestimates the true one by at most the counter's `error`. Counters live in a min-heap so that an
 * update costs O(log capacity).
 */
export class SpaceSaving {
  private readonly keys: string[] = [];
  private readonly counts: number[] = [];
  private readonly errors: number[] = [];
  private readonly slot = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** Seeds a counter with an exact count (when switching from exact counting). */
  seed(value: string, count: number): void {
    this.add(value, count);
  }

  add(value: string, weight = 1): void {
    const i = this.slot.get(value);
    if (i !== undefined) {
      this.counts[i] = (this.counts[i] as number) + weight;
      this.down(i);
      return;
    }
    if (this.keys.length < this.capacity) {
      this.keys.push(value);
      this.counts.push(weight);
      this.errors.push(0);
      const at = this.keys.length - 1;
      this.slot.set(value, at);
      this.up(at);
      return;
    }
    const min = this.counts[0] as number;
    this.slot.delete(this.keys[0] as string);
    this.keys[0] = value;
    this.counts[0] = min + weight;
    this.errors[0] = min;
    this.slot.set(value, 0);
    this.down(0);
  }

  /** The `n` largest counters, largest first (ties by value for a stable order). */
  top(n: number): { value: string; count: number; error: number }[] {
    return this.keys
      .map((value, i) => ({ value, count: this.counts[i] as number, error: this.errors[i] as number }))
      .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
      .slice(0, n);
  }

  private swap(i: number, j: number): void {
    const k = this.keys[i] as string;
    const c = this.counts[i] as number;
    const e = this.errors[i] as number;
    this.keys[i] = this.keys[j] as string;
    this.counts[i] = this.counts[j] as number;
    this.errors[i] = this.errors[j] as number;
    this.keys[j] = k;
    this.counts[j] = c;
    this.errors[j] = e;
    this.slot.set(this.keys[i] as string, i);
    this.slot.set(k, j);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.counts[parent] as number) <= (this.counts[i] as number)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && (this.counts[l] as number) < (this.counts[m] as number)) m = l;
      if (r < n && (this.counts[r] as number) < (this.counts[m] as number)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
