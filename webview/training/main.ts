/**
 * The training panel: live loss and metric curves of one run, with earlier runs of the same config overlaid,
 * fairness and ε per epoch when the run records them, progress, ETA and a Stop button.
 *
 * Records arrive in batches from the extension (at most ~10 messages a second); drawing is throttled here as
 * well, to one frame per 100 ms, and each draw decimates the batch curve to the plot's pixel width (M4), so a
 * run with 100,000 batch points redraws as quickly as one with a thousand.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type uPlot from 'uplot';
import {
  TrainingSeries,
  decimateIndices,
  fmt,
  formatDuration,
  trainingProgress,
  type MetricRecord,
  type RunOverlay,
  type RunStatus,
  type TrainingRunInfo,
} from '../../src/core/report/viewModels';
import {
  assertNever,
  type TrainingHostMessage,
  type TrainingPanelState,
  type TrainingWebviewMessage,
} from '../../src/protocol/webview';
import { ChartCard, type SeriesSpec } from '../shared/chart';
import { clear, exportedNote, h } from '../shared/dom';
import { connectHost, onHostMessage } from '../shared/host';

const host = connectHost<TrainingWebviewMessage, TrainingPanelState>();
const MIN_FRAME_MS = 100;
const MAX_OVERLAYS = 3;

let run: TrainingRunInfo | undefined;
let status: RunStatus = { state: 'unknown' };
let series = new TrainingSeries();
let overlays: RunOverlay[] = [];

// ------------------------------------------------------------------------------------------------ layout

const titleEl = h('h1', {}, 'Training');
const stateBadge = h('vscode-badge', { id: 'run-state', variant: 'counter' }, '…');
const facts = h('dl', { class: 'facts', id: 'facts' });
const progressBar = h('vscode-progress-bar', { id: 'progress', 'aria-label': 'Training progress' });
const announcer = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'announcer' });
const errorEl = h('div', { class: 'error', role: 'alert', hidden: true, id: 'error' });
const noteEl = h('p', { class: 'note', id: 'note', role: 'status' });

const stopBtn = h('vscode-button', { id: 'stop', disabled: true }, 'Stop');
const auditBtn = h('vscode-button', { id: 'open-audit', secondary: true, disabled: true }, 'Open audit');
const reportBtn = h('vscode-button', { id: 'export-html', secondary: true }, 'Export HTML report');
const cardBtn = h('vscode-button', { id: 'export-card', secondary: true }, 'Export model card');
stopBtn.addEventListener('click', () => {
  // A disabled custom element still gets a click dispatched to it: once the run has ended (or Stop was
  // pressed), a late press must not overwrite what the run's end said ("Cancelled ...") with "Stopping".
  if (stopBtn.hasAttribute('disabled') || status.state !== 'running') return;
  stopBtn.setAttribute('disabled', '');
  noteEl.textContent = 'Stopping after the current batch…';
  host.post({ type: 'stop' });
});
auditBtn.addEventListener('click', () => host.post({ type: 'openAudit' }));
reportBtn.addEventListener('click', () => host.post({ type: 'export', format: 'html' }));
cardBtn.addEventListener('click', () => host.post({ type: 'export', format: 'modelCard' }));

const lossChart = new ChartCard(
  { id: 'loss', title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series: [] },
  () => lossTable(),
);
const metricChart = new ChartCard(
  { id: 'metrics', title: 'Metrics per epoch', xLabel: 'epoch', yLabel: 'value', series: [] },
  () => epochTable('Metrics per epoch', metricNames()),
);
const fairChart = new ChartCard(
  {
    id: 'fairness',
    title: 'Fairness and privacy per epoch',
    xLabel: 'epoch',
    yLabel: 'difference',
    series: [],
  },
  () => fairnessTable(),
);
fairChart.element.hidden = true;

document
  .getElementById('app')!
  .append(
    h(
      'header',
      { class: 'panel-head' },
      h('div', { class: 'title-row' }, titleEl, stateBadge),
      facts,
      progressBar,
      h('div', { class: 'actions' }, stopBtn, auditBtn, reportBtn, cardBtn),
      noteEl,
      announcer,
    ),
    errorEl,
    h('div', { class: 'charts' }, lossChart.element, metricChart.element, fairChart.element),
  );

// ------------------------------------------------------------------------------------------------ messages

onHostMessage<TrainingHostMessage>((m) => {
  switch (m.type) {
    case 'init':
      run = m.run;
      status = m.status;
      overlays = m.overlays.slice(-MAX_OVERLAYS);
      series = new TrainingSeries();
      series.add(m.records);
      host.setState({ kind: 'training', runDir: m.run.runDir });
      titleEl.textContent = `Training · ${m.run.config} / ${m.run.id}`;
      schedule();
      break;
    case 'run':
      run = m.run;
      schedule();
      break;
    case 'metrics':
      addRecords(m.records);
      break;
    case 'status':
      status = m.status;
      if (m.status.message) noteEl.textContent = m.status.message;
      schedule();
      break;
    case 'exported':
      noteEl.textContent = exportedNote(m);
      break;
    default:
      assertNever(m);
  }
}, showError);

function addRecords(records: MetricRecord[]): void {
  const before = series.epochs.length;
  series.add(records);
  if (series.epochs.length > before) {
    const e = series.epochs[series.epochs.length - 1]!;
    const parts = [`Epoch ${e} finished`, `loss ${fmt(series.latest('loss'), 4)}`];
    const vl = series.latest('val_loss');
    if (vl !== undefined) parts.push(`validation loss ${fmt(vl, 4)}`);
    announcer.textContent = parts.join(', ');
  }
  schedule();
}

function showError(e: Error, what = 'show a message'): void {
  errorEl.hidden = false;
  errorEl.textContent = `The panel could not ${what}: ${e.message}`;
}

// ------------------------------------------------------------------------------------------------ drawing

let lastFrame = 0;
let pending = false;

/** At most one draw per {@link MIN_FRAME_MS}, on an animation frame. */
function schedule(): void {
  if (pending) return;
  pending = true;
  const wait = Math.max(0, lastFrame + MIN_FRAME_MS - performance.now());
  setTimeout(() => requestAnimationFrame(draw), wait);
}

/** Epoch charts change only when an epoch record arrives: skip them on batch-only frames. */
let epochChartsDrawnFor: TrainingSeries | undefined;
let epochChartsDrawnAt = -1;
let batchesDrawnAt = -1;

function draw(): void {
  pending = false;
  lastFrame = performance.now();
  try {
    drawHeader();
    if (
      series.batchLoss.length !== batchesDrawnAt ||
      epochChartsDrawnFor !== series ||
      series.epochs.length !== epochChartsDrawnAt
    ) {
      batchesDrawnAt = series.batchLoss.length;
      drawLoss();
    }
    if (epochChartsDrawnFor !== series || series.epochs.length !== epochChartsDrawnAt) {
      epochChartsDrawnFor = series;
      epochChartsDrawnAt = series.epochs.length;
      drawMetrics();
      drawFairness();
    }
  } catch (e) {
    // A chart that cannot be drawn is said in the page; the run's state below still changes, so a finished
    // or cancelled run never looks as if it were running.
    showError(e instanceof Error ? e : new Error(String(e)), 'draw the charts');
  } finally {
    document.body.dataset.state = status.state;
  }
}

/** A label and its value, kept together when the header wraps (a `div` grouping is valid inside `dl`). */
function fact(label: string, value: string, id: string): HTMLElement[] {
  return [h('div', { class: 'fact' }, h('dt', {}, label), h('dd', { id }, value))];
}

function drawHeader(): void {
  const p = trainingProgress(series, run ?? {}, status.state, Date.now());
  stateBadge.textContent = status.state;
  stateBadge.dataset.state = status.state;
  clear(facts);
  const where = [run?.backend, run?.device].filter(Boolean).join(' · ') || 'unknown';
  facts.append(
    ...fact('Backend', where, 'fact-backend'),
    ...fact('Epoch', p.epochs ? `${p.epochsDone} / ${p.epochs}` : String(p.epochsDone), 'fact-epoch'),
    ...fact(
      'Samples/s',
      p.samplesPerSecond !== undefined ? Math.round(p.samplesPerSecond).toLocaleString('en-US') : '—',
      'fact-sps',
    ),
    ...fact(
      'ETA',
      p.etaMs !== undefined ? formatDuration(p.etaMs) : status.state === 'running' ? 'estimating…' : '—',
      'fact-eta',
    ),
  );
  if (series.hasEpsilon) {
    const eps = series.epsilon.filter((e): e is number => e !== null);
    facts.append(...fact('ε spent', fmt(eps[eps.length - 1], 3), 'fact-epsilon'));
  }
  if (p.fraction !== undefined) progressBar.setAttribute('value', String(p.fraction * 100));
  progressBar.setAttribute('max', '100');
  progressBar.toggleAttribute('hidden', status.state !== 'running');
  stopBtn.toggleAttribute('disabled', status.state !== 'running');
  auditBtn.toggleAttribute('disabled', status.state !== 'finished');
}

/** Merges x values from several sources into one sorted axis and fills each series at its own x. */
function align(columns: { x: ArrayLike<number>; y: ArrayLike<number | null> }[]): uPlot.AlignedData {
  const xs = new Set<number>();
  for (const c of columns) for (let i = 0; i < c.x.length; i++) xs.add(c.x[i]!);
  const x = [...xs].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const out: (number | null)[][] = columns.map(() => new Array<number | null>(x.length).fill(null));
  columns.forEach((c, k) => {
    for (let i = 0; i < c.x.length; i++) out[k]![at.get(c.x[i]!)!] = c.y[i] ?? null;
  });
  return [x, ...out] as uPlot.AlignedData;
}

function label(name: string): string {
  if (name === 'loss') return 'training loss';
  if (name === 'val_loss') return 'validation loss';
  if (name === 'val_metric') return 'validation metric';
  return name.startsWith('val_') ? `validation ${name.slice(4)}` : name;
}

function drawLoss(): void {
  const bx = series.batchX();
  const keep = decimateIndices(bx, series.batchLoss, lossChart.pixelWidth);
  const kx = keep.map((i) => bx[i]!);
  const specs: SeriesSpec[] = [];
  const cols: { x: ArrayLike<number>; y: ArrayLike<number | null> }[] = [];
  if (series.batchLoss.length > 0) {
    specs.push({ label: 'batch loss', colour: 0, alpha: 0.35, width: 1 });
    cols.push({ x: kx, y: keep.map((i) => series.batchLoss[i]!) });
    specs.push({ label: 'batch loss (smoothed)', colour: 0, width: 2 });
    cols.push({ x: kx, y: keep.map((i) => series.batchLossSmoothed[i]!) });
  }
  for (const [name, colour] of [
    ['loss', 2],
    ['val_loss', 1],
  ] as const) {
    const v = series.epochValues[name];
    if (!v) continue;
    specs.push({ label: `${label(name)} (per epoch)`, colour, points: true, width: 1.5 });
    cols.push({ x: series.epochs, y: v });
  }
  for (const o of overlays) {
    const v = o.series.val_loss ?? o.series.loss;
    if (!v) continue;
    specs.push({
      label: `run ${o.id} ${o.series.val_loss ? 'validation' : 'training'} loss`,
      colour: 3,
      alpha: 0.6,
      dash: [6, 4],
    });
    cols.push({ x: o.epochs, y: v });
  }
  lossChart.setSpec({
    id: 'loss',
    title: 'Loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: specs,
    integerX: true,
  });
  lossChart.setData(align(cols));
}

function metricNames(): string[] {
  return Object.keys(series.epochValues).filter((k) => k !== 'loss' && k !== 'val_loss');
}

function drawMetrics(): void {
  const names = metricNames();
  metricChart.element.hidden = names.length === 0;
  if (names.length === 0) return;
  const specs: SeriesSpec[] = [];
  const cols: { x: ArrayLike<number>; y: ArrayLike<number | null> }[] = [];
  names.forEach((n, i) => {
    specs.push({ label: label(n), colour: (i + 1) % 6, points: true, width: 2 });
    cols.push({ x: series.epochs, y: series.epochValues[n]! });
  });
  for (const o of overlays) {
    names.forEach((n, i) => {
      const v = o.series[n];
      if (!v) return;
      specs.push({ label: `run ${o.id} ${label(n)}`, colour: (i + 1) % 6, alpha: 0.5, dash: [6, 4] });
      cols.push({ x: o.epochs, y: v });
    });
  }
  metricChart.setSpec({
    id: 'metrics',
    title: 'Metrics per epoch',
    xLabel: 'epoch',
    yLabel: 'value',
    series: specs,
    integerX: true,
  });
  metricChart.setData(align(cols));
}

function drawFairness(): void {
  const names = Object.keys(series.fairness);
  const eps = series.hasEpsilon;
  fairChart.element.hidden = names.length === 0 && !eps;
  if (fairChart.element.hidden) return;
  const specs: SeriesSpec[] = [];
  const cols: { x: ArrayLike<number>; y: ArrayLike<number | null> }[] = [];
  names.forEach((n, i) => {
    specs.push({ label: n, colour: (i + 4) % 6, points: true, width: 2 });
    cols.push({ x: series.epochs, y: series.fairness[n]! });
  });
  if (eps) {
    specs.push({ label: 'ε (privacy spent)', colour: 3, points: true, width: 2, scale: 'y2', dash: [2, 3] });
    cols.push({ x: series.epochs, y: series.epsilon });
  }
  fairChart.setSpec({
    id: 'fairness',
    title:
      names.length > 0 && eps
        ? 'Fairness and privacy per epoch'
        : eps
          ? 'Privacy spent per epoch'
          : 'Fairness per epoch',
    xLabel: 'epoch',
    integerX: true,
    yLabel: names.length > 0 ? 'difference' : 'ε',
    ...(eps && names.length > 0 ? { y2Label: 'ε' } : {}),
    series: eps && names.length === 0 ? specs.map((s) => ({ ...s, scale: 'y' as const })) : specs,
  });
  fairChart.setData(align(cols));
}

// ------------------------------------------------------------------------------------------------ tables

function epochTable(caption: string, names: string[]) {
  return {
    caption,
    head: ['Epoch', ...names.map(label)],
    rows: series.epochs.map((e, i) => [e, ...names.map((n) => fmt(series.epochValues[n]?.[i], 4))]),
  };
}

function lossTable() {
  const t = epochTable(
    `Loss per epoch (${series.batchLoss.length.toLocaleString('en-US')} batch points drawn in the chart; the smoothed batch loss at each epoch's end is shown)`,
    ['loss', 'val_loss'].filter((n) => series.epochValues[n]),
  );
  const bx = series.batchX();
  t.head.push('Smoothed batch loss');
  series.epochs.forEach((e, i) => {
    let last = -1;
    for (let k = 0; k < bx.length; k++) if (bx[k]! <= e) last = k;
    t.rows[i]!.push(last >= 0 ? fmt(series.batchLossSmoothed[last], 4) : '—');
  });
  return t;
}

function fairnessTable() {
  const names = Object.keys(series.fairness);
  return {
    caption: 'Fairness and privacy per epoch',
    head: ['Epoch', ...names, ...(series.hasEpsilon ? ['ε'] : [])],
    rows: series.epochs.map((e, i) => [
      e,
      ...names.map((n) => fmt(series.fairness[n]?.[i], 4)),
      ...(series.hasEpsilon ? [fmt(series.epsilon[i], 3)] : []),
    ]),
  };
}

// The ETA counts down between records too.
setInterval(() => {
  if (status.state === 'running') schedule();
}, 1000);

const saved = host.getState();
if (saved?.kind === 'training') titleEl.textContent = `Training · ${saved.runDir}`;
host.post({ type: 'ready' });
