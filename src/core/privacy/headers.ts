/**
 * Evidence from column names (and, for protected attributes, from values): a header such as `email`, `dob`,
 * `zip` or `ssn` announces what a column holds, raises the confidence of what the values say, and lets weak
 * value forms count (a bare 5-digit number is a postal code only in a `zip` column).
 */
import type { EntityType } from '../findings';
import type { ProtectedKind } from '../report/auditReport';
import { lexicon, lexiconKey } from './lexicon';

/** What a column name says. */
export interface HeaderEvidence {
  /** Personal-data entity the name announces. */
  entity?: EntityType;
  /** Quasi-identifier kind (`age`, `birth-date`, `postal-code`, `sex`, ...), if the name is one. */
  quasiIdentifier?: string;
  /** Protected attribute the name announces. */
  protected?: ProtectedKind;
  /**
   * True when the name is suggestive but ambiguous (a bare `name` may hold products or files): values then
   * need the lexicon's support, capitalisation alone does not count.
   */
  weak?: boolean;
}

/**
 * Normalises a header for matching: camelCase split, lower case, every run of non-alphanumerics to one `_`,
 * trimmed. `Email Address` -> `email_address`, `e-mail` -> `e_mail`, `firstName` -> `first_name`,
 * `native-country` -> `native_country`.
 */
export function normaliseHeader(name: string): string {
  // Without diacritics, so that one word stands for its spellings: `teléfono` and `telefono`, `âge` and `age`.
  // Composed again after: the key's decomposition left Hangul syllables as their letters (주민등록번호 was 16
  // characters, matched by no rule) and a kana's voicing mark apart (マイナンバー became マイナンハ_ー).
  return (
    lexiconKey(name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase())
      .normalize('NFC')
      // Marks stay: a Thai or Devanagari word's vowel signs are of the word (Latin accents went above).
      .replace(/[^\p{L}\p{M}\p{N}]+/gu, '_')
      .replace(/^_+|_+$/g, '')
  );
}

interface Rule {
  /** Matched against the normalised name, whole. */
  pattern: RegExp;
  evidence: HeaderEvidence;
}

/*
 * Patterns match the whole normalised name, optionally with a qualifier before or after (`customer_email`,
 * `email_1`, `home_phone`). Order matters: the first rule that matches wins. Besides English, the words of
 * Spanish, French, German, Italian, Portuguese and Dutch tables, without their diacritics (see
 * {@link normaliseHeader}), and a few of Russian, Ukrainian and Greek ones in Latin letters, as the key writes
 * them (`ФИО` is `fio`, `Дата рождения` `data_rozhdeniya`, `τηλέφωνο` `tilefono`); left out where the word
 * has another common meaning in a table: `genre` (also a film's), `cap` and `cp` (Italian and Spanish postal
 * codes, also a capital and the heart-disease data's chest pain), `eta` (Italian age, also an arrival time),
 * `estado` (a region in Spanish, also a status), `portable` and `land`.
 */
const Q = '(?:[a-z0-9]+_){0,2}'; // up to two qualifiers before
const S = '(?:_[a-z0-9]+){0,2}'; // up to two qualifiers after
const whole = (core: string): RegExp => new RegExp(`^${Q}(?:${core})${S}$`);
/** What may follow a document's name in its number's header: `_no`, `number`, `nummer`, 番号, 号码, 번호. */
const DOC_NUMBER =
  '(?:_?(?:no|nr|num|number|nummer|numero|id|\u756a\u53f7|\u53f7\u7801|\u53f7|\ubc88\ud638))?(?:_\\d+)?';

const RULES: Rule[] = [
  {
    pattern: /^(?:name|names|display_?name|nick_?name|user_?name|username)(?:_\d+)?$/,
    evidence: { entity: 'PERSON', weak: true },
  },
  // Secrets before names, so that `api_key_name` stays a secret and `password` is not PERSON.
  {
    pattern: whole(
      'password|passwd|pwd|passphrase|secret|api_?key|apikey|access_?key|secret_?key|private_?key|auth_?token|access_?token|refresh_?token|bearer|token|credentials?',
    ),
    evidence: { entity: 'SECRET' },
  },
  {
    pattern: whole(
      'e_?mail|email_?address|mail_?address|e_?mail_?address|mail|correo|correo_electronico|courriel|posta_elettronica|correio_eletronico',
    ),
    evidence: { entity: 'EMAIL_ADDRESS' },
  },
  { pattern: whole('(?:rsa|sa|south_african)_id(?:_?(?:number|no|nr))?'), evidence: { entity: 'ZA_ID' } },
  // Hebrew: \u05ea\u05e2\u05d5\u05d3\u05ea \u05d6\u05d4\u05d5\u05ea (teudat zehut), \u05ea.\u05d6 for short, after \u05de\u05e1\u05e4\u05e8 (number).
  {
    pattern: whole(
      'teudat_?zehut|zehut|israeli_id(?:_?(?:number|no))?|\u05ea\u05e2\u05d5\u05d3\u05ea_\u05d6\u05d4\u05d5\u05ea|(?:\u05de\u05e1\u05e4\u05e8_)?\u05ea_\u05d6',
    ),
    evidence: { entity: 'IL_ID' },
  },
  {
    pattern: whole('ppsn|pps_?(?:number|no|num)|personal_public_service(?:_?(?:number|no))?'),
    evidence: { entity: 'IE_PPS' },
  },
  // Before the card's `card_number`, which `thai_id_card_number` would match. Thai: the citizen's identification
  // number, and the citizen's card's (with or without \u0e40\u0e25\u0e02, number).
  {
    pattern: whole(
      'thai_id(?:_?(?:card|number|no))*|tnin|\u0e40\u0e25\u0e02\u0e1b\u0e23\u0e30\u0e08\u0e33\u0e15\u0e31\u0e27\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19|(?:\u0e40\u0e25\u0e02)?\u0e1a\u0e31\u0e15\u0e23\u0e1b\u0e23\u0e30\u0e0a\u0e32\u0e0a\u0e19',
    ),
    evidence: { entity: 'TH_TNIN' },
  },
  // The Swiss AHV number's German name too: its detector takes this hint as well.
  {
    pattern: whole('(?:sozial|renten)versicherungs_?(?:nummer|nr)|sv_?(?:nummer|nr)|svnr|rvnr|vsnr'),
    evidence: { entity: 'DE_SVNR' },
  },
  // Accounts of a kind only banks keep; `bank_account` and `account_number` are the IBAN's rule's below, whose hint
  // the bank account number's detector takes as well (an IBAN or a domestic number of digits).
  {
    pattern: whole(
      '(?:checking|chequing|savings|deposit)_?(?:account|acct)(?:_?(?:number|no|num|nr))?|bank_?acct(?:_?(?:number|no|num|nr))?',
    ),
    evidence: { entity: 'US_BANK_NUMBER' },
  },
  // Not a bare `routing` (a network's, a parcel's) nor `rtn` (a return).
  {
    pattern: whole(
      'aba(?:_?routing)?(?:_?(?:number|no|num|nr))?|(?:bank_?)?routing_?(?:(?:and_?)?transit_?)?(?:number|no|num|nr)|bank_?routing|rtn_?(?:number|no)',
    ),
    evidence: { entity: 'ABA_ROUTING_NUMBER' },
  },
  {
    pattern: whole('abn|abn_?(?:number|no|num)|australian_business_number'),
    evidence: { entity: 'AU_ABN' },
  },
  {
    pattern: whole(
      'epic(?:_?(?:number|no|num))?|voter_?id(?:_?card)?(?:_?(?:number|no|num))?|voter_?card(?:_?(?:number|no|num))?|electors?_photo_id(?:entity)?_card(?:_?(?:number|no))?',
    ),
    evidence: { entity: 'IN_VOTER' },
  },
  {
    pattern: whole('dea(?:_?(?:registration|reg))?(?:_?(?:number|no|num|nr|id))?'),
    evidence: { entity: 'MEDICAL_LICENSE' },
  },
  {
    pattern: whole('mrn|medical_?record(?:_?(?:number|no|num|nr|id))?|patient_?mrn|hospital_?number'),
    evidence: { entity: 'MEDICAL_RECORD_NUMBER' },
  },
  {
    pattern: whole('npi|npi_?(?:number|no|num|id)|national_provider_id(?:entifier)?'),
    evidence: { entity: 'US_NPI' },
  },
  {
    pattern: whole(
      'vin|vin_?(?:number|no|num|code)|vehicle_?identification_?(?:number|no|num)?|chassis_?(?:number|no|num)',
    ),
    evidence: { entity: 'VIN' },
  },
  // Not a bare `plate` (a dish's, a tectonic one).
  {
    pattern: whole(
      'licen[cs]e_?plate(?:_?(?:number|no|num))?|plate_?(?:number|no|num)|number_?plate|registration_?plate|reg_?plate|vehicle_?(?:registration|plate)(?:_?(?:number|no|num))?|kennzeichen|nummernschild|plaque_?d_?immatriculation|targa|kenteken',
    ),
    evidence: { entity: 'LICENSE_PLATE' },
  },
  {
    pattern: whole('mbi|medicare_beneficiary_(?:id|identifier|number)'),
    evidence: { entity: 'US_MBI' },
  },
  { pattern: whole('imei(?:_?sv)?(?:_?(?:number|no|num))?(?:_?\\d)?'), evidence: { entity: 'IMEI' } },
  // No qualifier after it: `mac_os_version` is a computer's system.
  {
    pattern: new RegExp(
      `^${Q}(?:mac(?:_?(?:address|addr))?|bssid|hw_?addr(?:ess)?|hardware_address|ether_?addr(?:ess)?)(?:_\\d+)?$`,
    ),
    evidence: { entity: 'MAC_ADDRESS' },
  },
  // Passports and driving licences: the number only (`passport_expiry`, `passport_country` and `licence_class` are
  // not), with the words before it in Russian (`nomer_pasporta`), or glued after it in Chinese, Japanese, Korean.
  {
    pattern: new RegExp(
      `^${Q}(?:passport|reisepass|passeport|pasaporte|pasaport|passaport[eo]|paszport|paspoort|pasport[a-z]*|\u62a4\u7167|\u8b77\u7167|\u30d1\u30b9\u30dd\u30fc\u30c8|\u65c5\u5238|\uc5ec\uad8c)${DOC_NUMBER}$`,
    ),
    evidence: { entity: 'PASSPORT' },
  },
  {
    pattern: new RegExp(
      `^${Q}(?:drivers?_?(?:s_)?licen[cs]e|driving_?licen[cs]e|dl_?(?:no|nr|num|number|id)|f(?:ue|u)hrerschein|permis_de_conduire|licencia_de_(?:conducir|manejo)|carne_de_conducir|patente_di_guida|rijbewijs|prawo_jazdy|cnh|voditelsk(?:oe|ogo)_udostovereni[ey]a?|voditelskie_prava|\u9a7e\u9a76\u8bc1|\u9a7e\u7167|\u904b\u8ee2\u514d\u8a31\u8a3c?|\uc6b4\uc804\uba74\ud5c8\uc99d?)${DOC_NUMBER}$`,
    ),
    evidence: { entity: 'DRIVER_LICENSE' },
  },
  {
    pattern: whole('ssn|social_security(?:_number|_no)?|ss_?num(?:ber)?'),
    evidence: { entity: 'US_SSN' },
  },
  // Not a bare `pan`: in payment data that is a card's primary account number (CREDIT_CARD, below). Before
  // that rule and the IBAN's, which `pan_card_no` and `permanent_account_number` would match.
  {
    pattern: whole('permanent_account_number|pan_card(?:_?(?:number|no))?|pan_?(?:number|no)_india'),
    evidence: { entity: 'IN_PAN' },
  },
  {
    pattern: whole('credit_?card(?:_number|_no)?|card_?number|card_?no|cc_?(?:number|num|no)|ccn|pan'),
    evidence: { entity: 'CREDIT_CARD' },
  },
  { pattern: whole('iban|bank_?account(?:_number)?|account_?number'), evidence: { entity: 'IBAN_CODE' } },
  {
    pattern: whole('ip|ip_?addr(?:ess)?|ipv4|ipv6|client_?ip|remote_?addr|source_?ip|src_?ip|dst_?ip'),
    evidence: { entity: 'IP_ADDRESS' },
  },
  { pattern: whole('url|uri|website|homepage|web_?page|link|profile_?url'), evidence: { entity: 'URL' } },
  {
    pattern: whole(
      'wallet(?:_address)?|btc(?:_address)?|eth(?:_address)?|bitcoin(?:_address)?|crypto(?:_address)?',
    ),
    evidence: { entity: 'CRYPTO' },
  },
  {
    pattern: whole('id_?card|resident_?id|shenfenzheng|sfz|身份证号?|身份证号码'),
    evidence: { entity: 'CN_RESIDENT_ID' },
  },
  // Other countries' national ids; `nif` is also Portugal's tax number, whose values then match nothing.
  {
    pattern: whole('dni|nif|numero_dni|documento_(?:nacional_)?(?:de_)?identidad'),
    evidence: { entity: 'ES_NIF' },
  },
  { pattern: whole('nie|numero_nie'), evidence: { entity: 'ES_NIE' } },
  {
    pattern: whole('codice_?fiscale|cod_?fiscale|cod_?fisc|fiscal_?code'),
    evidence: { entity: 'IT_FISCAL_CODE' },
  },
  {
    // `nino` alone: with a qualifier it is as often Spanish `niño` (`nombre_nino`, a child's name).
    pattern: new RegExp(
      `^nino(?:_\\d+)?$|^${Q}(?:ni_?number|ni_no|national_?insurance(?:_number|_no|_num)?|nat_ins_no)${S}$`,
    ),
    evidence: { entity: 'UK_NINO' },
  },
  // Nothing after `nhs` but its number: `nhs_trust` and `nhs_region` are organisations.
  { pattern: new RegExp(`^${Q}nhs(?:_?number|_?no|_?num)?(?:_\\d+)?$`), evidence: { entity: 'UK_NHS' } },
  { pattern: whole('aadhaa?r|aadhaa?r_?(?:number|no|num)|uidai'), evidence: { entity: 'IN_AADHAAR' } },
  { pattern: whole('cpf|numero_cpf|cpf_?(?:number|no|num)'), evidence: { entity: 'BR_CPF' } },
  { pattern: whole('pesel|numer_pesel'), evidence: { entity: 'PL_PESEL' } },
  {
    pattern: whole('hetu|henkilotunnus|sotu|personal_identity_code'),
    evidence: { entity: 'FI_PERSONAL_IDENTITY_CODE' },
  },
  {
    pattern: whole('rrn|resident_registration(?:_number|_no)?|jumin(?:_?number)?|주민등록번호'),
    evidence: { entity: 'KR_RRN' },
  },
  {
    pattern: whole('itin|itin_?(?:number|no)|individual_taxpayer_(?:identification_)?(?:number|no)'),
    evidence: { entity: 'US_ITIN' },
  },
  {
    pattern: whole('bsn|bsn_?(?:nummer|number|no)|burgerservicenummer|sofi_?nummer'),
    evidence: { entity: 'NL_BSN' },
  },
  {
    pattern: whole('nir|numero_(?:de_)?securite_sociale|num(?:ero)?_secu|no_secu|n_secu|securite_sociale'),
    evidence: { entity: 'FR_NIR' },
  },
  // `personnummer` is Swedish, Danish and Norwegian: its hint lets the Danish and Norwegian numbers count too
  // (see the detectors' `hints`).
  {
    pattern: whole('personnummer|personnr|person_nr|samordningsnummer'),
    evidence: { entity: 'SE_PERSONNUMMER' },
  },
  {
    pattern: whole('f(?:\u00f8|o|oe)dselsnummer|fnr|f_nr|d_nummer'),
    evidence: { entity: 'NO_FODSELSNUMMER' },
  },
  { pattern: whole('cpr|cpr_?(?:nr|nummer|number|no)'), evidence: { entity: 'DK_CPR' } },
  { pattern: whole('tfn|tax_file_(?:number|no)'), evidence: { entity: 'AU_TFN' } },
  {
    pattern: whole('medicare(?:_card)?(?:_?(?:number|no|num))?'),
    evidence: { entity: 'AU_MEDICARE' },
  },
  { pattern: whole('nric|nric_?(?:fin|number|no)|fin_?(?:number|no)'), evidence: { entity: 'SG_NRIC_FIN' } },
  {
    pattern: whole('ahv|avs|ahv_?(?:nr|nummer|number|no)|avs_?(?:no|numero)|ahv_avs|avs_ahv'),
    evidence: { entity: 'CH_AHV' },
  },
  { pattern: whole('curp'), evidence: { entity: 'MX_CURP' } },
  // Not `run`: in a table of experiments it is the run.
  { pattern: whole('rut|rut_?(?:number|no|numero)'), evidence: { entity: 'CL_RUT' } },
  {
    pattern: whole('rijksregister_?nummer|rijksregister|registre_national|numero_national|insz|niss'),
    evidence: { entity: 'BE_NATIONAL_NUMBER' },
  },
  {
    pattern: whole('steuer_?id|steuer_?identifikationsnummer|steuerliche_identifikationsnummer|idnr'),
    evidence: { entity: 'DE_TAX_ID' },
  },
  // Not a bare `sin`: a feature table's sine.
  {
    pattern: whole('sin_?(?:number|no|num)|social_insurance_(?:number|no)|numero_d?_?assurance_sociale'),
    evidence: { entity: 'CA_SIN' },
  },
  {
    pattern: whole('tckn|tc_?kimlik(?:_?no)?|kimlik_?(?:no|numarasi)|tc_no'),
    evidence: { entity: 'TR_TC_KIMLIK' },
  },
  {
    pattern: whole(
      'my_?number|individual_number|kojin_?bango|\u500b\u4eba\u756a\u53f7|\u30de\u30a4\u30ca\u30f3\u30d0\u30fc',
    ),
    evidence: { entity: 'JP_MY_NUMBER' },
  },
  {
    pattern: whole(
      'phone|telephone|tel|mobile|cell|cellphone|phone_?number|phone_?no|mobile_?number|contact_?number|fax|msisdn|telefono|telefon|telefonnummer|telefoon|movil|celular|cellulare|handy|telemovel|tilefono|手机号?|电话',
    ),
    evidence: { entity: 'PHONE_NUMBER' },
  },
  {
    pattern: whole(
      'dob|d_o_b|birth_?date|date_?of_?birth|birthdate|birthday|born(?:_on)?|geburtsdatum|geburtstag|fecha_(?:de_)?nacimiento|date_(?:de_)?naissance|data_(?:di|de)_nascita|data_(?:de_)?nascimento|geboortedatum|data_rozhdeniya|data_narodzhennya|imerominia_gennisis',
    ),
    evidence: { entity: 'DATE_OF_BIRTH', quasiIdentifier: 'birth-date', protected: 'age' },
  },
  {
    pattern: whole(
      'zip|zip_?code|zipcode|postal_?code|postcode|post_?code|plz|postleitzahl|code_postal|codigo_postal|cod_postal|codice_postale|cep',
    ),
    evidence: { entity: 'POSTAL_CODE', quasiIdentifier: 'postal-code' },
  },
  {
    pattern: whole(
      'street|street_?address|address|addr|address_?line_?\\d?|home_?address|mailing_?address|residence|direccion|domicilio|calle|adresse|anschrift|strasse|indirizzo|endereco|morada|adres|straat',
    ),
    evidence: { entity: 'LOCATION' },
  },
  // Coordinates: `pickup_latitude`, `start_lng`, `lat_long`, `geolocation`, a `location` (a pair, as Chicago's crime
  // data write it, or a GeoJSON point; a place's name under it is no coordinate), a geohash, a geometry column of WKT or
  // GeoJSON (whose values are a point only where they say so: a region's polygon is none), a trip's `polyline` or
  // `trajectory`; not a bare `long` (a position held), bare `coordinates` (an image's, a bounding box's, as often
  // in data for models), nor a bare `route` or `path` (a bus line's, a file's).
  {
    pattern: whole(
      'lat|latitude|lon|lng|longitude|lat_?lo?ng|lat_?lon|latlng|latlon|gps(?:_?coord(?:inate)?s)?|geo_?(?:point|coord(?:inate)?s?|location)|geolocation|location|geo_?hash(?:_?\\d+)?|geom|geometry|the_geom|wkb_geometry|wkt|geo_?json|polyline|trajector(?:y|ies)|gps_?(?:trace|track|points|path)|(?:trip|route)_?(?:polyline|trace|track|points)|track_?points',
    ),
    evidence: { entity: 'GEO_COORDINATE' },
  },
  {
    pattern: whole(
      'city|town|municipality|place_?of_?residence|hometown|ciudad|localidad|municipio|ville|commune|stadt|wohnort|gemeinde|citta|comune|cidade|woonplaats',
    ),
    evidence: { entity: 'LOCATION', quasiIdentifier: 'city' },
  },
  {
    pattern:
      /^(?:(?:first|last|full|given|family|middle|sur|maiden|nick|display|user|customer|client|patient|employee|person|contact|member|student|applicant|owner|account_holder|holder|cardholder)_?name|name|surname|forename|firstname|lastname|fullname|vorname|nachname|familienname|nombres?|nombre_completo|apellidos?|prenom|nom|nom_complet|nom_de_famille|nome|nome_completo|cognome|sobrenome|voornaam|achternaam|\u59d3\u540d|fio|familiya|imya|otchestvo|pib|prizvyshche|onoma|eponymo|onomateponymo)(?:_\d+)?$/,
    evidence: { entity: 'PERSON' },
  },
  // Names in scripts without capitals (Chinese, Japanese, Korean, Arabic, Hebrew, Hindi, Thai): the word for a
  // name alone is as weak as `name`; a full, given or family name is not.
  {
    pattern:
      /^(?:\u540d\u5b57|\u540d\u524d|\uc774\ub984|\u0627\u0644\u0627\u0633\u0645|\u0627\u0633\u0645|\u05e9\u05dd|\u0928\u093e\u092e|\u0e0a\u0e37\u0e48\u0e2d)(?:_\d+)?$/,
    evidence: { entity: 'PERSON', weak: true },
  },
  {
    pattern:
      /^(?:\u6c0f\u540d|\uc131\uba85|\uc131\ud568|\u59d3|\u540d|\u0627\u0644\u0627\u0633\u0645_\u0627\u0644\u0643\u0627\u0645\u0644|\u0627\u0644\u0627\u0633\u0645_\u0627\u0644\u0627\u0648\u0644|\u0627\u0633\u0645_\u0627\u0644\u0639\u0627\u0626\u0644\u0629|\u05e9\u05dd_\u05de\u05dc\u05d0|\u05e9\u05dd_\u05e4\u05e8\u05d8\u05d9|\u05e9\u05dd_\u05de\u05e9\u05e4\u05d7\u05d4|\u092a\u0942\u0930\u093e_\u0928\u093e\u092e|\u0e0a\u0e37\u0e48\u0e2d_\u0e19\u0e32\u0e21\u0e2a\u0e01\u0e38\u0e25|\u0e19\u0e32\u0e21\u0e2a\u0e01\u0e38\u0e25)(?:_\d+)?$/,
    evidence: { entity: 'PERSON' },
  },
  // Quasi-identifiers and protected attributes that are not direct identifiers.
  {
    pattern: whole('age|age_?years|age_?group|age_?band|age_?bracket|alter|edad|idade|leeftijd'),
    evidence: { quasiIdentifier: 'age', protected: 'age' },
  },
  {
    pattern: whole(
      'birth_?year|year_?of_?birth|yob|geburtsjahr|ano_(?:de_)?nacimiento|annee_(?:de_)?naissance|anno_di_nascita|ano_(?:de_)?nascimento|geboortejaar',
    ),
    evidence: { quasiIdentifier: 'birth-date', protected: 'age' },
  },
  {
    pattern: whole('sex|gender|geschlecht|sexe|sexo|genero|sesso|geslacht'),
    evidence: { quasiIdentifier: 'sex', protected: 'sex' },
  },
  {
    pattern: whole(
      'race|ethnicity|ethnic_?group|ethnic_?origin|ethnic|skin_?colou?r|raza|etnia|origen_etnico|ethnie|origine_ethnique|ethnizitat|raca|etniciteit',
    ),
    evidence: { quasiIdentifier: 'race', protected: 'race' },
  },
  {
    pattern: whole(
      'religion|religious_?affiliation|faith|confession|denomination|religione|religiao|konfession|godsdienst',
    ),
    evidence: { quasiIdentifier: 'religion', protected: 'religion' },
  },
  {
    pattern: whole(
      'disability|disabled|handicap|impairment|disability_?status|discapacidad|behinderung|disabilita|deficiencia|invalidite',
    ),
    evidence: { protected: 'disability' },
  },
  {
    pattern: whole(
      'native_?country|nationality|citizenship|country_?of_?birth|birth_?country|country_?of_?origin|place_?of_?birth|birthplace|nacionalidad|pais_(?:de_)?(?:nacimiento|origen)|nationalite|pays_(?:de_)?naissance|staatsangehorigkeit|nationalitat|geburtsland|nazionalita|cittadinanza|nacionalidade|nationaliteit',
    ),
    evidence: { quasiIdentifier: 'native-country', protected: 'nationality' },
  },
  {
    pattern: whole(
      'marital_?status|marital|married|civil_?status|familienstand|estado_civil|etat_civil|situation_familiale|stato_civile|burgerlijke_staat',
    ),
    evidence: { quasiIdentifier: 'marital-status', protected: 'marital-status' },
  },
  {
    pattern: whole('relationship|household_?relationship|relationship_?status'),
    evidence: { quasiIdentifier: 'relationship', protected: 'relationship' },
  },
  { pattern: whole('sexual_?orientation|orientation'), evidence: { protected: 'sexual-orientation' } },
  { pattern: whole('pregnant|pregnancy|pregnancy_?status'), evidence: { protected: 'pregnancy' } },
  {
    pattern: whole(
      'occupation|job|job_?title|profession|employment|ocupacion|profesion|empleo|metier|beruf|professione|profissao|ocupacao|beroep',
    ),
    evidence: { quasiIdentifier: 'occupation' },
  },
  {
    pattern: whole(
      'education|education_?level|degree|schooling|highest_?degree|educacion|nivel_(?:educativo|de_estudios)|estudios|bildung|schulabschluss|istruzione|escolaridade|opleiding',
    ),
    evidence: { quasiIdentifier: 'education' },
  },
  {
    pattern:
      /^(?:home_|residence_|current_)?(?:country|state|province|region|county|district|neighbou?rhood|pais|provincia|pays|departement|bundesland|regione|provincie)$/,
    evidence: { quasiIdentifier: 'region' },
  },
  { pattern: whole('employer|company|workplace'), evidence: { quasiIdentifier: 'employer' } },
];

for (const rule of RULES) Object.freeze(rule.evidence);
const NO_EVIDENCE: HeaderEvidence = Object.freeze({});

/**
 * What the column name alone says. An unknown name gives `{}`. Frozen and shared, not made a column: a table
 * of 20,000 unknown names held 20,000 empty objects.
 */
export function headerEvidence(name: string): Readonly<HeaderEvidence> {
  const n = normaliseHeader(name);
  if (n.length === 0) return NO_EVIDENCE;
  for (const rule of RULES) if (rule.pattern.test(n)) return rule.evidence;
  return NO_EVIDENCE;
}

/** What {@link recogniseProtected} concluded, and from what. */
export interface ProtectedRecognition {
  protected: ProtectedKind | null;
  quasiIdentifier: string | null;
  /** Where the conclusion came from. */
  evidence: 'header' | 'values' | 'header+values' | null;
}

/**
 * Longer values are in no vocabulary (its longest word has 26 characters) and are not normalised: the
 * distinct sample of a column of documents of 1 MB had each lowered and rewritten several times, 1.1 GB of
 * strings for 60 of them.
 */
const VOCABULARY_CHARS = 256;

// Without diacritics, as the vocabularies and the lexicon's countries are written (Perú, México).
const norm = (v: string): string =>
  v.length > VOCABULARY_CHARS
    ? ''
    : lexiconKey(v.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' '));

/*
 * The values' vocabularies in English, then in Spanish, French, German, Italian, Portuguese and Dutch, written
 * without diacritics as `norm` compares them (`femenino`, `mannlich`, `mariee`). The census categories of other
 * countries are included where a fairness audit meets them (Brazil's branca, preta, parda, amarela).
 */
const SEX_WORDS_ELSEWHERE =
  'hombre mujer masculino femenino varon homme femme masculin feminin mannlich weiblich mann frau maschio femmina uomo donna homem mulher vrouw';
const SEX_VALUES = new Set(
  `male female man woman men women m f boy girl non binary nonbinary intersex trans transgender other unknown diverse prefer not to say ${SEX_WORDS_ELSEWHERE} divers otro otra autre andere altro outro`.split(
    ' ',
  ),
);
const SEX_CORE = new Set([
  'male',
  'female',
  'man',
  'woman',
  'men',
  'women',
  ...SEX_WORDS_ELSEWHERE.split(' '),
]);
const RACE_VALUES = new Set([
  'white',
  'black',
  'asian',
  'hispanic',
  'latino',
  'latina',
  'latinx',
  'caucasian',
  'african american',
  'black or african american',
  'asian pac islander',
  'asian pacific islander',
  'pacific islander',
  'native hawaiian or other pacific islander',
  'amer indian eskimo',
  'american indian',
  'american indian or alaska native',
  'alaska native',
  'native american',
  'indigenous',
  'other',
  'mixed',
  'multiracial',
  'two or more races',
  'middle eastern',
  'arab',
  'south asian',
  'east asian',
  'hispanic or latino',
  'not hispanic or latino',
  'unknown',
  ...'blanco blanca negro negra mestizo mestiza indigena afrodescendiente mulato mulata asiatico asiatica gitano gitana'.split(
    ' ',
  ),
  ...'blanc blanche noir noire asiatique metis metisse'.split(' '),
  ...'branca branco preta preto parda pardo amarela amarelo'.split(' '),
]);
const RACE_CORE = new Set([
  'white',
  'black',
  'asian',
  'hispanic',
  'caucasian',
  'african american',
  'asian pac islander',
  'amer indian eskimo',
  'latino',
  ...'blanco blanca negro negra mestizo mestiza indigena afrodescendiente blanc noir branca branco preta preto parda pardo'.split(
    ' ',
  ),
]);
const RELIGION_VALUES = new Set([
  'christian',
  'christianity',
  'catholic',
  'roman catholic',
  'protestant',
  'orthodox',
  'evangelical',
  'muslim',
  'islam',
  'jewish',
  'judaism',
  'hindu',
  'hinduism',
  'buddhist',
  'buddhism',
  'sikh',
  'sikhism',
  'atheist',
  'agnostic',
  'none',
  'no religion',
  'other',
  'mormon',
  'jain',
  'shinto',
  'taoist',
  'bahai',
  'unknown',
  ...'catolico catolica cristiano cristiana evangelico evangelica protestante musulman musulmana judio judia budista hindu ateo atea agnostico agnostica ninguna'.split(
    ' ',
  ),
  ...'catholique chretien chretienne protestant musulmane juif juive bouddhiste hindou athee agnostique aucune'.split(
    ' ',
  ),
  ...'katholisch evangelisch protestantisch muslimisch judisch buddhistisch konfessionslos keine'.split(' '),
  ...'cattolico cattolica cristiano musulmano musulmana ebreo ebrea buddista ateo atea nessuna'.split(' '),
  ...'catolico catolica evangelico evangelica espirita umbanda candomble judeu judia'.split(' '),
  'sem religiao',
]);
const RELIGION_CORE = new Set([
  'christian',
  'catholic',
  'protestant',
  'muslim',
  'islam',
  'jewish',
  'hindu',
  'buddhist',
  'sikh',
  'atheist',
  ...'catolico catolica evangelico evangelica cristiano protestante espirita musulman musulmana judio judia judeu catholique juif musulmane katholisch evangelisch muslimisch judisch cattolico cattolica musulmano ebreo'.split(
    ' ',
  ),
]);
const MARITAL_VALUES = new Set([
  'married',
  'single',
  'divorced',
  'widowed',
  'separated',
  'never married',
  'married civ spouse',
  'married af spouse',
  'married spouse absent',
  'domestic partnership',
  'civil partnership',
  'partnered',
  'cohabiting',
  'unknown',
  'other',
  ...'casado casada soltero soltera divorciado divorciada viudo viuda separado separada conviviente'.split(
    ' ',
  ),
  ...'marie mariee celibataire divorce divorcee veuf veuve separe separee pacse pacsee'.split(' '),
  ...'verheiratet ledig geschieden verwitwet getrennt'.split(' '),
  ...'sposato sposata celibe nubile divorziato divorziata vedovo vedova separato separata'.split(' '),
  ...'solteiro solteira viuvo viuva separado separada'.split(' '),
  'union libre',
  ...'gehuwd ongehuwd gescheiden weduwe weduwnaar'.split(' '),
]);
const MARITAL_CORE = new Set([
  'married',
  'divorced',
  'widowed',
  'never married',
  'married civ spouse',
  'separated',
  ...'casado casada divorciado divorciada viudo viuda marie mariee divorce divorcee veuf veuve verheiratet geschieden verwitwet sposato sposata divorziato divorziata vedovo vedova viuvo viuva gehuwd gescheiden'.split(
    ' ',
  ),
]);
const RELATIONSHIP_VALUES = new Set([
  'husband',
  'wife',
  'own child',
  'not in family',
  'other relative',
  'unmarried',
  'spouse',
  'partner',
  'child',
  'parent',
  'sibling',
  'head of household',
  'other',
]);
const RELATIONSHIP_CORE = new Set(['husband', 'wife', 'own child', 'spouse', 'head of household']);

/**
 * Whether at least 80% of the sample's values are inside `vocabulary`, with at least two distinct values of
 * `core` so that a column of one word ("Other") proves nothing.
 */
function vocabularyMatch(
  values: NormedValues,
  vocabulary: ReadonlySet<string>,
  core: ReadonlySet<string>,
): boolean {
  const count = values.count;
  if (count === 0) return false;
  let outside = 0;
  const coreSeen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const n = values.normed(i);
    if (!vocabulary.has(n)) {
      // Stops once the share cannot be reached: a column of other values (most) is told after a fifth.
      if ((count - ++outside) / count < 0.8) return false;
    }
    if (core.has(n)) coreSeen.add(n);
  }
  return coreSeen.size >= 2;
}

function looksLikeCountries(values: NormedValues): boolean {
  const count = values.count;
  if (count < 3) return false;
  const lex = lexicon();
  let outside = 0;
  for (let i = 0; i < count; i++) {
    if (lex.countries.has(values.normed(i))) continue;
    const raw = values.raw[i] as string;
    if (raw.length <= VOCABULARY_CHARS && lex.countries.has(raw.trim().toLowerCase())) continue;
    if ((count - ++outside) / count < 0.7) return false;
  }
  return true;
}

let vocabularyWords: { all: ReadonlySet<string>; digits: boolean } | undefined;

/**
 * Whether `value` (trimmed, not blank) could count inside any of the value tests of {@link recogniseProtected}
 * (the vocabularies and the countries). Where it cannot, it counts against all of them, and a sample with
 * more than 30% of such values matches none: the privacy scanner then stops keeping a column's sample, which in
 * a table thousands of columns wide held every column's first values. None of the words holds a digit, so a
 * value with one is told without normalising it (most values of most columns).
 */
export function mayBeVocabulary(value: string): boolean {
  if (vocabularyWords === undefined) {
    const all = new Set<string>([
      ...SEX_VALUES,
      ...RACE_VALUES,
      ...RELIGION_VALUES,
      ...MARITAL_VALUES,
      ...RELATIONSHIP_VALUES,
      ...lexicon().countries,
    ]);
    vocabularyWords = { all, digits: [...all].some((w) => /\d/.test(w)) };
  }
  const { all, digits } = vocabularyWords;
  if (value.length > VOCABULARY_CHARS) return false;
  if (!digits) {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 48 && c <= 57) return false;
    }
  }
  return all.has(norm(value)) || all.has(value.trim().toLowerCase());
}

/**
 * A sample's values with their {@link norm} forms, each worked out once and only when a test reads it: the
 * vocabulary tests read the same values, and most stop early. At classification of every column of a table
 * thousands of columns wide, normalising every value six times was a tenth of the scan.
 */
class NormedValues {
  private readonly forms: (string | undefined)[] = [];
  constructor(readonly raw: readonly string[]) {}

  get count(): number {
    return this.raw.length;
  }

  normed(i: number): string {
    return (this.forms[i] ??= norm(this.raw[i] as string));
  }
}

function looksLikeAges(values: readonly string[]): boolean {
  let numeric = 0;
  for (const v of values) {
    const n = Number(v.trim());
    if (v.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 125) numeric++;
    else if (/^\d{1,3}\s*[-\u2013]\s*\d{1,3}$|^\d{1,3}\+$/.test(v.trim())) numeric++;
  }
  return values.length > 0 && numeric / values.length >= 0.9;
}

/**
 * Whether {@link recogniseProtected} reads every value of a column whose header gave `h`, beyond the
 * vocabularies: an `age` column, whose values must be ages.
 */
export function readsEveryValue(h: HeaderEvidence): boolean {
  return h.protected === 'age' && h.quasiIdentifier === 'age';
}

/**
 * Recognises a protected attribute and quasi-identifier from the header and a sample of the column's distinct
 * non-missing values. The header decides when it is explicit; values decide for unnamed or oddly named columns
 * (values {Male, Female} -> sex; race categories; religion names; marital statuses; family relationships;
 * country names -> nationality). A column named `age` counts as age only when its values are ages (0-125 or
 * ranges such as `30-39`), so that `age` holding something else is not mislabelled.
 */
export function recogniseProtected(name: string, sampleValues: readonly string[]): ProtectedRecognition {
  const h = headerEvidence(name);
  const values = sampleValues.filter((v) => v.trim() !== '');
  const normed = new NormedValues(values);
  let fromValues: { protected: ProtectedKind; quasiIdentifier: string } | null = null;
  if (vocabularyMatch(normed, SEX_VALUES, SEX_CORE))
    fromValues = { protected: 'sex', quasiIdentifier: 'sex' };
  else if (vocabularyMatch(normed, RACE_VALUES, RACE_CORE))
    fromValues = { protected: 'race', quasiIdentifier: 'race' };
  else if (vocabularyMatch(normed, RELIGION_VALUES, RELIGION_CORE))
    fromValues = { protected: 'religion', quasiIdentifier: 'religion' };
  else if (vocabularyMatch(normed, MARITAL_VALUES, MARITAL_CORE))
    fromValues = { protected: 'marital-status', quasiIdentifier: 'marital-status' };
  else if (vocabularyMatch(normed, RELATIONSHIP_VALUES, RELATIONSHIP_CORE))
    fromValues = { protected: 'relationship', quasiIdentifier: 'relationship' };
  else if (looksLikeCountries(normed))
    fromValues = { protected: 'nationality', quasiIdentifier: 'native-country' };

  if (readsEveryValue(h)) {
    // "age" must hold ages; an `age` column of other content is neither.
    if (values.length > 0 && !looksLikeAges(values))
      return { protected: null, quasiIdentifier: null, evidence: null };
    return {
      protected: 'age',
      quasiIdentifier: 'age',
      evidence: values.length > 0 ? 'header+values' : 'header',
    };
  }
  if (h.protected) {
    const agree = fromValues?.protected === h.protected;
    return {
      protected: h.protected,
      quasiIdentifier: h.quasiIdentifier ?? null,
      evidence: agree ? 'header+values' : 'header',
    };
  }
  if (fromValues) {
    // A "country" column of country names says where someone lives, not their nationality.
    if (h.quasiIdentifier === 'region' && fromValues.protected === 'nationality') {
      return { protected: null, quasiIdentifier: 'region', evidence: 'header' };
    }
    return {
      protected: fromValues.protected,
      quasiIdentifier: fromValues.quasiIdentifier,
      evidence: 'values',
    };
  }
  return {
    protected: null,
    quasiIdentifier: h.quasiIdentifier ?? null,
    evidence: h.quasiIdentifier ? 'header' : null,
  };
}
