import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  lossThresholdAttack,
  maxAdvantage,
  membershipInference,
  membershipInferenceAudit,
  perExampleLosses,
  predictedClassConfidence,
  rocAuc,
  trainedAttack,
} from '../../../src/core/training/dp/membershipInference';
import { perExampleLoss } from '../../../src/core/training/heads';
import { seededRandom } from '../../../src/core/random';

/** The definition: count every (positive, negative) pair, ½ for a tie. O(n·m). */
function aucByPairs(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

/** The definition: try every observed value (and +∞) as the threshold "positive when score ≥ t". */
function advantageByBruteForce(pos: number[], neg: number[]): number {
  let best = 0;
  for (const t of [...pos, ...neg]) {
    const tpr = pos.filter((v) => v >= t).length / pos.length;
    const fpr = neg.filter((v) => v >= t).length / neg.length;
    best = Math.max(best, tpr - fpr);
  }
  return best;
}

function normals(n: number, mean: number, sd: number, random: () => number): number[] {
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
}

describe('dp/membershipInference', () => {
  it('AUC equals pair counting, ties included (property)', () => {
    // Small integer scores make ties frequent.
    const arr = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(arr, arr, (pos, neg) => {
        assert.ok(Math.abs(rocAuc(pos, neg) - aucByPairs(pos, neg)) < 1e-12);
        assert.ok(Math.abs(maxAdvantage(pos, neg).advantage - advantageByBruteForce(pos, neg)) < 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('AUC equals pair counting on continuous synthetic losses', () => {
    const r = seededRandom(4);
    const members = normals(700, 0.3, 0.2, r).map(Math.abs);
    const non = normals(500, 0.5, 0.3, r).map(Math.abs);
    const res = lossThresholdAttack(members, non);
    // Lower loss means member: the attack's score is −loss.
    const ref = aucByPairs(
      members.map((v) => -v),
      non.map((v) => -v),
    );
    assert.ok(Math.abs(res.auc - ref) < 1e-12);
    assert.ok(res.auc > 0.6 && res.auc < 0.9);
    assert.ok(
      Math.abs(
        res.advantage -
          advantageByBruteForce(
            members.map((v) => -v),
            non.map((v) => -v),
          ),
      ) < 1e-12,
    );
    // The reported threshold reaches the reported advantage.
    const tpr = members.filter((v) => v <= res.lossThreshold).length / members.length;
    const fpr = non.filter((v) => v <= res.lossThreshold).length / non.length;
    assert.ok(Math.abs(tpr - fpr - res.advantage) < 1e-12);
    assert.equal(res.members, 700);
    assert.equal(res.nonMembers, 500);
  });

  it('is 0.5 / 0 when the two sides are the same, 1 when they separate, 0 when reversed', () => {
    assert.equal(rocAuc([1, 2, 3], [1, 2, 3]), 0.5);
    assert.equal(maxAdvantage([1, 2, 3], [1, 2, 3]).advantage, 0);
    assert.equal(lossThresholdAttack([0.1, 0.2], [0.5, 0.9]).auc, 1);
    assert.equal(lossThresholdAttack([0.1, 0.2], [0.5, 0.9]).advantage, 1);
    assert.equal(lossThresholdAttack([0.5, 0.9], [0.1, 0.2]).auc, 0);
    assert.equal(lossThresholdAttack([0.5, 0.9], [0.1, 0.2]).advantage, 0);
    // One row each side.
    assert.equal(rocAuc([2], [1]), 1);
  });

  it('rejects empty sides and non-finite losses with the position', () => {
    assert.throws(() => rocAuc([], [1]), /positive scores is empty/);
    assert.throws(() => lossThresholdAttack([1], []), /non-member losses is empty/);
    assert.throws(() => lossThresholdAttack([1, NaN], [1]), /member losses\[1\] is NaN/);
    assert.throws(() => lossThresholdAttack([1], [Infinity]), /non-member losses\[0\] is Infinity/);
  });

  it('trained attack: near 0.5 out of sample on identical distributions, high on separable ones', () => {
    const r = seededRandom(7);
    const same = trainedAttack(
      { loss: normals(600, 1, 0.3, r).map(Math.abs) },
      { loss: normals(400, 1, 0.3, r).map(Math.abs) },
      r,
    );
    assert.ok(Math.abs(same.auc - 0.5) < 0.07, `auc ${same.auc}`);
    assert.equal(same.members, 400);
    // Confidence carries the signal here, loss does not: the attack must use both features.
    const n = 400;
    const mLoss = normals(n, 1, 0.3, r).map(Math.abs);
    const nLoss = normals(n, 1, 0.3, r).map(Math.abs);
    const sep = trainedAttack(
      { loss: mLoss, confidence: normals(n, 0.9, 0.03, r) },
      { loss: nLoss, confidence: normals(n, 0.7, 0.03, r) },
      r,
    );
    assert.ok(sep.auc > 0.97, `auc ${sep.auc}`);
    assert.throws(() => trainedAttack({ loss: [1, 2] }, { loss: [1, 2, 3] }, r), /at least 5 rows/);
  });

  it('computes losses and confidences from a model, and reports both attacks', async () => {
    await tf.ready();
    const prev = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const model = tf.sequential();
      model.add(
        tf.layers.dense({
          units: 1,
          inputShape: [3],
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
      );
      const x = tf.randomNormal([120, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
      const y = tf.cast(
        tf.greater(tf.randomUniform([120, 1], 0, 1, 'float32', 3), 0.5),
        'float32',
      ) as tf.Tensor2D;
      const loss = perExampleLoss('binary');
      const out = await perExampleLosses(model, x, y, loss, predictedClassConfidence('binary'));
      const ref = tf.tidy(() => loss(y, model.predict(x) as tf.Tensor2D).dataSync());
      assert.equal(out.loss.length, 120);
      out.loss.forEach((v, i) => assert.ok(Math.abs(v - (ref[i] as number)) < 1e-6));
      assert.ok(out.confidence && out.confidence.every((c) => c >= 0.5 && c <= 1));
      const report = membershipInference(
        { loss: out.loss.subarray(0, 60), confidence: out.confidence.subarray(0, 60) },
        { loss: out.loss.subarray(60), confidence: out.confidence.subarray(60) },
        { comparison: 'first half vs second half', random: seededRandom(1) },
      );
      assert.ok(report.trained && report.lossThreshold.auc >= 0 && report.lossThreshold.auc <= 1);
      assert.ok(Number.isFinite(report.meanMemberLoss) && Number.isFinite(report.meanNonMemberLoss));
      // The audit record: flat figures, the loss-threshold ones equal to the attack on the same rows.
      const xm = x.slice([0, 0], [60, -1]) as tf.Tensor2D;
      const ym = y.slice([0, 0], [60, -1]) as tf.Tensor2D;
      const xn = x.slice([60, 0], [-1, -1]) as tf.Tensor2D;
      const yn = y.slice([60, 0], [-1, -1]) as tf.Tensor2D;
      const audit = await membershipInferenceAudit(
        model,
        { x: xm, y: ym },
        { x: xn, y: yn },
        'binary',
        loss,
        { comparison: 'halves', random: seededRandom(1) },
      );
      assert.ok(audit);
      assert.equal(audit.auc, report.lossThreshold.auc);
      assert.equal(audit.advantage, report.lossThreshold.advantage);
      assert.equal(audit.members, 60);
      assert.ok(audit.trainedAuc !== undefined && audit.trainedAdvantage !== undefined);
      const empty = tf.zeros([0, 3]) as tf.Tensor2D;
      assert.equal(
        await membershipInferenceAudit(
          model,
          { x: xm, y: ym },
          { x: empty, y: tf.zeros([0, 1]) as tf.Tensor2D },
          'binary',
          loss,
          { comparison: '', random: Math.random },
        ),
        null,
      );
      tf.dispose([xm, ym, xn, yn, empty]);
      tf.dispose([x, y]);
      model.dispose();
    } finally {
      await tf.setBackend(prev);
    }
  });
});
