/**
 * Opens a page on a code-server workbench in headless Chromium (Debian's, through playwright-core; never a
 * downloaded browser) and helpers a person would use: the command palette, screenshots.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureTestHost } from './install';

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Console lines the workbench printed (errors from the extension host show up here too). */
  consoleLines: string[];
  close(): Promise<void>;
}

export interface OpenWorkbenchOptions {
  /** Milliseconds to wait for `.monaco-workbench`; default 120 s (a busy 2-core machine is slow). */
  timeoutMs?: number;
  viewport?: { width: number; height: number };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Chromium on `url` and resolves once the workbench has rendered. */
export async function openWorkbench(url: string, options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  const { chromium: executablePath } = ensureTestHost();
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const consoleLines: string[] = [];
  try {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    const timeout = options.timeoutMs ?? 120_000;
    // 'commit' rather than 'load': the workbench keeps loading modules long after the first response, and a
    // busy machine can take tens of seconds; readiness is the workbench element, below.
    await page.goto(url, { waitUntil: 'commit', timeout });
    await page.waitForSelector('.monaco-workbench', { timeout });
    return { browser, page, consoleLines, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** F1, type a command's title, Enter: runs a contributed command the way a person does. */
export async function runCommandFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Saves a PNG a person can open; returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
