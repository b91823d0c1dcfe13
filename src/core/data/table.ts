/**
 * The contract between dataset readers and everything that consumes rows. Readers push into a
 * {@link TableSink} so that a scan streams with bounded memory: nothing here holds the whole file.
 */
import type { Finding, SourceRange } from '../findings';

export type DataFormat = 'csv' | 'tsv' | 'json' | 'jsonl';

export interface HeaderCell {
  name: string;
  /**
   * Where the header name stands; in a headerless file, the column's value in the first record (where its
   * findings are shown); absent for JSON keys never seen as text.
   */
  location?: SourceRange;
}

export interface TableHeader {
  format: DataFormat;
  /** The delimiter used (CSV/TSV only). */
  delimiter?: string;
  /** Set when the file named its delimiter in a first line `sep=X` (Excel's hint), before the table. */
  separatorLine?: boolean;
  /** False when the file had no header row and names were generated (`column_1`, ...). */
  hasHeader: boolean;
  columns: HeaderCell[];
  /**
   * Set when the file had more columns than were read (`ReadOptions.maxColumns`): a CSV file's count of fields
   * in its first record; for JSON one more than were read (keys past the limit are not counted).
   */
  totalColumns?: number;
}

/**
 * One data row. `values[i]` belongs to column i; a missing cell (short ragged row, absent JSON key) is
 * `undefined`. Positions are packed for speed: for cell i, `positions[4*i .. 4*i+3]` are
 * line, startColumn, endLine, endColumn (1-based, end exclusive, UTF-16 units); all four are 0 when the
 * cell has no position (it is missing).
 */
export interface DataRow {
  /** 1-based data row number, header excluded. */
  index: number;
  values: (string | undefined)[];
  positions: Int32Array;
}

export interface TableSink {
  header(header: TableHeader): void;
  row(row: DataRow): void;
  /** Malformed input: ragged rows, unclosed quotes, bad encoding, empty file... never thrown. */
  problem(finding: Finding): void;
}

/** Reads the position of cell `i` of a row. */
export function cellRange(row: DataRow, i: number): SourceRange | undefined {
  const p = row.positions;
  const line = p[4 * i] ?? 0;
  if (line === 0) return undefined;
  return {
    line,
    startColumn: p[4 * i + 1] ?? 0,
    endLine: p[4 * i + 2] ?? line,
    endColumn: p[4 * i + 3] ?? 0,
  };
}
