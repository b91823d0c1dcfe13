/**
 * The JSON-friendly summary the CLI puts under `fairness` in the audit report and the panels read: plain
 * objects, numbers or null (never NaN or typed arrays). Findings are not repeated here; they go to the audit
 * report's `findings`.
 */
import type { AttributeBias, DatasetBias } from './datasetBias';
import type { LeakageScore } from './leakage';
import type { Disparities, FairnessThresholds, GroupMetrics, PredictionAudit } from './predictionAudit';
import type { ProxyAssociation } from './proxies';

export interface FairnessReport {
  /** Column names as given by the user. */
  label?: string;
  prediction?: string;
  score?: string;
  /** Values mapped to the positive outcome. */
  positive?: string[];
  /** Label bias per protected attribute and pair of them. */
  dataset?: {
    rows: number;
    labelled: number;
    missingLabel: number;
    baseRate: number | null;
    attributes: AttributeBias[];
    intersections: AttributeBias[];
  };
  proxies?: ProxyAssociation[];
  leakage?: LeakageScore[];
  /** Prediction audit: everyone, then `groups[attribute][value]` and `disparities[attribute]`. */
  overall?: GroupMetrics;
  groups?: Record<string, Record<string, GroupMetrics>>;
  disparities?: Record<string, Disparities>;
  /** The thresholds the disparities were checked against. */
  thresholds?: Required<FairnessThresholds>;
}

/** Assembles a {@link FairnessReport} from whichever analyses ran, dropping their findings. */
export function toFairnessReport(parts: {
  label?: string;
  prediction?: string;
  score?: string;
  positive?: string[];
  dataset?: DatasetBias;
  proxies?: ProxyAssociation[];
  leakage?: LeakageScore[];
  predictions?: PredictionAudit;
  thresholds?: Required<FairnessThresholds>;
}): FairnessReport {
  const r: FairnessReport = {};
  if (parts.label !== undefined) r.label = parts.label;
  if (parts.prediction !== undefined) r.prediction = parts.prediction;
  if (parts.score !== undefined) r.score = parts.score;
  if (parts.positive) r.positive = parts.positive;
  if (parts.dataset) {
    const d = parts.dataset;
    r.dataset = { rows: d.rows, labelled: d.labelled, missingLabel: d.missingLabel, baseRate: d.baseRate, attributes: d.attributes, intersections: d.intersections };
  }
  if (parts.proxies) r.proxies = parts.proxies;
  if (parts.leakage) r.leakage = parts.leakage;
  if (parts.predictions) {
    r.overall = parts.predictions.overall;
    r.groups = parts.predictions.groups;
    r.disparities = parts.predictions.disparities;
  }
  if (parts.thresholds) r.thresholds = parts.thresholds;
  return r;
}
