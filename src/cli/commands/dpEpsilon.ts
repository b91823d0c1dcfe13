import { parseArgs } from 'util';
import { calibrateNoise, dpSgdEpsilon } from '../../core/training/dp/rdpAccountant';
import { UsageError, type CliCommand } from '../command';

const usage = `Usage: rml dp-epsilon --q Q --noise SIGMA --steps T [--delta D] [--json]
       rml dp-epsilon --q Q --target-epsilon E --steps T [--delta D] [--json]

What-if planning for DP-SGD: the privacy ε spent by T steps of Poisson-sampled DP-SGD (RDP accountant, the
conversion Google's dp_accounting uses), or the noise multiplier needed to stay within a target ε.

Options:
  --q Q                  Sampling rate: expected batch size / training rows (e.g. 256/32561 or 0.00786).
  --batch B --rows N     Instead of --q: q = B/N.
  --noise SIGMA          Noise multiplier σ (noise standard deviation / clipping norm).
  --target-epsilon E     Instead of --noise: print the smallest σ with ε ≤ E.
  --steps T              Noisy gradient steps.
  --epochs E             Instead of --steps: T = E × round(1/q) steps.
  --delta D              δ (default 1e-5).
  --json                 Print a JSON object.

Example: rml dp-epsilon --q 256/32561 --noise 1.0 --steps 2543 --delta 1e-5   → ε = 2.488`;

/** A number, or a ratio written A/B (e.g. 256/32561), named for error messages. */
function parseNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parts = text.split('/');
  const nums = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  const v =
    nums.length === 2
      ? (nums[0] as number) / (nums[1] as number)
      : nums.length === 1
        ? (nums[0] as number)
        : NaN;
  if (!Number.isFinite(v))
    throw new UsageError(
      `--${name} must be a number${name === 'q' ? ' or a ratio A/B' : ''}; got '${text}'.`,
    );
  return v;
}

export const dpEpsilonCommand: CliCommand = {
  name: 'dp-epsilon',
  summary: 'Privacy ε of DP-SGD settings, or the noise needed for a target ε.',
  usage,
  async run(argv, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          q: { type: 'string' },
          batch: { type: 'string' },
          rows: { type: 'string' },
          noise: { type: 'string' },
          'target-epsilon': { type: 'string' },
          steps: { type: 'string' },
          epochs: { type: 'string' },
          delta: { type: 'string' },
          json: { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    let q = parseNumber('q', values.q);
    const batch = parseNumber('batch', values.batch);
    const rows = parseNumber('rows', values.rows);
    if (q === undefined) {
      if (batch === undefined || rows === undefined) throw new UsageError('Give --q, or --batch and --rows.');
      q = batch / rows;
    } else if (batch !== undefined || rows !== undefined) {
      throw new UsageError('Give either --q or --batch/--rows, not both.');
    }
    if (!(q > 0 && q <= 1)) throw new UsageError(`The sampling rate q must be in (0, 1]; got ${q}.`);
    const delta = parseNumber('delta', values.delta) ?? 1e-5;
    if (!(delta > 0 && delta < 1)) throw new UsageError(`--delta must be in (0, 1); got ${delta}.`);
    let steps = parseNumber('steps', values.steps);
    const epochs = parseNumber('epochs', values.epochs);
    if (steps === undefined) {
      if (epochs === undefined) throw new UsageError('Give --steps or --epochs.');
      steps = Math.round(epochs * Math.max(1, Math.round(1 / q)));
    } else if (epochs !== undefined) {
      throw new UsageError('Give either --steps or --epochs, not both.');
    }
    if (!(Number.isInteger(steps) && steps >= 0))
      throw new UsageError(`--steps must be a whole number ≥ 0; got ${steps}.`);
    const noise = parseNumber('noise', values.noise);
    const target = parseNumber('target-epsilon', values['target-epsilon']);
    if ((noise === undefined) === (target === undefined))
      throw new UsageError('Give exactly one of --noise and --target-epsilon.');

    if (noise !== undefined) {
      if (!(noise >= 0)) throw new UsageError(`--noise must be ≥ 0; got ${noise}.`);
      const r = dpSgdEpsilon({ q, noiseMultiplier: noise, steps, delta });
      if (values.json) {
        io.stdout.write(
          JSON.stringify({
            q,
            noiseMultiplier: noise,
            steps,
            delta,
            epsilon: r.epsilon,
            order: r.order,
            accountant: 'rdp',
          }) + '\n',
        );
      } else {
        io.stdout.write(
          `ε = ${fmt(r.epsilon)} at δ = ${delta} (RDP accountant, best order ${r.order})\n` +
            `  q = ${fmt(q)}, noise multiplier σ = ${noise}, ${steps} steps\n`,
        );
      }
      return 0;
    }
    if (!((target as number) > 0)) throw new UsageError(`--target-epsilon must be > 0; got ${target}.`);
    const c = calibrateNoise({ q, steps, delta, targetEpsilon: target as number });
    if (values.json) {
      io.stdout.write(
        JSON.stringify({
          q,
          steps,
          delta,
          targetEpsilon: target,
          noiseMultiplier: c.noiseMultiplier,
          epsilon: c.epsilon,
          order: c.order,
          accountant: 'rdp',
        }) + '\n',
      );
    } else {
      io.stdout.write(
        `noise multiplier σ = ${fmt(c.noiseMultiplier)} gives ε = ${fmt(c.epsilon)} ≤ ${target} at δ = ${delta}\n` +
          `  q = ${fmt(q)}, ${steps} steps (RDP accountant, best order ${c.order})\n`,
      );
    }
    return 0;
  },
};

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(5)).toString();
}
