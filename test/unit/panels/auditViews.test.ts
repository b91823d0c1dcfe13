import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { encodeCategorical } from '../../../src/core/data/encoded';
import { auditPredictions } from '../../../src/core/fairness/predictionAudit';
import { datasetBias } from '../../../src/core/fairness/datasetBias';
import { proxyAssociations } from '../../../src/core/fairness/proxies';
import type { AuditReport } from '../../../src/core/report/auditReport';
import { scanDataset } from '../../../src/core/scan';
import {
  datasetAuditView,
  readScoredRows,
  runAuditView,
  runInfoFromFiles,
  runStatusFromFile,
} from '../../../src/core/report/viewModels';

const ADULT = '/work/shared/data/adult/adult.csv';

/** The first `n` data rows of the Adult training file: real data, small enough for a unit test. */
function adultHead(n: number): { text: string; rows: Record<string, string>[] } {
  const lines = fs
    .readFileSync(ADULT, 'utf8')
    .split('\n')
    .slice(0, n + 1);
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v])));
  return { text: lines.join('\n') + '\n', rows };
}

describe('panels: audit views from the real engines', () => {
  it('dataset view of Adult from the fairness engine: sex groups with shares, base rates and intervals, proxies', () => {
    const { rows } = adultHead(3000);
    const label = Int8Array.from(rows, (r) => (r.income === '>50K' ? 1 : 0));
    const col = (name: string) => ({ name, column: encodeCategorical(rows.map((r) => r[name])) });
    const bias = datasetBias({ label, labelName: 'income', attributes: [col('sex'), col('race')] });
    const proxies = proxyAssociations([col('sex')], [col('relationship'), col('occupation')]);
    const { findings: _f, ...dataset } = bias;
    // The shape `scanDataset` puts in the report (src/core/scan.ts FairnessReport), through JSON as the CLI writes it.
    const report = JSON.parse(
      JSON.stringify({
        version: 1,
        file: 'adult.csv',
        format: 'csv',
        rows: rows.length,
        columns: [],
        findings: [],
        truncated: {},
        privacy: { quasiIdentifiers: ['age', 'sex'], kAnonymity: 1, uniqueRecords: 0.12, singlingOut: null },
        quality: {
          duplicateRows: 0,
          duplicateExamples: [],
          constantColumns: [],
          mixedTypeColumns: [],
          identifierColumns: [],
        },
        fairness: {
          label: 'income',
          positiveValues: ['>50K'],
          dataset,
          proxies: proxies.associations,
          leakage: [],
        },
      }),
    ) as AuditReport;
    const vm = datasetAuditView(report, { generatedAt: '2026-01-01T00:00:00Z' });
    assert.equal(vm.source.kind, 'dataset');
    const ds = vm.dataset!;
    assert.equal(ds.rows, 3000);
    const sex = ds.groups.find((g) => g.attribute === 'sex');
    assert.ok(sex, `groups: ${ds.groups.map((g) => g.attribute).join(', ')}`);
    const male = sex.groups.find((g) => g.value === 'Male')!;
    const female = sex.groups.find((g) => g.value === 'Female')!;
    assert.ok(male.n > female.n);
    assert.ok(Math.abs(male.share + female.share - 1) < 1e-9);
    assert.ok(male.baseRate! > female.baseRate!, 'the known gap in Adult');
    assert.ok(male.baseRateInterval![0] < male.baseRate! && male.baseRate! < male.baseRateInterval![1]);
    assert.ok(
      ds.proxies.some((p) => p.attribute === 'sex' && p.feature === 'relationship'),
      'relationship is a proxy of sex',
    );
    assert.equal(vm.model, undefined);
  });

  it("dataset view of the scanner's own report on Adult (scanDataset), as the CLI and the extension produce it", async () => {
    const { text } = adultHead(3000);
    const report = await scanDataset([Buffer.from(text)], {
      fileName: 'adult.csv',
      label: 'income',
      positive: ['>50K'],
    });
    const vm = datasetAuditView(report);
    const ds = vm.dataset!;
    assert.equal(ds.rows, 3000);
    const sex = ds.groups.find((g) => g.attribute === 'sex');
    assert.ok(sex, `groups: ${ds.groups.map((g) => g.attribute).join(', ')}`);
    assert.ok(
      sex.groups.find((g) => g.value === 'Male')!.baseRate! >
        sex.groups.find((g) => g.value === 'Female')!.baseRate!,
    );
    assert.ok(ds.quasiIdentifiers.length > 0);
    assert.deepEqual(ds.kAnonymity, report.privacy.kAnonymity);
    assert.ok(ds.proxies.length > 0);
  });

  it('run view from a prediction audit: groups, disparities against the config thresholds, reliability bins', () => {
    const { rows } = adultHead(2000);
    const label = Int8Array.from(rows, (r) => (r.income === '>50K' ? 1 : 0));
    // A real score from the data: years of education, as a probability-like number.
    const score = Float64Array.from(rows, (r) => Number(r['education-num']) / 16);
    const prediction = Int8Array.from(score, (s) => (s >= 0.75 ? 1 : 0));
    const sex = encodeCategorical(rows.map((r) => r.sex));
    const pa = auditPredictions({ label, prediction, score, groups: { sex } });
    const audit = JSON.parse(
      JSON.stringify({
        version: 1,
        config: 'income',
        rows: rows.length,
        performance: { accuracy: pa.overall.accuracy, auc: 0.7 },
        training: { backend: { name: 'wasm', device: 'CPU, WebAssembly SIMD, 1 thread', skipped: [] } },
        privacy: {
          gate: [],
          dpSgd: { noiseMultiplier: 1.1, l2NormClip: 1, final: { epsilon: 2.9, delta: 1e-5 } },
        },
        fairness: { attributes: ['sex'], mitigation: 'none', before: pa },
      }),
    ) as unknown;
    const vm = runAuditView('/w/runs/income/2026-01-01T00-00-00-000Z', audit, {
      config: { fairness: { thresholds: { demographicParityDifference: 0.05 } } },
      rows: { scores: score, labels: label, groups: { sex: rows.map((r) => r.sex!) } },
    });
    assert.equal(vm.title, 'Audit · income / 2026-01-01T00-00-00-000Z');
    assert.equal(vm.thresholds.demographicParityDifference, 0.05);
    const m = vm.model!;
    assert.equal(m.overall.accuracy, pa.overall.accuracy);
    assert.equal(m.overall.auc, 0.7);
    const sexSec = m.attributes[0]!;
    assert.deepEqual(sexSec.groups.map((g) => g.value).sort(), ['Female', 'Male']);
    const dpd = sexSec.disparities.find((d) => d.metric === 'demographicParityDifference')!;
    assert.equal(dpd.value, pa.disparities.sex!.demographicParityDifference);
    assert.equal(dpd.threshold, 0.05);
    assert.equal(dpd.pass, dpd.value <= 0.05);
    assert.ok(!sexSec.disparities.some((d) => d.metric === 'extremes' || d.metric === 'reasons'));
    assert.equal(m.privacy!.epsilon, 2.9);
    assert.equal(m.privacy!.noiseMultiplier, 1.1);
    assert.equal(m.calibration!.length, 10);
    assert.equal(m.tradeoff!.length, 101);
    // At the run's own cut (0.75 on this score) the trade-off reproduces the audit's accuracy.
    assert.ok(Math.abs(m.tradeoff![75]!.accuracy! - pa.overall.accuracy!) < 1e-12);
  });

  it('keeps the unmitigated audit for a before/after comparison', () => {
    const mk = (tp: number) => ({
      overall: { accuracy: 0.8, n: 20, confusion: { tp, fp: 2, tn: 8, fn: 10 - tp } },
      groups: {
        sex: {
          A: { n: 10, confusion: { tp, fp: 1, tn: 4, fn: 5 - tp } },
          B: { n: 10, confusion: { tp: 0, fp: 1, tn: 4, fn: 5 } },
        },
      },
      disparities: {},
      findings: [],
    });
    const vm = runAuditView('/r/c/1', {
      fairness: { mitigation: 'threshold', before: mk(4), after: mk(2), note: 'fitted on validation' },
    });
    assert.equal(vm.model!.mitigation!.method, 'threshold');
    assert.equal(vm.model!.mitigation!.accuracyBefore, 0.8);
    const a = vm.model!.attributes[0]!.groups.find((g) => g.value === 'A')!;
    assert.equal(a.confusion!.tp, 2, 'the shipped (after) audit is the main one');
  });

  it('reads run info and status from the run folder files', () => {
    const info = runInfoFromFiles('/w/runs/income/2026', {
      config: {
        name: 'income',
        training: { epochs: 12 },
        protected: ['sex', 'race'],
        privacy: { dpSgd: { targetEpsilon: 3 } },
      },
      status: { state: 'running', startedAt: '2026-01-01T00:00:00.000Z' },
      audit: { training: { backend: { name: 'wasm', device: 'CPU' } } },
    });
    assert.deepEqual(info, {
      runDir: '/w/runs/income/2026',
      id: '2026',
      config: 'income',
      epochs: 12,
      protected: ['sex', 'race'],
      dp: true,
      startedAt: Date.parse('2026-01-01T00:00:00.000Z'),
      backend: 'wasm',
      device: 'CPU',
    });
    assert.deepEqual(runStatusFromFile({ state: 'failed', message: 'NaN loss' }), {
      state: 'failed',
      message: 'NaN loss',
    });
    assert.deepEqual(runStatusFromFile(undefined), { state: 'unknown' });
  });

  it('reads scores.json and refuses mismatched lengths', () => {
    const r = readScoredRows({ scores: [0.1, 0.9], labels: [0, 1], groups: { sex: ['F', null] } })!;
    assert.deepEqual(Array.from(r.labels), [0, 1]);
    assert.deepEqual(r.groups.sex, ['F', '(missing)']);
    assert.equal(readScoredRows({ scores: [0.1], labels: [0, 1] }), undefined);
    assert.equal(readScoredRows(null), undefined);
  });
});
