/**
 * Runs the integration suites inside a real VS Code extension host (code-server + headless Chromium) and
 * prints mocha-style results; exits non-zero on any failure.
 *
 *   npx tsx test/host/runIntegration.ts [--group trusted|restricted|package]... [--grep TEXT] [--no-build (extension)]
 *                                       [--verbose] [--vsix FILE]
 *
 * Launches: `trusted` (workspace trust off, so everything is allowed), `restricted` (trust on and the folder
 * never trusted: restricted mode on purpose), and `package` (only with --vsix: the packaged extension
 * installed with `--install-extension`, loaded from the extensions folder, smoke-tested).
 */
import { execFileSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openWorkbench, screenshot } from './browser';
import { startCodeServer, workbenchUrl } from './codeServer';
import { ensureTestHost } from './install';
import { repoRoot } from './paths';
import { GREP_ENV, GROUP_ENV, RESULTS_ENV, type SuiteResults } from './results';

const suiteSrc = path.join(repoRoot, 'test', 'integration');
const suiteOut = path.join(repoRoot, 'out', 'test', 'integration');
const fixtureWorkspace = path.join(suiteSrc, 'workspace');
const artifacts = path.join(repoRoot, 'test-results', 'integration');

type Group = 'trusted' | 'restricted' | 'package';

interface Args {
  groups: Group[];
  grep?: string;
  build: boolean;
  verbose: boolean;
  vsix?: string;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { groups: [], build: true, verbose: false, timeoutMs: 300_000 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const next = (): string => {
      const n = argv[++i];
      if (n === undefined) throw new Error(`${v} needs a value`);
      return n;
    };
    if (v === '--group') {
      const g = next();
      if (g !== 'trusted' && g !== 'restricted' && g !== 'package') throw new Error(`unknown group ${g}`);
      a.groups.push(g);
    } else if (v === '--grep') a.grep = next();
    else if (v === '--no-build') a.build = false;
    else if (v === '--verbose') a.verbose = true;
    else if (v === '--vsix') a.vsix = path.resolve(next());
    else if (v === '--timeout') a.timeoutMs = Number(next()) * 1000;
    else throw new Error(`unknown argument ${v}`);
  }
  if (a.groups.length === 0) a.groups = a.vsix ? ['package'] : ['trusted', 'restricted'];
  if (a.groups.includes('package') && !a.vsix) throw new Error('--group package needs --vsix FILE');
  return a;
}

/** Bundles index.ts and every *.test.ts; mocha and vscode stay external (resolved in the extension host). */
export async function buildSuites(): Promise<void> {
  const entries = fs
    .readdirSync(suiteSrc)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(suiteSrc, f));
  fs.rmSync(suiteOut, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: suiteOut,
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

function copyWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-it-ws-'));
  fs.cpSync(fixtureWorkspace, dir, { recursive: true });
  return dir;
}

async function waitForFile(
  file: string,
  timeoutMs: number,
  aborted: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    const why = aborted();
    if (why) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`no results after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function installVsix(vsix: string, extensionsDir: string): string {
  const { codeServer } = ensureTestHost();
  execFileSync(
    process.execPath,
    [codeServer, '--extensions-dir', extensionsDir, '--install-extension', vsix],
    {
      stdio: 'inherit',
    },
  );
  const installed = fs.readdirSync(extensionsDir).find((d) => d.startsWith('responsible-ml.responsible-ml-'));
  if (!installed) throw new Error(`${vsix} did not install into ${extensionsDir}`);
  return path.join(extensionsDir, installed);
}

const green = (s: string): string => (process.stdout.isTTY ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string): string => (process.stdout.isTTY ? `\x1b[31m${s}\x1b[0m` : s);
const grey = (s: string): string => (process.stdout.isTTY ? `\x1b[90m${s}\x1b[0m` : s);

async function runGroup(group: Group, args: Args): Promise<SuiteResults> {
  const workspace = copyWorkspace();
  const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rml-it-res-')), 'results.json');
  const extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-it-ext-'));
  let extensionDevelopmentPath = repoRoot;
  if (group === 'package' && args.vsix) extensionDevelopmentPath = installVsix(args.vsix, extensionsDir);
  const server = await startCodeServer({
    workspace,
    extensionsDir,
    verbose: args.verbose,
    // Restricted mode on purpose: trust is enabled and a fresh profile has never trusted this folder.
    userSettings: group === 'restricted' ? { 'security.workspace.trust.enabled': true } : {},
    env: { [RESULTS_ENV]: resultsFile, [GROUP_ENV]: group, ...(args.grep ? { [GREP_ENV]: args.grep } : {}) },
  });
  let workbench: Awaited<ReturnType<typeof openWorkbench>> | undefined;
  try {
    const url = workbenchUrl(server, {
      folder: workspace,
      extensionDevelopmentPath,
      extensionTestsPath: path.join(suiteOut, 'index.js'),
    });
    workbench = await openWorkbench(url);
    await waitForFile(resultsFile, args.timeoutMs, () =>
      server.process.exitCode !== null ? `code-server exited (${server.process.exitCode})` : undefined,
    );
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as SuiteResults;
    if (results.fatal || results.tests.some((t) => t.state === 'failed')) {
      await screenshot(workbench.page, artifacts, `${group}-end`).catch(() => undefined);
    }
    return results;
  } catch (e) {
    if (workbench) await screenshot(workbench.page, artifacts, `${group}-error`).catch(() => undefined);
    const msg = e instanceof Error ? e.message : String(e);
    const logTail = server.log().slice(-3000);
    const consoleTail = workbench?.consoleLines.slice(-30).join('\n') ?? '';
    return {
      group,
      tests: [],
      fatal: `${msg}\n--- code-server log ---\n${logTail}\n--- browser console ---\n${consoleTail}`,
    };
  } finally {
    // The server log (extension host output included) is kept for whoever reads a failure.
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, `${group}-code-server.log`), server.log());
    if (workbench)
      fs.writeFileSync(
        path.join(artifacts, `${group}-browser-console.log`),
        workbench.consoleLines.join('\n'),
      );
    await workbench?.close().catch(() => undefined);
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
    fs.rmSync(extensionsDir, { recursive: true, force: true });
  }
}

/** Prints mocha-style output; returns the number of failures (a fatal error counts as one). */
function report(results: SuiteResults): number {
  console.log(`\n  ${results.group}`);
  let failures = 0;
  for (const t of results.tests) {
    if (t.state === 'passed') console.log(`    ${green('✔')} ${t.fullTitle} ${grey(`(${t.durationMs} ms)`)}`);
    else if (t.state === 'pending') console.log(`    - ${t.fullTitle}`);
    else {
      failures++;
      console.log(`    ${red(`${failures}) ${t.fullTitle}`)}`);
    }
  }
  for (const t of results.tests.filter((x) => x.state === 'failed'))
    console.log(`\n  ${red(t.fullTitle)}\n${t.error ?? ''}`);
  if (results.fatal) {
    failures++;
    console.log(red(`\n  ${results.group}: could not run\n${results.fatal}`));
  }
  for (const [k, v] of Object.entries(results.metrics ?? {}))
    console.log(`  ${grey('measured:')} ${k} = ${v}`);
  const passed = results.tests.filter((t) => t.state === 'passed').length;
  console.log(`\n  ${green(`${passed} passing`)}${failures ? `  ${red(`${failures} failing`)}` : ''}`);
  return failures;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  ensureTestHost();
  // --no-build skips the extension build (slow on a busy machine); the suites are always bundled (fast).
  if (args.build && !args.vsix)
    execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.js')], { cwd: repoRoot, stdio: 'inherit' });
  await buildSuites();
  let failures = 0;
  for (const g of args.groups) failures += report(await runGroup(g, args));
  process.exitCode = failures ? 1 : 0;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
