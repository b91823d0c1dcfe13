/**
 * `rml audit` on several files, and the editor's workspace scan (the scan worker's `rml/scanFiles`): the
 * small ones scanned side by side, one file a thread. A file below {@link MIN_SPLIT_BYTES} is read in one
 * thread by default (a second thread on it gains nothing: see `defaultThreads`), so an audit of many such
 * files used one core. Here this thread and up to
 * {@link MAX_FILE_THREADS} − 1 worker threads take the small files from one queue, each scanning a whole file
 * as `scanDataset` does, so every report is the one a scan of that file alone gives. The other files (large,
 * too wide to have two at once, or audited with a label: {@link MAX_SIDE_BY_SIDE_COLUMNS}) are scanned after
 * them, one at a time with their own split (`scanFileInThreads`), so that no two splits run at once.
 *
 * A worker thread stays up for every file it is given: starting one, and warming its compiled code, is paid
 * once, not for each file. It scans a file whole, analyses included, and posts back the report.
 */
import * as fs from 'fs';
import type { Worker } from 'worker_threads';
import { Decompressed, isBzip2, type TarMember } from '../core/data/compressed';
import { readTable } from '../core/data/readTable';
import type { AuditReport } from '../core/report/auditReport';
import { maxColumnsOf, type ScanOptions } from '../core/scan';
import {
  MIN_SPLIT_BYTES,
  availableCores,
  keepsEveryColumn,
  locateScanThread,
  readFileStart,
  scanFileInThreads,
  startScanThread,
  withoutSignal,
  WorkerScratch,
  type ScanThreadEntry,
  type ThreadedScanOptions,
} from './scanThreads';
import type { FileJob, FileReply } from './scanThread';
import { openScanned } from './scannedFile';

/** One file of an audit: its path on disk and the options to scan it with. */
export interface FileScan {
  file: string;
  options: ScanOptions;
}

/** What a caller adds to a file scanned in this thread as it starts, and is told when it is done. */
export interface FileStart {
  /** Options only this thread can use (a progress callback, a garbage collector of its own). */
  options?: Partial<ScanOptions>;
  done?: () => void;
}

/**
 * Files scanned at once at most: this thread and one worker, on any machine of two cores or more. A file
 * under {@link MIN_SPLIT_BYTES} peaked at 150 to 160 MB alone; side by side, six files of 39 MB peaked at 238
 * MB in two threads but 309 MB in three, past the aim's 300 MB (with a young generation of
 * `COLUMN_THREAD_YOUNG_MB` in the workers; 251 to 257 and 333 to 342 MB with V8's default;
 * bench/scan/README.md).
 */
export const MAX_FILE_THREADS = 2;

/** The threads that scan small files side by side on a machine of `cores` cores. */
export function fileThreadsFor(cores: number): number {
  return cores <= 1 ? 1 : Math.min(cores, MAX_FILE_THREADS);
}

/** What {@link scanFilesEach} tells its caller. */
export interface FileHooks {
  /**
   * Told when file `i` starts in this thread, and may add options for it (a progress line); files in worker
   * threads start untold.
   */
  onStart?: (index: number) => FileStart | undefined;
  /**
   * Told as each file is done, in the order they finish: its report, or what stopped its scan (an unreadable
   * file, a thread that died); the other files go on.
   */
  onDone?: (index: number, result: AuditReport | Error) => void;
}

/**
 * Audits `files`, telling `hooks.onDone` each result. With `threaded.threads` set, each file is scanned as
 * `scanFileInThreads` scans it, one after another. By default the files that may go side by side (under
 * {@link MIN_SPLIT_BYTES}, narrow, without a label: see the top of this file) are scanned two at a time
 * first, at most `threaded.maxThreads`, when they come to `threaded.sideBySideBytes` (default
 * {@link MIN_SPLIT_BYTES}) or more together; then the others, one at a time. On two cores
 * (bench/scan/README.md), an audit of eight files of 25 MB read at 37.5 to 44.8 MB/s side by side against
 * 30.5 to 35.3 one after another, eight of 39 MB at 43.3 to 52.6 against 34.7 to 38.8; eight of 5 MB took
 * 2.58 s side by side against 2.45 (a thread's start and its own warming of the code). As in
 * `scanFileInThreads`, bad input becomes findings; a file whose scan fails outright is told with its error
 * and the others go on; an aborted `signal` (of the first file's options) stops the threads and throws an
 * `AbortError`.
 */
export async function scanFilesEach(
  files: readonly FileScan[],
  threaded: ThreadedScanOptions & { sideBySideBytes?: number } = {},
  hooks: FileHooks = {},
): Promise<void> {
  const here = async (i: number, signal?: AbortSignal, beside = false): Promise<void> => {
    const f = files[i]!;
    const start = hooks.onStart?.(i);
    let result: AuditReport | Error;
    try {
      result = await scanFileInThreads(
        f.file,
        { ...f.options, ...start?.options, ...(signal ? { signal } : {}) },
        // Beside another file's scan, both cores are taken: no thread more to decode.
        beside ? { ...threaded, decodeThread: false } : threaded,
      );
    } catch (e) {
      if (signal?.aborted || f.options.signal?.aborted) throw e;
      result = e instanceof Error ? e : new Error(String(e));
    } finally {
      start?.done?.();
    }
    hooks.onDone?.(i, result);
  };
  const cores = threaded.cores ?? availableCores();
  const most = Math.min(fileThreadsFor(cores), threaded.maxThreads ?? Infinity);
  const small: number[] = [];
  const large: number[] = [];
  if (threaded.threads === undefined && most > 1) {
    const floor = threaded.sideBySideBytes ?? MIN_SPLIT_BYTES;
    const sizes = files.map(smallFileBytes);
    // The headers are read only when the files could come to enough.
    if (sizes.reduce<number>((sum, b) => sum + (b ?? 0), 0) >= floor) {
      let together = 0;
      for (let i = 0; i < files.length; i++) {
        const bytes = sizes[i];
        if (bytes !== null && bytes !== undefined && (await narrowEnough(files[i]!))) {
          small.push(i);
          together += bytes;
        } else large.push(i);
      }
      // Below the floor in all, a second thread's start and its own warming of the code ate the gain.
      if (together < floor) small.length = 0;
    }
  }
  const width = Math.min(small.length, most);
  const entry = width > 1 ? locateScanThread(threaded.threadLimits) : null;
  if (!entry || width <= 1) {
    for (let i = 0; i < files.length; i++) await here(i);
    return;
  }
  await sideBySide(small, width - 1, entry, files, hooks, here, files[0]?.options.signal);
  for (const i of large) await here(i);
}

/**
 * A table scanned beside another has fewer columns than this, and is audited without a label or a model's
 * output. Each of the two scans holds its table's state whole, the privacy scanner's samples the most (2,000
 * values a column up to 500 columns): two files side by side peaked at 245 to 262 MB with 104 columns (25 and
 * 39 MB), 282 with 254 and 316 with 504 (25 MB); the bench's table of 12 columns at 231 to 257 (thirty-first
 * session, bench/scan/README.md). A label keeps every column for the fairness analyses: two tables of 29
 * columns with one peaked at 259 to 305 MB, of 104 columns 263 to 323, the bench's table 221 to 239.
 */
export const MAX_SIDE_BY_SIDE_COLUMNS = 128;

/** Bytes read from the start of a file for its header. */
const HEADER_BYTES = 1 << 16;

/**
 * Whether `f` may be scanned beside another file: audited without a label, its header, in its first 64 KB,
 * narrow enough ({@link MAX_SIDE_BY_SIDE_COLUMNS}); false for a file with no header there (empty, or a
 * header longer).
 */
async function narrowEnough(f: FileScan): Promise<boolean> {
  if (keepsEveryColumn(f.options)) return false;
  let prefix: Buffer;
  const member = f.options.zipMember;
  // A compressed tar archive's table: its text, kept as the archive was walked, else the archive
  // decompressed up to it again.
  const tar = f.options.tarMember?.compression ? undefined : f.options.tarMember;
  try {
    // An archive's table: its first compressed bytes, which give about its first 64 KB of text or more; a
    // plain tar archive's, its first bytes.
    const compressed = f.options.tarMember?.compression ? f.options.tarMember : undefined;
    prefix = compressed
      ? compressed.head
        ? Buffer.from(compressed.head)
        : await textStart(f.file, compressed, HEADER_BYTES)
      : readFileStart(f.file, HEADER_BYTES, member?.entry.offset ?? tar?.offset);
    // A bzip2 file's first 64 KB hold none of its text: its first block, up to a megabyte, is decoded whole.
    if (!member && !tar && !compressed && isBzip2(prefix))
      prefix = await textStart(f.file, undefined, HEADER_BYTES);
  } catch {
    return false;
  }
  let columns = -1;
  await readTable(
    [prefix],
    {
      header: (h) => void (columns = h.columns.length),
      row: () => undefined,
      problem: () => undefined,
    },
    {
      fileName: f.options.fileName,
      format: f.options.format ?? 'auto',
      maxColumns: maxColumnsOf(f.options),
      ...(member ? { zipMember: member } : {}),
      ...(tar ? { tarMember: tar } : {}),
    },
  );
  return columns > 0 && columns < MAX_SIDE_BY_SIDE_COLUMNS;
}

/** The first `bytes` of text of a compressed file or tar archive's table, or fewer when it is shorter. */
async function textStart(file: string, member: TarMember | undefined, bytes: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let got = 0;
  for await (const c of new Decompressed(openScanned(file, member ? { tarMember: member } : {}), member)) {
    parts.push(c);
    got += c.length;
    if (got >= bytes) break;
  }
  return Buffer.concat(parts);
}

/**
 * The size of `f` when it is under {@link MIN_SPLIT_BYTES}, which the default scans in one thread (whatever
 * its format), so that it may run beside others; else null.
 */
function smallFileBytes(f: FileScan): number | null {
  try {
    // An archive's table holds the memory of its text, scanned as a file of that size is.
    const bytes = f.options.zipMember?.entry.size ?? f.options.tarMember?.size ?? fs.statSync(f.file).size;
    return bytes < MIN_SPLIT_BYTES ? bytes : null;
  } catch {
    // Scanned alone, where the scan reports what is wrong with it.
    return null;
  }
}

/**
 * Scans the files `queue` names: this thread and `workers` worker threads each take the next file until none
 * is left. A worker thread that stopped (its file told as failed) leaves the rest of the queue to the others.
 */
async function sideBySide(
  queue: readonly number[],
  workers: number,
  entry: ScanThreadEntry,
  files: readonly FileScan[],
  hooks: FileHooks,
  here: (i: number, signal: AbortSignal, beside: boolean) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const waiting = [...queue];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const threads: FileThread[] = [];
  const scratch = new WorkerScratch();
  let first: Promise<void> | undefined;
  try {
    const mine = async (): Promise<void> => {
      for (let i = waiting.shift(); i !== undefined && !stop.signal.aborted; i = waiting.shift())
        await here(i, stop.signal, true);
    };
    const theirs = async (thread: FileThread): Promise<void> => {
      for (let i = waiting.shift(); i !== undefined && !stop.signal.aborted; i = waiting.shift()) {
        let result: AuditReport | Error;
        try {
          result = await thread.scan(files[i]!);
        } catch (e) {
          if (stop.signal.aborted) throw e;
          result = e instanceof Error ? e : new Error(String(e));
        }
        hooks.onDone?.(i, result);
        if (thread.stopped) return;
      }
    };
    // Each worker starts only if a file is left for it once this thread has taken the first.
    const runs: Promise<void>[] = [];
    first = mine();
    for (let w = 0; w < workers && waiting.length > 0; w++) {
      const thread = new FileThread(entry, stop.signal, scratch);
      threads.push(thread);
      runs.push(theirs(thread));
    }
    runs.unshift(first);
    await Promise.all(
      runs.map((r) =>
        r.catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
  } catch (e) {
    // This thread's scan stops at its next chunk: the error is thrown once nothing runs on.
    stop.abort();
    await first?.catch(() => undefined);
    throw signal?.aborted ? abortError() : e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const t of threads) t.close();
    scratch.close();
  }
}

/** A worker thread that scans whole files, one at a time, until closed. */
class FileThread {
  private readonly worker: Worker;
  private next = 0;
  private pending: { id: number; resolve: (r: AuditReport) => void; reject: (e: Error) => void } | null =
    null;
  private failed: Error | null = null;

  constructor(
    entry: ScanThreadEntry,
    signal: AbortSignal,
    private readonly scratch: WorkerScratch,
  ) {
    this.worker = startScanThread(entry, { fileThread: true }, true);
    this.worker.on('message', (reply: FileReply) => {
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      this.pending = null;
      if (reply.ok) p.resolve(reply.report);
      else p.reject(Object.assign(new Error(reply.message), reply.stack ? { stack: reply.stack } : {}));
    });
    this.worker.once('error', (e) => this.fail(e));
    this.worker.once('exit', (code) =>
      this.fail(new Error(`A scan thread stopped (exit code ${code}) before it finished.`)),
    );
    signal.addEventListener('abort', () => this.fail(abortError()), { once: true });
  }

  /** Whether the thread has stopped (failed, or closed): it takes no more files. */
  get stopped(): boolean {
    return this.failed !== null;
  }

  scan(f: FileScan): Promise<AuditReport> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<AuditReport>((resolve, reject) => {
      const id = this.next++;
      this.pending = { id, resolve, reject };
      const job: FileJob = { id, file: f.file, options: this.scratch.place(withoutSignal(f.options)) };
      this.worker.postMessage(job);
    });
  }

  close(): void {
    this.failed ??= new Error('The scan thread was closed.');
    void this.worker.terminate();
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
    void this.worker.terminate();
  }
}

function abortError(): Error {
  return Object.assign(new Error('The scan was cancelled.'), { name: 'AbortError' });
}
