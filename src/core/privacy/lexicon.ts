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
