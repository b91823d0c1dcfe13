import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codeCacheDir } from '../../../src/cli/codeCache';

const root = path.resolve(__dirname, '../../..');
const moduleFile = path.join(root, 'src/cli/codeCache.ts');

interface ChildResult {
  cache: string;
  answer: number;
  dirname: string;
  filename: string;
  helper: string;
  stack: string;
}

/**
 * Loads `bundle` through the cache in a fresh process: V8 consumes a cache only when it compiles, and a
 * process that compiled the source once answers from its own memory.
 */
function load(bundle: string, cacheDir: string | null): ChildResult {
  const code = `
    const { requireWithCodeCache } = require(${JSON.stringify(moduleFile)});
    // tsx turns source maps on, which makes the loader step aside for Node's own loading.
    process.setSourceMapsEnabled(false);
    const r = requireWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(cacheDir)});
    let stack = '';
    try { r.exports.fail(); } catch (e) { stack = e.stack; }
    process.stdout.write(JSON.stringify({ cache: r.cache, answer: r.exports.answer(), dirname: r.exports.dirname,
      filename: r.exports.filename, helper: r.exports.helper(), stack }));
  `;
  const child = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', code], {
    encoding: 'utf8',
    cwd: root,
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as ChildResult;
}

function writeBundle(dir: string, answer: number): string {
  const file = path.join(dir, 'bundle.js');
  fs.writeFileSync(
    file,
    [
      "'use strict';",
      "const path = require('node:path');",
      "function fail() { throw new Error('from the bundle'); }",
      `module.exports = { answer: () => ${answer}, dirname: __dirname, filename: __filename, fail,`,
      "  helper: () => require('./helper.js').name + path.sep.length };",
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'helper.js'), "module.exports = { name: 'helper' };\n");
  return file;
}

const cacheFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache'));

describe('the CLI code cache', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-code-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a cache, then uses it; the bundle runs as under require either way', () => {
    const bundle = writeBundle(dir, 42);
    const cacheDir = path.join(dir, 'cache');
    const first = load(bundle, cacheDir);
    assert.equal(first.cache, 'created');
    const second = load(bundle, cacheDir);
    assert.equal(second.cache, 'used');
    for (const r of [first, second]) {
      assert.equal(r.answer, 42);
      assert.equal(r.dirname, dir);
      assert.equal(r.filename, bundle);
      assert.equal(r.helper, 'helper1', 'require resolves beside the bundle');
      // A stack trace names the bundle's own line.
      assert.match(r.stack, new RegExp(`${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:`));
    }
    const files = cacheFiles(cacheDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^bundle-[0-9a-f]{40}\.v8cache$/);
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700, 'a private folder');
      assert.equal(fs.statSync(path.join(cacheDir, files[0]!)).mode & 0o777, 0o600);
    }
  });

  it('replaces a cache V8 rejects, and runs the bundle all the same', () => {
    const bundle = writeBundle(dir, 7);
    const cacheDir = path.join(dir, 'cache');
    load(bundle, cacheDir);
    const file = path.join(cacheDir, cacheFiles(cacheDir)[0]!);
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([good.subarray(0, 64), Buffer.alloc(good.length - 64, 0x5a)]));
    const broken = load(bundle, cacheDir);
    assert.equal(broken.cache, 'replaced');
    assert.equal(broken.answer, 7);
    assert.notDeepEqual(
      fs.readFileSync(file).subarray(64),
      Buffer.alloc(good.length - 64, 0x5a),
      'written again',
    );
    assert.equal(load(bundle, cacheDir).cache, 'used');
    fs.writeFileSync(file, 'not a cache');
    assert.equal(load(bundle, cacheDir).cache, 'replaced');
    // Whole, but not V8's: V8 rejects it.
    const other = Buffer.alloc(good.length - 33, 0x5a);
    const sha1 = createHash('sha1').update(other).digest();
    fs.writeFileSync(file, Buffer.concat([good.subarray(0, 13), sha1, other]));
    assert.equal(load(bundle, cacheDir).cache, 'replaced');
    assert.equal(load(bundle, cacheDir).cache, 'used');
  });

  it('never runs the cache of another build, even one of the same length', () => {
    const cacheDir = path.join(dir, 'cache');
    const bundle = writeBundle(dir, 1);
    load(bundle, cacheDir);
    // npm gives installed files one modification time, and V8 checks a cache against the source's length.
    writeBundle(dir, 2);
    const changed = load(bundle, cacheDir);
    assert.equal(changed.cache, 'created');
    assert.equal(changed.answer, 2);
    assert.equal(cacheFiles(cacheDir).length, 2);
    for (let answer = 3; answer <= 6; answer++) {
      writeBundle(dir, answer);
      assert.equal(load(bundle, cacheDir).answer, answer);
    }
    assert.equal(cacheFiles(cacheDir).length, 3, 'the three newest caches are kept');
  });

  it('runs without a cache where none can be written, others may write, or it is off', () => {
    const bundle = writeBundle(dir, 5);
    fs.writeFileSync(path.join(dir, 'file'), '');
    const blocked = load(bundle, path.join(dir, 'file', 'cache'));
    assert.equal(blocked.cache, 'unwritable');
    assert.equal(blocked.answer, 5);
    assert.deepEqual(
      fs.readdirSync(dir).sort(),
      ['bundle.js', 'file', 'helper.js'],
      'no temporary file is left behind',
    );
    if (process.platform !== 'win32') {
      // A folder others may write to could hold anyone's code: neither read nor written.
      const shared = path.join(dir, 'shared');
      fs.mkdirSync(shared);
      fs.chmodSync(shared, 0o777);
      const r = load(bundle, shared);
      assert.equal(r.cache, 'shared');
      assert.equal(r.answer, 5);
      assert.deepEqual(fs.readdirSync(shared), []);
      fs.rmSync(shared, { recursive: true });
    }
    const off = load(bundle, null);
    assert.equal(off.cache, 'off');
    assert.equal(off.answer, 5);
  });

  it("lives in the user's cache folder of each platform, or where RML_CODE_CACHE says", () => {
    const home = path.join(path.sep, 'home', 'ada');
    assert.equal(codeCacheDir({}, 'linux', home), path.join(home, '.cache', 'responsible-ml'));
    assert.equal(
      codeCacheDir({ XDG_CACHE_HOME: path.join(path.sep, 'var', 'cache', 'ada') }, 'linux', home),
      path.join(path.sep, 'var', 'cache', 'ada', 'responsible-ml'),
    );
    // The XDG specification says a relative path is to be ignored.
    assert.equal(
      codeCacheDir({ XDG_CACHE_HOME: 'cache' }, 'linux', home),
      path.join(home, '.cache', 'responsible-ml'),
    );
    assert.equal(codeCacheDir({}, 'darwin', home), path.join(home, 'Library', 'Caches', 'responsible-ml'));
    assert.equal(
      codeCacheDir({ LOCALAPPDATA: path.join(home, 'Local') }, 'win32', home),
      path.join(home, 'Local', 'responsible-ml'),
    );
    assert.equal(codeCacheDir({}, 'linux', ''), null, 'no home, no cache');
    assert.equal(codeCacheDir({ RML_CODE_CACHE: 'off' }, 'linux', home), null);
    assert.equal(codeCacheDir({ RML_CODE_CACHE: 'here' }, 'linux', home), path.resolve('here'));
  });

  it('serves `rml` itself: the second run uses the cache and prints the same report', () => {
    const cacheDir = path.join(dir, 'cache');
    const fixture = path.join(root, 'test/fixtures/scan/customers.csv');
    const run = () =>
      spawnSync(process.execPath, [path.join(root, 'bin/rml.js'), 'audit', fixture, '--format', 'json'], {
        encoding: 'utf8',
        env: { ...process.env, RML_CODE_CACHE: cacheDir },
      });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    const files = cacheFiles(cacheDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^cli-[0-9a-f]{40}\.v8cache$/);
    const written = fs.statSync(path.join(cacheDir, files[0]!)).mtimeMs;
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(fs.statSync(path.join(cacheDir, files[0]!)).mtimeMs, written, 'used, not written again');
  });
});
