import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { hashOut, hashString } from '../../../src/core/data/hash';
import { HyperLogLog, SpaceSaving, TOP_VALUE_CHARS, standIn } from '../../../src/core/data/sketches';

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

  it('adds lanes in bulk exactly as one at a time, over the first n only', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer(), fc.integer()), { maxLength: 400 }),
        fc.nat(400),
        fc.constantFrom(4, 10, 14),
        (pairs, cut, precision) => {
          const n = Math.min(cut, pairs.length);
          const laneA = Int32Array.from(pairs, ([a]) => a);
          const laneB = Int32Array.from(pairs, ([, b]) => b);
          const bulk = new HyperLogLog(undefined, precision);
          bulk.addHashes(laneA, laneB, n);
          const single = new HyperLogLog(undefined, precision);
          for (let i = 0; i < n; i++) single.addHash(laneA[i]!, laneB[i]!);
          assert.deepEqual(bulk.registersCopy(), single.registersCopy());
        },
      ),
      { numRuns: 200 },
    );
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
          // Counters by their hash lanes: a counter whose value came once has no text.
          const c = s.counters();
          const counter = (v: string): number => {
            hashString(v);
            for (let i = 0; i < c.counts.length; i++)
              if (c.laneA[i] === hashOut[0] && c.laneB[i] === hashOut[1]) return i;
            return -1;
          };
          assert.ok(c.counts.length <= capacity);
          let counted = 0;
          for (const [v, n] of truth) {
            const i = counter(v);
            if (n > values.length / capacity) assert.ok(i !== -1, `${v} (${n} of ${values.length}) lost`);
            if (i === -1) {
              assert.ok(n <= c.absent, `${v} (${n}) not counted, above the bound ${c.absent}`);
              continue;
            }
            counted++;
            const count = c.counts[i] as number;
            const error = c.errors[i] as number;
            assert.ok(count >= n && count - error <= n, `${v}: ${count} - ${error}, true ${n}`);
            // The text is known exactly where the value came twice while counted.
            assert.equal(c.values[i], count - error >= 2 ? v : undefined, `${v}: ${count} - ${error}`);
          }
          assert.equal(counted, c.counts.length);
          assert.equal(
            c.counts.reduce((sum, n) => sum + n, 0),
            values.length,
          );
          // top(): largest first, known texts before unknown ones among equal counts.
          const top = s.top(capacity);
          for (let k = 1; k < top.length; k++) {
            const [x, y] = [top[k - 1]!, top[k]!];
            assert.ok(
              x.count > y.count ||
                (x.count === y.count && (y.value === undefined || (x.value ?? '') < y.value)),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts alike in memory it is given, whatever follows its bytes there', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 50 }), fc.integer({ min: 1, max: 3 })), { maxLength: 500 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(64),
        (stream, capacity, spare) => {
          const own = new SpaceSaving(capacity);
          // Zeroed bytes as the constructor asks, then bytes it must not touch.
          const memory = new ArrayBuffer(SpaceSaving.bytes(capacity) + spare);
          new Uint8Array(memory, SpaceSaving.bytes(capacity)).fill(0xa5);
          const given = new SpaceSaving(capacity, memory);
          for (const [x, w] of stream) {
            own.add(`v${Math.floor((x * x) / 50)}`, w);
            given.add(`v${Math.floor((x * x) / 50)}`, w);
          }
          assert.deepEqual(given.counters(), own.counters());
          assert.ok(new Uint8Array(memory, SpaceSaving.bytes(capacity)).every((b) => b === 0xa5));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps its bounds with weighted updates, its smallest count the bound on values without a counter', () => {
    // Weights move a counter up past several counts at once (as the profiler's seeds and merges do).
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 40 }), fc.integer({ min: 1, max: 5 })), {
          minLength: 1,
          maxLength: 600,
        }),
        fc.integer({ min: 1, max: 12 }),
        (stream, capacity) => {
          const s = new SpaceSaving(capacity);
          const truth = new Map<string, number>();
          let total = 0;
          for (const [x, w] of stream) {
            const v = `v${Math.floor((x * x) / 40)}`;
            s.add(v, w);
            truth.set(v, (truth.get(v) ?? 0) + w);
            total += w;
          }
          const c = s.counters();
          const byLanes = new Map<string, number>();
          for (let i = 0; i < c.counts.length; i++) byLanes.set(`${c.laneA[i]},${c.laneB[i]}`, i);
          if (c.counts.length === capacity) assert.equal(c.absent, Math.min(...c.counts));
          else assert.equal(c.absent, 0);
          assert.equal(
            c.counts.reduce((sum, n) => sum + n, 0),
            total,
          );
          for (const [v, n] of truth) {
            hashString(v);
            const i = byLanes.get(`${hashOut[0]},${hashOut[1]}`) ?? -1;
            if (n > total / capacity) assert.ok(i !== -1, `${v} (${n} of ${total}) lost`);
            if (i === -1) {
              assert.ok(n <= c.absent, `${v} (${n}) not counted, above the bound ${c.absent}`);
              continue;
            }
            const count = c.counts[i] as number;
            const error = c.errors[i] as number;
            assert.ok(count >= n && count - error <= n, `${v}: ${count} - ${error}, true ${n}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('standIn', () => {
  it('keeps a short value, and a long one as its start, length and hash: one per value, at most 1,000 characters', () => {
    const short = 'x'.repeat(TOP_VALUE_CHARS);
    assert.equal(standIn(short), short);
    const a = `${'a'.repeat(5_000)}1`;
    const b = `${'a'.repeat(5_000)}2`;
    const s = standIn(a);
    assert.ok(s.length <= TOP_VALUE_CHARS && s.length > 256);
    assert.ok(s.startsWith('a'.repeat(900)));
    assert.match(s, /\u2026 \(5001 characters, #[0-9a-f]{16}\)$/);
    // Equal values (as different strings) share one; values alike for thousands of characters do not.
    assert.equal(standIn(`${'a'.repeat(5_000)}${String(1)}`), s);
    assert.notEqual(standIn(b), s);
    // A stand-in stands for itself, and the caller's lanes of the value give the same one.
    assert.equal(standIn(s), s);
    hashString(a);
    assert.equal(standIn(a, hashOut[0], hashOut[1]), s);
    // Never cut inside a surrogate pair.
    const pair = `${'z'.repeat(TOP_VALUE_CHARS - 65)}\u{1F600}${'z'.repeat(2_000)}`;
    assert.ok(standIn(pair).startsWith(`${'z'.repeat(TOP_VALUE_CHARS - 65)}\u2026`));
  });
});
