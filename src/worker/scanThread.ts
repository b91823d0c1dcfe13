/**
 * Worker-thread entry of a scan split by column or by byte range (see `scanThreads.ts`). Split by column, a
 * thread reads the whole file itself (the page cache makes the second read cheap, and nothing has to be copied
 * between threads on the way in), does its part of the reading pass, and posts the part back with its typed
 * arrays transferred. Split by range, a thread stays up and scans each range it is sent. For files scanned
 * side by side (`scanFiles.ts`), a thread stays up and scans each file it is sent whole.
 */
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { collectAfterReading, collectorForScan } from './collect';
import { openScanned } from './scannedFile';
import {
  discardPart,
  postPart,
  rangeTransferables,
  scanPart,
  scanDataset,
  scanRange,
  transferablesOf,
  type RangePart,
  type PostedScanPart,
  type RangeStart,
  type ScanOptions,
  type ScanPlan,
} from '../core/scan';
import type { AuditReport } from '../core/report/auditReport';

export interface ScanThreadData {
  file: string;
  options: Omit<ScanOptions, 'signal' | 'onProgress' | 'afterReading' | 'whileReading' | 'betweenAnalyses'>;
  plan: ScanPlan;
}

export type ScanThreadReply =
  { ok: true; part: PostedScanPart } | { ok: false; message: string; stack?: string };

async function run(data: ScanThreadData): Promise<void> {
  const stream = fs.createReadStream(data.file, { highWaterMark: 1 << 18 });
  let posted: PostedScanPart | undefined;
  try {
    // Spilled kept columns are handed over: their files outlive this thread, opened again by the main one.
    posted = postPart(
      await scanPart(stream, { ...data.options, whileReading: collectorForScan() }, data.plan),
    );
    const reply: ScanThreadReply = { ok: true, part: posted };
    parentPort!.postMessage(reply, transferablesOf(posted));
  } catch (e) {
    if (posted) discardPart(posted);
    const reply: ScanThreadReply = failure(e);
    parentPort!.postMessage(reply);
  } finally {
    stream.destroy();
  }
}

/** A byte range of a scan split by rows: bytes `start` to `end` (exclusive) of the file. */
export interface RangeJob {
  id: number;
  start: number;
  end: number;
  /** Absent for the first range, which reads the head of the file as usual. */
  from?: RangeStart;
  /** A JSON array's range that ends after an element's comma, before the end of the file. */
  endsAfterComma?: boolean;
}

export type RangeReply =
  { id: number; ok: true; part: RangePart } | { id: number; ok: false; message: string; stack?: string };

export interface RangeThreadData {
  file: string;
  options: Omit<ScanOptions, 'signal' | 'onProgress' | 'afterReading' | 'whileReading' | 'betweenAnalyses'>;
}

/**
 * A range thread stays up for every range it is given (starting a thread costs about 0.3 s), and scans them one
 * at a time in the order sent: the main thread sends the next range before this one is done, so that the thread
 * does not wait for it while it merges.
 */
function serveRanges(data: RangeThreadData): void {
  const queue: RangeJob[] = [];
  let busy = false;
  const scan = async (job: RangeJob): Promise<void> => {
    const stream = fs.createReadStream(data.file, {
      start: job.start,
      end: job.end - 1,
      highWaterMark: 1 << 18,
    });
    try {
      const part = await scanRange(stream, { ...data.options, whileReading: collectorForScan() }, job.from, {
        ...(job.endsAfterComma ? { endsAfterComma: true } : {}),
      });
      const reply: RangeReply = { id: job.id, ok: true, part };
      parentPort!.postMessage(reply, rangeTransferables(part));
    } catch (e) {
      const reply: RangeReply = { id: job.id, ...failure(e) };
      parentPort!.postMessage(reply);
    } finally {
      stream.destroy();
    }
  };
  const drain = async (): Promise<void> => {
    busy = true;
    for (let job = queue.shift(); job; job = queue.shift()) await scan(job);
    busy = false;
  };
  parentPort!.on('message', (job: RangeJob) => {
    queue.push(job);
    if (!busy) void drain();
  });
}

/** A whole file for a thread that scans files side by side (`scanFiles.ts`). */
export interface FileJob {
  id: number;
  file: string;
  options: Omit<ScanOptions, 'signal' | 'onProgress' | 'afterReading' | 'whileReading' | 'betweenAnalyses'>;
}

export type FileReply =
  { id: number; ok: true; report: AuditReport } | { id: number; ok: false; message: string; stack?: string };

/**
 * A file thread scans each file it is sent whole, analyses included, as `scanDataset` does in the main thread
 * (the report is the same), and posts back the report; it stays up for the next.
 */
function serveFiles(): void {
  parentPort!.on('message', (job: FileJob) => {
    void (async () => {
      const stream = openScanned(job.file, job.options);
      try {
        const collector = collectorForScan();
        const report = await scanDataset(stream, {
          ...job.options,
          afterReading: collectAfterReading,
          whileReading: collector,
          betweenAnalyses: collector,
        });
        const reply: FileReply = { id: job.id, ok: true, report };
        parentPort!.postMessage(reply);
      } catch (e) {
        const reply: FileReply = { id: job.id, ...failure(e) };
        parentPort!.postMessage(reply);
      } finally {
        stream.destroy();
      }
    })();
  });
}

/** A failed scan as a reply: the message and stack, since an Error does not cross threads whole. */
function failure(e: unknown): { ok: false; message: string; stack?: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  return { ok: false, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

const wd = workerData as { scanThread?: boolean; rangeThread?: boolean; fileThread?: boolean } | undefined;
if (parentPort && wd?.scanThread) void run(workerData as ScanThreadData);
else if (parentPort && wd?.rangeThread) serveRanges(workerData as RangeThreadData);
else if (parentPort && wd?.fileThread) serveFiles();
