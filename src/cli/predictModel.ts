/**
 * The part of `rml predict` that runs a model (TensorFlow.js, the saved preprocessing and thresholds).
 * esbuild bundles it on its own, as `dist/predictModel.js`, and only `rml predict` loads it: the CLI's bundle,
 * which every `rml` command loads (an audit in CI above all), then carries none of TensorFlow.js. Measured on
 * the CLI bundle: loaded in 111 ms and 57 MB resident instead of 242 ms and 72 MB.
 */
import { selectBackend } from '../core/training/backends/select';
import type { BackendName } from '../core/training/config';
import { loadTable } from '../core/training/loadTable';
import { loadPredictor, predictionsCsv, type RunArtifacts } from '../core/training/predictor';
import { memberOptions } from '../core/data/compressed';
import { openScanned, type DatasetSource } from '../worker/scannedFile';

export interface ModelRunRequest {
  artifacts: RunArtifacts;
  dataFile: string;
  /** Where its bytes are: the file, or the table inside an archive it names (`datasetSource`). */
  source: DatasetSource;
  backend: BackendName;
  env: NodeJS.ProcessEnv;
  /** Folder holding the WebAssembly backend's .wasm files, when bundled. */
  wasmDir?: string;
  /** Input columns to copy into the output. */
  keep: readonly string[];
  /** A reader problem of the data file, one line each (the first five). */
  warn: (line: string) => void;
}

export type ModelRunResult =
  | { kind: 'missing-keep'; columns: string[] }
  | {
      kind: 'done';
      csv: string;
      rows: number;
      skipped: number;
      unknownCategories: number;
      thresholdNote?: string;
    };

/** Predicts every row of `dataFile` with a run's model; never writes a file. */
export async function runModel(r: ModelRunRequest): Promise<ModelRunResult> {
  await selectBackend(r.backend, { env: r.env, ...(r.wasmDir ? { wasmDir: r.wasmDir } : {}) });
  const predictor = await loadPredictor(r.artifacts);
  try {
    const { file, member } = r.source;
    const loaded = await loadTable(
      openScanned(file, memberOptions(member)),
      r.dataFile,
      predictor.spec.missingTokens,
      member,
    );
    for (const p of loaded.problems.slice(0, 5))
      r.warn(`${r.dataFile}:${p.location?.line ?? ''}: ${p.message}`);
    const missing = r.keep.filter((c) => !loaded.table.names.includes(c));
    if (missing.length > 0) return { kind: 'missing-keep', columns: missing };
    const p = await predictor.predict(loaded.table);
    return {
      kind: 'done',
      csv: predictionsCsv(p, predictor.spec, loaded.table, r.keep),
      rows: p.rows.length,
      skipped: loaded.table.rowNumbers.length - p.rows.length,
      unknownCategories: p.unknownCategories,
      ...(p.thresholdNote ? { thresholdNote: p.thresholdNote } : {}),
    };
  } finally {
    predictor.dispose();
  }
}
