/**
 * What a single cell's text looks like: integer, number, boolean, date or text. Checked with character
 * tests first so that the common cases (plain numbers, words) never reach a regular expression.
 */

export type ValueKind = 'integer' | 'number' | 'boolean' | 'date' | 'text';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** d/m/yyyy, m/d/yyyy, d.m.yyyy, d-m-yyyy, yyyy/m/d, with an optional time. */
const NUMERIC_DATE =
  /^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?)?$/;
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
/** 5 Jan 2020, 05-Jan-2020, Jan 5, 2020, January 5 2020. */
const DAY_MONTH_YEAR = new RegExp(`^(\\d{1,2})[ -](?:${MONTHS})[a-z]*\\.?,?[ -](\\d{4})$`, 'i');
const MONTH_DAY_YEAR = new RegExp(`^(?:${MONTHS})[a-z]*\\.? (\\d{1,2}),? (\\d{4})$`, 'i');

function validDay(day: number, month: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * Whether a table writes decimals with a comma (`1,5`): a CSV file delimited by `;`, as Excel writes it where
 * the comma is the decimal separator (most of Europe and South America), and as pandas reads it with
 * `sep=";", decimal=","`. Tab- and pipe-delimited files keep the point: a comma there as often groups thousands
 * (`1,500`).
 */
export function decimalCommaIn(header: { format: string; delimiter?: string | undefined }): boolean {
  return header.format === 'csv' && header.delimiter === ';';
}

/** A number written with a decimal comma: optional sign, digits, a comma, digits (no thousands grouping). */
function isCommaDecimal(s: string): boolean {
  return signedDecimal(s, 44, true);
}

/** {@link classifyValue} for a table that writes decimals with a comma ({@link decimalCommaIn}). */
export function classifyCommaValue(s: string): ValueKind {
  const kind = classifyValue(s);
  return kind === 'text' && isCommaDecimal(s) ? 'number' : kind;
}

/** {@link parseNumber} for a table that writes decimals with a comma: `1,5` is 1.5; else as `parseNumber`. */
export function parseCommaNumber(s: string): number {
  return isCommaDecimal(s) ? parseNumber(s.replace(',', '.')) : parseNumber(s);
}

/** `1,5` as `1.5`, for code that reads numbers as JavaScript writes them (training); other values as they are. */
export function commaToPoint(s: string): string {
  return isCommaDecimal(s) ? s.replace(',', '.') : s;
}

/** Whether a value is a number as the encoded columns take it: `Number` gives it, or a decimal comma does. */
export function isNumberText(s: string, decimalComma: boolean): boolean {
  return NUMBER.test(s) || (decimalComma && isCommaDecimal(s));
}

/**
 * Classifies one non-missing value. Integers are optional sign and digits (leading zeros allowed, so a code
 * like `02134` counts as an integer); numbers add a fraction or exponent (no thousands separators, no
 * `NaN`/`Infinity`); booleans are `true`/`false` in any case; dates are ISO 8601 dates and date-times and the
 * common day/month/year forms with a four-digit year and plausible day and month.
 */
export function classifyValue(s: string): ValueKind {
  const n = s.length;
  if (n === 0) return 'text';
  const c0 = s.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || c0 === 43 || c0 === 45 || c0 === 46) {
    let i = c0 === 43 || c0 === 45 ? 1 : 0;
    let digits = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
      digits++;
    }
    if (i === n && digits > 0) return 'integer';
    // The common decimal form (digits, point, digits) without a regular expression.
    if (i < n && s.charCodeAt(i) === 46) {
      let j = i + 1;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c < 48 || c > 57) break;
        j++;
      }
      if (j === n && (digits > 0 || j > i + 1)) return 'number';
    }
    if (NUMBER.test(s)) return 'number';
    if (n >= 8 && c0 >= 48 && c0 <= 57 && (isNumericDate(s) || isDayMonthYear(s))) return 'date';
    return 'text';
  }
  if (n === 4 || n === 5) {
    const lower = s.toLowerCase();
    if (lower === 'true' || lower === 'false') return 'boolean';
  }
  if (n >= 8 && n <= 30 && startsWithMonth(s) && MONTH_DAY_YEAR.test(s)) {
    const m = MONTH_DAY_YEAR.exec(s);
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= 31) return 'date';
  }
  return 'text';
}

/** 10^0 to 10^22: every one exactly a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * `Number(s)`, bit for bit, with a fast path for the plain decimals numeric columns hold (optional sign,
 * at most 15 digits, at most one point). Past the profiler's cap every numeric cell is parsed, and V8's
 * `Number` of a string (a call into the runtime) was 10% of the reading time of a table of 2,000
 * measurement columns. With at most 15 digits the digits make an exact integer `m` below 2^53, and 10^k is
 * exact for k <= 22, so `m / 10^k` is the correctly rounded quotient of two exact numbers: the correctly
 * rounded value of the decimal, which is what `Number` returns (Clinger's fast path). Anything else goes to
 * `Number`.
 */
export function parseNumber(s: string): number {
  const n = s.length;
  if (n === 0 || n > 17) return Number(s);
  const c0 = s.charCodeAt(0);
  let i = c0 === 45 || c0 === 43 ? 1 : 0;
  let m = 0;
  let digits = 0;
  let point = -1;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && point < 0) point = i;
    else return Number(s);
  }
  if (digits === 0 || digits > 15) return Number(s);
  const x = point < 0 ? m : m / (POWERS_OF_TEN[n - 1 - point] as number);
  return c0 === 45 ? -x : x;
}

/** {@link decimalCode}'s largest mantissa: 16 times it, for the digits after the point, stays below 2^53. */
const MAX_CODED_MANTISSA = 2 ** 48;

/**
 * A decimal text as one number, which gives back both the text ({@link decimalText}) and `Number(s)`
 * ({@link decimalValue}), else NaN: a dictionary then keeps a level in 8 bytes where its string took 24 to
 * 40. The number is `16 * m + d` for the text's digits `m` (signed) and its `d` digits after the point.
 * Taken: an optional `-`, an integer part without leading zeros, optionally a point and digits, at most 15
 * digits and a mantissa below 2^48, and not `-0` (`toFixed` drops its sign). Checked by characters: a
 * dictionary asks it of every new level of a wide table's columns.
 */
export function decimalCode(s: string): number {
  const n = s.length;
  if (n === 0 || n > 17) return NaN;
  const negative = s.charCodeAt(0) === 45;
  let i = negative ? 1 : 0;
  const first = i;
  let m = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    m = m * 10 + (c - 48);
  }
  const whole = i - first;
  if (whole === 0 || (whole > 1 && s.charCodeAt(first) === 48)) return NaN;
  let fraction = 0;
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return NaN;
    const point = ++i;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return NaN;
      m = m * 10 + (c - 48);
    }
    fraction = n - point;
    if (fraction === 0) return NaN;
  }
  if (whole + fraction > 15 || m >= MAX_CODED_MANTISSA || (negative && m === 0)) return NaN;
  return (negative ? -m : m) * 16 + fraction;
}

/**
 * The value of a {@link decimalCode}: `m / 10^d`, a quotient of two exact doubles correctly rounded, which is
 * `Number` of the text (as in {@link parseNumber}).
 */
export function decimalValue(code: number): number {
  const m = Math.floor(code / 16);
  return m / (POWERS_OF_TEN[code - 16 * m] as number);
}

/**
 * The text of a {@link decimalCode}. `toFixed(d)` writes the integer nearest to `x * 10^d`: with at most 15
 * digits the double is within 10^-16 of the text's value relative to it, far nearer than half a unit of its
 * last digit, so that integer is `m`.
 */
export function decimalText(code: number): string {
  const m = Math.floor(code / 16);
  const d = code - 16 * m;
  // An integer's text is `String`'s, two to four times quicker than `toFixed` (a ZIP code column's 72,670
  // levels took 8 ms).
  if (d === 0) return String(m);
  return (m / (POWERS_OF_TEN[d] as number)).toFixed(d);
}

/**
 * Optional sign, digits, and optionally a point and digits (`/^[-+]?\d+(?:\.\d+)?$/`) by its characters: the
 * privacy scanner asks it of every cell of a numeric column, where the regular expression was 3% of the
 * reading time of a table of 2,000 measurement columns.
 */
export function isPlainDecimal(v: string): boolean {
  return signedDecimal(v, 46, false);
}

/** Optional sign and digits, then `mark` (a point or a comma) and digits: required, or optional. */
function signedDecimal(v: string, mark: number, markRequired: boolean): boolean {
  const n = v.length;
  let i = 0;
  if (n > 0) {
    const c = v.charCodeAt(0);
    if (c === 43 || c === 45) i = 1;
  }
  const first = i;
  while (i < n && isDigit(v.charCodeAt(i))) i++;
  if (i === first) return false;
  if (i === n) return !markRequired;
  if (v.charCodeAt(i) !== mark) return false;
  const after = ++i;
  while (i < n && isDigit(v.charCodeAt(i))) i++;
  return i === n && i > after;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Three-letter month abbreviations as numbers of their lower-cased letters, to test a prefix cheaply. */
const MONTH_KEYS = new Set(
  MONTHS.split('|').map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2)),
);

function startsWithMonth(s: string): boolean {
  const key = ((s.charCodeAt(0) | 32) << 16) | ((s.charCodeAt(1) | 32) << 8) | (s.charCodeAt(2) | 32);
  return MONTH_KEYS.has(key);
}

function isDayMonthYear(s: string): boolean {
  if (s.length > 30) return false;
  const m = DAY_MONTH_YEAR.exec(s);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 31;
}

function isNumericDate(s: string): boolean {
  const iso = ISO_DATE.exec(s);
  if (iso) return validDay(Number(iso[3]), Number(iso[2]));
  const m = NUMERIC_DATE.exec(s);
  if (!m) return false;
  const a = m[1] as string;
  const b = Number(m[3]);
  const c = m[4] as string;
  if (a.length === 4 && c.length <= 2) return validDay(Number(c), b);
  if (c.length !== 4 || a.length > 2) return false;
  // Day first or month first: either reading must give a valid date.
  return validDay(Number(a), b) || validDay(b, Number(a));
}
