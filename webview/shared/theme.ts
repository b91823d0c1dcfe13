/**
 * Colours come from VS Code's theme (CSS variables it sets on the webview's body) so charts follow light, dark
 * and high-contrast themes. Canvas drawing cannot use `var(...)`, so the values are read and re-read when the
 * body's theme class changes.
 */
export interface ChartTheme {
  foreground: string;
  grid: string;
  background: string;
  series: string[];
  highContrast: boolean;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

export function readTheme(): ChartTheme {
  const s = getComputedStyle(document.body);
  const dark =
    document.body.classList.contains('vscode-dark') ||
    document.body.classList.contains('vscode-high-contrast');
  const highContrast =
    document.body.classList.contains('vscode-high-contrast') ||
    document.body.classList.contains('vscode-high-contrast-light');
  const fg = cssVar(s, '--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  return {
    foreground: fg,
    grid: highContrast ? fg : cssVar(s, '--vscode-editorWidget-border', dark ? '#454545' : '#c8c8c8'),
    background: cssVar(s, '--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    series: [
      cssVar(s, '--vscode-charts-blue', '#3794ff'),
      cssVar(s, '--vscode-charts-orange', '#d18616'),
      cssVar(s, '--vscode-charts-green', '#89d185'),
      cssVar(s, '--vscode-charts-purple', '#b180d7'),
      cssVar(s, '--vscode-charts-red', '#f14c4c'),
      cssVar(s, '--vscode-charts-yellow', '#cca700'),
    ],
    highContrast,
    font: `${cssVar(s, '--vscode-font-size', '13px')} ${cssVar(s, '--vscode-font-family', 'sans-serif')}`,
  };
}

/** Calls `onChange` when VS Code switches theme (it swaps the body's classes and variables). */
export function onThemeChange(onChange: () => void): void {
  let last = document.body.className;
  new MutationObserver(() => {
    if (document.body.className !== last) {
      last = document.body.className;
      onChange();
    }
  }).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}

/** A colour with transparency, for faint series (raw batch loss, earlier runs). Works for #rgb/#rrggbb. */
export function faint(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) return colour;
  let hex = m[1]!;
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255)
    .toString(16)
    .padStart(2, '0');
  return `#${hex}${a}`;
}
