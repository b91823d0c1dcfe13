import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zstdReadable } from '../../../src/core/data/compressed';
import { ZstdFrames } from '../../../src/core/data/zstdFrames';
import { ensureNodeWithZstd } from '../../host/install';
import { repoRoot } from '../../host/paths';
import { readAll } from './readHelpers';
import { zstdReadSuite } from './zstdRead';

const fixtures = path.resolve(__dirname, '../../fixtures/zstd');
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name));

function framesOf(...chunks: Uint8Array[]): ZstdFrames {
  const f = new ZstdFrames();
  for (const c of chunks) f.feed(c);
  return f;
}

describe('Zstandard frames, followed as the bytes pass', () => {
  it("ends where the zstd tool's frames end (content size or not, checksum or not, raw and RLE blocks), and nowhere before", () => {
    for (const name of ['people.csv.zst', 'people-stream.csv.zst', 'raw-blocks.zst', 'rle-blocks.zst']) {
      const b = fixture(name);
      const whole = framesOf(b);
      assert.equal(whole.complete, true, name);
      assert.equal(whole.frames, 1, name);
      // Any cut ends inside the frame; byte by byte, the same.
      const step = Math.max(1, Math.floor(b.length / 500));
      for (let at = 0; at < b.length; at += step)
        assert.equal(framesOf(b.subarray(0, at)).complete, false, `${name} cut at ${at}`);
      const f = new ZstdFrames();
      for (const byte of b) f.feed(Uint8Array.of(byte));
      assert.equal(f.complete, true, `${name} byte by byte`);
    }
  });

  it('takes concatenated and skippable frames; garbage after a frame is no end', () => {
    const a = fixture('people.csv.zst');
    const b = fixture('people-stream.csv.zst');
    const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('xyz')]);
    const two = framesOf(a, skippable, b);
    assert.deepEqual([two.complete, two.frames], [true, 3]);
    assert.equal(framesOf(a, Buffer.from('trailing')).complete, false);
    assert.equal(framesOf(Buffer.from('a,b\n1,2\n')).complete, false);
  });
});

describe('Zstandard-compressed datasets where Node.js lacks Zstandard', () => {
  it('are one data/binary-file error that says what to do', async function () {
    if (zstdReadable()) this.skip(); // This Node.js reads them: the suite below runs here.
    const r = await readAll([fixture('people.csv.zst')], { fileName: 'people.csv.zst' });
    assert.deepEqual(
      r.problems.map((p) => [p.rule, p.message]),
      [
        [
          'data/binary-file',
          `The file is Zstandard-compressed, not CSV, TSV, JSON or JSON Lines text: decompress it and audit the file inside (this Node.js, ${process.version}, cannot decompress it; Node.js 22.15 or later reads it through). Nothing in it was read.`,
        ],
      ],
    );
  });
});

if (zstdReadable()) zstdReadSuite();
else
  describe('Zstandard-compressed datasets under a Node.js that has Zstandard', function () {
    this.timeout(300_000);
    it('pass the reads of zstdRead.ts under Node.js 22 (installed into .test-host)', () => {
      const node = ensureNodeWithZstd();
      const r = spawnSync(
        node,
        [
          path.join(repoRoot, 'node_modules/mocha/bin/mocha.js'),
          '--no-config',
          '--require',
          'tsx/cjs',
          '--extension',
          'ts',
          '--timeout',
          '60000',
          path.join(__dirname, 'zstdRead.node22.ts'),
        ],
        { cwd: repoRoot, encoding: 'utf8' },
      );
      const out = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, out);
      assert.match(out, /Zstandard-compressed datasets: read through \(Node\.js v22\./);
      assert.match(out, /4 passing/);
    });
  });
