/**
 * A small real training run for tests: a config for an MLP on a 1,500-row Adult subset (`writeConfig`) and the
 * training process as TypeScript source run by tsx (`worker`), so tests do not depend on a fresh `dist/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '../../..');
export const fixtures = path.join(root, 'test/fixtures/training');
export const worker = {
  workerPath: path.join(root, 'src/worker/trainWorker.ts'),
  execArgv: ['--require', 'tsx/cjs'],
};

/** Writes `<dir>/<name>.train.json`; `extra` replaces top-level sections. Returns its path. */
export function writeConfig(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const config = {
    name,
    data: {
      train: path.join(fixtures, 'adult-small.csv'),
      test: path.join(fixtures, 'adult-small-test.csv'),
      label: 'income',
      positive: '>50K',
      features: { exclude: ['fnlwgt'] },
    },
    protected: ['sex'],
    model: { type: 'mlp', hidden: [16], dropout: 0.1 },
    training: {
      epochs: 4,
      batchSize: 64,
      learningRate: 0.01,
      seed: 3,
      backend: 'wasm',
      earlyStopping: false,
    },
    output: { runsDir: path.join(dir, 'runs') },
    ...extra,
  };
  const file = path.join(dir, `${name}.train.json`);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
