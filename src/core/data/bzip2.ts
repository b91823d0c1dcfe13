/**
 * bzip2 decompression (`adult.csv.bz2`, `adult.tar.bz2`), streamed: compressed bytes are fed as they are read
 * and the text comes out in pieces of at most {@link OUT_PIECE} bytes, so memory stays at one block (its
 * compressed bytes, at most 2.3 MB, and its sorted form, 3.6 MB at `bzip2 -9`) whatever the file's size or
 * ratio. Concatenated streams are read one after another, as `bzip2 -d` reads them (`pbzip2` and `lbzip2`
 * write them); bytes after the last stream that do not begin another are passed over, as `bzip2 -d` does.
 *
 * Written by hand: Node.js has no bzip2 decoder, and of the libraries for one, `unbzip2-stream` (the one that
 * streams; last release 2020) decoded the 17.6 MB of five Adult files at about 10 MB/s here (a byte at a time
 * into JavaScript arrays, through old-style streams), `seek-bzip` needs the whole file in memory and
 * `@foxglove/wasm-bz2` the decompressed size beforehand. The format is fixed since bzip2 1.0 (2000); this
 * follows its reference decoder (`decompress.c`), with the same limits (a code 20 bits long at most, 18,002
 * selectors read, those past them passed over as bzip2 1.0.8 does).
 */

/** A fault of the compressed data, worded as zlib's are (`Z_BUF_ERROR`: cut short; `CHECKSUM`). */
export class Bzip2Fault extends Error {
  constructor(
    message: string,
    readonly code: 'Z_BUF_ERROR' | 'CHECKSUM' | 'BZIP2' = 'BZIP2',
  ) {
    super(message);
  }
}

function fault(message: string, code?: Bzip2Fault['code']): Bzip2Fault {
  return new Bzip2Fault(message, code);
}

/** The text is given in pieces of at most this many bytes (the reader decodes 64 KB at a time). */
export const OUT_PIECE = 1 << 16;

/** A block's text held until its checksum is known, at most (a block of text at `-9` is about 0.9 MB). */
const HELD_BYTES = 8 << 20;

/** Bits looked up at once to decode a symbol (most codes are shorter: one look-up finds them). */
const LOOKUP_BITS = 10;

const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const MAX_SELECTORS = 18002;
const GROUP_SIZE = 50;

/**
 * The most compressed bytes one block can take at level `level`: every symbol of a full block at the longest
 * code (20 bits), and its tables. A block is decoded once this much is at hand (or the input has ended), so
 * it never runs out of input halfway.
 */
function blockBound(level: number): number {
  return ((level * 100000 + 1) * MAX_CODE_LEN) / 8 + 40000;
}

/** Whether bytes begin a bzip2 stream: `BZh`, a level 1 to 9, then a block's or the stream end's magic. */
export function isBzip2(head: Uint8Array): boolean {
  if (head.length < 10 || head[0] !== 0x42 || head[1] !== 0x5a || head[2] !== 0x68) return false;
  if (head[3]! < 0x31 || head[3]! > 0x39) return false;
  const block = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
  const end = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
  return block.every((b, i) => head[4 + i] === b) || end.every((b, i) => head[4 + i] === b);
}

const CRC_TABLE = (() => {
  // bzip2's CRC-32: the polynomial 0x04c11db7, most significant bit first (not zlib's reflected one).
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c;
  }
  return t;
})();

type State = 'header' | 'block' | 'next' | 'done';

/**
 * Where a block begins: in the compressed input, in bits from its first byte, and in the text, with its
 * stream's level. Every block can be decoded on its own from there ({@link Bzip2Decoder}'s `start`): a table
 * deep in a `.tar.bz2` is read from the block it begins in, not from the archive's start.
 */
export interface Bzip2Block {
  bit: number;
  text: number;
  level: number;
}

export interface Bzip2Options {
  /** Begin at a block, not a stream's header: the input's first byte holds the block's `bit % 8`. */
  start?: Bzip2Block;
  /** Told of each block as it begins. */
  onBlock?: (block: Bzip2Block) => void;
}

export class Bzip2Decoder {
  /** Compressed bytes held: those from `pos` to `end` are not yet read. */
  private buf = new Uint8Array(1 << 18);
  private pos = 0;
  private end = 0;
  /** Bits read from `buf` and not yet used: the low `bitCount` bits of `bitBuf`. */
  private bitBuf = 0;
  private bitCount = 0;
  /** Zero bytes read past the end of the input (so that a code can be looked up whole near it). */
  private padded = 0;
  private ended = false;

  private state: State = 'header';
  private level = 0;
  private streamCrc = 0;
  /** Streams read to their end. */
  streams = 0;

  /** A block's symbols, then its inverse transform (a byte and the next position in each). */
  private tt = new Int32Array(0);

  /** Bytes of the input dropped from before `buf` (so that a block's position is the input's). */
  private dropped = 0;
  /** Text given so far, by the blocks before the one being read. */
  private text = 0;
  /** Bits to pass over before the first block, when started at one. */
  private skipBits = 0;
  /** Where the input's first byte is in the whole stream, in bits (past zero when started at a block). */
  private readonly origin: number = 0;
  /** The stream's checksum cannot be checked: it was entered at a block, past its first. */
  private entered = false;

  constructor(private readonly options: Bzip2Options = {}) {
    const start = options.start;
    if (start) {
      this.state = 'block';
      this.level = start.level;
      this.tt = new Int32Array(start.level * 100000);
      this.skipBits = start.bit & 7;
      this.origin = start.bit - this.skipBits;
      this.text = start.text;
      this.entered = true;
    }
  }

  /** Gives the decoder more compressed bytes. */
  push(chunk: Uint8Array): void {
    const held = this.end - this.pos;
    if (this.end + chunk.length > this.buf.length) {
      if (held + chunk.length > this.buf.length) {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, held + chunk.length));
        grown.set(this.buf.subarray(this.pos, this.end));
        this.buf = grown;
      } else this.buf.copyWithin(0, this.pos, this.end);
      this.dropped += this.pos;
      this.pos = 0;
      this.end = held;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Says that no more input comes: what is held is decoded, and a stream cut short is a fault. */
  finish(): void {
    this.ended = true;
  }

  /** True once the input has been read to the end of its last stream. */
  get complete(): boolean {
    return this.state === 'done';
  }

  /** Bits of real input not yet used. */
  private bitsLeft(): number {
    return (this.end - this.pos) * 8 + this.bitCount - this.padded * 8;
  }

  private bits(n: number): number {
    while (this.bitCount < n) {
      let b = 0;
      if (this.pos < this.end) b = this.buf[this.pos++]!;
      else this.padded++;
      this.bitBuf = (this.bitBuf << 8) | b;
      this.bitCount += 8;
    }
    this.bitCount -= n;
    return (this.bitBuf >>> this.bitCount) & ((1 << n) - 1);
  }

  /** A 32-bit field (a checksum), as a signed 32-bit number. */
  private bits32(): number {
    return (this.bits(16) << 16) | this.bits(16) | 0;
  }

  /**
   * Yields the text the input held so far decodes to, in pieces; returns when more input is needed (or, after
   * {@link finish}, when all is read). Throws a {@link Bzip2Fault} for data that are damaged or cut short:
   * the pieces before it were the data's up to the fault.
   */
  *take(): Generator<Uint8Array, void> {
    for (;;) {
      const held = this.end - this.pos;
      if (this.state === 'header' || this.state === 'next') {
        if (held + (this.bitCount >> 3) < 4 && !this.ended) return;
        if (this.state === 'next') {
          // A stream ends on a byte's boundary: another may follow.
          this.bitCount -= this.bitCount & 7;
          if (this.bitsLeft() < 32 || !this.startsStream()) {
            this.state = 'done';
            // What follows is not read (as `bzip2 -d` passes over trailing bytes).
            this.pos = this.end;
            this.bitCount = 0;
            return;
          }
        }
        if (this.bitsLeft() < 32) throw fault('unexpected end of file', 'Z_BUF_ERROR');
        const magic = this.bits(24);
        const level = this.bits(8) - 0x30;
        if (magic !== 0x425a68 || level < 1 || level > 9) throw fault('not a bzip2 stream');
        this.level = level;
        this.streamCrc = 0;
        if (this.tt.length < level * 100000) this.tt = new Int32Array(level * 100000);
        this.state = 'block';
        continue;
      }
      if (this.state === 'done') return;
      if (held < blockBound(this.level) && !this.ended) return;
      if (this.skipBits > 0) {
        this.bits(this.skipBits);
        this.skipBits = 0;
      }
      const bit = this.origin + (this.dropped + this.pos) * 8 - this.bitCount;
      const hi = this.bits(24);
      const lo = this.bits(24);
      if (hi === 0x177245 && lo === 0x385090) {
        const crc = this.bits32();
        if (this.bitsLeft() < 0) throw fault('unexpected end of file', 'Z_BUF_ERROR');
        if (crc !== this.streamCrc && !this.entered)
          throw fault("the stream's checksum does not match", 'CHECKSUM');
        this.entered = false;
        this.streams++;
        this.state = 'next';
        continue;
      }
      if (hi !== 0x314159 || lo !== 0x265359) throw this.cutOr('a block does not begin where one should');
      this.options.onBlock?.({ bit, text: this.text, level: this.level });
      const expected = this.bits32();
      let n: number;
      let origPtr: number;
      try {
        if (this.bits(1)) throw fault('a randomised block (written by bzip2 before 0.9.5) is not read');
        origPtr = this.bits(24);
        n = this.readBlock();
      } catch (e) {
        throw this.bitsLeft() < 0 ? fault('unexpected end of file', 'Z_BUF_ERROR') : e;
      }
      if (this.bitsLeft() < 0) throw fault('unexpected end of file', 'Z_BUF_ERROR');
      if (origPtr >= n && n > 0) throw fault('a block starts outside itself');
      const { crc, text, passed, length } = yield* this.output(n, origPtr);
      if (crc !== expected) {
        // Garbled text would be read as rows: a damaged block's is left out, unless it was too long to hold.
        throw passed
          ? fault("a block's checksum does not match", 'CHECKSUM')
          : fault('a block fails its checksum, and its text was left out');
      }
      yield* text;
      this.text += length;
      this.streamCrc = ((this.streamCrc << 1) | (this.streamCrc >>> 31)) ^ crc;
    }
  }

  /** A cut when the input has run out, else a damaged stream's fault. */
  private cutOr(message: string): Bzip2Fault {
    return this.bitsLeft() < 0 || (this.ended && this.end - this.pos === 0 && this.bitCount < 8)
      ? fault('unexpected end of file', 'Z_BUF_ERROR')
      : fault(message);
  }

  /** Whether the next four bytes are a stream's header, without reading them. */
  private startsStream(): boolean {
    const byte = (k: number): number => {
      // Whole bytes still in the bit buffer come first.
      const inBits = this.bitCount >> 3;
      if (k < inBits) return (this.bitBuf >>> (this.bitCount - 8 * (k + 1))) & 0xff;
      return this.buf[this.pos + k - inBits] ?? -1;
    };
    const level = byte(3);
    return byte(0) === 0x42 && byte(1) === 0x5a && byte(2) === 0x68 && level >= 0x31 && level <= 0x39;
  }

  /**
   * Reads a block's tables and Huffman-coded symbols into `tt` (each byte before the move-to-front and runs
   * are undone, as bzip2 does: the byte itself); returns how many bytes the block holds.
   */
  private readBlock(): number {
    // The byte values used, in two levels of 16.
    const used = this.bits(16);
    const seqToByte = new Uint8Array(256);
    let inUse = 0;
    for (let i = 0; i < 16; i++) {
      if (!(used & (0x8000 >>> i))) continue;
      const row = this.bits(16);
      for (let j = 0; j < 16; j++) if (row & (0x8000 >>> j)) seqToByte[inUse++] = i * 16 + j;
    }
    if (inUse === 0) throw fault('a block uses no byte value');
    const alpha = inUse + 2;

    const groups = this.bits(3);
    if (groups < 2 || groups > MAX_GROUPS) throw fault('a block has a wrong number of Huffman tables');
    const selectorCount = this.bits(15);
    if (selectorCount < 1) throw fault('a block has no selector');
    const selectors = new Uint8Array(Math.min(selectorCount, MAX_SELECTORS));
    const order = [0, 1, 2, 3, 4, 5];
    for (let i = 0; i < selectorCount; i++) {
      let j = 0;
      while (this.bits(1)) if (++j >= groups) throw fault('a block has a wrong selector');
      if (i >= MAX_SELECTORS) continue;
      // The selectors are move-to-front coded.
      const g = order[j]!;
      for (; j > 0; j--) order[j] = order[j - 1]!;
      order[0] = g;
      selectors[i] = g;
    }

    // Each table's code lengths, as differences; then the decoding tables of bzip2's `hbCreateDecodeTables`,
    // with each length's limit left-aligned to the table's longest code, so a code is found by looking at
    // that many bits once.
    const limits: Int32Array[] = [];
    const bases: Int32Array[] = [];
    const perms: Uint16Array[] = [];
    const lookups: Int32Array[] = [];
    const maxLens = new Int32Array(groups);
    const lengths = new Uint8Array(MAX_ALPHA);
    for (let t = 0; t < groups; t++) {
      let len = this.bits(5);
      let min = 32;
      let max = 0;
      for (let s = 0; s < alpha; s++) {
        for (;;) {
          if (len < 1 || len > MAX_CODE_LEN) throw fault('a Huffman code length is out of range');
          if (!this.bits(1)) break;
          len += this.bits(1) ? -1 : 1;
        }
        lengths[s] = len;
        if (len < min) min = len;
        if (len > max) max = len;
      }
      const perm = new Uint16Array(MAX_ALPHA);
      let p = 0;
      for (let l = min; l <= max; l++) for (let s = 0; s < alpha; s++) if (lengths[s] === l) perm[p++] = s;
      const count = new Int32Array(MAX_CODE_LEN + 2);
      for (let s = 0; s < alpha; s++) count[lengths[s]! + 1]!++;
      for (let l = 1; l < count.length; l++) count[l]! += count[l - 1]!;
      const limit = new Int32Array(MAX_CODE_LEN + 2).fill(-1);
      const base = new Int32Array(MAX_CODE_LEN + 2);
      let vec = 0;
      for (let l = min; l <= max; l++) {
        vec += count[l + 1]! - count[l]!;
        limit[l] = vec - 1;
        vec <<= 1;
      }
      for (let l = min; l <= max; l++) {
        base[l] = l === min ? count[l]! : ((limit[l - 1]! + 1) << 1) - count[l]!;
      }
      // Left-aligned: a code of `l` bits followed by any bits is at most this.
      const aligned = new Int32Array(MAX_CODE_LEN + 2).fill(-1);
      for (let l = min; l <= max; l++) aligned[l] = ((limit[l]! + 1) << (max - l)) - 1;
      // Codes of up to LOOKUP_BITS bits are found by one look-up of that many bits: the symbol and the
      // code's length (0 where a longer code begins, found by the limits).
      const lookupBits = Math.min(max, LOOKUP_BITS);
      const lookup = new Int32Array(1 << lookupBits);
      for (let l = min; l <= lookupBits; l++) {
        for (let index = count[l]!; index < count[l + 1]!; index++) {
          const code = index + base[l]!;
          const first = code << (lookupBits - l);
          lookup.fill((perm[index]! << 5) | l, first, first + (1 << (lookupBits - l)));
        }
      }
      limits.push(aligned);
      bases.push(base);
      perms.push(perm);
      lookups.push(lookup);
      maxLens[t] = max;
    }

    // The symbols: move-to-front indices and runs of the front byte (RUNA, RUNB: bijective base 2).
    const tt = this.tt;
    const capacity = this.level * 100000;
    const counts = new Int32Array(256);
    const mtf = new Uint8Array(256);
    for (let i = 0; i < 256; i++) mtf[i] = i;
    const eob = inUse + 1;
    let n = 0;
    let runPos = 0;
    let run = 0;
    let selector = 0;
    let left = 0;
    let limit = limits[0]!;
    let base = bases[0]!;
    let perm = perms[0]!;
    let lookup = lookups[0]!;
    let max = 0;
    let lookupBits = 0;
    // The bit reader's state, kept in locals in this loop (its hot path).
    const buf = this.buf;
    let pos = this.pos;
    const end = this.end;
    let bitBuf = this.bitBuf;
    let bitCount = this.bitCount;
    let padded = this.padded;
    try {
      for (;;) {
        if (left === 0) {
          if (selector >= selectors.length) throw fault('a block has too few selectors');
          const g = selectors[selector++]!;
          limit = limits[g]!;
          base = bases[g]!;
          perm = perms[g]!;
          lookup = lookups[g]!;
          max = maxLens[g]!;
          lookupBits = Math.min(max, LOOKUP_BITS);
          left = GROUP_SIZE;
        }
        left--;
        while (bitCount < max) {
          let b = 0;
          if (pos < end) b = buf[pos++]!;
          else padded++;
          bitBuf = (bitBuf << 8) | b;
          bitCount += 8;
        }
        let sym: number;
        const found = lookup[(bitBuf >>> (bitCount - lookupBits)) & ((1 << lookupBits) - 1)]!;
        if (found !== 0) {
          bitCount -= found & 31;
          sym = found >>> 5;
        } else {
          const code = (bitBuf >>> (bitCount - max)) & ((1 << max) - 1);
          let l = lookupBits + 1;
          while (code > limit[l]!) if (++l > max) throw fault('a Huffman code is not in its table');
          bitCount -= l;
          const index = (code >>> (max - l)) - base[l]!;
          if (index < 0 || index >= MAX_ALPHA) throw fault('a Huffman code is not in its table');
          sym = perm[index]!;
        }
        if (sym <= 1) {
          // RUNA adds one of the run's place value, RUNB two.
          if (runPos === 0) {
            runPos = 1;
            run = 0;
          }
          run += runPos << sym;
          runPos <<= 1;
          if (run > capacity) throw fault('a run goes past the end of its block');
          continue;
        }
        if (runPos !== 0) {
          runPos = 0;
          if (n + run > capacity) throw fault('a run goes past the end of its block');
          const byte = seqToByte[mtf[0]!]!;
          counts[byte]! += run;
          tt.fill(byte, n, n + run);
          n += run;
        }
        if (sym === eob) break;
        if (sym > eob) throw fault('a symbol is out of range');
        if (n >= capacity) throw fault('a block is longer than its level allows');
        // Move-to-front: the symbol's index, less one, names a byte that goes to the front.
        const k = sym - 1;
        const s = mtf[k]!;
        if (k < 16) for (let j = k; j > 0; j--) mtf[j] = mtf[j - 1]!;
        else mtf.copyWithin(1, 0, k);
        mtf[0] = s;
        const byte = seqToByte[s]!;
        counts[byte]!++;
        tt[n++] = byte;
      }
    } finally {
      this.pos = pos;
      this.bitBuf = bitBuf;
      this.bitCount = bitCount;
      this.padded = padded;
    }

    // The inverse Burrows-Wheeler transform's links: where each byte of the sorted block comes from.
    let sum = 0;
    for (let i = 0; i < 256; i++) {
      const c = counts[i]!;
      counts[i] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const b = tt[i]! & 0xff;
      tt[counts[b]!]! |= i << 8;
      counts[b]!++;
    }
    return n;
  }

  /**
   * Walks the block's links from `origPtr`, undoing the first run-length coding (four equal bytes, then how
   * many more), into pieces of text held until the block's checksum is known; returns its CRC and the pieces.
   * A block's text longer than {@link HELD_BYTES} (long runs: up to 46 MB at `-9`) is passed on as it comes,
   * once that much is held, so that memory stays bounded.
   */
  private *output(
    n: number,
    origPtr: number,
  ): Generator<Uint8Array, { crc: number; text: Uint8Array[]; passed: boolean; length: number }> {
    const tt = this.tt;
    let crc = -1;
    let out = new Uint8Array(OUT_PIECE);
    let o = 0;
    const held: Uint8Array[] = [];
    let passed = false;
    let length = 0;
    const full = function* (): Generator<Uint8Array> {
      length += OUT_PIECE;
      if (passed) yield out;
      else {
        held.push(out);
        if (held.length * OUT_PIECE >= HELD_BYTES) {
          passed = true;
          yield* held.splice(0);
        }
      }
      out = new Uint8Array(OUT_PIECE);
      o = 0;
    };
    let link = n > 0 ? tt[origPtr]! >>> 8 : 0;
    let last = -1;
    let same = 0;
    for (let i = 0; i < n; i++) {
      link = tt[link]!;
      const b = link & 0xff;
      link >>>= 8;
      if (same === 4) {
        // A count of repeats of the last byte.
        same = 0;
        for (let r = 0; r < b; r++) {
          if (o === OUT_PIECE) yield* full();
          out[o++] = last;
          crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff]!;
        }
        continue;
      }
      if (b === last) same++;
      else {
        last = b;
        same = 1;
      }
      if (o === OUT_PIECE) yield* full();
      out[o++] = b;
      crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!;
    }
    if (o > 0) {
      if (passed) yield out.subarray(0, o);
      else held.push(out.subarray(0, o));
    }
    return { crc: ~crc | 0, text: held, passed, length: length + o };
  }
}
