import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  clippingPath,
  clippingPlan,
  dpGradients,
  gaussianNoise,
} from '../../../src/core/training/dp/ghostClipping';
import { perExampleLoss, type HeadKind } from '../../../src/core/training/heads';
import { seededRandom } from '../../../src/core/random';

type Act = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'swish' | 'linear';

function mlp(
  inputs: number,
  hidden: number[],
  outputs: number,
  acts: Act[],
  seed: number,
  useBias = true,
): tf.Sequential {
  const m = tf.sequential();
  hidden.forEach((units, k) =>
    m.add(
      tf.layers.dense({
        units,
        activation: acts[k % acts.length] as Act,
        useBias,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + k }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: seed + 100 + k }),
        ...(k === 0 ? { inputShape: [inputs] } : {}),
      }),
    ),
  );
  m.add(
    tf.layers.dense({
      units: outputs,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 50 }),
      biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: seed + 150 }),
      ...(hidden.length === 0 ? { inputShape: [inputs] } : {}),
    }),
  );
  return m;
}

function targets(kind: HeadKind, n: number, width: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (kind === 'binary')
      return tf.cast(
        tf.greater(tf.randomUniform([n, 1], 0, 1, 'float32', seed), 0.5),
        'float32',
      ) as tf.Tensor2D;
    if (kind === 'multiclass')
      return tf
        .oneHot(tf.randomUniform([n], 0, width, 'int32', seed) as tf.Tensor1D, width)
        .toFloat() as tf.Tensor2D;
    return tf.randomNormal([n, width], 0, 2, 'float32', seed) as tf.Tensor2D;
  });
}

/**
 * The definition, computed the slow way: every example's gradient of w_i·ℓ_i with respect to every variable
 * by reverse mode, its global L2 norm, scaled by min(1, C/‖g_i‖), summed. Independent of the ghost-clipping code.
 */
function explicitClippedSum(
  model: tf.Sequential,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  w: tf.Tensor1D | null,
  loss: (y: tf.Tensor2D, o: tf.Tensor2D) => tf.Tensor1D,
  clip: number,
): { sums: Map<string, Float32Array>; norms: number[] } {
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const sums = new Map<string, Float32Array>(vars.map((v) => [v.name, new Float32Array(v.size)]));
  const norms: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) {
    const g = tf.tidy(() => {
      const xi = x.slice([i, 0], [1, -1]);
      const yi = y.slice([i, 0], [1, -1]);
      return tf.variableGrads(() => {
        const l = loss(yi, model.apply(xi) as tf.Tensor2D);
        return tf.sum(w ? tf.mul(l, w.slice([i], [1])) : l) as tf.Scalar;
      }, vars).grads;
    });
    const arrays = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, t.dataSync() as Float32Array]));
    Object.values(g).forEach((t) => t.dispose());
    let sq = 0;
    for (const a of Object.values(arrays)) for (const v of a) sq += v * v;
    const norm = Math.sqrt(sq);
    norms.push(norm);
    const s = Math.min(1, clip / norm);
    for (const [k, a] of Object.entries(arrays)) {
      const acc = sums.get(k) as Float32Array;
      for (let j = 0; j < a.length; j++) acc[j] = (acc[j] as number) + s * (a[j] as number);
    }
  }
  return { sums, norms };
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let j = 0; j < actual.length; j++) {
    const diff = Math.abs((actual[j] as number) - (expected[j] as number));
    assert.ok(
      diff <= 1e-5 * Math.max(scale, 1e-3),
      `${what}[${j}]: ${actual[j]} vs ${expected[j]} (scale ${scale})`,
    );
  }
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)] as number;
}

describe('dp/ghostClipping', () => {
  let previousBackend = '';
  before(async () => {
    await tf.ready();
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  const cases: {
    name: string;
    kind: HeadKind;
    hidden: number[];
    out: number;
    acts: Act[];
    weighted: boolean;
    useBias?: boolean;
  }[] = [
    { name: 'logistic (no hidden layer)', kind: 'binary', hidden: [], out: 1, acts: [], weighted: false },
    {
      name: 'binary MLP relu/tanh',
      kind: 'binary',
      hidden: [6, 5],
      out: 1,
      acts: ['relu', 'tanh'],
      weighted: true,
    },
    {
      name: 'multi-class MLP sigmoid/elu/swish',
      kind: 'multiclass',
      hidden: [8, 6, 4],
      out: 3,
      acts: ['sigmoid', 'elu', 'swish'],
      weighted: false,
    },
    {
      name: 'regression MLP selu, no bias',
      kind: 'regression',
      hidden: [5],
      out: 1,
      acts: ['selu'],
      weighted: true,
      useBias: false,
    },
    {
      name: 'regression MLP tanh/sigmoid/relu, weighted',
      kind: 'regression',
      hidden: [6, 5, 4],
      out: 1,
      acts: ['tanh', 'sigmoid', 'relu'],
      weighted: true,
    },
    {
      name: 'multi-class MLP relu, no bias',
      kind: 'multiclass',
      hidden: [6],
      out: 4,
      acts: ['relu'],
      weighted: true,
      useBias: false,
    },
  ];

  for (const [ci, c] of cases.entries()) {
    it(`equals the clipped sum of explicit per-example gradients: ${c.name}`, () => {
      const seed = 11 + ci * 7;
      const model = mlp(7, c.hidden, c.out, c.acts, seed, c.useBias ?? true);
      const n = 24;
      const x = tf.randomNormal([n, 7], 0, 1.5, 'float32', seed) as tf.Tensor2D;
      const y = targets(c.kind, n, c.out, seed + 1);
      const w = c.weighted ? (tf.randomUniform([n], 0.2, 3, 'float32', seed + 2) as tf.Tensor1D) : null;
      const loss = perExampleLoss(c.kind);
      // First find the per-example norms, then clip at their median so that some examples are clipped and some not.
      const { norms } = explicitClippedSum(model, x, y, w, loss, Infinity);
      const clip = median(norms);
      assert.ok(
        norms.some((v) => v > clip * 1.05) && norms.some((v) => v < clip * 0.95),
        'clip splits the examples',
      );
      const ref = explicitClippedSum(model, x, y, w, loss, clip);
      // Both ghost paths: on the tape (zeros added to pre-activations) and hand-written (head given).
      const r = dpGradients(model, x, y, w, {
        l2NormClip: clip,
        noiseMultiplier: 0,
        expectedBatchSize: 1,
        perExampleLoss: loss,
        random: Math.random,
        method: 'tape',
      });
      const fast = dpGradients(model, x, y, w, {
        l2NormClip: clip,
        noiseMultiplier: 0,
        expectedBatchSize: 1,
        perExampleLoss: loss,
        random: Math.random,
        head: c.kind,
      });
      assert.equal(clippingPlan(model).kind, 'ghost');
      const handWritten = c.acts.every((a) => ['relu', 'tanh', 'sigmoid', 'linear'].includes(a));
      assert.equal(clippingPath(model, c.kind), handWritten ? 'hand-written' : 'tape');
      assert.equal(clippingPath(model), 'tape');
      for (const v of model.trainableWeights) {
        const name = (v.read() as tf.Variable).name;
        for (const [path, res] of [
          ['tape', r],
          ['hand-written', fast],
        ] as const) {
          const g = res.grads[name];
          assert.ok(g, `gradient for ${name}`);
          assertClose(g.dataSync() as Float32Array, ref.sums.get(name) as Float32Array, `${path} ${name}`);
        }
      }
      assert.ok(Math.abs((fast.loss.dataSync()[0] as number) - (r.loss.dataSync()[0] as number)) < 1e-5);
      tf.dispose([fast.loss, ...Object.values(fast.grads)]);
      // The reported loss is the mean weighted per-example loss.
      const expectedLoss = tf.tidy(() => {
        const l = loss(y, model.apply(x) as tf.Tensor2D);
        return tf.mean(w ? tf.mul(l, w) : l).dataSync()[0] as number;
      });
      assert.ok(Math.abs((r.loss.dataSync()[0] as number) - expectedLoss) < 1e-5 * Math.max(1, expectedLoss));
      tf.dispose([x, y, r.loss, ...Object.values(r.grads)]);
      if (w) w.dispose();
      model.dispose();
    });
  }

  it('with σ = 0 and a huge clip gives the plain mean gradient (dropout with a fixed mask included)', () => {
    const model = tf.sequential();
    model.add(
      tf.layers.dense({
        units: 9,
        activation: 'relu',
        inputShape: [5],
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
    );
    model.add(tf.layers.dropout({ rate: 0.3, seed: 42 }));
    model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
    const n = 32;
    const x = tf.randomNormal([n, 5], 0, 1, 'float32', 9) as tf.Tensor2D;
    const y = targets('binary', n, 1, 10);
    const loss = perExampleLoss('binary');
    const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const l2 = 0.01;
    const penalty = () =>
      tf.mul(l2, tf.addN(vars.filter((v) => v.rank === 2).map((k) => tf.sum(tf.square(k))))) as tf.Scalar;
    // tfjs's seeded dropout draws the same mask for the same shape, so both passes see one mask.
    const plain = tf.variableGrads(
      () =>
        tf.add(tf.mean(loss(y, model.apply(x, { training: true }) as tf.Tensor2D)), penalty()) as tf.Scalar,
      vars,
    );
    const dp = dpGradients(model, x, y, null, {
      l2NormClip: 1e9,
      noiseMultiplier: 0,
      expectedBatchSize: n,
      perExampleLoss: loss,
      penalty,
      random: Math.random,
    });
    for (const v of vars)
      assertClose(
        dp.grads[v.name]!.dataSync() as Float32Array,
        plain.grads[v.name]!.dataSync() as Float32Array,
        v.name,
      );
    assert.ok(Math.abs((dp.loss.dataSync()[0] as number) - (plain.value.dataSync()[0] as number)) < 1e-5);
  });

  it('adds Gaussian noise of standard deviation σC/(expected batch size) on every coordinate', () => {
    const model = mlp(20, [40], 1, ['relu'], 5);
    const n = 16;
    const x = tf.randomNormal([n, 20], 0, 1, 'float32', 1) as tf.Tensor2D;
    const y = targets('binary', n, 1, 2);
    const loss = perExampleLoss('binary');
    const base = { l2NormClip: 0.5, expectedBatchSize: 8, perExampleLoss: loss };
    const clean = dpGradients(model, x, y, null, { ...base, noiseMultiplier: 0, random: seededRandom(1) });
    const noisy = dpGradients(model, x, y, null, { ...base, noiseMultiplier: 1.3, random: seededRandom(2) });
    const diffs: number[] = [];
    for (const name of Object.keys(clean.grads)) {
      const a = clean.grads[name]!.dataSync();
      const b = noisy.grads[name]!.dataSync();
      for (let j = 0; j < a.length; j++) diffs.push((b[j] as number) - (a[j] as number));
    }
    const mean = diffs.reduce((s, v) => s + v, 0) / diffs.length;
    const std = Math.sqrt(diffs.reduce((s, v) => s + (v - mean) ** 2, 0) / diffs.length);
    const expected = (1.3 * 0.5) / 8;
    assert.ok(diffs.length > 800);
    assert.ok(Math.abs(std - expected) < 0.08 * expected, `std ${std} vs ${expected}`);
    assert.ok(Math.abs(mean) < (4 * expected) / Math.sqrt(diffs.length), `mean ${mean}`);
  });

  it('bounds every example: the clipped sum has norm at most B·C', () => {
    const model = mlp(6, [10], 1, ['tanh'], 8);
    const n = 20;
    const x = tf.randomNormal([n, 6], 0, 10, 'float32', 3) as tf.Tensor2D;
    const y = targets('regression', n, 1, 4);
    const r = dpGradients(model, x, y, null, {
      l2NormClip: 0.1,
      noiseMultiplier: 0,
      expectedBatchSize: 1,
      perExampleLoss: perExampleLoss('regression'),
      random: Math.random,
    });
    let sq = 0;
    for (const g of Object.values(r.grads)) for (const v of g.dataSync()) sq += v * v;
    assert.ok(Math.sqrt(sq) <= n * 0.1 * (1 + 1e-5));
  });

  it('gives noise only for an empty batch', () => {
    const model = mlp(4, [3], 1, ['relu'], 2);
    const x = tf.zeros([0, 4]) as tf.Tensor2D;
    const y = tf.zeros([0, 1]) as tf.Tensor2D;
    const r = dpGradients(model, x, y, null, {
      l2NormClip: 1,
      noiseMultiplier: 1,
      expectedBatchSize: 10,
      perExampleLoss: perExampleLoss('binary'),
      random: seededRandom(3),
    });
    const all = Object.values(r.grads).flatMap((g) => Array.from(g.dataSync()));
    assert.equal(all.length, 4 * 3 + 3 + 3 + 1);
    assert.ok(all.every((v) => Number.isFinite(v)) && all.some((v) => v !== 0));
    assert.equal(r.loss.dataSync()[0], 0);
  });

  it('falls back to a per-example loop for a layer without a rule, naming it, with the same result', () => {
    const model = tf.sequential();
    model.add(
      tf.layers.dense({
        units: 6,
        activation: 'relu',
        inputShape: [5],
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
    );
    model.add(tf.layers.layerNormalization({ name: 'norm_here' }));
    model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    const n = 10;
    const x = tf.randomNormal([n, 5], 0, 1, 'float32', 5) as tf.Tensor2D;
    const y = targets('binary', n, 1, 6);
    const loss = perExampleLoss('binary');
    const warnings: string[] = [];
    const { norms } = explicitClippedSum(model, x, y, null, loss, Infinity);
    const clip = median(norms);
    const ref = explicitClippedSum(model, x, y, null, loss, clip);
    const r = dpGradients(model, x, y, null, {
      l2NormClip: clip,
      noiseMultiplier: 0,
      expectedBatchSize: 1,
      perExampleLoss: loss,
      random: Math.random,
      onWarning: (m) => warnings.push(m),
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /norm_here \(LayerNormalization\)/);
    assert.equal(clippingPath(model, 'binary'), 'loop');
    for (const v of model.trainableWeights) {
      const name = (v.read() as tf.Variable).name;
      assertClose(r.grads[name]!.dataSync() as Float32Array, ref.sums.get(name) as Float32Array, name);
    }
    // Warned once per model.
    dpGradients(model, x, y, null, {
      l2NormClip: clip,
      noiseMultiplier: 0,
      expectedBatchSize: 1,
      perExampleLoss: loss,
      random: Math.random,
      onWarning: (m) => warnings.push(m),
    });
    assert.equal(warnings.length, 1);
  });

  it('the forced loop agrees with ghost clipping', () => {
    const model = mlp(5, [7, 4], 3, ['relu', 'sigmoid'], 21);
    const x = tf.randomNormal([12, 5], 0, 2, 'float32', 7) as tf.Tensor2D;
    const y = targets('multiclass', 12, 3, 8);
    const opts = {
      l2NormClip: 0.3,
      noiseMultiplier: 0,
      expectedBatchSize: 4,
      perExampleLoss: perExampleLoss('multiclass'),
      random: Math.random,
    };
    const ghost = dpGradients(model, x, y, null, opts);
    const loop = dpGradients(model, x, y, null, { ...opts, method: 'loop' });
    for (const name of Object.keys(ghost.grads)) {
      assertClose(
        ghost.grads[name]!.dataSync() as Float32Array,
        loop.grads[name]!.dataSync() as Float32Array,
        name,
      );
    }
  });

  it('leaks no tensors', () => {
    const model = mlp(5, [7], 1, ['relu'], 4);
    const x = tf.randomNormal([16, 5]) as tf.Tensor2D;
    const y = targets('binary', 16, 1, 3);
    const opts = {
      l2NormClip: 1,
      noiseMultiplier: 1,
      expectedBatchSize: 16,
      perExampleLoss: perExampleLoss('binary'),
      random: Math.random,
    };
    tf.tidy(() => dpGradients(model, x, y, null, opts).loss);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) tf.dispose(tf.tidy(() => dpGradients(model, x, y, null, opts).loss));
    for (let k = 0; k < 2; k++)
      tf.dispose(tf.tidy(() => dpGradients(model, x, y, null, { ...opts, method: 'loop' }).loss));
    for (let k = 0; k < 2; k++)
      tf.dispose(tf.tidy(() => dpGradients(model, x, y, null, { ...opts, head: 'binary' }).loss));
    assert.equal(tf.memory().numTensors, before);
  });

  it('draws standard normal noise', () => {
    const z = gaussianNoise(20001, 2, seededRandom(9));
    let m = 0;
    for (const v of z) m += v;
    m /= z.length;
    let s = 0;
    for (const v of z) s += (v - m) ** 2;
    s = Math.sqrt(s / z.length);
    assert.ok(Math.abs(m) < 0.05 && Math.abs(s - 2) < 0.05, `mean ${m}, std ${s}`);
  });

  it('rejects bad settings', () => {
    const model = mlp(2, [], 1, [], 1);
    const x = tf.zeros([1, 2]) as tf.Tensor2D;
    const y = tf.zeros([1, 1]) as tf.Tensor2D;
    const base = {
      noiseMultiplier: 1,
      expectedBatchSize: 1,
      perExampleLoss: perExampleLoss('binary'),
      random: Math.random,
    };
    assert.throws(() => dpGradients(model, x, y, null, { ...base, l2NormClip: 0 }), /l2NormClip/);
    assert.throws(
      () => dpGradients(model, x, y, null, { ...base, l2NormClip: 1, noiseMultiplier: -1 }),
      /noiseMultiplier/,
    );
  });
});
