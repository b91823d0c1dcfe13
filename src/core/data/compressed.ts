/**
 * Compressed datasets, read through as pandas reads them: a gzip file (`adult.csv.gz`) and a ZIP archive's
 * first file (`adult.zip` holding `adult.csv`). The reader is given the decompressed bytes, streamed through
 * zlib with back-pressure, so memory stays bounded by a few chunks whatever the ratio (a gzip bomb expands a
 * chunk at a time, as fast as it is read). Positions are those of the decompressed text, the file a user would
 * get with `gunzip` or `unzip`.
 *
 * A damaged or cut-short stream is no error out of the reader: what came before is read, and the fault is
 * kept for one finding (`data/compressed-damaged`). A ZIP archive is read from its first local header on, as
 * it streams; its directory, at the end, names the other files (`data/zip-archive`) and the first one's
 * checksum. Written by hand around Node's zlib: a ZIP reader of the maintained libraries either needs the
 * whole file at hand (`yauzl`, `jszip`) or brings its own inflater in JavaScript (`fflate`), where the local
 * header is 30 bytes of fixed fields and zlib already inflates.
 */
import * as zlib from 'node:zlib';
import { count } from '../numberText';

/** Whether bytes begin with the gzip magic number (RFC 1952), which no UTF-8 or UTF-16 text can. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Whether bytes begin with a ZIP local file header (`PK\x03\x04`). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
}

/** Whether a file's first bytes are gzip's or a ZIP archive's, which are read through in one pass. */
export function isCompressed(head: Uint8Array): boolean {
  return isGzip(head) || isZip(head);
}

/** A file name without its `.gz` ending, so that `adult.csv.gz` reads as CSV. */
export function withoutGzipExtension(fileName: string): string {
  return fileName.replace(/\.gz$/i, '');
}

/** A fault of the compressed data: zlib's error, or a checksum that does not match. */
export type CompressionFault = Error & { code?: string };

/** The file of a ZIP archive that was read, and the others its directory lists. */
export interface ZipRead {
  /** The entry read: the archive's first file. */
  name: string;
  /**
   * The archive's other files (folders and macOS metadata aside) in the order of its directory; undefined when
   * the directory was not found at the end (an archive cut short, or one in the ZIP64 format).
   */
  others?: string[];
}

/** A ZIP entry's name that holds a table this reader can read (or has no extension). */
const DATA_ENTRY = /(^|\/)[^/.]+$|\.(csv|tsv|tab|txt|data|dat|json|jsonl|ndjson)$/i;
/** An archive whose first entry is one of these is a workbook or a document, not a folder of tables. */
const DOCUMENT_ENTRY = /^(\[Content_Types\]\.xml|mimetype|META-INF\/|_rels\/|docProps\/|xl\/|word\/|ppt\/)/;
/** Bytes kept of a ZIP archive's end, for its directory: about 10,000 names. */
const TAIL_BYTES = 1 << 20;

/** Decompressed bytes handed to the reader at a time; the reader decodes in pieces of this size. */
const OUT_CHUNK = 1 << 16;

/**
 * The chunks of a file, decompressed when they begin with the gzip magic number or a ZIP local header (of a
 * file this reader can read), else passed on unchanged. Errors of the source (a read error, a cancelled scan)
 * are thrown as they were; a fault in the compressed data ends the chunks and is kept in {@link fault}.
 */
export class Decompressed implements AsyncIterable<Uint8Array> {
  /** How the chunks were compressed, when they were read through. */
  compression: 'gzip' | 'zip' | undefined;
  /** zlib's error, or a checksum that did not match. */
  fault: CompressionFault | undefined;
  /** The ZIP archive's file read, set before its first bytes are given. */
  zip: ZipRead | undefined;

  constructor(private readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const source = iterate(this.chunks);
    let finished = false;
    const next = async (): Promise<Uint8Array | undefined> => {
      const r = await source.next();
      if (r.done) finished = true;
      return r.done ? undefined : r.value;
    };
    try {
      // The signatures and a ZIP local header may be split across the first chunks (the tests cut files into
      // single bytes).
      let head: Uint8Array = new Uint8Array(0);
      const grow = async (bytes: number): Promise<void> => {
        const parts = [head];
        let got = head.length;
        while (got < bytes && !finished) {
          const c = await next();
          if (c) {
            parts.push(c);
            got += c.length;
          }
        }
        if (parts.length > 1) head = Buffer.concat(parts);
      };
      await grow(4);
      let local: LocalHeader | undefined;
      // Where the entry read starts in `head`: past the folders an archive may list first (`data/`).
      let at = 0;
      for (;;) {
        if (!isZip(head.subarray(at))) break;
        await grow(at + 30);
        const fixed = head.length >= at + 30 ? localHeaderLength(head.subarray(at)) : 0;
        if (fixed > 0) await grow(at + fixed);
        local = fixed > 0 && head.length >= at + fixed ? readLocalHeader(head.subarray(at)) : undefined;
        if (!local || !isFolder(local) || at > TAIL_BYTES) break;
        at += local.length;
        await grow(at + 4);
        local = undefined;
      }
      if (isGzip(head)) {
        this.compression = 'gzip';
        finished = yield* this.inflate(zlib.createGunzip({ chunkSize: OUT_CHUNK }), head, source, undefined);
        return;
      }
      if (local && readable(local)) {
        this.compression = 'zip';
        this.zip = { name: local.name };
        const tail = new Tail(TAIL_BYTES);
        tail.add(head);
        let crc = 0;
        const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
        const data = head.subarray(at + local.length);
        const inflated =
          local.method === 8
            ? this.inflate(zlib.createInflateRaw({ chunkSize: OUT_CHUNK }), data, source, tail)
            : stored(data, local.compressedSize, source, tail);
        try {
          for (;;) {
            const r = await inflated.next();
            if (r.done) {
              finished = r.value;
              break;
            }
            if (crc32) crc = crc32(r.value, crc);
            yield r.value;
          }
        } finally {
          await inflated.return(false);
        }
        // The directory is at the end: the rest of the archive is read, keeping its last megabyte.
        while (!finished) {
          const c = await next();
          if (c) tail.add(c);
        }
        const directory = readDirectory(tail.bytes(), tail.total);
        if (directory) {
          const read = directory.findIndex((e) => e.name === local.name);
          this.zip.others = directory
            .filter((e, k) => k !== read && !e.name.endsWith('/') && !e.name.startsWith('__MACOSX/'))
            .map((e) => e.name);
        }
        // With bit 3 the checksum follows the data; the directory has it too.
        const expected = local.flags & 8 ? directory?.find((e) => e.name === local.name)?.crc : local.crc;
        if (!this.fault && crc32 && expected !== undefined && crc >>> 0 !== expected)
          this.fault = Object.assign(new Error('incorrect data check'), { code: 'CHECKSUM' });
        return;
      }
      // Plain text, or an archive this reader leaves to the binary check (a workbook, an encrypted file).
      if (head.length > 0) yield head;
      for (;;) {
        const c = await next();
        if (!c) break;
        yield c;
      }
    } finally {
      // The reader stopped early (a binary file inside): close the file.
      if (!finished) await source.return?.();
    }
  }

  /** Yields the decompressed bytes; true when the source was read to its end. */
  private async *inflate(
    z: zlib.Gunzip | zlib.InflateRaw,
    first: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    /** A ZIP archive's: what is read of the source is kept here too (its directory is at the end). */
    tail: Tail | undefined,
  ): AsyncGenerator<Uint8Array, boolean> {
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
    // A raw deflate stream (a ZIP entry) ends at its last block, before the archive does.
    const over = () => stopped || ended || fault !== undefined || z.destroyed;
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
          if (chunk && tail) tail.add(chunk);
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

/** A ZIP local file header (APPNOTE 4.3.7). */
interface LocalHeader {
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  name: string;
  /** Bytes of the header, name and extra field: the entry's data starts after them. */
  length: number;
}

/** The length of the local header at the start of `b` (30 bytes or more), with its name and extra field. */
function localHeaderLength(b: Uint8Array): number {
  return 30 + (b[26]! | (b[27]! << 8)) + (b[28]! | (b[29]! << 8));
}

function readLocalHeader(b: Uint8Array): LocalHeader {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = v.getUint16(6, true);
  const nameLength = v.getUint16(26, true);
  const raw = b.subarray(30, 30 + nameLength);
  return {
    flags,
    method: v.getUint16(8, true),
    crc: v.getUint32(14, true),
    compressedSize: v.getUint32(18, true),
    // Bit 11: the name is UTF-8; else code page 437, whose ASCII is the same.
    name: Buffer.from(raw).toString(flags & 0x800 ? 'utf8' : 'latin1'),
    length: localHeaderLength(b),
  };
}

/** A folder's entry: a name ending in `/`, stored, empty. */
function isFolder(h: LocalHeader): boolean {
  return h.name.endsWith('/') && h.method === 0 && h.compressedSize === 0 && !(h.flags & 8);
}

/**
 * Whether the archive's first entry is a file this reader reads through: a table by its name (not a
 * workbook's part), not encrypted, deflated or stored with its size. Any other archive is left to the binary
 * check, which names it and says to extract it.
 */
function readable(h: LocalHeader): boolean {
  if (h.flags & 1 || DOCUMENT_ENTRY.test(h.name) || !DATA_ENTRY.test(h.name)) return false;
  return h.method === 8 || (h.method === 0 && !(h.flags & 8) && h.compressedSize !== 0xffffffff);
}

/** A stored (uncompressed) entry's bytes: `size` of them from `first` on. */
async function* stored(
  first: Uint8Array,
  size: number,
  source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  tail: Tail,
): AsyncGenerator<Uint8Array, boolean> {
  let left = size;
  let chunk: Uint8Array | undefined = first;
  while (chunk) {
    if (left > 0) {
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      left -= part.length;
      if (part.length > 0) yield part;
    }
    if (left === 0) return false;
    const r = await source.next();
    if (r.done) return true;
    chunk = r.value;
    tail.add(chunk);
  }
  return true;
}

/** The last `max` bytes (or a little more) of what went through. */
class Tail {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** Bytes that went through in all. */
  total = 0;

  constructor(private readonly max: number) {}

  add(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
    this.total += b.length;
    while (this.parts.length > 1 && this.size - this.parts[0]!.length >= this.max)
      this.size -= this.parts.shift()!.length;
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/**
 * The entries of a ZIP archive's central directory, from the archive's last bytes: names and checksums in the
 * directory's order, or undefined when its end record is not there, the directory does not lie within `b`, or
 * the archive is in the ZIP64 format (whose counts and offsets this does not read).
 */
function readDirectory(b: Uint8Array, fileBytes: number): { name: string; crc: number }[] | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let end = -1;
  // The end record is 22 bytes and a comment of at most 65,535.
  for (let i = b.length - 22; i >= 0 && i >= b.length - 22 - 65_535; i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  const count = v.getUint16(end + 10, true);
  const offset = v.getUint32(end + 16, true);
  // The directory's offset is from the file's start; `b` holds its end. (A streamed archive puts ZIP64 records
  // between the directory and its end record, so the end record's offset, not its size, places it.)
  let at = offset - (fileBytes - b.length);
  if (count === 0xffff || offset === 0xffffffff || at < 0 || at > end) return undefined;
  const entries: { name: string; crc: number }[] = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > end || v.getUint32(at, true) !== 0x02014b50) return undefined;
    const flags = v.getUint16(at + 8, true);
    const nameLength = v.getUint16(at + 28, true);
    const skip = v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
    const raw = b.subarray(at + 46, at + 46 + nameLength);
    entries.push({
      name: Buffer.from(raw).toString(flags & 0x800 ? 'utf8' : 'latin1'),
      crc: v.getUint32(at + 16, true),
    });
    at += 46 + nameLength + skip;
  }
  return entries;
}

function iterate<T>(chunks: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in chunks
    ? (chunks as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (chunks as Iterable<T>)[Symbol.iterator]();
}

/**
 * Decompresses a whole file held in memory when it is compressed (`rml fix`, which holds the table anyway):
 * the text, and the ZIP entry's name when it came from one; throws an Error naming the fault when the data is
 * damaged.
 */
export async function decompressWhole(
  bytes: Buffer,
  displayName: string,
): Promise<{ bytes: Buffer; entry?: string }> {
  if (!isCompressed(bytes)) return { bytes };
  const source = new Decompressed([bytes]);
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  if (source.fault) throw new Error(`${displayName}: ${faultText(source.fault, source)}`);
  return source.zip
    ? { bytes: Buffer.concat(parts), entry: source.zip.name }
    : { bytes: Buffer.concat(parts) };
}

/** The fault, in words: cut short, failing its checksum, or damaged; of the gzip data or the ZIP entry. */
export function faultText(fault: CompressionFault, source: { zip?: ZipRead | undefined }): string {
  const what = source.zip ? `the ZIP archive's file ${source.zip.name}` : 'the gzip-compressed data';
  if (fault.code === 'Z_BUF_ERROR')
    return `${what} is cut short (the ${source.zip ? 'archive' : 'file'} ends inside it)`;
  if (fault.code === 'CHECKSUM' || /incorrect (data|length) check/.test(fault.message))
    return `${what} fails its checksum (the file is damaged)`;
  return `${what} is damaged (zlib: ${fault.message})`;
}

/** The `data/compressed-damaged` message: the fault and what of the table was read. */
export function faultMessage(
  fault: CompressionFault,
  source: { zip?: ZipRead | undefined },
  rows: number,
  textBytes: number,
): string {
  const text = faultText(fault, source);
  const head = text.charAt(0).toUpperCase() + text.slice(1);
  const read = `${count(rows, 'row')} in its first ${byteSize(textBytes)} of text`;
  if (fault.code === 'Z_BUF_ERROR')
    return `${head}: the ${read} were read; the rest of the table is not in the file.`;
  if (text.includes('checksum'))
    return `${head}: the ${read} were read, and any of their values may be garbled.`;
  return `${head}: the ${read} were read, nothing after the fault; the rows just before it may be garbled.`;
}

/** The `data/zip-archive` message: the file read, and those not read. */
export function zipMessage(zip: ZipRead): string {
  const read = `The file is a ZIP archive: its file ${zip.name} was read`;
  if (!zip.others) return `${read}; its directory was not found at its end (is the archive cut short?).`;
  if (zip.others.length === 0) return `${read}.`;
  const named = zip.others.slice(0, 5).join(', ') + (zip.others.length > 5 ? ', ...' : '');
  return `${read}; ${count(zip.others.length, 'other file')} in it (${named}) ${zip.others.length === 1 ? 'was' : 'were'} not: extract the archive to audit each.`;
}

/** "512 bytes", "12.3 kB", "4.5 MB". */
function byteSize(bytes: number): string {
  if (bytes < 1000) return count(bytes, 'byte');
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
