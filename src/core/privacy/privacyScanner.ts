/**
 * The streaming privacy scan of one table: rows go in one at a time, findings come out at the end.
 *
 * Two levels, as a reviewer reads a dataset:
 * - Column level (`privacy/pii-column`, on the header cell): most values of the column are one kind of personal
 *   data ("92% of values in 'email' are email addresses"). Decided on the first `sampleSize` non-missing values
 *   of the column (default 2,000, fewer in a table of more than 500 columns: see {@link defaultSampleSize}),
 *   where the header's evidence lowers the share needed and raises confidence.
 * - Cell level (`privacy/pii-cell`): every occurrence inside the other columns (free text, mixed content,
 *   and columns that looked clean in the sample), with the location narrowed to the match inside the cell.
 * Secrets use `privacy/secret` at both levels. Protected attributes (`privacy/protected-attribute`) and
 * quasi-identifiers (`privacy/quasi-identifier`) are information on the header.
 *
 * Cost: a column classified as personal data is not searched further (the column finding covers it); the other
 * columns run {@link detectEntities}, whose character prefilter skips most cells, with results memoised for
 * repeated short values (categories).
 */
import type { EntityType, Finding, Severity, SourceRange } from '../findings';
import { cellRange, type DataRow, type TableHeader } from '../data/table';
import { tableBudget } from '../data/profile';
import { TOP_VALUE_CHARS, detach, standIn } from '../data/sketches';
import { isPlainDecimal } from '../data/valueKinds';
import type { ProtectedKind } from '../report/auditReport';
import {
  detectEntities,
  forgetCountedText,
  matchWholeValue,
  NO_MATCHES,
  worthSearching,
  WHOLE_ONLY_WITH_HINT,
  phoneRegionOf,
  type WholeValueOptions,
  type WholeValueMatch,
  type CountryCode,
  type EntityMatch,
} from './detectors';
import {
  headerEvidence,
  mayBeVocabulary,
  normaliseHeader,
  readsEveryValue,
  recogniseProtected,
  type HeaderEvidence,
} from './headers';
import { maskExcerpt } from './mask';
import { locateInCell } from './cellLocation';
import { groupDigits } from '../numberText';

export const RULE_PII_COLUMN = 'privacy/pii-column';
export const RULE_PII_CELL = 'privacy/pii-cell';
export const RULE_SECRET = 'privacy/secret';
export const RULE_PROTECTED = 'privacy/protected-attribute';
export const RULE_QUASI_IDENTIFIER = 'privacy/quasi-identifier';

/** Tokens read as missing (compared after trimming). The policy may add more. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = [
  '',
  'NA',
  'N/A',
  'n/a',
  'na',
  'null',
  'NULL',
  'None',
  'nan',
  'NaN',
  '?',
];

export interface PrivacyScannerOptions {
  /** Put on every finding's `file`. */
  fileName?: string;
  /** At most this many findings per rule per file; the rest are counted in `truncated`. Default 1,000. */
  maxFindingsPerRule?: number;
  /** Values read as missing, in addition to nothing: this list replaces {@link DEFAULT_MISSING_TOKENS}. */
  missingTokens?: string[];
  /** Column names that are not scanned (from the policy). */
  ignoredColumns?: string[];
  /** Region for phone numbers without `+`. Default `US`. */
  defaultRegion?: CountryCode;
  /** Non-missing values per column used to classify it. Default {@link defaultSampleSize} of the width. */
  sampleSize?: number;
  /**
   * Scan only these columns (0-based), for a scan split across threads by column; the others are neither
   * scanned nor reported. Default: all.
   */
  columns?: readonly number[];
  /**
   * Start with these decisions instead of sampling (a later byte range of a scan split by rows; see
   * {@link PrivacyScanner.decisions}): every scanned column is classified from the first row and no header
   * finding is raised, so the range reports only cell findings. A column without a decision is not scanned.
   */
  decided?: readonly PrivacyDecision[];
}

/**
 * What the scanner decided for a column from the head of the file: whether the column as a whole is one
 * entity (then its cells are not searched), whether plain numbers are skipped, whether values are memoised.
 */
export interface PrivacyDecision {
  index: number;
  columnEntity: EntityType | null;
  suppressNumbers: boolean;
  memo: boolean;
  /** Whether the column is a quasi-identifier (see {@link PrivacyScanner.isQuasiIdentifier}). */
  quasiIdentifier: boolean;
}

export interface PrivacyColumn {
  name: string;
  index: number;
  /** Entities found: the column's own (column level) and those found in its cells. */
  entities: EntityType[];
  /** Share (0..1) of the sampled non-missing values whose whole value is each entity. */
  entityShares: Record<string, number>;
  protected: ProtectedKind | null;
  quasiIdentifier: boolean;
  /** Kind of quasi-identifier (`age`, `postal-code`, `sex`, ...), or null. */
  quasiIdentifierKind: string | null;
  /** Non-missing values the classification looked at. */
  sampled: number;
}

export interface PrivacyScanResult {
  findings: Finding[];
  /** Findings over the per-rule cap, by rule. */
  truncated: Record<string, number>;
  columns: PrivacyColumn[];
}

/**
 * What one scanner over some of the columns found, before the per-rule cap is applied across scanners:
 * its admitted findings in the order they were raised, each with the moment it was raised (`raisedAt`: row
 * and column being read), so that {@link mergePrivacyParts} can keep exactly the findings one scanner over
 * every column would have kept.
 */
export interface PrivacyPart {
  findings: Finding[];
  raisedAt: number[];
  truncated: Record<string, number>;
  columns: PrivacyColumn[];
}

const SEVERITY: Record<EntityType, Severity> = {
  CREDIT_CARD: 'error',
  US_SSN: 'error',
  IBAN_CODE: 'error',
  CN_RESIDENT_ID: 'error',
  ES_NIF: 'error',
  ES_NIE: 'error',
  IT_FISCAL_CODE: 'error',
  UK_NINO: 'error',
  UK_NHS: 'error',
  IN_AADHAAR: 'error',
  BR_CPF: 'error',
  PL_PESEL: 'error',
  FI_PERSONAL_IDENTITY_CODE: 'error',
  KR_RRN: 'error',
  US_ITIN: 'error',
  IN_PAN: 'error',
  NL_BSN: 'error',
  FR_NIR: 'error',
  SE_PERSONNUMMER: 'error',
  NO_FODSELSNUMMER: 'error',
  DK_CPR: 'error',
  AU_TFN: 'error',
  AU_MEDICARE: 'error',
  SG_NRIC_FIN: 'error',
  CH_AHV: 'error',
  MX_CURP: 'error',
  CL_RUT: 'error',
  BE_NATIONAL_NUMBER: 'error',
  DE_TAX_ID: 'error',
  CA_SIN: 'error',
  TR_TC_KIMLIK: 'error',
  JP_MY_NUMBER: 'error',
  ZA_ID: 'error',
  IL_ID: 'error',
  IE_PPS: 'error',
  TH_TNIN: 'error',
  DE_SVNR: 'error',
  PASSPORT: 'error',
  DRIVER_LICENSE: 'error',
  MEDICAL_LICENSE: 'error',
  MEDICAL_RECORD_NUMBER: 'error',
  US_NPI: 'warning',
  VIN: 'error',
  LICENSE_PLATE: 'error',
  US_MBI: 'error',
  IMEI: 'error',
  MAC_ADDRESS: 'warning',
  US_BANK_NUMBER: 'error',
  ABA_ROUTING_NUMBER: 'warning',
  AU_ABN: 'warning',
  IN_VOTER: 'error',
  SECRET: 'error',
  EMAIL_ADDRESS: 'warning',
  PHONE_NUMBER: 'warning',
  PERSON: 'warning',
  LOCATION: 'warning',
  GEO_COORDINATE: 'warning',
  DATE_OF_BIRTH: 'warning',
  POSTAL_CODE: 'warning',
  CN_MOBILE: 'warning',
  CRYPTO: 'warning',
  IP_ADDRESS: 'warning',
  URL: 'info',
};

const PLURAL: Record<EntityType, string> = {
  EMAIL_ADDRESS: 'email addresses',
  PHONE_NUMBER: 'phone numbers',
  CREDIT_CARD: 'payment card numbers',
  IBAN_CODE: 'IBANs (bank accounts)',
  US_SSN: 'US Social Security numbers',
  IP_ADDRESS: 'IP addresses',
  URL: 'URLs',
  CRYPTO: 'cryptocurrency addresses',
  PERSON: 'personal names',
  LOCATION: 'street addresses or places',
  GEO_COORDINATE: 'precise geographic coordinates',
  POSTAL_CODE: 'postal codes',
  DATE_OF_BIRTH: 'dates of birth',
  CN_RESIDENT_ID: 'PRC resident identity numbers',
  CN_MOBILE: 'PRC mobile numbers',
  ES_NIF: 'Spanish DNI/NIF numbers',
  ES_NIE: 'Spanish NIE numbers',
  IT_FISCAL_CODE: 'Italian fiscal codes (codice fiscale)',
  UK_NINO: 'UK National Insurance numbers',
  UK_NHS: 'NHS numbers',
  IN_AADHAAR: 'Aadhaar numbers',
  BR_CPF: 'Brazilian CPF numbers',
  PL_PESEL: 'Polish PESEL numbers',
  FI_PERSONAL_IDENTITY_CODE: 'Finnish personal identity codes',
  KR_RRN: 'Korean resident registration numbers',
  US_ITIN: 'US taxpayer identification numbers (ITIN)',
  IN_PAN: 'Indian PAN numbers',
  NL_BSN: 'Dutch BSN numbers',
  FR_NIR: 'French social security numbers (NIR)',
  SE_PERSONNUMMER: 'Swedish personal identity numbers',
  NO_FODSELSNUMMER: 'Norwegian national identity numbers',
  DK_CPR: 'Danish CPR numbers',
  AU_TFN: 'Australian tax file numbers',
  AU_MEDICARE: 'Australian Medicare numbers',
  SG_NRIC_FIN: 'Singapore NRIC/FIN numbers',
  CH_AHV: 'Swiss AHV numbers',
  MX_CURP: 'Mexican CURP codes',
  CL_RUT: 'Chilean RUT numbers',
  BE_NATIONAL_NUMBER: 'Belgian national register numbers',
  DE_TAX_ID: 'German tax ids',
  CA_SIN: 'Canadian social insurance numbers',
  TR_TC_KIMLIK: 'Turkish identity numbers',
  JP_MY_NUMBER: 'Japanese My Numbers',
  ZA_ID: 'South African identity numbers',
  IL_ID: 'Israeli identity numbers',
  IE_PPS: 'Irish PPS numbers',
  TH_TNIN: 'Thai national identity numbers',
  DE_SVNR: 'German social insurance numbers',
  PASSPORT: 'passport numbers',
  DRIVER_LICENSE: 'driving licence numbers',
  MEDICAL_LICENSE: 'DEA registration numbers',
  MEDICAL_RECORD_NUMBER: 'medical record numbers',
  US_NPI: 'National Provider Identifiers',
  VIN: 'vehicle identification numbers',
  LICENSE_PLATE: 'licence plates',
  US_MBI: 'Medicare Beneficiary Identifiers',
  IMEI: 'IMEI numbers',
  MAC_ADDRESS: 'MAC addresses',
  US_BANK_NUMBER: 'bank account numbers',
  ABA_ROUTING_NUMBER: 'ABA routing numbers',
  AU_ABN: 'Australian Business Numbers',
  IN_VOTER: 'Indian voter ID (EPIC) numbers',
  SECRET: 'secrets (keys, tokens, private keys)',
};

const SINGULAR: Record<EntityType, string> = {
  EMAIL_ADDRESS: 'An email address',
  PHONE_NUMBER: 'A phone number',
  CREDIT_CARD: 'A payment card number',
  IBAN_CODE: 'An IBAN',
  US_SSN: 'A US Social Security number',
  IP_ADDRESS: 'An IP address',
  URL: 'A URL',
  CRYPTO: 'A cryptocurrency address',
  PERSON: 'A personal name',
  LOCATION: 'A street address',
  GEO_COORDINATE: 'A precise geographic coordinate',
  POSTAL_CODE: 'A postal code',
  DATE_OF_BIRTH: 'A date of birth',
  CN_RESIDENT_ID: 'A PRC resident identity number',
  CN_MOBILE: 'A PRC mobile number',
  ES_NIF: 'A Spanish DNI/NIF number',
  ES_NIE: 'A Spanish NIE number',
  IT_FISCAL_CODE: 'An Italian fiscal code (codice fiscale)',
  UK_NINO: 'A UK National Insurance number',
  UK_NHS: 'An NHS number',
  IN_AADHAAR: 'An Aadhaar number',
  BR_CPF: 'A Brazilian CPF number',
  PL_PESEL: 'A Polish PESEL number',
  FI_PERSONAL_IDENTITY_CODE: 'A Finnish personal identity code',
  KR_RRN: 'A Korean resident registration number',
  US_ITIN: 'A US taxpayer identification number (ITIN)',
  IN_PAN: 'An Indian PAN number',
  NL_BSN: 'A Dutch BSN number',
  FR_NIR: 'A French social security number (NIR)',
  SE_PERSONNUMMER: 'A Swedish personal identity number',
  NO_FODSELSNUMMER: 'A Norwegian national identity number',
  DK_CPR: 'A Danish CPR number',
  AU_TFN: 'An Australian tax file number',
  AU_MEDICARE: 'An Australian Medicare number',
  SG_NRIC_FIN: 'A Singapore NRIC/FIN number',
  CH_AHV: 'A Swiss AHV number',
  MX_CURP: 'A Mexican CURP code',
  CL_RUT: 'A Chilean RUT number',
  BE_NATIONAL_NUMBER: 'A Belgian national register number',
  DE_TAX_ID: 'A German tax id',
  CA_SIN: 'A Canadian social insurance number',
  TR_TC_KIMLIK: 'A Turkish identity number',
  JP_MY_NUMBER: 'A Japanese My Number',
  ZA_ID: 'A South African identity number',
  IL_ID: 'An Israeli identity number',
  IE_PPS: 'An Irish PPS number',
  TH_TNIN: 'A Thai national identity number',
  DE_SVNR: 'A German social insurance number',
  PASSPORT: 'A passport number',
  DRIVER_LICENSE: 'A driving licence number',
  MEDICAL_LICENSE: 'A DEA registration number',
  MEDICAL_RECORD_NUMBER: 'A medical record number',
  US_NPI: 'A National Provider Identifier',
  VIN: 'A vehicle identification number',
  LICENSE_PLATE: 'A licence plate',
  US_MBI: 'A Medicare Beneficiary Identifier',
  IMEI: 'An IMEI number',
  MAC_ADDRESS: 'A MAC address',
  US_BANK_NUMBER: 'A bank account number',
  ABA_ROUTING_NUMBER: 'An ABA routing number',
  AU_ABN: 'An Australian Business Number',
  IN_VOTER: 'An Indian voter ID (EPIC) number',
  SECRET: 'A secret (key, token or private key)',
};

/** Share of sampled values needed to call a column one entity, without and with the header's agreement. */
const COLUMN_SHARE = 0.5;
const COLUMN_SHARE_WITH_HEADER = 0.3;
const MEMO_LIMIT = 5000;
const MEMO_MAX_LENGTH = 64;

interface PendingCell {
  row: number;
  match: EntityMatch;
  /** The cell's value, or what its finding needs of it (a long value: see {@link LongCellMatch}). */
  value: string | LongCellMatch;
  range: SourceRange | undefined;
}

/**
 * What the finding of a match in a long value needs, taken while the value is read: a column's sample keeps
 * its matches until the column is classified, and kept with them, 400 documents of 0.5 MB with an address
 * each were all held at once. The match's place in the file is worked out for as many matches of its rule in
 * the column as the cap can admit; a later one would not be shown.
 */
interface LongCellMatch {
  text: string;
  plainNumber: boolean;
  location: SourceRange | undefined;
}

interface ColumnState {
  name: string;
  index: number;
  headerLocation: SourceRange | undefined;
  hint: HeaderEvidence;
  ignored: boolean;
  /** False for a column another scanner reads (see {@link PrivacyScannerOptions.columns}). */
  owned: boolean;
  /** Before classification: counting; after: the decision. */
  classified: boolean;
  sampled: number;
  plainNumbers: number;
  /**
   * Sampled values that are each entity as a whole; null until one is. This and the other collections of a
   * column are made at their first entry: empty, a Map or a Set took about 200 bytes, and in a table of
   * 20,000 columns of numbers most stay empty.
   */
  whole: Map<EntityType, { count: number; confidence: number; example: string }> | null;
  /**
   * The first {@link PrivacyScanner.distinctSample} distinct values, trimmed, in order: `distinctCount` of
   * them, in an array made at the first with room for as many as the sample can hold; dropped at
   * classification. Made whole rather than grown: in a table thousands of columns wide every column's array
   * grew to hundreds of values and was dropped, a sixth of what was left for the full collections.
   */
  distinct: string[] | null;
  distinctCount: number;
  distinctRoom: number;
  /**
   * Values of the sample that no value test of {@link recogniseProtected} can count inside (see
   * {@link mayBeVocabulary}); -1 where the column is not tested so (a column named as an age, whose values
   * are all read). Past 30% of `distinctRoom` no test can match, and the values are no longer kept: in a table
   * thousands of columns wide of measurements, the samples held 30 to 40 MB of the scan's memory.
   */
  outside: number;
  /** False once `outside` ruled out every value test: the sample is counted, not kept. */
  keepsSample: boolean;
  /**
   * The same values as a set, built only when needed: while cells come with value ids (see `add`) and none
   * had white space to trim, a value is new exactly when its id is past `lastId` (ids number values in order
   * of first appearance). A table thousands of columns wide spent a third of its scan filling a set a column.
   */
  distinctSet: Set<string> | null;
  lastId: number;
  pending: PendingCell[] | null;
  /** Matches in long values kept in {@link pending}, by rule (see {@link PrivacyScanner.pendLong}). */
  longMatches?: Map<string, { all: number; notNumbers: number }>;
  /** Set at classification: the column's own entity (no cell scan), or null. */
  columnEntity: EntityType | null;
  /**
   * A column of numbers (ids, amounts, counts): a cell that is a number as a whole is not searched, since any
   * match inside it (a checksum that passes, digits that parse as a phone number) is chance.
   */
  suppressNumbers: boolean;
  suppressIp: boolean;
  cellEntities: Set<EntityType> | null;
  shares: Record<string, number> | null;
  protectedKind: ProtectedKind | null;
  quasiIdentifierKind: string | null;
  /** From the head's decision (a later range of a file split by rows), which classified it. */
  decidedQuasiIdentifier: boolean | undefined;
  /**
   * Results for repeated short values; null for high-cardinality columns, where lookups only cost; undefined
   * until the first result to keep.
   */
  memo: Map<string, EntityMatch[]> | null | undefined;
  /**
   * After classification: 1 for each value id (see `addRows`) whose cell was searched and held nothing. The
   * next cell of that value is then passed over without reading it: most cells of a category, a date or a
   * small number. Where the column's values do not repeat, a byte a value written for nothing.
   */
  clean: Uint8Array | null;
  /** What {@link matchWholeValue} is told about the column, made at its first sampled cell. */
  wholeOptions: WholeValueOptions | null;
  /**
   * A column named as phone numbers: the country its last number that was none of the scanner's region was
   * found valid in, and that number's options; and how many such values were looked up (see
   * {@link PHONE_REGION_TRIES}).
   */
  phoneRegion: { options: WholeValueOptions } | null;
  phoneRegionTries: number;
}

/**
 * Values of a phone-named column, not phone numbers of the scanner's region, that are looked up in other
 * countries' numbering plans ({@link phoneRegionOf}); after that, only the last country found is tried.
 */
const PHONE_REGION_TRIES = 64;

/** Value ids below this are remembered as clean (see {@link ColumnState.clean}): at most 128 KB a column. */
const CLEAN_IDS = 1 << 17;

/** Remembers that value `id` of a classified column needs no search, growing the column's list to hold it. */
function markClean(col: ColumnState, id: number): void {
  let clean = col.clean as Uint8Array;
  if (id >= clean.length) {
    const grown = new Uint8Array(Math.min(CLEAN_IDS, Math.max(2 * clean.length, id + 1)));
    grown.set(clean);
    col.clean = clean = grown;
  }
  clean[id] = 1;
}

/**
 * The 64-bit hashes (`hashString`) of the values of a batch, where `ids` are (the profiler's `laneA` and
 * `laneB`): they spare a long value's stand-in hashing it again.
 */
export interface ValueHashes {
  laneA: ArrayLike<number>;
  laneB: ArrayLike<number>;
}

/** Adds `trimmed` to the column's distinct sample unless it is there ({@link ColumnState.distinctSet}). */
function noteDistinct(
  col: ColumnState,
  value: string,
  trimmed: string,
  id: number | undefined,
  hash: ValueHashes | undefined,
  at: number,
): void {
  let set = col.distinctSet;
  if (set === null) {
    if (id !== undefined && id >= 0 && trimmed === value) {
      if (id > col.lastId) {
        col.lastId = id;
        addDistinct(col, trimmed, hash, at);
      }
      return;
    }
    // A value the profiler did not number, or one with white space: " a" is new by id but not once trimmed.
    set = col.distinctSet = new Set(distinctValues(col));
  }
  // The profiler's lanes are the hash of `value`: of `trimmed` too where trimming took nothing off. Hashed
  // again, the 140 documents of the bench's corpus that came this way were a tenth of its audit.
  const key =
    trimmed === value && hash !== undefined
      ? standIn(trimmed, hash.laneA[at], hash.laneB[at])
      : standIn(trimmed);
  if (!set.has(key)) {
    set.add(detach(key));
    addDistinct(col, key);
  }
}

function addDistinct(col: ColumnState, value: string, hash?: ValueHashes, at = 0): void {
  if (
    col.keepsSample &&
    col.outside >= 0 &&
    value !== '' &&
    !mayBeVocabulary(value) &&
    ++col.outside * 10 > 3 * col.distinctRoom
  ) {
    // At most `distinctRoom` values are sampled, so more than 30% of them outside every vocabulary fails every
    // test (80% inside, or 70% for countries). The set (values without ids) is kept: it still tells repeats.
    col.keepsSample = false;
    col.distinct = null;
  }
  if (col.keepsSample) {
    // Filled in order, so no place is read before it is written. A long value is in no vocabulary, and its
    // stand-in is as long and tells it from the others (see `standIn`), for the set above.
    (col.distinct ??= new Array<string>(col.distinctRoom))[col.distinctCount] = detach(
      standIn(value, hash?.laneA[at], hash?.laneB[at]),
    );
  }
  col.distinctCount++;
}

/** The column's distinct sample so far, as an array of its own (empty once it is no longer kept). */
function distinctValues(col: ColumnState): string[] {
  return col.distinct === null ? [] : col.distinct.slice(0, col.distinctCount);
}

/** Cells a table's column samples hold together at most, beyond {@link MIN_SAMPLE} a column. */
const SAMPLE_CELLS = 1_000_000;
const MAX_SAMPLE = 2000;
const MIN_SAMPLE = 500;

/**
 * Values sampled per column before it is classified: 2,000, or a share of a million cells in a table of more
 * than 500 columns, but at least 500. Every sampled cell is searched as a whole value and as text, and a
 * column not yet classified keeps all its values for k-anonymity (it may be a quasi-identifier). At 2,000
 * columns a sample of 2,000 was every cell of a 25 MB file: 500 read it a fifth faster in 8% less memory
 * (5,000 columns, 60 MB: 18% faster, 12% less). A share is still known to about 2 points from 500 values (its
 * standard error is at most 2.2% there), against thresholds of 30% (with the header's support) and 50%.
 */
export function defaultSampleSize(columns: number): number {
  return Math.max(MIN_SAMPLE, Math.min(MAX_SAMPLE, Math.floor(SAMPLE_CELLS / Math.max(1, columns))));
}

/** Streams rows of one table and reports personal data, secrets, protected attributes and quasi-identifiers. */
export class PrivacyScanner {
  private readonly columns: ColumnState[];
  private readonly missing: Set<string>;
  private readonly maxMissingLength: number;
  private readonly cap: number;
  private readonly sampleSize: number;
  /** Distinct values a column's sample keeps: the table's `levels` (see `tableBudget`). */
  private readonly distinctSample: number;
  private readonly region: CountryCode;
  private readonly detectOptions: { defaultRegion: CountryCode };
  private readonly counts = new Map<string, number>();
  private readonly truncated: Record<string, number> = {};
  private readonly findings: Finding[] = [];
  private readonly raisedAt: number[] = [];
  /** The row and column being read, as one number ({@link PrivacyPart.raisedAt}); after the last row, past every row. */
  private now = 0;
  /** Findings raised during {@link addRows}, not yet admitted. */
  private deferred: { at: number; rule: string; make: () => Finding }[] | null = null;
  private readonly one: DataRow[] = [];
  /** {@link WholeValueOptions} by header hint, shared by the columns with the same: most have none. */
  private readonly wholeOptions = new Map<string, WholeValueOptions>();
  private readonly width: number;
  private finished: PrivacyPart | undefined;

  constructor(
    private readonly header: TableHeader,
    private readonly options: PrivacyScannerOptions = {},
  ) {
    this.missing = new Set((options.missingTokens ?? DEFAULT_MISSING_TOKENS).map((t) => t.trim()));
    this.maxMissingLength = Math.max(0, ...[...this.missing].map((t) => t.length));
    this.cap = options.maxFindingsPerRule ?? 1000;
    this.sampleSize = Math.max(1, options.sampleSize ?? defaultSampleSize(header.columns.length));
    this.distinctSample = tableBudget(header.columns.length).levels;
    this.region = options.defaultRegion ?? 'US';
    this.detectOptions = { defaultRegion: this.region };
    const ignored = new Set(options.ignoredColumns ?? []);
    const owned = options.columns ? new Set(options.columns) : null;
    this.width = header.columns.length + 1;
    this.columns = header.columns.map((c, index) => {
      const norm = normaliseHeader(c.name);
      const hint = headerEvidence(c.name);
      return {
        name: c.name,
        index,
        headerLocation: c.location,
        hint,
        ignored: ignored.has(c.name) || (owned !== null && !owned.has(index)),
        owned: owned === null || owned.has(index),
        classified: false,
        sampled: 0,
        plainNumbers: 0,
        whole: null,
        distinct: null,
        distinctCount: 0,
        distinctRoom: Math.min(this.distinctSample, this.sampleSize),
        outside: readsEveryValue(hint) ? -1 : 0,
        keepsSample: true,
        distinctSet: null,
        lastId: -1,
        pending: null,
        columnEntity: null,
        suppressNumbers: false,
        suppressIp: /(?:^|_)(?:version|ver|release|build|revision|rev)(?:_|$)/.test(norm),
        cellEntities: null,
        shares: null,
        protectedKind: null,
        quasiIdentifierKind: null,
        decidedQuasiIdentifier: undefined,
        memo: undefined,
        clean: null,
        wholeOptions: null,
        phoneRegion: null,
        phoneRegionTries: 0,
      };
    });
    if (options.decided) {
      const byIndex = new Map(options.decided.map((d) => [d.index, d]));
      for (const col of this.columns) {
        const d = byIndex.get(col.index);
        if (!d) {
          col.ignored = true;
          continue;
        }
        col.classified = true;
        col.columnEntity = d.columnEntity;
        col.suppressNumbers = d.suppressNumbers;
        col.decidedQuasiIdentifier = d.quasiIdentifier;
        if (!d.memo) col.memo = null;
        col.clean = new Uint8Array(64);
      }
    }
  }

  /**
   * The decisions for every scanned column, once each is classified (after `sampleSize` values); undefined
   * while one is still sampling. A scan split by rows takes them from the head of the file and hands them to
   * the scanners of the later ranges, whose cells are then searched exactly as one scanner would.
   */
  decisions(): PrivacyDecision[] | undefined {
    const out: PrivacyDecision[] = [];
    for (const col of this.columns) {
      if (col.ignored) continue;
      if (!col.classified) return undefined;
      out.push({
        index: col.index,
        columnEntity: col.columnEntity,
        suppressNumbers: col.suppressNumbers,
        memo: col.memo !== null,
        quasiIdentifier: col.decidedQuasiIdentifier ?? col.quasiIdentifierKind !== null,
      });
    }
    return out;
  }

  /**
   * Whether column `index` is a quasi-identifier, once that is decided (after `sampleSize` values, or from
   * the head's decisions); undefined before. An ignored column never is one. The scan drops columns no
   * analysis needs as soon as this says so.
   */
  isQuasiIdentifier(index: number): boolean | undefined {
    const col = this.columns[index];
    if (!col || col.ignored) return false;
    if (col.decidedQuasiIdentifier !== undefined) return col.decidedQuasiIdentifier;
    return col.classified ? col.quasiIdentifierKind !== null : undefined;
  }

  /**
   * True when column `index`, not yet classified, can no longer turn out a quasi-identifier, whatever its
   * remaining sample holds: its name announces none, its distinct values have ruled out every vocabulary
   * (see {@link ColumnState.keepsSample}), and the entities that make one are matched as whole values only
   * under a header's hint it lacks. Without a label the scan then drops the column's values at once: in a
   * table of 20,000 measurement columns, whose sample was every row it had, they were 63 MB of its peak.
   */
  ruledOutQuasiIdentifier(index: number): boolean {
    const col = this.columns[index];
    if (!col || col.ignored || col.classified || col.decidedQuasiIdentifier !== undefined) return false;
    if (col.keepsSample || col.hint.quasiIdentifier !== undefined) return false;
    for (const entity of QUASI_ENTITIES.keys())
      if (col.hint.entity === entity || !WHOLE_ONLY_WITH_HINT.has(entity)) return false;
    return true;
  }

  /**
   * Scans one row. Rows must come in file order; cells beyond the header's columns are ignored. `ids`, when
   * given, number each cell's value within its column from 0 in order of first appearance, as a
   * {@link TableProfiler}'s {@link TableProfiler.lastIds} do (past the profiler's cap, a column builder's
   * codes go on with them), or are negative where no such number is known; they must cover every column this
   * scanner samples, and spare it a set of distinct values per column.
   */
  add(row: DataRow, ids?: ArrayLike<number>): void {
    this.one[0] = row;
    this.addRows(this.one, 1, ids, 0);
  }

  /**
   * {@link add} for the first `count` of `rows`, a column at a time: a column's memo and sample stay in the
   * cache through the batch. `ids`, when given, hold row `k`'s ids (see {@link add}) from `k * stride`.
   * Findings come out as {@link add} gives them: each is stamped with the row and column that raised it, and
   * at the end of the batch they are admitted under the per-rule cap in that order.
   */
  addRows(
    rows: readonly DataRow[],
    count: number,
    ids?: ArrayLike<number>,
    stride = 0,
    hash?: ValueHashes,
  ): void {
    if (this.finished) throw new Error('PrivacyScanner.add after finish');
    this.deferred = [];
    try {
      for (let i = 0; i < this.columns.length; i++) {
        const col = this.columns[i]!;
        if (col.ignored || (col.classified && col.columnEntity !== null)) continue;
        for (let k = 0; k < count; k++) {
          const row = rows[k]!;
          const value = row.values[i];
          if (value === undefined || this.isMissing(value)) continue;
          this.now = row.index * this.width + i;
          if (!col.classified) this.sample(col, row, value, ids?.[k * stride + i], hash, k * stride + i);
          else if (col.columnEntity === null) {
            // A value's id stands for its exact text (as the profiler's counts and the builders' codes do), and
            // a cell's search depends on its text alone once the column is classified.
            const id = ids === undefined ? -1 : (ids[k * stride + i] as number);
            const clean = col.clean;
            if (clean === null || id < 0 || id >= CLEAN_IDS) this.scanCell(col, row, i, value);
            else if (id >= clean.length || clean[id] === 0) {
              if (!this.scanCell(col, row, i, value)) markClean(col, id);
            }
          }
        }
      }
    } finally {
      const raised = this.deferred;
      this.deferred = null;
      // A stable sort: findings raised by one cell keep their order.
      raised.sort((x, y) => x.at - y.at);
      for (const r of raised) if (this.admit(r.rule, r.at)) this.findings.push(r.make());
    }
  }

  /** Missing-token check without trimming (a new string) for every cell: only short or space-edged values can be. */
  private isMissing(value: string): boolean {
    const n = value.length;
    if (n === 0) return true;
    if (n > this.maxMissingLength && value.charCodeAt(0) > 32 && value.charCodeAt(n - 1) > 32) return false;
    return this.missing.has(value.trim());
  }

  private sample(
    col: ColumnState,
    row: DataRow,
    value: string,
    id: number | undefined,
    hash: ValueHashes | undefined,
    at: number,
  ): void {
    col.sampled++;
    const trimmed = value.trim();
    if (isPlainDecimal(trimmed)) col.plainNumbers++;
    if (col.distinctCount < this.distinctSample) {
      noteDistinct(col, value, trimmed, id, hash, at);
      // A full distinct sample is near-unique, so classification drops the memo (see `classify`): dropped now,
      // it does not fill with values never met again. In a table of 20,000 columns, whose sample lasted as long
      // as the file, the memos and the cells they kept were 30 MB.
      if (col.distinctCount === this.distinctSample) col.memo = null;
    }
    // One options object a column, not one a cell: a wide table samples nearly every cell it has.
    col.wholeOptions ??= this.wholeOptionsFor(col.hint);
    let whole = matchWholeValue(value, col.wholeOptions);
    if (col.hint.entity === 'PHONE_NUMBER' && whole?.entity !== 'PHONE_NUMBER')
      whole = this.phoneElsewhere(col, value) ?? whole;
    if (whole) {
      const w = col.whole?.get(whole.entity);
      if (w) {
        w.count++;
        w.confidence += whole.confidence;
      } else {
        (col.whole ??= new Map()).set(whole.entity, {
          count: 1,
          confidence: whole.confidence,
          example: detach(trimmed),
        });
      }
    }
    const matches = this.detect(col, value);
    if (matches.length > 0) {
      const range = cellRange(row, col.index);
      const pending = (col.pending ??= []);
      if (value.length <= TOP_VALUE_CHARS) {
        const own = detach(value);
        for (const match of matches) pending.push({ row: row.index, match, value: own, range });
      } else this.pendLong(col, row.index, matches, value, range);
    }
    if (col.sampled >= this.sampleSize) this.classify(col);
  }

  /**
   * A value of a phone-named column that is no number of the scanner's region, as a phone number of another
   * country: a British `phone` column (07911 123456) was no column of phone numbers, since the numbers were
   * read as American. Tried in the country the column's last such number was valid in, else (for its first
   * {@link PHONE_REGION_TRIES} such values) in the countries {@link phoneRegionOf} knows. Free text is not:
   * a number there is read as the scanner's region's (`region` in the policy, `--region`).
   */
  private phoneElsewhere(col: ColumnState, value: string): WholeValueMatch | null {
    if (col.phoneRegion) {
      const again = matchWholeValue(value, col.phoneRegion.options);
      if (again?.entity === 'PHONE_NUMBER') return again;
    }
    if (col.phoneRegionTries >= PHONE_REGION_TRIES) return null;
    col.phoneRegionTries++;
    const region = phoneRegionOf(value, this.region);
    if (!region) return null;
    const options: WholeValueOptions = { ...(col.wholeOptions ?? {}), defaultRegion: region };
    col.phoneRegion = { options };
    const found = matchWholeValue(value, options);
    return found?.entity === 'PHONE_NUMBER' ? found : null;
  }

  private wholeOptionsFor(hint: HeaderEvidence): WholeValueOptions {
    const weak = hint.weak === true;
    const key = `${hint.entity ?? ''}:${weak}`;
    let options = this.wholeOptions.get(key);
    if (!options) {
      options = { hint: hint.entity, weakHint: weak, defaultRegion: this.region };
      this.wholeOptions.set(key, options);
    }
    return options;
  }

  private detect(col: ColumnState, value: string): EntityMatch[] {
    // Values no detector could match are most cells: answered without the memo, which would keep them all.
    if (!worthSearching(value)) return NO_MATCHES;
    const memo = value.length <= MEMO_MAX_LENGTH ? col.memo : null;
    if (memo) {
      const known = memo.get(value);
      if (known) return known;
    }
    let matches = detectEntities(value, this.detectOptions);
    if (col.suppressIp && matches.length > 0) matches = matches.filter((m) => m.entity !== 'IP_ADDRESS');
    if (memo === undefined) (col.memo = new Map()).set(detach(value), matches);
    else if (memo && memo.size < MEMO_LIMIT) memo.set(detach(value), matches);
    return matches;
  }

  /** Searches one cell of a classified column; false when it held nothing to report. */
  private scanCell(col: ColumnState, row: DataRow, i: number, value: string): boolean {
    if (col.suppressNumbers && isPlainNumber(value)) return false;
    const matches = this.detect(col, value);
    if (matches.length === 0) return false;
    // The range object only for cells with a match: most cells have none.
    const range = cellRange(row, i);
    for (const match of matches) this.emitCell(col, row.index, match, value, range);
    return true;
  }

  /** Keeps a long value's matches until its column is classified, not the value ({@link LongCellMatch}). */
  private pendLong(
    col: ColumnState,
    row: number,
    matches: readonly EntityMatch[],
    value: string,
    range: SourceRange | undefined,
  ): void {
    const plainNumber = isPlainNumber(value);
    const counts = (col.longMatches ??= new Map<string, { all: number; notNumbers: number }>());
    for (const match of matches) {
      const rule = match.entity === 'SECRET' ? RULE_SECRET : RULE_PII_CELL;
      let count = counts.get(rule);
      if (!count) counts.set(rule, (count = { all: 0, notNumbers: 0 }));
      // Matches in plain numbers count against the cap only if classification keeps them (`suppressNumbers`):
      // one of those is admitted only among the first `cap` of them all, another among the first of its kind.
      const place = plainNumber ? count.all++ : (count.all++, count.notNumbers++);
      const location =
        range && place < this.cap
          ? locateInCell(range, value, match.start, match.end, this.header.format)
          : undefined;
      const text = detach(value.slice(match.start, match.end));
      (col.pending as PendingCell[]).push({ row, match, value: { text, plainNumber, location }, range });
    }
  }

  private emitCell(
    col: ColumnState,
    row: number,
    match: EntityMatch,
    value: string | LongCellMatch,
    range: SourceRange | undefined,
  ): void {
    const long = typeof value === 'string' ? null : value;
    const text = long ? long.text : (value as string).slice(match.start, match.end);
    if (col.suppressNumbers && (long ? long.plainNumber : isPlainNumber(value as string))) return;
    (col.cellEntities ??= new Set()).add(match.entity);
    const rule = match.entity === 'SECRET' ? RULE_SECRET : RULE_PII_CELL;
    this.raise(rule, () => {
      const location = long
        ? (long.location ?? range)
        : range
          ? locateInCell(range, value as string, match.start, match.end, this.header.format)
          : undefined;
      return {
        rule,
        severity: SEVERITY[match.entity],
        message: `${SINGULAR[match.entity]} in column '${col.name}'.`,
        ...(this.options.fileName !== undefined ? { file: this.options.fileName } : {}),
        column: col.name,
        columnIndex: col.index,
        entity: match.entity,
        row,
        ...(location ? { location } : {}),
        excerpt: maskExcerpt(text, match.entity),
        data: { confidence: match.confidence, start: match.start, end: match.end },
      };
    });
  }

  /**
   * Raises a finding now ({@link now}): kept if its rule is under the cap, built only then. While
   * {@link addRows} goes a column at a time, it waits for the end of the batch instead.
   */
  private raise(rule: string, make: () => Finding): void {
    if (this.deferred) this.deferred.push({ at: this.now, rule, make });
    else if (this.admit(rule, this.now)) this.findings.push(make());
  }

  private admit(rule: string, at: number): boolean {
    const n = this.counts.get(rule) ?? 0;
    if (n >= this.cap) {
      this.truncated[rule] = (this.truncated[rule] ?? 0) + 1;
      return false;
    }
    this.counts.set(rule, n + 1);
    this.raisedAt.push(at);
    return true;
  }

  private headerFinding(
    col: ColumnState,
    f: Omit<Finding, 'column' | 'columnIndex' | 'location' | 'file'>,
  ): void {
    this.raise(f.rule, () => ({
      ...f,
      ...(this.options.fileName !== undefined ? { file: this.options.fileName } : {}),
      column: col.name,
      columnIndex: col.index,
      ...(col.headerLocation ? { location: col.headerLocation } : {}),
    }));
  }

  private classify(col: ColumnState): void {
    col.classified = true;
    let best: { entity: EntityType; share: number; confidence: number; example: string } | null = null;
    for (const [entity, w] of col.whole ?? []) {
      const share = col.sampled > 0 ? w.count / col.sampled : 0;
      (col.shares ??= {})[entity] = Math.round(share * 10000) / 10000;
      const need = col.hint.entity === entity ? COLUMN_SHARE_WITH_HEADER : COLUMN_SHARE;
      if (share >= need && (!best || share > best.share)) {
        best = { entity, share, confidence: w.confidence / w.count, example: w.example };
      }
    }
    col.suppressNumbers = col.sampled > 0 && col.plainNumbers / col.sampled >= 0.5;
    // Memoise only columns that repeat their values (categories); for near-unique ones a lookup never hits.
    // The distinct sample stops at `distinctSample` values, so reaching it counts as near-unique.
    if (col.distinctCount >= Math.min(this.distinctSample, Math.max(100, col.sampled / 2))) col.memo = null;
    col.clean = new Uint8Array(64);

    const recognised = recogniseProtected(col.name, distinctValues(col));
    col.distinct = null;
    col.distinctCount = 0;
    col.distinctSet = null;
    col.protectedKind = recognised.protected;
    col.quasiIdentifierKind =
      recognised.quasiIdentifier ??
      col.hint.quasiIdentifier ??
      (best ? quasiKindOfEntity(best.entity) : null);

    if (best) {
      col.columnEntity = best.entity;
      const headerAgrees = col.hint.entity === best.entity;
      const confidence = Math.min(0.99, headerAgrees ? best.confidence + 0.1 : best.confidence * 0.9);
      const pct = Math.round(best.share * 100);
      const scope =
        col.sampled >= this.sampleSize ? `the first ${groupDigits(col.sampled)} values` : 'values';
      this.headerFinding(col, {
        rule: best.entity === 'SECRET' ? RULE_SECRET : RULE_PII_COLUMN,
        severity: SEVERITY[best.entity],
        message: `${pct}% of ${scope} in '${col.name}' are ${PLURAL[best.entity]}${headerAgrees ? ', as its name says' : ''}.`,
        entity: best.entity,
        excerpt: maskExcerpt(best.example, best.entity),
        data: { share: best.share, sampled: col.sampled, confidence, headerEvidence: headerAgrees },
      });
    } else {
      for (const p of col.pending ?? []) this.emitCell(col, p.row, p.match, p.value, p.range);
    }
    col.pending = null;
    col.longMatches = undefined;
    col.whole = null;

    if (col.protectedKind) {
      this.headerFinding(col, {
        rule: RULE_PROTECTED,
        severity: 'info',
        message: `'${col.name}' is a protected attribute (${col.protectedKind}); fairness checks can use it, and models should be audited for it.`,
        data: { protected: col.protectedKind, evidence: recognised.evidence },
      });
    }
    if (col.quasiIdentifierKind) {
      this.headerFinding(col, {
        rule: RULE_QUASI_IDENTIFIER,
        severity: 'info',
        message: `'${col.name}' is a quasi-identifier (${col.quasiIdentifierKind}): combined with other columns it can single out people.`,
        data: { quasiIdentifier: col.quasiIdentifierKind },
      });
    }
  }

  /** Classifies the columns that had fewer values than the sample, and returns everything found. */
  finish(): PrivacyScanResult {
    return mergePrivacyParts([this.finishPart()], this.cap);
  }

  /** Like {@link finish}, for a scanner over some of the columns: the findings before the cap across scanners. */
  finishPart(): PrivacyPart {
    if (this.finished) return this.finished;
    forgetCountedText();
    for (const col of this.columns) {
      if (col.ignored || col.classified) continue;
      this.now = Number.MAX_SAFE_INTEGER - this.width + col.index;
      this.classify(col);
    }
    this.finished = {
      findings: this.findings.slice(),
      raisedAt: this.raisedAt.slice(),
      truncated: { ...this.truncated },
      columns: this.columns
        .filter((c) => c.owned)
        .map((c) => {
          const entities = new Set<EntityType>(c.columnEntity ? [c.columnEntity] : []);
          for (const e of c.cellEntities ?? []) entities.add(e);
          return {
            name: c.name,
            index: c.index,
            entities: [...entities],
            entityShares: { ...(c.shares ?? {}) },
            protected: c.protectedKind,
            quasiIdentifier: c.quasiIdentifierKind !== null,
            quasiIdentifierKind: c.quasiIdentifierKind,
            sampled: c.sampled,
          };
        }),
    };
    return this.finished;
  }
}

/**
 * Joins the parts of a scan split by column into what one scanner over every column reports: findings are
 * taken in the order they were raised across all parts (each part's are already in order, and no two parts
 * read the same column) and capped at `cap` per rule, exactly as one scanner admits them; then header
 * findings first and cells in file order, as {@link PrivacyScanner.finish} gives them.
 */
export function mergePrivacyParts(parts: readonly PrivacyPart[], cap: number): PrivacyScanResult {
  const raised: { f: Finding; at: number }[] = [];
  for (const p of parts) p.findings.forEach((f, i) => raised.push({ f, at: p.raisedAt[i]! }));
  if (parts.length > 1) raised.sort((x, y) => x.at - y.at);
  const truncated: Record<string, number> = {};
  for (const p of parts)
    for (const [rule, n] of Object.entries(p.truncated)) truncated[rule] = (truncated[rule] ?? 0) + n;
  const counts = new Map<string, number>();
  const kept: Finding[] = [];
  for (const { f } of raised) {
    const n = counts.get(f.rule) ?? 0;
    if (n >= cap) {
      truncated[f.rule] = (truncated[f.rule] ?? 0) + 1;
      continue;
    }
    counts.set(f.rule, n + 1);
    kept.push(f);
  }
  // Header findings first, then cells in file order; the sort is stable.
  kept.sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || (a.columnIndex ?? 0) - (b.columnIndex ?? 0));
  return {
    findings: kept,
    // Rules in a fixed order, not the order they reached the cap in (which depends on how the scan was split).
    truncated: Object.fromEntries(Object.entries(truncated).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    columns: parts.flatMap((p) => p.columns).sort((a, b) => a.index - b.index),
  };
}

/**
 * A number as a whole value ({@link isPlainDecimal}) after trimming, without making a trimmed copy of the
 * (usual) value that needs none.
 */
function isPlainNumber(v: string): boolean {
  if (isPlainDecimal(v)) return true;
  const n = v.length;
  return n > 0 && (v.charCodeAt(0) <= 32 || v.charCodeAt(n - 1) <= 32) && isPlainDecimal(v.trim());
}

function quasiKindOfEntity(e: EntityType): string | null {
  return QUASI_ENTITIES.get(e) ?? null;
}

/** Entities that make a column of them a quasi-identifier, with its kind. */
const QUASI_ENTITIES: ReadonlyMap<EntityType, string> = new Map<EntityType, string>([
  ['POSTAL_CODE', 'postal-code'],
  ['DATE_OF_BIRTH', 'birth-date'],
  // A place to a street's block or finer: it singles out as an address does (k-anonymity counts it).
  ['GEO_COORDINATE', 'coordinates'],
]);
