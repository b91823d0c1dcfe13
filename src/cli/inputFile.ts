import * as fs from 'node:fs';

/**
 * Why the dataset file `abs` (given as `shown`) cannot be read, as a message for standard error, or null when
 * it can: a missing file, a folder and a file without read permission each get their own words, where all
 * three read "no such file" or came out as an `EACCES` error code.
 */
export function unreadableFile(abs: string, shown: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${shown}: no such file.`;
    return `${shown}: cannot be read (${code ?? String(e)}).`;
  }
  if (stat.isDirectory()) return `${shown}: a folder, not a dataset file.`;
  if (!stat.isFile()) return `${shown}: not a regular file.`;
  try {
    fs.accessSync(abs, fs.constants.R_OK);
  } catch {
    return `${shown}: cannot be read (no permission to read it).`;
  }
  return null;
}
