/**
 * A dataset on disk as a scan reads it: its bytes in the chunks every scan reads, and a ZIP archive's tables by
 * its directory (the parsing is `src/core/data/compressed.ts`'s; here the file is read).
 */
import * as fs from 'fs';
import {
  END_BYTES,
  MAX_DIRECTORY_BYTES,
  directoryEnd,
  directoryEntries,
  isZip,
  zipMembers,
  type ZipEntry,
  type ZipMember,
} from '../core/data/compressed';
import type { ScanOptions } from '../core/scan';

/**
 * A whole file's bytes for a scan in one thread, in the chunks every scan reads: from a ZIP archive's table's
 * local header on when the scan reads one ({@link ScanOptions.zipMember}).
 */
export function openScanned(file: string, options: Pick<ScanOptions, 'zipMember'>): fs.ReadStream {
  const start = options.zipMember?.entry.offset;
  return fs.createReadStream(file, { highWaterMark: 1 << 18, ...(start ? { start } : {}) });
}

/**
 * The entries of the ZIP archive `file` on disk, read from its directory at its end; undefined when the file
 * is no archive with a directory this can read (cut short, damaged, or over {@link MAX_DIRECTORY_BYTES}).
 * Throws what the file system throws.
 */
export function readZipDirectory(file: string): ZipEntry[] | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const fileBytes = fs.fstatSync(fd).size;
    const read = (at: number, length: number): Buffer => {
      const b = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, b, got, length - got, at + got);
        if (n === 0) break;
        got += n;
      }
      return b.subarray(0, got);
    };
    if (!isZip(read(0, 4))) return undefined;
    const tail = read(Math.max(0, fileBytes - END_BYTES), Math.min(fileBytes, END_BYTES));
    const end = directoryEnd(tail, fileBytes);
    if (!end || end.size > MAX_DIRECTORY_BYTES || end.offset + end.size > fileBytes) return undefined;
    const entries = directoryEntries(read(end.offset, end.size), end.count);
    return entries?.every((e) => e.offset + 30 + e.compressedSize <= fileBytes) ? entries : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The tables of the file `file` when it is a ZIP archive whose directory can be read, each to be audited on its
 * own (`zipMembers`); undefined for any other file, and when the file cannot be read (its scan then says why).
 */
export function zipMembersOf(file: string, archive: string): ZipMember[] | undefined {
  try {
    const entries = readZipDirectory(file);
    return entries && zipMembers(archive, entries);
  } catch {
    return undefined;
  }
}
