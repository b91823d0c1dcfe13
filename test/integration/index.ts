/**
 * Entry the extension host loads as `extensionTestsPath` (in code-server or under @vscode/test-electron):
 * runs the bundled suites of this launch's group with mocha and writes the results where the launcher waits.
 * Suites named `restricted.*.test.js` run only in the restricted launch, `package.*.test.js` only against the
 * installed .vsix, the others in the trusted launch.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { GREP_ENV, GROUP_ENV, RESULTS_ENV, type SuiteResults, type TestResult } from '../host/results';

function belongsTo(file: string, group: string): boolean {
  const prefix = /^(restricted|package)\./.exec(file)?.[1];
  return (prefix ?? 'trusted') === group;
}

function writeResults(results: SuiteResults): void {
  const file = process.env[RESULTS_ENV];
  if (!file) return;
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

export async function run(): Promise<void> {
  const group = process.env[GROUP_ENV] ?? 'trusted';
  const grep = process.env[GREP_ENV];
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 120_000,
    color: false,
    reporter: 'spec',
    ...(grep ? { grep } : {}),
  });
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js') && belongsTo(f, group)) mocha.addFile(path.join(__dirname, f));
  }
  const tests: TestResult[] = [];
  try {
    const failures = await new Promise<number>((resolve) => {
      const runner = mocha.run((n) => resolve(n));
      runner.on('pass', (t) =>
        tests.push({ fullTitle: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }),
      );
      runner.on('pending', (t) => tests.push({ fullTitle: t.fullTitle(), state: 'pending', durationMs: 0 }));
      runner.on('fail', (t, err: Error) =>
        tests.push({
          fullTitle: t.fullTitle(),
          state: 'failed',
          durationMs: t.duration ?? 0,
          error: `${err.message}\n${err.stack ?? ''}`,
        }),
      );
    });
    const metrics = (globalThis as { __rmlMetrics?: Record<string, number> }).__rmlMetrics;
    writeResults({ group, tests, ...(metrics ? { metrics } : {}) });
    if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
  } catch (e) {
    if (!process.env[RESULTS_ENV] || tests.length === 0) {
      writeResults({ group, tests, fatal: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
    throw e;
  }
}
