/**
 * Exact duplicate rows with little memory per row: a 64-bit hash per row (see `hash.ts`), never the rows
 * themselves. Two different rows are taken as equal only if both 32-bit lanes collide, about 2^-64 per pair.
 *
 * Rows are not looked up as they come. Each row's (row, lane A, lane B) goes to one of 16 lists by the top
 * bits of lane B, 12 bytes a row in blocks that are never copied; at the end each list in turn fills a table
 * sized for it, in row order, which finds every row's first occurrence. One growing table of all rows took
 * 16 to 32 bytes a row (load 3/8 to 3/4), and each doubling held the old and the new table at once: 25 MB of
 * the 63 MB a 1.2-million-row scan kept for its rows. The lists take 12 bytes a row, and the tables one
 * sixteenth of the rows at a time. Past `SpillDir.afterRows` rows the lists go to encrypted temporary files
 * (see `spill.ts`) and only each list's block being filled stays in memory.
 */
import type { DataRow } from './table';
import { growSlots, hashOut, hashValues } from './hash';
import type { SpillDir, SpillFile } from './spill';

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
  private slots: Int32Array;
  private slotCount: number;
  size = 0;

  /** Sized so that `expected` rows fit without growing. */
  constructor(expected = 3072) {
    let n = 16;
    while (n * 3 < expected * 4) n *= 2;
    this.slotCount = n;
    this.slots = new Int32Array(3 * n);
  }

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
}

/** Lists of {@link TripleLists}: the top four bits of lane B. */
const LISTS = 16;
/**
 * The most triples {@link TripleLists.walk} puts in one table (12 MB of slots): a spilled list with more is
 * first split into sub-lists by lane A, so the table at the end does not grow with the file (at 4 GB a list
 * holds 1.5 million rows).
 */
const MAX_WALK = 1 << 19;
/** Triples a block of a list holds once the list is past its first, smaller blocks. */
const BLOCK_TRIPLES = 4096;

/**
 * (row, lane A, lane B) triples appended in row order to 16 lists by the top bits of lane B, in blocks that
 * are never copied; {@link walk} finds each list's first occurrences in a table sized for that list alone.
 */
class TripleLists {
  private readonly blocks: Int32Array[][] = Array.from({ length: LISTS }, () => []);
  private readonly current: Int32Array[] = Array.from({ length: LISTS }, () => new Int32Array(0));
  private readonly used = new Int32Array(LISTS);
  /** Each list's file once the lists spill: its older blocks, in order, before `blocks` and `current`. */
  private files: SpillFile[] | undefined;
  /** Triples pushed while not spilling yet. */
  private pushed = 0;

  /**
   * With `spill`, the lists go to its files past its `afterRows` triples; `maxWalk` triples at most in one
   * table at the end (see {@link walk}; smaller in tests).
   */
  constructor(
    private spill?: SpillDir,
    private readonly maxWalk = MAX_WALK,
  ) {}

  push(row: number, ha: number, hb: number): void {
    const l = hb >>> 28;
    let cur = this.current[l] as Int32Array;
    let u = this.used[l] as number;
    if (u === cur.length) {
      // Written out (encrypted into a new buffer) once spilling, so a full-size block is free to fill again.
      if (this.files) this.files[l]!.append(cur);
      else if (u > 0) this.blocks[l]!.push(cur);
      if (!this.files || u < 3 * BLOCK_TRIPLES) {
        // Blocks start small (a small file or range pays little) and double up to BLOCK_TRIPLES.
        cur = new Int32Array(3 * Math.min(BLOCK_TRIPLES, Math.max(16, (2 * u) / 3)));
        this.current[l] = cur;
      }
      u = 0;
    }
    cur[u] = row;
    cur[u + 1] = ha;
    cur[u + 2] = hb;
    this.used[l] = u + 3;
    if (this.spill && !this.files && ++this.pushed > this.spill.afterRows) this.startSpilling(this.spill);
  }

  /** Moves every full block to the lists' files; from now on blocks are written out as they fill. */
  private startSpilling(spill: SpillDir): void {
    const made = Array.from({ length: LISTS }, () => spill.file());
    if (made.some((f) => !f)) {
      // No room on disk: the lists stay in memory.
      for (const f of made) f?.close();
      this.spill = undefined;
      return;
    }
    const files = made as SpillFile[];
    for (let l = 0; l < LISTS; l++) {
      for (const b of this.blocks[l]!) files[l]!.append(b);
      this.blocks[l] = [];
    }
    this.files = files;
  }

  /** Drops every triple (the lists' blocks become garbage, their files are closed). */
  clear(): void {
    for (let l = 0; l < LISTS; l++) {
      this.blocks[l] = [];
      this.current[l] = new Int32Array(0);
      this.used[l] = 0;
      this.files?.[l]!.close();
    }
    this.files = undefined;
  }

  /** Triples in list `l`. */
  count(l: number): number {
    let n = (this.used[l] as number) / 3 + (this.files ? this.files[l]!.size / 12 : 0);
    for (const b of this.blocks[l]!) n += b.length / 3;
    return n;
  }

  /**
   * Walks list `l` through tables of at most `maxWalk` triples: `first` for each row whose lanes are new,
   * `repeat` with the row they first came in for the others, and `done` with each table once its triples are
   * walked, for looking up further lanes (those `holds` says are its). A list of at most `maxWalk` triples,
   * or one that cannot be split (not spilled, or no file can be made), is one table walked in row order.
   * Past that, a spilled list is first copied into sub-lists by lane A (`sub` numbers them), each walked in
   * row order: a row's repeats are in its own sub-list, so the first rows found are the same.
   */
  walk(
    l: number,
    repeat: (row: number, first: number, ha: number, hb: number, sub: number) => void,
    first?: (row: number, ha: number, hb: number) => void,
    done?: (table: FirstRowTable, holds: (ha: number) => boolean) => void,
  ): void {
    const maxWalk = this.maxWalk;
    const count = this.count(l);
    const parts = this.files && count > maxWalk ? this.split(l, Math.ceil(count / maxWalk)) : undefined;
    if (!parts) {
      const table = new FirstRowTable(count);
      this.each(l, (b, end) => visitTriples(b, end, table, 0, repeat, first));
      done?.(table, () => true);
      return;
    }
    const n = parts.length;
    parts.forEach((file, sub) => {
      const table = new FirstRowTable(file.size / 12);
      readTriples(file, (b) => visitTriples(b, b.length, table, sub, repeat, first));
      file.close();
      done?.(table, (ha) => subOf(ha, n) === sub);
    });
  }

  /** Calls `visit` with list `l`'s triples in row order: its file, then its blocks in memory. */
  private each(l: number, visit: (b: Int32Array, end: number) => void): void {
    if (this.files) readTriples(this.files[l]!, (b) => visit(b, b.length));
    for (const b of this.blocks[l]!) visit(b, b.length);
    visit(this.current[l] as Int32Array, this.used[l] as number);
  }

  /** List `l` copied into `n` files by lane A, each in row order; undefined when the files cannot be made. */
  private split(l: number, n: number): SpillFile[] | undefined {
    const spill = this.spill;
    const made = spill ? Array.from({ length: n }, () => spill.file()) : [];
    if (!spill || made.some((f) => !f)) {
      for (const f of made) f?.close();
      return undefined;
    }
    const files = made as SpillFile[];
    const blocks = Array.from({ length: n }, () => new Int32Array(3 * BLOCK_TRIPLES));
    const used = new Int32Array(n);
    this.each(l, (b, end) => {
      for (let k = 0; k < end; k += 3) {
        const s = subOf(b[k + 1] as number, n);
        const block = blocks[s]!;
        let u = used[s] as number;
        if (u === block.length) {
          files[s]!.append(block);
          u = 0;
        }
        block[u] = b[k] as number;
        block[u + 1] = b[k + 1] as number;
        block[u + 2] = b[k + 2] as number;
        used[s] = u + 3;
      }
    });
    files.forEach((f, s) => f.append(blocks[s]!.subarray(0, used[s])));
    return files;
  }
}

/** The sub-list of lane A among `n`: its top bits, since the tables probe from its low bits. */
function subOf(ha: number, n: number): number {
  return Math.floor(((ha >>> 0) * n) / 4294967296);
}

/** A spilled file's triples, in order. */
function readTriples(file: SpillFile, visit: (b: Int32Array) => void): void {
  file.read(12 * BLOCK_TRIPLES * 8, (bytes) => {
    // A view where the bytes are aligned for one (a large decrypted chunk has a buffer of its own).
    const b =
      bytes.byteOffset % 4 === 0
        ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
        : new Int32Array(bytes.slice().buffer);
    visit(b);
  });
}

function visitTriples(
  b: Int32Array,
  end: number,
  table: FirstRowTable,
  sub: number,
  repeat: (row: number, first: number, ha: number, hb: number, sub: number) => void,
  first?: (row: number, ha: number, hb: number) => void,
): void {
  for (let k = 0; k < end; k += 3) {
    const row = b[k] as number;
    const ha = b[k + 1] as number;
    const hb = b[k + 2] as number;
    const f = table.findOrInsert(row, ha, hb);
    if (f !== 0) repeat(row, f, ha, hb, sub);
    else first?.(row, ha, hb);
  }
}

export class DuplicateRowDetector {
  private readonly lists: TripleLists;
  private rows = 0;
  /** What {@link finish} found; the lists are dropped then, so that a scan's analyses do not keep them. */
  private result: DuplicateResult | undefined;

  /**
   * With `spill`, the rows' hashes go to encrypted temporary files past its `afterRows` rows; `maxWalk`
   * bounds the table that finds them at the end (see `TripleLists.walk`).
   */
  constructor(spill?: SpillDir, maxWalk?: number) {
    this.lists = new TripleLists(spill, maxWalk);
  }

  /** Rows are compared on `values` exactly as read (a missing cell differs from an empty string). */
  add(row: DataRow): void {
    hashValues(row.values);
    this.addHash(row.index, hashOut[0] as number, hashOut[1] as number);
  }

  /** Adds row `index` (1-based, in order) by a 64-bit hash of its values the caller computed (see `hashCells`). */
  addHash(index: number, ha: number, hb: number): void {
    if (this.result) throw new Error('DuplicateRowDetector.add after finish');
    this.lists.push(index, ha, hb);
    this.rows++;
  }

  /** The result over the rows added; no rows may be added after it. */
  finish(): DuplicateResult {
    if (this.result) return { ...this.result, examples: this.result.examples.slice() };
    let duplicates = 0;
    const examples: { row: number; duplicateOf: number }[] = [];
    for (let l = 0; l < LISTS; l++) {
      // Each (sub-)list's first 100 in row order hold the file's first 100 that fall in it.
      let kept = 0;
      let last = 0;
      this.lists.walk(l, (row, first, _ha, _hb, sub) => {
        duplicates++;
        if (sub !== last) [kept, last] = [0, sub];
        if (kept++ < MAX_EXAMPLES) examples.push({ row, duplicateOf: first });
      });
    }
    examples.sort((x, y) => x.row - y.row);
    this.result = { duplicateRows: duplicates, examples: examples.slice(0, MAX_EXAMPLES) };
    this.lists.clear();
    return { ...this.result, examples: this.result.examples.slice() };
  }

  /** The rows added so far as one range of a file split by rows (see {@link DuplicateMerge}). */
  finishPart(): DuplicatePart {
    if (this.result) throw new Error('DuplicateRowDetector.finishPart after finish');
    let duplicates = 0;
    let size = 0;
    const firsts = new Int32Array(3 * this.rows);
    const repeats: number[] = [];
    for (let l = 0; l < LISTS; l++) {
      let kept = 0;
      this.lists.walk(
        l,
        (row, _first, ha, hb) => {
          duplicates++;
          if (kept++ < MAX_EXAMPLES) repeats.push(row, ha, hb);
        },
        (row, ha, hb) => {
          firsts[3 * size] = row;
          firsts[3 * size + 1] = ha;
          firsts[3 * size + 2] = hb;
          size++;
        },
      );
    }
    const examples = sortTriplesByRow(Int32Array.from(repeats), repeats.length / 3);
    return {
      distinct: sortTriplesByRow(firsts, size),
      duplicateRows: duplicates,
      examples: examples.slice(0, 3 * MAX_EXAMPLES),
    };
  }
}

/**
 * The first `size` triples of `triples` in increasing row order (rows are distinct). A radix sort on the
 * row (three 11-bit digits; rows are positive 31-bit numbers): linear, where a comparison sort of a million
 * rows would call back into JavaScript some twenty million times, and small counts so a small range stays
 * cheap. Reuses `triples` as scratch.
 */
function sortTriplesByRow(triples: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  let from = triples.subarray(0, 3 * size);
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
 * exactly the result of one {@link DuplicateRowDetector} over the whole file. It keeps the ranges' distinct
 * rows as the detector keeps rows (lists by lane, global row numbers) and at the end finds, list by list, a
 * range's distinct row seen in an earlier range: a duplicate across ranges, of the row first seen. A range's
 * own duplicates count as they are and repeat the file's first row with their lanes.
 *
 * Why the first 100 global examples are always at hand: a range's duplicates in the whole file are its
 * duplicates across ranges (all of them, from its distinct rows) and its own duplicates (only the first 100
 * kept). An own duplicate among the file's first 100 is preceded by fewer than 100 own duplicates of any
 * range, so it is among the first 100 own duplicates of the file, which the kept ones of the ranges, taken in
 * file order, include. The two lists are merged in row order.
 */
export class DuplicateMerge {
  private readonly lists: TripleLists;
  private ownDuplicates = 0;
  /** What {@link finish} found; the lists are dropped then. */
  private result: DuplicateResult | undefined;
  /** The file's first 100 own duplicates of ranges, as (row, lane A, lane B). */
  private readonly own: number[] = [];

  /**
   * With `spill`, the ranges' distinct rows go to encrypted temporary files past its `afterRows` rows;
   * `maxWalk` as for {@link DuplicateRowDetector}.
   */
  constructor(spill?: SpillDir, maxWalk?: number) {
    this.lists = new TripleLists(spill, maxWalk);
  }

  /** Folds in the next range's part; `rowOffset` is the number of rows in all earlier ranges. */
  add(part: DuplicatePart, rowOffset: number): void {
    if (this.result) throw new Error('DuplicateMerge.add after finish');
    const distinct = part.distinct;
    for (let k = 0; k < distinct.length; k += 3)
      this.lists.push(
        rowOffset + (distinct[k] as number),
        distinct[k + 1] as number,
        distinct[k + 2] as number,
      );
    this.ownDuplicates += part.duplicateRows;
    const e = part.examples;
    for (let k = 0; k < e.length && this.own.length < 3 * MAX_EXAMPLES; k += 3)
      this.own.push(rowOffset + (e[k] as number), e[k + 1] as number, e[k + 2] as number);
  }

  /** The result over the parts added; no parts may be added after it. */
  finish(): DuplicateResult {
    if (this.result) return { ...this.result, examples: this.result.examples.slice() };
    let duplicates = this.ownDuplicates;
    const examples: { row: number; duplicateOf: number }[] = [];
    for (let l = 0; l < LISTS; l++) {
      let kept = 0;
      let last = 0;
      this.lists.walk(
        l,
        (row, first, _ha, _hb, sub) => {
          duplicates++;
          if (sub !== last) [kept, last] = [0, sub];
          if (kept++ < MAX_EXAMPLES) examples.push({ row, duplicateOf: first });
        },
        undefined,
        (table, holds) => {
          for (let k = 0; k < this.own.length; k += 3) {
            const ha = this.own[k + 1] as number;
            const hb = this.own[k + 2] as number;
            if (hb >>> 28 !== l || !holds(ha)) continue;
            const first = table.find(ha, hb);
            if (first === 0) throw new Error(`Row ${this.own[k]} repeats a row its part does not list.`);
            examples.push({ row: this.own[k] as number, duplicateOf: first });
          }
        },
      );
    }
    examples.sort((x, y) => x.row - y.row);
    this.result = { duplicateRows: duplicates, examples: examples.slice(0, MAX_EXAMPLES) };
    this.lists.clear();
    return { ...this.result, examples: this.result.examples.slice() };
  }
}
