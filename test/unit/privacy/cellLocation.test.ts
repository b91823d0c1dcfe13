import { strict as assert } from 'node:assert';
import { locateInCell } from '../../../src/core/privacy/cellLocation';
import { readTable } from '../../../src/core/data/readTable';
import { cellRange, type DataRow } from '../../../src/core/data/table';

async function rowsOf(text: string, format: 'csv' | 'json' | 'jsonl'): Promise<DataRow[]> {
  const rows: DataRow[] = [];
  await readTable(
    [Buffer.from(text)],
    {
      header: () => undefined,
      row: (r) => rows.push({ ...r, values: r.values.slice(), positions: r.positions.slice() }),
      problem: () => undefined,
    },
    { format },
  );
  return rows;
}

/** 1-based line/column of `needle` in `text`, found by searching the source. */
function sourceRange(text: string, needle: string) {
  const at = text.indexOf(needle);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - (before.lastIndexOf('\n') + 1) + 1;
  return { line, startColumn: col, endColumn: col + needle.length };
}

describe('locateInCell', () => {
  it('plain, quoted, doubled-quote and multi-line CSV cells, as the reader gives them', async () => {
    const text = 'a,b\n1,x 536-22-1234 y\n2,"q ""z"" 536-22-1234"\n3,"line one\nand 536-22-1234"\n';
    const rows = await rowsOf(text, 'csv');
    const needle = '536-22-1234';
    const lines = text.split('\n');
    const expected = [2, 3, 5].map((line) => {
      const at = lines[line - 1]!.indexOf(needle);
      return { line, startColumn: at + 1, endColumn: at + 1 + needle.length };
    });
    rows.forEach((row, r) => {
      const value = row.values[1]!;
      const start = value.indexOf(needle);
      assert.deepEqual(
        locateInCell(cellRange(row, 1)!, value, start, start + needle.length, 'csv'),
        expected[r],
        `row ${r + 1}`,
      );
    });
  });

  it('CRLF line breaks inside a quoted cell and values the reader trimmed', async () => {
    for (const [text, line, column] of [
      ['a,b\r\n1,"line one\r\nand 536-22-1234"\r\n', 3, 5],
      ['a,b\n1,  x 536-22-1234  \n', 2, 7],
    ] as const) {
      const [row] = await rowsOf(text, 'csv');
      const value = row!.values[1]!;
      const start = value.indexOf('536');
      assert.deepEqual(locateInCell(cellRange(row!, 1)!, value, start, start + 11, 'csv'), {
        line,
        startColumn: column,
        endColumn: column + 11,
      });
    }
  });

  it('JSON strings with escapes before the match', async () => {
    const text = '[{"n": "tab\\there \\"q\\" \\u00e9 mail a@example.com"}]';
    const [row] = await rowsOf(text, 'json');
    const value = row!.values[0]!;
    const start = value.indexOf('a@example.com');
    const got = locateInCell(cellRange(row!, 0)!, value, start, start + 13, 'json');
    // `\u00e9` is six source characters for one value character: the reconstruction cannot know that the file
    // did not write `é` directly, so it must fall back to the whole cell rather than point at the wrong place.
    assert.deepEqual(got, cellRange(row!, 0));

    const simple = '{"n": "tab\\there \\"q\\" mail a@example.com"}\n';
    const [r2] = await rowsOf(simple, 'jsonl');
    const v2 = r2!.values[0]!;
    const s2 = v2.indexOf('a@example.com');
    assert.deepEqual(
      locateInCell(cellRange(r2!, 0)!, v2, s2, s2 + 13, 'jsonl'),
      sourceRange(simple, 'a@example.com'),
    );
  });

  it('falls back to the whole cell when the range does not fit the value', () => {
    const cell = { line: 3, startColumn: 5, endColumn: 9 };
    assert.deepEqual(locateInCell(cell, 'something longer', 2, 6, 'csv'), cell);
  });
});
