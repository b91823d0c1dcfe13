import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformSync } from 'esbuild';

const root = path.join(__dirname, '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sources(p);
    return /\.ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

describe('Node bundles stay ASCII', () => {
  // A production build fails when a Node bundle holds a character outside ASCII (`esbuild.js`): V8 would keep
  // the whole source in two bytes a character. esbuild escapes strings but leaves a regular expression literal
  // as written, so this finds such a literal in our sources as `npm test`'s development build cannot.
  it('every source file minifies to ASCII', () => {
    const offenders: string[] = [];
    for (const file of sources(path.join(root, 'src'))) {
      const { code } = transformSync(fs.readFileSync(file, 'utf8'), { loader: 'ts', minify: true });
      const at = code.search(/[^\x00-\x7f]/);
      if (at !== -1)
        offenders.push(`${path.relative(root, file)}: ${code.slice(Math.max(0, at - 30), at + 10)}`);
    }
    assert.deepEqual(offenders, []);
  });
});
