import { fork, type ChildProcess } from 'child_process';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type * as vscode from 'vscode';
import type { AuditReport } from '../core/report/auditReport';
import type { FileScanned, ScanFileParams, ScanFilesParams } from '../worker/scanWorker';
import { log } from './log';

// Method names are repeated (not imported) so the worker's module code never enters the extension bundle.
const SCAN_FILE_METHOD = 'rml/scanFile';
const SCAN_FILES_METHOD = 'rml/scanFiles';
const FILE_SCANNED_NOTIFICATION = 'rml/fileScanned';
const IDLE_EXIT_MS = 60_000;
const CANCEL_GRACE_MS = 3_000;
/**
 * V8's young generation at 4 MB a semi-space (16 by default): a scan's cells die young, and the larger space
 * only held more of them. Measured on the worker itself, one thread, three runs each: the bench's 25 MB file
 * peaked at 127 to 129 MB instead of 145 to 150, 100 MB at 133 to 140 instead of 157 to 160, a table of
 * 20,000 columns at 295 to 296 instead of 306 to 310, in the same time within this machine's noise.
 */
const SCAN_WORKER_FLAGS = ['--max-semi-space-size=4'];

/**
 * Parent side of `dist/scanWorker.js`: one child process, started on first use and stopped after a minute idle.
 * Requests are sequential per call but may overlap; a cancel is sent as `$/cancelRequest`, and a worker that
 * does not stop within a few seconds is killed (and restarted by the next request).
 */
export class ScanClient {
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pending = 0;
  /** `rml/scanFiles` requests under way, by batch: their files' results come as notifications. */
  private readonly batches = new Map<number, (result: FileScanned) => void>();
  private nextBatch = 1;

  /** `threads`: the most threads a scan of a file on disk takes (the `scan.threads` setting), read per scan. */
  constructor(
    private readonly workerPath: string,
    private readonly threads: () => number = () => 1,
  ) {}

  private start(): MessageConnection {
    if (this.connection && this.child && this.child.exitCode === null) return this.connection;
    const child = fork(this.workerPath, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: SCAN_WORKER_FLAGS,
    });
    child.stderr?.on('data', (b: Buffer) => log().warn(`scan worker: ${b.toString('utf8').trim()}`));
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    child.on('exit', (code, signal) => {
      if (this.child === child) {
        this.child = undefined;
        this.connection = undefined;
      }
      connection.dispose();
      log().debug(`scan worker exited (${code ?? signal})`);
    });
    connection.onNotification(FILE_SCANNED_NOTIFICATION, (r: FileScanned) => this.batches.get(r.batch)?.(r));
    connection.listen();
    this.child = child;
    this.connection = connection;
    log().debug(`scan worker started (pid ${child.pid})`);
    return connection;
  }

  /** Scans a file from disk (or the given unsaved text) in the worker. Rejects with an AbortError when cancelled. */
  scan(params: ScanFileParams, token?: vscode.CancellationToken): Promise<AuditReport> {
    return this.request<AuditReport>(SCAN_FILE_METHOD, { threads: this.threads(), ...params }, token);
  }

  /**
   * Scans files from disk as `rml audit` scans several (small ones two at a time, up to the `scan.threads`
   * setting), telling `onResult` each file's report, or why it could not be scanned, as it comes: file `i`
   * of `files` as `index` `i`. Resolves when every file is done; rejects when cancelled.
   */
  async scanFiles(
    files: ScanFilesParams['files'],
    onResult: (result: FileScanned) => void,
    token?: vscode.CancellationToken,
  ): Promise<void> {
    const batch = this.nextBatch++;
    this.batches.set(batch, onResult);
    try {
      const params: ScanFilesParams = { batch, files, threads: this.threads() };
      await this.request<null>(SCAN_FILES_METHOD, params, token);
    } finally {
      this.batches.delete(batch);
    }
  }

  private async request<T>(method: string, params: object, token?: vscode.CancellationToken): Promise<T> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const connection = this.start();
    const child = this.child;
    const cts = new CancellationTokenSource();
    let killTimer: NodeJS.Timeout | undefined;
    const sub = token?.onCancellationRequested(() => {
      cts.cancel();
      killTimer = setTimeout(() => child?.kill(), CANCEL_GRACE_MS);
    });
    this.pending++;
    try {
      const exited = new Promise<never>((_, reject) =>
        child?.once('exit', () =>
          reject(
            new Error(
              token?.isCancellationRequested ? 'Scan cancelled' : 'The scan worker stopped unexpectedly',
            ),
          ),
        ),
      );
      return await Promise.race([connection.sendRequest<T>(method, params, cts.token), exited]);
    } finally {
      this.pending--;
      sub?.dispose();
      if (killTimer) clearTimeout(killTimer);
      cts.dispose();
      if (this.pending === 0) this.idleTimer = setTimeout(() => this.dispose(), IDLE_EXIT_MS);
    }
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.connection?.dispose();
    this.child?.kill();
    this.child = undefined;
    this.connection = undefined;
  }
}
