/**
 * Scaffolds a `*.train.json` from a dataset's audit report. No `vscode` import (unit-tested in plain Node).
 */
import type { AuditReport, ColumnReport } from '../core/report/auditReport';

/** Columns that make sense as a label: few distinct values, or a numeric target. Most likely first. */
export function labelCandidates(report: AuditReport, preferred?: string): ColumnReport[] {
  const score = (c: ColumnReport): number => {
    if (c.name === preferred) return 100;
    let s = 0;
    if (/^(label|target|class|outcome|income|y|default|churn|approved)$/i.test(c.name)) s += 10;
    if (c.type === 'boolean') s += 6;
    if (c.type === 'category' && c.distinct <= 10) s += 5;
    if (c.distinct === 2) s += 4;
    if (c.entities.length || c.type === 'identifier' || c.protected) s -= 20;
    return s;
  };
  return report.columns
    .filter((c) => c.type !== 'empty' && c.type !== 'identifier' && c.entities.length === 0)
    .sort((a, b) => score(b) - score(a) || a.index - b.index);
}

/**
 * The config text: the label chosen, the protected attributes the scanner found, direct identifiers and
 * identifier columns excluded from the features (the gate would refuse them anyway; listing them says so).
 */
export function scaffoldTrainingConfig(
  report: AuditReport,
  opts: { name: string; dataPath: string; label: string },
): string {
  const protectedCols = report.columns.filter((c) => c.protected && c.name !== opts.label).map((c) => c.name);
  const exclude = report.columns
    .filter(
      (c) =>
        c.name !== opts.label && (c.entities.length > 0 || c.type === 'identifier' || c.type === 'empty'),
    )
    .map((c) => c.name);
  const config: Record<string, unknown> = {
    name: opts.name,
    data: {
      train: opts.dataPath,
      label: opts.label,
      ...(exclude.length ? { features: { exclude } } : {}),
    },
    ...(protectedCols.length ? { protected: protectedCols } : {}),
    model: { type: 'mlp', task: 'auto' },
    training: { epochs: 10, batchSize: 128 },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** A config name from a file name: `data/adult.csv` -> `adult`. */
export function configNameFor(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.(csv|tsv|tab|jsonl|ndjson|json)$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-') || 'model';
}
