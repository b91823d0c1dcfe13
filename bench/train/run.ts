/**
 * bench/train: the same MLP (64-32 ReLU, Adam 1e-3, batch 256) on the same one-hot Adult features, trained
 * here on each available backend (the lean loop, and `model.fit` on wasm as the old way), in PyTorch (CPU)
 * and in scikit-learn, same epochs, one run each, all in this one invocation. Prints samples/s, test
 * accuracy and the ratio to PyTorch measured in the same run.
 *
 *   npx tsx bench/train/run.ts [--epochs 5] [--backends wasm,cpu,tensorflow,webgpu] [--torch-threads 1,2]
 *
 * `webgpu` is measured only when named (a software adapter is slower than wasm; on a GPU machine name it).
 */
import { dpSgdTraining, planDpSgd } from '../../src/core/training/dp/dpSgd';
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../../src/core/training/backends/select';
import { describeAdapter, tryWebGpu } from '../../src/core/training/backends/webgpu';
import { perExampleLoss, headMetric } from '../../src/core/training/heads';
import { loadTable } from '../../src/core/training/loadTable';
import { buildModel, makeOptimizer } from '../../src/core/training/model';
import { encodeFeatures, encodeLabels, fitPreprocess } from '../../src/core/training/preprocess';
import { predictRaw, trainLoop } from '../../src/core/training/trainLoop';
import type { BackendName } from '../../src/core/training/config';

const root = path.resolve(__dirname, '../..');
const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'wasm,cpu,tensorflow' },
    'torch-threads': { type: 'string', default: '1,2' },
    'no-python': { type: 'boolean', default: false },
  },
});
const epochs = Number(values.epochs);
const batchSize = 256;
const hidden = [64, 32];
const learningRate = 0.001;

interface Row {
  name: string;
  samplesPerSecond: number;
  /** Samples per CPU-second of this process: steadier than wall time on a shared machine (single-threaded trainers only). */
  samplesPerCpuSecond?: number;
  testAccuracy: number;
  seconds: number;
  note?: string;
}

async function features() {
  const read = async (f: string) =>
    (await loadTable(fs.createReadStream(path.join(root, 'examples/adult', f)), f)).table;
  const train = await read('adult.csv');
  const test = await read('adult-test.csv');
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const spec = fitPreprocess(train, all(train.rowNumbers.length), {
    features: train.names.filter((n) => n !== 'income' && n !== 'fnlwgt'),
    label: 'income',
    task: 'binary',
    positive: ['>50K'],
    categorical: [],
    missing: 'impute',
    missingTokens: [],
    maxCategories: 200,
  });
  const enc = (t: typeof train) => {
    const e = encodeFeatures(spec, t, all(t.rowNumbers.length), true);
    return { x: e.x, y: encodeLabels(spec, t, e.rows), n: e.rows.length };
  };
  return { width: spec.width, train: enc(train), test: enc(test) };
}

async function main() {
  const data = await features();
  const samples = data.train.n * epochs;
  console.log(
    `Adult: ${data.train.n} training rows, ${data.test.n} test rows, ${data.width} one-hot features; MLP ${hidden.join('-')}, batch ${batchSize}, ${epochs} epochs`,
  );
  const rows: Row[] = [];

  const measure = async (name: string, useFit: boolean, note?: string, dp = false) => {
    const x = tf.tensor2d(data.train.x, [data.train.n, data.width]);
    const y = tf.tensor2d(data.train.y, [data.train.n, 1]);
    const xt = tf.tensor2d(data.test.x, [data.test.n, data.width]);
    const model = buildModel({
      type: 'mlp',
      inputWidth: data.width,
      outputWidth: 1,
      hidden,
      activation: 'relu',
      dropout: 0,
      seed: 1,
    });
    const optimizer = makeOptimizer('adam', learningRate);
    // Warm-up outside the timing: kernels compile (WebGPU shaders, wasm) on first use.
    tf.tidy(() => model.predict(tf.slice(x, [0, 0], [batchSize, -1])));
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    if (useFit) {
      // model.fit as before this project's lean loop: tfjs's own Adam and loss handling.
      model.compile({
        optimizer: tf.train.adam(learningRate),
        loss: (yt: tf.Tensor, yp: tf.Tensor) =>
          tf.mean(perExampleLoss('binary')(yt as tf.Tensor2D, yp as tf.Tensor2D)),
      });
      await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0, yieldEvery: 'batch' });
    } else {
      // DP-SGD: the same loop with the clipped, noised step and Poisson sampling (σ 1.0, clip 1.0).
      const dpParts = dp
        ? dpSgdTraining(planDpSgd({ l2NormClip: 1, noiseMultiplier: 1 }, data.train.n, batchSize, epochs), {
            head: 'binary',
          })
        : undefined;
      await trainLoop({
        ...(dpParts ? { stepFactory: dpParts.stepFactory, samplerFactory: dpParts.samplerFactory } : {}),
        model,
        optimizer,
        x,
        y,
        perExampleLoss: perExampleLoss('binary'),
        metric: headMetric('binary'),
        l2: 0,
        head: 'binary',
        epochs,
        batchSize,
        seed: 1,
        now: () => performance.now(),
        yieldToEvents: () => new Promise((r) => setImmediate(r)),
      });
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const out = tf.tidy(() => predictRaw(model, xt));
    const acc = headMetric('binary')(data.test.y, await out.data(), 1);
    out.dispose();
    rows.push({
      name,
      seconds,
      samplesPerSecond: samples / seconds,
      samplesPerCpuSecond: samples / cpuSeconds,
      testAccuracy: acc,
      ...(note ? { note } : {}),
    });
    console.log(
      `  ${name}: ${(samples / seconds).toFixed(0)} samples/s (${(samples / cpuSeconds).toFixed(0)} per CPU-second), test accuracy ${acc.toFixed(4)}`,
    );
    tf.dispose([x, y, xt]);
    model.dispose();
  };

  for (const b of values.backends!.split(',').map((s) => s.trim()) as BackendName[]) {
    try {
      if (b === 'webgpu') {
        const r = await tryWebGpu({ allowSoftware: true });
        if (!r.ok) throw new Error(r.reason);
        await measure('tfjs webgpu (lean loop)', false, describeAdapter(r.info.adapter));
        await measure('tfjs webgpu (DP-SGD, ghost clipping)', false, describeAdapter(r.info.adapter), true);
        continue;
      }
      const info = await selectBackend(b, { env: process.env });
      await measure(`tfjs ${b} (lean loop)`, false, info.device);
      await measure(`tfjs ${b} (DP-SGD, ghost clipping)`, false, info.device, true);
      if (b === 'wasm') await measure('tfjs wasm (model.fit)', true, info.device);
    } catch (e) {
      console.log(`  ${b}: skipped — ${(e as Error).message}`);
    }
  }

  if (!values['no-python']) {
    const out = path.join(root, 'bench/out/train');
    fs.mkdirSync(out, { recursive: true });
    const write = (name: string, a: Float32Array) =>
      fs.writeFileSync(path.join(out, `${name}.f32`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    write('xtrain', data.train.x);
    write('ytrain', data.train.y);
    write('xtest', data.test.x);
    write('ytest', data.test.y);
    const torchThreads = values['torch-threads']!.split(',').map(Number);
    fs.writeFileSync(
      path.join(out, 'meta.json'),
      JSON.stringify({
        train: data.train.n,
        test: data.test.n,
        width: data.width,
        epochs,
        batchSize,
        hidden,
        learningRate,
        torchThreads,
      }),
    );
    try {
      const text = execFileSync('/usr/bin/python3', [path.join(__dirname, 'reference.py'), out], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      for (const line of text.trim().split('\n')) {
        const r = JSON.parse(line) as Row;
        rows.push(r);
        console.log(
          `  ${r.name}: ${r.samplesPerSecond.toFixed(0)} samples/s, test accuracy ${r.testAccuracy.toFixed(4)}`,
        );
      }
    } catch (e) {
      console.log(
        `  python references skipped — ${(e as Error).message.split('\n')[0]} (apt-get install python3-torch python3-sklearn)`,
      );
    }
  }

  const ref = rows.find((r) => r.name === 'pytorch-cpu-1t') ?? rows.find((r) => r.name.startsWith('pytorch'));
  console.log('');
  console.log(
    `| trainer | samples/s | ratio to ${ref?.name ?? 'PyTorch (not run)'} | samples per CPU-s | CPU ratio | test accuracy |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ratio = ref ? (r.samplesPerSecond / ref.samplesPerSecond).toFixed(3) : '—';
    const cpuRatio =
      ref?.samplesPerCpuSecond && r.samplesPerCpuSecond
        ? (r.samplesPerCpuSecond / ref.samplesPerCpuSecond).toFixed(3)
        : '—';
    const cpu = r.samplesPerCpuSecond ? r.samplesPerCpuSecond.toFixed(0) : '—';
    console.log(
      `| ${r.name}${r.note ? ` — ${r.note}` : ''} | ${r.samplesPerSecond.toFixed(0)} | ${ratio} | ${cpu} | ${cpuRatio} | ${r.testAccuracy.toFixed(4)} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
