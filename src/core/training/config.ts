/**
 * The training config (`*.train.json`): parsed with positions, validated against the shipped schema
 * (`schemas/train.schema.json`, the same file the editor uses for completion), then resolved into a
 * complete object with every default filled in. The resolved config is what a run records.
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import trainSchema from '../../../schemas/train.schema.json';
import { offsetToRange, parseJsonDocument } from '../config/jsonDocument';
import type { Finding } from '../findings';
import type { HeadKind } from './heads';

export type BackendName = 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = [
  'auto',
  'tensorflow-gpu',
  'webgpu',
  'tensorflow',
  'wasm',
  'cpu',
];

export type OptimizerName = 'adam' | 'sgd' | 'momentum' | 'rmsprop' | 'adagrad';
export type Mitigation = 'none' | 'reweighing' | 'threshold';
export type ThresholdConstraint = 'demographic_parity' | 'equalized_odds';

/** `privacy.dpSgd` as written; the DP module resolves the noise multiplier and δ. */
export interface DpSgdConfig {
  l2NormClip: number;
  noiseMultiplier?: number;
  targetEpsilon?: number;
  delta?: number;
}

/** The config as written (after schema validation). Every field but `name` and `data.train/label` is optional. */
export interface TrainConfigInput {
  name: string;
  description?: string;
  data: {
    train: string;
    validation?: string;
    test?: string;
    label: string;
    positive?: string | string[];
    features?: { include?: string[]; exclude?: string[]; categorical?: string[] };
    missing?: 'impute' | 'drop';
    missingTokens?: string[];
    deduplicate?: boolean;
    validationSplit?: number;
    stratify?: boolean;
    seed?: number;
    maxCategories?: number;
  };
  protected?: string[];
  model?: {
    type?: 'logistic' | 'mlp';
    task?: 'auto' | HeadKind;
    hidden?: number[];
    activation?: 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'swish';
    dropout?: number;
    l2?: number;
  };
  training?: {
    epochs?: number;
    batchSize?: number;
    optimizer?: OptimizerName;
    learningRate?: number;
    earlyStopping?: boolean | { patience?: number; minDelta?: number };
    seed?: number;
    backend?: BackendName;
  };
  fairness?: {
    mitigation?: Mitigation;
    attribute?: string;
    constraint?: ThresholdConstraint;
    thresholds?: Partial<
      Record<
        | 'disparateImpact'
        | 'demographicParityDifference'
        | 'equalizedOddsDifference'
        | 'equalOpportunityDifference',
        number
      >
    >;
  };
  privacy?: { allowFeatures?: string[]; region?: string; dpSgd?: DpSgdConfig };
  output?: { runsDir?: string };
  command?: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** Every default filled in; paths stay as written (relative to `baseDir`). */
export interface ResolvedTrainConfig {
  name: string;
  description?: string;
  /** Folder the config file is in; relative paths resolve against it. */
  baseDir: string;
  data: {
    train: string;
    validation?: string;
    test?: string;
    label: string;
    positive?: string[];
    features: { include?: string[]; exclude: string[]; categorical: string[] };
    missing: 'impute' | 'drop';
    missingTokens: string[];
    deduplicate: boolean;
    validationSplit: number;
    stratify: boolean;
    seed: number;
    maxCategories: number;
  };
  protected: string[];
  model: {
    type: 'logistic' | 'mlp';
    task: 'auto' | HeadKind;
    hidden: number[];
    activation: 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'swish';
    dropout: number;
    l2: number;
  };
  training: {
    epochs: number;
    batchSize: number;
    optimizer: OptimizerName;
    learningRate: number;
    earlyStopping: { patience: number; minDelta: number } | null;
    seed: number;
    backend: BackendName;
  };
  fairness: {
    mitigation: Mitigation;
    attribute?: string;
    constraint: ThresholdConstraint;
    thresholds: Partial<
      Record<
        | 'disparateImpact'
        | 'demographicParityDifference'
        | 'equalizedOddsDifference'
        | 'equalOpportunityDifference',
        number
      >
    >;
  };
  privacy: {
    allowFeatures: string[];
    /** The country whose phone numbers written without `+` the privacy gate looks for; unset, the US. */
    region?: string;
    dpSgd?: DpSgdConfig;
  };
  output: { runsDir: string };
  command?: string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface ParsedTrainConfig {
  /** Present only when there are no problems. */
  config?: ResolvedTrainConfig;
  /** Syntax, schema and consistency errors, each with its JSON path (`data.path`) and line/column. */
  problems: Finding[];
}

/** The schema object, for the editor's `jsonValidation` and docs. */
export const TRAIN_CONFIG_SCHEMA: object = trainSchema;

/**
 * Parses and validates a config. `fileName` is used in the findings; `baseDir` is recorded in the result.
 * Beyond the schema it checks what a schema cannot say well: DP needs exactly one of `noiseMultiplier` and
 * `targetEpsilon`; mitigation needs a protected attribute; `positive` makes no sense for regression.
 */
export function parseTrainConfig(text: string, fileName: string, baseDir: string): ParsedTrainConfig {
  const { value, problems } = parseJsonDocument<TrainConfigInput>(text, trainSchema, {
    fileName,
    rulePrefix: 'train-config',
  });
  if (!value || problems.length > 0) return { problems };
  const root = parseTree(text, [], { allowTrailingComma: true });
  const at = (path: (string | number)[], message: string): Finding => {
    const node = (root && findNodeAtLocation(root, path)) ?? root;
    return {
      rule: 'train-config/consistency',
      severity: 'error',
      message: `${path.join('.')} ${message}`,
      file: fileName,
      ...(node ? { location: offsetToRange(text, node.offset, node.length) } : {}),
      data: { path: path.join('.') },
    };
  };
  const c = resolveTrainConfig(value, baseDir);
  const dp = value.privacy?.dpSgd;
  if (dp && (dp.noiseMultiplier === undefined) === (dp.targetEpsilon === undefined)) {
    problems.push(at(['privacy', 'dpSgd'], 'needs exactly one of "noiseMultiplier" and "targetEpsilon".'));
  }
  if (c.fairness.mitigation !== 'none' && !c.fairness.attribute && c.protected.length === 0) {
    problems.push(
      at(
        ['fairness', 'mitigation'],
        `"${c.fairness.mitigation}" needs a protected attribute: set "protected" or "fairness.attribute".`,
      ),
    );
  }
  if (c.fairness.attribute && !c.protected.includes(c.fairness.attribute))
    c.protected.push(c.fairness.attribute);
  if (c.model.task === 'regression' && c.data.positive) {
    problems.push(
      at(['data', 'positive'], 'is for classification; remove it or set model.task to "binary".'),
    );
  }
  if (c.model.task === 'regression' && c.fairness.mitigation !== 'none') {
    problems.push(at(['fairness', 'mitigation'], 'applies to binary classification only.'));
  }
  if (c.model.task === 'multiclass' && c.fairness.mitigation === 'threshold') {
    problems.push(at(['fairness', 'mitigation'], '"threshold" applies to binary classification only.'));
  }
  if (c.data.features.include?.includes(c.data.label)) {
    problems.push(
      at(['data', 'features', 'include'], `lists the label "${c.data.label}"; a label cannot be a feature.`),
    );
  }
  return problems.length > 0 ? { problems } : { config: c, problems };
}

/** Fills in defaults (documented in the schema). */
export function resolveTrainConfig(v: TrainConfigInput, baseDir: string): ResolvedTrainConfig {
  const es = v.training?.earlyStopping ?? true;
  const positive =
    v.data.positive === undefined
      ? undefined
      : Array.isArray(v.data.positive)
        ? v.data.positive
        : [v.data.positive];
  const c: ResolvedTrainConfig = {
    name: v.name,
    baseDir,
    data: {
      train: v.data.train,
      label: v.data.label,
      features: {
        exclude: v.data.features?.exclude ?? [],
        categorical: v.data.features?.categorical ?? [],
        ...(v.data.features?.include ? { include: v.data.features.include } : {}),
      },
      missing: v.data.missing ?? 'impute',
      missingTokens: v.data.missingTokens ?? [],
      deduplicate: v.data.deduplicate ?? false,
      validationSplit: v.data.validationSplit ?? 0.2,
      stratify: v.data.stratify ?? true,
      seed: v.data.seed ?? 42,
      maxCategories: v.data.maxCategories ?? 200,
    },
    protected: [...(v.protected ?? [])],
    model: {
      type: v.model?.type ?? 'mlp',
      task: v.model?.task ?? 'auto',
      hidden: v.model?.type === 'logistic' ? [] : (v.model?.hidden ?? [64, 32]),
      activation: v.model?.activation ?? 'relu',
      dropout: v.model?.dropout ?? 0,
      l2: v.model?.l2 ?? 0,
    },
    training: {
      epochs: v.training?.epochs ?? 20,
      batchSize: v.training?.batchSize ?? 256,
      optimizer: v.training?.optimizer ?? 'adam',
      learningRate: v.training?.learningRate ?? 0.001,
      earlyStopping:
        es === false
          ? null
          : es === true
            ? { patience: 5, minDelta: 0 }
            : { patience: es.patience ?? 5, minDelta: es.minDelta ?? 0 },
      seed: v.training?.seed ?? 42,
      backend: v.training?.backend ?? 'auto',
    },
    fairness: {
      mitigation: v.fairness?.mitigation ?? 'none',
      constraint: v.fairness?.constraint ?? 'demographic_parity',
      thresholds: { ...(v.fairness?.thresholds ?? {}) },
      ...(v.fairness?.attribute ? { attribute: v.fairness.attribute } : {}),
    },
    privacy: {
      allowFeatures: v.privacy?.allowFeatures ?? [],
      ...(v.privacy?.region !== undefined ? { region: v.privacy.region } : {}),
      ...(v.privacy?.dpSgd ? { dpSgd: { ...v.privacy.dpSgd } } : {}),
    },
    output: { runsDir: v.output?.runsDir ?? 'runs' },
  };
  if (v.description !== undefined) c.description = v.description;
  if (v.data.validation !== undefined) c.data.validation = v.data.validation;
  if (v.data.test !== undefined) c.data.test = v.data.test;
  if (positive) c.data.positive = positive;
  if (v.command) c.command = v.command;
  if (v.cwd !== undefined) c.cwd = v.cwd;
  if (v.env) c.env = v.env;
  return c;
}

/** One problem as `file:line:col: message`, the form editors and terminals make clickable. */
export function formatProblem(p: Finding): string {
  const loc = p.location ? `:${p.location.line}:${p.location.startColumn}` : '';
  return `${p.file ?? ''}${loc}: ${p.message}`;
}
