/**
 * Value transforms that remove or coarsen personal data, and {@link sanitizeTable}, which writes a sanitised
 * copy of a dataset. Pure: quick fixes in the editor and `rml fix` call these and decide where the copy goes
 * (always a new file, written to a temporary name and renamed when complete; never the original).
 */
import { createHmac } from 'node:crypto';
import type { EntityType, Finding } from '../findings';
import type { DataFormat, DataRow, TableHeader } from '../data/table';
import { readTable, type ReadOptions } from '../data/readTable';
import { detectEntities, matchWholeValue } from './detectors';
import { headerEvidence } from './headers';
import { maskExcerpt } from './mask';
import { isPreciseGeohash, parseDate } from './validators';
import { DEFAULT_MISSING_TOKENS } from './privacyScanner';

/** Prefix of pseudonyms, so that a reader of the copy knows the value was replaced. */
export const PSEUDONYM_PREFIX = 'pn_';

/** Replaces every letter and digit with `*`, keeping separators and length. */
function starAll(value: string): string {
  return value.replace(/[\p{L}\p{N}]/gu, '*');
}

/**
 * Masks a value as a whole. With an entity (known from the scan) it is masked as that entity
 * ({@link maskExcerpt}); without one the entity is detected from the value; a value that is no recognised
 * entity has every letter and digit starred.
 */
export function maskValue(value: string, entity?: EntityType): string {
  if (value.trim() === '') return value;
  const e = entity ?? matchWholeValue(value)?.entity;
  return e ? maskExcerpt(value, e) : starAll(value);
}

/**
 * Masks the personal data inside a value: the whole value when it is one entity, else each detected span in
 * free text (the rest of the text stays readable), else every letter and digit.
 */
export function maskText(value: string, hint?: EntityType): string {
  if (value.trim() === '') return value;
  const whole = matchWholeValue(value, hint ? { hint } : undefined);
  if (whole) return maskExcerpt(value, whole.entity);
  const spans = detectEntities(value);
  if (spans.length === 0) return starAll(value);
  let out = '';
  let at = 0;
  for (const m of spans) {
    out += value.slice(at, m.start) + maskExcerpt(value.slice(m.start, m.end), m.entity);
    at = m.end;
  }
  return out + value.slice(at);
}

/**
 * A deterministic pseudonym: HMAC-SHA256 of the value under `key`, hex, cut to 16 characters (64 bits), with
 * the `pn_` prefix. The same value and key give the same pseudonym (joins across files still work); without
 * the key the value cannot be recovered nor confirmed by guessing. 64 bits keep collisions negligible below
 * about a hundred million distinct values (birthday bound ~2^32).
 */
export function pseudonymise(value: string, key: Uint8Array): string {
  if (key.length < 16) throw new RangeError('pseudonymisation key must be at least 16 bytes');
  return PSEUDONYM_PREFIX + createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Age in bands of `width` years: `34` -> `30-39` (width 10), `34.7` -> `30-39`. A value that is not a
 * non-negative number becomes `*` (suppressed): passing it through could leak what the band hides.
 */
export function generaliseAge(value: string, width = 10): string {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`age band width must be a positive integer, got ${width}`);
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) return '*';
  const low = Math.floor(n / width) * width;
  return width === 1 ? String(low) : `${low}-${low + width - 1}`;
}

/**
 * Keeps the first `keep` letters or digits of a postal code and stars the rest, keeping spaces and dashes:
 * `94107` -> `941**`, `SW1A 1AA` -> `SW1* ***` (keep 3).
 */
export function generalisePostalCode(value: string, keep = 3): string {
  let kept = 0;
  let out = '';
  for (const ch of value.trim()) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      out += kept < keep ? ch : '*';
      kept++;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * A geohash's characters kept for each number of decimals a coordinate keeps: cells of about the same size (two
 * decimals, 1.1 km; six characters, 1.2 by 0.6 km).
 */
const GEOHASH_CHARS = [3, 4, 6, 7, 8, 9, 10, 11, 12];

/**
 * Coordinates rounded to `decimals` places: `40.712776` -> `40.71` (two: about 1.1 km, a district, not a
 * house), a pair, a WKT or GeoJSON point each of its numbers (`40.7128, -74.0060` -> `40.71, -74.01`); a geohash
 * cut to a cell of about that size (`dr5ru7c2` -> `dr5ru7`). A value with neither becomes `*`.
 */
export function generaliseCoordinates(value: string, decimals = 2): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 8)
    throw new RangeError(`coordinate decimals must be an integer from 0 to 8, got ${decimals}`);
  const v = value.trim();
  if (isPreciseGeohash(v)) return v.slice(0, Math.min(v.length, GEOHASH_CHARS[decimals] as number));
  let found = false;
  const out = value.trim().replace(/[-+]?\d+\.\d+/g, (n) => {
    found = true;
    const r = Number(Number(n).toFixed(decimals));
    // -0.001 rounds to -0: written as 0.
    return (Object.is(r, -0) ? 0 : r).toFixed(decimals);
  });
  return found ? out : '*';
}

/** A date to its year: `1985-03-07` -> `1985`. Unparseable values become `*` (suppressed). */
export function generaliseDate(value: string): string {
  const d = parseDate(value);
  return d ? String(d.year) : '*';
}

export type TransformKind = 'mask' | 'pseudonymise' | 'generalise' | 'drop';

export interface ColumnTransform {
  column: string;
  kind: TransformKind;
  /** For `generalise`: which generaliser; by default chosen from the header, then from the value. */
  generaliser?: 'age' | 'postal-code' | 'date' | 'coordinates';
  /** Age band width (default 10), postal-code characters kept (default 3) or coordinates' decimals (default 2). */
  width?: number;
}

export interface SanitizeOptions {
  /** Format of the input; the copy has the same format. `auto` (default) as {@link readTable}. */
  format?: DataFormat | 'auto';
  transforms: ColumnTransform[];
  /** Required when any transform pseudonymises. */
  key?: Uint8Array;
  /** For the reader: format from the extension, findings' `file`. */
  fileName?: string;
  /** Values kept as they are (missing stays missing). Default {@link DEFAULT_MISSING_TOKENS}. */
  missingTokens?: string[];
  /** Line ending of CSV/TSV/JSONL output. Default `\n`. */
  lineEnding?: '\n' | '\r\n';
}

export interface SanitizeSummary {
  format: DataFormat;
  rows: number;
  /** Columns of the copy, in order. */
  columns: string[];
  /** Problems the reader found in the input (the copy is written from what could be read). */
  problems: Finding[];
}

function chooseGeneraliser(t: ColumnTransform): (v: string) => string {
  const width = t.width;
  const kind = t.generaliser ?? headerGeneraliser(t.column);
  switch (kind) {
    case 'age':
      return (v) => generaliseAge(v, width ?? 10);
    case 'postal-code':
      return (v) => generalisePostalCode(v, width ?? 3);
    case 'date':
      return generaliseDate;
    case 'coordinates':
      return (v) => generaliseCoordinates(v, width ?? 2);
    default:
      // No header evidence: a date becomes its year, a number its band, anything else keeps 3 characters.
      return (v) => {
        if (parseDate(v)) return generaliseDate(v);
        if (v.trim() !== '' && Number.isFinite(Number(v.trim()))) return generaliseAge(v, width ?? 10);
        return generalisePostalCode(v, width ?? 3);
      };
  }
}

function headerGeneraliser(column: string): 'age' | 'postal-code' | 'date' | 'coordinates' | undefined {
  const h = headerEvidence(column);
  if (h.entity === 'GEO_COORDINATE') return 'coordinates';
  if (h.quasiIdentifier === 'age') return 'age';
  if (h.quasiIdentifier === 'postal-code' || h.entity === 'POSTAL_CODE') return 'postal-code';
  if (h.entity === 'DATE_OF_BIRTH' || h.quasiIdentifier === 'birth-date') return 'date';
  return undefined;
}

/** RFC 4180 field: quoted when it holds the delimiter, a quote, a line break, or spaces a reader would trim. */
function csvField(value: string, delimiter: string): string {
  if (
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    (value.length > 0 && value.trim() !== value)
  ) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

const JSON_LITERAL = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)$/;

/**
 * Writes a sanitised copy of a dataset: each named column masked, pseudonymised, generalised or dropped,
 * everything else as read. CSV/TSV keep the delimiter and the header (a headerless input stays headerless),
 * with RFC 4180 quoting. JSON (an array of objects) and JSON Lines keep the keys in order; the reader hands
 * values over as text, so untouched values that are JSON number or boolean literals are written as such and
 * other values as strings (a string "42" in the input comes out as 42), and a null or absent value as null.
 *
 * The input is only read (from `chunks`); output goes to `write` in pieces, awaited between input chunks so
 * that a slow sink holds the reading back. Throws (before writing anything) when a transform names a column
 * the file does not have or pseudonymisation lacks a key.
 */
export async function sanitizeTable(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: SanitizeOptions,
  write: (text: string) => void | Promise<void>,
): Promise<SanitizeSummary> {
  if (options.transforms.some((t) => t.kind === 'pseudonymise') && !options.key) {
    throw new Error('pseudonymisation needs a key (at least 16 bytes)');
  }
  if (options.key && options.key.length < 16)
    throw new RangeError('pseudonymisation key must be at least 16 bytes');
  const missing = new Set(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const nl = options.lineEnding ?? '\n';
  const problems: Finding[] = [];
  let pending: string[] = [];
  let failure: Error | undefined;
  let table: TableHeader | undefined;
  let keep: number[] = [];
  let apply: ((v: string) => string)[] = [];
  let names: string[] = [];
  let rows = 0;

  const onHeader = (header: TableHeader): void => {
    table = header;
    const byName = new Map(header.columns.map((c, i) => [c.name, i] as const));
    const perColumn = new Map<number, ColumnTransform>();
    for (const t of options.transforms) {
      const i = byName.get(t.column);
      if (i === undefined) {
        failure = new Error(
          `no column '${t.column}' in the file; its columns are: ${header.columns.map((c) => `'${c.name}'`).join(', ')}`,
        );
        return;
      }
      perColumn.set(i, t);
    }
    keep = [];
    apply = [];
    for (let i = 0; i < header.columns.length; i++) {
      const t = perColumn.get(i);
      if (t?.kind === 'drop') continue;
      keep.push(i);
      apply.push(transformFor(t, header.columns[i]!.name, options.key));
    }
    names = keep.map((i) => header.columns[i]!.name);
    if (header.format === 'csv' || header.format === 'tsv') {
      // Kept so that Excel splits the copy as it split the original.
      if (header.separatorLine) pending.push(`sep=${delimiterOf(header)}${nl}`);
      if (header.hasHeader)
        pending.push(names.map((n) => csvField(n, delimiterOf(header))).join(delimiterOf(header)) + nl);
    } else if (header.format === 'json') {
      pending.push('[');
    }
  };

  const onRow = (row: DataRow): void => {
    if (failure || !table) return;
    const out: (string | undefined)[] = keep.map((i, j) => {
      const v = row.values[i];
      if (v === undefined || missing.has(v.trim())) return v;
      return apply[j]!(v);
    });
    if (table.format === 'csv' || table.format === 'tsv') {
      const d = delimiterOf(table);
      pending.push(out.map((v) => csvField(v ?? '', d)).join(d) + nl);
    } else {
      const fields = names.map((n, j) => {
        const v = out[j];
        const json =
          v === undefined ? 'null' : apply[j] === identity && JSON_LITERAL.test(v) ? v : JSON.stringify(v);
        return `${JSON.stringify(n)}:${json}`;
      });
      const obj = `{${fields.join(',')}}`;
      pending.push(table.format === 'json' ? `${rows === 0 ? '' : ','}${nl}${obj}` : obj + nl);
    }
    rows++;
  };

  const flush = async (): Promise<void> => {
    if (failure) throw failure;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    await write(text);
  };

  async function* paced(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      yield chunk;
      await flush();
    }
  }

  const readOptions: ReadOptions = { format: options.format ?? 'auto' };
  if (options.fileName !== undefined) readOptions.fileName = options.fileName;
  const summary = await readTable(
    paced(),
    { header: onHeader, row: onRow, problem: (f) => problems.push(f) },
    readOptions,
  );
  if (failure) throw failure;
  if (summary.format === 'json') pending.push(`${rows === 0 ? '' : nl}]${nl}`);
  await flush();
  return { format: summary.format, rows, columns: names, problems };
}

function identity(v: string): string {
  return v;
}

function delimiterOf(header: TableHeader): string {
  return header.delimiter ?? (header.format === 'tsv' ? '\t' : ',');
}

function transformFor(
  t: ColumnTransform | undefined,
  column: string,
  key: Uint8Array | undefined,
): (v: string) => string {
  if (!t) return identity;
  switch (t.kind) {
    case 'mask': {
      const hint = headerEvidence(column).entity;
      return (v) => maskText(v, hint);
    }
    case 'pseudonymise':
      return (v) => pseudonymise(v, key!);
    case 'generalise':
      return chooseGeneraliser(t);
    case 'drop':
      return identity;
  }
}
