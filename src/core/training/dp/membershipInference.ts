/**
 * Membership inference: does the trained model tell the rows it was trained on ("members") from rows it never saw
 * ("non-members", e.g. the held-out test split)? An empirical check beside DP's (ε, δ): a DP model bounds any
 * attacker's advantage (TPR − FPR ≤ (e^ε − 1 + 2δ)/(e^ε + 1) at best-case calibration, Humphries et al. 2020 /
 * Kairouz et al. 2015), and a model that memorises shows it here.
 *
 * Attacks:
 * - Loss threshold (Yeom, Giacomelli, Fredrikson & Jha 2018): predict "member" when the example's loss is at most a
 *   threshold t. Reported as the ROC AUC over all t and the best advantage max_t (TPR − FPR).
 * - A trained attack (cheap): logistic regression on [loss, confidence of the predicted class], fitted and scored
 *   with k-fold cross-validation on a class-balanced sample, so its AUC is out-of-sample.
 *
 * The functions over loss arrays are pure; `perExampleLosses` computes the arrays from a model.
 */
import * as tf from '@tensorflow/tfjs';

function checkScores(name: string, a: ArrayLike<number>): void {
  if (a.length === 0)
    throw new RangeError(`${name} is empty: a membership-inference AUC needs at least one row on each side.`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i] as number))
      throw new RangeError(`${name}[${i}] is ${a[i]}; losses must be finite numbers.`);
  }
}

interface Labelled {
  value: number;
  positive: boolean;
}

function sortedUnion(pos: ArrayLike<number>, neg: ArrayLike<number>): Labelled[] {
  const all: Labelled[] = [];
  for (let i = 0; i < pos.length; i++) all.push({ value: pos[i] as number, positive: true });
  for (let i = 0; i < neg.length; i++) all.push({ value: neg[i] as number, positive: false });
  all.sort((a, b) => a.value - b.value);
  return all;
}

/**
 * ROC AUC of a score that should be HIGHER for positives: P(s⁺ > s⁻) + ½·P(s⁺ = s⁻) over all pairs
 * (the Mann–Whitney U statistic divided by n⁺·n⁻), by one sort with tied values given their average rank.
 * 0.5 means no separation; 1 perfect; below 0.5 the score separates the other way.
 * Throws on an empty side or a non-finite score.
 */
export function rocAuc(positiveScores: ArrayLike<number>, negativeScores: ArrayLike<number>): number {
  checkScores('positive scores', positiveScores);
  checkScores('negative scores', negativeScores);
  const all = sortedUnion(positiveScores, negativeScores);
  let rankSumPos = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    let posInTie = 0;
    while (j < all.length && (all[j] as Labelled).value === (all[i] as Labelled).value) {
      if ((all[j] as Labelled).positive) posInTie++;
      j++;
    }
    // Ranks i+1 … j share the average rank (i + 1 + j) / 2.
    rankSumPos += (posInTie * (i + 1 + j)) / 2;
    i = j;
  }
  const nPos = positiveScores.length;
  const nNeg = negativeScores.length;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * The best advantage of a threshold rule "positive when score ≥ t": max over t of TPR(t) − FPR(t), and the t that
 * reaches it (the smallest score at or above which examples are called positive). Never below 0 (t = +∞ calls no one
 * positive). Same input rules as {@link rocAuc}.
 */
export function maxAdvantage(
  positiveScores: ArrayLike<number>,
  negativeScores: ArrayLike<number>,
): { advantage: number; threshold: number } {
  checkScores('positive scores', positiveScores);
  checkScores('negative scores', negativeScores);
  const all = sortedUnion(positiveScores, negativeScores);
  const nPos = positiveScores.length;
  const nNeg = negativeScores.length;
  let best = 0;
  let threshold = Infinity;
  let tp = 0;
  let fp = 0;
  // Walk from the highest score down; after each group of ties, everything at or above its value is "positive".
  for (let i = all.length - 1; i >= 0;) {
    const v = (all[i] as Labelled).value;
    while (i >= 0 && (all[i] as Labelled).value === v) {
      if ((all[i] as Labelled).positive) tp++;
      else fp++;
      i--;
    }
    const adv = tp / nPos - fp / nNeg;
    if (adv > best) {
      best = adv;
      threshold = v;
    }
  }
  return { advantage: best, threshold };
}

export interface AttackResult {
  /** ROC AUC of telling members from non-members (0.5 = chance). */
  auc: number;
  /** Best TPR − FPR over thresholds (0 = chance). */
  advantage: number;
  members: number;
  nonMembers: number;
}

export interface LossThresholdResult extends AttackResult {
  /** The loss at or below which the best rule calls an example a member. */
  lossThreshold: number;
}

/**
 * Yeom et al.'s loss-threshold attack: an example is called a member when its loss is at most a threshold.
 * Throws on an empty side or a non-finite loss.
 */
export function lossThresholdAttack(
  memberLosses: ArrayLike<number>,
  nonMemberLosses: ArrayLike<number>,
): LossThresholdResult {
  const neg = (a: ArrayLike<number>) => Float64Array.from(a as ArrayLike<number>, (v) => -v);
  checkScores('member losses', memberLosses);
  checkScores('non-member losses', nonMemberLosses);
  const m = neg(memberLosses);
  const n = neg(nonMemberLosses);
  const adv = maxAdvantage(m, n);
  return {
    auc: rocAuc(m, n),
    advantage: adv.advantage,
    lossThreshold: -adv.threshold,
    members: memberLosses.length,
    nonMembers: nonMemberLosses.length,
  };
}

/**
 * Logistic regression by Newton's method (iteratively reweighted least squares) with a small ridge term, on
 * standardised features. Hand-written: a handful of features and one fit per fold, where a tensor library would
 * cost more in set-up than the fit itself.
 */
function fitLogistic(
  features: Float64Array[],
  labels: Uint8Array,
  ridge = 1e-3,
  iterations = 25,
): (f: Float64Array) => number {
  const d = (features[0]?.length ?? 0) + 1;
  const n = features.length;
  const mean = new Float64Array(d - 1);
  const sd = new Float64Array(d - 1);
  for (const f of features)
    for (let j = 0; j < d - 1; j++) mean[j] = (mean[j] as number) + (f[j] as number) / n;
  for (const f of features)
    for (let j = 0; j < d - 1; j++)
      sd[j] = (sd[j] as number) + ((f[j] as number) - (mean[j] as number)) ** 2 / n;
  for (let j = 0; j < d - 1; j++) sd[j] = Math.sqrt(sd[j] as number) || 1;
  const row = (f: Float64Array): Float64Array => {
    const r = new Float64Array(d);
    r[0] = 1;
    for (let j = 0; j < d - 1; j++) r[j + 1] = ((f[j] as number) - (mean[j] as number)) / (sd[j] as number);
    return r;
  };
  const X = features.map(row);
  const w = new Float64Array(d);
  for (let it = 0; it < iterations; it++) {
    const g = new Float64Array(d);
    const H = Array.from({ length: d }, () => new Float64Array(d));
    for (let i = 0; i < n; i++) {
      const xi = X[i] as Float64Array;
      let z = 0;
      for (let j = 0; j < d; j++) z += (w[j] as number) * (xi[j] as number);
      const p = 1 / (1 + Math.exp(-z));
      const r = p - (labels[i] as number);
      const h = p * (1 - p);
      for (let j = 0; j < d; j++) {
        g[j] = (g[j] as number) + r * (xi[j] as number);
        const Hj = H[j] as Float64Array;
        for (let k = 0; k < d; k++) Hj[k] = (Hj[k] as number) + h * (xi[j] as number) * (xi[k] as number);
      }
    }
    for (let j = 0; j < d; j++) {
      g[j] = (g[j] as number) + ridge * (w[j] as number);
      (H[j] as Float64Array)[j] = ((H[j] as Float64Array)[j] as number) + ridge;
    }
    const step = solve(H, g);
    let change = 0;
    for (let j = 0; j < d; j++) {
      w[j] = (w[j] as number) - (step[j] as number);
      change = Math.max(change, Math.abs(step[j] as number));
    }
    if (change < 1e-9) break;
  }
  return (f) => {
    const r = row(f);
    let z = 0;
    for (let j = 0; j < d; j++) z += (w[j] as number) * (r[j] as number);
    return z;
  };
}

/** Gaussian elimination with partial pivoting for the small symmetric systems of {@link fitLogistic}. */
function solve(A: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const M: Float64Array[] = A.map((r, i) => {
    const row = new Float64Array(n + 1);
    row.set(r);
    row[n] = b[i] as number;
    return row;
  });
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs((M[r] as Float64Array)[c] as number) > Math.abs((M[p] as Float64Array)[c] as number))
        p = r;
    [M[c], M[p]] = [M[p] as Float64Array, M[c] as Float64Array];
    const pivot = (M[c] as Float64Array)[c] as number;
    if (pivot === 0) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = ((M[r] as Float64Array)[c] as number) / pivot;
      if (f === 0) continue;
      for (let k = c; k <= n; k++)
        (M[r] as Float64Array)[k] =
          ((M[r] as Float64Array)[k] as number) - f * ((M[c] as Float64Array)[k] as number);
    }
  }
  return Float64Array.from({ length: n }, (_, i) => {
    const pivot = (M[i] as Float64Array)[i] as number;
    return pivot === 0 ? 0 : ((M[i] as Float64Array)[n] as number) / pivot;
  });
}

export interface AttackFeatures {
  loss: ArrayLike<number>;
  /** Probability the model gives its predicted class (binary: max(p, 1 − p)); omit for regression. */
  confidence?: ArrayLike<number>;
}

/**
 * A trained attack: logistic regression on [loss, confidence], evaluated by k-fold cross-validation on a sample with
 * as many members as non-members (the larger side is subsampled with `random`), so the AUC and advantage are those
 * of predictions on rows the attack was not fitted on. Needs at least `folds` rows on each side.
 */
export function trainedAttack(
  members: AttackFeatures,
  nonMembers: AttackFeatures,
  random: () => number,
  folds = 5,
): AttackResult {
  checkScores('member losses', members.loss);
  checkScores('non-member losses', nonMembers.loss);
  const size = Math.min(members.loss.length, nonMembers.loss.length);
  if (size < folds)
    throw new RangeError(`A trained attack needs at least ${folds} rows on each side; got ${size}.`);
  const useConfidence = members.confidence !== undefined && nonMembers.confidence !== undefined;
  const pick = (n: number): Int32Array => {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    return idx.slice(0, size);
  };
  const feat = (s: AttackFeatures, i: number): Float64Array => {
    const l = s.loss[i] as number;
    return new Float64Array(
      useConfidence ? [l, Math.log(l + 1e-12), s.confidence?.[i] as number] : [l, Math.log(l + 1e-12)],
    );
  };
  const rows: { f: Float64Array; y: number }[] = [];
  for (const i of pick(members.loss.length)) rows.push({ f: feat(members, i), y: 1 });
  for (const i of pick(nonMembers.loss.length)) rows.push({ f: feat(nonMembers, i), y: 0 });
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as (typeof rows)[number], rows[i] as (typeof rows)[number]];
  }
  const scores = new Float64Array(rows.length);
  for (let k = 0; k < folds; k++) {
    const train = rows.filter((_, i) => i % folds !== k);
    const predict = fitLogistic(
      train.map((r) => r.f),
      Uint8Array.from(train, (r) => r.y),
    );
    rows.forEach((r, i) => {
      if (i % folds === k) scores[i] = predict(r.f);
    });
  }
  const pos: number[] = [];
  const neg: number[] = [];
  rows.forEach((r, i) => (r.y === 1 ? pos : neg).push(scores[i] as number));
  return {
    auc: rocAuc(pos, neg),
    advantage: maxAdvantage(pos, neg).advantage,
    members: size,
    nonMembers: size,
  };
}

/**
 * Per-example loss and confidence of a model on a split, in chunks of 8192 rows, inference mode (no dropout).
 * `confidence(outputs)` maps raw outputs to the probability of the predicted class, shape [batch]; omit it for
 * regression.
 */
export async function perExampleLosses(
  model: tf.Sequential,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  perExampleLoss: (yTrue: tf.Tensor2D, outputs: tf.Tensor2D) => tf.Tensor1D,
  confidence?: (outputs: tf.Tensor2D) => tf.Tensor1D,
): Promise<{ loss: Float32Array; confidence?: Float32Array }> {
  const n = x.shape[0];
  const loss = new Float32Array(n);
  const conf = confidence ? new Float32Array(n) : undefined;
  const chunk = 8192;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const [l, c] = tf.tidy(() => {
      const out = model.apply(tf.slice(x, [s, 0], [m, -1]), { training: false }) as tf.Tensor2D;
      return [
        perExampleLoss(tf.slice(y, [s, 0], [m, -1]), out),
        conf && confidence ? confidence(out) : undefined,
      ] as const;
    });
    // Asynchronous reads: WebGPU in Node has no synchronous one.
    loss.set((await l.data()) as Float32Array, s);
    if (conf && c) conf.set((await c.data()) as Float32Array, s);
    tf.dispose([l, ...(c ? [c] : [])]);
  }
  return conf ? { loss, confidence: conf } : { loss };
}

/** Probability of the predicted class from raw outputs: binary logits → max(σ(z), 1 − σ(z)); multi-class → max softmax. */
export function predictedClassConfidence(
  kind: 'binary' | 'multiclass',
): (outputs: tf.Tensor2D) => tf.Tensor1D {
  return (z) =>
    tf.tidy(() =>
      kind === 'binary'
        ? (tf.reshape(tf.sigmoid(tf.abs(z)), [-1]) as tf.Tensor1D)
        : (tf.max(tf.softmax(z), 1) as tf.Tensor1D),
    );
}

export interface MembershipInferenceReport {
  /** What was compared, e.g. "training rows vs test split". */
  comparison: string;
  lossThreshold: LossThresholdResult;
  trained?: AttackResult;
  /** Mean loss on members and non-members: the generalisation gap the attack exploits. */
  meanMemberLoss: number;
  meanNonMemberLoss: number;
}

/** Both attacks on precomputed losses (and confidences), for the audit. */
export function membershipInference(
  members: AttackFeatures,
  nonMembers: AttackFeatures,
  opts: { comparison: string; random: () => number; trainedAttack?: boolean },
): MembershipInferenceReport {
  const mean = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] as number;
    return s / a.length;
  };
  const report: MembershipInferenceReport = {
    comparison: opts.comparison,
    lossThreshold: lossThresholdAttack(members.loss, nonMembers.loss),
    meanMemberLoss: mean(members.loss),
    meanNonMemberLoss: mean(nonMembers.loss),
  };
  if (opts.trainedAttack !== false && Math.min(members.loss.length, nonMembers.loss.length) >= 50) {
    report.trained = trainedAttack(members, nonMembers, opts.random);
  }
  return report;
}

/** The flat record an audit carries (`audit.json` → `membershipInference`), as the panels read it. */
export interface MembershipInferenceAudit {
  attack: 'loss threshold (Yeom et al. 2018)';
  /** e.g. "training rows vs test split". */
  comparison: string;
  /** Loss-threshold attack: ROC AUC and best TPR − FPR. */
  auc: number;
  advantage: number;
  /** Cross-validated logistic attack on [loss, confidence], when both sides have at least 50 rows. */
  trainedAuc?: number;
  trainedAdvantage?: number;
  members: number;
  nonMembers: number;
  meanMemberLoss: number;
  meanNonMemberLoss: number;
}

/**
 * Membership inference for a run's audit: losses (and, for classifiers, confidences) of the model on the rows it was
 * trained on and on held-out rows it never saw, then both attacks. Returns null when either side has no rows.
 */
export async function membershipInferenceAudit(
  model: tf.Sequential,
  members: { x: tf.Tensor2D; y: tf.Tensor2D },
  nonMembers: { x: tf.Tensor2D; y: tf.Tensor2D },
  kind: 'binary' | 'multiclass' | 'regression',
  perExampleLoss: (yTrue: tf.Tensor2D, outputs: tf.Tensor2D) => tf.Tensor1D,
  opts: { comparison: string; random: () => number },
): Promise<MembershipInferenceAudit | null> {
  if (members.x.shape[0] === 0 || nonMembers.x.shape[0] === 0) return null;
  const confidence = kind === 'regression' ? undefined : predictedClassConfidence(kind);
  const m = await perExampleLosses(model, members.x, members.y, perExampleLoss, confidence);
  const n = await perExampleLosses(model, nonMembers.x, nonMembers.y, perExampleLoss, confidence);
  const r = membershipInference(m, n, { comparison: opts.comparison, random: opts.random });
  return {
    attack: 'loss threshold (Yeom et al. 2018)',
    comparison: r.comparison,
    auc: r.lossThreshold.auc,
    advantage: r.lossThreshold.advantage,
    ...(r.trained ? { trainedAuc: r.trained.auc, trainedAdvantage: r.trained.advantage } : {}),
    members: r.lossThreshold.members,
    nonMembers: r.lossThreshold.nonMembers,
    meanMemberLoss: r.meanMemberLoss,
    meanNonMemberLoss: r.meanNonMemberLoss,
  };
}
