import * as assert from 'assert';
import { encodeCategorical } from '../../../src/core/data/encoded';
import { datasetBias } from '../../../src/core/fairness/datasetBias';
import { wilsonInterval } from '../../../src/core/fairness/stats';

describe('fairness: dataset bias edge cases', () => {
  it('Wilson interval: known values, p = 0 and 1 stay inside [0, 1], empty is null', () => {
    // 8 of 10: Wilson (z = 1.96) gives [0.4902, 0.9433] (Brown, Cai & DasGupta 2001, table values).
    const [lo, hi] = wilsonInterval(8, 10)!;
    assert.strictEqual(lo.toFixed(4), '0.4902');
    assert.strictEqual(hi.toFixed(4), '0.9433');
    assert.deepStrictEqual(wilsonInterval(0, 10)![0], 0);
    assert.ok(wilsonInterval(0, 10)![1] > 0.2);
    assert.strictEqual(wilsonInterval(10, 10)![1], 1);
    assert.strictEqual(wilsonInterval(0, 0), null);
  });

  it('hand-computed rates against the most favoured group; missing labels and attributes left out', () => {
    // a: 3 of 4 positive; b: 1 of 4; c: 0 of 2; row 11 missing label, row 12 missing group.
    const label = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, -1, 1];
    const g = encodeCategorical(['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'a', undefined]);
    const r = datasetBias({ label, attributes: [{ name: 'g', column: g }] }, { minGroupSize: 1 });
    assert.strictEqual(r.labelled, 11);
    assert.strictEqual(r.missingLabel, 1);
    const at = r.attributes[0]!;
    assert.strictEqual(at.missing, 1);
    assert.strictEqual(at.reference, 'a');
    const by = Object.fromEntries(at.groups.map((x) => [x.value, x]));
    assert.strictEqual(by.a!.baseRate, 0.75);
    assert.strictEqual(by.b!.statisticalParityDifference, 0.25 - 0.75);
    assert.strictEqual(by.b!.disparateImpact, 0.25 / 0.75);
    assert.strictEqual(by.c!.disparateImpact, 0);
    assert.strictEqual(by.a!.share, 0.4);
    assert.deepStrictEqual(at.fourFifthsViolations, ['b', 'c']);
    const f = r.findings.find((x) => x.rule === 'fairness/disparate-impact')!;
    assert.match(f.message, /'c' \(0\.000\) is 0\.00 times that of 'a' \(0\.750\) \(and 1 more group\)/);
  });

  it('a reference with no positives makes ratios null with a reason; an unknown reference falls back', () => {
    const label = [0, 0, 1, 0];
    const g = encodeCategorical(['x', 'x', 'y', 'y']);
    const r = datasetBias(
      { label, attributes: [{ name: 'g', column: g }] },
      { reference: { g: 'x' }, minGroupSize: 1 },
    );
    const y = r.attributes[0]!.groups.find((x) => x.value === 'y')!;
    assert.strictEqual(y.disparateImpact, null);
    assert.match(y.reasons!.disparateImpact!, /reference group has no positive labels/);
    assert.strictEqual(y.statisticalParityDifference, 0.5);
    const fb = datasetBias(
      { label, attributes: [{ name: 'g', column: g }] },
      { reference: { g: 'nope' }, minGroupSize: 1 },
    );
    assert.strictEqual(fb.attributes[0]!.reference, 'y');
    assert.ok(fb.findings.some((f) => f.rule === 'fairness/reference-group' && /'nope'/.test(f.message)));
  });

  it('small groups: never the default reference, excluded from the four-fifths rule, reported', () => {
    const n = 100;
    const label = Array.from({ length: n + 5 }, (_, i) => (i < n ? (i % 4 === 0 ? 1 : 0) : 1));
    const g = encodeCategorical(
      Array.from({ length: n + 5 }, (_, i) => (i < n ? (i % 2 ? 'big1' : 'big2') : 'tiny')),
    );
    const r = datasetBias({ label, attributes: [{ name: 'g', column: g }] });
    const at = r.attributes[0]!;
    assert.notStrictEqual(
      at.reference,
      'tiny',
      'the tiny group has rate 1 but is too small to be the reference',
    );
    assert.ok(at.groups.find((x) => x.value === 'tiny')!.small);
    const small = r.findings.find((f) => f.rule === 'fairness/small-group')!;
    assert.match(
      small.message,
      /1 group is too small for a reliable rate \(fewer than 30 labelled rows\): 'tiny' \(5\)/,
    );
    const wide = datasetBias(
      { label, attributes: [{ name: 'g', column: g }] },
      { minGroupSize: 1, maxIntervalWidth: 0.1 },
    );
    const smallNow = Object.fromEntries(wide.attributes[0]!.groups.map((x) => [x.value, x.small]));
    // 25 of 50 has a 95% interval about 0.27 wide; 0 of 50 one of 0.07.
    assert.deepStrictEqual(smallNow, { big2: true, big1: false, tiny: true });
  });

  it('label imbalance: rare outcome, one class only; weights of 0 give a null rate', () => {
    const rare = datasetBias({
      label: Array.from({ length: 100 }, (_, i) => (i < 3 ? 1 : 0)),
      labelName: 'y',
      attributes: [],
    });
    const f = rare.findings.find((x) => x.rule === 'fairness/label-imbalance')!;
    assert.strictEqual(f.severity, 'warning');
    assert.strictEqual(f.column, 'y');
    assert.match(f.message, /positive outcome is rare \(3\.0% of labelled rows\)/);
    const one = datasetBias({ label: [0, 0, 0], attributes: [] });
    assert.match(one.findings[0]!.message, /Every labelled row has the negative outcome/);
    const none = datasetBias({ label: [-1, NaN], attributes: [] });
    assert.strictEqual(none.baseRate, null);
    assert.deepStrictEqual(none.findings, []);
    const w = datasetBias(
      {
        label: [1, 0, 1],
        attributes: [{ name: 'g', column: encodeCategorical(['a', 'a', 'b']) }],
        weights: [0, 0, 1],
      },
      { minGroupSize: 1 },
    );
    const a = w.attributes[0]!.groups.find((x) => x.value === 'a')!;
    assert.strictEqual(a.baseRate, null);
    assert.match(a.reasons!.baseRate!, /weight 0/);
    assert.ok(!JSON.stringify(w).includes('NaN'));
  });

  it('rejects bad input with its row', () => {
    assert.throws(() => datasetBias({ label: [1, 3], attributes: [] }), /label: row 2 holds 3/);
    assert.throws(
      () => datasetBias({ label: [1, 0], attributes: [{ name: 'g', column: encodeCategorical(['a']) }] }),
      /attribute 'g': expected 2 values, got 1/,
    );
  });
});
