/**
 * `npm run package`: builds the production bundles, packs `responsible-ml-<version>.vsix` with @vscode/vsce 3
 * (installed into .test-host/, see install.ts for why it is not a devDependency), then checks that the .vsix
 * installs into code-server and activates there (the `package` integration group) unless `--no-check`.
 *
 *   npx tsx test/host/packageVsix.ts [--no-check] [--out FILE]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureVsce } from './install';
import { repoRoot } from './paths';

function main(): void {
  const argv = process.argv.slice(2);
  const check = !argv.includes('--no-check');
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const outIdx = argv.indexOf('--out');
  const out = path.resolve(
    outIdx >= 0 && argv[outIdx + 1]
      ? argv[outIdx + 1]!
      : path.join(repoRoot, `${pkg.name}-${pkg.version}.vsix`),
  );
  const vsce = ensureVsce();
  execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.js'), '--production'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  // Source maps of a previous development build would otherwise sit beside the minified bundles.
  for (const f of fs.readdirSync(path.join(repoRoot, 'dist'), { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.map')) fs.rmSync(path.join(repoRoot, 'dist', f));
  }
  execFileSync(
    process.execPath,
    [
      vsce,
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      // README links are relative; in the Marketplace they resolve against the repository (as RULE_DOCS_URL does).
      '--baseContentUrl',
      'https://github.com/responsible-ml/responsible-ml/blob/main',
      '--baseImagesUrl',
      'https://github.com/responsible-ml/responsible-ml/raw/main',
      '--out',
      out,
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  const size = fs.statSync(out).size;
  console.log(`${path.relative(process.cwd(), out)}: ${(size / 1024 / 1024).toFixed(1)} MB`);
  if (check) {
    execFileSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, 'runIntegration.ts'), '--vsix', out],
      {
        cwd: repoRoot,
        stdio: 'inherit',
      },
    );
  }
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
