import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { log } from './log';
import { requireTrust } from './trust';

/** Prefix folder in the extension's global storage: `node_modules/@tensorflow/tfjs-node[-gpu]` lands under it. */
export function nativeBackendDir(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'tfjs-native');
}

/** The tfjs version the extension ships, so the native binding matches the bundled tfjs-core. */
function tfjsVersion(context: vscode.ExtensionContext): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(context.asAbsolutePath('package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const v = pkg.dependencies?.['@tensorflow/tfjs']?.replace(/^[\^~]/, '');
    if (v && /^\d+\.\d+\.\d+$/.test(v)) return v;
  } catch {
    // Fall through to the tested version.
  }
  return '4.22.0';
}

/** The `webgpu` (Dawn) version the extension was tested with, from its optional dependencies. */
function dawnVersion(context: vscode.ExtensionContext): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(context.asAbsolutePath('package.json'), 'utf8')) as {
      optionalDependencies?: Record<string, string>;
    };
    const v = pkg.optionalDependencies?.webgpu?.replace(/^[\^~]/, '');
    if (v && /^\d+\.\d+\.\d+$/.test(v)) return v;
  } catch {
    // Fall through to the tested version.
  }
  return '0.6.2';
}

/**
 * Installs `@tensorflow/tfjs-node` (CPU), `@tensorflow/tfjs-node-gpu` (CUDA) or the WebGPU pair (`webgpu`, Dawn
 * with its prebuilt binary inside the package, and `@tensorflow/tfjs-backend-webgpu`) into global storage with
 * npm, after the user agrees, with progress and Cancel. The runner finds all of them through
 * `RML_TFJS_NODE_PATH`. Refused in Restricted Mode.
 */
export async function installNativeBackend(
  context: vscode.ExtensionContext,
  variant?: 'cpu' | 'gpu' | 'webgpu',
): Promise<boolean> {
  if (!(await requireTrust('Installing the native TensorFlow backend'))) return false;
  const choice =
    variant ??
    (
      await vscode.window.showQuickPick(
        [
          {
            label: 'CPU',
            description: '@tensorflow/tfjs-node',
            detail: 'Native TensorFlow on the CPU: several times faster than WebAssembly.',
            v: 'cpu' as const,
          },
          {
            label: 'GPU (CUDA)',
            description: '@tensorflow/tfjs-node-gpu',
            detail: 'Needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 installed.',
            v: 'gpu' as const,
          },
          {
            label: 'GPU (WebGPU, any vendor)',
            description: 'webgpu + @tensorflow/tfjs-backend-webgpu',
            detail:
              'Dawn over Vulkan, Metal or D3D12: NVIDIA (any CUDA), AMD, Intel and Apple GPUs; nothing else to install.',
            v: 'webgpu' as const,
          },
        ],
        { title: 'Install Native TensorFlow Backend' },
      )
    )?.v;
  if (!choice) return false;
  const version = tfjsVersion(context);
  const specs =
    choice === 'webgpu'
      ? [`webgpu@${dawnVersion(context)}`, `@tensorflow/tfjs-backend-webgpu@${version}`]
      : [`${choice === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'}@${version}`];
  const pkg = specs.map((x) => x.replace(/@[^@]+$/, '')).join(' + ');
  const dir = nativeBackendDir(context);
  const consent = await vscode.window.showWarningMessage(
    choice === 'webgpu'
      ? `Install ${specs.join(' and ')}? npm will download them (Dawn's prebuilt library, tens of MB) into the extension's storage.`
      : `Install ${specs[0]}? npm will download it and the TensorFlow C library (hundreds of MB) into the extension's storage and run its install script.`,
    { modal: true, detail: dir },
    'Install',
  );
  if (consent !== 'Install') return false;
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json')))
    fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  const ok = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing ${pkg}`, cancellable: true },
    (progress, token) =>
      new Promise<boolean>((resolve) => {
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const child = spawn(
          npm,
          ['install', '--prefix', dir, '--no-audit', '--no-fund', '--save', ...specs],
          {
            cwd: dir,
            shell: process.platform === 'win32',
          },
        );
        token.onCancellationRequested(() => child.kill());
        const onData = (b: Buffer): void => {
          const line = b.toString('utf8').trim().split('\n').pop() ?? '';
          log().info(`npm: ${line}`);
          if (line) progress.report({ message: line.slice(0, 80) });
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', (e) => {
          log().error(`npm could not start: ${e.message}`);
          void vscode.window.showErrorMessage(
            `Responsible ML: npm is needed to install ${pkg} (${e.message}).`,
          );
          resolve(false);
        });
        child.on('exit', (code) => resolve(code === 0 && !token.isCancellationRequested));
      }),
  );
  if (ok)
    void vscode.window.showInformationMessage(
      choice === 'webgpu'
        ? `Responsible ML: ${pkg} installed. New runs with backend "auto" use a hardware GPU adapter through WebGPU.`
        : `Responsible ML: ${pkg} installed. New runs with backend "auto" or "tensorflow" use it.`,
    );
  else
    void vscode.window
      .showErrorMessage(`Responsible ML: installing ${pkg} did not complete; see the log.`, 'Show Log')
      .then((c) => c && log().show());
  return ok;
}
