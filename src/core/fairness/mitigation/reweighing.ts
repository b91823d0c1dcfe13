/**
 * Reweighing (Kamiran & Calders, 2012, "Data preprocessing techniques for classification without
 * discrimination"): instance weights that make the label statistically independent of the protected
 * attribute in the weighted data, without changing any label or feature. AIF360's `Reweighing` computes the
 * same weights; here they are also defined for more than two groups and for existing instance weights.
 */
import type { CategoricalColumn } from '../../data/encoded';
import { checkWeights, readOutcome } from '../stats';

export interface ReweighingCell {
  /** Group value; `null` for rows missing the attribute (weighed as a group of their own). */
  group: string | null;
  label: 0 | 1;
  /** Rows in the cell. */
  count: number;
  /** The weight every row of the cell receives (a factor on its base weight when there is one). */
  weight: number;
}

export interface Reweighing {
  /** One weight per row; rows with a missing label keep their base weight (1 without one). */
  weights: Float64Array;
  cells: ReweighingCell[];
  /** Rows whose label is missing (not reweighed). */
  missingLabel: number;
}

/**
 * Kamiran & Calders weights: a row in group g with label y gets `w(g, y) = P(g) · P(y) / P(g, y)`, the
 * probabilities taken over labelled rows (weighted by `baseWeights` when given, whose rows then get
 * `baseWeight · w(g, y)`). After reweighing, `P_w(y = 1 | g) = P(y = 1)` for every group, so the weighted
 * statistical parity difference is 0; the weight of each group that has both labels is unchanged, and so,
 * when every group has both, are the total weight and the weight of each label.
 *
 * Edge cases: a cell (g, y) with no rows needs no weight; rows missing the group form a group of their own
 * (so they too are balanced); rows missing the label keep their base weight, since nothing can be balanced
 * for them. A group whose labelled rows all share one label cannot be balanced (reweighing never invents
 * the missing label): its rows get weight P(y) and its rate stays 0 or 1; the invariant holds for every
 * group that has both labels.
 */
export function reweigh(
  label: ArrayLike<number>,
  group: CategoricalColumn,
  baseWeights?: ArrayLike<number>,
): Reweighing {
  const n = label.length;
  const y = readOutcome(label, n, 'label');
  if (group.codes.length !== n)
    throw new RangeError(`group: expected ${n} values, got ${group.codes.length}.`);
  checkWeights(baseWeights, n, 'base weights');
  const k = group.levels.length + 1; // the last slot holds rows missing the group
  const slot = (i: number) => {
    const c = group.codes[i]!;
    return c < 0 ? k - 1 : c;
  };
  const wgy = new Float64Array(2 * k);
  const cgy = new Float64Array(2 * k);
  let total = 0;
  let missingLabel = 0;
  for (let i = 0; i < n; i++) {
    if (y[i]! < 0) {
      missingLabel++;
      continue;
    }
    const w = baseWeights ? baseWeights[i]! : 1;
    wgy[2 * slot(i) + y[i]!]! += w;
    cgy[2 * slot(i) + y[i]!]!++;
    total += w;
  }
  const wy = [0, 0];
  const wg = new Float64Array(k);
  for (let g = 0; g < k; g++) {
    for (let l = 0; l < 2; l++) {
      wy[l]! += wgy[2 * g + l]!;
      wg[g]! += wgy[2 * g + l]!;
    }
  }
  // w(g, y) = P(g) P(y) / P(g, y) = W_g W_y / (W · W_gy), written without the intermediate probabilities.
  const factor = new Float64Array(2 * k);
  const cells: ReweighingCell[] = [];
  for (let g = 0; g < k; g++) {
    for (let l = 0; l < 2; l++) {
      const cell = wgy[2 * g + l]!;
      factor[2 * g + l] = cell > 0 ? (wg[g]! * wy[l]!) / (total * cell) : 1;
      if (cgy[2 * g + l]! > 0) {
        cells.push({
          group: g === k - 1 ? null : group.levels[g]!,
          label: l as 0 | 1,
          count: cgy[2 * g + l]!,
          weight: factor[2 * g + l]!,
        });
      }
    }
  }
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = baseWeights ? baseWeights[i]! : 1;
    weights[i] = y[i]! < 0 ? base : base * factor[2 * slot(i) + y[i]!]!;
  }
  return { weights, cells, missingLabel };
}

/**
 * Combines several categorical columns into one whose levels are the combinations that occur (joined by
 * ` & `), for reweighing or auditing intersectional groups. A row missing any of the columns is missing.
 */
export function combineColumns(columns: readonly CategoricalColumn[]): CategoricalColumn {
  if (columns.length === 0) throw new RangeError('combineColumns needs at least one column.');
  if (columns.length === 1) return columns[0]!;
  const n = columns[0]!.codes.length;
  for (const c of columns)
    if (c.codes.length !== n) throw new RangeError('combineColumns: columns differ in length.');
  const index = new Map<string, number>();
  const levels: string[] = [];
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let key = '';
    let missing = false;
    for (const c of columns) {
      const code = c.codes[i]!;
      if (code < 0) {
        missing = true;
        break;
      }
      key += `${code},`;
    }
    if (missing) {
      codes[i] = -1;
      continue;
    }
    let code = index.get(key);
    if (code === undefined) {
      code = levels.length;
      index.set(key, code);
      levels.push(columns.map((c) => c.levels[c.codes[i]!]!).join(' & '));
    }
    codes[i] = code;
  }
  return { kind: 'categorical', codes, levels };
}
