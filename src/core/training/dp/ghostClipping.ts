/**
 * DP-SGD gradients: per-example clipping and Gaussian noise, without materialising per-example gradients.
 *
 * For a Dense layer y = φ(a·W + b), the gradient of example i's loss with respect to W is the outer product
 * a_iᵀ·δ_i, where δ_i = ∂ℓ_i/∂z_i is the gradient with respect to the pre-activation z_i. Its squared Frobenius
 * norm is therefore |a_i|²·|δ_i|² and the bias gradient's is |δ_i|² ("ghost clipping": Goodfellow 2015,
 * "Efficient per-example gradient computations"; Lee & Kifer 2021; Li et al. 2022). δ for every example comes from
 * ONE reverse pass: a zero tensor is added to every pre-activation and the gradient of the summed loss with
 * respect to those zeros is taken (example i's loss depends only on row i, so row i of that gradient is δ_i).
 * With the per-example norms ‖g_i‖ = √(Σ_layers |a_i|²|δ_i|² + |δ_i|²), the clip factors s_i = min(1, C/‖g_i‖)
 * give the clipped sum of layer gradients as aᵀ·(s ⊙ δ) and Σ_i s_i·δ_i: the same matrix products a plain
 * backward pass does, plus row norms. Cost ≈ one plain step.
 *
 * Layers without weights that act on each example alone (dropout, activation, flatten) pass through. Any other
 * layer with weights (BatchNormalization, a custom layer) has no such rule: the whole batch then falls back to a
 * loop over examples with `tf.variableGrads`, which is exact but slow, and a warning names the layer.
 *
 * What leaves this module is only the noised, clipped sum divided by the expected batch size (plus the gradient
 * of a data-independent penalty such as L2 on kernels): the optimiser never sees a raw gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { DENSE_ACTS, denseForward, layerDeltas, outputDelta, type DenseAct } from '../denseMath';

/** Per-example loss from raw model outputs, shape [batch], unweighted and not averaged. */
export type PerExampleLoss = (yTrue: tf.Tensor2D, outputs: tf.Tensor2D) => tf.Tensor1D;

export interface DpGradientOptions {
  /** C: the L2 norm every example's whole gradient (all layers together) is clipped to. */
  l2NormClip: number;
  /** σ: the noise standard deviation is σ·C on every coordinate of the summed clipped gradient. */
  noiseMultiplier: number;
  /**
   * The divisor of the noised sum: the EXPECTED batch size q·N under Poisson sampling (not the drawn batch's
   * size, which would depend on the data and is not accounted for).
   */
  expectedBatchSize: number;
  perExampleLoss: PerExampleLoss;
  /** A data-independent penalty (e.g. L2 on kernels) whose gradient is added after the noise, or null. */
  penalty?: (() => tf.Scalar | null) | null;
  /** Uniform [0, 1) generator for the noise. Must be unpredictable for the guarantee to hold (see dpSgd.ts). */
  random: () => number;
  /** Trainable variables, gradients are keyed by their `name`. Default: the model's trainable weights. */
  variables?: tf.Variable[];
  /**
   * The output head whose loss `perExampleLoss` is (logits in, see heads.ts). With it, a plain stack of Dense layers
   * (ReLU, tanh, sigmoid, linear; no dropout) takes a hand-written forward/backward pass instead of the tape: the same
   * gradients with fewer kernel calls, as the training loop's fast plain step does.
   */
  head?: 'binary' | 'multiclass' | 'regression';
  /**
   * `auto` (default): the hand-written pass where it applies, else ghost clipping on the tape when every layer has
   * a rule, else the per-example loop. `tape` and `loop` force those paths (tests, benchmarks).
   */
  method?: 'auto' | 'tape' | 'loop';
  /** Receives the fallback warning (once per model). Default: none. */
  onWarning?: (message: string) => void;
}

export interface DpGradientResult {
  /** Mean of the (instance-weighted) per-example losses of the batch, plus the penalty; for reporting only. */
  loss: tf.Scalar;
  /** One noised gradient per trainable variable, keyed by `variable.name`. */
  grads: tf.NamedTensorMap;
}

type DenseStage = {
  kind: 'dense';
  layer: tf.layers.Layer;
  kernel: tf.Variable;
  bias: tf.Variable | null;
  activation: tf.layers.Layer;
  activationName: string;
};
type PassStage = { kind: 'pass'; layer: tf.layers.Layer };
type Stage = DenseStage | PassStage;

/** How a model's gradients are clipped: ghost clipping through its stages, or the per-example loop and why. */
export type ClippingPlan = { kind: 'ghost'; stages: Stage[] } | { kind: 'loop'; unsupported: string[] };

/** Weightless layers that transform each example on its own, so they commute with per-example gradients. */
const PASS_THROUGH = new Set([
  'Dropout',
  'SeededDropout',
  'Activation',
  'Flatten',
  'Reshape',
  'GaussianNoise',
  'AlphaDropout',
  'GaussianDropout',
]);

const plans = new WeakMap<tf.Sequential, ClippingPlan>();
const warned = new WeakSet<tf.Sequential>();

/** Decides, once per model, whether every layer has a ghost-clipping rule. */
export function clippingPlan(model: tf.Sequential): ClippingPlan {
  const cached = plans.get(model);
  if (cached) return cached;
  const stages: Stage[] = [];
  const unsupported: string[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const config = layer.getConfig();
    if (cls === 'Dense') {
      if (config['activityRegularizer'] != null) {
        throw new Error(
          `Layer '${layer.name}' has an activity regulariser: a data-dependent penalty that DP-SGD cannot clip; remove it.`,
        );
      }
      const outRank = (layer.outputShape as (number | null)[]).length;
      const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const kernel = weights.find((w) => w.rank === 2) ?? null;
      const bias = weights.find((w) => w.rank === 1) ?? null;
      if (outRank !== 2 || !kernel || weights.length > 2 || (!layer.trainable && weights.length === 0)) {
        unsupported.push(`${layer.name} (Dense on inputs of rank ${outRank})`);
        continue;
      }
      stages.push({
        kind: 'dense',
        layer,
        kernel,
        bias,
        activation: tf.layers.activation({
          activation: ((config['activation'] as string | undefined) ?? 'linear') as 'linear',
        }),
        activationName: String(config['activation'] ?? 'linear'),
      });
    } else if (PASS_THROUGH.has(cls) && layer.trainableWeights.length === 0) {
      stages.push({ kind: 'pass', layer });
    } else if (
      layer.trainableWeights.length === 0 &&
      layer.nonTrainableWeights.length === 0 &&
      cls === 'InputLayer'
    ) {
      continue;
    } else {
      unsupported.push(`${layer.name} (${cls})`);
    }
  }
  const plan: ClippingPlan =
    unsupported.length === 0 ? { kind: 'ghost', stages } : { kind: 'loop', unsupported };
  plans.set(model, plan);
  return plan;
}

/**
 * Standard normal samples from a uniform generator (Box–Muller on (0, 1] × [0, 1)), as float32.
 * Hand-written because tfjs's `randomNormal` only takes a numeric seed, not a generator we control.
 */
export function gaussianNoise(size: number, std: number, random: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u1 = 1 - random();
    const u2 = random();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < size) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * Which path {@link dpGradients} takes for this model: `hand-written` (plain Dense stack and a head given),
 * `tape` (ghost clipping through tfjs's reverse mode), or `loop` (a layer without a rule).
 */
export function clippingPath(
  model: tf.Sequential,
  head?: 'binary' | 'multiclass' | 'regression',
): 'hand-written' | 'tape' | 'loop' {
  const plan = clippingPlan(model);
  if (plan.kind === 'loop') return 'loop';
  return head && fastDenseStack(plan.stages) ? 'hand-written' : 'tape';
}

function validate(o: DpGradientOptions): void {
  if (!(o.l2NormClip > 0 && Number.isFinite(o.l2NormClip)))
    throw new RangeError(`l2NormClip must be a positive number; got ${o.l2NormClip}.`);
  if (!(o.noiseMultiplier >= 0 && Number.isFinite(o.noiseMultiplier))) {
    throw new RangeError(`noiseMultiplier must be ≥ 0; got ${o.noiseMultiplier}.`);
  }
  if (!(o.expectedBatchSize > 0))
    throw new RangeError(`expectedBatchSize must be > 0; got ${o.expectedBatchSize}.`);
}

/**
 * One DP-SGD gradient: per-example losses of the batch (weighted by `weights` when given), every example's
 * whole gradient clipped to L2 norm C, summed, Gaussian noise N(0, (σC)²) added to every coordinate, divided by
 * the expected batch size; then the penalty's gradient added. An empty batch yields noise only, as the
 * accountant assumes. Tensors are allocated in the caller's scope (wrap in `tf.tidy` or dispose the result).
 */
export function dpGradients(
  model: tf.Sequential,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  weights: tf.Tensor1D | null,
  o: DpGradientOptions,
): DpGradientResult {
  validate(o);
  const variables = o.variables ?? model.trainableWeights.map((w) => w.read() as tf.Variable);
  let plan = clippingPlan(model);
  if (o.method === 'loop' && plan.kind === 'ghost') plan = { kind: 'loop', unsupported: [] };
  if (plan.kind === 'loop' && plan.unsupported.length > 0 && !warned.has(model)) {
    warned.add(model);
    o.onWarning?.(
      `DP-SGD: no ghost-clipping rule for ${plan.unsupported.join(', ')}; per-example gradients are computed one ` +
        'example at a time (exact, much slower). Layers that mix examples (BatchNormalization) see batches of one.',
    );
  }
  const n = x.shape[0];
  const fast =
    plan.kind === 'ghost' && o.head && o.method !== 'tape' && o.method !== 'loop'
      ? fastDenseStack(plan.stages)
      : null;
  const sums =
    n === 0
      ? null
      : fast && o.head
        ? fastClippedSum(fast, o.head, x, y, weights, o)
        : plan.kind === 'ghost'
          ? ghostClippedSum(plan.stages, x, y, weights, o)
          : loopClippedSum(model, variables, x, y, weights, o);

  // The sums already carry the 1/B factor (folded into the clip scale), so the noise is drawn at σC/B.
  const grads: tf.NamedTensorMap = {};
  const std = (o.noiseMultiplier * o.l2NormClip) / o.expectedBatchSize;
  for (const v of variables) {
    const clipped = sums?.grads.get(v) ?? null;
    const noise = std > 0 ? tf.tensor(gaussianNoise(v.size, std, o.random), v.shape, 'float32') : null;
    grads[v.name] = clipped && noise ? tf.add(clipped, noise) : (clipped ?? noise ?? tf.zerosLike(v));
  }
  let loss: tf.Scalar = sums ? sums.meanLoss : tf.scalar(0);
  const penalty = o.penalty ?? null;
  if (penalty) {
    // The penalty depends on the weights only, so its gradient costs no privacy and is not clipped.
    const p = penalty();
    if (p) {
      p.dispose();
      const { value, grads: pg } = tf.variableGrads(() => penalty() as tf.Scalar, variables);
      for (const [name, g] of Object.entries(pg)) {
        const base = grads[name];
        if (base) grads[name] = tf.add(base, g);
      }
      loss = tf.add(loss, value);
    }
  }
  return { loss, grads };
}

/** Per variable: Σ_i (s_i / B)·g_i, the clipped sum already divided by the expected batch size. */
interface ClippedSums {
  grads: Map<tf.Variable, tf.Tensor>;
  meanLoss: tf.Scalar;
}

function ghostClippedSum(
  stages: Stage[],
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  weights: tf.Tensor1D | null,
  o: DpGradientOptions,
): ClippedSums {
  const n = x.shape[0];
  const dense = stages.filter((s): s is DenseStage => s.kind === 'dense');
  const zeros = dense.map((s) => tf.zeros([n, s.kernel.shape[1] as number]));
  // Inputs of each Dense layer and the per-example losses, captured during the taped forward pass. They are
  // kept (tf.keep) so the gradient computation does not dispose them, and disposed below.
  const inputs: tf.Tensor2D[] = [];
  const created: tf.Tensor[] = [];
  let weightedLoss: tf.Tensor1D | null = null;
  try {
    const deltas = tf.grads((...zs: tf.Tensor[]) => {
      let a: tf.Tensor = x;
      let k = 0;
      for (const s of stages) {
        if (s.kind === 'pass') {
          a = s.layer.apply(a, { training: true }) as tf.Tensor;
          continue;
        }
        if (a !== x) created.push(tf.keep(a));
        inputs.push(a as tf.Tensor2D);
        let z = tf.matMul(a as tf.Tensor2D, s.kernel);
        if (s.bias) z = tf.add(z, s.bias);
        z = tf.add(z, zs[k++] as tf.Tensor);
        a = s.activation.apply(z) as tf.Tensor;
      }
      const per = o.perExampleLoss(y, a as tf.Tensor2D);
      const w = weights ? tf.mul(per, weights) : per;
      weightedLoss = tf.keep(w) as tf.Tensor1D;
      created.push(weightedLoss);
      return tf.sum(w);
    })(zeros);

    // Per-example squared norm of the whole gradient: Σ_layers |a_i|²|δ_i|² (+ |δ_i|² with a bias).
    const terms = dense.map((s, k) => {
      const d2 = tf.sum(tf.square(deltas[k] as tf.Tensor2D), 1);
      const a2 = tf.sum(tf.square(inputs[k] as tf.Tensor2D), 1);
      const t = tf.mul(a2, d2);
      return s.bias ? tf.add(t, d2) : t;
    });
    const sq = terms.length === 1 ? (terms[0] as tf.Tensor) : tf.addN(terms);
    const scale = tf.reshape(clipScale(sq, o), [n, 1]);
    const grads = new Map<tf.Variable, tf.Tensor>();
    dense.forEach((s, k) => {
      const sd = tf.mul(deltas[k] as tf.Tensor2D, scale) as tf.Tensor2D;
      // An explicit transpose: wasm's transposed matMul is several times slower than transpose + matMul.
      grads.set(s.kernel, tf.matMul(tf.transpose(inputs[k] as tf.Tensor2D), sd));
      if (s.bias) grads.set(s.bias, tf.sum(sd, 0));
    });
    return { grads, meanLoss: tf.mean(weightedLoss as unknown as tf.Tensor1D) as tf.Scalar };
  } finally {
    zeros.forEach((t) => t.dispose());
    created.forEach((t) => t.dispose());
  }
}

/**
 * s_i / B per example, from squared norms: min(1, C/‖g_i‖) divided by the expected batch size B, written as
 * clip((C/B)·‖g_i‖⁻¹, 0, 1/B) to spend three kernels. A zero gradient (rsqrt = ∞) gets 1/B; NaN stays NaN so that
 * the loop's non-finite-loss check sees it.
 */
function clipScale(squaredNorms: tf.Tensor, o: DpGradientOptions): tf.Tensor {
  const b = o.expectedBatchSize;
  return tf.clipByValue(tf.mul(o.l2NormClip / b, tf.rsqrt(squaredNorms)), 0, 1 / b);
}

/** The Dense stages when the model is only Dense layers with activations whose derivative follows from the output. */
function fastDenseStack(stages: Stage[]): DenseStage[] | null {
  const dense: DenseStage[] = [];
  for (const s of stages) {
    if (s.kind !== 'dense' || !DENSE_ACTS.has(s.activationName)) return null;
    dense.push(s);
  }
  return dense.length > 0 ? dense : null;
}

/**
 * Ghost clipping with a hand-written forward and backward pass: δ of the last layer is the per-example derivative
 * of the head's loss with respect to the logits (σ(z) − y, softmax(z) − y, 2(z − y)) times the instance weight;
 * earlier δs follow by the chain rule. No tape, no zero tensors.
 */
function fastClippedSum(
  stack: DenseStage[],
  head: 'binary' | 'multiclass' | 'regression',
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  weights: tf.Tensor1D | null,
  o: DpGradientOptions,
): ClippedSums {
  const layers = stack.map((s) => ({
    kernel: s.kernel,
    ...(s.bias ? { bias: s.bias } : {}),
    activation: s.activationName as DenseAct,
  }));
  const acts = denseForward(layers, x);
  const out = acts[acts.length - 1]!;
  const per = o.perExampleLoss(y, out);
  const meanLoss = tf.mean(weights ? tf.mul(per, weights) : per) as tf.Scalar;
  let dz = outputDelta(head, out, y);
  if (weights) dz = tf.mul(dz, tf.reshape(weights, [-1, 1])) as tf.Tensor2D;
  const deltas = layerDeltas(layers, acts, dz);
  const terms = stack.map((s, l) => {
    const d2 = tf.sum(tf.square(deltas[l] as tf.Tensor2D), 1);
    const a2 = tf.sum(tf.square(acts[l] as tf.Tensor2D), 1);
    return tf.mul(s.bias ? tf.add(a2, 1) : a2, d2);
  });
  const sq = terms.length === 1 ? (terms[0] as tf.Tensor) : tf.addN(terms);
  const scale = tf.reshape(clipScale(sq, o), [-1, 1]);
  const grads = new Map<tf.Variable, tf.Tensor>();
  stack.forEach((s, l) => {
    const sd = tf.mul(deltas[l] as tf.Tensor2D, scale) as tf.Tensor2D;
    grads.set(s.kernel, tf.matMul(tf.transpose(acts[l] as tf.Tensor2D), sd));
    if (s.bias) grads.set(s.bias, tf.sum(sd, 0));
  });
  return { grads, meanLoss };
}

function loopClippedSum(
  model: tf.Sequential,
  variables: tf.Variable[],
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  weights: tf.Tensor1D | null,
  o: DpGradientOptions,
): ClippedSums {
  const n = x.shape[0];
  const sums = new Map<tf.Variable, tf.Tensor>(variables.map((v) => [v, tf.zerosLike(v)]));
  let lossSum: tf.Tensor = tf.scalar(0);
  const byName = new Map(variables.map((v) => [v.name, v]));
  for (let i = 0; i < n; i++) {
    tf.tidy(() => {
      const xi = tf.slice(x, [i, 0], [1, -1]);
      const yi = tf.slice(y, [i, 0], [1, -1]);
      const { value, grads } = tf.variableGrads(() => {
        const per = o.perExampleLoss(yi, model.apply(xi, { training: true }) as tf.Tensor2D);
        return tf.sum(weights ? tf.mul(per, tf.slice(weights, [i], [1])) : per) as tf.Scalar;
      }, variables);
      const gs = Object.entries(grads);
      const scale = clipScale(tf.addN(gs.map(([, g]) => tf.sum(tf.square(g)))), o);
      for (const [name, g] of gs) {
        const v = byName.get(name);
        if (!v) continue;
        const prev = sums.get(v) as tf.Tensor;
        sums.set(v, tf.keep(tf.add(prev, tf.mul(g, scale))));
        prev.dispose();
      }
      const prevLoss = lossSum;
      lossSum = tf.keep(tf.add(lossSum, value));
      prevLoss.dispose();
    });
  }
  // Kept tensors are owned by the caller's scope again once they are returned through fresh ops.
  const grads = new Map<tf.Variable, tf.Tensor>();
  for (const [v, t] of sums) {
    grads.set(v, tf.clone(t));
    t.dispose();
  }
  const meanLoss = tf.div(lossSum, n) as tf.Scalar;
  lossSum.dispose();
  return { grads, meanLoss };
}
