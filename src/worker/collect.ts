/**
 * A full garbage collection between a scan's reading pass and its analyses (`ScanOptions.afterReading`).
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
