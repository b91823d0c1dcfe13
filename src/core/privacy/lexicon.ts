/**
 * Name and place lexicons for PERSON and LOCATION evidence.
 *
 * The words come from the lexicon shipped inside `compromise` (a maintained English NLP library): about 3,200
 * first names, 900 family names, 480 cities and 250 countries, each tagged. We read the tags once and keep plain
 * sets, because running compromise's full tagger on every cell would cost milliseconds per cell, far beyond the
 * scan budget, while a set lookup costs nanoseconds. Words that the lexicon tags as something other than a name
 * (`Adjective`, `Noun`, ...) are kept too, so that "Grace Period" is not taken for a person. The sets are read
 * out of compromise ahead of time into `lexicon.data.json` (`npm run lexicon`, `lexiconSource.ts`), so that
 * no process has to load compromise itself.
 */
import data from './lexicon.data.json';

export interface Lexicon {
  /** Lower-case given names (compromise tags MaleName, FemaleName, FirstName). */
  firstNames: ReadonlySet<string>;
  /** Lower-case family names (tag LastName). */
  lastNames: ReadonlySet<string>;
  /** Lower-case city names, some of several words ("abu dhabi"). */
  cities: ReadonlySet<string>;
  /** Lower-case country names. */
  countries: ReadonlySet<string>;
  /** Lower-case words the lexicon knows as ordinary words (not names nor places). */
  commonWords: ReadonlySet<string>;
}

let cached: Lexicon | undefined;

/** Countries that the lexicon lacks or spells differently from census data (Adult spells `United-States`). */
const EXTRA_COUNTRIES = [
  'united states',
  'usa',
  'us',
  'uk',
  'united kingdom',
  'england',
  'scotland',
  'wales',
  'holand-netherlands',
  'holland',
  'outlying-us(guam-usvi-etc)',
  'south',
  'hong',
  'trinadad&tobago',
  'yugoslavia',
  'columbia',
  'hong kong',
  'puerto rico',
  'el salvador',
  'dominican republic',
  'south korea',
  'north korea',
];

/** The sets on first use (a few milliseconds: they are generated, see `scripts/build-lexicon.ts`). */
export function lexicon(): Lexicon {
  if (cached) return cached;
  cached = {
    firstNames: new Set(data.firstNames),
    lastNames: new Set(data.lastNames),
    cities: new Set(data.cities),
    countries: new Set([...EXTRA_COUNTRIES, ...data.countries]),
    commonWords: new Set(data.commonWords),
  };
  return cached;
}

const NON_ASCII = /[^\x00-\x7f]/;
// Escapes, not the letters: one non-ASCII character in a regular expression makes V8 keep the whole bundle's
// source in two bytes a character (see CAP_WORD_RE in `detectors.ts`).
const MARKS = /[\u0300-\u036f]/g;
const UNDECOMPOSED = /[\u00f8\u00e6\u0153\u00df\u0142\u0111\u0131\u00f0\u00fe]/g;
/** Letters that NFD leaves whole (ø, æ, œ, ß, ł, đ, ı, ð, þ), as English spells them. */
const SPELLED: Record<string, string> = {
  '\u00f8': 'o',
  '\u00e6': 'ae',
  '\u0153': 'oe',
  '\u00df': 'ss',
  '\u0142': 'l',
  '\u0111': 'd',
  '\u0131': 'i',
  '\u00f0': 'd',
  '\u00fe': 'th',
};

/**
 * A lower-case word as the lexicon spells it: without its diacritics (`josé` → `jose`, `müller` → `muller`,
 * `søren` → `soren`). The lexicon's words are all ASCII, so a column of José, María and François was no
 * column of names (12% of its values known, against 100% spelled without accents), nor Zürich a city.
 */
export function lexiconKey(lower: string): string {
  if (!NON_ASCII.test(lower)) return lower;
  return lower
    .normalize('NFD')
    .replace(MARKS, '')
    .replace(UNDECOMPOSED, (c) => SPELLED[c] ?? c);
}
