/**
 * The audit panel: a dataset's privacy and representation figures and a model's per-group performance, with
 * pass/fail against the policy's thresholds, disparity bars, confusion matrices, a calibration plot and a
 * threshold slider that moves over a precomputed accuracy/disparity trade-off (no per-row data in the page).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type uPlot from 'uplot';
import {
  GROUP_METRICS,
  METRIC_LABELS,
  fmt,
  pct,
  tradeoffAt,
  type AttributeSection,
  type AuditViewModel,
  type DatasetSection,
  type FindingRow,
  type ModelSection,
  type TradeoffPoint,
} from '../../src/core/report/viewModels';
import {
  assertNever,
  type AuditHostMessage,
  type AuditPanelState,
  type AuditWebviewMessage,
} from '../../src/protocol/webview';
import { ChartCard } from '../shared/chart';
import { clear, exportedNote, h, table, verdict, type Child } from '../shared/dom';
import { connectHost, onHostMessage } from '../shared/host';

const host = connectHost<AuditWebviewMessage, AuditPanelState>();
const app = document.getElementById('app')!;
const MAX_FINDINGS_SHOWN = 500;

let model: AuditViewModel | undefined;
let threshold = 0.5;

const noteEl = h('p', { class: 'note', role: 'status', id: 'note' });
const errorEl = h('div', { class: 'error', role: 'alert', hidden: true, id: 'error' });

onHostMessage<AuditHostMessage>(
  (m) => {
    switch (m.type) {
      case 'audit':
        // A reload re-sends the same audit: keep the threshold the person had chosen.
        show(
          m.model,
          model && model.source.path === m.model.source.path ? threshold : (m.model.model?.threshold ?? 0.5),
        );
        break;
      case 'exported':
        noteEl.textContent = exportedNote(m);
        break;
      default:
        assertNever(m);
    }
  },
  (e) => {
    errorEl.hidden = false;
    errorEl.textContent = `The panel could not show a message: ${e.message}`;
  },
);

function saveState(): void {
  if (model) host.setState({ kind: 'audit', model, threshold });
}

function show(m: AuditViewModel, t: number): void {
  model = m;
  threshold = t;
  saveState();
  clear(app);
  const exportHtml = h('vscode-button', { id: 'export-html', secondary: true }, 'Export HTML report');
  const exportCard = h('vscode-button', { id: 'export-card', secondary: true }, 'Export model card');
  exportHtml.addEventListener('click', () => host.post({ type: 'export', format: 'html' }));
  exportCard.addEventListener('click', () => host.post({ type: 'export', format: 'modelCard' }));
  app.append(
    h(
      'header',
      { class: 'panel-head' },
      h('h1', {}, m.title),
      h('p', { class: 'mono' }, m.source.path),
      h('div', { class: 'actions' }, exportHtml, m.model ? exportCard : null),
      noteEl,
    ),
    errorEl,
  );
  const parts: [string, HTMLElement][] = [];
  if (m.model) parts.push(['Model', modelView(m.model)]);
  if (m.dataset) parts.push(['Dataset', datasetView(m.dataset)]);
  if (parts.length === 1) app.append(parts[0]![1]);
  else if (parts.length > 1) {
    const tabs = h('vscode-tabs', { 'aria-label': 'Audit sections' });
    for (const [name, el] of parts) {
      // vscode-tabs assigns its own ids for ARIA wiring; tests and styles use data-tab.
      tabs.append(h('vscode-tab-header', { slot: 'header', 'data-tab': name.toLowerCase() }, name));
      tabs.append(h('vscode-tab-panel', {}, el));
    }
    app.append(tabs);
  } else app.append(h('p', {}, 'Nothing to show: the audit has neither dataset nor model figures.'));
  document.body.dataset.loaded = 'true';
}

// ------------------------------------------------------------------------------------------------ common

function kpi(label: string, value: Child, id?: string): HTMLElement {
  return h('div', id ? { id } : {}, h('span', { class: 'k' }, label), h('span', { class: 'figure' }, value));
}

function findingsTable(caption: string, rows: readonly FindingRow[]): HTMLElement {
  const shown = rows.slice(0, MAX_FINDINGS_SHOWN);
  return table({
    caption: rows.length > shown.length ? `${caption} (first ${shown.length} of ${rows.length})` : caption,
    head: ['Severity', 'Rule', 'Column', 'Row', 'Message', 'Excerpt (masked)'],
    rowHeader: 1,
    rows: shown.map((f) => [
      h('span', { class: `sev-${f.severity}` }, f.severity),
      h('code', {}, f.rule),
      f.column ?? '—',
      f.row ?? f.line ?? '—',
      f.message,
      f.excerpt !== undefined ? h('code', {}, f.excerpt) : '—',
    ]),
  });
}

function foldedFindings(caption: string, rows: readonly FindingRow[]): HTMLElement {
  const d = h(
    'details',
    { class: 'findings' },
    h('summary', {}, `${caption} (${rows.length})`),
    findingsTable(caption, rows),
  );
  if (rows.length <= 5) d.open = true;
  return d;
}

interface Bar {
  label: string;
  value: number;
  max: number;
  text: string;
  pass?: boolean;
  limit?: number;
  interval?: [number, number];
}

/** Horizontal bars in HTML: the value is text beside the bar; widths are set through the CSSOM (CSP-safe). */
function bars(caption: string, items: Bar[]): HTMLElement {
  const wrap = h('div', { class: 'bars', role: 'list', 'aria-label': caption });
  for (const b of items) {
    const track = h('div', { class: 'bar-track', 'aria-hidden': 'true' });
    const fill = h('div', { class: b.pass === false ? 'bar-fill fail' : 'bar-fill' });
    const frac = (v: number) => `${Math.max(0, Math.min(1, b.max > 0 ? v / b.max : 0)) * 100}%`;
    fill.style.width = frac(b.value);
    track.append(fill);
    if (b.interval) {
      const ci = h('div', { class: 'bar-ci', title: '95 % interval' });
      ci.style.left = frac(b.interval[0]);
      ci.style.width = `calc(${frac(b.interval[1])} - ${frac(b.interval[0])})`;
      track.append(ci);
    }
    if (b.limit !== undefined) {
      const lim = h('div', { class: 'bar-limit', title: `threshold ${fmt(b.limit)}` });
      lim.style.left = frac(b.limit);
      track.append(lim);
    }
    wrap.append(
      h('span', { role: 'listitem' }, b.label),
      track,
      h('span', {}, b.text, b.pass !== undefined ? ' ' : null, b.pass !== undefined ? verdict(b.pass) : null),
    );
  }
  return wrap;
}

// ------------------------------------------------------------------------------------------------ model

function modelView(ms: ModelSection): HTMLElement {
  const root = h('div', { class: 'section', id: 'model' });
  const o = ms.overall;
  root.append(
    h(
      'div',
      { class: 'kpis' },
      o.accuracy !== undefined ? kpi('Accuracy', pct(o.accuracy), 'kpi-accuracy') : null,
      o.n !== undefined ? kpi('Rows evaluated', fmt(o.n)) : null,
      o.auc !== undefined ? kpi('ROC AUC', fmt(o.auc)) : null,
      kpi('Decision threshold', fmt(ms.threshold, 2)),
      ms.privacy?.epsilon !== undefined ? kpi('ε (DP)', fmt(ms.privacy.epsilon, 3)) : null,
      ms.membershipInference?.auc !== undefined
        ? kpi('Membership-inference AUC', fmt(ms.membershipInference.auc))
        : null,
    ),
  );
  // One attribute per row: the per-group table has nine columns and needs the width.
  const cards = h('div', { class: 'stack' });
  for (const a of ms.attributes) cards.append(attributeCard(a));
  root.append(cards);
  // The per-group tables come first; the findings repeat them in sentences, so they fold away when long.
  if (ms.findings.length > 0) root.append(foldedFindings('Findings on the predictions', ms.findings));
  const more = h('div', { class: 'cards' });
  if (ms.tradeoff && ms.tradeoff.length > 0)
    more.append(
      tradeoffCard(
        ms.tradeoff,
        ms.attributes.map((a) => a.attribute),
      ),
    );
  if (ms.calibration) more.append(calibrationCard(ms));
  if (ms.privacy || ms.membershipInference) {
    const rows: Child[][] = [];
    for (const [k, v] of Object.entries(ms.privacy ?? {})) rows.push([k, fmt(v, 4)]);
    for (const [k, v] of Object.entries(ms.membershipInference ?? {}))
      rows.push([`membership inference: ${k}`, fmt(v, 4)]);
    more.append(
      h('section', { class: 'card' }, table({ caption: 'Privacy', head: ['Figure', 'Value'], rows })),
    );
  }
  root.append(more);
  return root;
}

function attributeCard(a: AttributeSection): HTMLElement {
  const card = h('section', { class: 'card', id: `attr-${a.attribute}`, 'aria-label': `By ${a.attribute}` });
  card.append(h('div', { class: 'card-head' }, h('h3', {}, `By ${a.attribute}`)));
  const groupTable = table({
    caption: `Per-group metrics by ${a.attribute} (checked against the most favourable group)`,
    head: ['Group', 'n', ...GROUP_METRICS.map((m) => METRIC_LABELS[m] ?? m), 'Check'],
    rows: a.groups.map((g) => [
      g.value,
      fmt(g.n),
      ...GROUP_METRICS.map((m) => {
        const c = g.checks[m];
        return h(
          'span',
          c === false ? { class: 'verdict fail', title: 'outside the threshold' } : {},
          pct(g.metrics[m]),
          c === false ? ' ✗' : '',
        );
      }),
      verdict(g.pass),
    ]),
  });
  groupTable.dataset.attribute = a.attribute;
  a.groups.forEach((g, i) => {
    const tr = groupTable.tBodies[0]!.rows[i]!;
    tr.dataset.group = g.value;
    if (!g.pass) tr.classList.add('failing');
  });
  card.append(h('div', { class: 'table-wrap' }, groupTable));
  if (a.disparities.length > 0) {
    card.append(h('h3', {}, 'Disparities'));
    card.append(
      bars(
        `Disparities by ${a.attribute}`,
        a.disparities.map((d) => {
          const bar: Bar = {
            label: METRIC_LABELS[d.metric] ?? d.metric,
            value: d.value,
            max: d.kind === 'ratio' ? 1 : Math.max(0.3, d.value * 1.2, (d.threshold ?? 0) * 1.5),
            text: fmt(d.value),
          };
          if (d.pass !== undefined) bar.pass = d.pass;
          if (d.threshold !== undefined) bar.limit = d.threshold;
          return bar;
        }),
      ),
    );
  }
  const withConfusion = a.groups.filter((g) => g.confusion);
  if (withConfusion.length > 0) {
    const wrap = h('div', { class: 'confusion' });
    for (const g of withConfusion) {
      const c = g.confusion!;
      wrap.append(
        table({
          caption: `Confusion matrix: ${a.attribute} = ${g.value}`,
          head: ['', 'Predicted positive', 'Predicted negative'],
          rows: [
            ['Actual positive', `TP ${fmt(c.tp)}`, `FN ${fmt(c.fn)}`],
            ['Actual negative', `FP ${fmt(c.fp)}`, `TN ${fmt(c.tn)}`],
          ],
        }),
      );
    }
    card.append(h('details', {}, h('summary', {}, 'Confusion matrices'), wrap));
  }
  return card;
}

function calibrationCard(ms: ModelSection): HTMLElement {
  const bins = ms.calibration!.filter((b) => b.n > 0);
  const chart = new ChartCard(
    {
      id: 'calibration',
      title: 'Calibration (reliability diagram)',
      xLabel: 'mean predicted score',
      yLabel: 'observed positive rate',
      xRange: [0, 1],
      yRange: [0, 1],
      series: [
        { label: 'perfect calibration', colour: 5, alpha: 0.6, dash: [4, 4], width: 1 },
        { label: 'observed', colour: 0, points: true, width: 2 },
      ],
    },
    () => ({
      caption: 'Calibration bins (95 % Wilson intervals)',
      head: ['Score bin', 'n', 'Mean score', 'Observed rate', 'Interval'],
      rows: ms.calibration!.map((b) => [
        `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`,
        fmt(b.n),
        fmt(b.meanScore),
        fmt(b.observedRate),
        b.n > 0 ? `${fmt(b.interval[0])}–${fmt(b.interval[1])}` : '—',
      ]),
    }),
  );
  const xs = [0, ...bins.map((b) => b.meanScore!), 1];
  const ys = [null, ...bins.map((b) => b.observedRate), null];
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  chart.setData([
    order.map(([x]) => x),
    order.map(([x]) => x),
    order.map(([, i]) => ys[i] ?? null),
  ] as uPlot.AlignedData);
  return chart.element;
}

function tradeoffCard(points: TradeoffPoint[], attrs: string[]): HTMLElement {
  const card = h('section', { class: 'card', id: 'tradeoff', 'aria-labelledby': 'tradeoff-title' });
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: 1,
    step: 0.01,
    value: threshold,
    id: 'threshold',
    'aria-describedby': 'tradeoff-readout',
  }) as HTMLInputElement;
  const valueEl = h(
    'output',
    { for: 'threshold', id: 'threshold-value', class: 'figure' },
    threshold.toFixed(2),
  );
  const readout = h('div', { id: 'tradeoff-readout', 'aria-live': 'polite' });
  const marker = (u: uPlot, theme: { foreground: string }) => {
    const x = u.valToPos(threshold, 'x', true);
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = theme.foreground;
    ctx.lineWidth = 2;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  };
  const series = [
    { label: 'accuracy', colour: 0, width: 2 },
    ...attrs.flatMap((a, i) => [
      { label: `demographic parity difference (${a})`, colour: (1 + 2 * i) % 6, width: 2 },
      { label: `equalized odds difference (${a})`, colour: (2 + 2 * i) % 6, width: 2, dash: [6, 3] },
    ]),
  ];
  const chart = new ChartCard(
    {
      id: 'tradeoff-chart',
      title: 'Accuracy and disparity by threshold',
      xLabel: 'threshold',
      yLabel: 'value',
      yRange: [0, 1],
      series,
      draw: marker,
    },
    () => ({
      caption: 'Accuracy and disparities by decision threshold (every 0.05)',
      head: ['Threshold', 'Accuracy', ...attrs.flatMap((a) => [`DPD (${a})`, `EOD (${a})`])],
      rows: points
        .filter((p) => Math.round(p.threshold * 100) % 5 === 0)
        .map((p) => [
          p.threshold.toFixed(2),
          pct(p.accuracy),
          ...attrs.flatMap((a) => [fmt(p.demographicParityDifference[a]), fmt(p.equalizedOddsDifference[a])]),
        ]),
    }),
  );
  chart.setData([
    points.map((p) => p.threshold),
    points.map((p) => p.accuracy),
    ...attrs.flatMap((a) => [
      points.map((p) => p.demographicParityDifference[a] ?? null),
      points.map((p) => p.equalizedOddsDifference[a] ?? null),
    ]),
  ] as uPlot.AlignedData);
  const update = (): void => {
    threshold = Number(slider.value);
    valueEl.textContent = threshold.toFixed(2);
    const p = tradeoffAt(points, threshold);
    clear(readout);
    if (p) {
      readout.append(
        h(
          'div',
          { class: 'kpis' },
          kpi('Accuracy', pct(p.accuracy), 'tradeoff-accuracy'),
          ...attrs.flatMap((a) => [
            kpi(`DPD (${a})`, fmt(p.demographicParityDifference[a]), `tradeoff-dpd-${a}`),
            kpi(`EOD (${a})`, fmt(p.equalizedOddsDifference[a]), `tradeoff-eod-${a}`),
          ]),
        ),
        ...attrs.map((a) =>
          table({
            caption: `Selection rate by ${a} at threshold ${p.threshold.toFixed(2)}`,
            head: ['Group', 'Selection rate'],
            rows: Object.entries(p.selectionRate[a] ?? {}).map(([g, v]) => [g, pct(v)]),
          }),
        ),
      );
    }
    chart.redraw();
    saveState();
  };
  slider.addEventListener('input', update);
  card.append(
    h('div', { class: 'card-head' }, h('h3', { id: 'tradeoff-title' }, 'Threshold trade-off')),
    h(
      'div',
      { class: 'slider-row' },
      h('label', { for: 'threshold' }, 'Decision threshold'),
      slider,
      valueEl,
    ),
    readout,
    chart.element,
  );
  update();
  return card;
}

// ------------------------------------------------------------------------------------------------ dataset

function datasetView(d: DatasetSection): HTMLElement {
  const t = model!.thresholds;
  const root = h('div', { class: 'section', id: 'dataset' });
  const k = d.kAnonymity;
  root.append(
    h(
      'div',
      { class: 'kpis' },
      kpi('Rows', fmt(d.rows)),
      kpi('Columns', fmt(d.columns)),
      kpi(
        'k-anonymity',
        h('span', {}, k === null ? '—' : fmt(k), ' ', k === null ? null : verdict(k >= t.kAnonymity)),
        'kpi-k',
      ),
      kpi('Unique on quasi-identifiers', pct(d.uniqueRecords)),
      kpi('Findings', fmt(d.findings.length + d.truncated)),
    ),
  );
  const privacy = h(
    'section',
    { class: 'card', id: 'privacy' },
    h('div', { class: 'card-head' }, h('h3', {}, 'Privacy')),
  );
  privacy.append(
    table({
      caption: `Re-identification risk (k ≥ ${t.kAnonymity} required)`,
      head: ['Figure', 'Value'],
      rows: [
        ['Quasi-identifiers', d.quasiIdentifiers.length > 0 ? d.quasiIdentifiers.join(', ') : 'none found'],
        ['k-anonymity', k === null ? '—' : h('span', {}, fmt(k), ' ', verdict(k >= t.kAnonymity))],
        ['Records unique on the quasi-identifiers', pct(d.uniqueRecords)],
        [
          'Columns that single people out',
          d.singlingOut
            ? `${d.singlingOut.columns.join(' + ')} (${pct(d.singlingOut.share)} of records)`
            : 'none',
        ],
      ],
    }),
  );
  if (d.piiColumns.length > 0)
    privacy.append(
      table({
        caption: 'Columns holding personal data',
        head: ['Column', 'Entities'],
        rows: d.piiColumns.map((c) => [c.name, c.entities.join(', ')]),
      }),
    );
  const cards = h('div', { class: 'cards' }, privacy);
  for (const g of d.groups) {
    const card = h(
      'section',
      { class: 'card', id: `group-${g.attribute}` },
      h('div', { class: 'card-head' }, h('h3', {}, `Representation: ${g.attribute}`)),
    );
    card.append(
      bars(
        `Share of rows by ${g.attribute}`,
        g.groups.map((r) => ({
          label: r.value,
          value: r.share,
          max: 1,
          text: pct(r.share),
          interval: r.shareInterval,
        })),
      ),
    );
    const hasBase = g.groups.some((r) => r.baseRate !== undefined);
    if (hasBase) {
      card.append(h('h3', {}, `Base rate${d.label ? ` of ${d.label}` : ''}`));
      card.append(
        bars(
          `Base rate by ${g.attribute}`,
          g.groups.map((r) => {
            const b: Bar = { label: r.value, value: r.baseRate ?? 0, max: 1, text: pct(r.baseRate) };
            if (r.baseRateInterval) b.interval = r.baseRateInterval;
            return b;
          }),
        ),
      );
    }
    card.append(
      table({
        caption: `Groups of ${g.attribute} (95 % Wilson intervals)`,
        head: [
          'Group',
          'n',
          'Share',
          'Share interval',
          ...(hasBase ? ['Base rate', 'Base-rate interval'] : []),
        ],
        rows: g.groups.map((r) => [
          r.value,
          fmt(r.n),
          pct(r.share),
          `${pct(r.shareInterval[0])}–${pct(r.shareInterval[1])}`,
          ...(hasBase
            ? [
                pct(r.baseRate),
                r.baseRateInterval ? `${pct(r.baseRateInterval[0])}–${pct(r.baseRateInterval[1])}` : '—',
              ]
            : []),
        ]),
      }),
    );
    cards.append(card);
  }
  if (d.proxies.length > 0)
    cards.append(
      h(
        'section',
        { class: 'card', id: 'proxies' },
        table({
          caption: 'Possible proxies of protected attributes',
          head: ['Feature', 'Protected attribute', 'Association', 'Measure'],
          rows: d.proxies.map((p) => [p.feature, p.attribute, fmt(p.strength), p.measure ?? '—']),
        }),
      ),
    );
  root.append(cards);
  if (d.findings.length > 0) root.append(foldedFindings('Findings (excerpts are masked)', d.findings));
  if (d.truncated > 0)
    root.append(h('p', { class: 'note' }, `${d.truncated} more findings were dropped by the per-rule cap.`));
  return root;
}

// ------------------------------------------------------------------------------------------------ start

const saved = host.getState();
if (saved?.kind === 'audit') show(saved.model, saved.threshold ?? 0.5);
host.post({ type: 'ready' });
