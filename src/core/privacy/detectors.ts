/**
 * Personal-data detectors over text. Each detector finds candidates with a pattern and then validates them
 * (checksums, issuer ranges, libphonenumber's numbering plans, name lexicons), so that order numbers,
 * timestamps, version strings, UUIDs and dates are not taken for personal data.
 *
 * Speed matters: the scanner calls {@link detectEntities} on every cell of free-text columns. One pass over
 * the characters counts digits, capitals, `@`, `:` and so on, and a detector runs only when its trigger
 * characters are present; most cells of a real table run no regular expression at all.
 */
import { isIP } from 'node:net';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { Metadata, type MetadataJson } from 'libphonenumber-js/core';
import phoneMetadata from 'libphonenumber-js/max/metadata';
import type { EntityType } from '../findings';
import {
  ethereumAddressConfidence,
  isJwt,
  isValidBitcoinAddress,
  isValidCardNumber,
  isValidBrCpf,
  isValidCnResidentId,
  isValidEsNie,
  isValidEsNif,
  isValidFiHetu,
  isValidKrRrn,
  isValidPlPesel,
  isValidIban,
  isValidInAadhaar,
  isValidItFiscalCode,
  isValidUkNhs,
  isValidUkNino,
  isValidUsSsn,
  isValidUsItin,
  isValidInPan,
  luhnValid,
  isValidUsNpi,
  isValidVin,
  isValidDeaNumber,
  isValidAbaRouting,
  isValidAuAbn,
  isValidInVoter,
  isPreciseGeohash,
  isValidUkDrivingLicence,
  isValidNlBsn,
  isValidFrNir,
  isValidSePersonnummer,
  isValidNoFodselsnummer,
  isValidDkCpr,
  isValidAuTfn,
  isValidAuMedicare,
  isValidSgNricFin,
  isValidChAhv,
  isValidMxCurp,
  isValidClRut,
  isValidBeNationalNumber,
  isValidDeTaxId,
  isValidCaSin,
  isValidTrTcKimlik,
  isValidJpMyNumber,
  isKrRrnSince2020,
  isValidZaId,
  isValidIlId,
  isValidIePps,
  isValidThTnin,
  isValidDeSvnr,
  parseDate,
  shannonEntropy,
  IBAN_LENGTHS,
} from './validators';
import { declinedName, lexicon, lexiconKey } from './lexicon';

export type { CountryCode };

/** One detected occurrence. Offsets are UTF-16 code units into the text given, `end` exclusive. */
export interface EntityMatch {
  entity: EntityType;
  start: number;
  end: number;
  /** 0..1: how sure the detector is (a checksum-validated number is surer than a bare pattern). */
  confidence: number;
}

export interface DetectOptions {
  /** Region for phone numbers written without `+` (ISO 3166 alpha-2). Default `US`. */
  defaultRegion?: CountryCode;
  /** Matches below this confidence are dropped. Default 0.5. */
  minConfidence?: number;
  /** Only these entities are searched for. Default: all that can be found in free text. */
  entities?: readonly EntityType[];
  /**
   * The entity the header of the text's column names: it stands for the words before a number that say what
   * it is (`NHS number 943 476 5919`), for the numbers found only after such words.
   */
  hint?: EntityType;
}

/** When two matches overlap with equal confidence and length, the earlier entity in this list wins. */
export const PRIORITY: readonly EntityType[] = [
  'SECRET',
  'CN_RESIDENT_ID',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IT_FISCAL_CODE',
  'ES_NIE',
  'ES_NIF',
  'UK_NINO',
  'BR_CPF',
  'UK_NHS',
  'IN_AADHAAR',
  'FI_PERSONAL_IDENTITY_CODE',
  'KR_RRN',
  'PL_PESEL',
  'FR_NIR',
  'SG_NRIC_FIN',
  'MX_CURP',
  'CH_AHV',
  'BE_NATIONAL_NUMBER',
  'CL_RUT',
  'IN_PAN',
  'IN_VOTER',
  'SE_PERSONNUMMER',
  'NO_FODSELSNUMMER',
  'DK_CPR',
  'NL_BSN',
  'AU_TFN',
  'AU_MEDICARE',
  'AU_ABN',
  'US_ITIN',
  'DE_TAX_ID',
  'TR_TC_KIMLIK',
  'CA_SIN',
  'JP_MY_NUMBER',
  'ZA_ID',
  'IL_ID',
  'IE_PPS',
  'TH_TNIN',
  'DE_SVNR',
  'PASSPORT',
  'DRIVER_LICENSE',
  'MEDICAL_LICENSE',
  'MEDICAL_RECORD_NUMBER',
  'US_NPI',
  'US_MBI',
  'VIN',
  'LICENSE_PLATE',
  'IMEI',
  'MAC_ADDRESS',
  'GEO_COORDINATE',
  'US_BANK_NUMBER',
  'ABA_ROUTING_NUMBER',
  'CRYPTO',
  'EMAIL_ADDRESS',
  'IP_ADDRESS',
  'CN_MOBILE',
  'PHONE_NUMBER',
  'URL',
  'PERSON',
  'LOCATION',
  'POSTAL_CODE',
  'DATE_OF_BIRTH',
];

/**
 * What a text holds, counted as far as a trigger asks (see {@link run}, {@link triggeredByCounts}): a count
 * at its cap in {@link FLAG_CAPS} may stand for more. Every use compares a count with a number no larger, but
 * for the capitals of a code ({@link mayHaveCapitals}).
 */
export interface Flags {
  digits: number;
  upper: number;
  lower: number;
  /** Capitals beyond ASCII, Latin, Greek or Cyrillic (see {@link CASED_UPPER}): for names only. */
  beyond: number;
  /** Chinese, Japanese and Korean characters (from U+3040): for names only ({@link findCjkNames}). */
  cjk: number;
  at: boolean;
  colons: number;
  dots: number;
  /** Every character was counted: a long text's letters and digits stop at the block they reach their caps in. */
  complete: boolean;
}

/** The largest number each count of {@link Flags} is compared with. */
export const FLAG_CAPS = { digits: 17, upper: 2, lower: 2, colons: 2, dots: 3 } as const;

/** Characters counted between two looks at whether the letters and digits have reached their caps. */
const FLAG_BLOCK = 256;

/**
 * Capitals beyond ASCII in the Latin, Greek and Cyrillic alphabets (`\u00c0` to `\u052f`: Latin-1, Extended
 * A and B, then Greek and Cyrillic), counted apart from the ASCII ones ({@link Flags.beyond}) so that "Émile
 * Ávila" and "Иван Петров" are searched for a name as "Emile Avila" is (the lexicon reads them in Latin
 * letters: `lexiconKey`), and nothing else is searched for them (a corpus of Spanish and Russian notes was a
 * third slower when every detector ran on what they trigger). A table, not a test of each character's case.
 */
const CASED_FROM = 0xc0;
const CASED_TO = 0x530;
const CASED_UPPER = new Uint8Array(CASED_TO - CASED_FROM);
for (let c = CASED_FROM; c < CASED_TO; c++)
  if (/\p{Lu}/u.test(String.fromCharCode(c))) CASED_UPPER[c - CASED_FROM] = 1;

/** Reused between calls: the scan is synchronous and not re-entered, and a fresh object per cell is GC churn. */
const FLAGS: Flags = {
  digits: 0,
  upper: 0,
  lower: 0,
  beyond: 0,
  cjk: 0,
  at: false,
  colons: 0,
  dots: 0,
  complete: true,
};

/**
 * Whether a text may hold `n` capitals: surely when they were counted; in a long text whose count stopped at
 * the caps (a PAN's six capitals, a CURP's ten after prose of two), whenever it reached them.
 */
function mayHaveCapitals(flags: Flags, n: number): boolean {
  return flags.upper >= n || (!flags.complete && flags.upper >= FLAG_CAPS.upper);
}

/**
 * The text FLAGS were counted for. A sampled cell is searched twice, as a whole value and as text, each
 * asking {@link worthSearching} first: the second count of a long document was a tenth of its scan.
 */
let flagsText: string | undefined;

/** Lets go of the last text counted: a scan's last cell, kept by a long-lived process (the editor's). */
export function forgetCountedText(): void {
  flagsText = undefined;
  cjkCueText = undefined;
  runsText = undefined;
  runsOfText = null;
  colonsText = undefined;
  colonsOfText = null;
}

/**
 * Counts `text`'s characters into {@link FLAGS}. A long text's letters and digits reach their caps early
 * (prose within a few thousand characters), and the rest is searched only for `@`, `:` and `.` by
 * `indexOf`: a count of every character took 5 ns a character of a corpus, about an eighth of its audit.
 */
export function scanFlags(text: string): Flags {
  if (text === flagsText) return FLAGS;
  let digits = 0;
  let upper = 0;
  let beyond = 0;
  let cjk = 0;
  let lower = 0;
  let at = false;
  let colons = 0;
  let dots = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const stop = Math.min(n, i + FLAG_BLOCK);
    for (; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c >= 97 && c <= 122) lower++;
      else if (c >= 65 && c <= 90) upper++;
      else if (c === 64) at = true;
      else if (c === 58) colons++;
      else if (c === 46) dots++;
      else if (c >= CASED_FROM && c < CASED_TO && CASED_UPPER[c - CASED_FROM] === 1) beyond++;
      else if (c >= 0x3040) cjk++;
    }
    if (digits >= FLAG_CAPS.digits && upper >= FLAG_CAPS.upper && lower >= FLAG_CAPS.lower) break;
  }
  if (i < n) {
    if (!at) at = text.indexOf('@', i) >= 0;
    for (let j = i; colons < FLAG_CAPS.colons && (j = text.indexOf(':', j)) >= 0; j++) colons++;
    for (let j = i; dots < FLAG_CAPS.dots && (j = text.indexOf('.', j)) >= 0; j++) dots++;
  }
  FLAGS.digits = digits;
  FLAGS.upper = upper;
  FLAGS.lower = lower;
  FLAGS.beyond = beyond;
  FLAGS.cjk = cjk;
  FLAGS.at = at;
  FLAGS.colons = colons;
  FLAGS.dots = dots;
  FLAGS.complete = i >= n;
  flagsText = text;
  return FLAGS;
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * True when [start, end) is glued to neighbouring word characters, directly or through one `-`, `.`, `/` or
 * `_`: a segment of a UUID, an order number such as `ORD-415-555-2671`, or a dotted version string.
 */
function glued(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : -1;
  if (isWordCode(before)) return true;
  if (
    (before === 45 || before === 46 || before === 47) &&
    start > 1 &&
    isWordCode(text.charCodeAt(start - 2))
  ) {
    return true;
  }
  const after = end < text.length ? text.charCodeAt(end) : -1;
  if (isWordCode(after)) return true;
  if (
    (after === 45 || after === 46 || after === 47) &&
    end + 1 < text.length &&
    isWordCode(text.charCodeAt(end + 1))
  ) {
    return true;
  }
  return false;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

function precededBy(text: string, start: number, pattern: RegExp, window = 32): boolean {
  return pattern.test(text.slice(Math.max(0, start - window), start));
}

const PHONE_CONTEXT = /\b(?:phone|tel|telephone|mobile|cell|fax|call|contact|whatsapp|sms|ph)\b[^A-Za-z]*$/i;
const SSN_CONTEXT = /\b(?:ssn|social security(?: number| no\.?)?|ss#)\b[^A-Za-z]*$/i;
const ITIN_CONTEXT =
  /\b(?:itin|tin|taxpayer id(?:entification)?(?: number| no)?|tax id(?: number| no)?)\b[^A-Za-z]*$/i;
const VERSION_CONTEXT = /\b(?:v|ver|version|release|build|rev)\.?\s*$/i;

/** A run of digits (`\d` is `[0-9]` in a pattern without the `u` flag). */
const DIGIT_RUN = /\d+/g;

/** The text whose runs of digits {@link digitRuns} found last, and they; the same for its colons. */
let runsText: string | undefined;
let runsOfText: number[] | null = null;
let colonsText: string | undefined;
let colonsOfText: number[] | null = null;

/**
 * Runs a text may have, a run for every this many characters, before the searches give them up and try every
 * position instead: a text of numbers close together gains little from its runs, and with one allowed for
 * every 16 characters their lists held 63 MB more at the peak of a 12 MB cell of numbers four characters
 * apart (prose has one for every few hundred).
 */
const CHARS_PER_RUN = 64;

/**
 * The runs of digits of `text`, as `[start, end)` pairs, for the searches of long text that start from
 * numbers (see {@link execFromDigits}): found once for them all, at about 0.6 ns a character of prose, where
 * each of their patterns searched from every position read 0.3 to 0.7. Null when there are more than one for
 * every {@link CHARS_PER_RUN} characters.
 */
function digitRuns(text: string): number[] | null {
  if (text === runsText) return runsOfText;
  const most = 2 * Math.floor(text.length / CHARS_PER_RUN);
  let out: number[] | null = [];
  DIGIT_RUN.lastIndex = 0;
  for (let m = DIGIT_RUN.exec(text); m; m = DIGIT_RUN.exec(text)) {
    if (out.length === most) {
      out = null;
      break;
    }
    out.push(m.index, m.index + m[0].length);
  }
  runsText = text;
  runsOfText = out;
  return out;
}

/** The colons of `text`, each as a run `[c, c + 1)` (see {@link digitRuns}), for the IPv6 search. */
function colonRuns(text: string): number[] | null {
  if (text === colonsText) return colonsOfText;
  const most = 2 * Math.floor(text.length / CHARS_PER_RUN);
  let out: number[] | null = [];
  for (let c = text.indexOf(':'); c >= 0; c = text.indexOf(':', c + 1)) {
    if (out.length === most) {
      out = null;
      break;
    }
    out.push(c, c + 1);
  }
  colonsText = text;
  colonsOfText = out;
  return out;
}

/** A search of long text that starts from numbers (or another character): see {@link execFromDigits}. */
export interface DigitSearch {
  /** The pattern, global. */
  re: RegExp;
  /** The same pattern, sticky. */
  sticky: RegExp;
  /**
   * Tries (`tryAt`, true on a match) in order where a match can start whose first digit is in the run of
   * digits `[d, e)`, until one matches, and says whether one did: none before `from`, none after the run's
   * last digit, and none before the character after the last run (so that places come in order run after
   * run). Leaving out a place is exact only where the pattern cannot match there.
   */
  starts: (text: string, d: number, e: number, from: number, tryAt: (at: number) => boolean) => boolean;
  /** The runs to start from, when not the runs of digits ({@link digitRuns}). */
  runs?: (text: string) => number[] | null;
}

/** {@link DigitSearch.starts} for patterns that start at the first digit of a run (`\b\d`): where `may`. */
function atRunStart(may: (text: string, d: number, e: number) => boolean): DigitSearch['starts'] {
  return (text, d, e, from, tryAt) => d >= from && may(text, d, e) && tryAt(d);
}

/** A {@link DigitSearch} of global pattern `re`, with its sticky copy. */
function digitSearch(re: RegExp, starts: DigitSearch['starts']): DigitSearch {
  return { re, sticky: new RegExp(re.source, 'y'), starts };
}

/**
 * `re.exec(text)` from `re.lastIndex` (`re` global), found by trying `sticky` (the same pattern, sticky) only
 * where a match can start next to a run of digits ({@link DigitSearch.starts}), run after run from there:
 * for patterns every match of which has a digit within its first three characters (or, with its own runs,
 * a colon within its first five). Short texts, and texts with too many runs to gain from them, are searched
 * by `re` itself. Exported for the test that holds each search to its pattern's.
 */
export function execFromDigits(search: DigitSearch, text: string): RegExpExecArray | null {
  const { re, sticky, starts } = search;
  if (text.length < LONG_TEXT) return re.exec(text);
  const runs = search.runs ? search.runs(text) : digitRuns(text);
  if (runs === null) return re.exec(text);
  const from = re.lastIndex;
  // The first run that ends after `from`: a run's places are before its end.
  let lo = 0;
  let hi = runs.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[2 * mid + 1]! <= from) lo = mid + 1;
    else hi = mid;
  }
  // Tried one at a time, not listed first: a run of a million digits has as many places, and a phone number
  // matches at the first.
  let found: RegExpExecArray | null = null;
  const tryAt = (at: number): boolean => {
    sticky.lastIndex = at;
    found = sticky.exec(text);
    return found !== null;
  };
  for (let k = 2 * lo; k < runs.length; k += 2) {
    if (starts(text, runs[k]!, runs[k + 1]!, from, tryAt)) {
      const m = found as unknown as RegExpExecArray;
      re.lastIndex = m.index + m[0].length;
      return m;
    }
  }
  re.lastIndex = 0;
  return null;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

interface Ctx {
  text: string;
  flags: Flags;
  region: CountryCode;
  /** Whole-value mode: weak forms (unformatted numbers) count, the caller checks the span. */
  whole: boolean;
  /** Only these entities, or all when undefined. */
  only: readonly EntityType[] | undefined;
  /** {@link DetectOptions.hint}. */
  hint: EntityType | undefined;
  out: EntityMatch[];
  /** The text's {@link tokenRuns}, once asked for (by {@link tokenRunsOf}). */
  runs?: number[];
}

function wanted(only: readonly EntityType[] | undefined, e: EntityType): boolean {
  return only === undefined || only.includes(e);
}

export const NO_MATCHES: EntityMatch[] = Object.freeze([]) as unknown as EntityMatch[];

const EMAIL_RE =
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/** A character of EMAIL_RE's local part: `[A-Za-z0-9._%+-]`. */
function isLocalCode(c: number): boolean {
  return isWordCode(c) || c === 46 || c === 37 || c === 43 || c === 45;
}

function findEmails(ctx: Ctx): void {
  const text = ctx.text;
  // The search starts at the run of local-part characters before the next `@`, not where the last match
  // ended: no match can start before that run (its local part would have to reach the `@` through it), and a
  // long text is then searched only near its addresses. A document of 0.5 MB with one address at its end:
  // 3.3 to 5.6 ms for the pattern from its start, 0.6 ms for the whole search of it now.
  for (let from = 0; ;) {
    const at = text.indexOf('@', from);
    if (at < 0) return;
    let runStart = at;
    while (runStart > from && isLocalCode(text.charCodeAt(runStart - 1))) runStart--;
    EMAIL_RE.lastIndex = runStart;
    const m = EMAIL_RE.exec(text);
    if (!m) return;
    from = m.index + m[0].length;
    let start = m.index;
    let local = m[0].slice(0, m[0].indexOf('@'));
    // A local part cannot start or end with a dot; trim punctuation the pattern swallowed from the sentence.
    while (local.startsWith('.')) {
      local = local.slice(1);
      start++;
    }
    if (local.length === 0 || local.endsWith('.') || local.includes('..') || local.length > 64) continue;
    ctx.out.push({ entity: 'EMAIL_ADDRESS', start, end: m.index + m[0].length, confidence: 0.95 });
  }
}

const URL_RE = /\b(?:https?|ftp):\/\/[^\s<>"'`]+|\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s<>"'`]*/gi;

function findUrls(ctx: Ctx): void {
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(ctx.text); m; m = URL_RE.exec(ctx.text)) {
    let s = m[0];
    // Trailing punctuation belongs to the sentence, and a closing parenthesis only if the URL opened one.
    for (;;) {
      const last = s[s.length - 1];
      if (last && '.,;:!?\'"'.includes(last)) s = s.slice(0, -1);
      else if (last === ')' && (s.match(/\(/g)?.length ?? 0) < (s.match(/\)/g)?.length ?? 0))
        s = s.slice(0, -1);
      else break;
    }
    try {
      const url = new URL(/^www\./i.test(s) ? `http://${s}` : s);
      if (!url.hostname.includes('.') && url.hostname !== 'localhost') continue;
    } catch {
      continue;
    }
    ctx.out.push({ entity: 'URL', start: m.index, end: m.index + s.length, confidence: 0.6 });
  }
}

const PHONE_RE = /\+?\(?\d[\d(). -]{5,22}\d/g;
const DATE_PREFIX = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{4})(?!\d)/;
/** A value that is one of {@link DATE_PREFIX}'s dates and nothing else. */
const DATE_ONLY = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{4})$/;

/** What a region's numbering plans say about numbers written without `+`: see {@link nationalPlans}. */
interface NationalPlans {
  /** Digit counts a national number of any country sharing the region's calling code can have. */
  lengths: number[];
  /** Any of those countries' national number patterns, anchored at both ends. */
  pattern: RegExp;
  /** The region's international dialling prefix, anchored (`011` for the US): such numbers are international. */
  idd: RegExp;
}

/** Parts of libphonenumber's `Metadata` that its type declarations leave out (all public methods). */
interface PlanMetadata {
  selectNumberingPlan(country: string): void;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  numberingPlan: {
    callingCode(): string;
    IDDPrefix(): string;
    possibleLengths(): number[] | undefined;
    nationalNumberPattern(): string;
    nationalPrefixTransformRule(): string | undefined;
    type(type: string): { pattern(): string } | undefined;
  };
}

const nationalPlanCache = new Map<string, NationalPlans | null>();
/** Every number type libphonenumber's `getNumberType` can answer (the ones `isValid()` accepts). */
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/**
 * The numbering plans a number written without `+` can belong to when the region is `region`, or null where
 * the prefilter below would not be exact. Why it is exact: unless the number starts with the region's
 * international prefix, libphonenumber reads it as national for the region's calling code, and its national
 * number is an ending of the input's digits: the text extraction keeps every digit of such a candidate, and
 * parsing only removes a calling code, national prefix or carrier code in front, unless the region's plan
 * (the one applied, whichever country the number turns out to belong to) has a national-prefix transform
 * rule (then: null). `isValid()` requires the national number to match one of its country's number type
 * patterns (or, for a country without types, its national number pattern) entirely. So a number none of
 * whose endings of a possible length matches one of these patterns cannot be valid, and need not be parsed:
 * parsing costs tens of microseconds (the calling code 1 is shared by 25 countries, each tried in turn),
 * which a column of amounts (`123456.78`) would pay on every cell.
 */
function nationalPlans(region: CountryCode): NationalPlans | null {
  const known = nationalPlanCache.get(region);
  if (known !== undefined) return known;
  let plans: NationalPlans | null = null;
  try {
    const m = new Metadata(phoneMetadata as unknown as MetadataJson) as unknown as PlanMetadata;
    m.selectNumberingPlan(region);
    const idd = new RegExp(`^(?:${m.numberingPlan.IDDPrefix()})`);
    // National prefixes are removed with the region's own plan, so only its transform rule matters.
    const transforms = Boolean(m.numberingPlan.nationalPrefixTransformRule());
    const shared = m.getCountryCodesForCallingCode(m.numberingPlan.callingCode()) ?? [];
    const lengths = new Set<number>();
    const patterns: string[] = [];
    let exact = true;
    for (const c of shared.includes(region) ? shared : [...shared, region]) {
      m.selectNumberingPlan(c);
      const plan = m.numberingPlan;
      const possible = plan.possibleLengths();
      if (transforms || !possible || possible.length === 0) {
        exact = false;
        break;
      }
      for (const l of possible) lengths.add(l);
      // Valid needs one number type's pattern (fixed line, mobile, toll-free, ...) to match: their union is
      // far narrower than the general pattern (the 7-digit NANPA numbers are Canada's 310-xxxx only).
      const types = NUMBER_TYPES.map((t) => plan.type(t)?.pattern() ?? '').filter((p) => p !== '');
      patterns.push(...(types.length > 0 ? types : [plan.nationalNumberPattern()]).map((p) => `(?:${p})`));
    }
    if (exact && patterns.length > 0) {
      plans = {
        lengths: [...lengths].sort((x, y) => x - y),
        pattern: new RegExp(`^(?:${patterns.join('|')})$`),
        idd,
      };
    }
  } catch {
    plans = null;
  }
  nationalPlanCache.set(region, plans);
  return plans;
}

/** False only when no ending of `digits` can be a valid national number of the plans (see {@link nationalPlans}). */
function mayBeNational(digits: string, plans: NationalPlans): boolean {
  const n = digits.length;
  for (const len of plans.lengths) if (len <= n && plans.pattern.test(digits.slice(n - len))) return true;
  return false;
}

/**
 * The last parse, remembered: the privacy scanner's column sample asks about each value twice (as a whole
 * value, then as text), and the parse is the dearest step of phone detection.
 */
let lastPhone = { candidate: '', region: '', valid: false };

/**
 * Objects of libphonenumber's classes, kept for the process's life so that their shapes (V8's maps) live too.
 * A parse makes a `Metadata`, a `NumberingPlan`, `Type`s and a `PhoneNumber`, all garbage at once; a full
 * collection that finds none of them alive, as between two tables of an audit (see `collectAfterReading` in
 * `src/worker/collect.ts`), frees their maps, and V8 throws away the optimised code of every libphonenumber
 * function compiled against them ("weak objects"), so each table parsed its sample's phone numbers cold again:
 * 500 of the 567 such deoptimisations of an audit of twenty 2 MB tables, none with these kept.
 */
let phoneShapes: unknown[] | undefined;

function keepPhoneShapes(region: CountryCode): unknown[] {
  const m = new Metadata(phoneMetadata as unknown as MetadataJson) as unknown as PlanMetadata;
  m.selectNumberingPlan(region);
  const parsed = parsePhoneNumberFromString('+1 415 555 0134', region);
  parsed?.isValid();
  return [m, m.numberingPlan, m.numberingPlan.type('MOBILE'), parsed];
}

/**
 * The countries a phone-named column's numbers are looked up in when they are none of the scanner's region's
 * ({@link phoneRegionOf}): the most populous and those whose data most often meets such a tool, Europe's first.
 * A national number can be valid in several; the first in this order is taken, and only "a phone number" is
 * concluded from it. Germany and Austria come last: their plans, of area codes of many lengths, take nearly any
 * seven digits or more (French, Spanish and American numbers among them).
 */
const OTHER_PHONE_REGIONS: readonly CountryCode[] = [
  ...['GB', 'FR', 'ES', 'IT', 'NL', 'BE', 'CH', 'IE', 'PT', 'SE', 'NO', 'DK', 'FI', 'PL', 'CZ', 'GR', 'HU'],
  ...['RO', 'US', 'CA', 'AU', 'NZ', 'IN', 'PK', 'BD', 'BR', 'MX', 'AR', 'CO', 'CL', 'PE', 'ZA', 'NG', 'KE'],
  ...['EG', 'MA', 'JP', 'KR', 'CN', 'TW', 'HK', 'SG', 'MY', 'ID', 'PH', 'TH', 'VN', 'TR', 'IL', 'AE', 'SA'],
  ...['RU', 'UA', 'DE', 'AT'],
] as CountryCode[];

/** A whole value shaped as a phone number written without `+`: digits, spaces, dots, dashes and brackets. */
const NATIONAL_PHONE_SHAPE = /^\(?\d[\d(). -]{5,22}\d$/;

/**
 * The first of {@link OTHER_PHONE_REGIONS} (other than `except`) in which trimmed `value`, written without `+`,
 * is a valid phone number, or undefined.
 */
export function phoneRegionOf(value: string, except: CountryCode): CountryCode | undefined {
  const v = value.trim();
  if (!NATIONAL_PHONE_SHAPE.test(v) || DATE_PREFIX.test(v)) return undefined;
  const digits = countDigits(v);
  if (digits < 7 || digits > 15) return undefined;
  for (const region of OTHER_PHONE_REGIONS)
    if (region !== except && mayBeValidPhone(v, region) && isValidPhone(v, region)) return region;
  return undefined;
}

/** Whether libphonenumber has the numbering plan of `code` (ISO 3166-1 alpha-2, upper case). */
export function isPhoneRegion(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

function isValidPhone(candidate: string, region: CountryCode): boolean {
  phoneShapes ??= keepPhoneShapes(region);
  if (candidate === lastPhone.candidate && region === lastPhone.region) return lastPhone.valid;
  const parsed = parsePhoneNumberFromString(candidate, region);
  const valid = parsed !== undefined && parsed.isValid();
  lastPhone = { candidate, region, valid };
  return valid;
}

/**
 * False when libphonenumber cannot find `candidate` (written without `+`) a valid number of `region`: it is
 * no international number after the region's dialling prefix, and no ending of its digits is a national
 * one. After the prefix, libphonenumber reads a country code only if the next digit is not 0 (no country
 * code starts with one; `stripIddPrefix`), else the whole as a national number: lists of small numbers
 * ("0 1 1 0 ...", one-hot features) start with the US prefix 011 one place in eight, and each such place was
 * parsed (20 us a cell of such a column). Exported for the test that holds it to libphonenumber.
 */
export function mayBeValidPhone(candidate: string, region: CountryCode): boolean {
  if (candidate.charCodeAt(0) === 43 /* + */) return true;
  const plans = nationalPlans(region);
  if (!plans) return true;
  const d = digitsOf(candidate);
  const idd = plans.idd.exec(d);
  if (idd !== null && d.charCodeAt(idd[0].length) !== 48 /* 0 */) return true;
  return mayBeNational(d, plans);
}

function phoneConfidence(candidate: string, ctx: Ctx, start: number): number {
  const digits = countDigits(candidate);
  if (digits < 7 || digits > 15) return 0;
  if (DATE_PREFIX.test(candidate)) return 0;
  // Two separators in a row ("12 - 34") or a dotted string of four or more groups is a list or a version.
  if (/[ .-]{2,}/.test(candidate.replace(/\) /g, ')'))) return 0;
  if (/^\d+(?:\.\d+){3,}$/.test(candidate)) return 0;
  // One decimal point with one or two digits after it is an amount (113711.70), written so by no numbering plan.
  if (/^\d+\.\d{1,2}$/.test(candidate)) return 0;
  if (!mayBeValidPhone(candidate, ctx.region)) return 0;
  if (!isValidPhone(candidate, ctx.region)) return 0;
  const formatted = /[ ().-]/.test(candidate);
  const international = candidate.startsWith('+');
  if (international) return 0.9;
  if (formatted) return 0.75;
  if (ctx.whole) return 0.5;
  return precededBy(ctx.text, start, PHONE_CONTEXT) ? 0.7 : 0.4;
}

const PHONE_AT = new RegExp(PHONE_RE.source, 'y');

/** The characters of a phone number after its first digit, `[\d(). -]`. */
function isPhoneCode(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 32 || c === 40 || c === 41 || c === 45 || c === 46;
}

/**
 * A phone number starts at `+`, `(` or `+(` just before a digit, or at any digit (the pattern has no `\b`):
 * where seven characters of a number follow, its digits, separators and brackets.
 */
export const PHONE_SEARCH: DigitSearch = {
  re: PHONE_RE,
  sticky: PHONE_AT,
  starts: (text, d, e, from, tryAt) => {
    // Where the number's characters end, read no further than a match from the run's last digit needs (seven
    // characters): spaces are such characters, and a text of digits far apart was read to its end from every
    // one of them (55 s for 2 MB of digits a hundred spaces apart).
    const reach = Math.min(text.length, e + 6);
    let end = e;
    while (end < reach && isPhoneCode(text.charCodeAt(end))) end++;
    // The last place a match of seven characters or more can start from the run.
    const last = end - 7;
    if (last < d) return false;
    const b1 = text.charCodeAt(d - 1);
    if (d - 2 >= from && text.charCodeAt(d - 2) === 43 && b1 === 40 && tryAt(d - 2)) return true;
    if (d - 1 >= from && (b1 === 43 || b1 === 40) && tryAt(d - 1)) return true;
    for (let at = Math.max(d, from); at < e && at <= last; at++) if (tryAt(at)) return true;
    return false;
  },
};

function findPhones(ctx: Ctx): void {
  PHONE_RE.lastIndex = 0;
  const text = ctx.text;
  const nextMatch = () => execFromDigits(PHONE_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    let candidate = m[0];
    const start = m.index;
    let found = false;
    // A candidate may run into a following number ("415 555 2671 12 times"): drop trailing groups until valid.
    for (;;) {
      const end = start + candidate.length;
      const confidence = glued(text, start, end) ? 0 : phoneConfidence(candidate, ctx, start);
      if (confidence > 0) {
        ctx.out.push({ entity: 'PHONE_NUMBER', start, end, confidence });
        found = true;
        break;
      }
      const cut = candidate.search(/[ .-]\(?\d+\)?$/);
      if (cut <= 0 || countDigits(candidate.slice(0, cut)) < 7) break;
      candidate = candidate.slice(0, cut);
    }
    // Or a number may follow something else numeric ("on 2023-01-15 415-555-0132"): search again from the
    // candidate's second group.
    if (!found) {
      const next = m[0].search(/[ .-]/);
      if (next > 0) PHONE_RE.lastIndex = start + next + 1;
    }
  }
}

const CN_MOBILE_RE = /(?:\+86[ -]?|\b0086[ -]?|\b86[ -])?\b1[3-9]\d(?:\d{8}|[ -]\d{4}[ -]\d{4})\b/g;

const CN_MOBILE_AT = new RegExp(CN_MOBILE_RE.source, 'y');

/** Where a Chinese mobile number can start: `1`, or a country code (`86`, `0086`; `+86` is the `+`). */
function mayStartCnMobile(text: string, d: number): boolean {
  const c = text.charCodeAt(d);
  return c === 49 || c === 56 || c === 48;
}

export const CN_MOBILE_SEARCH: DigitSearch = {
  re: CN_MOBILE_RE,
  sticky: CN_MOBILE_AT,
  starts: (text, d, _e, from, tryAt) =>
    // `+86` starts at its `+`.
    (d - 1 >= from && text.charCodeAt(d - 1) === 43 && tryAt(d - 1)) ||
    (d >= from && mayStartCnMobile(text, d) && tryAt(d)),
};

function findCnMobiles(ctx: Ctx): void {
  const text = ctx.text;
  CN_MOBILE_RE.lastIndex = 0;
  const nextMatch = () => execFromDigits(CN_MOBILE_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    const end = m.index + m[0].length;
    if (glued(ctx.text, m.index, end)) continue;
    const prefixed = /^(?:\+86|0086|86)/.test(m[0]);
    ctx.out.push({ entity: 'CN_MOBILE', start: m.index, end, confidence: prefixed ? 0.95 : 0.8 });
  }
}

const CARD_RE = /\b\d(?:[ -]?\d){12,18}\b/g;

const CARD_AT = new RegExp(CARD_RE.source, 'y');

/** Where a card number can start: 13 digits or more, or a first group that a separator and a digit follow. */
function mayStartCard(text: string, d: number, e: number): boolean {
  if (e - d >= 13) return true;
  const c = text.charCodeAt(e);
  return (c === 32 || c === 45) && isDigitCode(text.charCodeAt(e + 1));
}

export const CARD_SEARCH: DigitSearch = { re: CARD_RE, sticky: CARD_AT, starts: atRunStart(mayStartCard) };

function findCards(ctx: Ctx): void {
  CARD_RE.lastIndex = 0;
  const text = ctx.text;
  const nextMatch = () => execFromDigits(CARD_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    let candidate = m[0];
    let found = false;
    // A first group of one or two digits stays in every candidate cut from this one, and makes each of them
    // no card (their groups have three digits or more): a list of small numbers ("0 1 0 1 ...", one-hot
    // features) was cut and checked group by group from each of its digits, half a millisecond a cell.
    const first = candidate.search(/[ -]/);
    for (;;) {
      if (first === 1 || first === 2) break;
      const end = m.index + candidate.length;
      const seps = candidate.match(/[ -]/g);
      // Separators, if any, are one kind and split the number into groups of at least three digits.
      const consistent =
        !seps || (new Set(seps).size === 1 && candidate.split(/[ -]/).every((g) => g.length >= 3));
      const digits = digitsOf(candidate);
      if (consistent && !glued(text, m.index, end) && isValidCardNumber(digits)) {
        ctx.out.push({ entity: 'CREDIT_CARD', start: m.index, end, confidence: seps ? 0.95 : 0.8 });
        found = true;
        break;
      }
      const cut = candidate.search(/[ -]\d+$/);
      if (cut <= 0 || countDigits(candidate.slice(0, cut)) < 13) break;
      candidate = candidate.slice(0, cut);
    }
    if (!found && first > 0) CARD_RE.lastIndex = m.index + first + 1;
  }
}

const IBAN_RE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g;

const IBAN_AT = new RegExp(IBAN_RE.source, 'y');

function isCapitalCode(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** An IBAN starts at its country code, the two capitals before its check digits. */
export const IBAN_SEARCH: DigitSearch = {
  re: IBAN_RE,
  sticky: IBAN_AT,
  starts: (text, d, e, from, tryAt) =>
    d - 2 >= from &&
    e - d >= 2 &&
    isCapitalCode(text.charCodeAt(d - 2)) &&
    isCapitalCode(text.charCodeAt(d - 1)) &&
    tryAt(d - 2),
};

function findIbans(ctx: Ctx): void {
  IBAN_RE.lastIndex = 0;
  const text = ctx.text;
  const nextMatch = () => execFromDigits(IBAN_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    // On any failure, look again one character on: an IBAN may start inside what this candidate swallowed.
    IBAN_RE.lastIndex = m.index + 1;
    const expected = IBAN_LENGTHS[m[0].slice(0, 2)];
    if (!expected) continue;
    // Take exactly the country's length of characters, which must end where a group ends.
    let n = 0;
    let end = m.index;
    while (end < text.length && n < expected) {
      if (text[end] !== ' ') n++;
      end++;
    }
    if (n !== expected || (end < text.length && isWordCode(text.charCodeAt(end)))) continue;
    const compact = text.slice(m.index, end).replace(/ /g, '');
    if (!isValidIban(compact)) continue;
    ctx.out.push({ entity: 'IBAN_CODE', start: m.index, end, confidence: 0.95 });
    IBAN_RE.lastIndex = end;
  }
}

const SSN_RE = /\b\d{3}([- ])\d{2}\1\d{4}\b|\b\d{9}\b/g;

const SSN_AT = new RegExp(SSN_RE.source, 'y');

/** Where an SSN can start: three digits and a separator, or nine digits. */
function mayStartSsn(text: string, d: number, e: number): boolean {
  if (e - d === 9) return true;
  const c = text.charCodeAt(e);
  return e - d === 3 && (c === 45 || c === 32);
}

export const SSN_SEARCH: DigitSearch = { re: SSN_RE, sticky: SSN_AT, starts: atRunStart(mayStartSsn) };

/**
 * SSNs and ITINs, which share their shape: an ITIN's area, 9xx, is one no SSN has. Neither has a check digit:
 * nine digits alone are as likely any number, and count only after the words or under the header.
 */
function findSsns(ctx: Ctx): void {
  SSN_RE.lastIndex = 0;
  const text = ctx.text;
  const nextMatch = () => execFromDigits(SSN_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    const end = m.index + m[0].length;
    if (glued(text, m.index, end)) continue;
    const digits = digitsOf(m[0]);
    const itin = !isValidUsSsn(digits);
    if (itin && !isValidUsItin(digits)) continue;
    const entity: EntityType = itin ? 'US_ITIN' : 'US_SSN';
    if (!wanted(ctx.only, entity)) continue;
    let confidence: number;
    if (m[1] === '-') confidence = 0.85;
    else if (m[1] === ' ') confidence = 0.6;
    else confidence = 0.3;
    if (precededBy(text, m.index, itin ? ITIN_CONTEXT : SSN_CONTEXT)) confidence = Math.max(confidence, 0.9);
    ctx.out.push({ entity, start: m.index, end, confidence });
  }
}

const IPV4_RE = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV4_AT = new RegExp(IPV4_RE.source, 'y');

/** Where an IPv4 address can start: one to three digits and a dot. */
function mayStartIpv4(text: string, d: number, e: number): boolean {
  return e - d <= 3 && text.charCodeAt(e) === 46;
}

const IPV6_RE = /(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})/g;
const IPV6_AT = new RegExp(IPV6_RE.source, 'y');

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * An IPv6 address starts at most four hex digits before its first colon. Tried at every position, the pattern
 * took 0.3 s of the 3.7 of an audit of 50 MB of notes with URLs in them (whose colons pass the counts' look).
 */
export const IPV6_SEARCH: DigitSearch = {
  re: IPV6_RE,
  sticky: IPV6_AT,
  runs: colonRuns,
  starts: (text, c, _e, from, tryAt) => {
    let h = c;
    while (h > c - 4 && isHexCode(text.charCodeAt(h - 1))) h--;
    for (let at = Math.max(h, from); at <= c; at++) if (tryAt(at)) return true;
    return false;
  },
};

export const IPV4_SEARCH: DigitSearch = { re: IPV4_RE, sticky: IPV4_AT, starts: atRunStart(mayStartIpv4) };

function findIps(ctx: Ctx): void {
  const text = ctx.text;
  if (ctx.flags.dots >= 3) {
    IPV4_RE.lastIndex = 0;
    const nextMatch = () => execFromDigits(IPV4_SEARCH, text);
    for (let m = nextMatch(); m; m = nextMatch()) {
      const end = m.index + m[0].length;
      if (glued(text, m.index, end) || isIP(m[0]) !== 4) continue;
      if (precededBy(text, m.index, VERSION_CONTEXT, 12)) continue;
      ctx.out.push({ entity: 'IP_ADDRESS', start: m.index, end, confidence: 0.8 });
    }
  }
  if (ctx.flags.colons >= 2) {
    IPV6_RE.lastIndex = 0;
    const nextMatch = () => execFromDigits(IPV6_SEARCH, text);
    for (let m = nextMatch(); m; m = nextMatch()) {
      const s = m[0];
      const end = m.index + s.length;
      if (s.length < 6 || isIP(s) !== 6) continue;
      const groups = s.split(':').filter((g) => g.length > 0).length;
      // A clock time "12:30:45" is no address; an address has all eight groups or a "::" run.
      if (!s.includes('::') && groups < 8) continue;
      if (groups < 2) continue;
      if (m.index > 0 && isWordCode(text.charCodeAt(m.index - 1))) continue;
      if (end < text.length && isWordCode(text.charCodeAt(end))) continue;
      ctx.out.push({ entity: 'IP_ADDRESS', start: m.index, end, confidence: groups >= 4 ? 0.8 : 0.6 });
    }
  }
}

const BTC_RE = /\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|(?:bc1|tb1|BC1|TB1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87})\b/g;
const ETH_RE = /\b0x[0-9a-fA-F]{40}\b/g;

/** Texts shorter than this are searched without first looking whether they can hold a match. */
const LONG_TEXT = 256;

/**
 * False when {@link BTC_RE} cannot match: a legacy address is 26 to 35 letters and digits, so inside a run
 * of 26 token characters or more; a SegWit one starts with its prefix. The pattern read 1.8 ns a character
 * of prose, whose every letter could start it.
 */
function mayHoldBitcoinAddress(ctx: Ctx): boolean {
  const text = ctx.text;
  if (text.length < LONG_TEXT) return true;
  // A SegWit prefix (bc1, tb1, BC1, TB1), looked for from its `1`: prose's digits are few, its b and t many.
  for (let j = text.indexOf('1', 2); j >= 0; j = text.indexOf('1', j + 1)) {
    const p = text.charCodeAt(j - 2);
    const q = text.charCodeAt(j - 1);
    if ((p === 98 && q === 99) || (p === 116 && q === 98) || (p === 66 && q === 67) || (p === 84 && q === 66))
      return true;
  }
  const runs = tokenRunsOf(ctx);
  for (let k = 0; k < runs.length; k += 2) if (runs[k + 1]! - runs[k]! >= 26) return true;
  return false;
}

function findCrypto(ctx: Ctx): void {
  const text = ctx.text;
  BTC_RE.lastIndex = 0;
  for (let m = mayHoldBitcoinAddress(ctx) ? BTC_RE.exec(text) : null; m; m = BTC_RE.exec(text)) {
    if (isValidBitcoinAddress(m[0])) {
      ctx.out.push({ entity: 'CRYPTO', start: m.index, end: m.index + m[0].length, confidence: 0.95 });
    }
  }
  if (text.includes('0x')) {
    ETH_RE.lastIndex = 0;
    for (let m = ETH_RE.exec(text); m; m = ETH_RE.exec(text)) {
      const confidence = ethereumAddressConfidence(m[0]);
      if (confidence > 0)
        ctx.out.push({ entity: 'CRYPTO', start: m.index, end: m.index + m[0].length, confidence });
    }
  }
}

const CN_ID_RE = /\b\d{17}[\dXx]\b/g;
const CN_ID_AT = new RegExp(CN_ID_RE.source, 'y');

export const CN_ID_SEARCH: DigitSearch = {
  re: CN_ID_RE,
  sticky: CN_ID_AT,
  starts: atRunStart((_, d, e) => e - d >= 17),
};

function findCnIds(ctx: Ctx): void {
  CN_ID_RE.lastIndex = 0;
  const nextMatch = () => execFromDigits(CN_ID_SEARCH, ctx.text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    if (isValidCnResidentId(m[0])) {
      ctx.out.push({
        entity: 'CN_RESIDENT_ID',
        start: m.index,
        end: m.index + m[0].length,
        confidence: 0.95,
      });
    }
  }
}

// National identity numbers of other countries. Those with a check character that is rarely met by chance
// (a codice fiscale's letter over fifteen characters, a NIE's) are found anywhere; those whose shape any
// number of the length has (an NHS number, an Aadhaar, a bare CPF: one in ten or eleven passes) only after a
// word that names them, or in a column whose header does ({@link DetectOptions.hint}). A Spanish DNI's
// letter passes one in 23: found anywhere, below the sure ones.

const ES_ID_CONTEXT = /\b(?:dni|nif|nie|documento(?: nacional)?(?: de identidad)?)\b[^A-Za-z]*$/i;
const NINO_CONTEXT = /\b(?:nino|ni (?:number|no)|national insurance(?: number| no)?)\b[^A-Za-z]*$/i;
const NHS_CONTEXT = /\bnhs(?: number| no)?\b[^A-Za-z]*$/i;
const AADHAAR_CONTEXT = /\b(?:aadhaa?r|uidai|uid)(?: number| no| card)?\b[^A-Za-z]*$/i;
const CPF_CONTEXT = /\bcpf\b[^A-Za-z]*$/i;
const PESEL_CONTEXT = /\bpesel\b[^A-Za-z]*$/i;
const BSN_CONTEXT = /\b(?:bsn|burgerservicenummer|sofi(?:nummer)?)\b[^A-Za-z]*$/i;
const NIR_CONTEXT = /\b(?:nir|insee|s[e\u00e9]cu(?:rit[e\u00e9] sociale)?)\b[^A-Za-z]*$/i;
const SE_PNR_CONTEXT = /\b(?:person(?:nummer|nr)|pnr|samordningsnummer)\b[^A-Za-z]*$/i;
const NO_FNR_CONTEXT =
  /\b(?:f(?:\u00f8|o|oe)dselsnummer|fnr|f\.nr|person(?:nummer|nr)|d-nummer)\b[^A-Za-z]*$/i;
const DK_CPR_CONTEXT = /\b(?:cpr|person(?:nummer|nr))(?:[- ]?(?:nr|nummer|number|no))?\b[^A-Za-z]*$/i;
const TFN_CONTEXT = /\b(?:tfn|tax file(?: number| no)?)\b[^A-Za-z]*$/i;
const MEDICARE_CONTEXT = /\bmedicare(?: card)?(?: number| no)?\b[^A-Za-z]*$/i;
const PAN_CONTEXT = /\b(?:pan(?: card)?(?: number| no)?|permanent account number)\b[^A-Za-z]*$/i;
const AHV_CONTEXT =
  /\b(?:(?:ahv|avs)(?:[- ]?(?:nr|no|nummer|number))?|sozialversicherungsnummer)\b[^A-Za-z]*$/i;
const RUT_CONTEXT = /\b(?:rut|run|rol [u\u00fa]nico tributario)\b[^A-Za-z]*$/i;
const BE_NN_CONTEXT =
  /\b(?:rijksregister(?:nummer)?|registre national|num[e\u00e9]ro national|insz|niss|nn)\b[^A-Za-z]*$/i;
const DE_TAX_CONTEXT =
  /\b(?:steuer-?id(?:entifikationsnummer)?|steuerliche identifikationsnummer|identifikationsnummer|idnr|id-nr|tin)\b[^A-Za-z]*$/i;
const SIN_CONTEXT = /\b(?:sin|social insurance(?: number| no)?|nas)\b[^A-Za-z]*$/i;
const TCKN_CONTEXT = /\b(?:t\.?c\.?(?: kimlik)?|kimlik|tckn)(?: no| numaras[i\u0131])?\b[^A-Za-z]*$/i;
// Japanese: \u30de\u30a4\u30ca\u30f3\u30d0\u30fc (maina nbaa) and \u500b\u4eba\u756a\u53f7 (kojin bangou).
const MY_NUMBER_CONTEXT =
  /(?:\b(?:my ?number|individual number)\b|\u30de\u30a4\u30ca\u30f3\u30d0\u30fc|\u500b\u4eba\u756a\u53f7)[^A-Za-z]*$/i;
const ZA_ID_CONTEXT =
  /\b(?:(?:rsa|sa|south african) id(?:entity)?(?: number| no| nr)?|id(?:entity)? (?:number|no|nr)|identity document)\b[^A-Za-z]*$/i;
// Hebrew: \u05ea\u05e2\u05d5\u05d3\u05ea \u05d6\u05d4\u05d5\u05ea (teudat zehut), and its short form \u05ea.\u05d6 or \u05ea"\u05d6.
const IL_ID_CONTEXT =
  /(?:\b(?:teudat zehut|zehut|israeli id(?: number| no)?)\b|\u05ea\u05e2\u05d5\u05d3\u05ea \u05d6\u05d4\u05d5\u05ea|\u05ea[."\u05f4]\u05d6\.?)[^A-Za-z]*$/i;
const PPS_CONTEXT = /\b(?:ppsn?|pps (?:number|no)|personal public service(?: number| no)?)\b[^A-Za-z]*$/i;
// Thai: \u0e40\u0e25\u0e02\u0e1b\u0e23\u0e30\u0e08\u0e33\u0e15\u0e31\u0e27\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19 (the citizen's identification number) and
// \u0e1a\u0e31\u0e15\u0e23\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19 (the citizen's card).
const TNIN_CONTEXT =
  /(?:\b(?:thai (?:national )?id(?:entification)?(?: card)?(?: number| no)?|tnin)\b|\u0e40\u0e25\u0e02\u0e1b\u0e23\u0e30\u0e08\u0e33\u0e15\u0e31\u0e27\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19|\u0e1a\u0e31\u0e15\u0e23\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19)[^A-Za-z]*$/i;
const SVNR_CONTEXT =
  /\b(?:(?:sozial|renten)versicherungs-?(?:nummer|nr)|sv-?(?:nummer|nr)|svnr|rvnr|vsnr)\b[^A-Za-z]*$/i;
const NRIC_CONTEXT = /\b(?:nric|fin|ic(?: number| no)?)\b[^A-Za-z]*$/i;
// Korean: \uC8FC\uBBFC\uB4F1\uB85D\uBC88\uD638 is the number's name (jumin deungnok beonho).
const RRN_CONTEXT =
  /(?:\b(?:rrn|resident registration(?: number| no)?)\b|\uC8FC\uBBFC\uB4F1\uB85D\uBC88\uD638)[^A-Za-z]*$/i;

const ES_NIF_RE = /\b\d{8}-?[A-Za-z]\b/g;

export const ES_NIF_SEARCH = digitSearch(
  ES_NIF_RE,
  atRunStart((_, d, e) => e - d === 8),
);

const ES_NIE_RE = /\b[XYZxyz]-?\d{7}-?[A-Za-z]\b/g;

/** A NIE starts one character before its seven digits, or two with a dash between. */
export const ES_NIE_SEARCH = digitSearch(ES_NIE_RE, (text, d, e, from, tryAt) => {
  if (e - d !== 7) return false;
  const b1 = text.charCodeAt(d - 1);
  if (b1 === 45) return d - 2 >= from && isNieLetter(text.charCodeAt(d - 2)) && tryAt(d - 2);
  return d - 1 >= from && isNieLetter(b1) && tryAt(d - 1);
});

/** X, Y or Z in either case. */
function isNieLetter(c: number): boolean {
  return (c >= 88 && c <= 90) || (c >= 120 && c <= 122);
}

function findEsIds(ctx: Ctx): void {
  const text = ctx.text;
  if (ctx.flags.digits >= 8 && wanted(ctx.only, 'ES_NIF')) {
    ES_NIF_RE.lastIndex = 0;
    const nextMatch = () => execFromDigits(ES_NIF_SEARCH, text);
    for (let m = nextMatch(); m; m = nextMatch()) {
      const end = m.index + m[0].length;
      if (glued(text, m.index, end) || !isValidEsNif(m[0].replace('-', ''))) continue;
      const confidence = precededBy(text, m.index, ES_ID_CONTEXT) ? 0.95 : 0.7;
      ctx.out.push({ entity: 'ES_NIF', start: m.index, end, confidence });
    }
  }
  if (wanted(ctx.only, 'ES_NIE')) {
    ES_NIE_RE.lastIndex = 0;
    const nextMatch = () => execFromDigits(ES_NIE_SEARCH, text);
    for (let m = nextMatch(); m; m = nextMatch()) {
      const end = m.index + m[0].length;
      if (glued(text, m.index, end) || !isValidEsNie(m[0].replace(/-/g, ''))) continue;
      const confidence = precededBy(text, m.index, ES_ID_CONTEXT) ? 0.95 : 0.85;
      ctx.out.push({ entity: 'ES_NIE', start: m.index, end, confidence });
    }
  }
}

// Searched from the year's first digit, the seventh character: a homonym's code turns its digits into letters
// (omocodia) from the last, one more for each namesake, so only the seventh namesake's lacks that digit.
const IT_FISCAL_RE =
  /\b[A-Za-z]{6}\d[0-9LMNP-Vlmnp-v][A-EHLMPR-Ta-ehlmpr-t][0-9LMNP-Vlmnp-v]{2}[A-Za-z][0-9LMNP-Vlmnp-v]{3}[A-Za-z]\b/g;

export const IT_FISCAL_SEARCH = digitSearch(
  IT_FISCAL_RE,
  (text, d, _e, from, tryAt) =>
    d - 6 >= from &&
    isAsciiLetter(text.charCodeAt(d - 1)) &&
    isAsciiLetter(text.charCodeAt(d - 6)) &&
    tryAt(d - 6),
);

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function findItFiscalCodes(ctx: Ctx): void {
  const text = ctx.text;
  IT_FISCAL_RE.lastIndex = 0;
  const nextMatch = () => execFromDigits(IT_FISCAL_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    if (!isValidItFiscalCode(m[0])) continue;
    ctx.out.push({ entity: 'IT_FISCAL_CODE', start: m.index, end: m.index + m[0].length, confidence: 0.95 });
  }
}

const NINO_RE = /\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2}(?: ?[A-D])?\b/g;

/** A National Insurance number starts two letters before its digits, or three with a space between. */
export const NINO_SEARCH = digitSearch(NINO_RE, (text, d, e, from, tryAt) => {
  if (e - d !== 6 && e - d !== 2) return false;
  // Two capitals before the digits, or before a space before them: looked at before the pattern is tried,
  // as prose's every number of two digits would try it twice.
  const b1 = text.charCodeAt(d - 1);
  if (b1 === 32)
    return (
      d - 3 >= from &&
      isCapitalCode(text.charCodeAt(d - 3)) &&
      isCapitalCode(text.charCodeAt(d - 2)) &&
      tryAt(d - 3)
    );
  return d - 2 >= from && isCapitalCode(b1) && isCapitalCode(text.charCodeAt(d - 2)) && tryAt(d - 2);
});

/**
 * National Insurance numbers: no check character, so a code of the shape (`AB123456C`, a part number's too)
 * is found alone only as people write one, in groups (`AB 12 34 56 C`); a compact one, or one without its
 * suffix, only after the words that name it or in a column whose header does.
 */
function findNinos(ctx: Ctx): void {
  const text = ctx.text;
  NINO_RE.lastIndex = 0;
  const nextMatch = () => execFromDigits(NINO_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    const s = m[0];
    const end = m.index + s.length;
    const suffix = isAsciiLetter(s.charCodeAt(s.length - 1));
    // Without its suffix when the letter after it is none (`AB 12 34 56 E`).
    if (!suffix && text.charCodeAt(end) === 32 && isAsciiLetter(text.charCodeAt(end + 1))) {
      if (!isWordCode(text.charCodeAt(end + 2))) continue;
    }
    if (glued(text, m.index, end)) continue;
    let confidence = suffix && s.length > 9 ? 0.7 : 0;
    if (ctx.hint === 'UK_NINO' || precededBy(text, m.index, NINO_CONTEXT)) confidence = suffix ? 0.9 : 0.8;
    if (confidence === 0 || !isValidUkNino(s.replace(/ /g, ''), false)) continue;
    ctx.out.push({ entity: 'UK_NINO', start: m.index, end, confidence });
  }
}

const NHS_RE = /\b\d{3}([- ]?)\d{3}\1\d{4}\b/g;
export const NHS_SEARCH = digitSearch(
  NHS_RE,
  atRunStart((_, d, e) => e - d === 10 || e - d === 3),
);

const AADHAAR_RE = /\b[2-9]\d{3}([- ]?)\d{4}\1\d{4}\b/g;
export const AADHAAR_SEARCH = digitSearch(
  AADHAAR_RE,
  atRunStart((_, d, e) => e - d === 12 || e - d === 4),
);

const CPF_RE = /\b\d{3}\.\d{3}\.\d{3}-\d{2}\b|\b\d{11}\b/g;
export const CPF_SEARCH = digitSearch(
  CPF_RE,
  atRunStart((text, d, e) => e - d === 11 || (e - d === 3 && text.charCodeAt(e) === 46)),
);

/**
 * A national number of digits alone, whose check passes one in ten or eleven of any number, and what a text
 * must hold to be searched for it (see {@link findNationalIds}).
 */
interface DigitId {
  entity: EntityType;
  search: DigitSearch;
  /** The words before it that name it. */
  context: RegExp;
  valid: (digits: string) => boolean;
  /** Digits it has. */
  digits: number;
  /** The {@link runShapes} bits of the runs it can start at. */
  runs: number;
  /** What `context`'s words hold, in the cases people write them: a short text without one has none. */
  words: readonly string[];
  /** A written shape only it has, found without a word (a CPF's dots, a Korean number's dash)... */
  shaped?: RegExp;
  /** ... and whether a short text has the characters of that shape. */
  mayBeShaped?: (text: string, flags: Flags) => boolean;
  /** The word before it may be in an alphabet whose letters the counts do not see (Korean). */
  anyAlphabet?: boolean;
  /** Other entities whose header hint lets it count too (`personnummer` names three countries' numbers). */
  hints?: readonly EntityType[];
  /** What the check is given: the digits alone by default. */
  compact?: (match: string) => string;
  /**
   * A weaker check for a number already named as one (after its words or under its header), met by numbers of
   * it issued without the check `valid` makes (Korea's since October 2020); such a match is less sure.
   */
  validNamed?: (compact: string) => boolean;
}

/**
 * Numbers of digits only: after a word that names them or in a column whose header does, unless written in a
 * shape only they have.
 */
function findDigitIds(ctx: Ctx, id: DigitId): void {
  const text = ctx.text;
  const { entity, search } = id;
  search.re.lastIndex = 0;
  const nextMatch = () => execFromDigits(search, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    const end = m.index + m[0].length;
    if (glued(text, m.index, end)) continue;
    const named = hinted(ctx.hint, id) || precededBy(text, m.index, id.context);
    let confidence = named ? 0.9 : id.shaped?.test(m[0]) ? 0.85 : 0;
    if (confidence === 0) continue;
    const compact = (id.compact ?? digitsOf)(m[0]);
    if (!id.valid(compact)) {
      if (!named || id.validNamed?.(compact) !== true) continue;
      confidence = 0.8;
    }
    ctx.out.push({ entity, start: m.index, end, confidence });
  }
}

function hinted(hint: EntityType | undefined, id: DigitId): boolean {
  return hint !== undefined && (hint === id.entity || id.hints?.includes(hint) === true);
}

const CPF_SHAPE = /^\d{3}\.\d{3}\.\d{3}-\d{2}$/;

const PESEL_RE = /\b\d{11}\b/g;
export const PESEL_SEARCH = digitSearch(
  PESEL_RE,
  atRunStart((_, d, e) => e - d === 11),
);

const RRN_RE = /\b\d{6}-?\d{7}\b/g;
export const RRN_SEARCH = digitSearch(
  RRN_RE,
  atRunStart((text, d, e) => e - d === 13 || (e - d === 6 && text.charCodeAt(e) === 45)),
);

const RRN_SHAPE = /^\d{6}-\d{7}$/;

// The century sign's letters are capitals; the check character any digit or capital but G, I, O, Q and Z.
const HETU_RE = /\b\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]\b/g;
export const HETU_SEARCH = digitSearch(
  HETU_RE,
  atRunStart((_, d, e) => e - d === 6),
);

/** Finnish identity codes: a date, a century sign and a check character in one shape, found anywhere. */
function findHetus(ctx: Ctx): void {
  findChecked(ctx, 'FI_PERSONAL_IDENTITY_CODE', HETU_SEARCH, isValidFiHetu, () => 0.85);
}

/**
 * Each match of `search` not glued to more that passes `valid`, as `entity` at the confidence `confidence`
 * gives it (none at 0).
 */
function findChecked(
  ctx: Ctx,
  entity: EntityType,
  search: DigitSearch,
  valid: (match: string) => boolean,
  confidence: (m: RegExpExecArray) => number,
): void {
  const text = ctx.text;
  search.re.lastIndex = 0;
  const nextMatch = () => execFromDigits(search, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    const end = m.index + m[0].length;
    if (glued(text, m.index, end) || !valid(m[0])) continue;
    const c = confidence(m);
    if (c > 0) ctx.out.push({ entity, start: m.index, end, confidence: c });
  }
}

/** Where a code of `capitals` capitals and then a run of `digits` digits can start: the capitals' first. */
function afterCapitals(capitals: number, digits: number): DigitSearch['starts'] {
  return (text, d, e, from, tryAt) =>
    e - d === digits &&
    d - capitals >= from &&
    isCapitalCode(text.charCodeAt(d - 1)) &&
    isCapitalCode(text.charCodeAt(d - capitals)) &&
    tryAt(d - capitals);
}

// Also as people write it on forms, in groups of four, two and three (`1234.56.782`).
const BSN_RE = /\b\d{4}\.\d{2}\.\d{3}\b|\b\d{9}\b/g;
export const BSN_SEARCH = digitSearch(
  BSN_RE,
  atRunStart((text, d, e) => e - d === 9 || (e - d === 4 && text.charCodeAt(e) === 46)),
);

// All in groups or none: `1 84 12 76 451 089 46`, `184127645108946`; Corsica's departments are 2A and 2B.
const NIR_RE = /\b[12378](?: \d{2} \d{2} (?:\d{2}|2[AB]) \d{3} \d{3} \d{2}|\d{4}(?:\d{2}|2[AB])\d{8})\b/g;
export const NIR_SEARCH = digitSearch(
  NIR_RE,
  atRunStart((text, d, e) => {
    const n = e - d;
    const c = text.charCodeAt(e);
    return n === 15 || (n === 1 && c === 32) || (n === 6 && (c === 65 || c === 66));
  }),
);
const NIR_SPACED = /^\d \d{2} \d{2} (?:\d{2}|2[AB]) \d{3} \d{3} \d{2}$/;

const SE_PNR_RE = /\b(?:\d{2})?\d{6}[-+]?\d{4}\b/g;
export const SE_PNR_SEARCH = digitSearch(
  SE_PNR_RE,
  atRunStart((text, d, e) => {
    const n = e - d;
    if (n === 10 || n === 12) return true;
    const c = text.charCodeAt(e);
    return (n === 6 || n === 8) && (c === 45 || c === 43);
  }),
);

const NO_FNR_RE = /\b\d{6} ?\d{5}\b/g;
export const NO_FNR_SEARCH = digitSearch(
  NO_FNR_RE,
  atRunStart((text, d, e) => e - d === 11 || (e - d === 6 && text.charCodeAt(e) === 32)),
);

const DK_CPR_RE = /\b\d{6}-?\d{4}\b/g;
export const DK_CPR_SEARCH = digitSearch(
  DK_CPR_RE,
  atRunStart((text, d, e) => e - d === 10 || (e - d === 6 && text.charCodeAt(e) === 45)),
);

const TFN_RE = /\b\d{3}( ?)\d{3}\1\d{3}\b/g;
export const TFN_SEARCH = digitSearch(
  TFN_RE,
  atRunStart((text, d, e) => e - d === 9 || (e - d === 3 && text.charCodeAt(e) === 32)),
);

// With the person's reference number after it or not: `2123 45670 1`, `2123456701`, `21234567012`,
// `2123 45670 1/2`, `2123 45670 1-2`.
const MEDICARE_RE = /\b[2-6]\d{3}( ?)\d{5}\1\d(?:[/-]?[1-9])?\b/g;
export const MEDICARE_SEARCH = digitSearch(
  MEDICARE_RE,
  atRunStart((text, d, e) => {
    const n = e - d;
    return n === 10 || n === 11 || (n === 4 && text.charCodeAt(e) === 32);
  }),
);

// The fourth letter says whose number it is: P a person, C a company, H a family (HUF), F a firm, ...
const PAN_RE = /\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b/g;

/** A PAN starts five capitals before its four digits. */
export const PAN_SEARCH = digitSearch(PAN_RE, afterCapitals(5, 4));

/**
 * Indian PANs: no check character, so found alone only as a person's (the fourth letter `P`), which a code of
 * five capitals, four digits and a capital seldom is by chance; any holder's after the words that name it or
 * under its header.
 */
function findPans(ctx: Ctx): void {
  findChecked(ctx, 'IN_PAN', PAN_SEARCH, isValidInPan, (m) =>
    ctx.hint === 'IN_PAN' || precededBy(ctx.text, m.index, PAN_CONTEXT) ? 0.9 : m[0][3] === 'P' ? 0.7 : 0,
  );
}

// A British driving licence's driver number (`isValidUkDrivingLicence`): the birth date's six digits after the
// surname's five characters, whose 9s (a surname of fewer letters) join the run.
const UK_LICENCE_RE =
  /\b(?:[A-Z]{5}|[A-Z]{4}9|[A-Z]{3}99|[A-Z]{2}999|[A-Z]9999)\d(?:[05][1-9]|[16][0-2])(?:0[1-9]|[12]\d|3[01])\d[A-Z][A-Z9]\d[A-Z]{2}(?: ?\d{2})?\b/g;
export const UK_LICENCE_SEARCH = digitSearch(UK_LICENCE_RE, (text, d, e, from, tryAt) => {
  const n = e - d;
  if (n < 6 || n > 10) return false;
  const start = d - 5 + (n - 6);
  return start >= from && isCapitalCode(text.charCodeAt(start)) && tryAt(start);
});

/**
 * British driving licence numbers by their structure and birth date, found anywhere (0.7): a run of five
 * capitals, six digits of a date, capitals and a digit is seldom anything else. After the words that name a
 * licence, or under a header that does, 0.9.
 */
function findUkLicences(ctx: Ctx): void {
  findChecked(ctx, 'DRIVER_LICENSE', UK_LICENCE_SEARCH, isValidUkDrivingLicence, (m) =>
    ctx.hint === 'DRIVER_LICENSE' || precededBy(ctx.text, m.index, DRIVER_LICENSE_CONTEXT, 48) ? 0.9 : 0.7,
  );
}

/** The runs of digits a British driver number can have: the birth date's six and up to four 9s before it. */
const UK_LICENCE_RUNS = (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10);

// A DEA registration number (`isValidDeaNumber`): two capitals before seven digits, or one before eight when
// the second is a business's 9.
const DEA_RE = /\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b/g;
export const DEA_SEARCH = digitSearch(DEA_RE, (text, d, e, from, tryAt) => {
  const n = e - d;
  if (n === 7) return d - 2 >= from && isCapitalCode(text.charCodeAt(d - 1)) && tryAt(d - 2);
  return n === 8 && text.charCodeAt(d) === 57 && d - 1 >= from && tryAt(d - 1);
});
const DEA_CONTEXT = /\bdea(?: registration)?(?: number| no\.?| #)?#?[^A-Za-z]*$/i;
const DEA_WORDS = ['dea', 'DEA', 'Dea'];

/**
 * US DEA registration numbers after `DEA` or under a header that names them (0.9): their check digit passes one
 * in ten of any letters and digits of the shape, so not found without.
 */
function findDeaNumbers(ctx: Ctx): void {
  findChecked(ctx, 'MEDICAL_LICENSE', DEA_SEARCH, isValidDeaNumber, (m) =>
    ctx.hint === 'MEDICAL_LICENSE' || precededBy(ctx.text, m.index, DEA_CONTEXT) ? 0.9 : 0,
  );
}

// A bank account number after `account number`, `bank account`, `acct #`, `a/c no.`, `checking account`: not
// after a bare `account` (a customer's or a user's).
const BANK_RE = /\b\d{8,17}\b/g;
export const BANK_SEARCH = digitSearch(
  BANK_RE,
  atRunStart((_, d, e) => e - d >= 8 && e - d <= 17),
);
const BANK_CONTEXT =
  /\b(?:(?:(?:bank|checking|chequing|savings|deposit) )?account(?: number| no\.?| #|#)|(?:bank|checking|chequing|savings|deposit) account|acct\.?(?: ?(?:number|no\.?|#))?|a\/c(?: no\.?)?)[^A-Za-z]*$/i;
const BANK_WORDS = ['ccount', 'CCOUNT', 'cct', 'CCT', '/c', '/C'];
/** Runs of 8 to 17 digits. */
const BANK_RUNS = ((1 << 18) - 1) & ~((1 << 8) - 1);

// A US National Provider Identifier after `NPI` or under its header (`isValidUsNpi`: a Luhn check digit, which
// one number in ten passes).
const NPI_RE = /\b[12]\d{9}\b/g;
export const NPI_SEARCH = digitSearch(
  NPI_RE,
  atRunStart((_, d, e) => e - d === 10),
);
const NPI_CONTEXT = /\b(?:npi|national provider(?: identifier| id)?)(?: number| no\.?| #)?#?[^A-Za-z]*$/i;
const NPI_WORDS = ['npi', 'NPI', 'Npi', 'rovider', 'ROVIDER'];

// A vehicle identification number (`isValidVin`): its first digit within its first nine characters, the
// capitals before it (a maker's code, `WVWZZZ`) walked back over from the run of digits it is in.
const VIN_RE = /\b(?=[A-HJ-NPR-Z]{0,8}\d)[A-HJ-NPR-Z0-9]{17}\b/g;
export const VIN_SEARCH = digitSearch(VIN_RE, (text, d, e, from, tryAt) => {
  let start = d;
  while (start > from && d - start < 8 && isVinLetterCode(text.charCodeAt(start - 1))) start--;
  // Seventeen characters on, its last is a digit or a capital: the numbers of prose end at a space first.
  if (e - start < 17 && !isVinLetterCode(text.charCodeAt(e))) return false;
  return start >= from && tryAt(start);
});
const VIN_CONTEXT =
  /\b(?:vin|vehicle identification(?: number| no\.?)?|chassis(?: number| no\.?)?)#?[^A-Za-z]*$/i;

/** A capital a VIN may have: A to Z but I, O and Q. */
function isVinLetterCode(c: number): boolean {
  return c >= 65 && c <= 90 && c !== 73 && c !== 79 && c !== 81;
}

/**
 * Vehicle identification numbers: with North America's check digit anywhere (0.7), after `VIN` or under its
 * header with it (0.9) or without it (0.8: most makers elsewhere have none).
 */
function findVins(ctx: Ctx): void {
  findChecked(
    ctx,
    'VIN',
    VIN_SEARCH,
    (vin) => isValidVin(vin, false),
    (m) => {
      const named = ctx.hint === 'VIN' || precededBy(ctx.text, m.index, VIN_CONTEXT);
      return isValidVin(m[0], true) ? (named ? 0.9 : 0.7) : named ? 0.8 : 0;
    },
  );
}

// Licence plates: each country and state its own shape, so only after the words that name one (in the
// languages of the header rules; not Spanish `matrícula` nor French `immatriculation` alone, a student's
// enrolment and a company's registration as often) or under a header that does: capitals and digits, 4 to 10 of them, both, in up
// to four pieces (`7ABC123`, `B-MW 1234`, `AB-123-CD`, `AB12 CDE`).
const PLATE_WORDS_RE =
  /(?<![\p{L}\p{N}])(?:licen[cs]e plate|number plate|registration plate|plate|kennzeichen|nummernschild|plaque(?: d['\u2019]immatriculation)?|targa|kenteken)(?:\s*(?:no\.?|number|nr\.?|#))?[\s:#=(]*/giu;
const PLATE_WORDS = [
  'late',
  'LATE',
  'ennzeichen',
  'ENNZEICHEN',
  'ummernschild',
  'laque',
  'LAQUE',
  'arga',
  'ARGA',
  'enteken',
];
const PLATE_AT = /[A-Z0-9]+(?:[ -][A-Z0-9]+){0,3}(?![A-Za-z0-9])/y;
const PLATE_WHOLE = /^[A-Z0-9]+(?:[ -][A-Z0-9]+){0,3}$/;

/** Whether `s` (capitals, digits, spaces and dashes) has a plate's 4 to 10 characters, a capital and a digit. */
function isPlate(s: string): boolean {
  let chars = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c)) digits++;
    if (isAlnumCode(c)) chars++;
  }
  return chars >= 4 && chars <= 10 && digits > 0 && digits < chars && !isDate(s, 0, s.length);
}

/** Licence plates after their words (0.85), or a whole value under their header (0.8). */
function findPlates(ctx: Ctx): void {
  const text = ctx.text;
  if (ctx.hint === 'LICENSE_PLATE' && PLATE_WHOLE.test(text) && isPlate(text)) {
    ctx.out.push({ entity: 'LICENSE_PLATE', start: 0, end: text.length, confidence: 0.8 });
    return;
  }
  if (!mentions(text, PLATE_WORDS)) return;
  PLATE_WORDS_RE.lastIndex = 0;
  for (let w = PLATE_WORDS_RE.exec(text); w; w = PLATE_WORDS_RE.exec(text)) {
    const start = w.index + w[0].length;
    PLATE_AT.lastIndex = start;
    const m = PLATE_AT.exec(text);
    if (m === null) continue;
    // The pieces up to the first that makes it no plate: `plate AB12 CDE was` stops before `was`.
    if (isPlate(m[0]))
      ctx.out.push({ entity: 'LICENSE_PLATE', start, end: start + m[0].length, confidence: 0.85 });
    PLATE_WORDS_RE.lastIndex = Math.max(PLATE_WORDS_RE.lastIndex, start + m[0].length);
  }
}

// A US Medicare Beneficiary Identifier (CMS, since 2018): eleven characters, each position a digit, a letter
// or either, the letters 20 capitals without S, L, O, I, B and Z; printed in groups of 4, 3 and 4. No check
// character, but a shape no other number has.
const MBI_L = '[AC-HJKMNP-RT-Y]';
const MBI_RE = new RegExp(
  `\\b[1-9]${MBI_L}[AC-HJKMNP-RT-Y0-9]\\d(-?)${MBI_L}[AC-HJKMNP-RT-Y0-9]\\d\\1${MBI_L}{2}\\d{2}\\b`,
  'g',
);
/** An MBI starts at a run of one digit (its first; a letter always follows). */
export const MBI_SEARCH = digitSearch(
  MBI_RE,
  atRunStart((text, d, e) => e - d === 1 && isCapitalCode(text.charCodeAt(e))),
);
const MBI_CONTEXT = /\b(?:mbi|medicare(?: beneficiary)?(?: identifier| id| number| no\.?| #)?)#?[^A-Za-z]*$/i;

/**
 * Medicare Beneficiary Identifiers by their shape, anywhere (0.6: no check character); after `MBI` or
 * `Medicare`, or under a header that names them (or Australia's Medicare number, whose header is the same),
 * 0.9.
 */
function findMbis(ctx: Ctx): void {
  findChecked(
    ctx,
    'US_MBI',
    MBI_SEARCH,
    () => true,
    (m) =>
      ctx.hint === 'US_MBI' || ctx.hint === 'AU_MEDICARE' || precededBy(ctx.text, m.index, MBI_CONTEXT)
        ? 0.9
        : 0.6,
  );
}

// International Mobile Equipment Identity: fifteen digits, a Luhn check digit (one number in ten passes it),
// after `IMEI` or under its header; also in its printed groups `35-209900-176148-1`.
const IMEI_RE = /\b\d{2}(-?)\d{6}\1\d{6}\1\d\b/g;
export const IMEI_SEARCH = digitSearch(
  IMEI_RE,
  atRunStart((text, d, e) => e - d === 15 || (e - d === 2 && text.charCodeAt(e) === 45)),
);
const IMEI_CONTEXT = /\bimei(?: ?sv)?(?: number| no\.?| #)?#?[^A-Za-z]*$/i;
const IMEI_WORDS = ['imei', 'IMEI', 'Imei'];

// A device's MAC address (EUI-48): six pairs of hex digits between colons or dashes. Looked for at the
// separators (`indexOf`), not by a pattern over the whole text.
const MAC_AT = /[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Za-z_:-])/y;
const MAC_CONTEXT = /\b(?:mac(?: address| addr)?|bssid|hardware address|hwaddr|ether)[\s:=#-]*$/i;

/**
 * MAC addresses anywhere (0.7), after `MAC` or under its header 0.9; never the null or broadcast address,
 * which name no device.
 */
function findMacs(ctx: Ctx): void {
  const text = ctx.text;
  for (const sep of [':', '-']) {
    for (let p = text.indexOf(sep, 2); p >= 0; p = text.indexOf(sep, p + 1)) {
      const start = p - 2;
      if (text.charCodeAt(p + 3) !== sep.charCodeAt(0) || !isHexCode(text.charCodeAt(start))) continue;
      const before = start > 0 ? text.charCodeAt(start - 1) : -1;
      if (isWordCode(before) || before === 58 || before === 45) continue;
      MAC_AT.lastIndex = start;
      const m = MAC_AT.exec(text);
      if (m === null) continue;
      const end = start + m[0].length;
      p = end;
      const lower = m[0].toLowerCase();
      if (
        lower === `00${sep}00${sep}00${sep}00${sep}00${sep}00` ||
        lower === `ff${sep}ff${sep}ff${sep}ff${sep}ff${sep}ff`
      )
        continue;
      const named = ctx.hint === 'MAC_ADDRESS' || precededBy(text, start, MAC_CONTEXT);
      ctx.out.push({ entity: 'MAC_ADDRESS', start, end, confidence: named ? 0.9 : 0.7 });
    }
  }
}

// A US bank's routing transit number (`isValidAbaRouting`): nine digits after `routing number`, `ABA`, `RTN`.
const ABA_RE = /\b\d{9}\b/g;
export const ABA_SEARCH = digitSearch(
  ABA_RE,
  atRunStart((_, d, e) => e - d === 9),
);
const ABA_CONTEXT =
  /\b(?:aba(?: routing)?|rtn|(?:bank )?routing(?: (?:and|&) transit| transit)?)(?: number| no\.?| #|#)?[^A-Za-z]*$/i;
const ABA_WORDS = ['aba', 'ABA', 'Aba', 'rtn', 'RTN', 'outing', 'OUTING'];

// An Australian Business Number (`isValidAuAbn`), bare or as printed (`51 824 753 556`), after `ABN`.
const ABN_RE = /\b\d{2}( ?)\d{3}\1\d{3}\1\d{3}\b/g;
export const ABN_SEARCH = digitSearch(
  ABN_RE,
  atRunStart((text, d, e) => e - d === 11 || (e - d === 2 && text.charCodeAt(e) === 32)),
);
const ABN_CONTEXT = /\b(?:abn|australian business number)(?: number| no\.?)?\b[^A-Za-z]*$/i;
const ABN_WORDS = ['abn', 'ABN', 'Abn', 'usiness number', 'USINESS NUMBER', 'usiness Number'];

// An Indian voter's card (EPIC, `isValidInVoter`): three capitals and seven digits, after `voter ID` or `EPIC`.
const EPIC_RE = /\b[A-Z]{3}\d{7}\b/g;
export const EPIC_SEARCH = digitSearch(EPIC_RE, afterCapitals(3, 7));
const EPIC_CONTEXT =
  /\b(?:epic|voter(?:['\u2019]?s)?(?: id(?:entity)?| photo id(?:entity)?)?(?: card)?|electors? photo identity card|electoral photo identity card)(?: number| no\.?| #|#)?[^A-Za-z]*$/i;
const EPIC_WORDS = ['epic', 'EPIC', 'Epic', 'oter', 'OTER', 'lector', 'LECTOR'];

/**
 * Indian voters' cards after the words that name them or under a header that does (0.9): their Luhn digit passes
 * one code in ten of the shape, a product's or a booking's as often.
 */
function findVoterIds(ctx: Ctx): void {
  findChecked(ctx, 'IN_VOTER', EPIC_SEARCH, isValidInVoter, (m) =>
    ctx.hint === 'IN_VOTER' || precededBy(ctx.text, m.index, EPIC_CONTEXT) ? 0.9 : 0,
  );
}

const NRIC_RE = /\b[STFGM]\d{7}[A-Z]\b/g;

/** S, T, F, G or M. */
function isNricPrefix(c: number): boolean {
  return c === 83 || c === 84 || c === 70 || c === 71 || c === 77;
}

/** An NRIC or FIN starts one letter before its seven digits. */
export const NRIC_SEARCH = digitSearch(
  NRIC_RE,
  (text, d, e, from, tryAt) =>
    e - d === 7 && d - 1 >= from && isNricPrefix(text.charCodeAt(d - 1)) && tryAt(d - 1),
);

/** Singapore NRIC and FIN numbers: a check letter over a prefix letter and seven digits, found anywhere. */
function findNrics(ctx: Ctx): void {
  findChecked(ctx, 'SG_NRIC_FIN', NRIC_SEARCH, isValidSgNricFin, (m) =>
    ctx.hint === 'SG_NRIC_FIN' || precededBy(ctx.text, m.index, NRIC_CONTEXT) ? 0.95 : 0.7,
  );
}

const AHV_RE = /\b756(?:\.\d{4}\.\d{4}\.\d{2}|\d{10})\b/g;
export const AHV_SEARCH = digitSearch(
  AHV_RE,
  atRunStart((text, d, e) => e - d === 13 || (e - d === 3 && text.charCodeAt(e) === 46)),
);
const AHV_DOTTED = /^756\.\d{4}\.\d{4}\.\d{2}$/;

const RUT_RE = /\b\d{1,2}\.\d{3}\.\d{3}-[\dkK]\b|\b\d{7,8}-[\dkK]\b/g;
export const RUT_SEARCH = digitSearch(
  RUT_RE,
  atRunStart((text, d, e) => {
    const n = e - d;
    const c = text.charCodeAt(e);
    return ((n === 1 || n === 2) && c === 46) || ((n === 7 || n === 8) && c === 45);
  }),
);
const RUT_DOTTED = /^\d{1,2}\.\d{3}\.\d{3}-[\dkK]$/;

const BE_NN_RE = /\b\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}\b|\b\d{11}\b/g;
export const BE_NN_SEARCH = digitSearch(
  BE_NN_RE,
  atRunStart((text, d, e) => e - d === 11 || (e - d === 2 && text.charCodeAt(e) === 46)),
);
const BE_NN_DOTTED = /^\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}$/;

const DE_TAX_RE = /\b\d{2} \d{3} \d{3} \d{3}\b|\b\d{11}\b/g;
export const DE_TAX_SEARCH = digitSearch(
  DE_TAX_RE,
  atRunStart((text, d, e) => e - d === 11 || (e - d === 2 && text.charCodeAt(e) === 32)),
);

const SIN_RE = /\b\d{3}([- ]?)\d{3}\1\d{3}\b/g;
export const SIN_SEARCH = digitSearch(
  SIN_RE,
  atRunStart((text, d, e) => {
    const c = text.charCodeAt(e);
    return e - d === 9 || (e - d === 3 && (c === 32 || c === 45));
  }),
);

const TCKN_RE = /\b\d{11}\b/g;
export const TCKN_SEARCH = digitSearch(
  TCKN_RE,
  atRunStart((_, d, e) => e - d === 11),
);

const ZA_ID_RE = /\b\d{13}\b/g;
export const ZA_ID_SEARCH = digitSearch(
  ZA_ID_RE,
  atRunStart((_, d, e) => e - d === 13),
);

// Nine digits, or with the check digit after a dash and the leading zeros left out (`3933742-3`).
const IL_ID_RE = /\b\d{9}\b|\b\d{7,8}-\d\b/g;
export const IL_ID_SEARCH = digitSearch(
  IL_ID_RE,
  atRunStart((text, d, e) => {
    const n = e - d;
    return n === 9 || ((n === 7 || n === 8) && text.charCodeAt(e) === 45);
  }),
);

const PPS_RE = /\b\d{7}[A-W][AHWTX]?\b/g;
export const PPS_SEARCH = digitSearch(
  PPS_RE,
  atRunStart((_, d, e) => e - d === 7),
);

// Bare, or in its printed groups of one, four, five, two and one (`1-2345-67890-12-1`).
const TNIN_RE = /\b[1-8](-?)\d{4}\1\d{5}\1\d{2}\1\d\b/g;
export const TNIN_SEARCH = digitSearch(
  TNIN_RE,
  atRunStart((text, d, e) => e - d === 13 || (e - d === 1 && text.charCodeAt(e) === 45)),
);
const TNIN_DASHED = /^\d-\d{4}-\d{5}-\d{2}-\d$/;

// Area, birth date, the birth name's initial, serial and check: `65170839J003`, `65 170839 J 00 3`.
const SVNR_RE = /\b\d{2} ?\d{6} ?[A-Z] ?\d{2} ?\d\b/g;
export const SVNR_SEARCH = digitSearch(
  SVNR_RE,
  atRunStart((text, d, e) => e - d === 8 || (e - d === 2 && text.charCodeAt(e) === 32)),
);

// Four letters of the name (the second a vowel, or X), the birth date, sex (H, M, or X since 2023), the state's
// two letters, three consonants, a homonym character and a check digit.
const MY_NUMBER_RE = /\b\d{4}( ?)\d{4}\1\d{4}\b/g;
export const MY_NUMBER_SEARCH = digitSearch(
  MY_NUMBER_RE,
  atRunStart((text, d, e) => e - d === 12 || (e - d === 4 && text.charCodeAt(e) === 32)),
);

const CURP_RE = /\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d\b/g;

/** A CURP starts four capitals before the six digits of its date. */
export const CURP_SEARCH = digitSearch(CURP_RE, afterCapitals(4, 6));

/** Mexican CURPs: eighteen characters of a fixed shape and a check digit, found anywhere. */
function findCurps(ctx: Ctx): void {
  findChecked(ctx, 'MX_CURP', CURP_SEARCH, isValidMxCurp, () => 0.9);
}

/** Whether `text` holds one of `words` (each in the cases written), looked for by `indexOf`. */
function mentions(text: string, words: readonly string[]): boolean {
  for (const w of words) if (text.includes(w)) return true;
  return false;
}

// What the words of the *_CONTEXT patterns hold, in the cases people write them: a short text without one
// of these has no such word, and is not searched by the patterns. A long one is searched from its runs of
// digits, which look at the words only before a number of the length: the `indexOf` of a word of common
// letters read prose at 0.3 ns a character, more than the searches.
const NHS_WORDS = ['nhs', 'NHS', 'Nhs'];
const AADHAAR_WORDS = ['adha', 'ADHA', 'uid', 'UID', 'Uid'];
const CPF_WORDS = ['cpf', 'CPF', 'Cpf'];
const PESEL_WORDS = ['pesel', 'PESEL', 'Pesel'];
const RRN_WORDS = ['rrn', 'RRN', 'egistration', 'EGISTRATION', '\uC8FC\uBBFC'];
const BSN_WORDS = [
  'bsn',
  'BSN',
  'Bsn',
  'burgerservice',
  'Burgerservice',
  'BURGERSERVICE',
  'sofi',
  'Sofi',
  'SOFI',
];
// `ecu` and `\u00e9cu` of secu, s\u00e9curit\u00e9.
const NIR_WORDS = ['nir', 'NIR', 'Nir', 'insee', 'INSEE', 'Insee', 'ecu', 'ECU', '\u00e9cu', '\u00c9CU'];
const PERSONNUMMER_WORDS = ['personn', 'Personn', 'PERSONN'];
const SE_PNR_WORDS = [...PERSONNUMMER_WORDS, 'pnr', 'PNR', 'Pnr', 'samordning', 'Samordning', 'SAMORDNING'];
// `nummer` of personnummer, f\u00f8dselsnummer, d-nummer.
const NO_FNR_WORDS = ['nummer', 'Nummer', 'NUMMER', 'fnr', 'Fnr', 'FNR', 'f.nr', 'F.nr', 'F.NR'];
const DK_CPR_WORDS = [...PERSONNUMMER_WORDS, 'cpr', 'CPR', 'Cpr'];
const TFN_WORDS = ['tfn', 'TFN', 'Tfn', 'ax file', 'AX FILE', 'ax File'];
const MEDICARE_WORDS = ['medicare', 'Medicare', 'MEDICARE'];
const ZA_ID_WORDS = ['id', 'ID', 'Id', 'dentity', 'DENTITY'];
const IL_ID_WORDS = [
  'zehut',
  'Zehut',
  'ZEHUT',
  'sraeli',
  'SRAELI',
  '\u05d6\u05d4\u05d5\u05ea',
  '\u05ea.\u05d6',
  '\u05ea"\u05d6',
  '\u05ea\u05f4\u05d6',
];
const PPS_WORDS = ['pps', 'PPS', 'Pps', 'ublic service', 'UBLIC SERVICE', 'ublic Service'];
const TNIN_WORDS = ['thai', 'Thai', 'THAI', 'tnin', 'TNIN', '\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19'];
const SVNR_WORDS = [
  'ersicherungs',
  'ERSICHERUNGS',
  'sv-n',
  'SV-N',
  'SV-n',
  'svn',
  'SVN',
  'SVn',
  'rvnr',
  'RVNR',
  'RVNr',
  'vsnr',
  'VSNR',
  'VSNr',
];
const MY_NUMBER_WORDS = ['umber', 'UMBER', '\u30de\u30a4\u30ca\u30f3', '\u500b\u4eba\u756a\u53f7'];
const AHV_WORDS = [
  'ahv',
  'AHV',
  'Ahv',
  'avs',
  'AVS',
  'Avs',
  'versicherungsn',
  'Versicherungsn',
  'VERSICHERUNGSN',
];
const RUT_WORDS = ['rut', 'RUT', 'Rut', 'run', 'RUN', 'Run', 'nico tributario', 'NICO TRIBUTARIO'];
const BE_NN_WORDS = [
  'ijksregister',
  'IJKSREGISTER',
  'egistre',
  'EGISTRE',
  'national',
  'National',
  'NATIONAL',
];
const BE_NN_MORE = ['insz', 'INSZ', 'niss', 'NISS', 'nn', 'NN'];
const DE_TAX_WORDS = [
  'teuer',
  'TEUER',
  'dentifikation',
  'DENTIFIKATION',
  'dnr',
  'dNr',
  'DNR',
  'd-Nr',
  'D-NR',
];
const SIN_WORDS = ['sin', 'SIN', 'Sin', 'nsurance', 'NSURANCE', 'nas', 'NAS', 'Nas'];
const TCKN_WORDS = ['kimlik', 'Kimlik', 'KIMLIK', 'tckn', 'TCKN', 'Tckn', 'tc', 'TC', 'Tc', 'T.C', 't.c'];

/** Bits of {@link runShapes} beyond the lengths: a run of three before a dot (a CPF), of six before a dash. */
const THREE_DOT = 1 << 30;
const SIX_DASH = 1 << 29;

/**
 * What a long text's runs of digits could start, in one look at them: bit n for a run of n digits (n < 29),
 * {@link THREE_DOT} and {@link SIX_DASH}; every bit when the runs are too many to list ({@link digitRuns}).
 * Ten searches each went through every run of a corpus's documents (5 to 10% of its scan); a search whose
 * lengths no run has is not started.
 */
function runShapes(text: string): number {
  const runs = digitRuns(text);
  if (runs === null) return -1;
  let bits = 0;
  for (let k = 0; k < runs.length; k += 2) {
    const e = runs[k + 1]!;
    const n = e - runs[k]!;
    if (n < 29) bits |= 1 << n;
    if (n === 3 && text.charCodeAt(e) === 46) bits |= THREE_DOT;
    else if (n === 6 && text.charCodeAt(e) === 45) bits |= SIX_DASH;
  }
  return bits;
}

const DIGIT_IDS: readonly DigitId[] = [
  {
    entity: 'UK_NHS',
    search: NHS_SEARCH,
    context: NHS_CONTEXT,
    valid: isValidUkNhs,
    digits: 10,
    runs: (1 << 3) | (1 << 10),
    words: NHS_WORDS,
  },
  {
    entity: 'BR_CPF',
    search: CPF_SEARCH,
    context: CPF_CONTEXT,
    valid: isValidBrCpf,
    digits: 11,
    runs: THREE_DOT | (1 << 11),
    words: CPF_WORDS,
    shaped: CPF_SHAPE,
    mayBeShaped: (text, flags) => flags.dots >= 2 && text.includes('-'),
  },
  {
    entity: 'IN_AADHAAR',
    search: AADHAAR_SEARCH,
    context: AADHAAR_CONTEXT,
    valid: isValidInAadhaar,
    digits: 12,
    runs: (1 << 4) | (1 << 12),
    words: AADHAAR_WORDS,
  },
  {
    entity: 'PL_PESEL',
    search: PESEL_SEARCH,
    context: PESEL_CONTEXT,
    valid: isValidPlPesel,
    digits: 11,
    runs: 1 << 11,
    words: PESEL_WORDS,
  },
  // In its written shape (`971013-9019902`) anywhere; 13 digits alone after its name, in Korean too.
  {
    entity: 'KR_RRN',
    search: RRN_SEARCH,
    context: RRN_CONTEXT,
    valid: isValidKrRrn,
    digits: 13,
    runs: SIX_DASH | (1 << 13),
    words: RRN_WORDS,
    shaped: RRN_SHAPE,
    mayBeShaped: (text) => text.includes('-'),
    anyAlphabet: true,
    validNamed: isKrRrnSince2020,
  },
  // In its groups (`1 84 12 76 451 089 46`) anywhere: a key modulo 97 and the sex digit rule out the rest.
  {
    entity: 'FR_NIR',
    search: NIR_SEARCH,
    context: NIR_CONTEXT,
    valid: isValidFrNir,
    digits: 13,
    runs: (1 << 1) | (1 << 6) | (1 << 15),
    words: NIR_WORDS,
    shaped: NIR_SPACED,
    mayBeShaped: (text) => text.includes(' '),
    compact: (s) => s.replace(/ /g, ''),
  },
  {
    entity: 'SE_PERSONNUMMER',
    search: SE_PNR_SEARCH,
    context: SE_PNR_CONTEXT,
    valid: isValidSePersonnummer,
    digits: 10,
    runs: (1 << 6) | (1 << 8) | (1 << 10) | (1 << 12),
    words: SE_PNR_WORDS,
    compact: (s) => s,
  },
  {
    entity: 'NO_FODSELSNUMMER',
    search: NO_FNR_SEARCH,
    context: NO_FNR_CONTEXT,
    valid: isValidNoFodselsnummer,
    digits: 11,
    runs: (1 << 6) | (1 << 11),
    words: NO_FNR_WORDS,
    hints: ['SE_PERSONNUMMER'],
  },
  // Its date is all a CPR number has left to check since 2007: after its name or header only.
  {
    entity: 'DK_CPR',
    search: DK_CPR_SEARCH,
    context: DK_CPR_CONTEXT,
    valid: isValidDkCpr,
    digits: 10,
    runs: SIX_DASH | (1 << 10),
    words: DK_CPR_WORDS,
    hints: ['SE_PERSONNUMMER'],
  },
  {
    entity: 'NL_BSN',
    search: BSN_SEARCH,
    context: BSN_CONTEXT,
    valid: isValidNlBsn,
    digits: 9,
    runs: (1 << 4) | (1 << 9),
    words: BSN_WORDS,
  },
  {
    entity: 'AU_TFN',
    search: TFN_SEARCH,
    context: TFN_CONTEXT,
    valid: isValidAuTfn,
    digits: 9,
    runs: (1 << 3) | (1 << 9),
    words: TFN_WORDS,
  },
  {
    entity: 'AU_MEDICARE',
    search: MEDICARE_SEARCH,
    context: MEDICARE_CONTEXT,
    valid: isValidAuMedicare,
    digits: 10,
    runs: (1 << 4) | (1 << 10) | (1 << 11),
    words: MEDICARE_WORDS,
  },
  // In its dotted shape (`756.9217.0769.85`) anywhere: 756 is Switzerland's, the last digit an EAN-13 check.
  {
    entity: 'CH_AHV',
    search: AHV_SEARCH,
    context: AHV_CONTEXT,
    valid: isValidChAhv,
    digits: 13,
    runs: THREE_DOT | (1 << 13),
    words: AHV_WORDS,
    shaped: AHV_DOTTED,
    mayBeShaped: (text, flags) => flags.dots >= 3,
    // Sozialversicherungsnummer is the Swiss number's German name as well as Germany's.
    hints: ['DE_SVNR'],
  },
  // With its dots (`12.345.678-5`) anywhere; a check character mod 11, K for 10.
  {
    entity: 'CL_RUT',
    search: RUT_SEARCH,
    context: RUT_CONTEXT,
    valid: isValidClRut,
    digits: 7,
    runs: (1 << 1) | (1 << 2) | (1 << 7) | (1 << 8),
    words: RUT_WORDS,
    shaped: RUT_DOTTED,
    mayBeShaped: (text, flags) => flags.dots >= 2 && text.includes('-'),
    compact: (s) => s.replace(/[.-]/g, '').toUpperCase(),
  },
  // With its dots and dash (`85.07.30-033.28`) anywhere: a birth date and a check modulo 97.
  {
    entity: 'BE_NATIONAL_NUMBER',
    search: BE_NN_SEARCH,
    context: BE_NN_CONTEXT,
    valid: isValidBeNationalNumber,
    digits: 11,
    runs: (1 << 2) | (1 << 11),
    words: [...BE_NN_WORDS, ...BE_NN_MORE],
    shaped: BE_NN_DOTTED,
    mayBeShaped: (text, flags) => flags.dots >= 3 && text.includes('-'),
  },
  {
    entity: 'DE_TAX_ID',
    search: DE_TAX_SEARCH,
    context: DE_TAX_CONTEXT,
    valid: isValidDeTaxId,
    digits: 11,
    runs: (1 << 2) | (1 << 11),
    words: DE_TAX_WORDS,
  },
  {
    entity: 'CA_SIN',
    search: SIN_SEARCH,
    context: SIN_CONTEXT,
    valid: isValidCaSin,
    digits: 9,
    runs: (1 << 3) | (1 << 9),
    words: SIN_WORDS,
  },
  {
    entity: 'TR_TC_KIMLIK',
    search: TCKN_SEARCH,
    context: TCKN_CONTEXT,
    valid: isValidTrTcKimlik,
    digits: 11,
    runs: 1 << 11,
    words: TCKN_WORDS,
  },
  // After its name, in Japanese too (whose letters the counts do not see), or under its header.
  {
    entity: 'JP_MY_NUMBER',
    search: MY_NUMBER_SEARCH,
    context: MY_NUMBER_CONTEXT,
    valid: isValidJpMyNumber,
    digits: 12,
    runs: (1 << 4) | (1 << 12),
    words: MY_NUMBER_WORDS,
    anyAlphabet: true,
  },
  // A birth date, citizenship and Luhn: any 13 digits pass one time in a thousand or so, but barcodes (EAN-13)
  // and account numbers are 13 digits too, so only after its name or under its header.
  {
    entity: 'ZA_ID',
    search: ZA_ID_SEARCH,
    context: ZA_ID_CONTEXT,
    valid: isValidZaId,
    digits: 13,
    runs: 1 << 13,
    words: ZA_ID_WORDS,
  },
  {
    entity: 'IL_ID',
    search: IL_ID_SEARCH,
    context: IL_ID_CONTEXT,
    valid: isValidIlId,
    digits: 8,
    runs: (1 << 7) | (1 << 8) | (1 << 9),
    words: IL_ID_WORDS,
    anyAlphabet: true,
    compact: (s) => digitsOf(s).padStart(9, '0'),
  },
  // Seven digits and a check letter: one code of the shape in 23 passes, so only after its name.
  {
    entity: 'IE_PPS',
    search: PPS_SEARCH,
    context: PPS_CONTEXT,
    valid: isValidIePps,
    digits: 7,
    runs: 1 << 7,
    words: PPS_WORDS,
    compact: (s) => s,
  },
  // In its printed groups (`1-2345-67890-12-1`) anywhere; bare after its name, in Thai too.
  {
    entity: 'TH_TNIN',
    search: TNIN_SEARCH,
    context: TNIN_CONTEXT,
    valid: isValidThTnin,
    digits: 13,
    // Its printed groups have a run of five: a text whose runs are one digit long has none of it.
    runs: (1 << 5) | (1 << 13),
    words: TNIN_WORDS,
    shaped: TNIN_DASHED,
    mayBeShaped: (text) => text.includes('-'),
    anyAlphabet: true,
  },
  {
    entity: 'DE_SVNR',
    search: SVNR_SEARCH,
    context: SVNR_CONTEXT,
    valid: isValidDeSvnr,
    digits: 11,
    // The birth date's six digits, alone or after the area's two (`15 070649 C 103`, `15070649C103`).
    runs: (1 << 6) | (1 << 8),
    words: SVNR_WORDS,
    compact: (s) => s.replace(/ /g, ''),
  },
  {
    // No check digit and no shape of its own (8 to 17 digits, each bank its own): only after the words that
    // name a bank account or under a header that does, and less sure than a number that passes a check.
    entity: 'US_BANK_NUMBER',
    search: BANK_SEARCH,
    context: BANK_CONTEXT,
    valid: () => false,
    validNamed: () => true,
    digits: 8,
    runs: BANK_RUNS,
    words: BANK_WORDS,
    hints: ['IBAN_CODE'],
  },
  {
    entity: 'US_NPI',
    search: NPI_SEARCH,
    context: NPI_CONTEXT,
    valid: isValidUsNpi,
    digits: 10,
    runs: 1 << 10,
    words: NPI_WORDS,
  },
  {
    entity: 'IMEI',
    search: IMEI_SEARCH,
    context: IMEI_CONTEXT,
    valid: luhnValid,
    digits: 15,
    runs: (1 << 2) | (1 << 15),
    words: IMEI_WORDS,
  },
  // A check digit that one number in ten passes, and a bank's, not a person's: only after its words or header.
  {
    entity: 'ABA_ROUTING_NUMBER',
    search: ABA_SEARCH,
    context: ABA_CONTEXT,
    valid: isValidAbaRouting,
    digits: 9,
    runs: 1 << 9,
    words: ABA_WORDS,
  },
  // Modulo 89: one number in 89 passes, but phone numbers are printed in the same groups, so only after `ABN`.
  {
    entity: 'AU_ABN',
    search: ABN_SEARCH,
    context: ABN_CONTEXT,
    valid: isValidAuAbn,
    digits: 11,
    runs: (1 << 2) | (1 << 11),
    words: ABN_WORDS,
  },
];

function findNationalIds(ctx: Ctx): void {
  const { flags, only, hint, text } = ctx;
  const letters = flags.upper + flags.lower;
  const long = text.length >= LONG_TEXT;
  // A short text is searched by the patterns, as before; a long one only for the lengths its runs have.
  const shapes = long ? runShapes(text) : -1;
  const has = (bits: number) => (shapes & bits) !== 0;
  if (flags.digits >= 7 && letters > 0 && has((1 << 7) | (1 << 8))) {
    if (wanted(only, 'ES_NIF') || wanted(only, 'ES_NIE')) findEsIds(ctx);
  }
  if (flags.digits >= 2 && letters >= 2 && wanted(only, 'IT_FISCAL_CODE')) findItFiscalCodes(ctx);
  if (flags.digits >= 6 && flags.upper >= 2 && has((1 << 2) | (1 << 6)) && wanted(only, 'UK_NINO'))
    findNinos(ctx);
  // The numbers of digits alone need a word before them (its letters), a header, or their own written shape:
  // a column of phone numbers, ten digits and no letter, is not searched for them again.
  const named = letters >= 2;
  // A word in an alphabet the counts do not see is a character beyond ASCII: a cell of a phone number alone
  // (ten digits, no letter) has none, and is not searched for the Korean and Israeli numbers' words.
  let beyondAscii: boolean | undefined;
  for (const id of DIGIT_IDS) {
    if (flags.digits < id.digits || !has(id.runs) || !wanted(only, id.entity)) continue;
    // A long text is searched at its runs whatever its words: asked first, before a shape's own look at it.
    const worded = named || (id.anyAlphabet === true && (letters > 0 || (beyondAscii ??= hasNonAscii(text))));
    if (
      hinted(hint, id) ||
      (worded && long) ||
      id.mayBeShaped?.(text, flags) === true ||
      (worded && mentions(text, id.words))
    )
      findDigitIds(ctx, id);
  }
  if (flags.digits >= 9 && has(1 << 6) && wanted(only, 'FI_PERSONAL_IDENTITY_CODE')) findHetus(ctx);
  if (flags.digits >= 4 && mayHaveCapitals(flags, 6) && has(1 << 4) && wanted(only, 'IN_PAN')) findPans(ctx);
  if (flags.digits >= 7 && flags.upper >= 2 && has(1 << 7) && wanted(only, 'SG_NRIC_FIN')) findNrics(ctx);
  if (
    flags.digits >= 7 &&
    mayHaveCapitals(flags, 4) &&
    has(UK_LICENCE_RUNS) &&
    wanted(only, 'DRIVER_LICENSE')
  )
    findUkLicences(ctx);
  if (text.length >= 17 && flags.digits >= 4 && flags.upper >= 2 && wanted(only, 'VIN')) findVins(ctx);
  if (flags.digits >= 5 && mayHaveCapitals(flags, 5) && has(1 << 1) && wanted(only, 'US_MBI')) findMbis(ctx);
  if (
    flags.digits >= 7 &&
    flags.upper >= 1 &&
    has((1 << 7) | (1 << 8)) &&
    wanted(only, 'MEDICAL_LICENSE') &&
    (ctx.hint === 'MEDICAL_LICENSE' || long || mentions(text, DEA_WORDS))
  )
    findDeaNumbers(ctx);
  if (flags.digits >= 7 && mayHaveCapitals(flags, 10) && has(1 << 6) && wanted(only, 'MX_CURP'))
    findCurps(ctx);
  if (
    flags.digits >= 7 &&
    mayHaveCapitals(flags, 3) &&
    has(1 << 7) &&
    wanted(only, 'IN_VOTER') &&
    (hint === 'IN_VOTER' || long || mentions(text, EPIC_WORDS))
  )
    findVoterIds(ctx);
}

// Passports and driving licences: numbers of no common shape or check character (each country, each US state
// its own), so found only after the words that name them, in the languages of the header rules, or under a
// header that does. Between the words and the number may come `number`, `no.`, `#`, `:` and their like.
const DOC_FILLERS =
  '(?:[\\s:#.,=()/\'"\u2116\u00b0\u00ba\u2013\u2014\uff1a-]|(?:numbers?|num|nr|nos?|n|id|is|was|of|num\u00e9ro|numero|n\u00famero|nummer|numer|series|serie|\u043d\u043e\u043c\u0435\u0440|\u0441\u0435\u0440\u0438[\u044f\u0438]|\u0441\u0435\u0440\u0456[\u044f\u0457]|\u0441\u0435\u0440|(?:\u0438|\u0456|\u0442\u0430)(?= \u043d\u043e\u043c\u0435\u0440))(?![\\p{L}\\p{N}])|\u53f7\u7801|\u865f\u78bc|\u756a\u53f7|\ubc88\ud638|\u53f7)*$';
const PASSPORT_CONTEXT = new RegExp(
  '(?<![\\p{L}\\p{N}])(?:passports?|reisepass|passeport|pasaporte|pasaport|passaport[eo]|paszport|paspoort|' +
    '\u043f\u0430\u0441\u043f\u043e\u0440\u0442[\u0430-\u044f\u0451]*|\u62a4\u7167|\u8b77\u7167|\u30d1\u30b9\u30dd\u30fc\u30c8|\u65c5\u5238|\uc5ec\uad8c)(?:nummer|nr|no)?' +
    DOC_FILLERS,
  'iu',
);
const DRIVER_LICENSE_CONTEXT = new RegExp(
  "(?<![\\p{L}\\p{N}])(?:driver(?:['\u2019]?s)?['\u2019]? ?licen[cs]es?|driving ?licen[cs]es?|d\\.l\\.|" +
    'f(?:\u00fc|ue|u)hrerschein|permis de conduire|licencia de (?:conducir|manejo)|carn[e\u00e9] de conducir|' +
    'permiso de conducir|patente di guida|rijbewijs|prawo jazdy|carta de condu\u00e7\u00e3o|carteira de motorista|' +
    '\u0432\u043e\u0434\u0438\u0442\u0435\u043b\u044c\u0441\u043a(?:\u043e\u0435|\u043e\u0433\u043e) \u0443\u0434\u043e\u0441\u0442\u043e\u0432\u0435\u0440\u0435\u043d\u0438[\u0435\u044f]|\u0432\u043e\u0434\u0438\u0442\u0435\u043b\u044c\u0441\u043a\u0438\u0435 \u043f\u0440\u0430\u0432\u0430|\u9a7e\u9a76\u8bc1|\u9a7e\u7167|\u904b\u8ee2\u514d\u8a31\u8a3c?|\u514d\u8a31\u8a3c|\uc6b4\uc804\uba74\ud5c8\uc99d?)' +
    '(?:nummer|nr|no)?' +
    DOC_FILLERS,
  'iu',
);
const MRN_CONTEXT = new RegExp(
  '(?<![\\p{L}\\p{N}])(?:mrn|mr#|medical record|patient record|med(?:ical)? rec\\.?|hospital number)(?:nummer|nr|no)?' +
    DOC_FILLERS,
  'iu',
);
// In capitals only: `dl` in small letters is a download or a decilitre.
const DRIVER_LICENSE_ABBREVIATION =
  /(?<![A-Za-z0-9])(?:DL|D\/L|CNH|\u0412\u0423)(?:[\s:#.]|(?:No|NO|Nr|NR)(?![A-Za-z]))*$/;

interface DocumentKind {
  entity: 'PASSPORT' | 'DRIVER_LICENSE' | 'MEDICAL_RECORD_NUMBER';
  /** Characters of the number without its spaces and dashes: the fewest and the most. */
  min: number;
  max: number;
  /** Digits it has at least (`2024` after `passport` is a year). */
  digits: number;
  /** Where the finding starts when words that name the kind come before the number at `start`; else -1. */
  named: (text: string, start: number) => number;
}

// A Russian or Ukrainian passport's series, between the words and the number with `номер` or `№` after it
// (`паспорт серия 4506 номер 123456`, `паспорт серії КВ № 123456`): four digits (the region's two and the
// year's) or, in Ukraine's booklets, two Cyrillic capitals (`паспорт КВ 123456`, where the words may be left
// out). The number alone has the words before it end in the series.
const PASSPORT_SERIES =
  /(?<![\p{L}\p{N}])(?:\d{2} ?\d{2}[\s,]*(?:\u043d\u043e\u043c\u0435\u0440|\u2116)|[\u0410-\u042f\u0404\u0406\u0407\u0490]{2}[\s,]*(?:\u043d\u043e\u043c\u0435\u0440|\u2116)?)[\s.:\u2116]*$/u;

/** Where a passport's series before the number at `start` begins ({@link PASSPORT_SERIES}); -1 if none. */
function seriesStart(text: string, start: number): number {
  const from = Math.max(0, start - 24);
  const m = PASSPORT_SERIES.exec(text.slice(from, start));
  return m === null ? -1 : from + m.index;
}

/** `start`, where `text` names the kind by `context` within `window` characters before it; else -1. */
function namedAt(text: string, start: number, context: RegExp, window: number): number {
  return start >= 0 && precededBy(text, start, context, window) ? start : -1;
}

const DOCUMENT_KINDS: readonly DocumentKind[] = [
  {
    entity: 'PASSPORT',
    min: 6,
    max: 12,
    digits: 5,
    named: (text, start) =>
      precededBy(text, start, PASSPORT_CONTEXT, 40) ||
      precededBy(text, afterCountryCode(text, start), PASSPORT_CONTEXT, 40)
        ? start
        : namedAt(text, seriesStart(text, start), PASSPORT_CONTEXT, 40),
  },
  {
    entity: 'DRIVER_LICENSE',
    min: 5,
    max: 18,
    digits: 4,
    named: (text, start) =>
      precededBy(text, start, DRIVER_LICENSE_CONTEXT, 48) ||
      precededBy(text, start, DRIVER_LICENSE_ABBREVIATION, 12)
        ? start
        : -1,
  },
  {
    // Each hospital numbers its patients its own way: digits, a letter or two perhaps (HIPAA's identifier 8).
    entity: 'MEDICAL_RECORD_NUMBER',
    min: 5,
    max: 12,
    digits: 5,
    named: (text, start) => namedAt(text, start, MRN_CONTEXT, 40),
  },
];

/**
 * Where a country's code in capitals just before `start` begins (`Passport: US 123456789`, `passport (GBR)
 * 123456789`), for the words before it to be looked at; `start` when there is none.
 */
function afterCountryCode(text: string, start: number): number {
  let p = start;
  while (p > 0 && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 41)) p--;
  let q = p;
  while (q > 0 && p - q < 4 && text.charCodeAt(q - 1) >= 65 && text.charCodeAt(q - 1) <= 90) q--;
  const n = p - q;
  if (n < 2 || n > 3 || p === start || (q > 0 && isAlnumCode(text.charCodeAt(q - 1)))) return start;
  return q;
}

function isAlnumCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Whether `text[from, to)` has a digit. */
function hasDigitIn(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (isDigitCode(text.charCodeAt(i))) return true;
  return false;
}

/**
 * Where the document number around the digits at `at` starts: the letters and digits glued to them, and the
 * pieces before them, one space or dash apart, that have a digit (`45 06 123456`, `W426-545-30-761`).
 */
function documentStart(text: string, at: number): number {
  let start = at;
  while (start > 0 && isAlnumCode(text.charCodeAt(start - 1))) start--;
  for (;;) {
    const sep = text.charCodeAt(start - 1);
    if (start < 2 || (sep !== 32 && sep !== 45) || !isAlnumCode(text.charCodeAt(start - 2))) return start;
    let p = start - 1;
    while (p > 0 && isAlnumCode(text.charCodeAt(p - 1))) p--;
    if (!hasDigitIn(text, p, start - 1)) return start;
    start = p;
  }
}

/** Where the document number that starts at `start` ends, by the same pieces as {@link documentStart}. */
function documentEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && isAlnumCode(text.charCodeAt(end))) end++;
  for (;;) {
    const sep = text.charCodeAt(end);
    if ((sep !== 32 && sep !== 45) || !isAlnumCode(text.charCodeAt(end + 1))) return end;
    let p = end + 1;
    while (p < text.length && isAlnumCode(text.charCodeAt(p))) p++;
    if (!hasDigitIn(text, end + 1, p)) return end;
    end = p;
  }
}

/**
 * Whether a letter (or any character beyond ASCII) is among the 48 before `start`: a phone number's digits in a
 * cell of its own are not tried against the words' patterns (0.5 to 1 \u00b5s each).
 */
function letterBefore(text: string, start: number): boolean {
  for (let i = start - 1; i >= 0 && i >= start - 48; i--) {
    const c = text.charCodeAt(i) | 32;
    if ((c >= 97 && c <= 122) || c >= 128) return true;
  }
  return false;
}

/**
 * Whether a character other than an ASCII letter or digit comes before `text`'s last digit: the space or
 * colon after a word, or the word itself in an alphabet beyond ASCII (`\u62a4\u7167E1234567`).
 */
function wordBeforeDigits(text: string): boolean {
  let last = text.length - 1;
  while (last >= 0 && !isDigitCode(text.charCodeAt(last))) last--;
  for (let i = 0; i < last; i++) if (!isAlnumCode(text.charCodeAt(i))) return true;
  return false;
}

function isDocumentHint(hint: EntityType | undefined): boolean {
  return hint === 'PASSPORT' || hint === 'DRIVER_LICENSE' || hint === 'MEDICAL_RECORD_NUMBER';
}

/**
 * Whether `text` has a character beyond ASCII: the counts see no small letter of Cyrillic or Chinese, whose
 * words (`\u043f\u0430\u0441\u043f\u043e\u0440\u0442`, `\u62a4\u7167`) may name a number that follows.
 */
function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 128) return true;
  return false;
}

/** Whether `text[start, end)` has the characters and digits of a `kind`'s number. */
function isDocumentNumber(text: string, start: number, end: number, kind: DocumentKind): boolean {
  let chars = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigitCode(c)) digits++;
    if (isAlnumCode(c)) chars++;
  }
  return chars >= kind.min && chars <= kind.max && digits >= kind.digits;
}

/** Whether `text[start, end)` is a date: `passport expires 2031-01-31` names none. */
function isDate(text: string, start: number, end: number): boolean {
  return parseDate(text.slice(start, end)) !== null;
}

/**
 * Passport and driving licence numbers after the words that name them (0.85), and a whole value under a header
 * that does (0.8): each has digits, so the text's runs of digits are where one can be, and the words before
 * it are tried only where the characters around a run are a number of the kind's shape (`C01X00T47`).
 */
function findDocumentNumbers(ctx: Ctx): void {
  const text = ctx.text;
  for (const kind of DOCUMENT_KINDS) {
    if (ctx.hint !== kind.entity || !wanted(ctx.only, kind.entity)) continue;
    const end = documentEnd(text, 0);
    if (end === text.length && isDocumentNumber(text, 0, end, kind) && !isDate(text, 0, end))
      ctx.out.push({ entity: kind.entity, start: 0, end, confidence: 0.8 });
  }
  let next = 0;
  const tryRun = (d: number, e: number): void => {
    if (d < next) return;
    const start = documentStart(text, d);
    // Room for a word before it: a cell of a number alone, most of them, costs no more than this.
    if (start < 2) return;
    const end = documentEnd(text, e);
    next = end;
    if (glued(text, start, end) || !letterBefore(text, start)) return;
    for (const kind of DOCUMENT_KINDS) {
      if (!wanted(ctx.only, kind.entity) || !isDocumentNumber(text, start, end, kind)) continue;
      // The words first: most numbers of the shape (phone numbers) have none, and need no date parsed.
      const from = kind.named(text, start);
      if (from >= 0) {
        if (!isDate(text, start, end))
          ctx.out.push({ entity: kind.entity, start: from, end, confidence: 0.85 });
        return;
      }
    }
  };
  // A number of fewer than four digits is one only with another run of digits within a number's reach (18
  // characters and the spaces or dashes between its pieces): most numbers of prose (`495`, `64`) are words
  // apart from the next.
  forEachDigitRun(text, (d, e, before, after) => {
    if (e - d >= 4 || d - before <= 32 || after - e <= 32) tryRun(d, e);
  });
}

/**
 * Calls `visit` with each run of digits `[d, e)` of `text` in order, with where the run before it ends and the
 * one after it starts (-Infinity and Infinity where there is none): those of a long text's {@link digitRuns};
 * in a short text, where they are not listed, the run's own start and end, as if others were next to it.
 */
function forEachDigitRun(
  text: string,
  visit: (d: number, e: number, before: number, after: number) => void,
): void {
  const runs = text.length >= LONG_TEXT ? digitRuns(text) : null;
  if (runs !== null) {
    for (let k = 0; k < runs.length; k += 2)
      visit(
        runs[k]!,
        runs[k + 1]!,
        k === 0 ? -Infinity : runs[k - 1]!,
        k + 2 < runs.length ? runs[k + 2]! : Infinity,
      );
    return;
  }
  SHORT_TEXT_RUN.lastIndex = 0;
  for (let m = SHORT_TEXT_RUN.exec(text); m; m = SHORT_TEXT_RUN.exec(text))
    visit(m.index, m.index + m[0].length, m.index, m.index + m[0].length);
}

/** {@link DIGIT_RUN}'s own copy for {@link forEachDigitRun}, whose `visit` may list another text's runs. */
const SHORT_TEXT_RUN = /\d+/g;

// Dates of birth in text: a date after the words that say it is one (`DOB`, `born on`, `Geburtsdatum`, ...,
// in Russian, Ukrainian, Chinese, Japanese and Korean too). A date alone is a birth date only in a birth-date
// column (see WHOLE_ONLY_WITH_HINT).
const BIRTH_CONTEXT = new RegExp(
  '(?<![\\p{L}\\p{N}])(?:d\\.?o\\.?b\\.?|date of birth|birth ?date|birthday|born(?: on)?|geburtsdatum|geburtstag|geboren(?: am)?|geb\\.(?: am)?|date de naissance|n[\\u00e9e]e? le|fecha de nacimiento|f(?:echa|\\.) ?(?:de )?nac\\.|nacid[oa] el|data di nascita|nat[oa] il|data de nascimento|nascid[oa] em|geboortedatum|geboren op|\\u0434\\u0430\\u0442(?:\\u0430|\\u044b|\\u0443|\\u0435|\\u043e\\u0439) \\u0440\\u043e\\u0436\\u0434\\u0435\\u043d\\u0438\\u044f|\\u0434\\. ?\\u0440\\.|\\u0440\\u043e\\u0434\\u0438\\u043b(?:\\u0441\\u044f|\\u0430\\u0441\\u044c)|\\u0434\\u0430\\u0442(?:\\u0430|\\u0438|\\u0443|\\u0456|\\u043e\\u044e) \\u043d\\u0430\\u0440\\u043e\\u0434\\u0436\\u0435\\u043d\\u043d\\u044f|\\u043d\\u0430\\u0440\\u043e\\u0434\\u0438\\u043b(?:\\u0441\\u044f|\\u0430\\u0441\\u044f)|\\u751f\\u5e74\\u6708\\u65e5|\\u51fa\\u751f\\u65e5\\u671f|\\u751f\\u65e5|\\uc0dd\\ub144\\uc6d4\\uc77c)[\\s:#,=()\\u2013\\u2014-]*$',
  'iu',
);
// At a run of digits: ISO and its slashes or dots, day or month first with a four-digit year, eight digits,
// a day before a month's name.
const DATE_AT =
  /(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}([-/.])\d{1,2}\1\d{4}|\d{8}|\d{1,2}(?:st|nd|rd|th)?[ -][A-Za-z]{3,9}\.?,?[ -]\d{4})(?![\d])/y;
/**
 * A {@link DATE_SHORT_YEAR_AT} match written with its century, the latest a birth year can have: 85 is 1985,
 * 05 is 2005, 30 is 1930 (2030 is not yet).
 */
function withBirthCentury(m: RegExpExecArray): string {
  const yy = Number(m[4]);
  return `${m[1]}${m[2]}${m[3]}${m[2]}${2000 + yy <= LATEST_BIRTH_YEAR ? 2000 + yy : 1900 + yy}`;
}

/** A whole value of day, month and a two-digit year (`05/12/85`), as a birth date; null if it is none. */
function shortYearBirthDate(value: string): ReturnType<typeof parseDate> {
  DATE_SHORT_YEAR_AT.lastIndex = 0;
  const m = DATE_SHORT_YEAR_AT.exec(value);
  return m === null || m[0].length !== value.length ? null : parseDate(withBirthCentury(m));
}

// Day and month with a year of two digits (`DOB 05/12/85`, `д.р. 07.03.85`): only after the words, where the
// year is a birth year's, in the last hundred years.
const DATE_SHORT_YEAR_AT = /(\d{1,2})([-/.])(\d{1,2})\2(\d{2})(?![\d])(?![-/.]\d)/y;
// A month's name before the day: `March 7, 1985`.
const DATE_MONTH_FIRST_AT = /[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}(?!\d)/y;

/** Whether `c` is the first letter of a month's English name, in either case (J, F, M, A, S, O, N, D). */
function isMonthInitial(c: number): boolean {
  const l = c | 32;
  return l === 106 || l === 102 || l === 109 || l === 97 || l === 115 || l === 111 || l === 110 || l === 100;
}

/** The first letter of an ordinal's suffix after a day: `st`, `nd`, `rd`, `th`. */
function isOrdinalCode(c: number): boolean {
  return c === 115 || c === 110 || c === 114 || c === 116;
}

/** The year a date of birth may have, at the latest: this one. */
const LATEST_BIRTH_YEAR = new Date().getFullYear();

/** Dates of birth after their words (0.85), found at the text's runs of digits. */
function findBirthDates(ctx: Ctx): void {
  const text = ctx.text;
  let next = 0;
  const tryRun = (d: number, e: number): void => {
    if (d < next) return;
    const n = e - d;
    const c = text.charCodeAt(e);
    let start = -1;
    let end = -1;
    // Most runs of prose are followed by a space and a word: only a day before a month's name is tried.
    if (
      n === 8 ||
      ((n === 4 || n <= 2) && (c === 45 || c === 47 || c === 46)) ||
      (n <= 2 && (((c === 32 || c === 45) && isMonthInitial(text.charCodeAt(e + 1))) || isOrdinalCode(c)))
    ) {
      DATE_AT.lastIndex = d;
      const m = DATE_AT.exec(text);
      if (m) {
        start = d;
        end = d + m[0].length;
      }
    }
    if (start < 0 && n <= 2 && d >= 4 && text.charCodeAt(d - 1) === 32) {
      let w = d - 1;
      if (text.charCodeAt(w - 1) === 46) w--;
      let s = w;
      while (s > 0 && isAlnumCode(text.charCodeAt(s - 1))) s--;
      if (w - s >= 3 && isMonthInitial(text.charCodeAt(s))) {
        DATE_MONTH_FIRST_AT.lastIndex = s;
        const m = DATE_MONTH_FIRST_AT.exec(text);
        if (m) {
          start = s;
          end = s + m[0].length;
        }
      }
    }
    let short: string | undefined;
    if (start < 0 && n <= 2 && (c === 45 || c === 47 || c === 46)) {
      DATE_SHORT_YEAR_AT.lastIndex = d;
      const m = DATE_SHORT_YEAR_AT.exec(text);
      if (m) {
        start = d;
        end = d + m[0].length;
        short = withBirthCentury(m);
      }
    }
    if (start < 0 || start < 2 || glued(text, start, end)) return;
    next = end;
    const date = parseDate(short ?? text.slice(start, end));
    if (date === null || date.year < 1880 || date.year > LATEST_BIRTH_YEAR) return;
    if (precededBy(text, start, BIRTH_CONTEXT, 40))
      ctx.out.push({ entity: 'DATE_OF_BIRTH', start, end, confidence: 0.85 });
  };
  forEachDigitRun(text, tryRun);
}

/** Credential formats published by their issuers; each has a fixed prefix, so a match is near certain. */
const SECRET_PATTERNS: RegExp[] = [
  /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/g, // GitHub fine-grained tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,250}/g, // Slack tokens
  /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+/g, // Slack webhooks
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}\b/g, // Stripe secret and restricted keys
  /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, // Google API keys
  /\bya29\.[0-9A-Za-z_-]{20,}/g, // Google OAuth access tokens
  /\bglpat-[0-9A-Za-z_-]{20}\b/g, // GitLab personal access tokens
  /\bnpm_[A-Za-z0-9]{36}\b/g, // npm tokens
];
const PEM_RE =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;
const JWT_RE = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
/** The characters of a token, `[A-Za-z0-9+/_=-]`, by code: 1 where one is. */
const TOKEN_CODES = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=-')
  TOKEN_CODES[c.charCodeAt(0)] = 1;

/** The fewest characters of a token run that {@link findSecrets} tests. */
const MIN_TOKEN = 20;

function isTokenCode(c: number): boolean {
  return c < 128 && TOKEN_CODES[c] === 1;
}

/**
 * The runs of 20 token characters or more, as `[start, end)` pairs: the matches of
 * `/[A-Za-z0-9+/_=-]{20,}/g`, each a whole run. The pattern read each word to its end from every letter of
 * it (30% of the CPU time of 100 documents of 0.5 MB); a look-behind that failed inside words saved nothing;
 * a loop over every character took 4.5 ns a character of prose. This one reads the 20th character from
 * where a run could start: outside a token, no run of 20 starts before it; inside one, it reads back to the
 * token's start and goes on from there, 20 on. Prose's words are short, so it reads about one character in
 * four (1.1 ns a character).
 */
export function tokenRuns(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  // `i` is 0 or follows a character outside every token: a run that reaches `i` starts there.
  let i = 0;
  while (i + MIN_TOKEN <= n) {
    const last = i + MIN_TOKEN - 1;
    if (!isTokenCode(text.charCodeAt(last))) {
      i = last + 1;
      continue;
    }
    let k = last - 1;
    while (k >= i && isTokenCode(text.charCodeAt(k))) k--;
    if (k >= i) {
      // Fewer than 20 token characters up to `last`: a run of 20 starts after `k`.
      i = k + 1;
      continue;
    }
    let end = last + 1;
    while (end < n && isTokenCode(text.charCodeAt(end))) end++;
    out.push(i, end);
    i = end + 1;
  }
  return out;
}

const NO_RUNS: number[] = [];

/** The {@link tokenRuns} of the context's text, found once for the detectors that ask. */
function tokenRunsOf(ctx: Ctx): number[] {
  return (ctx.runs ??= tokenRuns(ctx.text));
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Entropy threshold for a token of length n: random base62 text of that length reaches about
 * log2(n) bits per character while n is small against the alphabet, and about 5.2 at length 64. Prose words,
 * identifiers and dates stay well below 0.85 * log2(n) (capped at 4.3).
 */
function entropyThreshold(n: number): number {
  return Math.min(4.3, 0.85 * Math.log2(n));
}

/**
 * `text.includes(needle)`, looked for from the needle's character at `k`: `indexOf` skips ahead to a
 * needle's first character, and prose is full of some (`e` of `eyJ`: 0.7 ns a character; from `J`, 0.01).
 */
function includesAt(text: string, needle: string, k: number): boolean {
  const c = needle[k] as string;
  for (let j = text.indexOf(c, k); j >= 0; j = text.indexOf(c, j + 1))
    if (text.startsWith(needle, j - k)) return true;
  return false;
}

/** The prefixes of {@link SECRET_PATTERNS} that start with `A` (AWS, Google), tried where an `A` is. */
const A_PREFIX = /A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|Iza)/y;

/**
 * False when none of {@link SECRET_PATTERNS} can match, so that most texts skip the ten of them. Every other
 * prefix holds `_` or one of the strings below. One pattern of all the prefixes read 2.3 ns a character of
 * prose (its first characters are common letters); these `indexOf` searches 0.8.
 */
export function mayHoldVendorSecret(text: string): boolean {
  if (
    text.includes('_') ||
    text.includes('xox') ||
    // From `.slack` (0.14 ns a character of prose; `hooks.slack` itself 0.44) and `ya29.` from its `2`.
    (text.includes('.slack') && text.includes('hooks.slack')) ||
    includesAt(text, 'ya29.', 2) ||
    text.includes('glpat-')
  ) {
    return true;
  }
  for (let j = text.indexOf('A'); j >= 0; j = text.indexOf('A', j + 1)) {
    // Every such prefix goes on with a capital: prose's "A" and "About" stop here, without the pattern.
    const c = text.charCodeAt(j + 1);
    if (c < 65 || c > 90) continue;
    A_PREFIX.lastIndex = j;
    if (A_PREFIX.test(text)) return true;
  }
  return false;
}

function findSecrets(ctx: Ctx): void {
  const text = ctx.text;
  for (const re of mayHoldVendorSecret(text) ? SECRET_PATTERNS : []) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      ctx.out.push({ entity: 'SECRET', start: m.index, end: m.index + m[0].length, confidence: 0.95 });
    }
  }
  // Its dashes first: V8 read prose for the whole string at 0.15 ns a character, for the dashes at 0.01.
  if (text.includes('-----') && text.includes('-----BEGIN')) {
    PEM_RE.lastIndex = 0;
    for (let m = PEM_RE.exec(text); m; m = PEM_RE.exec(text)) {
      if (m[0].length === 0) break;
      ctx.out.push({ entity: 'SECRET', start: m.index, end: m.index + m[0].length, confidence: 0.99 });
    }
  }
  if (includesAt(text, 'eyJ', 2)) {
    JWT_RE.lastIndex = 0;
    for (let m = JWT_RE.exec(text); m; m = JWT_RE.exec(text)) {
      if (isJwt(m[0]))
        ctx.out.push({ entity: 'SECRET', start: m.index, end: m.index + m[0].length, confidence: 0.9 });
    }
  }
  // A token needs a digit, a lower-case and a capital letter (below): text without one of them has none.
  const { digits, lower, upper } = ctx.flags;
  const runs = digits > 0 && lower > 0 && upper > 0 ? tokenRunsOf(ctx) : NO_RUNS;
  for (let k = 0; k < runs.length; k += 2) {
    const index = runs[k]!;
    const token = text.slice(index, runs[k + 1]);
    const t = token.replace(/[=]+$/, '');
    if (t.length < 20 || UUID_RE.test(t) || /^[0-9a-fA-F-]+$/.test(t)) continue;
    if (!/[0-9]/.test(t) || !/[a-z]/.test(t) || !/[A-Z]/.test(t)) continue;
    if (shannonEntropy(t) < entropyThreshold(t.length)) continue;
    ctx.out.push({ entity: 'SECRET', start: index, end: index + token.length, confidence: 0.6 });
  }
}

// Non-ASCII characters in regular expressions are written as escapes (\u2019 is the typographic apostrophe):
// esbuild leaves them as they are in a literal, and one such character makes V8 keep the whole bundle's
// source in two bytes a character, 1 MB more of every process's memory.
//
// A capitalised word in any alphabet with cases ("José", "Müller", "Łukasz"), its accents as letters or as
// combining marks; on ASCII text the same words as `\b[A-Z][a-z]+` and as fast (37 ms for the bench's 25 MB).
const CAP_WORD_RE =
  /(?<![\p{L}\p{M}\p{N}_])\p{Lu}[\p{Ll}\p{M}]+(?:['\u2019-]\p{Lu}?[\p{Ll}\p{M}]+)?(?![\p{L}\p{M}\p{N}_])/gu;
const CAP_WORD_AT = new RegExp(CAP_WORD_RE.source, 'uy');
const ONE_CAPITAL = /^\p{Lu}$/u;
/** Per UTF-16 code unit: 1 a capital (`\p{Lu}`), 2 not, 0 not met yet (filled as the text meets them). */
const CAPITAL_UNIT = new Uint8Array(65536);

/**
 * {@link CAP_WORD_RE}'s matches, found by trying it only at capitals: over Cyrillic or Greek text the
 * expression's own search of its `\p{Lu}` took 12 ns a character against 4 for this loop (a corpus of Russian
 * notes). Over English text the expression is the faster (1.4 ns), so {@link findPersons} asks this only of a
 * text with capitals beyond ASCII. The same matches: a high surrogate may start an astral capital, and is tried.
 */
export function capitalisedWordsAtCapitals(text: string, starts: number[], ends: number[]): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let k = CAPITAL_UNIT[c] as number;
    if (k === 0) {
      k = c >= 0xd800 && c <= 0xdbff ? 1 : ONE_CAPITAL.test(String.fromCharCode(c)) ? 1 : 2;
      CAPITAL_UNIT[c] = k;
    }
    if (k !== 1) continue;
    CAP_WORD_AT.lastIndex = i;
    const m = CAP_WORD_AT.exec(text);
    if (m === null) continue;
    starts.push(i);
    ends.push(i + m[0].length);
    i += m[0].length - 1;
  }
}

const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'madam', 'mx']);

/**
 * A Russian or Ukrainian patronymic in any case, in small letters: `-ович`, `-евич`, `-ьич` (`Ильич`) and
 * `-овна`, `-евна`, `-ична` with their case endings; Ukrainian `-івна`, `-ївна` and theirs. Five letters at
 * least (`Ильич`).
 */
const PATRONYMIC =
  /^[\u0430-\u044f\u0451\u0456\u0457\u0454\u0491'\u2019-]{2,}(?:(?:\u043e\u0432\u0438\u0447|\u0435\u0432\u0438\u0447|\u044c\u0438\u0447)(?:\u0430|\u0443|\u0435\u043c|\u0435|\u0435\u0432\u0456)?|(?:\u043e\u0432\u043d|\u0435\u0432\u043d|\u0438\u0447\u043d)(?:\u0430|\u044b|\u0435|\u0443|\u043e\u0439|\u043e\u044e)|(?:\u0456\u0432\u043d|\u0457\u0432\u043d)(?:\u0430|\u0438|\u0456|\u0443|\u043e\u044e))$/;

function isPatronymic(word: string): boolean {
  return word.length >= 5 && PATRONYMIC.test(word);
}

/**
 * How Russian and Ukrainian family names end, in any case (`Ковальская`, `Ковальской`, `Шевченко`, `Мельник`
 * aside): `-ов`, `-ев`, `-ин`, `-ский`, `-цкий`, `-енко`, `-ук`, `-юк` and their feminine and case forms.
 */
const FAMILY_NAME_ENDING =
  /(?:[\u043e\u0435\u0451]\u0432|[\u0438\u044b]\u043d)(?:\u0430|\u0443|\u044b|\u043e\u0439|\u044b\u043c|\u0435|\u043e\u043c|\u0438\u043c)?$|(?:\u0441\u043a|\u0446\u043a)(?:\u0438\u0439|\u0430\u044f|\u043e\u0439|\u043e\u0433\u043e|\u043e\u043c\u0443|\u0438\u043c|\u0443\u044e|\u0438\u0439|\u0430)$|\u0435\u043d\u043a\u043e$|[\u0443\u044e]\u043a(?:\u0430|\u0443|\u043e\u043c)?$/;

// Chinese, Japanese and Korean names in running text, which has no capitals to find them by and, but for
// Korean, no spaces: a family name of the commonest (China's hundred, some 85% of its people, in both scripts,
// and the compound ones; Japan's hundred or so; Korea's hundred) before a title (`先生`, `女士`, `老师`; `さん`, `様`, `氏`;
// `씨`, `님`) or after a label (`姓名：`, `氏名:`, `이름:`). A family name before a title alone is a name too
// (`王先生`, Mr Wang), less surely.
const ZH_SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢' +
    '姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤' +
    '張劉陳楊黃趙吳孫馬羅鄭謝許韓馮鄧蕭葉蘇呂盧鍾譚陸賈韋鄒閆龍賀顧龔萬錢嚴湯',
);
const ZH_COMPOUND_SURNAMES = new Set(
  '欧阳 歐陽 司马 司馬 诸葛 諸葛 上官 东方 東方 慕容 皇甫 令狐 公孙 公孫 夏侯 尉迟 尉遲 长孙 長孫 宇文 司徒 端木 南宫 南宮'.split(
    ' ',
  ),
);
const JA_SURNAMES = new Set(
  (
    '佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 斉藤 清水 ' +
    '山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 福田 太田 ' +
    '西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 内田 柴田 酒井 ' +
    '宮崎 横山 高木 安藤 宮本 大野 小島 谷口 今井 工藤 高田 増田 丸山 杉山 村田 大塚 新井 小山 平野 藤本 河野 上野 ' +
    '野口 武田 松井 千葉 岩崎 菅原 木下 久保 佐野 野村 松尾 菊地 杉本 市川 古川 大西 島田 水野 桜井 高野 吉川 ' +
    '山内 西田 飯田 菊池 西川 小松 北村 安田 五十嵐 川口 平田 関 中田 久保田 服部 岩田 土屋 川崎 福島 本田 辻 樋口'
  ).split(' '),
);
const KO_SURNAMES = new Set(
  '김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부가복태목형피두감음빈동온호범좌',
);
const KO_COMPOUND_SURNAMES = new Set(['남궁', '황보', '제갈', '선우', '독고', '사공', '서문']);
const ZH_TITLES =
  '先生|女士|小姐|老师|老師|医生|醫生|大夫|同学|同學|经理|經理|教授|律师|律師|师傅|師傅|护士|護士|阿姨';
const JA_TITLES = 'さん|さま|様|氏|くん|ちゃん|先生|君';
const KO_TITLES = '씨|님|고객님|회원님|선생님|환자분';
const CJK_LABELS =
  '姓名|名字|联系人|聯絡人|聯繫人|联络人|收件人|收货人|收貨人|申请人|申請人|患者|病人|客户|客戶|氏名|お名前|名前|患者名|이름|성명|성함|고객명|환자명';
/** Whether a text may hold a name {@link findCjkNames} finds: a title or a label. */
const CJK_NAME_CUE = new RegExp(`${ZH_TITLES}|${JA_TITLES}|${KO_TITLES}|${CJK_LABELS}`);
/** The text {@link hasCjkNameCue} last found a cue in: {@link findCjkNames} does not look again. */
let cjkCueText: string | undefined;

function hasCjkNameCue(text: string): boolean {
  if (!CJK_NAME_CUE.test(text)) return false;
  cjkCueText = text;
  return true;
}
const CJK_ANY = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/;
const CJK_TITLE = new RegExp(`(?:${ZH_TITLES}|${JA_TITLES})|(?<=[\\uac00-\\ud7af] ?)(?:${KO_TITLES})`, 'g');
const CJK_LABEL = new RegExp(`(?:${CJK_LABELS})[ \\t]*[:\\uff1a][ \\t\\u3000]*`, 'g');
/**
 * Chinese characters of grammar, and the last of verbs often before a person (`告诉`, `联系`, `会见`), that a
 * family name's character may follow in running text (`于是王老师`: `于` a family name too): a name that would
 * take one in is read without it, and a family name alone is read only after one. None is a common family name
 * but `向` (as a preposition far more often) nor a common given name's character.
 */
const ZH_FUNCTION_CHARS = new Set(
  '是的了在和与跟给对向请让被把说找叫问位个们这那我你他她它也都就还又很为从到及或告诉訴系繫见見',
);

function isHan(c: number): boolean {
  return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || c === 0x3005;
}
function isKana(c: number): boolean {
  return c >= 0x3040 && c <= 0x30ff;
}
function isHangul(c: number): boolean {
  return c >= 0xac00 && c <= 0xd7af;
}

/** The start of a Chinese name ending at `end` (before a title); -1 if none. */
function chineseNameBefore(text: string, end: number): number {
  // The longest reading first (a family name and two characters), none taking in a character of grammar.
  for (let given = 2; given >= 0; given--) {
    for (const length of [2, 1]) {
      const start = end - given - length;
      if (start < 0) continue;
      let ok = true;
      for (let k = start; k < end && ok; k++)
        ok = isHan(text.charCodeAt(k)) && !ZH_FUNCTION_CHARS.has(text[k]!);
      if (!ok) continue;
      const surname = text.slice(start, start + length);
      if (!(length === 2 ? ZH_COMPOUND_SURNAMES.has(surname) : ZH_SURNAMES.has(surname))) continue;
      // A family name alone ends a word as often (`历史老师`, a history teacher: `史` a family name too): only
      // after a character that starts one (none, punctuation, a space, a word of grammar).
      const before = start > 0 ? text.charCodeAt(start - 1) : -1;
      if (given === 0 && isHan(before) && !ZH_FUNCTION_CHARS.has(text[start - 1]!)) continue;
      return start;
    }
  }
  return -1;
}

/**
 * The start of a Japanese name ending at `end`: a family name, then up to three characters of a given name, in
 * kanji or katakana (hiragana are grammar's as often: `関する様々`, `関数と同様` read `関` a family name).
 */
function japaneseNameBefore(text: string, end: number): number {
  let e = end;
  while (e > 0 && (text[e - 1] === ' ' || text[e - 1] === '\u3000')) e--;
  for (let given = 0; given <= 3; given++) {
    const at = e - given;
    if (at <= 0) break;
    let ok = true;
    for (let k = at; k < e && ok; k++) {
      const c = text.charCodeAt(k);
      ok = isHan(c) || (c >= 0x30a0 && c <= 0x30ff);
    }
    if (!ok) break;
    // A space between the family and given names (`田中 太郎`).
    let s = at;
    if (given > 0 && (text[s - 1] === ' ' || text[s - 1] === '\u3000')) s--;
    for (const length of [3, 2, 1]) {
      if (s - length < 0) continue;
      if (JA_SURNAMES.has(text.slice(s - length, s))) return s - length;
    }
  }
  return -1;
}

/** The start of a Korean name of three syllables (four with a compound family name) ending at `end`; else -1. */
function koreanNameBefore(text: string, end: number): number {
  let e = end;
  if (text[e - 1] === ' ') e--;
  for (const length of [3, 4]) {
    const start = e - length;
    if (start < 0 || (start > 0 && isHangul(text.charCodeAt(start - 1)))) continue;
    let ok = true;
    for (let k = start; k < e && ok; k++) ok = isHangul(text.charCodeAt(k));
    if (!ok) continue;
    const name = text.slice(start, e);
    if (length === 3 ? KO_SURNAMES.has(name[0]!) : KO_COMPOUND_SURNAMES.has(name.slice(0, 2))) return start;
  }
  return -1;
}

/** Chinese, Japanese and Korean names before a title or after a label (see {@link ZH_SURNAMES}). */
function findCjkNames(ctx: Ctx): void {
  const text = ctx.text;
  // Asked once a text: by the counts' trigger, or here for a text another trigger let through.
  if (text !== cjkCueText && !CJK_NAME_CUE.test(text)) return;
  CJK_TITLE.lastIndex = 0;
  for (let m = CJK_TITLE.exec(text); m; m = CJK_TITLE.exec(text)) {
    const title = m[0];
    const end = m.index;
    const c = text.charCodeAt(end - 1);
    let start = -1;
    let surnameOnly = false;
    if (KO_TITLE_SET.has(title) && (isHangul(c) || c === 32)) {
      start = koreanNameBefore(text, end);
      // A trade's title takes `님` as a name does, and ends in `사` (`변호사님`, `정비사님`; `士`, `師`).
      if (start >= 0 && title === '님' && text[end - 1] === '사') start = -1;
    } else if (isHan(c) || isKana(c) || c === 32 || c === 0x3000) {
      const honorific = JA_TITLE_SET.has(title) && !(title === '\u69d8' && notHonorificSama(text, end));
      start = honorific ? japaneseNameBefore(text, end) : -1;
      if (start < 0 && ZH_TITLE_SET.has(title) && isHan(c)) {
        start = chineseNameBefore(text, end);
        surnameOnly = start >= 0 && end - start <= (ZH_COMPOUND_SURNAMES.has(text.slice(start, end)) ? 2 : 1);
      }
    }
    if (start < 0) continue;
    let stop = end;
    while (text[stop - 1] === ' ' || text[stop - 1] === '\u3000') stop--;
    // `님` follows a role's word of three syllables (`운영자님`) as it does a name: less sure.
    const confidence = surnameOnly ? 0.6 : title === '님' ? 0.6 : 0.8;
    ctx.out.push({ entity: 'PERSON', start, end: stop, confidence });
  }
  // A label ends in a colon: a text without one is not searched for them.
  if (!text.includes(':') && !text.includes('\uff1a')) return;
  CJK_LABEL.lastIndex = 0;
  for (let m = CJK_LABEL.exec(text); m; m = CJK_LABEL.exec(text)) {
    const from = m.index + m[0].length;
    // The name: a run of Han or kana (one space inside, in Japanese), or of Hangul, up to the next character.
    let to = from;
    const hangul = isHangul(text.charCodeAt(from));
    while (to < text.length) {
      const c = text.charCodeAt(to);
      if (hangul ? isHangul(c) : isHan(c) || isKana(c)) to++;
      else if (!hangul && (c === 32 || c === 0x3000) && to > from && isHan(text.charCodeAt(to + 1))) to++;
      else break;
    }
    const compact = text.slice(from, to).replace(/[ \u3000]/g, '');
    let ok = false;
    if (hangul) ok = koreanNameBefore(text, to) === from;
    else if (compact.length >= 2 && compact.length <= 5) {
      const ja = [3, 2, 1].some((l) => JA_SURNAMES.has(compact.slice(0, l)) && compact.length > l);
      const zh =
        compact.length <= 3
          ? ZH_SURNAMES.has(compact[0]!)
          : compact.length === 4 && ZH_COMPOUND_SURNAMES.has(compact.slice(0, 2));
      ok = ja || zh;
    }
    if (ok) ctx.out.push({ entity: 'PERSON', start: from, end: to, confidence: 0.85 });
  }
}
/**
 * `様` in a word rather than after a name: `様々` (various), `同様` (likewise), `模様`, `仕様`, `多様`, `一様`, `異様`,
 * `有様`, `王様`, `神様`, `皆様`, `お客様`, `奥様`, `貴様`, `左様`, `斯様`.
 */
function notHonorificSama(text: string, at: number): boolean {
  return text[at + 1] === '\u3005' || SAMA_WORDS.has(text[at - 1] ?? '');
}
const SAMA_WORDS = new Set('同模仕多一異有王神皆客奥貴左斯');

const ZH_TITLE_SET = new Set(ZH_TITLES.split('|'));
const JA_TITLE_SET = new Set(JA_TITLES.split('|'));
const KO_TITLE_SET = new Set(KO_TITLES.split('|'));
/**
 * Given names that are also everyday English words ("Grace Period", "Mark Down", "Chase Bank"): in running
 * text they count only before a known family name.
 */
const AMBIGUOUS_GIVEN_NAMES = new Set(
  (
    'grace mark chase jack will bill bob rose hope faith joy dawn summer autumn april may june august pat sue ' +
    'art guy frank rich chance christian sunny destiny crystal amber ruby pearl iris lily daisy holly ivy jade ' +
    'sky river rock stone miles gene carol victor king earl duke prince major page penny sandy rusty dusty ' +
    'wade grant hunter price rocky young lane dean max van della nice'
  ).split(' '),
);

/**
 * Names in running text: a known given name followed by a capitalised word that the lexicon does not know as an
 * ordinary word ("Maria Garcia", "John F. Kennedy"), or an honorific and a capitalised word ("Dr. Okafor").
 */
function findPersons(ctx: Ctx): void {
  const lex = lexicon();
  const text = ctx.text;
  // The capitalised words' spans, their lower-case forms made only for words near the next: in prose most
  // capitals are a sentence apart, and an object and a lower-case copy for each took 0.15 s of a corpus's 3.
  const starts: number[] = [];
  const ends: number[] = [];
  if (ctx.flags.beyond > 0) {
    capitalisedWordsAtCapitals(text, starts, ends);
  } else {
    CAP_WORD_RE.lastIndex = 0;
    for (let m = CAP_WORD_RE.exec(text); m; m = CAP_WORD_RE.exec(text)) {
      starts.push(m.index);
      ends.push(m.index + m[0].length);
    }
  }
  const lowers: (string | undefined)[] = new Array<string | undefined>(starts.length);
  const lower = (k: number): string =>
    (lowers[k] ??= lexiconKey(text.slice(starts[k], ends[k]).toLowerCase()));
  // A Russian or Ukrainian name in another case than the lexicon's (`Иваном Петровым`): only where a word has
  // a capital beyond ASCII, and only once it is not known as it stands.
  const cyrillic = ctx.flags.beyond > 0;
  const known = (names: ReadonlySet<string>, k: number): boolean =>
    names.has(lower(k)) || (cyrillic && declinedName(text.slice(starts[k], ends[k]).toLowerCase(), names));
  const n = starts.length;
  // Where the last name found ends: a family name before a patronymic is not taken from it.
  let taken = 0;
  for (let i = 0; i < n; i++) {
    let j = i + 1;
    if (j >= n) break;
    // Each test below needs the next word at most four characters on (" F. "); most are further.
    if (starts[j]! - ends[i]! > 4) continue;
    let gap = text.slice(ends[i], starts[j]);
    // A middle initial: "John F. Kennedy".
    if (/^ [A-Z]\. $/.test(gap) && j + 1 < n) {
      j++;
      gap = text.slice(ends[i], starts[j]);
    }
    if (HONORIFICS.has(lower(i)) && /^\.? $/.test(gap)) {
      if (lex.commonWords.has(lower(j)) && !lex.lastNames.has(lower(j))) continue;
      ctx.out.push({ entity: 'PERSON', start: starts[i]!, end: ends[j]!, confidence: 0.7 });
      i = j;
      continue;
    }
    // The gap first: a word before a sentence's end (`Москва. Заказ`) is not looked up in another case.
    if (!/^ (?:[A-Z]\. )?$/.test(gap)) continue;
    // A Russian or Ukrainian patronymic after a capitalised word (`Зарема Руслановна`, `Оксани Петрівни`): a given
    // name and a father's, whatever names the lexicon has; a family name beside them is taken in, after them
    // (`Анна Сергеевна Ковальская`) or before (`Иванов Иван Иванович`), when the lexicon knows it or it ends as
    // one does. A given name the lexicon lacks counts only with such a family name: a capitalised verb before a
    // patronymic said alone (`Позвоните Петровичу`) is none.
    if (cyrillic && gap === ' ' && isPatronymic(text.slice(starts[j], ends[j]).toLowerCase())) {
      let start = starts[i]!;
      let end = ends[j]!;
      const familyName = (k: number): boolean =>
        known(lex.lastNames, k) || FAMILY_NAME_ENDING.test(text.slice(starts[k], ends[k]).toLowerCase());
      let family = true;
      if (j + 1 < n && text.slice(ends[j], starts[j + 1]) === ' ' && familyName(j + 1)) {
        end = ends[j + 1]!;
        j++;
      } else if (
        i > 0 &&
        starts[i - 1]! >= taken &&
        text.slice(ends[i - 1], starts[i]) === ' ' &&
        familyName(i - 1)
      ) {
        start = starts[i - 1]!;
      } else family = false;
      if (!family && !known(lex.firstNames, i)) continue;
      ctx.out.push({ entity: 'PERSON', start, end, confidence: 0.85 });
      taken = end;
      i = j;
      continue;
    }
    if (!known(lex.firstNames, i)) continue;
    const isLast = known(lex.lastNames, j);
    if (!isLast && AMBIGUOUS_GIVEN_NAMES.has(lower(i))) continue;
    if (
      !isLast &&
      (lex.commonWords.has(lower(j)) || lex.cities.has(lower(j)) || lex.countries.has(lower(j)))
    ) {
      continue;
    }
    let end = ends[j]!;
    if (j + 1 < n && text.slice(ends[j], starts[j + 1]) === ' ' && known(lex.lastNames, j + 1)) {
      end = ends[j + 1]!;
      j++;
    }
    ctx.out.push({ entity: 'PERSON', start: starts[i]!, end, confidence: isLast ? 0.85 : 0.65 });
    i = j;
  }
}

const STREET_RE =
  /\b\d{1,6}[A-Za-z]?\s+(?:[A-Z][a-z]+\.?\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl)\b\.?/g;
const STREET_AT = new RegExp(STREET_RE.source, 'y');

/** Where a US street address can start: a house number of up to six digits, a letter perhaps, white space. */
function mayStartStreet(text: string, d: number, e: number): boolean {
  if (e - d > 6) return false;
  let c = text.charCodeAt(e);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) c = text.charCodeAt(e + 1);
  return isSpaceCode(c);
}

export const STREET_SEARCH: DigitSearch = {
  re: STREET_RE,
  sticky: STREET_AT,
  starts: atRunStart(mayStartStreet),
};

const STRASSE_RE =
  /\b[A-Z\u00c4\u00d6\u00dc][a-z\u00e4\u00f6\u00fc\u00df]+(?:stra\u00dfe|strasse|str\.|weg|gasse|platz|allee|ring|damm)\s+\d{1,4}[a-z]?(?![\p{L}\d])/gu;
const US_STATES =
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR';
const ZIP_AFTER_STATE_RE = new RegExp(
  `\\b(?:${US_STATES.split(' ').join('|')})\\s+(\\d{5}(?:-\\d{4})?)\\b`,
  'g',
);

/** Any whitespace (the `\s` of the patterns below). */
const WHITESPACE = /\s/;

/** The two patterns that end in white space and a number, tried only where they can start (see below). */
const STRASSE_AT = new RegExp(STRASSE_RE.source, 'uy');
const ZIP_AFTER_STATE_AT = new RegExp(ZIP_AFTER_STATE_RE.source, 'y');

/** The small letters of {@link STRASSE_RE}, `[a-z\u00e4\u00f6\u00fc\u00df]`. */
function isStreetLower(c: number): boolean {
  return (c >= 97 && c <= 122) || c === 0xe4 || c === 0xf6 || c === 0xfc || c === 0xdf;
}

/** Where the run of white space that ends before `at` starts. */
function spaceRunStart(text: string, at: number): number {
  let w = at;
  while (w > 0 && isSpaceCode(text.charCodeAt(w - 1))) w--;
  return w;
}

/**
 * The matches of a sticky pattern that ends in white space and a number of at least `minDigits` digits, in
 * the order and with the ends its global search gives. Each run of digits after white space fixes where the
 * one match that can reach it starts (`startOf`, from where the white space starts; -1 for none), and the
 * pattern is tried there. Searched from every position, German street names and ZIP codes after a state read
 * 1 and 2.1 ns a character of prose, each letter a possible start.
 */
function matchesBeforeNumbers(
  text: string,
  runs: readonly number[],
  minDigits: number,
  sticky: RegExp,
  startOf: (spaceStart: number) => number,
  each: (m: RegExpExecArray) => void,
): void {
  // A match starts at or after the end of the last (as the global search goes on from there).
  let from = 0;
  for (let k = 0; k < runs.length; k += 2) {
    const d = runs[k]!;
    if (runs[k + 1]! - d < minDigits || d === 0 || !isSpaceCode(text.charCodeAt(d - 1))) continue;
    const start = startOf(spaceRunStart(text, d));
    if (start < from) continue;
    sticky.lastIndex = start;
    const m = sticky.exec(text);
    if (m === null) continue;
    each(m);
    from = start + m[0].length;
  }
}

/** Where a German street name that ends where white space starts at `w` starts: its capital. */
function strasseStart(text: string, w: number): number {
  let j = w - 1;
  // `str.` is the one ending that is no small letter.
  if (j >= 0 && text.charCodeAt(j) === 46) j--;
  while (j >= 0 && isStreetLower(text.charCodeAt(j))) j--;
  return j;
}

/** The matches of {@link STRASSE_RE} in `text`, as its global search finds them: exported for its test. */
export function strasseMatches(text: string, each: (m: RegExpExecArray) => void): void {
  const runs = text.length < LONG_TEXT ? null : digitRuns(text);
  if (runs === null) {
    STRASSE_RE.lastIndex = 0;
    for (let m = STRASSE_RE.exec(text); m; m = STRASSE_RE.exec(text)) each(m);
  } else matchesBeforeNumbers(text, runs, 1, STRASSE_AT, (w) => strasseStart(text, w), each);
}

/** The matches of {@link ZIP_AFTER_STATE_RE} in `text`, as its global search finds them (exported for a test). */
export function zipAfterStateMatches(text: string, each: (m: RegExpExecArray) => void): void {
  const runs = text.length < LONG_TEXT ? null : digitRuns(text);
  if (runs === null) {
    ZIP_AFTER_STATE_RE.lastIndex = 0;
    for (let m = ZIP_AFTER_STATE_RE.exec(text); m; m = ZIP_AFTER_STATE_RE.exec(text)) each(m);
  } else matchesBeforeNumbers(text, runs, 5, ZIP_AFTER_STATE_AT, (w) => w - 2, each);
}

function findLocations(ctx: Ctx): void {
  const text = ctx.text;
  // Every pattern below needs whitespace: codes such as `C100000` (a capital and digits) stop here.
  if (!WHITESPACE.test(text)) return;
  STREET_RE.lastIndex = 0;
  const nextMatch = () => execFromDigits(STREET_SEARCH, text);
  for (let m = nextMatch(); m; m = nextMatch()) {
    ctx.out.push({ entity: 'LOCATION', start: m.index, end: m.index + m[0].length, confidence: 0.75 });
  }
  strasseMatches(text, (m) => {
    ctx.out.push({ entity: 'LOCATION', start: m.index, end: m.index + m[0].length, confidence: 0.7 });
  });
  if (wanted(ctx.only, 'POSTAL_CODE')) {
    zipAfterStateMatches(text, (m) => {
      const zip = m[1]!;
      const start = m.index + m[0].length - zip.length;
      ctx.out.push({ entity: 'POSTAL_CODE', start, end: start + zip.length, confidence: 0.6 });
    });
  }
}

/** Keeps the best of overlapping matches: higher confidence, then longer, then {@link PRIORITY}. */
export function resolveOverlaps(matches: EntityMatch[]): EntityMatch[] {
  if (matches.length <= 1) return matches;
  const ranked = matches
    .slice()
    .sort(
      (a, b) =>
        b.confidence - a.confidence ||
        b.end - b.start - (a.end - a.start) ||
        PRIORITY.indexOf(a.entity) - PRIORITY.indexOf(b.entity) ||
        a.start - b.start,
    );
  const kept: EntityMatch[] = [];
  if (ranked.length <= FEW_MATCHES || ranked.some((m) => m.end <= m.start)) {
    for (const m of ranked) {
      if (kept.every((k) => m.end <= k.start || m.start >= k.end)) kept.push(m);
    }
  } else {
    // Tested against every kept match, as few are above, a text with 100,000 names in it took 7 s, a time that
    // grows with the square of the matches: many are told apart by the characters they take instead.
    let from = Infinity;
    let to = 0;
    for (const m of ranked) {
      if (m.start < from) from = m.start;
      if (m.end > to) to = m.end;
    }
    const words = (to - from + 31) >>> 5;
    if (takenBits.length < words) takenBits = new Uint32Array(words);
    const taken = takenBits;
    for (const m of ranked) {
      const a = m.start - from;
      const b = m.end - from;
      let free = true;
      for (let i = a; i < b; i++) {
        if (((taken[i >>> 5]! >>> (i & 31)) & 1) === 1) {
          free = false;
          break;
        }
      }
      if (!free) continue;
      for (let i = a; i < b; i++) taken[i >>> 5]! |= 1 << (i & 31);
      kept.push(m);
    }
    taken.fill(0, 0, words);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Matches of one text told apart by comparing each with every kept one (see {@link resolveOverlaps}). */
const FEW_MATCHES = 32;

/**
 * A bit for each character of the span that {@link resolveOverlaps}'s many matches take, reused and cleared:
 * a byte array made for each text's span (half a megabyte for a document) raised the bench corpus's peak by
 * 30 MB. Grows to the longest span met, 2 MB for the longest cell the reader keeps.
 */
let takenBits = new Uint32Array(1024);

/**
 * A character that some trigger in {@link worthSearching} needs (the rest need `www.`): the capitals beyond
 * ASCII as {@link CASED_UPPER} has them, and the small letters between them too, which rule out nothing.
 */
const TRIGGER_CHAR = /[0-9A-Z@:\u00c0-\u052f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/;

/**
 * `www.` in any case. A module constant: a regular expression literal is a new object each time it is
 * evaluated, and this one was met by every cell with a dot (a decimal number): in a table of 20,000
 * measurement columns, an eighth of what the scan allocated.
 */
const WWW = /www\./i;

/**
 * False when no detector could find anything in `text`, from a count of its character classes: most cells of
 * a table. Cheaper than a memo lookup (both read the text once, a lookup then probes a table), so the scanner
 * asks this first and memoises only what passes. Leaves the counts in {@link FLAGS} when true.
 */
export function worthSearching(text: string): boolean {
  if (text.length < 4) return false;
  // Every trigger below needs a digit, a capital, `@` or `:`, or else `www.` in lower case. A regular
  // expression rules them out in a long text about twice as fast as the count does (free-text notes).
  if (text.length >= 16 && !TRIGGER_CHAR.test(text) && !text.includes('www.')) return false;
  return triggeredByCounts(text);
}

/**
 * Whether capitalised words may follow their capitals: two small ASCII letters, or two capitals beyond ASCII,
 * whose words' small letters (Cyrillic, Greek) the counts do not see.
 */
function mayHoldWords(flags: Flags): boolean {
  return flags.lower >= 2 || flags.beyond >= 2;
}

/** {@link worthSearching} without its shortcut, from the counts alone: exported for the test that checks it. */
export function triggeredByCounts(text: string): boolean {
  if (text.length < 4) return false;
  const flags = scanFlags(text);
  // Each clause is the weakest trigger of some detector in `run`.
  const triggered =
    flags.at ||
    flags.digits >= 7 ||
    (flags.digits >= 4 && flags.dots >= 3) ||
    flags.upper >= 2 ||
    (flags.beyond > 0 && flags.upper + flags.beyond >= 2 && mayHoldWords(flags)) ||
    flags.colons >= 2 ||
    (flags.upper >= 1 && flags.digits >= 1) ||
    (text.length >= 20 && flags.upper + flags.digits > 0) ||
    // A passport or licence number after its name in small letters (`passport 123456`, `\u62a4\u7167 E1234567`).
    (flags.digits >= 4 && text.length >= 8 && (flags.lower >= 2 || hasNonAscii(text))) ||
    ((flags.colons > 0 || flags.dots > 0) && (text.includes('://') || WWW.test(text))) ||
    (flags.cjk >= 2 && hasCjkNameCue(text));
  if (!triggered) return false;
  // A date alone (a sign-up or birth date column, scanned cell by cell) has at most 8 digits, so only the
  // phone search runs on it, and its every candidate is the date itself, which DATE_PREFIX rejects, or has
  // fewer than 7 digits. Answering here skips that search: half a microsecond a cell, a sixth of the
  // scanner's time on the bench file.
  return !(flags.digits <= 8 && text.length <= 10 && flags.upper + flags.lower === 0 && DATE_ONLY.test(text));
}

function run(
  text: string,
  options: DetectOptions | undefined,
  whole: boolean,
  /** {@link worthSearching} was just asked of `text`, and said yes: its counts are in FLAGS. */
  worth = false,
): EntityMatch[] {
  // Most cells of a table trigger nothing: answer before building any state.
  if (!worth && !worthSearching(text)) return NO_MATCHES;
  const flags = FLAGS;
  const only = options?.entities;
  const ctx: Ctx = {
    text,
    flags,
    region: options?.defaultRegion ?? 'US',
    whole,
    only,
    hint: options?.hint,
    out: [],
  };
  const letters = flags.upper + flags.lower;
  if (flags.at && wanted(only, 'EMAIL_ADDRESS')) findEmails(ctx);
  if (flags.colons > 0 || flags.dots > 0) {
    if (wanted(only, 'URL') && (text.includes('://') || WWW.test(text))) findUrls(ctx);
  }
  if (wanted(only, 'IP_ADDRESS') && ((flags.digits >= 4 && flags.dots >= 3) || flags.colons >= 2))
    findIps(ctx);
  if (
    text.length >= 17 &&
    (flags.colons >= 2 || (flags.digits >= 4 && text.includes('-'))) &&
    wanted(only, 'MAC_ADDRESS')
  )
    findMacs(ctx);
  if (flags.digits >= 7 && wanted(only, 'PHONE_NUMBER')) findPhones(ctx);
  if (flags.digits >= 11 && wanted(only, 'CN_MOBILE')) findCnMobiles(ctx);
  if (flags.digits >= 9 && (wanted(only, 'US_SSN') || wanted(only, 'US_ITIN'))) findSsns(ctx);
  if (flags.digits >= 13 && wanted(only, 'CREDIT_CARD')) findCards(ctx);
  if (flags.digits >= 17 && wanted(only, 'CN_RESIDENT_ID')) findCnIds(ctx);
  if (flags.digits >= 2) findNationalIds(ctx);
  if (flags.digits >= 4 && (letters > 0 || isDocumentHint(ctx.hint) || hasNonAscii(text))) {
    // Both want words before a number: a code such as `C100000`, a table's id in every row, has none.
    const worded = isDocumentHint(ctx.hint) || wordBeforeDigits(text);
    if (
      worded &&
      (wanted(only, 'PASSPORT') || wanted(only, 'DRIVER_LICENSE') || wanted(only, 'MEDICAL_RECORD_NUMBER'))
    )
      findDocumentNumbers(ctx);
    if (worded && wanted(only, 'DATE_OF_BIRTH')) findBirthDates(ctx);
  }
  if (flags.upper >= 2 && flags.digits >= 10 && wanted(only, 'IBAN_CODE')) findIbans(ctx);
  if (text.length >= 26 && flags.digits > 0 && letters > 0 && wanted(only, 'CRYPTO')) findCrypto(ctx);
  if (text.length >= 20 && wanted(only, 'SECRET') && (flags.upper > 0 || flags.digits > 0)) findSecrets(ctx);
  if (flags.upper + flags.beyond >= 2 && mayHoldWords(flags) && wanted(only, 'PERSON')) findPersons(ctx);
  if ((flags.cjk >= 2 || (!flags.complete && CJK_ANY.test(text))) && wanted(only, 'PERSON'))
    findCjkNames(ctx);
  if (flags.upper >= 1 && flags.digits >= 1 && (wanted(only, 'LOCATION') || wanted(only, 'POSTAL_CODE')))
    findLocations(ctx);
  if (flags.digits > 0 && flags.upper > 0 && wanted(only, 'LICENSE_PLATE')) findPlates(ctx);
  if (flags.dots >= 2 && flags.digits >= 6 && letters > 0 && wanted(only, 'GEO_COORDINATE'))
    findCoordinates(ctx);
  if (ctx.out.length === 0) return NO_MATCHES;
  const min = options?.minConfidence ?? 0.5;
  const kept = ctx.out.filter((m) => m.confidence >= min && wanted(only, m.entity));
  return kept.length === 0 ? NO_MATCHES : resolveOverlaps(kept);
}

/**
 * Finds personal data and secrets in free text: every match with its entity, UTF-16 offsets and confidence,
 * overlapping candidates resolved to the most certain. POSTAL_CODE is only found after a US state code
 * ("CA 94107"), DATE_OF_BIRTH only after the words that say it is one ("DOB 1985-05-12"; a date alone is a
 * birth date only in a birth-date column: see {@link matchWholeValue}).
 */
export function detectEntities(text: string, options?: DetectOptions): EntityMatch[] {
  return run(text, options, false);
}

export interface WholeValueOptions {
  defaultRegion?: CountryCode;
  /**
   * The entity the column's header announces (from `headerEvidence`). Weak forms count for that entity only:
   * unformatted 9-digit SSNs, single given names, bare city names, postal codes, dates of birth.
   */
  hint?: EntityType;
  /** Default 0.5; matches of the hinted entity need only 0.3 (0.45 with `weakHint`). */
  minConfidence?: number;
  /** The hint comes from an ambiguous name (a bare `name`): weak forms need more support. */
  weakHint?: boolean;
}

export interface WholeValueMatch {
  entity: EntityType;
  confidence: number;
}

const POSTAL_PATTERNS: RegExp[] = [
  /^\d{5}(?:-\d{4})?$/, // US ZIP, ZIP+4; also DE, FR, ES, IT
  /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i, // UK
  /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/i, // Canada
  /^\d{4} ?[A-Z]{2}$/i, // Netherlands
  /^\d{3}-\d{4}$/, // Japan
  /^\d{2}-\d{3}$/, // Poland
  /^\d{4}$|^\d{6}$/, // AT, CH, BE, DK, AU, NO / CN, IN, RU, SG
];

// Module constants: esbuild writes these literals as `new RegExp(...)` calls, which would compile (or look
// up) the pattern on every call.
const UPPER_FIRST = /^\p{Lu}/u;
const PLACE_NAME = /^\p{Lu}[\p{L}'. -]*$/u;

/**
 * Whether trimmed `value` has at least `runs` runs of white space (so `runs + 1` words), counted up to there:
 * splitting a long document into all its words to find it had more than four took a tenth of the audit of a
 * corpus.
 */
function hasSpaceRuns(value: string, runs: number): boolean {
  let seen = 0;
  let inSpace = false;
  for (let i = 0; i < value.length; i++) {
    const space = isSpaceCode(value.charCodeAt(i));
    if (space && !inSpace && ++seen >= runs) return true;
    inSpace = space;
  }
  return false;
}

/** The characters of `\s`. */
export function isSpaceCode(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** A letter with case, in any script. */
const CASED = /[\p{Lu}\p{Ll}]/u;
const CJK = /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u;

function personWholeConfidence(value: string): number {
  // Six words or more are more than four in either form below (the comma form has one more or one fewer at
  // most). The value is trimmed: its runs of white space are between words.
  if (hasSpaceRuns(value, 5)) return 0;
  const lex = lexicon();
  let tokens: string[];
  const comma = /^([^,]+),\s*([^,]+)$/.exec(value);
  // "Garcia, Maria" is family name first.
  if (comma) tokens = [...comma[2]!.trim().split(/\s+/), ...comma[1]!.trim().split(/\s+/)];
  else tokens = value.split(/\s+/);
  if (tokens.length > 4 || tokens.some((t) => !/^[\p{L}][\p{L}\p{M}'\u2019.-]*$/u.test(t))) return 0;
  // Scripts without capitals nor a lexicon (Chinese, Arabic, Hebrew, Devanagari, Hangul, Thai): as unknown
  // capitalised words are, a name only under a header that names one, not under a bare `name`. A Chinese,
  // Japanese or Korean name is two to five characters a word; an address or a phrase is longer.
  if (!CASED.test(value)) return tokens.every((t) => t.length <= (CJK.test(t) ? 5 : 12)) ? 0.35 : 0;
  const lower = tokens.map((t) => lexiconKey(t.toLowerCase().replace(/\.$/, '')));
  const first = lower[0]!;
  const last = lower[lower.length - 1]!;
  const capitalised = tokens.every((t) => UPPER_FIRST.test(t));
  if (tokens.length === 1) {
    if (lex.firstNames.has(first) || lex.lastNames.has(first)) return 0.45;
    return capitalised && !lex.commonWords.has(first) ? 0.3 : 0;
  }
  const firstKnown = lex.firstNames.has(first);
  const lastKnown = lex.lastNames.has(last);
  if (firstKnown && lastKnown) return 0.9;
  if (firstKnown && !lex.commonWords.has(last)) return 0.75;
  if (lastKnown && !lex.commonWords.has(first)) return 0.6;
  if (capitalised && lower.every((w) => !lex.commonWords.has(w))) return 0.35;
  return 0;
}

function locationWholeConfidence(value: string): number {
  const lex = lexicon();
  const lower = lexiconKey(value.toLowerCase().replace(/[-_]/g, ' ').trim());
  if (lex.cities.has(lower)) return 0.6;
  if (lex.countries.has(lower)) return 0.4;
  return PLACE_NAME.test(value) ? 0.3 : 0;
}

// Coordinates to three decimals or more (a tenth of a kilometre at the equator, a street's block; four, a
// house): a latitude or longitude alone, a pair (`40.7128, -74.0060`), or a WKT point (`POINT(-74.006 40.7128)`,
// longitude first). Fewer decimals say a town, no finer.
const COORDINATE = /^[-+]?\d{1,3}\.\d{3,}$/;
const COORDINATE_PAIR = /^[([]?\s*([-+]?\d{1,3}\.\d{3,})\s*[,; ]\s*([-+]?\d{1,3}\.\d{3,})\s*[)\]]?$/;
// A track: a JSON array of [longitude, latitude] pairs (`[[-8.618643,41.141412],[-8.618499,41.141376]]`, as the
// Porto taxi trajectories' POLYLINE holds them), its first point precise. A person's path, where a map's lines
// and regions (WKT or GeoJSON under a geometry header) are none.
const TRACK =
  /^\[\s*\[\s*([-+]?\d{1,3}\.\d{3,})\s*,\s*([-+]?\d{1,3}\.\d{3,})\s*\](?:\s*,\s*\[\s*[-+]?\d{1,3}\.\d+\s*,\s*[-+]?\d{1,3}\.\d+\s*\])*\s*\]$/;
// WKT points as PostGIS and GeoPandas write them: an SRID before, a height or a measure after.
const WKT_POINT =
  /^(?:SRID=\d+;)?POINT\s*(?:ZM|Z|M)?\s*\(\s*([-+]?\d{1,3}\.\d{3,})\s+([-+]?\d{1,3}\.\d{3,})(?:\s+[-+]?\d+(?:\.\d+)?){0,2}\s*\)$/i;
// A point that says it is one, found in text anywhere: WKT (`POINT(-74.0060 40.7128)`, in capitals as every
// writer puts it: a `point(x y)` in prose is a plane's) and GeoJSON (`"type": "Point", "coordinates": [-74.0060,
// 40.7128]`, the members in either order), longitude first in both.
const WKT_POINT_IN =
  /(?<![\p{L}\p{N}_])POINT\s*(?:ZM|Z|M)?\s*\(\s*([-+]?\d{1,3}\.\d{3,})\s+([-+]?\d{1,3}\.\d{3,})(?:\s+[-+]?\d+(?:\.\d+)?){0,2}\s*\)/gu;
const GEOJSON_COORDINATES =
  '"coordinates"\\s*:\\s*\\[\\s*([-+]?\\d{1,3}\\.\\d{3,})\\s*,\\s*([-+]?\\d{1,3}\\.\\d{3,})(?:\\s*,\\s*[-+]?\\d+(?:\\.\\d+)?)?\\s*\\]';
const GEOJSON_TYPE = '"type"\\s*:\\s*"Point"';
const GEOJSON_POINT_IN = new RegExp(
  `${GEOJSON_TYPE}\\s*,\\s*${GEOJSON_COORDINATES}|${GEOJSON_COORDINATES}\\s*,\\s*${GEOJSON_TYPE}`,
  'g',
);
const GEOJSON_POINT = new RegExp(`^\\{\\s*(?:${GEOJSON_POINT_IN.source})\\s*\\}$`);

/** Whether `a`, `b` are a latitude and a longitude, in either order. */
function isLatLon(a: number, b: number): boolean {
  return (Math.abs(a) <= 90 && Math.abs(b) <= 180) || (Math.abs(a) <= 180 && Math.abs(b) <= 90);
}

// In text, a pair after the words that say it is a place (`GPS: 40.7128, -74.0060`, `location (51.5074,
// -0.1278)`): two decimal numbers alone are a measurement's as often.
const COORDINATE_PAIR_AT = /[-+]?\d{1,3}\.\d{3,}\s*[,;]?\s*[-+]?\d{1,3}\.\d{3,}(?!\.?\d)/y;
const COORDINATE_CONTEXT =
  /(?<![\p{L}\p{N}])(?:gps(?: coordinates?)?|geo(?:graphic)? coordinates?|lat(?:itude)?\s*[/,&]\s*lo?ng(?:itude)?|lat\/lon|latlng|geo(?:location)?|location)[\s:=(#]*$/iu;
const DECIMAL = /[-+]?\d{1,3}\.\d+/g;

/**
 * Coordinate pairs after their words (0.85), found at the runs of digits before a decimal point; points that
 * say what they are (WKT, GeoJSON) anywhere in text (0.85), but as a whole value only under a header's hint
 * (see {@link WHOLE_ONLY_WITH_HINT}), which {@link coordinateWholeConfidence} reads.
 */
function findCoordinates(ctx: Ctx): void {
  const text = ctx.text;
  if (!ctx.whole) {
    if (text.includes('"Point"')) findPoints(ctx, GEOJSON_POINT_IN);
    if (text.includes('POINT')) findPoints(ctx, WKT_POINT_IN);
  }
  let next = 0;
  forEachDigitRun(text, (d, e) => {
    if (d < next || e - d > 3 || text.charCodeAt(e) !== 46) return;
    const sign = text.charCodeAt(d - 1);
    const start = sign === 45 || sign === 43 ? d - 1 : d;
    if (start > 0 && isWordCode(text.charCodeAt(start - 1))) return;
    COORDINATE_PAIR_AT.lastIndex = start;
    const m = COORDINATE_PAIR_AT.exec(text);
    if (m === null) return;
    next = start + m[0].length;
    const [a, b] = m[0].match(DECIMAL) as [string, string];
    if (isLatLon(Number(a), Number(b)) && precededBy(text, start, COORDINATE_CONTEXT, 40))
      ctx.out.push({ entity: 'GEO_COORDINATE', start, end: next, confidence: 0.85 });
  });
}

/** The WKT or GeoJSON points of `re` (global) in the text, longitude first. */
function findPoints(ctx: Ctx, re: RegExp): void {
  const text = ctx.text;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const lon = Number(m[1] ?? m[3]);
    const lat = Number(m[2] ?? m[4]);
    if (Math.abs(lon) <= 180 && Math.abs(lat) <= 90)
      ctx.out.push({
        entity: 'GEO_COORDINATE',
        start: m.index,
        end: m.index + m[0].length,
        confidence: 0.85,
      });
  }
}

/**
 * A whole value under a coordinates header: a precise coordinate (0.8), a geohash (0.8), a pair of them, a WKT
 * or GeoJSON point or a track (0.85); else 0.
 */
function coordinateWholeConfidence(v: string): number {
  if (COORDINATE.test(v)) return Math.abs(Number(v)) <= 180 ? 0.8 : 0;
  if (isPreciseGeohash(v)) return 0.8;
  const m = COORDINATE_PAIR.exec(v) ?? WKT_POINT.exec(v) ?? (v.charCodeAt(1) === 91 ? TRACK.exec(v) : null);
  if (m !== null) return isLatLon(Number(m[1]), Number(m[2])) ? 0.85 : 0;
  const g = v.charCodeAt(0) === 123 ? GEOJSON_POINT.exec(v) : null;
  if (g === null) return 0;
  return Math.abs(Number(g[1] ?? g[3])) <= 180 && Math.abs(Number(g[2] ?? g[4])) <= 90 ? 0.85 : 0;
}

/**
 * Entities {@link matchWholeValue} finds in a whole value only when the header's hint names them: a postal
 * code alone is any short number, and a date is a birth date only in a birth-date column (the detectors find
 * a ZIP code only after a state code and a birth date only after its words, so never as a whole value). The privacy scanner relies on it to rule a
 * column out as a quasi-identifier before its sample ends.
 */
export const WHOLE_ONLY_WITH_HINT: ReadonlySet<EntityType> = new Set<EntityType>([
  'POSTAL_CODE',
  'DATE_OF_BIRTH',
  'GEO_COORDINATE',
]);

/**
 * Classifies a whole cell value for column classification: the entity the value as a whole is (a match that
 * spans it, leading and trailing spaces aside), with its confidence, or null. With a `hint` from the header,
 * forms that are too weak on their own count for that entity (see {@link WholeValueOptions.hint}).
 */
export function matchWholeValue(value: string, options?: WholeValueOptions): WholeValueMatch | null {
  const v = value.trim();
  if (v.length === 0) return null;
  const hint = options?.hint;
  const min = options?.minConfidence ?? 0.5;
  const best = WHOLE;
  best.entity = null;
  best.confidence = 0;
  best.hint = hint;
  best.min = min;
  best.hintMin = Math.min(min, options?.weakHint ? 0.45 : 0.3);
  // Asked first, as `run` asks it, so that a value no detector could match (most of a column sample) costs no
  // options object. Nor is a value of seven words or more searched, longer than 64 characters, unless it
  // starts as a private key does: no detector's match spans one. Matches with white space in them are
  // numbers (a phone, a card, an IBAN: 64 characters at most), names and addresses (six words at most) and
  // private keys; e-mail addresses, URLs, tokens and the rest have none. A sampled note or document was
  // searched twice, as a whole value and as text.
  const prose = v.length > 64 && hasSpaceRuns(v, 6) && !v.startsWith('-----BEGIN');
  if (!prose && worthSearching(v)) {
    const matches = run(v, { defaultRegion: options?.defaultRegion, minConfidence: 0, hint }, true, true);
    for (let k = 0; k < matches.length; k++) {
      const m = matches[k] as EntityMatch;
      if (m.start === 0 && m.end === v.length) considerWhole(m.entity, m.confidence);
    }
  }
  switch (hint) {
    case 'PERSON':
      considerWhole('PERSON', personWholeConfidence(v));
      break;
    case 'LOCATION':
      considerWhole('LOCATION', locationWholeConfidence(v));
      break;
    case 'POSTAL_CODE':
      if (POSTAL_PATTERNS.some((p) => p.test(v))) considerWhole('POSTAL_CODE', 0.8);
      break;
    case 'GEO_COORDINATE': {
      const c = coordinateWholeConfidence(v);
      if (c > 0) considerWhole('GEO_COORDINATE', c);
      break;
    }
    case 'DATE_OF_BIRTH': {
      // Under a birth-date header a year of two digits is a birth year too (`05/12/85`).
      const d = parseDate(v) ?? shortYearBirthDate(v);
      if (d && d.year >= 1880 && d.year <= 2100) considerWhole('DATE_OF_BIRTH', 0.9);
      break;
    }
    default:
      // Without a hint, a name still counts when the lexicon is sure (given name and family name).
      if (UPPER_FIRST.test(v) && SPACE_OR_COMMA.test(v)) {
        const c = personWholeConfidence(v);
        if (c >= 0.75) considerWhole('PERSON', c);
      }
  }
  return best.entity === null ? null : { entity: best.entity, confidence: best.confidence };
}

/**
 * The matches that span trimmed `v` whole, found by every detector in whole-value mode, without the shortcut
 * {@link matchWholeValue} takes for prose: for the test that checks the shortcut.
 */
export function spanningMatches(v: string): EntityMatch[] {
  return run(v, { minConfidence: 0 }, true).filter((m) => m.start === 0 && m.end === v.length);
}

/**
 * The state of the {@link matchWholeValue} call under way (calls do not nest): a closure over the call's best
 * match cost an object and a context for every sampled cell, most of them matching nothing.
 */
const WHOLE: {
  entity: EntityType | null;
  confidence: number;
  hint: EntityType | undefined;
  min: number;
  hintMin: number;
} = { entity: null, confidence: 0, hint: undefined, min: 0, hintMin: 0 };

const SPACE_OR_COMMA = /\s|,/;

/** Keeps `entity` as the call's match when it is sure enough and better than the one kept. */
function considerWhole(entity: EntityType, confidence: number): void {
  const best = WHOLE;
  if (confidence < (entity === best.hint ? best.hintMin : best.min)) return;
  if (
    best.entity === null ||
    confidence > best.confidence ||
    (confidence === best.confidence && entity === best.hint)
  ) {
    best.entity = entity;
    best.confidence = confidence;
  }
}
