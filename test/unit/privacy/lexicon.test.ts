import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lexicon, lexiconKey } from '../../../src/core/privacy/lexicon';
import { extractLexicon } from '../../../src/core/privacy/lexiconSource';

describe('name and place lexicon', () => {
  it('the generated lexicon.data.json is what the installed compromise gives (else run `npm run lexicon`)', () => {
    const file = path.resolve(__dirname, '../../../src/core/privacy/lexicon.data.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(stored, extractLexicon());
  });

  it('knows names, places and ordinary words apart', () => {
    const l = lexicon();
    assert.ok(l.firstNames.has('mary') && l.lastNames.has('smith'));
    assert.ok(l.cities.has('toronto') && l.countries.has('france') && l.countries.has('united states'));
    assert.ok(l.commonWords.has('happy') && !l.firstNames.has('happy'));
    assert.ok(l.firstNames.has('grace') && !l.commonWords.has('grace'));
  });

  it('reads a word without its diacritics, as its ASCII words are written', () => {
    for (const [word, key] of [
      ['josé', 'jose'],
      ['müller', 'muller'],
      ['søren', 'soren'],
      ['łukasz', 'lukasz'],
      ['straße', 'strasse'],
      ['josé'.normalize('NFD'), 'jose'],
      ['são paulo', 'sao paulo'],
      ['mary', 'mary'],
      ['北京', '北京'],
    ] as const)
      assert.equal(lexiconKey(word), key, word);
    const l = lexicon();
    assert.ok(l.firstNames.has(lexiconKey('josé')) && l.lastNames.has(lexiconKey('garcía')));
    assert.ok(l.cities.has(lexiconKey('zürich')) && l.countries.has(lexiconKey('perú')));
  });
});
