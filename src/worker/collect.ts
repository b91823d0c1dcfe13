/**
 * A full garbage collection between a scan's reading pass and its analyses (`ScanOptions.afterReading`), and
 * while it reads once garbage has piled up (`ScanOptions.whileReading`).
 *
 * Why: reading leaves its per-row state (the duplicate lists and row ranges, 16 bytes a row) as garbage in
 * large buffers of the old generation, which V8 frees only at a full collection. It starts one by itself only
 * once external memory has grown by another 64 MB, so the analyses' own per-row tables (k-anonymity, about
 * 26 bytes a row) were allocated on top of it. On a 500 MB file this collection took 19 ms and the analyses
 * stopped raising the peak (308 MB before, the reading's 284 MB after).
 *
 * V8 exposes `gc` only with `--expose-gc`. Setting the flag at run time and taking `gc` from a new context is
 * what jest's leak detector does; where that fails, nothing is collected early and the scan is the same.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const found: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
      gc = typeof found === 'function' ? (found as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

/**
 * A scan's `afterReading`. A table of {@link AFTER_READING_ROWS} rows or more, or of {@link WIDE_COLUMNS}
 * columns or more, is collected at once, before its analyses allocate on top of the reading's garbage (its
 * per-row state, some 40 bytes a row: what this collection is for). A smaller table's collection is left to
 * the next scan in this thread, at its first turn of `whileReading` or `betweenAnalyses` (any
 * {@link collectorForScan}'s collector), so that the garbage of many small tables one after another is still
 * freed one table at a time.
 *
 * Why not at once: a full collection between two tables frees the first one's objects, and with them the
 * maps (object shapes) that V8's optimised code was compiled against, so that code is thrown away ("weak
 * objects") and the next table runs cold again. Made while the next table's objects are alive, which have
 * the same maps, it keeps them. Twenty tables of 2 MB in one audit: 7.1 s of CPU time with a collection after
 * each (1,084 such deoptimisations), 3.5 s so (66, with libphonenumber's kept: `keepPhoneShapes`), 2.8 s with
 * none at all but for 45 MB more at the peak.
 */
export function collectAfterReading(rows: number, columns: number): void {
  if (rows >= AFTER_READING_ROWS || columns >= WIDE_COLUMNS) {
    collectGarbage();
    leftAfter = undefined;
  } else leftAfter = collectorsMade;
}

/** Rows from which {@link collectAfterReading} collects at once (2^16: about 3 MB of per-row state). */
export const AFTER_READING_ROWS = 1 << 16;

/**
 * The collectors made when a small table left its collection to the next scan ({@link collectAfterReading}),
 * or undefined: only one made since may take it, not that table's own, which its analyses turn too (where
 * its reading's objects are already gone).
 */
let leftAfter: number | undefined;
/** Collectors {@link collectorForScan} has made in this thread. */
let collectorsMade = 0;

/** Growth of the heap and array buffers that makes a {@link collectorForScan}'s collector collect. */
const GROWTH = 64 * 1048576;
/**
 * The growth for a table of {@link WIDE_COLUMNS} columns or more. Its garbage is mostly promoted cells and the
 * exact tables its columns shed, and what survives a collection is its columns' state, so collecting sooner
 * frees much and costs little: tables of 2,000 to 20,000 columns peaked 13 to 27 MB lower for no more time.
 * The bench's narrow table, whose heap grows mostly by what it keeps, read 3 to 6% slower at 32 MB.
 */
const WIDE_GROWTH = 32 * 1048576;
const WIDE_COLUMNS = 1000;
/**
 * The growth from {@link WIDEST_COLUMNS} columns: tables of 20,000 columns peaked 3 to 5 MB lower (290 to 292
 * MB on 25 and 60 MB), in the same time.
 */
const WIDEST_GROWTH = 16 * 1048576;
const WIDEST_COLUMNS = 10_000;

/**
 * A scan's `whileReading` and `betweenAnalyses`: collects once the heap and the array buffers together hold
 * 64 MB more (32 or 16 MB for a wide table) than the least they held since the scan's start or the
 * collector's last collection. V8 sizes the old generation by how long its collections take: where they are
 * quick, it lets garbage grow to four times what survived before it collects. A table of 20,000 columns
 * promotes its cells (the privacy scanner's work on a batch outlasts several scavenges) and sheds each
 * column's exact table for sketches, so its heap grew from 95 MB live to 340 MB.
 *
 * The least, not the start: V8's own full collections come in between, and a mark taken before one of them
 * let a table of 10,000 columns grow 106 MB past what it held after it. The array buffers too: a wide table's
 * exact tables are buffers, garbage once the sketches take over, which V8 alone frees only after another 64 MB
 * of them. With both, that table peaked at 315 MB instead of 350 MB, in no more time.
 *
 * A collection there takes about 20 ms; reading `v8.getHeapStatistics` about a microsecond, and the scan asks
 * every 65,536 cells (every batch of a wide table: its heap grew 60 MB in a million cells) or 16,777,216
 * characters (a corpus of documents reads few cells). One a scan, so that
 * a large scan's heap is not the mark the next one measures from.
 */
export function collectorForScan(): (columns: number, growth?: number) => void {
  let low = held();
  const made = ++collectorsMade;
  return (columns, asked) => {
    if (leftAfter !== undefined && made > leftAfter) {
      leftAfter = undefined;
      collectGarbage();
      low = held();
      return;
    }
    const now = held();
    if (now < low) low = now;
    const growth =
      asked ?? (columns >= WIDEST_COLUMNS ? WIDEST_GROWTH : columns >= WIDE_COLUMNS ? WIDE_GROWTH : GROWTH);
    if (now < low + growth) return;
    collectGarbage();
    low = held();
  };
}

function held(): number {
  const s = v8.getHeapStatistics();
  return s.used_heap_size + s.external_memory;
}
