import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes `out` through a temporary file beside it, renamed into place once complete: a reader never sees a
 * half-written file, and a write cut short (a full disk, an error) leaves the old file as it was and no
 * temporary file behind.
 */
export function writeThroughTemporary(out: string, write: (fd: number) => void): void {
  const tmp = path.join(
    path.dirname(out),
    `.${path.basename(out)}.${process.pid}.${Date.now().toString(36)}.tmp`,
  );
  const fd = fs.openSync(tmp, 'wx');
  try {
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, out);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes all of `text` (or bytes) at the file position, in as many calls as the system takes. */
export function writeAllSync(fd: number, text: string | Uint8Array): void {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
}
