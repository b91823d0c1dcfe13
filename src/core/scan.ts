/**
 * The dataset audit: one streaming pass over a file feeds the profiler, the privacy scanner and the duplicate
 * detector, and keeps dictionary-encoded copies of the columns that whole-column analyses need
 * (k-anonymity, group rates, proxies, prediction audits). The CLI and the extension both call this, so a
 * finding the CLI reports is the finding the editor shows.
 */
import {
  AdaptiveColumnBuilder,
  CategoricalBuilder,
  ColumnMerge,
  builderPartTransferables,
  eachWindow,
  type BuilderPart,
  type CategoricalColumn,
  type CodeSpill,
  type EncodedColumn,
  type NumericColumn,
  type ScaledColumn,
  type SpilledCodes,
  SpilledNumbers,
  adoptSpilled,
  type PostedSpill,
  codeWindows,
  decodeScaled,
  eachNumberWindow,
  numberWindows,
} from './data/encoded';
import {
  DuplicateMerge,
  DuplicateRowDetector,
  duplicatePartTransferables,
  type DuplicatePart,
  type DuplicateResult,
} from './data/duplicates';
import { hashCells, hashOut, hashString } from './data/hash';
import {
  DEFAULT_MISSING_TOKENS,
  ESTIMATED,
  MISSING,
  ProfilerMerge,
  TableProfiler,
  tableBudget,
  type RowFacts,
  profilerPartTransferables,
  type ColumnProfile,
  type ProfilerPart,
} from './data/profile';
import { SPARE_FIELDS } from './data/csvParser';
import { lateKeyMessage, raggedRowMessage, readTable } from './data/readTable';
import type { DataFormat, DataRow, TableHeader, TableSink } from './data/table';
import { datasetBiasOf } from './fairness/datasetBias';
import { labelLeakageOf } from './fairness/leakage';
import { OutcomeMappingError, toBinaryOutcome } from './fairness/positives';
import type { FairnessReport } from './fairness/fairnessReport';
import type { PredictionAudit } from './fairness/predictionAudit';
import { RECORD_RUN_ROWS, auditPredictionsOf } from './fairness/predictionWindows';
import { NumericSummaries, proxyAssociationsOf } from './fairness/proxies';
import {
  labelledGroups,
  mappedOutcome,
  ownCodes,
  type FairColumn,
  type OutcomeWindows,
} from './fairness/windows';
import type { EntityType, Finding, SourceRange } from './findings';
import { DEFAULT_POLICY, applyPolicy, type Policy } from './policy';
import { DEFAULT_SPILL_ROWS, SpillDir, discardHandedOver, type SpillFile } from './data/spill';
import {
  KAnonymityWork,
  kAnonymity,
  kAnonymityFinding,
  smallestSinglingOutSet,
  type KAnonymityResult,
  type KColumn,
  type SinglingOutSet,
} from './privacy/kAnonymity';
import { headerEvidence } from './privacy/headers';
import { maskExcerpt } from './privacy/mask';
import {
  PrivacyScanner,
  mergePrivacyParts,
  type PrivacyDecision,
  type PrivacyPart,
} from './privacy/privacyScanner';
import type { CountryCode } from './privacy/detectors';
import type { AuditReport, ColumnReport, ProtectedKind } from './report/auditReport';
import { count, groupDigits } from './numberText';
import { decimalCommaIn, parseCommaNumber } from './data/valueKinds';
import type { TarMember, ZipMember } from './data/compressed';

export type { FairnessReport };

export interface ScanOptions {
  /** Shown in findings and used to choose the format by extension. */
  fileName: string;
  format?: DataFormat | 'auto';
  policy?: Policy;
  /** Label column; default: the policy's. */
  label?: string;
  /** Label/prediction values that are the positive outcome; default: the policy's, else 1/0 or true/false. */
  positive?: string[];
  /** Column with a model's predicted outcome: adds a per-group prediction audit. */
  prediction?: string;
  /** Column with the predicted probability of the positive outcome. */
  score?: string;
  /** Attributes to audit predictions by; default: the protected attributes. */
  groups?: string[];
  /** Cap per rule; default: the policy's (1000). */
  maxFindingsPerRule?: number;
  /** Columns read (see `ReadOptions.maxColumns`); default: the policy's (16,384). */
  maxColumns?: number;
  /** The chunks are a ZIP archive's, from this table's local header on (see `ReadOptions.zipMember`). */
  zipMember?: ZipMember;
  /** The chunks are a tar archive's table's (see `ReadOptions.tarMember`). */
  tarMember?: TarMember;
  /** A bzip2 or xz file is decoded in another thread (see `ReadOptions.decodeOffThread`). */
  decodeOffThread?: boolean;
  signal?: AbortSignal;
  /** Called with the bytes read so far, after each chunk (for a progress line; the caller throttles). */
  onProgress?: (bytesRead: number) => void;
  /**
   * Called once reading is done, before the whole-column analyses, with the table's rows and columns: the
   * reading's per-row state has just become garbage there. The CLI and the scan worker run a full garbage
   * collection where that is worth it (`collectAfterReading` in `src/worker/collect.ts`).
   */
  afterReading?: (rows: number, columns: number) => void;
  /**
   * Called after every 65,536 cells or 16,777,216 characters read (at most once a batch), with the table's
   * width in columns. The CLI, the scan worker and the scan threads collect garbage there when it has piled
   * up (`collectorForScan` in `src/worker/collect.ts`).
   */
  whileReading?: (columns: number) => void;
  /**
   * Called after each pass of the whole-table analyses that follow the reading of a table with a label (the
   * proxies and the label-leakage check, a pass every `PASS_COLUMNS` columns), with the table's width. The CLI
   * and the scan worker give it the collector they give `whileReading`: each pass leaves its tallies and views,
   * and each column's sorts, as garbage. In a table of 20,000 columns the leakage check and the report grew
   * the heap past the proxies' garbage (331 and 335 MB on 60 MB, 313 and 314 with a collection around the
   * leakage check, in the same time). k-anonymity's counts in passes call it too, as they write and read their
   * files of keys, with a `growth` in bytes past which to collect: each encrypted copy is a new buffer.
   */
  betweenAnalyses?: (columns: number, growth?: number) => void;
  /**
   * Rows of per-row state (row hashes for duplicates, row ranges) a scan keeps in memory before it moves
   * them to encrypted temporary files (see `data/spill.ts`); default 2^20. Infinity keeps them in memory.
   */
  spillRows?: number;
  /** Where those files go; default the system's temporary directory. */
  spillDir?: string;
  /**
   * Distinct values each column counts exactly before its estimates take over; default the table's share of
   * 1.2 million (see `tableBudget`). A small cap lets a test reach the estimates with a small table.
   */
  distinctCap?: number;
}

/**
 * The garbage k-anonymity's files of keys may leave before it asks for a collection (see
 * `ScanOptions.betweenAnalyses`): every 64 KB of keys written and 256 KB read is a new buffer, and V8 let 60
 * MB of them pile up on a 4 GB file in two threads (275 MB against 214 before those files).
 */
const KEY_GARBAGE_BYTES = 16 * 1048576;

/** The spill of a scan, or undefined when it keeps everything in memory. */
function spillOf(options: ScanOptions, named = false): SpillDir | undefined {
  const rows = options.spillRows ?? DEFAULT_SPILL_ROWS;
  return Number.isFinite(rows) ? new SpillDir(Math.max(0, rows), options.spillDir, named) : undefined;
}

/**
 * Text columns with more distinct values than this are not kept for whole-column analyses (ids, names, free
 * text); numeric ones switch to Float64 storage: 1,000, fewer in a table of more than 1,200 columns (see
 * `tableBudget`), as many as the privacy scanner's sample of distinct values, which numbers them past the
 * profiler's cap with the builders' codes.
 */
function softLevels(header: TableHeader): number {
  return tableBudget(header.columns.length).levels;
}
/** Quasi-identifiers are kept up to this many distinct values (k-anonymity needs them whole). */
const HARD_LEVELS = 200_000;

/**
 * Copies a wide row's values into its batch slot's own array: the CSV reader fills the same array with the
 * next record (see `SPARE_FIELDS`).
 */
function copyValues(slot: DataRow, values: (string | undefined)[]): void {
  const own = slot.values;
  if (own.length !== values.length) {
    slot.values = values.slice();
    return;
  }
  for (let i = 0; i < values.length; i++) own[i] = values[i];
}

/**
 * Cells in a batch of the reading pass (see `flush` in `runPass`), as rows: 256 of a narrow table, fewer of a
 * wide one, but at least 8 (a batch of 20,000 columns then holds 2 MB of ids and lanes, 2.5 MB of positions
 * and 160,000 values). Batches of a quarter or four times the size read the bench's table and a table of
 * 2,000 columns no faster. With 16 rows at least, tables of 10,000 columns peaked 9 MB higher.
 */
const BATCH_CELLS = 1 << 16;
const BATCH_MAX_ROWS = 256;
const BATCH_MIN_ROWS = 8;
/**
 * Characters a batch's values may hold before it is fed on, however few its rows: a batch of up to 256
 * documents held them all at once (400 documents of 0.5 MB peaked at 535 MB, and at 329 MB with this).
 */
const BATCH_CHARS = 1 << 22;

/** Characters of a row's values: from its positions when it lies on one line, else by adding them up. */
function rowChars(r: DataRow): number {
  const p = r.positions;
  const n = p.length;
  if (n >= 4 && p[0] !== 0 && p[n - 2] === p[0]) return (p[n - 1] as number) - (p[1] as number);
  let chars = 0;
  for (const v of r.values) if (v !== undefined) chars += v.length;
  return chars;
}

/**
 * The label column the fairness analyses use, or undefined: the one given for this file, else the policy's
 * when this file has it (or a prediction audit asks for it, which then reports it missing).
 */
function labelOf(options: ScanOptions, policy: Policy, has: (name: string) => boolean): string | undefined {
  return (
    options.label ??
    (policy.label !== undefined && (has(policy.label) || options.prediction !== undefined)
      ? policy.label
      : undefined)
  );
}

/** Wraps bytes as the async iterable the scanner reads (for text already in memory, e.g. an editor buffer). */
export async function* fromBytes(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function* abortable(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal?: AbortSignal,
  onProgress?: (bytesRead: number) => void,
) {
  let read = 0;
  for await (const c of chunks) {
    if (signal?.aborted) throw Object.assign(new Error('The scan was cancelled.'), { name: 'AbortError' });
    yield c;
    read += c.length;
    onProgress?.(read);
  }
}

/** Slots (4 bytes each) per block of {@link RowRanges}: 256 KiB, appended without copying what is stored. */
const RANGE_BLOCK_SLOTS = 1 << 16;
/** Line step that marks a row kept whole, in the four slots after its own. */
const WIDE = 255;
/** Slots a row kept whole takes: its marker and line, start column, end line, end column in 32 bits each. */
const WIDE_SLOTS = 5;

/**
 * Each row's source range, so that duplicate findings can point at both rows: four bytes a row, as this is
 * one of the few things kept per row and counts on large files. A row's range runs from its first positioned
 * cell to its last; its slot holds the step from the line of the last row with a range (at most 254), the
 * start column (1 to 255; 0 when the row has no positioned cell) and the end column in 16 bits. A row that
 * spans lines, runs past column 65,535 or starts more than 254 lines after the last one, and the first row
 * of each instance (so that the blocks of several ranges of a file can be joined), is kept whole in four more
 * slots after its marker: inline, not on the side, so that a file whose every row has a quoted line break
 * costs 20 bytes a row, spilled with the rest, rather than a Map entry a row. Lines are found again by one
 * walk over the slots ({@link locateRows}), needed for the few rows a report names.
 */
class RowRanges {
  private readonly blocks: Uint8Array[] = [];
  private block = new Uint8Array(4 * RANGE_BLOCK_SLOTS);
  private view = new DataView(this.block.buffer);
  private used = 0;
  private line = -1;
  private rows = 0;
  /** The older blocks, once past the spill's `afterRows` rows. */
  private file: SpillFile | undefined;

  constructor(private spill?: SpillDir) {}

  /** Stores row `row.index`, the next row (rows come in order from 1), read from the packed positions. */
  setFrom(row: DataRow): void {
    this.rows++;
    const p = row.positions;
    const n = row.values.length;
    let first = -1;
    let last = -1;
    for (let i = 0; i < n; i++) {
      if ((p[4 * i] ?? 0) === 0) continue;
      if (first < 0) first = i;
      last = i;
    }
    if (first < 0) {
      const at = this.slots(1);
      this.block.fill(0, at, at + 4);
      return;
    }
    const line = p[4 * first]!;
    const startColumn = p[4 * first + 1]!;
    const endLine = p[4 * last + 2] ?? line;
    const endColumn = p[4 * last + 3]!;
    const step = line - this.line;
    const known = this.line >= 0;
    this.line = line;
    if (
      known &&
      step < WIDE &&
      endLine === line &&
      startColumn >= 1 &&
      startColumn <= 255 &&
      endColumn <= 0xffff
    ) {
      const at = this.slots(1);
      const b = this.block;
      b[at] = step;
      b[at + 1] = startColumn;
      b[at + 2] = endColumn & 0xff;
      b[at + 3] = endColumn >>> 8;
      return;
    }
    const at = this.slots(WIDE_SLOTS);
    this.block[at] = WIDE;
    this.block[at + 1] = 1;
    const v = this.view;
    v.setUint32(at + 4, line, true);
    v.setUint32(at + 8, startColumn, true);
    v.setUint32(at + 12, endLine, true);
    v.setUint32(at + 16, endColumn, true);
  }

  /** The byte offset of `k` free slots in the current block (a row's slots never straddle two blocks). */
  private slots(k: number): number {
    if (this.used + k > RANGE_BLOCK_SLOTS) {
      const full = this.block.subarray(0, 4 * this.used);
      if (!this.file && this.spill && this.rows > this.spill.afterRows) {
        this.file = this.spill.file();
        if (this.file) {
          for (const b of this.blocks) this.file.append(b);
          this.blocks.length = 0;
        } else this.spill = undefined; // no room on disk: the blocks stay in memory
      }
      // Written out, the block is free to fill again.
      if (this.file) this.file.append(full);
      else {
        this.blocks.push(full);
        this.block = new Uint8Array(4 * RANGE_BLOCK_SLOTS);
        this.view = new DataView(this.block.buffer);
      }
      this.used = 0;
    }
    const at = 4 * this.used;
    this.used += k;
    return at;
  }

  /** Rows 1..n in blocks of whole rows (transferable to another thread unless spilled). */
  part(): RowRangesPart {
    return {
      ...(this.file ? { spilled: this.file } : {}),
      blocks: [...this.blocks, this.block.slice(0, 4 * this.used)],
    };
  }
}

/**
 * The ranges of rows 1..n as {@link RowRanges} keeps them (slots of four bytes in row order): those in
 * `spilled` (a scan past its spill's `afterRows` rows, never one posted between threads), then `blocks`.
 */
export interface RowRangesPart {
  spilled?: SpillFile;
  blocks: Uint8Array[];
}

/** The duplicate rows' result, with the source ranges of the rows its examples name. */
function withDuplicates(
  duplicates: DuplicateResult,
  rows: RowRangesPart,
): { duplicates: DuplicateResult; duplicateRanges: Map<number, SourceRange> } {
  const named = duplicates.examples.flatMap((ex) => [ex.row, ex.duplicateOf]);
  return { duplicates, duplicateRanges: locateRows(rows, named) };
}

/** The source ranges of the given rows (those that have one), by one walk over the line steps. */
function locateRows(part: RowRangesPart, wanted: Iterable<number>): Map<number, SourceRange> {
  const want = new Set(wanted);
  const out = new Map<number, SourceRange>();
  if (want.size === 0) return out;
  const lastWanted = Math.max(...want);
  let row = 0;
  let line = 0;
  let done = false;
  /** A row kept whole: its four numbers, read as they come (spilled chunks may cut between them). */
  const whole: number[] = [];
  let inWhole = false;
  const walk = (b: Uint8Array): void => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let at = 0; at < b.length && !done; at += 4) {
      if (inWhole) {
        whole.push(v.getUint32(at, true));
        if (whole.length < 4) continue;
        inWhole = false;
        line = whole[0]!;
        if (want.has(row))
          out.set(row, { line, startColumn: whole[1]!, endLine: whole[2]!, endColumn: whole[3]! });
        if (row >= lastWanted) done = true;
        continue;
      }
      row++;
      if (b[at] === WIDE) {
        inWhole = true;
        whole.length = 0;
        continue;
      }
      if (b[at + 1] !== 0) {
        line += b[at]!;
        if (want.has(row))
          out.set(row, {
            line,
            startColumn: b[at + 1]!,
            endLine: line,
            endColumn: b[at + 2]! | (b[at + 3]! << 8),
          });
      }
      if (row >= lastWanted) done = true;
    }
  };
  // The spilled blocks are read to the end even once done: a walk cannot stop a read midway, and the rest
  // costs little next to the rows read.
  part.spilled?.read(4 * RANGE_BLOCK_SLOTS, walk);
  for (const b of part.blocks) {
    if (done) break;
    walk(b);
  }
  return out;
}

const int = groupDigits;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * Which part of the reading-pass work one scanner does, for a scan split across threads: the columns it
 * profiles, scans for personal data and keeps, and whether it also looks at whole rows (duplicates, row
 * ranges). Every part reads the whole file; the default is everything.
 */
export interface ScanPlan {
  columns?: readonly number[];
  rows?: boolean;
  /**
   * Whether the kept columns may spill to disk (default true). Their files stay with the part's
   * {@link ScanPart.keptSpill}; a part for another thread needs `handOverKept` as well.
   */
  spillKept?: boolean;
  /**
   * The kept columns spill to files another thread can adopt: for a worker thread, whose part is posted
   * with {@link postPart} and adopted with {@link adoptPart}.
   */
  handOverKept?: boolean;
}

/**
 * What one reading pass found, made of plain data and typed arrays so that it can cross a thread boundary
 * (structured clone, the arrays transferred). {@link assembleReport} turns one or more parts into the report.
 */
export interface ScanPart {
  header: TableHeader | undefined;
  format: DataFormat;
  rows: number;
  /** Reader problems (malformed input): every part reads the whole file, so each has them all. */
  problems: Finding[];
  profiles: ColumnProfile[];
  privacy: PrivacyPart;
  /**
   * Encoded copies of the part's columns that could be kept, by column index. Without a label only the
   * quasi-identifiers are kept, for k-anonymity. Past the spill's `afterRows` rows their codes or numbers go
   * to disk ({@link SpilledCodes}, {@link SpilledNumbers}, read back in windows).
   */
  kept: { index: number; column: EncodedColumn | ScaledColumn | SpilledCodes | SpilledNumbers }[];
  /**
   * The temporary files of the spilled kept columns: the caller closes it once the report is assembled (see
   * {@link scanDataset}). A part posted between threads hands its files over instead ({@link postPart}).
   */
  keptSpill?: SpillDir;
  /** With `plan.rows`. */
  duplicates?: DuplicateResult;
  /**
   * With `plan.rows`: the source ranges of the rows the duplicate examples name, found when reading ends so
   * that every row's range is not kept into the analyses after it.
   */
  duplicateRanges?: Map<number, SourceRange>;
}

/** A {@link ScanPart} as a worker thread posts it: its spilled columns' files handed over. */
export type PostedScanPart = Omit<ScanPart, 'kept' | 'keptSpill'> & {
  kept: { index: number; column: EncodedColumn | ScaledColumn | PostedSpill }[];
};

/**
 * A worker's part, ready to post: each spilled kept column's file is handed over (closed here, left in
 * place for the receiving thread to open with {@link adoptPart}), and the spill's directory left to it.
 */
export function postPart(part: ScanPart): PostedScanPart {
  const { keptSpill, kept, ...rest } = part;
  try {
    const posted = kept.map((k) => ({
      index: k.index,
      column: k.column.kind === 'spilled' || k.column.kind === 'spilledNumeric' ? k.column.post() : k.column,
    }));
    keptSpill?.leave();
    return { ...rest, kept: posted };
  } catch (e) {
    keptSpill?.close();
    throw e;
  }
}

/** A posted part's spilled columns opened in this thread; `dir` takes charge of their files. */
export function adoptPart(part: PostedScanPart, dir: SpillDir): ScanPart {
  return {
    ...part,
    kept: part.kept.map((k) => ({
      index: k.index,
      column:
        k.column.kind === 'postedCodes' || k.column.kind === 'postedNumbers'
          ? adoptSpilled(k.column, dir)
          : k.column,
    })),
  };
}

/** Removes the files of a posted part that will not be adopted (its thread's work was abandoned). */
export function discardPart(part: PostedScanPart): void {
  for (const k of part.kept) {
    if (k.column.kind === 'postedCodes' || k.column.kind === 'postedNumbers')
      discardHandedOver(k.column.file);
  }
}

/** The buffers of a posted part, to transfer rather than copy. */
export function transferablesOf(part: PostedScanPart): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const k of part.kept) {
    const c = k.column;
    const array =
      c.kind === 'numeric'
        ? c.values
        : c.kind === 'scaled'
          ? c.mantissas
          : c.kind === 'categorical'
            ? c.codes
            : c.tail;
    out.add(array.buffer as ArrayBuffer);
  }
  return [...out];
}

/** The missing-value tokens a scan uses: the defaults and the policy's. */
function missingTokensOf(policy: Policy): string[] {
  return [...new Set([...DEFAULT_MISSING_TOKENS, ...policy.missingTokens])];
}

/**
 * Where a later byte range of a scan split by rows starts, and what the head of the file decided: its header,
 * its first line, and the privacy scanner's per-column decisions (see `PrivacyScanner.decisions`).
 */
export interface RangeStart {
  header: TableHeader;
  startLine: number;
  /** Where on `startLine` the range starts (UTF-16 units, from 1): inside a line only in a JSON array. */
  startColumn?: number;
  decided: PrivacyDecision[];
}

/** How a range of a scan split by rows is read, besides its start. */
export interface RangeReading {
  /** A JSON array's range that ends after an element's comma (see `ReadOptions.endsAfterComma`). */
  endsAfterComma?: boolean;
}

/**
 * What one byte range of a scan split by rows found: like a {@link ScanPart}, but with every accumulator in a
 * mergeable form, rows numbered from 1 within the range (lines are the file's). {@link RangeMerge} joins the
 * ranges in file order into one {@link ScanPart}.
 */
export interface RangePart {
  header: TableHeader | undefined;
  format: DataFormat;
  rows: number;
  problems: Finding[];
  profiler: ProfilerPart;
  privacy: PrivacyPart;
  builders: { index: number; part: BuilderPart }[];
  duplicates: DuplicatePart;
  rowRanges: RowRangesPart;
}

/** The buffers of a range part, to transfer rather than copy. */
export function rangeTransferables(part: RangePart): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>([
    ...profilerPartTransferables(part.profiler),
    ...duplicatePartTransferables(part.duplicates),
    ...part.rowRanges.blocks.map((b) => b.buffer as ArrayBuffer),
  ]);
  for (const b of part.builders) for (const t of builderPartTransferables(b.part)) out.add(t);
  return [...out];
}

/** The state of one reading pass (see {@link runPass}). */
interface Pass {
  header: TableHeader | undefined;
  format: DataFormat;
  rows: number;
  problems: Finding[];
  profiler: TableProfiler | undefined;
  privacy: PrivacyScanner | undefined;
  builders: AdaptiveColumnBuilder[];
  builderColumns: number[];
  duplicates: DuplicateRowDetector | undefined;
  rowRanges: RowRanges | undefined;
}

/**
 * The reading pass: feeds every row to the profiler, the privacy scanner, the duplicate detector and the
 * column builders of the part of the work `plan` gives. `range` makes it a range of a scan split by rows:
 * builders that keep what a merge needs, and for a later range a header and decisions from the head.
 */
async function runPass(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ScanOptions,
  plan: ScanPlan,
  range?: { start?: RangeStart; reading?: RangeReading },
  spill?: SpillDir,
  keptSpill?: SpillDir,
): Promise<Pass> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const missingTokens = missingTokensOf(policy);
  const missingSet = new Set(missingTokens);
  const maxPerRule = options.maxFindingsPerRule ?? policy.maxFindingsPerRule;
  const withRows = plan.rows ?? true;
  const pass: Pass = {
    header: undefined,
    format: 'csv',
    rows: 0,
    problems: [],
    profiler: undefined,
    privacy: undefined,
    builders: [],
    builderColumns: [],
    duplicates: withRows ? new DuplicateRowDetector(spill) : undefined,
    rowRanges: withRows ? new RowRanges(spill) : undefined,
  };
  const duplicates = pass.duplicates;
  const rowRanges = pass.rowRanges;
  let profiler: TableProfiler | undefined;
  let privacy: PrivacyScanner | undefined;
  let builders: AdaptiveColumnBuilder[] = [];
  let builderColumns: number[] = [];
  // Without a label, the only whole-column analyses are k-anonymity and singling out, over the
  // quasi-identifiers: every other column's builder is dropped once the privacy scanner has classified it.
  let onlyQuasiIdentifiers = false;
  let undecided = 0;
  // Each cell's hash lanes for the row hash: the profiler's where it hashed the cell, else computed here.
  let cellA = new Int32Array(0);
  let cellB = new Int32Array(0);
  let present = new Uint8Array(0);
  // Rows wait here until the batch is full (see flush): their positions are copied, since the reader reuses
  // its own once the next record starts.
  let batch: DataRow[] = [];
  let batched = 0;
  let batchChars = 0;
  let batchWidth = 0;
  let facts: RowFacts = { ids: new Int32Array(0), laneA: new Int32Array(0), laneB: new Int32Array(0) };

  const sink: TableSink = {
    header(h) {
      pass.header = h;
      startBatch(h.columns.length);
      const all = h.columns.map((_, i) => i);
      builderColumns = plan.columns ? all.filter((i) => plan.columns!.includes(i)) : all;
      profiler = new TableProfiler(h, {
        missingTokens,
        ...(options.distinctCap !== undefined ? { distinctCap: options.distinctCap } : {}),
        ...(plan.columns ? { columns: plan.columns } : {}),
        // A value seen once in each of two ranges needs its text from one of them to be shown as a top value.
        ...(range ? { allTexts: true } : {}),
      });
      privacy = new PrivacyScanner(h, {
        fileName: options.fileName,
        maxFindingsPerRule: maxPerRule,
        missingTokens,
        ...(policy.region ? { defaultRegion: policy.region as CountryCode } : {}),
        ignoredColumns: policy.ignore
          .filter((i) => i.rule === undefined && i.column)
          .map((i) => i.column as string),
        ...(plan.columns ? { columns: plan.columns } : {}),
        ...(range?.start ? { decided: range.start.decided } : {}),
      });
      const names = new Set(h.columns.map((c) => c.name));
      onlyQuasiIdentifiers = labelOf(options, policy, (name) => names.has(name)) === undefined;
      // Every analysis of the kept columns reads them in windows (k-anonymity; with a label dataset bias,
      // proxies and leakage), so they may go to disk.
      const codeSpill: CodeSpill | undefined =
        keptSpill && !range ? { afterRows: keptSpill.afterRows, file: () => keptSpill.file() } : undefined;
      builders = builderColumns.map(
        (i) =>
          new AdaptiveColumnBuilder(
            softLevels(h),
            headerEvidence(h.columns[i]!.name).quasiIdentifier !== undefined,
            HARD_LEVELS,
            {
              // A range keeps what the merge may need; only the first range may drop a column early.
              ...(range ? { partial: true, first: !range.start } : codeSpill ? { spill: codeSpill } : {}),
              decimalComma: decimalCommaIn(h),
            },
          ),
      );
      pass.profiler = profiler;
      pass.privacy = privacy;
      pass.builders = builders;
      pass.builderColumns = builderColumns;
      undecided = onlyQuasiIdentifiers ? builders.length : 0;
    },
    row(r) {
      const k = batched++;
      const slot = batch[k] as DataRow;
      slot.index = r.index;
      const values = r.values;
      if (values.length < SPARE_FIELDS) slot.values = values;
      else copyValues(slot, values);
      const keep = slot.positions;
      if (r.positions.length === keep.length) keep.set(r.positions);
      else slot.positions = r.positions.slice();
      batchChars += rowChars(r);
      if (batched === batch.length || batchChars > BATCH_CHARS) flush();
    },
    problem(f) {
      pass.problems.push(f);
    },
  };

  /** Sizes the batch for a header of `width` columns (see {@link BATCH_CELLS}). */
  function startBatch(width: number): void {
    const rows = Math.max(
      BATCH_MIN_ROWS,
      Math.min(BATCH_MAX_ROWS, Math.floor(BATCH_CELLS / Math.max(1, width))),
    );
    const positions = new Int32Array(rows * 4 * width);
    batch = [];
    for (let k = 0; k < rows; k++)
      batch.push({
        index: 0,
        values: width < SPARE_FIELDS ? [] : new Array<string | undefined>(width),
        positions: positions.subarray(4 * width * k, 4 * width * (k + 1)),
      });
    facts = {
      ids: new Int32Array(rows * width).fill(ESTIMATED),
      laneA: new Int32Array(rows * width),
      laneB: new Int32Array(rows * width),
    };
    batchWidth = width;
  }

  /**
   * Feeds the rows waiting in the batch to the profiler, the builders and the privacy scanner a column at a
   * time, then row by row to the duplicate detector. The profiler's ids are the builders' dictionary codes;
   * past the profiler's cap, a builder's own codes number the values instead, so the scanner can tell a new
   * value by its number for as long as either numbers them.
   */
  function flush(): void {
    const count = batched;
    if (count === 0) return;
    batched = 0;
    const chars = batchChars;
    batchChars = 0;
    const width = batchWidth;
    const ids = facts.ids;
    // Rows come only after the header, which made the profiler.
    const prof = profiler as TableProfiler;
    prof.addRows(batch, count, facts);
    // Batches past BATCH_CELLS (of 8 rows, over 8,192 columns) also check after the profiler's pass: in the
    // batch where a wide table's columns pass their caps, every column sheds its exact table, then every
    // builder its levels, and all of it piled up in one flush. With a label, 20,000 columns peaked at 291 to
    // 301 MB instead of 305 and 306; a check after the builders too took tables without a label 8 MB higher.
    if (count * width > BATCH_CELLS) options.whileReading?.(width);
    for (let j = 0; j < builders.length; j++) {
      const b = builders[j]!;
      const i = builderColumns[j]!;
      const hashed = prof.profiles(i);
      for (let k = 0, at = i; k < count && !b.isDropped; k++, at += width) {
        const v = batch[k]!.values[i];
        const id = ids[at]!;
        // The profiler's hash of a value spares a long one's stand-in hashing it again (see `standIn`).
        if (id !== ESTIMATED)
          b.pushCode(
            id,
            id === MISSING ? undefined : v,
            hashed ? facts.laneA[at] : undefined,
            hashed ? facts.laneB[at] : undefined,
          );
        else {
          // Past the profiler's cap the builder numbers the values itself, by the lanes the profiler hashed.
          const code =
            v === undefined || missingSet.has(v)
              ? b.push(undefined)
              : b.pushHashed(v, facts.laneA[at]!, facts.laneB[at]!);
          if (code >= 0) ids[at] = code;
        }
      }
    }
    privacy?.addRows(batch, count, ids, width, facts);
    for (let k = 0; k < count; k++) {
      const r = batch[k]!;
      const base = k * width;
      pass.rows++;
      if (duplicates) {
        const values = r.values;
        const n = values.length;
        if (n > cellA.length) {
          cellA = new Int32Array(n);
          cellB = new Int32Array(n);
          present = new Uint8Array(n);
        }
        for (let i = 0; i < n; i++) {
          const v = values[i];
          if (v === undefined) {
            present[i] = 0;
            continue;
          }
          present[i] = 1;
          // Every value the profiler reads is hashed, whatever its id: only a missing one is not.
          if (i < width && ids[base + i] !== MISSING && prof.profiles(i)) {
            cellA[i] = facts.laneA[base + i]!;
            cellB[i] = facts.laneB[base + i]!;
          } else {
            hashString(v);
            cellA[i] = hashOut[0]!;
            cellB[i] = hashOut[1]!;
          }
        }
        hashCells(n, cellA, cellB, present);
        duplicates.addHash(r.index, hashOut[0]!, hashOut[1]!);
      }
      rowRanges?.setFrom(r);
    }
    // The batch's own arrays (see `copyValues`) let go of the values read, for the young generation to take.
    if (width >= SPARE_FIELDS) for (let k = 0; k < count; k++) (batch[k] as DataRow).values.fill(undefined);
    // After every batch: a wide table's batch is 8 rows, and its columns may be ruled out within a few.
    if (undecided > 0) discardUnneeded();
    countCells(count, width, chars);
  }
  let cellsRead = 0;
  let charsRead = 0;

  /**
   * Counts a batch's cells, and gives `whileReading` its turn every 65,536, or every 16,777,216 characters:
   * a corpus of long documents reads few cells, and its garbage (pieces of the reader's buffer, the
   * detectors' work on each document) had only V8's own collections, which let it grow: 200 documents of
   * 0.5 MB peaked at 183 to 303 MB from run to run, 176 to 185 MB with these turns, in the same time. A
   * function of its own, called every batch: inline in {@link flush}, the call every twentieth batch or so
   * had not run when V8 optimized the flush, and each time it came the flush's optimized code was thrown away
   * (five times a run of the bench's 25 MB), and the flush ran in the interpreter until it was optimized
   * again.
   */
  function countCells(count: number, width: number, chars: number): void {
    cellsRead += count * width;
    charsRead += chars;
    if (cellsRead >= 1 << 16 || charsRead >= 1 << 24) {
      cellsRead = 0;
      charsRead = 0;
      options.whileReading?.(width);
    }
  }

  /**
   * Drops the builders of columns the privacy scanner has decided, or ruled out early, are not
   * quasi-identifiers.
   */
  function discardUnneeded(): void {
    undecided = 0;
    for (let j = 0; j < builders.length; j++) {
      const b = builders[j]!;
      if (b.isDropped) continue;
      const i = builderColumns[j]!;
      const qi = privacy?.isQuasiIdentifier(i);
      if (qi === false || (qi === undefined && privacy?.ruledOutQuasiIdentifier(i))) b.discard();
      else if (qi === undefined) undecided++;
    }
  }

  const summary = await readTable(abortable(chunks, options.signal, options.onProgress), sink, {
    fileName: options.fileName,
    format: options.format ?? 'auto',
    // Nothing above keeps a row's positions past `row()` (findings and row ranges copy the numbers), nor the
    // array of a row wide enough for the reader to refill (see `copyValues`).
    transientRows: true,
    maxColumns: maxColumnsOf(options),
    ...(options.zipMember ? { zipMember: options.zipMember } : {}),
    ...(options.tarMember ? { tarMember: options.tarMember } : {}),
    ...(options.decodeOffThread ? { decodeOffThread: true } : {}),
    ...(range?.start
      ? {
          continuation: {
            header: range.start.header,
            startLine: range.start.startLine,
            ...(range.start.startColumn !== undefined ? { startColumn: range.start.startColumn } : {}),
          },
        }
      : {}),
    ...(range?.reading?.endsAfterComma ? { endsAfterComma: true } : {}),
  });
  flush();
  pass.format = summary.format;
  return pass;
}

/**
 * The reading pass over one dataset for the part of the work `plan` gives (all of it by default). Never
 * throws on bad input; throws an `AbortError` when `options.signal` is aborted.
 */
export async function scanPart(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ScanOptions,
  plan: ScanPlan = {},
): Promise<ScanPart> {
  // Only a pass over whole rows keeps state per row.
  const spill = (plan.rows ?? true) ? spillOf(options) : undefined;
  // The kept columns' files outlive the pass: they are read by the analyses after it.
  const keptSpill = (plan.spillKept ?? true) ? spillOf(options, plan.handOverKept) : undefined;
  let handedOver = false;
  try {
    const pass = await runPass(chunks, options, plan, undefined, spill, keptSpill);
    const kept: ScanPart['kept'] = [];
    pass.builders.forEach((b, j) => {
      const column = b.build();
      if (column) kept.push({ index: pass.builderColumns[j]!, column });
    });
    handedOver = keptSpill !== undefined && keptSpill.open > 0;
    return {
      ...(handedOver ? { keptSpill } : {}),
      header: pass.header,
      format: pass.format,
      rows: pass.rows,
      problems: pass.problems,
      profiles: pass.profiler?.finish() ?? [],
      privacy: pass.privacy?.finishPart() ?? { findings: [], raisedAt: [], truncated: {}, columns: [] },
      kept,
      ...(pass.duplicates && pass.rowRanges
        ? withDuplicates(pass.duplicates.finish(), pass.rowRanges.part())
        : {}),
    };
  } finally {
    spill?.close();
    if (!handedOver) keptSpill?.close();
  }
}

/**
 * The reading pass over one byte range of a scan split by rows: the first range (no `start`) reads the head
 * of the file as usual; a later one continues from `start`. Never throws on bad input.
 */
export async function scanRange(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ScanOptions,
  start?: RangeStart,
  reading: RangeReading = {},
): Promise<RangePart> {
  const pass = await runPass(chunks, options, {}, { ...(start ? { start } : {}), reading });
  const header = pass.header;
  const empty = new TableProfiler(header ?? { format: pass.format, hasHeader: false, columns: [] });
  return {
    header,
    format: pass.format,
    rows: pass.rows,
    problems: pass.problems,
    profiler: (pass.profiler ?? empty).finishPart(),
    privacy: pass.privacy?.finishPart() ?? { findings: [], raisedAt: [], truncated: {}, columns: [] },
    builders: pass.builders.map((b, j) => ({ index: pass.builderColumns[j]!, part: b.finishPart() })),
    duplicates: pass.duplicates!.finishPart(),
    rowRanges: pass.rowRanges!.part(),
  };
}

/**
 * Joins the ranges of a scan split by rows, in file order, into the {@link ScanPart} one pass over the whole
 * file gives, folding each range in as it comes so that only the merged state stays: rows and duplicate row
 * numbers are shifted by the rows before the range (lines were the file's already), privacy findings keep
 * the order they were raised in (so the per-rule cap keeps the same ones), profiles, duplicate tables and
 * encoded columns merge exactly, except the approximations `ProfilerMerge` documents (means to the last
 * digits, Space-Saving counters past a column's exact cap).
 */
export class RangeMerge {
  private rows = 0;
  private ranges = 0;
  private header: TableHeader | undefined;
  private format: DataFormat = 'csv';
  private readonly problems: Finding[] = [];
  private profiles: ProfilerMerge | undefined;
  private readonly spill: SpillDir | undefined;
  /** Set when the row blocks could not spill: they stay in memory. */
  private rowsInMemory = false;
  private readonly duplicates: DuplicateMerge;
  private columns: ColumnMerge[] = [];
  private columnIndex: number[] = [];
  private readonly privacy: PrivacyPart = { findings: [], raisedAt: [], truncated: {}, columns: [] };
  private entities = new Map<number, Set<EntityType>>();
  private readonly rowBlocks: Uint8Array[] = [];
  /** The older row blocks, once past the spill's `afterRows` rows. */
  private rowFile: SpillFile | undefined;

  /** The merged kept columns' files, handed to the part by {@link finish}. */
  private keptSpill: SpillDir | undefined;
  /** Findings kept per rule, against the report's cap. */
  private readonly perRule = new Map<string, number>();
  /** Keys outside the header already reported (`data/late-key`), by the earliest range that met them. */
  private readonly lateKeys = new Set<string>();
  private readonly cap: number;

  /** Call {@link finish} or {@link close}: past `spillRows` rows, the merge holds temporary files. */
  constructor(private readonly options: ScanOptions) {
    this.spill = spillOf(options);
    this.keptSpill = spillOf(options);
    this.duplicates = new DuplicateMerge(this.spill);
    this.cap = options.maxFindingsPerRule ?? (options.policy ?? DEFAULT_POLICY).maxFindingsPerRule;
  }

  /**
   * Drops the temporary files (after {@link finish}, or when the scan is given up); the kept columns'
   * files, once finished, are the part's to close (`ScanPart.keptSpill`).
   */
  close(): void {
    this.spill?.close();
    this.keptSpill?.close();
  }

  /** Folds in the next range (the first call takes the first range). */
  add(part: RangePart): void {
    const offset = this.rows;
    if (this.ranges++ === 0) {
      this.header = part.header;
      this.format = part.format;
      const h = part.header ?? { format: part.format, hasHeader: false, columns: [] };
      const policy = this.options.policy ?? DEFAULT_POLICY;
      this.profiles = new ProfilerMerge(h, {
        missingTokens: missingTokensOf(policy),
        ...(this.options.distinctCap !== undefined ? { distinctCap: this.options.distinctCap } : {}),
      });
      this.columnIndex = part.builders.map((b) => b.index);
      const kept = this.keptSpill;
      this.columns = part.builders.map(
        (b) =>
          new ColumnMerge(
            softLevels(h),
            headerEvidence(h.columns[b.index]!.name).quasiIdentifier !== undefined,
            HARD_LEVELS,
            // Merged columns are read in windows by every analysis, as a single pass's are.
            kept ? { afterRows: kept.afterRows, file: () => kept.file() } : undefined,
            decimalCommaIn(h),
          ),
      );
      this.privacy.columns = part.privacy.columns;
    }
    for (const f of part.problems) {
      // Each range reports a key outside the header where it first sees it; the file, once.
      if (f.rule === 'data/late-key') {
        const key = (f.data as { key?: string } | undefined)?.key;
        if (key !== undefined && this.lateKeys.has(key)) continue;
        if (key !== undefined) this.lateKeys.add(key);
      }
      this.problems.push(offset === 0 ? f : shiftProblem(f, offset));
    }
    this.profiles!.add(part.profiler);
    part.builders.forEach((b, j) => this.columns[j]!.add(b.part, this.profiles!.mergedIds(b.index)));
    this.duplicates.add(part.duplicates, offset);
    const width = (this.header?.columns.length ?? 0) + 1;
    const p = part.privacy;
    p.findings.forEach((f, i) => {
      // The report's per-rule cap (`mergePrivacyParts`, over the findings in this same order), applied as
      // the ranges come: past it a finding is only counted, so they do not pile up with the file (179,000
      // of them, 80 MB, at 1 GB).
      const n = this.perRule.get(f.rule) ?? 0;
      if (n >= this.cap) {
        this.privacy.truncated[f.rule] = (this.privacy.truncated[f.rule] ?? 0) + 1;
        return;
      }
      this.perRule.set(f.rule, n + 1);
      this.privacy.findings.push(offset === 0 || f.row === undefined ? f : { ...f, row: f.row + offset });
      this.privacy.raisedAt.push(p.raisedAt[i]! + offset * width);
    });
    for (const [rule, n] of Object.entries(p.truncated))
      this.privacy.truncated[rule] = (this.privacy.truncated[rule] ?? 0) + n;
    for (const c of p.columns) {
      let set = this.entities.get(c.index);
      if (!set) this.entities.set(c.index, (set = new Set()));
      for (const e of c.entities) set.add(e);
    }
    // Row ranges: rows 1..n of the range land at offset + 1..n. Each range's first row with a range is kept
    // whole, so its blocks join the earlier ones as they are.
    const { blocks } = part.rowRanges;
    if (!this.rowFile && !this.rowsInMemory && this.spill && offset >= this.spill.afterRows) {
      this.rowFile = this.spill.file();
      if (this.rowFile) {
        for (const b of this.rowBlocks) this.rowFile.append(b);
        this.rowBlocks.length = 0;
      } else this.rowsInMemory = true; // no room on disk
    }
    for (const b of blocks) {
      if (b.length === 0) continue;
      if (this.rowFile) this.rowFile.append(b);
      else this.rowBlocks.push(b);
    }
    this.rows += part.rows;
  }

  finish(): ScanPart {
    const kept: ScanPart['kept'] = [];
    this.columns.forEach((c, j) => {
      const column = c.build();
      if (column) kept.push({ index: this.columnIndex[j]!, column });
    });
    // A column's entities: the head's decision and cell matches first, then those first matched later.
    const columns = this.privacy.columns.map((c) => ({
      ...c,
      entities: [...new Set([...c.entities, ...(this.entities.get(c.index) ?? [])])],
    }));
    const duplicates = withDuplicates(this.duplicates.finish(), {
      ...(this.rowFile ? { spilled: this.rowFile } : {}),
      blocks: this.rowBlocks,
    });
    const keptSpill = this.keptSpill && this.keptSpill.open > 0 ? this.keptSpill : undefined;
    if (keptSpill) this.keptSpill = undefined;
    this.close();
    // The rows' ranges are done with: let them go before the analyses (see `ScanOptions.afterReading`).
    this.rowBlocks.length = 0;
    return {
      header: this.header,
      format: this.format,
      rows: this.rows,
      problems: this.problems,
      profiles: this.profiles?.finish() ?? [],
      privacy: { ...this.privacy, columns },
      kept,
      ...(keptSpill ? { keptSpill } : {}),
      ...duplicates,
    };
  }
}

/** The columns a scan reads: the caller's, else the policy's. */
export function maxColumnsOf(options: ScanOptions): number {
  return options.maxColumns ?? (options.policy ?? DEFAULT_POLICY).maxColumns;
}

/** A reader problem of a later range, its row renumbered (only ragged rows name theirs). */
function shiftProblem(f: Finding, offset: number): Finding {
  if (f.row === undefined) return f;
  const row = f.row + offset;
  const data = f.data as { fields?: number; expected?: number; key?: string } | undefined;
  if (f.rule === 'data/ragged-row' && data?.fields !== undefined && data.expected !== undefined)
    return { ...f, row, message: raggedRowMessage(row, f.location?.line ?? 0, data.fields, data.expected) };
  if (f.rule === 'data/late-key' && data?.key !== undefined)
    return { ...f, row, message: lateKeyMessage(data.key, row) };
  return { ...f, row };
}

/**
 * Audits one dataset. Never throws on bad input: unreadable parts become `data/...` findings. Throws only
 * when `signal` is aborted (an `AbortError`).
 */
export async function scanDataset(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ScanOptions,
): Promise<AuditReport> {
  const part = await scanPart(chunks, options);
  try {
    options.afterReading?.(part.rows, part.header?.columns.length ?? 0);
    return assembleReport([part], options);
  } finally {
    part.keptSpill?.close();
  }
}

/** A spilled numeric column read back into memory, for an analysis that needs it whole. */
function readBackNumbers(c: SpilledNumbers): NumericColumn {
  const values = new Float64Array(c.length);
  eachNumberWindow(c, (window, from) => values.set(window, from));
  return { kind: 'numeric', values };
}

/**
 * The report from the reading pass's parts (one part, or one per thread of a scan split by column, with
 * every column in exactly one part and whole rows in the first): joins them, then runs the whole-column
 * analyses (k-anonymity, fairness) and applies the policy. The same parts give the same report however the
 * columns were split.
 */
export function assembleReport(parts: readonly ScanPart[], options: ScanOptions): AuditReport {
  const policy = options.policy ?? DEFAULT_POLICY;
  const maxPerRule = options.maxFindingsPerRule ?? policy.maxFindingsPerRule;
  const first = parts[0];
  const header = first?.header;
  if (!first || !header) throw new Error('The reader did not report a header.');
  const hdr = header;
  const decimalComma = decimalCommaIn(header);
  const rows = first.rows;
  const problems = first.problems;
  const summary = { format: first.format };
  const profiles = parts.flatMap((p) => p.profiles).sort((a, b) => a.index - b.index);
  const priv = mergePrivacyParts(
    parts.map((p) => p.privacy),
    maxPerRule,
  );
  const rowPart = parts.find((p) => p.duplicates && p.duplicateRanges);
  if (!rowPart) throw new Error('No part of the scan looked at whole rows.');
  const dup = rowPart.duplicates!;
  const privByIndex = new Map(priv.columns.map((c) => [c.index, c]));

  const headerLocation = (name: string): SourceRange | undefined =>
    hdr.columns.find((c) => c.name === name)?.location;
  const indexOf = (name: string) => hdr.columns.findIndex((c) => c.name === name);
  const anchor = (f: Finding): Finding => {
    if (f.location || f.column === undefined) return f;
    const i = indexOf(f.column);
    return { ...f, columnIndex: i >= 0 ? i : undefined, location: headerLocation(f.column) };
  };

  // Columns: the profile plus what the privacy scanner found, with the policy's declarations applied.
  const notProtected = new Set(policy.notProtected);
  const declared = new Set(policy.protected);
  const columns: ColumnReport[] = profiles.map((p: ColumnProfile, i) => {
    const pc = privByIndex.get(p.index);
    const entities: EntityType[] = pc?.entities ?? [];
    let prot: ProtectedKind | null = pc?.protected ?? null;
    if (notProtected.has(p.name)) prot = null;
    else if (!prot && declared.has(p.name)) prot = 'other';
    const firstEntity = entities[0];
    return {
      name: p.name,
      index: p.index,
      ...(hdr.columns[i]?.location ? { location: hdr.columns[i]!.location } : {}),
      type: p.type,
      missing: p.missing,
      distinct: p.distinct,
      distinctExact: p.distinctExact,
      // Top values of a personal-data column are personal data: never show them in full.
      topValues: firstEntity
        ? p.topValues.map((t) => ({ value: maskExcerpt(t.value, firstEntity), count: t.count }))
        : p.topValues,
      numeric: p.numeric,
      entities,
      protected: prot,
      quasiIdentifier: pc?.quasiIdentifier ?? false,
    };
  });

  const findings: Finding[] = [...problems, ...priv.findings];
  const headerFinding = (
    rule: string,
    severity: Finding['severity'],
    column: string,
    message: string,
    data?: Record<string, unknown>,
  ): Finding => anchor({ rule, severity, message, file: options.fileName, column, data });

  // Data quality.
  for (const p of profiles) {
    if (p.missing > 0 && rows > 0) {
      findings.push(
        headerFinding(
          'quality/missing-values',
          'info',
          p.name,
          `'${p.name}' has ${count(p.missing, 'missing value')} (${pct(p.missing / rows)}).`,
          {
            missing: p.missing,
            share: p.missing / rows,
          },
        ),
      );
    }
    if (p.constant && rows > 1) {
      findings.push(
        headerFinding(
          'quality/constant-column',
          'warning',
          p.name,
          `'${p.name}' has the same value in every row; it carries no information.`,
        ),
      );
    }
    if (p.mixedTypes) {
      findings.push(
        headerFinding(
          'quality/mixed-types',
          'warning',
          p.name,
          `'${p.name}' mixes value types (${describeTypeCounts(p.typeCounts)}).`,
          { typeCounts: p.typeCounts },
        ),
      );
    }
    if (p.identifierLike) {
      findings.push(
        headerFinding(
          'quality/identifier-column',
          'info',
          p.name,
          `'${p.name}' looks like an identifier (${int(p.distinct)} distinct values in ${int(rows)} rows); it singles out records and should not be a feature.`,
        ),
      );
    }
  }
  const rowRanges = rowPart.duplicateRanges!;
  for (const ex of dup.examples) {
    const location = rowRanges.get(ex.row);
    const original = rowRanges.get(ex.duplicateOf);
    findings.push({
      rule: 'quality/duplicate-rows',
      severity: 'warning',
      message: `Row ${int(ex.row)} repeats row ${int(ex.duplicateOf)} exactly${dup.duplicateRows > 1 ? ` (${int(dup.duplicateRows)} duplicate rows in all)` : ''}.`,
      file: options.fileName,
      row: ex.row,
      location,
      related: original
        ? [{ message: `First occurrence (row ${int(ex.duplicateOf)})`, location: original }]
        : undefined,
    });
  }

  // Encoded columns for whole-column analyses.
  const kept = new Map<string, EncodedColumn | ScaledColumn>();
  const spilled = new Map<string, SpilledCodes>();
  const spilledNumbers = new Map<string, SpilledNumbers>();
  for (const k of parts.flatMap((p) => p.kept).sort((a, b) => a.index - b.index)) {
    const name = hdr.columns[k.index]?.name;
    if (name === undefined) continue;
    if (k.column.kind === 'spilled') spilled.set(name, k.column);
    else if (k.column.kind === 'spilledNumeric') spilledNumbers.set(name, k.column);
    else kept.set(name, k.column);
  }
  /**
   * A kept column in memory, for what reads columns whole: k-anonymity's quasi-identifiers (codes; spilled
   * ones are read in windows) and a label stored as numbers (made categorical, mostly to be refused).
   */
  const inMemory = (name: string): EncodedColumn | undefined => {
    const n = spilledNumbers.get(name);
    if (n) return readBackNumbers(n);
    const c = kept.get(name);
    return c?.kind === 'scaled' ? { kind: 'numeric', values: decodeScaled(c, 0, c.mantissas.length) } : c;
  };
  const numericProfile = (name: string): boolean => {
    const p = profiles.find((x) => x.name === name);
    return p !== undefined && (p.type === 'integer' || p.type === 'number');
  };
  /**
   * Every kept column in windows, in memory or spilled, for the fairness passes; numbers for a coded column
   * with a numeric profile (ages, counts). Made once per column: the analyses that share a column share
   * its sort (see `NumericSummaries`).
   */
  const fairMade = new Map<string, FairColumn | undefined>();
  const fairOf = (name: string): FairColumn | undefined => {
    if (!fairMade.has(name)) fairMade.set(name, makeFair(name));
    return fairMade.get(name);
  };
  const makeFair = (name: string): FairColumn | undefined => {
    const inMem = kept.get(name);
    const coded = spilled.get(name) ?? (inMem?.kind === 'categorical' ? inMem : undefined);
    if (coded) {
      const codes = codeWindows(coded);
      return numericProfile(name)
        ? {
            kind: 'numeric',
            length: codes.length,
            coded: codes,
            numbers: Float64Array.from(codes.levels, decimalComma ? parseCommaNumber : Number),
          }
        : { kind: 'categorical', codes };
    }
    if (inMem?.kind === 'scaled')
      return { kind: 'numeric', length: inMem.mantissas.length, values: numberWindows(inMem), scaled: inMem };
    const num = spilledNumbers.get(name) ?? (inMem?.kind === 'numeric' ? inMem : undefined);
    return num
      ? {
          kind: 'numeric',
          length: num instanceof SpilledNumbers ? num.length : num.values.length,
          values: numberWindows(num),
        }
      : undefined;
  };
  /** Every kept column as categories (numbers by their exact value). */
  const encoded = {
    get(name: string): CategoricalColumn | undefined {
      const c = inMemory(name);
      if (!c || c.kind === 'categorical') return c;
      const b = new CategoricalBuilder(c.values.length);
      for (const v of c.values) b.push(Number.isNaN(v) ? undefined : String(v));
      return b.build();
    },
  };

  // Privacy: k-anonymity and singling out over the quasi-identifiers that could be kept.
  const qiNames = columns.filter((c) => c.quasiIdentifier).map((c) => c.name);
  const qiCols = qiNames.flatMap((name): { name: string; column: KColumn }[] => {
    const column = spilled.get(name) ?? encoded.get(name);
    return column ? [{ name, column }] : [];
  });
  let kAnon: number | null = null;
  let unique: number | null = null;
  let singlingOut: AuditReport['privacy']['singlingOut'] = null;
  if (qiCols.length > 0 && rows > 0) {
    // One set of work tables for both analyses: on large files they are the audit's memory peak. A count in
    // several passes (past about 870,000 records) sorts its keys by pass into temporary files, as the scan
    // spills (and not where it keeps everything in memory).
    const keySpill = spillOf(options);
    const between = options.betweenAnalyses;
    const work = new KAnonymityWork({
      ...(keySpill ? { spill: keySpill } : {}),
      ...(between ? { collect: () => between(hdr.columns.length, KEY_GARBAGE_BYTES) } : {}),
    });
    let k: KAnonymityResult;
    let so: SinglingOutSet | null;
    try {
      k = kAnonymity(
        qiCols.map((q) => q.column),
        work,
      );
      so = smallestSinglingOutSet(qiCols, policy.thresholds.singlingOutShare, 3, work);
    } finally {
      keySpill?.close();
    }
    kAnon = k.k;
    unique = k.uniqueRecords;
    if (so && so.columns.length > 0) singlingOut = { columns: so.columns, share: so.share };
    const kFinding = kAnonymityFinding(
      k,
      qiCols.map((q) => ({ name: q.name, index: indexOf(q.name), location: headerLocation(q.name) })),
      { threshold: policy.thresholds.kAnonymity, fileName: options.fileName, singlingOut: so },
    );
    if (kFinding) findings.push(kFinding);
    if (so?.reached) {
      findings.push(
        headerFinding(
          'privacy/singling-out',
          'warning',
          so.columns[0]!,
          `${so.columns.length === 1 ? 'Column' : 'Columns'} ${so.columns.map((c) => `'${c}'`).join(' + ')} single${so.columns.length === 1 ? 's' : ''} out ${pct(so.share)} of records.`,
          { columns: so.columns, share: so.share },
        ),
      );
    }
  }

  // Fairness: dataset bias, proxies and leakage with a label; a prediction audit with a prediction column.
  let fairness: FairnessReport | undefined;
  // A workspace policy names the label of its main dataset; other datasets in the workspace without that
  // column are audited without a label rather than reported as wrong. A label given for this file must exist.
  const labelName = labelOf(options, policy, (name) => indexOf(name) >= 0);
  const positive = options.positive ?? policy.positive;
  const protectedNames = columns
    .filter(
      (c) => c.protected && c.name !== labelName && c.name !== options.prediction && c.name !== options.score,
    )
    .map((c) => c.name);
  if (labelName !== undefined) {
    const missingColumn = [labelName, options.prediction, options.score, ...(options.groups ?? [])].find(
      (n) => n !== undefined && indexOf(n) < 0,
    );
    if (missingColumn !== undefined) {
      findings.push({
        rule: 'fairness/missing-column',
        severity: 'error',
        message: `Column '${missingColumn}' is not in the file (columns: ${hdr.columns.map((c) => c.name).join(', ')}).`,
        file: options.fileName,
        location: hdr.columns[0]?.location,
      });
    } else {
      fairness = analyseFairness();
    }
  } else if (options.prediction !== undefined) {
    findings.push({
      rule: 'fairness/missing-column',
      severity: 'error',
      message: 'A prediction audit needs the label column: give --label (or "label" in the policy).',
      file: options.fileName,
    });
  }

  /**
   * A label or prediction column as outcomes, window by window, mapped from its levels (`positive`). A numeric
   * column is made categorical first (it has over a thousand distinct values, so the mapping mostly refuses
   * it with a finding).
   */
  function outcomeOf(
    name: string,
  ): { outcome: OutcomeWindows; labelled: number; positiveValues: string[] } | undefined {
    const f = fairOf(name);
    const whole =
      f === undefined || (f.kind === 'numeric' && !('coded' in f)) ? encoded.get(name) : undefined;
    const col =
      f?.kind === 'categorical' ? f.codes : f && 'coded' in f ? f.coded : whole && codeWindows(whole);
    if (!col) {
      findings.push(
        headerFinding(
          'fairness/label-values',
          'error',
          name,
          `'${name}' has too many distinct values to be an outcome.`,
        ),
      );
      return undefined;
    }
    try {
      const counts = new Float64Array(col.levels.length);
      eachWindow(col, (codes) => {
        for (let i = 0; i < codes.length; i++) {
          const code = codes[i]!;
          if (code >= 0) counts[code]!++;
        }
      });
      const mapped = toBinaryOutcome(col.levels, positive, { counts });
      for (const p of mapped.problems)
        findings.push(headerFinding('fairness/label-values', 'warning', name, p));
      let labelled = 0;
      for (let c = 0; c < counts.length; c++) if ((mapped.outcome[c] ?? -1) >= 0) labelled += counts[c]!;
      return { outcome: mappedOutcome(col, mapped.outcome), labelled, positiveValues: mapped.positiveValues };
    } catch (e) {
      if (e instanceof OutcomeMappingError) {
        findings.push(headerFinding('fairness/label-values', 'error', name, `${e.message}`));
        return undefined;
      }
      throw e;
    }
  }

  function analyseFairness(): FairnessReport | undefined {
    const label = outcomeOf(labelName as string);
    if (!label) return undefined;
    const report: FairnessReport = {
      label: labelName as string,
      positiveValues: label.positiveValues,
      proxies: [],
      leakage: [],
    };
    // Groups for rates: numeric protected attributes (age) in ten-year bands, as reports usually show them.
    const attributes = protectedNames.flatMap((name) => {
      const f = fairOf(name);
      if (!f) return [];
      return [{ name, groups: f.kind === 'numeric' ? labelledGroups(f, bandOf) : ownCodes(f.codes) }];
    });
    // Association measures on a handful of rows are noise (any id "determines" six labels): below this many
    // labelled rows, proxies and leakage are not assessed, and the report says so.
    const minRows = 2 * policy.thresholds.minGroupSize;
    const labelled = label.labelled;
    const enoughRows = labelled >= minRows;
    if (!enoughRows)
      report.notAssessed = `Proxies and label leakage need at least ${minRows} labelled rows (found ${labelled}).`;
    // Numeric columns are sorted for their deciles and AUC in runs that go to disk past the spill's rows.
    const sortSpill = spillOf(options);
    // Between the proxies' and the leakage check's passes over a wide table's columns (`PASS_COLUMNS`).
    const between = () => options.betweenAnalyses?.(hdr.columns.length);
    try {
      const summaries = new NumericSummaries(
        label.outcome,
        sortSpill,
        sortSpill ? Math.max(1, sortSpill.afterRows) : undefined,
      );
      if (attributes.length > 0) {
        const bias = datasetBiasOf(
          { label: label.outcome, labelName, attributes },
          {
            reference: policy.referenceGroups,
            minGroupSize: policy.thresholds.minGroupSize,
            fourFifths: policy.thresholds.disparateImpact,
          },
        );
        const { findings: biasFindings, ...rest } = bias;
        report.dataset = rest;
        findings.push(...biasFindings.map((f) => anchor({ ...f, file: options.fileName })));
      }
      const fair = (names: readonly string[]) =>
        names.flatMap((name) => {
          const column = fairOf(name);
          return column ? [{ name, column }] : [];
        });
      if (attributes.length > 0 && enoughRows) {
        // Every column is a candidate, other protected attributes and the label included: `relationship`
        // standing in for `sex` is exactly what a proxy check is for.
        const proxies = proxyAssociationsOf(fair(protectedNames), fair(hdr.columns.map((c) => c.name)), {
          threshold: policy.thresholds.proxyCramersV,
          summaries,
          between,
        });
        report.proxies = proxies.associations;
        // V is symmetric: between two protected attributes report the pair once, on the column with more
        // levels (`relationship` encodes `sex`, rather than the other way round).
        const levelsOf = (name: string) => columns.find((c) => c.name === name)?.distinct ?? 0;
        const proxyFindings = proxies.findings.filter((f) => {
          const other = (f.data as { protected?: string } | undefined)?.protected;
          const col = f.column ?? '';
          if (!other || !protectedNames.includes(col)) return true;
          return (
            levelsOf(col) > levelsOf(other) ||
            (levelsOf(col) === levelsOf(other) && indexOf(col) > indexOf(other))
          );
        });
        findings.push(...proxyFindings.map((f) => anchor({ ...f, file: options.fileName })));
      }
      if (enoughRows) {
        const features = fair(
          hdr.columns
            .map((c) => c.name)
            .filter((n) => n !== labelName && n !== options.prediction && n !== options.score),
        );
        const leakage = labelLeakageOf(label.outcome, features, { summaries, between });
        report.leakage = leakage.scores;
        findings.push(...leakage.findings.map((f) => anchor({ ...f, file: options.fileName })));
      }
    } finally {
      sortSpill?.close();
    }

    if (options.prediction !== undefined) {
      const pred = outcomeOf(options.prediction);
      if (!pred) return report;
      // A group given twice is audited once, as the array audit's record of groups did.
      const groupNames = [...new Set(options.groups ?? protectedNames)];
      const groups = groupNames.flatMap((name) => {
        const f = fairOf(name);
        if (!f) return [];
        return [{ name, view: f.kind === 'numeric' ? labelledGroups(f, bandOf) : ownCodes(f.codes) }];
      });
      const scoreColumn = options.score !== undefined ? fairOf(options.score) : undefined;
      const score = scoreColumn?.kind === 'numeric' ? scoreColumn : undefined;
      if (options.score !== undefined && !score) {
        findings.push(
          headerFinding(
            'fairness/label-values',
            'error',
            options.score,
            `'${options.score}' is not numeric, so it cannot be a score.`,
          ),
        );
      }
      // The score sort's runs go to disk past the spill's rows, as the numeric columns' sorts do.
      const scoreSpill = spillOf(options);
      let audit: PredictionAudit;
      try {
        audit = auditPredictionsOf(
          { label: label.outcome, prediction: pred.outcome, score, groups },
          {
            thresholds: {
              demographicParityDifference: policy.thresholds.demographicParityDifference,
              demographicParityRatio: policy.thresholds.demographicParityRatio,
              equalizedOddsDifference: policy.thresholds.equalizedOddsDifference,
              equalizedOddsRatio: policy.thresholds.equalizedOddsRatio,
              equalOpportunityDifference: policy.thresholds.equalOpportunityDifference,
              predictiveParityDifference: policy.thresholds.predictiveParityDifference,
              minGroupSize: policy.thresholds.minGroupSize,
            },
          },
          scoreSpill,
          scoreSpill ? Math.max(1, Math.min(RECORD_RUN_ROWS, scoreSpill.afterRows)) : undefined,
        );
      } finally {
        scoreSpill?.close();
      }
      report.prediction = options.prediction;
      if (score) report.score = options.score;
      report.overall = audit.overall;
      report.groups = audit.groups;
      report.disparities = audit.disparities;
      findings.push(...audit.findings.map((f) => anchor({ ...f, file: options.fileName })));
    }
    return report;
  }

  // Policy (severities, ignores), then the per-rule cap, then a stable order.
  const truncated: Record<string, number> = { ...priv.truncated };
  const perRule = new Map<string, number>();
  const shown: Finding[] = [];
  for (const f of applyPolicy(findings, policy)) {
    const n = perRule.get(f.rule) ?? 0;
    if (n >= maxPerRule) {
      truncated[f.rule] = (truncated[f.rule] ?? 0) + 1;
      continue;
    }
    perRule.set(f.rule, n + 1);
    shown.push(f.file ? f : { ...f, file: options.fileName });
  }
  shown.sort(
    (a, b) =>
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.startColumn ?? 0) - (b.location?.startColumn ?? 0),
  );

  return {
    version: 1,
    file: options.fileName,
    format: summary.format,
    rows,
    columns,
    findings: shown,
    truncated,
    privacy: { quasiIdentifiers: qiNames, kAnonymity: kAnon, uniqueRecords: unique, singlingOut },
    quality: {
      duplicateRows: dup.duplicateRows,
      duplicateExamples: dup.examples,
      constantColumns: profiles.filter((p) => p.constant && rows > 1).map((p) => p.name),
      mixedTypeColumns: profiles.filter((p) => p.mixedTypes).map((p) => p.name),
      identifierColumns: profiles.filter((p) => p.identifierLike).map((p) => p.name),
    },
    fairness,
  };
}

function bandOf(v: number): string {
  const lo = Math.floor(v / 10) * 10;
  return `${lo}-${lo + 9}`;
}

function describeTypeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${int(n)} ${t}`)
    .join(', ');
}
