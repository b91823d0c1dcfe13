import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  headerEvidence,
  mayBeVocabulary,
  normaliseHeader,
  recogniseProtected,
} from '../../../src/core/privacy/headers';

const ADULT = join(__dirname, '../../../../shared/data/adult/adult.csv');

describe('privacy header evidence', () => {
  it('normalises spelling variants', () => {
    assert.equal(normaliseHeader('Email Address'), 'email_address');
    assert.equal(normaliseHeader('e-mail'), 'e_mail');
    assert.equal(normaliseHeader('firstName'), 'first_name');
    assert.equal(normaliseHeader('  native-country '), 'native_country');
    // Without diacritics, combining marks included; other scripts kept.
    assert.equal(normaliseHeader('Teléfono Móvil'), 'telefono_movil');
    assert.equal(normaliseHeader('Straße'), 'strasse');
    assert.equal(normaliseHeader('Âge'.normalize('NFD')), 'age');
    assert.equal(normaliseHeader('身份证号'), '身份证号');
  });

  it('reads Spanish, French, German, Italian, Portuguese and Dutch column names, accents or none', () => {
    const cases: [string, Partial<ReturnType<typeof headerEvidence>>][] = [
      ['correo_electrónico', { entity: 'EMAIL_ADDRESS' }],
      ['Courriel', { entity: 'EMAIL_ADDRESS' }],
      ['teléfono', { entity: 'PHONE_NUMBER' }],
      ['Telefonnummer', { entity: 'PHONE_NUMBER' }],
      ['numero_de_telefono', { entity: 'PHONE_NUMBER' }],
      ['Prénom', { entity: 'PERSON' }],
      ['nom_de_famille', { entity: 'PERSON' }],
      ['apellidos', { entity: 'PERSON' }],
      ['cognome', { entity: 'PERSON' }],
      ['Dirección', { entity: 'LOCATION' }],
      ['Straße', { entity: 'LOCATION' }],
      ['ciudad', { entity: 'LOCATION', quasiIdentifier: 'city' }],
      ['Wohnort', { entity: 'LOCATION', quasiIdentifier: 'city' }],
      ['código_postal', { entity: 'POSTAL_CODE', quasiIdentifier: 'postal-code' }],
      ['CEP', { entity: 'POSTAL_CODE', quasiIdentifier: 'postal-code' }],
      ['fecha_de_nacimiento', { entity: 'DATE_OF_BIRTH', quasiIdentifier: 'birth-date', protected: 'age' }],
      ['date_de_naissance', { entity: 'DATE_OF_BIRTH', quasiIdentifier: 'birth-date', protected: 'age' }],
      ['data_di_nascita', { entity: 'DATE_OF_BIRTH', quasiIdentifier: 'birth-date', protected: 'age' }],
      ['año_de_nacimiento', { quasiIdentifier: 'birth-date', protected: 'age' }],
      ['edad', { quasiIdentifier: 'age', protected: 'age' }],
      ['Âge', { quasiIdentifier: 'age', protected: 'age' }],
      ['leeftijd', { quasiIdentifier: 'age', protected: 'age' }],
      ['sexo', { quasiIdentifier: 'sex', protected: 'sex' }],
      ['género', { quasiIdentifier: 'sex', protected: 'sex' }],
      ['geslacht', { quasiIdentifier: 'sex', protected: 'sex' }],
      ['raza', { quasiIdentifier: 'race', protected: 'race' }],
      ['origine_ethnique', { quasiIdentifier: 'race', protected: 'race' }],
      ['religión', { quasiIdentifier: 'religion', protected: 'religion' }],
      ['discapacidad', { protected: 'disability' }],
      ['Nationalité', { quasiIdentifier: 'native-country', protected: 'nationality' }],
      ['Staatsangehörigkeit', { quasiIdentifier: 'native-country', protected: 'nationality' }],
      ['país_de_nacimiento', { quasiIdentifier: 'native-country', protected: 'nationality' }],
      ['estado_civil', { quasiIdentifier: 'marital-status', protected: 'marital-status' }],
      ['état_civil', { quasiIdentifier: 'marital-status', protected: 'marital-status' }],
      ['ocupación', { quasiIdentifier: 'occupation' }],
      ['Beruf', { quasiIdentifier: 'occupation' }],
      ['nivel_educativo', { quasiIdentifier: 'education' }],
      ['país', { quasiIdentifier: 'region' }],
      ['provincia', { quasiIdentifier: 'region' }],
    ];
    for (const [name, evidence] of cases) assert.deepEqual({ ...headerEvidence(name) }, evidence, name);
    // Words with another common meaning in a table are left out: a film's genre, a capital, an arrival time,
    // the heart-disease data's chest pain type, a status.
    for (const name of ['genre', 'cap', 'cp', 'eta', 'estado', 'land', 'portable'])
      assert.deepEqual({ ...headerEvidence(name) }, {}, name);
  });

  it('maps common column names to entities', () => {
    const cases: [string, string][] = [
      ['e-mail', 'EMAIL_ADDRESS'],
      ['Email Address', 'EMAIL_ADDRESS'],
      ['customer_email', 'EMAIL_ADDRESS'],
      ['dob', 'DATE_OF_BIRTH'],
      ['Date of Birth', 'DATE_OF_BIRTH'],
      ['zip', 'POSTAL_CODE'],
      ['postcode', 'POSTAL_CODE'],
      ['ssn', 'US_SSN'],
      ['phone', 'PHONE_NUMBER'],
      ['Mobile Number', 'PHONE_NUMBER'],
      ['first_name', 'PERSON'],
      ['lastName', 'PERSON'],
      ['name', 'PERSON'],
      ['iban', 'IBAN_CODE'],
      ['credit_card_number', 'CREDIT_CARD'],
      ['ip_address', 'IP_ADDRESS'],
      ['street_address', 'LOCATION'],
      ['api_key', 'SECRET'],
      ['password', 'SECRET'],
    ];
    for (const [name, entity] of cases) assert.equal(headerEvidence(name).entity, entity, name);
  });

  it("maps other countries' identity numbers by their names", () => {
    const cases: [string, string][] = [
      ['DNI', 'ES_NIF'],
      ['nif_cliente', 'ES_NIF'],
      ['documento_de_identidad', 'ES_NIF'],
      ['NIE', 'ES_NIE'],
      ['Codice Fiscale', 'IT_FISCAL_CODE'],
      ['codiceFiscale', 'IT_FISCAL_CODE'],
      ['NINO', 'UK_NINO'],
      ['ni_number', 'UK_NINO'],
      ['National Insurance Number', 'UK_NINO'],
      ['NHS Number', 'UK_NHS'],
      ['patient_nhs_no', 'UK_NHS'],
      ['aadhaar', 'IN_AADHAAR'],
      ['Aadhar No', 'IN_AADHAAR'],
      ['CPF', 'BR_CPF'],
      ['cpf_do_cliente', 'BR_CPF'],
      ['PESEL', 'PL_PESEL'],
      ['henkilötunnus', 'FI_PERSONAL_IDENTITY_CODE'],
      ['hetu', 'FI_PERSONAL_IDENTITY_CODE'],
      ['RRN', 'KR_RRN'],
      ['resident_registration_number', 'KR_RRN'],
      ['ITIN', 'US_ITIN'],
      ['permanent_account_number', 'IN_PAN'],
      ['PAN Card No', 'IN_PAN'],
      ['BSN', 'NL_BSN'],
      ['burgerservicenummer', 'NL_BSN'],
      ['NIR', 'FR_NIR'],
      ['numéro_de_sécurité_sociale', 'FR_NIR'],
      ['personnummer', 'SE_PERSONNUMMER'],
      ['fødselsnummer', 'NO_FODSELSNUMMER'],
      ['fodselsnummer', 'NO_FODSELSNUMMER'],
      ['CPR-nr', 'DK_CPR'],
      ['TFN', 'AU_TFN'],
      ['tax_file_number', 'AU_TFN'],
      ['medicare_number', 'AU_MEDICARE'],
      ['NRIC', 'SG_NRIC_FIN'],
      ['nric_fin', 'SG_NRIC_FIN'],
      ['AHV-Nr', 'CH_AHV'],
      ['CURP', 'MX_CURP'],
      ['rut_cliente', 'CL_RUT'],
      ['Rijksregisternummer', 'BE_NATIONAL_NUMBER'],
      ['Steuer-ID', 'DE_TAX_ID'],
      ['SIN number', 'CA_SIN'],
      ['kimlik numarası', 'TR_TC_KIMLIK'],
      ['マイナンバー', 'JP_MY_NUMBER'],
      ['個人番号', 'JP_MY_NUMBER'],
      ['MyNumber', 'JP_MY_NUMBER'],
      // Hangul syllables and voiced kana, which the key decomposes, composed again for the rules.
      ['주민등록번호', 'KR_RRN'],
      ['SA ID Number', 'ZA_ID'],
      ['south_african_id', 'ZA_ID'],
      ['Teudat Zehut', 'IL_ID'],
      ['תעודת זהות', 'IL_ID'],
      ['מספר ת"ז', 'IL_ID'],
      ['PPSN', 'IE_PPS'],
      ['pps_number', 'IE_PPS'],
      ['thai_id_card_number', 'TH_TNIN'],
      // Thai vowel signs are marks: the name was cut at them.
      ['เลขประจำตัวประชาชน', 'TH_TNIN'],
      ['เลขบัตรประชาชน', 'TH_TNIN'],
      ['Sozialversicherungsnummer', 'DE_SVNR'],
      ['SV-Nummer', 'DE_SVNR'],
      ['RVNR', 'DE_SVNR'],
      ['\u6c0f\u540d', 'PERSON'], // 氏名
      ['\uc131\uba85', 'PERSON'], // 성명
      ['\u05e9\u05dd \u05de\u05dc\u05d0', 'PERSON'], // שם מלא
      ['\u0627\u0644\u0627\u0633\u0645 \u0627\u0644\u0643\u0627\u0645\u0644', 'PERSON'], // الاسم الكامل
      ['\u092a\u0942\u0930\u093e \u0928\u093e\u092e', 'PERSON'], // पूरा नाम
      ['\u0e0a\u0e37\u0e48\u0e2d-\u0e19\u0e32\u0e21\u0e2a\u0e01\u0e38\u0e25', 'PERSON'], // ชื่อ-นามสกุล
      ['passport_no', 'PASSPORT'],
      ['Passport Number', 'PASSPORT'],
      ['Reisepassnummer', 'PASSPORT'],
      ['numéro de passeport', 'PASSPORT'],
      // Russian in Latin letters (nomer_pasporta), Chinese, Japanese and Korean with their `number` glued on.
      ['Номер паспорта', 'PASSPORT'],
      ['护照号码', 'PASSPORT'],
      ['パスポート番号', 'PASSPORT'],
      ['여권번호', 'PASSPORT'],
      ["Driver's License #", 'DRIVER_LICENSE'],
      ['driving_licence_number', 'DRIVER_LICENSE'],
      ['dl_number', 'DRIVER_LICENSE'],
      ['Führerscheinnummer', 'DRIVER_LICENSE'],
      ['permis de conduire', 'DRIVER_LICENSE'],
      ['Водительское удостоверение', 'DRIVER_LICENSE'],
      ['運転免許証番号', 'DRIVER_LICENSE'],
      // A bank's account: `bank_account` and `account_number` are the IBAN's (whose hint a number of digits takes).
      ['checking_account_no', 'US_BANK_NUMBER'],
      ['Savings Account Number', 'US_BANK_NUMBER'],
      ['bank_acct', 'US_BANK_NUMBER'],
      ['bank_account', 'IBAN_CODE'],
      ['routing_number', 'ABA_ROUTING_NUMBER'],
      ['ABA Routing Number', 'ABA_ROUTING_NUMBER'],
      ['bank_routing', 'ABA_ROUTING_NUMBER'],
      ['ABN', 'AU_ABN'],
      ['supplier_abn', 'AU_ABN'],
      ['Australian Business Number', 'AU_ABN'],
      ['voter_id', 'IN_VOTER'],
      ['EPIC No', 'IN_VOTER'],
      ['Voter ID Card Number', 'IN_VOTER'],
      ['DEA Number', 'MEDICAL_LICENSE'],
      ['dea_registration_no', 'MEDICAL_LICENSE'],
      ['dea', 'MEDICAL_LICENSE'],
      ['MRN', 'MEDICAL_RECORD_NUMBER'],
      ['patient_mrn', 'MEDICAL_RECORD_NUMBER'],
      ['Medical Record Number', 'MEDICAL_RECORD_NUMBER'],
      ['npi', 'US_NPI'],
      ['prescriber_npi', 'US_NPI'],
      ['National Provider Identifier', 'US_NPI'],
      ['VIN', 'VIN'],
      ['vehicle_identification_number', 'VIN'],
      ['chassis_no', 'VIN'],
      ['MBI', 'US_MBI'],
      ['medicare_beneficiary_id', 'US_MBI'],
      ['imei', 'IMEI'],
      ['IMEI Number', 'IMEI'],
      ['imei_2', 'IMEI'],
      ['mac_address', 'MAC_ADDRESS'],
      ['BSSID', 'MAC_ADDRESS'],
      ['device_mac', 'MAC_ADDRESS'],
      ['pickup_latitude', 'GEO_COORDINATE'],
      ['start_lng', 'GEO_COORDINATE'],
      ['lat_long', 'GEO_COORDINATE'],
      ['geolocation', 'GEO_COORDINATE'],
      ['pickup_geohash', 'GEO_COORDINATE'],
      ['geom', 'GEO_COORDINATE'],
      ['the_geom', 'GEO_COORDINATE'],
      ['WKT', 'GEO_COORDINATE'],
      ['geojson', 'GEO_COORDINATE'],
      ['POLYLINE', 'GEO_COORDINATE'],
      ['Location', 'GEO_COORDINATE'],
      ['pickup_location', 'GEO_COORDINATE'],
      ['trajectory', 'GEO_COORDINATE'],
      ['gps_trace', 'GEO_COORDINATE'],
      ['license_plate', 'LICENSE_PLATE'],
      ['Plate Number', 'LICENSE_PLATE'],
      ['Kennzeichen', 'LICENSE_PLATE'],
      ['vehicle_registration_number', 'LICENSE_PLATE'],
    ];
    for (const [name, entity] of cases) assert.equal(headerEvidence(name).entity, entity, name);
    // A health trust or region is no number; a child (Spanish `niño`) is no National Insurance number.
    for (const name of ['nhs_trust', 'nhs_region', 'nombre_niño', 'edad_nino'])
      assert.notEqual(headerEvidence(name).entity?.startsWith('UK_'), true, name);
    // A bare `pan` in payment data is a card's primary account number; `fin` alone is no FIN.
    assert.equal(headerEvidence('pan').entity, 'CREDIT_CARD');
    assert.equal(headerEvidence('fin').entity, undefined);
    // An experiment's `run`, a feature's `sin` (the sine) are no Chilean RUN, no Canadian SIN.
    for (const name of ['run', 'run_id', 'sin', 'sin_theta'])
      assert.equal(headerEvidence(name).entity, undefined, name);
    // A bare `pps` may be points or parts per second; an `id_number` is a record's.
    for (const name of ['pps', 'pps_score', 'id_number', 'sa_region'])
      assert.equal(headerEvidence(name).entity, undefined, name);
    // Words that hold a DEA's, an MRN's, an NPI's, a VIN's, a MAC's, a coordinate's or a plate's name: none.
    // A bare `long` is a position held, bare `coordinates` an image's, `matricula` a student's enrolment.
    for (const name of [
      'deadline',
      'idea',
      'account_type',
      'bank_name',
      'mrna_level',
      'vintage',
      'vine',
      'snpi',
      'machine',
      'mac_os_version',
      'long',
      'long_position',
      'latency',
      'plateau',
      'coordinates',
      'bbox_coords',
      'plate',
      'template',
      'matricula',
    ])
      assert.equal(headerEvidence(name).entity, undefined, name);
    // A network's or a parcel's `routing`, a return's `rtn`, a finding's `abnormal`, an `epicentre`, a `voter_turnout`.
    // A bus line's `route`, a file's `path`; words that hold `location`.
    for (const name of ['route', 'route_id', 'path', 'file_path', 'relocation', 'allocation'])
      assert.equal(headerEvidence(name).entity, undefined, name);
    for (const name of ['routing', 'route_number', 'rtn', 'abnormal', 'epicentre', 'voter_turnout', 'voters'])
      assert.equal(headerEvidence(name).entity, undefined, name);
    // A passport's country or expiry, a licence's class or state, a bare `dl` (downloads) or `license`.
    for (const name of [
      'passport_country',
      'passport_expiry',
      'license',
      'license_number',
      'dl',
      'licence_class',
    ])
      assert.equal(headerEvidence(name).entity, undefined, name);
    assert.equal(headerEvidence('drivers_license_state').entity, undefined);
    // The word for a name alone, in scripts without capitals, is as weak as `name`.
    for (const name of [
      '\u540d\u524d',
      '\uc774\ub984',
      '\u05e9\u05dd',
      '\u0627\u0644\u0627\u0633\u0645',
      '\u0928\u093e\u092e',
      '\u0e0a\u0e37\u0e48\u0e2d',
    ])
      assert.deepEqual(headerEvidence(name), { entity: 'PERSON', weak: true }, name);
  });

  it('reads Russian, Ukrainian and Greek column names in Latin letters', () => {
    // ФИО, Фамилия, ПІБ, Дата рождения, Телефон, Ονοματεπώνυμο, Τηλέφωνο.
    for (const [name, entity] of [
      ['\u0424\u0418\u041e', 'PERSON'],
      ['\u0424\u0430\u043c\u0438\u043b\u0438\u044f', 'PERSON'],
      ['\u041f\u0406\u0411', 'PERSON'],
      ['\u0414\u0430\u0442\u0430 \u0440\u043e\u0436\u0434\u0435\u043d\u0438\u044f', 'DATE_OF_BIRTH'],
      ['\u0422\u0435\u043b\u0435\u0444\u043e\u043d', 'PHONE_NUMBER'],
      ['\u039f\u03bd\u03bf\u03bc\u03b1\u03c4\u03b5\u03c0\u03ce\u03bd\u03c5\u03bc\u03bf', 'PERSON'],
      ['\u03a4\u03b7\u03bb\u03ad\u03c6\u03c9\u03bd\u03bf', 'PHONE_NUMBER'],
    ] as const)
      assert.equal(headerEvidence(name).entity, entity, name);
  });

  it('does not read names of things as personal names', () => {
    for (const name of ['product_name', 'file_name', 'hostname', 'amount', 'fnlwgt', 'income']) {
      assert.equal(headerEvidence(name).entity, undefined, name);
    }
  });

  it('recognises quasi-identifiers and protected attributes by name', () => {
    assert.deepEqual(headerEvidence('sex'), { quasiIdentifier: 'sex', protected: 'sex' });
    assert.deepEqual(headerEvidence('Gender'), { quasiIdentifier: 'sex', protected: 'sex' });
    assert.equal(headerEvidence('ethnicity').protected, 'race');
    assert.equal(headerEvidence('religion').protected, 'religion');
    assert.equal(headerEvidence('disability_status').protected, 'disability');
    assert.equal(headerEvidence('nationality').protected, 'nationality');
    assert.equal(headerEvidence('occupation').quasiIdentifier, 'occupation');
    assert.equal(headerEvidence('city').quasiIdentifier, 'city');
    assert.equal(headerEvidence('zip').quasiIdentifier, 'postal-code');
  });

  describe('recogniseProtected', () => {
    it('recognises values in Spanish, French, German, Italian, Portuguese and Dutch, accents or none', () => {
      const cases: [string[], string][] = [
        [['Hombre', 'Mujer', 'Mujer', 'Hombre'], 'sex'],
        [['männlich', 'weiblich', 'divers', 'weiblich'], 'sex'],
        [['Homme', 'Femme', 'Autre'], 'sex'],
        [['Branca', 'Preta', 'Parda', 'Amarela', 'Indígena'], 'race'],
        [['Blanco', 'Mestizo', 'Indígena', 'Afrodescendiente'], 'race'],
        [['Católico', 'Evangélico', 'Sem religião', 'Espírita'], 'religion'],
        [['katholisch', 'evangelisch', 'konfessionslos', 'muslimisch'], 'religion'],
        [['Casado', 'Soltero', 'Divorciado', 'Viudo', 'Unión libre'], 'marital-status'],
        [['Marié', 'Célibataire', 'Divorcée', 'Veuve', 'Pacsé'], 'marital-status'],
        [['verheiratet', 'ledig', 'geschieden', 'verwitwet'], 'marital-status'],
      ];
      for (const [values, kind] of cases)
        assert.equal(recogniseProtected('c', values).protected, kind, values.join());
      // Colours are no race: two of five values in the vocabulary.
      assert.equal(recogniseProtected('c', ['Blanco', 'Negro', 'Rojo', 'Azul', 'Verde']).protected, null);
    });

    it('recognises from values when the name says nothing', () => {
      assert.equal(recogniseProtected('col1', ['Male', 'Female']).protected, 'sex');
      assert.equal(recogniseProtected('c', ['White', 'Black', 'Asian', 'Hispanic']).protected, 'race');
      assert.equal(
        recogniseProtected('c', ['Christian', 'Muslim', 'Jewish', 'Hindu', 'None']).protected,
        'religion',
      );
      assert.equal(
        recogniseProtected('c', ['Married', 'Single', 'Divorced', 'Widowed']).protected,
        'marital-status',
      );
      assert.equal(
        recogniseProtected('c', ['Germany', 'France', 'Mexico', 'India']).protected,
        'nationality',
      );
      assert.equal(recogniseProtected('c', ['Male', 'Female']).evidence, 'values');
    });
    it('takes no value longer than 256 characters for a vocabulary word, and reads the rest as before', () => {
      assert.equal(mayBeVocabulary(' Married-civ-spouse '), true);
      assert.equal(mayBeVocabulary(`Male${' '.repeat(200)}`), true);
      assert.equal(mayBeVocabulary(`Male${' '.repeat(300)}`), false);
      const doc = 'male '.repeat(200_000);
      assert.equal(mayBeVocabulary(doc), false);
      assert.equal(recogniseProtected('c', ['Male', 'Female', 'Male', doc, 'Female']).protected, 'sex');
      assert.equal(recogniseProtected('c', ['Germany', 'France', doc, 'India']).protected, 'nationality');
    });
    it('needs 80% of the values in the vocabulary (70% for countries), wherever the others stand', () => {
      const sex = ['Male', 'Female', 'male', 'female'];
      for (const others of [['x'], ['x', 'y']]) {
        const share = sex.length / (sex.length + others.length);
        for (const values of [
          [...others, ...sex],
          [...sex, ...others],
          [sex[0]!, ...others, ...sex.slice(1)],
        ]) {
          assert.equal(recogniseProtected('c', values).protected, share >= 0.8 ? 'sex' : null, values.join());
        }
      }
      const countries = ['Germany', 'France', 'Mexico', 'India', 'Peru', 'Chile', 'Japan'];
      const u = ['u1', 'u2', 'u3', 'u4'];
      // 7 of 10 and 7 of 11, the outsiders first.
      assert.equal(recogniseProtected('c', [...u.slice(0, 3), ...countries]).protected, 'nationality');
      assert.equal(recogniseProtected('c', [...u, ...countries]).protected, null);
      // Spelled as in Adult: 'United-States' is a country once normalised (3 of 4, then 2 of 4).
      assert.equal(
        recogniseProtected('c', ['x', 'United-States', 'Mexico', 'Peru']).protected,
        'nationality',
      );
      assert.equal(recogniseProtected('c', ['x', 'United-States', 'y', 'Peru']).protected, null);
      // Written with their accents, as in Spanish: the same countries.
      assert.equal(
        recogniseProtected('c', ['México', 'Perú', 'Panamá', 'Canadá', 'Colombia']).protected,
        'nationality',
      );
    });
    it('needs two distinct core values: one word proves nothing', () => {
      assert.equal(recogniseProtected('c', ['Other']).protected, null);
      assert.equal(recogniseProtected('c', ['M', 'F']).protected, null);
      assert.equal(recogniseProtected('c', ['red', 'green', 'blue']).protected, null);
    });
    it('takes age from a numeric column named age only', () => {
      assert.deepEqual(recogniseProtected('age', ['39', '50', '38']), {
        protected: 'age',
        quasiIdentifier: 'age',
        evidence: 'header+values',
      });
      assert.deepEqual(recogniseProtected('Age', ['30-39', '40-49']).protected, 'age');
      assert.deepEqual(recogniseProtected('age', ['new', 'old']), {
        protected: null,
        quasiIdentifier: null,
        evidence: null,
      });
    });
    it('a country-of-residence column is a quasi-identifier, not nationality', () => {
      assert.deepEqual(recogniseProtected('country', ['Germany', 'France', 'Mexico']), {
        protected: null,
        quasiIdentifier: 'region',
        evidence: 'header',
      });
    });
  });

  it("recognises Adult's sex, race, age, native-country, marital-status and relationship from the real file", () => {
    const lines = readFileSync(ADULT, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const distinct = header.map(() => new Set<string>());
    for (const line of lines.slice(1, 5001))
      line.split(',').forEach((v, i) => v !== '?' && distinct[i]!.add(v.trim()));
    const got = new Map(header.map((name, i) => [name, recogniseProtected(name, [...distinct[i]!])]));
    const expected: Record<string, string> = {
      sex: 'sex',
      race: 'race',
      age: 'age',
      'native-country': 'nationality',
      'marital-status': 'marital-status',
      relationship: 'relationship',
    };
    for (const [name, kind] of Object.entries(expected)) {
      assert.equal(got.get(name)?.protected, kind, name);
      assert.ok(got.get(name)?.quasiIdentifier, `${name} is a quasi-identifier`);
    }
    // Values alone agree with the header for the categorical ones.
    for (const name of ['sex', 'race', 'marital-status', 'relationship', 'native-country']) {
      assert.equal(got.get(name)?.evidence, 'header+values', name);
      const i = header.indexOf(name);
      assert.equal(
        recogniseProtected(`column_${i}`, [...distinct[i]!]).protected,
        expected[name],
        `${name} by values`,
      );
    }
    for (const name of ['fnlwgt', 'capital-gain', 'hours-per-week', 'income', 'workclass']) {
      assert.equal(got.get(name)?.protected, null, name);
    }
  });
});
