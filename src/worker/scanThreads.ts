/**
 * `rml audit` on a large file, split across worker threads by column. Each thread reads the whole file and
 * does the reading-pass work (profile, privacy scan, encoded copy) for its share of the columns; one of them
 * also looks at whole rows (duplicates). The parts are joined by `assembleReport`, which gives the same report
 * as a single-threaded scan (tested byte for byte), so the split only changes the time.
 *
 * Why by column rather than by byte range: every accumulator of the pass is per column, so nothing has to be
 * merged but lists; a byte-range split would need to find record boundaries inside quoted line breaks, merge
 * exact distinct counts, sketches and duplicate tables across ranges, and renumber rows and lines. The price
 * is that each thread parses the whole file (about a tenth of the single-threaded time).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { readTable } from '../core/data/readTable';
import type { TableSink } from '../core/data/table';
import type { AuditReport } from '../core/report/auditReport';
import {
  assembleReport,
  scanDataset,
  scanPart,
  type ScanOptions,
  type ScanPart,
  type ScanPlan,
} from '../core/scan';
import type { ScanThreadData, ScanThreadReply } from './scanThread';

/** Below this size one thread is faster: starting a thread and loading the scanner costs about 0.3 s. */
export const MIN_PARALLEL_BYTES = 8 * 1024 * 1024;
/** Every thread parses the whole file, so past a few threads the repeated parsing outweighs the split work. */
const MAX_THREADS = 4;
/** Bytes read from the start of the file to weigh the columns. */
const SAMPLE_BYTES = 1 << 20;
const SAMPLE_ROWS = 5000;

export interface ThreadedScanOptions {
  /** Threads to use; default {@link defaultThreads}. 1 scans in this thread. */
  threads?: number;
}

/**
 * The thread count used by default on this machine for a file of `bytes`: one per core up to 4, but one in
 * all on two cores, where measured (bench/scan) the split gained 10 to 25% in wall time for about 80 MB more
 * memory: each thread parses the whole file, and the garbage collector's helper threads already use the
 * second core of a single-threaded scan.
 */
export function defaultThreads(bytes: number): number {
  if (bytes < MIN_PARALLEL_BYTES) return 1;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores <= 2 ? 1 : Math.min(MAX_THREADS, cores);
}

/**
 * Audits a file on disk, in `threads` worker threads when it is large enough and has several columns, else in
 * this thread. Same contract as `scanDataset`: never throws on bad input; an aborted `signal` stops the
 * threads and throws an `AbortError`.
 */
export async function scanFileInThreads(
  file: string,
  options: ScanOptions,
  threaded: ThreadedScanOptions = {},
): Promise<AuditReport> {
  const bytes = fs.statSync(file).size;
  const threads = threaded.threads ?? defaultThreads(bytes);
  const single = () => scanDataset(fs.createReadStream(file, { highWaterMark: 1 << 18 }), options);
  if (threads <= 1) return single();
  const plans = await planSplit(file, options, threads);
  if (!plans) return single();
  const entry = locateScanThread();
  if (!entry) return single();
  // One signal stops every thread: the caller's cancel, or the first thread to fail.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let parts: ScanPart[];
  try {
    // This thread takes the first share itself: one isolate fewer (about 50 MB) and no idle thread.
    parts = await Promise.all(
      plans.map((plan, t) =>
        (t === 0
          ? scanPart(
              fs.createReadStream(file, { highWaterMark: 1 << 18 }),
              { ...options, signal: stop.signal },
              plan,
            )
          : runThread(entry, { file, options: withoutSignal(options), plan }, stop.signal)
        ).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
  } catch (e) {
    // The first failure is the one to report, not the cancellations it caused.
    throw options.signal?.aborted ? abortError() : e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  // A file rewritten while the threads read it gives parts that disagree, and a header the first megabyte did
  // not show in full (a JSON key that appears later) leaves columns to no thread: read it again, in one pass.
  const columns = parts[0]!.header?.columns.length ?? 0;
  const covered = new Set(parts.flatMap((p) => p.profiles.map((c) => c.index)));
  if (parts.some((p) => p.rows !== parts[0]!.rows) || covered.size !== columns) return single();
  return assembleReport(parts, options);
}

/** The options a worker thread gets: no signal (a thread is stopped by terminating it) and no callbacks. */
function withoutSignal(options: ScanOptions): Omit<ScanOptions, 'signal' | 'onProgress'> {
  const { signal: _signal, onProgress: _onProgress, ...rest } = options;
  return rest;
}

/**
 * Splits the work by weighing each column on the first megabyte of the file: a column costs about its
 * characters (hashed by the profiler, searched by the privacy scanner) plus a fixed amount per cell; whole
 * rows cost about their characters once (the duplicate hash). Largest first, each to the least loaded thread
 * (LPT). Null when there is nothing to split (no header, one column).
 */
async function planSplit(file: string, options: ScanOptions, threads: number): Promise<ScanPlan[] | null> {
  const fd = fs.openSync(file, 'r');
  let prefix: Buffer;
  try {
    prefix = Buffer.alloc(Math.min(SAMPLE_BYTES, fs.fstatSync(fd).size));
    fs.readSync(fd, prefix, 0, prefix.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  let columns = 0;
  let costs: number[] = [];
  let rowCost = 0;
  let seen = 0;
  const sink: TableSink = {
    header(h) {
      columns = h.columns.length;
      costs = new Array<number>(columns).fill(0);
    },
    row(r) {
      if (seen++ >= SAMPLE_ROWS) return;
      for (let i = 0; i < columns; i++) {
        const n = r.values[i]?.length ?? 0;
        costs[i]! += 2 * n + 24;
        rowCost += n + 1;
      }
    },
    problem() {},
  };
  await readTable([prefix], sink, { fileName: options.fileName, format: options.format ?? 'auto' });
  if (columns < 2 || seen === 0) return null;
  const n = Math.min(threads, columns);
  const load = new Array<number>(n).fill(0);
  const plans: { columns: number[]; rows: boolean }[] = Array.from({ length: n }, () => ({
    columns: [],
    rows: false,
  }));
  const items = [...costs.map((cost, i) => ({ cost, column: i })), { cost: rowCost, column: -1 }].sort(
    (a, b) => b.cost - a.cost || a.column - b.column,
  );
  for (const item of items) {
    let t = 0;
    for (let k = 1; k < n; k++) if (load[k]! < load[t]!) t = k;
    load[t]! += item.cost;
    if (item.column < 0) plans[t]!.rows = true;
    else plans[t]!.columns.push(item.column);
  }
  return plans
    .filter((p) => p.columns.length > 0 || p.rows)
    .map((p) => ({ columns: p.columns.sort((a, b) => a - b), rows: p.rows }));
}

/** The bundled thread entry beside this bundle, else the TypeScript source through tsx (development, tests). */
function locateScanThread(): { file: string; eval: boolean } | null {
  const bundled = path.join(__dirname, 'scanThread.js');
  if (fs.existsSync(bundled)) return { file: bundled, eval: false };
  const source = path.resolve(__dirname, 'scanThread.ts');
  if (fs.existsSync(source)) return { file: source, eval: true };
  return null;
}

function runThread(
  entry: { file: string; eval: boolean },
  data: ScanThreadData,
  signal?: AbortSignal,
): Promise<ScanPart> {
  return new Promise<ScanPart>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const workerData = { ...data, scanThread: true };
    const worker = entry.eval
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry.file)});`, { eval: true, workerData })
      : new Worker(entry.file, { workerData });
    let settled = false;
    const onAbort = () => {
      settle(() => reject(abortError()));
      void worker.terminate();
    };
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: ScanThreadReply) => {
      settle(() => {
        if (reply.ok) resolve(reply.part);
        else reject(Object.assign(new Error(reply.message), reply.stack ? { stack: reply.stack } : {}));
      });
      void worker.terminate();
    });
    worker.once('error', (e) => settle(() => reject(e)));
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`A scan thread stopped (exit code ${code}) before it finished.`))),
    );
  });
}

function abortError(): Error {
  return Object.assign(new Error('The scan was cancelled.'), { name: 'AbortError' });
}
