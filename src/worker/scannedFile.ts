/**
 * A dataset on disk as a scan reads it: its bytes in the chunks every scan reads, a ZIP archive's tables by
 * its directory and a tar archive's by a walk through it (the parsing is `src/core/data/compressed.ts`'s and
 * `tar.ts`'s; here the file is read).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  Decompressed,
  zipMethodRead,
  zipMethodsRead,
  END_BYTES,
  MAX_DIRECTORY_BYTES,
  directoryEnd,
  directoryEntries,
  isZip,
  tarMembers,
  zipMembers,
  type ArchiveMember,
  type TarMember,
  type ZipEntry,
  type ZipMember,
} from '../core/data/compressed';
import { fileAbove } from './fileAbove';
import { ByteQueue, TAR_BLOCK, isTarHeader, walkTar, type TarFile } from '../core/data/tar';
import type { Bzip2Block } from '../core/data/bzip2';
import type { ScanOptions } from '../core/scan';

/**
 * A whole file's bytes for a scan in one thread, in the chunks every scan reads: from a ZIP archive's table's
 * local header on when the scan reads one ({@link ScanOptions.zipMember}), from a plain tar archive's table's
 * data on ({@link ScanOptions.tarMember}; a compressed one is read from its start).
 */
export function openScanned(
  file: string,
  options: Pick<ScanOptions, 'zipMember' | 'tarMember'>,
): fs.ReadStream {
  const tar = options.tarMember;
  const start =
    options.zipMember?.entry.offset ??
    (tar && !tar.compression ? tar.offset : tar?.seek ? Math.floor(tar.seek.bit / 8) : undefined);
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
  const archive = fileAbove(file);
  if (!archive) return undefined;
  const name = path.relative(archive, file).split(path.sep).join('/');
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
    return { error: `${shown}: the ZIP archive ${archiveShown} has no file ${name}${tablesListed(tables)}.` };
  }
  if (entry.flags & 1 || !zipMethodRead(entry.method))
    return {
      error: `${shown}: the file ${name} of the ZIP archive ${archiveShown} is encrypted or compressed by a method other than ${zipMethodsRead()}: extract it to read it.`,
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

/** Where a dataset's bytes are read from: a file, or one table of a ZIP or tar archive. */
export interface DatasetSource {
  /** The file on disk: the archive for a table inside one. */
  file: string;
  /** The archive's table read (`memberOptions` gives a scan's options for it). */
  member?: ArchiveMember;
}

/** The name of an archive's table, as its archive holds it. */
export function memberName(member: ArchiveMember): string {
  return 'kind' in member ? member.name : member.entry.name;
}

/** Files of a compressed tar archive whose first bytes are kept as it is walked, and how many bytes. */
const HEADS_KEPT = 64;
const HEAD_BYTES = 1 << 16;

/** The index of the last of `blocks` (in the text's order) that begins at or before `offset`; -1 if none. */
function blockOf(blocks: readonly Bzip2Block[], offset: number): number {
  let lo = 0;
  let hi = blocks.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (blocks[mid]!.text <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The entries of the tar archive `file` on disk (plain, or compressed by gzip or Zstandard), with where each
 * one's data start: the archive read through once, its data passed over. Undefined for any other file: its
 * first 512 bytes, decompressed, are no tar header. An archive damaged or cut short gives the entries before
 * the fault (each one's scan then says what is wrong with it).
 */
export async function readTarIndex(
  file: string,
): Promise<{ files: TarFile[]; compression: TarMember['compression']; complete: boolean } | undefined> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 18 });
  // A bzip2 stream's blocks, each decodable on its own: a table is then read from the block it begins in.
  const blocks: Bzip2Block[] = [];
  const bytes = new Decompressed(stream, undefined, { untar: false, onBzip2Block: (b) => blocks.push(b) });
  const it = bytes[Symbol.asyncIterator]();
  const files: TarFile[] = [];
  let complete = false;
  try {
    const q = new ByteQueue(it);
    const first = await q.read(TAR_BLOCK);
    if (!isTarHeader(first)) return undefined;
    const c = bytes.compression;
    const compression = c === 'gzip' || c === 'zstd' || c === 'xz' || c === 'bzip2' ? c : null;
    let heads = 0;
    const walk = walkTar(q, first);
    for (;;) {
      const r = await walk.next();
      if (r.done) {
        complete = r.value === 'end' && !bytes.fault;
        break;
      }
      // A compressed archive's files' first bytes, while they pass (see `TarMember.head`).
      const f = r.value;
      if (compression && heads < HEADS_KEPT && (f.type === '0' || f.type === '7') && f.size > 0) {
        f.head = Buffer.from(await q.read(Math.min(f.size, HEAD_BYTES)));
        heads++;
      }
      files.push(f);
    }
    for (const f of files) {
      const block = blockOf(blocks, f.offset);
      // From the first block the archive is read from its start, its stream's checksum checked.
      if (block > 0) f.seek = blocks[block]!;
    }
    return { files, compression, complete };
  } finally {
    await it.return?.(undefined);
    stream.destroy();
  }
}

/**
 * The tables of the file `file` when it is a ZIP archive whose directory can be read, or a tar archive, each
 * to be audited on its own; undefined for any other file, and when the file cannot be read (its scan then
 * says why).
 * @param archive the archive's name, as given, for the findings.
 */
export async function archiveMembersOf(file: string, archive: string): Promise<ArchiveMember[] | undefined> {
  const zip = zipMembersOf(file, archive);
  if (zip) return zip;
  try {
    const tar = await readTarIndex(file);
    return tar && tarMembers(archive, tar.files, tar.compression, tar.complete);
  } catch {
    return undefined;
  }
}

/**
 * The archive's file that `file` names inside it (`data/titanic.zip/train.csv`, `adult.tar.gz/adult.csv`),
 * as {@link zipMemberAt} finds one in a ZIP archive, and in a tar archive too.
 */
export async function archiveMemberAt(
  file: string,
  shown: string,
): Promise<{ archive: string; member: ArchiveMember } | { error: string } | undefined> {
  const zip = zipMemberAt(file, shown);
  if (zip) return zip;
  const above = fileAbove(file);
  if (!above) return undefined;
  let tar;
  try {
    tar = await readTarIndex(above);
  } catch {
    return undefined;
  }
  if (!tar) return undefined;
  const name = path.relative(above, file).split(path.sep).join('/');
  const archiveShown = shown.slice(0, Math.max(0, shown.length - name.length - 1)) || above;
  const entry = tar.files.find((f) => f.name === name && (f.type === '0' || f.type === '7'));
  if (!entry) {
    const tables = tarMembers(archiveShown, tar.files, tar.compression)?.map((m) => m.name) ?? [];
    return { error: `${shown}: the tar archive ${archiveShown} has no file ${name}${tablesListed(tables)}.` };
  }
  const none = { count: 0, names: [] };
  return {
    archive: above,
    member: {
      kind: 'tar',
      archive: archiveShown,
      name,
      offset: entry.offset,
      size: entry.size,
      compression: tar.compression,
      tables: none,
      others: none,
      listed: true,
    },
  };
}

/**
 * Where to read the one table that `file` names, for what reads a single table (training, `rml fix`,
 * `rml predict`, the training config's checks): a table inside a ZIP or tar archive as `rml audit` names it
 * (`titanic.zip/train.csv`), an archive holding one table, or any other file as it is. Throws an Error whose
 * message says what is wrong, starting with `shown`: the file cannot be read ({@link unreadableFile}), the
 * archive has no such file, or it holds several tables and so must be told which (a model trained on
 * whichever came first would be a silent mistake).
 * @param shown how the user gave the path, for messages and the archive's name in findings.
 */
export async function datasetSource(file: string, shown: string): Promise<DatasetSource> {
  const inside = await archiveMemberAt(file, shown);
  if (inside && 'error' in inside) throw new Error(inside.error);
  if (inside) return { file: inside.archive, member: inside.member };
  const unreadable = unreadableFile(file, shown);
  if (unreadable) throw new Error(unreadable);
  const members = await archiveMembersOf(file, shown);
  if (!members) return { file };
  if (members.length === 1) return { file, member: members[0]! };
  const names = members.map(memberName);
  const kind = 'kind' in members[0]! ? 'tar' : 'ZIP';
  throw new Error(
    `${shown} is a ${kind} archive of ${names.length} tables: name the one to read, as ${shown}/${names[0]}` +
      `${tablesListed(names)}.`,
  );
}

/**
 * The path to name a dataset's derived files after (a reweighed copy, predictions): the file's own, or for a
 * table inside an archive a file beside the archive named after both (`titanic.zip/train.csv` ->
 * `titanic.train.csv`), so that what is derived from two archives' `train.csv` never meets.
 */
export function derivedFrom(file: string, source: DatasetSource): string {
  if (source.file === file || !source.member) return file;
  const archive = source.file.replace(/\.(zip|tgz|txz|tzst|tbz2?|tar\.(gz|zst|xz|bz2)|tar)$/i, '');
  return `${archive}.${path.posix.basename(memberName(source.member))}`;
}

/** ` (its tables: a.csv, b.csv)`, five at most; nothing when there are none. */
function tablesListed(tables: readonly string[]): string {
  if (tables.length === 0) return '';
  return ` (its tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''})`;
}
