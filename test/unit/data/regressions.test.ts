import { strict as assert } from 'assert';
import { readTable } from '../../../src/core/data/readTable';
import type { Finding } from '../../../src/core/findings';

describe('readTable: regressions found by the property tests', () => {
  it('keeps an invalid-JSON range on its line when the bad token runs into a carriage return', async () => {
    const problems: Finding[] = [];
    // `["\` then CR: an unterminated string whose token would otherwise span the line break.
    await readTable([new Uint8Array([91, 34, 92, 13])], { header() {}, row() {}, problem: (f) => problems.push(f) }, { format: 'json' });
    const first = problems.find((p) => p.rule === 'data/invalid-json');
    assert.ok(first?.location);
    assert.equal(first.location.line, 1);
    assert.ok(first.location.endColumn <= 4, JSON.stringify(first.location));
  });
});
