import * as assert from 'assert';
import { loadAdult, ADULT_TEST_PATH, type Adult } from './adultData';
import { toBinaryOutcome } from '../../../src/core/fairness/positives';
import { datasetBias } from '../../../src/core/fairness/datasetBias';
import { proxyAssociations } from '../../../src/core/fairness/proxies';
import type { EncodedColumn } from '../../../src/core/data/encoded';

const NUMERIC = new Set(['age', 'fnlwgt', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week']);
const r4 = (x: number | null | undefined) => (x === null || x === undefined ? x : Number(x.toFixed(4)));
const r3 = (x: number | null | undefined) => (x === null || x === undefined ? x : Number(x.toFixed(3)));

describe('fairness: UCI Adult reference figures (README of shared/data/adult)', () => {
  let adult: Adult;
  let label: Int8Array;
  before(async () => {
    adult = await loadAdult();
    label = toBinaryOutcome(adult.column('income'), ['>50K']).outcome;
  });

  it('reproduces base rates by sex, statistical parity difference and disparate impact', () => {
    const bias = datasetBias({
      label,
      labelName: 'income',
      attributes: [{ name: 'sex', column: adult.categorical('sex') }],
    });
    assert.strictEqual(bias.rows, 32561);
    assert.strictEqual(r4(bias.baseRate), 0.2408);
    const sex = bias.attributes[0]!;
    assert.strictEqual(sex.reference, 'Male');
    assert.strictEqual(sex.referenceChosen, 'most-favoured');
    const male = sex.groups.find((g) => g.value === 'Male')!;
    const female = sex.groups.find((g) => g.value === 'Female')!;
    assert.strictEqual(r4(male.baseRate), 0.3057);
    assert.strictEqual(r4(female.baseRate), 0.1095);
    assert.strictEqual(r4(male.share), 0.6692);
    assert.strictEqual(r4(female.share), 0.3308);
    assert.strictEqual(r4(female.disparateImpact), 0.358);
    assert.strictEqual(r4(female.statisticalParityDifference), -0.1963);
    assert.deepStrictEqual(sex.fourFifthsViolations, ['Female']);
    const di = bias.findings.filter(
      (f) => f.rule === 'fairness/disparate-impact' && f.column === 'sex' && f.severity === 'warning',
    );
    assert.strictEqual(di.length, 1);
    assert.match(di[0]!.message, /'Female' \(0\.109\) is 0\.36 times that of 'Male' \(0\.306\)/);
    // The Wilson interval brackets the rate and is narrow on ~10k rows.
    const [lo, hi] = female.ci95!;
    assert.ok(lo < female.baseRate! && female.baseRate! < hi && hi - lo < 0.02);
  });

  it('reproduces the test split figures', async () => {
    const test = await loadAdult(ADULT_TEST_PATH);
    const y = toBinaryOutcome(test.column('income'), ['>50K']).outcome;
    const bias = datasetBias({ label: y, attributes: [{ name: 'sex', column: test.categorical('sex') }] });
    assert.strictEqual(bias.rows, 16281);
    assert.strictEqual(r4(bias.baseRate), 0.2362);
    const sex = bias.attributes[0]!;
    assert.strictEqual(r4(sex.groups.find((g) => g.value === 'Male')!.baseRate), 0.2998);
    assert.strictEqual(r4(sex.groups.find((g) => g.value === 'Female')!.baseRate), 0.1088);
    assert.strictEqual(r4(sex.minDisparateImpact), 0.363);
  });

  it('reports race shares, a given reference group and small intersectional groups', () => {
    const bias = datasetBias(
      {
        label,
        attributes: [
          { name: 'sex', column: adult.categorical('sex') },
          { name: 'race', column: adult.categorical('race') },
        ],
      },
      { reference: { race: 'White' } },
    );
    const race = bias.attributes[1]!;
    assert.strictEqual(race.reference, 'White');
    assert.strictEqual(race.referenceChosen, 'given');
    const share = Object.fromEntries(race.groups.map((g) => [g.value, r4(g.share)]));
    assert.deepStrictEqual(share, {
      White: 0.8543,
      Black: 0.0959,
      'Asian-Pac-Islander': 0.0319,
      'Amer-Indian-Eskimo': 0.0096,
      Other: 0.0083,
    });
    assert.strictEqual(bias.intersections.length, 1);
    const inter = bias.intersections[0]!;
    assert.strictEqual(inter.attribute, 'sex & race');
    assert.strictEqual(inter.groups.length, 10);
    const sum = inter.groups.reduce((s, g) => s + g.n, 0);
    assert.strictEqual(sum, 32561);
    // Under-represented race groups are reported; no group in sex × race is below 30 rows on Adult's training split.
    assert.ok(bias.findings.some((f) => f.rule === 'fairness/group-imbalance' && f.column === 'race'));
  });

  it("reproduces Cramér's V against sex and race (numeric columns in deciles)", () => {
    const cols: { name: string; column: EncodedColumn }[] = adult.header.map((name) => ({
      name,
      column: NUMERIC.has(name) ? adult.numeric(name) : adult.categorical(name),
    }));
    const prot = cols.filter((c) => c.name === 'sex' || c.name === 'race');
    const res = proxyAssociations(prot, cols);
    const v = (p: string, c: string) =>
      r3(res.associations.find((a) => a.protected === p && a.column === c)!.cramersV);
    assert.strictEqual(v('sex', 'relationship'), 0.649);
    assert.strictEqual(v('sex', 'marital-status'), 0.462);
    assert.strictEqual(v('sex', 'occupation'), 0.424);
    assert.strictEqual(v('sex', 'hours-per-week'), 0.257);
    assert.strictEqual(v('sex', 'income'), 0.216);
    assert.strictEqual(v('race', 'native-country'), 0.409);
    const raceOthers = res.associations.filter(
      (a) => a.protected === 'race' && a.column !== 'native-country' && a.cramersV !== null,
    );
    assert.ok(
      raceOthers.every((a) => a.cramersV! <= 0.12),
      'nothing else above 0.12 against race',
    );
    // capital-gain is 0 up to the 90th percentile: a single decile bin, so V is undefined rather than 0.
    const gain = res.associations.find((a) => a.protected === 'sex' && a.column === 'capital-gain')!;
    assert.strictEqual(gain.cramersV, null);
    assert.match(gain.reason!, /single value/);
    const proxies = res.findings.map((f) => `${f.column}~${String(f.data?.protected)}`);
    assert.deepStrictEqual(proxies, ['relationship~sex']);
  });
});
