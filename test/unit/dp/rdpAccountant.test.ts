import { strict as assert } from 'node:assert';
import {
  DEFAULT_RDP_ORDERS,
  RdpAccountant,
  calibrateNoise,
  dpSgdEpsilon,
  logErfc,
  rdpPoissonSampledGaussian,
  rdpToDelta,
  rdpToEpsilon,
} from '../../../src/core/training/dp/rdpAccountant';

/**
 * An independent computation of log(A_α) = log E_{z∼N(0,σ²)}[((1−q) + q·exp((2z−1)/(2σ²)))^α] by direct numerical
 * integration (composite Simpson rule in log space), the definition the accountant's series expand. It shares no
 * code with the accountant: no binomial series, no erfc, no split at z₀.
 */
function logAByIntegration(q: number, sigma: number, alpha: number): number {
  const h = sigma / 40;
  const lo = -16 * sigma;
  const hi = alpha + 16 * sigma;
  let n = Math.ceil((hi - lo) / h);
  if (n % 2 === 1) n++;
  const step = (hi - lo) / n;
  const f = (z: number): number => {
    const logPhi = -(z * z) / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
    const e = (2 * z - 1) / (2 * sigma * sigma);
    // log((1 − q) + q·e^e), stable for large e.
    const mix = e > 0 ? e + Math.log(q + (1 - q) * Math.exp(-e)) : Math.log(1 - q + q * Math.exp(e));
    return logPhi + alpha * mix;
  };
  const values = new Float64Array(n + 1);
  let max = -Infinity;
  for (let k = 0; k <= n; k++) {
    const v = f(lo + k * step);
    values[k] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    const w = k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2;
    sum += w * Math.exp((values[k] as number) - max);
  }
  return max + Math.log((sum * step) / 3);
}

function relClose(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `${what}: ${actual} vs ${expected} (relative difference ${Math.abs(actual - expected) / Math.abs(expected)})`,
  );
}

describe('dp/rdpAccountant', () => {
  it('uses dp_accounting default orders', () => {
    assert.equal(DEFAULT_RDP_ORDERS.length, 99 + 53 + 4);
    assert.equal(DEFAULT_RDP_ORDERS[0], 1.1);
    assert.equal(DEFAULT_RDP_ORDERS[98], 10.9);
    assert.equal(DEFAULT_RDP_ORDERS[99], 11);
    assert.deepEqual(DEFAULT_RDP_ORDERS.slice(-5), [63, 128, 256, 512, 1024]);
  });

  it('matches the issue reference: q = 256/32561, σ = 1, T = 2543, δ = 1e-5 gives ε 2.4884 (dp_accounting RDP)', () => {
    const r = dpSgdEpsilon({ q: 256 / 32561, noiseMultiplier: 1.0, steps: 2543, delta: 1e-5 });
    relClose(r.epsilon, 2.4884, 0.001, 'ε');
    assert.ok(r.order > 1 && r.order < 64);
  });

  it("matches dp_accounting's own test table of RDP values (q = 0.01, σ = 2.5, 50 steps)", () => {
    // rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian (google/differential-privacy).
    const orders = [1.5, 2.5, 5, 50, 100];
    const expected = [6.70579741e-4, 1.0854871e-3, 2.18075656e-3, 2.38460375e-2, 1.67416308e2];
    const rdp = rdpPoissonSampledGaussian(0.01, 2.5, orders).map((r) => r * 50);
    rdp.forEach((r, k) => relClose(r, expected[k] as number, 1e-4, `order ${orders[k]}`));
  });

  it("matches the ε published in TF Privacy's MNIST tutorial table (Mironov's conversion, its orders)", () => {
    // tensorflow/privacy tutorials/README.md, "Select Parameters": batch 256 of 60,000, 234 steps per epoch,
    // δ = 1e-5, orders 1.1 … 10.9 and 12 … 63, ε from get_privacy_spent (ε = r − log δ/(α−1)).
    const orders = [
      ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
      ...Array.from({ length: 52 }, (_, i) => 12 + i),
    ];
    const table: [number, number, number][] = [
      [1.12, 60, 2.92],
      [0.6, 30, 9.74],
      [1.2, 10, 1.2],
    ];
    for (const [sigma, epochs, eps] of table) {
      const r = dpSgdEpsilon({
        q: 256 / 60000,
        noiseMultiplier: sigma,
        steps: epochs * 234,
        delta: 1e-5,
        orders,
        conversion: 'mironov',
      });
      relClose(r.epsilon, eps, 0.01, `σ ${sigma}, ${epochs} epochs`);
      // The improved conversion is never worse.
      const improved = dpSgdEpsilon({
        q: 256 / 60000,
        noiseMultiplier: sigma,
        steps: epochs * 234,
        delta: 1e-5,
        orders,
      });
      assert.ok(improved.epsilon <= r.epsilon);
    }
  });

  it('agrees with direct numerical integration of A_α for integer and fractional orders', () => {
    // The settings of dp_accounting's test_compute_log_a_equals_mp that a double-precision quadrature resolves,
    // plus DP-SGD-like ones.
    const cases: [number, number, number][] = [
      [1e-4, 1, 1.5],
      [1e-3, 1, 2],
      [0.01, 10, 20],
      [0.1, 100, 20.5],
      [1e-6, 1, 27],
      [256 / 32561, 1, 7.6],
      [256 / 32561, 1, 32],
      [0.05, 0.8, 12],
      [0.2, 2, 63],
      [0.01, 0.7, 128],
    ];
    for (const [q, sigma, alpha] of cases) {
      const series = (rdpPoissonSampledGaussian(q, sigma, [alpha])[0] as number) * (alpha - 1);
      const integral = logAByIntegration(q, sigma, alpha);
      assert.ok(
        Math.abs(series - integral) <= 1e-4 * Math.abs(integral) + 1e-9,
        `q ${q}, σ ${sigma}, α ${alpha}: series ${series} vs integral ${integral}`,
      );
    }
  });

  it('errs on the safe side for fractional orders at small noise, as dp_accounting does', () => {
    // The fractional-order series sums |binomial(α, i)|, so where its alternating tail matters (σ < 1) it is an
    // upper bound on A_α, never an underestimate: ε can only be overstated.
    for (const [q, sigma, alpha] of [
      [0.05, 0.8, 3.3],
      [0.1, 0.6, 2.5],
      [0.02, 0.9, 5.7],
    ] as [number, number, number][]) {
      const series = (rdpPoissonSampledGaussian(q, sigma, [alpha])[0] as number) * (alpha - 1);
      const integral = logAByIntegration(q, sigma, alpha);
      assert.ok(series >= integral * (1 - 1e-9), `q ${q}, σ ${sigma}, α ${alpha}: ${series} < ${integral}`);
      relClose(series, integral, 0.02, `q ${q}, σ ${sigma}, α ${alpha}`);
    }
  });

  it('gives the same ε as the integral over all default orders, across a table of settings', () => {
    // [q, σ, steps, δ]: the reference, Adult-like and MNIST-like settings, small and large noise.
    const settings: [number, number, number, number][] = [
      [256 / 32561, 1.0, 2543, 1e-5],
      [256 / 32561, 0.8, 1272, 1e-5],
      [512 / 32561, 1.5, 636, 1e-5],
      [256 / 60000, 1.1, 14040, 1e-5],
      [0.01, 2.0, 10000, 1e-6],
      [0.001, 0.6, 1000, 1e-5],
      [0.1, 4.0, 100, 1e-5],
    ];
    const orders = DEFAULT_RDP_ORDERS.filter((a) => a <= 256);
    for (const [q, sigma, steps, delta] of settings) {
      const ours = dpSgdEpsilon({ q, noiseMultiplier: sigma, steps, delta, orders });
      const rdp = orders.map((a) => (steps * logAByIntegration(q, sigma, a)) / (a - 1));
      const independent = rdpToEpsilon(orders, rdp, delta);
      relClose(ours.epsilon, independent.epsilon, 0.01, `q ${q}, σ ${sigma}, T ${steps}`);
      assert.ok(ours.epsilon > 0 && Number.isFinite(ours.epsilon));
    }
  });

  it('handles the edge cases: q = 0, σ = 0, q = 1, no steps, δ = 0', () => {
    assert.deepEqual(rdpPoissonSampledGaussian(0, 1, [2, 3.5]), [0, 0]);
    assert.deepEqual(rdpPoissonSampledGaussian(0.1, 0, [2, 3.5]), [Infinity, Infinity]);
    assert.deepEqual(rdpPoissonSampledGaussian(1, 2, [2, 3.5]), [2 / 8, 3.5 / 8]);
    assert.equal(dpSgdEpsilon({ q: 0.01, noiseMultiplier: 1, steps: 0, delta: 1e-5 }).epsilon, 0);
    assert.equal(dpSgdEpsilon({ q: 0.01, noiseMultiplier: 0, steps: 10, delta: 1e-5 }).epsilon, Infinity);
    assert.equal(rdpToEpsilon([2, 3], [0.1, 0.2], 0).epsilon, Infinity);
    assert.equal(rdpToEpsilon([2, 3], [0, 0], 0).epsilon, 0);
    assert.throws(() => rdpPoissonSampledGaussian(1.5, 1), /\[0, 1\]/);
    assert.throws(() => rdpPoissonSampledGaussian(0.1, -1), /≥ 0/);
    assert.throws(
      () => dpSgdEpsilon({ q: 0.1, noiseMultiplier: 1, steps: 1.5, delta: 1e-5 }),
      /whole number/,
    );
  });

  it('converts the plain Gaussian mechanism as dp_accounting does ((1, 1e-6) at σ = 4.530877117)', () => {
    // dp_accounting test_compute_epsilon_delta_gaussian: orders 1.000 … 99.999 in steps of 0.001.
    const orders = Array.from({ length: 99000 }, (_, i) => 1 + i * 0.001).filter((a) => a > 1);
    const rdp = rdpPoissonSampledGaussian(1, 4.530877117, orders);
    relClose(rdpToEpsilon(orders, rdp, 1e-6).epsilon, 1, 1e-6, 'ε');
    relClose(rdpToDelta(orders, rdp, 1).delta, 1e-6, 1e-5, 'δ');
  });

  it('round-trips ε → δ → ε', () => {
    const acc = new RdpAccountant();
    acc.compose(0.02, 1.3, 500);
    const { epsilon } = acc.epsilon(1e-5);
    relClose(acc.delta(epsilon).delta, 1e-5, 1e-6, 'δ');
  });

  it('accumulates per epoch exactly as one composition of all steps', () => {
    const acc = new RdpAccountant();
    for (let epoch = 0; epoch < 5; epoch++) acc.compose(256 / 32561, 1.1, 127);
    assert.equal(acc.steps, 635);
    const once = dpSgdEpsilon({ q: 256 / 32561, noiseMultiplier: 1.1, steps: 635, delta: 1e-5 });
    relClose(acc.epsilon(1e-5).epsilon, once.epsilon, 1e-12, 'ε');
  });

  it('is monotone: more steps cost more, more noise costs less', () => {
    const e = (sigma: number, steps: number) =>
      dpSgdEpsilon({ q: 0.01, noiseMultiplier: sigma, steps, delta: 1e-5 }).epsilon;
    assert.ok(e(1, 100) < e(1, 1000));
    assert.ok(e(1, 1000) < e(1, 10000));
    assert.ok(e(2, 1000) < e(1, 1000));
    assert.ok(e(4, 1000) < e(2, 1000));
  });

  it('calibrates the noise multiplier by bisection and round-trips', () => {
    for (const [q, steps, target] of [
      [256 / 32561, 2543, 3],
      [256 / 32561, 1272, 1],
      [0.01, 5000, 8],
    ] as [number, number, number][]) {
      const c = calibrateNoise({ q, steps, delta: 1e-5, targetEpsilon: target });
      assert.ok(c.epsilon <= target, `ε ${c.epsilon} > ${target}`);
      const back = dpSgdEpsilon({ q, noiseMultiplier: c.noiseMultiplier, steps, delta: 1e-5 }).epsilon;
      assert.equal(back, c.epsilon);
      // A little less noise would break the target: the search found the boundary, not just any σ.
      const less = dpSgdEpsilon({
        q,
        noiseMultiplier: c.noiseMultiplier * (1 - 5e-4),
        steps,
        delta: 1e-5,
      }).epsilon;
      assert.ok(less > target, `σ·(1 − 5e-4) still gives ${less} ≤ ${target}`);
    }
    // The reference setting asked for its own ε gives back σ ≈ 1.
    const ref = calibrateNoise({ q: 256 / 32561, steps: 2543, delta: 1e-5, targetEpsilon: 2.4884 });
    relClose(ref.noiseMultiplier, 1, 1e-3, 'σ');
    assert.throws(() => calibrateNoise({ q: 0.01, steps: 10, delta: 1e-5, targetEpsilon: 0 }), /> 0/);
  });

  it('computes log erfc in both tails', () => {
    assert.ok(Math.abs(logErfc(0) - 0) < 1e-15);
    assert.ok(Math.abs(logErfc(-30) - Math.log(2)) < 1e-15);
    // erfc(1) = 0.157299207050285...
    assert.ok(Math.abs(logErfc(1) - Math.log(0.15729920705028513)) < 1e-13);
    // Far tail: log erfc(x) ≈ −x² − log(x√π) − 1/(2x²) for large x.
    const x = 100;
    assert.ok(Math.abs(logErfc(x) - (-x * x - Math.log(x * Math.sqrt(Math.PI)) - 1 / (2 * x * x))) < 1e-8);
  });
});
