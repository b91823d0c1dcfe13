/**
 * Findings are the one currency between core and its two faces (the editor and the CLI): core emits them,
 * the extension turns each into a `vscode.Diagnostic`, the CLI prints them as text, JSON or SARIF.
 * Nothing here knows about an editor.
 */

/** Ordered from most to least severe; `--fail-on` compares with {@link severityRank}. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** Higher is more severe. */
export function severityRank(s: Severity): number {
  return 3 - SEVERITIES.indexOf(s);
}

/**
 * A place in a source file. Lines and columns are 1-based; `endColumn` is exclusive (the column just after
 * the last character), columns count UTF-16 code units. These are SARIF's conventions, and VS Code's
 * positions are these minus one.
 */
export interface SourceRange {
  line: number;
  startColumn: number;
  /** Defaults to `line` when the range does not span lines. */
  endLine?: number;
  endColumn: number;
}

/** Entity names follow Microsoft Presidio where one exists. */
export type EntityType =
  | 'EMAIL_ADDRESS'
  | 'PHONE_NUMBER'
  | 'CREDIT_CARD'
  | 'IBAN_CODE'
  | 'US_SSN'
  | 'IP_ADDRESS'
  | 'URL'
  | 'CRYPTO'
  | 'PERSON'
  | 'LOCATION'
  | 'POSTAL_CODE'
  | 'DATE_OF_BIRTH'
  | 'CN_RESIDENT_ID'
  | 'CN_MOBILE'
  | 'ES_NIF'
  | 'ES_NIE'
  | 'IT_FISCAL_CODE'
  | 'UK_NINO'
  | 'UK_NHS'
  | 'IN_AADHAAR'
  | 'BR_CPF'
  | 'PL_PESEL'
  | 'FI_PERSONAL_IDENTITY_CODE'
  | 'KR_RRN'
  | 'US_ITIN'
  | 'IN_PAN'
  | 'NL_BSN'
  | 'FR_NIR'
  | 'SE_PERSONNUMMER'
  | 'NO_FODSELSNUMMER'
  | 'DK_CPR'
  | 'AU_TFN'
  | 'AU_MEDICARE'
  | 'SG_NRIC_FIN'
  | 'CH_AHV'
  | 'MX_CURP'
  | 'CL_RUT'
  | 'BE_NATIONAL_NUMBER'
  | 'DE_TAX_ID'
  | 'CA_SIN'
  | 'TR_TC_KIMLIK'
  | 'JP_MY_NUMBER'
  | 'ZA_ID'
  | 'IL_ID'
  | 'IE_PPS'
  | 'TH_TNIN'
  | 'DE_SVNR'
  | 'PASSPORT'
  | 'DRIVER_LICENSE'
  | 'MEDICAL_LICENSE'
  | 'MEDICAL_RECORD_NUMBER'
  | 'US_NPI'
  | 'VIN'
  | 'LICENSE_PLATE'
  | 'US_MBI'
  | 'IMEI'
  | 'MAC_ADDRESS'
  | 'GEO_COORDINATE'
  | 'US_BANK_NUMBER'
  | 'ABA_ROUTING_NUMBER'
  | 'AU_ABN'
  | 'IN_VOTER'
  | 'SECRET';

export interface Finding {
  /** Stable rule id, e.g. `privacy/pii-column`; documented in docs/rules.md. */
  rule: string;
  severity: Severity;
  /** One sentence for a person. Never contains a full detected personal value. */
  message: string;
  /** The file the finding is about, as given to the scanner (path or URI string). */
  file?: string;
  /** Column name the finding is anchored on, if any. */
  column?: string;
  /** 0-based column index, if any. */
  columnIndex?: number;
  /** Personal-data entity, for privacy findings. */
  entity?: EntityType;
  /** 1-based data row (header excluded), for cell-level findings. */
  row?: number;
  /** Where to show it. Absent for whole-file findings that have no better anchor. */
  location?: SourceRange;
  /** Masked excerpt of the offending value. */
  excerpt?: string;
  /** Extra places that explain the finding (e.g. the first duplicate of a row). */
  related?: { message: string; location: SourceRange }[];
  /** Machine-readable details for panels and JSON consumers. */
  data?: Record<string, unknown>;
}
