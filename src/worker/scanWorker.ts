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
 *   request  `rml/ping` -> { pid }
 */
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type CancellationToken,
} from 'vscode-jsonrpc/node';
import type { AuditReport } from '../core/report/auditReport';
import { scanDataset, type ScanOptions } from '../core/scan';
import { scanFileInThreads, type ThreadedScanOptions } from './scanThreads';
import { collectGarbage, collectorForScan } from './collect';

export const SCAN_FILE_METHOD = 'rml/scanFile';
export const PING_METHOD = 'rml/ping';

/** What the extension asks for: the scanner's options (without the signal, which is the request's
 * cancellation), plus where to read from. */
export type ScanFileParams = Omit<
  ScanOptions,
  'signal' | 'onProgress' | 'afterReading' | 'whileReading' | 'betweenAnalyses'
> & {
  /** Absolute path read from disk, unless `text` is given. */
  path: string;
  /** Unsaved editor text to scan instead of the file on disk. */
  text?: string;
  /**
   * The most threads for a file on disk (`scanFileInThreads`' `maxThreads`: below it, what `rml audit` would
   * pick for the file's size and format; default 1). Unsaved text is scanned in this thread.
   */
  threads?: number;
};

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
    afterReading: collectGarbage,
    whileReading: collector,
    betweenAnalyses: collector,
  };
  if (params.text === undefined) {
    const maxThreads = Math.max(1, Math.floor(params.threads ?? 1));
    return scanFileInThreads(params.path, options, { maxThreads, ...(onSplit ? { onSplit } : {}) });
  }
  return scanDataset(fromText(params.text), options);
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
  connection.onRequest(PING_METHOD, () => ({ pid: process.pid }));
  // The parent going away (window closed, extension host crash) ends the worker too.
  process.on('disconnect', () => process.exit(0));
  connection.listen();
}

if (require.main === module && typeof process.send === 'function') serve();
