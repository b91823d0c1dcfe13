/**
 * Loads a dataset for training: the project's reader streams the bytes, the privacy scanner sees every row
 * on the way (its per-column entities feed the pre-training gate), and the cells are kept column by column.
 */
import type { Finding } from '../findings';
import { readTable } from '../data/readTable';
import { commaToPoint, decimalCommaIn } from '../data/valueKinds';
import type { DataRow, TableHeader } from '../data/table';
import { memberOptions, type ArchiveMember } from '../data/compressed';
import { PrivacyScanner, DEFAULT_MISSING_TOKENS, type PrivacyScanResult } from '../privacy/privacyScanner';
import type { RawTable } from './preprocess';
import type { CountryCode } from '../privacy/detectors';

export interface LoadedTable {
  table: RawTable;
  privacy: PrivacyScanResult;
  /** Reader problems (ragged rows, bad quotes, encoding), each with its position. */
  problems: Finding[];
}

/**
 * @param chunks the file's bytes, e.g. `fs.createReadStream(file)`.
 * @param fileName used for the format and in findings.
 * @param missingTokens the config's extra missing tokens (the scanner's defaults always apply).
 * @param member the table of an archive the chunks hold (`ReadOptions.zipMember`, `ReadOptions.tarMember`).
 * @param region the country whose phone numbers written without `+` are looked for (the config's
 *   `privacy.region`); the scanner's default, the US, when undefined.
 */
export async function loadTable(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  fileName: string,
  missingTokens: readonly string[] = [],
  member?: ArchiveMember,
  region?: CountryCode,
): Promise<LoadedTable> {
  let names: string[] = [];
  let columns: (string | undefined)[][] = [];
  const rowNumbers: number[] = [];
  const problems: Finding[] = [];
  let scanner: PrivacyScanner | null = null;
  // Numbers written with a decimal comma (`1,5` in a `;` file) become `1.5`, so that preprocessing takes the
  // column as numeric, as the audit does; the privacy scanner still sees the values as written.
  let decimalComma = false;
  await readTable(
    chunks,
    {
      header(h: TableHeader) {
        names = h.columns.map((c) => c.name);
        columns = names.map(() => []);
        decimalComma = decimalCommaIn(h);
        scanner = new PrivacyScanner(h, {
          fileName,
          missingTokens: [...DEFAULT_MISSING_TOKENS, ...missingTokens],
          ...(region ? { defaultRegion: region } : {}),
        });
      },
      row(r: DataRow) {
        if (decimalComma)
          for (let c = 0; c < columns.length; c++) {
            const v = r.values[c];
            columns[c]!.push(v === undefined ? v : commaToPoint(v));
          }
        else for (let c = 0; c < columns.length; c++) columns[c]!.push(r.values[c]);
        rowNumbers.push(r.index);
        scanner!.add(r);
      },
      problem(f: Finding) {
        problems.push(f);
      },
    },
    { fileName, ...memberOptions(member) },
  );
  const privacy = scanner
    ? (scanner as PrivacyScanner).finish()
    : { findings: [], truncated: {}, columns: [] };
  return { table: { names, columns, rowNumbers: Int32Array.from(rowNumbers) }, privacy, problems };
}
