import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTrainConfig } from '../../../src/core/training/config';

const root = path.resolve(__dirname, '../../..');

function problemsOf(text: string) {
  return parseTrainConfig(text, 'x.train.json', '/tmp').problems;
}

describe('training config', () => {
  it('resolves the shipped Adult example with every default filled in', () => {
    const file = path.join(root, 'examples/adult/income.train.json');
    const r = parseTrainConfig(fs.readFileSync(file, 'utf8'), file, path.dirname(file));
    assert.deepEqual(r.problems, []);
    const c = r.config!;
    assert.equal(c.name, 'income');
    assert.deepEqual(c.data.positive, ['>50K']);
    assert.deepEqual(c.training.earlyStopping, { patience: 4, minDelta: 0 });
    assert.equal(c.data.missing, 'impute');
    assert.equal(c.fairness.mitigation, 'none');
    assert.equal(c.output.runsDir, 'runs');
  });

  it('names the JSON path, line and column and the allowed values of a wrong enum', () => {
    const text =
      '{\n  "name": "a",\n  "data": { "train": "t.csv", "label": "y" },\n  "training": { "optimizer": "adamw" }\n}';
    const p = problemsOf(text);
    assert.equal(p.length, 1);
    assert.match(
      p[0]!.message,
      /^training\.optimizer must be one of "adam", "sgd", "momentum", "rmsprop", "adagrad"\.$/,
    );
    assert.equal(p[0]!.location?.line, 4);
    assert.equal(p[0]!.location?.startColumn, 30);
    assert.equal(p[0]!.data?.path, 'training.optimizer');
  });

  it("takes the privacy gate's phone region, and names the one meant by a wrong one (GB for UK)", () => {
    const config = (region: string) =>
      parseTrainConfig(
        `{"name":"a","data":{"train":"t.csv","label":"y"},"privacy":{"region":"${region}"}}`,
        'x.train.json',
        '/tmp',
      );
    assert.equal(config('GB').config?.privacy.region, 'GB');
    assert.equal(
      parseTrainConfig(
        fs.readFileSync(path.join(root, 'examples/adult/income.train.json'), 'utf8'),
        'x',
        '/tmp',
      ).config?.privacy.region,
      undefined,
    );
    const [problem] = config('UK').problems;
    assert.equal(problem?.data?.path, 'privacy.region');
    assert.match(problem!.message, /^privacy\.region must be one of the 245 values .*; did you mean "GB"\?$/);
    // The same list as the workspace policy's, libphonenumber's.
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(root, 'schemas', f), 'utf8'));
    assert.deepEqual(
      read('train.schema.json').properties.privacy.properties.region.enum,
      read('responsible-ml.schema.json').properties.region.enum,
    );
  });

  it('reports an unknown property at the property name, and a missing required one', () => {
    const text = '{\n  "name": "a",\n  "data": { "train": "t.csv" },\n  "modle": {}\n}';
    const p = problemsOf(text);
    const unknown = p.find((x) => /unknown property "modle"/.test(x.message));
    assert.ok(unknown, JSON.stringify(p));
    assert.equal(unknown.location?.line, 4);
    assert.equal(unknown.location?.startColumn, 3);
    assert.ok(p.some((x) => /data is missing the required property "label"/.test(x.message)));
  });

  it('reports syntax errors with their position', () => {
    const p = problemsOf('{\n  "name": "a",\n  "data": { "train": "t.csv" "label": "y" }\n}');
    assert.ok(p.length >= 1);
    assert.equal(p[0]!.rule, 'train-config/syntax');
    assert.equal(p[0]!.location?.line, 3);
  });

  it('rejects DP settings with both or neither of noiseMultiplier and targetEpsilon, at privacy.dpSgd', () => {
    const base = (dp: string) =>
      `{"name":"a","data":{"train":"t.csv","label":"y"},\n"privacy":{"dpSgd":${dp}}}`;
    const neither = problemsOf(base('{"l2NormClip":1}'));
    assert.equal(neither.length, 1);
    assert.match(
      neither[0]!.message,
      /privacy\.dpSgd needs exactly one of "noiseMultiplier" and "targetEpsilon"/,
    );
    assert.equal(neither[0]!.location?.line, 2);
    assert.equal(problemsOf(base('{"l2NormClip":1,"noiseMultiplier":1,"targetEpsilon":3}')).length, 1);
    assert.deepEqual(problemsOf(base('{"l2NormClip":1,"targetEpsilon":3}')), []);
  });

  it('rejects mitigation without a protected attribute and a label listed as a feature', () => {
    const p = problemsOf(
      '{"name":"a","data":{"train":"t.csv","label":"y","features":{"include":["x","y"]}},"fairness":{"mitigation":"threshold"}}',
    );
    assert.equal(p.length, 2);
    assert.ok(p.some((x) => x.data?.path === 'fairness.mitigation'));
    assert.ok(p.some((x) => x.data?.path === 'data.features.include'));
  });

  it('rejects a name that cannot be a folder name', () => {
    const p = problemsOf('{"name":"../up","data":{"train":"t.csv","label":"y"}}');
    assert.equal(p.length, 1);
    assert.equal(p[0]!.data?.path, 'name');
  });
});
