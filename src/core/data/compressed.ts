/**
 * Compressed datasets, read through as pandas reads them: a gzip, Zstandard, xz or bzip2 file
 * (`adult.csv.gz`) and the tables of a ZIP archive (`adult.zip` holding `adult.csv`). The reader is given
 * the decompressed bytes, streamed through zlib (or the bzip2 and xz decoders) with back-pressure, so memory
 * stays bounded by a few chunks whatever the ratio (a gzip bomb expands a chunk at a time, as fast as it is
 * read). Positions are those of the decompressed text, the file a user would get with `gunzip` or `unzip`.
 *
 * A damaged or cut-short stream is no error out of the reader: what came before is read, and the fault is
 * kept for one finding (`data/compressed-damaged`). A ZIP archive on disk is read by its directory, at its
 * end (`src/worker/scannedFile.ts` reads it: {@link directoryEnd}, {@link directoryEntries}): each table in
 * it is audited on its own, its bytes read from its local header on ({@link ZipMember}). Without the
 * directory at hand (standard input, a cut archive) the archive is read as it streams, its first file only;
 * the directory, at the end, then names the others (`data/zip-archive`) and the first one's checksum. Written
 * by hand around Node's zlib: a ZIP reader of the maintained libraries either needs the whole file at hand
 * (`yauzl`, `jszip`) or brings its own inflater in JavaScript (`fflate`), where the headers are fixed fields
 * and zlib already inflates.
 */
import type { Transform } from 'node:stream';
import type * as XzDecompress from 'xz-decompress';
import * as zlib from 'node:zlib';
import { count } from '../numberText';
import { Bzip2Decoder, Bzip2Fault, isBzip2, type Bzip2Block } from './bzip2';
import { ByteQueue, TAR_BLOCK, isTarHeader, walkTar, type TarEnd, type TarFile } from './tar';
import { ZstdFrames } from './zstdFrames';

/** Whether bytes begin with the gzip magic number (RFC 1952), which no UTF-8 or UTF-16 text can. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Whether bytes begin with a ZIP local file header (`PK\x03\x04`). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
}

/**
 * Whether bytes begin with a Zstandard frame's magic number (RFC 8878), or a skippable frame's (metadata
 * before the data), which no text can.
 */
export function isZstd(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const zstd = head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd;
  return zstd || ((head[0]! & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18);
}

/**
 * The Zstandard decompressor of this Node.js's zlib: Node.js 22.15 and 23.8 brought it (a VS Code's extension
 * host has it when its Node.js, shown in Help > About, is one of those or later); undefined before, where a
 * `.zst` file is the binary check's. zlib's rather than a decompressor in JavaScript: it is Zstandard's own
 * library, and the Node.js without it (20) is past its end of life.
 */
function zstdDecompressor(): (() => Transform) | undefined {
  const create = (zlib as { createZstdDecompress?: (o?: { chunkSize?: number }) => Transform })
    .createZstdDecompress;
  return create && (() => create({ chunkSize: OUT_CHUNK }));
}

/** Whether this Node.js reads Zstandard-compressed files (see {@link zstdDecompressor}). */
export function zstdReadable(): boolean {
  return zstdDecompressor() !== undefined;
}

/**
 * Whether a ZIP entry compressed by `method` is read: stored (0), deflate (8), bzip2 (12), xz (95), and
 * Zstandard (93) where Node.js has it. Each of the last three holds a whole stream of its format (APPNOTE
 * 4.4.5), read by the same decoder as a file of it.
 */
export function zipMethodRead(method: number): boolean {
  return method === 0 || method === 8 || method === 12 || method === 95 || (method === 93 && zstdReadable());
}

/** The ZIP compression methods read, in words, for the message about an entry that is not. */
export function zipMethodsRead(): string {
  return zstdReadable() ? 'deflate, bzip2, xz or Zstandard' : 'deflate, bzip2 or xz';
}

/** Whether bytes begin with the xz format's magic number (`\xfd7zXZ\0`), which no text can. */
export function isXz(head: Uint8Array): boolean {
  const magic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
  return head.length >= 6 && magic.every((b, i) => head[i] === b);
}

export { isBzip2 };

/**
 * Whether a file's first bytes are of a compression read through in one pass: gzip, ZIP, Zstandard, xz,
 * bzip2.
 */
export function isCompressed(head: Uint8Array): boolean {
  return isGzip(head) || isZip(head) || isXz(head) || isBzip2(head) || (isZstd(head) && zstdReadable());
}

/** A file name without its `.gz`, `.zst`, `.xz` or `.bz2` ending, so that `adult.csv.gz` reads as CSV. */
export function withoutGzipExtension(fileName: string): string {
  return fileName.replace(/\.(gz|zst|xz|bz2)$/i, '');
}

/** A fault of the compressed data: zlib's error, or a checksum that does not match. */
export type CompressionFault = Error & { code?: string };

/** A fault of the compressed data found by a decoder in another thread ({@link OffThreadDecode}). */
export class DecodeFault extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Decodes a bzip2 or xz stream in another thread, where the reader's thread would decode it between its own
 * work (zlib's formats are decompressed in libuv's threads already): `input` gives the compressed chunks, read
 * in the caller's thread, and the text comes back in pieces. A fault of the data is thrown as a
 * {@link DecodeFault} after the pieces before it; what `input` throws is thrown as it was.
 */
export type OffThreadDecode = (
  format: 'bzip2' | 'xz',
  input: AsyncIterator<Uint8Array>,
  start: Bzip2Block | undefined,
) => AsyncGenerator<Uint8Array, void>;

let offThread: OffThreadDecode | undefined;

/**
 * Sets how a reader given `decodeOffThread` (`ReadOptions`) decodes bzip2 and xz: the worker layer sets its
 * decode thread (`src/worker/decodeThreads.ts`), where one can start.
 */
export function decodeOffThreadWith(decode: OffThreadDecode | undefined): void {
  offThread = decode;
}

/** How a reader given `decodeOffThread` decodes bzip2 and xz, once set. */
export function offThreadDecode(): OffThreadDecode | undefined {
  return offThread;
}

/**
 * Files of an archive: how many, and the first {@link NAMES_KEPT} names. An archive of 10,000 tables would
 * otherwise give each of its 10,000 reports the 9,999 other names.
 */
export interface Names {
  count: number;
  names: string[];
}

/** Names kept of a list of an archive's files, for the finding's data; its message shows five. */
const NAMES_KEPT = 20;

function names(all: readonly string[]): Names {
  return { count: all.length, names: all.slice(0, NAMES_KEPT) };
}

/** The file of a tar archive that was read, and the others it holds. */
export interface TarRead {
  /** The entry read: the archive's first file named as a table, or a {@link TarMember}'s; none when none is. */
  name?: string;
  /** The archive's other files named as tables: not read, or (`archive` set) audited each on its own. */
  tables: Names;
  /** Its files that are not tables (folders, links and macOS metadata aside). */
  others: Names;
  /** False when the archive ends early or is damaged: the lists hold the files before that. */
  listed: boolean;
  /** Read as a {@link TarMember}: the archive's name, as given. */
  archive?: string;
}

/**
 * One table of a tar archive on disk, audited on its own: the reader is given the archive's bytes from the
 * table's data on (a plain archive) or from its start (a compressed one, decompressed up to the table).
 * Plain data: it travels to a scan thread with the scan's options.
 */
export interface TarMember {
  kind: 'tar';
  /** The archive's name, as given. */
  archive: string;
  name: string;
  /** Where the table's data start in the archive's tar stream (decompressed, for a compressed one). */
  offset: number;
  size: number;
  /** How the archive is compressed (`.tar.gz`, `.tar.zst`, `.tar.xz`, `.tar.bz2`), or null. */
  compression: 'gzip' | 'zstd' | 'xz' | 'bzip2' | null;
  /**
   * In a `.tar.bz2`, the block the table's data begin in (found as the archive was walked): the archive is
   * read from there, not decompressed from its start.
   */
  seek?: Bzip2Block;
  /** The archive's other tables, each audited on its own. */
  tables: Names;
  /** The archive's files that are not tables, which are not read. */
  others: Names;
  /** False when the archive is cut short or damaged past this table: the lists hold the files before. */
  listed: boolean;
  /**
   * The table's first bytes, kept as a compressed archive was walked: what tells whether it may be
   * scanned beside another without decompressing the archive up to it again.
   */
  head?: Uint8Array;
}

/** A table of an archive on disk, audited on its own. */
export type ArchiveMember = ZipMember | TarMember;

/** A scan's options for an archive's table: the option that names its kind. */
export function memberOptions(
  member: ArchiveMember | undefined,
): { zipMember: ZipMember } | { tarMember: TarMember } | Record<string, never> {
  if (!member) return {};
  return 'kind' in member ? { tarMember: member } : { zipMember: member };
}

/** A {@link Names} list filled as an archive is walked: the count, and the first names. */
function addName(list: Names, name: string): void {
  list.count++;
  if (list.names.length < NAMES_KEPT) list.names.push(name);
}

/** A file of a tar archive that may be a table: a file, not macOS metadata. */
function isTarFile(f: TarFile): boolean {
  return (f.type === '0' || f.type === '7') && !METADATA_ENTRY.test(f.name);
}

/** The file of a ZIP archive that was read, and the others its directory lists. */
export interface ZipRead {
  /** The entry read: the archive's first file, or the table a {@link ZipMember} names. */
  name: string;
  /**
   * The archive's other files not read (folders and macOS metadata aside), in the order of its directory;
   * undefined when the directory was not found at the end (an archive cut short, or one read as it streams
   * whose ZIP64 records are not in its last megabyte).
   */
  others?: Names;
  /** Read by its directory ({@link ZipMember}): the archive's name, as given. */
  archive?: string;
  /** Read by its directory: the archive's other tables, each audited on its own. */
  tables?: Names;
  /** Read by its directory: tables by their names that cannot be read (encrypted, or another method). */
  closed?: Names;
}

/** A file listed in a ZIP archive's central directory (APPNOTE 4.3.12), ZIP64 sizes and offsets read. */
export interface ZipEntry {
  name: string;
  flags: number;
  /** 8 deflate, 0 stored, 12 bzip2, 95 xz, 93 Zstandard ({@link zipMethodRead}); others are not read. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Where its local header starts in the archive. */
  offset: number;
}

/**
 * One table of a ZIP archive on disk, audited on its own: the reader is given the archive's bytes from the
 * entry's local header on (`fs.createReadStream(file, { start: entry.offset })`) and reads that entry alone.
 * Plain data: it travels to a scan thread with the scan's options.
 */
export interface ZipMember {
  entry: ZipEntry;
  /** The archive's name, as given. */
  archive: string;
  /** The archive's other tables, each audited on its own. */
  tables: Names;
  /** The archive's files that are not tables, which are not read. */
  others: Names;
  /** Tables by their names that cannot be read: encrypted, or compressed by a method not read here. */
  closed: Names;
}

/** A ZIP entry's name that holds a table this reader can read (or has no extension). */
const DATA_ENTRY = /(^|\/)[^/.]+$|\.(csv|tsv|tab|txt|data|dat|json|jsonl|ndjson)$/i;
/**
 * A table by its extension. An archive that holds any is audited for these alone: its `README.txt`, `Index`
 * or `LICENSE` are not tables, though read as one when nothing else in the archive is (as the first file
 * streamed always is).
 */
const TABLE_ENTRY = /\.(csv|tsv|tab|data|dat|json|jsonl|ndjson)$/i;
/** An archive whose first entry is one of these is a workbook or a document, not a folder of tables. */
const DOCUMENT_ENTRY = /^(\[Content_Types\]\.xml|mimetype|META-INF\/|_rels\/|docProps\/|xl\/|word\/|ppt\/)/;
/** Files an archive holds that no one asked for: macOS metadata and Finder's folder settings. */
const METADATA_ENTRY = /^__MACOSX\/|(^|\/)\.DS_Store$|(^|\/)\._[^/]*$/;
/** Bytes kept of a ZIP archive's end, for its directory: about 10,000 names. */
const TAIL_BYTES = 1 << 20;

/** Decompressed bytes handed to the reader at a time; the reader decodes in pieces of this size. */
const OUT_CHUNK = 1 << 16;

/**
 * zlib's CRC-32 (Node.js 20.15 and 22.2 on): a gzip file's members are checked with it here, where zlib's gunzip
 * checked them itself (see `gunzip`); without it, as in older extension hosts, zlib's gunzip reads them.
 */
const CRC32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * The chunks of a file, decompressed when they begin with the gzip magic number or a ZIP local header (of a
 * file this reader can read), else passed on unchanged. Errors of the source (a read error, a cancelled scan)
 * are thrown as they were; a fault in the compressed data ends the chunks and is kept in {@link fault}.
 */
export class Decompressed implements AsyncIterable<Uint8Array> {
  /** How the chunks were compressed, when they were read through. */
  compression: 'gzip' | 'zip' | 'zstd' | 'xz' | 'bzip2' | undefined;
  /** zlib's error, or a checksum that did not match. */
  fault: CompressionFault | undefined;
  /**
   * Bytes after a gzip file's last member that are no gzip data (`gzip -d` passes over them, saying so): where
   * they start in the file and how many. Every member before them was read whole and passed its checks.
   */
  trailing: { at: number; bytes: number } | undefined;
  /** The ZIP archive's file read, set before its first bytes are given. */
  zip: ZipRead | undefined;
  /** A tar archive's file read (the stream, decompressed if need be, was one), set before its first bytes. */
  tar: TarRead | undefined;

  /**
   * @param chunks a file's bytes; with `member`, an archive's bytes from where its table lies (see
   * {@link ZipMember}, {@link TarMember}).
   * @param member the table of an archive to read, found in its directory or by a walk through it.
   * @param options `untar: false` gives a tar archive's own bytes, decompressed (to walk it, `readTarIndex`);
   * `onBzip2Block` is told where each block of a bzip2 stream begins; `offThread` decodes bzip2 and xz in
   * another thread (see {@link decodeOffThreadWith}).
   */
  constructor(
    private readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly member?: ZipMember | TarMember,
    private readonly options: {
      untar?: boolean;
      onBzip2Block?: (block: Bzip2Block) => void;
      offThread?: boolean;
    } = {},
  ) {}

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
      if (this.member && 'kind' in this.member) {
        finished = (yield* this.readTarMember(this.member, source)) ?? false;
        return;
      }
      if (this.member) {
        yield* this.readMember(this.member, grow, () => head, source);
        return;
      }
      // The longest magic number looked for: bzip2's ten bytes (its header and the first block's magic).
      await grow(10);
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
      if (isXz(head)) {
        this.compression = 'xz';
        finished = (yield* this.untar(this.unxz(head, source))) ?? false;
        return;
      }
      if (isBzip2(head)) {
        this.compression = 'bzip2';
        finished = (yield* this.untar(this.unbzip2(head, source))) ?? false;
        return;
      }
      const zstd = isZstd(head) ? zstdDecompressor() : undefined;
      if (zstd) {
        this.compression = 'zstd';
        finished = (yield* this.untar(this.unzstd(zstd, head, source))) ?? false;
        return;
      }
      if (isGzip(head)) {
        this.compression = 'gzip';
        // A tar archive inside (`adult.tar.gz`) gives its table.
        const inflated = CRC32
          ? this.gunzip(CRC32, head, source)
          : this.inflate(zlib.createGunzip({ chunkSize: OUT_CHUNK }), head, source, undefined);
        finished = (yield* this.untar(inflated)) ?? false;
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
          this.zip.others = names(
            directory
              .filter((e, k) => k !== read && !e.name.endsWith('/') && !METADATA_ENTRY.test(e.name))
              .map((e) => e.name),
          );
        }
        // With bit 3 the checksum follows the data; the directory has it too.
        const expected = local.flags & 8 ? directory?.find((e) => e.name === local.name)?.crc : local.crc;
        if (!this.fault && crc32 && expected !== undefined && crc >>> 0 !== expected)
          this.fault = Object.assign(new Error('incorrect data check'), { code: 'CHECKSUM' });
        return;
      }
      // Plain text, a tar archive, or an archive this reader leaves to the binary check (a workbook, an
      // encrypted file).
      const plain = async function* (): AsyncGenerator<Uint8Array, boolean> {
        if (head.length > 0) yield head;
        for (;;) {
          const c = await next();
          if (!c) return true;
          yield c;
        }
      };
      yield* this.untar(plain());
    } finally {
      // The reader stopped early (a binary file inside): close the file.
      if (!finished) await source.return?.();
    }
  }

  /**
   * Reads the entry `member` names from its local header on (`head` and `source`), and no further: its data
   * are as long as the directory says, its checksum the directory's. A local header missing where the
   * directory places it is a fault, as damaged data are.
   */
  private async *readMember(
    member: ZipMember,
    grow: (bytes: number) => Promise<void>,
    head: () => Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): AsyncGenerator<Uint8Array> {
    const { entry } = member;
    this.compression = 'zip';
    this.zip = {
      name: entry.name,
      archive: member.archive,
      tables: member.tables,
      others: member.others,
      closed: member.closed,
    };
    await grow(30);
    let local = head();
    if (local.length >= 30 && isZip(local)) await grow(localHeaderLength(local));
    local = head();
    if (local.length < 30 || !isZip(local) || local.length < localHeaderLength(local)) {
      this.fault = Object.assign(new Error('its local header is not where the directory places it'), {
        code: 'ZIP_HEADER',
      });
      return;
    }
    const data = bounded(local.subarray(localHeaderLength(local)), source, entry.compressedSize);
    const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
    let crc = 0;
    const zstd = entry.method === 93 ? zstdDecompressor() : undefined;
    const none = new Uint8Array(0);
    const inflated =
      entry.method === 8
        ? this.inflate(zlib.createInflateRaw({ chunkSize: OUT_CHUNK }), none, data, undefined)
        : entry.method === 12
          ? this.unbzip2(none, data)
          : entry.method === 95
            ? this.unxz(none, data)
            : zstd
              ? this.unzstd(zstd, none, data)
              : stored(none, entry.compressedSize, data, undefined);
    let size = 0;
    for await (const c of inflated) {
      if (crc32) crc = crc32(c, crc);
      size += c.length;
      yield c;
    }
    if (this.fault) return;
    // Stored data cut short end quietly, short of the directory's size; deflated ones are zlib's error.
    if (size < entry.size && entry.method === 0)
      this.fault = Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
    else if (crc32 && crc >>> 0 !== entry.crc)
      this.fault = Object.assign(new Error('incorrect data check'), { code: 'CHECKSUM' });
  }

  /**
   * Passes `inner`'s bytes on, unless they are a tar archive: then the first file named as a table, the
   * rest read on to name the others ({@link TarRead}). An archive with no table gives its first header alone,
   * which the binary check names. Returns what `inner` returned, when it was read to its end.
   */
  private async *untar<T>(inner: AsyncGenerator<Uint8Array, T>): AsyncGenerator<Uint8Array, T | undefined> {
    if (this.options.untar === false) return yield* inner;
    try {
      return yield* this.untarRead(inner);
    } finally {
      // A reader that stops early stops the decompression too: a decode thread would outlive the read.
      await inner.return(undefined as T);
    }
  }

  private async *untarRead<T>(
    inner: AsyncGenerator<Uint8Array, T>,
  ): AsyncGenerator<Uint8Array, T | undefined> {
    const q = new ByteQueue<T>(inner);
    const first = await q.read(TAR_BLOCK);
    if (!isTarHeader(first)) {
      if (first.length > 0) yield first;
      yield* q.rest();
      return q.result;
    }
    const tar: TarRead = { tables: names([]), others: names([]), listed: true };
    const walk = walkTar(q, first);
    let end: TarEnd;
    let tableCut = false;
    for (;;) {
      const r = await walk.next();
      if (r.done) {
        end = r.value;
        break;
      }
      const f = r.value;
      if (!isTarFile(f)) continue;
      if (tar.name === undefined && TABLE_ENTRY.test(f.name)) {
        tar.name = f.name;
        this.tar = tar;
        let got = 0;
        for await (const c of q.take(f.size)) {
          got += c.length;
          yield c;
        }
        // The archive ends inside the table (gzip's own fault, when cut, is zlib's).
        tableCut = got < f.size;
        if (tableCut)
          this.fault ??= Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
      } else addName(TABLE_ENTRY.test(f.name) ? tar.tables : tar.others, f.name);
    }
    // Before the table nothing could be read; after it, the files past the fault go unnamed.
    if (end === 'damaged' && tar.name === undefined)
      this.fault ??= Object.assign(new Error('a header fails its checksum'), { code: 'TAR_HEADER' });
    tar.listed = end === 'end';
    // Read on: gzip's checksum is at its end.
    for await (const _ of q.rest());
    // A gzip stream cut short after the table was read whole cut the archive, not the table.
    if (tar.name !== undefined && !tableCut && this.fault?.code === 'Z_BUF_ERROR') this.fault = undefined;
    this.tar = tar;
    if (tar.name === undefined) yield first;
    return q.result;
  }

  /**
   * Reads the table `member` names: from its data on in a plain archive (`source` starts there), else the
   * archive decompressed from its start and passed over up to the table. Returns true when the source was
   * read to its end.
   */
  private async *readTarMember(
    member: TarMember,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): AsyncGenerator<Uint8Array, boolean | undefined> {
    this.tar = {
      name: member.name,
      tables: member.tables,
      others: member.others,
      listed: member.listed,
      archive: member.archive,
    };
    const zstd = member.compression === 'zstd' ? zstdDecompressor() : undefined;
    const inner =
      member.compression === 'gzip'
        ? this.inflate(zlib.createGunzip({ chunkSize: OUT_CHUNK }), new Uint8Array(0), source, undefined)
        : zstd
          ? this.unzstd(zstd, new Uint8Array(0), source)
          : member.compression === 'xz'
            ? this.unxz(new Uint8Array(0), source)
            : member.compression === 'bzip2'
              ? this.unbzip2(new Uint8Array(0), source, member.seek)
              : (async function* (): AsyncGenerator<Uint8Array, boolean> {
                  for (;;) {
                    const r = await source.next();
                    if (r.done) return true;
                    yield r.value;
                  }
                })();
    if (member.compression) this.compression = member.compression;
    const q = new ByteQueue(inner);
    try {
      if (member.compression) await q.skip(member.offset - (member.seek?.text ?? 0));
      let got = 0;
      for await (const c of q.take(member.size)) {
        got += c.length;
        yield c;
      }
      if (got < member.size && !this.fault)
        this.fault = Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
      // Once the table is read, a fault further on is not its own.
      if (got === member.size && this.fault?.code === 'Z_BUF_ERROR') this.fault = undefined;
    } finally {
      await inner.return(false);
    }
    return q.result;
  }

  /**
   * Yields a Zstandard stream's decompressed bytes, each frame through a decompressor of its own (zlib's ends
   * at its first frame; {@link ZstdFrames}); a stream cut inside a frame is a fault, which zlib does not
   * report. Returns true when the source was read to its end.
   */
  private async *unzstd(
    create: () => Transform,
    head: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): AsyncGenerator<Uint8Array, boolean> {
    const frames = new ZstdFrames();
    let rest: Uint8Array | undefined = head.length > 0 ? head : undefined;
    let sourceDone = false;
    const read = async (): Promise<Uint8Array | undefined> => {
      if (rest) {
        const r = rest;
        rest = undefined;
        return r;
      }
      const r = await source.next();
      if (r.done) sourceDone = true;
      return r.done ? undefined : r.value;
    };
    for (;;) {
      const first = await read();
      if (!first) break;
      // One frame's bytes; the bytes after its end wait for the next.
      let ended = false;
      const frame = async (c: Uint8Array): Promise<Uint8Array> => {
        const used = frames.take(c);
        if (frames.complete) {
          ended = true;
          if (used < c.length) rest = c.subarray(used);
        }
        return c.subarray(0, used);
      };
      const start = await frame(first);
      const input: AsyncIterator<Uint8Array> = {
        next: async () => {
          const c = ended ? undefined : await read();
          return c ? { done: false, value: await frame(c) } : { done: true, value: undefined };
        },
      };
      // A skippable frame holds no data.
      if (frames.skippable) while (!(await input.next()).done);
      else yield* this.inflate(create(), start, input, undefined);
      if (this.fault) return sourceDone;
      if (!ended) {
        // (A tar archive inside tells a cut by itself: inside its table, or past it, which only its list of
        // files loses.)
        if (!this.tar)
          this.fault = Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
        return sourceDone;
      }
    }
    return sourceDone;
  }

  /**
   * Yields an xz stream's decompressed bytes (concatenated streams too, as `xz -d` reads them). Node.js has no
   * xz decoder: `xz-decompress` (HTTP Toolkit's; xz-embedded compiled to WebAssembly) decodes it as a web
   * stream that pulls the compressed bytes as it needs them, so memory stays bounded by its dictionary (8 MB
   * at `xz`'s default level, 64 MB at its highest). A fault is kept, as zlib's are; what the source throws is
   * thrown. Returns true when the source was read to its end.
   */
  private async *unxz(
    head: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): AsyncGenerator<Uint8Array, boolean> {
    if (this.options.offThread && offThread) return yield* this.elsewhere(offThread, 'xz', head, source);
    // Loaded when an xz file comes: its WebAssembly is compiled then, not by every process.
    const { XzReadableStream } = (await import('xz-decompress')) as typeof XzDecompress;
    let pending: Uint8Array | undefined = head.length > 0 ? head : undefined;
    let sourceDone = false;
    let sourceError: { error: unknown } | undefined;
    const compressed = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (pending) {
          controller.enqueue(pending);
          pending = undefined;
          return;
        }
        try {
          const r = await source.next();
          if (r.done) {
            sourceDone = true;
            controller.close();
          } else controller.enqueue(r.value);
        } catch (e) {
          sourceError = { error: e };
          controller.error(e);
        }
      },
    });
    try {
      for await (const c of new XzReadableStream(compressed) as unknown as AsyncIterable<Uint8Array>) {
        // The reader decodes in pieces of at most 64 KB; xz-embedded gives up to a megabyte at a time.
        for (let at = 0; at < c.length; at += OUT_CHUNK) yield c.subarray(at, at + OUT_CHUNK);
      }
    } catch (e) {
      if (sourceError) throw sourceError.error;
      this.fault = xzFault(e);
    }
    return sourceDone;
  }

  /**
   * Yields a bzip2 stream's decompressed bytes ({@link Bzip2Decoder}, in this thread: Node.js has no bzip2
   * decoder). A fault is kept, as zlib's are; what the source throws is thrown. Returns true when the source
   * was read to its end.
   */
  private async *unbzip2(
    head: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    /** The block the source begins in (a {@link TarMember}'s `seek`). */
    start?: Bzip2Block,
  ): AsyncGenerator<Uint8Array, boolean> {
    const { onBzip2Block } = this.options;
    if (this.options.offThread && offThread && !onBzip2Block)
      return yield* this.elsewhere(offThread, 'bzip2', head, source, start);
    const decoder = new Bzip2Decoder({
      ...(start ? { start } : {}),
      ...(onBzip2Block ? { onBlock: onBzip2Block } : {}),
    });
    if (head.length > 0) decoder.push(head);
    let sourceDone = false;
    for (;;) {
      try {
        for (const c of decoder.take()) yield c;
      } catch (e) {
        if (!(e instanceof Bzip2Fault)) throw e;
        this.fault = e;
        return sourceDone;
      }
      // Bytes after the last stream are not read, as `bzip2 -d` passes over them.
      if (decoder.complete || sourceDone) return sourceDone;
      const r = await source.next();
      if (r.done) {
        sourceDone = true;
        decoder.finish();
      } else decoder.push(r.value);
    }
  }

  /**
   * Yields the text of a bzip2 or xz stream decoded in another thread; a fault is kept, as in this thread.
   * Returns true when the source was read to its end.
   */
  private async *elsewhere(
    decode: OffThreadDecode,
    format: 'bzip2' | 'xz',
    head: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    start?: Bzip2Block,
  ): AsyncGenerator<Uint8Array, boolean> {
    let pending: Uint8Array | undefined = head.length > 0 ? head : undefined;
    let sourceDone = false;
    const input: AsyncIterator<Uint8Array> = {
      next: async () => {
        if (pending) {
          const value = pending;
          pending = undefined;
          return { done: false, value };
        }
        const r = await source.next();
        if (r.done) sourceDone = true;
        return r;
      },
    };
    try {
      yield* decode(format, input, start);
    } catch (e) {
      if (!(e instanceof DecodeFault)) throw e;
      this.fault = e;
    }
    return sourceDone;
  }

  /**
   * Yields a gzip stream's decompressed bytes, member after member (RFC 1952; `cat a.gz b.gz` is one stream), each
   * member's header and trailer read here and its deflate data inflated raw by zlib, its CRC-32 and length then
   * checked here. zlib's own gunzip, given bytes after the last member that are no gzip data, failed on them and
   * dropped what it had decompressed in the same write: the table's last rows were lost, all of a small file's.
   * Here they end the stream, every member before them kept, as `gzip -d` does ({@link trailing}); zeros after a
   * member are padding (a tape's blocks), passed over as zlib does. True when the source was read to its end.
   */
  private async *gunzip(
    crc32: (data: Uint8Array, value?: number) => number,
    first: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): AsyncGenerator<Uint8Array, boolean> {
    let pending = first;
    // Where `pending` starts in the file.
    let offset = 0;
    let sourceDone = false;
    const need = async (n: number): Promise<boolean> => {
      if (pending.length >= n) return true;
      const parts = [pending];
      let got = pending.length;
      while (got < n && !sourceDone) {
        const r = await source.next();
        if (r.done) sourceDone = true;
        else {
          parts.push(r.value);
          got += r.value.length;
        }
      }
      if (parts.length > 1) pending = Buffer.concat(parts);
      return pending.length >= n;
    };
    const skip = (n: number): void => {
      pending = pending.subarray(n);
      offset += n;
    };
    const fail = (message: string, code?: string): false => {
      this.fault = Object.assign(new Error(message), code !== undefined ? { code } : {});
      return false;
    };
    const cut = (): false => fail('unexpected end of file', 'Z_BUF_ERROR');
    /** Reads a member's header up to its deflate data; false at a fault. */
    const header = async (): Promise<boolean> => {
      if (!(await need(10))) return cut();
      if (pending[2] !== 8) return fail('unknown compression method', 'Z_DATA_ERROR');
      const flags = pending[3]!;
      if (flags & 0xe0) return fail('unknown header flags set', 'Z_DATA_ERROR');
      skip(10);
      if (flags & 4) {
        if (!(await need(2))) return cut();
        const extra = 2 + (pending[0]! | (pending[1]! << 8));
        if (!(await need(extra))) return cut();
        skip(extra);
      }
      // The file's name and a comment, each ended by a zero byte.
      for (const bit of [8, 16]) {
        if (!(flags & bit)) continue;
        for (;;) {
          const end = pending.indexOf(0);
          if (end >= 0) {
            skip(end + 1);
            break;
          }
          skip(pending.length);
          if (!(await need(1))) return cut();
        }
      }
      // The header's own CRC-16 is passed over: the data's CRC-32 below covers the table.
      if (flags & 2) {
        if (!(await need(2))) return cut();
        skip(2);
      }
      return true;
    };
    for (;;) {
      if (!(await header())) return sourceDone;
      const z = zlib.createInflateRaw({ chunkSize: OUT_CHUNK });
      const rest: { bytes?: Uint8Array } = {};
      const inflated = this.inflate(z, pending, source, undefined, rest);
      let crc = 0;
      let size = 0;
      try {
        for (;;) {
          const r = await inflated.next();
          if (r.done) {
            if (r.value) sourceDone = true;
            break;
          }
          crc = crc32(r.value, crc);
          size += r.value.length;
          yield r.value;
        }
      } finally {
        await inflated.return(false);
      }
      if (this.fault) return sourceDone;
      offset += z.bytesWritten;
      pending = rest.bytes ?? new Uint8Array(0);
      if (!(await need(8))) return cut();
      const view = new DataView(pending.buffer, pending.byteOffset, 8);
      if (view.getUint32(0, true) !== crc >>> 0) return fail('incorrect data check', 'CHECKSUM');
      if (view.getUint32(4, true) !== size >>> 0) return fail('incorrect length check', 'CHECKSUM');
      skip(8);
      if (!(await need(1)) || pending[0] === 0) break;
      if (!((await need(2)) && isGzip(pending))) {
        const at = offset;
        let bytes = pending.length;
        while (!sourceDone) {
          const r = await source.next();
          if (r.done) sourceDone = true;
          else bytes += r.value.length;
        }
        this.trailing = { at, bytes };
        return true;
      }
    }
    // Padding: the rest of the source is not read, as zlib's gunzip does not.
    return sourceDone;
  }

  /** Yields the decompressed bytes; true when the source was read to its end. */
  private async *inflate(
    z: Transform,
    first: Uint8Array,
    source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    /** A ZIP archive's: what is read of the source is kept here too (its directory is at the end). */
    tail: Tail | undefined,
    /**
     * A gzip member's: set, once a raw deflate stream has ended, to the bytes read after its end (its trailer
     * and what follows), which zlib was given, or not, but did not consume.
     */
    rest?: { bytes?: Uint8Array },
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
    // The chunk being fed and the one before, with where each starts among the bytes fed: zlib's count of the
    // bytes it consumed (`bytesWritten`) says where the deflate data ended, in one of them (a write after the
    // end, which zlib consumes none of, may have begun the next chunk before the end was seen).
    let chunk: Uint8Array = first;
    let chunkAt = 0;
    let before: Uint8Array = new Uint8Array(0);
    const feeding = (async () => {
      try {
        while (!over()) {
          for (let at = 0; at < chunk.length && !over(); at += IN_SLICE) {
            const slice = chunk.subarray(at, at + IN_SLICE);
            // A write's callback is not called once zlib has failed: its close ends the wait then.
            await Promise.race([new Promise<void>((resolve) => z.write(slice, () => resolve())), closed]);
            while (queued > MAX_QUEUED && !over()) await new Promise<void>((r) => (wakeFeeder = r));
          }
          if (over()) return;
          const r = await source.next();
          if (r.done) {
            // The last chunk stays the one fed: the deflate data may end inside it before the end is seen.
            sourceDone = true;
            break;
          }
          before = chunk;
          chunkAt += chunk.length;
          chunk = r.value;
          if (tail) tail.add(chunk);
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
    if (rest && ended && !fault) {
      const end = (z as unknown as { bytesWritten: number }).bytesWritten;
      rest.bytes =
        end >= chunkAt
          ? chunk.subarray(end - chunkAt)
          : Buffer.concat([before.subarray(end - (chunkAt - before.length)), chunk]);
    }
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
    name: entryName(raw, flags),
    length: localHeaderLength(b),
  };
}

/**
 * An entry's name as reports show it. Bit 11 of the flags: the name is UTF-8; else code page 437, whose ASCII
 * is the same. Control characters become `?`: an archive from anywhere names its files, and a name is printed
 * to the terminal, where an escape sequence in it would act.
 */
function entryName(raw: Uint8Array, flags: number): string {
  return Buffer.from(raw)
    .toString(flags & 0x800 ? 'utf8' : 'latin1')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
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
  tail: Tail | undefined,
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
    tail?.add(chunk);
  }
  return true;
}

/** The first `size` bytes of `first` and then of `source`: one ZIP entry's data, not the archive after it. */
async function* bounded(
  first: Uint8Array,
  source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  let left = size;
  let chunk: Uint8Array | undefined = first;
  while (left > 0) {
    if (chunk && chunk.length > 0) {
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      yield part;
    }
    if (left === 0) return;
    const r = await source.next();
    if (r.done) return;
    chunk = r.value;
  }
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
 * The entries of a ZIP archive's central directory, from the archive's last bytes `b` (of `fileBytes` in
 * all), in the directory's order; undefined when its end record is not there or the directory does not lie
 * within `b`.
 */
function readDirectory(b: Uint8Array, fileBytes: number): ZipEntry[] | undefined {
  const end = directoryEnd(b, fileBytes);
  if (!end) return undefined;
  // The directory's offset is from the file's start; `b` holds its end. (A streamed archive puts ZIP64
  // records between the directory and its end record, so the end record's offset, not its size, places it.)
  const at = end.offset - (fileBytes - b.length);
  if (at < 0 || at > b.length) return undefined;
  return directoryEntries(b.subarray(at), end.count);
}

/** Where a ZIP archive's directory is and how many entries it has, from its end records. */
export interface DirectoryEnd {
  count: number;
  size: number;
  offset: number;
}

/**
 * The end of central directory record among the archive's last bytes `b` (of `fileBytes` in all), and its
 * ZIP64 record when the counts or offsets overflow (archives of 4 GB or 65,535 files); undefined when the
 * record is not there, or the ZIP64 record it needs does not lie within `b`.
 */
export function directoryEnd(b: Uint8Array, fileBytes: number): DirectoryEnd | undefined {
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
  const found = {
    count: v.getUint16(end + 10, true),
    size: v.getUint32(end + 12, true),
    offset: v.getUint32(end + 16, true),
  };
  // The ZIP64 locator, 20 bytes before the end record, gives where the ZIP64 end record is.
  const locator = end - 20;
  if (locator < 0 || v.getUint32(locator, true) !== 0x07064b50) {
    return found.count === 0xffff || found.offset === 0xffffffff || found.size === 0xffffffff
      ? undefined
      : found;
  }
  const record = uint64(v, locator + 8) - (fileBytes - b.length);
  if (record < 0 || record + 56 > b.length || v.getUint32(record, true) !== 0x06064b50) return undefined;
  return { count: uint64(v, record + 32), size: uint64(v, record + 40), offset: uint64(v, record + 48) };
}

/** A little-endian 64-bit field, exact to 2^53 (9 PB). */
function uint64(v: DataView, at: number): number {
  return v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;
}

/**
 * The `count` entries of a central directory that starts `b`; undefined when a record is not where the one
 * before it ends (a damaged directory).
 */
export function directoryEntries(b: Uint8Array, count: number): ZipEntry[] | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (at + 46 > b.length || v.getUint32(at, true) !== 0x02014b50) return undefined;
    const flags = v.getUint16(at + 8, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const name = b.subarray(at + 46, at + 46 + nameLength);
    const entry: ZipEntry = {
      name: entryName(name, flags),
      flags,
      method: v.getUint16(at + 10, true),
      crc: v.getUint32(at + 16, true),
      compressedSize: v.getUint32(at + 20, true),
      size: v.getUint32(at + 24, true),
      offset: v.getUint32(at + 42, true),
    };
    // A field that overflows is 0xffffffff here, and its value is in the ZIP64 extra field (id 1), which
    // holds those that overflow, in this order (APPNOTE 4.5.3).
    let extra = at + 46 + nameLength;
    const extraEnd = Math.min(b.length, extra + extraLength);
    while (extra + 4 <= extraEnd) {
      const id = v.getUint16(extra, true);
      const length = v.getUint16(extra + 2, true);
      if (id === 1) {
        let field = extra + 4;
        for (const key of ['size', 'compressedSize', 'offset'] as const) {
          if (entry[key] !== 0xffffffff || field + 8 > extra + 4 + length) continue;
          entry[key] = uint64(v, field);
          field += 8;
        }
      }
      extra += 4 + length;
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + v.getUint16(at + 32, true);
  }
  return entries;
}

/** Bytes read of an archive's end for its end records: the end record, its comment and the ZIP64 records. */
export const END_BYTES = 22 + 65_535 + 20 + 56;
/** A larger directory (some 500,000 files) is not read: the archive is read as it streams. */
export const MAX_DIRECTORY_BYTES = 32 << 20;

/**
 * How a ZIP archive's files are audited, from its directory: each table on its own, in the directory's order
 * (the files named as tables, or when there are none, the files of no extension and `.txt` files); the other
 * files named. Undefined when the archive holds no table this can read, or is a workbook or a document (a ZIP
 * archive too): the archive is then read as it streams, and the binary check names it.
 */
export function zipMembers(archive: string, entries: readonly ZipEntry[]): ZipMember[] | undefined {
  if (entries.some((e) => DOCUMENT_ENTRY.test(e.name))) return undefined;
  const files = entries.filter((e) => !e.name.endsWith('/') && !METADATA_ENTRY.test(e.name));
  const { candidates, others } = tablesAmong(files);
  const open = (e: ZipEntry) =>
    !(e.flags & 1) && zipMethodRead(e.method) && (e.method !== 0 || e.compressedSize === e.size);
  const tables = candidates.filter(open);
  if (tables.length === 0) return undefined;
  const closed = names(candidates.filter((e) => !open(e)).map((e) => e.name));
  const othersOf = otherTables(tables);
  return tables.map((entry) => ({ entry, archive, tables: othersOf(entry), others, closed }));
}

/**
 * How a tar archive's files are audited, as {@link zipMembers} chooses a ZIP archive's: each table on its
 * own, in the archive's order, the other files named. Undefined when it holds no table.
 * @param files the archive's entries (`walkTar`), with where each one's data start.
 * @param listed whether those are all: the walk reached the archive's end.
 */
export function tarMembers(
  archive: string,
  files: readonly TarFile[],
  compression: TarMember['compression'],
  listed = true,
): TarMember[] | undefined {
  const { candidates: tables, others } = tablesAmong(files.filter(isTarFile));
  if (tables.length === 0) return undefined;
  const othersOf = otherTables(tables);
  return tables.map((f) => ({
    kind: 'tar',
    archive,
    name: f.name,
    offset: f.offset,
    size: f.size,
    compression,
    ...(f.seek ? { seek: f.seek } : {}),
    tables: othersOf(f),
    others,
    listed,
    ...(f.head ? { head: f.head } : {}),
  }));
}

/**
 * An archive's files that may be tables (those named as tables, or when there are none, the `.txt` files and
 * those of no extension), and the names of the rest.
 */
function tablesAmong<T extends { name: string }>(files: readonly T[]): { candidates: T[]; others: Names } {
  const named = files.filter((e) => TABLE_ENTRY.test(e.name));
  const candidates = named.length > 0 ? named : files.filter((e) => DATA_ENTRY.test(e.name));
  const picked = new Set(candidates);
  return { candidates, others: names(files.filter((e) => !picked.has(e)).map((e) => e.name)) };
}

/** Each table's other tables: their count, and the first few of the list without the table itself. */
function otherTables<T extends { name: string }>(tables: readonly T[]): (table: T) => Names {
  const first = tables.slice(0, NAMES_KEPT + 1);
  return (table) => ({
    count: tables.length - 1,
    names: first
      .filter((t) => t !== table)
      .slice(0, NAMES_KEPT)
      .map((t) => t.name),
  });
}

function iterate<T>(chunks: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in chunks
    ? (chunks as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (chunks as Iterable<T>)[Symbol.iterator]();
}

/**
 * Decompresses a whole file when it is compressed (`rml fix`, which holds the table anyway): the text, and
 * the name of the archive's file (ZIP or tar) when it came from one; throws an Error naming the fault when
 * the data are damaged.
 * @param bytes the file held in memory, or with `member` the archive's bytes from where its table lies.
 * @param member the table of an archive to read (as `ReadOptions.zipMember`, `ReadOptions.tarMember`).
 */
export async function decompressWhole(
  bytes: Buffer | AsyncIterable<Uint8Array>,
  displayName: string,
  member?: ArchiveMember,
): Promise<{ bytes: Buffer; entry?: string }> {
  if (Buffer.isBuffer(bytes) && !member && !isCompressed(bytes) && !isTarHeader(bytes)) return { bytes };
  const source = new Decompressed(Buffer.isBuffer(bytes) ? [bytes] : bytes, member);
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  if (source.fault) throw new Error(`${displayName}: ${faultText(source.fault, source)}`);
  const entry = source.zip?.name ?? source.tar?.name;
  return entry !== undefined ? { bytes: Buffer.concat(parts), entry } : { bytes: Buffer.concat(parts) };
}

/**
 * xz-embedded's error (`get_next_output failed with error code N`, its `xz_ret`) as a fault worded as zlib's:
 * 8 (no progress: the stream ends inside a block) is a cut, 7 damaged data or a failed check, 4 a dictionary
 * over its memory limit, 5 and 6 a header it cannot read.
 */
export function xzFault(e: unknown): CompressionFault {
  const message = e instanceof Error ? e.message : String(e);
  const code = Number(/error code (\d+)/.exec(message)?.[1]);
  if (code === 8) return Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
  const words: Record<number, string> = {
    4: 'its dictionary needs more memory than the decoder allows',
    5: 'not in the xz format',
    6: 'compressed with options the decoder does not support',
    7: 'corrupt data, or a failed integrity check',
  };
  return Object.assign(new Error(words[code] ?? message), { code: 'XZ' });
}

/** The fault, in words: cut short, failing its checksum, or damaged; of the gzip data or the archive's file. */
export function faultText(
  fault: CompressionFault,
  source: { zip?: ZipRead | undefined; tar?: TarRead | undefined; compression?: string | undefined },
): string {
  if (fault.code === 'TAR_HEADER')
    return 'the tar archive is damaged: a header before any table fails its checksum';
  const what = source.zip
    ? `the ZIP archive's file ${source.zip.name}`
    : source.tar?.name !== undefined
      ? `the tar archive's file ${source.tar.name}`
      : source.compression === 'zstd'
        ? 'the Zstandard-compressed data'
        : source.compression === 'xz'
          ? 'the xz-compressed data'
          : source.compression === 'bzip2'
            ? 'the bzip2-compressed data'
            : 'the gzip-compressed data';
  if (fault.code === 'Z_BUF_ERROR')
    return `${what} is cut short (the ${source.zip || source.tar?.name !== undefined ? 'archive' : 'file'} ends inside it)`;
  if (fault.code === 'ZIP_HEADER')
    return `${what} is not where the archive's directory places it (the archive is damaged)`;
  if (fault.code === 'CHECKSUM' || /incorrect (data|length) check/.test(fault.message))
    return `${what} fails its checksum (the file is damaged)`;
  const library = fault.code === 'XZ' ? 'xz' : fault.code === 'BZIP2' ? 'bzip2' : 'zlib';
  return `${what} is damaged (${library}: ${fault.message})`;
}

/**
 * The `data/compressed-damaged` error for bytes after a gzip file's last member that are no gzip data: every row
 * of the members before them was read, but the bytes may be a member whose header was damaged (a fuzz of
 * two-member files made such a case of every flipped byte of the second header), so its rows would be lost.
 */
export function trailingMessage(trailing: { at: number; bytes: number }, rows: number): string {
  return (
    `The file's ${count(trailing.at, 'byte')} of gzip-compressed data are followed by ${count(trailing.bytes, 'byte')} ` +
    `that are not gzip data (gzip -d passes over them with a warning; pandas refuses the file): the ` +
    `${count(rows, 'row')} of the compressed data were read, each part passing its checksum, but if those bytes ` +
    `are a damaged part of the file, the rows in them are lost.`
  );
}

/** The `data/compressed-damaged` message: the fault and what of the table was read. */
export function faultMessage(
  fault: CompressionFault,
  source: { zip?: ZipRead | undefined; tar?: TarRead | undefined; compression?: string | undefined },
  rows: number,
  textBytes: number,
): string {
  const text = faultText(fault, source);
  const head = text.charAt(0).toUpperCase() + text.slice(1);
  if (fault.code === 'TAR_HEADER') return `${head}, and nothing after it was read.`;
  const read = `${count(rows, 'row')} in its first ${byteSize(textBytes)} of text`;
  if (fault.code === 'Z_BUF_ERROR')
    return `${head}: the ${read} were read; the rest of the table is not in the file.`;
  if (text.includes('checksum'))
    return `${head}: the ${read} were read, and any of their values may be garbled.`;
  return `${head}: the ${read} were read, nothing after the fault; the rows just before it may be garbled.`;
}

/** The `data/zip-archive` message: the file read, and those not read. */
export function zipMessage(zip: ZipRead): string {
  const listed = (n: Names) => n.names.slice(0, 5).join(', ') + (n.count > 5 ? ', ...' : '');
  if (zip.archive !== undefined) {
    const { tables, closed, others } = zip;
    const parts = [
      tables && tables.count > 0
        ? `This is the file ${zip.name} of the ZIP archive ${zip.archive}, read through; ${tables.count === 1 ? `its other table (${listed(tables)}) is audited on its own` : `its ${count(tables.count, 'other table')} (${listed(tables)}) are audited each on its own`}`
        : `The file is a ZIP archive: its file ${zip.name} was read`,
    ];
    if (closed && closed.count > 0) {
      const them = closed.count === 1 ? 'it' : 'them';
      parts.push(
        `${count(closed.count, 'table')} in it (${listed(closed)}) could not be read: encrypted, or compressed by a method other than ${zipMethodsRead()}; extract ${them} to audit ${them}`,
      );
    }
    if (others && others.count > 0)
      parts.push(
        `${count(others.count, 'other file')} in it (${listed(others)}) ${others.count === 1 ? 'is not a table and was' : 'are not tables and were'} not read`,
      );
    return `${parts.join('; ')}.`;
  }
  const read = `The file is a ZIP archive: its file ${zip.name} was read`;
  if (!zip.others) return `${read}; its directory was not found at its end (is the archive cut short?).`;
  if (zip.others.count === 0) return `${read}.`;
  return `${read}; ${count(zip.others.count, 'other file')} in it (${listed(zip.others)}) ${zip.others.count === 1 ? 'was' : 'were'} not: give the archive as a file, not standard input, or extract it, to audit each.`;
}

/** The `data/tar-archive` note's message: the file read, and those not. */
export function tarMessage(tar: TarRead): string {
  const listed = (n: Names) => n.names.slice(0, 5).join(', ') + (n.count > 5 ? ', ...' : '');
  const { tables, others } = tar;
  const parts: string[] = [];
  if (tar.archive !== undefined)
    parts.push(
      tables.count > 0
        ? `This is the file ${tar.name} of the tar archive ${tar.archive}, read through; ${tables.count === 1 ? `its other table (${listed(tables)}) is audited on its own` : `its ${count(tables.count, 'other table')} (${listed(tables)}) are audited each on its own`}`
        : `The file is a tar archive: its file ${tar.name} was read`,
    );
  else {
    parts.push(
      tar.name !== undefined
        ? `The file is a tar archive: its file ${tar.name} was read`
        : 'The file is a tar archive with no file named as a table (.csv, .tsv, .tab, .data, .dat, .json, .jsonl, .ndjson)',
    );
    if (tables.count > 0)
      parts.push(
        `${tables.count === 1 ? `its other table (${listed(tables)}) was` : `its ${count(tables.count, 'other table')} (${listed(tables)}) were`} not: give the archive as a file, not standard input, or extract it, to audit each`,
      );
  }
  if (others.count > 0)
    parts.push(
      `${count(others.count, tar.name !== undefined ? 'other file' : 'file')} in it (${listed(others)}) ${others.count === 1 ? 'is not a table and was' : 'are not tables and were'} not read`,
    );
  if (!tar.listed) parts.push('it is cut short or damaged, so files after that are not named');
  return `${parts.join('; ')}.`;
}

/** The `data/tar-archive` note's severity: a warning when a table in it was not read, or none was. */
export function tarSeverity(tar: TarRead): 'info' | 'warning' {
  if (tar.archive !== undefined) return tar.listed ? 'info' : 'warning';
  return tar.name === undefined || tar.tables.count > 0 || !tar.listed ? 'warning' : 'info';
}

/** The `data/zip-archive` note's severity: a warning when a table in the archive was not read. */
export function zipSeverity(zip: ZipRead): 'info' | 'warning' {
  if (zip.archive !== undefined) return zip.closed && zip.closed.count > 0 ? 'warning' : 'info';
  return zip.others && zip.others.count === 0 ? 'info' : 'warning';
}

/** "512 bytes", "12.3 kB", "4.5 MB". */
function byteSize(bytes: number): string {
  if (bytes < 1000) return count(bytes, 'byte');
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
