/**
 * A chart card: a uPlot canvas with the theme's colours, resized with its container, and a toggle that swaps
 * it for an accessible data table (the canvas is hidden from assistive technology; the table is the
 * alternative a screen reader or keyboard user reads).
 */
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css';
import { clear, h, table, type TableSpec } from './dom';
import { faint, onThemeChange, readTheme, type ChartTheme } from './theme';

export interface SeriesSpec {
  label: string;
  /** Index into the theme's series colours. */
  colour: number;
  /** 0..1: draws the series faded (raw batch loss, earlier runs). */
  alpha?: number;
  width?: number;
  dash?: number[];
  points?: boolean;
  /** Draw points only, no line. */
  pointsOnly?: boolean;
  /** `y2` for the right axis. */
  scale?: 'y' | 'y2';
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  height?: number;
  series: SeriesSpec[];
  /** Extra drawing on top (e.g. the threshold marker); gets the plot and the theme. */
  draw?: (u: uPlot, theme: ChartTheme) => void;
  xRange?: [number, number];
  yRange?: [number, number];
  /** Whole-number x ticks (epochs). */
  integerX?: boolean;
}

let cssInstalled = false;

/** uPlot's own stylesheet, adopted as a constructed sheet: no inline `<style>` the CSP would have to allow. */
function installCss(): void {
  if (cssInstalled) return;
  cssInstalled = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(uPlotCss);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

export class ChartCard {
  readonly element: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly tableEl: HTMLElement;
  private readonly toggle: HTMLElement;
  private plot: uPlot | undefined;
  private data: uPlot.AlignedData;
  private showingTable = false;
  private spec: ChartSpec;

  constructor(
    spec: ChartSpec,
    private readonly tableSpec: () => TableSpec,
  ) {
    installCss();
    this.spec = spec;
    this.data = [[], ...spec.series.map(() => [])];
    this.plotEl = h('div', { class: 'plot', 'aria-hidden': 'true', 'data-chart': spec.id });
    this.tableEl = h('div', { class: 'table-wrap', hidden: true, id: `${spec.id}-table` });
    this.toggle = h(
      'vscode-button',
      {
        secondary: true,
        'aria-pressed': 'false',
        'aria-controls': `${spec.id}-table`,
        class: 'table-toggle',
      },
      'Show table',
    );
    this.toggle.addEventListener('click', () => this.setTableShown(!this.showingTable));
    this.element = h(
      'section',
      { class: 'card chart-card', 'aria-labelledby': `${spec.id}-title`, id: spec.id },
      h('div', { class: 'card-head' }, h('h3', { id: `${spec.id}-title` }, spec.title), this.toggle),
      this.plotEl,
      this.tableEl,
    );
    new ResizeObserver(() => this.resize()).observe(this.plotEl);
    onThemeChange(() => this.rebuild());
  }

  /** Pixel width of the plot area: the number of decimation buckets worth drawing. */
  get pixelWidth(): number {
    return Math.max(100, Math.floor(this.plotEl.clientWidth || 600));
  }

  /** Points currently drawn in series i (for tests and the status line). */
  pointCount(i = 1): number {
    const s = this.data[i];
    if (!s) return 0;
    let n = 0;
    for (let k = 0; k < s.length; k++) if (s[k] !== null && s[k] !== undefined) n++;
    return n;
  }

  setSpec(spec: ChartSpec): void {
    const changed =
      JSON.stringify(spec.series) !== JSON.stringify(this.spec.series) || spec.y2Label !== this.spec.y2Label;
    this.spec = spec;
    if (changed) {
      this.plot?.destroy();
      this.plot = undefined;
    }
  }

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    this.plotEl.dataset.points = String(this.pointCount(1));
    // Where the first series ends (the live curve; overlays may reach further).
    const xs = data[0];
    const ys = data[1];
    let end = xs.length - 1;
    while (end >= 0 && (ys?.[end] === null || ys?.[end] === undefined)) end--;
    this.plotEl.dataset.xMax = end >= 0 ? String(xs[end]) : '';
    if (this.showingTable) this.renderTable();
    if (!this.plot) this.rebuild();
    else this.plot.setData(data);
  }

  /** Redraws without new data (e.g. the threshold marker moved). */
  redraw(): void {
    this.plot?.redraw(false, false);
  }

  setTableShown(show: boolean): void {
    this.showingTable = show;
    this.toggle.setAttribute('aria-pressed', String(show));
    this.toggle.textContent = show ? 'Show chart' : 'Show table';
    this.tableEl.hidden = !show;
    this.plotEl.hidden = show;
    if (show) this.renderTable();
    else this.resize();
  }

  private renderTable(): void {
    clear(this.tableEl);
    this.tableEl.append(table(this.tableSpec()));
  }

  private resize(): void {
    if (this.plot && !this.plotEl.hidden)
      this.plot.setSize({ width: this.pixelWidth, height: this.spec.height ?? 240 });
  }

  private rebuild(): void {
    this.plot?.destroy();
    clear(this.plotEl);
    const theme = readTheme();
    const axis = (label: string, scale?: string, side?: number): uPlot.Axis => ({
      label,
      stroke: theme.foreground,
      grid: { stroke: faint(theme.grid, 0.6), width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      font: theme.font,
      labelFont: theme.font,
      ...(scale ? { scale } : {}),
      ...(side !== undefined ? { side } : {}),
    });
    const series: uPlot.Series[] = [{ label: this.spec.xLabel }];
    for (const s of this.spec.series) {
      const base = theme.series[s.colour % theme.series.length]!;
      const stroke = s.alpha !== undefined && !theme.highContrast ? faint(base, s.alpha) : base;
      series.push({
        label: s.label,
        stroke,
        width: theme.highContrast ? (s.width ?? 1.5) + 0.5 : (s.width ?? 1.5),
        spanGaps: true,
        scale: s.scale ?? 'y',
        ...(s.dash ? { dash: s.dash } : {}),
        ...(s.pointsOnly ? { paths: () => null } : {}),
        points: { show: s.points || s.pointsOnly ? true : false, size: 6, fill: base, stroke: base },
      });
    }
    const xAxis = axis(this.spec.xLabel);
    if (this.spec.integerX) xAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
    const axes: uPlot.Axis[] = [xAxis, axis(this.spec.yLabel)];
    if (this.spec.y2Label) axes.push(axis(this.spec.y2Label, 'y2', 1));
    const scales: uPlot.Scales = { x: { time: false } };
    if (this.spec.xRange) scales.x!.range = this.spec.xRange;
    if (this.spec.yRange) scales.y = { range: this.spec.yRange };
    const draw = this.spec.draw;
    this.plot = new uPlot(
      {
        width: this.pixelWidth,
        height: this.spec.height ?? 240,
        series,
        axes,
        scales,
        legend: { show: true },
        cursor: { drag: { x: true, y: false } },
        hooks: draw ? { draw: [(u) => draw(u, theme)] } : {},
      },
      this.data,
      this.plotEl,
    );
  }
}
