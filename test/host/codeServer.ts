/**
 * Starts a real VS Code (code-server) on loopback with a fresh user-data-dir, and builds workbench URLs that
 * load an extension under development and, optionally, run an extension test suite in its extension host.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ensureTestHost } from './install';

export interface CodeServerOptions {
  /** Folder opened by default (can be overridden per URL with `folder`). */
  workspace: string;
  /** User settings written to the fresh user-data-dir. Defaults: no workspace trust prompt, no welcome page. */
  userSettings?: Record<string, unknown>;
  /** Extensions folder (e.g. for an installed .vsix); a fresh empty one by default. */
  extensionsDir?: string;
  /** Extra environment for code-server and so for the extension host (e.g. where a suite writes results). */
  env?: NodeJS.ProcessEnv;
  /** Echo code-server's output to stderr as it comes (it is always kept in {@link CodeServer.log}). */
  verbose?: boolean;
  /** Milliseconds to wait for the server to answer; default 60 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  userDataDir: string;
  extensionsDir: string;
  process: ChildProcess;
  /** Everything code-server printed so far (server log, extension host output forwarded by it). */
  log(): string;
  /** Stops the server and removes its temporary folders. Safe to call twice. */
  stop(): Promise<void>;
}

export interface WorkbenchUrlOptions {
  folder?: string;
  /** Absolute path of the extension to load as under development. */
  extensionDevelopmentPath?: string;
  /** Absolute path of a bundled suite exporting `run()`; needs `extensionDevelopmentPath`. */
  extensionTestsPath?: string;
}

/** The default settings keep the workbench quiet and trust the workspace (the trust dialog is refused in test mode). */
export const DEFAULT_USER_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'files.autoSave': 'off',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function healthy(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${origin}/healthz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Installs the host if needed, starts code-server and resolves once it answers on loopback. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const host = ensureTestHost();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-code-server-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(options.userSettings ?? {}) }, null, 2),
  );
  // An empty config file of our own: otherwise code-server writes ~/.config/code-server/config.yaml.
  const configFile = path.join(tmp, 'config.yaml');
  fs.writeFileSync(configFile, '');
  const args = [
    host.codeServer,
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    options.workspace,
  ];
  let output = '';
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...(options.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (b: Buffer): void => {
    const s = b.toString('utf8');
    output += s;
    if (options.verbose) process.stderr.write(s);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.on('exit', () => (exited = true));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= new Promise<void>((resolve) => {
      const done = (): void => {
        fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
        resolve();
      };
      if (exited) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    }));

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await healthy(origin))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start on ${origin}:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, origin, userDataDir, extensionsDir, process: child, log: () => output, stop };
}

/**
 * The workbench URL. With `extensionTestsPath`, the remote extension host runs that suite's `run()` exactly
 * as `@vscode/test-electron` would (the `payload` query carries what the desktop passes on the command line).
 */
export function workbenchUrl(server: CodeServer, options: WorkbenchUrlOptions = {}): string {
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
  const params: string[] = [];
  if (options.folder) params.push(`folder=${encodeURIComponent(path.resolve(options.folder))}`);
  const payload: [string, string][] = [];
  if (options.extensionDevelopmentPath)
    payload.push(['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  if (payload.length) params.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.origin}/${params.length ? `?${params.join('&')}` : ''}`;
}
