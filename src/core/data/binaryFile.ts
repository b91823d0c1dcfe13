/**
 * Files that are not text at all, recognised from their first bytes before a byte of them is read as a table:
 * the spreadsheets, columnar files, statistics packages' and Python's data files, archives and compressed files
 * people give a tool that reads CSV. Read as text they gave hundreds of encoding errors and tables of garbage;
 * the reader reports one finding instead, naming the format and what to do.
 *
 * Written by hand: `file-type`, the maintained library for this, needs Node 22 and reads asynchronously
 * through its own tokenizer, where the reader decides synchronously on the first kilobyte it already holds,
 * and only the fixed signatures below (and a share of control bytes for any other binary file) are needed.
 */

import { groupDigits } from '../numberText';

/** A binary format recognised, and what the user should do with the file. */
export interface BinaryFormat {
  /** Short id, in the finding's data. */
  kind: string;
  /** The format, as the message names it (after "The file is "). */
  name: string;
  /** What to do instead, as the message ends; none for binary data of no known format. */
  advice?: string;
}

const EXPORT = 'export the table as CSV and audit that';
const DECOMPRESS = 'decompress it and audit the file inside';
const CONVERT = 'convert it to CSV or JSON Lines (for example with pandas) and audit that';
const IMAGE = 'give the data file';
const STATA: BinaryFormat = { kind: 'stata', name: 'a Stata data file', advice: CONVERT };
const R_ADVICE = 'write the table as CSV (with `write.csv` in R) and audit that';
const R_DATA: BinaryFormat = { kind: 'rdata', name: 'an R workspace (.RData)', advice: R_ADVICE };

/**
 * Signatures at offset 0 (`null` matches any byte). Those made only of printable characters could begin a
 * CSV file (a header `ORCID,...`), so they count only with control bytes in the head as well (`binary`).
 */
const SIGNATURES: { bytes: (number | null)[]; format: BinaryFormat; binary?: true }[] = [
  { bytes: [0x1f, 0x8b], format: { kind: 'gzip', name: 'gzip-compressed', advice: DECOMPRESS } },
  {
    // "BZh", the block size, then the block magic (the digits of pi).
    bytes: [0x42, 0x5a, 0x68, null, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59],
    format: { kind: 'bzip2', name: 'bzip2-compressed', advice: DECOMPRESS },
  },
  {
    bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    format: { kind: 'xz', name: 'xz-compressed', advice: DECOMPRESS },
  },
  {
    // Read through where Node.js has Zstandard (22.15 and later: `compressed.ts`); this one has not.
    bytes: [0x28, 0xb5, 0x2f, 0xfd],
    format: {
      kind: 'zstd',
      name: 'Zstandard-compressed',
      advice: `${DECOMPRESS} (this Node.js, ${process.version}, cannot decompress it; Node.js 22.15 or later reads it through)`,
    },
  },
  {
    bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c],
    format: { kind: '7z', name: 'a 7-Zip archive', advice: DECOMPRESS },
  },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    format: { kind: 'ole', name: 'an Excel 97-2003 workbook or another Office file', advice: EXPORT },
  },
  {
    bytes: ascii('PAR1'),
    format: { kind: 'parquet', name: 'an Apache Parquet file', advice: CONVERT },
    binary: true,
  },
  {
    bytes: [...ascii('ARROW1'), 0, 0],
    format: { kind: 'arrow', name: 'an Arrow IPC (Feather) file', advice: CONVERT },
  },
  { bytes: ascii('ORC'), format: { kind: 'orc', name: 'an Apache ORC file', advice: CONVERT }, binary: true },
  { bytes: [...ascii('Obj'), 0x01], format: { kind: 'avro', name: 'an Avro file', advice: CONVERT } },
  {
    bytes: [...ascii('SQLite format 3'), 0],
    format: { kind: 'sqlite', name: 'an SQLite database', advice: 'export a table as CSV and audit that' },
  },
  {
    bytes: [0x89, ...ascii('HDF'), 0x0d, 0x0a, 0x1a, 0x0a],
    format: { kind: 'hdf5', name: 'an HDF5 file', advice: CONVERT },
  },
  { bytes: [0x93, ...ascii('NUMPY')], format: { kind: 'npy', name: 'a NumPy array file', advice: CONVERT } },
  // pandas' `to_pickle` and joblib: the PROTO opcode, then protocol 2 to 5 (Python 2.3 to 3.8 and later).
  ...[2, 3, 4, 5].map((protocol) => ({
    bytes: [0x80, protocol],
    format: {
      kind: 'pickle',
      name: 'a Python pickle',
      advice:
        'convert it to CSV or JSON Lines and audit that (loading a pickle runs the code in it: load one only from a source you trust)',
    },
    binary: true as const,
  })),
  // Stata 13 and later (formats 117 to 119) open with this tag; earlier ones with their format number (102 to
  // 115), the byte order (1 or 2), the file type (1) and a zero.
  { bytes: ascii('<stata_dta>'), format: STATA, binary: true },
  ...Array.from({ length: 0x73 - 0x66 + 1 }, (_, i) => 0x66 + i).flatMap((version) =>
    [1, 2].map((order) => ({ bytes: [version, order, 1, 0], format: STATA, binary: true as const })),
  ),
  {
    // The 32 bytes every SAS7BDAT file opens with (ReadStat, the sas7bdat R package).
    bytes: hex('000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011'),
    format: { kind: 'sas7bdat', name: 'a SAS data set', advice: CONVERT },
  },
  // SAS transport files (XPORT, as the FDA asks for), versions 5 and 8: text of 80-byte records without line
  // breaks, so no control byte marks them; the whole first record's label is the signature.
  ...['LIBRARY', 'LIBV8  '].map((library) => ({
    bytes: ascii(`HEADER RECORD*******${library} HEADER RECORD!!!!!!!`),
    format: { kind: 'xport', name: 'a SAS transport (XPORT) file', advice: CONVERT },
  })),
  // SPSS system files (`.sav`), and compressed ones (`.zsav`).
  ...['$FL2', '$FL3'].map((tag) => ({
    bytes: ascii(tag),
    format: { kind: 'spss', name: 'an SPSS data file', advice: CONVERT },
    binary: true as const,
  })),
  // R's `save` (XDR or native, versions 2 and 3) and `saveRDS` (XDR), found inside their usual gzip.
  ...['RDX', 'RDB'].flatMap((tag) =>
    ['2', '3'].map((version) => ({
      bytes: ascii(`${tag}${version}\n`),
      format: R_DATA,
      binary: true as const,
    })),
  ),
  {
    bytes: [...ascii('X\n'), 0, 0, 0],
    format: { kind: 'rds', name: 'an R data file (.rds)', advice: R_ADVICE },
  },
  { bytes: ascii('%PDF-1.'), format: { kind: 'pdf', name: 'a PDF document', advice: EXPORT } },
  { bytes: [0x89, ...ascii('PNG')], format: { kind: 'png', name: 'a PNG image', advice: IMAGE } },
  { bytes: [0xff, 0xd8, 0xff], format: { kind: 'jpeg', name: 'a JPEG image', advice: IMAGE } },
  { bytes: ascii('GIF8'), format: { kind: 'gif', name: 'a GIF image', advice: IMAGE }, binary: true },
];

/** Local file header or end of central directory: a ZIP archive (and so every Office Open XML file). */
const ZIP = [ascii('PK\x03\x04'), ascii('PK\x05\x06')];

/**
 * Control bytes (other than tab, line feed, vertical tab, form feed, carriage return and escape) that make a
 * file binary: text files have none but for a stray one, while any binary format has them throughout (about
 * one byte in nine of random data).
 */
const CONTROL_SHARE = 0.01;
const MIN_CONTROL_BYTES = 8;

/**
 * The binary format of a file whose first bytes are `head` (a kilobyte, or the whole file when shorter), or
 * undefined for text. Call it only when the bytes are not UTF-16 (whose ASCII has a NUL in every other byte).
 * `fileName` names a ZIP archive: a workbook by its extension.
 */
export function binaryFormat(head: Uint8Array, fileName?: string): BinaryFormat | undefined {
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i] as number;
    if (b < 0x20 && (b < 0x09 || (b > 0x0d && b !== 0x1b))) control++;
  }
  for (const { bytes, format, binary } of SIGNATURES)
    if (startsWith(head, bytes) && (!binary || control > 0)) return format;
  // A tar header (`ustar` at 257), after its name and fields: an archive of no table (`compressed.ts`).
  if (head.length >= 263 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar' && control > 0)
    return { kind: 'tar', name: 'a tar archive', advice: 'extract it and audit the files inside' };
  if (ZIP.some((z) => startsWith(head, z))) {
    const ext = /\.([A-Za-z]+)$/.exec(fileName ?? '')?.[1]?.toLowerCase();
    if (ext === 'xlsx' || ext === 'xlsm' || ext === 'xlsb')
      return { kind: 'xlsx', name: 'an Excel workbook', advice: EXPORT };
    if (ext === 'ods') return { kind: 'ods', name: 'an OpenDocument spreadsheet', advice: EXPORT };
    return { kind: 'zip', name: 'a ZIP archive', advice: 'unzip it and audit the file inside' };
  }
  if (control >= MIN_CONTROL_BYTES && control >= CONTROL_SHARE * head.length)
    return {
      kind: 'binary',
      name: `binary data (${groupDigits(control)} control bytes in its first ${groupDigits(head.length)} bytes)`,
    };
  return undefined;
}

/** The finding's message for a file of `format`. */
export function binaryFileMessage(format: BinaryFormat): string {
  const advice = format.advice ? `: ${format.advice}` : '';
  return `The file is ${format.name}, not CSV, TSV, JSON or JSON Lines text${advice}. Nothing in it was read.`;
}

function startsWith(head: Uint8Array, bytes: readonly (number | null)[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== null && head[i] !== bytes[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

function hex(s: string): number[] {
  return Array.from({ length: s.length / 2 }, (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16));
}
