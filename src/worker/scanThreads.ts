/**
 * `rml audit` on a large file across worker threads. A CSV, TSV, JSON Lines or JSON file is split by byte
 * range: cut at record boundaries into ranges of {@link RANGE_BYTES}, each range read and scanned whole by
 * one thread (profile, privacy scan, duplicates, encoded copies), the ranges merged in file order by
 * `RangeMerge`. The header and the privacy scanner's per-column decisions come from the head of the file
 * first, so every range searches its cells as one pass would. This scales with cores, since each thread
 * parses only its share of the file.
 *
 * Where ranges do not apply (a JSON array with no place to cut, a file the head does not decide, a quoted
 * field across a cut) the split is by column: each thread reads the whole file and does the work for its
 * share of the columns; the parts are joined by `assembleReport`, which gives the single-threaded report
 * byte for byte. The price is that every thread parses the whole file.
 */
import { isAscii } from 'buffer';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker, type ResourceLimits } from 'worker_threads';
import { formatFromFileName, readTable } from '../core/data/readTable';
import { isCompressed } from '../core/data/compressed';
import type { DataFormat, TableHeader, TableSink } from '../core/data/table';
import type { PrivacyDecision } from '../core/privacy/privacyScanner';
import type { AuditReport } from '../core/report/auditReport';
import { PrivacyScanner } from '../core/privacy/privacyScanner';
import type { CountryCode } from '../core/privacy/detectors';
import { DEFAULT_MISSING_TOKENS } from '../core/data/profile';
import { DEFAULT_POLICY } from '../core/policy';
import { DEFAULT_SPILL_ROWS, SpillDir } from '../core/data/spill';
import {
  RangeMerge,
  adoptPart,
  assembleReport,
  discardPart,
  maxColumnsOf,
  scanDataset,
  scanPart,
  type RangePart,
  type ScanOptions,
  type ScanPart,
  type ScanPlan,
} from '../core/scan';
import { openScanned } from './scannedFile';
import { useDecodeThreads } from './decodeThreads';
import type { RangeJob, RangeReply, RangeThreadData, ScanThreadData, ScanThreadReply } from './scanThread';

/**
 * The threads a default split takes on three cores or more: a column split of three (this thread and two
 * more), within the aim's 300 MB where four by range took twice that. Measured in the thirtieth session
 * (bench/scan/README.md) on two cores, as each thread's CPU time, so the wall time on more is an estimate
 * (the busiest reading thread, then the analyses after reading, about 2.5 s): 1 GB in three threads by
 * column 10.5, 10.2 (this thread, with the analyses) and 10.1 s at 256 to 272 MB, about 13 s of wall time;
 * four by range 8.6 s each (this thread merging, 10.4) at 591 MB, about 11 s; one thread 23 s at 177 to 200
 * MB. Three threads by column take two thirds of the ranges' CPU time and under half their memory. More
 * threads (by range from four) are for `--threads`.
 */
export const MANY_CORE_THREADS = 3;
/** Bytes read from the start of the file to weigh the columns. */
const SAMPLE_BYTES = 1 << 20;
const SAMPLE_ROWS = 5000;

export interface ThreadedScanOptions {
  /** Threads to use; default {@link defaultThreads}. 1 scans in this thread. */
  threads?: number;
  /**
   * Without `threads`, the most the default may take (the editor's `scan.threads` setting): the default's
   * choices for the file's size and format stand below it (one thread for JSON on two cores, for one).
   */
  maxThreads?: number;
  /**
   * How to split: `ranges` by byte range where the file allows, else by column; `columns` by column. Default
   * {@link defaultSplit} of the thread count.
   */
  split?: 'ranges' | 'columns';
  /** Bytes per range; default {@link RANGE_BYTES} (smaller in tests, to cut small files into many ranges). */
  rangeBytes?: number;
  /**
   * The most bytes the head of the file may take to decide every column; default four ranges (see
   * {@link HEAD_RANGES}).
   */
  headBytes?: number;
  /**
   * Whether a large bzip2 or xz file may be decoded in a thread of its own beside the reading (see
   * {@link decodesOffThread}); false while another file is scanned beside this one.
   */
  decodeThread?: boolean;
  /** Compressed bytes from which it is; default {@link OFF_THREAD_BYTES} (less in tests, for small files). */
  offThreadBytes?: number;
  /** Told how the scan ran in the end: in ranges, by column, or in one pass, and in how many threads. */
  onSplit?: (how: 'ranges' | 'columns' | 'single', threads: number) => void;
  /** The cores the default plans for; default this machine's (tests plan for others). */
  cores?: number;
  /**
   * V8 limits for the worker threads the scan starts, over its own (tests give a heap too small to live in,
   * to have a thread die the way one out of memory does).
   */
  threadLimits?: ResourceLimits;
}

/**
 * The thread count used by default on a machine of `cores` cores for a file of `bytes`, split by column (see
 * {@link defaultSplit}): one below {@link MIN_SPLIT_BYTES} and for JSON, else two on two cores and
 * {@link MANY_CORE_THREADS} on more. On two cores, two threads split by column read 100 MB to 4 GB in 0.75 to
 * 0.9 of one thread's wall time for 30 to 70 MB more. Once the header is read, a wide table, a labelled audit
 * or long text cells may take fewer ({@link columnThreadsFor}, {@link MAX_SPLIT_CELL_CHARS}). Split by range
 * (from four threads) a scan takes 65 to 95 MB more a thread, past the aim's 300 MB (bench/scan/README.md).
 */
export function defaultThreads(bytes: number, format?: DataFormat, cores = availableCores()): number {
  // Every column thread parses the whole file, and parsing JSON is a larger share of the work: on two cores a
  // second thread took 8% off the wall time of 200 MB for half as much CPU time again and 70 to 100 MB more
  // (over 300 MB for JSON Lines). Ranges, which do not repeat the parse, cost more memory still.
  if (bytes < MIN_SPLIT_BYTES || format === 'json' || format === 'jsonl' || cores <= 1) return 1;
  return cores <= 2 ? 2 : MANY_CORE_THREADS;
}

export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * A default column split takes one thread from this many columns: a second thread costs memory by the
 * table's width, not its length (each thread keeps its columns' state, and its own heap's slack). Measured
 * in the twentieth session (bench/scan/README.md), two threads against one: tables of 1,000 to 4,000 columns
 * read 6 to 26% faster and peaked at 252 to 271 MB (185 to 198 in one); 5,000 columns, 9% faster at 289 to
 * 293 MB.
 */
export const MAX_TWO_THREAD_COLUMNS = 4000;
/**
 * The same with a label (or a model's output), when every column is kept for the fairness analyses: two
 * threads peaked at 300 MB at 1,000 columns and 332 to 346 MB at 2,000 and 4,000 (253 to 284 in one). In the
 * twenty-third session, with a young generation of 8 MB a thread (see {@link COLUMN_THREAD_YOUNG_MB}), 270 MB
 * at 1,000 columns, 277 to 297 MB at 2,000, 281 at 3,000 and 302 at 4,000, in up to a fifth less wall time
 * for a quarter to a half more CPU time, against 203 to 228 MB in one: too near the aim's 300 MB for so
 * little.
 */
export const MAX_TWO_THREAD_COLUMNS_LABELLED = 1000;
/**
 * A default split takes three threads only for a table of fewer columns than this, and without a label (with
 * one, every column is kept and two is the most). Measured in the thirtieth session (bench/scan/README.md),
 * by column in one, two and three threads: 1,000 columns on 25 MB 183, 246 and 281 MB; 4,000 columns 194,
 * 257 and 325 MB; the bench's table of 12 columns with a label on 1 GB 260 MB in two threads and 297 in
 * three.
 */
export const MAX_THREE_THREAD_COLUMNS = 1000;

/**
 * The young generation of a thread that scans a share of the columns, in MB (`resourceLimits`; by default it
 * grows as the main thread's does, to two semi-spaces of 16 MB). Each such thread reads every row and keeps
 * its columns' state, and its young generation's slack came on top of the other's. Two threads, five runs
 * each in turn, the default against 16 MB (mean wall time, CPU time and peak): 2,000 columns on 100 MB 5.50
 * s, 9.62 s and 271 MB against 5.34 s, 9.30 s and 261 MB; the bench's 100 MB 2.55 s, 4.63 s and 216 MB
 * against 2.60 s, 4.73 s and 211 MB; with a label, 1,000 columns on 60 MB (three runs) 5.46 s, 8.60 s and 286
 * MB against 5.48 s, 8.68 s and 276 MB. 8 MB took another 2 to 17 MB off, but took the 2,000 columns 11% more
 * wall time and 8% more CPU time.
 */
export const COLUMN_THREAD_YOUNG_MB = 16;

/**
 * The threads, at most `threads`, that a default column split takes for a table of `columns` columns;
 * `labelled` when the audit keeps every column (a label or a prediction, from the options or the policy).
 */
export function columnThreadsFor(columns: number, threads: number, labelled = false): number {
  const most = labelled
    ? columns < MAX_TWO_THREAD_COLUMNS_LABELLED
      ? 2
      : 1
    : columns < MAX_THREE_THREAD_COLUMNS
      ? 3
      : columns < MAX_TWO_THREAD_COLUMNS
        ? 2
        : 1;
  return Math.min(threads, most);
}

/**
 * A default column split gives way to one thread when the first megabyte's cells average this many
 * characters or more. Every thread parses the whole file and holds its longest records, and the work a second
 * thread takes over is mostly per cell, while long text costs mostly per character: for the parse and the
 * duplicate hash, which each thread repeats. Measured in the twenty-seventh session on 100 MB
 * (bench/scan/README.md), two threads against one by mean cell: 5 characters 14% faster, 8 3%, the bench's
 * table (14) 12 to 20%; 13 and 21 even; 23 to 44 (the bench's table with a note of 200 or 400 characters, a
 * text column of 200 beside eight small numbers) 7 to 18% slower; 105 to 200,000 (a text column beside an
 * id) 0.1 to 0.2 s slower for 33 to 71 MB more; a CSV field of 60 MB 373 MB against 189, 400 documents of 0.5
 * MB 336 against 292.
 */
export const MAX_SPLIT_CELL_CHARS = 20;

/**
 * One thread below this size: starting a thread and the analyses after reading, which run in one thread
 * either way, ate the gain. On two cores 25 MB read at 14.1 MB/s in two threads and 14.5 in one, 50 MB at 21
 * against 18.5; in the thirtieth session three threads on 25 MB took 0.64, 0.60 and 0.40 s of CPU time each
 * against one thread's 0.9 to 1.2, the two others starting about 0.3 s late (bench/scan/README.md).
 */
export const MIN_SPLIT_BYTES = 40 * 1024 * 1024;

/**
 * Compressed bytes from which a bzip2 or xz file is decoded in a thread of its own, beside the reading, when
 * a second core is free: 4 MB is about 25 MB of text, about 0.8 s of decoding, against the thread's start in
 * tens of milliseconds.
 */
export const OFF_THREAD_BYTES = 4 * 1024 * 1024;

/**
 * Whether a scan in one thread decodes its file (if bzip2 or xz) in another: not when one thread was asked
 * for, on one core, beside another file's scan, or for a small file or table.
 */
function decodesOffThread(bytes: number, options: ScanOptions, threaded: ThreadedScanOptions): boolean {
  if (threaded.decodeThread === false || threaded.threads === 1 || threaded.maxThreads === 1) return false;
  if ((threaded.cores ?? availableCores()) < 2) return false;
  // A table of an archive: its own compressed bytes, or its text's (a `.tar.bz2` table is decoded from the
  // block it begins in).
  const compressed =
    options.zipMember?.entry.compressedSize ?? (options.tarMember ? options.tarMember.size / 4 : bytes);
  return compressed >= (threaded.offThreadBytes ?? OFF_THREAD_BYTES) && useDecodeThreads();
}

/**
 * How `threads` threads split a file by default. Up to three split by column: each parses the whole file, an
 * eighth of the work, and does its share of the rest, with an isolate for each thread but this one. Split by
 * range, `threads` threads are one isolate more (this one merges), and each range rebuilds its tables from
 * nothing: two took about twice one pass's CPU time, so no faster than one thread, for twice the memory.
 * From four threads on, ranges scale where every column thread would still parse the whole file, at 65 to 95
 * MB a thread.
 */
export function defaultSplit(threads: number): 'ranges' | 'columns' {
  return threads <= MANY_CORE_THREADS ? 'columns' : 'ranges';
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
  const format =
    options.format && options.format !== 'auto'
      ? options.format
      : formatFromFileName(options.fileName ?? file);
  const threads =
    threaded.threads ??
    Math.min(threaded.maxThreads ?? Infinity, defaultThreads(bytes, format, threaded.cores));
  const single = () => {
    threaded.onSplit?.('single', 1);
    const decode = decodesOffThread(bytes, options, threaded) ? { decodeOffThread: true } : {};
    return scanDataset(openScanned(file, options), { ...options, ...decode });
  };
  // A compressed stream cannot be entered at a byte range, and its columns split would decompress it once a
  // thread: one thread reads it through (a workbook, which is a ZIP archive too, is not read at all). So is
  // an archive's table, whose bytes are not the file's.
  // (The head is as long as the longest magic number: bzip2's ten bytes; xz's six were taken for text from
  // four, and its file split by column, each thread decompressing it.)
  if (threads <= 1 || options.zipMember || options.tarMember || isCompressed(readFileStart(file, 16)))
    return single();
  const entry = locateScanThread(threaded.threadLimits);
  if (!entry) return single();
  if ((threaded.split ?? defaultSplit(threads)) === 'ranges') {
    const ranged = await scanByRanges(
      file,
      bytes,
      options,
      threads,
      entry,
      threaded.rangeBytes ?? RANGE_BYTES,
      threaded.headBytes,
    );
    if (ranged === 'single') return single();
    if (ranged) {
      threaded.onSplit?.('ranges', threads);
      return ranged;
    }
  }
  const weights = await weighColumns(file, options);
  if (!weights) return single();
  const labelled = keepsEveryColumn(options);
  const taken =
    threaded.threads !== undefined
      ? threads
      : weights.meanCellChars >= MAX_SPLIT_CELL_CHARS
        ? 1
        : columnThreadsFor(weights.costs.length, threads, labelled);
  if (taken <= 1) return single();
  const plans = splitColumns(weights, taken);
  // One signal stops every thread: the caller's cancel, or the first thread to fail.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let parts: ScanPart[];
  // This thread's part may hold spilled kept columns, closed once the report is assembled (or on failure),
  // and so may the other threads' parts, whose files this thread adopts.
  let own: ScanPart | undefined;
  let mine: Promise<ScanPart> | undefined;
  const adopted = new SpillDir();
  const scratch = new WorkerScratch();
  try {
    // This thread takes the first share itself: one isolate fewer (about 50 MB) and no idle thread.
    parts = await Promise.all(
      plans.map((plan, t) =>
        (t === 0
          ? (mine = scanPart(
              fs.createReadStream(file, { highWaterMark: 1 << 18 }),
              { ...options, signal: stop.signal },
              plan,
            )).then((p) => (own = p))
          : runThread(
              entry,
              { file, options: scratch.place(withoutSignal(options)), plan: { ...plan, handOverKept: true } },
              adopted,
              stop.signal,
            )
        ).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
  } catch (e) {
    // This thread's share stops at its next chunk, or ends with files of its own: the error is thrown once
    // they are closed, not while it still reads.
    await mine?.catch(() => undefined);
    own?.keptSpill?.close();
    adopted.close();
    scratch.close();
    // The first failure is the one to report, not the cancellations it caused.
    throw options.signal?.aborted ? abortError() : e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  try {
    // A file rewritten while the threads read it gives parts that disagree, and a header the first megabyte
    // did not show in full (a JSON key that appears later) leaves columns to no thread: read it again, in one
    // pass.
    const columns = parts[0]!.header?.columns.length ?? 0;
    const covered = new Set(parts.flatMap((p) => p.profiles.map((c) => c.index)));
    if (parts.some((p) => p.rows !== parts[0]!.rows) || covered.size !== columns) return single();
    threaded.onSplit?.('columns', parts.length);
    options.afterReading?.(parts[0]!.rows, columns);
    return assembleReport(parts, options);
  } finally {
    own?.keptSpill?.close();
    adopted.close();
    scratch.close();
  }
}

/** The options a worker thread gets: no signal (a thread is stopped by terminating it) and no callbacks. */
export function withoutSignal(
  options: ScanOptions,
): Omit<ScanOptions, 'signal' | 'onProgress' | 'afterReading' | 'whileReading' | 'betweenAnalyses'> {
  const {
    signal: _signal,
    onProgress: _onProgress,
    afterReading: _afterReading,
    whileReading: _whileReading,
    betweenAnalyses: _betweenAnalyses,
    ...rest
  } = options;
  return rest;
}

/**
 * A directory this thread makes for its worker threads' temporary files (their `spillDir`) and removes once
 * the scan is over, whatever became of them: a thread that dies (out of memory) cannot remove its own
 * directories, and a file it made to hand over keeps its name until it is opened here. One directory for each
 * place the files were asked to go, made when a thread is first given options there; none when nothing
 * spills (`spillRows` of Infinity) or none can be made (the scan then keeps its rows in memory, as
 * `SpillDir` does).
 */
export class WorkerScratch {
  private readonly dirs = new Map<string, string | null>();

  /** `options` with their temporary files in this scratch's directory. */
  place<T extends Pick<ScanOptions, 'spillRows' | 'spillDir'>>(options: T): T {
    if (!Number.isFinite(options.spillRows ?? DEFAULT_SPILL_ROWS)) return options;
    const parent = options.spillDir ?? os.tmpdir();
    let dir = this.dirs.get(parent);
    if (dir === undefined) {
      try {
        dir = fs.mkdtempSync(path.join(parent, 'rml-threads-'));
      } catch {
        dir = null;
      }
      this.dirs.set(parent, dir);
    }
    return dir === null ? options : { ...options, spillDir: dir };
  }

  /** Removes the directories with what the threads left in them. Safe to call more than once. */
  close(): void {
    // A thread being terminated may still be making a file: the removal tries again.
    for (const dir of this.dirs.values())
      if (dir) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
    this.dirs.clear();
  }
}

/** The first `bytes` bytes of `file` (all of a shorter file). */
/** The first `bytes` of a file (fewer when it is shorter), from byte `at` on. */
export function readFileStart(file: string, bytes: number, at = 0): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const prefix = Buffer.alloc(Math.max(0, Math.min(bytes, fs.fstatSync(fd).size - at)));
    fs.readSync(fd, prefix, 0, prefix.length, at);
    return prefix;
  } finally {
    fs.closeSync(fd);
  }
}

/** What each column costs, and whole rows, weighed on the first megabyte; see {@link weighColumns}. */
interface ColumnWeights {
  costs: number[];
  rowCost: number;
  meanCellChars: number;
}

/**
 * Weighs the work on the first megabyte of the file: a column costs about its characters (hashed by the
 * profiler, searched by the privacy scanner) plus a fixed amount per cell; whole rows cost about their
 * characters once (the duplicate hash); with the mean characters of a sampled cell. Null when there is
 * nothing to split (no header, one column).
 */
async function weighColumns(file: string, options: ScanOptions): Promise<ColumnWeights | null> {
  const prefix = readFileStart(file, SAMPLE_BYTES);
  let columns = 0;
  let costs: number[] = [];
  let rowCost = 0;
  let seen = 0;
  let chars = 0;
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
        chars += n;
      }
    },
    problem() {},
  };
  await readTable([prefix], sink, {
    fileName: options.fileName,
    format: options.format ?? 'auto',
    maxColumns: maxColumnsOf(options),
  });
  if (columns < 2 || seen === 0) return null;
  return { costs, rowCost, meanCellChars: chars / (Math.min(seen, SAMPLE_ROWS) * columns) };
}

/**
 * The columns of {@link weighColumns} shared among `threads` threads: largest first, each to the least loaded
 * (LPT). The lightest share comes first, for this thread, which also runs the analyses after reading: with
 * the heaviest, three threads on 1 GB took 14.0 s of CPU time here against the others' 10.8 and 8.2 (with the
 * lightest, 10.2 against 10.5 and 10.1).
 */
function splitColumns({ costs, rowCost }: ColumnWeights, threads: number): ScanPlan[] {
  const n = Math.min(threads, costs.length);
  const load = new Array<number>(n).fill(0);
  const plans: { columns: number[]; rows: boolean }[] = Array.from({ length: n }, () => ({
    columns: [],
    rows: false,
  }));
  // Every thread's kept columns may spill (a worker hands its files over), so columns go by cost alone.
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
    .map((p, t) => ({ plan: p, load: load[t]! }))
    .filter(({ plan }) => plan.columns.length > 0 || plan.rows)
    .sort((a, b) => a.load - b.load)
    .map(({ plan }) => ({ columns: plan.columns.sort((a, b) => a - b), rows: plan.rows }));
}

/**
 * Whether an audit keeps every column for the fairness analyses: a label or a model's output, asked for or
 * the policy's.
 */
export function keepsEveryColumn(options: ScanOptions): boolean {
  return (
    options.label !== undefined || options.prediction !== undefined || options.policy?.label !== undefined
  );
}

/** Where a scan's worker threads start, and the V8 limits they are given over the scan's own. */
export interface ScanThreadEntry {
  file: string;
  /** The TypeScript source, loaded through tsx. */
  eval: boolean;
  limits?: ResourceLimits;
}

/**
 * The bundled thread entry beside this bundle, else the TypeScript source through tsx (development, tests),
 * with `limits` for its threads.
 */
export function locateScanThread(limits?: ResourceLimits): ScanThreadEntry | null {
  const more = limits ? { limits } : {};
  const bundled = path.join(__dirname, 'scanThread.js');
  if (fs.existsSync(bundled)) return { file: bundled, eval: false, ...more };
  const source = path.resolve(__dirname, 'scanThread.ts');
  if (fs.existsSync(source)) return { file: source, eval: true, ...more };
  return null;
}

/**
 * Starts a worker thread at `entry`. A thread that holds a whole scan's state (a share of the columns, or a
 * whole file) gets a young generation of {@link COLUMN_THREAD_YOUNG_MB} (`young`); a range thread V8's own.
 */
export function startScanThread(entry: ScanThreadEntry, workerData: unknown, young: boolean): Worker {
  const resourceLimits = {
    ...(young ? { maxYoungGenerationSizeMb: COLUMN_THREAD_YOUNG_MB } : {}),
    ...entry.limits,
  };
  return entry.eval
    ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry.file)});`, {
        eval: true,
        workerData,
        resourceLimits,
      })
    : new Worker(entry.file, { workerData, resourceLimits });
}

function runThread(
  entry: ScanThreadEntry,
  data: ScanThreadData,
  adopted: SpillDir,
  signal?: AbortSignal,
): Promise<ScanPart> {
  return new Promise<ScanPart>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const worker = startScanThread(entry, { ...data, scanThread: true }, true);
    let settled = false;
    const onAbort = () => {
      settle(() => reject(abortError()));
      void worker.terminate();
    };
    const settle = (f: () => void): boolean => {
      if (settled) return false;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
      return true;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: ScanThreadReply) => {
      const taken = settle(() => {
        if (!reply.ok)
          return reject(Object.assign(new Error(reply.message), reply.stack ? { stack: reply.stack } : {}));
        try {
          resolve(adoptPart(reply.part, adopted));
        } catch (e) {
          discardPart(reply.part);
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      // A part that came after the scan was abandoned: its handed-over files are removed, not left behind.
      if (!taken && reply.ok) discardPart(reply.part);
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

/**
 * Bytes in one range of a scan split by rows. Fixed rather than derived from the thread count, so that the
 * ranges, and with them the report (whose few approximations depend on where the file was cut), are the same
 * on every machine with more than one thread. A thread's memory grows with its range (the range's text, the
 * texts of its distinct values, its tables): on 200 MB, four threads peaked at 598 MB with 4 MB ranges and
 * 476 MB with 1 MB, for about 10% more CPU time in the merging thread (2 cores, the same report). Range
 * threads keep V8's default young generation: with 4 MB ranges a smaller one (8 MB) saved about 40 MB a
 * thread, with 1 MB about 9 MB, for 13% more CPU time (four threads, 200 MB: 466 to 489 MB and 21.6 to
 * 23.4 s, against 495 to 531 MB and 18.1 to 20.2 s).
 */
export const RANGE_BYTES = 1024 * 1024;

/**
 * The most the head of the file may take to decide every column, in {@link RANGE_BYTES}: 4 MB, the length of
 * every range before 1 MB ones. The ranges after the first take the privacy scanner's decisions from the
 * head, so the first range runs at least to where every column was decided (2,000 values each), which rows
 * that are wide or mostly missing may push past 1 MB.
 */
const HEAD_RANGES = 4;

/**
 * Audits a CSV, TSV, JSON Lines or JSON file split into byte ranges of {@link RANGE_BYTES} cut at record
 * boundaries, one range at a time per worker thread, the parts merged in file order (`RangeMerge`) as they
 * come. Undefined when the file is not one to split (a JSON array with no "},{" to cut at, not UTF-8, small,
 * or a column the head of the file leaves undecided, or in a JSON array any invalid JSON, such as a range
 * ending inside an element); 'single' when the ranges turned out not to match one pass (a quoted field
 * across a cut, found by an unclosed quote at a range's end, or more reading problems than the cap), for the
 * caller to read it again in one pass.
 */
async function scanByRanges(
  file: string,
  bytes: number,
  options: ScanOptions,
  threads: number,
  entry: ScanThreadEntry,
  rangeBytes: number,
  headBytes = HEAD_RANGES * rangeBytes,
): Promise<AuditReport | 'single' | undefined> {
  if (bytes < 2 * rangeBytes) return undefined;
  const head = await readHead(file, options, headBytes);
  if (!head) return undefined;
  const firstBytes = Math.max(rangeBytes, head.decidedWithin);
  if (bytes < firstBytes + rangeBytes) return undefined;
  const fd = fs.openSync(file, 'r');
  const format = head.header.format;
  const kind = format === 'jsonl' || format === 'json' ? format : 'csv';
  // A JSON array is cut only between objects: an array with no "},{" near its head is split by column, and so
  // is an object that holds the records (`{"data": [...]}`) at once: its last range would end in the object's
  // closing brace, an error that sends the file to the column split only after every range was read.
  if (kind === 'json' && (wrapsRecords(fd) || !hasElementCut(fd, firstBytes, rangeBytes))) {
    fs.closeSync(fd);
    return undefined;
  }
  const cutter = new RangeCutter(fd, bytes, rangeBytes, firstBytes, kind);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const workers: Worker[] = [];
  const scratch = new WorkerScratch();
  // Past `spillRows` rows the merge holds temporary files, closed however the scan ends.
  const merge = new RangeMerge(options);
  try {
    const done = new Map<number, RangePart>();
    let next = 0;
    let merged = 0;
    let dispatched = 0;
    let cutFailed = false;
    let broken = false;
    let byColumn = false;
    const maxProblems = 1000;
    let problems = 0;
    const workerData: RangeThreadData & { rangeThread: true } = {
      file,
      options: scratch.place(withoutSignal(options)),
      rangeThread: true,
    };
    const count = Math.max(1, Math.min(threads, 1 + Math.ceil((bytes - firstBytes) / rangeBytes)));
    const ends: number[] = [];
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      stop.signal.addEventListener('abort', () => fail(abortError()), { once: true });
      const give = (w: Worker): boolean => {
        if (cutFailed || broken) return false;
        let range: ReturnType<RangeCutter['next']>;
        try {
          range = cutter.next();
        } catch (e) {
          fail(e);
          return false;
        }
        if (range === 'lone-cr') {
          cutFailed = true;
          return false;
        }
        if (!range) return false;
        const id = next++;
        ends[id] = range.end;
        const job: RangeJob = {
          id,
          start: range.start,
          end: range.end,
          ...(id === 0
            ? {}
            : {
                from: {
                  header: head.header,
                  startLine: range.startLine,
                  startColumn: range.startColumn,
                  decided: head.decided,
                },
              }),
          ...(kind === 'json' && range.end < bytes ? { endsAfterComma: true } : {}),
        };
        dispatched++;
        w.postMessage(job);
        return true;
      };
      const settleIfDone = () => {
        if (merged === dispatched && (cutter.finished || cutFailed || broken)) resolve();
      };
      for (let t = 0; t < count; t++) {
        const w = startScanThread(entry, workerData, false);
        workers.push(w);
        w.on('message', (reply: RangeReply) => {
          if (!reply.ok) {
            fail(Object.assign(new Error(reply.message), reply.stack ? { stack: reply.stack } : {}));
            return;
          }
          done.set(reply.id, reply.part);
          give(w);
          // Fold in every range that is next in file order; later ones wait (a few per thread at most).
          for (let part = done.get(merged); part; part = done.get(merged)) {
            done.delete(merged);
            if (
              part.problems.some(
                (f) => f.rule === 'data/unclosed-quote' || f.rule === 'data/too-many-problems',
              )
            )
              broken = true;
            // A byte that is not UTF-8: one pass may read the file as Windows-1252 from the first such byte
            // (`decode.ts`), which a range cannot know of another, so the file is read as one pass reads it.
            const encoding = part.problems.some(
              (f) => f.rule === 'data/invalid-encoding' || f.rule === 'data/windows-1252',
            );
            if (encoding) broken = true;
            // In a JSON array, a range that ended inside an element (a cut inside a string or a nested
            // array of objects), or a file with invalid JSON, whose messages number the array's elements as
            // only one reader can, or with invalid UTF-8, which the cutter's columns may count otherwise:
            // split by column, which repeats the one pass's report.
            if (kind === 'json' && (encoding || part.problems.some((f) => f.rule === 'data/invalid-json'))) {
              broken = true;
              byColumn = true;
            }
            problems += part.problems.length;
            if (problems > maxProblems) broken = true;
            if (!broken) merge.add(part);
            // Progress: the bytes up to the end of the last range merged (ranges end where records do).
            options.onProgress?.(ends[merged]!);
            merged++;
          }
          settleIfDone();
        });
        w.once('error', fail);
        w.once('exit', (code) => {
          if (merged < dispatched)
            fail(new Error(`A scan thread stopped (exit code ${code}) before it finished.`));
        });
        // Two ranges each to begin with, then one per range returned: a thread always has the next range
        // queued, so it never waits while this thread merges.
        if (!give(w)) break;
        give(w);
      }
      settleIfDone();
    });
    if (cutFailed || broken) return byColumn ? undefined : 'single';
    const part = merge.finish();
    try {
      options.afterReading?.(part.rows, part.header?.columns.length ?? 0);
      return assembleReport([part], options);
    } finally {
      part.keptSpill?.close();
    }
  } catch (e) {
    throw options.signal?.aborted ? abortError() : e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const w of workers) void w.terminate();
    merge.close();
    scratch.close();
    fs.closeSync(fd);
  }
}

/**
 * The header and the privacy scanner's per-column decisions from the head of the file, read in this thread
 * (usually a few thousand rows), for the ranges after the first; and the bytes read by the time every column
 * was decided, which the first range must hold, so that its own scanner decides on the same rows. Undefined
 * unless the file is UTF-8 CSV, TSV, JSON Lines or a JSON array and every column is decided within `limit`
 * bytes.
 */
async function readHead(
  file: string,
  options: ScanOptions,
  limit: number,
): Promise<{ header: TableHeader; decided: PrivacyDecision[]; decidedWithin: number } | undefined> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const missingTokens = [...new Set([...DEFAULT_MISSING_TOKENS, ...policy.missingTokens])];
  let header: TableHeader | undefined;
  let scanner: PrivacyScanner | undefined;
  let decided: PrivacyDecision[] | undefined;
  // Bytes handed to the reader so far: a row it has read lies within them.
  let read = 0;
  let decidedWithin = 0;
  const sink: TableSink = {
    header(h) {
      header = h;
      scanner = new PrivacyScanner(h, {
        fileName: options.fileName,
        maxFindingsPerRule: options.maxFindingsPerRule ?? policy.maxFindingsPerRule,
        missingTokens,
        ...(policy.region ? { defaultRegion: policy.region as CountryCode } : {}),
        ignoredColumns: policy.ignore
          .filter((i) => i.rule === undefined && i.column)
          .map((i) => i.column as string),
      });
    },
    row(r) {
      if (decided || !scanner) return;
      scanner.add(r);
      decided = scanner.decisions();
      if (decided) decidedWithin = read;
    },
    problem() {},
  };
  const fd = fs.openSync(file, 'r');
  async function* chunks(): AsyncIterable<Uint8Array> {
    // 64 KiB at a time: the first range is cut a little past where the decisions came.
    const buf = Buffer.alloc(1 << 16);
    while (read < limit && !decided) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, limit - read), read);
      if (n <= 0) return;
      read += n;
      yield buf.subarray(0, n).slice();
    }
  }
  try {
    const summary = await readTable(chunks(), sink, {
      fileName: options.fileName,
      format: options.format ?? 'auto',
      maxColumns: maxColumnsOf(options),
    });
    if (summary.encoding !== 'utf-8' || !header || !decided) return undefined;
    return { header, decided, decidedWithin };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a JSON file's top level is an object (its first character past a byte order mark and space). */
function wrapsRecords(fd: number): boolean {
  const buf = Buffer.alloc(4096);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  return /^(?:\uFEFF)?\s*\{/.test(buf.toString('utf8', 0, n));
}

/**
 * Whether the megabyte of a JSON array after the first range has a place to cut: an opening brace after a
 * closing brace and a comma, white space aside (an array of objects, on one line or many).
 */
function hasElementCut(fd: number, from: number, rangeBytes: number): boolean {
  const buf = Buffer.alloc(Math.min(rangeBytes, 1 << 20));
  const n = fs.readSync(fd, buf, 0, buf.length, from);
  return /\}[ \t\r\n]*,[ \t\r\n]*\{/.test(buf.toString('latin1', 0, n));
}

/** A byte range of the file, and the line and column (UTF-16 units, from 1) where it starts. */
interface Range {
  start: number;
  end: number;
  startLine: number;
  startColumn: number;
}

/**
 * UTF-16 units of the UTF-8 bytes `from` to `to` of `buf` (one a character, two past U+FFFF), as the
 * reader's columns count them. Counted at each sequence's lead byte, so a sequence cut by `to` counts where
 * it starts. Invalid UTF-8 may count otherwise than the decoder's replacements, so a JSON array's range that
 * meets one is read again by column (see {@link scanByRanges}).
 */
function utf16Units(buf: Uint8Array, from: number, to: number): number {
  if (isAscii(buf.subarray(from, to))) return to - from;
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

/**
 * Cuts a file into byte ranges of about `rangeBytes` (the first of `firstBytes`) at record boundaries, one at
 * a time: a cut goes after the first line feed past the nominal offset at which the count of double quotes
 * since the start of the file is even, i.e. outside any quoted field of well-formed CSV (an escaped quote is
 * two). Malformed quoting can fool the count; the range before such a cut then ends inside a quoted field,
 * its reader reports an unclosed quote, and the caller reads the file in one pass instead. JSON Lines is cut
 * after any line feed: a record is one line, and a raw line break inside a string breaks it in one pass too.
 * A JSON array is cut after a line feed between an element's comma and the next element's brace. Counts line
 * feeds for each range's first line; a lone carriage return (a line break to the reader, not counted here)
 * stops the cutting.
 */
class RangeCutter {
  private readonly buf = Buffer.alloc(1 << 22);
  /** File offset of buf[0], bytes in buf, and the scan position in buf. */
  private base = 0;
  private length = 0;
  private pos = 0;
  private quotes = 0;
  private lines = 0;
  /** UTF-16 units since the last line feed up to `pos` (JSON arrays only: their cuts fall inside lines). */
  private lineChars = 0;
  private start = 0;
  private startLine = 1;
  private startColumn = 1;
  finished = false;

  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly rangeBytes: number,
    private readonly firstBytes: number,
    /**
     * `csv` (and TSV): quotes can hold line breaks. `jsonl`: a record is one line. `json`: a JSON array, cut
     * before an opening brace that follows a closing brace and a comma, white space aside, on one line or
     * across lines. A cut inside a string (`"},{"` in a value) or inside a nested array of objects leaves
     * the range before it inside an element, which its reader reports, and the caller then splits the file
     * by column.
     */
    private readonly kind: 'csv' | 'jsonl' | 'json',
  ) {}

  /** The next range, null after the last, 'lone-cr' when the file has a line break this cannot count. */
  next(): Range | null | 'lone-cr' {
    if (this.finished) return null;
    const nominal = this.start + (this.start === 0 ? this.firstBytes : this.rangeBytes);
    if (nominal >= this.size - this.rangeBytes / 4) return this.last();
    // Count up to the nominal offset, then line by line until a line feed with an even quote count (in a
    // JSON array, up to the next element's brace).
    for (;;) {
      if (this.base + this.pos >= this.size) return this.last();
      if (this.pos >= this.length && !this.fill()) return this.last();
      const buf = this.buf;
      const stopAt = Math.max(this.pos, Math.min(this.length, nominal - this.base));
      if (this.pos < stopAt) {
        if (!this.count(stopAt)) return 'lone-cr';
        continue;
      }
      if (this.kind === 'json') {
        const brace = this.nextElement();
        if (!this.count(brace === -1 ? this.length : brace)) return 'lone-cr';
        if (brace !== -1) return this.cut(this.base + brace);
        continue;
      }
      const lf = buf.indexOf(10, this.pos);
      if (lf === -1 || lf >= this.length) {
        if (!this.count(this.length)) return 'lone-cr';
        continue;
      }
      if (!this.count(lf + 1)) return 'lone-cr';
      if (this.kind === 'jsonl' || this.quotes % 2 === 0) return this.cut(this.base + lf + 1);
    }
  }

  /** The range up to `end`, where the next one starts (on the line and column counted up to it). */
  private cut(end: number): Range {
    const range = { start: this.start, end, startLine: this.startLine, startColumn: this.startColumn };
    this.start = end;
    this.startLine = this.lines + 1;
    this.startColumn = this.lineChars + 1;
    if (end >= this.size) this.finished = true;
    return range;
  }

  private last(): Range | null {
    this.finished = true;
    if (this.start >= this.size) return null;
    return { start: this.start, end: this.size, startLine: this.startLine, startColumn: this.startColumn };
  }

  /**
   * The first opening brace in the block from `pos` on that follows a comma and a closing brace, white space
   * aside, within the block: where a JSON array's next element may start. -1 when there is none.
   */
  private nextElement(): number {
    const buf = this.buf;
    const white = (b: number | undefined) => b === 32 || b === 10 || b === 13 || b === 9;
    for (let b = buf.indexOf(123, this.pos); b !== -1 && b < this.length; b = buf.indexOf(123, b + 1)) {
      let i = b - 1;
      while (i >= 0 && white(buf[i])) i--;
      if (i < 0 || buf[i] !== 44) continue;
      i--;
      while (i >= 0 && white(buf[i])) i--;
      if (i >= 0 && buf[i] === 125) return b;
    }
    return -1;
  }

  /** Reads the next block; false at the end of the file. */
  private fill(): boolean {
    this.base += this.length;
    this.pos = 0;
    this.length = fs.readSync(this.fd, this.buf, 0, this.buf.length, this.base);
    return this.length > 0;
  }

  /** Counts quotes and line feeds in buf[pos, to); false on a carriage return not followed by a line feed. */
  private count(to: number): boolean {
    const buf = this.buf.subarray(0, to);
    if (this.kind === 'csv')
      for (let i = buf.indexOf(34, this.pos); i !== -1; i = buf.indexOf(34, i + 1)) this.quotes++;
    for (let i = buf.indexOf(10, this.pos); i !== -1; i = buf.indexOf(10, i + 1)) this.lines++;
    if (this.kind === 'json') {
      const lf = buf.lastIndexOf(10, to - 1);
      if (lf >= this.pos) this.lineChars = utf16Units(buf, lf + 1, to);
      else this.lineChars += utf16Units(buf, this.pos, to);
    }
    for (let i = buf.indexOf(13, this.pos); i !== -1; i = buf.indexOf(13, i + 1)) {
      // A CR at the end of the block is checked against the next block's first byte.
      const nextByte = i + 1 < this.length ? this.buf[i + 1] : this.peek(this.base + i + 1);
      if (nextByte !== 10) return false;
    }
    this.pos = to;
    return true;
  }

  private peek(offset: number): number | undefined {
    if (offset >= this.size) return undefined;
    const one = Buffer.alloc(1);
    fs.readSync(this.fd, one, 0, 1, offset);
    return one[0];
  }
}
