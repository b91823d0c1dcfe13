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
import type { WebGpuAdapterInfo, WebGpuInfo } from '../../../src/core/training/backends/webgpu';
import type { EntityType } from '../../../src/core/findings';
import { selectBackend } from '../../../src/core/training/backends/select';
import { parseTrainConfig } from '../../../src/core/training/config';
import { perExampleLoss } from '../../../src/core/training/heads';
import { loadTable } from '../../../src/core/training/loadTable';
import { makeOptimizer } from '../../../src/core/training/model';
import type { RawTable } from '../../../src/core/training/preprocess';
import { runTraining, type RunAudit } from '../../../src/core/training/runTraining';
import { adultCsvPath } from './adultData';

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

  it('the training runner trains the Adult example on webgpu (software adapter, by name) to the accuracy of wasm', async function () {
    this.timeout(240_000);
    // The first 6,000 rows keep the suite within a couple of minutes on a loaded 2-core machine.
    const csv = fs.readFileSync(adultCsvPath(), 'utf8').split('\n').slice(0, 6001).join('\n') + '\n';
    fs.writeFileSync(path.join(tmp, 'adult.csv'), csv);
    const run = async (backend: 'wasm' | 'webgpu') => {
      const text = JSON.stringify({
        name: `adult-${backend}`,
        data: { train: 'adult.csv', label: 'income', positive: '>50K', validationSplit: 0.25, seed: 5 },
        protected: ['sex'],
        model: { type: 'mlp', hidden: [64, 32] },
        training: { epochs: 3, batchSize: 256, seed: 7, backend, earlyStopping: false },
        output: { runsDir: 'runs' },
      });
      const parsed = parseTrainConfig(text, path.join(tmp, `${backend}.train.json`), tmp);
      assert.ok(parsed.config, JSON.stringify(parsed.problems));
      const config = parsed.config;
      const scans = new WeakMap<RawTable, Map<string, EntityType[]>>();
      // The same host as src/worker/trainWorker.ts, in process.
      const result = await runTraining(config, {
        now: () => Date.now(),
        readTable: async (file) => {
          const loaded = await loadTable(fs.createReadStream(file), file, config.data.missingTokens);
          scans.set(loaded.table, new Map(loaded.privacy.columns.map((c) => [c.name, c.entities])));
          return loaded.table;
        },
        detectEntities: async (table) => scans.get(table) ?? new Map(),
        selectBackend: (requested) =>
          selectBackend(requested, {
            env: {},
            tryWebGpu: async (o) => {
              const r = await tryWebGpu(o);
              return r.ok
                ? { ok: true, device: describeAdapter(r.info.adapter), details: { adapter: r.info.adapter } }
                : r;
            },
          }),
        progress: () => {},
        shouldStop: () => false,
        yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
      });
      assert.equal(result.state, 'finished', result.message);
      const audit = JSON.parse(fs.readFileSync(path.join(result.runDir!, 'audit.json'), 'utf8')) as RunAudit;
      return { accuracy: result.heldOut!.value, audit };
    };

    const onWasm = await run('wasm');
    const onGpu = await run('webgpu');
    const adapter = onGpu.audit.training.backend.details?.['adapter'] as WebGpuAdapterInfo | undefined;
    if (onGpu.audit.training.backend.name !== 'webgpu' || !adapter)
      assert.fail(`not trained on webgpu. ${HINT}`);
    assert.equal(onWasm.audit.training.backend.name, 'wasm');
    console.log(
      `    validation accuracy: wasm ${onWasm.accuracy.toFixed(4)}, webgpu ${onGpu.accuracy.toFixed(4)} on ${describeAdapter(adapter)}`,
    );
    assert.ok(adapter.description.length > 0 || adapter.vendor.length > 0);
    // It learned something (the majority class alone gives about 0.76).
    assert.ok(onWasm.accuracy > 0.8, `wasm accuracy ${onWasm.accuracy}`);
    assert.ok(
      Math.abs(onGpu.accuracy - onWasm.accuracy) <= 0.01,
      `webgpu ${onGpu.accuracy} vs wasm ${onWasm.accuracy}`,
    );
  });
});
