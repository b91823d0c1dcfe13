/**
 * What `bin/rml.js` runs: loads the CLI's bundle beside this one through the code cache (see `codeCache.ts`)
 * and runs it. Kept apart from the CLI's bundle because the cache is of that bundle.
 */
import * as path from 'node:path';
import { codeCacheDir, requireWithCodeCache } from './codeCache';
import type { main as Main } from './main';

const { exports } = requireWithCodeCache(path.join(__dirname, 'cli.js'), codeCacheDir());
const { main } = exports as { main: typeof Main };

// A reader that stops early (`rml audit data.csv --format json | head`) closes the pipe: stop quietly, as
// other command-line tools do, rather than print a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
