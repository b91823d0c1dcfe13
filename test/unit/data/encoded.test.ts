import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import fc from 'fast-check';
import {
  AdaptiveColumnBuilder,
  CategoricalBuilder,
  NAN_MANTISSA,
  NumberBuilder,
  SpilledNumbers,
  decodeScaled,
} from '../../../src/core/data/encoded';
import { hashOut, hashString } from '../../../src/core/data/hash';
import { SpillDir } from '../../../src/core/data/spill';
import { parseNumber } from '../../../src/core/data/valueKinds';

const lanes = (v: string): [number, number] => {
  hashString(v);
  return [hashOut[0]!, hashOut[1]!];
};

describe('column builders by hash lanes', () => {
  // Values that differ only slightly (case, white space, a digit), numbers and text, and missing cells.
  // Decimals `toFixed` writes back ('2134', '1', '1.0', '-2.5') are kept as doubles until another level comes.
  // Long values (kept as stand-ins by the adaptive builder, see `standIn`): two alike but for their ends.
  const pool = [
    '02134',
    '2134',
    '02134 ',
    'a',
    'A',
    'ab',
    'b',
    '1',
    '1.0',
    '-2.5',
    '-0',
    '',
    'x'.repeat(40),
    `${'x'.repeat(1_500)}1`,
    `${'x'.repeat(1_500)}2`,
  ];
  const cell = fc.option(fc.constantFrom(...pool), { nil: undefined, freq: 6 });
  // How each cell reaches the builder: by `push`, by `pushHashed`, or by `pushCode` with the reference's code
  // (as the profiler's ids come before its cap).
  const how = fc.constantFrom('push', 'hashed', 'code');

  it("codes a column by its values' lanes as by the values, whichever way each cell comes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, how), { maxLength: 80 }), (cells) => {
        const reference = new CategoricalBuilder(16);
        const mixed = new CategoricalBuilder(16);
        for (const [v, way] of cells) {
          const code = reference.push(v);
          if (way === 'code' || v === undefined) mixed.pushCode(code, v);
          else if (way === 'hashed') assert.equal(mixed.pushHashed(v, ...lanes(v)), code);
          else assert.equal(mixed.push(v), code);
        }
        assert.deepEqual(mixed.levelTexts(), reference.levelTexts());
        assert.deepEqual(mixed.build(), reference.build());
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('passes its limits on the same value by lanes as by the values', () => {
    const limits = fc.constantFrom(
      { soft: 3, keepText: false, hard: 6 },
      { soft: 3, keepText: true, hard: 6 },
      { soft: 1, keepText: true, hard: 2 },
    );
    fc.assert(
      fc.property(
        limits,
        fc.array(fc.tuple(cell, how), { maxLength: 80 }),
        ({ soft, keepText, hard }, cells) => {
          const reference = new AdaptiveColumnBuilder(soft, keepText, hard);
          const mixed = new AdaptiveColumnBuilder(soft, keepText, hard);
          for (const [v, way] of cells) {
            const code = reference.push(v);
            const got =
              way === 'hashed' && v !== undefined
                ? mixed.pushHashed(v, ...lanes(v))
                : way === 'code' && code >= -1
                  ? mixed.pushCode(code, v)
                  : mixed.push(v);
            assert.equal(got, code);
          }
          assert.equal(mixed.isDropped, reference.isDropped);
          assert.deepEqual(mixed.build(), reference.build());
        },
      ),
      { numRuns: 500, seed: 12 },
    );
  });
});

describe('long values', () => {
  it('are levels by their stand-ins: one a value, never longer than 1,000 characters', () => {
    const doc = (n: number) => `${'w'.repeat(100_000)} ${n}`;
    const b = new AdaptiveColumnBuilder(10, true, 100);
    const codes = [doc(1), doc(2), doc(1), 'short', doc(2), doc(3)].map((v, i) =>
      i % 2 === 0 ? b.push(v) : b.pushHashed(v, ...lanes(v)),
    );
    assert.deepEqual(codes, [0, 1, 0, 2, 1, 3]);
    const built = b.build();
    assert.ok(built && built.kind === 'categorical');
    assert.equal(built.levels.length, 4);
    assert.ok(built.levels.every((l) => l.length <= 1_000));
    assert.equal(built.levels[2], 'short');
    assert.ok(built.levels[0]!.startsWith('w'.repeat(900)) && built.levels[0]!.endsWith(')'));
  });
});

describe('levels kept as decimal codes', () => {
  it('gives back the texts and numbers of its levels as written, before and after a text comes', () => {
    const texts = ['12.50', '-3', '0.000', '7', '12.5', '0.0000001', '281474976710656', '-0'];
    const b = new CategoricalBuilder(4);
    for (const t of texts) b.push(t);
    // '281474976710656' and '-0' are kept as text, and so is every level after them.
    assert.deepEqual(b.levelTexts(), texts);
    b.push('007');
    b.push('12.50');
    assert.deepEqual(b.levelTexts(), [...texts, '007']);
    assert.deepEqual(b.build().levels, [...texts, '007']);
    assert.deepEqual(Array.from(b.build().codes), [0, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
    const decimals = new CategoricalBuilder(4);
    for (const t of texts.slice(0, 6)) decimals.pushCode(decimals.levelCount, t);
    assert.deepEqual(decimals.levelTexts(2, 4), ['0.000', '7']);
    assert.equal(decimals.level(0), '12.50');
    assert.deepEqual(Array.from(decimals.parsedLevels()), texts.slice(0, 6).map(Number));
  });

  it('turns a column of decimals to numbers as from their texts', () => {
    // Four decimals, written with trailing zeros as fixed-point columns are, pass a soft limit of 3.
    const b = new AdaptiveColumnBuilder(3, false, 10);
    for (const t of ['1.50', '2.25', undefined, '1.50', '-0.10', '300']) b.push(t);
    const column = b.build();
    assert.equal(column?.kind, 'scaled');
    const values = column?.kind === 'scaled' ? Array.from(decodeScaled(column, 0, 6)) : [];
    assert.deepEqual(values, [1.5, 2.25, NaN, 1.5, -0.1, 300]);
  });
});

describe('numbers kept as decimal mantissas', () => {
  /** A decimal as a file writes it: sign, digits, a point and up to `places` decimals. */
  const decimal = (places: number) =>
    fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: places }))
      .map(([neg, digits, k]) => {
        const s = digits.toString().padStart(k + 1, '0');
        const text = k === 0 ? s : `${s.slice(0, s.length - k)}.${s.slice(s.length - k)}`;
        return (neg ? '-' : '') + text;
      });
  // Decimals of up to 12 places (some past the mantissas' reach), NaN, -0, infinities, tiny and huge values.
  const value = fc.oneof(
    { weight: 8, arbitrary: decimal(4).map(parseNumber) },
    { weight: 2, arbitrary: decimal(12).map(parseNumber) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, -0, Infinity, -Infinity, 1e-300, 1 / 3, 2 ** 40, 2 ** 31) },
  );

  function built(values: readonly number[], scaled = true): Float64Array {
    const b = new NumberBuilder(4, undefined, scaled);
    for (const v of values) b.push(v);
    const c = b.build();
    if (c.kind === 'scaled') return decodeScaled(c, 0, c.mantissas.length);
    assert.ok(c.kind === 'numeric');
    return c.values;
  }

  it('gives back every number bit for bit, scaled or not', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), (values) => {
        const got = built(values);
        assert.equal(got.length, values.length);
        values.forEach((v, i) => assert.ok(Object.is(got[i], v), `row ${i}: ${got[i]} for ${v}`));
        assert.deepEqual(built(values, false), Float64Array.from(values));
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  it('stays scaled while every value has at most nine decimals and fits, moving to finer digits', () => {
    const b = new NumberBuilder(2, undefined);
    for (const t of ['3', '-12', '', '0.5', '68.4707', '1.25', '-0.000001']) b.push(t ? parseNumber(t) : NaN);
    const c = b.build();
    assert.ok(c.kind === 'scaled');
    assert.equal(c.digits, 6);
    assert.deepEqual(Array.from(c.mantissas), [3e6, -12e6, NAN_MANTISSA, 5e5, 68_470_700, 1_250_000, -1]);
    // Past a mantissa's 31 bits, or with more decimals than nine, or -0: doubles.
    for (const last of [2147.483648, 0.1234567891, -0]) {
      const d = new NumberBuilder(2, undefined);
      for (const v of [1, 2.5, last]) d.push(v);
      const col = d.build();
      assert.equal(col.kind, 'numeric', String(last));
      assert.ok(col.kind === 'numeric' && Object.is(col.values[2], last));
    }
  });

  it('spills as doubles past the spill rows, scaled before', () => {
    const dir = new SpillDir(100, os.tmpdir());
    try {
      const values = Array.from({ length: 450 }, (_, i) => (i % 17 === 0 ? NaN : (i * 37) / 100));
      const b = new NumberBuilder(8, { afterRows: 100, file: () => dir.file() });
      values.forEach((v) => b.push(v));
      const c = b.build();
      assert.ok(c instanceof SpilledNumbers);
      assert.deepEqual(c.window(0, c.length), Float64Array.from(values));
    } finally {
      dir.close();
    }
  });
});
