/**
 * The sections of `docs/rules.md`, one a rule, for SARIF's rule `help`: GitHub code scanning shows it beside
 * each alert, so a reader learns what the finding means and what to do without leaving the alert.
 */

/**
 * Each rule's section of the rules document, keyed by rule id: the Markdown after its `### \`id\`` heading up
 * to the next rule's anchor or heading, trimmed.
 */
export function ruleSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  const heading = /^### `([^`]+)`[^\n]*\n/gm;
  const found = [...markdown.matchAll(heading)];
  found.forEach((m, k) => {
    const start = m.index + m[0].length;
    const end = k + 1 < found.length ? found[k + 1]!.index : markdown.length;
    // The next rule's anchor, or a chapter heading, ends the section before the next rule's heading does.
    const body = markdown
      .slice(start, end)
      .split(/^<a id=|^## /m)[0]!
      .trim();
    if (body) sections.set(m[1]!, body);
  });
  return sections;
}
