/**
 * DP-SGD step cost against a plain step on the same backend, in one run: the same MLP (100 → 64 → 32 → 1,
 * ReLU, logits), batch 256, Adam. Prints milliseconds per step and the ratios DP / plain:
 * - hand-written: DP's hand-written ghost-clipping pass against the training loop's hand-written plain step
 *   (`fastMlpStep.ts`, when present): what a plain Dense-stack run and its DP twin each use;
 * - tape: ghost clipping through tfjs's reverse mode against the plain tape step (models with dropout);
 * - loop: the per-example fallback against the plain tape step.
 *
 *   npx tsx bench/dp/step.ts [--steps 60] [--backends cpu,wasm]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { dpGradients } from '../../src/core/training/dp/ghostClipping';
import { perExampleLoss } from '../../src/core/training/heads';
import { buildModel } from '../../src/core/training/model';
import { seededRandom } from '../../src/core/random';
import {
  plainGradientStep,
  type GradientStep,
  type GradientStepContext,
} from '../../src/core/training/trainLoop';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : dflt;
};
const steps = Number(arg('steps', '60'));
const backends = arg('backends', 'cpu,wasm').split(',');
const B = 256;

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
}

async function run(backend: string): Promise<void> {
  try {
    if (!(await tf.setBackend(backend))) throw new Error('setBackend returned false');
    await tf.ready();
  } catch (e) {
    console.log(`${backend}: not available (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const model = buildModel({
    type: 'mlp',
    inputWidth: 100,
    outputWidth: 1,
    hidden: [64, 32],
    activation: 'relu',
    dropout: 0,
    seed: 1,
  });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = perExampleLoss('binary');
  const ctx: GradientStepContext = {
    model,
    variables,
    perExampleLoss: loss,
    penalty: () => null,
    batchSize: B,
    datasetSize: 50000,
    epochs: 1,
    random: seededRandom(1),
  };
  const plain = plainGradientStep(ctx);
  const x = tf.randomNormal([B, 100], 0, 1, 'float32', 1) as tf.Tensor2D;
  const y = tf.cast(tf.greater(tf.randomUniform([B, 1], 0, 1, 'float32', 2), 0.5), 'float32') as tf.Tensor2D;
  const random = seededRandom(3);
  // The training loop's hand-written plain step, where that module exists (loaded by a computed path so that this
  // bench does not depend on it to type-check).
  let fastPlain: GradientStep | null = null;
  try {
    const modPath = '../../src/core/training/' + 'fastMlpStep';
    // require, not import(): a dynamic import would load a second (ESM) copy of tfjs with its own engine.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modPath) as {
      fastMlpGradientStep?: (c: GradientStepContext, h: 'binary', l2: number) => GradientStep | null;
    };
    fastPlain = mod.fastMlpGradientStep?.(ctx, 'binary', 0) ?? null;
  } catch {
    fastPlain = null;
  }
  const dpOpts = {
    l2NormClip: 1,
    noiseMultiplier: 1,
    expectedBatchSize: B,
    perExampleLoss: loss,
    random,
    variables,
  };
  const kinds = {
    plain: () => plain.compute({ x, y, weights: null }),
    plainFast: () => (fastPlain ?? plain).compute({ x, y, weights: null }),
    tape: () => dpGradients(model, x, y, null, { ...dpOpts, method: 'tape' }),
    handWritten: () => dpGradients(model, x, y, null, { ...dpOpts, head: 'binary' }),
    loop: () => dpGradients(model, x, y, null, { ...dpOpts, method: 'loop' }),
  };
  // One optimizer per variant: tfjs's Adam keeps its moments by the position of a gradient in the map, and the
  // variants list variables in different orders.
  const optimizers = new Map<string, tf.Optimizer>();
  const time = async (k: keyof typeof kinds, n: number): Promise<number> => {
    let optimizer = optimizers.get(k);
    if (!optimizer) optimizers.set(k, (optimizer = tf.train.adam(1e-3)));
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const l = tf.tidy(() => {
        const r = kinds[k]();
        optimizer.applyGradients(r.grads);
        return r.loss;
      });
      // Read the loss back every 10 steps, as the loop does at its report interval, so queued work completes.
      if (i % 10 === 9 || i === n - 1) await l.data();
      l.dispose();
    }
    return (performance.now() - t0) / n;
  };
  const timed = ['plain', 'plainFast', 'tape', 'handWritten'] as const;
  for (const k of timed) await time(k, 5);
  await time('loop', 1);
  // Interleaved rounds so that load from other processes hits every variant alike.
  const rounds = 7;
  const per = Math.max(1, Math.round(steps / rounds));
  const res = Object.fromEntries(timed.map((k) => [k, [] as number[]])) as Record<
    (typeof timed)[number],
    number[]
  >;
  for (let r = 0; r < rounds; r++) for (const k of timed) res[k].push(await time(k, per));
  const loopMs = await time('loop', 2);
  // The minimum over rounds estimates the cost without interference from other processes; the median is printed
  // beside it.
  const m = Object.fromEntries(timed.map((k) => [k, Math.min(...res[k])])) as Record<
    (typeof timed)[number],
    number
  >;
  const med = Object.fromEntries(timed.map((k) => [k, median(res[k])])) as Record<
    (typeof timed)[number],
    number
  >;
  const f = (v: number) => v.toFixed(2);
  console.log(
    `${backend.padEnd(5)} hand-written: plain ${fastPlain ? f(m.plainFast) : 'n/a'} ms, DP ${f(m.handWritten)} ms` +
      (fastPlain ? ` (ratio ${(m.handWritten / m.plainFast).toFixed(2)}x)` : '') +
      ` | tape: plain ${f(m.plain)} ms, DP ${f(m.tape)} ms (ratio ${(m.tape / m.plain).toFixed(2)}x)` +
      ` | DP per-example loop ${loopMs.toFixed(0)} ms (${(loopMs / m.plain).toFixed(0)}x tape plain)`,
  );
  console.log(
    `      medians: hand-written ratio ${fastPlain ? (med.handWritten / med.plainFast).toFixed(2) + 'x' : 'n/a'}, tape ratio ${(med.tape / med.plain).toFixed(2)}x`,
  );
  tf.dispose([x, y]);
  model.dispose();
  for (const o of optimizers.values()) o.dispose();
}

async function main(): Promise<void> {
  console.log(
    `DP-SGD step vs plain step: MLP 100-64-32-1, batch ${B}, ~${steps} timed steps each, fastest of 7 interleaved rounds`,
  );
  for (const b of backends) await run(b);
}

void main();
