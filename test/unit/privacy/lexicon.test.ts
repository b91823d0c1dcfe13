import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lexicon } from '../../../src/core/privacy/lexicon';
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
});
