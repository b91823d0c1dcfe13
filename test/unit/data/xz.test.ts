import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decompressWhole, memberOptions, type TarMember } from '../../../src/core/data/compressed';
import { loadTable } from '../../../src/core/training/loadTable';
import { archiveMembersOf, openScanned } from '../../../src/worker/scannedFile';
import { readTable } from '../../../src/core/data/readTable';
import { pieces, readAll } from './readHelpers';

const fixtures = path.resolve(__dirname, '../../fixtures');
const adult = path.resolve(__dirname, '../../../../shared/data/adult/adult.csv');
/** Made by XZ Utils 5.4.1 (`xz`, its default level): the first 200,000 bytes of Adult, and people.csv. */
const adultXz = fs.readFileSync(path.join(fixtures, 'xz/adult-200k.csv.xz'));
const adultText = fs.readFileSync(adult).subarray(0, 200_000);

describe('xz-compressed datasets: read through', function () {
  this.timeout(60_000);

  it('reads an .xz file as the text inside, concatenated streams too, in any chunking', async () => {
    const people = fs.readFileSync(path.join(fixtures, 'data/people.csv'));
    const peopleXz = fs.readFileSync(path.join(fixtures, 'xz/people.csv.xz'));
    const expected = await readAll([adultText], { fileName: 'adult.csv' });
    const twice = await readAll([Buffer.concat([people, people])], { fileName: 'people.csv' });
    for (const [bytes, want] of [
      [adultXz, expected],
      // `cat a.xz b.xz`: one text, as `xz -d` gives.
      [Buffer.concat([peopleXz, peopleXz]), twice],
    ] as const) {
      // Pieces shorter than the six-byte magic number too.
      for (const size of [1, 5, 7, 4096, bytes.length]) {
        const got = await readAll(pieces(bytes, size), { fileName: 'data.csv.xz' });
        assert.deepEqual(got.header, want.header, `header, pieces of ${size}`);
        assert.deepEqual(got.rows, want.rows, `rows, pieces of ${size}`);
        assert.deepEqual(
          got.problems,
          want.problems.map((f) => ({ ...f, file: 'data.csv.xz' })),
          `problems, pieces of ${size}`,
        );
        assert.equal(got.summary.compression, 'xz');
        assert.equal(got.summary.bytes, want.summary.bytes);
      }
    }
  });

  it('keeps the rows before a cut or damaged data, with one error saying which', async () => {
    const all = (await readAll([adultText])).rows.length;
    const cut = await readAll([adultXz.subarray(0, adultXz.length >> 1)], { fileName: 'a.csv.xz' });
    assert.ok(cut.rows.length > 0 && cut.rows.length < all, `${cut.rows.length} of ${all}`);
    assert.match(
      cut.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The xz-compressed data is cut short \(the file ends inside it\): the [\d,]+ rows in its first /,
    );
    const bad = Buffer.from(adultXz);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0xff;
    const damaged = await readAll([bad], { fileName: 'a.csv.xz' });
    assert.ok(damaged.rows.length < all);
    assert.match(
      damaged.problems.find((p) => p.rule === 'data/compressed-damaged')?.message ?? '',
      /^The xz-compressed data is damaged \(xz: corrupt data, or a failed integrity check\)/,
    );
  });

  it('never throws on an xz file cut or damaged anywhere, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(adultXz.length - 1),
        fc.option(fc.tuple(fc.nat(adultXz.length - 1), fc.integer({ min: 1, max: 255 }))),
        fc.integer({ min: 1, max: 9000 }),
        async (cutAt, flip, size) => {
          const bytes = Buffer.from(adultXz.subarray(0, Math.max(6, cutAt)));
          if (flip && flip[0] < bytes.length) bytes[flip[0]] = bytes[flip[0]]! ^ flip[1];
          const r = await readAll(pieces(bytes, size), { fileName: 'a.csv.xz' });
          assert.equal(r.headerCalls, 1);
          assert.ok(r.summary.bytes <= adultText.length + 1_000_000);
          // A stream cut short is always told.
          if (!flip) assert.equal(r.problems.filter((p) => p.rule === 'data/compressed-damaged').length, 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('throws what the source throws, not a finding', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield adultXz.subarray(0, 5000);
      throw new Error('read error: EIO');
    }
    await assert.rejects(
      readTable(failing(), { header: () => {}, row: () => {}, problem: () => {} }, { fileName: 'a.csv.xz' }),
      /read error: EIO/,
    );
  });

  it('reads each table of a .tar.xz on disk on its own, and decompressWhole gives the text (rml fix)', async () => {
    const file = path.join(fixtures, 'xz/two.tar.xz');
    const members = (await archiveMembersOf(file, 'two.tar.xz')) as TarMember[];
    assert.deepEqual(
      members.map((m) => [m.name, m.compression]),
      [
        ['d/adult.csv', 'xz'],
        ['d/people.csv', 'xz'],
      ],
    );
    const people = await loadTable(
      openScanned(file, memberOptions(members[1])),
      'people.csv',
      [],
      members[1],
    );
    assert.equal(
      people.table.rowNumbers.length,
      (await readAll([fs.readFileSync(path.join(fixtures, 'data/people.csv'))])).rows.length,
    );
    const whole = await decompressWhole(adultXz, 'a.csv.xz');
    assert.ok(whole.bytes.equals(adultText));
  });
});
