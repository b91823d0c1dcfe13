import * as fs from 'fs';
import type { ScanOptions } from '../core/scan';

/**
 * A whole file's bytes for a scan in one thread, in the chunks every scan reads: from a ZIP archive's table's
 * local header on when the scan reads one ({@link ScanOptions.zipMember}).
 */
export function openScanned(file: string, options: Pick<ScanOptions, 'zipMember'>): fs.ReadStream {
  const start = options.zipMember?.entry.offset;
  return fs.createReadStream(file, { highWaterMark: 1 << 18, ...(start ? { start } : {}) });
}
