import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { getCountries } from 'libphonenumber-js/max';
import { applyPolicy, DEFAULT_THRESHOLDS, parsePolicy } from '../../../src/core/policy';
import type { Finding } from '../../../src/core/findings';

describe('policy', () => {
  it('reads a valid policy and fills defaults', () => {
    const { policy, problems } = parsePolicy(
      '{ // comment\n "label": "income", "positive": [">50K"], "thresholds": { "kAnonymity": 10 } }',
      'responsible-ml.json',
    );
    assert.deepEqual(problems, []);
    assert.equal(policy.label, 'income');
    assert.equal(policy.thresholds.kAnonymity, 10);
    assert.equal(policy.thresholds.disparateImpact, DEFAULT_THRESHOLDS.disparateImpact);
    assert.equal(policy.maxColumns, 16_384);
    assert.equal(parsePolicy('{ "maxColumns": 50000 }', 'p.json').policy.maxColumns, 50_000);
    assert.equal(parsePolicy('{ "maxColumns": 0 }', 'p.json').problems[0]?.rule, 'policy/schema');
    assert.equal(policy.region, undefined);
    assert.equal(parsePolicy('{ "region": "DE" }', 'p.json').policy.region, 'DE');
  });

  it('takes a region libphonenumber knows, and reports another at its place (the United Kingdom is GB)', () => {
    const { policy, problems } = parsePolicy('{\n  "region": "UK"\n}', 'p.json');
    assert.equal(policy.region, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.rule, 'policy/schema');
    assert.equal(
      problems[0]!.message,
      'region must be one of the 245 values the schema lists ("AC", "AD", "AE", "AF", ...: the editor completes them); did you mean "GB"?',
    );
    // Another case of an allowed value is taken for what it likely means.
    assert.match(parsePolicy('{ "region": "de" }', 'p.json').problems[0]!.message, /; did you mean "DE"\?$/);
    assert.match(parsePolicy('{ "region": "XX" }', 'p.json').problems[0]!.message, /completes them\)\.$/);
    assert.deepEqual(problems[0]?.location, { line: 2, startColumn: 13, endLine: 2, endColumn: 17 });
  });

  it("the schema's regions are libphonenumber's", () => {
    const schema = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../../schemas/responsible-ml.schema.json'), 'utf8'),
    ) as { properties: { region: { enum: string[] } } };
    assert.deepEqual(schema.properties.region.enum, [...getCountries()].sort());
  });

  it('reports schema problems at their line and column with the JSON path and allowed values', () => {
    const text = '{\n  "rules": { "privacy/pii-column": "loud" },\n  "colour": 1\n}';
    const { problems } = parsePolicy(text, 'p.json');
    const enumProblem = problems.find((p) => p.message.includes('must be one of'));
    assert.ok(enumProblem, JSON.stringify(problems));
    assert.match(
      enumProblem.message,
      /rules\.privacy\/pii-column must be one of "error", "warning", "info", "hint", "off"/,
    );
    assert.deepEqual(enumProblem.location, { line: 2, startColumn: 36, endLine: 2, endColumn: 42 });
    const unknown = problems.find((p) => p.message.includes('unknown property'));
    assert.ok(unknown);
    assert.equal(unknown.location?.line, 3);
    assert.equal(unknown.location?.startColumn, 3);
  });

  it('reports syntax errors with a position and falls back to the defaults', () => {
    const { policy, problems } = parsePolicy('{ "label": }', 'p.json');
    assert.equal(problems[0]?.rule, 'policy/syntax');
    assert.equal(problems[0]?.location?.line, 1);
    assert.equal(policy.label, undefined);
  });

  it('applies severities, "off" and ignores by rule and column', () => {
    const f = (rule: string, column?: string): Finding => ({
      rule,
      severity: 'warning',
      message: 'm',
      column,
    });
    const { policy } = parsePolicy(
      JSON.stringify({
        rules: { 'a/x': 'error', 'a/off': 'off' },
        ignore: [{ rule: 'a/y', column: 'c1' }, { column: 'c2' }],
      }),
      'p.json',
    );
    const out = applyPolicy(
      [f('a/x'), f('a/off'), f('a/y', 'c1'), f('a/y', 'c3'), f('a/z', 'c2'), f('a/z')],
      policy,
    );
    assert.deepEqual(
      out.map((x) => [x.rule, x.column, x.severity]),
      [
        ['a/x', undefined, 'error'],
        ['a/y', 'c3', 'warning'],
        ['a/z', undefined, 'warning'],
      ],
    );
  });
});
