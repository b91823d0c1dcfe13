import * as fs from 'fs';
import * as path from 'path';

/**
 * The nearest existing path above `file` when it is a file: an archive the path goes into
 * (`data/titanic.zip/train.csv`); undefined when it is a folder or there is none. Its own module: the
 * extension's config checks use it without taking the scan worker's code into their bundle.
 */
export function fileAbove(file: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      return fs.statSync(dir).isFile() ? dir : undefined;
    } catch {
      continue;
    }
  }
  return undefined;
}
