import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { count, groupDigits } from '../../../src/core/numberText';

describe('groupDigits', () => {
  it('writes integers as toLocaleString("en-US") does', () => {
    for (const n of [0, -0, 7, 999, 1000, -1000, 12345, 100000, 1234567, -987654321, Number.MAX_SAFE_INTEGER])
      assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => groupDigits(n) === n.toLocaleString('en-US')),
      { numRuns: 5000 },
    );
  });

  it('leaves fractions and numbers past 2^53 to toLocaleString', () => {
    for (const n of [1.5, -0.25, 2 ** 60, 1e21, Infinity, NaN])
      assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
  });
});

describe('count', () => {
  it('puts the noun in the singular for one only', () => {
    assert.equal(count(1, 'row'), '1 row');
    assert.equal(count(0, 'row'), '0 rows');
    assert.equal(count(2048, 'missing value'), '2,048 missing values');
    assert.equal(count(3, 'class', 'classes'), '3 classes');
  });
});
