/**
 * Columns held in memory in compact form, for the analyses that need whole columns at once (k-anonymity,
 * group metrics, proxies). Dictionary codes keep a million-row column at 4 bytes a row instead of a string.
 */

/** Missing cells are code -1. `levels[code]` is the value. */
export interface CategoricalColumn {
  kind: 'categorical';
  codes: Int32Array;
  levels: string[];
}

/** Missing or unparseable cells are NaN. */
export interface NumericColumn {
  kind: 'numeric';
  values: Float64Array;
}

export type EncodedColumn = CategoricalColumn | NumericColumn;

/** Grows a categorical column one value at a time; `undefined` or a missing token becomes -1. */
export class CategoricalBuilder {
  private codes: Int32Array;
  private length = 0;
  private readonly index = new Map<string, number>();
  /** Levels added by {@link pushCode} are not in `index` yet (filled on the next {@link push}). */
  private indexed = 0;
  readonly levels: string[] = [];

  constructor(initialCapacity = 1024) {
    this.codes = new Int32Array(Math.max(16, initialCapacity));
  }

  push(value: string | undefined): void {
    if (this.length === this.codes.length) {
      const next = new Int32Array(grownLength(this.codes.length));
      next.set(this.codes);
      this.codes = next;
    }
    let code = -1;
    if (value !== undefined) {
      if (this.indexed < this.levels.length) this.catchUp();
      const known = this.index.get(value);
      if (known === undefined) {
        code = this.levels.length;
        this.index.set(value, code);
        this.levels.push(value);
        this.indexed++;
      } else {
        code = known;
      }
    }
    this.codes[this.length++] = code;
  }

  /**
   * Appends a value whose code the caller already knows, numbered as {@link push} would (from 0, in order
   * of first appearance; -1 for missing), so a caller that keeps its own dictionary saves the lookup: `code`
   * is either a known level or the next one, `levels.length`, which adds `value`.
   */
  pushCode(code: number, value: string | undefined): void {
    if (code === this.levels.length) {
      if (value === undefined) throw new RangeError('A new level needs its value.');
      this.levels.push(value);
    } else if (code < -1 || code > this.levels.length) {
      throw new RangeError(`Code ${code} is neither a known level nor the next one (${this.levels.length}).`);
    }
    if (this.length === this.codes.length) {
      const next = new Int32Array(grownLength(this.codes.length));
      next.set(this.codes);
      this.codes = next;
    }
    this.codes[this.length++] = code;
  }

  private catchUp(): void {
    for (let i = this.indexed; i < this.levels.length; i++) this.index.set(this.levels[i] as string, i);
    this.indexed = this.levels.length;
  }

  get size(): number {
    return this.length;
  }

  build(): CategoricalColumn {
    // A view, not a copy: codes are only ever appended, and a copy of every kept column at the end of a scan
    // was the audit's memory peak on large files (4 bytes a row a column, twice).
    return { kind: 'categorical', codes: this.codes.subarray(0, this.length), levels: this.levels.slice() };
  }
}

/**
 * The next capacity of an array grown one row at a time: half again, not double, since these arrays hold a
 * number per row of the file and doubling left up to half of the largest ones unused (40 MB on a 200 MB file).
 */
export function grownLength(length: number): number {
  return Math.max(16, Math.ceil(length * 1.5));
}

/** Encodes a plain array (tests, small inputs). */
export function encodeCategorical(values: readonly (string | undefined)[]): CategoricalColumn {
  const b = new CategoricalBuilder(values.length);
  for (const v of values) b.push(v);
  return b.build();
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Keeps one column in the cheapest faithful form while rows stream by: dictionary codes while it has few
 * distinct values; a Float64Array once a numeric column has many (an amount, a weight); nothing once a text
 * column has many (ids, names, free text). A column the caller needs anyway (`keepText`: a quasi-identifier
 * such as a postal code) stays coded up to `hardLimit` distinct values; past it, a numeric one becomes a
 * Float64Array and a text one is dropped.
 */
export class AdaptiveColumnBuilder {
  private cat: CategoricalBuilder | null = new CategoricalBuilder();
  private num: Float64Array | null = null;
  private numLength = 0;
  private allNumeric = true;
  /** A kept column whose values were all numbers when it passed the soft limit. */
  private numericPastSoft = false;
  private dropped = false;

  constructor(
    private readonly softLimit: number,
    private readonly keepText: boolean,
    private readonly hardLimit: number,
  ) {}

  push(value: string | undefined): void {
    this.pushCode(undefined, value);
  }

  /**
   * {@link push} with the value's dictionary code when the caller has one (see
   * {@link CategoricalBuilder.pushCode}); `undefined` to look it up.
   */
  pushCode(code: number | undefined, value: string | undefined): void {
    if (this.cat) {
      const before = this.cat.levels.length;
      if (code === undefined) this.cat.push(value);
      else this.cat.pushCode(code, value);
      const levels = this.cat.levels.length;
      if (levels === before) return;
      // Only a value never seen before can change what the column is.
      if (this.allNumeric && value !== undefined && !NUMBER.test(value)) this.allNumeric = false;
      if (levels > this.softLimit) {
        if (this.keepText) {
          // A quasi-identifier stays coded (4 bytes a row, its values as written: postal code 02134 is not
          // 2134), as the categories k-anonymity needs; numbers only past the hard limit.
          if (levels === this.softLimit + 1) this.numericPastSoft = this.allNumeric;
          if (levels > this.hardLimit) {
            if (this.numericPastSoft) this.toNumeric();
            else this.drop();
          }
        } else if (this.allNumeric) this.toNumeric();
        else this.drop();
      }
      return;
    }
    if (this.num) {
      if (this.numLength === this.num.length) {
        const next = new Float64Array(grownLength(this.num.length));
        next.set(this.num);
        this.num = next;
      }
      this.num[this.numLength++] = value === undefined ? NaN : Number(value);
    }
  }

  private toNumeric(): void {
    const c = (this.cat as CategoricalBuilder).build();
    const parsed = c.levels.map(Number);
    this.num = new Float64Array(Math.max(1024, grownLength(c.codes.length)));
    for (let i = 0; i < c.codes.length; i++) {
      const code = c.codes[i] as number;
      this.num[i] = code < 0 ? NaN : (parsed[code] as number);
    }
    this.numLength = c.codes.length;
    this.cat = null;
  }

  private drop(): void {
    this.cat = null;
    this.dropped = true;
  }

  /** True once the column was dropped: later values change nothing, so a caller may stop pushing them. */
  get isDropped(): boolean {
    return this.dropped;
  }

  /** The column, or undefined when it was dropped for having too many distinct non-numeric values. */
  build(): EncodedColumn | undefined {
    if (this.dropped) return undefined;
    if (this.num) return { kind: 'numeric', values: this.num.subarray(0, this.numLength) };
    return this.cat?.build();
  }
}
