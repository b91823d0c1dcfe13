/**
 * A ZIP archive writer for tests, with nothing but zlib: the integration suites bundle it too, and bundling
 * the reader's helpers would pull in what only plain Node loads.
 */
import * as zlib from 'node:zlib';

/** A file of a ZIP archive for {@link makeZip}. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
  /** 8 (deflate, the default) or 0 (stored); any other with {@link compressed}. */
  method?: number;
  /** The entry's bytes as written, compressed by `method` (a bzip2, xz or Zstandard stream). */
  compressed?: Uint8Array;
  /** Sizes and checksum after the data (general purpose bit 3), as a streaming writer puts them. */
  descriptor?: boolean;
  /** The checksum written, when not the data's (a damaged archive). */
  crc?: number;
  /** Marked encrypted (general purpose bit 0); the data are not. */
  encrypted?: boolean;
}

/** How {@link makeZip} writes the archive. */
export interface ZipLayout {
  /**
   * The ZIP64 format, as a writer must past 65,535 files or 4 GB: every size and offset in the directory in a
   * ZIP64 extra field (the 32-bit fields 0xffffffff), and the ZIP64 end records before the end record.
   */
  zip64?: boolean;
}

/** A ZIP archive, written as the format's note (APPNOTE) lays it out: local headers, data, directory, end. */
export function makeZip(entries: ZipEntry[], layout: ZipLayout = {}): Buffer {
  const crc32 = (zlib as { crc32?: (d: Uint8Array) => number }).crc32!;
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = Buffer.from(e.compressed ?? (method === 8 ? zlib.deflateRawSync(e.data) : e.data));
    const crc = e.crc ?? crc32(e.data);
    const name = Buffer.from(e.name, 'utf8');
    const flags = 0x800 | (e.descriptor ? 8 : 0) | (e.encrypted ? 1 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    if (!e.descriptor) {
      local.writeUInt32LE(crc >>> 0, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(e.data.length, 22);
    }
    local.writeUInt16LE(name.length, 26);
    const parts = [local, name, body];
    if (e.descriptor) {
      const d = Buffer.alloc(16);
      d.writeUInt32LE(0x08074b50, 0);
      d.writeUInt32LE(crc >>> 0, 4);
      d.writeUInt32LE(body.length, 8);
      d.writeUInt32LE(e.data.length, 12);
      parts.push(d);
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(layout.zip64 ? 45 : 20, 4);
    c.writeUInt16LE(layout.zip64 ? 45 : 20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(layout.zip64 ? 0xffffffff : body.length, 20);
    c.writeUInt32LE(layout.zip64 ? 0xffffffff : e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(layout.zip64 ? 0xffffffff : offset, 42);
    if (layout.zip64) {
      // The extra field holds the overflowing fields in the order of APPNOTE 4.5.3.
      const extra = Buffer.alloc(28);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(e.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
      c.writeUInt16LE(extra.length, 30);
      central.push(c, name, extra);
    } else central.push(c, name);
    const all = Buffer.concat(parts);
    locals.push(all);
    offset += all.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(layout.zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(layout.zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(layout.zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(layout.zip64 ? 0xffffffff : offset, 16);
  if (!layout.zip64) return Buffer.concat([...locals, directory, end]);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(entries.length), 24);
  record.writeBigUInt64LE(BigInt(entries.length), 32);
  record.writeBigUInt64LE(BigInt(directory.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([...locals, directory, record, locator, end]);
}
