/**
 * The reads of Zstandard-compressed files, for a Node.js with zlib's Zstandard (22.15 and later):
 * `zstd.test.ts` runs them in its own process when its Node.js has it, else under one installed for the tests
 * (`zstdRead.node22.ts`).
 */
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decompressWhole, memberOptions, type TarMember } from '../../../src/core/data/compressed';
import { loadTable } from '../../../src/core/training/loadTable';
import { archiveMembersOf, openScanned } from '../../../src/worker/scannedFile';
import { makeTar } from './makeTar';
import { pieces, readAll } from './readHelpers';

const fixtures = path.resolve(__dirname, '../../fixtures');
const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');

const zstd = (b: Uint8Array): Buffer =>
  (zlib as unknown as { zstdCompressSync: (b: Uint8Array) => Buffer }).zstdCompressSync(b);

export function zstdReadSuite(): void {
  describe(`Zstandard-compressed datasets: read through (Node.js ${process.version})`, () => {
    it("reads a .zst file as the text inside, the zstd tool's and zlib's, in any chunking", async () => {
      const people = fs.readFileSync(path.join(fixtures, 'data/people.csv'));
      const expected = await readAll([people], { fileName: 'people.csv' });
      const text = fs.readFileSync(adult).subarray(0, 400_000);
      const adultExpected = await readAll([text], { fileName: 'adult.csv' });
      for (const [bytes, want] of [
        [fs.readFileSync(path.join(fixtures, 'zstd/people.csv.zst')), expected],
        [fs.readFileSync(path.join(fixtures, 'zstd/people-stream.csv.zst')), expected],
        [zstd(text), adultExpected],
        // Two frames, as `cat a.zst b.zst` makes: one text, as `zstd -d` gives (zlib alone stops at the
        // first); a skippable frame (metadata) before them holds no text.
        [
          Buffer.concat([
            Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]),
            zstd(text.subarray(0, 150_000)),
            zstd(text.subarray(150_000)),
          ]),
          adultExpected,
        ],
      ] as const) {
        for (const size of [1, 97, 65_536, bytes.length]) {
          if (size === 1 && bytes.length > 10_000) continue;
          const got = await readAll(pieces(bytes, size), { fileName: 'data.csv.zst' });
          assert.deepEqual(got.header, want.header, `header, pieces of ${size}`);
          assert.deepEqual(got.rows, want.rows, `rows, pieces of ${size}`);
          assert.deepEqual(
            got.problems,
            want.problems.map((f) => ({ ...f, file: 'data.csv.zst' })),
            `problems, pieces of ${size}`,
          );
          assert.equal(got.summary.compression, 'zstd');
        }
      }
    });

    it('keeps the rows before a cut, which zlib itself does not report, and names damaged data', async () => {
      const text = fs.readFileSync(adult).subarray(0, 400_000);
      const whole = zstd(text);
      const all = (await readAll([text])).rows.length;
      for (const at of [whole.length >> 1, whole.length - 1]) {
        const r = await readAll([whole.subarray(0, at)], { fileName: 'a.csv.zst' });
        assert.ok(r.rows.length < all, `${r.rows.length} of ${all} rows`);
        assert.match(
          r.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
          /^The Zstandard-compressed data is cut short \(the file ends inside it\): the [\d,]+ rows in its first /,
        );
      }
      const bad = Buffer.from(whole);
      bad[whole.length >> 1] = bad[whole.length >> 1]! ^ 0xff;
      const r = await readAll([bad], { fileName: 'a.csv.zst' });
      assert.match(
        r.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
        /^The Zstandard-compressed data (is damaged|fails its checksum)/,
      );
      // Whole, no finding of the kind.
      const ok = await readAll([whole], { fileName: 'a.csv.zst' });
      assert.equal(ok.problems.filter((p) => p.rule === 'data/compressed-damaged').length, 0);
    });

    it('never throws on a .zst file cut or damaged anywhere, in any chunking, and tells every cut', async () => {
      const whole = fs.readFileSync(path.join(fixtures, 'zstd/people.csv.zst'));
      await fc.assert(
        fc.asyncProperty(
          fc.nat(whole.length - 1),
          fc.option(fc.tuple(fc.nat(whole.length - 1), fc.integer({ min: 1, max: 255 }))),
          fc.integer({ min: 1, max: 300 }),
          async (cutAt, flip, size) => {
            const bytes = Buffer.from(whole.subarray(0, Math.max(4, cutAt)));
            if (flip && flip[0] < bytes.length) bytes[flip[0]] = bytes[flip[0]]! ^ flip[1];
            const r = await readAll(pieces(bytes, size), { fileName: 'p.csv.zst' });
            assert.equal(r.headerCalls, 1);
            if (!flip) assert.equal(r.problems.filter((p) => p.rule === 'data/compressed-damaged').length, 1);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('reads the table of a tar archive inside (.tar.zst), each on its own on disk; decompressWhole gives the text', async () => {
      const text = Buffer.from('a,b\n1,2\n3,4\n');
      const r = await readAll([zstd(makeTar([{ name: 'd/t.csv', data: text }]))], { fileName: 't.tar.zst' });
      assert.equal(r.rows.length, 2);
      assert.deepEqual(
        r.problems.map((p) => p.message),
        ['The file is a tar archive: its file d/t.csv was read.'],
      );
      const whole = await decompressWhole(zstd(text), 'a.csv.zst');
      assert.ok(whole.bytes.equals(text));
      // On disk, each table on its own: the archive decompressed up to it.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-zstd-'));
      try {
        const file = path.join(dir, 'two.tar.zst');
        const adultText = fs.readFileSync(adult).subarray(0, 100_000);
        fs.writeFileSync(
          file,
          zstd(
            makeTar([
              { name: 'a.csv', data: text },
              { name: 'b.csv', data: adultText },
            ]),
          ),
        );
        const members = (await archiveMembersOf(file, 'two.tar.zst')) as TarMember[];
        assert.deepEqual(
          members.map((m) => [m.name, m.compression]),
          [
            ['a.csv', 'zstd'],
            ['b.csv', 'zstd'],
          ],
        );
        const b = await loadTable(openScanned(file, memberOptions(members[1])), 'b.csv', [], members[1]);
        assert.equal(b.table.rowNumbers.length, (await readAll([adultText])).rows.length);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
