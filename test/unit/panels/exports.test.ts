import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { encodeCategorical } from '../../../src/core/data/encoded';
import { auditPredictions } from '../../../src/core/fairness/predictionAudit';
import { esc, htmlReport } from '../../../src/core/report/htmlReport';
import { mdCell, modelCard } from '../../../src/core/report/modelCard';
import { runAuditView } from '../../../src/core/report/viewModels';

/** A run audit shaped as runTraining writes it, on Adult's first 2000 rows scored by years of education. */
function adultRun() {
  const lines = fs.readFileSync('/work/shared/data/adult/adult.csv', 'utf8').split('\n').slice(0, 2001);
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v])));
  const label = Int8Array.from(rows, (r) => (r.income === '>50K' ? 1 : 0));
  const score = Float64Array.from(rows, (r) => Math.min(1, Number(r['education-num']) / 16));
  const prediction = Int8Array.from(score, (s) => (s >= 0.75 ? 1 : 0));
  // A group value that would be markup if it were not escaped.
  const sex = encodeCategorical(rows.map((r, i) => (i === 0 ? '<script>alert(1)</script>' : r.sex)));
  const pa = auditPredictions({ label, prediction, score, groups: { sex } });
  const audit = JSON.parse(
    JSON.stringify({
      version: 1,
      config: 'income',
      task: 'binary',
      split: 'test',
      rows: rows.length,
      performance: { accuracy: pa.overall.accuracy, auc: 0.71 },
      training: {
        backend: { name: 'wasm', device: 'CPU, WebAssembly SIMD, 1 thread', skipped: [] },
        epochs: 12,
        bestEpoch: 10,
        stoppedEarly: true,
        samplesPerSecond: 40000,
        steps: 1200,
      },
      data: {
        features: ['age', 'education', 'hours-per-week'],
        rows: { train: 1500, validation: 500, test: 2000 },
        droppedMissing: 3,
        duplicatesDropped: 1,
        unknownCategories: 0,
      },
      privacy: {
        gate: [
          { column: 'email', entities: ['EMAIL_ADDRESS'], decision: 'excluded', reason: 'direct identifier' },
        ],
      },
      fairness: { attributes: ['sex'], mitigation: 'none', before: pa },
    }),
  ) as unknown;
  const config = {
    name: 'income',
    data: { train: 'adult.csv', test: 'adult-test.csv', label: 'income', positive: ['>50K'] },
    model: { type: 'mlp', hidden: [64, 32] },
    training: { epochs: 20, batchSize: 256, optimizer: 'adam', learningRate: 0.001 },
  };
  const view = runAuditView('/w/runs/income/2026-11-28T16-00-00-000Z', audit, {
    config,
    generatedAt: '2026-11-28T16:30:00Z',
  });
  return { audit, config, view, pa };
}

describe('panels: exports', () => {
  it('HTML report: self-contained (no script, no external reference), escaped, with the per-group table', () => {
    const { view } = adultRun();
    const html = htmlReport(view, {
      generatedAt: '2026-11-28T16:30:00Z',
      epochs: [
        { epoch: 1, loss: 0.5, valLoss: 0.52 },
        { epoch: 2, loss: 0.4, valLoss: 0.45 },
      ],
    });
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.doesNotMatch(html, /<script/i, 'no script at all (and the group name is escaped)');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(html, /\s(src|href)=/i, 'nothing loaded from elsewhere');
    assert.doesNotMatch(html, /url\(/i);
    assert.match(html, /Per-group metrics by sex/);
    assert.match(html, /<th scope="row">Male<\/th>/);
    assert.match(html, /Loss per epoch/);
    assert.match(html, /Reliability diagram/);
    assert.equal(esc(`a&<"'>`), 'a&amp;&lt;&quot;&#39;&gt;');
  });

  it('HTML report of a dataset shows masked excerpts only', () => {
    const { view } = adultRun();
    const ds = {
      ...view,
      model: undefined,
      dataset: {
        file: 'people.csv',
        rows: 10,
        columns: 3,
        truncated: 0,
        quasiIdentifiers: [],
        kAnonymity: null,
        uniqueRecords: null,
        singlingOut: null,
        piiColumns: [{ name: 'email', entities: ['EMAIL_ADDRESS'] }],
        groups: [],
        proxies: [],
        findings: [
          {
            rule: 'privacy/pii-column',
            severity: 'warning' as const,
            message: 'E-mail addresses',
            column: 'email',
            excerpt: 'j***@example.com',
          },
        ],
      },
    };
    const html = htmlReport(ds, { generatedAt: 'x' });
    assert.match(html, /j\*\*\*@example\.com/);
  });

  it('model card: every Model Card Toolkit section, filled from the run', () => {
    const { view, audit, config, pa } = adultRun();
    const md = modelCard({
      view,
      audit,
      config,
      generatedAt: '2026-11-28T16:30:00Z',
      epochs: [{ epoch: 1, loss: 0.5, valLoss: 0.52 }],
    });
    const sections = [
      'Model details',
      'Intended use',
      'Factors',
      'Metrics',
      'Evaluation data',
      'Training data',
      'Quantitative analyses',
      'Ethical considerations',
      'Caveats and recommendations',
    ];
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, sections);
    assert.match(md, /^# Model card: income$/m);
    assert.match(md, /mlp \(hidden layers 64 → 32\), binary head/);
    assert.match(md, /TensorFlow\.js, backend wasm/);
    assert.match(md, /The test file \(`adult-test.csv`\): 2,000 rows/);
    assert.match(md, /\| email \| excluded \| direct identifier \|/);
    assert.match(md, new RegExp(`\\| Accuracy \\| ${(pa.overall.accuracy! * 100).toFixed(1)} % \\|`));
    assert.match(md, /### By sex/);
    assert.match(md, /Training stopped early; the model holds the weights of epoch 10/);
    assert.match(md, /without differential privacy/);
    assert.match(md, /\\<script\\>/, 'group names cannot inject markup');
    assert.equal(mdCell('a|b\nc'), 'a\\|b c');
  });
});
