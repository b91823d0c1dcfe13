import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { fastObjectText, parseObjectText } from '../../../src/core/data/jsonReader';
import { readAll } from './readHelpers';

/**
 * The fast path of the JSON readers gives exactly what jsonc-parser's visitor gives, or declines; and it
 * takes the flat objects that tabular JSON is made of.
 */

const plainString = fc.string({
  unit: fc.constantFrom('a', 'B', ' ', '1', 'é', '日', '😀', '-', '.', ':', ','),
});
const value = fc.oneof(
  plainString.map((s) => JSON.stringify(s)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.integer().map(String),
  fc.constantFrom('true', 'false', 'null', '0', '-0', '1e5', '1E-5', '-2.5e+3'),
);
const key = fc.oneof(fc.constantFrom('a', 'b', 'age', 'sex', ''), plainString).map((k) => JSON.stringify(k));
const space = fc.constantFrom('', ' ', '\t', '\n', ' \n  ');

/** Flat objects laid out in any of the ways JSON files use. */
const flatObject = fc
  .tuple(fc.array(fc.tuple(key, value, space, space, space), { maxLength: 8 }), space)
  .map(([pairs, end]) => `{${pairs.map(([k, v, a, b, c]) => `${a}${k}${b}:${c}${v}`).join(',')}${end}}`);

/** Pieces that take the text off the fast path, or out of JSON altogether. */
const noise = fc.constantFrom(
  '\\',
  '\\"',
  '\\u0041',
  '\r',
  '\r\n',
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  ' ',
  '\u0001',
  'tru',
  'nul',
  'truex',
  '01',
  '-',
  '1.',
  '1e',
  '.5',
  '+1',
  '//c',
  '/*c*/',
  'x',
);

function compare(text: string, line: number, column: number): 'fast' | 'visitor' {
  const fast = fastObjectText(text, line, column);
  const full = parseObjectText(text, line, column);
  if (fast === undefined) return 'visitor';
  assert.ok(full.object, `the fast path took ${JSON.stringify(text)}, which the visitor refuses`);
  assert.deepStrictEqual(fast, full.object, JSON.stringify(text));
  return 'fast';
}

describe('JSON readers: the fast path for flat objects', () => {
  it('gives what the visitor gives on flat objects, and takes them', () => {
    fc.assert(
      fc.property(
        flatObject,
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 300 }),
        (t, l, c) => {
          assert.equal(compare(t, l, c), 'fast', JSON.stringify(t));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives what the visitor gives, or declines, on damaged and nested objects', () => {
    const damaged = fc
      .tuple(flatObject, fc.array(fc.tuple(fc.nat(), noise), { minLength: 1, maxLength: 3 }))
      .map(([t, cuts]) => {
        let s = t;
        for (const [at, piece] of cuts) {
          const p = at % (s.length + 1);
          s = s.slice(0, p) + piece + s.slice(p);
        }
        return s;
      });
    let fast = 0;
    fc.assert(
      fc.property(damaged, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }), (t, l, c) => {
        if (compare(t, l, c) === 'fast') fast++;
      }),
      { numRuns: 3000 },
    );
    // Some insertions (a space, a digit into a number) leave valid flat objects, which it still takes.
    assert.ok(fast > 100, `${fast} damaged texts went the fast way`);
  });

  it('gives what the visitor gives on objects of many keys, repeated, or in the order of the object before', () => {
    const names = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const objectOf = (keys: readonly string[]) => `{${keys.map((k, i) => `"${k}": ${i}`).join(', ')}}`;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...names), { maxLength: 80 }),
        fc.uniqueArray(fc.constantFrom(...names), { maxLength: 40 }),
        fc.nat(40),
        (keys, before, keep) => {
          // Often the object before has the same first keys, as rows of one file do.
          const previous = fastObjectText(objectOf([...new Set(keys.slice(0, keep)), ...before]), 1, 1)!.keys;
          const text = objectOf(keys);
          const fast = fastObjectText(text, 2, 1, previous);
          assert.deepStrictEqual(fast, parseObjectText(text, 2, 1).object);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reuses the keys of the object before where their text is the same', () => {
    const first = fastObjectText('{"age": 39, "sex": "Male"}', 1, 1)!;
    const second = fastObjectText('{"age": 50, "sex": "Female", "extra": 1}', 2, 1, first.keys)!;
    assert.equal(second.keys[0], first.keys[0]);
    assert.deepStrictEqual(second.keys, ['age', 'sex', 'extra']);
    // A key of another text at the same place is read from the text.
    const third = fastObjectText('{"ages": 1, "se": 2}', 3, 1, first.keys)!;
    assert.deepStrictEqual(third.keys, ['ages', 'se']);
    assert.deepStrictEqual(third, parseObjectText('{"ages": 1, "se": 2}', 3, 1).object);
    // So is one of the same length.
    assert.deepStrictEqual(fastObjectText('{"agf": 1, "sey": 2}', 4, 1, first.keys)!.keys, ['agf', 'sey']);
  });

  it('declines every near miss of a number, literal or layout that JSON refuses or the visitor reads otherwise', () => {
    const declined = [
      '{"a":1.}',
      '{"a":-}',
      '{"a":1e}',
      '{"a":1.5e+}',
      '{"a":01}',
      '{"a":.5}',
      '{"a":+1}',
      '{"a":tru}',
      '{"a":nulll}',
      '{"a":"x",}',
      '{"a" "x"}',
      '{,}',
      '{"a":"x"}x',
      '{"a":"x"\r}',
      '{"a":{"b":1}}',
      '{"a":[1]}',
      '{"a":"\\n"}',
      '{"a":"x\ty"}',
      '{"a":"x\ny"}',
      '{"a\u0001":1}',
    ];
    for (const text of declined) {
      assert.equal(fastObjectText(text, 1, 1), undefined, text);
      compare(text, 1, 1);
    }
    for (const text of ['{"a":1.5e+3}', '{"a":-0}', '{"a":0.25}', '{ }', '{"a":"x" ,\n "b" :\ttrue}'])
      assert.equal(compare(text, 3, 5), 'fast', text);
  });

  it('counts the lines of a raw line break inside a broken string of a JSON array', async () => {
    // The scanner jumps over string contents, but never over a line break: the element after keeps its line.
    const { rows, problems } = await readAll('[\n{"a": "x\ny"},\n{"a": "z"}\n]\n', { format: 'json' });
    assert.equal(problems[0]?.location?.line, 2);
    assert.deepStrictEqual(
      rows.map((r) => r.values),
      [['z']],
    );
    assert.deepStrictEqual(rows[0]!.positions.slice(0, 2), [4, 8]);
  });

  it('places an invalid byte inside a string of a JSON array, which the scanner does not jump over', async () => {
    const bytes = Buffer.concat([
      Buffer.from('[\n{"a": "x'),
      Buffer.from([0x81]),
      Buffer.from('y"},\n{"a": "z"}\n]\n'),
    ]);
    const { rows, problems } = await readAll(new Uint8Array(bytes), { format: 'json' });
    assert.deepStrictEqual(
      problems.map((p) => [p.rule, p.location]),
      [['data/invalid-encoding', { line: 2, startColumn: 9, endColumn: 10 }]],
    );
    assert.deepStrictEqual(
      rows.map((r) => r.values),
      [['x\ufffdy'], ['z']],
    );
  });

  it('reports a key first seen after the sample once, at its row and place, and reads the rest of the row', async () => {
    const lines = Array.from({ length: 1005 }, (_, i) => JSON.stringify({ a: String(i), b: 'x' }));
    lines.push('{"a": "z", "late": 1, "b": "y"}', '{"late": 2}', '{"b": "w", "a": "v"}');
    const { header, rows, problems } = await readAll(`${lines.join('\n')}\n`, { format: 'jsonl' });
    assert.deepStrictEqual(
      header?.columns.map((c) => [c.name, c.location]),
      [
        ['a', { line: 1, startColumn: 3, endColumn: 4 }],
        ['b', { line: 1, startColumn: 11, endColumn: 12 }],
      ],
    );
    assert.deepStrictEqual(problems, [
      {
        rule: 'data/late-key',
        severity: 'warning',
        message:
          'The key "late" first appears in row 1006, after the columns were fixed from the first 1000 objects; its values were not read.',
        row: 1006,
        data: { key: 'late' },
        location: { line: 1006, startColumn: 13, endColumn: 17 },
      },
    ]);
    assert.deepStrictEqual(rows[1005], {
      index: 1006,
      values: ['z', 'y'],
      positions: [1006, 8, 1006, 9, 1006, 29, 1006, 30],
    });
    assert.deepStrictEqual(rows[1006]!.values, [undefined, undefined]);
    // Keys in another order than the object before: each value still lands in its own column.
    assert.deepStrictEqual(rows[1007]!.values, ['v', 'w']);
  });

  it('keeps a repeated key in its first place with the last value, as the visitor does', () => {
    const text = '{"a": 1, "b": "x", "a": null, "b": "y"}';
    assert.equal(compare(text, 7, 3), 'fast');
    assert.deepStrictEqual(fastObjectText(text, 7, 3)!.values, [undefined, 'y']);
    // A key of the object before at its place, repeated from an earlier place of this one, is still a repeat.
    const again = '{"b": 1, "b": 2}';
    assert.deepStrictEqual(fastObjectText(again, 1, 1, ['a', 'b']), parseObjectText(again, 1, 1).object);
    assert.deepStrictEqual(fastObjectText(again, 1, 1, ['a', 'b'])!.keys, ['b']);
  });
});
