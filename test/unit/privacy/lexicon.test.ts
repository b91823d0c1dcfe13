import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { declinedName, lexicon, lexiconKey, ukrainianLatin } from '../../../src/core/privacy/lexicon';
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

  it('reads Cyrillic and Greek in Latin letters, and knows Russian names in their romanised spellings', () => {
    for (const [word, key] of [
      ['\u0438\u0432\u0430\u043d', 'ivan'], // иван
      ['\u043f\u0435\u0442\u0440\u043e\u0432', 'petrov'], // петров
      ['\u0441\u0435\u0440\u0433\u0435\u0439', 'sergey'], // сергей: й is no и with a breve
      ['\u0449\u0443\u043a\u0438\u043d', 'shchukin'], // щукин
      ['\u043d\u0430\u0442\u0430\u043b\u044c\u044f', 'natalya'], // наталья: the soft sign goes
      ['\u043e\u043b\u0435\u043a\u0441\u0430\u043d\u0434\u0440', 'oleksandr'], // олександр
      ['\u03bd\u03af\u03ba\u03bf\u03c2', 'nikos'], // νίκος
      ['\u03c0\u03b1\u03c0\u03b1\u03b4\u03cc\u03c0\u03bf\u03c5\u03bb\u03bf\u03c2', 'papadopoulos'],
      ['\u03b8\u03b5\u03cc\u03b4\u03c9\u03c1\u03bf\u03c2', 'theodoros'], // θεόδωρος
    ] as const)
      assert.equal(lexiconKey(word), key, word);
    const l = lexicon();
    // As romanised from Мария, Дмитрий, Андрей, Алексей; the English spellings stay.
    for (const name of ['mariya', 'dmitriy', 'andrey', 'aleksey', 'maria', 'dmitri', 'andrei', 'alexei'])
      assert.ok(l.firstNames.has(name), name);
    assert.ok(!l.firstNames.has('happy') && !l.firstNames.has('happyy'));
  });
  it('knows Ukrainian names as their Cyrillic is keyed and as Ukraine romanises them', () => {
    // The official romanisation (2010): initial Є, Ї, Й, Ю, Я apart, г as h, зг as zgh.
    for (const [word, latin] of [
      ['\u043e\u043b\u044c\u0433\u0430', 'olha'], // ольга
      ['\u044e\u043b\u0456\u044f', 'yuliia'], // юлія
      ['\u0437\u0433\u0443\u0440\u0441\u044c\u043a\u0438\u0439', 'zghurskyi'], // згурський
      ['\u043e\u043b\u0435\u043a\u0441\u0430\u043d\u0434\u0440', 'oleksandr'], // олександр
      ['\u0441\u0435\u0440\u0433\u0456\u0439', 'serhii'], // сергій
      ['\u0454\u0432\u0433\u0435\u043d', 'yevhen'], // євген
      ['\u0433\u043d\u0430\u0442\u044e\u043a', 'hnatiuk'], // гнатюк
      ['\u0457\u0436\u0430\u043a\u0435\u0432\u0438\u0447', 'yizhakevych'], // їжакевич
      ['\u0439\u043e\u0441\u0438\u043f', 'yosyp'], // йосип
      ['\u0491\u0430\u043b\u0430\u0491\u0430\u043d', 'galagan'], // ґалаґан
    ] as const)
      assert.equal(ukrainianLatin(word), latin, word);
    const l = lexicon();
    // Тетяна, Микола, Андрій; Мельник, Шевченко, Ковальчук: the key of each and its romanisation.
    for (const name of ['tetyana', 'tetiana', 'mikola', 'mykola', 'andriy', 'andrii'])
      assert.ok(l.firstNames.has(name), name);
    for (const name of ['melnik', 'melnyk', 'shevchenko', 'kovalchuk'])
      assert.ok(l.lastNames.has(name), name);
    assert.ok(!l.firstNames.has('melnyk') && !l.lastNames.has('tetiana'));
  });

  it('knows a Russian or Ukrainian name in another case by its nominative, never an ordinary word', () => {
    const l = lexicon();
    for (const w of [
      'иваном',
      'ивану',
      'марии',
      'марией',
      'андрея',
      'игорем',
      'миколою',
      'тетяни',
      'олександрові',
      'марії',
    ])
      assert.ok(declinedName(w, l.firstNames), w);
    for (const w of ['петровым', 'ивановой', 'смирнова', 'бондаренком', 'мельника', 'коваленку'])
      assert.ok(declinedName(w, l.lastNames), w);
    for (const w of ['москвы', 'заказа', 'клиенту', 'иван', 'ivanom', 'ива'])
      assert.ok(!declinedName(w, l.firstNames) && !declinedName(w, l.lastNames), w);
  });
});
