/**
 * Rényi-DP accountant for the Poisson-sampled Gaussian mechanism, the mechanism behind DP-SGD.
 *
 * What it accounts for: T steps, each of which includes every example of a dataset of N rows independently with
 * probability q (Poisson sampling, see `poissonBatches` in `dpSgd.ts`), sums the per-example gradients clipped to L2
 * norm C, and adds Gaussian noise of standard deviation σ·C. Neighbouring datasets differ by adding or removing one
 * example (dp_accounting's `ADD_OR_REMOVE_ONE`). Under that relation one step is (α, ε_α(q, σ))-RDP at every order α,
 * and T steps compose to T·ε_α.
 *
 * How:
 * - RDP of one step (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
 *   arXiv:1908.10530): ε_α = log(A_α)/(α−1) with A_α = E_{z∼N(0,σ²)}[((1−q) + q·exp((2z−1)/(2σ²)))^α]. For integer α
 *   A_α is the finite binomial sum (Sec. 3.2); for fractional α the two convergent series of Sec. 3.3, split at
 *   z₀ = σ²·log(1/q − 1) + ½. Both are summed in log space, as Google's dp_accounting
 *   (`rdp_privacy_accountant.py`) does, so large orders neither overflow nor lose precision.
 * - Conversion to (ε, δ): ε = min_α [ε_α·T + log(1 − 1/α) − log(δ·α)/(α − 1)] (Canonne, Kamath & Steinke 2020,
 *   Proposition 12; Balle et al. 2020, Theorem 21), which is tighter than Mironov's ε_α·T + log(1/δ)/(α−1) and is
 *   what dp_accounting's `compute_epsilon` uses, including its KL-divergence shortcut for ε = 0.
 * - Orders: dp_accounting's `DEFAULT_RDP_ORDERS`.
 *
 * Written here rather than taken from a package because no maintained JavaScript DP accountant exists; the special
 * functions come from stdlib (log Γ and the scaled complementary error function).
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import erfcx from '@stdlib/math-base-special-erfcx';

/** dp_accounting's default orders: 1.1, 1.2, …, 10.9, then 11 … 63, then 128, 256, 512, 1024. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128,
  256,
  512,
  1024,
]);

/** Stop a fractional-order series after this many terms (dp_accounting's `_MAX_STEPS_LOG_A_FRAC`). */
const MAX_FRACTIONAL_TERMS = 1000;

/** log(exp(a) + exp(b)) without overflow. */
function logAdd(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (lo === -Infinity) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log |binomial(n, k)| for real n, through log|Γ| (the generalised binomial coefficient for fractional n). */
function logComb(n: number, k: number): number {
  return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);
}

/**
 * log(erfc(x)) accurate in both tails: for x ≥ 0 through the scaled function erfcx(x) = exp(x²)·erfc(x), which does
 * not underflow where erfc does (x > 26); for x < 0, erfc(x) = 2 − erfc(−x) lies in (1, 2).
 */
export function logErfc(x: number): number {
  if (x >= 0) return Math.log(erfcx(x)) - x * x;
  return Math.log(2 - Math.exp(-x * x) * erfcx(-x));
}

/** log(A_α) for integer α ≥ 1 and 0 < q < 1 (Mironov et al. 2019, Sec. 3.2). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  const logQ = Math.log(q);
  const log1mq = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    const logCoef = logComb(alpha, i) + i * logQ + (alpha - i) * log1mq;
    logA = logAdd(logA, logCoef + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

/**
 * log(A_α) for fractional α > 1 and 0 < q < 1 (Mironov et al. 2019, Sec. 3.3): the integral split at z₀, each half
 * expanded as a binomial series whose terms are summed until both have started to decrease and fall 30 nats below
 * the running total. Like dp_accounting it sums |binomial(α, i)|, so where the alternating tail of the generalised
 * binomial series matters (σ below about 1) the result is an upper bound on A_α: ε can be overstated, never
 * understated. Returns +∞ when the series fails to converge, which removes the order from the minimum.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mq = Math.log1p(-q);
  const sqrt2Sigma = Math.SQRT2 * sigma;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    const logCoef = logComb(alpha, i);
    const j = alpha - i;
    const logT0 = logCoef + i * logQ + j * log1mq;
    const logT1 = logCoef + j * logQ + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / sqrt2Sigma);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / sqrt2Sigma);
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    logA0 = logAdd(logA0, logS0);
    logA1 = logAdd(logA1, logS1);
    const total = logAdd(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Infinity;
}

function checkProbability(name: string, q: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`${name} must be in [0, 1]; got ${q}.`);
}

/**
 * RDP of ONE step of the Poisson-sampled Gaussian mechanism at each order.
 *
 * Edge cases: q = 0 gives 0 at every order (nothing is ever used); σ = 0 with q > 0 gives +∞ (no noise);
 * q = 1 is the plain Gaussian mechanism, α/(2σ²); order +∞ gives +∞.
 *
 * @param q sampling probability of each example in a step, in [0, 1].
 * @param noiseMultiplier σ: noise standard deviation divided by the clipping norm, ≥ 0.
 * @param orders Rényi orders, each > 1.
 */
export function rdpPoissonSampledGaussian(
  q: number,
  noiseMultiplier: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): number[] {
  checkProbability('Sampling probability q', q);
  if (!(noiseMultiplier >= 0)) throw new RangeError(`Noise multiplier must be ≥ 0; got ${noiseMultiplier}.`);
  return orders.map((alpha) => {
    if (!(alpha > 1)) throw new RangeError(`Rényi orders must be > 1; got ${alpha}.`);
    if (q === 0) return 0;
    if (!Number.isFinite(alpha) || noiseMultiplier === 0) return Infinity;
    if (q === 1) return alpha / (2 * noiseMultiplier * noiseMultiplier);
    const logA = Number.isInteger(alpha)
      ? logAInteger(q, noiseMultiplier, alpha)
      : logAFractional(q, noiseMultiplier, alpha);
    return logA / (alpha - 1);
  });
}

/** Which RDP→(ε, δ) conversion to use. `improved` is the one current libraries use; `mironov` is the original. */
export type RdpConversion = 'improved' | 'mironov';

export interface EpsilonResult {
  epsilon: number;
  /** The order at which the minimum was reached (0 when ε is 0 or +∞ for every order). */
  order: number;
}

/**
 * The smallest ε such that a mechanism with the given RDP curve is (ε, δ)-DP.
 *
 * `improved` (default): ε_α = r_α + log1p(−1/α) − log(δ·α)/(α−1) for α > 1.01 (orders closer to 1 are numerically
 * unstable and never optimal), and ε = 0 where δ² + expm1(−r_α) > 0 (the KL-divergence bound
 * δ ≤ √(1 − e^{−KL}) already gives δ). `mironov`: ε_α = r_α + log(1/δ)/(α−1) (Mironov 2017, Proposition 3), the
 * conversion TF Privacy used before 2020 and that its published tutorial figures were computed with.
 *
 * Edge cases: δ = 0 gives 0 if every r_α is 0, else +∞; a negative r_α (numerical noise) counts as 0; orders with
 * r_α = +∞ are skipped; ε is never negative.
 */
export function rdpToEpsilon(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: RdpConversion = 'improved',
): EpsilonResult {
  if (orders.length !== rdp.length) throw new RangeError('orders and rdp must have the same length.');
  if (!(delta >= 0 && delta <= 1)) throw new RangeError(`δ must be in [0, 1]; got ${delta}.`);
  if (delta === 0) return { epsilon: rdp.every((r) => r === 0) ? 0 : Infinity, order: 0 };
  let best = Infinity;
  let bestOrder = 0;
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k] as number;
    const r = rdp[k] as number;
    if (!(a >= 1)) throw new RangeError(`Rényi orders must be ≥ 1; got ${a}.`);
    let eps: number;
    if (r < 0) eps = 0;
    else if (conversion === 'mironov') eps = a > 1 ? r - Math.log(delta) / (a - 1) : Infinity;
    else if (delta * delta + Math.expm1(-r) > 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity;
    if (eps < best) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

/**
 * The smallest δ such that a mechanism with the given RDP curve is (ε, δ)-DP, with the same improved bound as
 * {@link rdpToEpsilon} (Canonne, Kamath & Steinke 2020, Proposition 12) and the KL bound. δ is capped at 1.
 */
export function rdpToDelta(
  orders: readonly number[],
  rdp: readonly number[],
  epsilon: number,
): { delta: number; order: number } {
  if (orders.length !== rdp.length) throw new RangeError('orders and rdp must have the same length.');
  if (!(epsilon >= 0)) throw new RangeError(`ε must be ≥ 0; got ${epsilon}.`);
  let best = Infinity;
  let bestOrder = 0;
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k] as number;
    const r = rdp[k] as number;
    let logDelta: number;
    if (r < 0 || r === 0) logDelta = -Infinity;
    else logDelta = 0.5 * Math.log1p(-Math.exp(-r));
    if (a > 1.01 && r >= 0) {
      logDelta = Math.min(logDelta, (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a));
    }
    if (logDelta < best || k === 0) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(Math.exp(best), 1), order: bestOrder };
}

export interface DpSgdPrivacyParams {
  /** Sampling probability per step (expected batch size / N). */
  q: number;
  /** σ: noise standard deviation divided by the clipping norm. */
  noiseMultiplier: number;
  /** Number of noisy gradient steps taken. */
  steps: number;
  delta: number;
  orders?: readonly number[];
  conversion?: RdpConversion;
}

/**
 * ε after `steps` steps of DP-SGD with Poisson sampling at rate q and noise multiplier σ, at the given δ
 * (RDP accounting, see the module comment). `steps` = 0 gives ε = 0.
 */
export function dpSgdEpsilon(p: DpSgdPrivacyParams): EpsilonResult {
  if (!(Number.isInteger(p.steps) && p.steps >= 0))
    throw new RangeError(`steps must be a whole number ≥ 0; got ${p.steps}.`);
  const orders = p.orders ?? DEFAULT_RDP_ORDERS;
  const perStep = rdpPoissonSampledGaussian(p.q, p.noiseMultiplier, orders);
  const total = perStep.map((r) => (p.steps === 0 ? 0 : r * p.steps));
  return rdpToEpsilon(orders, total, p.delta, p.conversion);
}

/**
 * A running RDP accountant: compose steps as they happen (e.g. once per epoch with the steps of that epoch) and
 * read ε at any time. The per-step curve is cached per (q, σ), so composing is O(number of orders).
 */
export class RdpAccountant {
  private readonly rdp: number[];
  private readonly cache = new Map<string, number[]>();
  private stepCount = 0;

  constructor(readonly orders: readonly number[] = DEFAULT_RDP_ORDERS) {
    this.rdp = orders.map(() => 0);
  }

  /** Adds `steps` steps of the Poisson-sampled Gaussian mechanism with rate q and noise multiplier σ. */
  compose(q: number, noiseMultiplier: number, steps = 1): void {
    if (!(Number.isInteger(steps) && steps >= 0))
      throw new RangeError(`steps must be a whole number ≥ 0; got ${steps}.`);
    if (steps === 0) return;
    const key = `${q}:${noiseMultiplier}`;
    let curve = this.cache.get(key);
    if (!curve) {
      curve = rdpPoissonSampledGaussian(q, noiseMultiplier, this.orders);
      this.cache.set(key, curve);
    }
    for (let k = 0; k < this.rdp.length; k++)
      this.rdp[k] = (this.rdp[k] as number) + steps * (curve[k] as number);
    this.stepCount += steps;
  }

  /** Steps composed so far. */
  get steps(): number {
    return this.stepCount;
  }

  epsilon(delta: number, conversion: RdpConversion = 'improved'): EpsilonResult {
    return rdpToEpsilon(this.orders, this.rdp, delta, conversion);
  }

  delta(epsilon: number): { delta: number; order: number } {
    return rdpToDelta(this.orders, this.rdp, epsilon);
  }
}

export interface CalibrationParams {
  q: number;
  steps: number;
  delta: number;
  targetEpsilon: number;
  orders?: readonly number[];
  /** Stop when the bracket [lo, hi] satisfies hi − lo ≤ tolerance·hi. Default 1e-4. */
  relativeTolerance?: number;
}

export interface CalibrationResult {
  /** The smallest noise multiplier found (within the tolerance) whose ε does not exceed the target. */
  noiseMultiplier: number;
  /** ε at that noise multiplier (≤ targetEpsilon). */
  epsilon: number;
  order: number;
}

/**
 * The noise multiplier σ needed for DP-SGD to stay within `targetEpsilon` at `delta` after `steps` Poisson-sampled
 * steps at rate q: bisection on σ (ε is decreasing in σ), returning the upper end of the final bracket so the
 * guarantee always holds. Throws when the target cannot be reached (ε target ≤ 0) or when no σ up to 10⁶ suffices.
 * q = 0 or steps = 0 need no noise (σ = 0, ε = 0).
 */
export function calibrateNoise(p: CalibrationParams): CalibrationResult {
  if (!(p.targetEpsilon > 0)) throw new RangeError(`Target ε must be > 0; got ${p.targetEpsilon}.`);
  if (!(p.delta > 0 && p.delta < 1)) throw new RangeError(`δ must be in (0, 1); got ${p.delta}.`);
  checkProbability('Sampling probability q', p.q);
  const tol = p.relativeTolerance ?? 1e-4;
  const eps = (sigma: number): EpsilonResult =>
    dpSgdEpsilon({
      q: p.q,
      noiseMultiplier: sigma,
      steps: p.steps,
      delta: p.delta,
      ...(p.orders ? { orders: p.orders } : {}),
    });
  if (p.q === 0 || p.steps === 0) return { noiseMultiplier: 0, epsilon: 0, order: 0 };
  let hi = 1;
  let hiResult = eps(hi);
  while (hiResult.epsilon > p.targetEpsilon) {
    hi *= 2;
    if (hi > 1e6)
      throw new RangeError(`No noise multiplier up to 1e6 reaches ε ≤ ${p.targetEpsilon} at δ = ${p.delta}.`);
    hiResult = eps(hi);
  }
  let lo = hi === 1 ? 0 : hi / 2;
  while (hi - lo > tol * hi) {
    const mid = (lo + hi) / 2;
    const r = eps(mid);
    if (r.epsilon > p.targetEpsilon) lo = mid;
    else {
      hi = mid;
      hiResult = r;
    }
  }
  return { noiseMultiplier: hi, epsilon: hiResult.epsilon, order: hiResult.order };
}
