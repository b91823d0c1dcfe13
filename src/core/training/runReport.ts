/**
 * `report.md` of a run: what was trained on what, how well, how fairly, and what the privacy gate decided.
 * Only aggregate figures and group names appear here; never a data value of a person.
 */
import type { GroupMetrics, PredictionAudit } from '../fairness/predictionAudit';
import type { ResolvedTrainConfig } from './config';
import type { PreprocessSpec } from './preprocess';
import type { RunAudit } from './runTraining';

function f(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

function groupTable(audit: PredictionAudit, attr: string): string[] {
  const groups = audit.groups[attr] ?? {};
  const lines = ['| group | n | selection rate | TPR | FPR | accuracy |', '|---|---:|---:|---:|---:|---:|'];
  const entries = Object.entries(groups).sort((a, b) => b[1].n - a[1].n);
  for (const [g, m] of entries as [string, GroupMetrics][]) {
    lines.push(
      `| ${g.replace(/\|/g, '\\|')} | ${m.n} | ${f(m.selectionRate)} | ${f(m.tpr)} | ${f(m.fpr)} | ${f(m.accuracy)} |`,
    );
  }
  return lines;
}

function disparityLine(audit: PredictionAudit, attr: string): string {
  const d = audit.disparities[attr];
  if (!d) return '';
  return (
    `demographic parity difference ${f(d.demographicParityDifference)}, ratio ${f(d.demographicParityRatio)}; ` +
    `equalized odds difference ${f(d.equalizedOddsDifference)}; equal opportunity difference ${f(d.equalOpportunityDifference)}`
  );
}

export function renderRunReport(config: ResolvedTrainConfig, audit: RunAudit, spec: PreprocessSpec): string {
  const out: string[] = [];
  out.push(`# Training run: ${config.name}`, '');
  if (config.description) out.push(config.description, '');
  const t = audit.training;
  out.push(
    `- Task: ${audit.task}${spec.positive ? ` (positive: ${spec.positive.join(', ')})` : ''}; model: ${config.model.type}` +
      `${config.model.type === 'mlp' ? ` ${config.model.hidden.join('-')} ${config.model.activation}` : ''}`,
    `- Backend: ${t.backend.name} (${t.backend.device})`,
    `- Epochs run: ${t.epochs}${t.stoppedEarly ? ' (stopped early)' : ''}; weights kept from epoch ${t.bestEpoch}; ${t.steps} steps` +
      `${t.samplesPerSecond ? `; ${Math.round(t.samplesPerSecond)} samples/s` : ''}`,
    `- Rows: train ${audit.data.rows.train}, validation ${audit.data.rows.validation}, test ${audit.data.rows.test}` +
      `; dropped for missing values ${audit.data.droppedMissing}; duplicates dropped ${audit.data.duplicatesDropped}`,
    `- Features (${audit.data.features.length}): ${audit.data.features.join(', ')}`,
    '',
  );
  for (const s of t.backend.skipped) out.push(`  - skipped backend ${s.name}: ${s.reason}`);
  if (t.backend.skipped.length > 0) out.push('');

  out.push(`## Performance on the ${audit.split} split (${audit.rows} rows)`, '');
  out.push('| metric | value |', '|---|---:|');
  for (const [k, v] of Object.entries(audit.performance)) out.push(`| ${k} | ${f(v)} |`);
  out.push('');

  out.push('## Privacy', '');
  if (audit.privacy.gate.length === 0)
    out.push('No column with direct identifiers was found among the candidate features.');
  for (const d of audit.privacy.gate) out.push(`- \`${d.column}\`: ${d.decision} — ${d.reason}.`);
  const dp = audit.privacy.dpSgd as
    | {
        epsilon?: number;
        delta?: number;
        noiseMultiplier?: number;
        l2NormClip?: number;
        q?: number;
        steps?: number;
      }
    | undefined;
  if (dp) {
    out.push(
      '',
      `DP-SGD: (ε = ${f(dp.epsilon, 3)}, δ = ${dp.delta}) with noise multiplier ${f(dp.noiseMultiplier, 4)}, clip ${dp.l2NormClip}, ` +
        `sampling rate q = ${f(dp.q, 6)}, ${dp.steps} steps.`,
    );
    for (const n of audit.privacy.notes ?? []) out.push(`- Not covered by ε — ${n.option}: ${n.note}`);
  }
  out.push('');

  const fa = audit.fairness;
  if (fa) {
    out.push(`## Fairness on the ${audit.split} split`, '');
    if (fa.mitigation !== 'none')
      out.push(`Mitigation: ${fa.mitigation}.${fa.note ? ' ' + fa.note : ''}`, '');
    for (const attr of fa.attributes) {
      out.push(
        `### ${attr}${fa.after ? ' — before mitigation' : ''}`,
        '',
        ...groupTable(fa.before, attr),
        '',
        disparityLine(fa.before, attr),
        '',
      );
      if (fa.after)
        out.push(
          `### ${attr} — after mitigation`,
          '',
          ...groupTable(fa.after, attr),
          '',
          disparityLine(fa.after, attr),
          '',
        );
    }
    const findings = (fa.after ?? fa.before).findings;
    if (findings.length > 0) {
      out.push('### Findings', '');
      for (const x of findings) out.push(`- ${x.severity}: ${x.message}`);
      out.push('');
    }
  } else if (config.protected.length > 0) {
    out.push(
      '## Fairness',
      '',
      `The group audit applies to binary classification; this run is ${audit.task}.`,
      '',
    );
  }
  return out.join('\n');
}
