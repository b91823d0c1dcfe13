/**
 * Worker-thread entry of a scan split by column (see `scanThreads.ts`): reads the whole file itself (the page
 * cache makes the second read cheap, and nothing has to be copied between threads on the way in), does its
 * part of the reading pass, and posts the part back with its typed arrays transferred.
 */
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { scanPart, transferablesOf, type ScanOptions, type ScanPlan } from '../core/scan';

export interface ScanThreadData {
  file: string;
  options: Omit<ScanOptions, 'signal' | 'onProgress'>;
  plan: ScanPlan;
}

export type ScanThreadReply =
  { ok: true; part: Awaited<ReturnType<typeof scanPart>> } | { ok: false; message: string; stack?: string };

async function run(data: ScanThreadData): Promise<void> {
  const stream = fs.createReadStream(data.file, { highWaterMark: 1 << 18 });
  try {
    const part = await scanPart(stream, data.options, data.plan);
    const reply: ScanThreadReply = { ok: true, part };
    parentPort!.postMessage(reply, transferablesOf(part));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const reply: ScanThreadReply = {
      ok: false,
      message: err.message,
      ...(err.stack ? { stack: err.stack } : {}),
    };
    parentPort!.postMessage(reply);
  } finally {
    stream.destroy();
  }
}

if (parentPort && workerData && (workerData as { scanThread?: boolean }).scanThread) {
  void run(workerData as ScanThreadData);
}
