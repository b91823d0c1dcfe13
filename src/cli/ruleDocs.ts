import * as fs from 'fs';
import * as path from 'path';
import { ruleSections } from '../core/ruleDocs';

/**
 * The sections of the rules document shipped with the package (`docs/rules.md`, beside `dist/`), or of the
 * repository when run from source; an empty map when it cannot be found, and SARIF's rule help then holds the
 * rule's description and link alone.
 */
export function loadRuleSections(from = __dirname): Map<string, string> {
  let dir = from;
  for (let up = 0; up < 4; up++) {
    const file = path.join(dir, 'docs', 'rules.md');
    try {
      return ruleSections(fs.readFileSync(file, 'utf8'));
    } catch {
      dir = path.dirname(dir);
    }
  }
  return new Map();
}
