/**
 * Masked excerpts: what a finding, a log line or a report may show of a detected value. Enough to recognise
 * the kind of value and find it again in the file (`j***@example.com`, `***-**-6789`), never the value itself.
 */
import type { EntityType } from '../findings';
import { isPreciseGeohash } from './validators';

/** Values this short are starred entirely: any kept character would be a large share of them. */
const SHORT = 4;
/** Excerpts are cut to this many characters (a PEM block or a long text is not shown whole). */
const MAX_EXCERPT = 48;

function stars(n: number): string {
  return '*'.repeat(Math.max(3, Math.min(n, 8)));
}

/** Replaces every letter and digit with `*`, keeping separators (so `415-555-2671` keeps its shape). */
function starAlnum(s: string): string {
  return s.replace(/[\p{L}\p{N}]/gu, '*');
}

/** Stars every digit except the last `keep`, keeping separators and letters. */
function keepLastDigits(s: string, keep: number): string {
  let seen = 0;
  const total = s.replace(/\D/g, '').length;
  let out = '';
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') {
      seen++;
      out += seen > total - keep ? ch : '*';
    } else {
      out += /\p{L}/u.test(ch) ? '*' : ch;
    }
  }
  return out;
}

/** Stars every letter and digit except the last `keep` of them, keeping separators (`******78Z`). */
function keepLastChars(s: string, keep: number): string {
  const total = s.replace(/[^\p{L}\p{N}]/gu, '').length;
  let seen = 0;
  let out = '';
  for (const ch of s) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      seen++;
      out += seen > total - keep ? ch : '*';
    } else {
      out += ch;
    }
  }
  return out;
}

function initials(value: string): string {
  return value
    .trim()
    .split(/\s+/)
    .map((w) => {
      const first = [...w][0] ?? '';
      return /[\p{L}\p{N}]/u.test(first) ? `${first}***` : '***';
    })
    .join(' ');
}

function maskEmail(v: string): string {
  const at = v.lastIndexOf('@');
  if (at <= 0) return initials(v);
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  const head = local.length > 1 ? [...local][0]! : '';
  return `${head}***@${domain}`;
}

function maskUrl(v: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)/i.exec(v);
  const scheme = m?.[1] ?? '';
  const host = m?.[2] ?? '';
  const head = [...host][0] ?? '';
  return `${scheme}${head}***`;
}

function maskIp(v: string): string {
  if (v.includes(':')) {
    const first = v.split(':')[0] ?? '';
    return `${first || '*'}:***`;
  }
  const parts = v.split('.');
  return parts.map((p, i) => (i === 0 ? p : '*')).join('.');
}

function maskDate(v: string): string {
  const year = /\b(1[89]\d\d|20\d\d)\b/.exec(v);
  const starred = starAlnum(v);
  if (!year) return starred;
  return starred.slice(0, year.index) + year[0] + starred.slice(year.index + year[0].length);
}

function maskEntity(v: string, entity: EntityType | undefined): string {
  switch (entity) {
    case 'EMAIL_ADDRESS':
      return maskEmail(v);
    case 'US_SSN':
    case 'CREDIT_CARD':
    case 'PHONE_NUMBER':
    case 'CN_MOBILE':
    case 'CN_RESIDENT_ID':
    case 'UK_NHS':
    case 'IN_AADHAAR':
    case 'BR_CPF':
    case 'PL_PESEL':
    case 'KR_RRN':
    case 'US_ITIN':
    case 'NL_BSN':
    case 'FR_NIR':
    case 'SE_PERSONNUMMER':
    case 'NO_FODSELSNUMMER':
    case 'DK_CPR':
    case 'AU_TFN':
    case 'AU_MEDICARE':
    case 'CH_AHV':
    case 'BE_NATIONAL_NUMBER':
    case 'DE_TAX_ID':
    case 'CA_SIN':
    case 'TR_TC_KIMLIK':
    case 'JP_MY_NUMBER':
    case 'ZA_ID':
    case 'IL_ID':
    case 'TH_TNIN':
    case 'US_BANK_NUMBER':
    case 'ABA_ROUTING_NUMBER':
    case 'AU_ABN':
    case 'US_NPI':
    case 'IMEI':
      return keepLastDigits(v, 4);
    case 'ES_NIF':
    case 'ES_NIE':
    case 'UK_NINO':
    case 'IT_FISCAL_CODE':
    case 'FI_PERSONAL_IDENTITY_CODE':
    case 'IN_PAN':
    case 'SG_NRIC_FIN':
    case 'MX_CURP':
    case 'CL_RUT':
    case 'IE_PPS':
    case 'DE_SVNR':
    case 'PASSPORT':
    case 'DRIVER_LICENSE':
    case 'MEDICAL_LICENSE':
    case 'MEDICAL_RECORD_NUMBER':
    case 'VIN':
    case 'US_MBI':
    case 'MAC_ADDRESS':
    case 'IN_VOTER':
      return keepLastChars(v, 3);
    case 'LICENSE_PLATE':
      return keepLastChars(v, 2);
    case 'IBAN_CODE': {
      const compact = v.replace(/\s/g, '');
      return `${compact.slice(0, 2)}${'*'.repeat(Math.max(3, compact.length - 6))}${compact.slice(-4)}`;
    }
    case 'PERSON':
    case 'LOCATION':
      return initials(v);
    case 'SECRET':
    case 'CRYPTO':
      return `${v.slice(0, 4)}***`;
    case 'IP_ADDRESS':
      return maskIp(v);
    case 'URL':
      return maskUrl(v);
    case 'DATE_OF_BIRTH':
      return maskDate(v);
    case 'GEO_COORDINATE': {
      // A geohash to its first four characters (a cell of about 20 by 39 km), as a number to a tenth of a degree.
      if (isPreciseGeohash(v)) return `${v.slice(0, 4)}${stars(v.length - 4)}`;
      // To a tenth of a degree (about 11 km): the region, not the house. Anything else, all of it.
      const rounded = v.replace(
        /(\d\.\d)(\d+)/g,
        (_, kept: string, rest: string) => kept + '*'.repeat(rest.length),
      );
      return rounded.includes('*') ? rounded : starAlnum(v);
    }
    case 'POSTAL_CODE':
      return `${v.slice(0, 2)}${starAlnum(v.slice(2))}`;
    default:
      return `${[...v][0] ?? ''}${stars(v.length - 1)}`;
  }
}

/** How many letters and digits of `value` appear unchanged at their place in `masked` (a rough leak measure). */
function hiddenCount(value: string, masked: string): number {
  let hidden = 0;
  for (const ch of value) if (/[\p{L}\p{N}]/u.test(ch) && !masked.includes(ch)) hidden++;
  return hidden + (masked.match(/\*/g)?.length ?? 0);
}

/**
 * Masks a detected value for display. Per entity: emails keep the first letter and the domain
 * (`j***@example.com`); SSNs, cards, phone numbers and national numbers of digits keep their last four digits
 * and their shape (`***-**-6789`, `**** **** **** 1234`); ids of letters and digits (a Spanish DNI, a codice
 * fiscale, a National Insurance number) their last three characters (`******78Z`); names and addresses
 * become initials (`J*** D***`); secrets and
 * crypto addresses keep a 4-character prefix (`AKIA***`); IPv4 keeps the first octet; dates of birth keep the
 * year. Values of 4 characters or fewer are starred entirely; long excerpts are cut; line breaks are shown as
 * spaces. The result never equals nor contains the value (checked, with full starring as the fallback).
 */
export function maskExcerpt(value: string, entity?: EntityType): string {
  const v = value.replace(/\r?\n|\r/g, ' ');
  const visible = v.replace(/\s/g, '');
  if (visible.length <= SHORT) return stars(visible.length);
  let masked = maskEntity(v, entity);
  if (masked.length > MAX_EXCERPT) masked = `${masked.slice(0, MAX_EXCERPT - 1)}…`;
  const core = v.trim();
  if (masked === v || masked.includes(core) || hiddenCount(core, masked) === 0) return stars(core.length);
  return masked;
}
