/**
 * DP-SGD step cost against a plain step on the same backend, in one run: the same MLP (100 → 64 → 32 → 1,
 * ReLU, logits), batch 256, Adam. Prints milliseconds per step and the ratio DP / plain for ghost clipping
 * (the path training uses) and for the per-example loop (the fallback), for each backend that loads.
 *
 *   npx tsx bench/dp/step.ts [--steps 60] [--backends cpu,wasm]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { dpGradients } from '../../src/core/training/dp/ghostClipping';
import { perExampleLoss } from '../../src/core/training/heads';
import { buildModel } from '../../src/core/training/model';
import { plainGradientStep, seededRandom, type GradientStepContext } from '../../src/core/training/trainLoop';

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
  const model = buildModel({ type: 'mlp', inputWidth: 100, outputWidth: 1, hidden: [64, 32], activation: 'relu', dropout: 0, seed: 1 });
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
  const optimizer: tf.Optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([B, 100], 0, 1, 'float32', 1) as tf.Tensor2D;
  const y = tf.cast(tf.greater(tf.randomUniform([B, 1], 0, 1, 'float32', 2), 0.5), 'float32') as tf.Tensor2D;
  const random = seededRandom(3);
  const kinds = {
    plain: () => plain.compute({ x, y, weights: null }),
    ghost: () => dpGradients(model, x, y, null, { l2NormClip: 1, noiseMultiplier: 1, expectedBatchSize: B, perExampleLoss: loss, random, variables }),
    loop: () => dpGradients(model, x, y, null, { l2NormClip: 1, noiseMultiplier: 1, expectedBatchSize: B, perExampleLoss: loss, random, variables, method: 'loop' }),
  };
  const time = async (k: keyof typeof kinds, n: number): Promise<number> => {
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
  for (const k of ['plain', 'ghost'] as const) await time(k, 5);
  await time('loop', 1);
  // Interleaved rounds so that load from other processes hits both sides alike.
  const rounds = 5;
  const per = Math.max(1, Math.round(steps / rounds));
  const res: Record<'plain' | 'ghost', number[]> = { plain: [], ghost: [] };
  for (let r = 0; r < rounds; r++) {
    res.plain.push(await time('plain', per));
    res.ghost.push(await time('ghost', per));
  }
  const loopMs = await time('loop', 2);
  const p = median(res.plain);
  const g = median(res.ghost);
  console.log(
    `${backend.padEnd(5)} plain ${p.toFixed(2)} ms/step   DP ghost ${g.toFixed(2)} ms/step (ratio ${(g / p).toFixed(2)}x)   ` +
      `DP per-example loop ${loopMs.toFixed(1)} ms/step (ratio ${(loopMs / p).toFixed(1)}x)`,
  );
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
}

async function main(): Promise<void> {
  console.log(`DP-SGD step vs plain step: MLP 100-64-32-1, batch ${B}, ~${steps} timed steps each (median of 5 interleaved rounds)`);
  for (const b of backends) await run(b);
}

void main();
