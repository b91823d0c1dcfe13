/**
 * Loads UCI Adult for the fairness tests through the project's own reader (`readTable`), once per process,
 * from a mocha `before` hook so that collecting tests stays instant.
 */
import * as fs from 'fs';
import { readTable } from '../../../src/core/data/readTable';
import {
  encodeCategorical,
  type CategoricalColumn,
  type NumericColumn,
} from '../../../src/core/data/encoded';

export const ADULT_PATH = '/work/shared/data/adult/adult.csv';
export const ADULT_TEST_PATH = '/work/shared/data/adult/adult-test.csv';

export interface Adult {
  header: string[];
  rows: string[][];
  column(name: string): string[];
  categorical(name: string): CategoricalColumn;
  numeric(name: string): NumericColumn;
}

const cache = new Map<string, Promise<Adult>>();

export function loadAdult(path = ADULT_PATH): Promise<Adult> {
  let hit = cache.get(path);
  if (!hit) cache.set(path, (hit = read(path)));
  return hit;
}

async function read(path: string): Promise<Adult> {
  let header: string[] = [];
  const rows: string[][] = [];
  await readTable(
    fs.createReadStream(path),
    {
      header: (h) => (header = h.columns.map((c) => c.name)),
      row: (r) => rows.push(r.values.map((v) => v ?? '')),
      problem: (f) => {
        throw new Error(`${path}: ${f.message}`);
      },
    },
    { fileName: path },
  );
  const idx = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name}`);
    return i;
  };
  // Columns are built once per process and shared; tests must not mutate them.
  const memo = <T>(f: (name: string) => T) => {
    const m = new Map<string, T>();
    return (name: string) => {
      let v = m.get(name);
      if (v === undefined) m.set(name, (v = f(name)));
      return v;
    };
  };
  const adult: Adult = {
    header,
    rows,
    column: memo((name) => rows.map((r) => r[idx(name)]!)),
    // Adult writes missing values as '?'; the readers treat it as missing too.
    categorical: memo((name) =>
      encodeCategorical(rows.map((r) => (r[idx(name)] === '?' ? undefined : r[idx(name)]))),
    ),
    numeric: memo((name): NumericColumn => ({
      kind: 'numeric',
      values: Float64Array.from(rows.map((r) => (r[idx(name)] === '?' ? NaN : Number(r[idx(name)])))),
    })),
  };
  return adult;
}
