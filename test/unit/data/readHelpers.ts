import * as zlib from 'node:zlib';
import type { Finding } from '../../../src/core/findings';
import type { TableHeader } from '../../../src/core/data/table';
import { readTable, type ReadOptions, type ReadSummary } from '../../../src/core/data/readTable';

export interface ReadResult {
  header: TableHeader | undefined;
  rows: { index: number; values: (string | undefined)[]; positions: number[] }[];
  problems: Finding[];
  summary: ReadSummary;
  headerCalls: number;
}

export function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? new TextEncoder().encode(input) : input;
}

/** Splits `bytes` at the given offsets (sorted, inside the array). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of cuts) {
    out.push(bytes.subarray(at, c));
    at = c;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** Reads `input` through the real reader, collecting everything the sink receives. */
export async function readAll(
  input: string | Uint8Array | Uint8Array[],
  options: ReadOptions = {},
): Promise<ReadResult> {
  const chunks = Array.isArray(input) ? input : [bytesOf(input)];
  const result: Omit<ReadResult, 'summary'> = { header: undefined, rows: [], problems: [], headerCalls: 0 };
  const summary = await readTable(
    chunks,
    {
      header(h) {
        result.header = h;
        result.headerCalls++;
      },
      row(r) {
        if (!result.header) throw new Error('row before header');
        result.rows.push({ index: r.index, values: r.values.slice(), positions: Array.from(r.positions) });
      },
      problem(f) {
        result.problems.push(f);
      },
    },
    options,
  );
  return { ...result, summary };
}

/** Values of all rows, header names first. */
export function grid(r: ReadResult): (string | undefined)[][] {
  return [(r.header?.columns ?? []).map((c) => c.name), ...r.rows.map((x) => x.values)];
}

/** Decodes bytes the way a person's editor shows them (BOM dropped), for checking positions. */
export function decodeLikeEditor(bytes: Uint8Array, encoding: string): string {
  // Node 20's TextDecoder reads windows-1252 as Latin-1 (nodejs/node#56542): its 0x80 to 0x9F from the
  // WHATWG index (code points; the five undefined bytes stay C1 controls).
  if (encoding === 'windows-1252') {
    const high = [
      0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
      0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
      0x153, 0x9d, 0x17e, 0x178,
    ];
    return String.fromCharCode(...Array.from(bytes, (b) => (b >= 0x80 && b < 0xa0 ? high[b - 0x80]! : b)));
  }
  return new TextDecoder(encoding).decode(bytes);
}

/** Lines as an editor counts them: CRLF, CR and LF each end a line. */
export function editorLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The source text a range covers. */
export function sourceAt(
  lines: string[],
  p: { line: number; startColumn: number; endLine?: number; endColumn: number },
): string {
  const endLine = p.endLine ?? p.line;
  if (endLine === p.line) return (lines[p.line - 1] ?? '').slice(p.startColumn - 1, p.endColumn - 1);
  const parts = [(lines[p.line - 1] ?? '').slice(p.startColumn - 1)];
  for (let l = p.line + 1; l < endLine; l++) parts.push(lines[l - 1] ?? '');
  parts.push((lines[endLine - 1] ?? '').slice(0, p.endColumn - 1));
  return parts.join('\n');
}

/** Cell i of a collected row as a range, or undefined when it has no position. */
export function cellAt(row: { positions: number[] }, i: number) {
  const [line = 0, startColumn = 0, endLine = 0, endColumn = 0] = row.positions.slice(4 * i, 4 * i + 4);
  return line === 0 ? undefined : { line, startColumn, endLine, endColumn };
}

/** A data row with the given values and no source positions (for the duplicate detectors). */
export const dataRow = (index: number, values: (string | undefined)[]) => ({
  index,
  values,
  positions: new Int32Array(4 * values.length),
});

/** A file of a ZIP archive for {@link makeZip}. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
  /** 8 (deflate, the default) or 0 (stored). */
  method?: 0 | 8;
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
    const body = method === 8 ? zlib.deflateRawSync(e.data) : Buffer.from(e.data);
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
