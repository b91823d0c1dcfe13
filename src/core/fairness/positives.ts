/**
 * Maps a label or prediction column, as read from a file, to a binary outcome (1 positive, 0 negative,
 * -1 missing). Models from any framework save predictions in their own vocabulary (`>50K`, `Yes`, `1`,
 * `Medium High`), so the mapping is explicit: the user names the positive values, except for the two
 * vocabularies that are unambiguous on their own (1/0 and true/false).
 */

/** Cells read as missing: the reader's `undefined`, blanks and the usual NA spellings (Adult uses `?`). */
export const MISSING_OUTCOME_TOKENS: ReadonlySet<string> = new Set([
  '',
  '?',
  'NA',
  'N/A',
  'NaN',
  'nan',
  'null',
  'NULL',
  'None',
]);

export interface BinaryOutcome {
  /** 1 positive, 0 negative, -1 missing; one entry per input value. */
  outcome: Int8Array;
  /** The distinct input values (trimmed) that were mapped to 1, in order of first appearance. */
  positiveValues: string[];
  /** Things the caller should show the user (e.g. a `--positive` value that never occurs); never fatal. */
  problems: string[];
}

/** The values could not be mapped to an outcome; `valuesSeen` lists the most frequent ones with counts. */
export class OutcomeMappingError extends Error {
  constructor(
    message: string,
    readonly valuesSeen: { value: string; count: number }[],
  ) {
    super(message);
    this.name = 'OutcomeMappingError';
  }
}

const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);

function numberOf(s: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

function valueCounts(
  values: readonly (string | undefined)[],
  weights: ArrayLike<number> | undefined,
): Map<string, number> {
  const counts = new Map<string, number>();
  values.forEach((raw, i) => {
    if (raw === undefined) return;
    const v = raw.trim();
    if (MISSING_OUTCOME_TOKENS.has(v)) return;
    counts.set(v, (counts.get(v) ?? 0) + (weights ? (weights[i] ?? 0) : 1));
  });
  return counts;
}

function describe(
  counts: Map<string, number>,
  limit = 10,
): { text: string; list: { value: string; count: number }[] } {
  const list = [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  const shown = list.slice(0, limit).map((e) => `'${e.value}' (${e.count})`);
  const more = list.length > limit ? `, and ${list.length - limit} more` : '';
  return { text: shown.join(', ') + more, list };
}

/**
 * Maps values to 1 (positive), 0 (negative) or -1 (missing).
 *
 * - Missing: `undefined`, blank, or one of {@link MISSING_OUTCOME_TOKENS} (after trimming).
 * - With `positive`: a value equal (after trimming) to one of them is 1; numbers also match numerically, so
 *   `--positive 1` matches `1.0`. Every other non-missing value is 0. A positive value that never occurs is
 *   reported in `problems` (it is usually a typo), as is a column where nothing or everything is positive.
 * - Without `positive`: values must all be numbers equal to 1 or 0, or all be true/false words; otherwise an
 *   {@link OutcomeMappingError} is thrown that lists the values seen, so the user can pick `--positive`.
 *
 * - `options.counts`: when `values` are the distinct levels of a column rather than its rows, how often each
 *   occurs, so that the counts quoted in messages are row counts. It does not change the mapping.
 *
 * @throws OutcomeMappingError when there is no `positive` and the values are not 1/0 or true/false.
 */
export function toBinaryOutcome(
  values: readonly (string | undefined)[],
  positive?: string[],
  options: { counts?: ArrayLike<number> } = {},
): BinaryOutcome {
  const outcome = new Int8Array(values.length);
  const problems: string[] = [];
  const counts = valueCounts(values, options.counts);

  let isPositive: (v: string) => boolean;
  if (positive && positive.length > 0) {
    const wanted = positive.map((p) => p.trim());
    const wantedSet = new Set(wanted);
    const wantedNumbers = new Set(wanted.map(numberOf).filter((x): x is number => x !== undefined));
    isPositive = (v) => {
      if (wantedSet.has(v)) return true;
      if (wantedNumbers.size === 0) return false;
      const x = numberOf(v);
      return x !== undefined && wantedNumbers.has(x);
    };
    for (const w of wanted) {
      const seen = [...counts.keys()].some(
        (v) => v === w || (numberOf(w) !== undefined && numberOf(v) === numberOf(w)),
      );
      if (!seen)
        problems.push(`The positive value '${w}' never occurs; values seen: ${describe(counts).text}.`);
    }
  } else {
    const keys = [...counts.keys()];
    const allBinaryNumbers = keys.every((k) => {
      const x = numberOf(k);
      return x === 0 || x === 1;
    });
    const allBooleans = keys.every((k) => TRUE_WORDS.has(k) || FALSE_WORDS.has(k));
    if (keys.length > 0 && allBinaryNumbers) isPositive = (v) => numberOf(v) === 1;
    else if (keys.length > 0 && allBooleans) isPositive = (v) => TRUE_WORDS.has(v);
    else {
      const d = describe(counts);
      const msg =
        keys.length === 0
          ? 'The column has no values, only missing cells; nothing to map to a positive outcome.'
          : `Cannot tell which value is the positive outcome: values seen are ${d.text}. Name it with --positive (for example --positive '${d.list[d.list.length > 1 ? 1 : 0]?.value ?? ''}').`;
      throw new OutcomeMappingError(msg, d.list);
    }
  }

  const positiveValues: string[] = [];
  const positiveSeen = new Set<string>();
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    const v = raw === undefined ? '' : raw.trim();
    if (MISSING_OUTCOME_TOKENS.has(v)) {
      outcome[i] = -1;
      continue;
    }
    if (isPositive(v)) {
      outcome[i] = 1;
      nPos++;
      if (!positiveSeen.has(v)) {
        positiveSeen.add(v);
        positiveValues.push(v);
      }
    } else {
      outcome[i] = 0;
      nNeg++;
    }
  }
  if (positive && positive.length > 0 && nPos + nNeg > 0) {
    if (nNeg === 0) problems.push(`Every value is positive; values seen: ${describe(counts).text}.`);
  }
  return { outcome, positiveValues, problems };
}
