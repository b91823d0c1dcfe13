/**
 * The JSON-friendly `fairness` section of the audit report, as `rml audit --format json` writes it and the
 * panels read it: plain objects, numbers or null (never NaN or typed arrays). Findings are not repeated here;
 * they go to the audit report's `findings`. Fields are only ever added.
 */
import type { DatasetBias } from './datasetBias';
import type { LeakageScore } from './leakage';
import type { Disparities, GroupMetrics } from './predictionAudit';
import type { ProxyAssociation } from './proxies';

export interface FairnessReport {
  /** The label column, as given by the user or the policy. */
  label: string;
  /** Values mapped to the positive outcome. */
  positiveValues: string[];
  /** Label bias per protected attribute and pair of them (group shares, base rates, disparate impact). */
  dataset?: Omit<DatasetBias, 'findings'>;
  /** Association of every column with each protected attribute. */
  proxies: ProxyAssociation[];
  /** How far each column alone determines the label. */
  leakage: LeakageScore[];
  /** Why proxies or leakage were not assessed, if they were not. */
  notAssessed?: string;
  /** Present with a prediction column: the prediction audit. */
  prediction?: string;
  /** The score column, when score metrics (ROC AUC, calibration) were computed. */
  score?: string;
  overall?: GroupMetrics;
  /** `groups[attribute][value]`. */
  groups?: Record<string, Record<string, GroupMetrics>>;
  /** `disparities[attribute]`, Fairlearn's between-group definitions. */
  disparities?: Record<string, Disparities>;
}
