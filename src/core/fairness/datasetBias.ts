/**
 * Bias in a labelled dataset, before any model: how often each group of a protected attribute carries the
 * positive label, compared with a reference group. Definitions follow AIF360's `BinaryLabelDatasetMetric`
 * (statistical parity difference, disparate impact) and the EEOC four-fifths rule.
 */
import type { Finding } from '../findings';
import type { CategoricalColumn } from '../data/encoded';
import { checkWeights, effectiveSampleSize, fmt, readOutcome, wilsonInterval } from './stats';
import { OutcomeTally, PairOutcomeTally, countPass, type GroupView, type OutcomeWindows } from './windows';

export interface DatasetBiasInput {
  /** 1 positive, 0 negative, -1 (or NaN) missing; rows with a missing label are left out of every rate. */
  label: ArrayLike<number>;
  /** Name of the label column, so that label findings can be anchored on its header. */
  labelName?: string;
  attributes: { name: string; column: CategoricalColumn }[];
  /** Instance weights (e.g. from reweighing); every rate then counts weight instead of rows. */
  weights?: ArrayLike<number>;
}

export interface DatasetBiasOptions {
  /** Reference group per attribute; the default is the most favoured group (highest base rate, not small). */
  reference?: Record<string, string>;
  /** Groups with fewer labelled rows are "small": warned about, never the default reference. Default 30. */
  minGroupSize?: number;
  /** Groups whose 95% interval is wider than this are also small. Default: no width limit. */
  maxIntervalWidth?: number;
  /** Disparate-impact ratio below which a group violates the four-fifths rule. Default 0.8. */
  fourFifths?: number;
  /** Minority label share below which `fairness/label-imbalance` is reported. Default 0.2. */
  minLabelShare?: number;
  /** A group whose share of the attribute's labelled rows is below this is reported as under-represented. Default 0.05. */
  minGroupShare?: number;
  /** Also analyse every pair of attributes. Default true. */
  intersections?: boolean;
}

/** One group's label statistics. */
export interface GroupRate {
  value: string;
  /** For intersectional groups: the value of each attribute, in the order of `attributes`. */
  values?: string[];
  /** Labelled rows in the group (rows, even when weighted). */
  n: number;
  /** Sum of weights of those rows (equals `n` without weights). */
  weight: number;
  /** `weight` over the attribute's total labelled weight (rows missing the attribute excluded). */
  share: number;
  /** Weighted count of positive labels. */
  positives: number;
  /** `positives / weight`: P(y = 1 | group). Null for an empty group. */
  baseRate: number | null;
  /** Wilson 95% interval of the base rate, with Kish's effective sample size when weighted. */
  ci95: [number, number] | null;
  /**
   * `baseRate(group) − baseRate(reference)` (AIF360's statistical parity difference with this group as the
   * unprivileged one): negative when the group receives the positive label less often. 0 for the reference.
   */
  statisticalParityDifference: number | null;
  /**
   * `baseRate(group) / baseRate(reference)` (disparate impact). Null when the reference base rate is 0
   * (the ratio is undefined), with the reason in `reasons`.
   */
  disparateImpact: number | null;
  /** Too small for its rate to mean much (see `minGroupSize`, `maxIntervalWidth`). */
  small: boolean;
  /** Why a field is null. */
  reasons?: Record<string, string>;
}

export interface AttributeBias {
  /** Attribute name, or for intersections the two names joined by ` & `. */
  attribute: string;
  attributes: string[];
  /** Value of the reference group, null when no group has a labelled row. */
  reference: string | null;
  referenceChosen: 'most-favoured' | 'given';
  /** Labelled rows where the attribute is missing (left out of the groups). */
  missing: number;
  groups: GroupRate[];
  /** Lowest disparate impact among groups that are not small (null if none is defined). */
  minDisparateImpact: number | null;
  /** Most negative statistical parity difference among groups that are not small. */
  minStatisticalParityDifference: number | null;
  /** Values of the groups (not small) whose disparate impact is below the four-fifths threshold. */
  fourFifthsViolations: string[];
}

export interface DatasetBias {
  rows: number;
  /** Rows with a label. */
  labelled: number;
  missingLabel: number;
  /** Weighted positives and P(y = 1) over labelled rows. */
  positives: number;
  baseRate: number | null;
  attributes: AttributeBias[];
  intersections: AttributeBias[];
  /**
   * Findings carry `column` (the attribute; for intersections the first of the pair) but no `location`:
   * the caller anchors them on the header.
   */
  findings: Finding[];
}

interface Resolved {
  minGroupSize: number;
  maxIntervalWidth: number;
  fourFifths: number;
  minLabelShare: number;
  minGroupShare: number;
}

/** Labelled rows per group code: rows, weight, squared weight, weighted positives; rows missing the group. */
interface GroupTally {
  n: Float64Array;
  w: Float64Array;
  w2: Float64Array;
  pos: Float64Array;
  missing: number;
}

/** Accumulates labelled counts per group code. */
function tally(
  label: Int8Array,
  codes: ArrayLike<number>,
  levels: number,
  weights: ArrayLike<number> | undefined,
) {
  const n = new Float64Array(levels);
  const w = new Float64Array(levels);
  const w2 = new Float64Array(levels);
  const pos = new Float64Array(levels);
  let missing = 0;
  for (let i = 0; i < label.length; i++) {
    const y = label[i]!;
    if (y < 0) continue;
    const g = codes[i]!;
    if (g < 0) {
      missing++;
      continue;
    }
    const wi = weights ? weights[i]! : 1;
    n[g]!++;
    w[g]! += wi;
    w2[g]! += wi * wi;
    if (y === 1) pos[g]! += wi;
  }
  return { n, w, w2, pos, missing };
}

/**
 * The unweighted {@link GroupTally} of `levels` groups from labelled rows per (group, outcome),
 * `counts[2 * g + y]`, and the labelled rows missing the group.
 */
function tallyOfCounts(counts: Float64Array, levels: number, missing: number): GroupTally {
  const n = new Float64Array(levels);
  const pos = new Float64Array(levels);
  for (let g = 0; g < levels; g++) {
    n[g] = counts[2 * g]! + counts[2 * g + 1]!;
    pos[g] = counts[2 * g + 1]!;
  }
  // Unweighted, every row weighs 1: the weight and the squared weight are the row count.
  return { n, w: n, w2: n, pos, missing };
}

function analyse(
  names: string[],
  t: GroupTally,
  levelValues: string[][],
  weights: boolean,
  referenceValue: string | undefined,
  o: Resolved,
  problems: Finding[],
): AttributeBias {
  const attribute = names.join(' & ');
  const levels = levelValues.length;
  let totalW = 0;
  for (let g = 0; g < levels; g++) totalW += t.w[g]!;

  const groups: GroupRate[] = [];
  for (let g = 0; g < levels; g++) {
    if (t.n[g] === 0) continue; // Levels only seen on unlabelled rows (or unused intersections) are not groups.
    const weight = t.w[g]!;
    // Weighted: the interval of the weighted rate with Kish's effective sample size, so successes are the
    // rate times that size (not the weighted count of positives, which is on another scale).
    const nEff = weights ? effectiveSampleSize(weight, t.w2[g]!) : t.n[g]!;
    const ci = weights
      ? weight > 0
        ? wilsonInterval((t.pos[g]! / weight) * nEff, nEff)
        : null
      : wilsonInterval(t.pos[g]!, nEff);
    const reasons: Record<string, string> = {};
    let baseRate: number | null = null;
    if (weight > 0) baseRate = t.pos[g]! / weight;
    else reasons.baseRate = "the group's rows all have weight 0";
    const small = t.n[g]! < o.minGroupSize || (ci !== null && ci[1] - ci[0] > o.maxIntervalWidth);
    const vals = levelValues[g]!;
    groups.push({
      value: vals.join(' & '),
      ...(vals.length > 1 ? { values: vals } : {}),
      n: t.n[g]!,
      weight,
      share: totalW > 0 ? weight / totalW : 0,
      positives: t.pos[g]!,
      baseRate,
      ci95: ci,
      statisticalParityDifference: null,
      disparateImpact: null,
      small,
      ...(Object.keys(reasons).length ? { reasons } : {}),
    });
  }

  let ref: GroupRate | undefined;
  let referenceChosen: AttributeBias['referenceChosen'] = 'most-favoured';
  if (referenceValue !== undefined) {
    ref = groups.find((g) => g.value === referenceValue);
    if (ref) referenceChosen = 'given';
    else
      problems.push({
        rule: 'fairness/reference-group',
        severity: 'warning',
        column: names[0],
        message: `The reference group '${referenceValue}' for \`${attribute}\` has no labelled rows; using the most favoured group instead.`,
        data: { attribute, reference: referenceValue, values: groups.map((g) => g.value) },
      });
  }
  if (!ref) {
    // Most favoured: the highest base rate among groups large enough to trust, ties to the larger group; if
    // every group is small, among all of them.
    const pick = (cands: GroupRate[]) =>
      cands.reduce<GroupRate | undefined>((best, g) => {
        if (g.baseRate === null) return best;
        if (!best || best.baseRate === null) return g;
        if (g.baseRate > best.baseRate || (g.baseRate === best.baseRate && g.n > best.n)) return g;
        return best;
      }, undefined);
    ref = pick(groups.filter((g) => !g.small)) ?? pick(groups);
  }

  let minDI: number | null = null;
  let minSPD: number | null = null;
  const violations: string[] = [];
  for (const g of groups) {
    const reasons = g.reasons ?? {};
    if (!ref || ref.baseRate === null || g.baseRate === null) {
      reasons.statisticalParityDifference = reasons.disparateImpact =
        g.baseRate === null ? 'the group has no rate' : 'no reference group with a rate';
    } else {
      g.statisticalParityDifference = g === ref ? 0 : g.baseRate - ref.baseRate;
      if (ref.baseRate > 0) g.disparateImpact = g === ref ? 1 : g.baseRate / ref.baseRate;
      else reasons.disparateImpact = 'the reference group has no positive labels, so the ratio is undefined';
    }
    if (Object.keys(reasons).length) g.reasons = reasons;
    if (g.small) continue;
    if (g.statisticalParityDifference !== null && (minSPD === null || g.statisticalParityDifference < minSPD))
      minSPD = g.statisticalParityDifference;
    if (g.disparateImpact !== null) {
      if (minDI === null || g.disparateImpact < minDI) minDI = g.disparateImpact;
      if (g.disparateImpact < o.fourFifths) violations.push(g.value);
    }
  }
  return {
    attribute,
    attributes: names,
    reference: ref ? ref.value : null,
    referenceChosen,
    missing: t.missing,
    groups,
    minDisparateImpact: minDI,
    minStatisticalParityDifference: minSPD,
    fourFifthsViolations: violations,
  };
}

function pairCodes(a: CategoricalColumn, b: CategoricalColumn): { codes: Int32Array; levels: string[][] } {
  const nb = b.levels.length;
  const codes = new Int32Array(a.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const x = a.codes[i]!;
    const y = b.codes[i]!;
    codes[i] = x < 0 || y < 0 ? -1 : x * nb + y;
  }
  const levels: string[][] = [];
  for (const va of a.levels) for (const vb of b.levels) levels.push([va, vb]);
  return { codes, levels };
}

function findingsFor(a: AttributeBias, o: Resolved, intersection: boolean): Finding[] {
  const out: Finding[] = [];
  const column = a.attributes[0];
  const ref = a.groups.find((g) => g.value === a.reference);
  if (a.fourFifthsViolations.length > 0 && ref) {
    const bad = a.groups
      .filter((g) => a.fourFifthsViolations.includes(g.value))
      .sort((x, y) => (x.disparateImpact ?? 0) - (y.disparateImpact ?? 0));
    const worst = bad[0]!;
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more group${bad.length > 2 ? 's' : ''})` : '';
    out.push({
      rule: 'fairness/disparate-impact',
      severity: intersection ? 'info' : 'warning',
      column,
      message:
        `\`${a.attribute}\`: the positive rate of '${worst.value}' (${fmt(worst.baseRate)}) is ${fmt(worst.disparateImpact, 2)} ` +
        `times that of '${ref.value}' (${fmt(ref.baseRate)})${more}, below the four-fifths rule (${o.fourFifths}).`,
      data: {
        attribute: a.attribute,
        attributes: a.attributes,
        reference: ref.value,
        referenceBaseRate: ref.baseRate,
        threshold: o.fourFifths,
        groups: bad.map((g) => ({
          value: g.value,
          n: g.n,
          baseRate: g.baseRate,
          disparateImpact: g.disparateImpact,
          statisticalParityDifference: g.statisticalParityDifference,
        })),
      },
    });
  }
  const small = a.groups.filter((g) => g.small);
  if (small.length > 0) {
    const list = small
      .slice(0, 5)
      .map((g) => `'${g.value}' (${g.n})`)
      .join(', ');
    out.push({
      rule: 'fairness/small-group',
      severity: 'info',
      column,
      message:
        `\`${a.attribute}\`: ${small.length} group${small.length > 1 ? 's are' : ' is'} too small for a reliable rate ` +
        `(fewer than ${o.minGroupSize} labelled rows${Number.isFinite(o.maxIntervalWidth) ? ` or a 95% interval wider than ${o.maxIntervalWidth}` : ''}): ${list}${small.length > 5 ? ', ...' : ''}.`,
      data: {
        attribute: a.attribute,
        attributes: a.attributes,
        minGroupSize: o.minGroupSize,
        groups: small.map((g) => ({ value: g.value, n: g.n, ci95: g.ci95 })),
      },
    });
  }
  if (!intersection && a.groups.length > 1) {
    const rare = a.groups.filter((g) => g.share < o.minGroupShare);
    if (rare.length > 0) {
      out.push({
        rule: 'fairness/group-imbalance',
        severity: 'info',
        column,
        message:
          `\`${a.attribute}\`: ${rare.length} group${rare.length > 1 ? 's make' : ' makes'} up less than ${fmt(o.minGroupShare * 100, 0)}% of the labelled rows each ` +
          `(${rare
            .slice(0, 5)
            .map((g) => `'${g.value}' ${fmt(g.share * 100, 1)}%`)
            .join(', ')}${rare.length > 5 ? ', ...' : ''}); a model sees few examples of them.`,
        data: {
          attribute: a.attribute,
          minGroupShare: o.minGroupShare,
          groups: rare.map((g) => ({ value: g.value, n: g.n, share: g.share })),
        },
      });
    }
  }
  return out;
}

/**
 * Measures label bias for each protected attribute and each pair of them.
 *
 * Per group: labelled rows, share, positives, base rate `P(y=1 | g)` with a Wilson 95% interval, and against
 * the reference group the statistical parity difference `P(y=1|g) − P(y=1|ref)` and the disparate-impact
 * ratio `P(y=1|g) / P(y=1|ref)`. On UCI Adult with `sex` this gives base rates 0.3057 (Male) and 0.1095
 * (Female), a difference of −0.1963 and a ratio of 0.3580.
 *
 * Edge cases: rows with a missing label are left out (counted in `missingLabel`); rows with a missing
 * attribute value are left out of that attribute's groups (counted in `missing`); a group with zero total
 * weight has a null rate; a reference rate of 0 makes every ratio null with a reason; a reference value that
 * has no labelled rows falls back to the most favoured group with a `fairness/reference-group` finding.
 *
 * Findings: `fairness/disparate-impact` (four-fifths rule, groups that are not small), `fairness/small-group`,
 * `fairness/group-imbalance` (under-represented groups), `fairness/label-imbalance` (rare outcome or one class).
 */
export function datasetBias(input: DatasetBiasInput, options: DatasetBiasOptions = {}): DatasetBias {
  const rows = input.label.length;
  const label = readOutcome(input.label, rows, 'label');
  for (const a of input.attributes) {
    if (a.column.codes.length !== rows)
      throw new RangeError(`attribute '${a.name}': expected ${rows} values, got ${a.column.codes.length}.`);
  }
  checkWeights(input.weights, rows);
  const weights = input.weights;
  let labelled = 0;
  let positives = 0;
  let totalW = 0;
  for (let i = 0; i < rows; i++) {
    const y = label[i]!;
    if (y < 0) continue;
    const w = weights ? weights[i]! : 1;
    labelled++;
    totalW += w;
    if (y === 1) positives += w;
  }
  const attrs = input.attributes;
  const pairs: Tallied[] = [];
  if (options.intersections !== false) {
    for (let i = 0; i < attrs.length; i++) {
      for (let j = i + 1; j < attrs.length; j++) {
        const a = attrs[i]!;
        const b = attrs[j]!;
        const p = pairCodes(a.column, b.column);
        pairs.push({
          names: [a.name, b.name],
          tally: tally(label, p.codes, p.levels.length, weights),
          levels: p.levels,
        });
      }
    }
  }
  return biasOfTallies(
    { rows, labelled, positives, totalW, weighted: weights !== undefined, labelName: input.labelName },
    attrs.map((a) => ({
      names: [a.name],
      tally: tally(label, a.column.codes, a.column.levels.length, weights),
      levels: a.column.levels.map((l) => [l]),
    })),
    pairs,
    options,
  );
}

/**
 * {@link datasetBias} (unweighted) over the label and the attributes' groups read in windows (see
 * `windows.ts`): one pass counts each attribute's and each pair's groups by outcome.
 */
export function datasetBiasOf(
  input: { label: OutcomeWindows; labelName?: string; attributes: { name: string; groups: GroupView }[] },
  options: DatasetBiasOptions = {},
): DatasetBias {
  const y = input.label;
  const attrs = input.attributes;
  const singles = attrs.map((a) => new OutcomeTally(a.groups));
  const pairs: { names: string[]; t: PairOutcomeTally; levels: string[][] }[] = [];
  if (options.intersections !== false) {
    for (let i = 0; i < attrs.length; i++)
      for (let j = i + 1; j < attrs.length; j++) {
        const a = attrs[i]!;
        const b = attrs[j]!;
        const levels: string[][] = [];
        for (const va of a.groups.levels) for (const vb of b.groups.levels) levels.push([va, vb]);
        pairs.push({ names: [a.name, b.name], t: new PairOutcomeTally(a.groups, b.groups), levels });
      }
  }
  // A view with no groups puts every labelled row in its missing slot: its two counts are the classes.
  let none = new Int8Array(0);
  const all = new OutcomeTally({
    slots: 0,
    window: (from, to) => {
      if (none.length < to - from) none = new Int8Array(to - from).fill(-1);
      return none.subarray(0, to - from);
    },
  });
  countPass(y.length, y, [all, ...singles, ...pairs.map((p) => p.t)]);
  const labelled = all.counts[0]! + all.counts[1]!;
  return biasOfTallies(
    {
      rows: y.length,
      labelled,
      positives: all.counts[1]!,
      totalW: labelled,
      weighted: false,
      labelName: input.labelName,
    },
    attrs.map((a, k) => {
      const levels = a.groups.levels.length;
      const c = singles[k]!.counts;
      return {
        names: [a.name],
        tally: tallyOfCounts(c, levels, c[2 * levels]! + c[2 * levels + 1]!),
        levels: a.groups.levels.map((l) => [l]),
      };
    }),
    pairs.map((p) => ({
      names: p.names,
      tally: tallyOfCounts(p.t.counts, p.levels.length, p.t.missing),
      levels: p.levels,
    })),
    options,
  );
}

/** An attribute (or pair) with its groups counted. */
interface Tallied {
  names: string[];
  tally: GroupTally;
  levels: string[][];
}

/** The bias report from the counts, however they were made. */
function biasOfTallies(
  totals: {
    rows: number;
    labelled: number;
    positives: number;
    totalW: number;
    weighted: boolean;
    labelName: string | undefined;
  },
  attributeTallies: Tallied[],
  pairTallies: Tallied[],
  options: DatasetBiasOptions,
): DatasetBias {
  const { rows, labelled, positives, totalW } = totals;
  const o: Resolved = {
    minGroupSize: options.minGroupSize ?? 30,
    maxIntervalWidth: options.maxIntervalWidth ?? Infinity,
    fourFifths: options.fourFifths ?? 0.8,
    minLabelShare: options.minLabelShare ?? 0.2,
    minGroupShare: options.minGroupShare ?? 0.05,
  };
  const findings: Finding[] = [];
  const attributes = attributeTallies.map((a) =>
    analyse(
      a.names,
      a.tally,
      a.levels,
      totals.weighted,
      options.reference && Object.prototype.hasOwnProperty.call(options.reference, a.names[0]!)
        ? options.reference[a.names[0]!]
        : undefined,
      o,
      findings,
    ),
  );
  const intersections = pairTallies.map((p) =>
    analyse(p.names, p.tally, p.levels, totals.weighted, undefined, o, findings),
  );
  for (const a of attributes) findings.push(...findingsFor(a, o, false));
  for (const a of intersections) findings.push(...findingsFor(a, o, true));

  const baseRate = totalW > 0 ? positives / totalW : null;
  if (labelled > 0 && baseRate !== null) {
    const minority = Math.min(baseRate, 1 - baseRate);
    if (minority === 0) {
      findings.push({
        rule: 'fairness/label-imbalance',
        severity: 'warning',
        ...(totals.labelName !== undefined ? { column: totals.labelName } : {}),
        message: `Every labelled row has the ${baseRate === 1 ? 'positive' : 'negative'} outcome; no rate or model can be compared across groups.`,
        data: { labelled, positives, baseRate },
      });
    } else if (minority < o.minLabelShare) {
      findings.push({
        rule: 'fairness/label-imbalance',
        severity: minority < o.minLabelShare / 4 ? 'warning' : 'info',
        ...(totals.labelName !== undefined ? { column: totals.labelName } : {}),
        message:
          `The ${baseRate < 0.5 ? 'positive' : 'negative'} outcome is rare (${fmt(minority * 100, 1)}% of labelled rows); ` +
          `accuracy hides errors on it, and small groups may have none.`,
        data: { labelled, positives, baseRate, minLabelShare: o.minLabelShare },
      });
    }
  }
  return {
    rows,
    labelled,
    missingLabel: rows - labelled,
    positives,
    baseRate,
    attributes,
    intersections,
    findings,
  };
}
