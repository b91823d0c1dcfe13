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

const MAX_EXAMPLES = 100;

export class DuplicateRowDetector {
  /**
   * Three numbers a slot side by side (one cache line a probe): 1-based row of the first occurrence (0 marks
   * an empty slot), lane A, lane B.
   */
  private slots = new Int32Array(3 << 12);
  private slotCount = 1 << 12;
  private size = 0;
  private duplicates = 0;
  private readonly examples: { row: number; duplicateOf: number }[] = [];

  /** Rows are compared on `values` exactly as read (a missing cell differs from an empty string). */
  add(row: DataRow): void {
    hashValues(row.values);
    this.addHash(row.index, hashOut[0] as number, hashOut[1] as number);
  }

  /** Adds row `index` (1-based, in order) by a 64-bit hash of its values the caller computed (see `hashCells`). */
  addHash(index: number, ha: number, hb: number): void {
    const slots = this.slots;
    const mask = this.slotCount - 1;
    let i = ha & mask;
    for (;;) {
      const f = slots[3 * i] as number;
      if (f === 0) break;
      if (slots[3 * i + 1] === ha && slots[3 * i + 2] === hb) {
        this.duplicates++;
        if (this.examples.length < MAX_EXAMPLES) this.examples.push({ row: index, duplicateOf: f });
        return;
      }
      i = (i + 1) & mask;
    }
    slots[3 * i] = index;
    slots[3 * i + 1] = ha;
    slots[3 * i + 2] = hb;
    // Grown at a load of 3/4 (linear probing stays short with a 64-bit hash): 600,000 distinct rows fit in
    // 2^20 slots, 12 MB, where a load of 1/2 took twice that.
    if (++this.size * 4 > this.slotCount * 3) this.grow();
  }

  finish(): DuplicateResult {
    return { duplicateRows: this.duplicates, examples: this.examples.slice() };
  }

  private grow(): void {
    this.slots = growSlots(this.slots, this.slotCount);
    this.slotCount *= 2;
  }
}
