import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Bzip2Decoder, Bzip2Fault, isBzip2, type Bzip2Block } from '../../../src/core/data/bzip2';
import { decompressWhole, memberOptions, type TarMember } from '../../../src/core/data/compressed';
import { loadTable } from '../../../src/core/training/loadTable';
import { readTable } from '../../../src/core/data/readTable';
import { archiveMembersOf, openScanned } from '../../../src/worker/scannedFile';
import { pieces, readAll } from './readHelpers';

const fixtures = path.resolve(__dirname, '../../fixtures');
const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, 'bzip2', name));
/**
 * Made by bzip2 1.0.8: the first 200,000 bytes of Adult at `-1` (three blocks of 100 kB), people.csv and
 * `runs.bin` at `-9`, an empty file, 100 MB of zero bytes (113 bytes compressed), and a tar of the first two
 * at `-1` (people.csv in the third block).
 */
const adultBz2 = fixture('adult-200k.csv.bz2');
const adultText = fs.readFileSync(adult).subarray(0, 200_000);

/** `runs.bin`: each byte value `r % 256` repeated r times for r = 1..300 (runs across the 4 + count form). */
function runsText(): Buffer {
  const parts: Buffer[] = [];
  for (let r = 1; r <= 300; r++) parts.push(Buffer.alloc(r, r % 256));
  const all = Buffer.alloc(256);
  for (let b = 0; b < 256; b++) all[b] = b;
  for (let k = 0; k < 40; k++) parts.push(all);
  return Buffer.concat(parts);
}

/** Decodes `bytes` fed in pieces of `size`: the text and the fault, if any. */
function decode(bytes: Uint8Array, size: number): { text: Buffer; fault?: Bzip2Fault; complete: boolean } {
  const d = new Bzip2Decoder();
  const out: Uint8Array[] = [];
  try {
    for (const p of pieces(bytes, size)) {
      d.push(p);
      for (const c of d.take()) out.push(c);
    }
    d.finish();
    for (const c of d.take()) out.push(c);
  } catch (e) {
    if (!(e instanceof Bzip2Fault)) throw e;
    return { text: Buffer.concat(out), fault: e, complete: d.complete };
  }
  return { text: Buffer.concat(out), complete: d.complete };
}

describe('bzip2 decoder', function () {
  this.timeout(60_000);

  it('decodes what bzip2 1.0.8 wrote, in any chunking, byte for byte', () => {
    const people = fs.readFileSync(path.join(fixtures, 'data/people.csv'));
    for (const [name, want] of [
      ['adult-200k.csv.bz2', adultText],
      ['people.csv.bz2', people],
      ['runs.bin.bz2', runsText()],
      ['empty.bz2', Buffer.alloc(0)],
    ] as const) {
      const bytes = fixture(name);
      for (const size of [1, 3, 1000, 65536, bytes.length]) {
        const r = decode(bytes, size);
        assert.equal(r.fault, undefined, `${name} in pieces of ${size}: ${r.fault?.message}`);
        assert.ok(r.complete, name);
        assert.ok(r.text.equals(want), `${name} in pieces of ${size}`);
      }
    }
  });

  it('reads concatenated streams one after another, and passes over bytes after the last', () => {
    const people = fs.readFileSync(path.join(fixtures, 'data/people.csv'));
    const both = Buffer.concat([fixture('people.csv.bz2'), adultBz2, fixture('empty.bz2')]);
    const r = decode(Buffer.concat([both, Buffer.from('trailing bytes\n')]), 4096);
    assert.equal(r.fault, undefined);
    assert.ok(r.text.equals(Buffer.concat([people, adultText])));
  });

  it('gives 100 MB of text from 113 bytes in pieces of 64 KB, never more at once', () => {
    const d = new Bzip2Decoder();
    d.push(fixture('zeros-100mb.bz2'));
    d.finish();
    let total = 0;
    let largest = 0;
    const hash = createHash('sha256');
    for (const c of d.take()) {
      total += c.length;
      largest = Math.max(largest, c.length);
      hash.update(c);
    }
    assert.equal(total, 100_000_000);
    assert.ok(largest <= 65536);
    assert.equal(hash.digest('hex'), createHash('sha256').update(Buffer.alloc(100_000_000)).digest('hex'));
  });

  it("says a stream cut short is cut, wherever it is cut, the text before it the file's", () => {
    for (let cut = 0; cut < adultBz2.length; cut += 997) {
      const r = decode(adultBz2.subarray(0, Math.max(cut, 10)), 4096);
      assert.equal(r.fault?.code, 'Z_BUF_ERROR', `cut at ${cut}`);
      assert.ok(adultText.subarray(0, r.text.length).equals(r.text), `cut at ${cut}: a prefix of the text`);
    }
  });

  it('leaves out a block that fails its checksum, and refuses a randomised block (bzip2 before 0.9.5)', () => {
    const badCrc = Buffer.from(adultBz2);
    // The first block's checksum follows the 4-byte header and its 6-byte magic number.
    badCrc[12] = badCrc[12]! ^ 0x10;
    const r = decode(badCrc, 65536);
    assert.equal(r.fault?.code, 'BZIP2');
    assert.match(r.fault?.message ?? '', /fails its checksum, and its text was left out/);
    assert.equal(r.text.length, 0);
    const randomised = Buffer.from(adultBz2);
    randomised[14] = randomised[14]! | 0x80;
    assert.match(decode(randomised, 65536).fault?.message ?? '', /randomised block/);
  });

  it('never throws other than a fault, and never gives text that is not the file, cut or damaged anywhere', () => {
    fc.assert(
      fc.property(
        fc.nat(adultBz2.length),
        fc.option(fc.tuple(fc.nat(adultBz2.length - 1), fc.integer({ min: 1, max: 255 }))),
        fc.integer({ min: 1, max: 9000 }),
        (cutAt, flip, size) => {
          const bytes = Buffer.from(adultBz2.subarray(0, cutAt));
          if (flip && flip[0] < bytes.length) bytes[flip[0]] = bytes[flip[0]]! ^ flip[1];
          const r = decode(bytes, size);
          // Each block's text is given once its checksum matches: what comes out is the file's.
          assert.ok(adultText.subarray(0, r.text.length).equals(r.text));
          if (cutAt < adultBz2.length && !flip) assert.equal(r.fault?.code, 'Z_BUF_ERROR');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes from any block on its own, concatenated streams too, given where the blocks begin', () => {
    const input = Buffer.concat([fixture('people.csv.bz2'), adultBz2, fixture('runs.bin.bz2')]);
    const blocks: Bzip2Block[] = [];
    const d = new Bzip2Decoder({ onBlock: (b) => blocks.push(b) });
    d.push(input);
    d.finish();
    const text = Buffer.concat([...d.take()]);
    assert.deepEqual(
      blocks.map((b) => b.level),
      [9, 1, 1, 1, 9],
    );
    for (const b of blocks) {
      for (const size of [1, 4096]) {
        const e = new Bzip2Decoder({ start: b });
        const out: Uint8Array[] = [];
        for (const p of pieces(input.subarray(Math.floor(b.bit / 8)), size)) {
          e.push(p);
          for (const c of e.take()) out.push(c);
        }
        e.finish();
        for (const c of e.take()) out.push(c);
        assert.ok(e.complete);
        assert.ok(Buffer.concat(out).equals(text.subarray(b.text)), `from the block at bit ${b.bit}`);
      }
    }
  });

  it('recognises a stream by its header and first magic number, not by "BZh" alone', () => {
    assert.ok(isBzip2(adultBz2));
    assert.ok(isBzip2(fixture('empty.bz2')));
    assert.ok(!isBzip2(Buffer.from('BZh9 is a header,and,more\n')));
    assert.ok(!isBzip2(adultBz2.subarray(0, 9)));
  });
});

describe('bzip2-compressed datasets: read through', function () {
  this.timeout(60_000);

  it('reads a .bz2 file as the text inside, in any chunking', async () => {
    const want = await readAll([adultText], { fileName: 'adult.csv' });
    for (const size of [1, 9, 11, 4096, adultBz2.length]) {
      const got = await readAll(pieces(adultBz2, size), { fileName: 'data.csv.bz2' });
      assert.deepEqual(got.header, want.header, `header, pieces of ${size}`);
      assert.deepEqual(got.rows, want.rows, `rows, pieces of ${size}`);
      assert.deepEqual(
        got.problems,
        want.problems.map((f) => ({ ...f, file: 'data.csv.bz2' })),
        `problems, pieces of ${size}`,
      );
      assert.equal(got.summary.compression, 'bzip2');
      assert.equal(got.summary.bytes, want.summary.bytes);
    }
  });

  it('keeps the rows before a cut or a damaged block, with one error saying which', async () => {
    const all = (await readAll([adultText])).rows.length;
    const cut = await readAll([adultBz2.subarray(0, adultBz2.length - 100)], { fileName: 'a.csv.bz2' });
    assert.ok(cut.rows.length > 0 && cut.rows.length < all, `${cut.rows.length} of ${all}`);
    assert.match(
      cut.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The bzip2-compressed data is cut short \(the file ends inside it\): the [\d,]+ rows in its first /,
    );
    const bad = Buffer.from(adultBz2);
    bad[bad.length - 3000] = bad[bad.length - 3000]! ^ 0x04;
    const damaged = await readAll([bad], { fileName: 'a.csv.bz2' });
    assert.ok(damaged.rows.length > 0 && damaged.rows.length < all);
    assert.match(
      damaged.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The bzip2-compressed data is damaged \(bzip2: [^)]+\)/,
    );
    // The garbled block's text is not read: the only ragged row is the last, cut where the good text ends.
    const ragged = damaged.problems.filter((p) => p.rule === 'data/ragged-row');
    assert.ok(ragged.length <= 1, `${ragged.length} ragged rows`);
    for (const p of ragged) assert.equal(p.location?.line, damaged.rows.length + 1);
  });

  it('throws what the source throws, not a finding', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield adultBz2.subarray(0, 5000);
      throw new Error('read error: EIO');
    }
    await assert.rejects(
      readTable(failing(), { header: () => {}, row: () => {}, problem: () => {} }, { fileName: 'a.csv.bz2' }),
      /read error: EIO/,
    );
  });

  it('reads each table of a .tar.bz2 on disk on its own, and decompressWhole gives the text (rml fix)', async () => {
    const file = path.join(fixtures, 'bzip2/two.tar.bz2');
    const members = (await archiveMembersOf(file, 'two.tar.bz2')) as TarMember[];
    assert.deepEqual(
      members.map((m) => [m.name, m.compression]),
      [
        ['d/adult.csv', 'bzip2'],
        ['d/people.csv', 'bzip2'],
      ],
    );
    // people.csv begins in the archive's third block: its scan reads from there.
    const seek = members[1]!.seek;
    assert.ok(seek && seek.text <= members[1]!.offset && seek.bit > 8 * 4, JSON.stringify(seek));
    assert.equal(members[0]!.seek, undefined);
    const opened = openScanned(file, memberOptions(members[1]));
    assert.equal((opened as unknown as { start: number }).start, Math.floor(seek.bit / 8));
    const people = await loadTable(opened, 'people.csv', [], members[1]);
    assert.equal(
      people.table.rowNumbers.length,
      (await readAll([fs.readFileSync(path.join(fixtures, 'data/people.csv'))])).rows.length,
    );
    const whole = await decompressWhole(adultBz2, 'a.csv.bz2');
    assert.ok(whole.bytes.equals(adultText));
  });
});
