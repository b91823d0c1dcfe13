/**
 * The pre-training gate: a column that holds direct identifiers (e-mail, phone, national id, name, card,
 * IBAN, ...) is never a feature unless the config lists it in `privacy.allowFeatures`. A model that learns
 * from a person's e-mail address memorises people, not patterns, and can leak them. Every decision is
 * recorded in the run (`audit.json` and `report.md`), allowed or not.
 */
import type { EntityType } from '../findings';

/**
 * Whether each entity identifies a person on its own. Quasi-identifiers (postcode, dates, places) and URLs are
 * not gated here. A record of every entity, not a list: a new entity does not compile until it is placed.
 */
const IDENTIFIES: Record<EntityType, boolean> = {
  EMAIL_ADDRESS: true,
  PHONE_NUMBER: true,
  CREDIT_CARD: true,
  IBAN_CODE: true,
  US_SSN: true,
  IP_ADDRESS: true,
  URL: false,
  CRYPTO: true,
  PERSON: true,
  LOCATION: false,
  // A model may learn from where (house prices, trips): located as a postal code locates, not named.
  GEO_COORDINATE: false,
  POSTAL_CODE: false,
  DATE_OF_BIRTH: false,
  CN_RESIDENT_ID: true,
  CN_MOBILE: true,
  ES_NIF: true,
  ES_NIE: true,
  IT_FISCAL_CODE: true,
  UK_NINO: true,
  UK_NHS: true,
  IN_AADHAAR: true,
  BR_CPF: true,
  PL_PESEL: true,
  FI_PERSONAL_IDENTITY_CODE: true,
  KR_RRN: true,
  US_ITIN: true,
  IN_PAN: true,
  NL_BSN: true,
  FR_NIR: true,
  SE_PERSONNUMMER: true,
  NO_FODSELSNUMMER: true,
  DK_CPR: true,
  AU_TFN: true,
  AU_MEDICARE: true,
  SG_NRIC_FIN: true,
  CH_AHV: true,
  MX_CURP: true,
  CL_RUT: true,
  BE_NATIONAL_NUMBER: true,
  DE_TAX_ID: true,
  CA_SIN: true,
  TR_TC_KIMLIK: true,
  JP_MY_NUMBER: true,
  ZA_ID: true,
  IL_ID: true,
  IE_PPS: true,
  TH_TNIN: true,
  DE_SVNR: true,
  PASSPORT: true,
  DRIVER_LICENSE: true,
  MEDICAL_LICENSE: true,
  MEDICAL_RECORD_NUMBER: true,
  US_NPI: true,
  VIN: true,
  LICENSE_PLATE: true,
  US_MBI: true,
  IMEI: true,
  MAC_ADDRESS: true,
  US_BANK_NUMBER: true,
  // A bank's branch, shared by its customers; with the account number beside it, that column is gated.
  ABA_ROUTING_NUMBER: false,
  // A sole trader's number is the person's.
  AU_ABN: true,
  IN_VOTER: true,
  SECRET: true,
};

/** Entities that identify a person on their own. */
export const DIRECT_IDENTIFIERS: ReadonlySet<EntityType> = new Set<EntityType>(
  (Object.keys(IDENTIFIES) as EntityType[]).filter((e) => IDENTIFIES[e]),
);

export interface GateDecision {
  column: string;
  /** Direct-identifier entities found in the column (by its values or its header). */
  entities: EntityType[];
  decision: 'excluded' | 'allowed';
  reason: string;
}

export interface GateResult {
  features: string[];
  decisions: GateDecision[];
}

/**
 * Filters `candidates` (feature columns) with the detected entities per column.
 * @param entitiesByColumn entities the privacy scanner found in each column's values or header.
 * @param allow the config's `privacy.allowFeatures`.
 */
export function gateFeatures(
  candidates: readonly string[],
  entitiesByColumn: ReadonlyMap<string, readonly EntityType[]>,
  allow: readonly string[],
): GateResult {
  const features: string[] = [];
  const decisions: GateDecision[] = [];
  for (const column of candidates) {
    const direct = [
      ...new Set((entitiesByColumn.get(column) ?? []).filter((e) => DIRECT_IDENTIFIERS.has(e))),
    ];
    if (direct.length === 0) {
      features.push(column);
      continue;
    }
    if (allow.includes(column)) {
      features.push(column);
      decisions.push({
        column,
        entities: direct,
        decision: 'allowed',
        reason: `holds ${direct.join(', ')}; used as a feature because privacy.allowFeatures lists it`,
      });
    } else {
      decisions.push({
        column,
        entities: direct,
        decision: 'excluded',
        reason: `holds ${direct.join(', ')} (direct identifier); not used as a feature. List it in privacy.allowFeatures to override`,
      });
    }
  }
  return { features, decisions };
}
