/**
 * Tar archives (`adult.tar.gz`, `adult.tar`), read as pandas reads them (`compression="tar"`): the tables
 * inside, walked as the archive streams (`walkTar`), which also finds where each file's data start, for each
 * table to be read on its own. A tar archive is a run of 512-byte headers, each followed by its file's data
 * padded to 512 bytes (POSIX.1-2001 `pax`, with the ustar and GNU forms it extends), so a table can be read
 * from the stream without a directory. Written by hand: the maintained readers (`tar`, `tar-stream`) extract to disk
 * or hand out Node streams per entry, where the reader wants one file's bytes in its own chunks and the
 * names of the rest; the format is fixed fields.
 */

/** A tar archive's block: headers, and the data padded to whole blocks. */
export const TAR_BLOCK = 512;

/** Whether `b` starts with a tar header: its checksum, over its 512 bytes, matches (ustar or the old form). */
export function isTarHeader(b: Uint8Array): boolean {
  if (b.length < TAR_BLOCK) return false;
  const stored = octal(b, 148, 8);
  if (stored === undefined) return false;
  // The checksum counts its own field as eight spaces; old writers summed signed bytes.
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  let any = false;
  for (let i = 0; i < TAR_BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const v = b[i]!;
    if (v !== 0) any = true;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return any && (stored === unsigned || stored === signed);
}

/** Whether a 512-byte block is all zeros: two of them end an archive. */
export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < TAR_BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** What a header says of its entry. */
export interface TarHeader {
  /** The path, ustar's prefix joined. */
  name: string;
  /** Bytes of the entry's data (octal, or base-256 past 8 GB). */
  size: number;
  /**
   * `0` (or NUL, `7`) a file; `5` a folder; `1`, `2` links; `x` pax records for the next entry, `g` global
   * ones; `L` a GNU long name for the next entry, `K` a long link name.
   */
  type: string;
}

/** Reads a header `isTarHeader` accepted; undefined when its size field is not a number. */
export function readTarHeader(b: Uint8Array): TarHeader | undefined {
  const size = tarSize(b);
  if (size === undefined) return undefined;
  let name = cString(b, 0, 100);
  // ustar (`ustar\0` and version `00`) splits a long path at a slash into a prefix; GNU's `ustar  ` does not.
  if (ascii(b, 257, 6) === 'ustar\0') {
    const prefix = cString(b, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const t = b[156]!;
  return { name, size, type: t === 0 ? '0' : String.fromCharCode(t) };
}

/** The pax records an `x` entry's data holds (`"%d %s=%s\n"`): the path and size, the others ignored. */
export function paxRecords(data: Uint8Array): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(text.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= space - at + 1 || at + length > text.length) break;
    const record = text.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      else if (key === 'size' && /^\d+$/.test(value)) out.size = Number(value);
    }
    at += length;
  }
  return out;
}

/** The zero-terminated name a GNU `L` entry's data holds. */
export function longName(data: Uint8Array): string {
  const end = data.indexOf(0);
  return Buffer.from(data.buffer, data.byteOffset, end < 0 ? data.byteLength : end).toString('utf8');
}

/** An entry's data rounded up to whole blocks: what follows its header before the next. */
export function paddedSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

function tarSize(b: Uint8Array): number | undefined {
  // Base-256 (GNU, star): the first byte's high bit set, then a big-endian number.
  if (b[124]! & 0x80) {
    let v = b[124]! & 0x7f;
    for (let i = 125; i < 136; i++) v = v * 256 + b[i]!;
    return Number.isSafeInteger(v) ? v : undefined;
  }
  return octal(b, 124, 12);
}

/** An octal field: digits, padded by spaces or NULs at either end. */
function octal(b: Uint8Array, at: number, length: number): number | undefined {
  const s = ascii(b, at, length).replace(/^[ \0]+|[ \0]+$/g, '');
  if (s === '') return 0;
  return /^[0-7]+$/.test(s) ? parseInt(s, 8) : undefined;
}

function cString(b: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + at, end - at).toString('utf8');
}

function ascii(b: Uint8Array, at: number, length: number): string {
  return Buffer.from(b.buffer, b.byteOffset + at, length).toString('latin1');
}

/**
 * Bytes of a stream read by length, counting where they are: a tar archive's headers and data, whatever the
 * chunking. Holds no more than the longest read asked for (a header, a pax record) beyond one chunk.
 */
export class ByteQueue<T = unknown> {
  private chunk: Uint8Array = new Uint8Array(0);
  /** Bytes taken so far. */
  position = 0;
  /** What the source returned, once read to its end. */
  result: T | undefined;
  private done = false;

  constructor(private readonly inner: AsyncIterator<Uint8Array, T>) {}

  private async fill(): Promise<boolean> {
    while (this.chunk.length === 0) {
      if (this.done) return false;
      const r = await this.inner.next();
      if (r.done) {
        this.done = true;
        this.result = r.value;
        return false;
      }
      this.chunk = r.value;
    }
    return true;
  }

  private cut(n: number): Uint8Array {
    const piece = this.chunk.subarray(0, n);
    this.chunk = this.chunk.subarray(piece.length);
    this.position += piece.length;
    return piece;
  }

  /** The next `n` bytes, fewer at the end. */
  async read(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < n && (await this.fill())) {
      const piece = this.cut(n - got);
      parts.push(piece);
      got += piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** The next `n` bytes as they come, fewer at the end. */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0 && (await this.fill())) {
      const piece = this.cut(left);
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.take(n));
  }

  /** Every byte left. */
  async *rest(): AsyncGenerator<Uint8Array> {
    while (await this.fill()) yield this.cut(this.chunk.length);
  }
}

/** A file of a tar archive, its pax or GNU long name applied. */
export interface TarFile {
  name: string;
  /** `0` a file (`7` contiguous), `5` a folder, `1` and `2` links, others devices. */
  type: string;
  /** Where its data start in the archive's stream (decompressed, for a compressed one). */
  offset: number;
  size: number;
  /** Its first bytes, when the caller kept them (`readTarIndex`). */
  head?: Uint8Array;
  /** In a `.tar.bz2`, the block its data begin in (`readTarIndex`; see `TarMember.seek`). */
  seek?: { bit: number; text: number; level: number };
}

/** How a walk of a tar archive ended: at its end blocks (or the stream's end after a whole entry), or not. */
export type TarEnd = 'end' | 'cut' | 'damaged';

/**
 * Walks the tar archive `q` holds, whose first header `first` was read: yields each entry positioned at its
 * data, of which the caller may take any part; the rest is passed over on the next step. Pax (`x`) and GNU
 * (`L`) records name the entry after them; global records and long link names are passed over.
 */
export async function* walkTar(q: ByteQueue, first: Uint8Array): AsyncGenerator<TarFile, TarEnd> {
  let pax: { path?: string; size?: number } = {};
  let long: string | undefined;
  let header = first;
  for (;;) {
    if (header.length === 0) return 'end';
    if (header.length < TAR_BLOCK) return 'cut';
    if (isZeroBlock(header)) return 'end';
    const h = isTarHeader(header) ? readTarHeader(header) : undefined;
    if (!h) return 'damaged';
    const end = q.position + paddedSize(h.size);
    if (h.type === 'x' || h.type === 'L') {
      // Records for the next entry: its path and size.
      const data = await q.read(h.size);
      if (data.length < h.size) return 'cut';
      if (h.type === 'x') pax = paxRecords(data);
      else long = longName(data);
    } else if (h.type !== 'g' && h.type !== 'K') {
      const size = pax.size ?? h.size;
      const file: TarFile = {
        // Shown in findings and on terminals: control characters (an escape sequence in a downloaded
        // archive's name would act on the terminal) become `?`, as a ZIP archive's do.
        name: (pax.path ?? long ?? h.name)
          .replace(/^(\.\/)+/, '')
          .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'),
        type: h.type,
        offset: q.position,
        // A link's or folder's size field is no data.
        size: h.type === '1' || h.type === '2' || h.type === '5' ? 0 : size,
      };
      pax = {};
      long = undefined;
      yield file;
      const fileEnd = file.offset + paddedSize(file.size);
      await q.skip(fileEnd - q.position);
      if (q.position < fileEnd) return 'cut';
      header = await q.read(TAR_BLOCK);
      continue;
    }
    await q.skip(end - q.position);
    if (q.position < end) return 'cut';
    header = await q.read(TAR_BLOCK);
  }
}
