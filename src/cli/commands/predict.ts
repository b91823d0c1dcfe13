import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_NAMES, type BackendName } from '../../core/training/config';
import { loadTable } from '../../core/training/loadTable';
import { writeFileAtomic } from '../../core/training/runFolder';
import { UsageError, type CliCommand, type CliIo, parseCommandLine } from '../command';

const usage = `Usage: rml predict <run-dir> <data-file> [options]

Predicts with a trained run's model, its saved preprocessing and (threshold mitigation) its per-group
thresholds. Writes CSV: row (1-based data row of the input), prediction, score (binary) or p(<class>)
columns (multi-class), then any --keep columns.

Options:
  --output FILE    Where to write (default: <data-file>.predictions.csv beside the input; never the input).
  --keep COL       Copy this input column into the output (repeatable), e.g. an id.
  --backend B      auto|tensorflow|wasm|cpu (default: auto).

Exit status: 0 done, 1 failed, 2 usage errors.`;

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
  if (!fs.existsSync(dataFile)) throw new UsageError(`${positionals[1]} does not exist.`);
  const backend = values.backend as BackendName;
  if (!BACKEND_NAMES.includes(backend))
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}.`);
  const output = values.output
    ? path.resolve(io.cwd, values.output)
    : path.join(path.dirname(dataFile), `${path.basename(dataFile).replace(/\.[^.]+$/, '')}.predictions.csv`);
  if (path.resolve(output) === dataFile) throw new UsageError('--output must not be the input file.');

  const wasmDir = fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm.wasm')) ? __dirname : undefined;
  // TensorFlow.js is loaded only by the commands that run a model: every other `rml` command (an audit in CI)
  // would otherwise pay about 100 MB and half a second to start.
  const { selectBackend } = await import('../../core/training/backends/select.js');
  const { loadPredictor, predictionsCsv } = await import('../../core/training/predictor.js');
  await selectBackend(backend, { env: io.env, ...(wasmDir ? { wasmDir } : {}) });
  const thresholdsFile = path.join(runDir, 'thresholds.json');
  const predictor = await loadPredictor({
    model: {
      modelJson: fs.readFileSync(path.join(runDir, 'model/model.json'), 'utf8'),
      weights: fs.readFileSync(path.join(runDir, 'model/weights.bin')),
    },
    preprocess: fs.readFileSync(path.join(runDir, 'preprocess.json'), 'utf8'),
    ...(fs.existsSync(thresholdsFile) ? { thresholds: fs.readFileSync(thresholdsFile, 'utf8') } : {}),
  });
  const loaded = await loadTable(fs.createReadStream(dataFile), dataFile, predictor.spec.missingTokens);
  for (const p of loaded.problems.slice(0, 5))
    io.stderr.write(`${dataFile}:${p.location?.line ?? ''}: ${p.message}\n`);
  const keep = values.keep ?? [];
  const missing = keep.filter((c) => !loaded.table.names.includes(c));
  if (missing.length > 0)
    throw new UsageError(`--keep names column(s) not in the file: ${missing.join(', ')}.`);
  let p;
  try {
    p = await predictor.predict(loaded.table);
  } finally {
    predictor.dispose();
  }
  writeFileAtomic(output, predictionsCsv(p, predictor.spec, loaded.table, keep));
  const skipped = loaded.table.rowNumbers.length - p.rows.length;
  io.stdout.write(
    `Wrote ${p.rows.length} prediction(s) to ${path.relative(io.cwd, output) || output}` +
      (skipped ? ` (${skipped} row(s) skipped for missing values)` : '') +
      '.\n',
  );
  if (p.unknownCategories > 0)
    io.stderr.write(`${p.unknownCategories} categorical cell(s) had a value unseen in training.\n`);
  if (p.thresholdNote) io.stderr.write(p.thresholdNote + '\n');
  return 0;
}

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'Predict with a trained run (same preprocessing and thresholds).',
  usage,
  run: predict,
};
