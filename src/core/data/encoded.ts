/**
 * Columns held in memory in compact form, for the analyses that need whole columns at once (k-anonymity,
 * group metrics, proxies). Dictionary codes keep a million-row column at 1 to 4 bytes a row instead of a string.
 */

import { growSlots, hashOut, hashString } from './hash';
import { TOP_VALUE_CHARS, detach, standIn } from './sketches';
import {
  decimalCode,
  decimalText,
  decimalValue,
  isNumberText,
  parseCommaNumber,
  parseNumber,
} from './valueKinds';
import type { SpillDir, SpillFile, SpillFileHandle } from './spill';

/**
 * Dictionary codes, as narrow as the levels allow: one byte a row up to 128 levels (sex, race, age, most
 * categories), two up to 32,768, else four. Kept columns are most of what a scan holds per row.
 */
export type CodeArray = Int8Array | Int16Array | Int32Array;

/** Missing cells are code -1. `levels[code]` is the value. */
export interface CategoricalColumn {
  kind: 'categorical';
  codes: CodeArray;
  levels: string[];
}

/** Missing or unparseable cells are NaN. */
export interface NumericColumn {
  kind: 'numeric';
  values: Float64Array;
}

export type EncodedColumn = CategoricalColumn | NumericColumn;

/**
 * Where a {@link CategoricalBuilder} may move its codes once it holds `afterRows` rows: `file()` gives the
 * temporary file (undefined when none can be made: the codes then stay in memory).
 */
export interface CodeSpill {
  afterRows: number;
  file(): SpillFile | undefined;
}

/** Rows of codes written to a spill file at one width: rows `start` to `start + rows` at byte `offset`. */
interface CodeSegment {
  start: number;
  rows: number;
  width: 1 | 2 | 4;
  offset: number;
}

/** Grows a categorical column one value at a time; `undefined` or a missing token becomes -1. */
export class CategoricalBuilder {
  private codes: CodeArray;
  /** Rows in `codes`: those after the spilled ones. */
  private length = 0;
  /** Rows written to the spill file, before those in `codes`. */
  private spilledRows = 0;
  private spill: CodeSpill | undefined;
  private file: SpillFile | undefined;
  private readonly segments: CodeSegment[] = [];
  /** Made by the first {@link push} of a value: a scan numbers its values itself (20,000 empty maps: 3.5 MB). */
  private index: Map<string, number> | undefined;
  /** Levels added by {@link pushCode} are not in `index` yet (filled on the next {@link push}). */
  private indexed = 0;
  /**
   * The levels by their 64-bit hash (see `hash.ts`) for {@link pushHashed}: 3 numbers a slot (code + 1, lane A,
   * lane B), at most half full; built on its first call. `hashed` levels are in it, as `indexed` are in `index`.
   */
  private slots: Int32Array<ArrayBuffer> | null = null;
  private slotCount = 0;
  private hashed = 0;
  /**
   * The levels while each is a decimal that `decimalCode` takes, as those codes, else null: 8 bytes a level
   * in a plain array of doubles, where a string and its slot in `texts` took 32 or more. A table of 20,000
   * measurement columns held a million levels until its columns turned numeric at 50 distinct values: 34 MB
   * of them as text. Their texts are written again when asked for.
   */
  private numbers: number[] | null = [];
  /** The levels' texts once {@link numbers} is null. */
  private texts: string[] = [];
  private count = 0;

  constructor(initialCapacity = 1024, spill?: CodeSpill) {
    this.codes = new Int8Array(Math.max(16, initialCapacity));
    this.spill = spill;
  }

  /** The number of levels: the next new level's code. */
  get levelCount(): number {
    return this.count;
  }

  /** The text of level `code`. */
  level(code: number): string {
    const numbers = this.numbers;
    return numbers !== null ? decimalText(numbers[code] as number) : (this.texts[code] as string);
  }

  /** The texts of levels `from` to `to` (all by default), in a new array. */
  levelTexts(from = 0, to = this.count): string[] {
    const numbers = this.numbers;
    return numbers === null ? this.texts.slice(from, to) : numbers.slice(from, to).map(decimalText);
  }

  /**
   * `parseNumber` of every level (`parseCommaNumber` in a table that writes decimals with a comma), without
   * writing the texts of levels kept as numbers.
   */
  parsedLevels(decimalComma = false): Float64Array {
    const numbers = this.numbers;
    return numbers !== null
      ? Float64Array.from(numbers, decimalValue)
      : Float64Array.from(this.texts, decimalComma ? parseCommaNumber : parseNumber);
  }

  private addLevel(value: string): void {
    const numbers = this.numbers;
    if (numbers !== null) {
      const code = decimalCode(value);
      if (code === code) {
        numbers.push(code);
        this.count++;
        return;
      }
      this.texts = numbers.map(decimalText);
      this.numbers = null;
    }
    // Detached: a value the reader sliced from its buffer would keep the whole buffer (a megabyte for a row
    // of long documents), one a level, for as long as the levels are kept.
    this.texts.push(detach(value));
    this.count++;
  }

  /** Appends a value (`undefined`: missing) and returns its code. */
  push(value: string | undefined): number {
    let code = -1;
    if (value !== undefined) {
      if (this.index === undefined || this.indexed < this.count) this.catchUp();
      const index = this.index as Map<string, number>;
      const known = index.get(value);
      if (known === undefined) {
        code = this.count;
        index.set(value, code);
        this.addLevel(value);
        this.indexed++;
      } else {
        code = known;
      }
    }
    this.append(code);
    return code;
  }

  /**
   * {@link push} of a present value whose hash lanes (`hashString`) the caller has: a probe of typed arrays,
   * where a Map of strings hashes and compares each fresh string from the reader (a ZIP code column past the
   * profiler's cap spent 0.3 s of a 100 MB scan in `Map.get`). Two values are one level when both lanes agree,
   * as the profiler's ids, and so this builder's codes below its cap, count them (two values merge by chance
   * with a probability of about 2^-64 a pair).
   */
  pushHashed(value: string, a: number, b: number): number {
    if (this.hashed < this.count || this.slots === null) this.catchUpHashed();
    const code = this.findOrAddHashed(value, a, b);
    this.append(code);
    return code;
  }

  private findOrAddHashed(value: string | undefined, a: number, b: number): number {
    const slots = this.slots as Int32Array;
    const mask = this.slotCount - 1;
    let i = a & mask;
    for (;;) {
      const s = slots[3 * i] as number;
      if (s === 0) break;
      if (slots[3 * i + 1] === a && slots[3 * i + 2] === b) return s - 1;
      i = (i + 1) & mask;
    }
    // A level already numbered (catching up) or a new one.
    const code = this.hashed++;
    if (code === this.count) this.addLevel(value as string);
    slots[3 * i] = code + 1;
    slots[3 * i + 1] = a;
    slots[3 * i + 2] = b;
    if (this.hashed * 2 > this.slotCount) {
      this.slots = growSlots(slots, this.slotCount);
      this.slotCount *= 2;
    }
    return code;
  }

  private catchUpHashed(): void {
    if (this.slots === null) {
      this.slotCount = 64;
      this.slots = new Int32Array(3 * this.slotCount);
    }
    while (this.hashed < this.count) {
      const before = this.hashed;
      hashString(this.level(before));
      this.findOrAddHashed(undefined, hashOut[0] as number, hashOut[1] as number);
      // Two levels with one hash (by chance): the later is left out, and its value takes the earlier's code.
      if (this.hashed === before) this.hashed++;
    }
  }

  /**
   * Appends a value whose code the caller already knows, numbered as {@link push} would (from 0, in order
   * of first appearance; -1 for missing), so a caller that keeps its own dictionary saves the lookup: `code`
   * is either a known level or the next one, {@link levelCount}, which adds `value`.
   */
  pushCode(code: number, value: string | undefined): void {
    if (code === this.count) {
      if (value === undefined) throw new RangeError('A new level needs its value.');
      this.addLevel(value);
    } else if (code < -1 || code > this.count) {
      throw new RangeError(`Code ${code} is neither a known level nor the next one (${this.count}).`);
    }
    this.append(code);
  }

  private append(code: number): void {
    let codes = this.codes;
    // Widened when a level no longer fits (codes only grow, so at most twice), or grown for the row.
    if (code > 127 && !(codes instanceof Int32Array) && (code > 32767 || codes instanceof Int8Array)) {
      const wider = code > 32767 ? new Int32Array(codes.length) : new Int16Array(codes.length);
      wider.set(codes.subarray(0, this.length));
      this.codes = codes = wider;
    }
    if (this.length === codes.length && !this.spillFull()) {
      const next = new (codes.constructor as new (n: number) => CodeArray)(grownLength(codes.length));
      next.set(codes);
      this.codes = codes = next;
    }
    codes[this.length++] = code;
  }

  /**
   * Past the spill's `afterRows` rows, writes the full array to the spill file and empties it for the next
   * rows (the array is reused, so memory stops growing); false when the codes stay in memory.
   */
  private spillFull(): boolean {
    const spill = this.spill;
    if (!spill || this.spilledRows + this.length < spill.afterRows) return false;
    this.file ??= spill.file();
    const file = this.file;
    if (!file) {
      this.spill = undefined; // no room on disk: grow in memory as without a spill
      return false;
    }
    const rows = this.codes.subarray(0, this.length);
    this.segments.push({
      start: this.spilledRows,
      rows: this.length,
      width: rows.BYTES_PER_ELEMENT as 1 | 2 | 4,
      offset: file.size,
    });
    file.append(rows);
    this.spilledRows += this.length;
    this.length = 0;
    return true;
  }

  private catchUp(): void {
    const index = (this.index ??= new Map());
    for (let i = this.indexed; i < this.count; i++) index.set(this.level(i), i);
    this.indexed = this.count;
  }

  get size(): number {
    return this.spilledRows + this.length;
  }

  /** Closes the spill file, if any, once the column is not needed. */
  release(): void {
    this.file?.close();
    this.file = undefined;
  }

  /** Whether some codes went to the spill file: then {@link buildSpilled} gives the column, not {@link build}. */
  get spilled(): boolean {
    return this.segments.length > 0;
  }

  /** The column whose older codes are in the spill file, read back in windows (see {@link SpilledCodes}). */
  buildSpilled(levels = this.levelTexts()): SpilledCodes {
    return new SpilledCodes(
      levels,
      this.spilledRows + this.length,
      this.file as SpillFile,
      this.segments.slice(),
      this.codes.subarray(0, this.length),
    );
  }

  build(): CategoricalColumn {
    if (this.spilled) throw new Error('CategoricalBuilder.build: the codes were spilled; call buildSpilled.');
    // A view, not a copy: codes are only ever appended, and a copy of every kept column at the end of a scan
    // was the audit's memory peak on large files (4 bytes a row a column, twice).
    return { kind: 'categorical', codes: this.codes.subarray(0, this.length), levels: this.levelTexts() };
  }

  /** The codes, in memory or spilled, without the texts of the levels (see {@link parsedLevels}). */
  windows(): CodeWindows {
    if (this.spilled) return this.buildSpilled([]);
    const codes = this.codes.subarray(0, this.length);
    return { levels: [], length: codes.length, window: (from, to) => codes.subarray(from, to) };
  }
}

/**
 * The next capacity of an array grown one row at a time: half again, not double, since these arrays hold a
 * number per row of the file and doubling left up to half of the largest ones unused (40 MB on a 200 MB file).
 */
export function grownLength(length: number): number {
  return Math.max(16, Math.ceil(length * 1.5));
}

/**
 * A categorical column read in windows of rows: k-anonymity's input, which is the same whether the codes are
 * in memory or spilled. A window's array is valid until the next call on the same column.
 */
export interface CodeWindows {
  readonly levels: readonly string[];
  readonly length: number;
  window(from: number, to: number): CodeArray;
}

/** Rows a pass over {@link CodeWindows} reads at a time. */
export const WINDOW_ROWS = 1 << 16;

/** Calls `visit` with each window of `c` in order, and the row it starts at. */
export function eachWindow(c: CodeWindows, visit: (codes: CodeArray, from: number) => void): void {
  for (let from = 0; from < c.length; from += WINDOW_ROWS)
    visit(c.window(from, Math.min(c.length, from + WINDOW_ROWS)), from);
}

/** An in-memory column as {@link CodeWindows}: each window is a view, no copy. */
export function codeWindows(column: CategoricalColumn | SpilledCodes): CodeWindows {
  if (column instanceof SpilledCodes) return column;
  const codes = column.codes;
  return { levels: column.levels, length: codes.length, window: (from, to) => codes.subarray(from, to) };
}

/**
 * A categorical column whose codes are mostly in an encrypted temporary file (see `spill.ts`): the codes of
 * the rows written before the last full array, in segments at the width they had then, and the rest in
 * memory. Read back in windows, each decoded into one reused array, so a pass over the rows holds one window
 * in memory whatever their number. The file is closed by whoever owns the spill (the scan, once its report
 * is assembled).
 */
export class SpilledCodes implements CodeWindows {
  readonly kind = 'spilled';
  private out = new Int32Array(0);
  private bytes = new Uint8Array(0);

  constructor(
    readonly levels: string[],
    readonly length: number,
    private readonly file: SpillFile,
    private readonly segments: readonly CodeSegment[],
    private readonly tail: CodeArray,
  ) {}

  window(from: number, to: number): CodeArray {
    if (from < 0 || to > this.length || from > to)
      throw new RangeError(`window(${from}, ${to}) of ${this.length} rows`);
    const tailStart = this.length - this.tail.length;
    if (from >= tailStart) return this.tail.subarray(from - tailStart, to - tailStart);
    // Most windows lie in one segment (a segment is a million rows or more): its codes at their own width,
    // with no copy into 32 bits.
    for (const s of this.segments) {
      if (from >= s.start && to <= s.start + s.rows) return this.read(s, from, to);
    }
    const n = to - from;
    if (this.out.length < n) this.out = new Int32Array(n);
    const out = this.out.subarray(0, n);
    for (const s of this.segments) {
      const lo = Math.max(from, s.start);
      const hi = Math.min(to, s.start + s.rows);
      if (lo < hi) out.set(this.read(s, lo, hi), lo - from);
    }
    if (to > tailStart)
      out.set(
        this.tail.subarray(Math.max(from, tailStart) - tailStart, to - tailStart),
        Math.max(0, tailStart - from),
      );
    return out;
  }

  /** This column for another thread, its file handed over (see {@link adoptSpilled}); unusable here after. */
  post(): PostedSpill {
    return {
      kind: 'postedCodes',
      levels: this.levels,
      length: this.length,
      file: this.file.handOver(),
      segments: this.segments.slice(),
      tail: this.tail,
    };
  }

  /** Rows `lo` to `hi` of segment `s`, decrypted into this column's byte buffer (valid until the next read). */
  private read(s: CodeSegment, lo: number, hi: number): CodeArray {
    const size = (hi - lo) * s.width;
    if (this.bytes.length < size) this.bytes = new Uint8Array(Math.max(size, 1 << 16));
    const raw = this.file.readRange(s.offset + (lo - s.start) * s.width, size, this.bytes);
    if (s.width === 1) return new Int8Array(raw.buffer, raw.byteOffset, hi - lo);
    if (s.width === 2) return new Int16Array(raw.buffer, raw.byteOffset, hi - lo);
    return new Int32Array(raw.buffer, raw.byteOffset, hi - lo);
  }
}

/** A numeric column read in windows of rows (see {@link CodeWindows}). */
export interface NumberWindows {
  readonly length: number;
  window(from: number, to: number): Float64Array;
}

/** Calls `visit` with each window of `c` in order, and the row it starts at. */
export function eachNumberWindow(
  c: NumberWindows,
  visit: (values: Float64Array, from: number) => void,
): void {
  for (let from = 0; from < c.length; from += WINDOW_ROWS)
    visit(c.window(from, Math.min(c.length, from + WINDOW_ROWS)), from);
}

/**
 * An in-memory numeric column as {@link NumberWindows}: each window is a view, no copy; a scaled column's
 * is decoded into a new array each time, since a pass over thousands of columns would otherwise hold a
 * window's doubles for each (the fairness passes read its mantissas instead, see `numberCodes`).
 */
export function numberWindows(column: NumericColumn | ScaledColumn | SpilledNumbers): NumberWindows {
  if (column instanceof SpilledNumbers) return column;
  if (column.kind === 'scaled')
    return { length: column.mantissas.length, window: (from, to) => decodeScaled(column, from, to) };
  const values = column.values;
  return { length: values.length, window: (from, to) => values.subarray(from, to) };
}

/** Rows of numbers written to a spill file: rows `start` to `start + rows` at byte `offset`. */
interface NumberSegment {
  start: number;
  rows: number;
  offset: number;
}

/**
 * A spilled column posted to another thread of this process: plain data and its file's handle (see
 * `SpillFile.handOver`), made by `post()` and turned back into a column there by {@link adoptSpilled}.
 */
export type PostedSpill =
  | {
      kind: 'postedCodes';
      levels: string[];
      length: number;
      file: SpillFileHandle;
      segments: CodeSegment[];
      tail: CodeArray;
    }
  | {
      kind: 'postedNumbers';
      length: number;
      file: SpillFileHandle;
      segments: NumberSegment[];
      tail: Float64Array;
    };

/** A posted spilled column, its file adopted by `dir` (which closes it). */
export function adoptSpilled(p: PostedSpill, dir: SpillDir): SpilledCodes | SpilledNumbers {
  const file = dir.adopt(p.file);
  return p.kind === 'postedCodes'
    ? new SpilledCodes(p.levels, p.length, file, p.segments, p.tail)
    : new SpilledNumbers(p.length, file, p.segments, p.tail);
}

/**
 * A numeric column held as decimal mantissas: row `i` is `mantissas[i] / 10 ** digits`, exactly the number
 * the reader parsed (NaN where the mantissa is {@link NAN_MANTISSA}). Half the memory of a Float64Array for
 * the numbers files mostly hold (counts, amounts and measurements written with a few decimals): with a label
 * every column of a table is kept, and a table of 10,000 such columns held 65 MB of them as doubles.
 */
export interface ScaledColumn {
  kind: 'scaled';
  mantissas: Int32Array;
  digits: number;
}

/** The mantissa of a missing value (NaN). */
export const NAN_MANTISSA = -0x80000000;
const MAX_MANTISSA = 0x7fffffff;
/** Powers of ten a mantissa is divided by: all exact doubles, and 10^9 still leaves a mantissa room. */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const MAX_DIGITS = POW10.length - 1;

/** What a scaled column's mantissas are divided by. */
export function divisorOf(c: ScaledColumn): number {
  return POW10[c.digits] as number;
}

/**
 * The numbers of rows `from..to` of a scaled column. `m / 10^k` with both exact is the double nearest the
 * decimal `m × 10^-k`, as is the reader's parse of that decimal's text, so every value comes back bit for
 * bit (the builder checks each one as it stores it).
 */
export function decodeScaled(
  c: ScaledColumn,
  from: number,
  to: number,
  out: Float64Array = new Float64Array(to - from),
): Float64Array {
  const m = c.mantissas;
  const p = POW10[c.digits] as number;
  for (let i = from; i < to; i++) {
    const x = m[i] as number;
    out[i - from] = x === NAN_MANTISSA ? NaN : x / p;
  }
  return out;
}

/**
 * Grows a numeric column one row at a time: as decimal mantissas while every value is one (see
 * {@link ScaledColumn}), else as a Float64Array; with a spill, doubles moved to the spill file in blocks past
 * `afterRows` rows, as {@link CategoricalBuilder} does with codes.
 */
export class NumberBuilder {
  /** The mantissas while the column is scaled, else null. */
  private ints: Int32Array | null;
  private digits = 0;
  /** The largest mantissa's magnitude: what a finer scale multiplies. */
  private maxAbs = 0;
  private values: Float64Array;
  private length = 0;
  private spilledRows = 0;
  private file: SpillFile | undefined;
  private readonly segments: NumberSegment[] = [];

  /** `scaled`: whether to try mantissas at all (a range's part posts its numbers as doubles). */
  constructor(
    capacity: number,
    private spill: CodeSpill | undefined,
    scaled = true,
  ) {
    const n = Math.max(16, spill ? Math.min(capacity, spill.afterRows) : capacity);
    this.ints = scaled ? new Int32Array(n) : null;
    this.values = new Float64Array(scaled ? 0 : n);
  }

  push(x: number): void {
    if (this.ints !== null && this.pushScaled(x)) return;
    if (this.length === this.values.length && !this.spillFull()) {
      const next = new Float64Array(grownLength(this.values.length));
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = x;
  }

  /** Stores `x` as a mantissa; false once the column is doubles (this value included, for `push`). */
  private pushScaled(x: number): boolean {
    let m = NAN_MANTISSA;
    if (x === x) {
      m = Math.round(x * (POW10[this.digits] as number));
      if (!this.fits(x, m, this.digits)) {
        if (!this.finerFor(x)) return this.toDoubles();
        m = Math.round(x * (POW10[this.digits] as number));
      }
      const a = m < 0 ? -m : m;
      if (a > this.maxAbs) this.maxAbs = a;
    }
    let ints = this.ints as Int32Array;
    if (this.length === ints.length) {
      // Past the spill's rows the column goes to disk as doubles, as it always did.
      if (this.spill && this.spilledRows + this.length >= this.spill.afterRows) return this.toDoubles();
      const next = new Int32Array(grownLength(ints.length));
      next.set(ints);
      this.ints = ints = next;
    }
    ints[this.length++] = m;
    return true;
  }

  /** Whether mantissa `m` at `digits` gives back `x` exactly (-0 does not: its mantissa is 0). */
  private fits(x: number, m: number, digits: number): boolean {
    return m / (POW10[digits] as number) === x && (m < 0 ? -m : m) <= MAX_MANTISSA && (m !== 0 || 1 / x > 0);
  }

  /** Moves to the fewest digits past the current ones at which `x` fits, if the stored mantissas allow. */
  private finerFor(x: number): boolean {
    for (let d = this.digits + 1; d <= MAX_DIGITS; d++) {
      const factor = POW10[d - this.digits] as number;
      if (this.maxAbs * factor > MAX_MANTISSA) return false;
      if (!this.fits(x, Math.round(x * (POW10[d] as number)), d)) continue;
      const ints = this.ints as Int32Array;
      for (let i = 0; i < this.length; i++) {
        const v = ints[i] as number;
        if (v !== NAN_MANTISSA) ints[i] = v * factor;
      }
      this.maxAbs *= factor;
      this.digits = d;
      return true;
    }
    return false;
  }

  /** The stored mantissas as doubles, from now on; returns false for {@link pushScaled}. */
  private toDoubles(): false {
    const ints = this.ints as Int32Array;
    this.values = decodeScaled(
      { kind: 'scaled', mantissas: ints, digits: this.digits },
      0,
      this.length,
      new Float64Array(ints.length),
    );
    this.ints = null;
    return false;
  }

  private spillFull(): boolean {
    const spill = this.spill;
    if (!spill || this.spilledRows + this.length < spill.afterRows) return false;
    this.file ??= spill.file();
    if (!this.file) {
      this.spill = undefined;
      return false;
    }
    this.segments.push({ start: this.spilledRows, rows: this.length, offset: this.file.size });
    this.file.append(this.values.subarray(0, this.length));
    this.spilledRows += this.length;
    this.length = 0;
    return true;
  }

  get size(): number {
    return this.spilledRows + this.length;
  }

  release(): void {
    this.file?.close();
    this.file = undefined;
  }

  build(): NumericColumn | ScaledColumn | SpilledNumbers {
    if (this.ints !== null)
      return { kind: 'scaled', mantissas: this.ints.subarray(0, this.length), digits: this.digits };
    const tail = this.values.subarray(0, this.length);
    if (this.segments.length === 0) return { kind: 'numeric', values: tail };
    return new SpilledNumbers(this.size, this.file as SpillFile, this.segments.slice(), tail);
  }

  /** The column's numbers as doubles in memory (a range's part; never spilled). */
  doubles(): Float64Array {
    if (this.segments.length > 0) throw new Error('NumberBuilder.doubles: the numbers were spilled.');
    return this.ints !== null
      ? decodeScaled({ kind: 'scaled', mantissas: this.ints, digits: this.digits }, 0, this.length)
      : this.values.subarray(0, this.length);
  }
}

/**
 * A numeric column whose older values are in an encrypted temporary file, read back in windows (see
 * {@link SpilledCodes}, which this mirrors at one width).
 */
export class SpilledNumbers implements NumberWindows {
  readonly kind = 'spilledNumeric';
  private out = new Float64Array(0);
  private bytes = new Uint8Array(0);

  constructor(
    readonly length: number,
    private readonly file: SpillFile,
    private readonly segments: readonly NumberSegment[],
    private readonly tail: Float64Array,
  ) {}

  /** This column for another thread, its file handed over (see {@link adoptSpilled}); unusable here after. */
  post(): PostedSpill {
    return {
      kind: 'postedNumbers',
      length: this.length,
      file: this.file.handOver(),
      segments: this.segments.slice(),
      tail: this.tail,
    };
  }

  window(from: number, to: number): Float64Array {
    if (from < 0 || to > this.length || from > to)
      throw new RangeError(`window(${from}, ${to}) of ${this.length} rows`);
    const tailStart = this.length - this.tail.length;
    if (from >= tailStart) return this.tail.subarray(from - tailStart, to - tailStart);
    const n = to - from;
    if (this.out.length < n) this.out = new Float64Array(Math.max(n, WINDOW_ROWS));
    const out = this.out.subarray(0, n);
    for (const s of this.segments) {
      const lo = Math.max(from, s.start);
      const hi = Math.min(to, s.start + s.rows);
      if (lo >= hi) continue;
      const size = (hi - lo) * 8;
      // A fresh buffer starts at byte 0, so the view below is aligned for 8-byte values.
      if (this.bytes.length < size) this.bytes = new Uint8Array(Math.max(size, WINDOW_ROWS * 8));
      const raw = this.file.readRange(s.offset + (lo - s.start) * 8, size, this.bytes);
      out.set(new Float64Array(raw.buffer, raw.byteOffset, hi - lo), lo - from);
    }
    if (to > tailStart)
      out.set(
        this.tail.subarray(Math.max(from, tailStart) - tailStart, to - tailStart),
        Math.max(0, tailStart - from),
      );
    return out;
  }
}

/** Encodes a plain array (tests, small inputs). */
export function encodeCategorical(values: readonly (string | undefined)[]): CategoricalColumn {
  const b = new CategoricalBuilder(values.length);
  for (const v of values) b.push(v);
  return b.build();
}

/** Options of {@link AdaptiveColumnBuilder}. */
export interface AdaptiveColumnOptions {
  /**
   * Range mode: the builder sees one range of a file split by rows and its {@link BuilderPart} goes to a
   * {@link ColumnMerge}; it never drops what the merge may need (see {@link AdaptiveColumnBuilder.finishPart}).
   */
  partial?: boolean;
  /**
   * With `partial`: the range starts the file (no range before it has a value in this column), so its
   * distinct values come first in the file too and it may drop the column as a whole-file builder would.
   */
  first?: boolean;
  /**
   * Codes (or numbers) past `spill.afterRows` rows go to a temporary file (not with `partial`): for a scan
   * whose analyses read the column back in windows (k-anonymity, and with a label the fairness passes).
   * {@link AdaptiveColumnBuilder.build} then gives {@link SpilledCodes} or {@link SpilledNumbers}.
   */
  spill?: CodeSpill;
  /** The table writes decimals with a comma (`decimalCommaIn`): `1,5` is the number 1.5. */
  decimalComma?: boolean;
}

/**
 * One range's column, for {@link ColumnMerge}. Plain data and typed arrays, so a worker thread can post it
 * (see {@link builderPartTransferables}).
 * - `categorical`: the range had at most the limit's distinct values: codes and levels as
 *   {@link CategoricalBuilder} numbers them (first appearance in the range).
 * - `numeric`: the range alone had more, so the file's column is numeric or dropped: `Number(value)` a row
 *   (NaN for missing), the first `leadingNaN` rows left out while they were all NaN, and the range's
 *   first `softLimit + 1` distinct values in order, all the merge needs to tell which of the two it is.
 * - `dropped`: a `first` range that settled the file's column is dropped.
 * - `unneeded`: no analysis of this scan uses the column (see {@link AdaptiveColumnBuilder.discard}), which
 *   every range can tell from the head of the file, so the merge drops it too.
 */
export type BuilderPart =
  | { kind: 'categorical'; codes: CodeArray; levels: string[] }
  | { kind: 'numeric'; firstLevels: string[]; leadingNaN: number; values: Float64Array }
  | { kind: 'dropped' }
  | { kind: 'unneeded' };

/** The buffers of a part, to transfer rather than copy when posting it to another thread. */
export function builderPartTransferables(part: BuilderPart): ArrayBuffer[] {
  if (part.kind === 'categorical') return [part.codes.buffer as ArrayBuffer];
  if (part.kind === 'numeric') return [part.values.buffer as ArrayBuffer];
  return [];
}

/** What {@link AdaptiveColumnBuilder.pushCode} returns once the column is not coded. */
export const NOT_CODED = -2;

/**
 * Keeps one column in the cheapest faithful form while rows stream by: dictionary codes while it has few
 * distinct values; a Float64Array once a numeric column has many (an amount, a weight); nothing once a text
 * column has many (ids, names, free text). A column the caller needs anyway (`keepText`: a quasi-identifier
 * such as a postal code) stays coded up to `hardLimit` distinct values; past it, a numeric one becomes a
 * Float64Array and a text one is dropped.
 *
 * So the outcome hangs on two things only: whether the column ever has more distinct values than its limit
 * (see `limitOf`), and whether its first `softLimit + 1` distinct values (in order of first appearance) are
 * all numbers. A numeric column holds `Number(value)` for every row however late it switched. {@link ColumnMerge}
 * relies on exactly this. A value past `TOP_VALUE_CHARS` characters is taken as its `standIn` (text, then) by
 * every way in, so one value is one level in any range.
 */
export class AdaptiveColumnBuilder {
  private cat: CategoricalBuilder | null;
  private num: NumberBuilder | null = null;
  private readonly spill: CodeSpill | undefined;
  private allNumeric = true;
  /** A kept column whose values were all numbers when it passed the soft limit. */
  private numericPastSoft = false;
  private dropped = false;
  /** Dropped by {@link discard}, not by its values. */
  private unneeded = false;
  private readonly partial: boolean;
  private readonly first: boolean;
  /** Range mode past the limit: the range's first `softLimit + 1` distinct values. */
  private firstLevels: string[] | null = null;
  /** Range mode past the limit: rows not stored in `num` because they and all before them were NaN. */
  private leadingNaN = 0;
  private readonly decimalComma: boolean;

  constructor(
    private readonly softLimit: number,
    private readonly keepText: boolean,
    private readonly hardLimit: number,
    options: AdaptiveColumnOptions = {},
  ) {
    this.partial = options.partial ?? false;
    this.first = options.first ?? false;
    this.decimalComma = options.decimalComma ?? false;
    if (this.partial && options.spill)
      throw new Error('A range-mode builder cannot spill (its part is posted).');
    this.spill = options.spill;
    // One builder a column, until the privacy scanner decides (2,000 values): small at first, since a table
    // thousands of columns wide has few rows.
    this.cat = new CategoricalBuilder(64, options.spill);
  }

  /** Appends a value (`undefined`: missing); returns its code as {@link pushCode} does. */
  push(value: string | undefined): number {
    return this.pushCode(undefined, value);
  }

  /**
   * {@link push} with the value's dictionary code when the caller has one (see
   * {@link CategoricalBuilder.pushCode}); `undefined` to look it up. Returns the code while the column is
   * coded (-1 for a missing value), else {@link NOT_CODED}: so a caller whose own numbering of the values
   * stopped (the profiler's, past its cap) can go on with the builder's.
   */
  pushCode(code: number | undefined, value: string | undefined, a?: number, b?: number): number {
    // A long value is kept as its stand-in, which numbers as the value would (see `standIn`).
    if (value !== undefined && value.length > TOP_VALUE_CHARS) value = standIn(value, a, b);
    if (this.cat) {
      const before = this.cat.levelCount;
      if (code === undefined) code = this.cat.push(value);
      else this.cat.pushCode(code, value);
      return this.coded(before, code, value);
    }
    return this.pushPast(value);
  }

  /** {@link push} of a present value with its hash lanes (see {@link CategoricalBuilder.pushHashed}). */
  pushHashed(value: string, a: number, b: number): number {
    if (value.length > TOP_VALUE_CHARS) {
      // The levels are looked up by their texts' hashes: the stand-in's, then.
      value = standIn(value, a, b);
      hashString(value);
      a = hashOut[0] as number;
      b = hashOut[1] as number;
    }
    if (this.cat) {
      const before = this.cat.levelCount;
      return this.coded(before, this.cat.pushHashed(value, a, b), value);
    }
    return this.pushPast(value);
  }

  /** After a value was coded: what a new level tells about the column. */
  private coded(before: number, code: number, value: string | undefined): number {
    const levels = (this.cat as CategoricalBuilder).levelCount;
    if (levels === before) return code;
    // Only a value never seen before can change what the column is.
    if (this.allNumeric && value !== undefined && !isNumberText(value, this.decimalComma))
      this.allNumeric = false;
    if (levels > this.softLimit) {
      if (this.keepText) {
        // A quasi-identifier stays coded (at most 4 bytes a row, its values as written: postal code 02134 is not
        // 2134), as the categories k-anonymity needs; numbers only past the hard limit.
        if (levels === this.softLimit + 1) this.numericPastSoft = this.allNumeric;
        if (levels > this.hardLimit) this.pastLimit(this.numericPastSoft);
      } else this.pastLimit(this.allNumeric);
    }
    return code;
  }

  /** A value once the column is no longer coded: its number, or nothing. */
  private pushPast(value: string | undefined): number {
    const parse = this.decimalComma ? parseCommaNumber : parseNumber;
    if (this.num) {
      this.num.push(value === undefined ? NaN : parse(value));
    } else if (this.firstLevels) {
      // A text column past the limit in a range that cannot tell whether the file keeps it: NaN after NaN
      // costs nothing until a value parses, so ids and names in a column the file drops stay cheap.
      const x = value === undefined ? NaN : parse(value);
      if (x !== x) this.leadingNaN++;
      else {
        this.num = new NumberBuilder(64, undefined, false);
        this.num.push(x);
      }
    }
    return NOT_CODED;
  }

  /** Past the limit: numbers or nothing, as the first `softLimit + 1` distinct values say. */
  private pastLimit(numeric: boolean): void {
    if (this.partial) {
      // Whether the file keeps the column depends on the distinct values before the range, unless there were
      // none.
      this.firstLevels = (this.cat as CategoricalBuilder).levelTexts(0, this.softLimit + 1);
      if (numeric || !this.first) this.toNumeric();
      else this.drop();
    } else if (numeric) this.toNumeric();
    else this.drop();
  }

  private toNumeric(): void {
    const cat = this.cat as CategoricalBuilder;
    // A spilled column's numbers go through the same spill, read from its file window by window.
    const c = cat.windows();
    // Unboxed: every column of a wide table passes its limit at about the same row.
    const parsed = cat.parsedLevels(this.decimalComma);
    this.cat = null;
    if (this.partial && parsed.every((x) => x !== x)) {
      this.leadingNaN = c.length;
      return;
    }
    const num = new NumberBuilder(grownLength(c.length), this.spill);
    this.num = num;
    eachWindow(c, (codes) => {
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i] as number;
        num.push(code < 0 ? NaN : (parsed[code] as number));
      }
    });
    cat.release();
  }

  private drop(): void {
    this.cat?.release();
    this.cat = null;
    this.dropped = true;
  }

  /**
   * Drops the column because no analysis will use it (without a label, only the quasi-identifiers are
   * needed, for k-anonymity): its codes were most of what a scan held per row. Later values are ignored;
   * {@link build} gives undefined and a range's part is `unneeded`.
   */
  discard(): void {
    this.cat?.release();
    this.cat = null;
    this.num?.release();
    this.num = null;
    this.firstLevels = null;
    this.dropped = true;
    this.unneeded = true;
  }

  /**
   * True once the column was dropped: later values change nothing, so a caller may stop pushing them. In
   * range mode only a `first` range ever drops by its values: any other cannot know the file's first
   * distinct values.
   */
  get isDropped(): boolean {
    return this.dropped;
  }

  /**
   * The column, or undefined when it was dropped for having too many distinct non-numeric values; with a
   * spill, {@link SpilledCodes} once its codes passed `spill.afterRows` rows.
   */
  build(): EncodedColumn | ScaledColumn | SpilledCodes | SpilledNumbers | undefined {
    if (this.partial) throw new Error('A range-mode builder gives a part for ColumnMerge: call finishPart.');
    if (this.dropped) return undefined;
    if (this.num) return this.num.build();
    if (this.cat?.spilled) return this.cat.buildSpilled();
    return this.cat?.build();
  }

  /** The range's part for {@link ColumnMerge} (range mode). */
  finishPart(): BuilderPart {
    if (!this.partial) throw new Error('finishPart needs a builder in range mode (options.partial).');
    if (this.unneeded) return { kind: 'unneeded' };
    if (this.dropped) return { kind: 'dropped' };
    if (this.cat) return this.cat.build();
    return {
      kind: 'numeric',
      firstLevels: this.firstLevels as string[],
      leadingNaN: this.leadingNaN,
      values: this.num ? this.num.doubles() : new Float64Array(0),
    };
  }
}

/**
 * The distinct values past which {@link AdaptiveColumnBuilder} stops coding a column: the soft limit, or for
 * a kept column the larger of the two (it tests the hard limit only once past the soft one).
 */
function limitOf(softLimit: number, keepText: boolean, hardLimit: number): number {
  return keepText ? Math.max(softLimit, hardLimit) : softLimit;
}

/**
 * Joins the {@link BuilderPart}s of a file split into consecutive row ranges, given in file order, into
 * exactly the column one {@link AdaptiveColumnBuilder} with the same limits gives over the whole file.
 *
 * The whole-file outcome hangs on two things (see {@link AdaptiveColumnBuilder}): whether the file has more
 * than the limit's distinct values, and whether its first `softLimit + 1` distinct values are all numbers.
 * While the merged column stays coded it holds the file's levels in order of first appearance (a range's
 * levels, remapped by text, come after all earlier ranges' and in the range's own order), so both are read
 * off as levels are added; the switch is applied at the end of the range that crosses the limit, which gives
 * the same column since a numeric column is `Number(value)` a row however late it switched. A `numeric`
 * part had more than the limit alone, so the file does too; if fewer than `softLimit + 1` distinct values
 * came before it, its first `softLimit + 1` values complete the file's: walking them, each is either one the
 * file had or a new one, and at most `softLimit + 1` steps reach that count.
 */
export class ColumnMerge {
  private readonly limit: number;
  /** The merged codes, numbered by first appearance in the file; with a spill, moved to disk as they grow. */
  private cat: CategoricalBuilder | null;
  /** The merged levels: a level gets its code when a part lists it, before its rows reach `cat`. */
  private levels: string[] = [];
  /** Code by text, of the first `indexed` levels: built only when a part's levels must be looked up. */
  private index = new Map<string, number>();
  private indexed = 0;
  /**
   * Whether the levels so far all came by merged ids. A new code cannot be checked against the texts without
   * the lookup it saves, so once a part's levels were looked up by text, ids are not taken again.
   */
  private byIdsSoFar = true;
  private allNumeric = true;
  /** Whether the file's first `softLimit + 1` distinct values are all numbers, once it has that many. */
  private numericPastSoft: boolean | undefined;
  private num: NumberBuilder | null = null;
  private dropped = false;

  /** `spill`: where the merged codes or numbers go past its `afterRows` rows (see {@link CodeSpill}). */
  constructor(
    private readonly softLimit: number,
    keepText: boolean,
    hardLimit: number,
    private readonly spill?: CodeSpill,
    /** The table writes decimals with a comma (`decimalCommaIn`). */
    private readonly decimalComma = false,
  ) {
    this.limit = limitOf(softLimit, keepText, hardLimit);
    // A small spill threshold (tests) spills small blocks, as `NumberBuilder` does.
    this.cat = new CategoricalBuilder(spill ? Math.min(1024, spill.afterRows) : 1024, spill);
  }

  /**
   * Folds in the next range's part. `mergedIds`, where the caller has them: the merged code of each of the
   * part's levels, as numbered by a merge of the ranges' value ids (`ProfilerMerge.mergedIds`, whose ids are
   * the builders' codes); checked against the levels' texts and used instead of looking every text up.
   */
  add(part: BuilderPart, mergedIds?: Int32Array): void {
    if (this.dropped) return;
    if (part.kind === 'unneeded') {
      this.drop();
      return;
    }
    if (part.kind === 'dropped') {
      if (this.levels.length > 0 || this.num)
        throw new Error('Only a range with no value before it may drop a column (options.first).');
      this.drop();
      return;
    }
    if (this.num) {
      this.appendNumbers(part);
      return;
    }
    if (part.kind === 'categorical') {
      let map = mergedIds && this.byIdsSoFar ? this.byIds(part.levels, mergedIds) : undefined;
      if (!map) {
        if (part.levels.length > 0) this.byIdsSoFar = false;
        map = new Int32Array(part.levels.length);
        for (let k = 0; k < part.levels.length; k++) map[k] = this.levelCode(part.levels[k] as string);
      }
      // A part numbers its levels by first appearance, and new merged codes follow the part's order, so
      // each new code reaches `cat` as its next level.
      const cat = this.cat as CategoricalBuilder;
      for (let i = 0; i < part.codes.length; i++) {
        const c = part.codes[i] as number;
        const code = c < 0 ? -1 : (map[c] as number);
        cat.pushCode(code, code === cat.levelCount ? this.levels[code] : undefined);
      }
      if (this.levels.length > this.limit) this.pastLimit();
      return;
    }
    let known = this.levels.length;
    let allNumeric = this.allNumeric;
    this.catchUp();
    for (const level of part.firstLevels) {
      if (this.numericPastSoft !== undefined) break;
      if (this.index.has(level)) continue;
      if (allNumeric && !isNumberText(level, this.decimalComma)) allNumeric = false;
      if (++known === this.softLimit + 1) this.numericPastSoft = allNumeric;
    }
    // Only limits other than the builders' could leave it open.
    if (this.numericPastSoft === undefined)
      throw new Error(`A numeric part lists fewer than ${this.softLimit + 1} distinct values.`);
    this.pastLimit();
    if (this.num) this.appendNumbers(part);
  }

  /** The column, or undefined when the file's column would have been dropped. */
  build(): EncodedColumn | ScaledColumn | SpilledCodes | SpilledNumbers | undefined {
    if (this.dropped) return undefined;
    if (this.num) return this.num.build();
    const cat = this.cat as CategoricalBuilder;
    return cat.spilled ? cat.buildSpilled() : cat.build();
  }

  /** The merged code of `level`, added as the next level when new. */
  private levelCode(level: string): number {
    this.catchUp();
    const known = this.index.get(level);
    if (known !== undefined) return known;
    const code = this.newLevel(level);
    this.index.set(level, code);
    this.indexed++;
    return code;
  }

  /**
   * `ids` as the part's map to merged codes, or undefined where they do not fit this merge's levels: a code
   * already given must name the same text, a new code must be the next one (and its text is new where the
   * ids and this merge have seen the same values, which {@link byIdsSoFar} ensures). In a ZIP-code column of
   * a 200 MB file split into 4 MB ranges, the text lookups they replace were a third of the merging thread's
   * time.
   */
  private byIds(levels: readonly string[], ids: Int32Array): Int32Array | undefined {
    if (ids.length !== levels.length) return undefined;
    let next = this.levels.length;
    for (let k = 0; k < ids.length; k++) {
      const code = ids[k] as number;
      if (code === next) next++;
      else if (code < 0 || code > next || this.levels[code] !== levels[k]) return undefined;
    }
    for (let k = 0; k < ids.length; k++)
      if ((ids[k] as number) === this.levels.length) this.newLevel(levels[k] as string);
    return ids;
  }

  /** Enters the levels given codes by {@link byIds} into the index, before a lookup by text. */
  private catchUp(): void {
    for (; this.indexed < this.levels.length; this.indexed++)
      this.index.set(this.levels[this.indexed] as string, this.indexed);
  }

  private newLevel(level: string): number {
    const code = this.levels.length;
    this.levels.push(level);
    if (this.allNumeric && !isNumberText(level, this.decimalComma)) this.allNumeric = false;
    if (code + 1 === this.softLimit + 1) this.numericPastSoft = this.allNumeric;
    return code;
  }

  /** The file has more distinct values than the limit: numbers or nothing, as the whole-file builder. */
  private pastLimit(): void {
    if (this.numericPastSoft !== true) {
      this.drop();
      return;
    }
    const cat = this.cat as CategoricalBuilder;
    const c = codeWindows(cat.spilled ? cat.buildSpilled() : cat.build());
    const parsed = this.levels.map(this.decimalComma ? parseCommaNumber : Number);
    const num = new NumberBuilder(Math.max(1024, grownLength(c.length)), this.spill);
    eachWindow(c, (codes) => {
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i] as number;
        num.push(code < 0 ? NaN : (parsed[code] as number));
      }
    });
    this.num = num;
    this.freeCodes();
  }

  private appendNumbers(part: BuilderPart): void {
    if (part.kind === 'dropped' || part.kind === 'unneeded') return;
    const num = this.num as NumberBuilder;
    if (part.kind === 'categorical') {
      const parsed = part.levels.map(this.decimalComma ? parseCommaNumber : Number);
      for (let i = 0; i < part.codes.length; i++) {
        const c = part.codes[i] as number;
        num.push(c < 0 ? NaN : (parsed[c] as number));
      }
    } else {
      for (let i = 0; i < part.leadingNaN; i++) num.push(NaN);
      for (let i = 0; i < part.values.length; i++) num.push(part.values[i]!);
    }
  }

  private drop(): void {
    this.dropped = true;
    this.num?.release();
    this.num = null;
    this.freeCodes();
  }

  private freeCodes(): void {
    this.cat?.release();
    this.cat = null;
    this.levels = [];
    this.index = new Map();
    this.indexed = 0;
  }
}
