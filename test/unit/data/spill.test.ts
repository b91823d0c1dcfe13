import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpillDir, discardHandedOver, type SpillFile } from '../../../src/core/data/spill';
import {
  DuplicateMerge,
  DuplicateRowDetector,
  type DuplicateResult,
} from '../../../src/core/data/duplicates';
import { seededRandom } from '../../../src/core/random';
import { dataRow as row } from './readHelpers';

describe('SpillDir and SpillFile', () => {
  let parent: string;
  beforeEach(() => (parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-spill-test-'))));
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('hands a named file over to another SpillDir, which reads it, unlinks it and removes its directory', () => {
    const made = new SpillDir(0, parent, true);
    const f = made.file()!;
    const data = Float64Array.from({ length: 5000 }, (_, i) => i * 1.5 - 7);
    f.append(data);
    // Named until handed over, and never in the clear.
    const [dirName] = fs.readdirSync(parent);
    const [fileName] = fs.readdirSync(path.join(parent, dirName!));
    const onDisk = fs.readFileSync(path.join(parent, dirName!, fileName!));
    assert.equal(onDisk.length, data.byteLength);
    assert.ok(!onDisk.equals(Buffer.from(data.buffer)));
    const handle = structuredClone(f.handOver());
    assert.equal(made.open, 0);
    // The making side forgets its directory; the file stays for the adopter.
    made.leave();
    made.close();
    assert.ok(fs.existsSync(handle.path));
    const taker = new SpillDir();
    const g = taker.adopt(handle);
    assert.equal(fs.existsSync(handle.path), false, 'unlinked once open');
    const bytes = g.readRange(8 * 1234, 8 * 100, new Uint8Array(800));
    assert.deepEqual(new Float64Array(bytes.buffer, bytes.byteOffset, 100), data.subarray(1234, 1334));
    taker.close();
    assert.equal(fs.existsSync(handle.dir), false);
    assert.deepEqual(fs.readdirSync(parent), []);
  });

  it('removes a handed-over file nobody adopts, and refuses to hand over an unnamed one', () => {
    const made = new SpillDir(0, parent, true);
    const f = made.file()!;
    f.append(new Uint8Array(100));
    const handle = f.handOver();
    made.leave();
    discardHandedOver(handle);
    assert.deepEqual(fs.readdirSync(parent), []);
    const plain = new SpillDir(0, parent);
    assert.throws(() => plain.file()!.handOver(), /kept its name/);
    plain.close();
  });

  it('reads back what was appended, in any chunking, encrypted on disk and with no name left there', () => {
    const dir = new SpillDir(0, parent);
    const f = dir.file()!;
    const rand = seededRandom(5);
    const written: number[] = [];
    for (let k = 0; k < 40; k++) {
      const block = new Int32Array(1 + Math.floor(rand() * 3000));
      for (let i = 0; i < block.length; i++) block[i] = (rand() * 2 ** 32) | 0;
      // Views into a larger buffer as well as whole arrays.
      const view = k % 3 === 0 ? new Int32Array(block.buffer, 4, block.length - 1) : block;
      f.append(view);
      written.push(...view);
    }
    assert.equal(f.size, 4 * written.length);
    const want = Buffer.from(new Int32Array(written).buffer);
    for (const chunk of [4, 12, 4096, 1 << 20]) {
      const parts: Buffer[] = [];
      f.read(chunk, (b) => {
        assert.ok(b.length <= chunk);
        parts.push(Buffer.from(b));
      });
      assert.ok(Buffer.concat(parts).equals(want), `chunks of ${chunk}`);
    }
    // The directory is private and holds no name: the file was unlinked once open.
    const made = fs.readdirSync(parent)[0]!;
    assert.ok(made.startsWith('rml-spill-'));
    assert.deepEqual(fs.readdirSync(path.join(parent, made)), []);
    if (process.platform !== 'win32') assert.equal(fs.statSync(path.join(parent, made)).mode & 0o777, 0o700);
    // What is on disk is not the data: read the open file's raw bytes.
    const raw = Buffer.alloc(want.length);
    fs.readSync((f as unknown as { fd: number }).fd, raw, 0, raw.length, 0);
    assert.ok(!raw.equals(want));
    let same = 0;
    for (let i = 0; i < want.length; i += 4) if (raw.readInt32LE(i) === want.readInt32LE(i)) same++;
    assert.ok(same < 5, `${same} of ${want.length / 4} numbers in the clear`);
    // Two files never share a key stream.
    const g: SpillFile = dir.file()!;
    g.append(new Int32Array(written.slice(0, 100)));
    const rawG = Buffer.alloc(400);
    fs.readSync((g as unknown as { fd: number }).fd, rawG, 0, 400, 0);
    assert.ok(!rawG.equals(raw.subarray(0, 400)));
    assert.equal(dir.open, 2);
    dir.close();
    assert.equal(dir.open, 0);
    assert.deepEqual(fs.readdirSync(parent), []);
    assert.throws(() => f.read(4, () => {}), /after close/);
    dir.close();
  });

  it('reads any range of bytes back, wherever it starts in the key stream', () => {
    const dir = new SpillDir(0, parent);
    const f = dir.file()!;
    const rand = seededRandom(11);
    // 1.5 MB: counter blocks up to about 100,000 after the IV, so carries reach its third byte from the end.
    const data = new Uint8Array(1_500_000);
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
    for (let at = 0; at < data.length; at += 70_001)
      f.append(data.subarray(at, Math.min(data.length, at + 70_001)));
    const into = new Uint8Array(1 << 16);
    for (let k = 0; k < 300; k++) {
      const offset = Math.floor(rand() * data.length);
      const length = Math.min(data.length - offset, Math.floor(rand() * into.length));
      const got = f.readRange(offset, length, into);
      assert.equal(got.length, length);
      assert.ok(
        Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + length))),
        `${offset}+${length}`,
      );
    }
    assert.equal(f.readRange(data.length, 0, into).length, 0);
    assert.throws(() => f.readRange(data.length - 1, 2, into), RangeError);
    dir.close();
  });

  it('touches the disk only when a file is asked for', () => {
    const dir = new SpillDir(10, parent);
    dir.close();
    assert.deepEqual(fs.readdirSync(parent), []);
  });

  it('keeps the rows in memory, with the same result, where no file can be made', () => {
    const nowhere = path.join(parent, 'missing', 'deeper');
    const dir = new SpillDir(0, nowhere);
    assert.equal(dir.file(), undefined);
    const rows = Array.from({ length: 5000 }, (_, i) => [String(i % 1500)]);
    const inMemory = new DuplicateRowDetector();
    const unspilled = new DuplicateRowDetector(new SpillDir(0, nowhere));
    const merge = new DuplicateMerge(new SpillDir(0, nowhere));
    rows.forEach((v, i) => {
      inMemory.add(row(i + 1, v));
      unspilled.add(row(i + 1, v));
    });
    const part = new DuplicateRowDetector();
    rows.forEach((v, i) => part.add(row(i + 1, v)));
    merge.add(part.finishPart(), 0);
    const want = inMemory.finish();
    assert.equal(want.duplicateRows, 3500);
    assert.deepEqual(unspilled.finish(), want);
    assert.deepEqual(merge.finish(), want);
    assert.equal(fs.existsSync(nowhere), false);
  });

  it('gives the duplicate rows of the in-memory lists when they spill, for the detector and the merge', () => {
    for (const [seed, length] of [
      [1, 30_000],
      [2, 70_000],
      [3, 5_000],
    ] as const) {
      const rand = seededRandom(seed);
      // About 6,000 distinct rows: repeats near and far, across every spilled block.
      const rows = Array.from({ length }, () => [
        String(Math.floor(rand() * 3000)),
        rand() < 0.5 ? 'a' : undefined,
      ]);
      const inMemory = new DuplicateRowDetector();
      rows.forEach((v, i) => inMemory.add(row(i + 1, v)));
      const want = inMemory.finish();
      assert.ok(want.duplicateRows > 1000, String(want.duplicateRows));
      // With a small `maxWalk` a spilled list is walked in sub-lists (2 to 90 a list here): same result.
      for (const [afterRows, maxWalk] of [
        [0, undefined],
        [1000, undefined],
        [20_000, undefined],
        [0, 50],
        [1000, 100],
      ] as const) {
        const dir = new SpillDir(afterRows, parent);
        const spilled = new DuplicateRowDetector(dir, maxWalk);
        rows.forEach((v, i) => spilled.add(row(i + 1, v)));
        assert.equal(dir.open, length > afterRows ? 16 : 0);
        let made = 0;
        const file = dir.file.bind(dir);
        dir.file = () => (made++, file());
        assert.deepEqual(spilled.finish(), want, `seed ${seed}, after ${afterRows}, ${maxWalk}`);
        // Sub-lists only past `maxWalk`, where the lists spilled.
        if (maxWalk && length > afterRows) assert.ok(made >= 32, String(made));
        else assert.equal(made, 0);
        // The lists' files are closed when the detector finishes.
        assert.equal(dir.open, 0);
        dir.close();

        const mergeDir = new SpillDir(afterRows, parent);
        const merge = new DuplicateMerge(mergeDir, maxWalk);
        const cuts = [0, Math.floor(length / 3), Math.floor(length / 2), length];
        for (let p = 0; p + 1 < cuts.length; p++) {
          const d = new DuplicateRowDetector();
          rows.slice(cuts[p], cuts[p + 1]).forEach((v, i) => d.add(row(i + 1, v)));
          merge.add(d.finishPart(), cuts[p]!);
        }
        const got: DuplicateResult = merge.finish();
        assert.deepEqual(got, want, `merge, seed ${seed}, after ${afterRows}, ${maxWalk}`);
        assert.equal(mergeDir.open, 0);
        mergeDir.close();
      }
    }
    assert.deepEqual(fs.readdirSync(parent), []);
  });
});
