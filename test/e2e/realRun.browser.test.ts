/**
 * A real training run watched live by the training panel, at browser level: `rml train` on the Adult example
 * (5 epochs) in a child process, its `metrics.jsonl` followed with the panel's own follower and posted to the
 * real bundle in headless Chromium; then the audit panel on the finished run folder. Nothing is simulated
 * but VS Code's postMessage transport (the code-server test covers that part).
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { runInfoFromFiles } from '../../src/core/report/viewModels';
import type { AuditHostMessage, TrainingHostMessage } from '../../src/protocol/webview';
import {
  MetricsFollower,
  METRICS_FILE,
  earlierRuns,
  exportRun,
  metricsSize,
  readRunFiles,
  readRunRecords,
  runAuditViewFromFolder,
  runStatus,
} from '../../src/extension/panels/runFiles';
import { launchBrowser, openPanel, repoRoot, shot, startPanelServer, type PanelServer } from './panelPage';

const EXAMPLE = path.join(repoRoot, 'examples', 'adult');

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('panels on a real training run (rml train on Adult, headless Chromium)', function () {
  this.timeout(600_000);
  let browser: Browser;
  let server: PanelServer;
  let work: string;
  let child: ChildProcess | undefined;

  before(async function () {
    if (
      !fs.existsSync(path.join(EXAMPLE, 'income.train.json')) ||
      !fs.existsSync(path.join(repoRoot, 'dist', 'cli.js'))
    ) {
      throw new Error('needs examples/adult and a build (npm run build)');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-e2e-run-'));
    for (const f of ['adult.csv', 'adult-test.csv'])
      fs.symlinkSync(path.join(EXAMPLE, f), path.join(work, f));
    // The example's config with 5 epochs (early stopping, patience 4, cannot end it sooner) of batches of 64:
    // seconds, not minutes, yet four times the steps of the example's batches of 256, so that the chart is
    // seen to grow while a loaded machine (CI) runs it too; with 256 the run once ended between two samples.
    const cfg = fs
      .readFileSync(path.join(EXAMPLE, 'income.train.json'), 'utf8')
      .replace(/"epochs":\s*\d+/, '"epochs": 5')
      .replace(/"batchSize":\s*\d+/, '"batchSize": 64');
    fs.writeFileSync(path.join(work, 'income.train.json'), cfg);
    server = await startPanelServer();
    browser = await launchBrowser();
  });
  after(async () => {
    child?.kill();
    await browser?.close();
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('follows the run live, then shows its audit with the per-sex rows and exports a report', async () => {
    // The panel is open and ready before training starts: on an idle machine the five epochs take about a
    // second, less than opening a page, and a panel opened after them would get every point in its `init`.
    const p = await openPanel(browser, server, 'training');
    await p.waitForPosted('ready');
    child = spawn(
      process.execPath,
      [path.join(repoRoot, 'bin', 'rml.js'), 'train', 'income.train.json', '--backend', 'wasm'],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number>((r) => child!.on('exit', (code) => r(code ?? -1)));

    const runsDir = path.join(work, 'runs', 'income');
    const runDir = await waitFor(
      'the run folder',
      () => {
        const d = fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : [];
        return d.length > 0 ? path.join(runsDir, d[0]!) : undefined;
      },
      120_000,
    );

    // What TrainingPanel does on `ready`: everything so far, then follow the file.
    const size = metricsSize(runDir);
    await p.send({
      type: 'init',
      run: runInfoFromFiles(runDir, readRunFiles(runDir)),
      records: readRunRecords(runDir),
      overlays: earlierRuns(runDir),
      status: runStatus(runDir),
    } satisfies TrainingHostMessage);
    const sends: Promise<void>[] = [];
    const follower = new MetricsFollower(path.join(runDir, METRICS_FILE), (records) =>
      sends.push(p.send({ type: 'metrics', records } satisfies TrainingHostMessage)),
    );
    follower.startAfter(size);

    const seen = new Set<number>();
    const sample = async () => {
      const n = Number(await p.page.getAttribute('[data-chart="loss"]', 'data-points').catch(() => '0'));
      if (n > 0) seen.add(n);
    };
    let code: number | undefined;
    void exited.then((c) => (code = c));
    while (code === undefined) {
      await sample();
      await new Promise((r) => setTimeout(r, 100));
    }
    follower.poll();
    follower.stop();
    await Promise.all(sends);
    assert.equal(code, 0, output);
    const status = runStatus(runDir);
    assert.equal(status.state, 'finished');
    await p.send({
      type: 'run',
      run: runInfoFromFiles(runDir, readRunFiles(runDir)),
    } satisfies TrainingHostMessage);
    await p.send({ type: 'status', status } satisfies TrainingHostMessage);
    await p.page.waitForFunction(() => document.body.dataset.state === 'finished');
    await sample();
    assert.ok(
      seen.size >= 2,
      `the loss chart gained points while training (point counts seen: ${[...seen].join(', ')})`,
    );
    assert.equal(await p.page.textContent('#fact-epoch'), '5 / 5');
    assert.match((await p.page.textContent('#fact-backend'))!, /^wasm · CPU/);
    assert.equal(await p.page.isHidden('#metrics'), false, 'validation accuracy per epoch drawn');
    await shot(p.page, 'real-run-training');
    assert.deepEqual(await p.problems(), []);
    await p.page.close();

    // The audit of the finished run, as AuditPanel builds it.
    const view = runAuditViewFromFolder(runDir, new Date().toISOString());
    const a = await openPanel(browser, server, 'audit', { viewport: { width: 1300, height: 1000 } });
    await a.waitForPosted('ready');
    await a.send({ type: 'audit', model: view } satisfies AuditHostMessage);
    await a.page.waitForSelector('body[data-loaded="true"]');
    const audit = JSON.parse(fs.readFileSync(path.join(runDir, 'audit.json'), 'utf8')) as {
      fairness: { before: { groups: { sex: Record<string, { n: number }> } } };
    };
    const rows = await a.page.$$eval('table[data-attribute="sex"] tbody tr', (trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.group, tr.children[1]!.textContent]),
    );
    assert.deepEqual(
      rows.sort(),
      Object.entries(audit.fairness.before.groups.sex)
        .map(([g, m]) => [g, m.n.toLocaleString('en-US')])
        .sort(),
      'per-sex rows with the audit’s group sizes',
    );
    await shot(a.page, 'real-run-audit', true);
    assert.deepEqual(await a.problems(), []);
    await a.page.close();

    const html = fs.readFileSync(exportRun(runDir, 'html', new Date()), 'utf8');
    assert.doesNotMatch(html, /<script|\s(src|href)=/i);
    assert.match(html, /Per-group metrics by sex/);
    const card = fs.readFileSync(exportRun(runDir, 'modelCard', new Date()), 'utf8');
    assert.match(card, /## Quantitative analyses/);
  });
});
