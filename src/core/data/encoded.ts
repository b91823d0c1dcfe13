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
  readonly levels: string[] = [];

  constructor(initialCapacity = 1024) {
    this.codes = new Int32Array(Math.max(16, initialCapacity));
  }

  push(value: string | undefined): void {
    if (this.length === this.codes.length) {
      const next = new Int32Array(this.codes.length * 2);
      next.set(this.codes);
      this.codes = next;
    }
    let code = -1;
    if (value !== undefined) {
      const known = this.index.get(value);
      if (known === undefined) {
        code = this.levels.length;
        this.index.set(value, code);
        this.levels.push(value);
      } else {
        code = known;
      }
    }
    this.codes[this.length++] = code;
  }

  get size(): number {
    return this.length;
  }

  build(): CategoricalColumn {
    return { kind: 'categorical', codes: this.codes.slice(0, this.length), levels: this.levels.slice() };
  }
}

/** Encodes a plain array (tests, small inputs). */
export function encodeCategorical(values: readonly (string | undefined)[]): CategoricalColumn {
  const b = new CategoricalBuilder(values.length);
  for (const v of values) b.push(v);
  return b.build();
}
