/**
 * Guesses for CSV files that do not say how they are written: the delimiter and whether the first record is
 * a header. Both look only at a sample from the start of the file.
 */

export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

/** Records looked at when sniffing the delimiter. */
const SNIFF_RECORDS = 30;

/**
 * Picks the candidate that splits the sample's records into the same number of fields most consistently
 * (quoted text ignored), preferring more fields on a tie in consistency; `fallback` when no candidate
 * splits anything (a one-column file).
 * @param complete whether the sample is the whole input (otherwise its last record may be cut and is ignored)
 */
export function sniffDelimiter(sample: string, complete: boolean, fallback: string): string {
  const counts: number[][] = DELIMITER_CANDIDATES.map(() => []);
  const codes = DELIMITER_CANDIDATES.map((c) => c.charCodeAt(0));
  const current = codes.map(() => 0);
  let inQuotes = false;
  let records = 0;
  let blank = true;
  const endRecord = (): void => {
    if (!blank) {
      for (let k = 0; k < codes.length; k++) (counts[k] as number[]).push(current[k] as number);
      records++;
    }
    current.fill(0);
    blank = true;
  };
  let i = 0;
  for (; i < sample.length && records < SNIFF_RECORDS; i++) {
    const c = sample.charCodeAt(i);
    if (c === 34) {
      inQuotes = !inQuotes;
      blank = false;
    } else if (inQuotes) {
      continue;
    } else if (c === 10 || c === 13) {
      endRecord();
    } else {
      if (c !== 32) blank = false;
      for (let k = 0; k < codes.length; k++) if (c === codes[k]) current[k] = (current[k] as number) + 1;
    }
  }
  if (i >= sample.length && complete) endRecord();
  let best = -1;
  let bestConsistency = 0;
  let bestMode = 0;
  for (let k = 0; k < codes.length; k++) {
    const list = counts[k] as number[];
    if (list.length === 0) continue;
    const freq = new Map<number, number>();
    for (const n of list) freq.set(n, (freq.get(n) ?? 0) + 1);
    let mode = 0;
    let modeFreq = 0;
    for (const [n, f] of freq) {
      if (f > modeFreq || (f === modeFreq && n > mode)) {
        mode = n;
        modeFreq = f;
      }
    }
    if (mode === 0) continue;
    const consistency = modeFreq / list.length;
    if (
      consistency > bestConsistency + 1e-9 ||
      (Math.abs(consistency - bestConsistency) <= 1e-9 && mode > bestMode)
    ) {
      best = k;
      bestConsistency = consistency;
      bestMode = mode;
    }
  }
  return best === -1 ? fallback : (DELIMITER_CANDIDATES[best] as string);
}

const NUMBER = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?$/;

function isNumberLike(s: string): boolean {
  return NUMBER.test(s);
}

/**
 * Decides whether the first record is a header, by votes per column in the manner of Python's
 * `csv.Sniffer.has_header`: where the other records are all numbers, a non-number in the first record votes
 * for a header and a number against; where they all have one length, a first value of another length votes
 * for a header. Columns with neither pattern vote by distinctness: a first value that recurs below it is
 * data. With no votes at all, or as many for as against (`id,city` over numbers and four-letter cities), a
 * first record with no numbers and no repeated values is taken as a header.
 */
export function detectHeader(records: readonly (readonly string[])[]): boolean {
  const first = records[0];
  if (!first) return false;
  const rest = records.slice(1);
  const nonEmpty = first.filter((v) => v !== '');
  // Names of a header are distinct; a first record that repeats a value is most likely data.
  const repeats = new Set(nonEmpty).size < nonEmpty.length;
  if (rest.length === 0) return !repeats && nonEmpty.length > 0 && !nonEmpty.some(isNumberLike);
  let votes = 0;
  let voted = false;
  for (let j = 0; j < first.length; j++) {
    const h = first[j] as string;
    const col = rest.map((r) => r[j]).filter((v): v is string => v !== undefined && v !== '');
    if (col.length === 0 || h === '') continue;
    if (col.every(isNumberLike)) {
      votes += isNumberLike(h) ? -1 : 1;
      voted = true;
      continue;
    }
    const length = (col[0] as string).length;
    if (col.length >= 2 && col.every((v) => v.length === length)) {
      votes += h.length === length ? -1 : 1;
      voted = true;
      continue;
    }
    if (col.includes(h)) {
      votes--;
      voted = true;
    }
  }
  if (voted && votes !== 0) return votes > 0;
  return !repeats && nonEmpty.length > 0 && !nonEmpty.some(isNumberLike);
}
