/**
 * A dataset on disk as a scan reads it: its bytes in the chunks every scan reads, and a ZIP archive's tables
 * by its directory (the parsing is `src/core/data/compressed.ts`'s; here the file is read).
 */
import * as fs from 'fs';
import * as path from 'path';
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
 * The tables of the file `file` when it is a ZIP archive whose directory can be read, each to be audited on
 * its own (`zipMembers`); undefined for any other file, and when the file cannot be read (its scan then says
 * why).
 */
export function zipMembersOf(file: string, archive: string): ZipMember[] | undefined {
  try {
    const entries = readZipDirectory(file);
    return entries && zipMembers(archive, entries);
  } catch {
    return undefined;
  }
}

/**
 * The ZIP archive's file that `file` names inside it, as `rml audit` names the tables it audits
 * (`data/titanic.zip/train.csv`), when `file` does not exist and the nearest path above it that does is a
 * ZIP archive: the archive's path and the entry to read; an error message when the archive has no such file
 * or cannot read it; undefined when no archive is on the path.
 * @param shown how the user gave the path, for the archive's name in reports.
 */
export function zipMemberAt(
  file: string,
  shown: string,
): { archive: string; member: ZipMember } | { error: string } | undefined {
  if (fs.existsSync(file)) return undefined;
  const parts: string[] = [];
  let archive = file;
  for (;;) {
    const parent = path.dirname(archive);
    if (parent === archive) return undefined;
    parts.unshift(path.basename(archive));
    archive = parent;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(archive);
    } catch {
      continue;
    }
    if (!stat.isFile()) return undefined;
    break;
  }
  const name = parts.join('/');
  const archiveShown = shown.slice(0, Math.max(0, shown.length - name.length - 1)) || archive;
  let entries: ZipEntry[] | undefined;
  try {
    entries = readZipDirectory(archive);
  } catch {
    return undefined;
  }
  if (!entries) return undefined;
  const entry = entries.find((e) => e.name === name);
  if (!entry || entry.name.endsWith('/')) {
    const tables = zipMembers(archiveShown, entries)?.map((m) => m.entry.name) ?? [];
    const listed =
      tables.length > 0
        ? ` (its tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''})`
        : '';
    return { error: `${shown}: the ZIP archive ${archiveShown} has no file ${name}${listed}.` };
  }
  if (entry.flags & 1 || (entry.method !== 8 && entry.method !== 0))
    return {
      error: `${shown}: the file ${name} of the ZIP archive ${archiveShown} is encrypted or compressed by a method other than deflate: extract it to audit it.`,
    };
  const none = { count: 0, names: [] };
  return { archive, member: { entry, archive: archiveShown, tables: none, others: none, closed: none } };
}
