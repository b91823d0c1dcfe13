/**
 * Re-identification risk over quasi-identifiers: k-anonymity, the share of records unique on them, and the
 * smallest set of columns that singles out a given share of records.
 */
import type { Finding, SourceRange } from '../findings';
import type { CategoricalColumn } from '../data/encoded';

export interface KAnonymityResult {
  /**
   * Size of the smallest equivalence class (records sharing all quasi-identifier values). 0 when there are no
   * records, or no columns (nothing to measure: every field of the result is 0).
   */
  k: number;
  /** Share (0..1) of records alone in their class; 0 when there are no records. */
  uniqueRecords: number;
  /** Number of equivalence classes. */
  classes: number;
  /** Number of records. */
  records: number;
}

/**
 * A partition of the records: record r is in class `ids[r] + shift`, classes numbered from 0 below `classes`.
 * A partition by one column is its codes as they are (shift 1, so that missing, code -1, is class 0).
 */
interface Classes {
  ids: ArrayLike<number>;
  shift: number;
  classes: number;
}

/**
 * Work tables reused by every refinement of the analyses of one table: the singling-out search refines a
 * dozen times over the same records, and fresh tables each time were garbage the collector freed only
 * later. On large files these tables are the audit's memory peak, so they are kept lean: a hash slot holds
 * only its class, and the class's (earlier class, code) is read from one record of it. Pass one to
 * {@link kAnonymity} and {@link smallestSinglingOutSet} of the same columns to share it.
 */
const EMPTY = new Int32Array(0);

export class KAnonymityWork {
  private lookup = new Int32Array(0);
  /** id + 1 of the class in each hash slot; 0 marks an empty one. */
  slotId = new Int32Array(0);
  /** A record of each class, by class id. */
  member = new Int32Array(0);
  private counts = new Int32Array(0);
  private readonly ids: Int32Array[] = [];

  /** A lookup table of `size` entries, all -1. */
  table(size: number): Int32Array {
    if (this.lookup.length < size) this.lookup = new Int32Array(size);
    const t = this.lookup.subarray(0, size);
    t.fill(-1);
    return t;
  }

  /** `slots` empty hash slots, and room for a member of each of up to `classes` classes. */
  hash(slots: number, classes: number): void {
    if (this.slotId.length < slots) this.slotId = new Int32Array(slots);
    else this.slotId.fill(0, 0, slots);
    if (this.member.length < classes) this.member = new Int32Array(classes);
  }

  /** `classes` zeroed counters. */
  sizes(classes: number): Int32Array {
    if (this.counts.length < classes) this.counts = new Int32Array(classes);
    const t = this.counts.subarray(0, classes);
    t.fill(0);
    return t;
  }

  /** Class-id buffer number `k` for `n` records. */
  buffer(k: number, n: number): Int32Array {
    let b = this.ids[k];
    if (!b || b.length < n) this.ids[k] = b = new Int32Array(n);
    return b.subarray(0, n);
  }
}

/**
 * Refines a partition of the records by one more column: records stay together when they agreed before and
 * agree on `c`. Missing values (code -1) are a value of their own: two records both missing `zip` are alike
 * on `zip`. This is the cautious reading for risk (a suppressed value still says something, and treating
 * missing as matching everything would hide unique records). `base` null is the one-class partition, and
 * then the column's codes are the partition, with no copy. Otherwise the new class ids go to `out` (one per
 * record), which must not be `base.ids`.
 */
function refine(
  base: Classes | null,
  c: CategoricalColumn,
  scratch: KAnonymityWork,
  out: Int32Array,
): Classes {
  const n = c.codes.length;
  if (base && base.ids.length !== n) {
    throw new RangeError(`columns differ in length: ${c.codes.length} and ${base.ids.length} records`);
  }
  const width = c.levels.length + 1;
  if (!base) return { ids: c.codes, shift: 1, classes: width };
  const { ids, shift } = base;
  const codes = c.codes;
  const next = out;
  const space = base.classes * width;
  // The table is used while it is at most one entry a record (4 bytes a record); larger key spaces hash.
  if (space <= Math.max(1 << 16, n)) {
    // Small key space (the usual case: age x sex x race): a lookup table, several times faster than a Map.
    const table = scratch.table(space);
    let count = 0;
    for (let r = 0; r < n; r++) {
      const key = (ids[r]! + shift) * width + (codes[r]! + 1);
      let id = table[key]!;
      if (id < 0) {
        id = count++;
        table[key] = id;
      }
      next[r] = id;
    }
    return { ids: next, shift: 0, classes: count };
  }
  // Large key space (age x ZIP x date over many records): open addressing keyed by the pair (class, code), in
  // typed arrays sized for every record being its own class. A Map here cost several times the time and held
  // about 80 bytes a class. A slot holds the class alone (4 bytes), its pair read back from a member record,
  // and the slot count is 1.5 a record, not a power of two (a multiply maps the hash onto it): about 10 bytes
  // a record in all, where slots of three numbers in a power of two took 18 to 36.
  const slots = Math.ceil(1.5 * n) + 1;
  scratch.hash(slots, n);
  const { slotId, member } = scratch;
  let count = 0;
  for (let r = 0; r < n; r++) {
    const a = ids[r]! + shift;
    const b = codes[r]! + 1;
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    let i = Math.floor(((h >>> 0) * slots) / 4294967296);
    let id = -1;
    for (;;) {
      const sid = slotId[i]!;
      if (sid === 0) break;
      const m = member[sid - 1]!;
      if (ids[m]! + shift === a && codes[m]! + 1 === b) {
        id = sid - 1;
        break;
      }
      if (++i === slots) i = 0;
    }
    if (id < 0) {
      id = count++;
      member[id] = r;
      slotId[i] = id + 1;
    }
    next[r] = id;
  }
  return { ids: next, shift: 0, classes: count };
}

function summarise({ ids, shift, classes }: Classes, work: KAnonymityWork): KAnonymityResult {
  const n = ids.length;
  if (n === 0) return { k: 0, uniqueRecords: 0, classes: 0, records: 0 };
  const sizes = work.sizes(classes);
  for (let r = 0; r < n; r++) sizes[ids[r]! + shift]!++;
  let k = Infinity;
  let unique = 0;
  let nonEmpty = 0;
  for (let i = 0; i < classes; i++) {
    const s = sizes[i]!;
    if (s === 0) continue;
    nonEmpty++;
    if (s < k) k = s;
    if (s === 1) unique++;
  }
  return { k, uniqueRecords: unique / n, classes: nonEmpty, records: n };
}

/**
 * k-anonymity of a table over its quasi-identifier columns: the table is k-anonymous when every combination of
 * quasi-identifier values that occurs is shared by at least k records. Missing values count as a value of
 * their own (see above). Columns must have the same length (RangeError otherwise).
 */
export function kAnonymity(
  columns: readonly CategoricalColumn[],
  work = new KAnonymityWork(),
): KAnonymityResult {
  if (columns.length === 0) {
    return { k: 0, uniqueRecords: 0, classes: 0, records: 0 };
  }
  let partition: Classes | null = null;
  // Two buffers of class ids in turn: each refinement reads the last one's (the first is the column's codes).
  const n = columns[0]!.codes.length;
  columns.forEach((c, j) => {
    partition = refine(partition, c, work, j === 0 ? EMPTY : work.buffer((j + 1) % 2, n));
  });
  return summarise(partition!, work);
}

export interface SinglingOutSet {
  /** Column names of the set, in the order given. */
  columns: string[];
  /** Share (0..1) of records unique on this set. */
  share: number;
  /** True when `share` reaches the target; false when no set of up to `maxSize` columns does. */
  reached: boolean;
}

/**
 * The smallest set of up to `maxSize` columns on which at least `share` of the records are unique (singled
 * out). Among sets of that size, the one with the highest unique share; ties go to the earlier columns. When
 * no set reaches `share`, the set with the highest unique share found, the smallest such, with
 * `reached: false`. Null when there are no columns or no records.
 */
export function smallestSinglingOutSet(
  columns: readonly { name: string; column: CategoricalColumn }[],
  share = 0.5,
  maxSize = 3,
  work = new KAnonymityWork(),
): SinglingOutSet | null {
  const n = columns[0]?.column.codes.length ?? 0;
  if (columns.length === 0 || n === 0) return null;
  let bestOverall: SinglingOutSet | null = null;
  for (let size = 1; size <= Math.min(maxSize, columns.length); size++) {
    let bestOfSize: SinglingOutSet | null = null;
    // Depth-first over the sets of this size in lexicographic order, refining each prefix once for all its
    // extensions: C(m, 3) sets cost about C(m, 2) + C(m, 3) column passes instead of 3 * C(m, 3).
    const visit = (start: number, chosen: number[], partition: Classes | null): void => {
      if (chosen.length === size) {
        const s = summarise(partition!, work).uniqueRecords;
        if (!bestOfSize || s > bestOfSize.share) {
          bestOfSize = { columns: chosen.map((i) => columns[i]!.name), share: s, reached: s >= share };
        }
        return;
      }
      for (let i = start; i <= columns.length - (size - chosen.length); i++) {
        // One buffer of class ids per depth past the first: a set's prefix is refined once for all its
        // extensions, and a deeper buffer is done with before the next prefix of that depth is made.
        const out = chosen.length === 0 ? EMPTY : work.buffer(chosen.length - 1, n);
        visit(i + 1, [...chosen, i], refine(partition, columns[i]!.column, work, out));
      }
    };
    visit(0, [], null);
    const found = bestOfSize as SinglingOutSet | null;
    if (found && found.reached) return found;
    if (found && (!bestOverall || found.share > bestOverall.share)) bestOverall = found;
  }
  return bestOverall;
}

export const RULE_K_ANONYMITY = 'privacy/k-anonymity';

/**
 * The `privacy/k-anonymity` finding when k is below `threshold` (default 5, settable by policy), or null. It is
 * anchored on the first quasi-identifier header given, with the others as related locations.
 */
export function kAnonymityFinding(
  result: KAnonymityResult,
  quasiIdentifiers: readonly { name: string; index?: number; location?: SourceRange }[],
  options: { threshold?: number; fileName?: string; singlingOut?: SinglingOutSet | null } = {},
): Finding | null {
  const threshold = options.threshold ?? 5;
  if (result.records === 0 || quasiIdentifiers.length === 0 || result.k >= threshold) return null;
  const names = quasiIdentifiers.map((q) => q.name);
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
  const so = options.singlingOut;
  const tail = so
    ? ` ${so.columns.join(' + ')} alone ${so.reached ? 'single out' : 'single out at most'} ${pct(so.share)} of records.`
    : '';
  const anchor = quasiIdentifiers[0]!;
  const related = quasiIdentifiers
    .slice(1)
    .filter((q): q is { name: string; index?: number; location: SourceRange } => q.location !== undefined)
    .map((q) => ({ message: `quasi-identifier '${q.name}'`, location: q.location }));
  return {
    rule: RULE_K_ANONYMITY,
    severity: result.k === 1 ? 'warning' : 'info',
    message:
      `k-anonymity is ${result.k} over the quasi-identifiers ${names.join(', ')} (threshold ${threshold}): ` +
      `${pct(result.uniqueRecords)} of records are unique on them.${tail}`,
    ...(options.fileName !== undefined ? { file: options.fileName } : {}),
    column: anchor.name,
    ...(anchor.index !== undefined ? { columnIndex: anchor.index } : {}),
    ...(anchor.location ? { location: anchor.location } : {}),
    ...(related.length > 0 ? { related } : {}),
    data: {
      k: result.k,
      uniqueRecords: result.uniqueRecords,
      classes: result.classes,
      threshold,
      quasiIdentifiers: names,
      ...(so ? { singlingOut: so } : {}),
    },
  };
}
