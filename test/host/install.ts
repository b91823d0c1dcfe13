/**
 * Installs the test host: a real VS Code (code-server) and headless Chromium, plus vsce for packaging.
 * Idempotent: when everything is present it returns in milliseconds. Run as a script
 * (`npx tsx test/host/install.ts [--vsce]`) or call {@link ensureTestHost}.
 *
 * Why not `@vscode/test-electron`: VS Code desktop cannot be downloaded on these machines; code-server is the
 * same workbench and extension host, installed from npm. It stays out of package.json because its native
 * modules need libkrb5-dev, which would make every `npm ci` fail on a machine without it.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CODE_SERVER_VERSION,
  chromiumCandidates,
  codeServerBin,
  codeServerPrefix,
  hostDir,
  NODE_ZSTD_VERSION,
  nodeZstdBin,
  nodeZstdPackage,
  nodeZstdPrefix,
  VSCE_VERSION,
  vsceBin,
  vscePrefix,
} from './paths';

export interface TestHost {
  /** code-server's entry script, run with the current Node. */
  codeServer: string;
  /** A Chromium executable for playwright-core. */
  chromium: string;
}

function log(msg: string): void {
  process.stderr.write(`[test-host] ${msg}\n`);
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

function findChromium(): string | undefined {
  return chromiumCandidates.find((p) => fs.existsSync(p));
}

function haveKrb5Headers(): boolean {
  return fs.existsSync('/usr/include/gssapi/gssapi.h') || fs.existsSync('/usr/include/krb5.h');
}

/**
 * Debian packages code-server and the browser need. Other engineers run apt at the same time, so every call
 * waits for the dpkg lock instead of failing.
 */
function ensureDebianPackages(needCodeServerBuild: boolean): void {
  const missing: string[] = [];
  if (!findChromium()) missing.push('chromium');
  if (!which('rg')) missing.push('ripgrep');
  if (needCodeServerBuild && !haveKrb5Headers()) missing.push('libkrb5-dev');
  if (missing.length === 0) return;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(
      `The test host needs Debian packages ${missing.join(', ')}; run as root or install them: ` +
        `apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`apt-get install ${missing.join(' ')}`);
  const lock = ['-o', 'DPkg::Lock::Timeout=900'];
  execFileSync('apt-get', [...lock, 'update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', ...lock, ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * `@vscode/ripgrep` (a code-server dependency) downloads rg from GitHub in its install script, which these
 * machines cannot reach; it looks in its download cache first, so we put Debian's rg there.
 */
function seedRipgrepCache(): void {
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed');
  const dir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const tarball = path.join(dir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (fs.existsSync(tarball)) return;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-'));
  fs.copyFileSync(rg, path.join(tmp, 'rg'));
  fs.chmodSync(path.join(tmp, 'rg'), 0o755);
  execFileSync('tar', ['czf', `${tarball}.part`, '-C', tmp, 'rg']);
  fs.renameSync(`${tarball}.part`, tarball);
  fs.rmSync(tmp, { recursive: true, force: true });
}

function npmInstallInto(
  prefix: string,
  spec: string,
  extraArgs: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): void {
  // Install into a sibling temp folder and rename when complete, so a killed install never leaves a
  // half-populated prefix that the next run would take for a finished one.
  const partial = `${prefix}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(path.join(partial, 'package.json'), '{"private":true}\n');
  log(`npm install ${spec} (into ${path.relative(process.cwd(), prefix)})`);
  execFileSync(
    'npm',
    ['install', '--prefix', partial, '--no-audit', '--no-fund', '--no-save', ...extraArgs, spec],
    {
      stdio: 'inherit',
      env: { ...process.env, npm_config_yes: 'true', ...extraEnv },
    },
  );
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.renameSync(partial, prefix);
}

/** Installs code-server and Chromium when missing; returns their paths. */
export function ensureTestHost(): TestHost {
  fs.mkdirSync(hostDir, { recursive: true });
  const needCodeServer = !fs.existsSync(codeServerBin);
  ensureDebianPackages(needCodeServer);
  if (needCodeServer) {
    seedRipgrepCache();
    const started = Date.now();
    npmInstallInto(codeServerPrefix, `code-server@${CODE_SERVER_VERSION}`, [], {
      npm_config_unsafe_perm: 'true',
    });
    log(`code-server ${CODE_SERVER_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const chromium = findChromium();
  if (!chromium) throw new Error('Chromium is not installed');
  return { codeServer: codeServerBin, chromium };
}

/**
 * Installs `@vscode/vsce` 3 into the cache. Not a devDependency: its optional dependency keytar runs
 * prebuild-install, which downloads a binary; packaging does not need keytar, so it is omitted here.
 */
export function ensureVsce(): string {
  if (!fs.existsSync(vsceBin)) {
    fs.mkdirSync(hostDir, { recursive: true });
    npmInstallInto(vscePrefix, `@vscode/vsce@${VSCE_VERSION}`, ['--omit=optional', '--ignore-scripts']);
  }
  return vsceBin;
}

/**
 * Installs a Node.js with zlib's Zstandard into the cache (see `NODE_ZSTD_VERSION`) and returns its path;
 * throws where the registry has no build for this platform.
 */
export function ensureNodeWithZstd(): string {
  if (!fs.existsSync(nodeZstdBin)) {
    fs.mkdirSync(hostDir, { recursive: true });
    npmInstallInto(nodeZstdPrefix, `${nodeZstdPackage}@${NODE_ZSTD_VERSION}`, ['--ignore-scripts']);
  }
  return nodeZstdBin;
}

if (require.main === module) {
  try {
    const host = ensureTestHost();
    log(`code-server: ${host.codeServer}`);
    log(`chromium: ${host.chromium}`);
    if (process.argv.includes('--vsce')) log(`vsce: ${ensureVsce()}`);
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
