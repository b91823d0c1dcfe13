/**
 * Gzip-compressed datasets (`adult.csv.gz`), read through as pandas and the csv tools do: the reader is given
 * the decompressed bytes, streamed through zlib with back-pressure, so memory stays bounded by a few chunks
 * whatever the ratio (a gzip bomb expands a chunk at a time, as fast as it is read). Positions are those of the
 * decompressed text, the file a user would get with `gunzip`.
 *
 * A damaged or cut-short stream is no error out of the reader: what came before is read, and the fault is
 * kept for one finding (`data/gzip-damaged`).
 */
import * as zlib from 'node:zlib';
import { count } from '../numberText';

/** Whether bytes begin with the gzip magic number (RFC 1952), which no UTF-8 or UTF-16 text can. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A file name without its `.gz` ending, so that `adult.csv.gz` reads as CSV. */
export function withoutGzipExtension(fileName: string): string {
  return fileName.replace(/\.gz$/i, '');
}

/** Decompressed bytes handed to the reader at a time; the reader decodes in pieces of this size. */
const OUT_CHUNK = 1 << 16;

/**
 * The chunks of a file, decompressed when they begin with the gzip magic number, else passed on unchanged.
 * Errors of the source (a read error, a cancelled scan) are thrown as they were; a fault in the compressed
 * data ends the chunks and is kept in {@link fault}.
 */
export class MaybeGzip implements AsyncIterable<Uint8Array> {
  /** Set when the chunks were gzip-compressed. */
  compressed = false;
  /** zlib's error when the compressed data was damaged or cut short. */
  fault: (Error & { code?: string }) | undefined;

  constructor(private readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const source = iterate(this.chunks);
    let finished = false;
    try {
      // The magic number may be split across the first chunks (the tests cut files into single bytes).
      const head: Uint8Array[] = [];
      let got = 0;
      while (got < 2) {
        const r = await source.next();
        if (r.done) {
          finished = true;
          break;
        }
        head.push(r.value);
        got += r.value.length;
      }
      const first = head.length === 1 ? head[0]! : Buffer.concat(head);
      if (!isGzip(first)) {
        if (first.length > 0) yield first;
        if (finished) return;
        for (;;) {
          const r = await source.next();
          if (r.done) break;
          yield r.value;
        }
        finished = true;
        return;
      }
      this.compressed = true;
      finished = yield* this.inflate(first, source);
    } finally {
      // The reader stopped early (a binary file inside): close the file.
      if (!finished) await source.return?.();
    }
  }

  /** Yields the decompressed bytes; true when the source was read to its end. */
  private async *inflate(
    first: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): AsyncGenerator<Uint8Array, boolean> {
    const z = zlib.createGunzip({ chunkSize: OUT_CHUNK });
    // Output is taken from 'data' events as zlib makes it, never paused: a paused stream's buffer, like its
    // async iterator's, is dropped when zlib fails, and the rows decompressed before a fault would be lost.
    // Memory is bounded on the input side instead: compressed bytes go in by slices, each once the last is
    // done and the output waiting has been taken.
    const queue: Buffer[] = [];
    let queued = 0;
    let ended = false;
    let fault: (Error & { code?: string }) | undefined;
    let sourceError: unknown;
    let stopped = false;
    let sourceDone = false;
    let wakeReader: (() => void) | undefined;
    let wakeFeeder: (() => void) | undefined;
    const wake = () => {
      const r = wakeReader;
      const f = wakeFeeder;
      wakeReader = wakeFeeder = undefined;
      r?.();
      f?.();
    };
    z.on('data', (b: Buffer) => {
      queue.push(b);
      queued += b.length;
      wake();
    });
    z.on('end', () => {
      ended = true;
      wake();
    });
    z.on('error', (e) => {
      fault = e;
      wake();
    });
    z.on('close', wake);
    const closed = new Promise<void>((resolve) => z.once('close', resolve));
    const over = () => stopped || fault !== undefined || z.destroyed;
    const feeding = (async () => {
      try {
        let chunk: Uint8Array | undefined = first;
        while (chunk && !over()) {
          for (let at = 0; at < chunk.length && !over(); at += IN_SLICE) {
            const slice = chunk.subarray(at, at + IN_SLICE);
            // A write's callback is not called once zlib has failed: its close ends the wait then.
            await Promise.race([new Promise<void>((resolve) => z.write(slice, () => resolve())), closed]);
            while (queued > MAX_QUEUED && !over()) await new Promise<void>((r) => (wakeFeeder = r));
          }
          if (over()) return;
          const r = await source.next();
          if (r.done) sourceDone = true;
          chunk = r.done ? undefined : r.value;
        }
        if (!over()) z.end();
      } catch (e) {
        sourceError = e;
        wake();
      }
    })();
    try {
      for (;;) {
        const b = queue.shift();
        if (b) {
          queued -= b.length;
          if (queued <= MAX_QUEUED) wake();
          yield b;
          continue;
        }
        if (sourceError !== undefined) throw sourceError;
        if (fault) {
          this.fault = fault;
          break;
        }
        if (ended || z.destroyed) break;
        await new Promise<void>((resolve) => (wakeReader = resolve));
      }
    } finally {
      stopped = true;
      z.destroy();
      wake();
      await feeding;
    }
    if (sourceError !== undefined) throw sourceError;
    return sourceDone;
  }
}

/**
 * Compressed bytes written to zlib at a time. Deflate expands at most about 1,032 to 1, so a slice makes at
 * most 17 MB of output (a gzip bomb), and a slice of ordinary text some 100 KB.
 */
const IN_SLICE = 1 << 14;
/** Decompressed bytes waiting for the reader past which no more input is written. */
const MAX_QUEUED = 1 << 20;

function iterate<T>(chunks: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in chunks
    ? (chunks as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (chunks as Iterable<T>)[Symbol.iterator]();
}

/**
 * Decompresses a whole file held in memory when it is gzip-compressed (`rml fix`, which holds the table
 * anyway); throws an Error naming the fault when the data is damaged.
 */
export function gunzipWhole(bytes: Buffer, displayName: string): Buffer {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    throw new Error(`${displayName}: ${gzipFaultText(e as Error & { code?: string })}`);
  }
}

/** zlib's fault, in words: cut short, failing its checksum, or damaged. */
export function gzipFaultText(fault: Error & { code?: string }): string {
  if (fault.code === 'Z_BUF_ERROR') return 'the gzip-compressed data is cut short (the file ends inside it)';
  if (/incorrect (data|length) check/.test(fault.message))
    return 'the gzip-compressed data fails its checksum (the file is damaged)';
  return `the gzip-compressed data is damaged (zlib: ${fault.message})`;
}

/** The `data/gzip-damaged` message: the fault and what of the table was read. */
export function gzipFaultMessage(fault: Error & { code?: string }, rows: number, textBytes: number): string {
  const text = gzipFaultText(fault);
  const head = text.charAt(0).toUpperCase() + text.slice(1);
  const read = `${count(rows, 'row')} in its first ${byteSize(textBytes)} of text`;
  if (fault.code === 'Z_BUF_ERROR')
    return `${head}: the ${read} were read; the rest of the table is not in the file.`;
  if (text.includes('checksum'))
    return `${head}: the ${read} were read, and any of their values may be garbled.`;
  return `${head}: the ${read} were read, nothing after the fault; the rows just before it may be garbled.`;
}

/** "512 bytes", "12.3 kB", "4.5 MB". */
function byteSize(bytes: number): string {
  if (bytes < 1000) return count(bytes, 'byte');
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
