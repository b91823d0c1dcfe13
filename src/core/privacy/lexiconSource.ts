/**
 * Reads the name, place and word sets out of compromise's lexicon (tags MaleName, FemaleName, FirstName,
 * LastName, City, Country; words tagged as anything but a name or place are ordinary words, so that "Grace
 * Period" is not taken for a person). Used only by `scripts/build-lexicon.ts` and its test: the extension and
 * the CLI read the generated `lexicon.data.json` instead of loading compromise.
 */
import nlp from 'compromise/two';

export interface LexiconData {
  /** The compromise version the sets were read from. */
  source: string;
  firstNames: string[];
  lastNames: string[];
  cities: string[];
  countries: string[];
  commonWords: string[];
}

export function extractLexicon(): LexiconData {
  const entries = (nlp.model() as { one: { lexicon: Record<string, string | string[]> } }).one.lexicon;
  const firstNames = new Set<string>();
  const lastNames = new Set<string>();
  const cities = new Set<string>();
  const countries = new Set<string>();
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
  const sorted = (s: Set<string>) => [...s].sort();
  return {
    source: `compromise ${(nlp as unknown as { version: string }).version}`,
    firstNames: sorted(firstNames),
    lastNames: sorted(lastNames),
    cities: sorted(cities),
    countries: sorted(countries),
    commonWords: sorted(commonWords),
  };
}
