/**
 * Which files are datasets and in which format. No `vscode` import (unit-tested in plain Node).
 */
import * as fs from 'fs';
import type { DataFormat } from '../core/data/table';
import { hasJsonLinesShape } from '../core/data/readTable';

/** JSON files that are configuration, never datasets. */
const CONFIG_JSON =
  /(^|[\\/])(package(-lock)?|tsconfig.*|jsconfig.*|\.?eslintrc.*|composer|settings|launch|tasks|extensions|responsible-ml|[^\\/]*\.train)\.json$/i;

/** Format from the file name alone; undefined when the file is not a dataset by name. */
export function formatFromName(fileName: string): DataFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return CONFIG_JSON.test(fileName) ? undefined : 'json';
  return undefined;
}

/**
 * A `.json` file is a dataset only when its top level is an array (of records), or when it holds JSON Lines
 * (`hasJsonLinesShape`): a JSON object is almost always configuration, and showing data diagnostics in it
 * would be noise.
 */
export function looksLikeJsonDataset(head: string): boolean {
  const m = /^\uFEFF?\s*(.)/.exec(head);
  return m?.[1] === '[' || hasJsonLinesShape(head);
}

/** The dataset format of a file given its name and the start of its text, or undefined when it is not one. */
export function datasetFormat(fileName: string, head: string): DataFormat | undefined {
  const f = formatFromName(fileName);
  if (f !== 'json') return f;
  if (hasJsonLinesShape(head)) return 'jsonl';
  return looksLikeJsonDataset(head) ? 'json' : undefined;
}

/** `data/people.csv` -> `data/people.sanitized.csv`; keeps the extension so the copy opens the same way. */
export function sanitizedName(fileName: string): string {
  const m = /^(.*?)(\.[^./\\]+)$/.exec(fileName);
  return m ? `${m[1]}.sanitized${m[2]}` : `${fileName}.sanitized`;
}

export function isTrainConfig(fileName: string): boolean {
  return /\.train\.json$/i.test(fileName);
}

export function isPolicyFile(fileName: string): boolean {
  return /(^|[\\/])responsible-ml\.json$/i.test(fileName);
}

/** The first bytes of a file as text (enough to tell a JSON array from an object) without reading it whole. */
export function readHead(file: string, bytes = 4096): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
