import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  MetricsFollower,
  earlierRuns,
  exportDatasetReport,
  exportRun,
  metricsSize,
  readRunRecords,
  runAuditViewFromFolder,
} from '../../../src/extension/panels/runFiles';

describe('panels: run folder files', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-panels-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const epochLine = (e: number, loss: number) =>
    JSON.stringify({ type: 'epoch', epoch: e, loss, val_loss: loss + 0.1 }) + '\n';

  it('follows a growing metrics.jsonl: only new records, a partial line waits for its newline', () => {
    const run = path.join(root, 'runs', 'income', '2026-01-02');
    fs.mkdirSync(run, { recursive: true });
    const file = path.join(run, 'metrics.jsonl');
    fs.writeFileSync(file, epochLine(1, 0.5));
    assert.equal(readRunRecords(run).length, 1);
    const got: number[] = [];
    const f = new MetricsFollower(file, (recs) => got.push(...recs.map((r) => r.epoch)));
    f.startAfter(metricsSize(run));
    f.stop(); // drive it by hand: poll() is what the timer calls
    fs.appendFileSync(file, epochLine(2, 0.4) + '{"type":"epoch","epoch":3,');
    assert.deepEqual(
      f.poll().map((r) => r.epoch),
      [2],
    );
    fs.appendFileSync(file, '"loss":0.3}\n');
    f.poll();
    assert.deepEqual(got, [2, 3]);
    assert.deepEqual(f.poll(), []);
  });

  it('overlays earlier runs of the same config only', () => {
    const cfg = path.join(root, 'runs', 'income');
    for (const [id, n] of [
      ['2026-01-01', 3],
      ['2026-01-02', 2],
      ['2026-01-03', 4],
    ] as const) {
      fs.mkdirSync(path.join(cfg, id), { recursive: true });
      fs.writeFileSync(
        path.join(cfg, id, 'metrics.jsonl'),
        Array.from({ length: n }, (_, i) => epochLine(i + 1, 1 / (i + 1))).join(''),
      );
    }
    const o = earlierRuns(path.join(cfg, '2026-01-02'));
    assert.deepEqual(
      o.map((x) => x.id),
      ['2026-01-01'],
    );
    assert.deepEqual(o[0]!.series.loss, [1, 0.5, 1 / 3]);
    assert.deepEqual(
      earlierRuns(path.join(cfg, '2026-01-03')).map((x) => x.id),
      ['2026-01-01', '2026-01-02'],
    );
  });

  it('exports a report and a model card into the run folder, and a dataset report beside the dataset without touching it', () => {
    const run = path.join(root, 'runs', 'income', '2026-01-02');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), epochLine(1, 0.5) + epochLine(2, 0.4));
    fs.writeFileSync(
      path.join(run, 'config.json'),
      JSON.stringify({ name: 'income', model: { type: 'logistic' } }),
    );
    fs.writeFileSync(
      path.join(run, 'audit.json'),
      JSON.stringify({
        config: 'income',
        performance: { accuracy: 0.8 },
        fairness: {
          before: {
            overall: { accuracy: 0.8 },
            groups: {
              sex: {
                F: { n: 10, confusion: { tp: 2, fp: 1, tn: 5, fn: 2 } },
                M: { n: 10, confusion: { tp: 4, fp: 1, tn: 4, fn: 1 } },
              },
            },
            disparities: {},
          },
        },
      }),
    );
    const now = new Date('2026-01-02T10:00:00Z');
    const html = exportRun(run, 'html', now);
    assert.equal(html, path.join(run, 'report.html'));
    assert.match(fs.readFileSync(html, 'utf8'), /Per-group metrics by sex/);
    const card = exportRun(run, 'modelCard', now);
    assert.match(fs.readFileSync(card, 'utf8'), /^# Model card: income/);
    assert.deepEqual(
      fs.readdirSync(run).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left',
    );

    const data = path.join(root, 'people.csv');
    fs.writeFileSync(data, 'a,b\n1,2\n');
    const before = fs.readFileSync(data);
    const view = runAuditViewFromFolder(run, now.toISOString());
    const out = exportDatasetReport({ ...view, source: { kind: 'dataset', path: data } }, data, now);
    assert.equal(out, path.join(root, 'people.audit.html'));
    assert.deepEqual(fs.readFileSync(data), before);
  });
});
