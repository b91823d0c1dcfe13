import * as assert from 'assert';
import {
  encodeCategorical,
  type CategoricalColumn,
  type NumericColumn,
} from '../../../src/core/data/encoded';
import {
  association,
  linearQuantile,
  proxyAssociations,
  quantileBins,
} from '../../../src/core/fairness/proxies';
import { labelLeakage } from '../../../src/core/fairness/leakage';
import { toBinaryOutcome } from '../../../src/core/fairness/positives';
import { loadAdult, type Adult } from './adultData';

const num = (v: number[]): NumericColumn => ({ kind: 'numeric', values: Float64Array.from(v) });

describe('fairness: quantile bins (pandas qcut semantics)', () => {
  it('interpolates quantiles linearly like NumPy', () => {
    const s = [1, 2, 3, 4];
    assert.strictEqual(linearQuantile(s, 0), 1);
    assert.strictEqual(linearQuantile(s, 0.5), 2.5);
    assert.strictEqual(linearQuantile(s, 1), 4);
    assert.strictEqual(linearQuantile(s, 0.1), 1.3);
  });

  it('closes intervals on the right and includes the lowest edge', () => {
    const b = quantileBins([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2);
    assert.deepStrictEqual(b.edges, [1, 5.5, 10]);
    assert.deepStrictEqual([...b.codes], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.deepStrictEqual(b.levels, ['[1, 5.5]', '(5.5, 10]']);
    const onEdge = quantileBins([0, 1, 1, 2], 2);
    assert.deepStrictEqual(onEdge.edges, [0, 1, 2]);
    assert.deepStrictEqual(
      [...onEdge.codes],
      [0, 0, 0, 1],
      'a value equal to an edge belongs to the bin it closes',
    );
  });

  // Expected values below were printed by pandas 1.5.3 / NumPy 1.24.2 (Debian 12):
  // pd.qcut(x, q, duplicates='drop', retbins=True), codes from .cat.codes.
  it('drops duplicate edges, keeps NaN missing, and gives a constant column one bin', () => {
    const b = quantileBins([0, 0, 0, 0, 0, 0, 0, 0, 5, 9, NaN], 10);
    assert.deepStrictEqual(b.edges, [0, 1.0000000000000009, 5.399999999999999, 9]);
    assert.deepStrictEqual([...b.codes], [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, -1]);
    const q = quantileBins([3.3, 1.1, 2.2, 7.7, 7.7, 7.7, 0.1, 100.0, -5.0, 2.2, 2.2, 4.4, NaN], 4);
    assert.deepStrictEqual(q.edges, [-5.0, 1.9250000000000003, 2.75, 7.7, 100.0]);
    assert.deepStrictEqual([...q.codes], [2, 0, 1, 2, 2, 2, 0, 3, 0, 1, 1, 2, -1]);
    const c = quantileBins([3, 3, NaN]);
    assert.deepStrictEqual([...c.codes], [0, 0, -1]);
    assert.deepStrictEqual(quantileBins([NaN]).levels, []);
    assert.throws(() => quantileBins([1], 0), /bins must be a positive integer/);
  });
});

describe('fairness: decile edges on Adult equal pandas qcut bit for bit', () => {
  let adult: Adult;
  before(async () => {
    adult = await loadAdult();
  });
  const edges = (c: string) => quantileBins(adult.numeric(c).values, 10).edges;
  it("age, hours-per-week, education-num and fnlwgt (whose 70% edge keeps NumPy's rounding, 219632.00000000012)", () => {
    assert.deepStrictEqual(edges('age'), [17, 22, 26, 30, 33, 37, 41, 45, 50, 58, 90]);
    assert.deepStrictEqual(edges('hours-per-week'), [1, 24, 35, 40, 48, 55, 99]);
    assert.deepStrictEqual(edges('education-num'), [1, 7, 9, 10, 11, 13, 16]);
    assert.deepStrictEqual(
      edges('fnlwgt'),
      [12285, 65716, 106648, 130856, 158662, 178356, 196338, 219632.00000000012, 259873, 329054, 1484705],
    );
  });
  it("normalised mutual information equals scikit-learn's", () => {
    // normalized_mutual_info_score(sex, relationship) and (sex, qcut(hours-per-week, 10)) with scikit-learn 1.2.1.
    const sex = adult.categorical('sex');
    assert.ok(
      Math.abs(association(sex, adult.categorical('relationship')).nmi! - 0.25670840770105124) < 1e-12,
    );
    assert.ok(
      Math.abs(
        association(sex, quantileBins(adult.numeric('hours-per-week').values)).nmi! - 0.03165669593742831,
      ) < 1e-12,
    );
  });
});

describe("fairness: Cramér's V and normalised mutual information", () => {
  it('is 1 for a perfect association, 0 for independence', () => {
    const a = encodeCategorical(['x', 'x', 'y', 'y']);
    const r = association(a, encodeCategorical(['p', 'p', 'q', 'q']));
    assert.strictEqual(r.cramersV, 1);
    assert.ok(Math.abs(r.nmi! - 1) < 1e-15);
    const z = association(a, encodeCategorical(['p', 'q', 'p', 'q']));
    assert.strictEqual(z.cramersV, 0);
    assert.strictEqual(z.nmi, 0);
  });

  it('matches a hand computation on a 2 × 3 table', () => {
    // Table rows a/b, columns p/q/r: a = [2, 1, 0], b = [0, 1, 2]; n = 6; expected 1, 1, 1 in every cell.
    const x = encodeCategorical(['a', 'a', 'a', 'b', 'b', 'b']);
    const y = encodeCategorical(['p', 'p', 'q', 'q', 'r', 'r']);
    const chi2 = 1 + 0 + 1 + (1 + 0 + 1);
    const r = association(x, y);
    assert.ok(Math.abs(r.cramersV! - Math.sqrt(chi2 / 6)) < 1e-15);
    const mi =
      (2 / 6) * Math.log(2 / ((3 / 6) * (2 / 6)) / 6) * 2 +
      (1 / 6) * Math.log(1 / 6 / ((3 / 6) * (2 / 6))) * 2;
    const hx = Math.log(2);
    const hy = Math.log(3);
    assert.ok(Math.abs(r.nmi! - mi / ((hx + hy) / 2)) < 1e-12);
  });

  it('counts missing as a level of its own and is null for a single level', () => {
    const withMissing = association(
      encodeCategorical(['a', 'a', undefined, undefined]),
      encodeCategorical(['p', 'p', 'q', 'q']),
    );
    assert.strictEqual(withMissing.cramersV, 1);
    assert.deepStrictEqual(withMissing.levels, [2, 2]);
    const single = association(encodeCategorical(['a', 'a']), encodeCategorical(['p', 'q']));
    assert.strictEqual(single.cramersV, null);
    assert.match(single.reason!, /single value/);
    assert.strictEqual(association(encodeCategorical([]), encodeCategorical([])).reason, 'no rows');
  });

  it('skips identifier-like columns and flags proxies on the proxy column', () => {
    const sex = encodeCategorical(['F', 'M', 'F', 'M', 'F', 'M', 'F', 'M', 'F', 'M']);
    const ids = encodeCategorical(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const rel = encodeCategorical([
      'Wife',
      'Husband',
      'Wife',
      'Husband',
      'Wife',
      'Husband',
      'Wife',
      'Husband',
      'Wife',
      'Own-child',
    ]);
    const r = proxyAssociations(
      [{ name: 'sex', column: sex }],
      [
        { name: 'id', column: ids },
        { name: 'relationship', column: rel },
        { name: 'sex', column: sex },
      ],
    );
    assert.strictEqual(r.associations.length, 2, 'a column is not compared with itself');
    assert.strictEqual(r.associations[0]!.cramersV, null);
    assert.match(r.associations[0]!.reason!, /identifier-like/);
    assert.strictEqual(r.findings.length, 1);
    assert.strictEqual(r.findings[0]!.rule, 'fairness/proxy');
    assert.strictEqual(r.findings[0]!.column, 'relationship');
    assert.match(r.findings[0]!.message, /`relationship` is a proxy for `sex` \(Cramér's V 1\.000/);
  });
});

describe('fairness: tables wider than a pass', () => {
  // 2,100 columns of 200 rows: three passes of PASS_COLUMNS (1,024). Numbers, categories tied to `sex` or
  // not, an identifier-like column, and the protected attributes themselves among the columns.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rows = 200;
  const sexes = Array.from({ length: rows }, () => (random() < 0.5 ? 'F' : 'M'));
  const sex = encodeCategorical(sexes);
  const age = num(
    Array.from({ length: rows }, () => (random() < 0.05 ? NaN : 18 + Math.floor(random() * 60))),
  );
  const others = Array.from(
    { length: 2_100 },
    (_, j): { name: string; column: CategoricalColumn | NumericColumn } => {
      const name = `c${j}`;
      if (j === 5) return { name: 'sex', column: sex };
      if (j === 1_500) return { name: 'age', column: age };
      if (j === 2_000) return { name, column: encodeCategorical(sexes.map((_, i) => `id${i}`)) };
      if (j % 3 === 0)
        return {
          name,
          column: encodeCategorical(
            sexes.map((s) => (random() < 0.1 * (j % 10) ? s : `${Math.floor(random() * 4)}`)),
          ),
        };
      return {
        name,
        column: num(Array.from({ length: rows }, () => (random() < 0.02 ? NaN : random() * j))),
      };
    },
  );
  const protectedCols = [
    { name: 'sex', column: sex },
    { name: 'age', column: age },
  ];

  it('finds the proxies a pass at a time as column by column, in the same order', () => {
    let passes = 0;
    const r = proxyAssociations(protectedCols, others, { threshold: 0.3, between: () => passes++ });
    assert.strictEqual(passes, 3);
    const alone = others.map((o) => proxyAssociations(protectedCols, [o], { threshold: 0.3 }));
    const expected = protectedCols.flatMap((p) =>
      alone.flatMap((a) => a.associations.filter((x) => x.protected === p.name)),
    );
    assert.deepStrictEqual(r.associations, expected);
    assert.strictEqual(r.associations.length, 2 * 2_100 - 2);
    const findings = protectedCols.flatMap((p) =>
      alone.flatMap((a) => a.findings.filter((f) => (f.data as { protected: string }).protected === p.name)),
    );
    assert.ok(findings.length > 100, `${findings.length} proxies`);
    assert.deepStrictEqual(r.findings, findings);
  });

  it('scores leakage a pass at a time as column by column', () => {
    const label = Int8Array.from(sexes, (s) => (s === 'F' ? 1 : 0));
    let passes = 0;
    const r = labelLeakage(label, others, { between: () => passes++ });
    assert.strictEqual(passes, 3);
    const alone = others.map((o) => labelLeakage(label, [o]));
    assert.deepStrictEqual(
      r.scores,
      alone.flatMap((a) => a.scores),
    );
    assert.deepStrictEqual(
      r.findings,
      alone.flatMap((a) => a.findings),
    );
    assert.ok(r.findings.length > 50, `${r.findings.length} leaks`);
  });
});

describe('fairness: label leakage', () => {
  let adult: Adult;
  let y: Int8Array;
  before(async () => {
    adult = await loadAdult();
    y = toBinaryOutcome(adult.column('income'), ['>50K']).outcome;
  });

  it('flags nothing on Adult, and a noisy copy of the label', () => {
    const cols = ['age', 'education-num', 'capital-gain', 'hours-per-week'].map((c) => ({
      name: c,
      column: adult.numeric(c) as NumericColumn | CategoricalColumn,
    }));
    for (const c of [
      'workclass',
      'education',
      'marital-status',
      'occupation',
      'relationship',
      'race',
      'sex',
      'native-country',
    ])
      cols.push({ name: c, column: adult.categorical(c) });
    const clean = labelLeakage(y, cols);
    assert.deepStrictEqual(clean.findings, []);
    const rel = clean.scores.find((s) => s.column === 'relationship')!;
    assert.ok(rel.lambda! >= 0 && rel.lambda! < 0.5 && rel.uncertainty! > 0.1);
    // 1% of the copy flipped: still almost determines the label.
    const leaked = Array.from(y, (v, i) =>
      i % 100 === 0 ? (v === 1 ? 'no' : 'yes') : v === 1 ? 'yes' : 'no',
    );
    const r = labelLeakage(y, [...cols, { name: 'approved', column: encodeCategorical(leaked) }]);
    assert.deepStrictEqual(
      r.findings.map((f) => f.column),
      ['approved'],
    );
    assert.match(
      r.findings[0]!.message,
      /`approved` almost determines the label: predicting each value's majority label is right for 99\.0% of rows, against 75\.9%/,
    );
  });

  it('flags a numeric column whose raw value separates the classes (AUC), even across a decile', () => {
    const label = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const amount = num(label.map((v, i) => (v === 1 ? 50_001 + i : 49_000 - i)));
    const r = labelLeakage(label, [{ name: 'amount', column: amount }]);
    assert.strictEqual(r.scores[0]!.auc, 1);
    assert.strictEqual(r.findings.length, 1);
  });

  it('gives the Mann-Whitney AUC with ties counted half, NaN values and unlabelled rows left out', () => {
    // Brute force over every (positive, negative) pair, against the sorted walk of the implementation.
    let state = 7;
    const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 20; trial++) {
      const n = 300 + trial * 17;
      const label = Array.from({ length: n }, () => (rand() < 0.1 ? -1 : rand() < 0.4 ? 1 : 0));
      const values = Array.from({ length: n }, () =>
        rand() < 0.05 ? NaN : rand() < 0.05 ? -0 : Math.floor(rand() * (3 + trial)) - 1,
      );
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        if (label[i] !== 1 || Number.isNaN(values[i]!)) continue;
        for (let j = 0; j < n; j++) {
          if (label[j] !== 0 || Number.isNaN(values[j]!)) continue;
          pairs++;
          if (values[i]! > values[j]!) wins++;
          else if (values[i] === values[j]) wins += 0.5;
        }
      }
      const auc = wins / pairs;
      const r = labelLeakage(label, [{ name: 'x', column: num(values) }]);
      assert.ok(Math.abs(r.scores[0]!.auc! - Math.max(auc, 1 - auc)) < 1e-12, `trial ${trial}`);
    }
  });

  it('is null with a reason for a one-class label, and skips identifier-like columns', () => {
    const r = labelLeakage([1, 1, 1, 1], [{ name: 'x', column: encodeCategorical(['a', 'b', 'a', 'b']) }]);
    assert.strictEqual(r.scores[0]!.lambda, null);
    assert.match(r.scores[0]!.reason!, /single class/);
    const ids = labelLeakage(
      [1, 0, 1, 0, 1, 0],
      [{ name: 'id', column: encodeCategorical(['1', '2', '3', '4', '5', '6']) }],
    );
    assert.match(ids.scores[0]!.reason!, /identifier-like/);
    assert.deepStrictEqual(ids.findings, []);
  });
});
