/**
 * DP-SGD for the training loop: the Poisson sampler, the gradient step (ghost clipping + noise), the accountant
 * that turns steps into ε after each epoch, and the record of what the run did for its audit.
 *
 * The guarantee stated (ε, δ) covers the TRAINING ROWS under add/remove-one neighbouring, for the sequence of
 * noised gradients (and so the model and anything computed from the model alone), provided that:
 * - batches are drawn by {@link poissonBatches}: every step includes each row independently with probability
 *   q = batchSize/N, and a step whose batch is empty still takes a (noise-only) step;
 * - every step adds N(0, (σC)²) noise to the sum of per-example gradients clipped to C;
 * - the randomness of sampling and noise is unpredictable to the adversary: by default it comes from the
 *   operating system's cryptographic generator (Web Crypto). A seeded generator (`seededNoise`) makes a run
 *   reproducible but voids the guarantee for anyone who knows the seed, which the run's config records.
 * Anything else computed from the data (see {@link privacyNotes}) is outside the accountant.
 */
import { seededRandom } from '../../random';
import type { BatchSampler, GradientStep, GradientStepContext } from '../trainLoop';
import { clippingPath, dpGradients } from './ghostClipping';
import { RdpAccountant, calibrateNoise } from './rdpAccountant';

/** Uniform [0, 1) doubles (53 random bits) from Web Crypto's CSPRNG, buffered. */
export function secureRandom(): () => number {
  // 64 KiB, the most one getRandomValues call may fill: fewer calls, as noise needs ~35k words a step.
  const buf = new Uint32Array(16384);
  let pos = buf.length;
  return () => {
    if (pos + 2 > buf.length) {
      globalThis.crypto.getRandomValues(buf);
      pos = 0;
    }
    const hi = (buf[pos++] as number) >>> 5; // 27 bits
    const lo = (buf[pos++] as number) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
}

/**
 * Poisson sampling as the accountant assumes it: `round(n / expectedBatchSize)` steps per epoch, each including
 * every row 0 … n−1 independently with probability q = expectedBatchSize / n (so an epoch sees n rows in
 * expectation, some twice, some not at all). Batch sizes vary; a batch may be empty and must still be a step.
 * Drawn by geometric skips, O(batch) per step rather than O(n).
 */
export function poissonBatches(n: number, expectedBatchSize: number, random: () => number): BatchSampler {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`The training set must have rows; got ${n}.`);
  if (!(expectedBatchSize > 0 && expectedBatchSize <= n)) {
    throw new RangeError(
      `The batch size must be in 1…${n} (the number of training rows); got ${expectedBatchSize}.`,
    );
  }
  const q = expectedBatchSize / n;
  const steps = Math.max(1, Math.round(n / expectedBatchSize));
  const log1mq = Math.log1p(-q);
  const draw = (): Int32Array => {
    if (q === 1) return Int32Array.from({ length: n }, (_, i) => i);
    const out: number[] = [];
    // The gap to the next included row is geometric: P(gap = k) = (1−q)^k·q.
    let i = -1;
    for (;;) {
      i += 1 + Math.floor(Math.log(1 - random()) / log1mq);
      if (i >= n) break;
      out.push(i);
    }
    return Int32Array.from(out);
  };
  return {
    batchesPerEpoch: steps,
    *batches() {
      for (let s = 0; s < steps; s++) yield draw();
    },
  };
}

export interface DpSgdSettings {
  l2NormClip: number;
  /** σ; omit to calibrate from `targetEpsilon`. */
  noiseMultiplier?: number;
  targetEpsilon?: number;
  /** Default: 1/N rounded down to a power of ten ({@link defaultDelta}). */
  delta?: number;
  /**
   * Draw noise and batches from a generator seeded with this number instead of the OS's CSPRNG: reproducible runs,
   * for tests and debugging only (the guarantee assumes the randomness is secret).
   */
  seededNoise?: number;
}

/** 1/N rounded down to a power of ten (N = 32,561 gives 1e-5; N = 1,000 gives 1e-3). N = 1 gives 1, which no run accepts. */
export function defaultDelta(n: number): number {
  if (!(n >= 1)) throw new RangeError(`N must be ≥ 1; got ${n}.`);
  // Parsed from text so that the value is exactly the decimal 1e-k (Math.pow gives 9.999…e-6 for k = 5).
  return Number(`1e-${Math.ceil(Math.log10(n) - 1e-12)}`);
}

/** Everything the run needs before training: σ (given or calibrated), δ, q, the planned steps. */
export interface DpPlan {
  l2NormClip: number;
  noiseMultiplier: number;
  /** True when σ was found from `targetEpsilon` before training. */
  calibrated: boolean;
  targetEpsilon: number | null;
  delta: number;
  q: number;
  expectedBatchSize: number;
  stepsPerEpoch: number;
  /** Steps if every configured epoch runs. */
  plannedSteps: number;
  /** ε if every configured epoch runs. */
  plannedEpsilon: number;
  /** The seed of reproducible (not private) noise, or null for the OS's CSPRNG. */
  seededNoise: number | null;
}

/**
 * Resolves `privacy.dpSgd` for a training set of N rows, a batch size and an epoch count: δ defaults to
 * {@link defaultDelta}; with `targetEpsilon` and no `noiseMultiplier`, σ is calibrated so that ε after all epochs
 * stays within the target. Throws with a message for a person when the settings cannot work.
 */
export function planDpSgd(s: DpSgdSettings, n: number, batchSize: number, epochs: number): DpPlan {
  if (!(s.l2NormClip > 0)) throw new RangeError(`privacy.dpSgd.l2NormClip must be > 0; got ${s.l2NormClip}.`);
  const delta = s.delta ?? defaultDelta(n);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`privacy.dpSgd.delta must be in (0, 1); got ${delta}.`);
  const expectedBatchSize = Math.min(batchSize, n);
  const q = expectedBatchSize / n;
  const stepsPerEpoch = Math.max(1, Math.round(n / expectedBatchSize));
  const plannedSteps = stepsPerEpoch * epochs;
  let noiseMultiplier = s.noiseMultiplier;
  let calibrated = false;
  if (noiseMultiplier === undefined) {
    if (s.targetEpsilon === undefined) {
      throw new RangeError('privacy.dpSgd needs either noiseMultiplier or targetEpsilon.');
    }
    noiseMultiplier = calibrateNoise({
      q,
      steps: plannedSteps,
      delta,
      targetEpsilon: s.targetEpsilon,
    }).noiseMultiplier;
    calibrated = true;
  }
  const acc = new RdpAccountant();
  acc.compose(q, noiseMultiplier, plannedSteps);
  return {
    l2NormClip: s.l2NormClip,
    noiseMultiplier,
    calibrated,
    targetEpsilon: s.targetEpsilon ?? null,
    delta,
    q,
    expectedBatchSize,
    stepsPerEpoch,
    plannedSteps,
    plannedEpsilon: acc.epsilon(delta).epsilon,
    seededNoise: s.seededNoise ?? null,
  };
}

/** What the DP step records in the run's audit (`describe()`). */
export interface DpSgdRecord {
  mechanism: 'DP-SGD (Poisson-sampled Gaussian), ghost clipping';
  accountant: 'RDP (Mironov et al. 2019), conversion of Canonne-Kamath-Steinke 2020';
  neighbouring: 'add/remove one training row';
  epsilon: number;
  delta: number;
  noiseMultiplier: number;
  calibrated: boolean;
  targetEpsilon: number | null;
  l2NormClip: number;
  q: number;
  expectedBatchSize: number;
  steps: number;
  bestOrder: number;
  clipping: 'ghost' | 'per-example loop';
  /** How per-example norms were found: hand-written Dense pass, ghost clipping on the tape, or the example loop. */
  clippingPass: 'hand-written' | 'tape' | 'loop';
  randomness: 'crypto' | 'seeded (reproducible; not private against whoever knows the seed)';
}

/**
 * The gradient step and sampler for `trainLoop` (`stepFactory`, `samplerFactory`). The step reports ε after each
 * epoch (`epochMetrics().epsilon`) from the steps actually taken, and `describe()` gives the {@link DpSgdRecord}.
 */
export function dpSgdTraining(
  plan: DpPlan,
  opts: {
    /** The output head: lets a plain Dense stack take the hand-written pass (see `dpGradients`). */
    head?: 'binary' | 'multiclass' | 'regression';
    onWarning?: (message: string) => void;
  } = {},
): {
  stepFactory: (ctx: GradientStepContext) => GradientStep;
  samplerFactory: (n: number, batchSize: number, random: () => number) => BatchSampler;
  accountant: RdpAccountant;
} {
  const random = plan.seededNoise === null ? secureRandom() : seededRandom(plan.seededNoise);
  const accountant = new RdpAccountant();
  let clipping: DpSgdRecord['clipping'] = 'ghost';
  let sampled = 0;
  const samplerFactory = (n: number): BatchSampler => {
    const inner = poissonBatches(n, plan.expectedBatchSize, random);
    return {
      batchesPerEpoch: inner.batchesPerEpoch,
      *batches(epoch: number) {
        for (const b of inner.batches(epoch)) {
          sampled++;
          yield b;
        }
      },
    };
  };
  const stepFactory = (ctx: GradientStepContext): GradientStep => {
    let accounted = 0;
    const pass = clippingPath(ctx.model, opts.head);
    return {
      compute(batch) {
        const r = dpGradients(ctx.model, batch.x, batch.y, batch.weights, {
          l2NormClip: plan.l2NormClip,
          noiseMultiplier: plan.noiseMultiplier,
          expectedBatchSize: plan.expectedBatchSize,
          perExampleLoss: ctx.perExampleLoss,
          penalty: ctx.penalty,
          random,
          variables: ctx.variables,
          ...(opts.head ? { head: opts.head } : {}),
          onWarning: (m) => {
            clipping = 'per-example loop';
            opts.onWarning?.(m);
          },
        });
        return r;
      },
      epochMetrics() {
        // Account for every sampled batch, including any empty one the loop skipped: a skipped step is not a
        // noise-only step, so counting it can only overstate ε.
        accountant.compose(plan.q, plan.noiseMultiplier, sampled - accounted);
        accounted = sampled;
        return { epsilon: accountant.epsilon(plan.delta).epsilon };
      },
      describe(): Record<string, unknown> {
        const e = accountant.epsilon(plan.delta);
        const record: DpSgdRecord = {
          mechanism: 'DP-SGD (Poisson-sampled Gaussian), ghost clipping',
          accountant: 'RDP (Mironov et al. 2019), conversion of Canonne-Kamath-Steinke 2020',
          neighbouring: 'add/remove one training row',
          epsilon: e.epsilon,
          delta: plan.delta,
          noiseMultiplier: plan.noiseMultiplier,
          calibrated: plan.calibrated,
          targetEpsilon: plan.targetEpsilon,
          l2NormClip: plan.l2NormClip,
          q: plan.q,
          expectedBatchSize: plan.expectedBatchSize,
          steps: accountant.steps,
          bestOrder: e.order,
          clipping,
          clippingPass: pass,
          randomness:
            plan.seededNoise === null
              ? 'crypto'
              : 'seeded (reproducible; not private against whoever knows the seed)',
        };
        return { dpSgd: record };
      },
    };
  };
  return { stepFactory, samplerFactory, accountant };
}

/** A choice of the run that uses the training data outside the accountant, recorded as `privacyNotes`. */
export interface PrivacyNote {
  option: string;
  /** What leaks and why, in a sentence for a person. */
  note: string;
}

/** Facts about a run, as far as they bear on privacy outside DP-SGD's accountant. */
export interface RunPrivacyFacts {
  /** Numeric features standardised with means/deviations computed on the training data. */
  standardisedFromData: boolean;
  /** Categories of one-hot features taken from the training data. */
  categoriesFromData: boolean;
  /** Missing values imputed with statistics of the training data. */
  imputedFromData: boolean;
  /** Early stopping or best-epoch restore on a validation loss. */
  earlyStopping: boolean;
  /** Validation rows split from the same file as the training rows. */
  validationFromTrainingFile: boolean;
  /** Instance weights computed from the data (reweighing). */
  reweighing: boolean;
  /** Per-group thresholds fitted on data. */
  thresholdFitting: boolean;
  /** De-duplication of rows. */
  deduplicated: boolean;
  /** Training loss is logged per batch/epoch. */
  trainingLossLogged: boolean;
  /** Noise and sampling come from a seeded generator. */
  seededNoise: boolean;
  /** The audit reports membership-inference figures computed from the training rows' losses. */
  membershipAudit?: boolean;
}

/**
 * The options of a DP run that use private data outside the accountant, each with what it leaks. The stated
 * (ε, δ) does not cover these; a person can then decide (e.g. fix standardisation constants from public knowledge).
 */
export function privacyNotes(f: RunPrivacyFacts): PrivacyNote[] {
  const notes: PrivacyNote[] = [];
  if (f.standardisedFromData) {
    notes.push({
      option: 'standardisation',
      note: 'Means and standard deviations of numeric features were computed on the training rows without noise and are saved in preprocess.json.',
    });
  }
  if (f.categoriesFromData) {
    notes.push({
      option: 'one-hot categories',
      note: 'The list of categories of each categorical feature comes from the training rows: a category held by one person reveals that person.',
    });
  }
  if (f.imputedFromData) {
    notes.push({
      option: 'imputation',
      note: 'Missing values were filled with statistics of the training rows, computed without noise.',
    });
  }
  if (f.earlyStopping) {
    notes.push({
      option: 'early stopping',
      note: 'The epoch kept was chosen on validation loss: a data-dependent choice the accountant does not cover (validation rows get no DP protection).',
    });
  }
  if (f.validationFromTrainingFile) {
    notes.push({
      option: 'validation split',
      note: 'Validation rows come from the training file; the model is not trained on them, but their losses steer the run and are reported unprotected.',
    });
  }
  if (f.reweighing) {
    notes.push({
      option: 'reweighing',
      note: 'Instance weights come from group and label frequencies of the training rows, computed without noise: adding or removing one person changes the weights of everyone in their group.',
    });
  }
  if (f.thresholdFitting) {
    notes.push({
      option: 'threshold mitigation',
      note: 'Per-group thresholds were fitted on data after training, outside the accountant.',
    });
  }
  if (f.deduplicated) {
    notes.push({
      option: 'de-duplication',
      note: 'Duplicate rows were dropped before training; the guarantee is per remaining row, and a person with several distinct rows is protected with ε times their row count at most.',
    });
  }
  if (f.trainingLossLogged) {
    notes.push({
      option: 'training loss',
      note: 'Training loss in metrics.jsonl is computed on the sampled rows without noise; share the model, not the metrics, for the guarantee to hold.',
    });
  }
  if (f.seededNoise) {
    notes.push({
      option: 'seeded noise',
      note: 'Noise and batch sampling come from a seeded generator: the run is reproducible, and whoever knows the seed can undo the noise. Not private.',
    });
  }
  if (f.membershipAudit) {
    notes.push({
      option: 'membership-inference audit',
      note: "The audit's membership-inference AUC and advantage are aggregates of the training rows' losses, computed without noise.",
    });
  }
  return notes;
}
