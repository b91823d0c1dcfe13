/**
 * Loads the CLI's bundle with a V8 code cache, so that a run of `rml` does not parse and compile the whole
 * 1 MB bundle again: `rml --version` took 99 ms with the cache against 117 without (the best of 15 fresh
 * processes each; Node alone, 61).
 *
 * Why by hand: Node 22.1 and later have this built in (`module.enableCompileCache`), but the CLI supports
 * Node 20, which has only the `vm` API this is built on; `v8-compile-cache`, the package that did this, has
 * been left since Node grew its own. What it needs to get right:
 * - The cache is made as the bundle is compiled, so before the audit sets `--expose-gc` at run time
 *   (`src/worker/collect.ts`): V8 ties a cache to the flags, and rejected every cache made at the end of a
 *   run. One made after the bundle's top level had run (`vm.Script`, `createCachedData`) held more (1.3 MB
 *   against 1.0) and saved 6 ms more, but raised a small audit's peak by 3 to 6 MB.
 * - A cache is named by a hash of the source, the V8 version and the architecture. V8's own check of the
 *   source is its length only, and npm gives every installed file the same modification time, so a stale
 *   cache of a same-length build would otherwise run old code.
 * - It lives in the user's own cache folder (made private): code read from a folder others can write to
 *   would run as this user, so a folder that others own or may write to is not used.
 * - Any failure (no home, a read-only disk, a cache V8 rejects) costs only the time saved: the bundle is
 *   compiled as without a cache, and a rejected cache is replaced.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { writeAllSync, writeThroughTemporary } from './writeFile';

/** What became of the cache on a load: for tests and for `RML_CODE_CACHE` users checking it works. */
export type CacheOutcome = 'off' | 'created' | 'used' | 'replaced' | 'unwritable' | 'shared';

export interface LoadedBundle {
  exports: unknown;
  cache: CacheOutcome;
}

/** What `vm.compileFunction` returns, with the properties its options add. */
type Compiled = ((
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void) & { cachedData?: Buffer; cachedDataRejected?: boolean };

/** Cache files of one bundle kept (other builds, other Node versions); older ones are removed. */
const KEEP = 3;

/**
 * The folder for code caches: `RML_CODE_CACHE` (a folder, or `off`), else the platform's per-user cache
 * folder (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on
 * Windows), with `responsible-ml` under it; null when off or when there is no home to put it in.
 */
export function codeCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = safeHome(),
): string | null {
  const set = env.RML_CODE_CACHE;
  if (set !== undefined && set !== '') return set === 'off' ? null : path.resolve(set);
  let base: string | undefined;
  if (platform === 'win32') base = env.LOCALAPPDATA || (home && path.join(home, 'AppData', 'Local'));
  else if (platform === 'darwin') base = home && path.join(home, 'Library', 'Caches');
  else
    base =
      (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) && env.XDG_CACHE_HOME) ||
      (home && path.join(home, '.cache'));
  return base ? path.join(base, 'responsible-ml') : null;
}

function safeHome(): string {
  try {
    return os.homedir();
  } catch {
    return '';
  }
}

/**
 * `require(file)` for a self-contained CommonJS bundle, compiled with the code cache in `cacheDir` (none when
 * null). The bundle gets its own `require`, `module`, `__filename` and `__dirname`, as under `require`; it is
 * not entered in `require.cache`, which nothing else loads it through.
 */
export function requireWithCodeCache(file: string, cacheDir: string | null): LoadedBundle {
  // With source maps on (`--enable-source-maps`), Node maps stack traces only for modules it loads itself.
  if (cacheDir === null || process.sourceMapsEnabled)
    return { exports: createRequire(file)(file) as unknown, cache: 'off' };
  if (writableByOthers(cacheDir)) return { exports: createRequire(file)(file) as unknown, cache: 'shared' };
  const bytes = fs.readFileSync(file);
  const key = createHash('sha1')
    .update(bytes)
    .update(`\0${process.versions.v8}\0${process.arch}`)
    .digest('hex');
  const name = path.basename(file, '.js');
  const cacheFile = path.join(cacheDir, `${name}-${key}.v8cache`);
  const { found, data: cached } = readCache(cacheFile);
  const source = bytes.toString('utf8');
  const compile = (cachedData: Buffer | undefined) =>
    vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: file,
      cachedData,
      produceCachedData: cachedData === undefined,
    }) as Compiled;
  let wrapper = compile(cached);
  // A cache V8 turns down is written again, from a second compilation (that run only).
  if (wrapper.cachedDataRejected === true) wrapper = compile(undefined);
  const module = { exports: {} as unknown, id: file, filename: file, loaded: false };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  if (wrapper.cachedData === undefined) return { exports: module.exports, cache: 'used' };
  const written = writeCache(cacheDir, cacheFile, name, wrapper.cachedData);
  return {
    exports: module.exports,
    cache: !written ? 'unwritable' : found ? 'replaced' : 'created',
  };
}

/**
 * A folder another user owns or may write to (`RML_CODE_CACHE` set to a shared folder, a home made
 * group-writable): a cache there could be anyone's code, run as this user, so none is read or written. A
 * folder not there yet is made private when the first cache is written. POSIX only: Windows keeps
 * `%LOCALAPPDATA%` to its user.
 */
function writableByOthers(dir: string): boolean {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return false;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return false;
  }
  return stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0;
}

/**
 * Whether a cache file is there, and its data unless it is damaged. The data is checked against the digest
 * written before it because V8 checks only a header: a cache damaged past its header crashed the process that
 * read it (found by the test of a damaged cache).
 */
function readCache(file: string): { found: boolean; data?: Buffer } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { found: false };
  }
  const data = bytes.subarray(HEADER);
  const ok =
    bytes.length > HEADER &&
    bytes.subarray(0, MAGIC.length).equals(MAGIC) &&
    bytes.subarray(MAGIC.length, HEADER).equals(digest(data));
  return { found: true, data: ok ? data : undefined };
}

/** A cache file: this tag, the SHA-1 of the data, then V8's data. */
const MAGIC = Buffer.from('rml-v8-cache\n');
const HEADER = MAGIC.length + 20;

function digest(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

/** Writes the cache whole or not at all (another `rml` may be reading it); false where it could not. */
function writeCache(dir: string, file: string, name: string, data: Buffer): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeThroughTemporary(file, (fd) => {
      fs.fchmodSync(fd, 0o600);
      writeAllSync(fd, Buffer.concat([MAGIC, digest(data), data]));
    });
  } catch {
    // Nothing is left behind: the next run tries again.
    return false;
  }
  prune(dir, name);
  return true;
}

/** Removes all but the {@link KEEP} newest caches of the bundle: each upgrade or Node version adds one. */
function prune(dir: string, name: string): void {
  try {
    const pattern = new RegExp(`^${name}-[0-9a-f]{40}\\.v8cache$`);
    const files = fs
      .readdirSync(dir)
      .filter((f) => pattern.test(f))
      .map((f) => ({ f, at: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { f } of files.slice(KEEP)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // A cache folder that cannot be listed only grows.
  }
}
