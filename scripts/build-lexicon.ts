/**
 * `npm run lexicon`: writes `src/core/privacy/lexicon.data.json`, the name, place and word sets that PERSON
 * and LOCATION evidence use, read from the lexicon inside `compromise` (MIT). Generated once rather than read
 * from compromise at run time: loading compromise cost every process (the CLI, the scan worker and each scan
 * thread) about 30 MB and a quarter to half a second, for a table that changes only when compromise does.
 * `test/unit/privacy/lexicon.test.ts` fails when the installed compromise would give different sets.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractLexicon } from '../src/core/privacy/lexiconSource';

const out = path.resolve(__dirname, '../src/core/privacy/lexicon.data.json');
const data = extractLexicon();
fs.writeFileSync(out, JSON.stringify(data) + '\n');
console.log(
  `wrote ${path.relative(process.cwd(), out)}: ` +
    Object.entries(data)
      .filter(([, v]) => Array.isArray(v))
      .map(([k, v]) => `${(v as string[]).length} ${k}`)
      .join(', '),
);
