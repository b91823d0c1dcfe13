/**
 * Maps offsets inside a cell's value back to source positions, so that a cell-level finding underlines the
 * match itself and not the whole cell.
 *
 * The reader gives each cell's source range, the value is what the cell means after unquoting: for CSV a quoted
 * cell `"a ""b"""` is three characters longer than `a "b"` plus its quotes, and a quoted cell may span lines;
 * for JSON a string token holds escapes (`\n`, `\"`, `\u00e9`). We do not have the source text here, so we
 * reconstruct it from the value under each possible writing and keep the one whose length fits the range;
 * when none fits (an escape we cannot predict, spaces around a quoted cell), the whole cell is the location.
 */
import type { SourceRange } from '../findings';
import type { DataFormat } from '../data/table';

interface Layout {
  /** Source text of the value as it stands in the file (without the surrounding quotes). */
  source: (valueOffset: number) => number;
  /** Characters before the value's first character in the range (an opening quote). */
  lead: number;
  /** Length of the whole cell's source text. */
  total: number;
}

// Both counts jump from one character to the next by `indexOf`: a finding at the end of a document of 0.5 MB
// was located by reading the document a character at a time, twice.
function csvQuotedSourceOffset(value: string, offset: number): number {
  let extra = 0;
  for (let i = value.indexOf('"'); i !== -1 && i < offset; i = value.indexOf('"', i + 1)) extra++;
  return offset + extra;
}

function jsonSourceOffset(value: string, offset: number): number {
  return JSON.stringify(value.slice(0, offset)).length - 2;
}

function layouts(value: string, format: DataFormat): Layout[] {
  if (format === 'json' || format === 'jsonl') {
    const escaped = JSON.stringify(value).length - 2;
    return [
      { source: (o) => jsonSourceOffset(value, o), lead: 1, total: escaped + 2 },
      { source: (o) => jsonSourceOffset(value, o), lead: 0, total: escaped },
      { source: (o) => o, lead: 0, total: value.length },
    ];
  }
  const quotes = value.split('"').length - 1;
  const leadingSpaces = value.length - value.trimStart().length;
  return [
    { source: (o) => o, lead: 0, total: value.length },
    // An unquoted value whose range the reader trimmed of surrounding spaces.
    { source: (o) => o - leadingSpaces, lead: 0, total: value.trim().length },
    { source: (o) => csvQuotedSourceOffset(value, o), lead: 1, total: value.length + quotes + 2 },
    { source: (o) => csvQuotedSourceOffset(value, o), lead: 0, total: value.length + quotes },
  ];
}

/** Line and column (1-based) of source offset `at` of a cell that starts at (line, column), given its value. */
function advance(
  value: string,
  layout: Layout,
  range: SourceRange,
  offset: number,
): { line: number; column: number } {
  // Line breaks only occur unescaped in CSV cells; JSON escapes them, so its cells stay on one line.
  let line = range.line;
  let lineStartOffset = -1;
  for (let i = value.indexOf('\n'); i !== -1 && i < offset; i = value.indexOf('\n', i + 1)) {
    line++;
    lineStartOffset = i;
  }
  if (line === range.line) return { line, column: range.startColumn + layout.lead + layout.source(offset) };
  const sinceBreak = layout.source(offset) - layout.source(lineStartOffset + 1);
  return { line, column: 1 + sinceBreak };
}

/**
 * The source range of value[start, end) inside a cell whose whole range is `cell`. Falls back to `cell` when
 * the value's writing in the file cannot be reconstructed with certainty.
 */
export function locateInCell(
  cell: SourceRange,
  value: string,
  start: number,
  end: number,
  format: DataFormat,
): SourceRange {
  const endLine = cell.endLine ?? cell.line;
  const multiLine = value.includes('\n');
  for (const layout of layouts(value, format)) {
    if (multiLine) {
      if (format === 'json' || format === 'jsonl') continue;
      const lines = value.split('\n');
      if (endLine !== cell.line + lines.length - 1) continue;
      const last = lines[lines.length - 1]!;
      const lastQuotes = last.split('"').length - 1;
      // Columns of the last line: its characters, its doubled quotes, and the closing quote when quoted.
      const expectedEnd = 1 + last.length + (layout.total > value.length ? lastQuotes : 0) + layout.lead;
      if (expectedEnd !== cell.endColumn) continue;
    } else {
      if (endLine !== cell.line || cell.endColumn - cell.startColumn !== layout.total) continue;
    }
    const a = advance(value, layout, cell, start);
    const b = advance(value, layout, cell, end);
    return a.line === b.line
      ? { line: a.line, startColumn: a.column, endColumn: b.column }
      : { line: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
  }
  return cell;
}
