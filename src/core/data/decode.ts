/**
 * Bytes to text for the readers: picks the encoding (UTF-8 BOM, UTF-16 by BOM or by the pattern of NUL bytes,
 * else UTF-8), decodes chunk by chunk with replacement characters, and tells which replacement characters
 * stand for invalid bytes so that the reader can report them at their line and column.
 */
import { Buffer, isAscii } from 'buffer';
import { binaryFormat, type BinaryFormat } from './binaryFile';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** A replacement character in the decoded text that stands for an invalid byte sequence. */
export interface InvalidChar {
  /** Offset in the whole decoded text (UTF-16 code units, BOM excluded). */
  offset: number;
  /** The first byte of the invalid sequence. */
  byte: number;
  /**
   * Set on the first byte read as Windows-1252 (see {@link ByteDecoder}), to the character it is there: not a
   * replacement character.
   */
  char?: string;
}

/** Bytes looked at before the encoding is chosen; enough for a BOM and a reliable NUL pattern. */
const SNIFF_BYTES = 1024;

/**
 * Streaming decoder. `push` and `end` return decoded text (possibly empty) and append the invalid characters
 * they found to `invalid` (offsets counted over all text returned so far).
 */
export class ByteDecoder {
  encoding: TextEncodingName = 'utf-8';
  /** True once the encoding was chosen from a BOM. */
  hadBom = false;
  /** True when UTF-16 was recognised from the NUL pattern rather than a BOM. */
  guessedUtf16 = false;
  /** Set when the first bytes are those of a binary file (`binaryFile.ts`): nothing is decoded. */
  binary: BinaryFormat | undefined;
  private head: Uint8Array[] = [];
  private headLength = 0;
  private decided = false;
  private carry: Uint8Array | undefined;
  private textOffset = 0;
  private utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private utf16: TextDecoder | undefined;
  /** Set once the file is read as Windows-1252 (see `looksWindows1252`). */
  private latin = false;
  /** Set once a valid UTF-8 character past ASCII was decoded: the file is UTF-8, whatever comes later. */
  private sawUtf8 = false;
  /** Set once the bytes after the first invalid one did not look like Windows-1252: they stay invalid. */
  private latinRefused = false;
  readonly invalid: InvalidChar[] = [];

  /**
   * @param continuation the bytes start inside a UTF-8 file whose head was already read (a later range of a
   *   scan split by rows): no byte order mark or UTF-16 pattern is looked for, since a range's first bytes say
   *   nothing about the file's encoding.
   * @param fileName names the format of a ZIP archive (a workbook by its extension)
   */
  constructor(
    private readonly continuation = false,
    private readonly fileName?: string,
  ) {
    if (continuation) this.decided = true;
  }

  push(chunk: Uint8Array): string {
    if (!this.decided) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength < SNIFF_BYTES) return '';
      return this.decide();
    }
    return this.decodeBytes(chunk, false);
  }

  end(): string {
    let text = '';
    if (!this.decided) text = this.decide();
    return text + this.decodeBytes(new Uint8Array(0), true);
  }

  private decide(): string {
    this.decided = true;
    const all = concatBytes(this.head, this.headLength);
    this.head = [];
    let start = 0;
    if (all.length >= 3 && all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf) {
      this.hadBom = true;
      start = 3;
    } else if (all.length >= 2 && all[0] === 0xff && all[1] === 0xfe) {
      this.encoding = 'utf-16le';
      this.hadBom = true;
      start = 2;
    } else if (all.length >= 2 && all[0] === 0xfe && all[1] === 0xff) {
      this.encoding = 'utf-16be';
      this.hadBom = true;
      start = 2;
    } else {
      const guess = guessUtf16(all);
      if (guess) {
        this.encoding = guess;
        this.guessedUtf16 = true;
      } else {
        // On the first kilobyte only, whatever the chunks held: the same finding from every reader of the file.
        this.binary = binaryFormat(all.subarray(0, SNIFF_BYTES), this.fileName);
        if (this.binary) return '';
      }
    }
    if (this.encoding !== 'utf-8') this.utf16 = new TextDecoder('utf-16le', { ignoreBOM: true });
    return this.decodeBytes(all.subarray(start), false);
  }

  private decodeBytes(chunk: Uint8Array, final: boolean): string {
    if (!this.decided || this.binary) return '';
    let bytes = chunk;
    if (this.carry) {
      bytes = concatBytes([this.carry, chunk], this.carry.length + chunk.length);
      this.carry = undefined;
    }
    let text: string;
    if (this.latin) {
      text = isAscii(bytes) ? latin1(bytes) : windows1252(bytes);
    } else if (this.encoding === 'utf-8') {
      const cut = final ? bytes.length : completeUtf8Length(bytes);
      if (cut < bytes.length) this.carry = bytes.slice(cut);
      const part = cut < bytes.length ? bytes.subarray(0, cut) : bytes;
      // Pure ASCII (most data files) is checked with SIMD and copied as Latin-1, several times faster than the
      // general decoder; the text is the same.
      const ascii = part.length === 0 || isAscii(part);
      text = part.length === 0 ? '' : ascii ? latin1(part) : this.utf8.decode(part);
      // A replacement character is rare in real data; only then are the bytes walked to tell a literal U+FFFD
      // from one that stands for invalid bytes.
      let firstInvalid = -1;
      if (text.indexOf('\ufffd') !== -1) {
        const before = this.invalid.length;
        findInvalidUtf8(part, text, this.textOffset, this.invalid);
        if (this.invalid.length > before) firstInvalid = this.invalid[before]!.offset - this.textOffset;
        if (
          firstInvalid >= 0 &&
          !this.sawUtf8 &&
          !this.hadBom &&
          !this.latinRefused &&
          !this.continuation &&
          !nonAsciiBefore(text, firstInvalid)
        ) {
          // Everything before the first invalid byte was ASCII, the same in both encodings. Whether the rest
          // is Windows-1252 is decided on the 64 KB from that byte, whatever the chunks: they are held back
          // until that much has come (or the end).
          const first = firstInvalid;
          if (!final && bytes.length - first < LATIN_SNIFF_BYTES) {
            this.invalid.length = before;
            this.carry = bytes.slice(first);
            text = text.slice(0, first);
          } else {
            if (looksWindows1252(bytes.subarray(first, first + LATIN_SNIFF_BYTES))) {
              const rest = windows1252(bytes.subarray(first));
              this.invalid.length = before;
              this.invalid.push({
                offset: this.textOffset + first,
                byte: bytes[first] as number,
                char: rest[0],
              });
              this.carry = undefined;
              this.encoding = 'windows-1252';
              this.latin = true;
              text = text.slice(0, first) + rest;
            } else this.latinRefused = true;
          }
        }
      }
      if (!ascii && !this.sawUtf8 && !this.latin)
        this.sawUtf8 = nonAsciiBefore(text, firstInvalid >= 0 ? firstInvalid : text.length);
    } else {
      // UTF-16: the decoder keeps odd bytes and split surrogate pairs itself in stream mode; big-endian input
      // is swapped to little-endian first, which needs whole code units, so an odd byte is carried here.
      let units = bytes;
      if (this.encoding === 'utf-16be') {
        const even = final ? bytes.length : bytes.length - (bytes.length % 2);
        if (even < bytes.length) this.carry = bytes.slice(even);
        units = swap16(bytes.subarray(0, even));
      }
      text = (this.utf16 as TextDecoder).decode(units, { stream: !final });
    }
    this.textOffset += text.length;
    return text;
  }
}

/** Whether `text` has a character past ASCII before `end`. */
function nonAsciiBefore(text: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) >= 0x80) return true;
  return false;
}

/**
 * Whether bytes that are not UTF-8 after ASCII alone are Windows-1252, judged on `window` (the 64 KB from the
 * first invalid byte). Windows-1252 (Latin-1 with letters where it has controls) is what Excel and most
 * Windows programs write in Western Europe and the Americas: one byte a letter, so most letters past ASCII
 * stand between ASCII bytes (`Müller`, `ação`), where the two-byte encodings of East Asia (Shift JIS, GBK,
 * Big5) put high bytes in runs. False when more than half the high bytes are followed by another, or one is a
 * byte Windows-1252 leaves undefined: those bytes stay invalid UTF-8.
 */
function looksWindows1252(window: Uint8Array): boolean {
  let high = 0;
  let paired = 0;
  for (let i = 0; i < window.length; i++) {
    const b = window[i] as number;
    if (b < 0x80) continue;
    // Bytes Windows-1252 leaves undefined: not that encoding.
    if (b === 0x81 || b === 0x8d || b === 0x8f || b === 0x90 || b === 0x9d) return false;
    high++;
    if ((window[i + 1] ?? 0) >= 0x80) paired++;
  }
  return high > 0 && paired * 2 <= high;
}

/**
 * What Windows-1252 puts at 0x80 to 0x9F, where Latin-1 has controls (the five it leaves undefined kept as
 * those controls, as WHATWG's decoder does). By hand: Node 20's `TextDecoder('windows-1252')` decodes those
 * bytes as Latin-1 (nodejs/node#56542).
 */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Windows-1252 bytes as text: one character a byte, Latin-1 but for 0x80 to 0x9F. */
function windows1252(bytes: Uint8Array): string {
  return latin1(bytes).replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}

/** Bytes looked at to tell Windows-1252 from a two-byte encoding. */
const LATIN_SNIFF_BYTES = 1 << 16;

function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function swap16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1] as number;
    out[i + 1] = bytes[i] as number;
  }
  if (bytes.length % 2 === 1) out[bytes.length - 1] = bytes[bytes.length - 1] as number;
  return out;
}

/**
 * UTF-16 without a BOM shows as ASCII text with a NUL in every other byte: odd bytes for little-endian,
 * even bytes for big-endian. UTF-8 text has no NUL bytes at all.
 */
function guessUtf16(bytes: Uint8Array): TextEncodingName | undefined {
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero >= pairs * 0.3 && evenZero <= pairs * 0.05) return 'utf-16le';
  if (evenZero >= pairs * 0.3 && oddZero <= pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** Length of the prefix that ends on a UTF-8 sequence boundary; an incomplete last sequence waits for more. */
function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const b = bytes[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return n - i < need ? i : n;
    }
    return n;
  }
  return n;
}

/**
 * Walks decoded text and its bytes side by side. Each replacement character that is not the literal
 * encoding EF BF BD stands for an invalid sequence; the WHATWG decoder replaces the maximal subpart of an
 * ill-formed sequence by one U+FFFD, and the walk consumes bytes by the same rule to stay in step.
 */
function findInvalidUtf8(bytes: Uint8Array, text: string, base: number, out: InvalidChar[]): void {
  let bi = 0;
  for (let ti = 0; ti < text.length;) {
    const c = text.charCodeAt(ti);
    if (c === 0xfffd) {
      if (bytes[bi] === 0xef && bytes[bi + 1] === 0xbf && bytes[bi + 2] === 0xbd) {
        bi += 3;
      } else {
        out.push({ offset: base + ti, byte: bytes[bi] ?? 0 });
        bi += maximalSubpart(bytes, bi);
      }
      ti++;
    } else if (c < 0x80) {
      bi++;
      ti++;
    } else if (c < 0x800) {
      bi += 2;
      ti++;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      bi += 4;
      ti += 2;
    } else {
      bi += 3;
      ti++;
    }
  }
}

function maximalSubpart(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    if (b0 === 0xe0) lo = 0xa0;
    if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    if (b0 === 0xf0) lo = 0x90;
    if (b0 === 0xf4) hi = 0x8f;
  } else return 1;
  let j = i + 1;
  for (let k = 0; k < need; k++, j++) {
    const b = bytes[j];
    if (b === undefined || b < lo || b > hi) return j - i;
    lo = 0x80;
    hi = 0xbf;
  }
  return j - i;
}

/** Bytes known to be ASCII as a string (one byte per character, which V8 also stores compactly). */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
