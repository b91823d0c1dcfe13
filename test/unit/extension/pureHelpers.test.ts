import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  datasetFormat,
  formatFromName,
  isPolicyFile,
  isTrainConfig,
  readHead,
  sanitizedName,
} from '../../../src/extension/datasetFiles';
import { applyPolicyChange } from '../../../src/extension/policyChange';
import { listRuns } from '../../../src/extension/runFolders';
import {
  configNameFor,
  labelCandidates,
  scaffoldTrainingConfig,
} from '../../../src/extension/trainingConfigScaffold';
import { parsePolicy } from '../../../src/core/policy';
import { parseTrainConfig } from '../../../src/core/training/config';
import type { AuditReport, ColumnReport } from '../../../src/core/report/auditReport';

describe('extension helpers (no vscode)', () => {
  const temps: string[] = [];
  const tempDir = (prefix: string): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(d);
    return d;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  describe('dataset files', () => {
    it('tells datasets from configuration by name and, for .json, by a top-level array', () => {
      assert.strictEqual(formatFromName('a/b.CSV'), 'csv');
      assert.strictEqual(formatFromName('x.tab'), 'tsv');
      assert.strictEqual(formatFromName('x.ndjson'), 'jsonl');
      assert.strictEqual(formatFromName('package.json'), undefined);
      assert.strictEqual(formatFromName('/w/tsconfig.base.json'), undefined);
      assert.strictEqual(formatFromName('/w/income.train.json'), undefined);
      assert.strictEqual(formatFromName('/w/responsible-ml.json'), undefined);
      assert.strictEqual(datasetFormat('rows.json', '\uFEFF \n [{"a":1}]'), 'json');
      assert.strictEqual(datasetFormat('rows.json', '{"a":1}'), undefined);
      // JSON Lines under a .json name (Hugging Face's to_json): a dataset, read as JSON Lines.
      assert.strictEqual(datasetFormat('rows.json', '{"a":1}\r\n\n  {"a":2}'), 'jsonl');
      assert.strictEqual(datasetFormat('rows.json', '{"a":1}\n'), undefined);
      assert.strictEqual(datasetFormat('settings.json', '{\n  "a": 1\n}\n'), undefined);
      assert.strictEqual(datasetFormat('notes.txt', 'a,b'), undefined);
      assert.ok(isTrainConfig('/a/income.train.json') && !isTrainConfig('/a/train.json'));
      assert.ok(isPolicyFile('/a/responsible-ml.json') && !isPolicyFile('/a/my-responsible-ml.json'));
    });

    it('names the sanitized copy beside the original, keeping the extension', () => {
      assert.strictEqual(sanitizedName('/d/people.csv'), '/d/people.sanitized.csv');
      assert.strictEqual(sanitizedName('/d/a.b/rows.jsonl'), '/d/a.b/rows.sanitized.jsonl');
      assert.strictEqual(sanitizedName('/d/noext'), '/d/noext.sanitized');
    });

    it('reads only the head of a file', () => {
      const f = path.join(tempDir('rml-head-'), 'big.json');
      fs.writeFileSync(f, `[${'{"a":1},'.repeat(10_000)}{"a":1}]`);
      assert.strictEqual(readHead(f, 16).length, 16);
      assert.strictEqual(datasetFormat(f, readHead(f)), 'json');
    });
  });

  describe('policy edits', () => {
    it('creates entries in an empty policy, and the result is a valid policy', () => {
      let t = applyPolicyChange('{}\n', { kind: 'ignore', rule: 'privacy/pii-column', column: 'email' });
      t = applyPolicyChange(t, { kind: 'protected', column: 'sex' });
      t = applyPolicyChange(t, { kind: 'label', column: 'income' });
      const { policy, problems } = parsePolicy(t, 'responsible-ml.json');
      assert.deepStrictEqual(problems, []);
      assert.deepStrictEqual(policy.ignore, [{ rule: 'privacy/pii-column', column: 'email' }]);
      assert.deepStrictEqual(policy.protected, ['sex']);
      assert.strictEqual(policy.label, 'income');
    });

    it('keeps comments, does not duplicate, and moves a column out of notProtected', () => {
      const src =
        '// team policy\n{\n  "notProtected": ["age"], // reviewed\n  "ignore": [{ "rule": "x" }]\n}\n';
      let t = applyPolicyChange(src, { kind: 'protected', column: 'age' });
      assert.match(t, /\/\/ team policy/);
      assert.match(t, /\/\/ reviewed/);
      t = applyPolicyChange(t, { kind: 'protected', column: 'age' });
      const once = applyPolicyChange(t, { kind: 'ignore', rule: 'privacy/pii-column', column: 'email' });
      assert.strictEqual(
        applyPolicyChange(once, { kind: 'ignore', rule: 'privacy/pii-column', column: 'email' }),
        once,
      );
      const { policy } = parsePolicy(once, 'responsible-ml.json');
      assert.deepStrictEqual(policy.protected, ['age']);
      assert.deepStrictEqual(policy.notProtected, []);
      assert.strictEqual(policy.ignore.length, 2);
    });
  });

  describe('training config scaffold', () => {
    const col = (name: string, index: number, extra: Partial<ColumnReport>): ColumnReport => ({
      name,
      index,
      type: 'category',
      missing: 0,
      distinct: 2,
      distinctExact: true,
      topValues: [],
      entities: [],
      protected: null,
      quasiIdentifier: false,
      ...extra,
    });
    const report = {
      version: 1,
      file: 'people.csv',
      format: 'csv',
      rows: 60,
      findings: [],
      truncated: {},
      columns: [
        col('id', 0, { type: 'identifier', distinct: 60 }),
        col('email', 1, { type: 'text', distinct: 60, entities: ['EMAIL_ADDRESS'] }),
        col('age', 2, { type: 'integer', distinct: 40, protected: 'age' }),
        col('sex', 3, { protected: 'sex' }),
        col('approved', 4, { type: 'boolean' }),
      ],
      privacy: { quasiIdentifiers: [], kAnonymity: null, uniqueRecords: null },
      quality: {
        duplicateRows: 0,
        duplicateExamples: [],
        constantColumns: [],
        mixedTypeColumns: [],
        identifierColumns: [],
      },
    } as unknown as AuditReport;

    it('offers likely labels first and never identifiers or personal data', () => {
      const names = labelCandidates(report).map((c) => c.name);
      assert.strictEqual(names[0], 'approved');
      assert.ok(!names.includes('id') && !names.includes('email'));
      assert.strictEqual(labelCandidates(report, 'sex')[0]?.name, 'sex');
    });

    it('writes a config the training validator accepts, excluding identifiers and naming protected attributes', () => {
      const text = scaffoldTrainingConfig(report, {
        name: configNameFor('/w/people.csv'),
        dataPath: './people.csv',
        label: 'approved',
      });
      const { config, problems } = parseTrainConfig(text, 'people.train.json', '/w');
      assert.deepStrictEqual(problems, []);
      assert.strictEqual(config?.name, 'people');
      assert.deepStrictEqual(config?.data.features.exclude, ['id', 'email']);
      assert.deepStrictEqual(config?.protected, ['age', 'sex']);
    });
  });

  describe('run folders', () => {
    it('lists runs newest first with state and key metrics, tolerating half-written folders', () => {
      const runs = tempDir('rml-runs-');
      const a = path.join(runs, 'income', '2026-11-28T10-00-00-000Z');
      const b = path.join(runs, 'income', '2026-11-28T11-00-00-000Z');
      fs.mkdirSync(path.join(a, 'model'), { recursive: true });
      fs.writeFileSync(path.join(a, 'status.json'), JSON.stringify({ state: 'finished' }));
      fs.writeFileSync(path.join(a, 'audit.json'), JSON.stringify({ performance: { accuracy: 0.8512 } }));
      fs.mkdirSync(b, { recursive: true });
      fs.writeFileSync(
        path.join(b, 'metrics.jsonl'),
        '{"kind":"epoch","epoch":1,"loss":0.5,"val_loss":0.45}\n{"broken',
      );
      fs.writeFileSync(
        path.join(b, 'status.json'),
        JSON.stringify({ state: 'running', pid: 2 ** 22 + 12345 }),
      );
      const list = listRuns(runs);
      assert.deepStrictEqual(
        list.map((r) => r.id),
        ['2026-11-28T11-00-00-000Z', '2026-11-28T10-00-00-000Z'],
      );
      assert.strictEqual(list[0]?.state, 'unknown');
      assert.deepStrictEqual(list[0]?.metrics, ['epoch 1', 'val_loss 0.450']);
      assert.strictEqual(list[1]?.state, 'finished');
      assert.deepStrictEqual(list[1]?.metrics, ['acc 0.851']);
      assert.ok(list[1]?.files.model && list[1]?.files.audit);
      assert.strictEqual(listRuns(b).length, 0);
      assert.strictEqual(listRuns(path.join(runs, 'missing')).length, 0);
      assert.strictEqual(listRuns(runs, new Set([b]))[0]?.state, 'running');
    });
  });
});
