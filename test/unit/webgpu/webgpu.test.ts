/**
 * The WebGPU (Dawn) training backend on a real WebGPU device. On machines without a GPU that device is
 * Mesa's software Vulkan (lavapipe, from Debian bookworm-backports: scripts/install-mesa-vulkan.sh).
 *
 * When Dawn or a Vulkan device is missing these tests FAIL, because CI installs both; set
 * RML_SKIP_WEBGPU=1 to skip them on a machine where that is known and accepted.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  checkKernels,
  describeAdapter,
  isSoftwareAdapter,
  missingKernelMessage,
  releaseWebGpu,
  trainingStepProbe,
  tryWebGpu,
} from '../../../src/core/training/backends/webgpu';
import type { WebGpuInfo } from '../../../src/core/training/backends/webgpu';
import { selectBackend } from '../../../src/core/training/backends/select';
import { perExampleLoss } from '../../../src/core/training/heads';
import { makeOptimizer } from '../../../src/core/training/model';
import { trainLoop } from '../../../src/core/training/trainLoop';
import { loadAdultFeatures } from './adultFeatures';

const SKIP = process.env.RML_SKIP_WEBGPU === '1';
const HINT =
  'WebGPU tests need Dawn (npm optional dependency `webgpu`) and a Vulkan device: run ' +
  '`sudo scripts/install-mesa-vulkan.sh` for a software one, or set RML_SKIP_WEBGPU=1 to skip these tests';

describe('webgpu: adapter classification', () => {
  const base = { vendor: '', architecture: '', device: '' };
  it('marks CPU adapters as software by description, architecture or fallback flag', () => {
    assert.equal(
      isSoftwareAdapter({ ...base, description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' }, false),
      true,
    );
    assert.equal(isSoftwareAdapter({ ...base, description: 'SwiftShader Device (Subzero)' }, false), true);
    assert.equal(isSoftwareAdapter({ ...base, description: 'Microsoft Basic Render Driver' }, false), true);
    assert.equal(
      isSoftwareAdapter({ ...base, vendor: 'mesa', architecture: 'software', description: '' }, false),
      true,
    );
    assert.equal(isSoftwareAdapter({ ...base, description: 'Some GPU' }, true), true);
  });
  it('keeps hardware adapters', () => {
    const nvidia = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' };
    assert.equal(isSoftwareAdapter(nvidia, false), false);
    assert.equal(
      isSoftwareAdapter(
        { ...base, vendor: 'amd', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' },
        false,
      ),
      false,
    );
    assert.equal(describeAdapter({ ...nvidia, isSoftware: false }), 'NVIDIA H200');
    assert.equal(
      describeAdapter({ ...base, description: '', vendor: 'mesa', isSoftware: true }),
      'mesa (software)',
    );
  });
  it('names missing kernels and other backends in the message', () => {
    const m = missingKernelMessage('webgpu', ['Unique']);
    assert.match(m, /webgpu backend has no kernel 'Unique'/);
    assert.match(m, /'wasm'/);
    assert.doesNotMatch(m, /'webgpu'/);
  });
});

describe('webgpu: Dawn on a real device', function () {
  // Shader compilation on a software device takes seconds on a loaded 2-core machine.
  this.timeout(60_000);
  let previous = '';
  let tmp = '';

  before(function () {
    if (SKIP) {
      console.log('    (RML_SKIP_WEBGPU=1: WebGPU tests skipped)');
      this.skip();
    }
    previous = tf.getBackend();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-webgpu-'));
  });

  after(async () => {
    if (SKIP) return;
    // Other suites in this mocha process must not find themselves on the WebGPU backend.
    if (previous) await tf.setBackend(previous);
    releaseWebGpu();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // The next two run before any device exists, so that they take the fresh set-up path.
  it('reports a broken Dawn install as a reason, not a throw', async () => {
    const pkg = path.join(tmp, 'node_modules', 'webgpu');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'webgpu', type: 'module', main: 'index.js' }),
    );
    fs.writeFileSync(
      path.join(pkg, 'index.js'),
      "throw new Error('libvulkan.so.1: cannot open shared object file');\n",
    );
    const r = await tryWebGpu({ allowSoftware: true, modulePath: tmp });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /could not load Dawn .*libvulkan\.so\.1/);
  });

  it('auto-style selection skips the software adapter and names it', async function () {
    const r = await tryWebGpu({ allowSoftware: false });
    if (r.ok) {
      // A machine with a GPU: Dawn picked a hardware adapter, which auto may use.
      assert.equal(r.info.adapter.isSoftware, false, describeAdapter(r.info.adapter));
      this.skip();
    }
    assert.ok(!r.ok);
    if (/not installed|could not load Dawn|no WebGPU adapter/.test(r.reason))
      assert.fail(`${r.reason}. ${HINT}`);
    assert.match(r.reason, /software/);
    assert.match(r.reason, /llvmpipe|lavapipe|SwiftShader|software/i);
    assert.match(r.reason, /set backend 'webgpu' explicitly/);
    // Refusing must not have switched tfjs to WebGPU.
    assert.notEqual(tf.getBackend(), 'webgpu');
  });

  it("the runner's auto order skips the software adapter, says why, and trains on the next backend", async () => {
    // The same wrapping as src/worker/trainWorker.ts: the adapter in words for the run's backend info.
    const selected = await selectBackend('auto', {
      env: {},
      tryWebGpu: async (o) => {
        const r = await tryWebGpu(o);
        return r.ok
          ? { ok: true, device: describeAdapter(r.info.adapter), details: { adapter: r.info.adapter } }
          : r;
      },
    });
    if (selected.name === 'webgpu') {
      assert.equal(
        (selected.details?.['adapter'] as { isSoftware: boolean }).isSoftware,
        false,
        selected.device,
      );
      return;
    }
    const skipped = selected.skipped.find((s) => s.name === 'webgpu');
    assert.ok(skipped, JSON.stringify(selected.skipped));
    if (/not installed|could not load Dawn|no WebGPU adapter/.test(skipped.reason))
      assert.fail(`${skipped.reason}. ${HINT}`);
    assert.match(skipped.reason, /software one \((llvmpipe|lavapipe|SwiftShader)[^)]*\)/i);
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(selected.name), selected.name);
    assert.equal(tf.getBackend(), selected.name);
  });

  let info: WebGpuInfo | null = null;
  const webgpu = async (): Promise<WebGpuInfo> => {
    const r = await tryWebGpu({ allowSoftware: true });
    if (!r.ok) assert.fail(`${r.reason}. ${HINT}`);
    return r.info;
  };

  it('starts on the adapter when asked for by name and reports it', async () => {
    info = await webgpu();
    assert.equal(tf.getBackend(), 'webgpu');
    assert.equal(info.backend, 'webgpu');
    assert.ok(info.adapter.description || info.adapter.vendor, 'the adapter has a name');
    const product = await tf
      .matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[5], [6]]),
      )
      .data();
    assert.deepEqual([...product], [17, 39]);
    // A second call reuses the device.
    const again = await webgpu();
    assert.deepEqual(again, info);
  });

  it('checks the kernels of a training step without touching the model', async () => {
    await webgpu();
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 8,
          activation: 'relu',
          inputShape: [5],
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const before = await Promise.all(model.getWeights().map((w) => w.data()));
    const tensors = tf.memory().numTensors;
    const loss = perExampleLoss('binary');
    const r = await checkKernels({
      step: trainingStepProbe({
        model,
        loss: (y, o) => loss(y as tf.Tensor2D, o as tf.Tensor2D),
        makeOptimizer: () => makeOptimizer('adam', 0.01),
      }),
    });
    assert.ok(r.ok, !r.ok ? r.message : '');
    assert.equal(r.backend, 'webgpu');
    // Forward (matmul), backward (relu's gradient uses Step) and Adam's update (Sqrt) all ran.
    assert.ok(
      r.kernels.some((k) => /MatMul/.test(k)),
      r.kernels.join(' '),
    );
    assert.ok(r.kernels.includes('Step'), r.kernels.join(' '));
    assert.ok(r.kernels.includes('Sqrt'), r.kernels.join(' '));
    const after = await Promise.all(model.getWeights().map((w) => w.data()));
    assert.deepEqual(after, before);
    assert.equal(tf.memory().numTensors, tensors);
    model.dispose();
  });

  it('fails at start, naming the kernel, when WebGPU lacks one', async () => {
    await webgpu();
    const r = await checkKernels({ step: () => tf.unique(tf.tensor1d([1, 2, 1])) });
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.deepEqual(r.missing, ['Unique']);
    assert.match(r.message, /no kernel 'Unique'.*'wasm'/s);
    const listed = await checkKernels({ kernels: ['BatchMatMul', 'Relu', 'Unique'] }, 'webgpu');
    assert.ok(!listed.ok);
    assert.deepEqual(listed.missing, ['Unique']);
  });

  it('trains an Adult MLP to the same validation accuracy as wasm with the same seed', async function () {
    this.timeout(180_000);
    const data = loadAdultFeatures(6000, 2000);
    const train = async (): Promise<{ accuracy: number; losses: number[] }> => {
      let seed = 11;
      const init = () => tf.initializers.glorotUniform({ seed: seed++ });
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            units: 64,
            activation: 'relu',
            inputShape: [data.width],
            kernelInitializer: init(),
          }),
          tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init() }),
          tf.layers.dense({ units: 1, kernelInitializer: init() }),
        ],
      });
      const x = tf.tensor2d(data.train.x, [data.train.rows, data.width]);
      const y = tf.tensor2d(data.train.y, [data.train.rows, 1]);
      // The runner's optimizer and its hand-written fast step for Dense stacks (`head`), as a run uses them.
      const optimizer = makeOptimizer('adam', 0.003);
      // The loop's own validation reads with dataSync, which the WebGPU backend cannot do in Node; read here.
      const result = await trainLoop({
        model,
        optimizer,
        x,
        y,
        perExampleLoss: perExampleLoss('binary'),
        head: 'binary',
        metric: () => NaN,
        l2: 0,
        epochs: 3,
        batchSize: 256,
        seed: 7,
        now: () => performance.now(),
      });
      const vx = tf.tensor2d(data.validation.x, [data.validation.rows, data.width]);
      const logits = model.apply(vx, { training: false }) as tf.Tensor;
      const z = await logits.data();
      let correct = 0;
      for (let i = 0; i < z.length; i++) if ((z[i]! > 0 ? 1 : 0) === data.validation.y[i]) correct++;
      tf.dispose([x, y, vx, logits]);
      optimizer.dispose();
      model.dispose();
      return { accuracy: correct / z.length, losses: result.history.map((h) => h.loss) };
    };

    await tf.setBackend('wasm');
    const onWasm = await train();
    const gpuInfo = await webgpu();
    assert.equal(tf.getBackend(), 'webgpu');
    const onGpu = await train();
    console.log(
      `    validation accuracy: wasm ${onWasm.accuracy.toFixed(4)}, webgpu ${onGpu.accuracy.toFixed(4)} ` +
        `on ${describeAdapter(gpuInfo.adapter)}`,
    );
    // It learned something (the majority class alone gives about 0.76).
    assert.ok(onWasm.accuracy > 0.82, `wasm accuracy ${onWasm.accuracy}`);
    assert.ok(
      Math.abs(onGpu.accuracy - onWasm.accuracy) <= 0.01,
      `webgpu ${onGpu.accuracy} vs wasm ${onWasm.accuracy}`,
    );
    // Same seed, same data order: the loss curves agree to float rounding, not merely the end result.
    onGpu.losses.forEach((l, i) =>
      assert.ok(Math.abs(l - onWasm.losses[i]!) < 1e-3, `epoch ${i + 1}: ${l} vs ${onWasm.losses[i]}`),
    );
  });
});
