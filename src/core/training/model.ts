/**
 * Model building: a logistic model (one Dense layer) or an MLP (Dense hidden layers, optional dropout),
 * ending in a linear Dense layer whose outputs are logits (see heads.ts). Seeded initialisers make weight
 * initialisation reproducible; {@link SeededDropout} does the same for dropout masks.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from './config';
import { FlatAdam, type GradientApplier } from './flatAdam';

export interface ModelSpec {
  type: 'logistic' | 'mlp';
  inputWidth: number;
  outputWidth: number;
  hidden: number[];
  activation: 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'swish';
  dropout: number;
  seed: number;
}

/**
 * Dropout whose mask is drawn from a fresh seed at every training call, taken from a seeded generator.
 * Why not tfjs's `dropout({seed})`: it passes the same seed to every call, so every batch gets the same
 * mask; without a seed it draws from an unseeded generator and runs are not reproducible.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'SeededDropout';
  readonly rate: number;
  private state: number;

  constructor(args: { rate: number; seed?: number; name?: string }) {
    super(args.name ? { name: args.name } : {});
    this.rate = args.rate;
    this.state = (args.seed ?? 1) >>> 0;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    // A small LCG step gives the next seed; quality only needs to avoid repeating masks.
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return tf.dropout(x, this.rate, undefined, this.state);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}
tf.serialization.registerClass(SeededDropout);

/** Builds the model; the last layer is linear (logits or standardised values). */
export function buildModel(s: ModelSpec): tf.Sequential {
  const model = tf.sequential();
  const hidden = s.type === 'mlp' ? s.hidden : [];
  let seed = s.seed;
  let first = true;
  for (const units of hidden) {
    model.add(
      tf.layers.dense({
        units,
        activation: s.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
        biasInitializer: 'zeros',
        ...(first ? { inputShape: [s.inputWidth] } : {}),
      }),
    );
    first = false;
    if (s.dropout > 0) model.add(new SeededDropout({ rate: s.dropout, seed: seed++ }));
  }
  model.add(
    tf.layers.dense({
      units: s.outputWidth,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
      biasInitializer: 'zeros',
      ...(first ? { inputShape: [s.inputWidth] } : {}),
    }),
  );
  return model;
}

/** Optimizers by config name; `momentum` is SGD with momentum 0.9; `adam` is tfjs's Adam computed flat ({@link FlatAdam}). */
export function makeOptimizer(name: OptimizerName, learningRate: number): GradientApplier {
  const wrap = (o: tf.Optimizer): GradientApplier => ({
    applyGradients: (g) => o.applyGradients(g),
    dispose: () => o.dispose(),
  });
  switch (name) {
    case 'adam':
      return new FlatAdam(learningRate);
    case 'sgd':
      return wrap(tf.train.sgd(learningRate));
    case 'momentum':
      return wrap(tf.train.momentum(learningRate, 0.9));
    case 'rmsprop':
      return wrap(tf.train.rmsprop(learningRate));
    case 'adagrad':
      return wrap(tf.train.adagrad(learningRate));
  }
}
