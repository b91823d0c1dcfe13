import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readTable } from '../../../src/core/data/readTable';
import { encodeCategorical } from '../../../src/core/data/encoded';
import { toBinaryOutcome } from '../../../src/core/fairness/positives';
import {
  auditPredictions,
  type GroupMetrics,
  type PredictionAudit,
} from '../../../src/core/fairness/predictionAudit';

type Ref = Record<string, number>;
const FIXTURE = path.join(__dirname, 'fixtures', 'adult-test-logreg.csv');
const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'adult-test-logreg.reference.json'), 'utf8'),
) as {
  overall: Ref;
  sex: Record<string, Ref>;
  race: Record<string, Ref>;
};

function same(got: GroupMetrics, want: Ref, where: string) {
  assert.deepStrictEqual(got.confusion, { tp: want.tp, fp: want.fp, tn: want.tn, fn: want.fn }, where);
  assert.strictEqual(got.n, want.n);
  for (const k of ['selectionRate', 'tpr', 'fpr', 'ppv', 'accuracy', 'rocAuc', 'ece'] as const) {
    const g = got[k];
    assert.ok(
      typeof g === 'number' && Math.abs(g - want[k]!) < 1e-12,
      `${where}.${k}: ${String(g)} vs scikit-learn ${want[k]}`,
    );
  }
}

describe('fairness: prediction audit equals scikit-learn on a real model (Adult test split, logistic regression)', () => {
  let audit: PredictionAudit;
  before(async () => {
    const rows: (string | undefined)[][] = [];
    let names: string[] = [];
    await readTable(
      fs.createReadStream(FIXTURE),
      {
        header: (h) => (names = h.columns.map((c) => c.name)),
        row: (r) => rows.push(r.values),
        problem: () => {},
      },
      { fileName: FIXTURE },
    );
    const col = (n: string) => rows.map((r) => r[names.indexOf(n)]);
    audit = auditPredictions({
      label: toBinaryOutcome(col('income'), ['>50K']).outcome,
      prediction: toBinaryOutcome(col('prediction'), ['>50K']).outcome,
      score: Float64Array.from(col('score'), Number),
      groups: { sex: encodeCategorical(col('sex')), race: encodeCategorical(col('race')) },
    });
  });

  it('overall and per-group confusion matrices, rates, ROC AUC and ECE to 1e-12', () => {
    same(audit.overall, reference.overall, 'overall');
    for (const attr of ['sex', 'race'] as const) {
      for (const [value, want] of Object.entries(reference[attr]))
        same(audit.groups[attr]![value]!, want, `${attr}=${value}`);
    }
  });

  it('disparities are the largest minus the smallest group value (Fairlearn between_groups)', () => {
    for (const attr of ['sex', 'race'] as const) {
      const groups = Object.values(reference[attr]);
      const spread = (k: string) =>
        Math.max(...groups.map((g) => g[k]!)) - Math.min(...groups.map((g) => g[k]!));
      const ratio = (k: string) =>
        Math.min(...groups.map((g) => g[k]!)) / Math.max(...groups.map((g) => g[k]!));
      const d = audit.disparities[attr]!;
      assert.ok(Math.abs(d.demographicParityDifference! - spread('selectionRate')) < 1e-12);
      assert.ok(Math.abs(d.demographicParityRatio! - ratio('selectionRate')) < 1e-12);
      assert.ok(Math.abs(d.equalizedOddsDifference! - Math.max(spread('tpr'), spread('fpr'))) < 1e-12);
      assert.ok(Math.abs(d.equalizedOddsRatio! - Math.min(ratio('tpr'), ratio('fpr'))) < 1e-12);
      assert.ok(Math.abs(d.predictiveParityDifference! - spread('ppv')) < 1e-12);
    }
    // The README's figures for this model, to 3 decimals: selection rate F / M 0.076 / 0.253, FPR 0.022 / 0.098.
    assert.strictEqual(audit.groups.sex!.Female!.selectionRate!.toFixed(3), '0.076');
    assert.strictEqual(audit.groups.sex!.Male!.fpr!.toFixed(3), '0.098');
    const dp = audit.findings.find(
      (f) =>
        f.rule === 'fairness/threshold' && f.column === 'sex' && f.data?.metric === 'demographicParityRatio',
    )!;
    assert.match(
      dp.message,
      /Demographic parity ratio for `sex` is 0\.302 \(selection rate 'Female' 0\.076 vs 'Male' 0\.253\), below the policy's 0\.8\./,
    );
  });
});
