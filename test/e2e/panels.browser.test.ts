/**
 * Browser-level tests of the two panels: the real bundles, in the extension's HTML shell and CSP, in headless
 * Chromium, fed the messages the extension sends. They check what a person sees and does: curves gaining
 * points, the Stop button by mouse and keyboard, table alternatives, themes, the per-sex rows, the threshold
 * slider, state restored after a reload, and that the CSP blocked nothing. Screenshots go to
 * test/e2e/screenshots/.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { encodeCategorical } from '../../src/core/data/encoded';
import { datasetBias } from '../../src/core/fairness/datasetBias';
import { auditPredictions } from '../../src/core/fairness/predictionAudit';
import { proxyAssociations } from '../../src/core/fairness/proxies';
import type { AuditReport } from '../../src/core/report/auditReport';
import {
  datasetAuditView,
  modelSection,
  tradeoffAt,
  type AuditViewModel,
  type MetricRecord,
} from '../../src/core/report/viewModels';
import type { AuditHostMessage, TrainingHostMessage } from '../../src/protocol/webview';
import { launchBrowser, openPanel, repoRoot, shot, startPanelServer, type PanelServer } from './panelPage';

const BATCHES = 1000;
const EPOCHS = 100;

/** A deterministic loss curve with batch noise: 100 epochs × 1000 batches = 100,000 batch points. */
function trainingRecords(epochs = EPOCHS, batches = BATCHES): MetricRecord[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: MetricRecord[] = [];
  for (let e = 1; e <= epochs; e++) {
    for (let b = 0; b < batches; b++) {
      const t = e - 1 + (b + 1) / batches;
      out.push({
        kind: 'batch',
        epoch: e,
        batch: b,
        batches,
        values: { loss: 0.3 + 0.4 * Math.exp(-t / 8) + (rnd() - 0.5) * 0.08 },
      });
    }
    const l = 0.3 + 0.4 * Math.exp(-e / 8);
    out.push({
      kind: 'epoch',
      epoch: e,
      values: { loss: l, val_loss: l + 0.02 + e * 0.0003, val_accuracy: 0.85 - 0.1 * Math.exp(-e / 6) },
      fairness: { 'sex.equalizedOddsDifference': 0.12 - 0.04 * (1 - Math.exp(-e / 20)) },
      epsilon: 0.35 * Math.sqrt(e),
      samplesPerSecond: 41000 + e,
    });
  }
  return out;
}

const ADULT = '/work/shared/data/adult/adult.csv';

/** An audit view of real data: Adult's first 4000 rows, scored by years of education (a real feature). */
function adultAuditView(): AuditViewModel {
  const lines = fs.readFileSync(ADULT, 'utf8').split('\n').slice(0, 4001);
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v])));
  const label = Int8Array.from(rows, (r) => (r.income === '>50K' ? 1 : 0));
  const score = Float64Array.from(rows, (r) => Math.min(1, Number(r['education-num']) / 16));
  const prediction = Int8Array.from(score, (s) => (s >= 0.75 ? 1 : 0));
  const col = (name: string) => ({ name, column: encodeCategorical(rows.map((r) => r[name])) });
  const bias = datasetBias({ label, labelName: 'income', attributes: [col('sex'), col('race')] });
  const { findings: _f, ...dataset } = bias;
  const proxies = proxyAssociations(
    [col('sex'), col('race')],
    [col('relationship'), col('occupation'), col('marital-status')],
  );
  const pa = auditPredictions({
    label,
    prediction,
    score,
    groups: { sex: col('sex').column, race: col('race').column },
  });
  const report = JSON.parse(
    JSON.stringify({
      version: 1,
      file: 'examples/adult/adult.csv',
      format: 'csv',
      rows: rows.length,
      columns: [],
      findings: [
        {
          rule: 'privacy/pii-column',
          severity: 'warning',
          message: 'Column "email" holds e-mail addresses (98% of values).',
          column: 'email',
          excerpt: 'j***@example.com',
        },
      ],
      truncated: {},
      privacy: {
        quasiIdentifiers: ['age', 'sex', 'race', 'native-country'],
        kAnonymity: 1,
        uniqueRecords: 0.083,
        singlingOut: { columns: ['age', 'native-country'], share: 0.051 },
      },
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
  const vm = datasetAuditView(report, { generatedAt: '2026-11-28T00:00:00Z' });
  vm.title = 'Audit · income / example';
  vm.model = modelSection(
    JSON.parse(JSON.stringify({ fairness: { before: pa }, performance: { accuracy: pa.overall.accuracy } })),
    vm.thresholds,
    {
      scores: score,
      labels: label,
      groups: { sex: rows.map((r) => r.sex!), race: rows.map((r) => r.race!) },
    },
  );
  vm.model.threshold = 0.75;
  return vm;
}

describe('panels in headless Chromium (real bundles, extension HTML and CSP)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let server: PanelServer;

  before(async () => {
    if (
      !fs.existsSync(`${repoRoot}/dist/webview/training.js`) ||
      !fs.existsSync(`${repoRoot}/dist/webview/audit.js`)
    ) {
      execFileSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
    }
    server = await startPanelServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('training: ready handshake, 100,000 streamed points decimated, Stop by mouse and keyboard, tables, themes', async () => {
    const p = await openPanel(browser, server, 'training');
    await p.waitForPosted('ready');
    const posted0 = await p.posted();
    assert.equal(posted0[0]!.type, 'ready', 'the page speaks first');

    const all = trainingRecords();
    const init: TrainingHostMessage = {
      type: 'init',
      run: {
        runDir: '/w/runs/income/2026-11-28T16-00-00-000Z',
        config: 'income',
        id: '2026-11-28T16-00-00-000Z',
        backend: 'wasm',
        device: 'CPU, WebAssembly SIMD, 1 thread',
        epochs: EPOCHS,
        startedAt: Date.now() - 60_000,
      },
      records: [],
      overlays: [
        {
          id: 'earlier',
          epochs: Array.from({ length: 60 }, (_, i) => i + 1),
          series: {
            val_loss: Array.from({ length: 60 }, (_, i) => 0.36 + 0.4 * Math.exp(-(i + 1) / 6)),
            val_accuracy: Array.from({ length: 60 }, (_, i) => 0.83 - 0.1 * Math.exp(-(i + 1) / 5)),
          },
        },
      ],
      status: { state: 'running' },
    };
    await p.send(init);
    assert.deepEqual(await p.state(), { kind: 'training', runDir: init.run.runDir });

    // Stream the records in 8 messages (the extension batches what arrives within 100 ms), checking after
    // each that the curve grew to the right and kept its points (decimation caps their number, so the count
    // levels off near 4 per pixel while the curve keeps extending).
    const step = Math.ceil(all.length / 8);
    let lastX = 0;
    for (let i = 0; i < all.length; i += step) {
      await p.send({ type: 'metrics', records: all.slice(i, i + step) } satisfies TrainingHostMessage);
      await p.page.waitForFunction(
        (x) => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-x-max')) > x,
        lastX,
        { timeout: 30_000 },
      );
      lastX = Number(await p.page.getAttribute('[data-chart="loss"]', 'data-x-max'));
      assert.ok(Number(await p.page.getAttribute('[data-chart="loss"]', 'data-points')) > 100);
    }
    assert.equal(lastX, EPOCHS);
    await p.page.waitForFunction(() => document.getElementById('fact-epoch')?.textContent === '100 / 100');
    const drawn = Number(await p.page.getAttribute('[data-chart="loss"]', 'data-points'));
    const width = await p.page.$eval('[data-chart="loss"]', (el) => el.clientWidth);
    assert.ok(drawn > width, `drawn ${drawn} > ${width} px: the curve keeps its shape`);
    assert.ok(drawn <= 4 * width + EPOCHS, `drawn ${drawn} points for 100,000 at ${width} px (M4 bound)`);
    assert.equal(await p.page.textContent('#fact-backend'), 'wasm · CPU, WebAssembly SIMD, 1 thread');
    assert.equal(await p.page.textContent('#fact-sps'), '41,100');
    assert.match((await p.page.textContent('#fact-epsilon'))!, /^3\.5/);
    assert.equal(await p.page.isHidden('#fairness'), false, 'fairness and ε chart shown');
    const legend = await p.page.textContent('#loss');
    assert.match(legend!, /run earlier validation loss/, 'earlier run overlaid');
    assert.match((await p.page.textContent('#announcer'))!, /Epoch 100 finished/);
    await shot(p.page, 'training-light');

    // Stop: by mouse...
    await p.page.click('#stop');
    await p.waitForPosted('stop', 1);
    // ...and by keyboard, after the host re-enables it.
    await p.send({ type: 'status', status: { state: 'running' } } satisfies TrainingHostMessage);
    await p.page.waitForFunction(() => !document.getElementById('stop')!.hasAttribute('disabled'));
    await p.page.focus('#stop');
    await p.page.keyboard.press('Enter');
    await p.waitForPosted('stop', 2);

    await p.send({
      type: 'status',
      status: { state: 'finished', message: 'Finished: 100 epochs.' },
    } satisfies TrainingHostMessage);
    await p.page.waitForFunction(() => document.body.dataset.state === 'finished');
    assert.equal(await p.page.getAttribute('#stop', 'disabled'), '');
    assert.equal(await p.page.getAttribute('#open-audit', 'disabled'), null);
    await p.page.click('#open-audit');
    await p.waitForPosted('openAudit');

    // Table alternative of the loss chart: one row per epoch, keyboard-operable toggle.
    await p.page.focus('#loss .table-toggle');
    await p.page.keyboard.press(' ');
    await p.page.waitForSelector('#loss-table table');
    assert.equal(await p.page.getAttribute('#loss .table-toggle', 'aria-pressed'), 'true');
    assert.equal(await p.page.$$eval('#loss-table tbody tr', (r) => r.length), EPOCHS);
    assert.equal(await p.page.isHidden('[data-chart="loss"]'), true);

    await p.page.click('#export-card');
    await p.waitForPosted('export');
    await p.send({
      type: 'exported',
      format: 'modelCard',
      path: '/w/runs/income/x/model-card.md',
    } satisfies TrainingHostMessage);
    await p.page.waitForFunction(() =>
      document.getElementById('note')!.textContent!.includes('model-card.md'),
    );

    for (const theme of ['dark', 'high-contrast'] as const) {
      await p.setTheme(theme);
      await p.page.waitForTimeout(300);
      await shot(p.page, `training-${theme}`);
    }
    assert.deepEqual(await p.problems(), [], 'no CSP violation, no console error');
    await p.page.close();
  });

  it('training: a reload shows the run again from setState and asks for data with ready', async () => {
    const p = await openPanel(browser, server, 'training', {
      state: { kind: 'training', runDir: '/w/runs/income/r1' },
    });
    await p.waitForPosted('ready');
    assert.match((await p.page.textContent('h1'))!, /\/w\/runs\/income\/r1/);
    assert.deepEqual(await p.problems(), []);
    await p.page.close();
  });

  it('audit: per-sex rows with checks, disparity bars, confusion matrices, calibration, live threshold slider', async () => {
    const vm = adultAuditView();
    const p = await openPanel(browser, server, 'audit', { viewport: { width: 1300, height: 1000 } });
    await p.waitForPosted('ready');
    await p.send({ type: 'audit', model: vm } satisfies AuditHostMessage);
    await p.page.waitForSelector('body[data-loaded="true"]');

    const sexRows = await p.page.$$eval('table[data-attribute="sex"] tbody tr', (trs) =>
      trs.map((tr) => ({ group: (tr as HTMLElement).dataset.group, text: tr.textContent ?? '' })),
    );
    assert.deepEqual(sexRows.map((r) => r.group).sort(), ['Female', 'Male']);
    const female = vm
      .model!.attributes.find((a) => a.attribute === 'sex')!
      .groups.find((g) => g.value === 'Female')!;
    assert.ok(sexRows.find((r) => r.group === 'Female')!.text.includes(female.pass ? '✓ pass' : '✗ fail'));
    assert.ok(
      sexRows
        .find((r) => r.group === 'Female')!
        .text.includes(`${(female.metrics.selectionRate! * 100).toFixed(1)} %`),
    );
    assert.ok((await p.page.$$('#attr-sex .bars .bar-fill')).length >= 3, 'disparity bars');
    assert.equal(
      await p.page.$$eval('#attr-sex details table', (t) => t.length),
      2,
      'a confusion matrix per sex group',
    );
    assert.equal(await p.page.isVisible('#calibration [data-chart="calibration"]'), true);
    await shot(p.page, 'audit-model', true);

    // The slider, by keyboard: five steps right from 0.75.
    await p.page.focus('#threshold');
    for (let i = 0; i < 5; i++) await p.page.keyboard.press('ArrowRight');
    assert.equal(await p.page.textContent('#threshold-value'), '0.80');
    const at = tradeoffAt(vm.model!.tradeoff!, 0.8)!;
    assert.equal(
      await p.page.textContent('#tradeoff-accuracy .figure'),
      `${(at.accuracy! * 100).toFixed(1)} %`,
    );
    assert.equal(
      await p.page.textContent('#tradeoff-dpd-sex .figure'),
      at.demographicParityDifference.sex!.toFixed(3),
    );
    const saved = (await p.state()) as { threshold: number };
    assert.equal(saved.threshold, 0.8);

    // Dataset tab: masked finding, k-anonymity verdict, representation with intervals, proxies.
    await p.page.click('vscode-tab-header[data-tab="dataset"]');
    await p.page.waitForSelector('#dataset', { state: 'visible' });
    const ds = (await p.page.textContent('#dataset'))!;
    assert.match(ds, /j\*\*\*@example\.com/);
    assert.match(ds, /✗ fail/, 'k = 1 fails k ≥ 5');
    assert.match(ds, /Representation: sex/);
    assert.match(ds, /relationship/);
    await shot(p.page, 'audit-dataset', true);

    await p.page.click('#export-html');
    await p.waitForPosted('export');
    assert.deepEqual(await p.problems(), [], 'no CSP violation, no console error');

    // Reload: VS Code hands the saved state to the new page, which shows it before the host answers.
    const state = await p.state();
    await p.page.close();
    const q = await openPanel(browser, server, 'audit', {
      state,
      theme: 'dark',
      viewport: { width: 1300, height: 1000 },
    });
    await q.page.waitForSelector('body[data-loaded="true"]');
    assert.equal(await q.page.textContent('#threshold-value'), '0.80');
    await q.send({ type: 'audit', model: vm } satisfies AuditHostMessage);
    await q.page.waitForTimeout(100);
    assert.equal(
      await q.page.textContent('#threshold-value'),
      '0.80',
      'the host resending keeps the chosen threshold',
    );
    await shot(q.page, 'audit-dark', true);
    assert.deepEqual(await q.problems(), []);
    await q.page.close();
  });
});
