/** Human-readable `rml audit` output: grouped by file and severity, coloured only on a terminal. */
import pc from 'picocolors';
import type { Finding, Severity } from '../core/findings';
import { severityRank } from '../core/findings';
import type { AuditReport } from '../core/report/auditReport';
import { count, groupDigits } from '../core/numberText';

type Colours = Pick<typeof pc, 'red' | 'yellow' | 'cyan' | 'dim' | 'bold' | 'gray'>;

function colours(enabled: boolean): Colours {
  return pc.createColors(enabled);
}

function badge(s: Severity, c: Colours): string {
  const label = s.padEnd(7);
  switch (s) {
    case 'error':
      return c.red(label);
    case 'warning':
      return c.yellow(label);
    case 'info':
      return c.cyan(label);
    default:
      return c.dim(label);
  }
}

function where(f: Finding): string {
  if (!f.location) return '';
  return `${f.location.line}:${f.location.startColumn}`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const int = groupDigits;

function findingLine(f: Finding, c: Colours): string {
  const loc = where(f);
  return `  ${badge(f.severity, c)} ${c.dim(loc.padEnd(9))} ${f.message} ${c.gray(f.rule)}`;
}

/** Formats one audited file. */
export function formatAuditText(
  report: AuditReport,
  options: { colour: boolean; maxPerRule?: number },
): string {
  const c = colours(options.colour);
  const out: string[] = [];
  out.push(
    c.bold(`${report.file}`) +
      c.dim(` — ${count(report.rows, 'row')} × ${count(report.columns.length, 'column')} (${report.format})`),
  );
  const sorted = [...report.findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.rule.localeCompare(b.rule) ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.startColumn ?? 0) - (b.location?.startColumn ?? 0),
  );
  const maxPerRule = options.maxPerRule ?? 20;
  const shown = new Map<string, number>();
  const hidden = new Map<string, number>();
  for (const f of sorted) {
    const n = shown.get(f.rule) ?? 0;
    if (n >= maxPerRule) {
      hidden.set(f.rule, (hidden.get(f.rule) ?? 0) + 1);
      continue;
    }
    shown.set(f.rule, n + 1);
    out.push(findingLine(f, c));
  }
  for (const [rule, n] of hidden) out.push(c.dim(`  … ${int(n)} more ${rule} (see --format json)`));
  for (const [rule, n] of Object.entries(report.truncated)) {
    if (n > 0) out.push(c.dim(`  … ${int(n)} more ${rule} beyond the per-rule cap (--max-findings)`));
  }
  const p = report.privacy;
  if (p.quasiIdentifiers.length) {
    out.push(
      `  ${c.bold('Privacy')}: quasi-identifiers ${p.quasiIdentifiers.join(', ')}; k-anonymity ${p.kAnonymity ?? '—'}; ` +
        `${p.uniqueRecords === null ? '—' : pct(p.uniqueRecords)} of records unique` +
        (p.singlingOut
          ? `; {${p.singlingOut.columns.join(', ')}} ${p.singlingOut.columns.length === 1 ? 'singles' : 'single'} out ` +
            pct(p.singlingOut.share)
          : ''),
    );
  }
  const q = report.quality;
  out.push(
    `  ${c.bold('Quality')}: ${int(q.duplicateRows)} duplicate rows; missing cells ` +
      `${int(report.columns.reduce((s, col) => s + col.missing, 0))}` +
      (q.constantColumns.length ? `; constant: ${q.constantColumns.join(', ')}` : ''),
  );
  const prot = report.columns.filter((col) => col.protected).map((col) => `${col.name} (${col.protected})`);
  if (prot.length) out.push(`  ${c.bold('Protected')}: ${prot.join(', ')}`);
  const fair = formatFairness(report.fairness, c);
  if (fair) out.push(fair);
  const counts = countBySeverity(report.findings);
  out.push(
    `  ${c.bold('Findings')}: ${count(counts.error, 'error')}, ${count(counts.warning, 'warning')}, ${groupDigits(counts.info)} info, ${count(counts.hint, 'hint')}`,
  );
  return out.join('\n');
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

interface TextGroupMetrics {
  n?: number;
  baseRate?: number | null;
  selectionRate?: number | null;
  tpr?: number | null;
  fpr?: number | null;
  accuracy?: number | null;
}

const num = (x: unknown, digits = 4) =>
  typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';

/** Per-group tables for the prediction audit, if the report has one. */
function formatFairness(fairness: unknown, c: Colours): string | undefined {
  if (!fairness || typeof fairness !== 'object') return undefined;
  const f = fairness as {
    groups?: Record<string, Record<string, TextGroupMetrics>>;
    disparities?: Record<string, Record<string, unknown>>;
  };
  if (!f.groups) return undefined;
  const lines: string[] = [];
  for (const [attr, groups] of Object.entries(f.groups)) {
    lines.push(`  ${c.bold(`Predictions by ${attr}`)}`);
    lines.push(
      c.dim(
        `    ${'group'.padEnd(24)} ${'n'.padStart(8)} ${'base'.padStart(7)} ${'select'.padStart(7)} ${'TPR'.padStart(7)} ${'FPR'.padStart(7)} ${'acc'.padStart(7)}`,
      ),
    );
    for (const [value, g] of Object.entries(groups)) {
      lines.push(
        `    ${value.slice(0, 24).padEnd(24)} ${String(g.n ?? '').padStart(8)} ${num(g.baseRate).padStart(7)} ${num(g.selectionRate).padStart(7)} ${num(g.tpr).padStart(7)} ${num(g.fpr).padStart(7)} ${num(g.accuracy).padStart(7)}`,
      );
    }
    const d = f.disparities?.[attr];
    if (d) {
      const parts = Object.entries(d)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k} ${num(v)}`);
      if (parts.length) lines.push(c.dim(`    ${parts.join('; ')}`));
    }
  }
  return lines.join('\n');
}
