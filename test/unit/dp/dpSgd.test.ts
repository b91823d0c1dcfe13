import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  defaultDelta,
  dpSgdTraining,
  planDpSgd,
  poissonBatches,
  privacyNotes,
  secureRandom,
} from '../../../src/core/training/dp/dpSgd';
import { dpSgdEpsilon } from '../../../src/core/training/dp/rdpAccountant';
import { lossThresholdAttack, perExampleLosses } from '../../../src/core/training/dp/membershipInference';
import { headMetric, perExampleLoss } from '../../../src/core/training/heads';
import { buildModel, makeOptimizer } from '../../../src/core/training/model';
import { seededRandom } from '../../../src/core/random';
import { trainLoop } from '../../../src/core/training/trainLoop';

/** Rows of UCI Adult (training split), numeric columns standardised, plus sex; label income >50K. */
function adultSample(rows: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const candidates = [
    path.resolve(__dirname, '../../../examples/adult/adult.csv'),
    '/work/shared/data/adult/adult.csv',
    path.resolve(__dirname, '../../../../shared/data/adult/adult.csv'),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`Adult data not found in ${candidates.join(', ')}`);
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = (lines[0] as string).split(',');
  const col = (name: string) => header.indexOf(name);
  const numeric = ['age', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week'].map(col);
  const feats: number[][] = [];
  const labels: number[] = [];
  for (const line of lines.slice(1, rows + 1)) {
    const cells = line.split(',').map((c) => c.trim());
    const f = numeric.map((i) => Number(cells[i]));
    f.push(cells[col('sex')] === 'Male' ? 1 : 0);
    f.push(cells[col('marital-status')] === 'Married-civ-spouse' ? 1 : 0);
    feats.push(f);
    labels.push(cells[col('income')]?.startsWith('>50K') ? 1 : 0);
  }
  const width = (feats[0] as number[]).length;
  for (let j = 0; j < width; j++) {
    const m = feats.reduce((s, f) => s + (f[j] as number), 0) / feats.length;
    const sd = Math.sqrt(feats.reduce((s, f) => s + ((f[j] as number) - m) ** 2, 0) / feats.length) || 1;
    for (const f of feats) f[j] = ((f[j] as number) - m) / sd;
  }
  return { x: tf.tensor2d(feats), y: tf.tensor2d(labels, [labels.length, 1]) };
}

describe('dp/dpSgd', () => {
  let prev = '';
  before(async () => {
    await tf.ready();
    prev = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (prev) await tf.setBackend(prev);
  });

  it('Poisson sampler: round(1/q) steps, each row with probability q, sorted and distinct, sizes vary', () => {
    const n = 2000;
    const s = poissonBatches(n, 100, seededRandom(3));
    assert.equal(s.batchesPerEpoch, 20);
    const counts = new Int32Array(n);
    const sizes: number[] = [];
    const epochs = 50;
    for (let e = 1; e <= epochs; e++) {
      let steps = 0;
      for (const b of s.batches(e)) {
        steps++;
        sizes.push(b.length);
        for (let k = 0; k < b.length; k++) {
          counts[b[k] as number]!++;
          if (k > 0) assert.ok((b[k] as number) > (b[k - 1] as number));
          assert.ok((b[k] as number) >= 0 && (b[k] as number) < n);
        }
      }
      assert.equal(steps, 20);
    }
    const meanSize = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    // Binomial(2000, 0.05): mean 100, sd ≈ 9.7; over 1000 batches the mean is within ±1.
    assert.ok(Math.abs(meanSize - 100) < 1.5, `mean batch ${meanSize}`);
    const sd = Math.sqrt(sizes.reduce((a, b) => a + (b - meanSize) ** 2, 0) / sizes.length);
    assert.ok(Math.abs(sd - Math.sqrt(2000 * 0.05 * 0.95)) < 1.5, `sd ${sd}`);
    // Each row is drawn 1000·0.05 = 50 times in expectation; all rows are reachable (the first and the last too).
    const mean = counts.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(mean - 50) < 1);
    assert.ok((counts[0] as number) > 20 && (counts[n - 1] as number) > 20);
    assert.throws(() => poissonBatches(10, 0, Math.random), /batch size/);
    assert.throws(() => poissonBatches(0, 1, Math.random), /rows/);
  });

  it('secure random: uniform doubles in [0, 1)', () => {
    const r = secureRandom();
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r();
      assert.ok(v >= 0 && v < 1);
      sum += v;
    }
    assert.ok(Math.abs(sum / 20000 - 0.5) < 0.02);
  });

  it('δ defaults to 1/N rounded down to a power of ten', () => {
    assert.equal(defaultDelta(32561), 1e-5);
    assert.equal(defaultDelta(1000), 1e-3);
    assert.equal(defaultDelta(999), 1e-3);
    assert.equal(defaultDelta(1001), 1e-4);
  });

  it('plans a run: calibrates σ from targetEpsilon, or takes σ as given', () => {
    const p = planDpSgd({ l2NormClip: 1, targetEpsilon: 3 }, 32561, 256, 20);
    assert.equal(p.delta, 1e-5);
    assert.equal(p.stepsPerEpoch, 127);
    assert.equal(p.plannedSteps, 2540);
    assert.ok(p.calibrated && p.plannedEpsilon <= 3 && p.plannedEpsilon > 2.99);
    assert.equal(p.seededNoise, null);
    const g = planDpSgd({ l2NormClip: 1, noiseMultiplier: 1.0, delta: 1e-5 }, 32561, 256, 20);
    assert.ok(!g.calibrated);
    assert.ok(
      Math.abs(
        g.plannedEpsilon -
          dpSgdEpsilon({ q: 256 / 32561, noiseMultiplier: 1, steps: 2540, delta: 1e-5 }).epsilon,
      ) < 1e-12,
    );
    assert.throws(() => planDpSgd({ l2NormClip: 1 }, 100, 10, 1), /noiseMultiplier or targetEpsilon/);
    assert.throws(() => planDpSgd({ l2NormClip: 0, noiseMultiplier: 1 }, 100, 10, 1), /l2NormClip/);
  });

  it('lists the options that leak outside the accountant', () => {
    const none = privacyNotes({
      standardisedFromData: false,
      categoriesFromData: false,
      imputedFromData: false,
      earlyStopping: false,
      validationFromTrainingFile: false,
      reweighing: false,
      thresholdFitting: false,
      deduplicated: false,
      trainingLossLogged: false,
      seededNoise: false,
    });
    assert.deepEqual(none, []);
    const some = privacyNotes({
      standardisedFromData: true,
      categoriesFromData: false,
      imputedFromData: false,
      earlyStopping: true,
      validationFromTrainingFile: false,
      reweighing: true,
      thresholdFitting: false,
      deduplicated: false,
      trainingLossLogged: false,
      seededNoise: true,
    });
    assert.deepEqual(
      some.map((n) => n.option),
      ['standardisation', 'early stopping', 'reweighing', 'seeded noise'],
    );
  });

  it('trains a real model on Adult with the training loop: ε per epoch, audit record, and it learns', async function () {
    this.timeout(60000);
    const { x, y } = adultSample(4000);
    const n = 3000;
    const xTrain = x.slice([0, 0], [n, -1]) as tf.Tensor2D;
    const yTrain = y.slice([0, 0], [n, -1]) as tf.Tensor2D;
    const xTest = x.slice([n, 0], [-1, -1]) as tf.Tensor2D;
    const yTest = y.slice([n, 0], [-1, -1]) as tf.Tensor2D;
    const epochs = 4;
    const plan = planDpSgd({ l2NormClip: 1, targetEpsilon: 4, seededNoise: 5 }, n, 100, epochs);
    const dp = dpSgdTraining(plan);
    const model = buildModel({
      type: 'mlp',
      inputWidth: 7,
      outputWidth: 1,
      hidden: [16],
      activation: 'relu',
      dropout: 0,
      seed: 1,
    });
    const loss = perExampleLoss('binary');
    const result = await trainLoop({
      model,
      optimizer: makeOptimizer('adam', 0.02),
      x: xTrain,
      y: yTrain,
      perExampleLoss: loss,
      metric: headMetric('binary'),
      l2: 0,
      epochs,
      batchSize: 100,
      seed: 1,
      stepFactory: dp.stepFactory,
      samplerFactory: dp.samplerFactory,
      now: () => 0,
    });
    assert.equal(result.history.length, epochs);
    const eps = result.history.map((h) => h.extra?.['epsilon'] as number);
    for (let e = 1; e < eps.length; e++) assert.ok((eps[e] as number) > (eps[e - 1] as number));
    // After all planned epochs ε is the planned one (≤ target), from exactly the steps sampled.
    assert.equal(result.steps, plan.plannedSteps);
    assert.ok(Math.abs((eps[epochs - 1] as number) - plan.plannedEpsilon) < 1e-9);
    assert.ok((eps[epochs - 1] as number) <= 4);
    const record = (result.stepInfo as { dpSgd: Record<string, unknown> }).dpSgd;
    assert.equal(record['steps'], plan.plannedSteps);
    assert.equal(record['clipping'], 'ghost');
    assert.equal(record['clippingPass'], 'tape');
    assert.equal(record['noiseMultiplier'], plan.noiseMultiplier);
    assert.match(String(record['randomness']), /seeded/);
    // It learns: better than the majority class (≈ 0.76 on Adult) on held-out rows.
    const acc = tf.tidy(() => {
      const logits = model.predict(xTest) as tf.Tensor2D;
      return tf
        .mean(tf.cast(tf.equal(tf.cast(tf.greater(logits, 0), 'float32'), yTest), 'float32'))
        .dataSync()[0] as number;
    });
    assert.ok(acc > 0.78, `held-out accuracy ${acc}`);
    // The membership-inference AUC of a DP model on Adult is close to chance.
    const members = (await perExampleLosses(model, xTrain, yTrain, loss)).loss;
    const non = (await perExampleLosses(model, xTest, yTest, loss)).loss;
    const mia = lossThresholdAttack(members, non);
    assert.ok(Math.abs(mia.auc - 0.5) < 0.05, `MIA AUC ${mia.auc}`);
    tf.dispose([x, y, xTrain, yTrain, xTest, yTest]);
    model.dispose();
  });
});
