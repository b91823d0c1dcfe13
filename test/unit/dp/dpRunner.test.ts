/**
 * DP-SGD through the real training runner (child process, as `rml train` and the extension run it) on the
 * 1,500-row Adult fixture: `privacy.dpSgd` with `targetEpsilon` calibrates σ before training, ε is appended to every
 * epoch line of metrics.jsonl, and audit.json states (ε, δ), σ, C, q, the steps, the privacy notes and the
 * membership-inference figures.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dpSgdEpsilon } from '../../../src/core/training/dp/rdpAccountant';
import type { DpSgdRecord } from '../../../src/core/training/dp/dpSgd';
import { startTraining } from '../../../src/core/training/runnerClient';
import type { RunAudit } from '../../../src/core/training/runTraining';
import { worker, writeConfig } from '../training/smallRun';

describe('dp/DP-SGD through the training runner', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-dp-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('calibrates σ for targetEpsilon, logs ε per epoch and audits (ε, δ), σ, C, q, steps, notes and membership inference', async () => {
    const epochs = 3;
    // The shared small run with DP-SGD: no dropout, three epochs.
    const file = writeConfig(dir, 'dp', {
      model: { type: 'mlp', hidden: [16] },
      training: { epochs, batchSize: 64, learningRate: 0.01, seed: 3, backend: 'wasm', earlyStopping: false },
      privacy: { dpSgd: { l2NormClip: 1, targetEpsilon: 3 } },
    });
    const session = startTraining({
      ...worker,
      params: { configPath: file, backend: 'wasm', batchReportIntervalMs: 0 },
      onProgress: () => undefined,
    });
    const r = await session.result;
    assert.equal(r.state, 'finished', r.message);
    const runDir = r.runDir as string;

    const epochLines = fs
      .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"epoch"'))
      .map((l) => JSON.parse(l) as { epoch: number; epsilon?: number });
    assert.equal(epochLines.length, epochs);
    const eps = epochLines.map((l) => l.epsilon as number);
    assert.ok(
      eps.every((e) => Number.isFinite(e) && e > 0),
      `epsilon in every epoch line: ${eps.join(', ')}`,
    );
    for (let e = 1; e < eps.length; e++) assert.ok((eps[e] as number) > (eps[e - 1] as number));

    const audit = JSON.parse(fs.readFileSync(path.join(runDir, 'audit.json'), 'utf8')) as RunAudit;
    const rec = audit.privacy.dpSgd as DpSgdRecord;
    assert.ok(rec.calibrated && rec.targetEpsilon === 3);
    assert.ok(rec.epsilon <= 3 && rec.epsilon > 2.9, `final ε ${rec.epsilon}`);
    assert.equal(rec.epsilon, eps[eps.length - 1]);
    assert.equal(rec.l2NormClip, 1);
    const n = audit.data.rows.train;
    assert.equal(rec.delta, n >= 1000 ? 1e-4 : 1e-3);
    assert.ok(Math.abs(rec.q - 64 / n) < 1e-12);
    assert.equal(rec.steps, epochs * Math.round(n / 64));
    assert.equal(rec.clipping, 'ghost');
    assert.equal(rec.clippingPass, 'hand-written');
    assert.equal(rec.randomness, 'crypto');
    // The recorded ε is what the accountant gives for the recorded settings.
    const again = dpSgdEpsilon({
      q: rec.q,
      noiseMultiplier: rec.noiseMultiplier,
      steps: rec.steps,
      delta: rec.delta,
    });
    assert.ok(Math.abs(again.epsilon - rec.epsilon) < 1e-9);
    const options = (audit.privacy.notes ?? []).map((x) => x.option);
    for (const o of ['standardisation', 'one-hot categories', 'training loss', 'membership-inference audit'])
      assert.ok(options.includes(o), `note '${o}' in ${options.join(', ')}`);

    const mia = audit.membershipInference;
    assert.ok(mia, 'membership inference in the audit');
    assert.equal(mia.comparison, 'training rows vs test split');
    assert.equal(mia.members, n);
    assert.ok(mia.auc > 0.4 && mia.auc < 0.6, `AUC ${mia.auc}`);
    assert.ok(mia.trainedAuc !== undefined);
    assert.ok(r.heldOut && r.heldOut.value > 0.7, `test accuracy ${r.heldOut?.value}`);
  });
});
