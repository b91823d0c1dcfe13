// Entry for `zstd.test.ts`: the Zstandard reads under a Node.js that has zlib's Zstandard.
import { zstdReadSuite } from './zstdRead';

zstdReadSuite();
