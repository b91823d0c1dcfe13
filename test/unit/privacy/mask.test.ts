import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { EntityType } from '../../../src/core/findings';
import { maskExcerpt } from '../../../src/core/privacy/mask';

// prettier-ignore
const ENTITIES: EntityType[] = [
  'EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'URL', 'CRYPTO', 'PERSON',
  'LOCATION', 'POSTAL_CODE', 'DATE_OF_BIRTH', 'CN_RESIDENT_ID', 'CN_MOBILE', 'ES_NIF', 'ES_NIE', 'IT_FISCAL_CODE',
  'UK_NINO', 'UK_NHS', 'IN_AADHAAR', 'BR_CPF', 'PL_PESEL', 'FI_PERSONAL_IDENTITY_CODE', 'KR_RRN', 'US_ITIN',
  'IN_PAN', 'NL_BSN', 'FR_NIR', 'SE_PERSONNUMMER', 'NO_FODSELSNUMMER', 'DK_CPR', 'AU_TFN', 'AU_MEDICARE',
  'SG_NRIC_FIN', 'CH_AHV', 'MX_CURP', 'CL_RUT', 'BE_NATIONAL_NUMBER', 'DE_TAX_ID', 'CA_SIN', 'TR_TC_KIMLIK',
  'JP_MY_NUMBER', 'ZA_ID', 'IL_ID', 'IE_PPS', 'TH_TNIN', 'DE_SVNR', 'PASSPORT', 'DRIVER_LICENSE', 'MEDICAL_LICENSE',
  'MEDICAL_RECORD_NUMBER', 'US_NPI', 'VIN', 'US_MBI', 'IMEI', 'MAC_ADDRESS', 'GEO_COORDINATE', 'LICENSE_PLATE',
  'US_BANK_NUMBER', 'ABA_ROUTING_NUMBER', 'AU_ABN', 'IN_VOTER', 'SECRET',
];

describe('privacy masking', () => {
  it('masks each entity in its documented shape', () => {
    assert.equal(maskExcerpt('john.doe@example.com', 'EMAIL_ADDRESS'), 'j***@example.com');
    assert.equal(maskExcerpt('536-22-6789', 'US_SSN'), '***-**-6789');
    assert.equal(maskExcerpt('4111 1111 1111 1234', 'CREDIT_CARD'), '**** **** **** 1234');
    assert.equal(maskExcerpt('(415) 555-0132', 'PHONE_NUMBER'), '(***) ***-0132');
    assert.equal(maskExcerpt('John Doe', 'PERSON'), 'J*** D***');
    assert.equal(maskExcerpt('AKIAIOSFODNN7EXAMPLE', 'SECRET'), 'AKIA***');
    assert.equal(maskExcerpt('DE89 3704 0044 0532 0130 00', 'IBAN_CODE'), 'DE****************3000');
    assert.equal(maskExcerpt('192.168.10.20', 'IP_ADDRESS'), '192.*.*.*');
    assert.equal(maskExcerpt('https://example.com/u/jdoe', 'URL'), 'https://e***');
    assert.equal(maskExcerpt('1985-03-07', 'DATE_OF_BIRTH'), '1985-**-**');
    assert.equal(maskExcerpt('94107', 'POSTAL_CODE'), '94***');
    assert.equal(maskExcerpt('11010519491231002X', 'CN_RESIDENT_ID'), '*************1002*');
    assert.equal(maskExcerpt('12345678Z', 'ES_NIF'), '******78Z');
    assert.equal(maskExcerpt('X-1234567-L', 'ES_NIE'), '*-*****67-L');
    assert.equal(maskExcerpt('RSSMRA85T10A562S', 'IT_FISCAL_CODE'), '*************62S');
    assert.equal(maskExcerpt('AB 12 34 56 C', 'UK_NINO'), '** ** ** 56 C');
    assert.equal(maskExcerpt('943 476 5919', 'UK_NHS'), '*** *** 5919');
    assert.equal(maskExcerpt('2341 2341 2346', 'IN_AADHAAR'), '**** **** 2346');
    assert.equal(maskExcerpt('529.982.247-25', 'BR_CPF'), '***.***.*47-25');
    assert.equal(maskExcerpt('44051401359', 'PL_PESEL'), '*******1359');
    assert.equal(maskExcerpt('131052-308T', 'FI_PERSONAL_IDENTITY_CODE'), '******-*08T');
    assert.equal(maskExcerpt('971013-9019902', 'KR_RRN'), '******-***9902');
    assert.equal(maskExcerpt('912-70-1234', 'US_ITIN'), '***-**-1234');
    assert.equal(maskExcerpt('ABCPE1234F', 'IN_PAN'), '*******34F');
    assert.equal(maskExcerpt('111222333', 'NL_BSN'), '*****2333');
    assert.equal(maskExcerpt('1 84 12 76 451 089 46', 'FR_NIR'), '* ** ** ** *** *89 46');
    assert.equal(maskExcerpt('880320-0016', 'SE_PERSONNUMMER'), '******-0016');
    assert.equal(maskExcerpt('151086 95088', 'NO_FODSELSNUMMER'), '****** *5088');
    assert.equal(maskExcerpt('211062-5629', 'DK_CPR'), '******-5629');
    assert.equal(maskExcerpt('123 456 782', 'AU_TFN'), '*** **6 782');
    assert.equal(maskExcerpt('2123 45670 1', 'AU_MEDICARE'), '**** **670 1');
    assert.equal(maskExcerpt('S1234567D', 'SG_NRIC_FIN'), '******67D');
    assert.equal(maskExcerpt('756.9217.0769.85', 'CH_AHV'), '***.****.**69.85');
    assert.equal(maskExcerpt('BOXW310820HNERXN09', 'MX_CURP'), '***************N09');
    assert.equal(maskExcerpt('12.345.678-K', 'CL_RUT'), '**.***.*78-K');
    assert.equal(maskExcerpt('85.07.30-033.28', 'BE_NATIONAL_NUMBER'), '**.**.**-*33.28');
    assert.equal(maskExcerpt('36574261809', 'DE_TAX_ID'), '*******1809');
    assert.equal(maskExcerpt('046 454 286', 'CA_SIN'), '*** **4 286');
    assert.equal(maskExcerpt('17291716060', 'TR_TC_KIMLIK'), '*******6060');
    assert.equal(maskExcerpt('7503305044089', 'ZA_ID'), '*********4089');
    assert.equal(maskExcerpt('039337423', 'IL_ID'), '*****7423');
    assert.equal(maskExcerpt('1-1120-34563-56-2', 'TH_TNIN'), '*-****-****3-56-2');
    assert.equal(maskExcerpt('1234567FA', 'IE_PPS'), '******7FA');
    assert.equal(maskExcerpt('15 070649 C 103', 'DE_SVNR'), '** ****** * 103');
    assert.equal(maskExcerpt('1234 5678 9018', 'JP_MY_NUMBER'), '**** **** 9018');
    assert.equal(maskExcerpt('C01X00T47', 'PASSPORT'), '******T47');
    assert.equal(maskExcerpt('45 06 123456', 'PASSPORT'), '** ** ***456');
    assert.equal(maskExcerpt('W426-545-30-761-0', 'DRIVER_LICENSE'), '****-***-**-*61-0');
    assert.equal(maskExcerpt('AB1234563', 'MEDICAL_LICENSE'), '******563');
    assert.equal(maskExcerpt('000123456789', 'US_BANK_NUMBER'), '********6789');
    assert.equal(maskExcerpt('021000021', 'ABA_ROUTING_NUMBER'), '*****0021');
    assert.equal(maskExcerpt('51 824 753 556', 'AU_ABN'), '** *** **3 556');
    assert.equal(maskExcerpt('ABC1234566', 'IN_VOTER'), '*******566');
    assert.equal(maskExcerpt('A1234567', 'MEDICAL_RECORD_NUMBER'), '*****567');
    assert.equal(maskExcerpt('1234567893', 'US_NPI'), '******7893');
    assert.equal(maskExcerpt('1HGCM82633A004352', 'VIN'), '**************352');
    assert.equal(maskExcerpt('1EG4-TE5-MK73', 'US_MBI'), '****-***-*K73');
    assert.equal(maskExcerpt('35-209900-176148-1', 'IMEI'), '**-******-***148-1');
    assert.equal(maskExcerpt('00:1A:2B:3C:4D:5E', 'MAC_ADDRESS'), '**:**:**:**:*D:5E');
    assert.equal(maskExcerpt('40.712776', 'GEO_COORDINATE'), '40.7*****');
    assert.equal(maskExcerpt('B-MW 1234', 'LICENSE_PLATE'), '*-** **34');
    assert.equal(maskExcerpt('40.7128, -74.0060', 'GEO_COORDINATE'), '40.7***, -74.0***');
    assert.equal(maskExcerpt('dr5ru7c2', 'GEO_COORDINATE'), 'dr5r****');
    assert.equal(
      maskExcerpt('POINT Z (-73.98571 40.74844 10.5)', 'GEO_COORDINATE'),
      'POINT Z (-73.9**** 40.7**** 10.5)',
    );
  });

  it('stars short values entirely', () => {
    assert.equal(maskExcerpt('ab', 'PERSON'), '***');
    assert.equal(maskExcerpt('1234', 'US_SSN'), '****');
    assert.equal(maskExcerpt('a@b.c', 'EMAIL_ADDRESS'), '***@b.c');
  });

  it('cuts long values and never shows line breaks', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(200)}\n-----END PRIVATE KEY-----`;
    const m = maskExcerpt(pem, 'SECRET');
    assert.equal(m, '----***');
    const text = maskExcerpt(`line one\nline two ${'x'.repeat(100)}`);
    assert.ok(!text.includes('\n'));
    assert.ok(text.length <= 48);
  });

  it('never returns the value nor contains it, for any value and entity (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }).filter((s) => /[\p{L}\p{N}]/u.test(s)),
        fc.constantFrom<EntityType | undefined>(...ENTITIES, undefined),
        (value, entity) => {
          const masked = maskExcerpt(value, entity);
          const core = value.replace(/\r?\n|\r/g, ' ').trim();
          assert.notEqual(masked, value);
          assert.ok(!masked.includes(core), `${JSON.stringify(masked)} contains ${JSON.stringify(core)}`);
          assert.ok(masked.includes('*'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('digit entities show at most their last four digits (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9][0-9 -]{4,24}[0-9]$/),
        fc.constantFrom<EntityType>(
          ...(['US_SSN', 'CREDIT_CARD', 'PHONE_NUMBER', 'CN_MOBILE', 'CN_RESIDENT_ID'] as const),
          ...(['UK_NHS', 'IN_AADHAAR', 'BR_CPF', 'PL_PESEL', 'KR_RRN'] as const),
          ...(['US_ITIN', 'NL_BSN', 'FR_NIR', 'SE_PERSONNUMMER', 'NO_FODSELSNUMMER', 'DK_CPR'] as const),
          ...(['AU_TFN', 'AU_MEDICARE', 'CH_AHV', 'BE_NATIONAL_NUMBER', 'DE_TAX_ID', 'CA_SIN'] as const),
          ...(['TR_TC_KIMLIK', 'JP_MY_NUMBER', 'ZA_ID', 'IL_ID', 'TH_TNIN'] as const),
        ),
        (value, entity) => {
          const shown = maskExcerpt(value, entity).replace(/\D/g, '');
          assert.ok(shown.length <= 4);
          assert.ok(value.replace(/\D/g, '').endsWith(shown));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
