/**
 * `npm run test:vscode`: the same integration suites under `@vscode/test-electron` (VS Code desktop), for
 * machines that can download VS Code. On machines that cannot (like the ones this project is built on), use
 * `npm run test:integration`, which runs them in code-server.
 *
 *   npx tsx test/host/runElectron.ts [--group trusted|restricted]... [--grep TEXT] [--version 1.100.3]
 */
import { runTests } from '@vscode/test-electron';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_USER_SETTINGS } from './codeServer';
import { repoRoot } from './paths';
import { GREP_ENV, GROUP_ENV, RESULTS_ENV, type SuiteResults } from './results';
import { buildSuites } from './runIntegration';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const groups = argv.flatMap((a, i) => (a === '--group' && argv[i + 1] ? [argv[i + 1]!] : []));
  const value = (flag: string): string | undefined =>
    argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined;
  const grep = value('--grep');
  const version = value('--version') ?? '1.100.3';
  await buildSuites();
  let failed = false;
  for (const group of groups.length ? groups : ['trusted', 'restricted']) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-electron-'));
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(path.join(repoRoot, 'test', 'integration', 'workspace'), workspace, { recursive: true });
    const userData = path.join(tmp, 'user-data');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    const settings = {
      ...DEFAULT_USER_SETTINGS,
      ...(group === 'restricted' ? { 'security.workspace.trust.enabled': true } : {}),
    };
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    const results = path.join(tmp, 'results.json');
    try {
      await runTests({
        version,
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
        launchArgs: [
          workspace,
          '--user-data-dir',
          userData,
          '--disable-extensions',
          '--skip-welcome',
          '--skip-release-notes',
        ],
        extensionTestsEnv: {
          [RESULTS_ENV]: results,
          [GROUP_ENV]: group,
          ...(grep ? { [GREP_ENV]: grep } : {}),
        },
      });
    } catch (e) {
      failed = true;
      console.error(`${group}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (fs.existsSync(results)) {
      const r = JSON.parse(fs.readFileSync(results, 'utf8')) as SuiteResults;
      const bad = r.tests.filter((t) => t.state === 'failed');
      console.log(`${group}: ${r.tests.length - bad.length} passing, ${bad.length} failing`);
      if (bad.length || r.fatal) failed = true;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
