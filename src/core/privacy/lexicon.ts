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
import ukrainian from './names.uk.json';

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
    firstNames: withUkrainian(withRomanised(data.firstNames), ukrainian.givenNames),
    lastNames: withUkrainian(withRomanised(data.lastNames), ukrainian.familyNames),
    cities: new Set(data.cities),
    countries: new Set([...EXTRA_COUNTRIES, ...data.countries]),
    commonWords: new Set(data.commonWords),
  };
  return cached;
}

/**
 * The names with the spellings a romanised Russian one has where English writes it otherwise: Мария is
 * `mariya` (maria), Дмитрий `dmitriy` (dmitri), Андрей `andrey` (andrei), Алексей `aleksey` (alexei). Added
 * to the sets, not tried at each lookup: about a thousand more entries, made once.
 */
function withRomanised(names: readonly string[]): Set<string> {
  const set = new Set(names);
  for (const name of names) {
    const forms = [name];
    if (name.includes('x')) forms.push(name.replace(/x/g, 'ks'));
    for (const f of [...forms]) {
      if (f.endsWith('ia')) forms.push(`${f.slice(0, -2)}iya`);
      else if (f.endsWith('ai') || f.endsWith('ei')) forms.push(`${f.slice(0, -1)}y`);
      else if (/[^aeiouy]i$/.test(f)) forms.push(`${f}y`);
    }
    for (const f of forms) set.add(f);
  }
  return set;
}

/**
 * Ukrainian names, which compromise's English lexicon lacks (Тетяна, Микола, Мельник), each in the two Latin
 * forms a table or a text gives it: the key of its Cyrillic ({@link lexiconKey}: Russian values, `tetyana`,
 * `mikola`, `melnik`) and Ukraine's official romanisation (`tetiana`, `mykola`, `melnyk`), in which English
 * text writes them.
 */
function withUkrainian(set: Set<string>, names: readonly string[]): Set<string> {
  for (const name of names) {
    set.add(lexiconKey(name));
    set.add(ukrainianLatin(name));
  }
  return set;
}

// prettier-ignore
const UKRAINIAN_LATIN: Record<string, string> = {
  '\u0430': 'a', '\u0431': 'b', '\u0432': 'v', '\u0433': 'h', '\u0491': 'g', '\u0434': 'd', '\u0435': 'e',
  '\u0454': 'ie', '\u0436': 'zh', '\u0437': 'z', '\u0438': 'y', '\u0456': 'i', '\u0457': 'i', '\u0439': 'i',
  '\u043a': 'k', '\u043b': 'l', '\u043c': 'm', '\u043d': 'n', '\u043e': 'o', '\u043f': 'p', '\u0440': 'r',
  '\u0441': 's', '\u0442': 't', '\u0443': 'u', '\u0444': 'f', '\u0445': 'kh', '\u0446': 'ts', '\u0447': 'ch',
  '\u0448': 'sh', '\u0449': 'shch', '\u044c': '', '\u044e': 'iu', '\u044f': 'ia',
};
/** Є, Ї, Й, Ю and Я at a word's start: `ye`, `yi`, `y`, `yu`, `ya`. */
// prettier-ignore
const UKRAINIAN_INITIAL: Record<string, string> = {
  '\u0454': 'ye', '\u0457': 'yi', '\u0439': 'y', '\u044e': 'yu', '\u044f': 'ya',
};

/**
 * A lower-case Ukrainian word in Latin letters by the romanisation of the Cabinet of Ministers of Ukraine
 * (resolution 55 of 2010): Ольга `olha`, Юлія `yuliia`, Згурський `zghurskyi`. Exported for its test.
 */
export function ukrainianLatin(lower: string): string {
  let out = '';
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i]!;
    if (i === 0 && UKRAINIAN_INITIAL[c] !== undefined) out += UKRAINIAN_INITIAL[c];
    else if (c === '\u0433' && i > 0 && lower[i - 1] === '\u0437') out += 'gh';
    else out += UKRAINIAN_LATIN[c] ?? c;
  }
  return out;
}

const NON_ASCII = /[^\x00-\x7f]/;
const CYRILLIC_OR_GREEK = /[\u0370-\u052f]/;
/**
 * Cyrillic and Greek letters as English spells names from them (Иван Петров `ivan petrov`, Νίκος
 * Παπαδόπουλος `nikos papadopoulos`): Russian as the BGN/PCGN romanisation without its apostrophes and `ye`,
 * Ukrainian, Belarusian, Serbian and Macedonian letters beside, Greek by ELOT 743 with `ου` as `ou`.
 * Lower case only: the key is made of a lower-case word. Written as escapes (see MARKS).
 */
// prettier-ignore
const ROMAN: Record<string, string> = {
  // Russian
  '\u0430': 'a', '\u0431': 'b', '\u0432': 'v', '\u0433': 'g', '\u0434': 'd', '\u0435': 'e', '\u0451': 'e',
  '\u0436': 'zh', '\u0437': 'z', '\u0438': 'i', '\u0439': 'y', '\u043a': 'k', '\u043b': 'l', '\u043c': 'm',
  '\u043d': 'n', '\u043e': 'o', '\u043f': 'p', '\u0440': 'r', '\u0441': 's', '\u0442': 't', '\u0443': 'u',
  '\u0444': 'f', '\u0445': 'kh', '\u0446': 'ts', '\u0447': 'ch', '\u0448': 'sh', '\u0449': 'shch',
  '\u044a': '', '\u044b': 'y', '\u044c': '', '\u044d': 'e', '\u044e': 'yu', '\u044f': 'ya',
  // Ukrainian, Belarusian, Serbian, Macedonian
  '\u0456': 'i', '\u0457': 'yi', '\u0454': 'ye', '\u0491': 'g', '\u045e': 'u', '\u0452': 'dj', '\u0458': 'j',
  '\u0459': 'lj', '\u045a': 'nj', '\u045b': 'c', '\u045f': 'dz', '\u0453': 'gj', '\u045c': 'kj', '\u0455': 'dz',
  // Greek, with its accented vowels
  '\u03b1': 'a', '\u03b2': 'v', '\u03b3': 'g', '\u03b4': 'd', '\u03b5': 'e', '\u03b6': 'z', '\u03b7': 'i',
  '\u03b8': 'th', '\u03b9': 'i', '\u03ba': 'k', '\u03bb': 'l', '\u03bc': 'm', '\u03bd': 'n', '\u03be': 'x',
  '\u03bf': 'o', '\u03c0': 'p', '\u03c1': 'r', '\u03c3': 's', '\u03c2': 's', '\u03c4': 't', '\u03c5': 'y',
  '\u03c6': 'f', '\u03c7': 'ch', '\u03c8': 'ps', '\u03c9': 'o', '\u03ac': 'a', '\u03ad': 'e', '\u03ae': 'i',
  '\u03af': 'i', '\u03cc': 'o', '\u03cd': 'y', '\u03ce': 'o', '\u03ca': 'i', '\u03cb': 'y', '\u0390': 'i',
  '\u03b0': 'y',
};
const ROMAN_FROM = 0x370;
/** {@link ROMAN} by code unit from {@link ROMAN_FROM}; undefined where the letter is kept. */
const ROMAN_AT: (string | undefined)[] = [];
for (const [c, latin] of Object.entries(ROMAN)) ROMAN_AT[c.charCodeAt(0) - ROMAN_FROM] = latin;

/**
 * `lower` with its Cyrillic and Greek letters in Latin ones ({@link ROMAN}; Greek `ου` as `ou`). A loop, not a
 * `replace` with a function: the names of a corpus of Russian notes took 600 ns each that way.
 */
function romanise(lower: string): string {
  let out = '';
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const latin = c >= ROMAN_FROM ? ROMAN_AT[c - ROMAN_FROM] : undefined;
    if (latin === undefined) {
      out += lower[i];
    } else if (c === 0x3bf && (lower.charCodeAt(i + 1) === 0x3c5 || lower.charCodeAt(i + 1) === 0x3cd)) {
      out += 'ou';
      i++;
    } else {
      out += latin;
    }
  }
  return out;
}
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
 * `søren` → `soren`), Cyrillic and Greek in Latin letters ({@link ROMAN}). The lexicon's words are all
 * ASCII, so a column of José, María and François was no column of names (12% of its values known, against
 * 100% spelled without accents), nor Zürich a city.
 */
export function lexiconKey(lower: string): string {
  if (!NON_ASCII.test(lower)) return lower;
  // Before the marks go: NFD makes й an и with a breve. A word of Cyrillic letters alone is ASCII after.
  let latin = lower;
  if (CYRILLIC_OR_GREEK.test(lower)) {
    latin = romanise(lower);
    if (!NON_ASCII.test(latin)) return latin;
  }
  return latin
    .normalize('NFD')
    .replace(MARKS, '')
    .replace(UNDECOMPOSED, (c) => SPELLED[c] ?? c);
}

/**
 * Russian and Ukrainian names change their endings with their case, and running text has them in every case:
 * `с Иваном Петровым`, `от Марии Ивановой`, `з Миколою Бондаренком`, `Олександрові`. Each ending a declined
 * name can have (lower case, escaped as above), with the endings its nominative can have in its place: the
 * lexicon has the nominatives only. A feminine family name (`Петрова`, `Ковальская`) is looked up as the
 * masculine the lexicon lists (`Петров`, `Ковальский`). Longest endings first.
 */
// prettier-ignore
const CASE_ENDINGS: readonly (readonly [string, readonly string[]])[] = [
  ['\u043e\u0432\u0456', ['', '\u043e']], // -ові: Олександрові, Бондаренкові
  ['\u0435\u0432\u0456', ['', '\u044c', '\u0439']], // -еві: Ігореві
  ['\u043e\u0433\u043e', ['\u0438\u0439']], // -ого: Ковальского, Ковальського
  ['\u043e\u043c\u0443', ['\u0438\u0439']], // -ому
  ['\u043e\u0439', ['\u0430', '', '\u0438\u0439']], // -ой: Анной, Петровой, Ковальской
  ['\u0435\u0439', ['\u044f']], // -ей: Марией
  ['\u043e\u043c', ['', '\u043e']], // -ом: Иваном, Бондаренком
  ['\u0435\u043c', ['\u044c', '\u0439']], // -ем: Игорем, Андреем
  ['\u044b\u043c', ['']], // -ым: Петровым
  ['\u0438\u043c', ['\u0438\u0439', '']], // -им: Ковальским, Ильиным (-ин + -ым is -иным: not this)
  ['\u043e\u044e', ['\u0430', '\u0438\u0439']], // -ою: Миколою, Тетяною, Ковальською
  ['\u0435\u044e', ['\u044f']], // -ею
  ['\u0454\u044e', ['\u044f']], // -єю: Марією
  ['\u043e\u0457', ['\u0438\u0439', '\u0430']], // -ої: Ковальської
  ['\u0443\u044e', ['\u0430\u044f', '\u0438\u0439']], // -ую: Ковальскую
  ['\u0430\u044f', ['\u0438\u0439']], // -ая: Ковальская
  ['\u0430', ['', '\u043e', '\u0438\u0439']], // -а: Ивана, Петрова, Бондаренка, Петра, Ковальська
  ['\u044f', ['\u044c', '\u0439']], // -я: Игоря, Андрея
  ['\u0443', ['', '\u0430', '\u043e']], // -у: Ивану, Анну, Миколу, Бондаренку
  ['\u044e', ['\u044c', '\u0439', '\u044f']], // -ю: Игорю, Андрею, Марию
  ['\u0435', ['', '\u0430', '\u044f', '\u043e']], // -е: Иване, Анне
  ['\u0456', ['', '\u0430', '\u044f', '\u043e']], // -і: Миколі, Тетяні, Олександрі
  ['\u0457', ['\u044f']], // -ї: Марії
  ['\u0438', ['\u0430', '\u044f']], // -и: Миколи, Тетяни, Марии
  ['\u044b', ['\u0430']], // -ы: Анны
];

const CYRILLIC_WORD = /^[\u0400-\u04ff]+$/;

/**
 * Whether the lower-case Cyrillic `word`, not in `names` as it is, is a name of `names` in another case
 * ({@link CASE_ENDINGS}): its ending replaced by each its nominative can have, the stem two letters at least.
 */
export function declinedName(word: string, names: ReadonlySet<string>): boolean {
  if (word.length < 4 || !CYRILLIC_WORD.test(word)) return false;
  for (const [ending, nominatives] of CASE_ENDINGS) {
    if (!word.endsWith(ending) || word.length - ending.length < 2) continue;
    const stem = word.slice(0, word.length - ending.length);
    for (const n of nominatives) if (names.has(lexiconKey(stem + n))) return true;
  }
  return false;
}
