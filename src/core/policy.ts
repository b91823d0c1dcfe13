/**
 * The workspace policy (`responsible-ml.json`): one reader for the editor and the CLI, validated against the
 * shipped schema that also drives completion in the editor.
 */
import policySchema from '../../schemas/responsible-ml.schema.json';
import { parseJsonDocument } from './config/jsonDocument';
import type { Finding, Severity } from './findings';
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from './thresholds';
import { DEFAULT_MAX_COLUMNS } from './data/readTable';

export { DEFAULT_THRESHOLDS, type PolicyThresholds };

export type RuleSetting = Severity | 'off';

export interface PolicyIgnore {
  rule?: string;
  column?: string;
  reason?: string;
}

export interface Policy {
  rules: Record<string, RuleSetting>;
  ignore: PolicyIgnore[];
  protected: string[];
  notProtected: string[];
  label?: string;
  positive?: string[];
  referenceGroups: Record<string, string>;
  missingTokens: string[];
  /**
   * The country whose phone numbers written without `+` are looked for (ISO 3166-1 alpha-2, one of
   * libphonenumber's: the schema lists them); unset, the United States.
   */
  region?: string;
  maxFindingsPerRule: number;
  /** Columns read of a dataset (see `ReadOptions.maxColumns`). */
  maxColumns: number;
  thresholds: PolicyThresholds;
}

export const DEFAULT_POLICY: Policy = {
  rules: {},
  ignore: [],
  protected: [],
  notProtected: [],
  referenceGroups: {},
  missingTokens: [],
  maxFindingsPerRule: 1000,
  maxColumns: DEFAULT_MAX_COLUMNS,
  thresholds: DEFAULT_THRESHOLDS,
};

/** The policy as written in the file: every field optional. */
type PolicyFile = Partial<Omit<Policy, 'thresholds'>> & { thresholds?: Partial<PolicyThresholds> };

/**
 * Parses and validates a policy file. Problems (syntax or schema) come back as findings positioned in the
 * policy file; the returned policy then falls back to defaults for whatever could not be read, so a typo in the
 * policy never switches the checks off.
 */
export function parsePolicy(text: string, fileName: string): { policy: Policy; problems: Finding[] } {
  const { value, problems } = parseJsonDocument<PolicyFile>(text, policySchema, {
    fileName,
    rulePrefix: 'policy',
  });
  if (!value || typeof value !== 'object' || problems.length > 0) return { policy: DEFAULT_POLICY, problems };
  return { policy: resolvePolicy(value), problems };
}

/** Fills defaults into a partial policy. */
export function resolvePolicy(p: PolicyFile): Policy {
  return {
    rules: p.rules ?? {},
    ignore: p.ignore ?? [],
    protected: p.protected ?? [],
    notProtected: p.notProtected ?? [],
    label: p.label,
    positive: p.positive,
    referenceGroups: p.referenceGroups ?? {},
    missingTokens: p.missingTokens ?? [],
    ...(p.region !== undefined ? { region: p.region } : {}),
    maxFindingsPerRule: p.maxFindingsPerRule ?? 1000,
    maxColumns: p.maxColumns ?? DEFAULT_MAX_COLUMNS,
    thresholds: { ...DEFAULT_THRESHOLDS, ...(p.thresholds ?? {}) },
  };
}

/**
 * Applies rule severities and ignores: returns the findings to show, with their severity as the policy sets
 * it. A finding without a column is only ignored by an entry without a column.
 */
export function applyPolicy(findings: readonly Finding[], policy: Policy): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const setting = policy.rules[f.rule];
    if (setting === 'off') continue;
    const ignored = policy.ignore.some(
      (i) => (i.rule === undefined || i.rule === f.rule) && (i.column === undefined || i.column === f.column),
    );
    if (ignored) continue;
    out.push(setting && setting !== f.severity ? { ...f, severity: setting } : f);
  }
  return out;
}
