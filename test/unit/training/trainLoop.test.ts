import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/core/training/backends/select';
import { headMetric, perExampleLoss } from '../../../src/core/training/heads';
import { buildModel, makeOptimizer } from '../../../src/core/training/model';
import { modelFromFiles, modelToFiles } from '../../../src/core/training/modelIo';
import { fastMlpGradientStep } from '../../../src/core/training/fastMlpStep';
import { FlatAdam } from '../../../src/core/training/flatAdam';
import type { HeadKind } from '../../../src/core/training/heads';
import {
  NonFiniteLossError,
  plainGradientStep,
  trainLoop,
  type GradientStepContext,
  type TrainLoopOptions,
} from '../../../src/core/training/trainLoop';

/** A small learnable problem: y = 1 when a fixed linear score is positive. */
function data(n: number, d: number, seed: number) {
  const x = tf.randomNormal([n, d], 0, 1, 'float32', seed) as tf.Tensor2D;
  const w = tf.randomNormal([d, 1], 0, 1, 'float32', seed + 1);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.matMul(x, w), 0), 'float32')) as tf.Tensor2D;
  w.dispose();
  return { x, y };
}

function options(
  o: Partial<TrainLoopOptions> & Pick<TrainLoopOptions, 'model' | 'x' | 'y'>,
): TrainLoopOptions {
  let t = 0;
  return {
    optimizer: makeOptimizer('adam', 0.01),
    perExampleLoss: perExampleLoss('binary'),
    metric: headMetric('binary'),
    l2: 0,
    epochs: 3,
    batchSize: 64,
    seed: 1,
    now: () => (t += 10),
    ...o,
  };
}

const mlp = (seed = 3, dropout = 0) =>
  buildModel({ type: 'mlp', inputWidth: 8, outputWidth: 1, hidden: [16], activation: 'relu', dropout, seed });

describe('training loop', function () {
  this.timeout(60_000);
  before(async () => {
    const b = await selectBackend('wasm');
    assert.equal(b.name, 'wasm');
  });

  it('learns, and the same seeds give bit-identical weights (dropout included)', async () => {
    const { x, y } = data(512, 8, 11);
    const run = async () => {
      const model = mlp(3, 0.2);
      const r = await trainLoop(options({ model, x, y, validation: { x, y } }));
      const w = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.dispose();
      return { r, w };
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a.w, b.w);
    assert.equal(a.r.history.length, 3);
    assert.ok(a.r.history[2]!.valMetric! > 0.85, `accuracy ${a.r.history[2]!.valMetric}`);
    assert.ok(a.r.history[2]!.loss < a.r.history[0]!.loss);
    x.dispose();
    y.dispose();
  });

  it('stops on a NaN loss with the epoch and batch in the error', async () => {
    const { x, y } = data(256, 8, 5);
    const bad = tf.tidy(() => tf.mul(x, tf.scalar(NaN))) as tf.Tensor2D;
    const model = mlp();
    await assert.rejects(trainLoop(options({ model, x: bad, y, batchReportIntervalMs: 0 })), (e: unknown) => {
      assert.ok(e instanceof NonFiniteLossError);
      assert.equal(e.epoch, 1);
      assert.equal(e.batch, 1);
      assert.match(e.message, /loss became NaN at epoch 1, batch 1/);
      return true;
    });
    model.dispose();
    tf.dispose([x, y, bad]);
  });

  it('early stopping restores the weights of the best validation epoch', async () => {
    const { x, y } = data(256, 8, 7);
    // Validation labels are the opposite of training labels: validation loss rises once training learns.
    const flipped = tf.tidy(() => tf.sub(1, y)) as tf.Tensor2D;
    const model = mlp();
    let bestWeights: number[][] = [];
    let bestLoss = Infinity;
    const r = await trainLoop(
      options({
        model,
        x,
        y,
        epochs: 30,
        validation: { x, y: flipped },
        earlyStopping: { patience: 2, minDelta: 0 },
        onEpoch: (l) => {
          if (l.valLoss! < bestLoss) {
            bestLoss = l.valLoss!;
            bestWeights = model.getWeights().map((t) => Array.from(t.dataSync()));
          }
        },
      }),
    );
    assert.ok(r.stoppedEarly);
    assert.ok(r.history.length < 30);
    assert.equal(
      r.bestEpoch,
      r.history.reduce((b, l, i) => (l.valLoss! < r.history[b - 1]!.valLoss! ? i + 1 : b), 1),
    );
    assert.deepEqual(
      model.getWeights().map((t) => Array.from(t.dataSync())),
      bestWeights,
    );
    model.dispose();
    tf.dispose([x, y, flipped]);
  });

  it('runs a plugged-in gradient step and sampler, and stops when asked between batches', async () => {
    const { x, y } = data(640, 8, 9);
    const model = mlp();
    let steps = 0;
    let contexts: GradientStepContext | undefined;
    const r = await trainLoop(
      options({
        model,
        x,
        y,
        stepFactory: (ctx) => {
          contexts = ctx;
          const plain = plainGradientStep(ctx);
          return {
            compute: (b) => (steps++, plain.compute(b)),
            epochMetrics: () => ({ epsilon: steps / 100 }),
          };
        },
        samplerFactory: (n, bs) => ({
          batchesPerEpoch: n / bs,
          *batches() {
            for (let s = 0; s < n; s += bs) yield Int32Array.from({ length: bs }, (_, i) => s + i);
          },
        }),
        shouldStop: () => steps === 15,
        yieldToEvents: () => new Promise((res) => setImmediate(res)),
      }),
    );
    assert.equal(contexts?.datasetSize, 640);
    assert.equal(contexts?.variables.length, 4);
    assert.ok(r.cancelled);
    assert.equal(steps, 15, 'stopped right after the batch during which the stop was requested');
    assert.equal(r.history.length, 1, 'the first epoch (10 batches) completed');
    assert.deepEqual(r.history[0]!.extra, { epsilon: 0.1 });
    model.dispose();
    tf.dispose([x, y]);
  });

  it('leaks no tensors across a run', async () => {
    const { x, y } = data(256, 8, 13);
    const model = mlp();
    await trainLoop(options({ model, x, y, epochs: 1 }));
    const before = tf.memory().numTensors;
    await trainLoop(
      options({
        model,
        x,
        y,
        epochs: 2,
        validation: { x, y },
        earlyStopping: { patience: 5, minDelta: 0 },
        batchReportIntervalMs: 0,
      }),
    );
    // Adam's slot variables exist after the first run of each optimizer; a fresh one adds 2 per variable + 2 scalars.
    assert.ok(
      tf.memory().numTensors - before <= 2 * 4 + 2,
      `${tf.memory().numTensors - before} tensors left`,
    );
    model.dispose();
    tf.dispose([x, y]);
  });

  for (const [head, activation, weighted] of [
    ['binary', 'relu', true],
    ['multiclass', 'tanh', false],
    ['regression', 'sigmoid', true],
  ] as [HeadKind, 'relu' | 'tanh' | 'sigmoid', boolean][]) {
    it(`the hand-written step gives the tape's loss and gradients (${head}, ${activation}, ${weighted ? 'weighted' : 'unweighted'}, L2)`, () => {
      const outW = head === 'multiclass' ? 3 : 1;
      const model = buildModel({
        type: 'mlp',
        inputWidth: 6,
        outputWidth: outW,
        hidden: [7, 5],
        activation,
        dropout: 0,
        seed: 9,
      });
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const l2 = 0.01;
      const kernels = variables.filter((v) => /kernel/.test(v.name));
      const ctx: GradientStepContext = {
        model,
        variables,
        perExampleLoss: perExampleLoss(head),
        penalty: () => tf.mul(l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))) as tf.Scalar,
        batchSize: 16,
        datasetSize: 16,
        epochs: 1,
        random: Math.random,
      };
      const x = tf.randomNormal([16, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
      const y = (
        head === 'multiclass'
          ? tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2, 1, 1, 0, 2], 'int32'), 3).toFloat()
          : head === 'binary'
            ? tf.tensor2d([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0], [16, 1])
            : tf.randomNormal([16, 1], 0, 1, 'float32', 5)
      ) as tf.Tensor2D;
      const weights = weighted ? (tf.randomUniform([16], 0.2, 2, 'float32', 6) as tf.Tensor1D) : null;
      const fast = fastMlpGradientStep(ctx, head, l2);
      assert.ok(fast, 'applies to a Dense stack');
      const a = fast.compute({ x, y, weights });
      const b = plainGradientStep(ctx).compute({ x, y, weights });
      assert.ok(Math.abs(a.loss.dataSync()[0]! - b.loss.dataSync()[0]!) < 1e-5);
      assert.deepEqual(Object.keys(a.grads).sort(), Object.keys(b.grads).sort());
      for (const name of Object.keys(b.grads)) {
        const diff = tf.max(tf.abs(tf.sub(a.grads[name]!, b.grads[name]!))).dataSync()[0]!;
        assert.ok(diff < 1e-5, `${name}: ${diff}`);
      }
      tf.dispose([x, y, a.loss, b.loss, ...Object.values(a.grads), ...Object.values(b.grads)]);
      weights?.dispose();
      assert.equal(
        fastMlpGradientStep({ ...ctx, model: mlp(1, 0.2) }, head, l2),
        null,
        'not for a model with dropout',
      );
      model.dispose();
    });
  }

  it('flat Adam takes the same steps as tfjs Adam', () => {
    const a = [
      tf.variable(tf.randomNormal([5, 3], 0, 1, 'float32', 1)),
      tf.variable(tf.randomNormal([3], 0, 1, 'float32', 2)),
    ];
    const b = a.map((v) => tf.variable(v.clone()));
    const initial = a.map((v) => Array.from(v.dataSync()));
    const ours = new FlatAdam(0.01);
    const theirs = tf.train.adam(0.01);
    for (let step = 0; step < 25; step++) {
      const g = a.map((v, i) => tf.randomNormal(v.shape, 0, 1, 'float32', 100 + step * 2 + i));
      ours.applyGradients(Object.fromEntries(a.map((v, i) => [v.name, g[i]!])));
      theirs.applyGradients(
        Object.fromEntries(b.map((v, i) => [v.name, g[i]!])) as unknown as Record<string, tf.Variable>,
      );
      tf.dispose(g);
    }
    for (let i = 0; i < a.length; i++) {
      const diff = tf.max(tf.abs(tf.sub(a[i]!, b[i]!))).dataSync()[0]!;
      assert.ok(diff < 1e-5, `variable ${i}: ${diff}`);
      // Both moved (Adam steps are about lr each), so the agreement is not the trivial one.
      const moved = Array.from(a[i]!.dataSync()).reduce((s, x, j) => s + Math.abs(x - initial[i]![j]!), 0);
      assert.ok(moved > 0.02, `variable ${i} moved ${moved}`);
    }
    ours.dispose();
    theirs.dispose();
    tf.dispose([...a, ...b]);
  });

  it('saves and reloads a model whose predictions match bit for bit', async () => {
    const model = mlp(5, 0.3);
    const x = tf.randomNormal([32, 8], 0, 1, 'float32', 2);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const files = await modelToFiles(model);
    const again = await modelFromFiles(files);
    assert.deepEqual(Array.from((again.predict(x) as tf.Tensor).dataSync()), Array.from(a));
    model.dispose();
    again.dispose();
    x.dispose();
  });
});
