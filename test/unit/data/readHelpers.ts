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

/** `bytes` in pieces of `size` bytes (the last shorter), as a stream of that chunk size gives them. */
export function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
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

export { makeZip, type ZipEntry, type ZipLayout } from './makeZip';
