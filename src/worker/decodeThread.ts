/**
 * Worker-thread entry that decodes a bzip2 or xz stream for a reader in another thread (`decodeThreads.ts`):
 * both decoders run in JavaScript or WebAssembly, in the thread that calls them, so a large file's decoding
 * took the reader's time where a free core could do it beside the reading. The reader's thread sends the
 * compressed chunks ahead, up to `INPUT_AHEAD` bytes not yet taken (it reads between its own work, so a
 * chunk asked for when needed came late: the thread waited 2.3 s of 5.3 on 100 MB), and the text comes back
 * in pieces of 64 KB, at most `PIECES_AHEAD` ahead of the reader, so memory stays bounded whatever the
 * ratio.
 */
import { parentPort, workerData } from 'worker_threads';
import type * as XzDecompress from 'xz-decompress';
import { Bzip2Decoder, Bzip2Fault, OUT_PIECE, type Bzip2Block } from '../core/data/bzip2';
import { xzFault } from '../core/data/compressed';
import {
  PIECES_AHEAD,
  type DecodeThreadData,
  type FromDecodeThread,
  type ToDecodeThread,
} from './decodeProtocol';

const port = parentPort!;
let credit = PIECES_AHEAD;
let onCredit: (() => void) | undefined;
const inputs: (Uint8Array | undefined)[] = [];
let onInput: (() => void) | undefined;

port.on('message', (m: ToDecodeThread) => {
  if ('credit' in m) {
    credit += m.credit;
    const wake = onCredit;
    onCredit = undefined;
    wake?.();
    return;
  }
  inputs.push('input' in m ? m.input : undefined);
  const wake = onInput;
  onInput = undefined;
  wake?.();
});

function post(m: FromDecodeThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

/** The next compressed chunk sent; undefined at the input's end. */
async function nextInput(): Promise<Uint8Array | undefined> {
  while (inputs.length === 0) await new Promise<void>((resolve) => (onInput = resolve));
  const chunk = inputs.shift();
  if (chunk) post({ took: chunk.length });
  return chunk;
}

/** Posts a piece of text once the reader has room for it; `piece` is not used again here. */
async function send(piece: Uint8Array): Promise<void> {
  while (credit <= 0) await new Promise<void>((resolve) => (onCredit = resolve));
  credit--;
  const whole = piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength;
  const own = whole ? piece : new Uint8Array(piece);
  post({ out: own }, [own.buffer as ArrayBuffer]);
}

async function bzip2(start: Bzip2Block | undefined): Promise<void> {
  const decoder = new Bzip2Decoder(start ? { start } : {});
  for (;;) {
    for (const piece of decoder.take()) await send(piece);
    if (decoder.complete) return;
    const chunk = await nextInput();
    if (chunk) decoder.push(chunk);
    else {
      decoder.finish();
      for (const piece of decoder.take()) await send(piece);
      return;
    }
  }
}

async function xz(): Promise<void> {
  const { XzReadableStream } = (await import('xz-decompress')) as typeof XzDecompress;
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await nextInput();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  for await (const c of new XzReadableStream(compressed) as unknown as AsyncIterable<Uint8Array>) {
    // xz-embedded gives up to a megabyte at a time; copies, as its buffers may be its own.
    for (let at = 0; at < c.length; at += OUT_PIECE)
      await send(new Uint8Array(c.subarray(at, at + OUT_PIECE)));
  }
}

async function run(data: DecodeThreadData): Promise<void> {
  try {
    if (data.format === 'bzip2') await bzip2(data.start);
    else await xz();
    post({ done: true });
  } catch (e) {
    if (e instanceof Bzip2Fault) post({ fault: { code: e.code, message: e.message } });
    else if (data.format === 'xz') {
      const f = xzFault(e);
      post({ fault: { code: f.code ?? 'XZ', message: f.message } });
    } else post({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

void run(workerData as DecodeThreadData);
