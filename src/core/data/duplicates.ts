/**
 * Exact duplicate rows with bounded memory: a 64-bit hash per distinct row (see `hash.ts`), kept in an
 * open-addressing table of typed arrays (12 bytes a slot), never the rows themselves. Two different rows
 * are taken as equal only if both 32-bit lanes collide, about 2^-64 per pair.
 */
import type { DataRow } from './table';
import { growSlots, hashOut, hashValues } from './hash';

export interface DuplicateResult {
  /** Rows equal to an earlier row (the first occurrence is not counted). */
  duplicateRows: number;
  /** The first 100 duplicates with the 1-based row they repeat. */
  examples: { row: number; duplicateOf: number }[];
}

/**
 * One row range's duplicates, for {@link DuplicateMerge}: row numbers are local to the range (1-based from
 * its first row). Plain data and typed arrays, so a worker thread can post it (see
 * {@link duplicatePartTransferables}).
 */
export interface DuplicatePart {
  /** Each distinct row of the range once: (first row, lane A, lane B) triples, rows increasing. */
  distinct: Int32Array;
  /** Rows equal to an earlier row of the same range. */
  duplicateRows: number;
  /**
   * The first 100 of those as (row, lane A, lane B) triples, rows increasing: their lanes, not the row they
   * repeat, since that row may itself repeat an earlier range and only the merge can tell.
   */
  examples: Int32Array;
}

/** The buffers of a part, to transfer rather than copy when posting it to another thread. */
export function duplicatePartTransferables(part: DuplicatePart): ArrayBuffer[] {
  return [part.distinct.buffer as ArrayBuffer, part.examples.buffer as ArrayBuffer];
}

const MAX_EXAMPLES = 100;

/**
 * Distinct rows by their 64-bit hash with the row each first occurred in: an open-addressing table of typed
 * arrays, three numbers a slot side by side (one cache line a probe): 1-based first row (0 marks an empty
 * slot), lane A, lane B. Shared by the detector and the merge of a file split by rows.
 */
class FirstRowTable {
  private slots = new Int32Array(3 << 12);
  private slotCount = 1 << 12;
  size = 0;

  /** The first row with these lanes, or 0 when there was none (`row` is then recorded as the first). */
  findOrInsert(row: number, ha: number, hb: number): number {
    const slots = this.slots;
    const mask = this.slotCount - 1;
    let i = ha & mask;
    for (;;) {
      const f = slots[3 * i] as number;
      if (f === 0) break;
      if (slots[3 * i + 1] === ha && slots[3 * i + 2] === hb) return f;
      i = (i + 1) & mask;
    }
    slots[3 * i] = row;
    slots[3 * i + 1] = ha;
    slots[3 * i + 2] = hb;
    // Grown at a load of 3/4 (linear probing stays short with a 64-bit hash): 600,000 distinct rows fit in
    // 2^20 slots, 12 MB, where a load of 1/2 took twice that.
    if (++this.size * 4 > this.slotCount * 3) {
      this.slots = growSlots(this.slots, this.slotCount);
      this.slotCount *= 2;
    }
    return 0;
  }

  /** The first row with these lanes, or 0. */
  find(ha: number, hb: number): number {
    const slots = this.slots;
    const mask = this.slotCount - 1;
    for (let i = ha & mask; ; i = (i + 1) & mask) {
      const f = slots[3 * i] as number;
      if (f === 0 || (slots[3 * i + 1] === ha && slots[3 * i + 2] === hb)) return f;
    }
  }

  /** The distinct rows as (first row, lane A, lane B) triples in increasing row order. */
  sortedByRow(): Int32Array<ArrayBuffer> {
    return sortedByRow(this.slots, this.slotCount, this.size);
  }
}

export class DuplicateRowDetector {
  private readonly table = new FirstRowTable();
  private duplicates = 0;
  private readonly examples: { row: number; duplicateOf: number }[] = [];
  /** The examples' hash lanes, two a row, for {@link finishPart}. */
  private readonly exampleLanes = new Int32Array(2 * MAX_EXAMPLES);

  /** Rows are compared on `values` exactly as read (a missing cell differs from an empty string). */
  add(row: DataRow): void {
    hashValues(row.values);
    this.addHash(row.index, hashOut[0] as number, hashOut[1] as number);
  }

  /** Adds row `index` (1-based, in order) by a 64-bit hash of its values the caller computed (see `hashCells`). */
  addHash(index: number, ha: number, hb: number): void {
    const f = this.table.findOrInsert(index, ha, hb);
    if (f === 0) return;
    this.duplicates++;
    if (this.examples.length < MAX_EXAMPLES) {
      this.exampleLanes[2 * this.examples.length] = ha;
      this.exampleLanes[2 * this.examples.length + 1] = hb;
      this.examples.push({ row: index, duplicateOf: f });
    }
  }

  finish(): DuplicateResult {
    return { duplicateRows: this.duplicates, examples: this.examples.slice() };
  }

  /** The rows added so far as one range of a file split by rows (see {@link DuplicateMerge}). */
  finishPart(): DuplicatePart {
    const examples = new Int32Array(3 * this.examples.length);
    this.examples.forEach((e, k) => {
      examples[3 * k] = e.row;
      examples[3 * k + 1] = this.exampleLanes[2 * k] as number;
      examples[3 * k + 2] = this.exampleLanes[2 * k + 1] as number;
    });
    return {
      distinct: this.table.sortedByRow(),
      duplicateRows: this.duplicates,
      examples,
    };
  }
}

/**
 * The occupied slots of a table as triples in increasing row order. A radix sort on the row (three 11-bit
 * digits; rows are positive 31-bit numbers): linear in the table, where a comparison sort of a million rows
 * would call back into JavaScript some twenty million times, and small counts so a small range stays cheap.
 */
function sortedByRow(slots: Int32Array, slotCount: number, size: number): Int32Array<ArrayBuffer> {
  let from = new Int32Array(3 * size);
  let k = 0;
  for (let j = 0; j < slotCount; j++) {
    if (slots[3 * j] === 0) continue;
    from[k++] = slots[3 * j] as number;
    from[k++] = slots[3 * j + 1] as number;
    from[k++] = slots[3 * j + 2] as number;
  }
  let to = new Int32Array(3 * size);
  const start = new Int32Array(1 << 11);
  for (let shift = 0; shift < 33; shift += 11) {
    start.fill(0);
    for (let i = 0; i < size; i++) {
      const d = ((from[3 * i] as number) >>> shift) & 0x7ff;
      start[d] = (start[d] as number) + 1;
    }
    // Counts to each digit's first position.
    let sum = 0;
    for (let d = 0; d < start.length; d++) {
      const c = start[d] as number;
      start[d] = sum;
      sum += c;
    }
    // Stable, so rows sharing this digit stay in the order of the lower ones.
    for (let i = 0; i < size; i++) {
      const row = from[3 * i] as number;
      const d = (row >>> shift) & 0x7ff;
      const q = start[d] as number;
      start[d] = q + 1;
      const p = 3 * q;
      to[p] = row;
      to[p + 1] = from[3 * i + 1] as number;
      to[p + 2] = from[3 * i + 2] as number;
    }
    [from, to] = [to, from];
  }
  return from;
}

/**
 * Joins the {@link DuplicatePart}s of a file split into consecutive row ranges, given in file order, into
 * exactly the result of one {@link DuplicateRowDetector} over the whole file. It keeps one table of the
 * file's distinct rows, as the detector does (12 bytes a slot, global first rows), and folds each part in:
 * a range's distinct row already in the table is a duplicate across ranges, of the row the table holds;
 * a range's own duplicates count as they are and repeat whatever row the table holds for their lanes once
 * the range's distinct rows are in (the range's first occurrence, or the earlier range's row that one
 * repeats).
 *
 * Why the first 100 global examples are always at hand: a range's duplicates in the whole file are its
 * duplicates across ranges (all of them, from its distinct rows) and its own duplicates (only the first 100
 * kept). The global list takes, range by range in file order, a range's duplicates in row order until it
 * holds 100, so at most the first 100 of one range's duplicates. Any of the range's own duplicates among
 * those is preceded, within the range, by fewer than 100 of its own duplicates, so it is among the 100 the
 * range kept. The two lists are merged in row order.
 */
export class DuplicateMerge {
  private readonly table = new FirstRowTable();
  private duplicates = 0;
  private readonly examples: { row: number; duplicateOf: number }[] = [];

  /** Folds in the next range's part; `rowOffset` is the number of rows in all earlier ranges. */
  add(part: DuplicatePart, rowOffset: number): void {
    const need = MAX_EXAMPLES - this.examples.length;
    const across: { row: number; duplicateOf: number }[] = [];
    const distinct = part.distinct;
    for (let k = 0; k < distinct.length; k += 3) {
      const row = rowOffset + (distinct[k] as number);
      const first = this.table.findOrInsert(row, distinct[k + 1] as number, distinct[k + 2] as number);
      if (first === 0) continue;
      this.duplicates++;
      // Rows increase, so the first `need` are the only ones that can still become examples.
      if (across.length < need) across.push({ row, duplicateOf: first });
    }
    this.duplicates += part.duplicateRows;
    if (need === 0) return;
    const own = part.examples;
    let i = 0;
    let j = 0;
    while (this.examples.length < MAX_EXAMPLES && (i < across.length || 3 * j < own.length)) {
      const ownRow = 3 * j < own.length ? rowOffset + (own[3 * j] as number) : Infinity;
      const a = across[i];
      if (a !== undefined && a.row < ownRow) {
        this.examples.push(a);
        i++;
        continue;
      }
      const first = this.table.find(own[3 * j + 1] as number, own[3 * j + 2] as number);
      if (first === 0) throw new Error(`Row ${ownRow} repeats a row its part does not list.`);
      this.examples.push({ row: ownRow, duplicateOf: first });
      j++;
    }
  }

  finish(): DuplicateResult {
    return { duplicateRows: this.duplicates, examples: this.examples.slice() };
  }
}
