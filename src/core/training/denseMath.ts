/**
 * The hand-written forward and backward pass of a stack of Dense layers, shared by the lean training step
 * (`fastMlpStep.ts`) and DP-SGD's ghost clipping (`dp/ghostClipping.ts`): both need each layer's output and
 * each layer's δ = dℓ/dz per example, which the tape would give only summed over the batch.
 */
import * as tf from '@tensorflow/tfjs';

/** Activations whose derivative follows from the layer's output, so no pre-activation has to be kept. */
export type DenseAct = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export const DENSE_ACTS: ReadonlySet<string> = new Set<DenseAct>(['relu', 'tanh', 'sigmoid', 'linear']);

export interface DenseLayer {
  kernel: tf.Tensor;
  bias?: tf.Tensor;
  activation: DenseAct;
}

/** Every layer's output, the input first: `acts[l]` is the input of layer l, the last one the model's output. */
export function denseForward(layers: readonly DenseLayer[], x: tf.Tensor2D): tf.Tensor2D[] {
  const acts: tf.Tensor2D[] = [x];
  for (const layer of layers) {
    const z = tf.fused.matMul({
      a: acts[acts.length - 1]!,
      b: layer.kernel as tf.Tensor2D,
      ...(layer.bias ? { bias: layer.bias } : {}),
      ...(layer.activation === 'relu' || layer.activation === 'sigmoid'
        ? { activation: layer.activation }
        : {}),
    }) as tf.Tensor2D;
    // tfjs's fused kernels know relu, sigmoid, elu...; tanh is applied after (same math, one kernel more).
    acts.push(layer.activation === 'tanh' ? tf.tanh(z) : z);
  }
  return acts;
}

/**
 * Per example, the derivative of the head's loss with respect to the logits: σ(z) − y (binary cross-entropy),
 * softmax(z) − y (categorical), 2(z − y) (squared error).
 */
export function outputDelta(
  head: 'binary' | 'multiclass' | 'regression',
  out: tf.Tensor2D,
  y: tf.Tensor2D,
): tf.Tensor2D {
  if (head === 'binary') return tf.sub(tf.sigmoid(out), y);
  if (head === 'multiclass') return tf.sub(tf.softmax(out), y);
  return tf.mul(2, tf.sub(out, y)) as tf.Tensor2D;
}

/** dℓ/dz = dℓ/da · φ'(z), with φ' written through the activation's output a. */
export function throughActivation(act: DenseAct, a: tf.Tensor2D, da: tf.Tensor2D): tf.Tensor2D {
  switch (act) {
    case 'relu':
      return tf.mul(da, tf.step(a)) as tf.Tensor2D;
    case 'tanh':
      return tf.mul(da, tf.sub(1, tf.square(a))) as tf.Tensor2D;
    case 'sigmoid':
      return tf.mul(da, tf.mul(a, tf.sub(1, a))) as tf.Tensor2D;
    case 'linear':
      return da;
  }
}

/** Each layer's δ by the chain rule, from the last layer's (`outDelta`) back to the first. */
export function layerDeltas(
  layers: readonly DenseLayer[],
  acts: readonly tf.Tensor2D[],
  outDelta: tf.Tensor2D,
): tf.Tensor2D[] {
  const deltas = new Array<tf.Tensor2D>(layers.length);
  let dz = outDelta;
  for (let l = layers.length - 1; l >= 0; l--) {
    deltas[l] = dz;
    if (l > 0) {
      dz = throughActivation(
        layers[l - 1]!.activation,
        acts[l]!,
        tf.matMul(dz, tf.transpose(layers[l]!.kernel as tf.Tensor2D)),
      );
    }
  }
  return deltas;
}
