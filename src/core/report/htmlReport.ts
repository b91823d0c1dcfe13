/**
 * A self-contained HTML report of an audit: one file with inline CSS and inline SVG charts, no scripts and no
 * external resources, so it opens anywhere (a mail attachment, an air-gapped machine) and shows the same
 * figures as the panel. Every text from the data is escaped; excerpts are already masked by the view model.
 */
import {
  GROUP_METRICS,
  METRIC_LABELS,
  fmt,
  pct,
  type AttributeSection,
  type AuditViewModel,
  type CalibrationBin,
  type DatasetSection,
  type FindingRow,
  type ModelSection,
  type TradeoffPoint,
} from './viewModels';

/** Escapes text for HTML content and attribute values. */
export function esc(s: string | number): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export interface HtmlReportOptions {
  /** Per-epoch training history, drawn as a loss chart when given. */
  epochs?: { epoch: number; loss?: number; valLoss?: number }[];
  /** ISO time (injected). */
  generatedAt: string;
}

const CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --blue: #0969da;
  --orange: #bc4c00; --red: #cf222e; --green: #1a7f37; --fill: #eef1f4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
  --blue: #4493f8; --orange: #f0883e; --red: #f85149; --green: #3fb950; --fill: #151b23; } }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.6em; margin-bottom: 0; } h2 { margin-top: 1.8em; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { border-bottom-width: 2px; }
.pass { color: var(--green); font-weight: 600; } .fail { color: var(--red); font-weight: 600; }
tr.failing { background: color-mix(in srgb, var(--red) 8%, transparent); }
.kpis { display: flex; gap: 28px; flex-wrap: wrap; } .kpis div { display: flex; flex-direction: column; }
.kpis b { font-size: 1.5em; } .k { color: var(--muted); font-size: .9em; }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; } svg .grid { stroke: var(--line); }
svg .s0 { stroke: var(--blue); fill: none; stroke-width: 2; } svg .s1 { stroke: var(--orange); fill: none; stroke-width: 2; }
svg .diag { stroke: var(--muted); stroke-dasharray: 4 4; fill: none; }
svg .bar { fill: var(--blue); } svg .bar.failbar { fill: var(--red); } svg .track { fill: var(--fill); }
svg .limit { stroke: var(--fg); stroke-width: 2; } svg .dot0 { fill: var(--blue); } svg .dot1 { fill: var(--orange); }
code { font-family: ui-monospace, monospace; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
`;

function verdict(pass: boolean | null | undefined): string {
  if (pass === null || pass === undefined) return '—';
  return pass ? '<span class="pass">✓ pass</span>' : '<span class="fail">✗ fail</span>';
}

function htmlTable(
  caption: string,
  head: string[],
  rows: string[][],
  rowClass?: (i: number) => string,
): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows
    .map((r, i) => {
      const cls = rowClass?.(i);
      return `<tr${cls ? ` class="${cls}"` : ''}>${r.map((c, j) => (j === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`;
    })
    .join('\n');
  return `<table><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Horizontal bars with a threshold mark; the numbers are in the text next to each bar. */
function barsSvg(
  title: string,
  items: { label: string; value: number; max: number; limit?: number; pass?: boolean }[],
): string {
  const rowH = 22;
  const labelW = 230;
  const barW = 300;
  const h = items.length * rowH + 8;
  const parts = items.map((b, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(0, Math.min(1, b.max > 0 ? b.value / b.max : 0)) * barW;
    const lim = b.limit !== undefined ? Math.max(0, Math.min(1, b.limit / b.max)) * barW : undefined;
    return (
      `<text x="0" y="${y + 14}">${esc(b.label)}</text>` +
      `<rect class="track" x="${labelW}" y="${y + 3}" width="${barW}" height="14"/>` +
      `<rect class="bar${b.pass === false ? ' failbar' : ''}" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="14"/>` +
      (lim !== undefined
        ? `<line class="limit" x1="${(labelW + lim).toFixed(1)}" x2="${(labelW + lim).toFixed(1)}" y1="${y}" y2="${y + 20}"/>`
        : '') +
      `<text x="${labelW + barW + 8}" y="${y + 14}">${esc(fmt(b.value))}${b.pass === undefined ? '' : b.pass ? ' ✓' : ' ✗'}</text>`
    );
  });
  return `<svg role="img" aria-label="${esc(title)}" width="${labelW + barW + 80}" height="${h}" viewBox="0 0 ${labelW + barW + 80} ${h}">${parts.join('')}</svg>`;
}

/** A small line chart: series of (x, y) with nulls as gaps, optional diagonal. */
function lineSvg(
  title: string,
  series: { label: string; points: [number, number | null][] }[],
  opts: {
    xLabel: string;
    yLabel: string;
    xRange?: [number, number];
    yRange?: [number, number];
    diagonal?: boolean;
    marker?: number;
  },
): string {
  const W = 460;
  const H = 260;
  const L = 48;
  const B = 36;
  const T = 10;
  const R = 12;
  const all = series.flatMap((s) => s.points.filter((p): p is [number, number] => p[1] !== null));
  if (all.length === 0) return '';
  const [x0, x1] = opts.xRange ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = opts.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - B - T);
  const ticks = (a: number, b: number) => [0, 0.25, 0.5, 0.75, 1].map((f) => a + f * (b - a));
  let out = `<svg role="img" aria-label="${esc(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`;
  for (const t of ticks(y0, y1))
    out += `<line class="grid" x1="${L}" x2="${W - R}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}"/><text x="4" y="${(sy(t) + 4).toFixed(1)}">${esc(fmt(t, 2))}</text>`;
  for (const t of ticks(x0, x1))
    out += `<text x="${(sx(t) - 10).toFixed(1)}" y="${H - B + 16}">${esc(fmt(t, 2))}</text>`;
  out += `<text x="${W / 2 - 30}" y="${H - 4}">${esc(opts.xLabel)}</text>`;
  if (opts.diagonal)
    out += `<line class="diag" x1="${sx(x0)}" y1="${sy(y0)}" x2="${sx(x1)}" y2="${sy(y1)}"/>`;
  if (opts.marker !== undefined)
    out += `<line class="limit" x1="${sx(opts.marker)}" x2="${sx(opts.marker)}" y1="${T}" y2="${H - B}"/>`;
  series.forEach((s, i) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      pen = true;
    }
    out += `<path class="s${i % 2}" d="${d}"><title>${esc(s.label)}</title></path>`;
    if (s.points.length <= 30)
      for (const [x, y] of s.points)
        if (y !== null)
          out += `<circle class="dot${i % 2}" cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3"/>`;
  });
  out += series
    .map(
      (s, i) =>
        `<text x="${L + 8 + i * 190}" y="${T + 12}" class="legend">${i === 0 ? '━ ' : '━ '}${esc(s.label)}</text>`,
    )
    .join('');
  return out + '</svg>';
}

function findingsHtml(caption: string, rows: readonly FindingRow[]): string {
  return htmlTable(
    caption,
    ['Rule', 'Severity', 'Column', 'Row', 'Message', 'Excerpt (masked)'],
    rows
      .slice(0, 1000)
      .map((f) => [
        `<code>${esc(f.rule)}</code>`,
        esc(f.severity),
        esc(f.column ?? '—'),
        esc(f.row ?? f.line ?? '—'),
        esc(f.message),
        f.excerpt !== undefined ? `<code>${esc(f.excerpt)}</code>` : '—',
      ]),
  );
}

function attributeHtml(a: AttributeSection): string {
  let out = `<h3>By ${esc(a.attribute)}</h3>`;
  out += htmlTable(
    `Per-group metrics by ${a.attribute}`,
    ['Group', 'n', ...GROUP_METRICS.map((m) => METRIC_LABELS[m] ?? m), 'Check'],
    a.groups.map((g) => [
      esc(g.value),
      esc(fmt(g.n)),
      ...GROUP_METRICS.map((m) =>
        g.checks[m] === false
          ? `<span class="fail">${esc(pct(g.metrics[m]))} ✗</span>`
          : esc(pct(g.metrics[m])),
      ),
      verdict(g.pass),
    ]),
    (i) => (a.groups[i]!.pass ? '' : 'failing'),
  );
  if (a.disparities.length > 0) {
    out += barsSvg(
      `Disparities by ${a.attribute}`,
      a.disparities.map((d) => {
        const b: { label: string; value: number; max: number; limit?: number; pass?: boolean } = {
          label: METRIC_LABELS[d.metric] ?? d.metric,
          value: d.value,
          max: d.kind === 'ratio' ? 1 : Math.max(0.3, d.value * 1.2, (d.threshold ?? 0) * 1.5),
        };
        if (d.threshold !== undefined) b.limit = d.threshold;
        if (d.pass !== undefined) b.pass = d.pass;
        return b;
      }),
    );
    out += htmlTable(
      `Disparities by ${a.attribute}`,
      ['Measure', 'Value', 'Threshold', 'Result'],
      a.disparities.map((d) => [
        esc(METRIC_LABELS[d.metric] ?? d.metric),
        esc(fmt(d.value)),
        d.threshold === undefined ? '—' : esc(`${d.kind === 'ratio' ? '≥' : '≤'} ${fmt(d.threshold)}`),
        verdict(d.pass),
      ]),
    );
  }
  const conf = a.groups.filter((g) => g.confusion);
  if (conf.length > 0) {
    out += '<div class="grid2">';
    for (const g of conf) {
      const c = g.confusion!;
      out += htmlTable(
        `Confusion matrix: ${a.attribute} = ${g.value}`,
        ['', 'Predicted positive', 'Predicted negative'],
        [
          ['Actual positive', `TP ${esc(fmt(c.tp))}`, `FN ${esc(fmt(c.fn))}`],
          ['Actual negative', `FP ${esc(fmt(c.fp))}`, `TN ${esc(fmt(c.tn))}`],
        ],
      );
    }
    out += '</div>';
  }
  return out;
}

function calibrationHtml(bins: CalibrationBin[]): string {
  const used = bins.filter((b) => b.n > 0 && b.meanScore !== null);
  return (
    '<h3>Calibration</h3>' +
    lineSvg(
      'Reliability diagram',
      [{ label: 'observed positive rate', points: used.map((b) => [b.meanScore!, b.observedRate]) }],
      {
        xLabel: 'mean predicted score',
        yLabel: 'observed rate',
        xRange: [0, 1],
        yRange: [0, 1],
        diagonal: true,
      },
    ) +
    htmlTable(
      'Calibration bins (95 % Wilson intervals)',
      ['Score bin', 'n', 'Mean score', 'Observed rate', 'Interval'],
      bins.map((b) => [
        esc(`${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`),
        esc(fmt(b.n)),
        esc(fmt(b.meanScore)),
        esc(fmt(b.observedRate)),
        b.n > 0 ? esc(`${fmt(b.interval[0])}–${fmt(b.interval[1])}`) : '—',
      ]),
    )
  );
}

function tradeoffHtml(points: TradeoffPoint[], attrs: string[], threshold: number): string {
  const series = [
    { label: 'accuracy', points: points.map((p) => [p.threshold, p.accuracy] as [number, number | null]) },
    ...attrs.map((a) => ({
      label: `DPD (${a})`,
      points: points.map(
        (p) => [p.threshold, p.demographicParityDifference[a] ?? null] as [number, number | null],
      ),
    })),
  ];
  return (
    '<h3>Accuracy and disparity by threshold</h3>' +
    lineSvg('Accuracy and demographic parity difference by threshold', series.slice(0, 2), {
      xLabel: 'threshold',
      yLabel: 'value',
      xRange: [0, 1],
      yRange: [0, 1],
      marker: threshold,
    }) +
    htmlTable(
      'Accuracy and disparities by decision threshold (every 0.05)',
      ['Threshold', 'Accuracy', ...attrs.flatMap((a) => [`DPD (${a})`, `EOD (${a})`])],
      points
        .filter((p) => Math.round(p.threshold * 100) % 5 === 0)
        .map((p) => [
          esc(p.threshold.toFixed(2)),
          esc(pct(p.accuracy)),
          ...attrs.flatMap((a) => [
            esc(fmt(p.demographicParityDifference[a])),
            esc(fmt(p.equalizedOddsDifference[a])),
          ]),
        ]),
    )
  );
}

function modelHtml(m: ModelSection): string {
  const o = m.overall;
  let out = '<h2>Model</h2><div class="kpis">';
  const kpi = (k: string, v: string) => `<div><span class="k">${esc(k)}</span><b>${esc(v)}</b></div>`;
  if (o.accuracy !== undefined) out += kpi('Accuracy', pct(o.accuracy));
  if (o.n !== undefined) out += kpi('Rows evaluated', fmt(o.n));
  if (o.auc !== undefined) out += kpi('ROC AUC', fmt(o.auc));
  out += kpi('Decision threshold', fmt(m.threshold, 2));
  if (m.privacy?.epsilon !== undefined) out += kpi('ε (DP)', fmt(m.privacy.epsilon));
  out += '</div>';
  if (m.findings.length > 0) out += findingsHtml('Findings on the predictions', m.findings);
  for (const a of m.attributes) out += attributeHtml(a);
  if (m.mitigation) {
    out += `<h3>Before mitigation (${esc(m.mitigation.method)})</h3>`;
    if (m.mitigation.note) out += `<p>${esc(m.mitigation.note)}</p>`;
    for (const a of m.mitigation.before) out += attributeHtml(a);
  }
  if (m.calibration) out += calibrationHtml(m.calibration);
  if (m.tradeoff && m.tradeoff.length > 0)
    out += tradeoffHtml(
      m.tradeoff,
      m.attributes.map((a) => a.attribute),
      m.threshold,
    );
  const priv = [
    ...Object.entries(m.privacy ?? {}),
    ...Object.entries(m.membershipInference ?? {}).map(
      ([k, v]) => [`membership inference: ${k}`, v] as const,
    ),
  ];
  if (priv.length > 0)
    out += htmlTable(
      'Privacy',
      ['Figure', 'Value'],
      priv.map(([k, v]) => [esc(k), esc(fmt(v, 4))]),
    );
  return out;
}

function datasetHtml(d: DatasetSection, kMin: number): string {
  let out = '<h2>Dataset</h2>';
  out += htmlTable(
    'Re-identification risk',
    ['Figure', 'Value'],
    [
      ['Rows', esc(fmt(d.rows))],
      ['Columns', esc(fmt(d.columns))],
      ['Quasi-identifiers', esc(d.quasiIdentifiers.join(', ') || 'none found')],
      [
        'k-anonymity',
        d.kAnonymity === null
          ? '—'
          : `${esc(fmt(d.kAnonymity))} ${verdict(d.kAnonymity >= kMin)} (k ≥ ${esc(kMin)} required)`,
      ],
      ['Records unique on the quasi-identifiers', esc(pct(d.uniqueRecords))],
      [
        'Columns that single people out',
        esc(
          d.singlingOut
            ? `${d.singlingOut.columns.join(' + ')} (${pct(d.singlingOut.share)} of records)`
            : 'none',
        ),
      ],
    ],
  );
  if (d.piiColumns.length > 0)
    out += htmlTable(
      'Columns holding personal data',
      ['Column', 'Entities'],
      d.piiColumns.map((c) => [esc(c.name), esc(c.entities.join(', '))]),
    );
  for (const g of d.groups) {
    const hasBase = g.groups.some((r) => r.baseRate !== undefined);
    out += `<h3>Representation: ${esc(g.attribute)}</h3>`;
    out += barsSvg(
      `Share of rows by ${g.attribute}`,
      g.groups.map((r) => ({ label: r.value, value: r.share, max: 1 })),
    );
    out += htmlTable(
      `Groups of ${g.attribute} (95 % Wilson intervals)`,
      ['Group', 'n', 'Share', 'Share interval', ...(hasBase ? ['Base rate', 'Base-rate interval'] : [])],
      g.groups.map((r) => [
        esc(r.value),
        esc(fmt(r.n)),
        esc(pct(r.share)),
        esc(`${pct(r.shareInterval[0])}–${pct(r.shareInterval[1])}`),
        ...(hasBase
          ? [
              esc(pct(r.baseRate)),
              r.baseRateInterval ? esc(`${pct(r.baseRateInterval[0])}–${pct(r.baseRateInterval[1])}`) : '—',
            ]
          : []),
      ]),
    );
  }
  if (d.proxies.length > 0)
    out += htmlTable(
      'Possible proxies of protected attributes',
      ['Feature', 'Protected attribute', 'Association', 'Measure'],
      d.proxies.map((p) => [esc(p.feature), esc(p.attribute), esc(fmt(p.strength)), esc(p.measure ?? '—')]),
    );
  if (d.findings.length > 0) out += findingsHtml('Findings (excerpts are masked)', d.findings);
  if (d.truncated > 0) out += `<p>${esc(d.truncated)} more findings were dropped by the per-rule cap.</p>`;
  return out;
}

/** Renders the report. The output references nothing outside itself: no `src`, no `href` to other files. */
export function htmlReport(view: AuditViewModel, options: HtmlReportOptions): string {
  let body = `<h1>${esc(view.title)}</h1><p class="meta"><code>${esc(view.source.path)}</code> · generated ${esc(options.generatedAt)} by Responsible ML</p>`;
  if (options.epochs && options.epochs.length > 0) {
    const ep = options.epochs;
    body +=
      '<h2>Training</h2>' +
      lineSvg(
        'Loss per epoch',
        [
          { label: 'training loss', points: ep.map((e) => [e.epoch, e.loss ?? null]) },
          { label: 'validation loss', points: ep.map((e) => [e.epoch, e.valLoss ?? null]) },
        ],
        { xLabel: 'epoch', yLabel: 'loss' },
      ) +
      htmlTable(
        'Loss per epoch',
        ['Epoch', 'Training loss', 'Validation loss'],
        ep.map((e) => [esc(e.epoch), esc(fmt(e.loss, 4)), esc(fmt(e.valLoss, 4))]),
      );
  }
  if (view.model) body += modelHtml(view.model);
  if (view.dataset) body += datasetHtml(view.dataset, view.thresholds.kAnonymity);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(view.title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
