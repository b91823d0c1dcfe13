/**
 * Name and place lexicons for PERSON and LOCATION evidence.
 *
 * The words come from the lexicon shipped inside `compromise` (a maintained English NLP library): about 3,200
 * first names, 900 family names, 480 cities and 250 countries, each tagged. We read the tags once and keep plain
 * sets, because running compromise's full tagger on every cell would cost milliseconds per cell, far beyond the
 * scan budget, while a set lookup costs nanoseconds. Words that the lexicon tags as something other than a name
 * (`Adjective`, `Noun`, ...) are kept too, so that "Grace Period" is not taken for a person.
 */
import nlp from 'compromise/two';

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

/** Loads the lexicon on first use (about half a second, once per process). */
export function lexicon(): Lexicon {
  if (cached) return cached;
  const entries = (nlp.model() as { one: { lexicon: Record<string, string | string[]> } }).one.lexicon;
  const firstNames = new Set<string>();
  const lastNames = new Set<string>();
  const cities = new Set<string>();
  const countries = new Set<string>(EXTRA_COUNTRIES);
  const commonWords = new Set<string>();
  for (const word of Object.keys(entries)) {
    const raw = entries[word];
    const tags = Array.isArray(raw) ? raw : [raw];
    let named = false;
    for (const tag of tags) {
      if (tag === 'MaleName' || tag === 'FemaleName' || tag === 'FirstName') {
        firstNames.add(word);
        named = true;
      } else if (tag === 'LastName') {
        lastNames.add(word);
        named = true;
      } else if (tag === 'City') {
        cities.add(word);
        named = true;
      } else if (tag === 'Country') {
        countries.add(word);
        named = true;
      } else if (tag === 'Place' || tag === 'Person' || tag === 'ProperNoun') {
        named = true;
      }
    }
    if (!named) commonWords.add(word);
  }
  cached = { firstNames, lastNames, cities, countries, commonWords };
  return cached;
}
