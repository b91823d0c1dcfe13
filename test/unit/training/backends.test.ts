import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/core/training/backends/select';

/**
 * A tfjs-node install whose install script was skipped (as `npm install --ignore-scripts` leaves it on a
 * machine that cannot download libtensorflow): the package is there, and requiring it throws the native
 * addon error. Reproduced as a package folder whose entry throws that error.
 */
function brokenTfjsNode(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-tfjs-node-'));
  for (const pkg of ['tfjs-node', 'tfjs-node-gpu']) {
    const p = path.join(dir, 'node_modules/@tensorflow', pkg);
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(
      path.join(p, 'package.json'),
      JSON.stringify({ name: `@tensorflow/${pkg}`, main: 'index.js' }),
    );
    fs.writeFileSync(
      path.join(p, 'index.js'),
      "throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node.\\nPlease run command npm rebuild');",
    );
  }
  return dir;
}

describe('training backend selection', () => {
  let folder: string;
  before(() => {
    folder = brokenTfjsNode();
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('auto skips every backend that cannot start, each with its reason, and lands on wasm', async () => {
    const info = await selectBackend('auto', {
      tfjsNodePath: folder,
      tryWebGpu: async () => ({ ok: false, reason: 'no WebGPU adapter' }),
    });
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(info.device, /WebAssembly/);
    assert.deepEqual(
      info.skipped.map((s) => s.name),
      ['tensorflow-gpu', 'webgpu', 'tensorflow'],
    );
    assert.match(info.skipped[0]!.reason, /tfjs-node-gpu failed to load: The Node\.js native addon module/);
    assert.equal(info.skipped[1]!.reason, 'no WebGPU adapter');
    assert.match(info.skipped[2]!.reason, /tfjs-node failed to load/);
  });

  it('says a package is not installed when it is nowhere', async () => {
    const info = await selectBackend('auto', { tfjsNodePath: path.join(folder, 'nothing-here') });
    assert.equal(info.skipped[0]!.reason, '@tensorflow/tfjs-node-gpu is not installed');
    assert.equal(info.skipped[1]!.reason, 'the WebGPU backend is not part of this build');
  });

  it('a backend asked for by name that cannot start is an error naming why', async () => {
    await assert.rejects(
      selectBackend('tensorflow', { tfjsNodePath: folder }),
      /Backend "tensorflow" is not available: @tensorflow\/tfjs-node failed to load/,
    );
    const cpu = await selectBackend('cpu');
    assert.equal(cpu.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    await selectBackend('wasm');
  });
});
