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
      error: `${shown}: the file ${name} of the ZIP archive ${archiveShown} is encrypted or compressed by a method other than deflate: extract it to read it.`,
    };
  const none = { count: 0, names: [] };
  return { archive, member: { entry, archive: archiveShown, tables: none, others: none, closed: none } };
}

/**
 * Why the dataset file `abs` (given as `shown`) cannot be read, as a message for standard error, or null when
 * it can: a missing file, a folder and a file without read permission each get their own words, where all
 * three read "no such file" or came out as an `EACCES` error code.
 */
export function unreadableFile(abs: string, shown: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${shown}: no such file.`;
    return `${shown}: cannot be read (${code ?? String(e)}).`;
  }
  if (stat.isDirectory()) return `${shown}: a folder, not a dataset file.`;
  if (!stat.isFile()) return `${shown}: not a regular file.`;
  try {
    fs.accessSync(abs, fs.constants.R_OK);
  } catch {
    return `${shown}: cannot be read (no permission to read it).`;
  }
  return null;
}

/** Where a dataset's bytes are read from: a file, or one table of a ZIP archive. */
export interface DatasetSource {
  /** The file on disk: the archive for a table inside one. */
  file: string;
  /** The archive's table read, from its directory. */
  member?: ZipMember;
}

/**
 * Where to read the one table that `file` names, for what reads a single table (training, `rml fix`,
 * `rml predict`, the training config's checks): a table inside a ZIP archive as `rml audit` names it
 * (`titanic.zip/train.csv`), an archive holding one table (read by its directory), or any other file as it is.
 * Throws an Error whose message says what is wrong, starting with `shown`: the file cannot be read
 * ({@link unreadableFile}), the archive has no such file, or it holds several tables and so must be told which (a model trained on whichever
 * came first would be a silent mistake).
 * @param shown how the user gave the path, for messages and the archive's name in findings.
 */
export function datasetSource(file: string, shown: string): DatasetSource {
  const inside = zipMemberAt(file, shown);
  if (inside && 'error' in inside) throw new Error(inside.error);
  if (inside) return { file: inside.archive, member: inside.member };
  const unreadable = unreadableFile(file, shown);
  if (unreadable) throw new Error(unreadable);
  const members = zipMembersOf(file, shown);
  if (!members) return { file };
  if (members.length === 1) return { file, member: members[0]! };
  const names = members.map((m) => m.entry.name);
  throw new Error(
    `${shown} is a ZIP archive of ${names.length} tables: name the one to read, as ${shown}/${names[0]} ` +
      `(its tables: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}).`,
  );
}

/**
 * The path to name a dataset's derived files after (a reweighed copy, predictions): the file's own, or for a
 * table inside a ZIP archive a file beside the archive named after both (`titanic.zip/train.csv` ->
 * `titanic.train.csv`), so that what is derived from two archives' `train.csv` never meets.
 */
export function derivedFrom(file: string, source: DatasetSource): string {
  if (source.file === file || !source.member) return file;
  const archive = source.file.replace(/\.zip$/i, '');
  return `${archive}.${path.posix.basename(source.member.entry.name)}`;
}
