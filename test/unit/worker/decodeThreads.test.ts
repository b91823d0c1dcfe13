import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  Decompressed,
  decodeOffThreadWith,
  offThreadDecode,
  type OffThreadDecode,
} from '../../../src/core/data/compressed';
import { scanDataset } from '../../../src/core/scan';
import { useDecodeThreads } from '../../../src/worker/decodeThreads';
import { scanFileInThreads } from '../../../src/worker/scanThreads';
import { pieces } from '../data/readHelpers';

const fixtures = path.resolve(__dirname, '../../fixtures');
const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');
const adultText = fs.readFileSync(adult).subarray(0, 200_000);

/** Reads `bytes` through a Decompressed, in this thread or the decode thread: the text, the fault, the end. */
async function read(bytes: Uint8Array, offThread: boolean, size = 4096) {
  const d = new Decompressed(pieces(bytes, size), undefined, { offThread });
  const parts: Uint8Array[] = [];
  for await (const c of d) parts.push(c);
  return { text: Buffer.concat(parts), fault: d.fault && `${d.fault.code}: ${d.fault.message}` };
}

describe('decode thread: bzip2 and xz decoded beside the reading', function () {
  this.timeout(120_000);
  let real: OffThreadDecode;
  let calls = 0;
  /** Decodes ended, whole or stopped: each ends its thread. */
  let ended = 0;
  before(() => {
    assert.ok(useDecodeThreads(), 'the decode thread is found');
    real = offThreadDecode()!;
    decodeOffThreadWith((...args) => {
      calls++;
      const decode = real(...args);
      return (async function* () {
        try {
          yield* decode;
        } finally {
          ended++;
        }
      })();
    });
  });
  after(() => decodeOffThreadWith(real));

  it('gives the text this thread gives, whole, cut or damaged, with the same fault', async () => {
    for (const name of ['bzip2/adult-200k.csv.bz2', 'xz/adult-200k.csv.xz']) {
      const whole = fs.readFileSync(path.join(fixtures, name));
      const damaged = Buffer.from(whole);
      damaged[whole.length - 3000]! ^= 0x04;
      for (const bytes of [whole, whole.subarray(0, whole.length - 500), damaged]) {
        const before = calls;
        const there = await read(bytes, true);
        assert.equal(calls, before + 1, 'decoded in the thread');
        const here = await read(bytes, false);
        assert.ok(there.text.equals(here.text), name);
        assert.equal(there.fault, here.fault, name);
      }
      assert.ok((await read(whole, true)).text.equals(adultText));
    }
  });

  it('throws what the source throws, and stops the thread when the reader stops early', async () => {
    const bz2 = fs.readFileSync(path.join(fixtures, 'bzip2/adult-200k.csv.bz2'));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bz2.subarray(0, 5000);
      throw new Error('read error: EIO');
    }
    await assert.rejects(async () => {
      for await (const _ of new Decompressed(failing(), undefined, { offThread: true })) void _;
    }, /read error: EIO/);
    // 100 MB of text from 113 bytes: the reader takes a piece and leaves.
    const zeros = fs.readFileSync(path.join(fixtures, 'bzip2/zeros-100mb.bz2'));
    let taken = 0;
    const before = ended;
    for await (const c of new Decompressed([zeros], undefined, { offThread: true })) {
      taken += c.length;
      if (taken > 1_000_000) break;
    }
    assert.ok(taken < 2_000_000);
    // Before, the reader's stop did not reach the decoder, and its thread held the process open.
    assert.equal(ended, before + 1, 'the decode thread was stopped');
  });

  it('is used by a scan in one thread of a large file on two cores, not when one thread is asked', async () => {
    const file = path.join(fixtures, 'bzip2/adult-200k.csv.bz2');
    const options = { fileName: 'adult-200k.csv.bz2' };
    const alone = JSON.stringify(await scanDataset(fs.createReadStream(file), options));
    let before = calls;
    const report = await scanFileInThreads(file, options, { cores: 2, offThreadBytes: 0 });
    assert.equal(calls, before + 1);
    assert.equal(JSON.stringify(report), alone);
    before = calls;
    await scanFileInThreads(file, options, { cores: 2, offThreadBytes: 0, threads: 1 });
    await scanFileInThreads(file, options, { cores: 1, offThreadBytes: 0 });
    await scanFileInThreads(file, options, { cores: 2 });
    assert.equal(calls, before, 'one thread asked, one core, or a small file: decoded in this thread');
  });
});
