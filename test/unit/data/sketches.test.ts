import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { HyperLogLog, SpaceSaving } from '../../../src/core/data/sketches';

describe('HyperLogLog', () => {
  it('is exact-ish for tiny sets and within 3% (about 4 standard errors) from 100 to 200,000', () => {
    const empty = new HyperLogLog();
    assert.equal(empty.estimate(), 0);
    for (const n of [100, 1000, 20000, 45000, 200000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.add(`value-${i}`);
      // Re-adding the same values changes nothing.
      for (let i = 0; i < n; i += 7) h.add(`value-${i}`);
      const error = Math.abs(h.estimate() - n) / n;
      assert.ok(error < 0.03, `n=${n} estimate ${h.estimate()}`);
    }
  });
});

describe('SpaceSaving', () => {
  it('keeps every value above n/capacity, with counts bounded by count - error <= true <= count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 800 }),
        fc.integer({ min: 2, max: 16 }),
        (stream, capacity) => {
          // Square the draws so that a few small values are frequent and many are rare.
          const values = stream.map((x) => `v${Math.floor((x * x) / 60)}`);
          const s = new SpaceSaving(capacity);
          const truth = new Map<string, number>();
          for (const v of values) {
            s.add(v);
            truth.set(v, (truth.get(v) ?? 0) + 1);
          }
          const kept = new Map(s.top(capacity).map((t) => [t.value, t]));
          assert.ok(kept.size <= capacity);
          for (const [v, c] of truth) {
            if (c > values.length / capacity) assert.ok(kept.has(v), `${v} (${c} of ${values.length}) lost`);
          }
          for (const [v, t] of kept) {
            const c = truth.get(v) ?? 0;
            assert.ok(t.count >= c && t.count - t.error <= c, `${v}: ${JSON.stringify(t)} true ${c}`);
          }
          const total = s.top(capacity).reduce((sum, t) => sum + t.count, 0);
          assert.equal(total, values.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
