/**
 * A person's view, in a real VS Code (code-server 4.100 = VS Code 1.100, extension under development) driven
 * in headless Chromium: open the Adult example workspace, run "Responsible ML: Train Model" from the command
 * palette, watch the training panel's loss chart gain points until the run finishes, open the audit from the
 * panel and find the per-sex rows. Screenshots go to test/e2e/screenshots/ (vscode-*.png).
 *
 * The example config is copied with 5 epochs instead of 20 so the test takes about a minute on 2 cores; the
 * data, the model and every code path are the example's.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { openWorkbench, runCommandFromPalette, screenshot, type Workbench } from '../host/browser';
import { startCodeServer, workbenchUrl, type CodeServer } from '../host/codeServer';
import { repoRoot, screenshotDir } from './panelPage';

const EXAMPLE = path.join(repoRoot, 'examples', 'adult');

/** The webview frame whose document matches `selector` (webviews are nested iframes of the workbench). */
async function webviewFrame(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      const found = await f.$(selector).catch(() => null);
      if (found) return f;
    }
    if (Date.now() > end) throw new Error(`no webview with ${selector} within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

describe('panels in a real VS Code (code-server + headless Chromium)', function () {
  this.timeout(600_000);
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let workspace: string;

  before(async () => {
    for (const f of [
      'dist/extension.js',
      'dist/trainWorker.js',
      'dist/webview/training.js',
      'dist/webview/audit.js',
    ]) {
      if (!fs.existsSync(path.join(repoRoot, f))) throw new Error(`${f} missing: run npm run build`);
    }
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-e2e-ws-'));
    for (const f of fs.readdirSync(EXAMPLE)) {
      if (f === 'runs') continue;
      const src = path.join(EXAMPLE, f);
      // Batches of 64, as in the real-run panel test: the loss chart's live points are batch losses, recorded
      // at most every 250 ms, and with the example's 256 the five epochs took so little time on an idle machine
      // that the chart showed one or two (the test saw one and failed).
      if (f === 'income.train.json')
        fs.writeFileSync(
          path.join(workspace, f),
          fs
            .readFileSync(src, 'utf8')
            .replace(/"epochs":\s*\d+/, '"epochs": 5')
            .replace(/"batchSize":\s*\d+/, '"batchSize": 64'),
        );
      else if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(workspace, f));
    }
    // A dataset with personal data beside the example, for the diagnostics a person sees on opening it.
    fs.copyFileSync(
      path.join(repoRoot, 'test', 'fixtures', 'scan', 'customers.csv'),
      path.join(workspace, 'customers.csv'),
    );
    server = await startCodeServer({
      workspace,
      userSettings: { 'workbench.colorTheme': 'Default Light Modern' },
    });
    wb = await openWorkbench(
      workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: repoRoot }),
      { timeoutMs: 120_000 },
    );
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb)
      await screenshot(wb.page, screenshotDir, 'vscode-failure').catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('opening a dataset shows personal-data squiggles and Problems entries at the header and in cells', async () => {
    const page = wb!.page;
    // Quick Open the file the way a person does.
    const end0 = Date.now() + 120_000;
    for (;;) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('customers.csv');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'customers.csv' }).first();
      if (
        await row.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        )
      ) {
        await page.keyboard.press('Enter');
        break;
      }
      await page.keyboard.press('Escape');
      if (Date.now() > end0) throw new Error('customers.csv never appeared in Quick Open');
    }
    // Diagnostics arrive once the extension has activated and scanned the file.
    await page
      .locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error')
      .first()
      .waitFor({ timeout: 180_000 });
    await runCommandFromPalette(page, 'View: Focus Problems (Errors, Warnings, Infos)').catch(async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+M');
    });
    const markers = page.locator('.markers-panel .monaco-list-row');
    await markers.first().waitFor({ timeout: 30_000 });
    const text = (await page.locator('.markers-panel').innerText()).replace(/\s+/g, ' ');
    assert.match(text, /email addresses/, 'the email column is reported');
    assert.match(text, /privacy\/pii-column/, 'with its rule code');
    assert.ok(!text.includes('alice.johnson@example.com'), 'no full personal value in a diagnostic');
    await page.waitForTimeout(500);
    await screenshot(page, screenshotDir, 'vscode-diagnostics');
    await page.keyboard.press('Escape');
  });

  it('Train Model from the palette: the chart gains points, the run finishes, the audit shows the per-sex rows', async () => {
    const page = wb!.page;
    // The extension under development is scanned and activated after the workbench shows (slowly on a busy
    // machine): until then its commands are not in the palette, so try again until they are.
    const end0 = Date.now() + 180_000;
    for (;;) {
      try {
        await runCommandFromPalette(page, 'Responsible ML: Train Model');
        break;
      } catch (e) {
        if (Date.now() > end0) throw e;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(2000);
      }
    }

    const training = await webviewFrame(page, '[data-chart="loss"]', 180_000);
    const counts = new Set<number>();
    const end = Date.now() + 300_000;
    let state = '';
    while (Date.now() < end) {
      const n = Number(
        (await training.getAttribute('[data-chart="loss"]', 'data-points').catch(() => '0')) ?? 0,
      );
      if (n > 0) counts.add(n);
      state = (await training.evaluate(() => document.body.dataset.state ?? '').catch(() => '')) ?? '';
      if (state === 'finished' || state === 'failed' || state === 'cancelled') break;
      await page.waitForTimeout(100);
    }
    assert.equal(state, 'finished', `run state ${state}; log:\n${wb!.consoleLines.slice(-20).join('\n')}`);
    assert.ok(counts.size >= 2, `the loss chart gained points while training (${[...counts].join(', ')})`);
    assert.equal(await training.textContent('#fact-epoch'), '5 / 5');
    await page.waitForTimeout(500);
    await screenshot(page, screenshotDir, 'vscode-training');

    await training.click('#open-audit');
    const audit = await webviewFrame(page, 'table[data-attribute="sex"]', 60_000);
    const groups = await audit.$$eval('table[data-attribute="sex"] tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).dataset.group),
    );
    assert.deepEqual(groups.sort(), ['Female', 'Male']);
    await page.waitForTimeout(500);
    await screenshot(page, screenshotDir, 'vscode-audit');
    const problems = wb!.consoleLines.filter((l) => /Content Security Policy|Refused to/i.test(l));
    assert.deepEqual(problems, [], 'no CSP violation in the webviews');
  });

  it('Stop in the training panel cancels the run within moments, and the panel says so', async () => {
    const page = wb!.page;
    // Long enough that it cannot finish before Stop is pressed: 200 epochs, no early stopping.
    const cfg = path.join(workspace, 'income.train.json');
    fs.writeFileSync(
      cfg,
      fs
        .readFileSync(cfg, 'utf8')
        .replace(/"epochs":\s*\d+/, '"epochs": 200')
        .replace(/"earlyStopping":\s*\{[^}]*\}/, '"earlyStopping": false'),
    );
    assert.match(fs.readFileSync(cfg, 'utf8'), /"earlyStopping": false/);
    const runsBefore = new Set(fs.readdirSync(path.join(workspace, 'runs', 'income')));
    await runCommandFromPalette(page, 'Responsible ML: Train Model');
    const newRun = async (): Promise<string> => {
      const end = Date.now() + 120_000;
      for (;;) {
        const fresh = fs
          .readdirSync(path.join(workspace, 'runs', 'income'))
          .filter((d) => !runsBefore.has(d));
        if (fresh.length > 0) return fresh[0]!;
        if (Date.now() > end) throw new Error('no new run folder');
        await page.waitForTimeout(200);
      }
    };
    const id = await newRun();
    const end = Date.now() + 120_000;
    let panel: Frame | undefined;
    while (!panel && Date.now() < end) {
      for (const f of page.frames()) {
        if (f === page.mainFrame() || !(await f.$('#stop').catch(() => null))) continue;
        if ((await f.textContent('h1').catch(() => null))?.includes(id)) panel = f;
      }
      if (!panel) await page.waitForTimeout(250);
    }
    assert.ok(panel, 'the new run has its panel');
    await panel.waitForSelector('#stop:not([disabled])', { timeout: 60_000 });
    // Stop mid-training: once this run's own batch loss is drawn (the first run is overlaid from the start).
    // Polled by timer, not on animation frames (Playwright's default), which a busy or throttled frame delays.
    await panel.waitForFunction(
      () => /batch loss/.test(document.getElementById('loss')?.textContent ?? ''),
      undefined,
      { timeout: 120_000, polling: 250 },
    );
    // The panel has no `retainContextWhenHidden`: should VS Code discard and reload its page (on a layout
    // change in the editor) between the click and its handler, the page comes back without the click and says
    // nothing. A mark on the page tells that apart from a click the page lost, which is pressed again.
    // The clean-clone CI once saw a click the page never heard, without a reload (the run finished, the note
    // empty): its cause not known (something drawn over the panel for a moment?), Stop is then pressed as a
    // keyboard user does, which does not depend on where the pointer lands.
    const pressStop = async (by: 'mouse' | 'keyboard'): Promise<void> => {
      await panel!.evaluate(() => ((window as unknown as { stopMark?: boolean }).stopMark = true));
      if (by === 'mouse') await panel!.click('#stop');
      else {
        await panel!.focus('#stop');
        await page.keyboard.press('Enter');
      }
    };
    await pressStop('mouse');
    for (let tries = 0; tries < 3; tries++) {
      await panel
        .waitForFunction(
          () =>
            document.body.dataset.state === 'cancelled' ||
            /Stopping/.test(document.getElementById('note')?.textContent ?? '') ||
            !(window as unknown as { stopMark?: boolean }).stopMark,
          undefined,
          { timeout: 10_000, polling: 250 },
        )
        .catch(() => undefined);
      const seen = await panel
        .evaluate(() => ({
          reloaded: !(window as unknown as { stopMark?: boolean }).stopMark,
          heard:
            document.body.dataset.state === 'cancelled' ||
            /Stopping/.test(document.getElementById('note')?.textContent ?? ''),
          running: document.body.dataset.state === 'running',
        }))
        .catch(() => ({ reloaded: true, heard: false, running: true }));
      // Heard, or the run ended otherwise: the wait below tells, and reports what the panel said.
      if (seen.heard || (!seen.reloaded && !seen.running)) break;
      if (seen.reloaded) {
        console.log('      the training panel reloaded after Stop was pressed; pressing it again');
        await panel.waitForSelector('#stop:not([disabled])', { timeout: 60_000 });
        await pressStop('mouse');
      } else {
        console.log('      the panel did not hear the click on Stop; pressing it by keyboard');
        await pressStop('keyboard');
      }
    }
    await panel
      .waitForFunction(() => document.body.dataset.state === 'cancelled', undefined, {
        timeout: 60_000,
        polling: 250,
      })
      .catch(async (e: unknown) => {
        // What the panel and the run folder said when it did not come, for a failure that comes rarely.
        const seen = await panel!
          .evaluate(() => ({
            state: document.body.dataset.state,
            note: document.getElementById('note')?.textContent,
            stopDisabled: document.getElementById('stop')?.hasAttribute('disabled'),
            error: document.getElementById('error')?.textContent,
          }))
          .catch(() => 'the panel could not be read');
        const statusFile = path.join(workspace, 'runs', 'income', id, 'status.json');
        const status = fs.existsSync(statusFile) ? fs.readFileSync(statusFile, 'utf8') : 'no status.json';
        throw new Error(`${String(e)}\npanel: ${JSON.stringify(seen)}\nstatus.json: ${status}`);
      });
    const status = JSON.parse(
      fs.readFileSync(path.join(workspace, 'runs', 'income', id, 'status.json'), 'utf8'),
    ) as { state: string };
    assert.equal(status.state, 'cancelled');
    assert.match((await panel.textContent('#note'))!, /Cancelled/);
    assert.match((await panel.textContent('#loss'))!, /batch loss/, 'what was recorded stays drawn');
    await screenshot(page, screenshotDir, 'vscode-stopped');
  });
});
