import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { allRules, ruleHelpUri } from '../../../src/core/ruleCatalog';
import { ruleSections } from '../../../src/core/ruleDocs';
import { loadRuleSections } from '../../../src/cli/ruleDocs';

const root = path.resolve(__dirname, '..', '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs', 'rules.md'), 'utf8');
const anchors = new Set([...doc.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));

/** Rule ids emitted outside the catalogue (config validation, the extension's gate check). */
const EXTRA = [
  'train-config/syntax',
  'train-config/schema',
  'train-config/consistency',
  'train-config/missing-file',
  'train-config/missing-column',
  'train-config/privacy-gate',
];

describe('docs/rules.md', () => {
  it('has the section every diagnostic code links to', () => {
    for (const id of [...allRules().map((r) => r.id), ...EXTRA]) {
      const anchor = ruleHelpUri(id).split('#')[1];
      assert.ok(anchor && anchors.has(anchor), `docs/rules.md has no anchor for ${id} (#${anchor})`);
      assert.ok(doc.includes(`### \`${id}\``), `docs/rules.md has no heading for ${id}`);
    }
  });

  it("gives SARIF each rule's own section, what to do included, as the CLI finds it from source or dist/", () => {
    const sections = ruleSections(doc);
    for (const id of [...allRules().map((r) => r.id), ...EXTRA]) {
      const text = sections.get(id) ?? '';
      assert.match(text, /\*\*What to do:\*\*/, id);
      assert.ok(!/^(### |## |<a id=)/m.test(text), `${id}: its section runs into the next`);
    }
    assert.deepEqual(loadRuleSections(path.join(root, 'dist')), sections);
    assert.deepEqual(loadRuleSections(path.join(root, 'src', 'cli')), sections);
    assert.equal(loadRuleSections(path.parse(root).root).size, 0);
  });

  it('documents every rule id the sources emit', () => {
    const ids = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/rule: '([a-z-]+\/[a-z-]+)'/g)) ids.add(m[1]!);
      }
    };
    walk(path.join(root, 'src'));
    const missing = [...ids].filter((id) => !anchors.has(ruleHelpUri(id).split('#')[1]!));
    assert.deepStrictEqual(missing, []);
  });
});
