import * as vscode from 'vscode';
import type { ColumnReport } from '../core/report/auditReport';
import { ruleInfo } from '../core/ruleCatalog';
import type { DatasetDiagnostics } from './diagnostics';
import { toRange } from './diagnostics';
import { groupDigits } from '../core/numberText';

function fmt(n: number): string {
  return Number.isInteger(n) ? groupDigits(n) : n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** Markdown for a column: type, missing, distinct, numeric summary, top values (already masked by core), findings. */
export function columnHoverMarkdown(
  col: ColumnReport,
  rows: number,
  findings: { rule: string; message: string; severity: string }[],
): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.appendMarkdown(`**${escapeMd(col.name)}** · ${col.type}`);
  const tags = [
    ...(col.protected ? [`protected: ${escapeMd(col.protected)}`] : []),
    ...(col.quasiIdentifier ? ['quasi-identifier'] : []),
    ...(col.entities.length ? [`personal data: ${col.entities.map((e) => `\`${e}\``).join(', ')}`] : []),
  ];
  if (tags.length) md.appendMarkdown(` · ${tags.join(' · ')}`);
  md.appendMarkdown('\n\n');
  const missingPct = rows ? ` (${fmt((100 * col.missing) / rows)} %)` : '';
  md.appendMarkdown(
    `| | |\n|---|---|\n| rows | ${fmt(rows)} |\n| missing | ${fmt(col.missing)}${missingPct} |\n`,
  );
  md.appendMarkdown(`| distinct | ${col.distinctExact ? '' : '≈'}${fmt(col.distinct)} |\n`);
  if (col.numeric) {
    const n = col.numeric;
    md.appendMarkdown(
      `| min / max | ${fmt(n.min)} / ${fmt(n.max)} |\n| mean ± std | ${fmt(n.mean)} ± ${fmt(n.std)} |\n`,
    );
  }
  if (col.topValues.length) {
    const top = col.topValues.slice(0, 5).map((t) => `\`${t.value.replace(/`/g, "'")}\` ${fmt(t.count)}`);
    md.appendMarkdown(`| top values | ${top.join(', ')} |\n`);
  }
  if (findings.length) {
    md.appendMarkdown('\n');
    for (const f of findings.slice(0, 8)) {
      md.appendMarkdown(`- **${f.severity}** ${escapeMd(ruleInfo(f.rule).title)}: ${escapeMd(f.message)}\n`);
    }
    if (findings.length > 8) md.appendMarkdown(`- … and ${findings.length - 8} more\n`);
  }
  return md;
}

/** Hover on a header cell: the column's profile and its findings, from the latest report of the document. */
export class HeaderHoverProvider implements vscode.HoverProvider {
  constructor(private readonly diagnostics: DatasetDiagnostics) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const scanned = this.diagnostics.report(doc.uri);
    if (!scanned) return undefined;
    const { report } = scanned;
    if (report.format === 'json' || report.format === 'jsonl')
      return this.jsonKeyHover(doc, pos, scanned.report);
    const headerFindings = report.findings.filter(
      (f) => f.column !== undefined && f.location && f.row === undefined,
    );
    // Header positions come from the reader (the column's location), else from a finding anchored on the header
    // cell; a report from before locations were recorded falls back to the first line.
    for (const col of report.columns) {
      const anchor =
        col.location ??
        headerFindings.find((f) => f.columnIndex === col.index || f.column === col.name)?.location;
      const range = anchor ? toRange(anchor) : headerRangeByName(doc, col.name);
      if (!range || !range.contains(pos)) continue;
      const findings = report.findings.filter((f) => f.column === col.name && f.row === undefined);
      return new vscode.Hover(columnHoverMarkdown(col, report.rows, findings), range);
    }
    return undefined;
  }

  /** JSON and JSON Lines: a record's key is the column's header, wherever it appears. */
  private jsonKeyHover(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    report: ScannedReport,
  ): vscode.Hover | undefined {
    const range = doc.getWordRangeAtPosition(pos, /"(?:[^"\\]|\\.)*"(?=\s*:)/);
    if (!range) return undefined;
    let name: string;
    try {
      name = JSON.parse(doc.getText(range)) as string;
    } catch {
      return undefined;
    }
    const col = report.columns.find((c) => c.name === name);
    if (!col) return undefined;
    const findings = report.findings.filter((f) => f.column === col.name && f.row === undefined);
    return new vscode.Hover(columnHoverMarkdown(col, report.rows, findings), range);
  }
}

type ScannedReport = NonNullable<ReturnType<DatasetDiagnostics['report']>>['report'];

/** For CSV/TSV: the range of a header name on line 1 (quoted or not). */
function headerRangeByName(doc: vscode.TextDocument, name: string): vscode.Range | undefined {
  if (doc.lineCount === 0) return undefined;
  const line = doc.lineAt(0).text;
  for (const candidate of [`"${name.replace(/"/g, '""')}"`, name]) {
    let from = 0;
    for (;;) {
      const i = line.indexOf(candidate, from);
      if (i < 0) break;
      const before = i === 0 ? '' : line[i - 1];
      const after = line[i + candidate.length] ?? '';
      if (
        (before === '' || before === ',' || before === '\t' || before === ';' || before === '|') &&
        (after === '' || after === ',' || after === '\t' || after === ';' || after === '|' || after === '\r')
      ) {
        return new vscode.Range(0, i, 0, i + candidate.length);
      }
      from = i + 1;
    }
  }
  return undefined;
}
