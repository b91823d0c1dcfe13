/**
 * The pre-training gate: a column that holds direct identifiers (e-mail, phone, national id, name, card,
 * IBAN, ...) is never a feature unless the config lists it in `privacy.allowFeatures`. A model that learns
 * from a person's e-mail address memorises people, not patterns, and can leak them. Every decision is
 * recorded in the run (`audit.json` and `report.md`), allowed or not.
 */
import type { EntityType } from '../findings';

/** Entities that identify a person on their own. Quasi-identifiers (age, postcode, dates) are not gated here. */
export const DIRECT_IDENTIFIERS: ReadonlySet<EntityType> = new Set<EntityType>([
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CN_MOBILE',
  'US_SSN',
  'CN_RESIDENT_ID',
  'ES_NIF',
  'ES_NIE',
  'IT_FISCAL_CODE',
  'UK_NINO',
  'UK_NHS',
  'IN_AADHAAR',
  'BR_CPF',
  'PL_PESEL',
  'FI_PERSONAL_IDENTITY_CODE',
  'KR_RRN',
  'US_ITIN',
  'IN_PAN',
  'NL_BSN',
  'FR_NIR',
  'SE_PERSONNUMMER',
  'NO_FODSELSNUMMER',
  'DK_CPR',
  'AU_TFN',
  'AU_MEDICARE',
  'SG_NRIC_FIN',
  'CH_AHV',
  'MX_CURP',
  'CL_RUT',
  'BE_NATIONAL_NUMBER',
  'DE_TAX_ID',
  'CA_SIN',
  'TR_TC_KIMLIK',
  'JP_MY_NUMBER',
  'ZA_ID',
  'IL_ID',
  'IE_PPS',
  'TH_TNIN',
  'DE_SVNR',
  'PASSPORT',
  'DRIVER_LICENSE',
  'PERSON',
  'CREDIT_CARD',
  'IBAN_CODE',
  'IP_ADDRESS',
  'CRYPTO',
  'SECRET',
]);

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
