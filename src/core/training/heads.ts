/**
 * Output heads: how raw model outputs become losses, metrics and predictions. Models end with a linear
 * layer (logits); the sigmoid/softmax is applied here, which keeps the loss numerically stable
 * (log-sum-exp form) and the saved model a plain stack of Dense layers.
 */
import * as tf from '@tensorflow/tfjs';

export type HeadKind = 'binary' | 'multiclass' | 'regression';

/**
 * Per-example loss from raw outputs, shape [batch]:
 * - binary: sigmoid cross-entropy from the logit z, `max(z,0) - z·y + log(1 + e^{-|z|})` (finite for any z);
 * - multiclass: softmax cross-entropy, `logsumexp(z) - Σ y·z` with one-hot y;
 * - regression: squared error on the standardised target.
 */
export function perExampleLoss(kind: HeadKind): (yTrue: tf.Tensor2D, out: tf.Tensor2D) => tf.Tensor1D {
  switch (kind) {
    case 'binary':
      return (y, z) =>
        tf.tidy(
          () =>
            tf.reshape(
              tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
              [-1],
            ) as tf.Tensor1D,
        );
    case 'multiclass':
      return (y, z) => tf.tidy(() => tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(y, z), 1)) as tf.Tensor1D);
    case 'regression':
      return (y, z) => tf.tidy(() => tf.reshape(tf.square(tf.sub(z, y)), [-1]) as tf.Tensor1D);
  }
}

/**
 * Validation metric from host arrays (row-major, `width` columns), higher is better:
 * - binary: accuracy at probability 0.5 (logit 0);
 * - multiclass: accuracy of the arg-max class;
 * - regression: R² = 1 - SS_res / SS_tot; when the target is constant (SS_tot = 0) it is 1 for a perfect fit and 0 otherwise.
 * An empty split gives NaN. Computed on the host because the data must be read back anyway, and a
 * synchronous read (`dataSync`) is not available on every backend (WebGPU in Node).
 */
export function headMetric(
  kind: HeadKind,
): (yTrue: ArrayLike<number>, out: ArrayLike<number>, width: number) => number {
  return (y, z, width) => {
    const n = width > 0 ? Math.floor(y.length / width) : 0;
    if (n === 0) return NaN;
    switch (kind) {
      case 'binary': {
        let ok = 0;
        for (let i = 0; i < n; i++) if ((z[i]! > 0 ? 1 : 0) === y[i]) ok++;
        return ok / n;
      }
      case 'multiclass': {
        let ok = 0;
        for (let i = 0; i < n; i++) {
          let bz = 0;
          let by = 0;
          for (let c = 1; c < width; c++) {
            if (z[i * width + c]! > z[i * width + bz]!) bz = c;
            if (y[i * width + c]! > y[i * width + by]!) by = c;
          }
          if (bz === by) ok++;
        }
        return ok / n;
      }
      case 'regression': {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += y[i]!;
        mean /= n;
        let ssRes = 0;
        let ssTot = 0;
        for (let i = 0; i < n; i++) {
          ssRes += (y[i]! - z[i]!) ** 2;
          ssTot += (y[i]! - mean) ** 2;
        }
        if (ssTot === 0) return ssRes === 0 ? 1 : 0;
        return 1 - ssRes / ssTot;
      }
    }
  };
}

/** Probabilities (binary: P(positive), one column; multiclass: softmax rows) or values (regression, still standardised). */
export function outputsToScores(kind: HeadKind, out: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'binary':
      return tf.sigmoid(out);
    case 'multiclass':
      return tf.softmax(out);
    case 'regression':
      return tf.clone(out);
  }
}
