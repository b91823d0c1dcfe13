import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTable } from '../../../src/core/training/loadTable';
import {
  encodeFeatures,
  encodeLabels,
  fitPreprocess,
  MISSING_LEVEL,
  OTHER_LEVEL,
  type RawTable,
} from '../../../src/core/training/preprocess';
import { DIRECT_IDENTIFIERS, gateFeatures } from '../../../src/core/training/privacyGate';
import { dedupeRows, inferTask, splitRows } from '../../../src/core/training/runTraining';
import { resolveTrainConfig } from '../../../src/core/training/config';

function table(names: string[], rows: (string | undefined)[][]): RawTable {
  return {
    names,
    columns: names.map((_, c) => rows.map((r) => r[c])),
    rowNumbers: Int32Array.from(rows, (_, i) => i + 1),
  };
}
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('training preprocessing', () => {
  const t = table(
    ['age', 'city', 'y'],
    [
      ['20', 'Paris', 'yes'],
      ['40', 'Lyon', 'no'],
      ['?', 'Paris', 'no'],
      ['60', '', 'yes'],
    ],
  );
  const opts = {
    features: ['age', 'city'],
    label: 'y',
    task: 'binary' as const,
    positive: ['yes'],
    categorical: [],
    missing: 'impute' as const,
    missingTokens: [],
    maxCategories: 10,
  };

  it('standardises numerics with training statistics and imputes missing ones with the mean', () => {
    const spec = fitPreprocess(t, all(4), opts);
    const age = spec.features[0]!;
    assert.equal(age.kind, 'numeric');
    if (age.kind !== 'numeric') return;
    assert.equal(age.mean, 40);
    assert.ok(Math.abs(age.std - Math.sqrt(800 / 3)) < 1e-12);
    const e = encodeFeatures(spec, t, all(4));
    assert.equal(e.x[2 * spec.width], 0, 'missing age encodes as the mean, 0 after standardising');
  });

  it('one-hot encodes categoricals by frequency, with a missing level, and unseen values as all zeros', () => {
    const spec = fitPreprocess(t, all(4), opts);
    const city = spec.features[1]!;
    assert.equal(city.kind, 'categorical');
    if (city.kind !== 'categorical') return;
    assert.deepEqual(city.levels, ['Paris', 'Lyon', MISSING_LEVEL]);
    assert.equal(spec.width, 4);
    const unseen = table(
      ['age', 'city', 'y'],
      [
        ['40', 'Nice', 'no'],
        ['40', 'NA', 'no'],
      ],
    );
    const e = encodeFeatures(spec, unseen, all(2));
    assert.deepEqual(Array.from(e.x.slice(1, 4)), [0, 0, 0]);
    assert.deepEqual(Array.from(e.x.slice(5, 8)), [0, 0, 1]);
    assert.equal(e.unknownCategories, 1);
  });

  it('drops rows with a missing feature in drop mode, and maps rare levels to (other)', () => {
    const spec = fitPreprocess(t, all(4), { ...opts, missing: 'drop', maxCategories: 1 });
    const city = spec.features[1]!;
    assert.ok(city.kind === 'categorical' && city.levels.join() === `Paris,${OTHER_LEVEL}`);
    const e = encodeFeatures(spec, t, all(4));
    assert.deepEqual(Array.from(e.rows), [0, 1]);
    assert.equal(e.dropped, 2);
  });

  it('gives a constant numeric column a unit deviation instead of dividing by zero', () => {
    const c = table(
      ['k', 'y'],
      [
        ['5', 'a'],
        ['5', 'b'],
      ],
    );
    const spec = fitPreprocess(c, all(2), { ...opts, features: ['k'] });
    assert.deepEqual(spec.features[0], { name: 'k', kind: 'numeric', mean: 5, std: 1 });
  });

  it('encodes binary, multi-class and regression labels', () => {
    const spec = fitPreprocess(t, all(4), opts);
    assert.deepEqual(Array.from(encodeLabels(spec, t, all(4))), [1, 0, 0, 1]);
    const m = table(
      ['x', 'y'],
      [
        ['1', 'a'],
        ['2', 'c'],
        ['3', 'b'],
      ],
    );
    const ms = fitPreprocess(m, all(3), {
      ...opts,
      features: ['x'],
      task: 'multiclass',
      classes: ['a', 'b', 'c'],
    });
    assert.deepEqual(Array.from(encodeLabels(ms, m, all(3))), [1, 0, 0, 0, 0, 1, 0, 1, 0]);
    const r = table(
      ['x', 'y'],
      [
        ['1', '10'],
        ['2', '30'],
      ],
    );
    const rs = fitPreprocess(r, all(2), { ...opts, features: ['x'], task: 'regression' });
    assert.deepEqual(rs.target, { mean: 20, std: 10 });
    assert.deepEqual(Array.from(encodeLabels(rs, r, all(2))), [-1, 1]);
  });

  it('infers the task and defaults the positive class to the rarer value', () => {
    const cfg = resolveTrainConfig({ name: 'a', data: { train: 't', label: 'y' } }, '/');
    const miss = (v: string | undefined) => v === undefined || v === '';
    assert.deepEqual(inferTask(cfg, ['a', 'b', 'b'], miss), {
      task: 'binary',
      positive: ['a'],
      negative: 'b',
    });
    assert.equal(inferTask(cfg, ['a', 'b', 'c'], miss).task, 'multiclass');
    assert.equal(
      inferTask(
        cfg,
        Array.from({ length: 50 }, (_, i) => String(i * 1.5)),
        miss,
      ).task,
      'regression',
    );
    assert.throws(() => inferTask(cfg, ['a', 'a'], miss), /2 distinct|needs two/);
  });

  it('splits reproducibly and keeps class shares when stratified', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 'p' : 'n'));
    const a = splitRows(all(1000), 0.2, 7, (r) => labels[r]!);
    const b = splitRows(all(1000), 0.2, 7, (r) => labels[r]!);
    assert.deepEqual(a, b);
    assert.equal(a.validation.length, 200);
    assert.equal(Array.from(a.validation).filter((r) => labels[r] === 'p').length, 50);
    assert.equal(new Set([...a.train, ...a.validation]).size, 1000);
  });

  it('drops exact duplicate rows only', () => {
    const d = table(
      ['a', 'b'],
      [
        ['1', 'x'],
        ['1', 'x'],
        ['1', 'y'],
        [undefined, 'x'],
        ['', 'x'],
      ],
    );
    const r = dedupeRows(d, all(5));
    assert.deepEqual(Array.from(r.rows), [0, 2, 3, 4]);
    assert.equal(r.dropped, 1);
  });
});

describe('pre-training privacy gate', () => {
  it('gates every identifier of a person, not the quasi-identifiers nor URLs', () => {
    for (const e of [
      'EMAIL_ADDRESS',
      'PERSON',
      'PASSPORT',
      'DRIVER_LICENSE',
      'ZA_ID',
      'DE_SVNR',
      'SECRET',
      'IN_VOTER',
      'AU_ABN',
    ] as const)
      assert.ok(DIRECT_IDENTIFIERS.has(e), e);
    // A routing number is a bank's, shared by its customers.
    for (const e of ['POSTAL_CODE', 'DATE_OF_BIRTH', 'LOCATION', 'URL', 'ABA_ROUTING_NUMBER'] as const)
      assert.ok(!DIRECT_IDENTIFIERS.has(e), e);
    assert.equal(DIRECT_IDENTIFIERS.size, 57);
  });

  it("reads numbers written without + as the config's region's", async () => {
    // British mobiles in a column whose name says nothing, and NHS numbers under their header.
    const csv = [
      'reach,nhs_number,y',
      '07911 123456,943 476 5919,1',
      '07700 900123,9990000018,0',
      '07911 123458,9990000026,1',
      '07700 900456,9990000034,0',
    ].join('\n');
    const gateOf = async (region?: 'GB') => {
      const loaded = await loadTable([Buffer.from(csv)], 't.csv', [], undefined, region);
      const entities = new Map(loaded.privacy.columns.map((c) => [c.name, c.entities]));
      return gateFeatures(['reach', 'nhs_number'], entities, []).decisions.map((d) => [d.column, d.entities]);
    };
    assert.deepEqual(await gateOf('GB'), [
      ['reach', ['PHONE_NUMBER']],
      ['nhs_number', ['UK_NHS']],
    ]);
    // As American numbers they are none: the column would have been a feature.
    assert.deepEqual(await gateOf(), [['nhs_number', ['UK_NHS']]]);
  });

  it('excludes a column the scanner finds e-mail addresses in, unless allowed, and records both decisions', async () => {
    const file = path.resolve(__dirname, '../../fixtures/training/adult-small.csv');
    const loaded = await loadTable([fs.readFileSync(file)], file);
    assert.equal(loaded.table.rowNumbers.length, 1500);
    const entities = new Map(loaded.privacy.columns.map((c) => [c.name, c.entities]));
    assert.ok(entities.get('contact_email')?.includes('EMAIL_ADDRESS'));
    const candidates = loaded.table.names.filter((n) => n !== 'income');
    const g = gateFeatures(candidates, entities, []);
    assert.ok(!g.features.includes('contact_email'));
    assert.ok(g.features.includes('age') && g.features.includes('sex'));
    assert.deepEqual(
      g.decisions.map((d) => [d.column, d.decision]),
      [['contact_email', 'excluded']],
    );
    // A decision never quotes a value.
    assert.ok(!JSON.stringify(g.decisions).includes('@example.com'));
    const allowed = gateFeatures(candidates, entities, ['contact_email']);
    assert.ok(allowed.features.includes('contact_email'));
    assert.equal(allowed.decisions[0]!.decision, 'allowed');
  });
});
