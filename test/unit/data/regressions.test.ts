import { strict as assert } from 'assert';
import { readTable } from '../../../src/core/data/readTable';
import type { Finding } from '../../../src/core/findings';

describe('readTable: regressions found by the property tests', () => {
  it('keeps an invalid-JSON range on its line when the bad token runs into a carriage return', async () => {
    const problems: Finding[] = [];
    // `["\` then CR: an unterminated string whose token would otherwise span the line break.
    await readTable(
      [new Uint8Array([91, 34, 92, 13])],
      { header() {}, row() {}, problem: (f) => problems.push(f) },
      { format: 'json' },
    );
    const first = problems.find((p) => p.rule === 'data/invalid-json');
    assert.ok(first?.location);
    assert.equal(first.location.line, 1);
    assert.ok(first.location.endColumn <= 4, JSON.stringify(first.location));
  });
});

describe('readTable: unclosed quote after a line break inside it', () => {
  it('reads the field to the end of its own line, not a later one', async () => {
    const headers: { name: string; location?: { line: number; startColumn: number; endColumn: number } }[] =
      [];
    const problems: Finding[] = [];
    // `"` CR `""`: the quote opened on line 1 never closes (the pair is an escaped quote).
    await readTable(
      [new Uint8Array([34, 13, 34, 34])],
      { header: (h) => headers.push(...h.columns), row() {}, problem: (f) => problems.push(f) },
      { format: 'csv', hasHeader: true },
    );
    assert.ok(problems.some((p) => p.rule === 'data/unclosed-quote'));
    const loc = headers[0]?.location;
    assert.ok(loc);
    assert.equal(loc.line, 1);
    assert.ok(loc.endColumn <= 2, JSON.stringify(loc));
  });
});
