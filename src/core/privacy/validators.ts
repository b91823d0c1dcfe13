/**
 * Checksums and structural validators behind the detectors. Each answers one question about a candidate string
 * that a pattern already found; none searches text.
 *
 * Written by hand where the check is a published formula of a few lines (Luhn, ISO 7064 mod 97-10 and
 * MOD 11-2, the SSA's SSN rules, the NHS number's mod 11, Australia's Medicare, Singapore's NRIC and Japan's
 * My Number checks):
 * no maintained package does only that, and the formulas are short enough to test exhaustively here. Other
 * countries' identity numbers are checked by `stdnum`; hashes and encodings (keccak-256, base58check, bech32)
 * come from audited libraries.
 */
import { keccak_256 } from '@noble/hashes/sha3';
import { sha256 } from '@noble/hashes/sha2';
import { bech32, bech32m, createBase58check } from '@scure/base';
import type { Validator } from 'stdnum/lib/cjs/types';

/** A stdnum module, loaded by `load()` on the first call. */
function stdnum(load: () => Validator): () => Validator {
  let m: Validator | undefined;
  return () => (m ??= load());
}

// stdnum's modules are required at their first use, not imported: imported, the bundle ran their code (and its
// helpers') at every start, some 10 ms of `rml --version` (221 to 243 ms against 203 to 218 required lazily)
// and of the extension's activation, for checks most audits never reach.
/* eslint-disable @typescript-eslint/no-require-imports */
const brCpf = stdnum(() => require('stdnum/lib/cjs/br/cpf') as Validator);
const esDni = stdnum(() => require('stdnum/lib/cjs/es/dni') as Validator);
const esNie = stdnum(() => require('stdnum/lib/cjs/es/nie') as Validator);
const gbNino = stdnum(() => require('stdnum/lib/cjs/gb/nino') as Validator);
const inAadhaar = stdnum(() => require('stdnum/lib/cjs/in/aadhaar') as Validator);
const itCodiceFiscale = stdnum(() => require('stdnum/lib/cjs/it/codicefiscale') as Validator);
const fiHetu = stdnum(() => require('stdnum/lib/cjs/fi/hetu') as Validator);
const krRrn = stdnum(() => require('stdnum/lib/cjs/kr/rrn') as Validator);
const plPesel = stdnum(() => require('stdnum/lib/cjs/pl/pesel') as Validator);
const auTfn = stdnum(() => require('stdnum/lib/cjs/au/tfn') as Validator);
const dkCpr = stdnum(() => require('stdnum/lib/cjs/dk/cpr') as Validator);
const frNir = stdnum(() => require('stdnum/lib/cjs/fr/nir') as Validator);
const inPan = stdnum(() => require('stdnum/lib/cjs/in/pan') as Validator);
const nlBsn = stdnum(() => require('stdnum/lib/cjs/nl/bsn') as Validator);
const noFodselsnummer = stdnum(() => require('stdnum/lib/cjs/no/fodselsnummer') as Validator);
const sePersonnummer = stdnum(() => require('stdnum/lib/cjs/se/personnummer') as Validator);
const beNn = stdnum(() => require('stdnum/lib/cjs/be/nn') as Validator);
const caSin = stdnum(() => require('stdnum/lib/cjs/ca/sin') as Validator);
const chSsn = stdnum(() => require('stdnum/lib/cjs/ch/ssn') as Validator);
const clRut = stdnum(() => require('stdnum/lib/cjs/cl/rut') as Validator);
const deIdnr = stdnum(() => require('stdnum/lib/cjs/de/idnr') as Validator);
const mxCurp = stdnum(() => require('stdnum/lib/cjs/mx/curp') as Validator);
const trTckimlik = stdnum(() => require('stdnum/lib/cjs/tr/tckimlik') as Validator);
const zaIdnr = stdnum(() => require('stdnum/lib/cjs/za/idnr') as Validator);
const ilIdnr = stdnum(() => require('stdnum/lib/cjs/il/idnr') as Validator);
const iePps = stdnum(() => require('stdnum/lib/cjs/ie/pps') as Validator);
const thIdnr = stdnum(() => require('stdnum/lib/cjs/th/idnr') as Validator);
const deSvnr = stdnum(() => require('stdnum/lib/cjs/de/svnr') as Validator);
const auAbn = stdnum(() => require('stdnum/lib/cjs/au/abn') as Validator);
const inEpic = stdnum(() => require('stdnum/lib/cjs/in/epic') as Validator);
/* eslint-enable @typescript-eslint/no-require-imports */

/** Luhn (mod 10) check over a string of ASCII digits. False for an empty string or any non-digit. */
export function luhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card brands by issuer identification number (IIN) prefix ranges and allowed lengths. */
const CARD_RANGES: { from: number; to: number; digits: number; lengths: number[] }[] = [
  { from: 4, to: 4, digits: 1, lengths: [13, 16, 19] }, // Visa
  { from: 51, to: 55, digits: 2, lengths: [16] }, // Mastercard
  { from: 2221, to: 2720, digits: 4, lengths: [16] }, // Mastercard 2-series
  { from: 34, to: 34, digits: 2, lengths: [15] }, // American Express
  { from: 37, to: 37, digits: 2, lengths: [15] },
  { from: 6011, to: 6011, digits: 4, lengths: [16, 17, 18, 19] }, // Discover
  { from: 644, to: 649, digits: 3, lengths: [16, 17, 18, 19] },
  { from: 65, to: 65, digits: 2, lengths: [16, 17, 18, 19] },
  { from: 300, to: 305, digits: 3, lengths: [14, 15, 16, 17, 18, 19] }, // Diners Club
  { from: 36, to: 36, digits: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { from: 38, to: 39, digits: 2, lengths: [16, 17, 18, 19] },
  { from: 3528, to: 3589, digits: 4, lengths: [16, 17, 18, 19] }, // JCB
  { from: 62, to: 62, digits: 2, lengths: [16, 17, 18, 19] }, // UnionPay
  { from: 5018, to: 5018, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] }, // Maestro
  { from: 5020, to: 5020, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { from: 5038, to: 5038, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { from: 6304, to: 6304, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { from: 6759, to: 6759, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { from: 6761, to: 6763, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { from: 2200, to: 2204, digits: 4, lengths: [16, 17, 18, 19] }, // Mir
];

/** True when `digits` has a length and issuer prefix of a real card scheme. */
export function plausibleCardIin(digits: string): boolean {
  for (const r of CARD_RANGES) {
    if (!r.lengths.includes(digits.length)) continue;
    const prefix = Number(digits.slice(0, r.digits));
    if (prefix >= r.from && prefix <= r.to) return true;
  }
  return false;
}

/**
 * A payment card number: 13-19 digits (separators removed by the caller), a known issuer prefix and length,
 * Luhn-valid, and not one repeated digit (`0000 0000 0000 0000` passes Luhn but is no card).
 */
export function isValidCardNumber(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  return plausibleCardIin(digits) && luhnValid(digits);
}

/** IBAN lengths by country, from the SWIFT IBAN registry. */
// prettier-ignore
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18,
  FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23,
  IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27,
  MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28,
  PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27,
  SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * An IBAN without spaces: a registered country code, that country's length, check digits 02-98, and
 * ISO 7064 mod 97-10 equal to 1 (the four first characters moved to the end, letters as 10..35).
 */
export function isValidIban(compact: string): boolean {
  const iban = compact.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const check = Number(iban.slice(2, 4));
  if (check < 2 || check > 98) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else rem = (rem * 100 + (c - 55)) % 97;
  }
  return rem === 1;
}

/** Numbers that are printed in advertisements and documentation and never issued (SSA and IRS lists). */
const KNOWN_INVALID_SSNS = new Set([
  '078051120',
  '219099999',
  '123456789',
  '111111111',
  '333333333',
  '987654320',
]);

/**
 * A US Social Security number of 9 digits (separators removed): area not 000, 666 or 900-999, group not 00,
 * serial not 0000, not one repeated digit, and not a published example (078-05-1120 and the like).
 */
export function isValidUsSsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  if (/^(\d)\1{8}$/.test(digits)) return false;
  return !KNOWN_INVALID_SSNS.has(digits);
}

/** True when y-m-d is a real calendar date (proleptic Gregorian). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

const CN_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CN_CHECK = '10X98765432';
/** First two digits: provincial-level division codes of GB/T 2260. */
// prettier-ignore
const CN_PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82, 83, 91,
]);

/**
 * A PRC resident identity number (GB 11643-1999): 17 digits and a check character (digit or X), a known
 * province code, a real birth date YYYYMMDD between 1900 and 2099 at positions 7-14, and the ISO 7064
 * MOD 11-2 check character.
 */
export function isValidCnResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  if (!CN_PROVINCES.has(Number(id.slice(0, 2)))) return false;
  const y = Number(id.slice(6, 10));
  if (y < 1900 || y > 2099 || !isCalendarDate(y, Number(id.slice(10, 12)), Number(id.slice(12, 14))))
    return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * (CN_WEIGHTS[i] ?? 0);
  return CN_CHECK[sum % 11] === id[17]!.toUpperCase();
}

/**
 * National identity numbers that `stdnum` (a TypeScript port of python-stdnum, kept up to date with it) checks:
 * their check characters and the issuers' rules. Wrapped so that a detector asks a yes or no of a compact
 * candidate its own pattern found; `stdnum` reports each failure as an Error, which costs a stack, so each
 * wrapper first rules out what its shape cannot be.
 */

/** A Spanish DNI/NIF of a person: 8 digits and the check letter of the number modulo 23 (`12345678Z`). */
export function isValidEsNif(compact: string): boolean {
  return (
    /^\d{8}[A-Za-z]$/.test(compact) && !compact.startsWith('00000000') && esDni().validate(compact).isValid
  );
}

/** A Spanish NIE (a foreigner's number): X, Y or Z for 0, 1, 2, 7 digits and the NIF's check letter. */
export function isValidEsNie(compact: string): boolean {
  return /^[XYZxyz]\d{7}[A-Za-z]$/.test(compact) && esNie().validate(compact).isValid;
}

/**
 * An Italian codice fiscale of a person: six letters of surname and name, year, a month letter, day (plus 40
 * for women), birthplace and a check letter; digits may be replaced by the letters L to V (omocodia).
 */
export function isValidItFiscalCode(code: string): boolean {
  return code.length === 16 && /^[A-Za-z]{6}/.test(code) && itCodiceFiscale().validate(code).isValid;
}

/**
 * A UK National Insurance number without spaces: two prefix letters of those HMRC allocates, six digits and
 * (when `suffix`, as by default) a letter A to D. It has no check character.
 */
export function isValidUkNino(compact: string, suffix = true): boolean {
  const shape = suffix ? /^[A-Za-z]{2}\d{6}[A-Da-d]$/ : /^[A-Za-z]{2}\d{6}[A-Da-d]?$/;
  return shape.test(compact) && gbNino().validate(compact).isValid;
}

/**
 * An NHS number (England, Wales, Isle of Man) of 10 digits: the first nine weighted 10 down to 2, and the
 * check digit 11 minus their sum modulo 11 (11 is 0; 10 is never issued). One repeated digit is no number.
 * By hand: `stdnum` has no NHS number, and the formula is four lines.
 */
export function isValidUkNhs(digits: string): boolean {
  if (!/^\d{10}$/.test(digits) || /^(\d)\1{9}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === digits.charCodeAt(9) - 48;
}

/** An Aadhaar number (India's UIDAI) of 12 digits: first digit 2 to 9, no palindrome, Verhoeff-valid. */
export function isValidInAadhaar(digits: string): boolean {
  return /^[2-9]\d{11}$/.test(digits) && !/^(\d)\1{11}$/.test(digits) && inAadhaar().validate(digits).isValid;
}

/**
 * A Brazilian CPF of 11 digits with its two mod-11 check digits. One repeated digit (`111.111.111-11`)
 * passes the formula and is never issued (`stdnum` accepts it).
 */
export function isValidBrCpf(digits: string): boolean {
  return /^\d{11}$/.test(digits) && !/^(\d)\1{10}$/.test(digits) && brCpf().validate(digits).isValid;
}

/** A Polish PESEL of 11 digits: a birth date (the century in the month), a serial and a check digit. */
export function isValidPlPesel(digits: string): boolean {
  return /^\d{11}$/.test(digits) && plPesel().validate(digits).isValid;
}

/**
 * A Finnish personal identity code (henkilötunnus): a birth date DDMMYY, the century sign (`-`, `+`, `A` and
 * the letters since 2023), an individual number and a check character modulo 31 (`131052-308T`).
 */
export function isValidFiHetu(code: string): boolean {
  return /^\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]$/.test(code) && fiHetu().validate(code).isValid;
}

/** A South Korean resident registration number of 13 digits: a birth date, a digit of sex and century, a check. */
export function isValidKrRrn(digits: string): boolean {
  return /^\d{13}$/.test(digits) && krRrn().validate(digits).isValid;
}

/** The century of a Korean number's seventh digit: 1, 2, 5, 6 the 1900s, 3, 4, 7, 8 the 2000s, 9, 0 the 1800s. */
const KR_CENTURY = [1800, 1900, 1900, 2000, 2000, 1900, 1900, 2000, 2000, 1800];

/**
 * A Korean resident registration number issued since October 2020: the birth date and the digit of sex and
 * century as before, then six digits that are neither the place of registration nor a check (they are drawn at
 * random), so nothing else can be checked. Only for a number already named as one.
 */
export function isKrRrnSince2020(digits: string): boolean {
  if (!/^\d{13}$/.test(digits)) return false;
  const century = KR_CENTURY[digits.charCodeAt(6) - 48]!;
  return isDate(century + Number(digits.slice(0, 2)), Number(digits.slice(2, 4)), Number(digits.slice(4, 6)));
}

function isDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A US ITIN (individual taxpayer identification number) of 9 digits: 9, two digits, a group the IRS issues
 * (50 to 65, 70 to 88, 90 to 92, 94 to 99) and four more. No check digit; never a valid SSN (area 9xx).
 */
export function isValidUsItin(digits: string): boolean {
  return /^9\d{2}(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\d{4}$/.test(digits);
}

/**
 * An Indian PAN (permanent account number): five letters, four digits, a letter; the fourth letter says
 * whose (`P` a person, `C` a company, ...). No check character.
 */
export function isValidInPan(code: string): boolean {
  return /^[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]$/.test(code) && inPan().validate(code).isValid;
}

/**
 * A driver number of a Great Britain driving licence (DVLA), 16 characters: the surname's first five letters
 * (9s after a shorter one), the birth year's decade, the month (plus 50 for a woman), the day, the year's last
 * digit, two initials (a 9 for no middle name), a digit that tells apart people of the same first thirteen
 * (9 unless taken), and two check letters computed by DVLA from what the number does not show: so only the
 * structure and the birth date can be checked, not the letters. An issue number of two digits may follow
 * (`MORGA753116SM9IJ 35`), with or without its space.
 */
export function isValidUkDrivingLicence(code: string): boolean {
  const m = UK_LICENCE.exec(code);
  if (m === null) return false;
  const month = Number(m[1]) % 50;
  const day = Number(m[2]);
  // The year's decade and digit leave its century unknown: 29 February is a day of some year it can be.
  return day <= (month === 2 ? 29 : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

const UK_LICENCE =
  /^(?:[A-Z]{5}|[A-Z]{4}9|[A-Z]{3}99|[A-Z]{2}999|[A-Z]9999)\d((?:[05][1-9]|[16][0-2]))(0[1-9]|[12]\d|3[01])\d[A-Z][A-Z9]\d[A-Z]{2}(?: ?\d{2})?$/;

/**
 * A US DEA registration number (Presidio's MEDICAL_LICENSE): a letter for the registrant's kind (A, B, F, G for
 * practitioners, M mid-level, others for distributors and the like), the first letter of the registrant's
 * family name (or 9 for a business), six digits and a check digit, the last digit of the first, third and
 * fifth digits' sum plus twice the second, fourth and sixth's.
 */
export function isValidDeaNumber(code: string): boolean {
  if (!/^[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}$/.test(code)) return false;
  const d = (i: number): number => code.charCodeAt(2 + i) - 48;
  return (d(0) + d(2) + d(4) + 2 * (d(1) + d(3) + d(5))) % 10 === d(6);
}

// Seven characters or more: a cell of 153 m or less (six is a town's kilometre). With a letter: seven digits are
// a number's as often. The base-32 alphabet has no a, i, l, o.
const GEOHASH = /^(?=[0-9]*[b-hjkmnp-z])[0-9b-hjkmnp-z]{7,12}$/i;

/** Whether `v` is a geohash precise to a street's block or finer (seven characters or more). */
export function isPreciseGeohash(v: string): boolean {
  return GEOHASH.test(v);
}

/**
 * A US ABA routing transit number (Presidio's ABA_ROUTING_NUMBER): nine digits, the first two a Federal Reserve
 * district's (00 to 12; 21 to 32 for thrifts; 61 to 72 electronic; 80 traveller's cheques), weighted 3, 7, 1
 * and summing to a multiple of 10. By hand: `stdnum` has no US routing number, and the rule is two lines.
 */
export function isValidAbaRouting(digits: string): boolean {
  if (!/^(?:0\d|1[0-2]|2[1-9]|3[0-2]|6[1-9]|7[0-2]|80)\d{7}$/.test(digits) || digits === '000000000')
    return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * ([3, 7, 1][i % 3] as number);
  return sum % 10 === 0;
}

/**
 * An Australian Business Number: eleven digits whose first less one, weighted with the rest, is a multiple of
 * 89. A sole trader's ABN is the person's; first digit never 0.
 */
export function isValidAuAbn(digits: string): boolean {
  return /^[1-9]\d{10}$/.test(digits) && auAbn().validate(digits).isValid;
}

/**
 * An Indian voter's Electoral Photo Identity Card (EPIC, Presidio's IN_VOTER): three capitals (the state's
 * series) and seven digits, the last a Luhn check digit.
 */
export function isValidInVoter(code: string): boolean {
  return /^[A-Z]{3}\d{7}$/.test(code) && inEpic().validate(code).isValid;
}

/**
 * A US National Provider Identifier (NPI, CMS): ten digits, the first 1 (a person) or 2 (an organisation), the
 * last a Luhn check digit over the number with the prefix 80840 (the card issuer number of US health).
 */
export function isValidUsNpi(digits: string): boolean {
  return /^[12]\d{9}$/.test(digits) && luhnValid(`80840${digits}`);
}

// prettier-ignore
const VIN_VALUE: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4,
  V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/**
 * A vehicle identification number (ISO 3779): 17 capitals and digits but I, O and Q, letters and digits both.
 * `checked`: North America's rules too, a model year's character at the tenth (no U, Z or 0) and at the ninth
 * the check digit (the weighted sum of the others' values modulo 11, X for 10), which most makers elsewhere
 * leave out (`WVWZZZ1JZXW000001`): a number without it is a VIN only where its words or its header say so.
 */
export function isValidVin(vin: string, checked: boolean): boolean {
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(vin) || !/[A-Z]/.test(vin) || !/\d/.test(vin)) return false;
  if (!checked) return true;
  if (!/^.{8}[0-9X][A-HJ-NPR-TV-Y1-9]/.test(vin)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i] as string;
    sum +=
      (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : (VIN_VALUE[c] as number)) * (VIN_WEIGHTS[i] as number);
  }
  const check = sum % 11;
  return vin[8] === (check === 10 ? 'X' : String(check));
}

/** A Dutch BSN (burgerservicenummer) of 9 digits that passes the 11-test; one repeated digit is none. */
export function isValidNlBsn(digits: string): boolean {
  return /^\d{9}$/.test(digits) && !/^(\d)\1{8}$/.test(digits) && nlBsn().validate(digits).isValid;
}

/**
 * A French NIR (numéro de sécurité sociale) of 15 characters without spaces: sex (1, 2, or 3, 7, 8 for a
 * provisional number), year, month (or 20 and up when unknown), department (`2A`, `2B` for Corsica),
 * commune, order and a key of 97 minus the number modulo 97.
 */
export function isValidFrNir(compact: string): boolean {
  return (
    /^[12378]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[AB])\d{8}$/.test(compact) &&
    frNir().validate(compact).isValid
  );
}

/**
 * A Swedish personnummer (or samordningsnummer: day plus 60): YYMMDD or YYYYMMDD, a `-` (`+` from the
 * hundredth birthday), three digits and a Luhn check digit; written without the sign too.
 */
export function isValidSePersonnummer(code: string): boolean {
  let v = code;
  if (/^\d{10}$/.test(v)) v = `${v.slice(0, 6)}-${v.slice(6)}`;
  else if (/^\d{12}$/.test(v)) v = `${v.slice(0, 8)}-${v.slice(8)}`;
  return /^(?:\d{2})?\d{6}[-+]\d{4}$/.test(v) && sePersonnummer().validate(v).isValid;
}

/** A Norwegian fødselsnummer (or D-number) of 11 digits: a birth date, an individual number, two mod-11 checks. */
export function isValidNoFodselsnummer(digits: string): boolean {
  return /^\d{11}$/.test(digits) && noFodselsnummer().validate(digits).isValid;
}

/**
 * A Danish CPR number of 10 digits: a birth date DDMMYY and four digits whose first gives the century. Its
 * mod-11 check was given up in 2007, so the date is all there is to check.
 */
export function isValidDkCpr(digits: string): boolean {
  return /^\d{10}$/.test(digits) && dkCpr().validate(digits).isValid;
}

/** An Australian tax file number of 9 digits (8 for old ones), weighted modulo 11. */
export function isValidAuTfn(digits: string): boolean {
  return /^\d{8,9}$/.test(digits) && !/^(\d)\1+$/.test(digits) && auTfn().validate(digits).isValid;
}

/**
 * An Australian Medicare card number of 10 digits: first digit 2 to 6, a check digit (the first eight
 * weighted 1, 3, 7, 9, 1, 3, 7, 9, modulo 10) and the card's issue number, never 0; with an eleventh, the
 * individual reference number of the person on the card (1 to 9). By hand: `stdnum` has none, and the
 * formula is three lines.
 */
export function isValidAuMedicare(digits: string): boolean {
  if (!/^[2-6]\d{9}[1-9]?$/.test(digits) || digits[9] === '0') return false;
  const weights = [1, 3, 7, 9, 1, 3, 7, 9];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (digits.charCodeAt(i) - 48) * (weights[i] as number);
  return sum % 10 === digits.charCodeAt(8) - 48;
}

/** A Swiss AHV/AVS number of 13 digits: 756 (Switzerland), nine digits and an EAN-13 check digit. */
export function isValidChAhv(digits: string): boolean {
  return /^756\d{10}$/.test(digits) && chSsn().validate(digits).isValid;
}

/**
 * A Mexican CURP of 18 characters: four letters of the name, the birth date, sex, state, three consonants,
 * a homonym character and a check digit.
 */
export function isValidMxCurp(code: string): boolean {
  return /^[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d$/.test(code) && mxCurp().validate(code).isValid;
}

/** A Chilean RUT/RUN without dots or dash: seven or eight digits and a check character (a digit or K) mod 11. */
export function isValidClRut(compact: string): boolean {
  return /^\d{7,8}[\dK]$/.test(compact) && clRut().validate(compact).isValid;
}

/** A Belgian national register number of 11 digits: a birth date, a serial and a check of 97 minus mod 97. */
export function isValidBeNationalNumber(digits: string): boolean {
  return /^\d{11}$/.test(digits) && beNn().validate(digits).isValid;
}

/** A German tax id (steuerliche Identifikationsnummer) of 11 digits: digit counts rules and ISO 7064 mod 11,10. */
export function isValidDeTaxId(digits: string): boolean {
  return /^[1-9]\d{10}$/.test(digits) && deIdnr().validate(digits).isValid;
}

/** A Canadian social insurance number of 9 digits, Luhn-valid. */
export function isValidCaSin(digits: string): boolean {
  return /^\d{9}$/.test(digits) && !/^(\d)\1{8}$/.test(digits) && caSin().validate(digits).isValid;
}

/** A Turkish identity number (T.C. Kimlik No) of 11 digits, not starting with 0, with two check digits. */
export function isValidTrTcKimlik(digits: string): boolean {
  return /^[1-9]\d{10}$/.test(digits) && trTckimlik().validate(digits).isValid;
}

/**
 * A South African identity number of 13 digits: a birth date YYMMDD, four of sex and sequence, citizenship (0 a
 * citizen, 1 a permanent resident), a digit once of race and now 8, and a Luhn check.
 */
export function isValidZaId(digits: string): boolean {
  return /^\d{13}$/.test(digits) && zaIdnr().validate(digits).isValid;
}

/** An Israeli identity number (Teudat Zehut) of 9 digits, leading zeros written, Luhn-valid. */
export function isValidIlId(digits: string): boolean {
  return /^\d{9}$/.test(digits) && !/^0{9}$/.test(digits) && ilIdnr().validate(digits).isValid;
}

/**
 * An Irish PPS number: seven digits, a check letter modulo 23, and on some a second letter (A or H since 2013,
 * which the check counts: `1234567FA`; W, T or X on older ones).
 */
export function isValidIePps(compact: string): boolean {
  return /^\d{7}[A-W][AHWTX]?$/.test(compact) && iePps().validate(compact).isValid;
}

/** A Thai national identity number of 13 digits: a first digit of 1 to 8 and a check modulo 11. */
export function isValidThTnin(digits: string): boolean {
  return /^[1-8]\d{12}$/.test(digits) && thIdnr().validate(digits).isValid;
}

/**
 * A German social insurance (pension) number of 12 characters: an area of two digits, the birth date DDMMYY,
 * the first letter of the birth name, a serial (00 to 49 men, 50 to 99 women) and a check digit
 * (`65170839J003`).
 */
export function isValidDeSvnr(compact: string): boolean {
  return /^\d{8}[A-Z]\d{3}$/.test(compact) && deSvnr().validate(compact).isValid;
}

/**
 * A Japanese Individual Number (My Number) of 12 digits: the check digit from the other eleven, weighted 2 to
 * 7 and 2 to 6 from the right, modulo 11 (a remainder of 0 or 1 gives 0). By hand: `stdnum` has Japan's
 * corporate number only, and the formula is three lines.
 */
export function isValidJpMyNumber(digits: string): boolean {
  if (!/^\d{12}$/.test(digits) || /^(\d)\1{11}$/.test(digits)) return false;
  let sum = 0;
  for (let n = 1; n <= 11; n++) sum += (digits.charCodeAt(11 - n) - 48) * (n <= 6 ? n + 1 : n - 5);
  const r = sum % 11;
  return (r <= 1 ? 0 : 11 - r) === digits.charCodeAt(11) - 48;
}

const NRIC_WEIGHTS = [2, 7, 6, 5, 4, 3, 2];
const NRIC_LETTERS: Record<string, { offset: number; letters: string }> = {
  S: { offset: 0, letters: 'JZIHGFEDCBA' },
  T: { offset: 4, letters: 'JZIHGFEDCBA' },
  F: { offset: 0, letters: 'XWUTRQPNMLK' },
  G: { offset: 4, letters: 'XWUTRQPNMLK' },
  M: { offset: 3, letters: 'XWUTRQPNJLK' },
};

/**
 * A Singapore NRIC or FIN: S or T (citizens and residents, born before or from 2000), F or G (foreigners; M
 * since 2022), seven digits and a check letter from their weighted sum modulo 11. By hand: no maintained
 * library has it (`stdnum` has Singapore's business number only).
 */
export function isValidSgNricFin(code: string): boolean {
  if (!/^[STFGM]\d{7}[A-Z]$/.test(code)) return false;
  const { offset, letters } = NRIC_LETTERS[code[0] as string] as { offset: number; letters: string };
  let sum = offset;
  for (let i = 0; i < 7; i++) sum += (code.charCodeAt(i + 1) - 48) * (NRIC_WEIGHTS[i] as number);
  return letters[sum % 11] === code[8];
}

const base58check = createBase58check(sha256);

/**
 * A Bitcoin address: legacy base58check (version byte 0x00 P2PKH or 0x05 P2SH, 20-byte hash) or segwit
 * bech32 (witness v0, 20 or 32 bytes) / bech32m (witness v1-16, as BIP 350 requires), mainnet `bc1` or
 * testnet `tb1`. Mixed case is invalid for bech32.
 */
export function isValidBitcoinAddress(address: string): boolean {
  if (address[0] === '1' || address[0] === '3') {
    try {
      const payload = base58check.decode(address);
      return payload.length === 21 && (payload[0] === 0x00 || payload[0] === 0x05);
    } catch {
      return false;
    }
  }
  const lower = address.toLowerCase();
  if (!lower.startsWith('bc1') && !lower.startsWith('tb1')) return false;
  if (address !== lower && address !== address.toUpperCase()) return false;
  for (const codec of [bech32, bech32m]) {
    try {
      const { prefix, words } = codec.decode(lower as `${string}1${string}`, 90);
      if (prefix !== 'bc' && prefix !== 'tb') continue;
      const version = words[0];
      if (version === undefined || version > 16) continue;
      if ((version === 0) !== (codec === bech32)) continue;
      const program = codec.fromWordsUnsafe(words.slice(1));
      if (!program) continue;
      if (version === 0 && program.length !== 20 && program.length !== 32) continue;
      if (program.length < 2 || program.length > 40) continue;
      return true;
    } catch {
      // try the other encoding
    }
  }
  return false;
}

/**
 * How sure an Ethereum address `0x` + 40 hex digits is: 0.95 when it is mixed case and its EIP-55 checksum
 * (keccak-256 of the lower-case hex decides the case of each letter) holds; 0.6 for all lower or all upper case,
 * which carries no checksum; 0 when mixed case fails the checksum or the shape is wrong.
 */
export function ethereumAddressConfidence(address: string): number {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return 0;
  const hex = address.slice(2);
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return 0.6;
  const hash = keccak_256(new TextEncoder().encode(hex.toLowerCase()));
  for (let i = 0; i < 40; i++) {
    const c = hex[i]!;
    if (c >= '0' && c <= '9') continue;
    const nibble = ((hash[i >> 1] ?? 0) >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    const upper = c === c.toUpperCase();
    if (nibble >= 8 !== upper) return 0;
  }
  return 0.95;
}

/** Shannon entropy in bits per character of the string's character distribution (0 for an empty string). */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function base64UrlDecode(part: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return null;
  try {
    return Buffer.from(part, 'base64url').toString('utf8');
  } catch {
    return null;
  }
}

/** A JSON Web Token: three base64url parts whose first decodes to a JSON object with a string `alg`. */
export function isJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return false;
  const header = base64UrlDecode(parts[0]);
  if (header === null) return false;
  try {
    const parsed: unknown = JSON.parse(header);
    return (
      typeof parsed === 'object' && parsed !== null && typeof (parsed as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}

// prettier-ignore
const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10,
  november: 11, december: 12,
};

/**
 * Parses the date formats seen in tabular data: ISO `1985-03-07` (optionally with a time), `1985/03/07`,
 * `03/07/1985` (month first, or day first when the first number exceeds 12), `07.03.1985`, `19850307`,
 * `7 Mar 1985`, `Mar 7, 1985`. Returns the calendar date, or null. Two-digit years are not accepted: they
 * cannot be told from other numbers.
 */
export function parseDate(value: string): { year: number; month: number; day: number } | null {
  const v = value.trim();
  let m =
    /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      v,
    );
  if (m) return checked(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/.exec(v);
  if (m) {
    const a = +m[1]!;
    const b = +m[3]!;
    const y = +m[4]!;
    // A dot separator is day-first (European); a slash is month-first unless that cannot be.
    if (m[2] === '.' || a > 12) return checked(y, b, a);
    return checked(y, a, b);
  }
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (m) return checked(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})$/.exec(v);
  if (m) return checked(+m[3]!, MONTHS[m[2]!.toLowerCase()] ?? 0, +m[1]!);
  m = /^([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/.exec(v);
  if (m) return checked(+m[3]!, MONTHS[m[1]!.toLowerCase()] ?? 0, +m[2]!);
  return null;
}

function checked(
  year: number,
  month: number,
  day: number,
): { year: number; month: number; day: number } | null {
  if (year < 1000 || year > 2999) return null;
  return isCalendarDate(year, month, day) ? { year, month, day } : null;
}
