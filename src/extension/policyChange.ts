/**
 * Edits to `responsible-ml.json` as jsonc-parser edits, so comments and formatting survive. No `vscode` import:
 * unit-tested in plain Node.
 */
import { applyEdits, modify, parse, type JSONPath } from 'jsonc-parser';

/** A change to `responsible-ml.json`, expressed as jsonc-parser edits so comments and formatting survive. */
export type PolicyChange =
  | { kind: 'ignore'; rule: string; column?: string; reason?: string }
  | { kind: 'protected'; column: string }
  | { kind: 'label'; column: string };

/** Applies a change to the text of a policy file (pure; exported for tests). */
export function applyPolicyChange(text: string, change: PolicyChange): string {
  const fmt = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
  const current = (parse(text) ?? {}) as {
    ignore?: unknown[];
    protected?: unknown[];
    notProtected?: unknown[];
  };
  const edit = (p: JSONPath, v: unknown, extra: Parameters<typeof modify>[3] = fmt): string =>
    applyEdits(text, modify(text, p, v, extra));
  switch (change.kind) {
    case 'ignore': {
      const entry = {
        rule: change.rule,
        ...(change.column ? { column: change.column } : {}),
        ...(change.reason ? { reason: change.reason } : {}),
      };
      const list = Array.isArray(current.ignore) ? current.ignore : [];
      const dup = list.some(
        (i) =>
          JSON.stringify(i) === JSON.stringify(entry) ||
          (typeof i === 'object' &&
            i !== null &&
            (i as { rule?: string }).rule === change.rule &&
            (i as { column?: string }).column === change.column),
      );
      if (dup) return text;
      return edit(['ignore', list.length], entry, { ...fmt, isArrayInsertion: true });
    }
    case 'protected': {
      const list = Array.isArray(current.protected) ? current.protected : [];
      if (list.includes(change.column)) return text;
      let next = edit(['protected', list.length], change.column, { ...fmt, isArrayInsertion: true });
      const not = Array.isArray(current.notProtected) ? current.notProtected : [];
      const i = not.indexOf(change.column);
      if (i >= 0) next = applyEdits(next, modify(next, ['notProtected', i], undefined, fmt));
      return next;
    }
    case 'label':
      return edit(['label'], change.column);
  }
}
