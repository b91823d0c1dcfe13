import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import { api, EXTENSION_ID, recordMetric } from './helpers';

describe('activation', () => {
  it('activates (time recorded, not asserted) and registers every command of the table', async () => {
    const a = await api();
    // Code loading is measured on a fresh copy of the bundle (the live one is cached), activate() from inside.
    const bundle = path.join(
      vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath,
      'dist',
      'extension.js',
    );
    const live = require.cache[bundle];
    delete require.cache[bundle];
    const t0 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the bundle, on purpose.
    require(bundle);
    const loadMs = performance.now() - t0;
    if (live) require.cache[bundle] = live;
    recordMetric('load dist/extension.js, fresh copy (ms)', loadMs);
    recordMetric('activate() (ms)', a.activationMs);
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of COMMAND_IDS) assert.ok(all.has(id), `${id} is not registered`);
  });

  it('never loads TensorFlow.js into the extension host', async () => {
    await api();
    const loaded = Object.keys(require.cache).filter((k) => k.includes('@tensorflow'));
    assert.deepStrictEqual(loaded, []);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const bundle = fs.readFileSync(path.join(ext.extensionPath, 'dist', 'extension.js'), 'utf8');
    assert.ok(
      !/@tensorflow\/tfjs-core|registerKernel\(/.test(bundle),
      'dist/extension.js bundles TensorFlow.js',
    );
  });
});
