/**
 * Backend selection for training. `auto` tries, in order: tensorflow-gpu (tfjs-node-gpu, CUDA), webgpu
 * (a hardware adapter only), tensorflow (tfjs-node, native CPU), wasm, cpu. Every backend tried and not
 * used is reported with its reason, so a user can see why training is not on their GPU.
 *
 * Native backends are optional dependencies that often fail to load (their install script downloads
 * libtensorflow; with the script skipped, `require` throws "native addon module ... can not be found"), so
 * every error is caught, not only MODULE_NOT_FOUND. They are also looked up in a folder given by the
 * `tfjsNodePath` option or the `RML_TFJS_NODE_PATH` environment variable, where the extension can install
 * them later; tfjs keeps its engine on `globalThis`, so a copy loaded from there registers into ours.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../config';

export interface SkippedBackend {
  name: Exclude<BackendName, 'auto'>;
  reason: string;
}

export interface BackendInfo {
  /** The backend trained on. */
  name: Exclude<BackendName, 'auto'>;
  /** The device in words: "CUDA GPU", "NVIDIA ... (Vulkan)", "CPU, WebAssembly SIMD, 1 thread", ... */
  device: string;
  /** Backends tried before this one (or not tried because another was asked for by name), with why. */
  skipped: SkippedBackend[];
  /** Backend-specific facts (the WebGPU adapter: vendor, architecture, description). */
  details?: Record<string, unknown>;
}

export interface SelectOptions {
  /** Folder holding `node_modules/@tensorflow/tfjs-node[-gpu]`; default `RML_TFJS_NODE_PATH`. */
  tfjsNodePath?: string;
  /** Folder with the tfjs-backend-wasm `.wasm` files (the bundle's folder after esbuild). */
  wasmDir?: string;
  /** Environment (for `RML_TFJS_NODE_PATH`). */
  env?: NodeJS.ProcessEnv;
  /**
   * Starts the WebGPU backend (backends/webgpu.ts, wrapped to give the device in words); injected so that
   * selection and its tests do not load Dawn.
   */
  tryWebGpu?: (options: {
    allowSoftware: boolean;
  }) => Promise<
    { ok: true; device: string; details?: Record<string, unknown> } | { ok: false; reason: string }
  >;
}

const AUTO_ORDER: Exclude<BackendName, 'auto'>[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 300);
}

/** Requires a native tfjs package from node_modules or from the install folder; throws the first useful error. */
function requireNative(pkg: string, folder: string | undefined): void {
  const errors: string[] = [];
  const candidates = [pkg];
  if (folder) candidates.push(path.join(folder, 'node_modules', pkg), path.join(folder, pkg));
  for (const c of candidates) {
    if (c !== pkg && !fs.existsSync(c)) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(c);
      return;
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  const notInstalled = errors.every((e) => /Cannot find module/.test(e));
  throw new Error(
    notInstalled
      ? `${pkg} is not installed`
      : `${pkg} failed to load: ${errors.find((e) => !/Cannot find module/.test(e))}`,
  );
}

async function trySet(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new Error(errorText(e));
  }
  // After a failed setBackend, tf.getBackend() may still name the failed backend; check both.
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

async function tryOne(
  name: Exclude<BackendName, 'auto'>,
  o: SelectOptions,
  byName: boolean,
): Promise<{ ok: true; device: string; details?: Record<string, unknown> } | { ok: false; reason: string }> {
  const folder = o.tfjsNodePath ?? o.env?.RML_TFJS_NODE_PATH;
  try {
    switch (name) {
      case 'tensorflow-gpu':
        requireNative('@tensorflow/tfjs-node-gpu', folder);
        await trySet('tensorflow');
        return { ok: true, device: 'CUDA GPU (libtensorflow)' };
      case 'tensorflow':
        requireNative('@tensorflow/tfjs-node', folder);
        await trySet('tensorflow');
        return { ok: true, device: 'CPU (libtensorflow)' };
      case 'webgpu': {
        if (!o.tryWebGpu) return { ok: false, reason: 'the WebGPU backend is not part of this build' };
        const r = await o.tryWebGpu({ allowSoftware: byName });
        return r;
      }
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (o.wasmDir && fs.existsSync(path.join(o.wasmDir, 'tfjs-backend-wasm.wasm'))) {
          // The trailing slash is required: the backend appends file names to this prefix.
          wasm.setWasmPaths(o.wasmDir.endsWith(path.sep) ? o.wasmDir : o.wasmDir + path.sep);
        }
        await trySet('wasm');
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        return {
          ok: true,
          device: `CPU, WebAssembly${simd ? ' SIMD' : ''}, ${wasm.getThreadsCount()} thread(s)`,
        };
      }
      case 'cpu':
        await trySet('cpu');
        return { ok: true, device: 'CPU, plain JavaScript' };
    }
  } catch (e) {
    return { ok: false, reason: errorText(e) };
  }
}

/**
 * Sets the tfjs backend for this process and says which one and why.
 * @throws Error when the backend asked for by name cannot be used (the reason is in the message).
 */
export async function selectBackend(requested: BackendName, o: SelectOptions = {}): Promise<BackendInfo> {
  const skipped: SkippedBackend[] = [];
  if (requested !== 'auto') {
    const r = await tryOne(requested, o, true);
    if (!r.ok) throw new Error(`Backend "${requested}" is not available: ${r.reason}.`);
    for (const n of AUTO_ORDER)
      if (n !== requested) skipped.push({ name: n, reason: `backend "${requested}" was asked for` });
    return { name: requested, device: r.device, skipped, ...(r.details ? { details: r.details } : {}) };
  }
  for (const name of AUTO_ORDER) {
    const r = await tryOne(name, o, false);
    if (r.ok) return { name, device: r.device, skipped, ...(r.details ? { details: r.details } : {}) };
    skipped.push({ name, reason: r.reason });
  }
  throw new Error(
    `No TensorFlow.js backend could be started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}.`,
  );
}
