/**
 * Where a Zstandard stream's frames end (RFC 8878), followed as the compressed bytes pass. Node's zlib
 * decompresses one frame and ends (seen on Node.js 22.23), where `zstd -d` reads the frames of concatenated
 * files one after another, and it ends a stream cut inside a frame without an error, where gzip's says
 * "unexpected end of file": so each frame goes to a decompressor of its own, and a stream is whole when it
 * ends where a frame does. Only the framing is read, headers and block sizes, never the data: it costs
 * nothing next to the decompression.
 */

const ZSTD_MAGIC = 0xfd2fb528;

/** What the next bytes are. */
type State =
  | 'magic'
  | 'descriptor'
  | 'header'
  | 'block'
  | 'content'
  | 'checksum'
  | 'skippableSize'
  | 'skippableData'
  /** Not a frame: the decompressor reports them. */
  | 'other';

export class ZstdFrames {
  private state: State = 'magic';
  /** Bytes gathered of a little-endian field: magic number, block header, skippable frame's size. */
  private field: number[] = [];
  /** Bytes still to pass over in a state that passes bytes over. */
  private need = 0;
  private lastBlock = false;
  private checksum = false;
  /** Frames read to their end. */
  frames = 0;

  /** Whether the frame being read (or the last one ended) is a skippable frame, which holds no data. */
  skippable = false;

  /** True when the bytes so far end where a frame does, after at least one. */
  get complete(): boolean {
    return this.state === 'magic' && this.field.length === 0 && this.frames > 0;
  }

  /** Follows all of `b`. */
  feed(b: Uint8Array): void {
    for (let at = 0; at < b.length;) at += this.take(at === 0 ? b : b.subarray(at));
  }

  /**
   * Follows `b` up to the end of the frame it is in: how many of its bytes that frame holds (all, when it
   * goes on past them, or when they are not a frame). A frame ended there when {@link complete} is then true.
   */
  take(b: Uint8Array): number {
    const ended = this.frames;
    let at = 0;
    while (at < b.length && this.frames === ended) {
      switch (this.state) {
        case 'magic':
        case 'block':
        case 'skippableSize': {
          this.field.push(b[at++]!);
          if (this.field.length === (this.state === 'block' ? 3 : 4)) this.fieldDone(le(this.field));
          break;
        }
        case 'descriptor': {
          const d = b[at++]!;
          const single = (d >> 5) & 1;
          this.checksum = ((d >> 2) & 1) === 1;
          const contentSize = d >> 6 === 0 ? single : [0, 2, 4, 8][d >> 6]!;
          this.need = (single ? 0 : 1) + [0, 1, 2, 4][d & 3]! + contentSize;
          this.state = 'header';
          if (this.need === 0) this.passed();
          break;
        }
        case 'header':
        case 'content':
        case 'checksum':
        case 'skippableData': {
          const n = Math.min(this.need, b.length - at);
          at += n;
          this.need -= n;
          if (this.need === 0) this.passed();
          break;
        }
        case 'other':
          return b.length;
      }
    }
    return at;
  }

  /** A field gathered whole. */
  private fieldDone(v: number): void {
    const state = this.state;
    this.field = [];
    if (state === 'magic') {
      this.skippable = v >>> 4 === 0x184d2a5;
      if (v === ZSTD_MAGIC) this.state = 'descriptor';
      else if (this.skippable) this.state = 'skippableSize';
      else this.state = 'other';
    } else if (state === 'skippableSize') {
      this.need = v;
      this.state = 'skippableData';
      if (v === 0) this.passed();
    } else {
      // A block header: the last flag, the type (raw, RLE, compressed, reserved), the size.
      this.lastBlock = (v & 1) === 1;
      const type = (v >> 1) & 3;
      if (type === 3) {
        this.state = 'other';
        return;
      }
      // Raw and compressed blocks hold `size` bytes; an RLE block one.
      this.need = type === 1 ? 1 : v >>> 3;
      this.state = 'content';
      if (this.need === 0) this.passed();
    }
  }

  /** The bytes of a state that passes bytes over are passed: what follows them. */
  private passed(): void {
    switch (this.state) {
      case 'header':
        this.state = 'block';
        return;
      case 'content':
        if (!this.lastBlock) this.state = 'block';
        else if (this.checksum) {
          this.state = 'checksum';
          this.need = 4;
        } else this.endFrame();
        return;
      default:
        this.endFrame();
    }
  }

  private endFrame(): void {
    this.frames++;
    this.state = 'magic';
  }
}

function le(bytes: readonly number[]): number {
  let v = 0;
  for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
  return v;
}
