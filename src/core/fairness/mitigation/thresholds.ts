/**
 * Post-processing by group-specific thresholds (Hardt, Price & Srebro, 2016, "Equality of Opportunity in
 * Supervised Learning"), as Fairlearn's `ThresholdOptimizer` does it: for each group, the operating points
 * reachable by thresholding a score (randomising between two thresholds fills in the convex hull), then the
 * common operating point that meets the constraint with the highest accuracy.
 *
 * Fairlearn searches a grid of 1000 points; here the optimum is found exactly. The accuracy as a function of
 * the shared selection rate (demographic parity), or of the shared false positive rate on the lower envelope
 * of the groups' ROC hulls (equalized odds), is piecewise linear and concave, so its maximum lies at a
 * breakpoint: a hull vertex of some group or, for equalized odds, a crossing of two groups' hulls. Evaluating
 * every breakpoint gives the optimum without grid error.
 */
import type { CategoricalColumn } from '../../data/encoded';
import type { RandomSource } from '../../random';

export type FairnessConstraint = 'demographic_parity' | 'equalized_odds';

/** Predict positive when `score >= cut`; `'all'` predicts every row positive and `'none'` none. */
export type Cut = number | 'all' | 'none';

/**
 * The randomised decision for one group. With probability `pIgnore` the score is ignored and the row is
 * predicted positive with probability `constant` (this only happens for equalized odds, to bring a group
 * whose ROC curve lies above the others' down to the common point). Otherwise cut `cutA` is used with
 * probability `pA` and `cutB` with probability `1 − pA`.
 */
export interface GroupRule {
  cutA: Cut;
  cutB: Cut;
  pA: number;
  pIgnore: number;
  constant: number;
}

/** Expected metrics of the randomised rule on the data it was fitted on (weights of the mixture applied exactly). */
export interface ExpectedMetrics {
  n: number;
  positives: number;
  selectionRate: number;
  tpr: number | null;
  fpr: number | null;
  accuracy: number;
}

export interface ThresholdOptimisation {
  constraint: FairnessConstraint;
  rules: Record<string, GroupRule>;
  /** The common operating point: selection rate (demographic parity) or FPR and TPR (equalized odds). */
  target: { selectionRate?: number; fpr?: number; tpr?: number };
  expected: { overall: ExpectedMetrics; groups: Record<string, ExpectedMetrics> };
  /** Expected accuracy of the best single threshold on the score for everyone, for comparison. */
  unconstrained: { cut: Cut; accuracy: number };
  /** Rows left out of the fit (missing label, score or group). */
  skipped: number;
}

export interface ThresholdInput {
  score: ArrayLike<number>;
  /** 1, 0, or -1/NaN for missing. */
  label: ArrayLike<number>;
  group: CategoricalColumn;
}

interface Point {
  x: number;
  y: number;
  cut: Cut;
  tp: number;
  fp: number;
}

interface GroupData {
  name: string;
  n: number;
  pos: number;
  neg: number;
  /** Operating points of every cut, from 'none' to 'all'. */
  points: { cut: Cut; tp: number; fp: number }[];
  hull: Point[];
}

function operatingPoints(scores: number[], labels: number[]): { cut: Cut; tp: number; fp: number }[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const pts: { cut: Cut; tp: number; fp: number }[] = [{ cut: 'none', tp: 0, fp: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length;) {
    const s = scores[order[k]!]!;
    while (k < order.length && scores[order[k]!] === s) {
      if (labels[order[k]!] === 1) tp++;
      else fp++;
      k++;
    }
    pts.push({ cut: k === order.length ? 'all' : s, tp, fp });
  }
  return pts;
}

/** Upper concave hull of points sorted by x (Andrew's monotone chain), keeping the highest y per x. */
function upperHull(points: Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const dedup: Point[] = [];
  for (const p of sorted) if (dedup.length === 0 || dedup[dedup.length - 1]!.x !== p.x) dedup.push(p);
  const hull: Point[] = [];
  for (const p of dedup) {
    while (hull.length >= 2) {
      const o = hull[hull.length - 2]!;
      const a = hull[hull.length - 1]!;
      const cross = (a.x - o.x) * (p.y - o.y) - (a.y - o.y) * (p.x - o.x);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return hull;
}

/** The hull segment containing x and the weight of its left end: value = pA·a + (1 − pA)·b. */
function locate(hull: Point[], x: number): { a: Point; b: Point; pA: number; y: number } {
  let lo = 0;
  let hi = hull.length - 1;
  if (x <= hull[0]!.x) return { a: hull[0]!, b: hull[0]!, pA: 1, y: hull[0]!.y };
  if (x >= hull[hi]!.x) return { a: hull[hi]!, b: hull[hi]!, pA: 1, y: hull[hi]!.y };
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (hull[mid]!.x <= x) lo = mid;
    else hi = mid;
  }
  const a = hull[lo]!;
  const b = hull[hi]!;
  if (a.x === x) return { a, b: a, pA: 1, y: a.y };
  const pA = (b.x - x) / (b.x - a.x);
  return { a, b, pA, y: pA * a.y + (1 - pA) * b.y };
}

/** Differences in total correct predictions below this are rounding, not a better operating point. */
function tolerance(best: number): number {
  return 1e-9 * Math.max(1, Math.abs(best));
}

function countAt(g: GroupData, cut: Cut): { tp: number; fp: number } {
  const p = g.points.find((q) => q.cut === cut);
  if (!p) throw new Error('internal: cut not among the operating points');
  return p;
}

function expectedFor(g: GroupData, r: GroupRule): ExpectedMetrics {
  const A = countAt(g, r.cutA);
  const B = countAt(g, r.cutB);
  const keep = 1 - r.pIgnore;
  const tp = keep * (r.pA * A.tp + (1 - r.pA) * B.tp) + r.pIgnore * r.constant * g.pos;
  const fp = keep * (r.pA * A.fp + (1 - r.pA) * B.fp) + r.pIgnore * r.constant * g.neg;
  return {
    n: g.n,
    positives: g.pos,
    selectionRate: (tp + fp) / g.n,
    tpr: g.pos > 0 ? tp / g.pos : null,
    fpr: g.neg > 0 ? fp / g.neg : null,
    accuracy: (tp + g.neg - fp) / g.n,
  };
}

/**
 * Finds per-group randomised thresholds on `score` that satisfy the constraint exactly in expectation on the
 * given data while maximising expected accuracy:
 * - `demographic_parity`: every group has the same selection rate P(ŷ = 1 | g).
 * - `equalized_odds`: every group has the same TPR and the same FPR.
 *
 * Rows with a missing label, a NaN score or a missing group are skipped (counted in `skipped`). Throws a
 * RangeError when no row is usable, and for equalized odds when a group has only one label (its TPR or FPR is
 * undefined, so no common point exists).
 */
export function optimizeThresholds(
  input: ThresholdInput,
  options: { constraint: FairnessConstraint },
): ThresholdOptimisation {
  const n = input.score.length;
  if (input.label.length !== n || input.group.codes.length !== n)
    throw new RangeError('score, label and group must have the same length.');
  const perGroup = input.group.levels.map(() => ({ scores: [] as number[], labels: [] as number[] }));
  const all = { scores: [] as number[], labels: [] as number[] };
  let skipped = 0;
  for (let i = 0; i < n; i++) {
    const y = input.label[i]!;
    const s = input.score[i]!;
    const c = input.group.codes[i]!;
    if (y !== 0 && y !== 1 && !(y === -1 || Number.isNaN(y)))
      throw new RangeError(`label: row ${i + 1} holds ${y}; expected 1, 0, or -1/NaN for missing.`);
    if ((y !== 0 && y !== 1) || Number.isNaN(s) || c < 0) {
      skipped++;
      continue;
    }
    perGroup[c]!.scores.push(s);
    perGroup[c]!.labels.push(y);
    all.scores.push(s);
    all.labels.push(y);
  }
  if (all.scores.length === 0)
    throw new RangeError('No row has a label, a score and a group; nothing to fit.');

  const groups: GroupData[] = [];
  perGroup.forEach((d, c) => {
    if (d.scores.length === 0) return;
    const points = operatingPoints(d.scores, d.labels);
    const last = points[points.length - 1]!;
    const pos = last.tp;
    const neg = last.fp;
    const name = input.group.levels[c]!;
    if (options.constraint === 'equalized_odds' && (pos === 0 || neg === 0)) {
      throw new RangeError(
        `Group '${name}' has only ${pos === 0 ? 'negative' : 'positive'} labels, so its ${pos === 0 ? 'TPR' : 'FPR'} is undefined and equalized odds cannot be met.`,
      );
    }
    const nG = d.scores.length;
    const pts: Point[] = points.map((p) =>
      options.constraint === 'demographic_parity'
        ? { x: (p.tp + p.fp) / nG, y: p.tp + (neg - p.fp), cut: p.cut, tp: p.tp, fp: p.fp }
        : { x: p.fp / neg, y: p.tp / pos, cut: p.cut, tp: p.tp, fp: p.fp },
    );
    groups.push({ name, n: nG, pos, neg, points, hull: upperHull(pts) });
  });

  // Keyed by data values: without a prototype, a group called `__proto__` is a group like any other.
  const rules = Object.create(null) as Record<string, GroupRule>;
  const target: ThresholdOptimisation['target'] = {};
  if (options.constraint === 'demographic_parity') {
    // Total correct predictions as a function of the shared selection rate x is Σ_g hull_g(x): concave,
    // with its maximum at some group's hull vertex.
    const candidates = [...new Set(groups.flatMap((g) => g.hull.map((p) => p.x)))];
    let best = -Infinity;
    let bestX = 0;
    for (const x of candidates) {
      let total = 0;
      for (const g of groups) total += locate(g.hull, x).y;
      // Near-ties (rounding) go to the lower selection rate, so the result does not depend on candidate order.
      if (
        best === -Infinity ||
        total > best + tolerance(best) ||
        (Math.abs(total - best) <= tolerance(best) && x < bestX)
      ) {
        best = total;
        bestX = x;
      }
    }
    target.selectionRate = bestX;
    for (const g of groups) {
      const l = locate(g.hull, bestX);
      rules[g.name] = { cutA: l.a.cut, cutB: l.b.cut, pA: l.pA, pIgnore: 0, constant: 0 };
    }
  } else {
    // The common (FPR, TPR) point must lie under every group's ROC hull; accuracy P·TPR + N·(1 − FPR) is
    // maximised on the lower envelope min_g hull_g(x), whose breakpoints are hull vertices and crossings.
    const P = groups.reduce((s, g) => s + g.pos, 0);
    const N = groups.reduce((s, g) => s + g.neg, 0);
    const xs = [...new Set(groups.flatMap((g) => g.hull.map((p) => p.x)))].sort((a, b) => a - b);
    const candidates = [...xs];
    for (let k = 0; k + 1 < xs.length; k++) {
      const a = xs[k]!;
      const b = xs[k + 1]!;
      const ya = groups.map((g) => locate(g.hull, a).y);
      const yb = groups.map((g) => locate(g.hull, b).y);
      for (let i = 0; i < groups.length; i++) {
        for (let j = i + 1; j < groups.length; j++) {
          const da = ya[i]! - ya[j]!;
          const db = yb[i]! - yb[j]!;
          if ((da < 0 && db > 0) || (da > 0 && db < 0)) candidates.push(a + ((b - a) * da) / (da - db));
        }
      }
    }
    let best = -Infinity;
    let bestX = 0;
    let bestY = 0;
    for (const x of candidates) {
      let y = Infinity;
      for (const g of groups) y = Math.min(y, locate(g.hull, x).y);
      const total = P * y + N * (1 - x);
      if (
        best === -Infinity ||
        total > best + tolerance(best) ||
        (Math.abs(total - best) <= tolerance(best) && x < bestX)
      ) {
        best = total;
        bestX = x;
        bestY = y;
      }
    }
    target.fpr = bestX;
    target.tpr = bestY;
    for (const g of groups) {
      const l = locate(g.hull, bestX);
      // Mix the group's hull point (x, y_g) with the score-blind point (x, x) to come down to (x, y).
      const pIgnore = l.y - bestX > 1e-15 ? Math.min(1, Math.max(0, (l.y - bestY) / (l.y - bestX))) : 0;
      rules[g.name] = { cutA: l.a.cut, cutB: l.b.cut, pA: l.pA, pIgnore, constant: pIgnore > 0 ? bestX : 0 };
    }
  }

  const expectedGroups = Object.create(null) as Record<string, ExpectedMetrics>;
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let cnt = 0;
  for (const g of groups) {
    const e = expectedFor(g, rules[g.name]!);
    expectedGroups[g.name] = e;
    tp += (e.tpr ?? 0) * g.pos;
    fp += (e.fpr ?? 0) * g.neg;
    pos += g.pos;
    cnt += g.n;
  }
  const neg = cnt - pos;
  const overall: ExpectedMetrics = {
    n: cnt,
    positives: pos,
    selectionRate: (tp + fp) / cnt,
    tpr: pos > 0 ? tp / pos : null,
    fpr: neg > 0 ? fp / neg : null,
    accuracy: (tp + neg - fp) / cnt,
  };
  const everyone = operatingPoints(all.scores, all.labels);
  let unconstrained = { cut: 'none' as Cut, accuracy: -1 };
  for (const p of everyone) {
    const acc = (p.tp + (neg - p.fp)) / cnt;
    if (acc > unconstrained.accuracy) unconstrained = { cut: p.cut, accuracy: acc };
  }
  return {
    constraint: options.constraint,
    rules,
    target,
    expected: { overall, groups: expectedGroups },
    unconstrained,
    skipped,
  };
}

function passes(score: number, cut: Cut): boolean {
  return cut === 'all' ? true : cut === 'none' ? false : score >= cut;
}

/**
 * Applies per-group rules (`ThresholdOptimisation.rules`) to scores, drawing the randomised choices from `rng`. Rows with a NaN score, a
 * missing group, or a group without a rule get -1 (no prediction). Deterministic for a seeded `rng`.
 */
export function applyThresholds(
  scores: ArrayLike<number>,
  groups: CategoricalColumn,
  rules: Record<string, GroupRule>,
  rng: RandomSource,
): Int8Array {
  if (groups.codes.length !== scores.length)
    throw new RangeError('scores and groups must have the same length.');
  const byCode = groups.levels.map((v) =>
    Object.prototype.hasOwnProperty.call(rules, v) ? rules[v] : undefined,
  );
  const out = new Int8Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const c = groups.codes[i]!;
    const r = c >= 0 ? byCode[c] : undefined;
    if (!r || Number.isNaN(s)) {
      out[i] = -1;
      continue;
    }
    if (r.pIgnore > 0 && rng() < r.pIgnore) {
      out[i] = rng() < r.constant ? 1 : 0;
      continue;
    }
    const cut = r.pA >= 1 || rng() < r.pA ? r.cutA : r.cutB;
    out[i] = passes(s, cut) ? 1 : 0;
  }
  return out;
}
