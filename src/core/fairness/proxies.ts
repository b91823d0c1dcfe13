/**
 * Proxy columns: columns associated strongly enough with a protected attribute that a model can recover the
 * attribute from them even when it is dropped ("fairness through unawareness" fails). Association is measured
 * by Cramér's V and normalised mutual information on the contingency table of the two columns, numeric columns
 * cut into quantile bins first, missing values kept as a level of their own.
 */
import type { Finding } from '../findings';
import type { CategoricalColumn, EncodedColumn } from '../data/encoded';
import type { SpillDir } from '../data/spill';
import { fmt } from './stats';
import {
  FirstSeen,
  PairTally,
  PASS_COLUMNS,
  RUN_ROWS,
  countPass,
  fairColumn,
  numberCodes,
  ownCodes,
  rowsOf,
  valueBlocks,
  walkBlocks,
  type CodeView,
  type FairColumn,
  type OutcomeWindows,
} from './windows';

export interface ProxyOptions {
  /** Cramér's V at or above which a column is reported as a proxy. Default 0.5. */
  threshold?: number;
  /** Quantile bins for numeric columns. Default 10 (deciles). */
  bins?: number;
  /**
   * Columns with more distinct values than this (or than half the rows) are skipped: on identifier-like
   * columns the uncorrected V approaches 1 whatever the data, so it would flag every id as a proxy. Default 200.
   */
  maxLevels?: number;
  /**
   * Called after each pass over {@link PASS_COLUMNS} columns, whose views and tallies are then garbage (the
   * scan's garbage collector, see `ScanOptions.betweenAnalyses`).
   */
  between?: () => void;
}

export interface ProxyAssociation {
  protected: string;
  column: string;
  /** Bias-uncorrected Cramér's V in [0, 1]; null with `reason` when undefined. */
  cramersV: number | null;
  /** Mutual information over the arithmetic mean of the two entropies (scikit-learn's default), in [0, 1]. */
  nmi: number | null;
  /** Levels (after binning, missing counted as a level) of the protected attribute and of the column. */
  levels: [number, number];
  /** Whether the column (or attribute) was numeric and cut into quantile bins. */
  binned: boolean;
  reason?: string;
}

export interface ProxyResult {
  associations: ProxyAssociation[];
  /** `fairness/proxy` findings, with `column` set to the proxy column; the caller fills `location`. */
  findings: Finding[];
}

/**
 * `np.quantile(sorted, q)` with NumPy's default ("linear") method, including its two-sided interpolation
 * (`_lerp`), so that bin edges, and hence every figure computed from them, are the ones pandas users get.
 * `sorted` must be ascending and free of NaN.
 */
export function linearQuantile(sorted: ArrayLike<number>, q: number): number {
  return linearQuantileAt(sorted.length, q, (i) => sorted[i]!);
}

/** {@link linearQuantile} of `n` sorted values, the value of rank `i` given by `at(i)`. */
function linearQuantileAt(n: number, q: number, at: (rank: number) => number): number {
  if (n === 0) return NaN;
  const virtual = (n - 1) * q;
  const prev = Math.min(n - 1, Math.max(0, Math.floor(virtual)));
  const next = Math.min(n - 1, prev + 1);
  const t = virtual - prev;
  const a = at(prev);
  const b = at(next);
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * The {@link linearQuantile} edges of `n` sorted values (`n` > 0), the value of rank `i` given by `at(i)`,
 * duplicates dropped, as {@link quantileBins} cuts.
 */
function binEdges(n: number, at: (rank: number) => number, bins: number): number[] {
  // NumPy's linspace multiplies the index by the step (1/bins) and pins the last point to exactly 1.
  const step = 1 / bins;
  const raw: number[] = [];
  for (let i = 0; i <= bins; i++) raw.push(linearQuantileAt(n, i === bins ? 1 : i * step, at));
  return raw.filter((e, i) => i === 0 || e !== raw[i - 1]);
}

/** How many bins `edges` cut (one when every value is the same). */
function binCount(edges: readonly number[]): number {
  return edges.length <= 1 ? edges.length : edges.length - 1;
}

/** The bins' interval labels, as pandas prints them: `[a, b]`, then `(b, c]` and so on. */
function binLevels(edges: readonly number[]): string[] {
  if (edges.length === 1) return [`[${edges[0]}, ${edges[0]}]`];
  const levels: string[] = [];
  for (let i = 1; i < edges.length; i++) levels.push(`${i === 1 ? '[' : '('}${edges[i - 1]}, ${edges[i]}]`);
  return levels;
}

/** The bin of a non-NaN value: the first edge >= v (searchsorted side='left'); the lowest edge is bin 0. */
function binOf(edges: readonly number[], v: number): number {
  if (edges.length === 1) return 0;
  let lo = 1;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

function checkBins(bins: number): void {
  if (!(bins >= 1) || !Number.isInteger(bins))
    throw new RangeError(`bins must be a positive integer, got ${bins}.`);
}

/**
 * Cuts a numeric column into `bins` quantile bins with the semantics of pandas
 * `qcut(x, bins, duplicates='drop')`: edges at the quantiles `np.linspace(0, 1, bins + 1)`, duplicate edges
 * dropped (so a column with few distinct values gets fewer bins), intervals closed on the right with the
 * lowest edge included. NaN stays missing (code -1). A column with one distinct value gets a single bin.
 */
export function quantileBins(values: ArrayLike<number>, bins = 10): CategoricalColumn & { edges: number[] } {
  checkBins(bins);
  // Typed arrays throughout: a million-row column is 8 MB sorted, where an array of numbers was several times
  // that on the heap, and the codes take one byte a row (at most `bins` levels) unless more bins are asked.
  let present = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) present++;
  const sorted = new Float64Array(present);
  for (let i = 0, k = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) sorted[k++] = v;
  }
  sorted.sort();
  const codes = (bins <= 127 ? new Int8Array(values.length) : new Int32Array(values.length)).fill(-1);
  if (sorted.length === 0) return { kind: 'categorical', codes, levels: [], edges: [] };
  const edges = binEdges(sorted.length, (i) => sorted[i]!, bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) codes[i] = binOf(edges, v);
  }
  return { kind: 'categorical', codes, levels: binLevels(edges), edges };
}

/** What a numeric column needs from its values in order: bin edges, and against a label its AUC. */
export interface NumericSummary {
  /** The bin count asked for (fewer bins when edges repeat). */
  bins: number;
  /** The edges {@link quantileBins} cuts at; its interval labels are {@link binLevels} of them. */
  edges: number[];
  /** The folded Mann-Whitney AUC against the outcome (null without one, or without both classes). */
  auc: number | null;
}

/**
 * The {@link NumericSummary} of each numeric column, made once per column and bin count however many
 * analyses ask (proxies and leakage cut the same columns): each is a sort of the column's values, in runs
 * on disk past {@link RUN_ROWS} values when `spill` is given.
 */
export class NumericSummaries {
  /** A column's summaries by bin count; one in practice (proxies and leakage both cut deciles). */
  private readonly made = new Map<FairColumn, NumericSummary[]>();

  constructor(
    private readonly y?: OutcomeWindows,
    private readonly spill?: SpillDir,
    private readonly runRows = RUN_ROWS,
  ) {}

  of(column: Extract<FairColumn, { kind: 'numeric' }>, bins: number): NumericSummary {
    checkBins(bins);
    let byBins = this.made.get(column);
    if (!byBins) this.made.set(column, (byBins = []));
    let s = byBins.find((x) => x.bins === bins);
    if (!s) byBins.push((s = this.make(column, bins)));
    return s;
  }

  private make(column: Extract<FairColumn, { kind: 'numeric' }>, bins: number): NumericSummary {
    const blocks = valueBlocks(column, this.y, this.spill, this.runRows);
    try {
      if (blocks.n === 0) return { bins, edges: [], auc: null };
      // The ranks the quantiles read, found by asking for them once with a stand-in value.
      const ranks: number[] = [];
      binEdges(
        blocks.n,
        (i) => {
          ranks.push(i);
          return 0;
        },
        bins,
      );
      const walked = walkBlocks(blocks, ranks, this.y !== undefined);
      return { bins, edges: binEdges(blocks.n, (i) => walked.at.get(i)!, bins), auc: walked.auc };
    } finally {
      blocks.close();
    }
  }

  /** A numeric column's bin codes, window by window (missing -1). */
  bins(column: Extract<FairColumn, { kind: 'numeric' }>, bins: number): CodeView {
    const { edges } = this.of(column, bins);
    return numberCodes(column, binCount(edges), (v) => binOf(edges, v));
  }
}

/**
 * Dense codes 0..k-1 with missing (-1) as level k when present; levels with no rows are dropped. Two bytes a
 * row while the levels allow (proxies cap them at a few hundred), since each pair makes two of these.
 */
function compact(col: CategoricalColumn): { codes: Int16Array | Int32Array; k: number } {
  const map = new Int32Array(col.levels.length + 1).fill(-1);
  const codes =
    col.levels.length < 32767 ? new Int16Array(col.codes.length) : new Int32Array(col.codes.length);
  let k = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = col.codes[i]!;
    const slot = c < 0 ? col.levels.length : c;
    let m = map[slot]!;
    if (m < 0) {
      m = k++;
      map[slot] = m;
    }
    codes[i] = m;
  }
  return { codes, k };
}

/** Contingency table of two equally long code vectors (dense, row-major `r × c`). */
function contingency(
  a: Int16Array | Int32Array,
  r: number,
  b: Int16Array | Int32Array,
  c: number,
): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < a.length; i++) t[a[i]! * c + b[i]!]!++;
  return t;
}

export interface AssociationResult {
  cramersV: number | null;
  nmi: number | null;
  levels: [number, number];
  reason?: string;
}

/**
 * Cramér's V (without bias correction) and normalised mutual information between two categorical columns,
 * missing values counted as a level of their own, levels that never occur ignored.
 *
 * - `V = sqrt(χ² / (n · (min(r, c) − 1)))` with Pearson's χ² on the r × c table. This is the definition that
 *   reproduces the published Adult figures (e.g. `relationship` vs `sex` 0.649, `native-country` vs `race`
 *   0.409); Bergsma's bias-corrected V gives 0.408 for the latter.
 * - `NMI = I(X; Y) / ((H(X) + H(Y)) / 2)` (scikit-learn's `normalized_mutual_info_score`, arithmetic mean).
 *
 * Edge cases: no rows, or a column with a single level, gives null for both with a reason (the association is
 * undefined, not zero).
 */
export function association(a: CategoricalColumn, b: CategoricalColumn): AssociationResult {
  if (a.codes.length !== b.codes.length)
    throw new RangeError(`columns differ in length: ${a.codes.length} and ${b.codes.length}.`);
  const ca = compact(a);
  const cb = compact(b);
  return associationOfTable(contingency(ca.codes, ca.k, cb.codes, cb.k), ca.k, cb.k, a.codes.length);
}

/** {@link association} from the `r × c` table of the two columns' levels numbered as {@link compact} does. */
function associationOfTable(t: Float64Array, r: number, c: number, n: number): AssociationResult {
  const levels: [number, number] = [r, c];
  if (n === 0) return { cramersV: null, nmi: null, levels, reason: 'no rows' };
  if (r < 2 || c < 2)
    return { cramersV: null, nmi: null, levels, reason: 'one of the columns has a single value' };
  const rs = new Float64Array(r);
  const cs = new Float64Array(c);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      const o = t[i * c + j]!;
      rs[i]! += o;
      cs[j]! += o;
    }
  let chi2 = 0;
  let mi = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const o = t[i * c + j]!;
      const e = (rs[i]! * cs[j]!) / n;
      chi2 += ((o - e) * (o - e)) / e;
      if (o > 0) mi += (o / n) * Math.log((o * n) / (rs[i]! * cs[j]!));
    }
  }
  let hx = 0;
  let hy = 0;
  for (let i = 0; i < r; i++) hx -= (rs[i]! / n) * Math.log(rs[i]! / n);
  for (let j = 0; j < c; j++) hy -= (cs[j]! / n) * Math.log(cs[j]! / n);
  const v = Math.sqrt(chi2 / (n * (Math.min(r, c) - 1)));
  const nmi = Math.max(0, mi) / ((hx + hy) / 2);
  // Rounding can push a perfect association a hair above 1.
  return { cramersV: Math.min(1, v), nmi: Math.min(1, nmi), levels };
}

/**
 * Association of every other column with each protected attribute (see {@link association}); numeric columns
 * (protected ones too, like age) are cut into quantile bins as pandas `qcut(x, bins, duplicates='drop')` does.
 * A pair of a column with itself (same name) is skipped.
 *
 * Findings: `fairness/proxy` (warning) on the proxy column for each pair at or above `threshold`.
 */
export function proxyAssociations(
  protectedCols: { name: string; column: EncodedColumn }[],
  others: { name: string; column: EncodedColumn }[],
  options: ProxyOptions = {},
): ProxyResult {
  // The same column object may be a protected attribute and another column: one FairColumn for it.
  const made = new Map<EncodedColumn, FairColumn>();
  const fair = (c: EncodedColumn) => {
    let f = made.get(c);
    if (!f) made.set(c, (f = fairColumn(c)));
    return f;
  };
  return proxyAssociationsOf(
    protectedCols.map((p) => ({ name: p.name, column: fair(p.column) })),
    others.map((o) => ({ name: o.name, column: fair(o.column) })),
    options,
  );
}

/**
 * {@link proxyAssociations} over columns read in windows: one pass counts every pair's table, numeric
 * columns first sorted for their bin edges (`summaries`, shared with the leakage check of the same scan).
 */
export function proxyAssociationsOf(
  protectedCols: { name: string; column: FairColumn }[],
  others: { name: string; column: FairColumn }[],
  options: ProxyOptions & { summaries?: NumericSummaries } = {},
): ProxyResult {
  const threshold = options.threshold ?? 0.5;
  const bins = options.bins ?? 10;
  const maxLevels = options.maxLevels ?? 200;
  const summaries = options.summaries ?? new NumericSummaries();
  type Viewed = { view: CodeView; seen: FirstSeen };
  // The protected attributes' views serve every pass; a pass's other columns' views go with it.
  const isProtected = new Set(protectedCols.map((p) => p.column));
  const kept = new Map<FairColumn, Viewed>();
  // Kept views whose first appearances a pass has counted (every row, so once is enough).
  const counted = new Set<FairColumn>();
  type Pair = {
    p: (typeof protectedCols)[number];
    o: (typeof others)[number];
    skip?: string;
    tally?: PairTally;
  };
  // Each attribute's associations and findings in the columns' order, whatever pass counted them.
  const byAttribute = protectedCols.map(() => ({
    associations: [] as ProxyAssociation[],
    findings: [] as Finding[],
  }));
  for (let start = 0; start < others.length; start += PASS_COLUMNS) {
    const chunk = others.slice(start, start + PASS_COLUMNS);
    const views = new Map<FairColumn, Viewed>();
    const viewOf = (c: FairColumn) => {
      let v = kept.get(c) ?? views.get(c);
      if (!v) {
        const view = c.kind === 'numeric' ? summaries.bins(c, bins) : ownCodes(c.codes);
        v = { view, seen: new FirstSeen(view) };
        (isProtected.has(c) ? kept : views).set(c, v);
      }
      return v;
    };
    const pairs: Pair[][] = protectedCols.map((p) =>
      chunk.flatMap((o): Pair[] => {
        if (o.name === p.name) return [];
        const rows = rowsOf(o.column);
        const lv = o.column.kind === 'categorical' ? o.column.codes.levels.length : Infinity;
        if (lv !== Infinity && (lv > maxLevels || (rows > 0 && lv > rows / 2))) {
          const skip = `the column has ${lv} distinct values, too many for a meaningful association (identifier-like)`;
          return [{ p, o, skip }];
        }
        const n = rowsOf(p.column);
        if (rows !== n) throw new RangeError(`columns differ in length: ${n} and ${rows}.`);
        return [{ p, o, tally: new PairTally(viewOf(p.column).view, viewOf(o.column).view) }];
      }),
    );
    const tallies = pairs.flat().flatMap((x) => (x.tally ? [x.tally] : []));
    if (tallies.length > 0) {
      const firsts = [...views.values()].map((v) => v.seen);
      for (const [c, v] of kept)
        if (!counted.has(c)) {
          firsts.push(v.seen);
          counted.add(c);
        }
      countPass(rowsOf(protectedCols[0]!.column), undefined, [...firsts, ...tallies]);
    }
    pairs.forEach((list, i) => {
      const out = byAttribute[i]!;
      for (const { p, o, skip, tally } of list) {
        const binned = p.column.kind === 'numeric' || o.column.kind === 'numeric';
        if (skip !== undefined) {
          const lv = o.column.kind === 'categorical' ? o.column.codes.levels.length : 0;
          out.associations.push({
            protected: p.name,
            column: o.name,
            cramersV: null,
            nmi: null,
            levels: [0, lv],
            binned,
            reason: skip,
          });
          continue;
        }
        const r = associationOfCounts(tally!, viewOf(p.column).seen, viewOf(o.column).seen, rowsOf(p.column));
        out.associations.push({
          protected: p.name,
          column: o.name,
          cramersV: r.cramersV,
          nmi: r.nmi,
          levels: r.levels,
          binned,
          ...(r.reason ? { reason: r.reason } : {}),
        });
        if (r.cramersV !== null && r.cramersV >= threshold) {
          out.findings.push({
            rule: 'fairness/proxy',
            severity: 'warning',
            column: o.name,
            message:
              `\`${o.name}\` is a proxy for \`${p.name}\` (Cramér's V ${fmt(r.cramersV)}, normalised mutual information ${fmt(r.nmi)}): ` +
              `a model can recover ${p.name} from it even when ${p.name} is left out.`,
            data: { protected: p.name, column: o.name, cramersV: r.cramersV, nmi: r.nmi, threshold },
          });
        }
      }
    });
    options.between?.();
  }
  const associations = byAttribute.flatMap((a) => a.associations);
  const findings = byAttribute.flatMap((a) => a.findings);
  return { associations, findings };
}

/**
 * {@link association} from a pair's counts over slots: the table reordered to each column's order of first
 * appearance, which is how {@link compact} numbers levels, so the sums run in the same order.
 */
function associationOfCounts(t: PairTally, a: FirstSeen, b: FirstSeen, n: number): AssociationResult {
  const r = a.seen;
  const c = b.seen;
  const w = b.order.length;
  const table = new Float64Array(r * c);
  for (let i = 0; i < a.order.length; i++) {
    const ri = a.order[i]!;
    if (ri < 0) continue;
    for (let j = 0; j < w; j++) {
      const cj = b.order[j]!;
      if (cj >= 0) table[ri * c + cj] = t.counts[i * w + j]!;
    }
  }
  return associationOfTable(table, r, c, n);
}
