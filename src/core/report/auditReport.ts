/**
 * The JSON contract of `rml audit --format json` and the object the extension and panels consume.
 * Fields are only ever added; the README documents them.
 */
import type { EntityType, Finding, SourceRange } from '../findings';
import type { DataFormat } from '../data/table';

/** Inferred column type. `identifier` means almost every value is distinct and id-like. */
export type ColumnType =
  'integer' | 'number' | 'boolean' | 'date' | 'category' | 'text' | 'identifier' | 'empty';

/** Kind of protected attribute (as in anti-discrimination law), or null. */
export type ProtectedKind =
  | 'sex'
  | 'race'
  | 'age'
  | 'religion'
  | 'disability'
  | 'nationality'
  | 'marital-status'
  | 'relationship'
  | 'sexual-orientation'
  | 'pregnancy'
  /** Declared protected in the policy without a recognised kind. */
  | 'other';

export interface NumericSummary {
  min: number;
  max: number;
  mean: number;
  std: number;
}

export interface ColumnReport {
  name: string;
  /** 0-based position in the file. */
  index: number;
  /** Where the header name stands (absent for generated names of a headerless file). */
  location?: SourceRange;
  type: ColumnType;
  /** Missing cells: empty, NA, null, ?, and the policy's extra tokens. */
  missing: number;
  /** Distinct non-missing values (exact up to a large cap, then estimated; see `distinctExact`). */
  distinct: number;
  distinctExact: boolean;
  /** Most frequent values with counts; masked where the column holds personal data. */
  topValues: { value: string; count: number }[];
  numeric?: NumericSummary;
  /** Personal-data entities found in the column. */
  entities: EntityType[];
  protected: ProtectedKind | null;
  quasiIdentifier: boolean;
}

export interface PrivacySummary {
  /** Names of the columns treated as quasi-identifiers. */
  quasiIdentifiers: string[];
  /** Size of the smallest equivalence class over all quasi-identifiers (null without any). */
  kAnonymity: number | null;
  /** Share of records that are unique on the quasi-identifiers (0..1). */
  uniqueRecords: number | null;
  /** Smallest set of up to three quasi-identifiers that singles out at least `share` of records. */
  singlingOut?: { columns: string[]; share: number } | null;
}

export interface QualitySummary {
  duplicateRows: number;
  /** First occurrences: `{ row, duplicateOf }`, 1-based data rows, capped. */
  duplicateExamples: { row: number; duplicateOf: number }[];
  constantColumns: string[];
  mixedTypeColumns: string[];
  identifierColumns: string[];
}

export interface AuditReport {
  /** Schema version of this object. */
  version: 1;
  file: string;
  format: DataFormat;
  rows: number;
  columns: ColumnReport[];
  findings: Finding[];
  /** Findings dropped by the per-rule cap, by rule. */
  truncated: Record<string, number>;
  privacy: PrivacySummary;
  quality: QualitySummary;
  /** Present when a label or prediction column is known (see the fairness engine). */
  fairness?: unknown;
}
