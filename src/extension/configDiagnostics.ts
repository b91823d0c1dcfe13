import * as fs from 'fs';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import * as path from 'path';
import * as vscode from 'vscode';
import type { EntityType, Finding } from '../core/findings';
import { DEFAULT_POLICY } from '../core/policy';
import type { ResolvedTrainConfig } from '../core/training/config';
import { datasetFormat, isTrainConfig, readHead } from './datasetFiles';
import { errorText, toDiagnostic } from './diagnostics';
import { fileAbove } from '../worker/fileAbove';
import { log } from './log';
import type { ScanClient } from './scanClient';

/**
 * Diagnostics in `*.train.json`: the validator's errors (syntax, schema, consistency) as the user types, and,
 * on open and save, what the pre-training gate will decide: a missing training file or label column is an
 * error; a direct-identifier column that will be left out of the features is a warning on `data.train`.
 */
export class ConfigDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('responsible-ml-config');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * Gate findings cached by training file path, mtime and the config's region (the scan reads the whole
   * file).
   */
  private readonly gateCache = new Map<
    string,
    { key: string; columns: string[]; entities: Map<string, EntityType[]> }
  >();

  constructor(private readonly scanClient: ScanClient) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0, true)),
      vscode.workspace.onDidChangeTextDocument(
        (e) => e.contentChanges.length && this.schedule(e.document, 300, false),
      ),
      vscode.workspace.onDidSaveTextDocument((d) => this.schedule(d, 0, true)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0, true);
  }

  private schedule(doc: vscode.TextDocument, delay: number, withGate: boolean): void {
    if (!isTrainConfig(doc.fileName)) return;
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => void this.validate(doc, withGate), delay),
    );
  }

  /** Validates a config document and publishes its diagnostics; returns the findings (for the Validate command). */
  async validate(
    doc: vscode.TextDocument,
    withGate = true,
  ): Promise<{ findings: Finding[]; config?: ResolvedTrainConfig }> {
    const text = doc.getText();
    const fileName = vscode.workspace.asRelativePath(doc.uri, false);
    // The validator (ajv and the schema) loads on first use, not at activation.
    const { parseTrainConfig } = await import('../core/training/config.js');
    const { config, problems } = parseTrainConfig(text, fileName, path.dirname(doc.uri.fsPath));
    const findings = [...problems];
    if (config && withGate) {
      try {
        findings.push(...(await this.gate(text, fileName, config)));
      } catch (e) {
        log().warn(`Gate check for ${fileName} skipped: ${errorText(e)}`);
      }
    }
    if (!doc.isClosed)
      this.collection.set(
        doc.uri,
        findings.map((f) => toDiagnostic(f, doc.uri)),
      );
    return { findings, ...(config ? { config } : {}) };
  }

  private async gate(text: string, fileName: string, config: ResolvedTrainConfig): Promise<Finding[]> {
    const { offsetToRange } = await import('../core/config/jsonDocument.js');
    const { gateFeatures } = await import('../core/training/privacyGate.js');
    const root = parseTree(text);
    const at = (p: (string | number)[]) => {
      const node = root && findNodeAtLocation(root, p);
      return node ? offsetToRange(text, node.offset, node.length) : undefined;
    };
    const out: Finding[] = [];
    const finding = (
      rule: string,
      severity: Finding['severity'],
      message: string,
      p: (string | number)[],
    ): Finding => {
      const location = at(p);
      return {
        rule,
        severity,
        message,
        file: fileName,
        ...(location ? { location } : {}),
        data: { path: p.join('.') },
      };
    };
    const trainPath = path.resolve(config.baseDir, config.data.train);
    // A table inside a ZIP or tar archive (`titanic.zip/train.csv`): the scan worker reads the archive and
    // says what is wrong with the path; here only that an archive is on it.
    const archive = fs.existsSync(trainPath) ? undefined : fileAbove(trainPath);
    if (!fs.existsSync(trainPath) && !archive) {
      out.push(
        finding('train-config/missing-file', 'error', `data.train: ${config.data.train} does not exist.`, [
          'data',
          'train',
        ]),
      );
      return out;
    }
    const stat = fs.statSync(archive ?? trainPath);
    const cacheKey = `${stat.mtimeMs}:${stat.size}:${config.privacy.region ?? ''}`;
    let cached = this.gateCache.get(trainPath);
    if (!cached || cached.key !== cacheKey) {
      const head = archive ? '' : readHead(trainPath);
      let report;
      try {
        report = await this.scanClient.scan({
          path: trainPath,
          // The path as the config gives it: the worker's words about an archive name it so.
          fileName: config.data.train,
          format: (archive ? undefined : datasetFormat(trainPath, head)) ?? 'auto',
          maxFindingsPerRule: 1,
          // The gate's phone numbers are the config's country's, as the run's will be.
          ...(config.privacy.region ? { policy: { ...DEFAULT_POLICY, region: config.privacy.region } } : {}),
        });
      } catch (e) {
        // The path's fault, in the worker's words (InvalidParams): an archive's file it lacks, or an archive
        // of several tables that data.train must choose from. Anything else is no finding of the config's.
        if (!(e instanceof ResponseError) || e.code !== ErrorCodes.InvalidParams) throw e;
        out.push(
          finding('train-config/missing-file', 'error', `data.train: ${errorText(e)}`, ['data', 'train']),
        );
        return out;
      }
      cached = {
        key: cacheKey,
        columns: report.columns.map((c) => c.name),
        entities: new Map(report.columns.map((c) => [c.name, c.entities])),
      };
      this.gateCache.set(trainPath, cached);
    }
    if (!cached.columns.includes(config.data.label)) {
      out.push(
        finding(
          'train-config/missing-column',
          'error',
          `data.label: the training file has no column "${config.data.label}".`,
          ['data', 'label'],
        ),
      );
    }
    for (const p of config.protected) {
      if (!cached.columns.includes(p)) {
        const i = config.protected.indexOf(p);
        out.push(
          finding(
            'train-config/missing-column',
            'error',
            `protected: the training file has no column "${p}".`,
            ['protected', i],
          ),
        );
      }
    }
    const candidates = cached.columns.filter(
      (c) => c !== config.data.label && !(config.data.features.exclude ?? []).includes(c),
    );
    const { decisions } = gateFeatures(candidates, cached.entities, config.privacy.allowFeatures ?? []);
    for (const d of decisions) {
      out.push(
        finding(
          'train-config/privacy-gate',
          d.decision === 'excluded' ? 'warning' : 'info',
          `Column "${d.column}" ${d.reason}.`,
          d.decision === 'allowed' ? ['privacy', 'allowFeatures'] : ['data', 'train'],
        ),
      );
    }
    return out;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
