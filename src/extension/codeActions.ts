import * as vscode from 'vscode';
import type { Finding } from '../core/findings';
import type { CommandId } from './commandIds';
import { DIAGNOSTIC_SOURCE, toRange, type DatasetDiagnostics } from './diagnostics';
import type { SanitizeKind } from './sanitize';

const SANITIZE_TITLES: Record<SanitizeKind, string> = {
  mask: 'Mask',
  pseudonymise: 'Pseudonymise (HMAC-SHA256)',
  generalise: 'Generalise',
  drop: 'Drop',
};

/** Rules whose column is personal or re-identifying data: the sanitising fixes apply. */
function sanitizable(rule: string): boolean {
  return rule.startsWith('privacy/') && rule !== 'privacy/k-anonymity' && rule !== 'privacy/singling-out';
}

function command(id: CommandId, title: string, args: unknown): vscode.Command {
  return { command: id, title, arguments: [args] };
}

/**
 * Quick fixes on dataset diagnostics: write a sanitised copy of the column (mask, pseudonymise, generalise,
 * drop) beside the original, ignore the rule for the column in `responsible-ml.json`, declare the column a
 * protected attribute or the label; and a source action that scaffolds a training config.
 */
export class DatasetCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [
    vscode.CodeActionKind.QuickFix,
    vscode.CodeActionKind.Source.append('responsibleMl'),
  ];

  constructor(private readonly diagnostics: DatasetDiagnostics) {}

  provideCodeActions(
    doc: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const scanned = this.diagnostics.report(doc.uri);
    const actions: vscode.CodeAction[] = [];
    const seenColumns = new Set<string>();
    for (const diag of context.diagnostics) {
      if (diag.source !== DIAGNOSTIC_SOURCE) continue;
      const rule = typeof diag.code === 'object' ? String(diag.code.value) : String(diag.code ?? '');
      const finding = scanned?.report.findings.find(
        (f) =>
          f.rule === rule &&
          f.message === diag.message &&
          (!f.location || toRange(f.location).isEqual(diag.range)),
      );
      const column = finding?.column;
      if (!column) continue;
      if (sanitizable(rule) && !seenColumns.has(column)) {
        seenColumns.add(column);
        for (const kind of Object.keys(SANITIZE_TITLES) as SanitizeKind[]) {
          if (kind === 'generalise' && !generalisable(finding)) continue;
          const a = new vscode.CodeAction(
            `${SANITIZE_TITLES[kind]} column "${column}" in a sanitized copy`,
            vscode.CodeActionKind.QuickFix,
          );
          a.diagnostics = [diag];
          a.command = command('responsibleMl.sanitizeColumn', a.title, { uri: doc.uri, column, kind });
          if (kind === 'mask' && rule === 'privacy/pii-column') a.isPreferred = true;
          actions.push(a);
        }
      }
      const ignore = new vscode.CodeAction(
        `Ignore ${rule} for column "${column}" (responsible-ml.json)`,
        vscode.CodeActionKind.QuickFix,
      );
      ignore.diagnostics = [diag];
      ignore.command = command('responsibleMl.ignoreRuleForColumn', ignore.title, {
        uri: doc.uri,
        rule,
        column,
      });
      actions.push(ignore);
      if (rule === 'privacy/protected-attribute' || rule === 'fairness/proxy') {
        const p = new vscode.CodeAction(
          `Declare "${column}" a protected attribute (responsible-ml.json)`,
          vscode.CodeActionKind.QuickFix,
        );
        p.diagnostics = [diag];
        p.command = command('responsibleMl.declareProtected', p.title, { uri: doc.uri, column });
        actions.push(p);
      }
    }
    // On a header cell without diagnostics: declare the column the label or a protected attribute.
    const headerColumn =
      scanned && range.start.line === 0
        ? columnAt(
            doc,
            range.start,
            scanned.report.columns.map((c) => c.name),
          )
        : undefined;
    if (headerColumn) {
      const label = new vscode.CodeAction(
        `Declare "${headerColumn}" the label (responsible-ml.json)`,
        vscode.CodeActionKind.QuickFix,
      );
      label.command = command('responsibleMl.declareLabel', label.title, {
        uri: doc.uri,
        column: headerColumn,
      });
      actions.push(label);
      if (!actions.some((a) => a.command?.command === 'responsibleMl.declareProtected')) {
        const p = new vscode.CodeAction(
          `Declare "${headerColumn}" a protected attribute (responsible-ml.json)`,
          vscode.CodeActionKind.QuickFix,
        );
        p.command = command('responsibleMl.declareProtected', p.title, {
          uri: doc.uri,
          column: headerColumn,
        });
        actions.push(p);
      }
    }
    if (scanned) {
      const create = new vscode.CodeAction(
        'Create training config from this dataset',
        DatasetCodeActions.kinds[1],
      );
      create.command = command('responsibleMl.createTrainingConfig', create.title, doc.uri);
      actions.push(create);
    }
    return actions;
  }
}

/** Generalising applies to ages, postal codes and dates (bands, prefixes, years). */
function generalisable(f: Finding): boolean {
  if (f.entity === 'POSTAL_CODE' || f.entity === 'DATE_OF_BIRTH' || f.entity === 'GEO_COORDINATE')
    return true;
  return f.rule === 'privacy/quasi-identifier' || f.rule === 'privacy/protected-attribute';
}

function columnAt(doc: vscode.TextDocument, pos: vscode.Position, names: string[]): string | undefined {
  const line = doc.lineAt(0).text;
  const sep = line.includes('\t') ? '\t' : ',';
  let start = 0;
  for (const cell of line.split(sep)) {
    const end = start + cell.length;
    if (pos.character >= start && pos.character <= end) {
      const name = cell
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .replace(/""/g, '"');
      return names.includes(name) ? name : undefined;
    }
    start = end + 1;
  }
  return undefined;
}
