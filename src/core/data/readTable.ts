/**
 * The one entry point for reading a dataset: bytes in (any chunking), header, rows and problems out to a
 * {@link TableSink}. It chooses the encoding, the format, the delimiter and whether there is a header, then
 * streams: memory stays bounded by the sample used for those choices and the longest record.
 */
import type { Finding, SourceRange } from '../findings';
import type { DataFormat, DataRow, HeaderCell, TableHeader, TableSink } from './table';
import { binaryFileMessage } from './binaryFile';
import {
  Decompressed,
  faultMessage,
  trailingMessage,
  tarMessage,
  tarSeverity,
  withoutGzipExtension,
  zipMessage,
  zipSeverity,
  type TarMember,
  type ZipMember,
} from './compressed';
import { ByteDecoder, type TextEncodingName } from './decode';
import { InvalidCharQueue, ProblemReporter } from './problems';
import { CsvParser } from './csvParser';
import { detectHeader, sniffDelimiter } from './csvSniff';
import {
  JsonArrayReader,
  JsonLinesReader,
  parseObject,
  type ObjectHandler,
  type ParsedObject,
} from './jsonReader';
import { PositionSlab } from './positionSlab';
import { groupDigits } from '../numberText';
import { detach } from './sketches';

export interface ReadOptions {
  /** `auto` (default): from the extension of `fileName`, else from the content. */
  format?: DataFormat | 'auto';
  /** Used as `finding.file` and to choose the format. */
  fileName?: string;
  /**
   * CSV/TSV delimiter; sniffed among `,` `;` tab `|` when absent (tab for a `.tsv` file). One character,
   * not a quote or line break: anything else is a usage error and throws a RangeError before reading.
   */
  delimiter?: string;
  /** CSV/TSV: whether the first record is a header; `auto` (default) guesses. */
  hasHeader?: boolean | 'auto';
  /** Cap on reported problem findings (default 1000); the rest are summarised in one finding. */
  maxProblems?: number;
  /**
   * Reads a later byte range of a UTF-8 CSV, TSV, JSON Lines or JSON file whose head was read already (a scan
   * split by rows): the range starts at a record boundary on line `startLine` (in a JSON array, at an
   * element after a comma, on that line's `startColumn`), and every record is a data row of `header`. No
   * encoding, format, delimiter or header is guessed; row indices count from 1 within the range.
   */
  continuation?: { header: TableHeader; startLine: number; startColumn?: number };
  /**
   * The chunks are a ZIP archive's from this table's local header on (see `compressed.ts`): that table alone
   * is read, by the archive's directory.
   */
  zipMember?: ZipMember;
  /**
   * The chunks are a tar archive's from this table's data on, or from the start of a compressed one
   * (see `compressed.ts`): that table alone is read.
   */
  tarMember?: TarMember;
  /**
   * Decode a bzip2 or xz file in another thread, beside the reading, where the worker layer has set one up
   * (`decodeOffThreadWith`): for a large file, when a core is free.
   */
  decodeOffThread?: boolean;
  /**
   * A JSON array's byte range that ends after an element's comma, not at the end of the file (a scan split by
   * rows): the array left open there is no problem.
   */
  endsAfterComma?: boolean;
  /**
   * The sink reads a row's `positions` and its array of `values` only while `row()` runs, and keeps neither
   * (it may keep the values themselves). The CSV reader then writes every row's positions into one reused
   * block, where it otherwise cuts each row's from fresh 4 MiB blocks: those die young but outlive the young
   * generation, so up to the collector's 64 MB of external memory of them waited for a full collection (the
   * peak of a 200 MB scan fell from 303 to 254 MB). It also fills one array of values, record after record.
   */
  transientRows?: boolean;
  /**
   * Columns read (default: all): a CSV record's fields past this many, or a JSON file's keys past this many in
   * its sample, are not read, and one `data/too-many-columns` finding says so. The audit reads at most the
   * policy's `maxColumns` ({@link DEFAULT_MAX_COLUMNS}), since each column's profile, privacy state and
   * sketches hold some kilobytes whatever the rows: a line of millions of fields took gigabytes. A copy
   * (`rml fix`, the quick fixes) or a training run reads every column.
   */
  maxColumns?: number;
}

/**
 * The columns an audit reads by default (the policy's `maxColumns`), as many as a spreadsheet has (Excel's
 * 16,384). Each column holds some kilobytes whatever the rows: tables of 20,000 columns peaked at 286 to
 * 311 MB, and read up to this many, at 261 to 276 MB (with a label too); 100,000 columns took 585 MB for a
 * single row, and 8 million fields on one line ran out of memory after 8 GB.
 */
export const DEFAULT_MAX_COLUMNS = 16_384;

export interface ReadSummary {
  format: DataFormat;
  delimiter?: string;
  hasHeader: boolean;
  /** Data rows passed to the sink. */
  rows: number;
  /** Bytes of text read: decompressed, for a compressed file. */
  bytes: number;
  /** Set when the file was compressed and read through (`compressed.ts`): gzip, or a ZIP archive's file. */
  compression?: 'gzip' | 'zip' | 'zstd' | 'xz' | 'bzip2';
  /** The table was a file of a tar archive (compressed as `compression` says, or not). */
  archive?: 'tar';
  encoding: TextEncodingName;
  /** All problems found, including those over the cap. */
  problems: number;
}

/** Bytes decoded at a time (see {@link TableReader.push}). */
const DECODE_PIECE = 1 << 16;
/** Characters of decoded text looked at before the format and delimiter are chosen. */
const SAMPLE_CHARS = 1 << 16;
/** Records looked at before deciding whether a CSV file has a header. */
const HEADER_SAMPLE_RECORDS = 50;
/** Objects whose keys make the columns of a JSON file; a key first seen later is reported, not read. */
const JSON_SAMPLE_OBJECTS = 1000;

/**
 * Reads a CSV, TSV, JSON (array of objects) or JSON Lines dataset.
 *
 * Every header and cell keeps its source position (see {@link DataRow}): for a quoted CSV field or a JSON
 * string the range covers the text between the quotes; for other values the value after trimming the
 * surrounding spaces. Malformed input never throws: it becomes a problem finding (`data/...`) and reading
 * goes on. `sink.header` is called exactly once, before any row, also for an empty file.
 *
 * @param chunks the file's bytes in any chunking, e.g. `fs.createReadStream(path)`
 */
export async function readTable(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sink: TableSink,
  options: ReadOptions = {},
): Promise<ReadSummary> {
  const d = options.delimiter;
  if (d !== undefined && (d.length !== 1 || d === '"' || d === '\n' || d === '\r')) {
    throw new RangeError(
      `The delimiter must be one character other than a quote or line break, not ${JSON.stringify(d)}.`,
    );
  }
  const reader = new TableReader(sink, options);
  // A later byte range of a file is never compressed: only a whole file is read in ranges.
  const source = options.continuation
    ? undefined
    : new Decompressed(
        chunks,
        options.zipMember ?? options.tarMember,
        options.decodeOffThread ? { offThread: true } : {},
      );
  for await (const chunk of source ?? chunks) {
    // A ZIP archive's file is read as its name says (`adult.zip` holding `adult.csv`).
    const entry = source?.zip?.name ?? source?.tar?.name;
    if (entry !== undefined) reader.entryName = entry;
    reader.push(chunk);
    // A binary file is not read past its first bytes.
    if (reader.binary) break;
  }
  if (source?.compression || source?.tar) reader.compressed(source);
  return reader.end();
}

/** Format implied by a file name's extension, if any. */
export function formatFromFileName(fileName: string | undefined): DataFormat | undefined {
  if (!fileName) return undefined;
  const m = /\.([A-Za-z]+)$/.exec(withoutGzipExtension(fileName));
  switch (m?.[1]?.toLowerCase()) {
    case 'csv':
      return 'csv';
    case 'tsv':
    case 'tab':
      return 'tsv';
    case 'json':
      return 'json';
    case 'jsonl':
    case 'ndjson':
      return 'jsonl';
    default:
      return undefined;
  }
}

/** Format from the first characters: `[` is a JSON array, `{` closed on its first line is JSON Lines. */
function formatFromContent(sample: string): DataFormat | undefined {
  const m = /\S/.exec(sample);
  if (!m) return undefined;
  if (m[0] === '[') return 'json';
  if (m[0] === '{') {
    const lineEnd = sample.slice(m.index).search(/[\r\n]/);
    const firstLine = lineEnd === -1 ? sample.slice(m.index) : sample.slice(m.index, m.index + lineEnd);
    return firstLine.trimEnd().endsWith('}') ? 'jsonl' : 'json';
  }
  return undefined;
}

/**
 * Whether text begins as JSON Lines: an object closed on its first line, and another object starting the next
 * line that is not blank. One object alone is a JSON file (`{"data": [...]}` on one line).
 */
export function hasJsonLinesShape(text: string): boolean {
  const m = /^\uFEFF?[ \t\r\n]*\{/.exec(text);
  if (!m) return false;
  const from = m.index + m[0].length - 1;
  const end = text.slice(from).search(/[\r\n]/);
  if (
    end === -1 ||
    !text
      .slice(from, from + end)
      .trimEnd()
      .endsWith('}')
  )
    return false;
  return /^[ \t]*\{/.test(text.slice(from + end).replace(/^(?:[ \t]*(?:\r\n|\r|\n))+/, ''));
}

interface StreamParser {
  push(text: string): void;
  end(): void;
}

class TableReader {
  private readonly decoder: ByteDecoder;
  private readonly problems: ProblemReporter;
  private readonly invalid: InvalidCharQueue;
  private sample: string[] = [];
  private sampleLength = 0;
  private parser: StreamParser | undefined;
  private table: CsvTable | JsonTable | undefined;
  private bytes = 0;
  private format: DataFormat = 'csv';
  private delimiter: string | undefined;
  private source: Decompressed | undefined;
  /** The ZIP archive's file being read, whose name gives the format. */
  entryName: string | undefined;

  constructor(
    private readonly sink: TableSink,
    private readonly options: ReadOptions,
  ) {
    this.decoder = new ByteDecoder(options.continuation !== undefined, options.fileName);
    this.problems = new ProblemReporter(sink, options.fileName, options.maxProblems ?? 1000);
    this.invalid = new InvalidCharQueue(this.decoder.invalid, this.problems);
  }

  /** Whether the first bytes were a binary file's, which is not read further (see `binaryFile.ts`). */
  get binary(): boolean {
    return this.decoder.binary !== undefined;
  }

  /** The bytes pushed were decompressed by `source`, which holds its fault and the ZIP entry read. */
  compressed(source: Decompressed): void {
    this.source = source;
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    // Decoded in pieces of at most 64 KiB: V8 puts a string of 128 KiB or more in its large-object space,
    // fresh memory from the system for every one, and creating those cost 40 times as much as small ones
    // (0.7 s against 16 ms for 100 MB in 256 KiB chunks). The parser's buffer then stays small too.
    for (let at = 0; at < chunk.length; at += DECODE_PIECE)
      this.text(this.decoder.push(chunk.subarray(at, Math.min(chunk.length, at + DECODE_PIECE))));
  }

  end(): ReadSummary {
    this.text(this.decoder.end());
    if (!this.parser) this.start(true);
    (this.parser as StreamParser).end();
    this.table?.finish();
    const source = this.source;
    if (source?.zip) {
      const zip = source.zip;
      this.report(
        {
          rule: 'data/zip-archive',
          severity: zipSeverity(zip),
          message: zipMessage(zip),
          location: { line: 1, startColumn: 1, endColumn: 1 },
          data: {
            entry: zip.name,
            others: zip.others ?? null,
            ...(zip.archive !== undefined
              ? { archive: zip.archive, tables: zip.tables ?? null, closed: zip.closed ?? null }
              : {}),
          },
        },
        true,
      );
    }
    if (source?.tar) {
      const tar = source.tar;
      this.report(
        {
          rule: 'data/tar-archive',
          severity: tarSeverity(tar),
          message: tarMessage(tar),
          location: { line: 1, startColumn: 1, endColumn: 1 },
          data: {
            entry: tar.name ?? null,
            tables: tar.tables,
            others: tar.others,
            listed: tar.listed,
            ...(tar.archive !== undefined ? { archive: tar.archive } : {}),
          },
        },
        true,
      );
    }
    const fault = source?.fault;
    if (source && fault) {
      this.report(
        {
          rule: 'data/compressed-damaged',
          severity: 'error',
          message: faultMessage(fault, source, this.table?.rows ?? 0, this.bytes),
          location: { line: 1, startColumn: 1, endColumn: 1 },
          data: { compression: source.compression ?? null, code: fault.code ?? null, textBytes: this.bytes },
        },
        true,
      );
    } else if (source?.trailing) {
      this.report(
        {
          rule: 'data/compressed-damaged',
          severity: 'error',
          message: trailingMessage(source.trailing, this.table?.rows ?? 0),
          location: { line: 1, startColumn: 1, endColumn: 1 },
          data: {
            compression: source.compression ?? null,
            code: 'TRAILING',
            textBytes: this.bytes,
            trailingAt: source.trailing.at,
            trailingBytes: source.trailing.bytes,
          },
        },
        true,
      );
    }
    this.problems.finish();
    const summary: ReadSummary = {
      format: this.format,
      hasHeader: this.table ? this.table.hasHeader : false,
      rows: this.table ? this.table.rows : 0,
      bytes: this.bytes,
      encoding: this.decoder.encoding,
      problems: this.problems.count,
    };
    if (this.source?.compression) summary.compression = this.source.compression;
    if (this.source?.tar) summary.archive = 'tar';
    if (this.delimiter !== undefined) summary.delimiter = this.delimiter;
    return summary;
  }

  private text(text: string): void {
    if (text.length === 0) return;
    if (this.parser) {
      this.parser.push(text);
      return;
    }
    this.sample.push(text);
    this.sampleLength += text.length;
    if (this.sampleLength >= SAMPLE_CHARS) this.start(false);
  }

  private start(complete: boolean): void {
    const sample = this.sample.join('');
    this.sample = [];
    const o = this.options;
    const continued = o.continuation?.header.format;
    if (o.continuation && (continued === 'jsonl' || continued === 'json')) {
      const { header, startLine, startColumn } = o.continuation;
      this.format = continued;
      const table = new JsonTable(this.sink, this.problems, continued);
      table.continueWith(header);
      this.table = table;
      const onObject: ObjectHandler = (obj, text, column) => table.object(obj, text, column);
      this.parser =
        continued === 'jsonl'
          ? new JsonLinesReader(onObject, this.problems, this.invalid, startLine)
          : new JsonArrayReader(onObject, this.problems, this.invalid, {
              startLine,
              startColumn: startColumn ?? 1,
              endsAfterComma: o.endsAfterComma === true,
            });
      this.parser.push(sample);
      return;
    }
    if (o.continuation) {
      const { header, startLine } = o.continuation;
      const delimiter = header.delimiter ?? ',';
      this.format = header.format;
      this.delimiter = delimiter;
      const slab = new PositionSlab();
      const table = new CsvTable(this.sink, this.problems, header.format, delimiter, header.hasHeader, slab);
      table.continueWith(header);
      slab.transient = o.transientRows === true;
      this.table = table;
      this.parser = this.csvParser(delimiter, table, slab, startLine);
      this.parser.push(sample);
      return;
    }
    const named =
      o.format && o.format !== 'auto' ? o.format : formatFromFileName(this.entryName ?? o.fileName);
    const binary = this.decoder.binary;
    if (binary) {
      // One finding, and a table of no columns: its bytes read as text would be garbage.
      this.report({
        rule: 'data/binary-file',
        severity: 'error',
        message: binaryFileMessage(binary),
        location: { line: 1, startColumn: 1, endColumn: 1 },
        data: { format: binary.kind },
      });
      this.format = named ?? 'csv';
      const table = new CsvTable(this.sink, this.problems, this.format, ',', false, new PositionSlab());
      this.table = table;
      this.parser = { push: () => undefined, end: () => undefined };
      return;
    }
    let format = named ?? formatFromContent(sample) ?? 'csv';
    // JSON Lines under a `.json` name, as Hugging Face's `Dataset.to_json` and pandas' `lines=True` write it:
    // read as the lines it holds (an explicit `format: 'json'` too, which the editor derives from the name).
    if (format === 'json' && hasJsonLinesShape(sample)) format = 'jsonl';
    if (this.decoder.encoding === 'utf-16le' || this.decoder.encoding === 'utf-16be') {
      const how = this.decoder.hadBom ? 'its byte order mark' : 'the pattern of zero bytes';
      this.report({
        rule: 'data/utf16',
        severity: 'warning',
        message: `The file is encoded as ${this.decoder.encoding.toUpperCase()} (recognised by ${how}); it was decoded, but most data tools expect UTF-8.`,
        location: { line: 1, startColumn: 1, endColumn: 1 },
        data: { encoding: this.decoder.encoding },
      });
    }
    const empty = complete && !/\S/.test(sample);
    if (empty) {
      this.report({
        rule: 'data/empty-file',
        severity: 'warning',
        message: this.bytes === 0 ? 'The file is empty.' : 'The file holds no data, only white space.',
        location: { line: 1, startColumn: 1, endColumn: 1 },
      });
    }
    let text = sample;
    if (format === 'csv' || format === 'tsv') {
      // Excel's delimiter hint: a first line `sep=;` names the delimiter and is no part of the table, which
      // starts on line 2.
      const hint = SEPARATOR_HINT.exec(sample);
      if (hint) text = sample.slice(hint[0].length);
      const delimiter =
        o.delimiter ??
        hint?.[1] ??
        (format === 'tsv' && named ? '\t' : sniffDelimiter(sample, complete, format === 'tsv' ? '\t' : ','));
      if (delimiter === '\t') format = 'tsv';
      this.format = format;
      this.delimiter = delimiter;
      const slab = new PositionSlab();
      const table = new CsvTable(this.sink, this.problems, format, delimiter, o.hasHeader ?? 'auto', slab);
      table.transientAfterHeader = o.transientRows === true;
      table.separatorLine = hint !== null;
      this.table = table;
      this.parser = this.csvParser(delimiter, table, slab, hint ? 2 : 1);
    } else {
      this.format = format;
      const table = new JsonTable(this.sink, this.problems, format, maxColumns(o));
      this.table = table;
      const onObject = (obj: ParsedObject, text: string, column: number): void =>
        table.object(obj, text, column);
      this.parser =
        format === 'json'
          ? new JsonArrayReader(onObject, this.problems, this.invalid, {
              endsAfterComma: o.endsAfterComma === true,
            })
          : new JsonLinesReader(onObject, this.problems, this.invalid);
    }
    this.parser.push(text);
  }

  private csvParser(delimiter: string, table: CsvTable, slab: PositionSlab, startLine: number): CsvParser {
    const onRecord = (f: string[], l: number, t: number): void => table.record(f, l, t);
    return new CsvParser(
      delimiter,
      onRecord,
      this.problems,
      this.invalid,
      slab,
      startLine,
      maxColumns(this.options),
    );
  }

  private report(f: Finding, uncapped = false): void {
    this.problems.report(f, uncapped);
  }
}

/** Excel's first line `sep=X`, which names a CSV file's delimiter. */
const SEPARATOR_HINT = /^sep=([^\r\n"])(?:\r\n|\n|\r|$)/i;

function maxColumns(o: ReadOptions): number {
  const m = o.maxColumns ?? Infinity;
  if (!(m >= 1)) throw new RangeError(`maxColumns must be at least 1, not ${m}.`);
  return Math.floor(m);
}

/** The finding of a table wider than {@link ReadOptions.maxColumns}, at the first column not read. */
function tooManyColumns(total: number, read: number, location: SourceRange, what: string): Finding {
  return {
    rule: 'data/too-many-columns',
    severity: 'error',
    message: `The ${what} has ${groupDigits(total)} columns; only the first ${groupDigits(read)} were read and audited (the limit keeps memory bounded: raise it with --max-columns or the policy's maxColumns).`,
    location,
    data: { columns: total, read },
  };
}

/** The message of a `data/late-key` finding; exported so that a scan split by rows can renumber its row. */
export function lateKeyMessage(key: string, row: number): string {
  return `The key "${key}" first appears in row ${row}, after the columns were fixed from the first ${JSON_SAMPLE_OBJECTS} objects; its values were not read.`;
}

/**
 * The message of a `data/ragged-row` finding; exported so that a scan split by rows can renumber the rows of
 * a later range.
 */
export function raggedRowMessage(row: number, line: number, count: number, expected: number): string {
  const n = expected;
  return count > n
    ? `Row ${row} (line ${line}) has ${count} fields where the header has ${n}; the ${count - n} extra value${count - n === 1 ? ' was' : 's were'} not read.`
    : `Row ${row} (line ${line}) has ${count} field${count === 1 ? '' : 's'} where the header has ${n}; the missing cells were read as missing.`;
}

function raggedLocation(positions: ArrayLike<number>, fields: number): SourceRange {
  const line = positions[0] ?? 1;
  const endLine = positions[4 * (fields - 1) + 2] ?? line;
  const endColumn = positions[4 * (fields - 1) + 3] ?? 1;
  const r: SourceRange = { line, startColumn: 1, endColumn };
  if (endLine !== line) r.endLine = endLine;
  return r;
}

/** Turns CSV records into a header and rows: header detection on a sample, ragged rows. */
class CsvTable {
  rows = 0;
  hasHeader = false;
  private pending: { fields: string[]; positions: Int32Array; line: number; total: number }[] | undefined =
    [];
  /** Columns read: the first record's fields, at most the parser's `maxFields`. */
  private width = 0;
  /** The first record's count of fields, read or not: a record with another count is ragged. */
  private total = 0;
  /**
   * Set the slab transient once the header sample's rows (views into it, with arrays of their own) have gone
   * to the sink.
   */
  transientAfterHeader = false;
  /** The file began with Excel's `sep=X` line, which the header says. */
  separatorLine = false;

  constructor(
    private readonly sink: TableSink,
    private readonly problems: ProblemReporter,
    private readonly format: DataFormat,
    private readonly delimiter: string,
    private readonly headerOption: boolean | 'auto',
    private readonly slab: PositionSlab,
  ) {}

  record(fields: string[], line: number, total: number): void {
    if (this.pending) {
      this.pending.push({ fields, positions: this.slab.commit(4 * fields.length), line, total });
      if (this.pending.length >= HEADER_SAMPLE_RECORDS) this.decide();
      return;
    }
    this.emitWritten(fields, line, total);
  }

  finish(): void {
    if (this.pending) this.decide();
  }

  /** Takes a header read elsewhere (see {@link ReadOptions.continuation}): every record is a row. */
  continueWith(header: TableHeader): void {
    this.pending = undefined;
    this.hasHeader = header.hasHeader;
    this.width = header.columns.length;
    this.total = header.totalColumns ?? this.width;
    this.sink.header(header);
  }

  private decide(): void {
    const sample = this.pending ?? [];
    this.pending = undefined;
    const first = sample[0];
    const hasHeader =
      first !== undefined &&
      (this.headerOption === 'auto' ? detectHeader(sample.map((r) => r.fields)) : this.headerOption);
    this.hasHeader = hasHeader;
    this.width = first ? first.fields.length : 0;
    this.total = first ? first.total : 0;
    if (first && this.total > this.width) {
      const p = first.positions;
      const end = p[4 * this.width - 1] as number;
      const location: SourceRange = {
        line: p[4 * this.width - 2] as number,
        startColumn: end,
        endColumn: end + 1,
      };
      this.problems.report(
        tooManyColumns(this.total, this.width, location, hasHeader ? 'header' : 'first record'),
      );
    }
    const columns: HeaderCell[] = [];
    if (hasHeader && first) {
      const seen = new Map<string, SourceRange>();
      first.fields.forEach((name, i) => {
        const location = fieldRange(first.positions, i);
        let cellName = name;
        if (name === '') {
          cellName = `column_${i + 1}`;
          this.problems.report({
            rule: 'data/header',
            severity: 'warning',
            message: `Column ${i + 1} has an empty name in the header at line ${location.line}, column ${location.startColumn}; it is called "${cellName}".`,
            location,
            columnIndex: i,
            column: cellName,
          });
        } else {
          const before = seen.get(name);
          if (before) {
            this.problems.report({
              rule: 'data/header',
              severity: 'warning',
              message: `The column name "${name}" at line ${location.line}, column ${location.startColumn} repeats an earlier column name; findings about either column are ambiguous by name.`,
              location,
              columnIndex: i,
              column: name,
              related: [{ message: 'First column with this name.', location: before }],
            });
          } else {
            seen.set(name, location);
          }
        }
        columns.push({ name: cellName, location });
      });
    } else {
      // No header cell to show a column's findings on: they stand on its first value.
      for (let i = 0; i < this.width; i++)
        columns.push({
          name: `column_${i + 1}`,
          ...(first ? { location: fieldRange(first.positions, i) } : {}),
        });
    }
    const header: TableHeader = { format: this.format, delimiter: this.delimiter, hasHeader, columns };
    if (this.separatorLine) header.separatorLine = true;
    if (this.total > this.width) header.totalColumns = this.total;
    this.sink.header(header);
    for (let k = hasHeader ? 1 : 0; k < sample.length; k++) {
      const r = sample[k] as { fields: string[]; positions: Int32Array; line: number; total: number };
      this.emit(r.fields, r.positions, r.line, r.total);
    }
    this.slab.transient = this.transientAfterHeader;
  }

  /** A record from the header sample, its positions already committed. */
  private emit(fields: string[], positions: Int32Array, line: number, total: number): void {
    const n = this.width;
    let pos = positions;
    if (fields.length !== n) {
      // At most the 50 sample records: a fresh array, as the slab past its mark may hold a dropped attempt.
      pos = new Int32Array(4 * n);
      pos.set(positions.subarray(0, Math.min(positions.length, 4 * n)));
    }
    this.finishRow(fields, pos, positions, line, total);
  }

  /** A streamed record whose positions the parser wrote at `slab.at`: commit them as the row's, no copy. */
  private emitWritten(fields: string[], line: number, total: number): void {
    const n = this.width;
    const count = fields.length;
    const slab = this.slab;
    if (count < n) {
      slab.ensure(4 * count, 4 * (n - count));
      slab.block.fill(0, slab.at + 4 * count, slab.at + 4 * n);
    }
    let written = slab.block.subarray(slab.at, slab.at + 4 * count);
    if (count > n) written = written.slice();
    this.finishRow(fields, slab.commit(4 * n), written, line, total);
  }

  /** `total` is the record's count of fields, more than `fields.length` past the parser's `maxFields`. */
  private finishRow(
    fields: string[],
    pos: Int32Array,
    positions: Int32Array,
    line: number,
    total: number,
  ): void {
    const index = ++this.rows;
    const n = this.width;
    const count = fields.length;
    if (total !== this.total) {
      const expected = this.total;
      this.problems.report({
        rule: 'data/ragged-row',
        severity: total > expected ? 'error' : 'warning',
        message: raggedRowMessage(index, line, total, expected),
        row: index,
        location: raggedLocation(positions, count),
        data: { fields: total, expected },
      });
    }
    if (count > n) {
      fields.length = n;
    } else if (count < n) {
      const values: (string | undefined)[] = fields;
      for (let i = count; i < n; i++) values.push(undefined);
    }
    const row: DataRow = { index, values: fields, positions: pos };
    this.sink.row(row);
  }
}

/** Turns JSON objects into a header (union of keys over a sample) and rows. */
class JsonTable {
  rows = 0;
  readonly hasHeader = true;
  /**
   * The sample's objects until the header is decided, as the text they were read from: parsed, an object of
   * 2,000 keys held about 300 KB (480 MB for a 58 MB file), its text 40 KB. They are read again to be emitted.
   */
  private pending: { text: string; line: number; column: number }[] | undefined = [];
  /** The header so far: the sample's keys in order of first appearance, each where it first appears. */
  private readonly cells: HeaderCell[] = [];
  private readonly columns = new Map<string, number>();
  private readonly lateKeys = new Set<string>();
  private readonly slab = new PositionSlab();
  /**
   * Whether the sample had more keys than `maxColumns`. Those past it are neither columns nor remembered, so
   * a key missing from the header is then not reported as late: the `data/too-many-columns` finding says it.
   */
  private capped = false;

  constructor(
    private readonly sink: TableSink,
    private readonly problems: ProblemReporter,
    private readonly format: DataFormat,
    private readonly maxColumns = Infinity,
  ) {}

  object(o: ParsedObject, text: string, column: number): void {
    if (this.pending) {
      o.keys.forEach((k, i) => {
        if (this.columns.has(k)) return;
        const loc = o.keyLocations[i];
        if (this.cells.length >= this.maxColumns) {
          if (!this.capped) {
            this.capped = true;
            const n = groupDigits(this.maxColumns);
            this.problems.report({
              rule: 'data/too-many-columns',
              severity: 'error',
              message: `The objects have more than ${n} keys; only the first ${n} (in the order they first appear) were read and audited (the limit keeps memory bounded: raise it with --max-columns or the policy's maxColumns).`,
              ...(loc ? { location: loc } : {}),
              data: { read: this.maxColumns },
            });
          }
          return;
        }
        this.columns.set(k, this.cells.length);
        const cell: HeaderCell = { name: k };
        if (loc) cell.location = loc;
        this.cells.push(cell);
      });
      this.pending.push({ text: detach(text), line: o.line, column });
      if (this.pending.length >= JSON_SAMPLE_OBJECTS) this.decide();
      return;
    }
    this.emit(o);
  }

  finish(): void {
    if (this.pending) this.decide();
  }

  /**
   * Takes a header read elsewhere (see {@link ReadOptions.continuation}): every object is a row, and a key
   * outside it is late here too (a scan split by rows keeps the first report of each key).
   */
  continueWith(header: TableHeader): void {
    this.pending = undefined;
    header.columns.forEach((c, i) => {
      this.columns.set(c.name, i);
      this.cells.push(c);
    });
    this.capped = header.totalColumns !== undefined;
    this.sink.header(header);
  }

  private decide(): void {
    const sample = this.pending ?? [];
    this.pending = undefined;
    const header: TableHeader = { format: this.format, hasHeader: true, columns: this.cells };
    // More than were read; how many more is not counted (that would keep every key).
    if (this.capped) header.totalColumns = this.cells.length + 1;
    this.sink.header(header);
    let keys: readonly string[] = [];
    for (const p of sample) {
      // The same text gives the same object: it was read without an error the first time.
      const o = parseObject(p.text, p.line, p.column, keys).object;
      if (!o) continue;
      keys = o.keys;
      this.emit(o);
    }
  }

  private emit(o: ParsedObject): void {
    const index = ++this.rows;
    const n = this.columns.size;
    const values: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
    const pos = this.slab.commit(4 * n);
    for (let i = 0; i < o.keys.length; i++) {
      const k = o.keys[i] as string;
      const col = this.columns.get(k);
      if (col === undefined) {
        if (!this.capped && !this.lateKeys.has(k)) {
          this.lateKeys.add(k);
          const loc = o.keyLocations[i];
          const f: Finding = {
            rule: 'data/late-key',
            severity: 'warning',
            message: lateKeyMessage(k, index),
            row: index,
            data: { key: k },
          };
          if (loc) f.location = loc;
          this.problems.report(f);
        }
        continue;
      }
      values[col] = o.values[i];
      for (let j = 0; j < 4; j++) pos[4 * col + j] = o.positions[4 * i + j] as number;
    }
    this.sink.row({ index, values, positions: pos });
  }
}

/** The range of field `i` of a record from its positions (start line and column, end line and column). */
function fieldRange(p: Int32Array, i: number): SourceRange {
  const location: SourceRange = {
    line: p[4 * i] as number,
    startColumn: p[4 * i + 1] as number,
    endColumn: p[4 * i + 3] as number,
  };
  if ((p[4 * i + 2] as number) !== location.line) location.endLine = p[4 * i + 2] as number;
  return location;
}
