/**
 * The training process. The parent forks it (bundled as `dist/trainWorker.js`) and speaks JSON-RPC over
 * the IPC channel (protocol: src/protocol/training.ts). TensorFlow.js is loaded here only, never in the
 * parent, so the extension host's event loop stays free while a model trains.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type CancellationToken,
} from 'vscode-jsonrpc/node';
import type { EntityType } from '../core/findings';
import type { CountryCode } from '../core/privacy/detectors';
import { selectBackend } from '../core/training/backends/select';
import { describeAdapter, tryWebGpu as tryWebGpuBackend } from '../core/training/backends/webgpu';
import { formatProblem, parseTrainConfig } from '../core/training/config';
import { runExternal } from '../core/training/externalCommand';
import { loadTable } from '../core/training/loadTable';
import type { RawTable } from '../core/training/preprocess';
import { RunInputError, runTraining } from '../core/training/runTraining';
import { memberOptions } from '../core/data/compressed';
import { datasetSource, openScanned } from './scannedFile';
import {
  TRAIN_PROGRESS,
  TRAIN_START,
  type TrainProgress,
  type TrainResult,
  type TrainStartParams,
} from '../protocol/training';

if (!process.send) {
  process.stderr.write(
    'trainWorker must be started by the training runner (child process with an IPC channel).\n',
  );
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));

/** Dawn itself is loaded inside `tryWebGpuBackend` only when the webgpu backend is tried. */
async function tryWebGpu(o: { allowSoftware: boolean }, modulePath: string | undefined) {
  try {
    const r = await tryWebGpuBackend({
      allowSoftware: o.allowSoftware,
      ...(modulePath ? { modulePath } : {}),
    });
    if (!r.ok) return r;
    return {
      ok: true as const,
      device: describeAdapter(r.info.adapter),
      details: { adapter: r.info.adapter },
    };
  } catch (e) {
    return { ok: false as const, reason: e instanceof Error ? e.message : String(e) };
  }
}

async function start(params: TrainStartParams, token: CancellationToken): Promise<TrainResult> {
  const progress = (p: TrainProgress) => void connection.sendNotification(TRAIN_PROGRESS, p);
  let text: string;
  try {
    text = fs.readFileSync(params.configPath, 'utf8');
  } catch (e) {
    return {
      runDir: null,
      state: 'failed',
      message: `Cannot read ${params.configPath}: ${(e as Error).message}`,
    };
  }
  const parsed = parseTrainConfig(text, params.configPath, path.dirname(params.configPath));
  if (!parsed.config) {
    const lines = parsed.problems.map(formatProblem);
    return {
      runDir: null,
      state: 'failed',
      message: `The config has ${lines.length} problem(s).`,
      configProblems: lines,
    };
  }
  const config = parsed.config;
  if (params.backend) config.training.backend = params.backend;

  const scans = new WeakMap<RawTable, Map<string, EntityType[]>>();
  const readTable = async (file: string): Promise<RawTable> => {
    // A table inside a ZIP or tar archive as the config names it (`titanic.zip/train.csv`); an archive of
    // several tables named whole is refused, saying which there are.
    let source;
    try {
      source = await datasetSource(file, path.relative(config.baseDir, file) || file);
    } catch (e) {
      throw new RunInputError((e as Error).message);
    }
    let loaded;
    try {
      loaded = await loadTable(
        openScanned(source.file, memberOptions(source.member)),
        file,
        config.data.missingTokens,
        source.member,
        config.privacy.region as CountryCode | undefined,
      );
    } catch (e) {
      throw new Error(`Cannot read ${file}: ${(e as Error).message}`);
    }
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    for (const p of loaded.problems.slice(0, 5))
      progress({
        type: 'log',
        level: p.severity === 'info' ? 'info' : 'warning',
        message: formatProblem({ ...p, file: p.file ?? file }),
      });
    if (loaded.problems.length > 5)
      progress({
        type: 'log',
        level: 'warning',
        message: `${file}: ${loaded.problems.length - 5} more problem(s).`,
      });
    // A file of no rows with an error (a workbook, an archive: `data/binary-file`) says why before "no
    // columns".
    if (errors.length > 0 && loaded.table.rowNumbers.length === 0)
      throw new Error(`${file} could not be read: ${errors[0]!.message}`);
    // A damaged compressed file gives the rows before the fault: a model trained on them would look sound.
    const damaged = errors.find((p) => p.rule === 'data/compressed-damaged');
    if (damaged) throw new Error(`${file} could not be read whole: ${damaged.message}`);
    if (loaded.table.names.length === 0) throw new Error(`${file} has no columns.`);
    scans.set(loaded.table, new Map(loaded.privacy.columns.map((c) => [c.name, c.entities])));
    return loaded.table;
  };

  if (config.command) {
    const cancelled = new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
    return runExternal(
      config,
      { now: () => Date.now(), readTable, progress, cancelled },
      params.runsDir ? { runsDir: params.runsDir } : {},
    );
  }

  const wasmDir = fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm.wasm')) ? __dirname : undefined;
  const tfjsNodePath = params.tfjsNodePath ?? process.env.RML_TFJS_NODE_PATH;
  return runTraining(
    config,
    {
      now: () => Date.now(),
      readTable,
      detectEntities: async (table) => scans.get(table) ?? new Map(),
      selectBackend: (requested) =>
        selectBackend(requested, {
          env: process.env,
          ...(wasmDir ? { wasmDir } : {}),
          ...(tfjsNodePath ? { tfjsNodePath } : {}),
          tryWebGpu: (o) => tryWebGpu(o, tfjsNodePath),
        }),
      progress,
      shouldStop: () => token.isCancellationRequested,
      // setImmediate lets the IPC channel deliver `$/cancelRequest` between two batches.
      yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
      ...(params.batchReportIntervalMs !== undefined
        ? { batchReportIntervalMs: params.batchReportIntervalMs }
        : {}),
    },
    {
      ...(params.runsDir ? { runsDir: params.runsDir } : {}),
      ...(params.epochs ? { epochs: params.epochs } : {}),
    },
  );
}

connection.onRequest(TRAIN_START, (params: TrainStartParams, token: CancellationToken) =>
  start(params, token),
);
connection.onClose(() => process.exit(0));
connection.listen();
