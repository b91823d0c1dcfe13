/**
 * A lean custom training loop (not `model.fit`): per batch, a pluggable {@link GradientStep} computes the
 * loss and gradients, then the optimizer applies them. DP-SGD plugs in its own step (per-example clipping
 * and noise) and its own {@link BatchSampler} (Poisson sampling) without touching the rest.
 *
 * Why not `model.fit`: it allocates several tensors per batch for callbacks and logs, reads the loss back
 * synchronously every batch, and offers no hook between "gradients computed" and "gradients applied".
 */
import * as tf from '@tensorflow/tfjs';
import { fastMlpGradientStep } from './fastMlpStep';
import type { GradientApplier } from './flatAdam';
import type { HeadKind } from './heads';
import { seededRandom } from '../random';

/** One mini-batch on the device. `weights` are per-example instance weights (reweighing), or null. */
export interface Batch {
  x: tf.Tensor2D;
  /** Targets in the shape of the model's output: 0/1 column (binary), one-hot (multi-class), value (regression). */
  y: tf.Tensor2D;
  weights: tf.Tensor1D | null;
}

/** What a gradient step returns: the batch loss (scalar, already including any penalty) and one gradient per trainable variable, keyed by `variable.name`. */
export interface StepResult {
  loss: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/**
 * The pluggable part of each batch. `compute` runs inside a `tf.tidy` owned by the loop: it must return the
 * tensors it wants kept and may allocate freely otherwise. The loop applies `grads` with the optimizer and
 * disposes them.
 */
export interface GradientStep {
  compute(batch: Batch): StepResult;
  /**
   * Extra figures recorded with each epoch's metrics (for DP: the ε spent so far). Called after the
   * epoch's last batch, with the number of optimizer steps taken so far in the run.
   */
  epochMetrics?(epoch: number, stepsSoFar: number): Record<string, number>;
  /** Facts recorded once in the run's audit (for DP: clip, noise, q, δ, options that leak outside the accountant). */
  describe?(): Record<string, unknown>;
}

/** Everything a gradient step needs to know about the model and the data. */
export interface GradientStepContext {
  model: tf.Sequential;
  /** Trainable variables in layer order; gradients are keyed by their `name`. */
  variables: tf.Variable[];
  /**
   * Loss of each example from the model's raw outputs (logits for classification heads), without instance
   * weights and without averaging: shape [batch].
   */
  perExampleLoss(yTrue: tf.Tensor2D, outputs: tf.Tensor2D): tf.Tensor1D;
  /** The regularisation term (L2 on kernels) added to the mean batch loss, or null when there is none. */
  penalty(): tf.Scalar | null;
  /** Configured batch size (the expected batch size under Poisson sampling). */
  batchSize: number;
  /** Rows in the training set. */
  datasetSize: number;
  /** Epochs configured (an upper bound when early stopping is on). */
  epochs: number;
  /** Seeded uniform [0, 1) generator shared with the sampler, for reproducible runs. */
  random(): number;
}

export type GradientStepFactory = (ctx: GradientStepContext) => GradientStep;

/** Chooses the rows of each batch of an epoch, as indices into the training set. */
export interface BatchSampler {
  batches(epoch: number): Iterable<Int32Array>;
  /** Batches per epoch (expected, for a random sampler); for progress reporting. */
  batchesPerEpoch: number;
}

/**
 * The default sampler: a fresh Fisher-Yates permutation each epoch cut into batches of `batchSize` (the last
 * batch may be smaller). Uses the shared seeded generator so a seed reproduces a run.
 */
export function shuffledBatches(n: number, batchSize: number, random: () => number): BatchSampler {
  const perm = new Int32Array(n);
  return {
    batchesPerEpoch: Math.ceil(n / batchSize),
    *batches() {
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
      for (let s = 0; s < n; s += batchSize) yield perm.slice(s, Math.min(n, s + batchSize));
    },
  };
}

/**
 * The plain step: mean (instance-weighted) loss plus the penalty, gradients by reverse mode over all
 * trainable variables. Dropout is active (`training: true`).
 */
export function plainGradientStep(ctx: GradientStepContext): GradientStep {
  return {
    compute({ x, y, weights }) {
      const { value, grads } = tf.variableGrads(() => {
        const out = ctx.model.apply(x, { training: true }) as tf.Tensor2D;
        const per = ctx.perExampleLoss(y, out);
        let loss: tf.Scalar = weights ? tf.mean(tf.mul(per, weights)) : tf.mean(per);
        const p = ctx.penalty();
        if (p) loss = tf.add(loss, p);
        return loss;
      }, ctx.variables);
      return { loss: value, grads };
    },
  };
}

export interface EpochLog {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Validation loss and metric, when there is a validation set. */
  valLoss?: number;
  /** Accuracy for classification heads, R² for regression. */
  valMetric?: number;
  samplesPerSecond: number;
  /** Figures contributed by the gradient step (e.g. DP's ε). */
  extra?: Record<string, number>;
}

export interface BatchLog {
  epoch: number;
  batch: number;
  batches: number;
  /** Mean loss of the batches since the previous batch report. */
  loss: number;
}

/** Thrown when the loss becomes NaN or infinite: the run stops, with the epoch and batch where it was seen. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly value: number,
  ) {
    super(
      `The training loss became ${value} at epoch ${epoch}, batch ${batch}. Lower the learning rate, ` +
        'check the data for extreme values, or add L2 regularisation.',
    );
    this.name = 'NonFiniteLossError';
  }
}

export interface TrainLoopOptions {
  model: tf.Sequential;
  optimizer: GradientApplier;
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  /** Per-example instance weights aligned with the rows of `x`. */
  weights?: Float32Array | null;
  validation?: { x: tf.Tensor2D; y: tf.Tensor2D } | null;
  perExampleLoss(yTrue: tf.Tensor2D, outputs: tf.Tensor2D): tf.Tensor1D;
  /** Validation metric from raw outputs: higher is better (accuracy, R²). */
  metric(yTrue: ArrayLike<number>, outputs: ArrayLike<number>, width: number): number;
  /** L2 coefficient on kernels (0 for none). */
  l2: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Stop after this many epochs without improvement of the validation loss, restoring the best weights. */
  earlyStopping?: { patience: number; minDelta: number } | null;
  /** Without `stepFactory`: the head, so that a plain Dense stack gets the hand-written fast step. */
  head?: HeadKind;
  stepFactory?: GradientStepFactory;
  samplerFactory?: (n: number, batchSize: number, random: () => number) => BatchSampler;
  /** Milliseconds clock, injected for tests. */
  now(): number;
  /** Least milliseconds between two batch reports. */
  batchReportIntervalMs?: number;
  onEpoch?(log: EpochLog): void | Promise<void>;
  onBatch?(log: BatchLog): void;
  /** Polled between batches; true stops the run after the current batch. */
  shouldStop?(): boolean;
  /** Awaited between batches so that messages (cancel) are seen within one batch. */
  yieldToEvents?(): Promise<void>;
}

export interface TrainLoopResult {
  history: EpochLog[];
  /** 1-based epoch whose weights the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  steps: number;
  stepInfo?: Record<string, unknown>;
}

/** Runs the loop; throws {@link NonFiniteLossError} on a NaN/Inf loss. */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const n = o.x.shape[0];
  const random = seededRandom(o.seed);
  const variables = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = variables.filter((v) => /kernel/.test(v.name));
  const ctx: GradientStepContext = {
    model: o.model,
    variables,
    perExampleLoss: o.perExampleLoss,
    penalty: () =>
      o.l2 > 0 && kernels.length > 0
        ? (tf.mul(o.l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))) as tf.Scalar)
        : null,
    batchSize: o.batchSize,
    datasetSize: n,
    epochs: o.epochs,
    random,
  };
  const step = o.stepFactory
    ? o.stepFactory(ctx)
    : ((o.head && fastMlpGradientStep(ctx, o.head, o.l2)) ?? plainGradientStep(ctx));
  const sampler = (o.samplerFactory ?? shuffledBatches)(n, o.batchSize, random);
  // Batches are assembled on the host and uploaded: a row gather on the device (tf.gather) costs more in the
  // wasm backend than the whole forward pass, while copying rows of a Float32Array is a memcpy.
  const d = o.x.shape[1];
  const k = o.y.shape[1];
  // Asynchronous reads: WebGPU in Node has no synchronous readback.
  const xHost = (await o.x.data()) as Float32Array;
  const yHost = (await o.y.data()) as Float32Array;
  const xBuf = new Float32Array(o.batchSize * d);
  const yBuf = new Float32Array(o.batchSize * k);
  const wBuf = new Float32Array(o.batchSize);
  const makeBatch = (idx: Int32Array): Batch => {
    let m = idx.length;
    let xb = xBuf;
    let yb = yBuf;
    let wb = wBuf;
    // A sampler may yield batches larger than the configured size (Poisson sampling).
    if (m > o.batchSize) {
      xb = new Float32Array(m * d);
      yb = new Float32Array(m * k);
      wb = new Float32Array(m);
    }
    for (let i = 0; i < m; i++) {
      const r = idx[i]!;
      xb.set(xHost.subarray(r * d, r * d + d), i * d);
      if (k === 1) yb[i] = yHost[r]!;
      else yb.set(yHost.subarray(r * k, r * k + k), i * k);
      if (o.weights) wb[i] = o.weights[r]!;
    }
    m = idx.length;
    return {
      x: tf.tensor2d(xb.subarray(0, m * d), [m, d]),
      y: tf.tensor2d(yb.subarray(0, m * k), [m, k]),
      weights: o.weights ? tf.tensor1d(wb.subarray(0, m)) : null,
    };
  };
  const interval = o.batchReportIntervalMs ?? 250;

  const history: EpochLog[] = [];
  let best = { loss: Infinity, epoch: 0, weights: null as tf.Tensor[] | null };
  let sinceBest = 0;
  let steps = 0;
  let cancelled = false;
  let stoppedEarly = false;

  const snapshot = () => variables.map((v) => tf.clone(v));
  const restore = (w: tf.Tensor[]) => variables.forEach((v, i) => v.assign(w[i]!));
  const disposeBest = () => best.weights?.forEach((t) => t.dispose());

  try {
    for (let epoch = 1; epoch <= o.epochs && !cancelled; epoch++) {
      const start = o.now();
      let lastReport = start;
      // Losses stay on the device and are summed there; reading back every batch would stall the pipeline.
      let lossSum: tf.Scalar = tf.scalar(0);
      let reportSum: tf.Scalar = tf.scalar(0);
      let reportCount = 0;
      let epochBatches = 0;
      let seen = 0;
      let b = 0;
      for (const idxArr of sampler.batches(epoch)) {
        b++;
        if (idxArr.length === 0) continue;
        const batchLoss = tf.tidy(() => {
          const { loss, grads } = step.compute(makeBatch(idxArr));
          o.optimizer.applyGradients(grads);
          return loss;
        });
        steps++;
        epochBatches++;
        seen += idxArr.length;
        const nextSum = tf.add(lossSum, batchLoss) as tf.Scalar;
        const nextReport = tf.add(reportSum, batchLoss) as tf.Scalar;
        lossSum.dispose();
        reportSum.dispose();
        batchLoss.dispose();
        lossSum = nextSum;
        reportSum = nextReport;
        reportCount++;
        const t = o.now();
        if (t - lastReport >= interval) {
          const mean = (await reportSum.data())[0]! / reportCount;
          if (!Number.isFinite(mean)) throw new NonFiniteLossError(epoch, b, mean);
          o.onBatch?.({ epoch, batch: b, batches: sampler.batchesPerEpoch, loss: mean });
          reportSum.dispose();
          reportSum = tf.scalar(0);
          reportCount = 0;
          lastReport = t;
        }
        if (o.yieldToEvents) await o.yieldToEvents();
        if (o.shouldStop?.()) {
          cancelled = true;
          break;
        }
      }
      const loss = epochBatches > 0 ? (await lossSum.data())[0]! / epochBatches : NaN;
      lossSum.dispose();
      reportSum.dispose();
      if (cancelled) break;
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(epoch, b, loss);
      const elapsed = Math.max(1e-3, o.now() - start);
      const log: EpochLog = { epoch, loss, samplesPerSecond: (seen * 1000) / elapsed };
      if (o.validation) {
        const v = await evaluate(o.model, o.validation.x, o.validation.y, o.perExampleLoss, o.metric);
        log.valLoss = v.loss;
        log.valMetric = v.metric;
      }
      const extra = step.epochMetrics?.(epoch, steps);
      if (extra && Object.keys(extra).length > 0) log.extra = extra;
      history.push(log);
      const monitored = log.valLoss ?? log.loss;
      if (!Number.isFinite(monitored)) throw new NonFiniteLossError(epoch, b, monitored);
      if (o.earlyStopping) {
        if (monitored < best.loss - o.earlyStopping.minDelta) {
          disposeBest();
          best = { loss: monitored, epoch, weights: snapshot() };
          sinceBest = 0;
        } else if (++sinceBest >= o.earlyStopping.patience) {
          stoppedEarly = true;
        }
      } else {
        best = { loss: monitored, epoch, weights: null };
      }
      await o.onEpoch?.(log);
      if (stoppedEarly) break;
    }
    if (o.earlyStopping && best.weights && best.epoch !== history.length) restore(best.weights);
    const info = step.describe?.();
    return {
      history,
      bestEpoch: o.earlyStopping && best.weights ? best.epoch : history.length,
      stoppedEarly,
      cancelled,
      steps,
      ...(info ? { stepInfo: info } : {}),
    };
  } finally {
    disposeBest();
  }
}

/** Loss and metric of a model on a whole split, in chunks to bound memory; inference mode (no dropout). */
export async function evaluate(
  model: tf.Sequential,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  perExampleLoss: (yTrue: tf.Tensor2D, outputs: tf.Tensor2D) => tf.Tensor1D,
  metric: (yTrue: ArrayLike<number>, outputs: ArrayLike<number>, width: number) => number,
): Promise<{ loss: number; metric: number }> {
  const out = predictRaw(model, x);
  const loss = tf.tidy(() => tf.mean(perExampleLoss(y, out)));
  try {
    const [l, yh, oh] = await Promise.all([loss.data(), y.data(), out.data()]);
    return { loss: l[0]!, metric: metric(yh, oh, y.shape[1]) };
  } finally {
    tf.dispose([out, loss]);
  }
}

/** Raw outputs (logits for classification heads) in chunks of 8192 rows. */
export function predictRaw(model: tf.Sequential, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const chunk = 8192;
    if (n <= chunk) return model.apply(x, { training: false }) as tf.Tensor2D;
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < n; s += chunk) {
      parts.push(
        model.apply(tf.slice(x, [s, 0], [Math.min(chunk, n - s), -1]), { training: false }) as tf.Tensor2D,
      );
    }
    return tf.concat(parts, 0);
  });
}
