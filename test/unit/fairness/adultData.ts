/**
 * Loads the UCI Adult training split for the fairness tests, once per process. Adult has no quoted fields,
 * so splitting on commas reads it exactly. TODO(lead): switch to readTable once src/core/data/readTable.ts lands.
 */
import * as fs from 'fs';
import { encodeCategorical, type CategoricalColumn, type NumericColumn } from '../../../src/core/data/encoded';

export const ADULT_PATH = '/work/shared/data/adult/adult.csv';
export const ADULT_TEST_PATH = '/work/shared/data/adult/adult-test.csv';

export interface Adult {
  header: string[];
  rows: string[][];
  column(name: string): string[];
  categorical(name: string): CategoricalColumn;
  numeric(name: string): NumericColumn;
}

const cache = new Map<string, Adult>();

export function loadAdult(path = ADULT_PATH): Adult {
  const hit = cache.get(path);
  if (hit) return hit;
  const lines = fs.readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const idx = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name}`);
    return i;
  };
  const adult: Adult = {
    header,
    rows,
    column: (name) => rows.map((r) => r[idx(name)]!),
    // Adult writes missing values as '?'; the readers treat it as missing too.
    categorical: (name) => encodeCategorical(rows.map((r) => (r[idx(name)] === '?' ? undefined : r[idx(name)]))),
    numeric: (name) => ({ kind: 'numeric', values: Float64Array.from(rows.map((r) => (r[idx(name)] === '?' ? NaN : Number(r[idx(name)])))) }),
  };
  cache.set(path, adult);
  return adult;
}
