/**
 * Row positions are cut from large zero-filled blocks: one allocation per block instead of one per row, and
 * the CSV parser writes a record's positions straight into the block where the row will keep them.
 * A block is never reused, so a view handed out stays valid and unshared, unless `transient` says that no
 * view handed out is read any more once the next record starts (see `ReadOptions.transientRows`).
 */
export class PositionSlab {
  block = new Int32Array(1 << 12);
  /** Start of the region being written (the next row's positions). */
  at = 0;
  /**
   * Move the record being written back to the start of the block when it fills, instead of a new block. The
   * CSV parser, which shares this slab, then also refills its array of fields for records of `SPARE_FIELDS`
   * fields or more.
   */
  transient = false;

  /**
   * Makes room for `need` more numbers after the `used` already written at `at`; moves those to a new block
   * when this one is full. Blocks start small (a small file pays little) and grow to 4 MiB.
   */
  ensure(used: number, need: number): void {
    if (this.at + used + need <= this.block.length) return;
    if (this.transient && used + need <= this.block.length) {
      this.block.copyWithin(0, this.at, this.at + used);
      this.at = 0;
      return;
    }
    const size = Math.max(Math.min(this.block.length * 4, 1 << 20), 2 * (used + need));
    const next = new Int32Array(size);
    next.set(this.block.subarray(this.at, this.at + used));
    this.block = next;
    this.at = 0;
  }

  /** Hands out the `n` numbers at `at` (written by the caller or still zero) and moves past them. */
  commit(n: number): Int32Array {
    this.ensure(0, n);
    const view = this.block.subarray(this.at, this.at + n);
    this.at += n;
    return view;
  }
}
