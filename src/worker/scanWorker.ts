/**
 * Child process that scans datasets off the extension host: the editor's "Scan Workspace Datasets" and open
 * documents too large to scan in-process. It streams each file from disk in 256 KiB chunks, so memory stays
 * bounded by the scanner, not the file; a large file in worker threads as `rml audit` would, up to the
 * `scan.threads` setting (`scanFileInThreads`). Cancellation arrives as vscode-jsonrpc's `$/cancelRequest`
 * and aborts the scan's AbortSignal, which the scanner checks between chunks (and which stops the threads):
 * smaller chunks make a cancel land sooner (measured: 0.75 s on a loaded 2-core machine, against 3 s with
 * 1 MiB chunks).
 *
 * Protocol (JSON-RPC over the Node IPC channel):
 *   request  `rml/scanFile` ScanFileParams -> AuditReport
 *   request  `rml/scanFiles` ScanFilesParams -> null, each file's result sent first as a notification
 *            `rml/fileScanned` FileScanned, in the order the files finish
 *   request  `rml/ping` -> { pid }
 */
import {
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  IPCMessageReader,
  IPCMessageWriter,
  type CancellationToken,
} from 'vscode-jsonrpc/node';
import type { AuditReport } from '../core/report/auditReport';
import { scanDataset, type ScanOptions } from '../core/scan';
import { scanFileInThreads, type ThreadedScanOptions } from './scanThreads';
import { scanFilesEach } from './scanFiles';
import { memberOptions } from '../core/data/compressed';
import { datasetSource } from './scannedFile';
import { collectAfterReading, collectorForScan } from './collect';

export const SCAN_FILE_METHOD = 'rml/scanFile';
export const SCAN_FILES_METHOD = 'rml/scanFiles';
export const FILE_SCANNED_NOTIFICATION = 'rml/fileScanned';
export const PING_METHOD = 'rml/ping';

/** What the extension asks for: the scanner's options (without the signal, which is the request's
 * cancellation), plus where to read from. */
export type ScanFileParams = Omit<
  ScanOptions,
  'signal' | 'onProgress' | 'afterReading' | 'whileReading' | 'betweenAnalyses'
> & {
  /**
   * Absolute path read from disk, unless `text` is given: a table inside a ZIP or tar archive too
   * (`.../titanic.zip/train.csv`), and an archive of one table (`datasetSource`).
   */
  path: string;
  /** Unsaved editor text to scan instead of the file on disk. */
  text?: string;
  /**
   * The most threads for a file on disk (`scanFileInThreads`' `maxThreads`: below it, what `rml audit` would
   * pick for the file's size and format; default 1). Unsaved text is scanned in this thread.
   */
  threads?: number;
};

/**
 * Several files on disk ("Scan Workspace Datasets"), scanned as `rml audit` scans its files (`scanFilesEach`:
 * small ones two at a time, up to `threads`), going on past a file that fails. `batch` names the request in
 * its notifications.
 */
export interface ScanFilesParams {
  batch: number;
  files: Omit<ScanFileParams, 'text' | 'threads'>[];
  /** The most threads: two files at a time from two, and a large file's split up to this. Default 1. */
  threads?: number;
}

/** One file of a `rml/scanFiles` request done: its report, or why it could not be scanned. */
export type FileScanned = { batch: number; index: number } & ({ report: AuditReport } | { error: string });

async function* fromText(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

/**
 * Scans one file (or unsaved text); exported for tests that run the worker logic in-process, which may ask how
 * the file was split (`onSplit`).
 */
export async function scanFile(
  params: ScanFileParams,
  signal?: AbortSignal,
  onSplit?: ThreadedScanOptions['onSplit'],
): Promise<AuditReport> {
  const collector = collectorForScan();
  const options: ScanOptions = {
    ...scanOptions(params, signal),
    whileReading: collector,
    betweenAnalyses: collector,
  };
  if (params.text === undefined) {
    const maxThreads = Math.max(1, Math.floor(params.threads ?? 1));
    // A table inside an archive (a training config's `data.train` of `titanic.zip/train.csv`), or an
    // archive of one table; an archive of several throws, naming them, as training would.
    let source;
    try {
      source = await datasetSource(params.path, params.fileName ?? params.path);
    } catch (e) {
      // The path's fault, in the worker's words: a ResponseError reaches the extension without JSON-RPC's
      // "Request ... failed with message:" before them.
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
    return scanFileInThreads(
      source.file,
      { ...options, ...memberOptions(source.member) },
      {
        maxThreads,
        ...(onSplit ? { onSplit } : {}),
      },
    );
  }
  return scanDataset(fromText(params.text), options);
}

/** Scans several files on disk, telling `onDone` each result as it comes (see {@link ScanFilesParams}). */
export async function scanFiles(
  params: ScanFilesParams,
  onDone: (result: FileScanned) => void,
  signal?: AbortSignal,
): Promise<void> {
  const maxThreads = Math.max(1, Math.floor(params.threads ?? 1));
  const files = params.files.map((p) => ({ file: p.path, options: scanOptions(p, signal) }));
  await scanFilesEach(
    files,
    { maxThreads },
    {
      // Each file's own collector, made as it starts (see `collectorForScan`); a worker thread makes its own.
      onStart: () => {
        const collector = collectorForScan();
        return { options: { whileReading: collector, betweenAnalyses: collector } };
      },
      onDone: (index, result) =>
        onDone(
          result instanceof Error
            ? { batch: params.batch, index, error: result.message }
            : { batch: params.batch, index, report: result },
        ),
    },
  );
}

/** A file's scan options, without the collector each scan makes for itself. */
function scanOptions(params: Omit<ScanFileParams, 'text' | 'threads'>, signal?: AbortSignal): ScanOptions {
  return {
    fileName: params.fileName,
    format: params.format ?? 'auto',
    ...(params.policy ? { policy: params.policy } : {}),
    ...(params.label ? { label: params.label } : {}),
    ...(params.positive ? { positive: params.positive } : {}),
    ...(params.prediction ? { prediction: params.prediction } : {}),
    ...(params.score ? { score: params.score } : {}),
    ...(params.groups ? { groups: params.groups } : {}),
    ...(params.maxFindingsPerRule ? { maxFindingsPerRule: params.maxFindingsPerRule } : {}),
    ...(signal ? { signal } : {}),
    afterReading: collectAfterReading,
  };
}

function serve(): void {
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  connection.onRequest(SCAN_FILE_METHOD, async (params: ScanFileParams, token: CancellationToken) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      return await scanFile(params, controller.signal);
    } finally {
      sub.dispose();
    }
  });
  connection.onRequest(SCAN_FILES_METHOD, async (params: ScanFilesParams, token: CancellationToken) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      await scanFiles(
        params,
        (result) => void connection.sendNotification(FILE_SCANNED_NOTIFICATION, result),
        controller.signal,
      );
      return null;
    } finally {
      sub.dispose();
    }
  });
  connection.onRequest(PING_METHOD, () => ({ pid: process.pid }));
  // The parent going away (window closed, extension host crash) ends the worker too.
  process.on('disconnect', () => process.exit(0));
  connection.listen();
}

if (require.main === module && typeof process.send === 'function') serve();
