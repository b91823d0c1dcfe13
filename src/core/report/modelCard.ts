/**
 * A Markdown model card with the sections of Google's Model Card Toolkit (Mitchell et al., "Model Cards for
 * Model Reporting", 2019): model details, intended use, factors, metrics, evaluation data, training data,
 * quantitative analyses, ethical considerations, caveats and recommendations. Everything the run recorded is
 * filled in; what only a person can know (owners, intended users, out-of-scope uses) is marked for them to
 * complete rather than invented.
 */
import { METRIC_LABELS, fmt, pct, type AttributeSection, type AuditViewModel } from './viewModels';

export interface ModelCardInput {
  /** The audit view of the run (see `runAuditView`). */
  view: AuditViewModel;
  /** The run's resolved `config.json`. */
  config?: unknown;
  /** The run's `audit.json`. */
  audit?: unknown;
  /** Per-epoch history, for the training section (from `metrics.jsonl`). */
  epochs?: { epoch: number; loss?: number; valLoss?: number }[];
  /** ISO date of the card (injected). */
  generatedAt: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const numOr = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** Escapes what Markdown would read as table structure or markup in a cell. */
export function mdCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/([*_`<>[\]])/g, '\\$1');
}

function table(head: string[], rows: string[][]): string {
  const out = [`| ${head.map(mdCell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
  return out.join('\n');
}

const TODO = '_To be completed by the model owner._';

function groupTable(a: AttributeSection): string {
  return table(
    ['Group', 'n', 'Selection rate', 'TPR', 'FPR', 'PPV', 'Accuracy', 'Check'],
    a.groups.map((g) => [
      g.value,
      fmt(g.n),
      pct(g.metrics.selectionRate),
      pct(g.metrics.tpr),
      pct(g.metrics.fpr),
      pct(g.metrics.ppv),
      pct(g.metrics.accuracy),
      g.pass ? 'pass' : 'FAIL',
    ]),
  );
}

function disparityTable(a: AttributeSection): string {
  return table(
    ['Measure', 'Value', 'Threshold', 'Result'],
    a.disparities.map((d) => [
      METRIC_LABELS[d.metric] ?? d.metric,
      fmt(d.value),
      d.threshold === undefined ? '—' : `${d.kind === 'ratio' ? '≥' : '≤'} ${fmt(d.threshold)}`,
      d.pass === undefined ? '—' : d.pass ? 'pass' : 'FAIL',
    ]),
  );
}

/** Renders the card. Deterministic for the same input (the date is injected). */
export function modelCard(input: ModelCardInput): string {
  const { view } = input;
  const m = view.model;
  const cfg = obj(input.config);
  const audit = obj(input.audit);
  const data = obj(cfg.data);
  const model = obj(cfg.model);
  const training = obj(cfg.training);
  const aTraining = obj(audit.training);
  const backend = obj(aTraining.backend);
  const aData = obj(audit.data);
  const rows = obj(aData.rows);
  const privacy = obj(audit.privacy);
  const name = str(cfg.name) ?? str(audit.config) ?? view.title;
  const runId = view.source.path.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const L: string[] = [];
  const p = (...lines: string[]) => L.push(...lines, '');

  p(
    `# Model card: ${name}`,
    `Generated ${input.generatedAt} by Responsible ML from run \`${runId}\`. Sections follow the Model Card Toolkit.`,
  );

  // ------------------------------------------------------------------ model details
  p('## Model details');
  const hidden = Array.isArray(model.hidden) ? (model.hidden as unknown[]).join(' → ') : undefined;
  const details: string[][] = [
    ['Name', name],
    ['Version', runId],
    ['Date', input.generatedAt.slice(0, 10)],
    [
      'Type',
      `${str(model.type) ?? 'unknown'}${hidden ? ` (hidden layers ${hidden})` : ''}${str(audit.task) ? `, ${str(audit.task)} head` : ''}`,
    ],
    [
      'Framework',
      `TensorFlow.js, backend ${str(backend.name) ?? 'unknown'}${str(backend.device) ? ` (${str(backend.device)})` : ''}`,
    ],
    [
      'Training',
      [
        numOr(aTraining.epochs) !== undefined
          ? `${aTraining.epochs} epochs`
          : numOr(training.epochs) !== undefined
            ? `${training.epochs} epochs configured`
            : undefined,
        numOr(aTraining.bestEpoch) !== undefined ? `weights of epoch ${aTraining.bestEpoch}` : undefined,
        numOr(training.batchSize) !== undefined ? `batch ${training.batchSize}` : undefined,
        str(training.optimizer),
        numOr(training.learningRate) !== undefined ? `learning rate ${training.learningRate}` : undefined,
      ]
        .filter(Boolean)
        .join(', ') || 'not recorded',
    ],
    ['Owners', TODO],
    ['License', TODO],
  ];
  p(table(['Field', 'Value'], details));

  // ------------------------------------------------------------------ intended use
  p(
    '## Intended use',
    `Predicts \`${str(data.label) ?? 'the label'}\`${Array.isArray(data.positive) ? ` (positive: ${(data.positive as unknown[]).join(', ')})` : str(data.positive) ? ` (positive: ${str(data.positive)})` : ''} from tabular features.`,
    `- Primary uses and users: ${TODO}`,
    `- Out-of-scope uses: ${TODO} Decisions about individuals in the groups below should not rely on this model alone where it fails the fairness checks.`,
  );

  // ------------------------------------------------------------------ factors
  p('## Factors');
  if (m && m.attributes.length > 0) {
    p(
      `Audited by the protected attributes ${m.attributes.map((a) => `\`${a.attribute}\``).join(', ')}, with these groups on the evaluation data:`,
    );
    for (const a of m.attributes)
      p(
        `- **${mdCell(a.attribute)}**: ${a.groups.map((g) => `${mdCell(g.value)} (n = ${fmt(g.n)})`).join(', ')}`,
      );
  } else p('No protected attributes were named in the config, so no group factors were evaluated.');

  // ------------------------------------------------------------------ metrics
  p(
    '## Metrics',
    `Performance: accuracy${m?.overall.auc !== undefined ? ' and ROC AUC' : ''} on the held-out split at decision threshold ${fmt(m?.threshold ?? 0.5, 2)}.`,
    'Fairness (Fairlearn definitions, between groups): demographic parity (selection rate), equalized odds (TPR and FPR), equal opportunity (TPR), predictive parity (PPV); differences are largest minus smallest group, ratios smallest over largest.',
    `Thresholds: demographic parity difference ≤ ${fmt(view.thresholds.demographicParityDifference)}, equalized odds difference ≤ ${fmt(view.thresholds.equalizedOddsDifference)}, ratios ≥ ${fmt(view.thresholds.disparateImpact)}.`,
  );

  // ------------------------------------------------------------------ evaluation data
  p(
    '## Evaluation data',
    `${str(audit.split) === 'test' ? 'The test file' : 'The validation split'}${str(data.test) ? ` (\`${str(data.test)}\`)` : ''}: ${fmt(numOr(audit.rows) ?? m?.overall.n)} rows.`,
  );

  // ------------------------------------------------------------------ training data
  const features = Array.isArray(aData.features) ? (aData.features as unknown[]).map(String) : [];
  p(
    '## Training data',
    `Source: \`${str(data.train) ?? 'not recorded'}\`. Rows: ${fmt(numOr(rows.train))} training, ${fmt(numOr(rows.validation))} validation${numOr(rows.test) ? `, ${fmt(numOr(rows.test))} test` : ''}.`,
    `Preprocessing: ${[
      numOr(aData.droppedMissing) !== undefined
        ? `${fmt(numOr(aData.droppedMissing))} rows dropped for missing values`
        : undefined,
      numOr(aData.duplicatesDropped) !== undefined
        ? `${fmt(numOr(aData.duplicatesDropped))} duplicates dropped`
        : undefined,
      'numeric features standardised and categoricals one-hot encoded with statistics of the training rows',
    ]
      .filter(Boolean)
      .join('; ')}.`,
    features.length > 0
      ? `Features (${features.length}): ${features.map((f) => `\`${f}\``).join(', ')}.`
      : 'Features: not recorded.',
  );
  const gate = Array.isArray(privacy.gate) ? (privacy.gate as unknown[]).map(obj) : [];
  if (gate.length > 0) {
    p(
      'Pre-training privacy gate (columns holding direct identifiers):',
      table(
        ['Column', 'Decision', 'Why'],
        gate.map((g) => [
          str(g.column) ?? '?',
          str(g.decision) ?? (g.allowed === true ? 'allowed' : 'excluded'),
          str(g.reason) ?? str(g.message) ?? '',
        ]),
      ),
    );
  }

  // ------------------------------------------------------------------ quantitative analyses
  p('## Quantitative analyses');
  if (m) {
    const o = m.overall;
    p(
      table(
        ['Measure', 'Value'],
        [
          ['Accuracy', pct(o.accuracy)],
          ...(o.auc !== undefined ? [['ROC AUC', fmt(o.auc)]] : []),
          ['Rows evaluated', fmt(o.n)],
        ],
      ),
    );
    for (const a of m.attributes) {
      p(`### By ${mdCell(a.attribute)}`, groupTable(a));
      if (a.disparities.length > 0) p(disparityTable(a));
    }
    if (m.mitigation) {
      p(
        `### Mitigation: ${mdCell(m.mitigation.method)}`,
        m.mitigation.note ?? '',
        m.mitigation.accuracyBefore !== undefined
          ? `Accuracy before mitigation: ${pct(m.mitigation.accuracyBefore)}; after: ${pct(o.accuracy)}.`
          : '',
      );
      for (const a of m.mitigation.before)
        if (a.disparities.length > 0) p(`Before mitigation, by ${mdCell(a.attribute)}:`, disparityTable(a));
    }
    if (m.privacy) {
      const pv = m.privacy;
      p(
        '### Differential privacy',
        `Trained with DP-SGD: ε = ${fmt(pv.epsilon)}${pv.delta !== undefined ? `, δ = ${pv.delta}` : ''}${pv.noiseMultiplier !== undefined ? `, noise multiplier ${fmt(pv.noiseMultiplier)}` : ''}${pv.l2NormClip !== undefined ? `, clip ${fmt(pv.l2NormClip)}` : ''}.`,
      );
    }
    if (m.membershipInference) {
      p(
        '### Membership inference',
        table(
          ['Measure', 'Value'],
          Object.entries(m.membershipInference).map(([k, v]) => [k, fmt(v)]),
        ),
      );
    }
  } else p('No model audit was recorded for this run.');
  if (input.epochs && input.epochs.length > 0) {
    const last = input.epochs[input.epochs.length - 1]!;
    p(
      `Training history: ${input.epochs.length} epochs; final training loss ${fmt(last.loss, 4)}${last.valLoss !== undefined ? `, validation loss ${fmt(last.valLoss, 4)}` : ''}.`,
    );
  }

  // ------------------------------------------------------------------ ethical considerations
  p('## Ethical considerations');
  const failing = (m?.attributes ?? []).flatMap((a) =>
    a.disparities
      .filter((d) => d.pass === false)
      .map(
        (d) =>
          `${METRIC_LABELS[d.metric] ?? d.metric} by ${a.attribute}: ${fmt(d.value)} (threshold ${fmt(d.threshold)})`,
      ),
  );
  if (failing.length > 0)
    p(
      'The model fails these fairness checks on the evaluation data:',
      ...failing.map((f) => `- ${mdCell(f)}`),
    );
  else if (m && m.attributes.length > 0)
    p('The model passes every fairness check that has a threshold on the evaluation data.');
  const excluded = gate
    .filter((g) => str(g.decision) !== 'allowed' && g.allowed !== true)
    .map((g) => str(g.column))
    .filter(Boolean);
  if (excluded.length > 0)
    p(`Direct identifiers were kept out of the features: ${excluded.map((c) => `\`${c}\``).join(', ')}.`);
  if (!m?.privacy)
    p('The model was trained without differential privacy: it may memorise individual training rows.');
  p(`Risks and mitigations beyond the measured ones: ${TODO}`);

  // ------------------------------------------------------------------ caveats
  p('## Caveats and recommendations');
  const caveats: string[] = [];
  for (const a of m?.attributes ?? []) {
    const small = a.groups.filter((g) => g.n < (view.thresholds.minGroupSize ?? 30));
    if (small.length > 0)
      caveats.push(
        `Groups of ${a.attribute} with fewer than ${view.thresholds.minGroupSize ?? 30} rows (${small.map((g) => g.value).join(', ')}): their rates are noisy.`,
      );
  }
  if (aTraining.stoppedEarly === true)
    caveats.push(
      `Training stopped early; the model holds the weights of epoch ${fmt(numOr(aTraining.bestEpoch))}.`,
    );
  const notes = Array.isArray(privacy.notes) ? (privacy.notes as unknown[]).map(obj) : [];
  for (const n of notes) if (str(n.note)) caveats.push(`${str(n.option) ?? 'Privacy'}: ${str(n.note)}`);
  caveats.push('Metrics come from one held-out split; figures for small groups carry wide intervals.');
  p(...caveats.map((c) => `- ${mdCell(c)}`));
  return (
    L.join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}
