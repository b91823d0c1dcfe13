/**
 * The Adult census data as model inputs for the WebGPU tests: numerics standardised with the training rows'
 * mean and standard deviation, categoricals one-hot ('?' is its own level), label 1 for `>50K`.
 *
 * Written here rather than taken from the runner's preprocessing so that these tests compare two backends
 * on identical inputs whatever the pipeline's options become. Adult has no quoted fields, so splitting on
 * commas is exact for this file (checked: every row has the header's field count).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The example's copy in the repository (issue 4), else the shared data folder of this machine. */
export function adultCsvPath(): string {
  const candidates = [
    path.resolve(__dirname, '../../../examples/adult/adult.csv'),
    '/work/shared/data/adult/adult.csv',
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`The Adult data is missing: looked for ${candidates.join(' and ')}`);
  return found;
}

const NUMERIC = new Set(['age', 'fnlwgt', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week']);

export interface AdultSplit {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

export interface AdultFeatures {
  width: number;
  train: AdultSplit;
  validation: AdultSplit;
}

/** The first `trainRows` data rows train, the next `validationRows` validate. */
export function loadAdultFeatures(
  trainRows: number,
  validationRows: number,
  file = adultCsvPath(),
): AdultFeatures {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const labelCol = header.indexOf('income');
  const rows = lines.slice(1, 1 + trainRows + validationRows).map((l, i) => {
    const cells = l.split(',');
    if (cells.length !== header.length)
      throw new Error(`${file}:${i + 2}: ${cells.length} fields, expected ${header.length}`);
    return cells;
  });
  if (rows.length < trainRows + validationRows) throw new Error(`${file}: only ${rows.length} rows`);
  const train = rows.slice(0, trainRows);

  type Col =
    | { kind: 'num'; c: number; mean: number; std: number }
    | { kind: 'cat'; c: number; levels: Map<string, number> };
  const cols: Col[] = [];
  let width = 0;
  header.forEach((name, c) => {
    if (c === labelCol) return;
    if (NUMERIC.has(name)) {
      const v = train.map((r) => Number(r[c]));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
      cols.push({ kind: 'num', c, mean, std });
      width += 1;
    } else {
      const levels = new Map<string, number>();
      for (const r of train) if (!levels.has(r[c]!)) levels.set(r[c]!, levels.size);
      cols.push({ kind: 'cat', c, levels });
      width += levels.size;
    }
  });

  const encode = (part: string[][]): AdultSplit => {
    const x = new Float32Array(part.length * width);
    const y = new Float32Array(part.length);
    part.forEach((r, i) => {
      let o = i * width;
      for (const col of cols) {
        if (col.kind === 'num') {
          x[o++] = (Number(r[col.c]) - col.mean) / col.std;
        } else {
          // A level unseen in training encodes as all zeros.
          const k = col.levels.get(r[col.c]!);
          if (k !== undefined) x[o + k] = 1;
          o += col.levels.size;
        }
      }
      y[i] = r[labelCol] === '>50K' ? 1 : 0;
    });
    return { x, y, rows: part.length };
  };
  return { width, train: encode(train), validation: encode(rows.slice(trainRows)) };
}
