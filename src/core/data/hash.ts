/**
 * A fast 64-bit string hash made of two 32-bit lanes with different round functions (MurmurHash3's and
 * xxHash32's), finished with MurmurHash3's avalanche and a cross-mix. Hand-written because the hash must run
 * per cell and per row inside the scan loop: `crypto.createHash` costs about a microsecond per call in
 * set-up alone, and the npm hash packages either work on bytes (needing an encode per string) or give 32 bits.
 * Not for adversarial input; for counting distinct values and finding duplicate rows in data.
 */

/** The two lanes of the last {@link hashString} or {@link RowHash} result. */
export const hashOut = new Int32Array(2);

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;

/**
 * Mixes one 32-bit block (two UTF-16 code units, one, or a marker above 0xFFFF) into lane A: MurmurHash3's
 * block step, also used on dictionary codes by k-anonymity.
 */
export function mixA(h: number, c: number): number {
  let k = Math.imul(c, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Mixes one unit into lane B. */
function mixB(h: number, c: number): number {
  h = (h + Math.imul(c, P2)) | 0;
  h = (h << 13) | (h >>> 19);
  return Math.imul(h, P1);
}

/** MurmurHash3's 32-bit finish (avalanche). */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function finish(a: number, b: number, length: number): void {
  a = fmix(a ^ length);
  b = fmix(b ^ length);
  a = (a + b) | 0;
  b = (b + a) | 0;
  hashOut[0] = a;
  hashOut[1] = b;
}

/**
 * Hashes a string into {@link hashOut}. Two UTF-16 units make one 32-bit block (MurmurHash3's block size), which
 * halves the rounds of the scan's hottest loop; an odd last unit is mixed alone, and the length in the
 * finish tells "ab" + "" from "a" + "b".
 */
export function hashString(s: string): void {
  let a = 0x2545f491;
  let b = 0x61c88647;
  const n = s.length;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) {
    const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = mixA(a, c);
    b = mixB(b, c);
  }
  if (even < n) {
    const c = s.charCodeAt(even);
    a = mixA(a, c);
    b = mixB(b, c);
  }
  finish(a, b, n);
}

/** Marks the end of a present value and a missing one: above every UTF-16 code unit, so never confused with text. */
const END_VALUE = 0x10001;
const MISSING = 0x10002;

/** Hashes a sequence of values (a row) into {@link hashOut}; `undefined` differs from every string. */
export function hashValues(values: readonly (string | undefined)[]): void {
  let a = 0x2545f491;
  let b = 0x61c88647;
  let n = 0;
  for (let j = 0; j < values.length; j++) {
    const s = values[j];
    if (s === undefined) {
      a = mixA(a, MISSING);
      b = mixB(b, MISSING);
      n++;
      continue;
    }
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = mixA(a, c);
      b = mixB(b, c);
    }
    a = mixA(a, END_VALUE);
    b = mixB(b, END_VALUE);
    n += s.length + 1;
  }
  finish(a, b, n);
}

/**
 * Hashes a row from its cells' {@link hashString} lanes into {@link hashOut}: one mixing step per cell instead of
 * one per character, since the profiler has already hashed every cell. `present[i]` 0 marks a missing cell
 * (`undefined`), which differs from every value.
 */
export function hashCells(n: number, cellA: Int32Array, cellB: Int32Array, present: Uint8Array): void {
  let a = 0x2545f491;
  let b = 0x61c88647;
  for (let i = 0; i < n; i++) {
    if (present[i] === 0) {
      a = mixA(a, MISSING);
      b = mixB(b, MISSING);
    } else {
      a = mixA(a, cellA[i] as number);
      b = mixB(b, cellB[i] as number);
    }
  }
  finish(a, b, n);
}

/**
 * Doubles an open-addressing table of `width` numbers a slot, `[tag, lane A, lane B, ...]` (tag 0: empty;
 * probed linearly from lane A), as the duplicate detector's rows (three) and the profiler's distinct values
 * (four, with a count) are kept: returns the new slots, `2 * count` of them, in a buffer of at least
 * `minBytes`, or in `room` (zeroed, at least that long; a longer view is returned whole).
 */
export function growSlots(
  old: Int32Array,
  count: number,
  width = 3,
  minBytes = 0,
  n = count * 2,
  room?: Int32Array<ArrayBuffer>,
): Int32Array<ArrayBuffer> {
  let slots = room;
  if (slots === undefined)
    slots =
      4 * width * n >= minBytes
        ? new Int32Array(width * n)
        : new Int32Array(new ArrayBuffer(minBytes), 0, width * n);
  const mask = n - 1;
  for (let j = 0; j < count; j++) {
    const from = width * j;
    if (old[from] === 0) continue;
    let i = (old[from + 1] as number) & mask;
    while (slots[width * i] !== 0) i = (i + 1) & mask;
    const to = width * i;
    for (let k = 0; k < width; k++) slots[to + k] = old[from + k] as number;
  }
  return slots;
}
