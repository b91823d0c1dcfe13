/**
 * Per-row state that a scan needs only when reading ends (the duplicate detector's row hashes, the rows'
 * source ranges), moved out of memory to temporary files once a file has more than a million or so rows, so
 * that a scan's memory stops growing with those rows: 16 of the 58 bytes a row a large audit held.
 *
 * The files hold no cell value, only 64-bit row hashes and line numbers, but a row hash can confirm a guess
 * of a row's content, so nothing is written in the clear: each file is encrypted with AES-256-CTR under a
 * key drawn for it and kept only in this process's memory. Each file is created with mode 0600 in a private
 * directory (mode 0700) and unlinked as soon as it is open, so nothing is left on disk even when the process
 * is killed; where the system does not allow that (Windows), it is removed when the scan ends. A file made
 * in one thread for another (a worker's kept columns, see {@link SpillFile.handOver}) keeps its name until
 * the other thread has opened it: a process killed in between leaves it behind, encrypted under a key that
 * died with the process. Hand-written
 * because no maintained library spills typed arrays to encrypted temporary files; `node:crypto` does the
 * encryption.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Rows of per-row state a scan keeps in memory before it spills the rest (see {@link SpillDir}). */
export const DEFAULT_SPILL_ROWS = 1 << 20;

/**
 * Where and when a scan spills: past `afterRows` rows, into files under `parent` (the system's temporary
 * directory by default). Made lazily: a scan of fewer rows never touches the disk. Where no file can be made
 * there (a read-only or full disk), {@link file} says so and the scan keeps its rows in memory, as it did
 * before spilling existed, rather than fail.
 */
export class SpillDir {
  private dir: string | undefined;
  private readonly files = new Set<SpillFile>();
  /** Directories of files adopted from another thread, removed with this one. */
  private readonly adoptedDirs = new Set<string>();
  /** Set once a file could not be made: no further attempt. */
  private failed = false;

  /**
   * `named`: files keep their names (not unlinked when opened), so that they can be handed over to another
   * thread; the directory is then left to whoever adopts them (see {@link leave}).
   */
  constructor(
    readonly afterRows = DEFAULT_SPILL_ROWS,
    private readonly parent = os.tmpdir(),
    private readonly named = false,
  ) {}

  /** A new empty file in this directory, or undefined when none can be made. */
  file(): SpillFile | undefined {
    if (this.failed) return undefined;
    try {
      this.dir ??= fs.mkdtempSync(path.join(this.parent, 'rml-spill-'));
      const f = SpillFile.create(this.dir, () => this.files.delete(f), this.named);
      this.files.add(f);
      return f;
    } catch {
      this.failed = true;
      return undefined;
    }
  }

  /**
   * Opens a file another thread handed over ({@link SpillFile.handOver}) and takes charge of it and of its
   * directory: both are removed by {@link close}.
   */
  adopt(handle: SpillFileHandle): SpillFile {
    this.adoptedDirs.add(handle.dir);
    const f = SpillFile.adopt(handle, () => this.files.delete(f));
    this.files.add(f);
    return f;
  }

  /**
   * Forgets the directory once every file in it was handed over: another thread removes it (see
   * {@link adopt}). Files not handed over are closed and removed.
   */
  leave(): void {
    for (const f of [...this.files]) f.close();
    this.dir = undefined;
  }

  /** Files made and not yet closed (for tests). */
  get open(): number {
    return this.files.size;
  }

  /** Closes every file and removes the directory. Safe to call more than once. */
  close(): void {
    for (const f of [...this.files]) f.close();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    for (const d of this.adoptedDirs) fs.rmSync(d, { recursive: true, force: true });
    this.adoptedDirs.clear();
  }
}

/**
 * What another thread needs to open a spill file and read it: its name and directory, its key and IV (plain
 * bytes, posted between threads of this process only) and its size.
 */
export interface SpillFileHandle {
  path: string;
  dir: string;
  key: Uint8Array;
  iv: Uint8Array;
  size: number;
}

/** An append-only encrypted temporary file of bytes, read back from the start. */
export class SpillFile {
  private readonly cipher: crypto.Cipher;

  private constructor(
    private fd: number | undefined,
    /** Set while the file still has a name (named for a hand-over, or not unlinkable while open). */
    private name: string | undefined,
    private readonly dir: string,
    private readonly key: Buffer,
    private readonly iv: Buffer,
    /** Bytes written. */
    public size: number,
    private readonly onClose: () => void,
  ) {
    this.cipher = crypto.createCipheriv('aes-256-ctr', this.key, this.iv);
  }

  /** A new empty file in `dir`, unlinked at once unless `named`. */
  static create(dir: string, onClose: () => void, named = false): SpillFile {
    const name = path.join(dir, crypto.randomUUID());
    const fd = fs.openSync(name, 'wx+', 0o600);
    let kept: string | undefined = name;
    if (!named) kept = unlinked(name) ? undefined : name;
    return new SpillFile(fd, kept, dir, crypto.randomBytes(32), crypto.randomBytes(16), 0, onClose);
  }

  /** Opens a handed-over file for reading and unlinks it. */
  static adopt(h: SpillFileHandle, onClose: () => void): SpillFile {
    const fd = fs.openSync(h.path, 'r');
    const name = unlinked(h.path) ? undefined : h.path;
    return new SpillFile(fd, name, h.dir, Buffer.from(h.key), Buffer.from(h.iv), h.size, onClose);
  }

  /**
   * Gives the file to another thread of this process: closes it here without removing it (it must have been
   * made `named`), and returns what {@link SpillDir.adopt} needs. Nothing may be appended afterwards.
   */
  handOver(): SpillFileHandle {
    if (this.fd === undefined || this.name === undefined)
      throw new Error('SpillFile.handOver needs an open file that kept its name.');
    fs.closeSync(this.fd);
    this.fd = undefined;
    // Copies of exactly the key and IV bytes: a posted view would carry its whole backing buffer.
    const handle = {
      path: this.name,
      dir: this.dir,
      key: new Uint8Array(this.key),
      iv: new Uint8Array(this.iv),
      size: this.size,
    };
    this.name = undefined;
    this.onClose();
    return handle;
  }

  /** Appends the bytes of `data`. */
  append(data: ArrayBufferView): void {
    if (this.fd === undefined) throw new Error('SpillFile.append after close');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    // CTR is a stream mode: the output is exactly as long as the input, so offsets stay those of the data.
    const out = this.cipher.update(bytes);
    let done = 0;
    while (done < out.length) done += fs.writeSync(this.fd, out, done, out.length - done, this.size + done);
    this.size += out.length;
  }

  /**
   * Calls `each` with the file's bytes from the start, in order, in chunks of `chunkBytes` (the last may be
   * shorter): a multiple of the record size keeps records whole. A chunk is valid only during the call.
   */
  read(chunkBytes: number, each: (bytes: Uint8Array) => void): void {
    if (this.fd === undefined) throw new Error('SpillFile.read after close');
    const decipher = crypto.createDecipheriv('aes-256-ctr', this.key, this.iv);
    const buf = Buffer.alloc(Math.min(chunkBytes, Math.max(this.size, 1)));
    for (let at = 0; at < this.size;) {
      const want = Math.min(buf.length, this.size - at);
      let got = 0;
      while (got < want) {
        const n = fs.readSync(this.fd, buf, got, want - got, at + got);
        if (n <= 0)
          throw new Error(`A temporary file of the scan ended at ${at + got} of ${this.size} bytes.`);
        got += n;
      }
      each(decipher.update(buf.subarray(0, want)));
      at += want;
    }
  }

  /**
   * The `length` bytes from `offset`, decrypted into `into` (a view of its first `length` bytes is returned).
   * CTR mode lets a read start anywhere: the counter block of byte `offset` is the IV plus `offset / 16`, and
   * the first `offset % 16` bytes of its key stream are skipped.
   */
  readRange(offset: number, length: number, into: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw new Error('SpillFile.readRange after close');
    if (offset < 0 || length < 0 || offset + length > this.size || length > into.length)
      throw new RangeError(`readRange(${offset}, ${length}) of a ${this.size}-byte file`);
    const skip = offset % 16;
    const start = offset - skip;
    const raw = Buffer.allocUnsafe(skip + length);
    let got = 0;
    while (got < raw.length) {
      const n = fs.readSync(this.fd, raw, got, raw.length - got, start + got);
      if (n <= 0)
        throw new Error(`A temporary file of the scan ended at ${start + got} of ${this.size} bytes.`);
      got += n;
    }
    const decipher = crypto.createDecipheriv('aes-256-ctr', this.key, counterAt(this.iv, start / 16));
    const plain = decipher.update(raw);
    into.set(plain.subarray(skip));
    return into.subarray(0, length);
  }

  /** Closes (and where it still has a name, removes) the file. */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.name) fs.rmSync(this.name, { force: true });
    this.name = undefined;
    this.onClose();
  }
}

/** Unlinks an open file so that it leaves nothing behind; false where the system does not allow it. */
function unlinked(name: string): boolean {
  try {
    fs.unlinkSync(name);
    return true;
  } catch {
    return false;
  }
}

/** The 128-bit big-endian counter block `blocks` after `iv`, as AES-CTR numbers them (wrapping at 2^128). */
function counterAt(iv: Buffer, blocks: number): Buffer {
  const out = Buffer.from(iv);
  let carry = blocks;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const sum = out[i]! + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}

/** Removes a handed-over file that no thread will adopt, with its directory. */
export function discardHandedOver(h: SpillFileHandle): void {
  fs.rmSync(h.dir, { recursive: true, force: true });
}
