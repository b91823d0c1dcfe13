/**
 * A small element builder. Text always goes in through `textContent`, never `innerHTML`, so data (column names,
 * group values, messages) cannot inject markup into the panel.
 */
import type { ExportedMessage } from '../../src/protocol/webview';

export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string | number | boolean | undefined>,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(
  tag: string,
  attrs?: Record<string, string | number | boolean | undefined>,
  ...children: Child[]
): HTMLElement;
export function h(
  tag: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Pass/fail shown by text and symbol, not colour alone. */
export function verdict(pass: boolean | null | undefined): HTMLElement {
  if (pass === null || pass === undefined) return h('span', { class: 'verdict na' }, '—');
  return h('span', { class: pass ? 'verdict pass' : 'verdict fail' }, pass ? '✓ pass' : '✗ fail');
}

export interface TableSpec {
  caption: string;
  head: string[];
  rows: Child[][];
  /** Index of the column whose cells are row headers (scope=row). */
  rowHeader?: number;
  className?: string;
}

/** An accessible data table: caption, `th scope="col"`, row headers. */
export function table(spec: TableSpec): HTMLTableElement {
  const t = h('table', { class: spec.className ?? 'data' });
  t.append(h('caption', {}, spec.caption));
  const thead = h('thead');
  const tr = h('tr');
  for (const c of spec.head) tr.append(h('th', { scope: 'col' }, c));
  thead.append(tr);
  t.append(thead);
  const tbody = h('tbody');
  for (const r of spec.rows) {
    const row = h('tr');
    r.forEach((c, i) => {
      const cell = i === (spec.rowHeader ?? 0) ? h('th', { scope: 'row' }) : h('td');
      append(cell, [c]);
      row.append(cell);
    });
    tbody.append(row);
  }
  t.append(tbody);
  return t;
}

/** The line a panel shows after an export: where the file was written, or why it was not. */
export function exportedNote(m: ExportedMessage): string {
  return m.path
    ? `${m.format === 'html' ? 'HTML report' : 'Model card'} written to ${m.path}`
    : `Export failed: ${m.error ?? 'unknown error'}`;
}
