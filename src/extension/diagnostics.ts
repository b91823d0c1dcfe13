import * as vscode from 'vscode';
import type { Finding, Severity, SourceRange } from '../core/findings';
import type { AuditReport } from '../core/report/auditReport';
import { ruleHelpUri } from '../core/ruleCatalog';
import { datasetFormat } from './datasetFiles';
import { log } from './log';
import type { PolicyStore } from './policyStore';
import type { ScanClient } from './scanClient';
import { readSettings, SETTINGS_SECTION } from './settings';

export const DIAGNOSTIC_SOURCE = 'Responsible ML';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Findings use 1-based lines and columns with an exclusive end; VS Code positions are those minus one. */
export function toRange(r: SourceRange): vscode.Range {
  return new vscode.Range(r.line - 1, r.startColumn - 1, (r.endLine ?? r.line) - 1, r.endColumn - 1);
}

/**
 * The one conversion from a core Finding to a VS Code Diagnostic: the rule id is the code and links to its
 * section in docs/rules.md; `related` becomes related information in the same file. A finding without a
 * location is anchored at the start of the file.
 */
export function toDiagnostic(f: Finding, uri: vscode.Uri): vscode.Diagnostic {
  const range = f.location ? toRange(f.location) : new vscode.Range(0, 0, 0, 0);
  const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = { value: f.rule, target: vscode.Uri.parse(ruleHelpUri(f.rule)) };
  if (f.related?.length) {
    d.relatedInformation = f.related.map(
      (r) =>
        new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.location)), r.message),
    );
  }
  return d;
}

export interface ScannedDocument {
  report: AuditReport;
  /** Document version the report was computed from (-1 for a file scanned from disk). */
  version: number;
}

async function* single(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

/**
 * Diagnostics for dataset files: open documents are scanned on open and, debounced, on change; small ones on
 * the extension host (a few milliseconds), larger ones in the scan worker. "Scan Workspace Datasets" adds
 * reports for files that are not open. Keeps the latest report per file for hovers, code actions and the tree.
 */
export class DatasetDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('responsible-ml');
  readonly policyCollection = vscode.languages.createDiagnosticCollection('responsible-ml-policy');
  private readonly reports = new Map<string, ScannedDocument>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Map<string, vscode.CancellationTokenSource>();
  private readonly workspaceScanned = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a file's diagnostics were updated. */
  readonly onDidUpdate = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.collection, this.policyCollection, this.emitter];

  constructor(
    private readonly policies: PolicyStore,
    private readonly scanClient: ScanClient,
  ) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.schedule(e.document, this.settings().debounceMs);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      policies.onDidChange(() => this.rescanOpen()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS_SECTION)) this.rescanOpen();
      }),
    );
    this.rescanOpen();
  }

  private settings() {
    return readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
  }

  /** The latest report for a file, if it was scanned. */
  report(uri: vscode.Uri): ScannedDocument | undefined {
    return this.reports.get(uri.toString());
  }

  allReports(): [vscode.Uri, ScannedDocument][] {
    return [...this.reports.entries()].map(([k, v]) => [vscode.Uri.parse(k), v]);
  }

  rescanOpen(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled' && doc.uri.scheme !== 'vscode-remote')
      return;
    const format = datasetFormat(doc.fileName, doc.getText(new vscode.Range(0, 0, 5, 0)));
    if (!format) return;
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.scanDocument(doc);
      }, delayMs),
    );
  }

  /** Scans an open document now (cancelling an older scan of it) and publishes its diagnostics. */
  async scanDocument(doc: vscode.TextDocument): Promise<ScannedDocument | undefined> {
    const key = doc.uri.toString();
    const settings = this.settings();
    if (!settings.diagnosticsEnabled) {
      this.collection.delete(doc.uri);
      return undefined;
    }
    const format = datasetFormat(doc.fileName, doc.getText(new vscode.Range(0, 0, 5, 0)));
    if (!format || doc.isClosed) return undefined;
    this.inflight.get(key)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.inflight.set(key, cts);
    const version = doc.version;
    const started = Date.now();
    try {
      const { policy, problems, uri: policyUri } = await this.policies.policyFor(doc.uri);
      if (policyUri)
        this.policyCollection.set(
          policyUri,
          problems.map((p) => toDiagnostic(p, policyUri)),
        );
      const text = doc.getText();
      const fileName = vscode.workspace.asRelativePath(doc.uri, false);
      const options = {
        fileName,
        format,
        policy,
        maxFindingsPerRule: Math.min(settings.maxFindingsPerRule, policy.maxFindingsPerRule),
      };
      let report: AuditReport;
      if (Buffer.byteLength(text, 'utf8') > settings.inProcessMaxBytes) {
        report = await this.scanClient.scan(
          { path: doc.uri.fsPath, ...(doc.isDirty || doc.isUntitled ? { text } : {}), ...options },
          cts.token,
        );
      } else {
        const controller = new AbortController();
        cts.token.onCancellationRequested(() => controller.abort());
        // Loaded on first use: the scanner's detectors take seconds to initialise, activation must not wait.
        const { scanDataset } = await import('../core/scan.js');
        report = await scanDataset(single(text), { ...options, signal: controller.signal });
      }
      if (cts.token.isCancellationRequested || doc.isClosed || doc.version !== version) return undefined;
      const scanned = { report, version };
      this.publish(doc.uri, scanned);
      log().info(
        `${fileName}: ${report.findings.length} finding(s), ${report.rows} rows, ${Date.now() - started} ms`,
      );
      return scanned;
    } catch (e) {
      if (!cts.token.isCancellationRequested)
        log().error(`Scan of ${vscode.workspace.asRelativePath(doc.uri)} failed: ${errorText(e)}`);
      return undefined;
    } finally {
      if (this.inflight.get(key) === cts) this.inflight.delete(key);
      cts.dispose();
    }
  }

  /** Publishes a report computed elsewhere (e.g. the workspace scan) for a file that may not be open. */
  publish(uri: vscode.Uri, scanned: ScannedDocument, fromWorkspaceScan = false): void {
    const key = uri.toString();
    this.reports.set(key, scanned);
    if (fromWorkspaceScan) this.workspaceScanned.add(key);
    this.collection.set(
      uri,
      scanned.report.findings.map((f) => toDiagnostic(f, uri)),
    );
    this.emitter.fire(uri);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.inflight.get(key)?.cancel();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    // Files covered by a workspace scan keep their diagnostics after their editor closes.
    if (this.workspaceScanned.has(key)) return;
    this.reports.delete(key);
    this.collection.delete(uri);
    this.emitter.fire(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.inflight.values()) c.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
