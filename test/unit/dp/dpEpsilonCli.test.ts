import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { main } from '../../../src/cli/main';

async function rml(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdout, stderr, cwd: process.cwd(), env: {} });
  return { code, out, err };
}

describe('dp/rml dp-epsilon', () => {
  it('prints ε for the reference setting', async () => {
    const r = await rml([
      'dp-epsilon',
      '--q',
      '256/32561',
      '--noise',
      '1.0',
      '--steps',
      '2543',
      '--delta',
      '1e-5',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ε = 2\.488\d* at δ = 0\.00001 \(RDP accountant, best order 7\.6\)/);
  });

  it('prints JSON, and takes --batch/--rows and --epochs', async () => {
    const r = await rml([
      'dp-epsilon',
      '--batch',
      '256',
      '--rows',
      '32561',
      '--noise',
      '1',
      '--epochs',
      '20',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as { epsilon: number; steps: number; q: number; delta: number };
    assert.equal(o.steps, 20 * 127);
    assert.equal(o.delta, 1e-5);
    assert.ok(Math.abs(o.q - 256 / 32561) < 1e-15);
    assert.ok(o.epsilon > 2.4 && o.epsilon < 2.5);
  });

  it('prints the noise multiplier for a target ε', async () => {
    const r = await rml([
      'dp-epsilon',
      '--q',
      '256/32561',
      '--target-epsilon',
      '2.4884',
      '--steps',
      '2543',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as { noiseMultiplier: number; epsilon: number };
    assert.ok(Math.abs(o.noiseMultiplier - 1) < 1e-3 && o.epsilon <= 2.4884);
    const t = await rml(['dp-epsilon', '--q', '0.01', '--target-epsilon', '3', '--steps', '1000']);
    assert.match(t.out, /^noise multiplier σ = [\d.]+ gives ε = [\d.]+ ≤ 3 at δ = 0\.00001/);
  });

  it('explains usage mistakes with status 2', async () => {
    for (const [args, msg] of [
      [['--q', '0.01', '--steps', '10'], /exactly one of --noise and --target-epsilon/],
      [['--q', 'abc', '--noise', '1', '--steps', '10'], /--q must be a number or a ratio A\/B; got 'abc'/],
      [['--q', '2', '--noise', '1', '--steps', '10'], /q must be in \(0, 1\]/],
      [['--q', '0.1', '--noise', '1'], /--steps or --epochs/],
      [['--q', '0.1', '--noise', '1', '--steps', '1.5'], /whole number/],
    ] as [string[], RegExp][]) {
      const r = await rml(['dp-epsilon', ...args]);
      assert.equal(r.code, 2);
      assert.match(r.err, msg);
    }
  });
});
