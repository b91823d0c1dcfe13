/**
 * What the decode thread (`decodeThread.ts`) and the reader's side (`decodeThreads.ts`) say to each other:
 * apart from both, since the thread's module starts listening when loaded.
 */
import type { Bzip2Block } from '../core/data/bzip2';

export interface DecodeThreadData {
  format: 'bzip2' | 'xz';
  start?: Bzip2Block;
}

/** To the thread: a compressed chunk, the input's end, or leave to send more text. */
export type ToDecodeThread = { input: Uint8Array } | { end: true } | { credit: number };

/**
 * From the thread: bytes of input taken, a piece of text, a fault of the data, an error of its own, or done.
 */
export type FromDecodeThread =
  | { took: number }
  | { out: Uint8Array }
  | { fault: { code: string; message: string } }
  | { error: string }
  | { done: true };

/** Pieces of text posted and not yet taken by the reader, at most: 2 MB, two blocks of `bzip2 -9`. */
export const PIECES_AHEAD = 32;

/** Compressed bytes sent ahead of the thread's decoding, at most: more than a bzip2 block can take. */
export const INPUT_AHEAD = 4 << 20;
