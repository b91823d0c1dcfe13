/**
 * The WebGPU training backend: TensorFlow.js's WebGPU backend (`@tensorflow/tfjs-backend-webgpu`) over Dawn,
 * Google's WebGPU implementation, which the npm package `webgpu` ships prebuilt for Linux, macOS and Windows.
 * Dawn drives Vulkan, Metal or D3D12, so this trains on NVIDIA (any CUDA version), AMD, Intel and Apple GPUs
 * with nothing else to install — unlike tfjs-node-gpu, which needs CUDA 11.2 + cuDNN 8.1.
 *
 * Both packages are optional dependencies, loaded at run time (never bundled): from `modulePath` when the
 * extension installed them into its global storage, else from the normal module resolution of this file.
 *
 * Known limits of the WebGPU backend in Node (checked here, 4.22.0): synchronous reads (`dataSync`,
 * `arraySync`) fail on GPU-resident tensors because they go through `OffscreenCanvas`, which Node lacks. A
 * training loop on this backend must read values with `await tensor.data()`.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** What the run reports about the WebGPU device it trains on. */
export interface WebGpuInfo {
  backend: 'webgpu';
  adapter: WebGpuAdapterInfo;
}

/** The adapter as WebGPU describes it (`GPUAdapterInfo`); strings are empty where the driver gives none. */
export interface WebGpuAdapterInfo {
  /** e.g. `nvidia`, `amd`, `intel`, `apple`, `mesa`. */
  vendor: string;
  /** e.g. `turing`, `rdna-3`, `gen-12lp`; `software` for Mesa's llvmpipe. */
  architecture: string;
  /** Driver's long description, e.g. `NVIDIA H100 ...` or `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`. */
  description: string;
  device: string;
  /**
   * True for adapters that run on the CPU (llvmpipe/lavapipe, SwiftShader, WARP, or any adapter WebGPU marks
   * `isFallbackAdapter`). They work but are slower than the WebAssembly backend, so `auto` never picks them.
   */
  isSoftware: boolean;
}

export interface TryWebGpuOptions {
  /** Accept a software adapter. Only when the user asked for `webgpu` by name; `auto` passes false. */
  allowSoftware: boolean;
  /** Folder whose `node_modules` holds `webgpu` and `@tensorflow/tfjs-backend-webgpu` (the extension's install). */
  modulePath?: string;
  /** Extra Dawn options passed to `create()`, e.g. `adapter=NAME` or `backend=vulkan`. */
  dawnOptions?: readonly string[];
}

export type TryWebGpuResult = { ok: true; info: WebGpuInfo } | { ok: false; reason: string };

// Structural subsets of the WebGPU types we touch; the full `@webgpu/types` are not needed for this file.
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<GpuDeviceLike>;
}
interface GpuDeviceLike {
  destroy(): void;
  lost?: Promise<{ reason?: string; message?: string }>;
}
interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'low-power' | 'high-performance';
  }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface WebGpuBackendModule {
  WebGPUBackend: new (device: GpuDeviceLike, adapterInfo?: GpuAdapterInfoLike) => tf.KernelBackend;
}

/** Module state: Dawn's GPU object must stay referenced while the backend lives (see dawn.node's README). */
let state: { gpu: GpuLike; info: WebGpuAdapterInfo; device: GpuDeviceLike | null } | null = null;

/** Descriptions of CPU-only adapters that do not set `isFallbackAdapter` (Mesa, Google, Microsoft). */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|basic render driver|software/i;

/** Whether an adapter runs on the CPU; see {@link WebGpuAdapterInfo.isSoftware}. */
export function isSoftwareAdapter(
  info: Omit<WebGpuAdapterInfo, 'isSoftware'>,
  fallbackFlag: boolean,
): boolean {
  if (fallbackFlag) return true;
  return [info.vendor, info.architecture, info.description, info.device].some((s) =>
    SOFTWARE_ADAPTER.test(s),
  );
}

/** A one-line human description of the adapter, for reasons, logs and the status bar. */
export function describeAdapter(a: WebGpuAdapterInfo): string {
  const name =
    a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${name}${a.isSoftware ? ' (software)' : ''}`;
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  // Native loader errors can run to many lines; the first says what went wrong.
  return m.split('\n')[0]!.trim() || 'unknown error';
}

function requireFrom(modulePath: string | undefined): NodeJS.Require {
  // createRequire needs a file name; the file itself need not exist.
  return createRequire(
    modulePath ? path.join(path.resolve(modulePath), 'node_modules', '.rml-resolve.js') : __filename,
  );
}

function isModuleNotFound(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && message(e).includes(name);
}

/**
 * Resolves an optional package: from `modulePath` first (the extension's install folder), then from this
 * file's own resolution (the CLI's node_modules). Throws the resolution error of the last place tried.
 */
function resolveOptional(name: string, modulePath: string | undefined): string {
  if (modulePath) {
    try {
      return requireFrom(modulePath).resolve(name);
    } catch {
      // Not in the install folder: try the package's own node_modules below.
    }
  }
  return requireFrom(undefined).resolve(name);
}

function notInstalled(name: string, modulePath: string | undefined): string {
  return `the optional package '${name}' is not installed (looked in ${modulePath ? `${modulePath} and ` : ''}the program's node_modules)`;
}

async function loadDawn(modulePath: string | undefined): Promise<DawnModule | string> {
  let resolved: string;
  try {
    resolved = resolveOptional('webgpu', modulePath);
  } catch (e) {
    return isModuleNotFound(e, 'webgpu')
      ? notInstalled('webgpu', modulePath)
      : `could not resolve the 'webgpu' package: ${message(e)}`;
  }
  try {
    // `webgpu` is an ES module; import() loads it from CommonJS on every Node 20.x (require(esm) needs 20.19+).
    const mod = (await import(pathToFileURL(resolved).href)) as Partial<DawnModule>;
    if (typeof mod.create !== 'function' || typeof mod.globals !== 'object' || mod.globals === null) {
      return `the 'webgpu' package at ${resolved} does not export create() and globals`;
    }
    return mod as DawnModule;
  } catch (e) {
    // A missing prebuilt dawn.node for this platform, or a missing system library (libvulkan) lands here.
    return `could not load Dawn (the 'webgpu' package) on ${process.platform}-${process.arch}: ${message(e)}`;
  }
}

/** Puts Dawn's `navigator.gpu` and the WebGPU constants (`GPUBufferUsage`, ...) where the tfjs backend looks. */
function installGlobals(dawn: DawnModule, gpu: GpuLike): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
  const nav = g['navigator'] as Record<string, unknown> | undefined;
  if (nav && typeof nav === 'object') {
    // Node 21+ has a global navigator without `gpu`.
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

function readInfo(adapter: GpuAdapterLike): WebGpuAdapterInfo {
  const i = adapter.info ?? {};
  const base = {
    vendor: String(i.vendor ?? ''),
    architecture: String(i.architecture ?? ''),
    description: String(i.description ?? ''),
    device: String(i.device ?? ''),
  };
  const fallback = i.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  return { ...base, isSoftware: isSoftwareAdapter(base, fallback) };
}

/** Same device request as the tfjs WebGPU backend's own factory (4.22.0), so kernels see the limits they expect. */
function deviceDescriptor(adapter: GpuAdapterLike): Record<string, unknown> {
  const requiredFeatures: string[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const l = adapter.limits;
  return {
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l['maxComputeWorkgroupStorageSize'],
      maxComputeWorkgroupsPerDimension: l['maxComputeWorkgroupsPerDimension'],
      maxStorageBufferBindingSize: l['maxStorageBufferBindingSize'],
      maxBufferSize: l['maxBufferSize'],
      maxComputeWorkgroupSizeX: l['maxComputeWorkgroupSizeX'],
      maxComputeInvocationsPerWorkgroup: l['maxComputeInvocationsPerWorkgroup'],
    },
  };
}

/**
 * Sets up WebGPU training in this process: loads Dawn, installs `navigator.gpu` and the WebGPU globals,
 * requests the high-performance adapter, reads its description, refuses a software adapter unless
 * `allowSoftware`, registers the tfjs WebGPU backend on that adapter and makes it the active backend.
 *
 * Never throws: every failure (package missing, native load error, no adapter, software adapter refused,
 * device or backend initialisation error) is `{ ok: false, reason }`, with a reason fit to show the user.
 * After a failure the active tfjs backend is unchanged unless tfjs itself switched it; callers that fall
 * back should call `tf.setBackend` for the next backend themselves.
 *
 * Calling it again after a success reuses the same device (one per process).
 */
export async function tryWebGpu(options: TryWebGpuOptions): Promise<TryWebGpuResult> {
  try {
    return await setUp(options);
  } catch (e) {
    return { ok: false, reason: `WebGPU initialisation failed: ${message(e)}` };
  }
}

async function setUp(options: TryWebGpuOptions): Promise<TryWebGpuResult> {
  if (state?.device && tf.findBackend('webgpu')) {
    if (state.info.isSoftware && !options.allowSoftware) return refuseSoftware(state.info);
    if (!(await tf.setBackend('webgpu')))
      return { ok: false, reason: 'tf.setBackend("webgpu") failed on the existing device' };
    return { ok: true, info: { backend: 'webgpu', adapter: state.info } };
  }

  const dawn = await loadDawn(options.modulePath);
  if (typeof dawn === 'string') return { ok: false, reason: dawn };

  let gpu: GpuLike;
  try {
    gpu = dawn.create([...(options.dawnOptions ?? [])]);
  } catch (e) {
    return { ok: false, reason: `Dawn could not start: ${message(e)}` };
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `no WebGPU adapter: ${message(e)}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason:
        'no WebGPU adapter: Dawn found no Vulkan, Metal or D3D12 device (install the GPU driver, or on Linux ' +
        "Mesa's Vulkan drivers for a software device)",
    };
  }
  const info = readInfo(adapter);
  if (info.isSoftware && !options.allowSoftware) return refuseSoftware(info);

  let backendModule: WebGpuBackendModule;
  try {
    // Install the globals first: the package registers its own factory at load time only if navigator.gpu exists.
    installGlobals(dawn, gpu);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    backendModule = require(
      resolveOptional('@tensorflow/tfjs-backend-webgpu', options.modulePath),
    ) as WebGpuBackendModule;
  } catch (e) {
    return {
      ok: false,
      reason: isModuleNotFound(e, '@tensorflow/tfjs-backend-webgpu')
        ? notInstalled('@tensorflow/tfjs-backend-webgpu', options.modulePath)
        : `could not load @tensorflow/tfjs-backend-webgpu: ${message(e)}`,
    };
  }

  // Replace the package's factory (which asks navigator.gpu for an adapter again) with one on the adapter
  // vetted above, so that the adapter we report is the one we train on.
  let initError: unknown = null;
  let device: GpuDeviceLike | null = null;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      try {
        device = await adapter.requestDevice(deviceDescriptor(adapter));
        return new backendModule.WebGPUBackend(device, adapter.info);
      } catch (e) {
        initError = e;
        throw e;
      }
    },
    3,
  );
  // tfjs logs a failed backend initialisation with console.warn and returns false; we report it instead.
  const warn = console.warn;
  let warned = '';
  console.warn = (...args: unknown[]) => {
    warned ||= args.map((a) => message(a)).join(' ');
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    tf.removeBackend('webgpu');
    const why = initError !== null ? message(initError) : warned || 'unknown error';
    return {
      ok: false,
      reason: `the WebGPU backend failed to initialise on ${describeAdapter(info)}: ${why}`,
    };
  }
  state = { gpu, info, device };
  return { ok: true, info: { backend: 'webgpu', adapter: info } };
}

function refuseSoftware(info: WebGpuAdapterInfo): TryWebGpuResult {
  return {
    ok: false,
    reason:
      `the only WebGPU adapter is a software one (${info.description || describeAdapter(info)}), which runs on ` +
      'the CPU and is slower ' +
      "than the WebAssembly backend; set backend 'webgpu' explicitly to use it anyway",
  };
}

/**
 * Releases the WebGPU device and Dawn's `navigator.gpu`, so that the process can exit (dawn.node keeps it
 * alive while referenced). Switch to another backend first if tensors are still needed.
 */
export function releaseWebGpu(): void {
  if (!state) return;
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  try {
    state.device?.destroy();
  } catch {
    // Already lost or destroyed.
  }
  const nav = (globalThis as Record<string, unknown>)['navigator'] as Record<string, unknown> | undefined;
  if (nav && nav['gpu'] === state.gpu) delete nav['gpu'];
  state = null;
}

/** Raised by tfjs when an op has no kernel on the active backend (tfjs-core 4.x engine wording). */
const KERNEL_NOT_REGISTERED = /Kernel '([^']+)' not registered for backend '([^']+)'/;

/**
 * What {@link checkKernels} verifies: an explicit list of kernel names (checked in the registry, all missing
 * ones reported), or one training step to run (every kernel it runs, forward, backward and optimizer update,
 * is exercised on the active backend; see {@link trainingStepProbe}).
 */
export type KernelProbe = { kernels: readonly string[] } | { step: () => unknown };

export type KernelCheckResult =
  | { ok: true; backend: string; kernels: string[] }
  | { ok: false; backend: string; missing: string[]; message: string };

/**
 * Checks before training that the backend has every kernel the model needs, so that a missing kernel fails
 * at start with a message naming it and suggesting another backend, never mid-run.
 *
 * With `{ kernels }` the kernel registry is consulted for `backend` (default: the active backend). With
 * `{ step }` the step runs once on the active backend under `tf.profile`; on success the kernels it ran are
 * returned, and a "kernel not registered" error becomes `{ ok: false }`. Any other error from the step is
 * rethrown: it is not a missing kernel and the caller should see it as it is.
 */
export async function checkKernels(
  probe: KernelProbe,
  backend: string = tf.getBackend(),
): Promise<KernelCheckResult> {
  if ('kernels' in probe) {
    const missing = [...new Set(probe.kernels)].filter((k) => !tf.getKernel(k, backend));
    return missing.length === 0
      ? { ok: true, backend, kernels: [...new Set(probe.kernels)] }
      : { ok: false, backend, missing, message: missingKernelMessage(backend, missing) };
  }
  const active = tf.getBackend();
  if (active !== backend) {
    throw new Error(
      `checkKernels runs the step on the active backend '${active}', not '${backend}': call tf.setBackend first`,
    );
  }
  try {
    const info = await tf.profile(async () => {
      await probe.step();
    });
    // The profile also lists op scopes (e.g. `fusedMatMul__op`); keep the kernels.
    return {
      ok: true,
      backend,
      kernels: [...new Set(info.kernelNames)].filter((k) => tf.getKernel(k, backend)),
    };
  } catch (e) {
    const m = KERNEL_NOT_REGISTERED.exec(e instanceof Error ? e.message : String(e));
    if (!m) throw e;
    const missing = [m[1]!];
    return {
      ok: false,
      backend: m[2] ?? backend,
      missing,
      message: missingKernelMessage(m[2] ?? backend, missing),
    };
  }
}

/** The user-facing message for missing kernels; names them and the backends to use instead. */
export function missingKernelMessage(backend: string, missing: readonly string[]): string {
  const alternatives = ['tensorflow', 'wasm', 'cpu'].filter((b) => b !== backend);
  const names = missing.map((k) => `'${k}'`).join(', ');
  return (
    `The ${backend} backend has no kernel ${names}, which this model needs for training. ` +
    `Choose another backend in the config's training.backend (${alternatives.map((b) => `'${b}'`).join(', ')}).`
  );
}

/** What an optimizer must offer the probe; `tf.Optimizer` and the runner's FlatAdam both do. */
export interface GradientApplierLike {
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

export interface TrainingStepProbeOptions {
  model: tf.LayersModel;
  /** Per-example (or mean) loss from targets and the model's raw outputs, as the training loop computes it. */
  loss(yTrue: tf.Tensor, outputs: tf.Tensor): tf.Tensor;
  /**
   * A fresh optimizer of the kind the run uses (a `tf.Optimizer` or the runner's own); its update runs on
   * throwaway copies of the weights, registered under their own names.
   */
  makeOptimizer?: () => GradientApplierLike;
  /** Rows in the probe batch (default 2). */
  rows?: number;
}

/**
 * One training step on a tiny batch that leaves the model untouched: forward in training mode (dropout on),
 * gradients of the loss with respect to every trainable weight, and the optimizer's update applied to
 * throwaway copies of the weights. Inputs are small deterministic values in the model's input shape,
 * targets are zeros in its output shape.
 */
export function trainingStepProbe(o: TrainingStepProbeOptions): () => Promise<void> {
  return async () => {
    const rows = o.rows ?? 2;
    const inShape = o.model.inputs[0]?.shape;
    const outShape = o.model.outputs[0]?.shape;
    if (!inShape || !outShape) throw new Error('trainingStepProbe: the model has no input or output');
    const dims = (s: (number | null)[]) => [rows, ...s.slice(1).map((d) => d ?? 1)];
    const vars = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const copies: tf.Variable[] = [];
    const optimizer = o.makeOptimizer?.();
    try {
      const check = tf.tidy(() => {
        const inDims = dims(inShape);
        const size = inDims.reduce((a, b) => a * b, 1);
        const x = tf.reshape(tf.div(tf.range(0, size, 1, 'float32'), size), inDims);
        const y = tf.zeros(dims(outShape));
        const { value, grads } = tf.variableGrads(
          () => tf.mean(o.loss(y, o.model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
          vars,
        );
        if (optimizer) {
          const named: tf.NamedTensorMap = {};
          for (const v of vars) {
            const g = grads[v.name];
            if (!g) continue;
            const copy = tf.variable(tf.clone(v), true, `rmlKernelProbe/${v.name}/${copies.length}`);
            copies.push(copy);
            named[copy.name] = g;
          }
          optimizer.applyGradients(named);
        }
        return tf.add(value, copies.length > 0 ? tf.sum(copies[0]!) : 0);
      });
      // Reading back makes the device run everything queued; errors surface here rather than in training.
      await check.data();
      check.dispose();
    } finally {
      optimizer?.dispose();
      for (const c of copies) c.dispose();
    }
  };
}
