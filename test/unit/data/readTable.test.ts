import * as assert from 'node:assert/strict';
import { SPARE_FIELDS } from '../../../src/core/data/csvParser';
import { readTable } from '../../../src/core/data/readTable';
import { bytesOf, cellAt, editorLines, grid, readAll, sourceAt, splitAt } from './readHelpers';

/** Offsets that cut a text of `length` bytes into pieces of `size`. */
function cutsEvery(length: number, size: number): number[] {
  const cuts: number[] = [];
  for (let at = size; at < length; at += size) cuts.push(at);
  return cuts;
}

describe('readTable: CSV', () => {
  it('reads RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', async () => {
    const r = await readAll('id,text,n\n1,"a, b",2\n2,"say ""hi""",3\n3,"two\r\nlines",4\n', {
      fileName: 'x.csv',
    });
    assert.deepEqual(grid(r), [
      ['id', 'text', 'n'],
      ['1', 'a, b', '2'],
      ['2', 'say "hi"', '3'],
      ['3', 'two\r\nlines', '4'],
    ]);
    // Quoted cells are placed on the text between the quotes; the multi-line one ends on the next line.
    assert.deepEqual(cellAt(r.rows[0]!, 1), { line: 2, startColumn: 4, endLine: 2, endColumn: 8 });
    assert.deepEqual(cellAt(r.rows[2]!, 1), { line: 4, startColumn: 4, endLine: 5, endColumn: 6 });
    assert.deepEqual(cellAt(r.rows[2]!, 2), { line: 5, startColumn: 8, endLine: 5, endColumn: 9 });
    assert.equal(r.problems.length, 0);
    assert.equal(r.summary.rows, 3);
    assert.equal(r.summary.delimiter, ',');
  });

  it('reads LF, CRLF and CR line endings alike, with the same line numbers', async () => {
    for (const nl of ['\n', '\r\n', '\r']) {
      const r = await readAll(['name,age', 'ann,31', 'bob,42', ''].join(nl));
      assert.deepEqual(
        grid(r),
        [
          ['name', 'age'],
          ['ann', '31'],
          ['bob', '42'],
        ],
        JSON.stringify(nl),
      );
      assert.deepEqual(cellAt(r.rows[1]!, 1), { line: 3, startColumn: 5, endLine: 3, endColumn: 7 });
    }
  });

  it('drops a UTF-8 byte order mark and counts columns after it', async () => {
    const r = await readAll(new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf('a,b\n1,2\n')]));
    assert.deepEqual(grid(r), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    assert.deepEqual(r.header?.columns[0]?.location, { line: 1, startColumn: 1, endColumn: 2 });
    assert.equal(r.summary.encoding, 'utf-8');
    assert.equal(r.problems.length, 0);
  });

  for (const [delimiter, name] of [
    [',', 'comma'],
    [';', 'semicolon'],
    ['\t', 'tab'],
    ['|', 'pipe'],
  ] as const) {
    it(`sniffs the ${name} delimiter, ignoring other candidates inside quotes and text`, async () => {
      const others = [',', ';', '|'].filter((d) => d !== delimiter).join('');
      const rows = [
        ['city', 'note', 'count'],
        ['Paris', `"x${others}y"`, '1'],
        ['Lyon', `a${others[0]}b`, '2'],
        ['Nice', 'plain', '3'],
      ];
      const r = await readAll(rows.map((x) => x.join(delimiter)).join('\n'));
      assert.equal(r.summary.delimiter, delimiter);
      assert.equal(r.summary.format, delimiter === '\t' ? 'tsv' : 'csv');
      assert.deepEqual(
        r.header?.columns.map((c) => c.name),
        ['city', 'note', 'count'],
      );
      assert.deepEqual(r.rows[0]?.values, ['Paris', `x${others}y`, '1']);
    });
  }

  it('uses tab for a .tsv file and the given delimiter when one is given', async () => {
    const tsv = await readAll('a\tb,c\n1\t2,3\n', { fileName: 'data.tsv' });
    assert.deepEqual(grid(tsv), [
      ['a', 'b,c'],
      ['1', '2,3'],
    ]);
    const given = await readAll('a;b,c\n1;2,3\n', { delimiter: ',' });
    assert.deepEqual(grid(given), [
      ['a;b', 'c'],
      ['1;2', '3'],
    ]);
  });

  it('detects a headerless file and names its columns column_1...', async () => {
    const r = await readAll('1,2.5,x\n3,4.5,y\n5,6.5,z\n');
    assert.equal(r.summary.hasHeader, false);
    assert.equal(r.header?.hasHeader, false);
    // With no header cell, each column stands on its first value (where the editor shows its findings).
    assert.deepEqual(r.header?.columns, [
      { name: 'column_1', location: { line: 1, startColumn: 1, endColumn: 2 } },
      { name: 'column_2', location: { line: 1, startColumn: 3, endColumn: 6 } },
      { name: 'column_3', location: { line: 1, startColumn: 7, endColumn: 8 } },
    ]);
    assert.equal(r.rows.length, 3);
    assert.deepEqual(cellAt(r.rows[0]!, 0), { line: 1, startColumn: 1, endLine: 1, endColumn: 2 });
  });

  it('detects a headerless text file by repeated values and fixed lengths', async () => {
    const r = await readAll('AB,red\nCD,blue\nEF,red\n');
    assert.equal(r.summary.hasHeader, false);
    const h = await readAll('code,colour\nAB,red\nCD,blue\n');
    assert.equal(h.summary.hasHeader, true);
    // A name as long as its column's values votes against, a name over numbers for: a tie, read as a header.
    const tie = await readAll('id,city\n1,Oslo\n2,\n3,Rome\n');
    assert.equal(tie.summary.hasHeader, true);
    // Names that are numbers over numbers, and a value of the fixed length: data.
    const data = await readAll('5,Oslo\n6,Rome\n7,Pisa\n');
    assert.equal(data.summary.hasHeader, false);
  });

  it("takes the delimiter from Excel's first line sep=X, and starts the table on line 2", async () => {
    for (const [text, delimiter, start] of [
      ['sep=;\nname;amount\n"Hans, M";1,50\n', ';', 11],
      ['SEP=|\r\nname|amount\r\n"Hans, M"|1,50\r\n', '|', 11],
      ['sep=,\nname,amount\n"Hans, M","1,50"\n', ',', 12],
    ] as const) {
      const r = await readAll(text);
      assert.equal(r.summary.delimiter, delimiter, text);
      assert.equal(r.header?.separatorLine, true);
      assert.deepEqual(grid(r), [
        ['name', 'amount'],
        ['Hans, M', '1,50'],
      ]);
      assert.deepEqual(r.header?.columns[0]?.location, { line: 2, startColumn: 1, endColumn: 5 });
      assert.deepEqual(cellAt(r.rows[0]!, 1), {
        line: 3,
        startColumn: start,
        endLine: 3,
        endColumn: start + 4,
      });
    }
    // Without the line, or with it further down, nothing changes.
    const plain = await readAll('name;amount\nHans;1,50\nsep=;\n');
    assert.equal(plain.header?.separatorLine, undefined);
    assert.equal(plain.header?.columns[0]?.location?.line, 1);
  });

  it('follows hasHeader when it is given', async () => {
    const r = await readAll('a,b\nc,d\n', { hasHeader: false });
    assert.deepEqual(grid(r), [
      ['column_1', 'column_2'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const h = await readAll('1,2\n3,4\n', { hasHeader: true });
    assert.deepEqual(grid(h), [
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('trims spaces around values and places the trimmed value', async () => {
    const r = await readAll('name , city\n  ann  ,  "  Paris "  \n');
    assert.deepEqual(grid(r), [
      ['name', 'city'],
      ['ann', '  Paris '],
    ]);
    assert.deepEqual(r.header?.columns[0]?.location, { line: 1, startColumn: 1, endColumn: 5 });
    assert.deepEqual(cellAt(r.rows[0]!, 0), { line: 2, startColumn: 3, endLine: 2, endColumn: 6 });
    assert.deepEqual(cellAt(r.rows[0]!, 1), { line: 2, startColumn: 12, endLine: 2, endColumn: 20 });
  });

  it('skips blank lines without counting them as rows', async () => {
    const r = await readAll('a,b\n\n1,2\n\n\n3,4\n\n');
    assert.deepEqual(grid(r), [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    assert.deepEqual(
      r.rows.map((x) => x.index),
      [1, 2],
    );
    assert.equal(cellAt(r.rows[1]!, 0)?.line, 6);
  });

  it('reads a last record without a line break and empty fields', async () => {
    const r = await readAll('a,b,c\n,,\n1,,3');
    assert.deepEqual(grid(r), [
      ['a', 'b', 'c'],
      ['', '', ''],
      ['1', '', '3'],
    ]);
    assert.deepEqual(cellAt(r.rows[0]!, 1), { line: 2, startColumn: 2, endLine: 2, endColumn: 2 });
  });
});

describe('readTable: JSON and JSON Lines', () => {
  it('reads an array of objects: union of keys, nested values as JSON text, null as missing', async () => {
    const text =
      '[\n  {"name": "ann", "age": 31, "ok": true},\n  {"name": null, "tags": ["a", {"b": 1}], "age": 4.5e1}\n]\n';
    const r = await readAll(text, { fileName: 'people.json' });
    assert.equal(r.summary.format, 'json');
    assert.deepEqual(grid(r), [
      ['name', 'age', 'ok', 'tags'],
      ['ann', '31', 'true', undefined],
      [undefined, '4.5e1', undefined, '["a", {"b": 1}]'],
    ]);
    const lines = editorLines(text);
    assert.deepEqual(r.header?.columns[3]?.location, { line: 3, startColumn: 19, endColumn: 23 });
    assert.equal(sourceAt(lines, r.header!.columns[3]!.location!), 'tags');
    assert.equal(sourceAt(lines, cellAt(r.rows[0]!, 0)!), 'ann');
    assert.equal(sourceAt(lines, cellAt(r.rows[0]!, 1)!), '31');
    assert.equal(sourceAt(lines, cellAt(r.rows[1]!, 3)!), '["a", {"b": 1}]');
    assert.equal(cellAt(r.rows[1]!, 0), undefined);
    assert.equal(r.problems.length, 0);
  });

  it('places multi-line nested values and string escapes', async () => {
    const text = '[{"a": "x\\"y", "b": {\n "c": 1\n}}]';
    const r = await readAll(text);
    assert.deepEqual(r.rows[0]?.values, ['x"y', '{\n "c": 1\n}']);
    assert.deepEqual(cellAt(r.rows[0]!, 0), { line: 1, startColumn: 9, endLine: 1, endColumn: 13 });
    assert.deepEqual(cellAt(r.rows[0]!, 1), { line: 1, startColumn: 21, endLine: 3, endColumn: 2 });
  });

  it('reads JSON Lines, reports a bad line at its position and reads the rest', async () => {
    const text = '{"a": 1, "b": "x"}\n{"a": 2, "b": tru}\n\n[1, 2]\n{"b": "z", "c": false}\r\n';
    const r = await readAll(text, { fileName: 'rows.jsonl' });
    assert.equal(r.summary.format, 'jsonl');
    assert.deepEqual(grid(r), [
      ['a', 'b', 'c'],
      ['1', 'x', undefined],
      [undefined, 'z', 'false'],
    ]);
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.severity, p.location?.line, p.location?.startColumn]),
      [
        ['data/invalid-json', 'error', 2, 15],
        ['data/invalid-json', 'error', 4, 1],
      ],
    );
    assert.match(r.problems[0]!.message, /line 2, column 15/);
    assert.deepEqual(cellAt(r.rows[1]!, 1), { line: 5, startColumn: 8, endLine: 5, endColumn: 9 });
  });

  it('recognises JSON and JSON Lines by content when the name does not tell', async () => {
    assert.equal((await readAll(' [{"a":1}]')).summary.format, 'json');
    assert.equal((await readAll('{"a":1}\n{"a":2}\n')).summary.format, 'jsonl');
    assert.equal((await readAll('{\n"a": 1\n}')).summary.format, 'json');
  });

  it('reads the records of a JSON object from its first array of objects ({"data": [...]})', async () => {
    const records = [
      { id: 1, name: 'Ann', note: 'a "quoted" [text] {x}' },
      { id: 2, name: 'Bob', note: null },
    ];
    const body = JSON.stringify(records, null, 2);
    const plain = await readAll(body, { fileName: 'x.json' });
    // pandas' to_json(orient="table"): a schema object first, then the records, then a version.
    const schema = '{"fields": [{"name": "id", "type": "integer"}], "primaryKey": ["id"]}';
    const head = `{\n "schema": ${schema},\n "columns": ["id", "name"],\n "data": `;
    const text = `${head}${body.replace(/\n/g, '\n ')},\n "pandas_version": "1.4.0"\n}\n`;
    for (const size of [1, 7, text.length]) {
      const r = await readAll(splitAt(bytesOf(text), cutsEvery(text.length, size)), { fileName: 'x.json' });
      assert.deepEqual(grid(r), grid(plain), `pieces of ${size}`);
      assert.deepEqual(
        r.problems.map((p) => [p.rule, p.severity, p.message, p.location?.line, p.location?.startColumn]),
        [
          [
            'data/json-object',
            'info',
            'The JSON file is an object: its records were read from the array under "data" (line 4); its other keys ("schema", "columns", "pandas_version") were not read.',
            1,
            1,
          ],
        ],
        `pieces of ${size}`,
      );
      // Positions are the file's: the second record's name on its line, between its quotes.
      assert.equal(sourceAt(editorLines(text), cellAt(r.rows[1]!, 1)!), 'Bob');
      assert.equal(sourceAt(editorLines(text), cellAt(r.rows[0]!, 2)!), 'a \\"quoted\\" [text] {x}');
    }
    // A key with escapes, an empty array of records, records on one line, nested values passed over.
    const escaped = await readAll('{"d\\"a": {"x": [1, {"y": "}"}]}, "r\\u00e9s": [{"a": 1}, {"a": 2}]}', {
      fileName: 'x.json',
    });
    assert.deepEqual(grid(escaped), [['a'], ['1'], ['2']]);
    assert.match(escaped.problems[0]!.message, /under "rés" \(line 1\); its other keys \("d\\"a"\)/);
    const empty = await readAll('{"data": [], "more": [{"a": 1}]}', { fileName: 'x.json' });
    assert.deepEqual(grid(empty), [[]]);
    assert.match(empty.problems[0]!.message, /under "data" \(line 1\); its other keys \("more"\)/);
  });

  it('reads JSON Lines under a .json name as JSON Lines, and one object on one line as a JSON object', async () => {
    const lines = await readAll('{"a": 1, "b": "x"}\n\n{"a": 2}\n', { fileName: 'data.json' });
    assert.equal(lines.summary.format, 'jsonl');
    assert.deepEqual(grid(lines), [
      ['a', 'b'],
      ['1', 'x'],
      ['2', undefined],
    ]);
    assert.deepEqual(lines.problems, []);
    // Named JSON by the caller (the editor, from the file's name): the same.
    const named = await readAll('{"a": 1}\r\n{"a": 2}', { fileName: 'data.json', format: 'json' });
    assert.equal(named.summary.format, 'jsonl');
    assert.equal(named.rows.length, 2);
    const one = await readAll('{"data": [{"a": 1}, {"a": 2}]}\n', { fileName: 'data.json' });
    assert.equal(one.summary.format, 'json');
    assert.deepEqual(grid(one), [['a'], ['1'], ['2']]);
  });

  it('says what is wrong with a JSON object that holds no records, or is broken', async () => {
    const cases: [string, RegExp][] = [
      // pandas' orient="split" (rows as arrays) and orient="columns" (its default for a DataFrame).
      ['{"columns": ["a"], "index": [0], "data": [[1]]}', /with no array of objects among its values/],
      ['{"a": {"0": 1, "1": 2}}', /with no array of objects among its values/],
      [
        '{"data": [{"a": 1}]',
        /The JSON object is not closed: the file ends at line 1 before its closing brace/,
      ],
      ['{"data": [{"a": 1}]} x', /text after the end of the object was ignored/],
      ['{"data" [{"a": 1}]}', /a colon was expected after the key/],
      ['{"data": [{"a": 1}] "b": 2}', /a comma or closing brace was expected/],
      ['{data: []}', /a key was expected in the object/],
    ];
    for (const [text, message] of cases) {
      const r = await readAll(text, { fileName: 'x.json' });
      const errors = r.problems.filter((p) => p.severity === 'error');
      assert.equal(errors.length, 1, text);
      assert.match(errors[0]!.message, message, text);
    }
  });

  it('reports JSON that is not an array of objects', async () => {
    const obj = await readAll('{\n "a": 1\n}', { fileName: 'x.json' });
    assert.equal(obj.problems[0]?.rule, 'data/invalid-json');
    assert.match(
      obj.problems[0]!.message,
      /object at line 1, column 1, with no array of objects among its values/,
    );
    assert.match(obj.problems[0]!.message, /to_json\(orient="records"\)/);
    assert.equal(obj.rows.length, 0);
    assert.equal(obj.headerCalls, 1);
    const mixed = await readAll('[{"a": 1}, 2, "s", {"a": 3}', { fileName: 'x.json' });
    assert.deepEqual(grid(mixed), [['a'], ['1'], ['3']]);
    assert.deepEqual(
      mixed.problems.map((p) => p.message),
      [
        'Array element 2 at line 1, column 12 is a number, not an object; it was skipped.',
        'Array element 3 at line 1, column 15 is a string, not an object; it was skipped.',
        'The JSON array is not closed: the file ends at line 1 before its closing bracket.',
      ],
    );
    const broken = await readAll('[{"a": 1},\n {"a": 2 "b": 3}, {"a": 4}]', { fileName: 'x.json' });
    assert.deepEqual(grid(broken), [['a'], ['1'], ['4']]);
    assert.deepEqual(
      broken.problems.map((p) => [p.location?.line, p.location?.startColumn]),
      [[2, 10]],
    );
    const trailing = await readAll('[{"a": 1},]', { fileName: 'x.json' });
    assert.match(trailing.problems[0]!.message, /comma before the closing bracket/);
  });
});

describe('readTable: malformed input', () => {
  it('reports ragged rows on the row: short as a warning, long as an error', async () => {
    const r = await readAll('a,b,c\n1,2\n3,4,5,6\n7,8,9\n');
    assert.deepEqual(grid(r), [
      ['a', 'b', 'c'],
      ['1', '2', undefined],
      ['3', '4', '5'],
      ['7', '8', '9'],
    ]);
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.severity, p.row, p.location]),
      [
        ['data/ragged-row', 'warning', 1, { line: 2, startColumn: 1, endColumn: 4 }],
        ['data/ragged-row', 'error', 2, { line: 3, startColumn: 1, endColumn: 8 }],
      ],
    );
    assert.equal(
      r.problems[0]!.message,
      'Row 1 (line 2) has 2 fields where the header has 3; the missing cells were read as missing.',
    );
    assert.equal(cellAt(r.rows[0]!, 2), undefined);
  });

  it('reports an unclosed quote at the quote and reads on from the next line', async () => {
    const r = await readAll('a,b\n1,"oops\n2,3\n');
    assert.deepEqual(grid(r), [
      ['a', 'b'],
      ['1', 'oops'],
      ['2', '3'],
    ]);
    const p = r.problems.find((x) => x.rule === 'data/unclosed-quote');
    assert.deepEqual(p?.location, { line: 2, startColumn: 3, endColumn: 4 });
    assert.equal(p?.severity, 'error');
    assert.match(p!.message, /line 2, column 3 is never closed/);
    // The lines read again after it are searched afresh: a blank line, then a quoted empty field (fast-check's
    // counterexample; the search for the closing quote had moved the line end found past them).
    const again = await readAll('"\n\n""');
    assert.deepEqual(
      again.rows.map((row) => [row.values, cellAt(row, 0)]),
      [
        [[''], { line: 1, startColumn: 2, endLine: 1, endColumn: 2 }],
        [[''], { line: 3, startColumn: 2, endLine: 3, endColumn: 2 }],
      ],
    );
  });

  it('reports text after a closing quote and keeps it', async () => {
    const r = await readAll('a,b\n"x"y,2\n');
    assert.deepEqual(r.rows[0]?.values, ['xy', '2']);
    assert.equal(r.problems[0]?.rule, 'data/stray-quote');
    assert.deepEqual(cellAt(r.rows[0]!, 0), { line: 2, startColumn: 2, endLine: 2, endColumn: 5 });
  });

  it('reports each invalid UTF-8 byte at its line and column and reads on', async () => {
    // 0x81 is no character in Windows-1252 either (else the file would be read as that: see below).
    const bytes = new Uint8Array([
      ...bytesOf('name,city\nann,Par'),
      0x81,
      ...bytesOf('is\r\nbob,'),
      0xc3,
      0x28,
      ...bytesOf('x\n'),
    ]);
    const r = await readAll(bytes);
    assert.deepEqual(grid(r), [
      ['name', 'city'],
      ['ann', 'Par\ufffdis'],
      ['bob', '\ufffd(x'],
    ]);
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.severity, p.location]),
      [
        ['data/invalid-encoding', 'error', { line: 2, startColumn: 8, endColumn: 9 }],
        ['data/invalid-encoding', 'error', { line: 3, startColumn: 5, endColumn: 6 }],
      ],
    );
    assert.match(r.problems[0]!.message, /Byte 0x81 at line 2, column 8/);
    // A literal U+FFFD in the data is not an encoding problem.
    const literal = await readAll('a\n\ufffd\n');
    assert.equal(literal.problems.length, 0);
  });

  it('reports invalid UTF-8 in JSON and JSON Lines at its position', async () => {
    const json = await readAll(new Uint8Array([...bytesOf('[\n {"a": "x'), 0xfe, ...bytesOf('"}]')]));
    assert.deepEqual(
      json.problems.map((p) => p.location),
      [{ line: 2, startColumn: 10, endColumn: 11 }],
    );
    const jsonl = await readAll(new Uint8Array([...bytesOf('{"a": 1}\n{"a": "'), 0x80, ...bytesOf('"}\n')]));
    assert.deepEqual(
      jsonl.problems.map((p) => p.location),
      [{ line: 2, startColumn: 8, endColumn: 9 }],
    );
  });

  for (const [name, encode, expected] of [
    ['UTF-16 LE with BOM', (s: string) => [0xff, 0xfe, ...le(s)], 'utf-16le'],
    ['UTF-16 BE with BOM', (s: string) => [0xfe, 0xff, ...be(s)], 'utf-16be'],
    ['UTF-16 LE without BOM', (s: string) => le(s), 'utf-16le'],
    ['UTF-16 BE without BOM', (s: string) => be(s), 'utf-16be'],
  ] as const) {
    it(`decodes ${name}, says so, and reads on`, async () => {
      const text = 'name,city\nZoë,Köln\nann,"a\nb"\n';
      const r = await readAll(new Uint8Array(encode(text)));
      assert.equal(r.summary.encoding, expected);
      assert.deepEqual(grid(r), [
        ['name', 'city'],
        ['Zoë', 'Köln'],
        ['ann', 'a\nb'],
      ]);
      assert.deepEqual(
        r.problems.map((p) => [p.rule, p.severity, p.location?.line]),
        [['data/utf16', 'warning', 1]],
      );
      assert.deepEqual(cellAt(r.rows[0]!, 1), { line: 2, startColumn: 5, endLine: 2, endColumn: 9 });
    });
  }

  it('reports an empty file and a file of white space, and still gives a header', async () => {
    for (const [input, message] of [
      ['', 'The file is empty.'],
      [' \n\n  \r\n', 'The file holds no data, only white space.'],
    ] as const) {
      for (const fileName of ['e.csv', 'e.json', 'e.jsonl', undefined]) {
        const r = await readAll(input, fileName ? { fileName } : {});
        assert.deepEqual(
          r.problems.map((p) => [p.rule, p.message, p.location]),
          [['data/empty-file', message, { line: 1, startColumn: 1, endColumn: 1 }]],
          `${fileName} ${JSON.stringify(input)}`,
        );
        assert.equal(r.headerCalls, 1);
        assert.equal(r.rows.length, 0);
        if (fileName) assert.equal(r.problems[0]?.file, fileName);
      }
    }
  });

  it('reports empty and duplicate header names', async () => {
    const r = await readAll('id,,name,id\n1,2,3,4\n');
    assert.deepEqual(
      r.header?.columns.map((c) => c.name),
      ['id', 'column_2', 'name', 'id'],
    );
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.severity, p.columnIndex, p.location?.startColumn]),
      [
        ['data/header', 'warning', 1, 4],
        ['data/header', 'warning', 3, 10],
      ],
    );
    assert.deepEqual(r.problems[1]?.related?.[0]?.location, { line: 1, startColumn: 1, endColumn: 3 });
  });

  it('caps problem findings and summarises the rest', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 30; i++) lines.push('1');
    const r = await readAll(lines.join('\n'), { maxProblems: 5 });
    assert.equal(r.problems.length, 6);
    assert.equal(r.summary.problems, 30);
    assert.equal(r.problems[5]?.rule, 'data/too-many-problems');
    assert.match(
      r.problems[5]!.message,
      /^25 more reading problems were not reported after the first 5 \(25 data\/ragged-row\)\.$/,
    );
  });
});

describe('readTable: Windows-1252', () => {
  /** `text` as Windows-1252 bytes (every character here is one byte there). */
  const cp1252 = (text: string): Uint8Array =>
    Uint8Array.from([...text].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0))));

  it('reads a file that is Windows-1252 after ASCII as that, whatever the chunks, with one warning', async () => {
    const bytes = cp1252('name;city;note\nMüller;Köln;Straße 5\nAné;São Paulo;ação 9 €\n');
    for (const size of [1, 2, 5, 64, bytes.length]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
      const r = await readAll(pieces);
      assert.equal(r.summary.encoding, 'windows-1252');
      assert.deepEqual(grid(r), [
        ['name', 'city', 'note'],
        ['Müller', 'Köln', 'Straße 5'],
        ['Ané', 'São Paulo', 'ação 9 €'],
      ]);
      assert.deepEqual(
        r.problems.map((p) => [p.rule, p.severity, p.location]),
        [['data/windows-1252', 'warning', { line: 2, startColumn: 2, endColumn: 3 }]],
        `pieces of ${size}`,
      );
      assert.match(
        r.problems[0]!.message,
        /^The file is not UTF-8 but Windows-1252 \(Latin-1\): byte 0xFC at line 2, column 2 is 'ü'/,
      );
      // Positions count one character a byte, as an editor shows the file.
      assert.deepEqual(cellAt(r.rows[1]!, 2), { line: 3, startColumn: 15, endLine: 3, endColumn: 23 });
    }
  });

  it('decides on the 64 KB from the first such byte, not on where the chunks end', async () => {
    // ASCII, then a letter past ASCII, then 70 KB in which a run of two-byte characters begins after 40 KB.
    const head = 'id,note\n' + '1,plain\n'.repeat(100) + '2,caf\xe9\n';
    const body = '3,text\n'.repeat(5000) + '4,' + '\xb0\xa1'.repeat(12000) + '\n';
    const bytes = Uint8Array.from([...(head + body)].map((c) => c.charCodeAt(0)));
    const seen = new Set<string>();
    for (const size of [97, 4096, 65536, bytes.length]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
      const r = await readAll(pieces);
      seen.add(`${r.summary.encoding} ${r.problems.length} ${r.problems[0]?.rule}`);
    }
    // The window holds the é and 40 KB of ASCII, then runs of high bytes: more than half are paired.
    assert.deepEqual([...seen], ['utf-8 1001 data/invalid-encoding']);
  });

  it('keeps UTF-8 once a letter past ASCII was UTF-8, and keeps runs of high bytes invalid', async () => {
    const utf8 = await readAll(new Uint8Array([...bytesOf('name\nJosé\nPar'), 0xe9, ...bytesOf('is\n')]));
    assert.equal(utf8.summary.encoding, 'utf-8');
    assert.deepEqual(
      utf8.problems.map((p) => p.rule),
      ['data/invalid-encoding'],
    );
    // GBK: two bytes a character, both past ASCII.
    const gbk = await readAll(new Uint8Array([...bytesOf('name\n'), 0xd5, 0xc5, 0xc8, 0xfd, 0x0a]));
    assert.equal(gbk.summary.encoding, 'utf-8');
    assert.ok(gbk.problems.every((p) => p.rule === 'data/invalid-encoding'));
  });
});

describe('readTable: chunk boundaries', () => {
  const inputs: [string, Uint8Array][] = [
    ['csv', bytesOf('id,"na,me",x\r\n1,"a ""q"" b\r\nc",  z  \r2,Zoë 😀,\n3,"u",v\n')],
    [
      'bom+invalid',
      new Uint8Array([
        0xef,
        0xbb,
        0xbf,
        ...bytesOf('a;b\n1;'),
        0xe2,
        0x82,
        ...bytesOf(';x\n2;"'),
        0xff,
        ...bytesOf('"\n'),
      ]),
    ],
    ['json', bytesOf('[{"a": "é😀", "b": {"c": [1, 2]}},\r\n {"a": null, "d": 1.5}, 3, {"a": "x\\"y"}]')],
    ['jsonl', bytesOf('{"a": 1}\r\n{"a": "😀"}\n{bad}\n{"b": [1]}')],
    ['utf16', new Uint8Array([0xff, 0xfe, ...le('a,b\n1,"x\ny"\n😀,2\n')])],
  ];
  for (const [name, bytes] of inputs) {
    it(`gives the same output for ${name} split at every byte offset`, async () => {
      const whole = JSON.stringify(await readAll([bytes]));
      for (let cut = 1; cut < bytes.length; cut++) {
        assert.equal(JSON.stringify(await readAll(splitAt(bytes, [cut]))), whole, `cut at ${cut}`);
      }
      const ones = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      assert.equal(JSON.stringify(await readAll(splitAt(bytes, ones))), whole, 'one byte at a time');
    });
  }
});

function le(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff, s.charCodeAt(i) >> 8);
  return out;
}

function be(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) >> 8, s.charCodeAt(i) & 0xff);
  return out;
}

describe('readTable: transient rows', () => {
  /** Rows of varied width (ragged both ways), quoted line breaks and very wide cells, to wrap the block often. */
  function messy(rows: number): string {
    const lines = ['id,name,"note",n,flag'];
    for (let i = 0; i < rows; i++) {
      const width = i % 97 === 0 ? 3 : i % 89 === 0 ? 9 : 5;
      const cells = Array.from({ length: width }, (_, j) =>
        j === 2 && i % 7 === 0
          ? `"line ${i}\nnext, ""quoted"""`
          : j === 1 && i % 500 === 0
            ? 'w'.repeat(70_000)
            : `v${i}_${j}`,
      );
      lines.push(cells.join(','));
    }
    return lines.join('\n') + '\n';
  }
  it('gives every row the positions of a reader that keeps its blocks, whatever the chunking', async () => {
    const bytes = bytesOf(messy(5_000));
    const kept = await readAll([bytes], { fileName: 'x.csv' });
    const pieces = splitAt(bytes, [1_000, 4_097, 65_536, 200_003, 200_004]);
    for (const chunks of [[bytes], pieces]) {
      const reused = await readAll(chunks, { fileName: 'x.csv', transientRows: true });
      assert.deepEqual(reused, kept);
    }
    assert.equal(kept.rows.length, 5_000);
    assert.ok(kept.problems.some((p) => p.rule === 'data/ragged-row'));
  });

  it('fills one array with the values of every record as wide as a large object, and fresh ones below', async () => {
    // Ragged rows come to the sink at the header's width, so they share the array too.
    for (const width of [SPARE_FIELDS - 1, SPARE_FIELDS, SPARE_FIELDS + 3]) {
      const lines = [Array.from({ length: width }, (_, j) => `c${j}`).join(',')];
      for (let i = 0; i < 60; i++) {
        const n = i === 5 || i === 55 ? width - 2 : i === 8 || i === 58 ? width + 1 : width;
        lines.push(Array.from({ length: n }, (_, j) => (j % 1000 === 7 ? `r${i}` : `${j}`)).join(','));
      }
      const bytes = bytesOf(lines.join('\n') + '\n');
      const kept = await readAll([bytes], { fileName: 'x.csv' });
      const arrays: unknown[] = [];
      const copies: (string | undefined)[][] = [];
      await readTable(
        [bytes],
        {
          header() {},
          row(r) {
            arrays.push(r.values);
            copies.push(r.values.slice());
          },
          problem() {},
        },
        { fileName: 'x.csv', transientRows: true },
      );
      assert.deepEqual(
        copies,
        kept.rows.map((r) => r.values),
      );
      // The 49 rows of the header's sample of 50 records have arrays of their own; the last one's is refilled.
      assert.equal(new Set(arrays).size, width < SPARE_FIELDS ? 60 : 49, `width ${width}`);
      if (width >= SPARE_FIELDS) assert.equal(arrays[48], arrays[59]);
    }
  });
});

describe('readTable: limits that keep memory bounded', () => {
  const csv = 'a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n1,2,3,4,5,6\n1,2\n';

  it('reads at most maxColumns columns of a CSV file, says so once, and counts ragged rows by all fields', async () => {
    const all = await readAll(csv);
    const r = await readAll(csv, { maxColumns: 3 });
    assert.deepEqual(grid(r), [
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['1', '2', '3'],
      ['1', '2', '3'],
      ['1', '2', undefined],
    ]);
    assert.equal(r.header?.totalColumns, 5);
    assert.equal(all.header?.totalColumns, undefined);
    // The cells read sit where they sit in a read of every column.
    r.rows.forEach((row, i) => assert.deepEqual(row.positions, all.rows[i]!.positions.slice(0, 12)));
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.severity, p.row, p.message]),
      [
        [
          'data/too-many-columns',
          'error',
          undefined,
          "The header has 5 columns; only the first 3 were read and audited (the limit keeps memory bounded: raise it with --max-columns or the policy's maxColumns).",
        ],
        ...all.problems.map((p) => [p.rule, p.severity, p.row, p.message]),
      ],
    );
    assert.deepEqual(r.problems[0]!.location, { line: 1, startColumn: 6, endColumn: 7 });
    assert.deepEqual(r.problems[0]!.data, { columns: 5, read: 3 });
    assert.match(
      r.problems[2]!.message,
      /has 6 fields where the header has 5; the 1 extra value was not read/,
    );
  });

  it('gives the same capped read whatever the chunking, and names a headerless first record', async () => {
    const whole = JSON.stringify(await readAll(csv, { maxColumns: 3 }));
    const bytes = bytesOf(csv);
    for (let cut = 1; cut < bytes.length; cut++)
      assert.equal(
        JSON.stringify(await readAll(splitAt(bytes, [cut]), { maxColumns: 3 })),
        whole,
        `cut ${cut}`,
      );
    const headerless = await readAll('1,2,3,4\n5,6,7,8\n', { maxColumns: 2, hasHeader: false });
    assert.deepEqual(grid(headerless), [
      ['column_1', 'column_2'],
      ['1', '2'],
      ['5', '6'],
    ]);
    assert.match(headerless.problems[0]!.message, /^The first record has 4 columns; only the first 2/);
  });

  it("reads a JSON file's first maxColumns keys, and does not call the others late", async () => {
    for (const [name, text] of [
      ['x.json', '[{"a": 1, "b": 2, "c": 3},\n {"a": 4, "d": 5, "b": 6}]'],
      ['x.jsonl', '{"a": 1, "b": 2, "c": 3}\n{"a": 4, "d": 5, "b": 6}\n'],
    ] as const) {
      const r = await readAll(text, { fileName: name, maxColumns: 2 });
      assert.deepEqual(grid(r), [
        ['a', 'b'],
        ['1', '2'],
        ['4', '6'],
      ]);
      assert.deepEqual(
        r.problems.map((p) => [p.rule, p.location?.line, p.location?.startColumn]),
        [['data/too-many-columns', 1, name === 'x.json' ? 20 : 19]],
        name,
      );
      assert.match(r.problems[0]!.message, /^The objects have more than 2 keys; only the first 2/);
      assert.ok(r.header?.totalColumns !== undefined);
    }
  });

  it('cuts a record that does not end within 16,777,216 characters, and reads on', async () => {
    // Twice the limit: the parser looks at the length when its buffer doubles, not at every character.
    const long = 'x'.repeat(1 << 25);
    const unquoted = await readAll(`a,b\n1,${long}\n2,3\n`);
    assert.equal(unquoted.rows.at(-1)?.values.join(), '2,3');
    const cut = unquoted.problems.find((p) => p.rule === 'data/long-record');
    assert.equal(
      cut?.message.startsWith('The record that starts at line 2 does not end within 16,777,216'),
      true,
    );
    const quoted = await readAll(`a,b\n1,"${long}"\n2,3\n`);
    assert.equal(quoted.rows.at(-1)?.values.join(), '2,3');
    const open = quoted.problems.find((p) => p.rule === 'data/unclosed-quote');
    assert.match(open!.message, /line 2, column 3 does not close within 16,777,216 characters/);
    assert.equal(quoted.problems.filter((p) => p.rule === 'data/long-record').length, 0);
  });

  it('skips a JSON Lines line that does not end within 16,777,216 characters, still reporting bad bytes', async () => {
    const long = 'y'.repeat(1 << 25);
    const bytes = Buffer.concat([
      Buffer.from(`{"a": 1}\n{"a": "${long}`),
      Buffer.from([0x81]),
      Buffer.from(`"}\r\n{"a": 3}\n`),
    ]);
    const r = await readAll([bytes], { fileName: 'x.jsonl' });
    assert.deepEqual(grid(r), [['a'], ['1'], ['3']]);
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.location?.line, p.location?.startColumn]),
      [
        ['data/long-record', 2, 1],
        ['data/invalid-encoding', 2, long.length + 8],
      ],
    );
    assert.equal(
      r.problems[0]!.message,
      'Line 2 does not end within 16,777,216 characters; it was skipped to its end.',
    );
    assert.equal(r.rows[1]!.positions[0], 3, 'the line after it keeps its number');
  });
});
