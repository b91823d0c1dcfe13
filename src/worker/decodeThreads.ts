/**
 * The reader's side of the decode thread (`decodeThread.ts`): a bzip2 or xz file's decoding runs in a worker
 * thread while this one reads and audits the text (`ReadOptions.decodeOffThread`). On two cores the bench's
 * 100 MB table compressed by `bzip2` took 5.31 to 6.34 s decoded in the reader's thread and 3.95 to 4.73 s in
 * the decode thread (bench/scan/README.md, thirty-sixth session).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import {
  DecodeFault,
  decodeOffThreadWith,
  offThreadDecode,
  type OffThreadDecode,
} from '../core/data/compressed';
import type { Bzip2Block } from '../core/data/bzip2';
import {
  INPUT_AHEAD,
  type DecodeThreadData,
  type FromDecodeThread,
  type ToDecodeThread,
} from './decodeProtocol';

/** The bundled thread entry beside this bundle, else the TypeScript source through tsx (tests). */
function locateDecodeThread(): { file: string; eval: boolean } | null {
  const bundled = path.join(__dirname, 'decodeThread.js');
  if (fs.existsSync(bundled)) return { file: bundled, eval: false };
  const source = path.resolve(__dirname, 'decodeThread.ts');
  if (fs.existsSync(source)) return { file: source, eval: true };
  return null;
}

/**
 * Sets the decode thread as the readers' way to decode bzip2 and xz off their thread; false where its entry
 * is not found (the reader then decodes in its own thread).
 */
export function useDecodeThreads(): boolean {
  if (offThreadDecode()) return true;
  const entry = locateDecodeThread();
  if (!entry) return false;
  decodeOffThreadWith(decodeIn(entry));
  return true;
}

function decodeIn(entry: { file: string; eval: boolean }): OffThreadDecode {
  return async function* decode(
    format: 'bzip2' | 'xz',
    input: AsyncIterator<Uint8Array>,
    start: Bzip2Block | undefined,
  ): AsyncGenerator<Uint8Array, void> {
    const workerData: DecodeThreadData = { format, ...(start ? { start } : {}) };
    const worker = entry.eval
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry.file)});`, { eval: true, workerData })
      : new Worker(entry.file, { workerData });
    const pieces: Uint8Array[] = [];
    let end: { done: true } | { fault: DecodeFault } | { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const woken = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const send = (m: ToDecodeThread, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);
    // Input is sent ahead of the thread's need (see `INPUT_AHEAD`), by one pump at a time.
    let ahead = 0;
    let inputDone = false;
    let reading: Promise<void> | undefined;
    const pump = async () => {
      try {
        while (!inputDone && ahead < INPUT_AHEAD && !end) {
          const r = await input.next();
          if (r.done) {
            inputDone = true;
            send({ end: true });
          } else {
            // A copy of its own, transferred: the chunk's buffer may hold other bytes of the caller's.
            const own = new Uint8Array(r.value);
            ahead += own.length;
            send({ input: own }, [own.buffer as ArrayBuffer]);
          }
        }
      } catch (e) {
        end ??= { error: e };
        woken();
      } finally {
        reading = undefined;
      }
    };
    const pumping = () => {
      if (!reading && !inputDone) reading = pump();
    };
    worker.on('message', (m: FromDecodeThread) => {
      if ('took' in m) {
        ahead -= m.took;
        pumping();
        return;
      }
      if ('out' in m) pieces.push(m.out);
      else if ('fault' in m) end ??= { fault: new DecodeFault(m.fault.message, m.fault.code) };
      else if ('error' in m) end ??= { error: new Error(`the decode thread failed: ${m.error}`) };
      else end ??= { done: true };
      woken();
    });
    worker.on('error', (e) => {
      end ??= { error: e };
      woken();
    });
    worker.on('exit', (code) => {
      end ??= { error: new Error(`the decode thread stopped (exit code ${code})`) };
      woken();
    });
    pumping();
    try {
      for (;;) {
        const piece = pieces.shift();
        if (piece) {
          send({ credit: 1 });
          yield piece;
          continue;
        }
        // The text before a fault is given first, as the reader's own decoders give it.
        if (end) {
          if ('done' in end) return;
          if ('fault' in end) throw end.fault;
          throw end.error;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      await reading;
      await worker.terminate();
    }
  };
}
