/**
 * Loads a panel's real bundle (`dist/webview/<panel>.js`) in headless Chromium inside the same HTML shell and
 * CSP the extension serves (`src/extension/panels/html.ts`), with an `acquireVsCodeApi` that records what the
 * page posts and keeps its state, the way VS Code's webview host does. Messages reach the page as `message`
 * events, as VS Code delivers them. Used by the browser-level panel tests; the code-server tests drive the
 * same bundles inside a real VS Code.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, panelHtml } from '../../src/extension/panels/html';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const screenshotDir = path.join(repoRoot, 'test', 'e2e', 'screenshots');

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  fs.existsSync(p),
);

export interface PanelServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves the built bundles and stylesheet, and `/panel/<name>` as the extension's HTML with a fresh nonce. */
export async function startPanelServer(): Promise<PanelServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, type: string, body: string | Buffer) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/favicon.ico') return send(204, 'text/plain', '');
    const m = /^\/panel\/(\w+)$/.exec(url.pathname);
    if (m) {
      const origin = `http://${req.headers.host}`;
      send(
        200,
        'text/html; charset=utf-8',
        panelHtml({
          title: m[1]!,
          cspSource: origin,
          nonce: makeNonce(),
          scriptUri: `${origin}/dist/webview/${m[1]}.js`,
          styleUri: `${origin}/media/panels/panels.css`,
        }),
      );
      return;
    }
    const file = path.join(repoRoot, path.normalize(url.pathname));
    const allowed = [path.join(repoRoot, 'dist', 'webview'), path.join(repoRoot, 'media')];
    if (!allowed.some((a) => file.startsWith(a + path.sep)) || !fs.existsSync(file))
      return send(404, 'text/plain', 'not found');
    const type = file.endsWith('.js')
      ? 'text/javascript'
      : file.endsWith('.css')
        ? 'text/css'
        : 'application/octet-stream';
    send(200, type, fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('Chromium not found: apt-get install -y chromium (see test/host/README.md)');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
}

/** A subset of the variables VS Code sets on a webview, per theme (values of its default themes). */
const THEMES: Record<string, { bodyClass: string; vars: Record<string, string> }> = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-editorWidget-border': '#454545',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#ffffff',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-editorWidget-border': '#6fc3df',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-yellow': '#cca700',
    },
  },
};

export type ThemeName = keyof typeof THEMES;

/** Runs in the page before its scripts: VS Code's webview API, a CSP violation log and the theme. */
const INIT_SCRIPT = `function (opts) {
  var w = window;
  w.__posted = [];
  w.__state = opts.state === null ? undefined : opts.state;
  w.__csp = [];
  var acquired = false;
  w.acquireVsCodeApi = function () {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return {
      postMessage: function (m) { w.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { return w.__state; },
      setState: function (s) { w.__state = JSON.parse(JSON.stringify(s)); },
    };
  };
  document.addEventListener('securitypolicyviolation', function (e) {
    w.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
  });
  w.__applyTheme = function (t) {
    document.body.className = t.bodyClass;
    for (var k in t.vars) document.documentElement.style.setProperty(k, t.vars[k]);
  };
  document.addEventListener('DOMContentLoaded', function () { w.__applyTheme(opts.theme); });
}`;

export interface PanelPage {
  page: Page;
  /** Messages the page posted to the "extension", in order. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  /** The last `setState` value. */
  state(): Promise<unknown>;
  send(message: unknown): Promise<void>;
  waitForPosted(type: string, count?: number): Promise<void>;
  /** CSP violations the page reported (must stay empty) and console errors. */
  problems(): Promise<string[]>;
  setTheme(theme: ThemeName): Promise<void>;
}

export async function openPanel(
  browser: Browser,
  server: PanelServer,
  panel: 'training' | 'audit',
  options: { state?: unknown; theme?: ThemeName; viewport?: { width: number; height: number } } = {},
): Promise<PanelPage> {
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1200, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  // A string, not a function: tsx (esbuild keepNames) would wrap a function's inner names with a helper
  // the page does not have.
  await page.addInitScript(
    `(${INIT_SCRIPT})(${JSON.stringify({ state: options.state ?? null, theme: THEMES[options.theme ?? 'light'] })});`,
  );
  await page.goto(`${server.origin}/panel/${panel}`);
  const pp: PanelPage = {
    page,
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    // As a JSON string: Playwright's structured argument serialiser takes seconds for 10,000 records.
    send: (message) =>
      page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(message)),
    waitForPosted: (type, count = 1) =>
      page
        .waitForFunction(
          ({ type, count }) =>
            (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === type)
              .length >= count,
          { type, count },
          { timeout: 10_000 },
        )
        .then(() => undefined),
    problems: async () => [
      ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)),
      ...consoleErrors,
    ],
    setTheme: (t) => page.evaluate(`window.__applyTheme(${JSON.stringify(THEMES[t])})`).then(() => undefined),
  };
  return pp;
}

export async function shot(page: Page, name: string, fullPage = false): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
