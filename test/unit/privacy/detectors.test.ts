import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { EntityType } from '../../../src/core/findings';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { maskExcerpt } from '../../../src/core/privacy/mask';
import { lexicon } from '../../../src/core/privacy/lexicon';
import { isValidBitcoinAddress, isValidCardNumber } from '../../../src/core/privacy/validators';
import {
  detectEntities,
  matchWholeValue,
  WHOLE_ONLY_WITH_HINT,
  resolveOverlaps,
  tokenRuns,
  isSpaceCode,
  spanningMatches,
  triggeredByCounts,
  capitalisedWordsAtCapitals,
  worthSearching,
  scanFlags,
  FLAG_CAPS,
  mayHoldVendorSecret,
  mayBeValidPhone,
  phoneRegionOf,
  PRIORITY,
  type EntityMatch,
  strasseMatches,
  zipAfterStateMatches,
  execFromDigits,
  CARD_SEARCH,
  SSN_SEARCH,
  IPV4_SEARCH,
  CN_ID_SEARCH,
  CN_MOBILE_SEARCH,
  STREET_SEARCH,
  IBAN_SEARCH,
  PHONE_SEARCH,
  IPV6_SEARCH,
  ES_NIF_SEARCH,
  ES_NIE_SEARCH,
  IT_FISCAL_SEARCH,
  NINO_SEARCH,
  NHS_SEARCH,
  AADHAAR_SEARCH,
  CPF_SEARCH,
  PESEL_SEARCH,
  HETU_SEARCH,
  RRN_SEARCH,
  BSN_SEARCH,
  NIR_SEARCH,
  SE_PNR_SEARCH,
  NO_FNR_SEARCH,
  DK_CPR_SEARCH,
  TFN_SEARCH,
  MEDICARE_SEARCH,
  PAN_SEARCH,
  UK_LICENCE_SEARCH,
  BANK_SEARCH,
  DEA_SEARCH,
  NPI_SEARCH,
  VIN_SEARCH,
  MBI_SEARCH,
  IMEI_SEARCH,
  NRIC_SEARCH,
  AHV_SEARCH,
  RUT_SEARCH,
  BE_NN_SEARCH,
  DE_TAX_SEARCH,
  SIN_SEARCH,
  TCKN_SEARCH,
  CURP_SEARCH,
  MY_NUMBER_SEARCH,
  ZA_ID_SEARCH,
  IL_ID_SEARCH,
  PPS_SEARCH,
  TNIN_SEARCH,
  SVNR_SEARCH,
} from '../../../src/core/privacy/detectors';

/** The matched texts per entity, for compact assertions. */
function found(text: string, options?: Parameters<typeof detectEntities>[1]): string[] {
  return detectEntities(text, options).map((m) => `${m.entity}:${text.slice(m.start, m.end)}`);
}

function only(text: string, entity: EntityType): string[] {
  return detectEntities(text)
    .filter((m) => m.entity === entity)
    .map((m) => text.slice(m.start, m.end));
}

describe('privacy detectors', () => {
  describe('EMAIL_ADDRESS', () => {
    it('finds addresses with their exact offsets', () => {
      const text = 'Write to maria.garcia+news@mail.example.co.uk, thanks.';
      const [m] = detectEntities(text);
      assert.equal(m?.entity, 'EMAIL_ADDRESS');
      assert.equal(text.slice(m!.start, m!.end), 'maria.garcia+news@mail.example.co.uk');
    });
    it('rejects malformed ones', () => {
      assert.deepEqual(only('a..b@example.com', 'EMAIL_ADDRESS'), []);
      assert.deepEqual(only('user@localhost', 'EMAIL_ADDRESS'), []);
      assert.deepEqual(only('@example.com', 'EMAIL_ADDRESS'), []);
    });
  });

  describe('PHONE_NUMBER', () => {
    it('finds formatted national and international numbers', () => {
      assert.deepEqual(only('Call (415) 555-0132 now', 'PHONE_NUMBER'), ['(415) 555-0132']);
      assert.deepEqual(only('UK office +44 20 7946 0958.', 'PHONE_NUMBER'), ['+44 20 7946 0958']);
      assert.deepEqual(only('Berlin: +49 30 901820', 'PHONE_NUMBER'), ['+49 30 901820']);
      assert.deepEqual(only('call 415 555 0132 12 times', 'PHONE_NUMBER'), ['415 555 0132']);
    });
    it('finds a number right after another numeric token', () => {
      assert.deepEqual(only('on 2023-01-15 415-555-0132 called', 'PHONE_NUMBER'), ['415-555-0132']);
      assert.deepEqual(only('ticket 12 34 (415) 555-0132', 'PHONE_NUMBER'), ['(415) 555-0132']);
    });
    it('uses the default region for national numbers', () => {
      assert.deepEqual(only('Ruf an: 030 901820', 'PHONE_NUMBER'), []);
      const de = detectEntities('Ruf an: 030 901820', { defaultRegion: 'DE' }).map((m) => m.entity);
      assert.deepEqual(de, ['PHONE_NUMBER']);
    });
    it('does not take dates, timestamps, UUIDs, versions or order numbers for phones', () => {
      for (const trap of [
        'on 2023-01-15 10:30 we met',
        'at 15.01.2023 the file',
        'epoch 1700000000000 ms',
        'id 123e4567-e89b-12d3-a456-426614174000',
        'version 10.0.19045.2364',
        'order ORD-415-555-0132',
        'ref 415-555-0132-77',
        'income 131019.71',
        '4155550132.50 paid',
      ]) {
        assert.deepEqual(only(trap, 'PHONE_NUMBER'), [], trap);
      }
    });
    it('a value that is a date alone finds nothing, as the full search finds in the same date after a space', () => {
      // Whole dates take a shortcut past the phone search; a leading space sends the same date through it.
      const part = (min: number, max: number, width: number) =>
        fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));
      const date = fc.oneof(
        fc
          .tuple(part(0, 9999, 4), fc.constantFrom('-', '/', '.'), part(0, 99, 1), part(0, 99, 2))
          .map(([y, s, m, d]) => `${y}${s}${m}${s}${d}`),
        fc
          .tuple(part(0, 99, 2), fc.constantFrom('/', '.'), part(0, 99, 1), part(0, 9999, 4))
          .map(([d, s, m, y]) => `${d}${s}${m}${s}${y}`),
      );
      fc.assert(
        fc.property(date, (d) => {
          assert.deepEqual(found(d), [], d);
          assert.deepEqual(found(` ${d}`), [], d);
        }),
        { numRuns: 2000 },
      );
      // Short values with no letters that are not dates still go through every detector.
      assert.deepEqual(found('10.0.0.1'), ['IP_ADDRESS:10.0.0.1']);
    });
    it('an unformatted digit run counts only next to a phone word', () => {
      assert.deepEqual(only('order 4155550132 shipped', 'PHONE_NUMBER'), []);
      assert.deepEqual(only('phone: 4155550132', 'PHONE_NUMBER'), ['4155550132']);
    });
  });

  describe('CREDIT_CARD', () => {
    it('finds Luhn-valid numbers of real issuers, grouped or not', () => {
      assert.deepEqual(only('card 4111 1111 1111 1111 exp 12/29', 'CREDIT_CARD'), ['4111 1111 1111 1111']);
      assert.deepEqual(only('amex 3782-822463-10005', 'CREDIT_CARD'), ['3782-822463-10005']);
      assert.deepEqual(only('pan 5555555555554444', 'CREDIT_CARD'), ['5555555555554444']);
      assert.deepEqual(only('ref 1234 4111 1111 1111 1111', 'CREDIT_CARD'), ['4111 1111 1111 1111']);
    });
    it('rejects integers that fail Luhn, have no issuer, or mix separators', () => {
      assert.deepEqual(only('card 4111 1111 1111 1112', 'CREDIT_CARD'), []);
      assert.deepEqual(only('id 1234567812345670', 'CREDIT_CARD'), []);
      assert.deepEqual(only('0000 0000 0000 0000', 'CREDIT_CARD'), []);
      assert.deepEqual(only('4111-1111 1111-1111', 'CREDIT_CARD'), []);
      assert.deepEqual(only('ts 1700000000000', 'CREDIT_CARD'), []);
    });
  });

  describe('IBAN_CODE', () => {
    it('finds IBANs with and without group spaces, stopping at the country length', () => {
      assert.deepEqual(only('Pay DE89 3704 0044 0532 0130 00 AND more', 'IBAN_CODE'), [
        'DE89 3704 0044 0532 0130 00',
      ]);
      assert.deepEqual(only('IBAN GB82WEST12345698765432.', 'IBAN_CODE'), ['GB82WEST12345698765432']);
    });
    it('finds an IBAN that follows a lookalike', () => {
      assert.deepEqual(only('XX12 DE89 3704 0044 0532 0130 00', 'IBAN_CODE'), [
        'DE89 3704 0044 0532 0130 00',
      ]);
    });
    it('rejects a wrong check digit', () => {
      assert.deepEqual(only('DE89 3704 0044 0532 0130 01', 'IBAN_CODE'), []);
    });
  });

  describe('US_SSN', () => {
    it('finds dashed SSNs and rejects invalid areas, groups, serials and examples', () => {
      assert.deepEqual(only('ssn 536-22-1234', 'US_SSN'), ['536-22-1234']);
      for (const bad of [
        '000-12-3456',
        '666-12-3456',
        '912-34-5678',
        '536-00-1234',
        '536-22-0000',
        '078-05-1120',
      ]) {
        assert.deepEqual(only(`ssn ${bad}`, 'US_SSN'), [], bad);
      }
    });
    it('a bare 9-digit number is an SSN only after an SSN word', () => {
      assert.deepEqual(only('invoice 536221234', 'US_SSN'), []);
      assert.deepEqual(only('SSN: 536221234', 'US_SSN'), ['536221234']);
    });
  });

  describe('IP_ADDRESS', () => {
    it('finds IPv4 and IPv6', () => {
      assert.deepEqual(only('from 192.168.10.20 and 2001:db8::8a2e:370:7334.', 'IP_ADDRESS'), [
        '192.168.10.20',
        '2001:db8::8a2e:370:7334',
      ]);
      assert.deepEqual(only('fe80:0000:0000:0000:0202:b3ff:fe1e:8329', 'IP_ADDRESS'), [
        'fe80:0000:0000:0000:0202:b3ff:fe1e:8329',
      ]);
    });
    it('rejects versions, out-of-range octets and clock times', () => {
      assert.deepEqual(only('version 1.2.3.4', 'IP_ADDRESS'), []);
      assert.deepEqual(only('v1.2.3.4', 'IP_ADDRESS'), []);
      assert.deepEqual(only('1.2.3.4.5', 'IP_ADDRESS'), []);
      assert.deepEqual(only('999.1.1.1', 'IP_ADDRESS'), []);
      assert.deepEqual(only('at 12:30:45 today', 'IP_ADDRESS'), []);
    });
  });

  describe('URL', () => {
    it('finds http(s) and www URLs, without trailing punctuation', () => {
      assert.deepEqual(only('see https://example.com/a?b=1). and www.example.org/x.', 'URL'), [
        'https://example.com/a?b=1',
        'www.example.org/x',
      ]);
      assert.deepEqual(only('(https://en.wikipedia.org/wiki/Foo_(bar))', 'URL'), [
        'https://en.wikipedia.org/wiki/Foo_(bar)',
      ]);
    });
  });

  describe('CRYPTO', () => {
    it('finds checksum-valid Bitcoin and Ethereum addresses', () => {
      assert.deepEqual(only('send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'CRYPTO'), [
        '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
      ]);
      assert.deepEqual(only('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'CRYPTO'), [
        'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      ]);
      assert.deepEqual(only('eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'CRYPTO'), [
        '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      ]);
    });
    it('rejects broken checksums', () => {
      assert.deepEqual(only('send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', 'CRYPTO'), []);
      assert.deepEqual(only('eth 0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'CRYPTO'), []);
    });
    it('gives a lower-case Ethereum address a lower confidence', () => {
      const [m] = detectEntities('eth 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed');
      assert.equal(m?.entity, 'CRYPTO');
      assert.equal(m?.confidence, 0.6);
    });
  });

  describe('CN_RESIDENT_ID and CN_MOBILE', () => {
    it('finds a valid resident ID and mobile numbers with and without +86', () => {
      assert.deepEqual(found('身份证 11010519491231002X'), ['CN_RESIDENT_ID:11010519491231002X']);
      assert.deepEqual(only('手机 +86 138 0013 8000 或 13912345678', 'CN_MOBILE'), [
        '+86 138 0013 8000',
        '13912345678',
      ]);
    });
    it('rejects a bad check character and numbers of the wrong shape', () => {
      assert.deepEqual(only('id 110105194912310021', 'CN_RESIDENT_ID'), []);
      assert.deepEqual(only('n 12912345678', 'CN_MOBILE'), []);
      assert.deepEqual(only('n 139123456789', 'CN_MOBILE'), []);
    });
  });

  describe('national identity numbers of Spain, Italy, the UK, India and Brazil', () => {
    const conf = (text: string, entity: EntityType) =>
      detectEntities(text)
        .filter((m) => m.entity === entity)
        .map((m) => [text.slice(m.start, m.end), m.confidence]);
    /** No text of `cases` has a finding of its entity. */
    const foundNowhere = (cases: readonly (readonly [string, EntityType])[]) => {
      for (const [t, e] of cases) assert.deepEqual(only(t, e), [], `${t} ${e}`);
    };
    /**
     * Each text's one `entity` finding is its value at its confidence, alone and at the end of a long text of
     * `prose` (where the runs of digits and the capitals are listed once, not searched by the patterns).
     */
    const foundAloneAndInLongText = (
      entity: EntityType,
      cases: readonly (readonly [string, string, number])[],
      prose: string,
    ) => {
      for (const [t, value, c] of cases) {
        assert.deepEqual(conf(t, entity), [[value, c]], t);
        assert.deepEqual(only(`${prose.repeat(8)}${t}. And more.`, entity), [value], `long: ${t}`);
      }
    };
    it('finds a Spanish DNI and NIE by their check letter, surer after the word that names them', () => {
      assert.deepEqual(conf('DNI 12345678Z, NIE X1234567L', 'ES_NIF'), [['12345678Z', 0.95]]);
      assert.deepEqual(conf('DNI 12345678Z, NIE X1234567L', 'ES_NIE'), [['X1234567L', 0.95]]);
      assert.deepEqual(conf('ref 12345678-Z and Y-1234567-X', 'ES_NIF'), [['12345678-Z', 0.7]]);
      assert.deepEqual(conf('ref 12345678-Z and Y-1234567-X', 'ES_NIE'), [['Y-1234567-X', 0.85]]);
      // A wrong letter, a code glued to more, a NIE of a letter other than X, Y, Z.
      for (const t of ['DNI 12345678A', 'sku 12345678Z9', 'ord-12345678Z', 'NIE X1234567A', 'W1234567L'])
        assert.deepEqual([...only(t, 'ES_NIF'), ...only(t, 'ES_NIE')], [], t);
    });
    it("finds an Italian codice fiscale, in capitals or not, and a homonym's (omocodia)", () => {
      assert.deepEqual(only('CF: RSSMRA85T10A562S.', 'IT_FISCAL_CODE'), ['RSSMRA85T10A562S']);
      assert.deepEqual(only('cf rssmra85t10a562s', 'IT_FISCAL_CODE'), ['rssmra85t10a562s']);
      assert.deepEqual(only('codice RSSMRA85T10A56NH', 'IT_FISCAL_CODE'), ['RSSMRA85T10A56NH']);
      // A wrong check letter, a month letter that is none (Z), day 35.
      for (const t of ['RSSMRA85T10A562T', 'RSSMRA85Z10A562S', 'RSSMRA85T35A562S', 'XRSSMRA85T10A562S'])
        assert.deepEqual(only(`x ${t} y`, 'IT_FISCAL_CODE'), [], t);
    });
    it('finds a National Insurance number as people write it, or after its name; not a part number', () => {
      assert.deepEqual(conf('NI number: AB123456C', 'UK_NINO'), [['AB123456C', 0.9]]);
      assert.deepEqual(conf('her NINO: JG 10 37 58 D', 'UK_NINO'), [['JG 10 37 58 D', 0.9]]);
      assert.deepEqual(conf('ask AB 12 34 56 C', 'UK_NINO'), [['AB 12 34 56 C', 0.7]]);
      // No check character: a compact code alone is as likely a part number.
      assert.deepEqual(only('part AB123456C in stock', 'UK_NINO'), []);
      assert.deepEqual(conf('NI no AB 12 34 56', 'UK_NINO'), [['AB 12 34 56', 0.8]]);
      // Prefixes HMRC never allocates, a suffix beyond D.
      for (const t of ['QQ 12 34 56 C', 'GB 12 34 56 A', 'AO 12 34 56 A', 'AB 12 34 56 E'])
        assert.deepEqual(only(`NI no ${t}`, 'UK_NINO'), [], t);
    });
    it('finds NHS, Aadhaar and bare CPF numbers only after the words that name them', () => {
      assert.deepEqual(conf('NHS number 943 476 5919', 'UK_NHS'), [['943 476 5919', 0.9]]);
      assert.deepEqual(conf('Aadhaar: 2341 2341 2346', 'IN_AADHAAR'), [['2341 2341 2346', 0.9]]);
      assert.deepEqual(conf('CPF 52998224725', 'BR_CPF'), [['52998224725', 0.9]]);
      // The words in the cases people write them.
      assert.deepEqual(only('Nhs no. 943 476 5919', 'UK_NHS'), ['943 476 5919']);
      assert.deepEqual(only('AADHAAR 2341 2341 2346', 'IN_AADHAAR'), ['2341 2341 2346']);
      assert.deepEqual(only('UIDAI 2341-2341-2346', 'IN_AADHAAR'), ['2341-2341-2346']);
      assert.deepEqual(only('aadhar no 234123412346', 'IN_AADHAAR'), ['234123412346']);
      assert.deepEqual(only('cpf: 52998224725', 'BR_CPF'), ['52998224725']);
      // The same numbers alone: any ten, eleven or twelve digits pass their checks one time in ten or so.
      for (const t of ['ref 943 476 5919', 'ref 2341 2341 2346', 'ref 52998224725']) {
        for (const e of ['UK_NHS', 'IN_AADHAAR', 'BR_CPF'] as const)
          assert.deepEqual(only(t, e), [], `${t} ${e}`);
      }
      // After their names, numbers that fail the checks.
      assert.deepEqual(only('NHS no 943 476 5918', 'UK_NHS'), []);
      assert.deepEqual(only('aadhaar 2341 2341 2345', 'IN_AADHAAR'), []);
      assert.deepEqual(only('aadhaar 1341 2341 2346', 'IN_AADHAAR'), []);
      assert.deepEqual(only('CPF 111.111.111-11', 'BR_CPF'), []);
    });
    it('finds a CPF in its own written shape anywhere', () => {
      assert.deepEqual(conf('cliente 529.982.247-25 pagou', 'BR_CPF'), [['529.982.247-25', 0.85]]);
      assert.deepEqual(only('cliente 529.982.247-26', 'BR_CPF'), []);
    });
    it('finds a Finnish identity code and a Korean registration number in their shapes, a PESEL after its name', () => {
      assert.deepEqual(conf('hetu 131052-308T, ok', 'FI_PERSONAL_IDENTITY_CODE'), [['131052-308T', 0.85]]);
      assert.deepEqual(conf('id 971013-9019902', 'KR_RRN'), [['971013-9019902', 0.85]]);
      assert.deepEqual(conf('\uC8FC\uBBFC\uB4F1\uB85D\uBC88\uD638 9710139019902', 'KR_RRN'), [
        ['9710139019902', 0.9],
      ]);
      assert.deepEqual(conf('PESEL: 44051401359', 'PL_PESEL'), [['44051401359', 0.9]]);
      // A wrong check character, a date that is none, 13 or 11 digits alone.
      for (const t of [
        '131052-308U',
        '321052-308T',
        '971013-9019903',
        'ref 9710139019902',
        'ref 44051401359',
      ])
        for (const e of ['FI_PERSONAL_IDENTITY_CODE', 'KR_RRN', 'PL_PESEL'] as const)
          assert.deepEqual(only(`x ${t} y`, e), [], `${t} ${e}`);
      assert.deepEqual(only('PESEL 44051401358', 'PL_PESEL'), []);
    });
    it('finds an ITIN where an SSN would be; a PAN, an NRIC and a grouped NIR in their shapes', () => {
      assert.deepEqual(conf('ITIN 912-70-1234', 'US_ITIN'), [['912-70-1234', 0.9]]);
      assert.deepEqual(conf('filed 912-70-1234 today', 'US_ITIN'), [['912-70-1234', 0.85]]);
      assert.deepEqual(conf('taxpayer id: 912701234', 'US_ITIN'), [['912701234', 0.9]]);
      assert.deepEqual(conf('holder ABCPE1234F', 'IN_PAN'), [['ABCPE1234F', 0.7]]);
      assert.deepEqual(conf('PAN card AAACB1234F', 'IN_PAN'), [['AAACB1234F', 0.9]]);
      assert.deepEqual(conf('id S1234567D', 'SG_NRIC_FIN'), [['S1234567D', 0.7]]);
      assert.deepEqual(conf('NRIC: T1234567J', 'SG_NRIC_FIN'), [['T1234567J', 0.95]]);
      assert.deepEqual(conf('num 1 84 12 76 451 089 46', 'FR_NIR'), [['1 84 12 76 451 089 46', 0.85]]);
      assert.deepEqual(conf('NIR 184127645108946', 'FR_NIR'), [['184127645108946', 0.9]]);
      // Without a check: nine digits alone, a company's PAN alone. With one: a wrong letter or key, a
      // group the IRS does not issue, a code glued to more.
      foundNowhere([
        ['ref 912701234', 'US_ITIN'],
        ['filed 912-93-1234', 'US_ITIN'],
        ['code AAACB1234F', 'IN_PAN'],
        ['sku ABCPE1234F9', 'IN_PAN'],
        ['id S1234567A', 'SG_NRIC_FIN'],
        ['idS1234567D', 'SG_NRIC_FIN'],
        ['num 1 84 12 76 451 089 47', 'FR_NIR'],
        ['ref 184127645108946', 'FR_NIR'],
      ]);
    });
    it('finds Nordic, Dutch and Australian numbers only after the words that name them', () => {
      const cases: [string, string, EntityType][] = [
        ['personnummer 880320-0016', '880320-0016', 'SE_PERSONNUMMER'],
        ['Personnr: 198803200016', '198803200016', 'SE_PERSONNUMMER'],
        ['f\u00f8dselsnummer 15108695088', '15108695088', 'NO_FODSELSNUMMER'],
        ['FNR: 151086 95088', '151086 95088', 'NO_FODSELSNUMMER'],
        ['CPR-nr. 211062-5629', '211062-5629', 'DK_CPR'],
        ['BSN 111222333', '111222333', 'NL_BSN'],
        ['burgerservicenummer: 123456782', '123456782', 'NL_BSN'],
        ['TFN 123 456 782', '123 456 782', 'AU_TFN'],
        ['tax file number: 123456782', '123456782', 'AU_TFN'],
        ['Medicare card 2123 45670 1', '2123 45670 1', 'AU_MEDICARE'],
        // With the person's reference number: its eleven digits were no match before.
        ['Medicare 21234567012', '21234567012', 'AU_MEDICARE'],
        ['Medicare no. 2123 45670 1/2', '2123 45670 1/2', 'AU_MEDICARE'],
        ['Medicare 2123 45670 1-2', '2123 45670 1-2', 'AU_MEDICARE'],
      ];
      for (const [t, value, e] of cases) {
        assert.deepEqual(conf(t, e), [[value, 0.9]], t);
        // The same number alone: one in ten or eleven of any number passes these checks, or only a date.
        assert.deepEqual(only(`ref ${value}`, e), [], `ref ${value}`);
      }
      // After their names, numbers that fail their checks.
      foundNowhere([
        ['personnummer 880320-0017', 'SE_PERSONNUMMER'],
        ['fnr 15108695077', 'NO_FODSELSNUMMER'],
        ['CPR 321062-5629', 'DK_CPR'],
        ['BSN 123456789', 'NL_BSN'],
        ['TFN 123 456 789', 'AU_TFN'],
        ['medicare 2123 45670 0', 'AU_MEDICARE'],
      ]);
    });
    it('finds Swiss, Chilean and Belgian numbers in their written shapes, a CURP anywhere', () => {
      assert.deepEqual(conf('num 756.9217.0769.85', 'CH_AHV'), [['756.9217.0769.85', 0.85]]);
      assert.deepEqual(conf('AHV-Nr 7569217076985', 'CH_AHV'), [['7569217076985', 0.9]]);
      assert.deepEqual(conf('cliente 12.345.678-5 ok', 'CL_RUT'), [['12.345.678-5', 0.85]]);
      assert.deepEqual(conf('RUT: 12345678-5', 'CL_RUT'), [['12345678-5', 0.9]]);
      assert.deepEqual(conf('nr 85.07.30-033.28', 'BE_NATIONAL_NUMBER'), [['85.07.30-033.28', 0.85]]);
      assert.deepEqual(conf('INSZ 85073003328', 'BE_NATIONAL_NUMBER'), [['85073003328', 0.9]]);
      assert.deepEqual(conf('x BOXW310820HNERXN09 y', 'MX_CURP'), [['BOXW310820HNERXN09', 0.9]]);
      foundNowhere([
        ['ref 7569217076985', 'CH_AHV'],
        ['num 756.9217.0769.84', 'CH_AHV'],
        ['ref 12345678-5', 'CL_RUT'],
        ['cliente 12.345.678-4', 'CL_RUT'],
        ['ref 85073003328', 'BE_NATIONAL_NUMBER'],
        ['x BOXW310820HNERXN08', 'MX_CURP'],
      ]);
    });
    it('finds German, Canadian, Turkish and Japanese numbers only after the words that name them', () => {
      for (const [t, value, e] of [
        ['Steuer-ID 36574261809', '36574261809', 'DE_TAX_ID'],
        ['IdNr 36 574 261 809', '36 574 261 809', 'DE_TAX_ID'],
        ['SIN: 046-454-286', '046-454-286', 'CA_SIN'],
        ['social insurance number 046 454 286', '046 454 286', 'CA_SIN'],
        ['T.C. Kimlik No: 17291716060', '17291716060', 'TR_TC_KIMLIK'],
        ['TCKN 17291716060', '17291716060', 'TR_TC_KIMLIK'],
        ['My Number: 1234 5678 9018', '1234 5678 9018', 'JP_MY_NUMBER'],
        // マイナンバー, 個人番号 (whose letters the counts do not see), a full-width colon.
        ['\u30de\u30a4\u30ca\u30f3\u30d0\u30fc 123456789018', '123456789018', 'JP_MY_NUMBER'],
        ['\u500b\u4eba\u756a\u53f7\uff1a1234 5678 9018', '1234 5678 9018', 'JP_MY_NUMBER'],
      ] as const) {
        assert.deepEqual(conf(t, e), [[value, 0.9]], t);
        assert.deepEqual(only(`ref ${value}`, e), [], `ref ${value}`);
      }
      foundNowhere([
        ['Steuer-ID 36574261808', 'DE_TAX_ID'],
        ['SIN 046 454 287', 'CA_SIN'],
        ['TCKN 17291716050', 'TR_TC_KIMLIK'],
        ['my number 1234 5678 9017', 'JP_MY_NUMBER'],
      ]);
    });
    it('finds South African, Israeli, Irish, Thai and German social numbers after the words that name them', () => {
      for (const [t, value, e] of [
        ['SA ID number: 7503305044089', '7503305044089', 'ZA_ID'],
        ['identity no 7503305044089', '7503305044089', 'ZA_ID'],
        ['Teudat Zehut 039337423', '039337423', 'IL_ID'],
        // ת.ז. and ת"ז (the Hebrew letters the counts do not see), and the short written form.
        ['ת.ז. 039337423', '039337423', 'IL_ID'],
        ['ת"ז 3933742-3', '3933742-3', 'IL_ID'],
        ['PPS 6433435F', '6433435F', 'IE_PPS'],
        ['PPSN: 1234567FA', '1234567FA', 'IE_PPS'],
        ['personal public service number 6433435OA', '6433435OA', 'IE_PPS'],
        ['Thai ID 3100600445635', '3100600445635', 'TH_TNIN'],
        // เลขประจำตัวประชาชน: the citizen's identification number.
        ['เลขประจำตัวประชาชน 1112034563562', '1112034563562', 'TH_TNIN'],
        ['Sozialversicherungsnummer 15 070649 C 103', '15 070649 C 103', 'DE_SVNR'],
        ['SV-Nr. 15070649C103', '15070649C103', 'DE_SVNR'],
        ['BSN 1112.22.333', '1112.22.333', 'NL_BSN'],
      ] as const) {
        assert.deepEqual(conf(t, e), [[value, 0.9]], t);
        assert.deepEqual(only(`ref ${value}`, e), [], `ref ${value}`);
      }
      // A Thai number in its printed groups is found anywhere.
      assert.deepEqual(conf('ref 1-1120-34563-56-2 ok', 'TH_TNIN'), [['1-1120-34563-56-2', 0.85]]);
      foundNowhere([
        ['SA ID 8503305044089', 'ZA_ID'], // Luhn
        ['SA ID 7513305044085', 'ZA_ID'], // month 13
        ['SA ID 7503305044289', 'ZA_ID'], // citizenship 2
        ['barcode 7503305044089', 'ZA_ID'],
        ['zehut 039337422', 'IL_ID'],
        ['ID 039337423', 'IL_ID'],
        ['PPS 6433435E', 'IE_PPS'],
        ['order 6433435F', 'IE_PPS'],
        ['Thai ID 1101700230705', 'TH_TNIN'],
        ['Thai ID 0101700230705', 'TH_TNIN'], // first digit 0
        ['ref 1-1120-34563-56-3', 'TH_TNIN'],
        ['SVNR 15070649C102', 'DE_SVNR'],
        ['SVNR 15071349C103', 'DE_SVNR'], // month 13
        ['code 15070649C103', 'DE_SVNR'],
        ['BSN 1112.22.334', 'NL_BSN'],
        ['ref 1112.22.333', 'NL_BSN'],
      ]);
    });
    it('takes a Korean number without a check after its name, as those issued since October 2020 are', () => {
      // The seventh digit gives the century (4: a woman born in the 2000s), the last six are drawn at random.
      assert.deepEqual(conf('RRN 2102034123456', 'KR_RRN'), [['2102034123456', 0.8]]);
      assert.deepEqual(conf('\uC8FC\uBBFC\uB4F1\uB85D\uBC88\uD638 210203-4123456', 'KR_RRN'), [
        ['210203-4123456', 0.8],
      ]);
      // One that passes the old check stays sure.
      assert.deepEqual(conf('RRN 971013-9019902', 'KR_RRN'), [['971013-9019902', 0.9]]);
      for (const t of ['ref 210203-4123456', 'RRN 2102304123456', 'RRN 0102294123456'])
        assert.deepEqual(only(t, 'KR_RRN'), [], t);
      assert.equal(matchWholeValue('210203-4123456', { hint: 'KR_RRN' })?.entity, 'KR_RRN');
      assert.equal(matchWholeValue('210203-4123456')?.entity, undefined);
    });
    it('finds passport and driving licence numbers after the words that name them, in several languages', () => {
      for (const [t, value, e] of [
        ['Passport number: 123456789, expires 2030.', '123456789', 'PASSPORT'],
        ['passport no. A12345678', 'A12345678', 'PASSPORT'],
        // A country's code between the words and the number.
        ['Passport: US 123456789', '123456789', 'PASSPORT'],
        ['passport (GBR) 123456789', '123456789', 'PASSPORT'],
        // A German passport's runs of digits are two long.
        ['Her passport C01X00T47 was lost', 'C01X00T47', 'PASSPORT'],
        ['Reisepass Nr. C01X00T47', 'C01X00T47', 'PASSPORT'],
        ['numéro de passeport : 09AA12345', '09AA12345', 'PASSPORT'],
        // Russian (паспорт, series and number in groups), Chinese (护照号码), Japanese, Korean.
        [
          '\u043f\u0430\u0441\u043f\u043e\u0440\u0442 45 06 123456 \u0432\u044b\u0434\u0430\u043d',
          '45 06 123456',
          'PASSPORT',
        ],
        ['\u62a4\u7167\u53f7\u7801\uff1aE12345678', 'E12345678', 'PASSPORT'],
        ['\u30d1\u30b9\u30dd\u30fc\u30c8\u756a\u53f7: TK1234567', 'TK1234567', 'PASSPORT'],
        ['\uc5ec\uad8c\ubc88\ud638 M12345678', 'M12345678', 'PASSPORT'],
        ['DL# D1234567 (CA)', 'D1234567', 'DRIVER_LICENSE'],
        ["driver's license: W426-545-30-761-0", 'W426-545-30-761-0', 'DRIVER_LICENSE'],
        ['Driver\u2019s License No. 123456789', '123456789', 'DRIVER_LICENSE'],
        ['driving licence M1234567 (GB)', 'M1234567', 'DRIVER_LICENSE'],
        ['F\u00fchrerschein B072RRE2I55', 'B072RRE2I55', 'DRIVER_LICENSE'],
        ['permis de conduire n\u00b0 123456789012', '123456789012', 'DRIVER_LICENSE'],
        ['\u904b\u8ee2\u514d\u8a31\u8a3c\u756a\u53f7 123456789012', '123456789012', 'DRIVER_LICENSE'],
      ] as const) {
        assert.deepEqual(conf(t, e), [[value, 0.85]], t);
        assert.deepEqual(only(`ref ${value}`, e), [], `ref ${value}`);
      }
      foundNowhere([
        ['Passport 2019', 'PASSPORT'], // a year: too few digits
        ['passport renewed on 2023-05-01', 'PASSPORT'],
        ['passport expires 2031-01-31', 'PASSPORT'],
        ['passports of 12345 people', 'PASSPORT'],
        ['passport holder 123456789', 'PASSPORT'], // a word between that is not `number`, `no`, `#`...
        ['passport ABCD 123456789', 'PASSPORT'], // four capitals are no country's code
        ['the US 123456789', 'PASSPORT'],
        ['passport 12345678901234', 'PASSPORT'], // too long
        ['download dl 123456', 'DRIVER_LICENSE'], // `DL` in capitals only
        ['DL 2024-01-01', 'DRIVER_LICENSE'],
        ['license no. 123456', 'DRIVER_LICENSE'], // a licence of any kind
        ['driving licence since 2015', 'DRIVER_LICENSE'],
        ['driver license x-123456', 'DRIVER_LICENSE'], // glued to more
      ]);
      // A whole value under its header, in the shapes the countries use; never a date or a word.
      for (const [v, hint] of [
        ['123456789', 'PASSPORT'],
        ['C01X00T47', 'PASSPORT'],
        ['D1234567', 'DRIVER_LICENSE'],
        ['W426-545-30-761-0', 'DRIVER_LICENSE'],
      ] as const) {
        assert.deepEqual(matchWholeValue(v, { hint }), { entity: hint, confidence: 0.8 }, v);
        assert.equal(matchWholeValue(v), null, `${v} without a hint`);
      }
      for (const v of ['2020-01-01', '12/05/2031', 'United States', 'B', '12345'])
        assert.equal(matchWholeValue(v, { hint: 'PASSPORT' }), null, v);
    });
    it('finds bank account numbers and DEA registration numbers after the words that name them', () => {
      foundAloneAndInLongText(
        'US_BANK_NUMBER',
        [
          ['Account number: 12345678901', '12345678901', 0.8],
          ['bank account 000123456789', '000123456789', 0.8],
          ['Acct# 987654321', '987654321', 0.8],
          ['a/c no. 12345678', '12345678', 0.8],
          ['checking account 1234567890123', '1234567890123', 0.8],
        ],
        'The customer called about the order and the delivery. ',
      );
      foundAloneAndInLongText(
        'MEDICAL_LICENSE',
        [
          ['DEA number AB1234563', 'AB1234563', 0.9],
          ['DEA# BJ6125341', 'BJ6125341', 0.9],
          ['prescriber DEA: F91234563', 'F91234563', 0.9],
        ],
        'The pharmacy called about the prescription and the refill. ',
      );
      foundNowhere([
        ['account 12345678', 'US_BANK_NUMBER'], // a bare `account`: a customer's or a user's
        ['customer account id 12345678', 'US_BANK_NUMBER'],
        ['account number 1234567', 'US_BANK_NUMBER'], // too short
        ['account number 123456789012345678', 'US_BANK_NUMBER'], // too long
        ['ref AB1234563', 'MEDICAL_LICENSE'], // a check digit passes one in ten: the words are needed
        ['DEA AB1234564', 'MEDICAL_LICENSE'], // the check digit
        ['DEA IB1234563', 'MEDICAL_LICENSE'], // no registrant kind I
      ]);
      // A number of digits under a bank account's header, or the IBAN's (`account_number`); a DEA number under its own.
      assert.deepEqual(matchWholeValue('000123456789', { hint: 'US_BANK_NUMBER' }), {
        entity: 'US_BANK_NUMBER',
        confidence: 0.8,
      });
      assert.equal(matchWholeValue('000123456789', { hint: 'IBAN_CODE' })?.entity, 'US_BANK_NUMBER');
      assert.equal(matchWholeValue('000123456789'), null);
      assert.deepEqual(matchWholeValue('AB1234563', { hint: 'MEDICAL_LICENSE' }), {
        entity: 'MEDICAL_LICENSE',
        confidence: 0.9,
      });
      assert.equal(matchWholeValue('AB1234563'), null);
    });
    it('finds ABA routing numbers, Australian Business Numbers and Indian voter cards after their words', () => {
      foundAloneAndInLongText(
        'ABA_ROUTING_NUMBER',
        [
          ['Routing number: 021000021', '021000021', 0.9],
          ['ABA 011000015', '011000015', 0.9],
          ['wire to RTN 122105155 today', '122105155', 0.9],
          ['bank routing # 322271627', '322271627', 0.9],
          ['routing and transit number 061000104', '061000104', 0.9],
        ],
        'The customer called about the payment and the transfer. ',
      );
      foundAloneAndInLongText(
        'AU_ABN',
        [
          ['ABN 51 824 753 556', '51 824 753 556', 0.9],
          ['ABN: 53004085616', '53004085616', 0.9],
          ['Australian Business Number 83 914 571 673', '83 914 571 673', 0.9],
        ],
        'The supplier sent the invoice for the quarter. ',
      );
      foundAloneAndInLongText(
        'IN_VOTER',
        [
          ['Voter ID: ABC1234566', 'ABC1234566', 0.9],
          ['EPIC no. XGN0184523', 'XGN0184523', 0.9],
          ["voter's photo identity card ABC1234566", 'ABC1234566', 0.9],
        ],
        'The applicant brought the documents to the office. ',
      );
      foundNowhere([
        ['order 021000021 shipped', 'ABA_ROUTING_NUMBER'], // one number in ten passes: the words are needed
        ['routing number 021000022', 'ABA_ROUTING_NUMBER'], // the check
        ['routing number 131000021', 'ABA_ROUTING_NUMBER'], // no district's prefix
        ['call 51 824 753 556', 'AU_ABN'], // a phone number's groups
        ['ABN 51 824 753 557', 'AU_ABN'], // the check
        ['code ABC1234566', 'IN_VOTER'], // a product's, a booking's
        ['voter id ABC1234567', 'IN_VOTER'], // the Luhn digit
      ]);
      // The bank's number beside the account's: each its own.
      assert.deepEqual(
        detectEntities('Routing number: 021000021, account number 123456789012').map((m) => m.entity),
        ['ABA_ROUTING_NUMBER', 'US_BANK_NUMBER'],
      );
      // Whole values under their headers, never without.
      for (const [v, hint] of [
        ['021000021', 'ABA_ROUTING_NUMBER'],
        ['51 824 753 556', 'AU_ABN'],
        ['51824753556', 'AU_ABN'],
        ['ABC1234566', 'IN_VOTER'],
      ] as const) {
        assert.deepEqual(matchWholeValue(v, { hint }), { entity: hint, confidence: 0.9 }, v);
        assert.equal(matchWholeValue(v), null, `${v} without a hint`);
      }
    });
    it('finds medical record numbers, NPIs and VINs: after their words, and a VIN with its check digit anywhere', () => {
      foundAloneAndInLongText(
        'MEDICAL_RECORD_NUMBER',
        [
          ['MRN: 00123456', '00123456', 0.85],
          ['Patient MRN 4455667, seen today', '4455667', 0.85],
          ['medical record number A1234567', 'A1234567', 0.85],
          ['MR# 123456', '123456', 0.85],
        ],
        'The patient was seen in clinic and the notes were updated. ',
      );
      foundAloneAndInLongText(
        'US_NPI',
        [
          ['NPI 1234567893', '1234567893', 0.9],
          ['National Provider Identifier: 1245319599', '1245319599', 0.9],
        ],
        'The claim was filed by the clinic and paid in full. ',
      );
      foundAloneAndInLongText(
        'VIN',
        [
          ['VIN: 1HGCM82633A004352', '1HGCM82633A004352', 0.9],
          ['car 1HGCM82633A004352 towed', '1HGCM82633A004352', 0.7],
          ['1M8GDM9AXKP042788', '1M8GDM9AXKP042788', 0.7],
          // A European maker's: no check digit, so its words are needed.
          ['VIN WVWZZZ1JZXW000001', 'WVWZZZ1JZXW000001', 0.8],
          ['chassis no. WVWZZZ1JZXW000001', 'WVWZZZ1JZXW000001', 0.8],
        ],
        'The claim was filed after the accident on the highway. ',
      );
      foundNowhere([
        ['mrn 1234', 'MEDICAL_RECORD_NUMBER'], // too short
        ['MRN 2024-01-05', 'MEDICAL_RECORD_NUMBER'], // a date
        ['the mrna vaccine 123456', 'MEDICAL_RECORD_NUMBER'],
        ['npi 1234567890', 'US_NPI'], // the check digit
        ['provider 1234567893', 'US_NPI'], // a bare `provider`
        ['ref 1234567893', 'US_NPI'],
        ['ref WVWZZZ1JZXW000001', 'VIN'], // no check digit, no words
        ['ABCDEFGHJKLMNPRST', 'VIN'], // no digit
        ['11111111111111111', 'VIN'], // no letter
        ['SKU-1HGCM82633A004352X', 'VIN'], // glued to more
      ]);
      assert.deepEqual(matchWholeValue('00123456', { hint: 'MEDICAL_RECORD_NUMBER' }), {
        entity: 'MEDICAL_RECORD_NUMBER',
        confidence: 0.8,
      });
      assert.equal(matchWholeValue('00123456'), null);
      assert.equal(matchWholeValue('1234567893', { hint: 'US_NPI' })?.entity, 'US_NPI');
      assert.equal(matchWholeValue('1234567893'), null);
      assert.deepEqual(matchWholeValue('1HGCM82633A004352'), { entity: 'VIN', confidence: 0.7 });
      assert.deepEqual(matchWholeValue('WVWZZZ1JZXW000001', { hint: 'VIN' }), {
        entity: 'VIN',
        confidence: 0.8,
      });
    });
    it('finds Medicare Beneficiary Identifiers by their shape, IMEIs after their word, MAC addresses anywhere', () => {
      foundAloneAndInLongText(
        'US_MBI',
        [
          ['MBI 1EG4-TE5-MK73', '1EG4-TE5-MK73', 0.9],
          ['Medicare number: 1EG4TE5MK73', '1EG4TE5MK73', 0.9],
          ['ref 1EG4TE5MK73', '1EG4TE5MK73', 0.6],
        ],
        'The claim was filed by the clinic and paid in full. ',
      );
      foundAloneAndInLongText(
        'IMEI',
        [
          ['IMEI 352099001761481', '352099001761481', 0.9],
          ['imei: 35-209900-176148-1', '35-209900-176148-1', 0.9],
        ],
        'The phone was returned to the shop for a repair. ',
      );
      foundAloneAndInLongText(
        'MAC_ADDRESS',
        [
          ['MAC address 00:1A:2B:3C:4D:5E', '00:1A:2B:3C:4D:5E', 0.9],
          ['seen 00-1a-2b-3c-4d-5e on wifi', '00-1a-2b-3c-4d-5e', 0.7],
          ['bssid=a4:5e:60:c2:11:0b', 'a4:5e:60:c2:11:0b', 0.9],
        ],
        'The device joined the network and left an hour later. ',
      );
      foundNowhere([
        ['ref 1SG4-TE5-MK73', 'US_MBI'], // S is no MBI letter
        ['ref 0EG4TE5MK73', 'US_MBI'], // nor 0 its first
        ['ref 1EG4TE5MK73X', 'US_MBI'],
        ['IMEI 352099001761482', 'IMEI'], // the check digit
        ['ref 352099001761481', 'IMEI'], // one number in ten passes it: the word is needed
        ['00:00:00:00:00:00', 'MAC_ADDRESS'], // the null and broadcast addresses name no device
        ['FF:FF:FF:FF:FF:FF', 'MAC_ADDRESS'],
        ['12:30:45', 'MAC_ADDRESS'],
        ['00:1A:2B:3C:4D:5E:6F', 'MAC_ADDRESS'], // seven pairs
        ['00:1A:2B-3C:4D:5E', 'MAC_ADDRESS'], // separators mixed
        ['fe80::1ff:fe23:4567:890a', 'MAC_ADDRESS'],
      ]);
      assert.equal(matchWholeValue('1EG4-TE5-MK73')?.entity, 'US_MBI');
      // Under a Medicare header, Australia's or the US's.
      assert.equal(matchWholeValue('1EG4TE5MK73', { hint: 'AU_MEDICARE' })?.confidence, 0.9);
      assert.equal(matchWholeValue('352099001761481', { hint: 'IMEI' })?.entity, 'IMEI');
      assert.equal(matchWholeValue('352099001761481'), null);
      assert.deepEqual(matchWholeValue('00:1A:2B:3C:4D:5E'), { entity: 'MAC_ADDRESS', confidence: 0.7 });
    });
    it('finds codes of many capitals in a long text whose capitals were counted only to their cap', () => {
      // Prose of one capital a sentence: the count stops at the first block's four or five, below a PAN's six,
      // an MBI's five and a CURP's ten.
      const prose = 'The order 123456789 came with 12345678 more items today. '.repeat(40);
      for (const [t, e] of [
        ['CURP BOXW310820HNERXN09', 'MX_CURP'],
        ['PAN ABCPE1234F', 'IN_PAN'],
        ['MBI 1EG4-TE5-MK73', 'US_MBI'],
        ['ref MORGA753116SM9IJ', 'DRIVER_LICENSE'],
      ] as const)
        assert.equal(only(`${prose}${t}`, e).length, 1, t);
    });
    it('finds precise coordinates: a pair after the words for a place, or whole values under a header', () => {
      foundAloneAndInLongText(
        'GEO_COORDINATE',
        [
          ['GPS: 40.7128, -74.0060', '40.7128, -74.0060', 0.85],
          ['location (51.5074, -0.1278) at noon', '51.5074, -0.1278', 0.85],
          ['lat/long 40.7128 -74.0060', '40.7128 -74.0060', 0.85],
        ],
        'The driver picked the rider up and dropped her off later. ',
      );
      for (const t of [
        'scores 0.1234, 0.5678', // no word for a place
        'coordinates 400.1234, 12.3456', // no latitude nor longitude
        'position 40.71, -74.00', // two decimals: a town's
        'v1.2345, 6.7890',
        'box coordinates 0.1234, 0.5678', // an image's
        'arm position 0.1234, 0.5678', // a robot's
      ])
        assert.deepEqual(only(t, 'GEO_COORDINATE'), [], t);
      for (const v of ['40.712776', '-74.0060', '40.7128, -74.0060', 'POINT(-74.006 40.7128)'])
        assert.equal(matchWholeValue(v, { hint: 'GEO_COORDINATE' })?.entity, 'GEO_COORDINATE', v);
      for (const v of ['40.7', '181.1234', '12', 'north'])
        assert.equal(matchWholeValue(v, { hint: 'GEO_COORDINATE' }), null, v);
      assert.equal(matchWholeValue('40.712776'), null);
    });
    it('finds WKT and GeoJSON points in text anywhere, and geohashes and such points whole under a header', () => {
      foundAloneAndInLongText(
        'GEO_COORDINATE',
        [
          [
            'dropped at {"type":"Point","coordinates":[-73.98571,40.74844]}',
            '"type":"Point","coordinates":[-73.98571,40.74844]',
            0.85,
          ],
          [
            '{"coordinates": [ -0.12776, 51.50735 ], "type": "Point"}',
            '"coordinates": [ -0.12776, 51.50735 ], "type": "Point"',
            0.85,
          ],
          ['home POINT(-73.98571 40.74844)', 'POINT(-73.98571 40.74844)', 0.85],
          ['SRID=4326;POINT Z (-73.98571 40.74844 10.5)', 'POINT Z (-73.98571 40.74844 10.5)', 0.85],
        ],
        'The driver picked the rider up and dropped her off later. ',
      );
      foundNowhere([
        ['point(1.2345 2.3456) in the plane', 'GEO_COORDINATE'], // WKT writes capitals: a plane's point
        ['CHECKPOINT(1.2345 2.3456)', 'GEO_COORDINATE'],
        ['POINT(-73.98 40.74)', 'GEO_COORDINATE'], // two decimals: a town's
        ['POINT(40.12345 -173.98571)', 'GEO_COORDINATE'], // longitude first: no latitude of 173
        ['{"type":"LineString","coordinates":[[-73.98571,40.74844],[-73.98,40.75]]}', 'GEO_COORDINATE'],
      ]);
      // Whole values under a header: a geohash of seven characters or more (with a letter), a WKT or GeoJSON point,
      // a pair in brackets, a track of [longitude, latitude] pairs (the Porto taxi data's POLYLINE); never without
      // the header (a column of them is a quasi-identifier only by its name: WHOLE_ONLY_WITH_HINT).
      for (const [v, c] of [
        ['dr5ru7c', 0.8],
        ['u4pruydqqvj', 0.8],
        ['{"type":"Point","coordinates":[-73.98571,40.74844]}', 0.85],
        ['SRID=4326;POINT(-73.98571 40.74844)', 0.85],
        ['[40.7128, -74.0060]', 0.85],
        ['[[-8.618643,41.141412],[-8.618499,41.141376],[-8.620326,41.14251]]', 0.85],
      ] as const) {
        assert.deepEqual(
          matchWholeValue(v, { hint: 'GEO_COORDINATE' }),
          { entity: 'GEO_COORDINATE', confidence: c },
          v,
        );
        assert.equal(matchWholeValue(v), null, v);
      }
      // Six characters are a town's kilometre; seven digits a number's; a, i, l and o are not in the alphabet.
      for (const v of [
        'dr5ru7',
        '1234567',
        'abcdefg',
        'POLYGON((-73.98571 40.74844, -73.98 40.75, -73.97 40.74))', // a region's
        'LINESTRING(-73.98571 40.74844, -73.98 40.75)', // a map's line, as often as a trip's
        '[[-8.61,41.14],[-8.62,41.15]]', // a track to a town's two decimals
        '[]',
        '[[1,2],[3,4]]',
      ])
        assert.equal(matchWholeValue(v, { hint: 'GEO_COORDINATE' }), null, v);
    });
    it('finds licence plates after the words that name one, or whole under their header', () => {
      foundAloneAndInLongText(
        'LICENSE_PLATE',
        [
          ['license plate 7ABC123', '7ABC123', 0.85],
          ['Kennzeichen: B-MW 1234', 'B-MW 1234', 0.85],
          ["plaque d'immatriculation AB-123-CD", 'AB-123-CD', 0.85],
          ['number plate AB12 CDE was seen', 'AB12 CDE', 0.85],
          ['targa AB 123CD', 'AB 123CD', 0.85],
        ],
        'The car was parked in the street all night and towed. ',
      );
      for (const t of [
        'plate of food',
        'plate 12', // too short
        'Plate: 2024-01-05', // a date
        'plate ABCDEFG', // no digit
        'the plate 4 was',
        'matr\u00edcula 1234 BCD', // a student's enrolment as often
        "num\u00e9ro d'immatriculation 123 456 789", // a company's
      ])
        assert.deepEqual(only(t, 'LICENSE_PLATE'), [], t);
      assert.deepEqual(matchWholeValue('7ABC123', { hint: 'LICENSE_PLATE' }), {
        entity: 'LICENSE_PLATE',
        confidence: 0.8,
      });
      for (const v of ['ABCDEFG', '1234', '2024-01-05'])
        assert.equal(matchWholeValue(v, { hint: 'LICENSE_PLATE' }), null, v);
      assert.equal(matchWholeValue('7ABC123'), null);
    });
    it('finds British driving licence numbers by their structure and birth date, anywhere', () => {
      foundAloneAndInLongText(
        'DRIVER_LICENSE',
        [
          ['driving licence MORGA753116SM9IJ', 'MORGA753116SM9IJ', 0.9],
          ['ref MORGA753116SM9IJ', 'MORGA753116SM9IJ', 0.7],
          // With its issue number; a woman's month plus 50; surnames of fewer than five letters, 9s after them.
          ['Licence: MORGA753116SM9IJ 35, issued', 'MORGA753116SM9IJ 35', 0.7],
          ['JONES760238HA3DX', 'JONES760238HA3DX', 0.7],
          ['LEE99753116J99AB', 'LEE99753116J99AB', 0.7],
          ['A9999710238HA3DX', 'A9999710238HA3DX', 0.7],
          ['driver licence: SMITH802299JA9XY', 'SMITH802299JA9XY', 0.9],
        ],
        'The customer called about the order and the delivery. ',
      );
      for (const t of [
        'MORGA713116SM9IJ', // month 13
        'MORGA750231SM9IJ', // month 50 (0 for a woman)
        'MORGA752301SM9IJ', // 30 February
        'MORGA754311SM9IJ', // 31 April
        'MOR9A753116SM9IJ', // a letter after a surname's 9
        'MORGA753116SM9I1', // check letters are letters
        'MORGA7531169SM9IJ', // a digit too many
        'SKU MORGA753116SM9IJX', // glued to more
        'morga753116sm9ij',
        'order ABCDE123456AB1CD shipped',
      ])
        assert.deepEqual(only(t, 'DRIVER_LICENSE'), [], t);
      assert.deepEqual(matchWholeValue('MORGA753116SM9IJ'), { entity: 'DRIVER_LICENSE', confidence: 0.7 });
      assert.deepEqual(matchWholeValue('MORGA753116SM9IJ', { hint: 'DRIVER_LICENSE' }), {
        entity: 'DRIVER_LICENSE',
        confidence: 0.9,
      });
    });
    it('finds Russian and Ukrainian names in the cases running text puts them in', () => {
      foundAloneAndInLongText(
        'PERSON',
        [
          ['Вчера говорил с Иваном Петровым о заказе', 'Иваном Петровым', 0.85],
          ['Письмо от Марии Ивановой пришло', 'Марии Ивановой', 0.85],
          ['Подарок для Андрея Смирнова', 'Андрея Смирнова', 0.85],
          ['Зустріч з Миколою Бондаренком', 'Миколою Бондаренком', 0.85],
          ['Лист від Тетяни Мельник', 'Тетяни Мельник', 0.85],
          ['Передайте Олександрові Коваленку', 'Олександрові Коваленку', 0.85],
          // A family name the lexicon lacks, after a declined given name.
          ['Встреча с Анной Ковальской', 'Анной Ковальской', 0.65],
        ],
        'Клиент позвонил в отдел доставки и спросил про заказ. ',
      );
      for (const t of [
        'Звонили из Москвы Вчера', // a city's genitive is no name
        'Москва. Ивану позвонили', // a sentence apart
        'Отдел Продаж', // ordinary words
        'Заказы Клиентов',
      ])
        assert.deepEqual(only(t, 'PERSON'), [], t);
    });
    it('finds a Russian or Ukrainian name by its patronymic, with the family name beside it', () => {
      foundAloneAndInLongText(
        'PERSON',
        [
          // Names the lexicon lacks: the patronymic says what they are.
          ['Пациент Зарема Руслановна Хасбулатова поступила', 'Зарема Руслановна Хасбулатова', 0.85],
          ['Ответственный: Тимур Рашидович Гайнутдинов', 'Тимур Рашидович Гайнутдинов', 0.85],
          ['Встреча с Анной Сергеевной Ковальской', 'Анной Сергеевной Ковальской', 0.85],
          ['Звонил Иван Иванович Петров по поводу заказа', 'Иван Иванович Петров', 0.85],
          // The family name first, as forms write it.
          ['Заявитель Иванов Иван Иванович', 'Иванов Иван Иванович', 0.85],
          ['Лист від Оксани Петрівни Шевчук', 'Оксани Петрівни Шевчук', 0.85],
          // A title before the name is not a family name.
          ['Директор Сергей Петрович уехал', 'Сергей Петрович', 0.85],
        ],
        'Клиент позвонил в отдел доставки и спросил про заказ. ',
      );
      for (const t of [
        'Отдел Продаж Ивановского района',
        'Московский Проспект',
        'Дубровник. Петрович',
        'Позвоните Петровичу завтра', // a capitalised verb, a patronymic said alone
        'Передайте Ильичу привет',
      ])
        assert.deepEqual(only(t, 'PERSON'), [], t);
    });
    it('finds Chinese, Japanese and Korean names in running text, before a title or after a label', () => {
      foundAloneAndInLongText(
        'PERSON',
        [
          ['今天张伟先生来电询问订单', '张伟', 0.8],
          ['欧阳娜娜女士已经确认', '欧阳娜娜', 0.8],
          ['我和陳美玲小姐約好了', '陳美玲', 0.8],
          // A family name alone before a title, after a word of grammar or a verb that ends before a person.
          ['于是王老师说明天再来', '王', 0.6],
          ['请转告王先生', '王', 0.6],
          ['联系人：张伟，电话请见附件', '张伟', 0.85],
          ['田中さんから連絡がありました', '田中', 0.8],
          ['田中太郎様へのご案内', '田中太郎', 0.8],
          ['山田 花子 様', '山田 花子', 0.8],
          ['氏名：佐々木 健', '佐々木 健', 0.85],
          ['김민수 씨가 전화했습니다', '김민수', 0.8],
          ['남궁민수 고객님께 안내드립니다', '남궁민수', 0.8],
          ['김민수님께 안내드립니다', '김민수', 0.6],
          ['이름: 박지훈', '박지훈', 0.85],
        ],
        '客户打电话询问了订单的配送情况。',
      );
      foundNowhere([
        ['女士们先生们，欢迎光临', 'PERSON'], // a word of grammar before the title
        ['感谢各位老师和同学的支持', 'PERSON'],
        ['我们的历史老师很好', 'PERSON'], // `史` ends a word here, not a family name alone
        ['数学老师布置了作业', 'PERSON'],
        ['我去看医生了', 'PERSON'],
        ['联系人：张伟电话13800138000', 'PERSON'], // a name's end not seen: nothing rather than a guess
        ['皆さん、こんにちは', 'PERSON'], // everyone
        ['たくさんの人が来ました', 'PERSON'], // `さん` inside a word
        ['お客様へのお知らせ', 'PERSON'],
        ['これと同様に処理します', 'PERSON'],
        // Found by gettext's Japanese catalogues: `関` a family name, hiragana of grammar, `様` in a word.
        ['組み込み関数と同様に説明を表示する', 'PERSON'],
        ['ファイルに関する様々な操作を行います', 'PERSON'],
        ['고객님, 감사합니다', 'PERSON'], // a customer: two syllables
        ['이 고객님은 VIP입니다', 'PERSON'],
        ['변호사님께 문의하세요', 'PERSON'], // a trade's title in `사`
        ['선생님께서 말씀하셨습니다', 'PERSON'],
      ]);
    });
    it("takes a Russian or Ukrainian passport's series in with its number, the words between them too", () => {
      foundAloneAndInLongText(
        'PASSPORT',
        [
          ['паспорт серия 4506 номер 123456', '4506 номер 123456', 0.85],
          ['Паспорт: серия 45 06 № 123456, выдан ОВД', '45 06 № 123456', 0.85],
          ['паспорт серии 4506 № 123456', '4506 № 123456', 0.85],
          ['паспорт сер. 4506 № 123456', '4506 № 123456', 0.85],
          ['паспорт серия и номер 4506 123456', '4506 123456', 0.85],
          // Ukraine's booklets: two capitals for the series.
          ['паспорт серії КВ № 123456', 'КВ № 123456', 0.85],
          ['паспорт КВ 123456', 'КВ 123456', 0.85],
        ],
        'Клиент пришёл в отделение и предъявил документы. ',
      );
      for (const t of [
        'договор серия 4506 номер 123456', // a contract's series and number
        'серия 4506 номер 123456', // no passport named
        'паспорт и 1234567', // `и` only before `номер`
        'паспорт кв 123456', // a series is in capitals
        'паспорт 4506 дом 123456', // a word between that is not `номер`
      ])
        assert.deepEqual(only(t, 'PASSPORT'), [], t);
      // The series is masked with the number: nothing but the number's last three characters shows.
      assert.equal(maskExcerpt('4506 номер 123456', 'PASSPORT'), '**** ***** ***456');
    });
    it('finds a date of birth after the words that say it is one, never a date alone', () => {
      for (const [t, value] of [
        ['DOB: 1985-05-12', '1985-05-12'],
        ['dob 05/12/1985', '05/12/1985'],
        ['Date of birth 12.05.1985, seen today', '12.05.1985'],
        ['She was born on March 7, 1985 in Ohio', 'March 7, 1985'],
        ['born on 7th March 1985', '7th March 1985'],
        ['Birthdate: May 12, 1985.', 'May 12, 1985'],
        ['DOB 19850307', '19850307'],
        ['Geburtsdatum: 07.03.1985', '07.03.1985'],
        ['n\u00e9e le 07/03/1985', '07/03/1985'],
        // дата рождения, 生年月日
        [
          '\u0434\u0430\u0442\u0430 \u0440\u043e\u0436\u0434\u0435\u043d\u0438\u044f 07.03.1985',
          '07.03.1985',
        ],
        ['\u751f\u5e74\u6708\u65e5 1985-03-07', '1985-03-07'],
        // Two-digit years after the words; abbreviations and declined forms of them.
        ['DOB: 05/12/85', '05/12/85'],
        ['dob 5/12/85, seen', '5/12/85'],
        ['DOB 12-05-85', '12-05-85'],
        ['д.р. 07.03.85', '07.03.85'],
        ['geb. am 07.03.1985', '07.03.1985'],
        ['fecha nac. 07/03/1985', '07/03/1985'],
        ['с датой рождения 07.03.1985', '07.03.1985'],
        ['даты рождения: 07.03.1985', '07.03.1985'],
        ['дату народження 07.03.1985', '07.03.1985'],
      ] as const) {
        assert.deepEqual(conf(t, 'DATE_OF_BIRTH'), [[value, 0.85]], t);
        assert.deepEqual(only(`visited on ${value}`, 'DATE_OF_BIRTH'), [], `visited on ${value}`);
      }
      for (const t of [
        'born in 1985', // a year is no date
        'DOB: 2035-01-01', // not yet
        'DOB 1985-13-45', // no such day
        'birthday party on 2024-06-01', // words between
        'Appointment 1985-05-12 after DOB review',
        'DOB 13/13/85', // no such month, day first or month first
        'DOB 31/02/85',
        'DOB 05/12/85/1', // more after it
        'DOB 05/12/851',
        'version 1.2.85',
      ])
        assert.deepEqual(only(t, 'DATE_OF_BIRTH'), [], t);
      // A two-digit year is the latest a birth year can be: 85 is 1985, 19 is 2019, 30 not yet 2030 but 1930.
      for (const t of ['DOB 01/01/30', 'DOB 03/04/19']) assert.equal(only(t, 'DATE_OF_BIRTH').length, 1, t);
      assert.deepEqual(matchWholeValue('05/12/85', { hint: 'DATE_OF_BIRTH' }), {
        entity: 'DATE_OF_BIRTH',
        confidence: 0.9,
      });
      assert.equal(matchWholeValue('05/12/85'), null);
      assert.equal(matchWholeValue('31/02/85', { hint: 'DATE_OF_BIRTH' }), null);
      // A value of the date alone, or with its words, is no birth date without the header's hint.
      assert.equal(matchWholeValue('1985-05-12'), null);
      assert.equal(matchWholeValue('DOB 1985-05-12'), null);
    });
    it('finds a passport or licence number in a long text as in the same words alone (property)', () => {
      const docs = (t: string) =>
        detectEntities(t)
          .filter((m) => ['PASSPORT', 'DRIVER_LICENSE', 'DATE_OF_BIRTH'].includes(m.entity))
          .map((m) => `${m.entity}:${t.slice(m.start, m.end)}`);
      const piece = fc.constantFrom(
        'passport',
        'Passport No.',
        'DL#',
        'driving licence',
        'number:',
        'of',
        'and',
        'see',
        '\u043f\u0430\u0441\u043f\u043e\u0440\u0442',
        '12',
        '345',
        '6789',
        '45 06',
        'C01X00T47',
        'W426-545-30-761-0',
        'A1234567',
        'DOB',
        'US',
        'born on',
        '1985-05-12',
        'March 7, 1985',
        '07.03.1985',
        '7th',
        'May',
        // Runs of two digits ten letters apart: one licence number.
        'AB12CDEFGHIJKL34',
        '2031-05-01',
        '-',
        ',',
      );
      const prose = 'Nothing to see in these words at all. '.repeat(8);
      fc.assert(
        fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), (pieces) => {
          const words = pieces.join(' ');
          const alone = docs(words);
          assert.deepEqual(docs(`${prose}${words}. ${prose}`), alone, words);
        }),
        { numRuns: 1000 },
      );
    });
    it('finds in a long text what it finds in each of its sentences (a long text is searched from its runs)', () => {
      const sentences = [
        'DNI 12345678Z.',
        'NIE X1234567L.',
        'CF RSSMRA85T10A562S.',
        'NI number AB 12 34 56 C.',
        'NHS number 943 476 5919.',
        'CPF 529.982.247-25.',
        'Aadhaar: 2341 2341 2346.',
        'PESEL 44051401359.',
        'hetu 131052-308T.',
        'id 971013-9019902.',
        'ITIN 912-70-1234.',
        'PAN ABCPE1234F.',
        'NRIC S1234567D.',
        'NIR 1 84 12 76 451 089 46.',
        'personnummer 880320-0016.',
        'fnr 15108695088.',
        'CPR 211062-5629.',
        'BSN 111222333.',
        'TFN 123 456 782.',
        'Medicare 2123 45670 1.',
        'AHV 756.9217.0769.85.',
        'RUT 12.345.678-5.',
        'INSZ 85.07.30-033.28.',
        'Steuer-ID 36574261809.',
        'SIN 046 454 286.',
        'TCKN 17291716060.',
        'CURP BOXW310820HNERXN09.',
        'My Number 1234 5678 9018.',
        'SA ID 7503305044089.',
        'zehut 039337423.',
        'PPS 6433435F.',
        'Thai ID 3100600445635.',
        'SVNR 15070649C103.',
        'Sozialversicherungsnummer 15 070649 C 103.',
        'ref 1-1120-34563-56-2.',
        'Passport no. C01X00T47.',
        'DL# D1234567.',
        'DOB: 1985-05-12.',
        'born on March 7, 1985.',
      ];
      const ids = (t: string) =>
        detectEntities(t)
          .filter((m) => !['PHONE_NUMBER', 'PERSON', 'LOCATION', 'US_SSN'].includes(m.entity))
          .map((m) => `${m.entity}:${t.slice(m.start, m.end)}`);
      const each = sentences.flatMap(ids);
      assert.equal(each.length, sentences.length);
      const prose = 'Nothing to see in these words at all. '.repeat(8);
      assert.deepEqual(ids(`${prose} ${sentences.join(' ')} ${prose}`), each);
      // Each alone in a long text, so that the lengths of its runs are the only ones there.
      for (const [k, sentence] of sentences.entries())
        assert.deepEqual(ids(`${prose} ${sentence} ${prose}`), [each[k]], sentence);
    });
    it('counts the weak forms as whole values only under a header that names them', () => {
      const cases: [string, EntityType][] = [
        ['943 476 5919', 'UK_NHS'],
        ['9990000018', 'UK_NHS'],
        ['234123412346', 'IN_AADHAAR'],
        ['52998224725', 'BR_CPF'],
        ['AB123456C', 'UK_NINO'],
        ['AB123456', 'UK_NINO'],
        ['44051401359', 'PL_PESEL'],
        ['9710139019902', 'KR_RRN'],
        ['912701234', 'US_ITIN'],
        ['AAACB1234F', 'IN_PAN'],
        ['111222333', 'NL_BSN'],
        ['184127645108946', 'FR_NIR'],
        ['880320-0016', 'SE_PERSONNUMMER'],
        ['15108695088', 'NO_FODSELSNUMMER'],
        ['2110625629', 'DK_CPR'],
        ['123456782', 'AU_TFN'],
        ['2123456701', 'AU_MEDICARE'],
        ['7569217076985', 'CH_AHV'],
        ['12345678-5', 'CL_RUT'],
        ['85073003328', 'BE_NATIONAL_NUMBER'],
        ['36574261809', 'DE_TAX_ID'],
        ['046454286', 'CA_SIN'],
        ['17291716060', 'TR_TC_KIMLIK'],
        ['123456789018', 'JP_MY_NUMBER'],
        ['7503305044089', 'ZA_ID'],
        ['039337423', 'IL_ID'],
        ['6433435F', 'IE_PPS'],
        ['3100600445635', 'TH_TNIN'],
        ['15070649C103', 'DE_SVNR'],
        ['1112.22.333', 'NL_BSN'],
      ];
      for (const [v, hint] of cases) {
        assert.equal(matchWholeValue(v, { hint })?.entity, hint, v);
        assert.notEqual(matchWholeValue(v)?.entity, hint, `${v} without a hint`);
      }
      for (const [v, entity] of [
        ['12345678Z', 'ES_NIF'],
        ['X1234567L', 'ES_NIE'],
        ['RSSMRA85T10A562S', 'IT_FISCAL_CODE'],
        ['529.982.247-25', 'BR_CPF'],
        ['912-70-1234', 'US_ITIN'],
        ['ABCPE1234F', 'IN_PAN'],
        ['S1234567D', 'SG_NRIC_FIN'],
        ['1 84 12 76 451 089 46', 'FR_NIR'],
        ['756.9217.0769.85', 'CH_AHV'],
        ['BOXW310820HNERXN09', 'MX_CURP'],
        ['12.345.678-5', 'CL_RUT'],
        ['85.07.30-033.28', 'BE_NATIONAL_NUMBER'],
      ] as const)
        assert.equal(matchWholeValue(v)?.entity, entity, v);
      // `personnummer` names the Swedish, Danish and Norwegian numbers: its hint lets each count.
      for (const [v, entity] of [
        ['880320-0016', 'SE_PERSONNUMMER'],
        ['15108695088', 'NO_FODSELSNUMMER'],
        ['0101011234', 'DK_CPR'],
      ] as const)
        assert.equal(matchWholeValue(v, { hint: 'SE_PERSONNUMMER' })?.entity, entity, v);
      // `Sozialversicherungsnummer` names the Swiss number as well as the German one.
      assert.equal(matchWholeValue('7569217076985', { hint: 'DE_SVNR' })?.entity, 'CH_AHV');
    });
  });

  describe('SECRET', () => {
    const ghp = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
    it('finds vendor key formats, private keys and JWTs', () => {
      assert.deepEqual(only('AWS AKIAIOSFODNN7EXAMPLE here', 'SECRET'), ['AKIAIOSFODNN7EXAMPLE']);
      assert.deepEqual(only(`token=${ghp}`, 'SECRET'), [ghp]);
      assert.deepEqual(only('slack xoxb-123456789012-abcdefghijkl', 'SECRET'), [
        'xoxb-123456789012-abcdefghijkl',
      ]);
      assert.deepEqual(only('stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'SECRET'), [
        'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      ]);
      assert.deepEqual(only('google AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', 'SECRET'), [
        'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW',
      ]);
      const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
      assert.deepEqual(only(`key:\n${pem}\nend`, 'SECRET'), [pem]);
      const jwt =
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
      assert.deepEqual(only(`Bearer ${jwt}`, 'SECRET'), [jwt]);
    });
    it('finds high-entropy tokens but not UUIDs, hex hashes, identifiers or prose', () => {
      assert.deepEqual(only('secret aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW', 'SECRET'), [
        'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW',
      ]);
      for (const trap of [
        'uuid 123e4567-e89b-12d3-a456-426614174000',
        'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
        'class UserAccountControllerFactory',
        'ORD-2023-000123-ABCDEFGH-XYZ',
        'The quick brown fox jumps over the lazy dog',
      ]) {
        assert.deepEqual(only(trap, 'SECRET'), [], trap);
      }
    });
  });

  describe('PERSON and LOCATION', () => {
    it('finds names by lexicon and capitalisation, with honorifics and middle initials', () => {
      assert.deepEqual(only('Maria Garcia met Dr. Okafor and John F. Kennedy.', 'PERSON'), [
        'Maria Garcia',
        'Dr. Okafor',
        'John F. Kennedy',
      ]);
    });
    it('finds names written with accents, the lexicon read without them', () => {
      assert.deepEqual(only('Called José García about Zoë.', 'PERSON'), ['José García']);
      assert.deepEqual(only('Spoke to Renée Müller and Dr. Núñez.', 'PERSON'), ['Renée Müller', 'Dr. Núñez']);
      assert.deepEqual(only('Met Søren Kierkegaard in Ærø.', 'PERSON'), ['Søren Kierkegaard']);
      // Names whose capitals are all beyond ASCII, or all but one: counted as capitals, so searched.
      assert.deepEqual(only('spoke with Émile Ávila today', 'PERSON'), ['Émile Ávila']);
      assert.deepEqual(only('Ángel Álvarez', 'PERSON'), ['Ángel Álvarez']);
      assert.deepEqual(only('read Émile Zola', 'PERSON'), ['Émile Zola']);
      // Accents written as combining marks (NFD, as macOS file names and some exports have them).
      assert.deepEqual(only('Called Jose\u0301 Garci\u0301a today.'.normalize('NFD'), 'PERSON'), [
        'Jose\u0301 Garci\u0301a',
      ]);
      assert.equal(matchWholeValue('José García')?.confidence, 0.9);
      assert.equal(matchWholeValue('García, María')?.confidence, 0.9);
      for (const place of ['Zürich', 'São Paulo', 'Bogotá'])
        assert.equal(matchWholeValue(place, { hint: 'LOCATION' })?.confidence, 0.6, place);
    });
    it('takes names in scripts without capitals under a header that names a person, not under a bare name', () => {
      for (const v of [
        '\u738b\u4f1f', // 王伟
        '\u4f50\u85e4 \u592a\u90ce', // 佐藤 太郎
        '\uae40\ubbfc\uc900', // 김민준
        '\u0645\u062d\u0645\u062f \u0623\u062d\u0645\u062f', // محمد أحمد
        '\u05d3\u05d5\u05d3 \u05db\u05d4\u05df', // דוד כהן
        '\u0930\u093e\u0939\u0941\u0932 \u0936\u0930\u094d\u092e\u093e', // राहुल शर्मा
        '\u0e2a\u0e21\u0e0a\u0e32\u0e22 \u0e43\u0e08\u0e14\u0e35', // สมชาย ใจดี
      ]) {
        assert.deepEqual(matchWholeValue(v, { hint: 'PERSON' }), { entity: 'PERSON', confidence: 0.35 }, v);
        assert.equal(matchWholeValue(v, { hint: 'PERSON', weakHint: true }), null, v);
        assert.equal(matchWholeValue(v), null, v);
      }
      // Numbers, codes, and more than a name's length are not.
      for (const v of [
        '\u738b\u4f1f123',
        '\u738b\u4f1f (VIP)',
        '\u5317\u4eac\u5e02\u6d77\u6dc0\u533a\u4e2d\u5173\u6751\u5927\u8857\u4e8c\u5341\u4e03\u53f7\u9662\u4e00\u53f7\u697c',
      ])
        assert.equal(matchWholeValue(v, { hint: 'PERSON' }), null, v);
    });
    it('finds Ukrainian names, in Cyrillic and as English text spells them', () => {
      // Вчора дзвонила Тетяна Мельник. / Андрій Ковальчук
      const uk =
        '\u0412\u0447\u043e\u0440\u0430 \u0434\u0437\u0432\u043e\u043d\u0438\u043b\u0430 \u0422\u0435\u0442\u044f\u043d\u0430 \u041c\u0435\u043b\u044c\u043d\u0438\u043a.';
      assert.deepEqual(only(uk, 'PERSON'), [
        '\u0422\u0435\u0442\u044f\u043d\u0430 \u041c\u0435\u043b\u044c\u043d\u0438\u043a',
      ]);
      assert.equal(
        matchWholeValue(
          '\u0410\u043d\u0434\u0440\u0456\u0439 \u041a\u043e\u0432\u0430\u043b\u044c\u0447\u0443\u043a',
        )?.entity,
        'PERSON',
      );
      assert.deepEqual(only('Spoke with Tetiana Melnyk and Mykola Shevchenko today', 'PERSON'), [
        'Tetiana Melnyk',
        'Mykola Shevchenko',
      ]);
      assert.equal(matchWholeValue('Serhii Tkachenko')?.entity, 'PERSON');
    });
    it('finds names in Cyrillic and Greek, the lexicon read in Latin letters', () => {
      // Вчера звонил Иван Петров. Клиентка Мария Иванова просит перезвонить.
      const ru =
        '\u0412\u0447\u0435\u0440\u0430 \u0437\u0432\u043e\u043d\u0438\u043b ' +
        '\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432. ' +
        '\u041a\u043b\u0438\u0435\u043d\u0442\u043a\u0430 \u041c\u0430\u0440\u0438\u044f ' +
        '\u0418\u0432\u0430\u043d\u043e\u0432\u0430 \u043f\u0440\u043e\u0441\u0438\u0442.';
      assert.deepEqual(only(ru, 'PERSON'), [
        '\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432',
        '\u041c\u0430\u0440\u0438\u044f \u0418\u0432\u0430\u043d\u043e\u0432\u0430',
      ]);
      // Ο Νίκος Παπαδόπουλος τηλεφώνησε.
      const nikos =
        '\u039d\u03af\u03ba\u03bf\u03c2 \u03a0\u03b1\u03c0\u03b1\u03b4\u03cc\u03c0\u03bf\u03c5\u03bb\u03bf\u03c2';
      assert.deepEqual(
        only(`\u039f ${nikos} \u03c4\u03b7\u03bb\u03b5\u03c6\u03ce\u03bd\u03b7\u03c3\u03b5.`, 'PERSON'),
        [nikos],
      );
      assert.equal(matchWholeValue(nikos)?.entity, 'PERSON');
      // Петров, Иван: family name first.
      assert.equal(
        matchWholeValue('\u041f\u0435\u0442\u0440\u043e\u0432, \u0418\u0432\u0430\u043d')?.confidence,
        0.9,
      );
      // Москва, улица Ленина (a city and a street): no name. A sentence's capital alone: none.
      for (const t of [
        '\u041c\u043e\u0441\u043a\u0432\u0430, \u0443\u043b\u0438\u0446\u0430 \u041b\u0435\u043d\u0438\u043d\u0430',
        '\u0417\u0430\u043a\u0430\u0437 \u043e\u0442\u043f\u0440\u0430\u0432\u043b\u0435\u043d \u0432\u0447\u0435\u0440\u0430.',
      ])
        assert.deepEqual(only(t, 'PERSON'), [], t);
    });
    it('does not take common phrases for names', () => {
      assert.deepEqual(only('The Grace Period ends. Never-married White Male.', 'PERSON'), []);
      assert.deepEqual(only('New York is big', 'PERSON'), []);
    });
    it('finds street addresses and ZIP codes after a state', () => {
      assert.deepEqual(
        found('Lives at 123 Main Street, Springfield, IL 62704.', { entities: ['LOCATION', 'POSTAL_CODE'] }),
        ['LOCATION:123 Main Street', 'POSTAL_CODE:62704'],
      );
      assert.deepEqual(only('Wohnt in der Hauptstraße 5, Berlin', 'LOCATION'), ['Hauptstraße 5']);
    });
  });

  it('keeps the surer of two overlapping matches', () => {
    const kept = resolveOverlaps([
      { entity: 'URL', start: 0, end: 30, confidence: 0.6 },
      { entity: 'SECRET', start: 10, end: 30, confidence: 0.95 },
      { entity: 'PHONE_NUMBER', start: 40, end: 50, confidence: 0.75 },
    ]);
    assert.deepEqual(
      kept.map((m) => m.entity),
      ['SECRET', 'PHONE_NUMBER'],
    );
  });

  it('offsets are UTF-16 units, also after astral characters', () => {
    const text = '😀 mail me: a.b@example.com';
    const [m] = detectEntities(text);
    assert.equal(text.slice(m!.start, m!.end), 'a.b@example.com');
    assert.equal(m!.start, 12);
  });

  it('never throws on arbitrary text; matches are sorted, inside the text and disjoint (property)', () => {
    const pieces = fc.constantFrom(
      ' ',
      '-',
      '.',
      '@',
      ':',
      '(',
      ')',
      '+',
      '/',
      '\n',
      'é',
      '😀',
      'Maria',
      'Garcia',
      'example.com',
      'www.',
      'https://',
      '4111',
      '1111',
      '555',
      '0132',
      '536',
      '22',
      '1234',
      'DE89',
      '3704',
      'AKIA',
      'IOSFODNN7EXAMPLE',
      'eyJ',
      '0x',
      '13800138000',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 6 })), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const matches = detectEntities(text);
        let last = 0;
        for (const m of matches) {
          assert.ok(m.start >= last && m.start < m.end && m.end <= text.length, JSON.stringify({ text, m }));
          assert.ok(m.confidence >= 0.5 && m.confidence <= 1);
          last = m.end;
        }
        matchWholeValue(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('answers a value searched as a whole and then as text (or the other way) as if each were searched alone', () => {
    // The column sample asks both about each value, and the phone parse is remembered from one to the other.
    const values = [
      '4155550132',
      'phone: 4155550132',
      '+1 415 555 0132',
      '(415) 555-0132',
      'john@example.com',
      'Maria Garcia',
      'call Maria Garcia on 4155550132 or mail maria@example.org',
      '536-22-1234',
      '536221234',
      '4111 1111 1111 1111',
      'AKIAIOSFODNN7EXAMPLE',
    ];
    const clear = () => detectEntities('an unrelated text, 12 Main St, +44 20 7946 0958');
    const alone = (f: () => unknown) => {
      clear();
      return f();
    };
    for (const v of values) {
      for (const options of [undefined, { minConfidence: 0 }]) {
        const text = alone(() => detectEntities(v, options));
        const whole = alone(() => matchWholeValue(v));
        clear();
        assert.deepEqual(matchWholeValue(v), whole, v);
        assert.deepEqual(detectEntities(v, options), text, v);
        clear();
        assert.deepEqual(detectEntities(v, options), text, v);
        assert.deepEqual(matchWholeValue(v), whole, v);
      }
    }
    // Unformatted, alone in a cell it is a phone number; in text, not without a word such as "phone".
    assert.equal(matchWholeValue('4155550132')?.confidence, 0.5);
    assert.deepEqual(detectEntities('4155550132'), []);
    assert.deepEqual(
      detectEntities('4155550132', { minConfidence: 0 }).map((m) => m.confidence),
      [0.4],
    );
  });

  describe('phoneRegionOf', () => {
    it("names a country whose plan makes a number written without + valid, never the scanner's own", () => {
      // National numbers are ambiguous (a number valid in one plan is often valid in another): only that the
      // country named makes it valid is held, as libphonenumber says.
      for (const v of ['07911 123456', '030 12345678', '0170 1234567', '06 12 34 56 78', '612 345 678']) {
        const region = phoneRegionOf(v, 'US');
        assert.ok(region && region !== 'US', v);
        assert.equal(parsePhoneNumberFromString(v, region)?.isValid(), true, `${v} in ${region}`);
      }
      assert.equal(phoneRegionOf('07911 123456', 'US'), 'GB');
      assert.notEqual(phoneRegionOf('07911 123456', 'GB'), 'GB');
      for (const v of ['+44 7911 123456', '2023-01-15', '12', 'n/a', '4111 1111 1111 1111 1111'])
        assert.equal(phoneRegionOf(v, 'US'), undefined, v);
    });
  });

  describe('matchWholeValue', () => {
    it('classifies whole values and ignores values that only contain an entity', () => {
      assert.equal(matchWholeValue(' john@example.com ')?.entity, 'EMAIL_ADDRESS');
      assert.equal(matchWholeValue('mail john@example.com'), null);
      assert.equal(matchWholeValue('4155550132')?.entity, 'PHONE_NUMBER');
      assert.equal(matchWholeValue('Maria Garcia')?.entity, 'PERSON');
    });
    it('lets the header hint count weak forms for its entity only', () => {
      assert.equal(matchWholeValue('536221234'), null);
      assert.equal(matchWholeValue('536221234', { hint: 'US_SSN' })?.entity, 'US_SSN');
      assert.equal(matchWholeValue('94107'), null);
      assert.equal(matchWholeValue('94107', { hint: 'POSTAL_CODE' })?.entity, 'POSTAL_CODE');
      assert.equal(matchWholeValue('SW1A 1AA', { hint: 'POSTAL_CODE' })?.entity, 'POSTAL_CODE');
      assert.equal(matchWholeValue('1985-03-07'), null);
      assert.equal(matchWholeValue('1985-03-07', { hint: 'DATE_OF_BIRTH' })?.entity, 'DATE_OF_BIRTH');
      assert.equal(matchWholeValue('1985-02-30', { hint: 'DATE_OF_BIRTH' }), null);
      assert.equal(matchWholeValue('John'), null);
      assert.equal(matchWholeValue('John', { hint: 'PERSON' })?.entity, 'PERSON');
      assert.equal(matchWholeValue('Springfield', { hint: 'LOCATION' })?.entity, 'LOCATION');
    });
    it('finds a postal code or a birth date only under their own hint', () => {
      const values = ['94107', '94107-1234', 'CA 94107', 'Springfield, IL 62704', 'SW1A 1AA', 'K1A 0B1'];
      values.push('1985-03-07', '03/07/1985', '7 March 1985', '19850307', '1985-03-07T10:00:00Z');
      const hints = [undefined, 'PERSON', 'LOCATION', 'US_SSN', 'PHONE_NUMBER', 'EMAIL_ADDRESS'] as const;
      for (const v of values) {
        for (const hint of hints) {
          const m = matchWholeValue(v, hint ? { hint } : undefined);
          assert.ok(!m || !WHOLE_ONLY_WITH_HINT.has(m.entity), `${v} with ${hint}: ${m?.entity}`);
        }
      }
      fc.assert(
        fc.property(
          fc.constantFrom('', 'CA ', 'NY ', 'Boston, MA ', 'born ', 'dob: '),
          fc.constantFrom('94107', '10001-0001', '1990-12-31', '12/31/1990', 'EC1A 1BB'),
          fc.constantFrom('', ' ', ', USA'),
          (a, b, c) => {
            const m = matchWholeValue(a + b + c);
            return !m || !WHOLE_ONLY_WITH_HINT.has(m.entity);
          },
        ),
      );
    });
  });
  it('rules a long text out by its characters exactly when its counts rule it out', () => {
    // Texts of 10 to 40 characters without a trigger's character, with up to two of them put in (or a
    // trigger's string: `www.`, `://`), so that both sides of the shortcut come up.
    const plain = fc.constantFrom('a', 'w', '.', '/', ' ', ',', '-', 'é');
    const trigger = fc.constantFrom('www.', '://', ':', '@', '7', 'Q', 'W', 'WWW.', '\u00c9', '\u0416');
    const text = fc
      .tuple(
        fc.array(plain, { minLength: 10, maxLength: 40 }),
        fc.array(fc.tuple(trigger, fc.nat()), { maxLength: 2 }),
      )
      .map(([generated, inserts]) => {
        const chars: string[] = [...generated];
        for (const [t, at] of inserts) chars.splice(at % (chars.length + 1), 0, t);
        return chars.join('');
      });
    let ruledOut = 0;
    fc.assert(
      fc.property(text, (t) => {
        if (!triggeredByCounts(t)) ruledOut++;
        assert.equal(worthSearching(t), triggeredByCounts(t), JSON.stringify(t));
      }),
      { numRuns: 3000, seed: 7 },
    );
    // Both answers came up often.
    assert.ok(ruledOut > 500 && ruledOut < 2500, `${ruledOut} of 3000 ruled out`);
  });
});

describe('capitalised words found at capitals', () => {
  it("are the expression's own matches, over any mix of scripts, marks and astral capitals", () => {
    const RE =
      /(?<![\p{L}\p{M}\p{N}_])\p{Lu}[\p{Ll}\p{M}]+(?:['\u2019-]\p{Lu}?[\p{Ll}\p{M}]+)?(?![\p{L}\p{M}\p{N}_])/gu;
    const piece = fc.constantFrom(
      ...['A', 'b', 'Zo', 'x', ' ', '_', "'", '\u2019', '-', '7', '.', '\u0301', '\u00c9', '\u00e9'],
      ...['\u0418', '\u0432', '\u0430\u043d', '\u041f', '\u039d', '\u03af', '\u03ba\u03bf\u03c2'],
      ...['Ivan', '\u0418\u0432\u0430\u043d', '\u039d\u03af\u03ba\u03bf\u03c2', '\u00c9mile', 'O\u2019Neil'],
      ...['\u{1d400}', '\u{1d41a}', '\ud835', '\u4e2d', '\u0531', '\u0561', '\u10a0', '\u2d00'],
    );
    let found = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const want: number[] = [];
        for (const m of text.matchAll(RE)) want.push(m.index, m.index + m[0].length);
        const starts: number[] = [];
        const ends: number[] = [];
        capitalisedWordsAtCapitals(text, starts, ends);
        const got = starts.flatMap((st, k) => [st, ends[k] as number]);
        assert.deepEqual(got, want, JSON.stringify(text));
        found += starts.length;
      }),
      { numRuns: 2000, seed: 11 },
    );
    assert.ok(found > 300, `${found} words`);
  });
});

describe('searches that skip ahead in long text', () => {
  // The patterns as they were searched from every position: each search now starts later, and must find the
  // same matches.
  const OLD_EMAIL =
    /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
  const OLD_TOKEN = /[A-Za-z0-9+/_=-]{20,}/g;
  function oldEmails(text: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(OLD_EMAIL)) {
      let start = m.index;
      let local = m[0].slice(0, m[0].indexOf('@'));
      while (local.startsWith('.')) {
        local = local.slice(1);
        start++;
      }
      if (local.length === 0 || local.endsWith('.') || local.includes('..') || local.length > 64) continue;
      out.push(`${start}:${text.slice(start, m.index + m[0].length)}`);
    }
    return out;
  }
  const text = (chars: string[]) =>
    fc.array(fc.constantFrom(...chars), { maxLength: 80 }).map((cs) => cs.join(''));

  it('finds every e-mail address the pattern finds from the start, addresses run together included', () => {
    fc.assert(
      fc.property(
        text(['a', 'b', 'x', '1', '.', '-', '_', '%', '+', '@', ' ', 'com', 'co.uk', '@', ',']),
        (t) => {
          const got = detectEntities(t, { entities: ['EMAIL_ADDRESS'] }).map(
            (m) => `${m.start}:${t.slice(m.start, m.end)}`,
          );
          assert.deepEqual(got, oldEmails(t));
        },
      ),
      { numRuns: 3000, seed: 41 },
    );
    // A match that ends inside a run of local-part characters: the next starts there ("x@c.org").
    assert.deepEqual(oldEmails('a@b.com.x@c.org'), ['0:a@b.com', '8:x@c.org']);
    assert.deepEqual(
      detectEntities('a@b.com.x@c.org', { entities: ['EMAIL_ADDRESS'] }).map((m) => m.start),
      [0, 8],
    );
  });

  it('finds the tokens the pattern finds from every position', () => {
    const same = (t: string) => {
      const runs = tokenRuns(t);
      const ours = [];
      for (let k = 0; k < runs.length; k += 2) ours.push(`${runs[k]}:${t.slice(runs[k], runs[k + 1])}`);
      assert.deepEqual(
        ours,
        [...t.matchAll(OLD_TOKEN)].map((m) => `${m.index}:${m[0]}`),
        JSON.stringify(t),
      );
    };
    fc.assert(fc.property(text(['a', 'B', '7', '+', '/', '_', '=', '-', ' ', '.', 'xY9zW2', 'é']), same), {
      numRuns: 3000,
      seed: 42,
    });
    // Runs of 17 to 23 characters, back to back or a character apart, at the start and the end of the text:
    // the search reads ahead by 20 and back, so lengths about 20 are where it could go wrong.
    const run = fc.integer({ min: 1, max: 23 }).map((n) => 'aB7_'.repeat(6).slice(0, n));
    const gap = fc.constantFrom('', ' ', '.', 'é', '  ');
    fc.assert(
      fc.property(fc.array(fc.tuple(run, gap), { maxLength: 12 }), (parts) =>
        same(parts.map(([r, g]) => r + g).join('')),
      ),
      { numRuns: 3000, seed: 43 },
    );
    for (let n = 0; n <= 45; n++) same('x'.repeat(n));
  });
});

describe('character counts', () => {
  it('are exact up to the largest number a trigger compares them with, long text included', () => {
    const exact = (t: string) => ({
      digits: Math.min(FLAG_CAPS.digits, (t.match(/[0-9]/g) ?? []).length),
      upper: Math.min(FLAG_CAPS.upper, (t.match(/[A-Z]/g) ?? []).length),
      lower: Math.min(FLAG_CAPS.lower, (t.match(/[a-z]/g) ?? []).length),
      at: t.includes('@'),
      colons: Math.min(FLAG_CAPS.colons, (t.match(/:/g) ?? []).length),
      dots: Math.min(FLAG_CAPS.dots, (t.match(/\./g) ?? []).length),
    });
    const capped = (t: string) => {
      const f = scanFlags(t);
      return {
        digits: Math.min(FLAG_CAPS.digits, f.digits),
        upper: Math.min(FLAG_CAPS.upper, f.upper),
        lower: Math.min(FLAG_CAPS.lower, f.lower),
        at: f.at,
        colons: Math.min(FLAG_CAPS.colons, f.colons),
        dots: Math.min(FLAG_CAPS.dots, f.dots),
      };
    };
    // Pieces long enough that the letters and digits reach their caps in the first block or a later one,
    // and the rarer characters come before that, after it or not at all.
    const piece = fc.oneof(
      fc.constantFrom('a', 'Z', '7', '@', ':', '.', ' ', 'é', '\u4e2d'),
      fc.integer({ min: 1, max: 600 }).map((n) => 'word '.repeat(n)),
      fc.integer({ min: 1, max: 20 }).map((n) => '12 AB '.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const t = parts.join('');
        assert.deepEqual(capped(t), exact(t), JSON.stringify(t.slice(0, 200)));
      }),
      { numRuns: 2000, seed: 44 },
    );
    // A rare character about where the first block ends (the counts stop there, the search takes over).
    const full = 'Ab1'.repeat(100);
    for (const c of ['@', ':', '.', '::', '...'])
      for (let at = 250; at <= 262; at++) {
        const t = full.slice(0, at) + c + full.slice(at);
        assert.deepEqual(capped(t), exact(t), `${c} at ${at}`);
      }
    const late = `${'Ab1'.repeat(400)}${'x'.repeat(5000)}a@b.c:d.e:f.`;
    assert.deepEqual(capped(late), exact(late));
    assert.deepEqual(exact(late), { digits: 17, upper: 2, lower: 2, at: true, colons: 2, dots: 3 });
  });
});

describe('the look for vendor secrets', () => {
  it('passes every text that one pattern of all their prefixes matches (the search it replaced)', () => {
    const OLD_PREFIXES =
      /A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|Iza)|gh[pousr]_|github_pat_|xox[abposr]-|hooks\.slack|[sr]k_(?:live|test)_|ya29\.|glpat-|npm_/;
    // Each prefix, pieces of them, and prose around them.
    const piece = fc.constantFrom(
      ...'A AK AKI AKIA ASIA AIza AIz AAKIA gh ghp ghp_ github_pat_ xox xoxb- xo'.split(' '),
      ...'hooks.slack hooks.slac sk_live_ rk_test_ sk ya29. ya29 glpat- glpat npm_ npm a Z 7 . -'.split(' '),
      ' ',
      'word ',
    );
    let passed = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (parts) => {
        const t = parts.join('');
        if (OLD_PREFIXES.test(t)) {
          passed++;
          assert.ok(mayHoldVendorSecret(t), JSON.stringify(t));
        }
      }),
      { numRuns: 3000, seed: 45 },
    );
    assert.ok(passed > 500, `${passed} of 3000 texts hold a prefix`);
    assert.equal(mayHoldVendorSecret('A call back. Arrived ASAP, About AKI'), false);
    // A JWT and a private key are looked for from a later character of their start: after every prefix.
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    for (const before of ['', ' ', 'e ', 'ey ', 'J ', 'eyeyJ ', '---- ', `${'Just a word. '.repeat(30)}`]) {
      assert.deepEqual(only(`${before}${jwt} end`, 'SECRET'), [jwt], JSON.stringify(before));
      assert.deepEqual(only(`${before}${pem}\nend`, 'SECRET'), [pem], JSON.stringify(before));
    }
    assert.equal(mayHoldVendorSecret(`${'A word. '.repeat(1000)}AKIAIOSFODNN7EXAMPLE`), true);
  });
});

describe('the searches that start from numbers in long text', () => {
  // The patterns as they were searched from every position of the text.
  const OLD_STRASSE =
    /\b[A-Z\u00c4\u00d6\u00dc][a-z\u00e4\u00f6\u00fc\u00df]+(?:stra\u00dfe|strasse|str\.|weg|gasse|platz|allee|ring|damm)\s+\d{1,4}[a-z]?(?![\p{L}\d])/gu;
  const OLD_ZIP =
    /\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR)\s+(\d{5}(?:-\d{4})?)\b/g;
  const ours = (find: typeof strasseMatches, t: string) => {
    const out: string[] = [];
    find(t, (m) => out.push(`${m.index}:${m[0]}:${m[1] ?? ''}`));
    return out;
  };
  const theirs = (re: RegExp, t: string) =>
    [...t.matchAll(re)].map((m) => `${m.index}:${m[0]}:${m[1] ?? ''}`);
  // Street names, states, numbers of every length about the ones the patterns take, and what goes between:
  // white space of every kind \s has, a dot, letters glued on. After 256 characters of prose (shorter text
  // is searched as before).
  const word = fc.constantFrom(
    ...'Hauptstra\u00dfe Hauptstrasse Hauptstr. Hauptstr Ring Kirchweg Marktplatz Lindenallee Damm'.split(
      ' ',
    ),
    ...'\u00d6dweg x\u00dfring Xring aDamm CA NY ZZ aCA DC. 5CA Ca'.split(' '),
  );
  const space = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u2003', '', '.', ' . ');
  const number = fc.constantFrom(
    ...'1 12 123 1234 12345 123456 12345-6789 12345-678 5a 12b 7 007'.split(' '),
  );
  const after = fc.constantFrom('', ' ', 'a', 'Z', '7', '_', '-', '.', '\u00e9', '\u00e4', ',', '-1234');
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(word, space, number, after).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.constantFrom(' ', 'a', 'Z', '7', '.', '\u00e4', 'word ') },
  );
  const prose = fc.constantFrom('a', 'word ', 'Word. ', '12 ', 'x').map((w) => w.repeat(300).slice(0, 256));
  const text = fc
    .tuple(prose, fc.array(piece, { maxLength: 40 }), fc.array(piece, { maxLength: 6 }))
    .map(([p, a, b]) => a.join('') + p + b.join('') + a.join(''));
  const cases = [
    ['German street', OLD_STRASSE, strasseMatches, 46, 600],
    ['ZIP-after-state', OLD_ZIP, zipAfterStateMatches, 47, 150],
  ] as const;
  for (const [name, old, find, seed, least] of cases) {
    it(`finds what the ${name} pattern finds from every position`, () => {
      let found = 0;
      fc.assert(
        fc.property(text, (t) => {
          const expected = theirs(old, t);
          found += expected.length;
          assert.deepEqual(ours(find, t), expected, JSON.stringify(t));
        }),
        { numRuns: 3000, seed },
      );
      assert.ok(found > least, `${found} matches`);
    });
  }
});

describe('the searches that start at numbers (or colons) in long text', () => {
  // Numbers of every length about the ones the patterns take, the separators and prefixes they allow, and
  // what may glue onto them, after 256 characters of prose (shorter text is searched as before).
  const piece = fc.constantFrom(
    ...'1 12 123 1234 12345 123456 1234567 123456789 1234567890123'.split(' '),
    ...'12345678901234567 123456789012345678 110101199003074477 11010119900307447X'.split(' '),
    ...'4111 1111 4111-1111-1111-1111 078-05-1121 192.168.1.20 10.0.0 13812345678 138'.split(' '),
    ...'+86 0086 86 +86138 +8613812345678 Main Street St. Ave'.split(' '),
    ...['123 45 6789', '078 05 1121', '0086 138 1234 5678', '008613812345678', '86 13812345678'],
    ...['+86 13812345678', '+86 138 1234 5678', '+86-13812345678', '+1 415 555 2671', '(415) 555-0132'],
    ...['+(44) 20 7946 0958', '415.555.0132', '2023-01-15', '(', ')', '1 - 2', '12.34', '+4'],
    ...['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432', 'DE89370400440532013000'],
    ...['GB82', 'WEST', 'DE'],
    ...['2001:db8::1', 'fe80::1ff:fe23:4567:890a', '12:30:45', '::', ':', 'ab:cd:ef', 'https://', 'abcdef:'],
    ...['::ffff:192.168.1.1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'fade:', 'c0ffee::', 'FE80::1'],
    ...['ABCD:EF01:2345::', 'DB8:', '7'.repeat(80)],
    // National ids: a DNI, a NIE, a codice fiscale, a National Insurance number, NHS, Aadhaar, CPF, and parts.
    ...[
      '12345678Z',
      '12345678-Z',
      'X1234567L',
      'X-1234567-L',
      'Y',
      'Z',
      'RSSMRA85T10A562S',
      'RSSMRA85T10A56NH',
      'RSSMRA',
      'T10A',
    ],
    ...[
      'rssmra85t10a562s',
      'AB 12 34 56 C',
      'AB123456C',
      'AB123456',
      'AB',
      'C',
      '943 476 5919',
      '943-476-5919',
    ],
    ...[
      '2341 2341 2346',
      '234123412346',
      '529.982.247-25',
      '52998224725',
      '529.',
      '44051401359',
      '131052-308T',
    ],
    ...['131052A308T', '131052+308T', '971013-9019902', '9710139019902', '971013-'],
    // ITIN, PAN, NRIC, NIR (grouped, compact, Corsican), Swedish, Norwegian, Danish, BSN, TFN, Medicare.
    ...[
      '912-70-1234',
      '912701234',
      'ABCPE1234F',
      'AAACB1234F',
      'XYZPQ0000A',
      'ZZZTZ9876Y',
      'ABCPE',
      'S1234567D',
      'S',
      'T1234567J',
      '1 84 12 76 451 089 46',
    ],
    ...[
      '184127645108946',
      '184122A45108933',
      '2B',
      '880320-0016',
      '19880320-0016',
      '8803200016',
      '880320+0016',
    ],
    ...[
      '15108695088',
      '151086 95088',
      '211062-5629',
      '111222333',
      '123 456 782',
      '2123 45670 1',
      '2123456701',
      '756.9217.0769.85',
      '7569217076985',
      '756.',
      '12.345.678-5',
      '1.234.567-K',
      '12345678-5',
      '85.07.30-033.28',
      '36 574 261 809',
      '046-454-286',
      'BOXW310820HNERXN09',
      'HEGG560427MVZRRL04',
      'BOXW',
    ],
    ...[
      '3933742-3',
      '6433435F',
      '1234567FA',
      '3-1006-00445-63-5',
      '15 070649 C 103',
      '15070649C103',
      '1112.22.333',
      '21234567012',
      '2123 45670 1/2',
    ],
    ...['MORGA753116SM9IJ', 'LEE99753116J99AB', 'A9999710238HA3DX', 'MORGA753116SM9IJ 35', 'SMITH'],
    ...['AB1234563', 'F91234563', 'A9', '12345678', '00012345678901234', '123456789012345678'],
    ...['1234567893', '1HGCM82633A004352', 'WVWZZZ1JZXW000001', 'WVWZZZ', 'ABCDEFGHJ1', 'JZXW0'],
    ...['1EG4-TE5-MK73', '1EG4TE5MK73', '1E', '352099001761481', '35-209900-176148-1', '35-'],
    // A phone pattern that fails at a number's first digit and matches from its second: 22 characters apart.
    ...[21, 22, 23].map((n) => `12${' '.repeat(n)}3`),
    ...['  ', '+', 'a', 'B', '_', '\n', '\u00a0', '12a ', '42 Elm St', '7 North Oak Road'],
  );
  // Prose of one number every 250 characters: a text of more than one run of digits every 64 characters is
  // searched by the pattern itself (see `execFromDigits`), and with the prose of a number every 25 that was
  // every text here, so that none of them tried the searches from numbers.
  const prose = `${'Words and more words. '.repeat(11)}12 more. `.repeat(36);
  const text = fc
    .tuple(
      fc.array(fc.tuple(piece, fc.constantFrom(' ', ' ', '', '.', '-')), { maxLength: 30 }),
      fc.nat(prose.length),
    )
    .map(([parts, at]) => {
      const numbers = parts.map((p) => p.join('')).join('');
      return prose.slice(0, at) + numbers + prose.slice(at) + numbers;
    });
  const searches = {
    card: CARD_SEARCH,
    ssn: SSN_SEARCH,
    ipv4: IPV4_SEARCH,
    cnId: CN_ID_SEARCH,
    cnMobile: CN_MOBILE_SEARCH,
    street: STREET_SEARCH,
    iban: IBAN_SEARCH,
    phone: PHONE_SEARCH,
    ipv6: IPV6_SEARCH,
    esNif: ES_NIF_SEARCH,
    esNie: ES_NIE_SEARCH,
    itFiscal: IT_FISCAL_SEARCH,
    nino: NINO_SEARCH,
    nhs: NHS_SEARCH,
    aadhaar: AADHAAR_SEARCH,
    cpf: CPF_SEARCH,
    pesel: PESEL_SEARCH,
    hetu: HETU_SEARCH,
    rrn: RRN_SEARCH,
    bsn: BSN_SEARCH,
    nir: NIR_SEARCH,
    sePnr: SE_PNR_SEARCH,
    noFnr: NO_FNR_SEARCH,
    dkCpr: DK_CPR_SEARCH,
    tfn: TFN_SEARCH,
    medicare: MEDICARE_SEARCH,
    pan: PAN_SEARCH,
    nric: NRIC_SEARCH,
    ahv: AHV_SEARCH,
    rut: RUT_SEARCH,
    beNn: BE_NN_SEARCH,
    deTax: DE_TAX_SEARCH,
    sin: SIN_SEARCH,
    tckn: TCKN_SEARCH,
    curp: CURP_SEARCH,
    myNumber: MY_NUMBER_SEARCH,
    zaId: ZA_ID_SEARCH,
    ilId: IL_ID_SEARCH,
    pps: PPS_SEARCH,
    tnin: TNIN_SEARCH,
    svnr: SVNR_SEARCH,
    ukLicence: UK_LICENCE_SEARCH,
    bank: BANK_SEARCH,
    dea: DEA_SEARCH,
    npi: NPI_SEARCH,
    vin: VIN_SEARCH,
    mbi: MBI_SEARCH,
    imei: IMEI_SEARCH,
  };
  for (const [name, search] of Object.entries(searches)) {
    it(`${name}: each step finds what the pattern's global search finds from the same place`, () => {
      const oracle = new RegExp(search.re.source, 'g');
      const runs = search === IPV6_SEARCH ? /:/g : /\d+/g;
      let found = 0;
      let fromRuns = 0;
      fc.assert(
        fc.property(text, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (t, starts) => {
          // A text of few enough runs to be searched from them, not by the pattern (`execFromDigits`).
          if ((t.match(runs)?.length ?? 0) <= Math.floor(t.length / 64)) fromRuns++;
          // From the start, match after match as the detectors go, and from anywhere (a detector that tries
          // again after a rejected candidate goes on from inside it).
          const froms = [0, ...starts.map((s) => s % (t.length + 1))];
          for (const from of froms) {
            oracle.lastIndex = from;
            for (let k = 0; k < 50; k++) {
              const start = oracle.lastIndex;
              const expected = oracle.exec(t);
              search.re.lastIndex = start;
              const ours = execFromDigits(search, t);
              assert.deepEqual(
                ours && [ours.index, ours[0], ours[1], search.re.lastIndex],
                expected && [expected.index, expected[0], expected[1], oracle.lastIndex],
                `${JSON.stringify(t)} from ${start}`,
              );
              if (!expected) break;
              found++;
            }
          }
        }),
        { numRuns: 800, seed: 50 },
      );
      assert.ok(found > 100, `${found} matches`);
      assert.ok(fromRuns > 720, `${fromRuns} of 800 texts searched from their runs`);
    });
  }
});

describe('the searches that start at numbers, on numbers long and many', () => {
  const every = [
    ...[CARD_SEARCH, SSN_SEARCH, IPV4_SEARCH, CN_ID_SEARCH, CN_MOBILE_SEARCH, STREET_SEARCH],
    ...[IBAN_SEARCH, PHONE_SEARCH, IPV6_SEARCH, ES_NIF_SEARCH, ES_NIE_SEARCH, IT_FISCAL_SEARCH, NINO_SEARCH],
    ...[NHS_SEARCH, AADHAAR_SEARCH, CPF_SEARCH, PESEL_SEARCH, HETU_SEARCH, RRN_SEARCH],
  ];
  // Each search's matches from the start, as the detectors take them, against its pattern's.
  const same = (search: (typeof every)[number], t: string) => {
    const oracle = new RegExp(search.re.source, 'g');
    search.re.lastIndex = 0;
    for (let k = 0; ; k++) {
      const expected = oracle.exec(t);
      const ours = execFromDigits(search, t);
      assert.deepEqual(
        ours && [ours.index, ours[0]],
        expected && [expected.index, expected[0]],
        `match ${k}`,
      );
      if (!expected) break;
    }
  };
  it('read a run of four million digits once, not once a match', () => {
    // Tried place by place, not listed first: listing the run's places at every phone match took 2.5 s for
    // 200,000 digits, 16 s for a million (four million would run past this test's time limit).
    const t = `Call ${'7'.repeat(4_000_000)} now, or +1 415 555 2671`;
    for (const search of every) same(search, t);
  });
  it('read the characters after a run no further than a match can reach', () => {
    // Spaces are a phone number's characters: read to the end of the text from every digit, 2 MB of digits a
    // hundred spaces apart took 55 s.
    const t = `${`1${' '.repeat(99)}`.repeat(20_000)}+1 415 555 2671`;
    for (const search of every) same(search, t);
  });
  it('fall back to the pattern where numbers are too many to gain from their runs', () => {
    const t = `${'1 22 333 4444 +86 138 1234 5678 12:30:45 '.repeat(20_000)}GB82 WEST 1234 5698 7654 32`;
    for (const search of every) same(search, t);
  });
});

describe('card numbers in lists of small numbers', () => {
  it('are the ones the search found when it cut every candidate group by group', () => {
    // The search as it was, without the look at the first group (`glued` as the detector has it).
    const word = (c: number) =>
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    const glued = (t: string, start: number, end: number) => {
      const b = start > 0 ? t.charCodeAt(start - 1) : -1;
      const a = end < t.length ? t.charCodeAt(end) : -1;
      return (
        word(b) ||
        ((b === 45 || b === 46 || b === 47) && start > 1 && word(t.charCodeAt(start - 2))) ||
        word(a) ||
        ((a === 45 || a === 46 || a === 47) && end + 1 < t.length && word(t.charCodeAt(end + 1)))
      );
    };
    const oldCards = (t: string) => {
      const re = /\b\d(?:[ -]?\d){12,18}\b/g;
      const out: string[] = [];
      for (let m = re.exec(t); m; m = re.exec(t)) {
        let candidate = m[0];
        let found = false;
        for (;;) {
          const end = m.index + candidate.length;
          const seps = candidate.match(/[ -]/g);
          const consistent =
            !seps || (new Set(seps).size === 1 && candidate.split(/[ -]/).every((g) => g.length >= 3));
          if (consistent && !glued(t, m.index, end) && isValidCardNumber(candidate.replace(/\D/g, ''))) {
            out.push(`${m.index}:${end}`);
            found = true;
            break;
          }
          const cut = candidate.search(/[ -]\d+$/);
          if (cut <= 0 || candidate.slice(0, cut).replace(/\D/g, '').length < 13) break;
          candidate = candidate.slice(0, cut);
        }
        if (!found) {
          const next = m[0].search(/[ -]/);
          if (next > 0) re.lastIndex = m.index + next + 1;
        }
      }
      return out;
    };
    const piece = fc.constantFrom(
      ...['4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '5500 0000 0000 0004', '0', '1'],
      ...['12', '411', '4111', ' ', '-', ' 1 ', '1 4111 1111 1111 1111', '12 4111 1111 1111 1111', 'x'],
      ...['411 111 111 111 1111'],
    );
    let found = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const t = parts.join(' ');
        const expected = oldCards(t);
        found += expected.length;
        const ours = detectEntities(t, { entities: ['CREDIT_CARD'] }).map((m) => `${m.start}:${m.end}`);
        assert.deepEqual(ours, expected, JSON.stringify(t));
      }),
      { numRuns: 2000, seed: 52 },
    );
    assert.ok(found > 500, `${found} cards`);
  });
});

describe('the look before a phone number is parsed', () => {
  it('passes every number libphonenumber finds valid, after a dialling prefix and a 0 too', () => {
    // Numbers after the US, UK and German dialling prefixes (011, 00), with a 0 after them or not, national
    // numbers, lists of small numbers; separated as text has them.
    const start = fc.constantFrom('011', '0110', '00', '000', '0044', '01149', '1', '0', '');
    const rest = fc.array(fc.constantFrom(...'0123456789'.split(''), ' ', '-'), {
      minLength: 5,
      maxLength: 14,
    });
    let rejected = 0;
    fc.assert(
      fc.property(start, rest, fc.constantFrom('US', 'GB', 'DE'), (s, r, region) => {
        const candidate = `${s}${r.join('')}`;
        if (mayBeValidPhone(candidate, region)) return;
        rejected++;
        assert.equal(parsePhoneNumberFromString(candidate, region)?.isValid() ?? false, false, candidate);
      }),
      { numRuns: 4000, seed: 53 },
    );
    assert.ok(rejected > 1000, `${rejected} rejected`);
    assert.equal(mayBeValidPhone('0 1 1 0 1 0 0 1', 'US'), false);
    assert.equal(mayBeValidPhone('011 44 20 7946 0958', 'US'), true);
  });
});

describe('overlapping matches, many of them', () => {
  it('keep the ones that comparing each with every kept one keeps (as it was done)', () => {
    const oldResolve = (matches: EntityMatch[]) => {
      const ranked = matches
        .slice()
        .sort(
          (a, b) =>
            b.confidence - a.confidence ||
            b.end - b.start - (a.end - a.start) ||
            PRIORITY.indexOf(a.entity) - PRIORITY.indexOf(b.entity) ||
            a.start - b.start,
        );
      const kept: EntityMatch[] = [];
      for (const m of ranked) if (kept.every((k) => m.end <= k.start || m.start >= k.end)) kept.push(m);
      return kept.sort((a, b) => a.start - b.start);
    };
    const match = fc.record({
      entity: fc.constantFrom(...PRIORITY),
      start: fc.nat(400),
      length: fc.integer({ min: 1, max: 30 }),
      confidence: fc.constantFrom(0.4, 0.6, 0.6, 0.8, 0.95),
    });
    let many = 0;
    fc.assert(
      fc.property(fc.array(match, { maxLength: 120, size: 'max' }), (ms) => {
        const matches = ms.map((m) => ({ ...m, end: m.start + m.length }));
        if (matches.length > 32) many++;
        assert.deepEqual(resolveOverlaps(matches), oldResolve(matches));
      }),
      { numRuns: 1000, seed: 51 },
    );
    assert.ok(many > 300, `${many} lists of more than 32`);
  });
});

describe('Bitcoin addresses in long text', () => {
  it('are the ones the pattern finds from every position, found only where a look says they can be', () => {
    const OLD_BTC =
      /\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|(?:bc1|tb1|BC1|TB1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87})\b/g;
    const oracle = (t: string) =>
      [...t.matchAll(OLD_BTC)].filter((m) => isValidBitcoinAddress(m[0])).map((m) => `${m.index}:${m[0]}`);
    const legacy = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT';
    const segwit = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
    const testnet = 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx';
    // Whole addresses, their pieces, their prefixes and long runs of letters and digits around them, after
    // 256 characters of prose (shorter text is searched without the look).
    const piece = fc.constantFrom(
      ...[legacy, segwit, segwit.toUpperCase(), testnet, testnet.toUpperCase(), legacy.slice(0, 20)],
      ...['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', segwit.slice(0, 12), 'bc1', 'tb1', 'TB1', 'b', 'c1'],
      // BIP 173's shortest valid address: shorter than a legacy one, found by its prefix alone.
      ...['BC1SW50QGDZ25J', 'bc1sw50qgdz25j', 'x'.repeat(30), 'aB3'.repeat(9), ' ', '.', '_'],
    );
    let found = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(piece, fc.constantFrom(' ', ' ', '', '.')), { maxLength: 8 }),
        fc.nat(300),
        (parts, at) => {
          const prose = 'Words and 12 more words. '.repeat(12);
          const t = prose.slice(0, at % prose.length) + parts.map((p) => p.join('')).join('') + prose;
          const expected = oracle(t);
          found += expected.length;
          const ours = detectEntities(t, { entities: ['CRYPTO'] }).map(
            (m) => `${m.start}:${t.slice(m.start, m.end)}`,
          );
          assert.deepEqual(ours, expected, JSON.stringify(t));
        },
      ),
      { numRuns: 2000, seed: 49 },
    );
    assert.ok(found > 500, `${found} addresses`);
  });
});

describe('names in running text', () => {
  // The search as it was: an object and a lower-case copy for every capitalised word.
  const CAP_WORD = /\b[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)?\b/g;
  const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'madam', 'mx']);
  function oldPersons(text: string, ambiguous: ReadonlySet<string>): string[] {
    const lex = lexicon();
    const out: string[] = [];
    const words = [...text.matchAll(CAP_WORD)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
      lower: m[0].toLowerCase(),
    }));
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      let j = i + 1;
      let next = words[j];
      if (!next) break;
      let gap = text.slice(w.end, next.start);
      if (/^ [A-Z]\. $/.test(gap) && words[j + 1]) {
        j++;
        next = words[j]!;
        gap = text.slice(w.end, next.start);
      }
      if (HONORIFICS.has(w.lower) && /^\.? $/.test(gap)) {
        if (lex.commonWords.has(next.lower) && !lex.lastNames.has(next.lower)) continue;
        out.push(`${w.start}:${next.end}`);
        i = j;
        continue;
      }
      if (!lex.firstNames.has(w.lower)) continue;
      if (!/^ (?:[A-Z]\. )?$/.test(gap)) continue;
      const isLast = lex.lastNames.has(next.lower);
      if (!isLast && ambiguous.has(w.lower)) continue;
      if (
        !isLast &&
        (lex.commonWords.has(next.lower) || lex.cities.has(next.lower) || lex.countries.has(next.lower))
      ) {
        continue;
      }
      let end = next.end;
      const third = words[j + 1];
      if (third && text.slice(next.end, third.start) === ' ' && lex.lastNames.has(third.lower)) {
        end = third.end;
        j++;
      }
      out.push(`${w.start}:${end}`);
      i = j;
    }
    return out;
  }
  it('are the ones the search found when it kept every capitalised word', () => {
    // Given names (one also a word), family names, honorifics, initials, cities and words, with the gaps
    // the rules tell apart: one space, an initial, a dot, two spaces, a sentence.
    const word = fc.constantFrom(
      ...'Maria Garcia John Kennedy Grace Period Dr Mr Mrs Paris London The Order Smith Lee Anne-Marie'.split(
        ' ',
      ),
      ...["O'Brien", 'Ann', 'Chase', 'Bank', 'F.', 'Q.', 'Xx'],
    );
    const gap = fc.constantFrom(' ', ' ', ' ', '  ', '. ', ', ', ' F. ', '.', ' and ', '\n');
    const text = fc
      .array(fc.tuple(word, gap), { maxLength: 30 })
      .map((ps) => ps.map((p) => p.join('')).join(''));
    // The given names of the list above that are also everyday words (AMBIGUOUS_GIVEN_NAMES in the detector).
    const ambiguous = new Set(['grace', 'chase']);
    let found = 0;
    fc.assert(
      fc.property(text, (t) => {
        const ours = detectEntities(t, { entities: ['PERSON'] }).map((m) => `${m.start}:${m.end}`);
        const expected = oldPersons(t, ambiguous);
        found += expected.length;
        assert.deepEqual(ours, expected, JSON.stringify(t));
      }),
      { numRuns: 3000, seed: 48 },
    );
    assert.ok(found > 300, `${found} names`);
  });
});

describe('whole values of many words', () => {
  it('are no name, counted only to their sixth word; white space is what \\s is', () => {
    for (let c = 0; c < 0x10000; c++)
      assert.equal(isSpaceCode(c), /\s/.test(String.fromCharCode(c)), `U+${c}`);
    assert.equal(matchWholeValue('Mary Ann Smith', { hint: 'PERSON' })?.entity, 'PERSON');
    assert.equal(matchWholeValue('Smith, Mary Ann', { hint: 'PERSON' })?.entity, 'PERSON');
    assert.equal(matchWholeValue('Mary Ann Jones Smith Brown Garcia', { hint: 'PERSON' }), null);
    const doc = `Mary Smith ${'wrote the letter '.repeat(50_000)}`;
    assert.equal(matchWholeValue(doc, { hint: 'PERSON' }), null);
    assert.equal(matchWholeValue(doc), null);
  });
});

describe('prose as a whole value', () => {
  it('is no single entity: no detector spans seven words of more than 64 characters, a private key aside', () => {
    // Words that detectors take in, alone or run together: digits for phones, cards and IBANs, names, street
    // words, address and URL pieces, token and key characters, and white space of every kind.
    const word = fc.constantFrom(
      '1',
      '415',
      '555',
      '0100',
      '4111',
      '1111',
      'GB82',
      'WEST',
      '1234',
      '5698',
      '7654',
      '32',
      'Mary',
      'Ann',
      'Smith',
      'F.',
      'Dr',
      'Main',
      'Street',
      'St',
      'CA',
      '94107',
      'Hauptstra\u00dfe',
      '12',
      'a@b.com',
      'www.x.org',
      'http://x.org/a',
      'eyJhbGciOiJIUzI1NiJ9',
      'AKIAABCDEFGHIJKLMNOP',
      '1BoatSLRHtKNngkdXEeobR76b53LETtpyT',
      '-----BEGIN',
      'PRIVATE',
      'KEY-----',
      '(415)',
      '555-0100',
      '+1',
      '-',
      '.',
      ',',
    );
    const space = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', ' \n ');
    const value = fc.array(fc.tuple(word, space), { minLength: 7, maxLength: 30 }).map((ws) =>
      ws
        .map(([w, s]) => w + s)
        .join('')
        .trim(),
    );
    fc.assert(
      fc.property(value, (v) => {
        const words = v.split(/\s+/).length;
        fc.pre(v.length > 64 && words >= 7 && !v.startsWith('-----BEGIN'));
        assert.deepEqual(spanningMatches(v), [], v);
      }),
      { numRuns: 3000, seed: 43 },
    );
    // And one that starts as a private key is searched.
    const key = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC '.repeat(4)}\n-----END PRIVATE KEY-----`;
    assert.equal(matchWholeValue(key)?.entity, 'SECRET');
  });
});
