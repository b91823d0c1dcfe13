/**
 * The one place that reads `responsibleMl.*` settings. No `vscode` import: the caller passes the
 * configuration section, so a plain-Node unit test can check that {@link SETTINGS} and
 * `contributes.configuration` in package.json agree (names, types and defaults).
 */

/** Training backend names as the training config spells them, plus `config` (use the config's own). */
export type BackendSetting = 'config' | 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface Settings {
  diagnosticsEnabled: boolean;
  debounceMs: number;
  maxFindingsPerRule: number;
  /** Open documents larger than this (bytes) are scanned in the worker process, not on the extension host. */
  inProcessMaxBytes: number;
  scanInclude: string[];
  scanExclude: string[];
  scanMaxFileSizeMB: number;
  /** The most threads the scan worker takes for a dataset file on disk (`scanFileInThreads`' `maxThreads`). */
  scanThreads: number;
  trainingBackend: BackendSetting;
  openTrainingPanel: boolean;
  nativeBackendPath: string;
  statusBarEnabled: boolean;
}

interface SettingSpec<K extends keyof Settings> {
  /** Key under `responsibleMl.` */
  key: string;
  field: K;
  type: 'boolean' | 'number' | 'string' | 'array';
  default: Settings[K];
  minimum?: number;
  enum?: readonly string[];
}

type AnySpec = { [K in keyof Settings]: SettingSpec<K> }[keyof Settings];

/** Declared once; package.json mirrors it and a unit test checks the two agree. */
export const SETTINGS: readonly AnySpec[] = [
  { key: 'diagnostics.enabled', field: 'diagnosticsEnabled', type: 'boolean', default: true },
  { key: 'diagnostics.debounceMs', field: 'debounceMs', type: 'number', default: 400, minimum: 0 },
  {
    key: 'diagnostics.maxFindingsPerRule',
    field: 'maxFindingsPerRule',
    type: 'number',
    default: 200,
    minimum: 1,
  },
  {
    key: 'diagnostics.inProcessMaxBytes',
    field: 'inProcessMaxBytes',
    type: 'number',
    default: 2_000_000,
    minimum: 0,
  },
  {
    key: 'scan.include',
    field: 'scanInclude',
    type: 'array',
    default: ['**/*.csv', '**/*.tsv', '**/*.jsonl', '**/*.json'],
  },
  {
    key: 'scan.exclude',
    field: 'scanExclude',
    type: 'array',
    default: [
      '**/node_modules/**',
      '**/runs/**',
      '**/.*/**',
      '**/*.sanitized.*',
      '**/*.train.json',
      '**/responsible-ml.json',
      '**/package*.json',
      '**/tsconfig*.json',
    ],
  },
  { key: 'scan.maxFileSizeMB', field: 'scanMaxFileSizeMB', type: 'number', default: 500, minimum: 0 },
  { key: 'scan.threads', field: 'scanThreads', type: 'number', default: 2, minimum: 1 },
  {
    key: 'training.backend',
    field: 'trainingBackend',
    type: 'string',
    default: 'config',
    enum: ['config', 'auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'],
  },
  { key: 'training.openPanel', field: 'openTrainingPanel', type: 'boolean', default: true },
  { key: 'nativeBackend.path', field: 'nativeBackendPath', type: 'string', default: '' },
  { key: 'statusBar.enabled', field: 'statusBarEnabled', type: 'boolean', default: true },
];

/** What `vscode.workspace.getConfiguration('responsibleMl')` provides. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
}

function valid(spec: AnySpec, v: unknown): boolean {
  switch (spec.type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (spec.minimum === undefined || v >= spec.minimum);
    case 'string':
      return typeof v === 'string' && (!spec.enum || spec.enum.includes(v));
    case 'array':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

/** Reads every setting; a missing or ill-typed value falls back to its default rather than breaking a feature. */
export function readSettings(config: ConfigurationLike): Settings {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const v = config.get<unknown>(spec.key);
    out[spec.field] = v !== undefined && valid(spec, v) ? v : spec.default;
  }
  return out as unknown as Settings;
}

export const SETTINGS_SECTION = 'responsibleMl';
