/**
 * Small statistical building blocks shared by the fairness modules: confidence intervals, entropies and
 * the weighted-count conventions. Hand-written because each is a few lines and no maintained JS library
 * offers them with the edge-case behaviour (null with a reason, never NaN) the reports need.
 */

/** The 97.5th percentile of the standard normal distribution, for two-sided 95% intervals. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), the interval recommended by Brown, Cai &
 * DasGupta (2001) over the normal approximation because it stays inside [0, 1] and behaves at p = 0 or 1.
 *
 * `p̂ = successes / n`; centre `(p̂ + z²/2n) / (1 + z²/n)`; half-width
 * `z / (1 + z²/n) · sqrt(p̂(1 − p̂)/n + z²/4n²)`.
 *
 * Edge cases: `n <= 0` gives `null` (no interval for an empty group). `n` may be fractional (an effective
 * sample size for weighted data, see {@link effectiveSampleSize}).
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): [number, number] | null {
  if (!(n > 0)) return null;
  const p = Math.min(1, Math.max(0, successes / n));
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p̂ = 0 (or 1) the bound is exactly 0 (or 1); rounding in centre − half would give 1e-17 instead.
  return [p === 0 ? 0 : Math.max(0, centre - half), p === 1 ? 1 : Math.min(1, centre + half)];
}

/**
 * Kish's effective sample size `(Σw)² / Σw²`: the number of unweighted rows that would give the same variance
 * as the weighted ones. Equals the row count when every weight is equal; 0 when the weights sum to 0.
 */
export function effectiveSampleSize(sumW: number, sumW2: number): number {
  return sumW2 > 0 ? (sumW * sumW) / sumW2 : 0;
}

/** Shannon entropy in nats of a vector of non-negative counts (zero counts contribute nothing). */
export function entropy(counts: ArrayLike<number>, total?: number): number {
  let t = total ?? 0;
  if (total === undefined) for (let i = 0; i < counts.length; i++) t += counts[i] ?? 0;
  if (!(t > 0)) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0) h -= (c / t) * Math.log(c / t);
  }
  return h;
}

/**
 * Reads a weight vector: absent means every row weighs 1. Negative, NaN or infinite weights are a caller
 * error, reported with the first offending row (0-based) so that a bad weight column is found quickly.
 */
export function checkWeights(weights: ArrayLike<number> | undefined, n: number, what = 'weights'): void {
  if (!weights) return;
  if (weights.length !== n) throw new RangeError(`${what}: expected ${n} values, got ${weights.length}.`);
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? NaN;
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new RangeError(
        `${what}: row ${i + 1} has weight ${String(w)}; weights must be finite and non-negative.`,
      );
    }
  }
}

/**
 * Reads a 0/1 outcome vector (labels or predictions). 1 is the positive outcome, 0 the negative; -1 or NaN
 * mark a missing value. Anything else is a caller error reported with its 1-based row, because silently
 * treating a `2` as missing would hide a mapping mistake.
 *
 * @returns a copy as Int8Array with 1, 0 and -1.
 */
export function readOutcome(values: ArrayLike<number>, n: number, what: string): Int8Array {
  if (values.length !== n) throw new RangeError(`${what}: expected ${n} values, got ${values.length}.`);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? NaN;
    if (v === 1) out[i] = 1;
    else if (v === 0) out[i] = 0;
    else if (v === -1 || Number.isNaN(v)) out[i] = -1;
    else
      throw new RangeError(`${what}: row ${i + 1} holds ${String(v)}; expected 1, 0, or -1/NaN for missing.`);
  }
  return out;
}

/** Rounds for messages only (reports keep full precision). */
export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}
