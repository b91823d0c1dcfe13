import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import { main } from '../../../src/cli/main';
import { makeZip } from '../data/readHelpers';
import { allRules } from '../../../src/core/ruleCatalog';
import { toSarif } from '../../../src/core/report/sarif';
import { loadRuleSections } from '../../../src/cli/ruleDocs';

const root = path.resolve(__dirname, '../../..');
const customers = path.join(root, 'test/fixtures/scan/customers.csv');
const adult = path.resolve(root, '../shared/data/adult/adult.csv');

/**
 * Microsoft's SARIF Multitool (`@microsoft/sarif-multitool`, the validator behind the SARIF web validator):
 * the OASIS JSON schema, the specification's rules (`SARIF1xxx`, `SARIF2xxx`) and GitHub code scanning's
 * ingestion rules (`GH1xxx`, `GH2xxx`).
 */
function multitool(): string {
  // The package exports the path of its platform's binary.
  const bin = createRequire(__filename)('@microsoft/sarif-multitool') as string;
  // Its package makes the binary executable in a postinstall script, which an install that runs no scripts
  // skips (`npm ci --ignore-scripts`).
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    fs.chmodSync(bin, 0o755);
  }
  return bin;
}

/**
 * What the validator says of each file, as `[file, level, rule id]`. Notes are the specification's advice
 * that a writer may leave: message ids instead of text (SARIF2002), the version control's revision
 * (SARIF2003: GitHub's upload adds it), links reachable (SARIF2006: this machine reaches no web site), rule
 * ids without `/` (SARIF2009: ids such as CodeQL's `js/xss` have it too), snippets and context regions
 * (SARIF2010, SARIF2011: a snippet would copy the personal data the finding masks), and relative URIs for
 * files outside the working folder (SARIF2016).
 */
function validate(files: string[], dir: string): [string, string, string][] {
  const out = path.join(dir, 'validation.sarif');
  execFileSync(
    multitool(),
    [
      'validate',
      ...files,
      '--rule-kind',
      'Sarif;Gh',
      '--level',
      'Error;Warning;Note',
      '-o',
      out,
      '--log',
      'ForceOverwrite',
    ],
    { stdio: 'pipe', timeout: 120_000 },
  );
  const log = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    runs: {
      artifacts?: { location: { uri: string } }[];
      results: {
        ruleId: string;
        level?: string;
        locations?: { physicalLocation: { artifactLocation: { uri?: string; index?: number } } }[];
      }[];
    }[];
  };
  const run = log.runs[0]!;
  return run.results.map((r) => {
    const at = r.locations?.[0]?.physicalLocation.artifactLocation;
    const uri = at?.uri ?? (at?.index !== undefined ? run.artifacts?.[at.index]?.location.uri : undefined);
    return [path.basename(decodeURIComponent(uri ?? '')), r.level ?? 'warning', r.ruleId];
  });
}

async function sarifOf(args: string[], cwd: string, stdin?: Buffer): Promise<string> {
  let text = '';
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const stderr = new Writable({ write: (_c, _e, cb) => cb() });
  await main(['audit', ...args, '--format', 'sarif'], {
    stdout,
    stderr,
    cwd,
    env: {},
    ...(stdin ? { stdin: Readable.from([stdin]) } : {}),
  });
  return text;
}

describe('SARIF output, checked by the SARIF Multitool', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-sarif-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is valid SARIF 2.1.0 that GitHub code scanning takes, for every kind of finding', async () => {
    fs.copyFileSync(customers, path.join(dir, 'customers.csv'));
    fs.writeFileSync(
      path.join(dir, 'broken.csv'),
      'id,name,email\n1,Ann,ann.smith@example.com\n2,"Bob\n3,Cy,cy@example.org,extra\n',
    );
    fs.mkdirSync(path.join(dir, 'policy'));
    fs.writeFileSync(
      path.join(dir, 'policy', 'responsible-ml.json'),
      '{ "rules": { "no/such-rule": "off" } }',
    );
    fs.copyFileSync(customers, path.join(dir, 'policy', 'c.csv'));
    fs.writeFileSync(
      path.join(dir, 'k.zip'),
      makeZip([
        { name: 'a.csv', data: fs.readFileSync(customers) },
        { name: 'b.csv', data: Buffer.from('x,y\n1,2\n1,2\n') },
      ]),
    );
    const logs: Record<string, string> = {
      'pii.sarif': await sarifOf(['customers.csv'], dir),
      'broken.sarif': await sarifOf(['broken.csv'], dir),
      'policy.sarif': await sarifOf(['policy/c.csv'], dir),
      'zip.sarif': await sarifOf(['k.zip'], dir),
      'stdin.sarif': await sarifOf(['-', '--stdin-name', 'piped.csv'], dir, fs.readFileSync(customers)),
      'fairness.sarif': await sarifOf([adult, '--label', 'income', '--positive', '>50K'], dir),
      'none.sarif': await sarifOf(['policy/c.csv', '--max-findings', '1'], dir),
    };
    // Every rule of the catalog, for its name, description and help.
    const every = toSarif(
      allRules().map((r) => ({
        rule: r.id,
        severity: 'warning' as const,
        message: `A finding of ${r.id}.`,
        file: 'data.csv',
        location: { line: 1, startColumn: 1, endColumn: 2 },
      })),
      { toolVersion: '1.0.0', root: dir, ruleHelp: loadRuleSections() },
    );
    assert.equal(every.runs[0]!.tool.driver.rules!.length, allRules().length);
    logs['rules.sarif'] = JSON.stringify(every);
    // A log without the rules' help, which GitHub requires: the validator must say so, or it checks nothing.
    const bare = JSON.parse(logs['pii.sarif']!);
    for (const rule of bare.runs[0].tool.driver.rules) delete rule.help;
    fs.writeFileSync(path.join(dir, 'bare.sarif'), JSON.stringify(bare));

    for (const [name, text] of Object.entries(logs)) {
      assert.ok(JSON.parse(text).runs[0].results.length > 0, name);
      fs.writeFileSync(path.join(dir, name), text);
    }
    const said = validate(
      [...Object.keys(logs), 'bare.sarif'].map((n) => path.join(dir, n)),
      dir,
    );
    const bad = said.filter(([, level]) => level !== 'note');
    assert.ok(
      bad.length > 0 &&
        bad.every(([file, level, id]) => file === 'bare.sarif' && level === 'error' && id === 'GH2012'),
      JSON.stringify(bad),
    );
    const advice = new Set(said.filter(([, level]) => level === 'note').map(([, , id]) => id));
    assert.deepEqual(
      [...advice].filter(
        (id) =>
          ![
            'SARIF2002',
            'SARIF2003',
            'SARIF2006',
            'SARIF2009',
            'SARIF2010',
            'SARIF2011',
            'SARIF2016',
          ].includes(id),
      ),
      [],
    );
  });
});
