import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_NAMES, type BackendName } from '../../core/training/config';
import { writeFileAtomic } from '../../core/training/runFolder';
import { UsageError, type CliCommand, type CliIo, parseCommandLine } from '../command';
import type * as PredictModel from '../predictModel';
import { datasetSource, derivedFrom, type DatasetSource } from '../../worker/scannedFile';

const usage = `Usage: rml predict <run-dir> <data-file> [options]

Predicts with a trained run's model, its saved preprocessing and (threshold mitigation) its per-group
thresholds. The data file may be a table inside a ZIP or tar archive, named as rml audit names it
(titanic.zip/test.csv). Writes CSV: row (1-based data row of the input), prediction, score (binary) or
p(<class>) columns (multi-class), then any --keep columns.

Options:
  --output FILE    Where to write (default: <data-file>.predictions.csv beside the input, or for a table in
                   an archive <archive>.<table>.predictions.csv beside the archive; never the input).
  --keep COL       Copy this input column into the output (repeatable), e.g. an id.
  --backend B      auto|tensorflow|wasm|cpu (default: auto).

Exit status: 0 done, 1 failed, 2 usage errors.`;

/**
 * The model runner (`src/cli/predictModel.ts`): its own bundle beside dist/cli.js, else the TypeScript source
 * through tsx (development, tests). Required by a computed path so that esbuild leaves it out of the CLI.
 */
function loadModelRunner(): typeof PredictModel {
  const bundled = path.join(__dirname, 'predictModel.js');
  const file = fs.existsSync(bundled) ? bundled : path.resolve(__dirname, '../predictModel.ts');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as typeof PredictModel;
}

async function predict(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, {
    output: { type: 'string' },
    keep: { type: 'string', multiple: true },
    backend: { type: 'string', default: 'auto' },
  });
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError('expected a run folder and a data file.');
  const runDir = path.resolve(io.cwd, positionals[0]!);
  const dataFile = path.resolve(io.cwd, positionals[1]!);
  for (const f of ['model/model.json', 'model/weights.bin', 'preprocess.json']) {
    if (!fs.existsSync(path.join(runDir, f)))
      throw new UsageError(`${positionals[0]} is not a finished run folder (no ${f}).`);
  }
  // A table inside a ZIP or tar archive too (`titanic.zip/test.csv`), as `rml audit` names it.
  let source: DatasetSource;
  try {
    source = await datasetSource(dataFile, positionals[1]!);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const backend = values.backend as BackendName;
  if (!BACKEND_NAMES.includes(backend))
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}.`);
  const output = values.output
    ? path.resolve(io.cwd, values.output)
    : `${derivedFrom(dataFile, source).replace(/\.[^./\\]+$/, '')}.predictions.csv`;
  if (path.resolve(output) === dataFile || path.resolve(output) === source.file)
    throw new UsageError('--output must not be the input file.');

  const wasmDir = fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm.wasm')) ? __dirname : undefined;
  const thresholdsFile = path.join(runDir, 'thresholds.json');
  const result = await loadModelRunner().runModel({
    artifacts: {
      model: {
        modelJson: fs.readFileSync(path.join(runDir, 'model/model.json'), 'utf8'),
        weights: fs.readFileSync(path.join(runDir, 'model/weights.bin')),
      },
      preprocess: fs.readFileSync(path.join(runDir, 'preprocess.json'), 'utf8'),
      ...(fs.existsSync(thresholdsFile) ? { thresholds: fs.readFileSync(thresholdsFile, 'utf8') } : {}),
    },
    dataFile,
    source,
    backend,
    env: io.env,
    ...(wasmDir ? { wasmDir } : {}),
    keep: values.keep ?? [],
    warn: (line) => io.stderr.write(line + '\n'),
  });
  if (result.kind === 'missing-keep')
    throw new UsageError(`--keep names column(s) not in the file: ${result.columns.join(', ')}.`);
  writeFileAtomic(output, result.csv);
  io.stdout.write(
    `Wrote ${result.rows} prediction(s) to ${path.relative(io.cwd, output) || output}` +
      (result.skipped ? ` (${result.skipped} row(s) skipped for missing values)` : '') +
      '.\n',
  );
  if (result.unknownCategories > 0)
    io.stderr.write(`${result.unknownCategories} categorical cell(s) had a value unseen in training.\n`);
  if (result.thresholdNote) io.stderr.write(result.thresholdNote + '\n');
  return 0;
}

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'Predict with a trained run (same preprocessing and thresholds).',
  usage,
  run: predict,
};
