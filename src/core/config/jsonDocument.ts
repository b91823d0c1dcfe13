/**
 * Parses a JSON (with comments) document and validates it against a JSON Schema, reporting every problem at
 * its line and column with the JSON path. Shared by the workspace policy and anything else that is a
 * schema-checked file, so the same message style shows in the editor and in the CLI.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { Finding, SourceRange } from '../findings';

export interface JsonDocumentResult<T> {
  /** The parsed value when it parsed at all (it may still have schema problems). */
  value: T | undefined;
  problems: Finding[];
}

/** Converts a character offset to a 1-based line/column range of `length` characters. */
export function offsetToRange(text: string, offset: number, length: number): SourceRange {
  const at = (o: number) => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < o && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: o - lineStart + 1 };
  };
  const s = at(offset);
  const e = at(offset + Math.max(length, 1));
  return { line: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column };
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function displayPath(path: (string | number)[]): string {
  return path.length === 0
    ? '(root)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .replace(/^\./, '');
}

const ISO_ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

/** Allowed values listed in full up to this many; a longer list (245 countries) is named by its size. */
const ENUM_LISTED = 16;

function describe(err: ErrorObject, value: unknown): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'enum': {
      const allowed = p.allowedValues as unknown[];
      // `gb` for `GB`, `Adam` for `adam`: the value in another case is the likely meaning; and the codes the EU
      // writes for the United Kingdom and Greece, which ISO 3166 (and so libphonenumber) spells GB and GR.
      const key =
        typeof value === 'string' ? (ISO_ALIASES[value.toUpperCase()] ?? value).toLowerCase() : null;
      const other =
        key === null ? undefined : allowed.find((v) => typeof v === 'string' && v.toLowerCase() === key);
      const meant = other !== undefined ? `; did you mean ${JSON.stringify(other)}?` : '';
      if (allowed.length <= ENUM_LISTED)
        return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${meant}`;
      const some = allowed.slice(0, 4).map((v) => JSON.stringify(v));
      return `must be one of the ${allowed.length} values the schema lists (${some.join(', ')}, ...: the editor completes them)${meant}`;
    }
    case 'additionalProperties':
      return `has an unknown property "${String(p.additionalProperty)}"`;
    case 'required':
      return `is missing the required property "${String(p.missingProperty)}"`;
    case 'type':
      return `must be ${String(p.type)}`;
    default:
      return err.message ?? 'is invalid';
  }
}

const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/**
 * Parses `text` and validates it against `schema`. Problems carry `rule` (`<rulePrefix>/syntax` or
 * `<rulePrefix>/schema`), the JSON path in `data.path`, and the range of the offending value (or of the
 * property name for unknown properties).
 */
export function parseJsonDocument<T>(
  text: string,
  schema: object,
  options: { fileName: string; rulePrefix: string },
): JsonDocumentResult<T> {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const problems: Finding[] = errors.map((e) => ({
    rule: `${options.rulePrefix}/syntax`,
    severity: 'error',
    message: `JSON syntax error: ${printParseErrorCode(e.error)}.`,
    file: options.fileName,
    location: offsetToRange(text, e.offset, e.length),
  }));
  if (!root) {
    if (problems.length === 0) {
      problems.push({
        rule: `${options.rulePrefix}/syntax`,
        severity: 'error',
        message: 'The file is empty; expected a JSON object.',
        file: options.fileName,
        location: { line: 1, startColumn: 1, endColumn: 1 },
      });
    }
    return { value: undefined, problems };
  }
  const value = nodeValue(root) as T;
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const err of validate.errors ?? []) {
      // anyOf branches repeat their children's errors; the parent's own message is the useful one.
      if (err.keyword === 'anyOf' || err.schemaPath.includes('/anyOf/')) {
        if (err.keyword !== 'anyOf') continue;
      }
      const path = pathOf(err.instancePath);
      let node: Node | undefined = findNodeAtLocation(root, path) ?? root;
      if (err.keyword === 'additionalProperties') {
        const prop = String((err.params as Record<string, unknown>).additionalProperty);
        const child = findNodeAtLocation(root, [...path, prop]);
        if (child?.parent?.children?.[0]) node = child.parent.children[0];
        path.push(prop);
      }
      const said = describe(err, nodeValue(node));
      const message = `${displayPath(path)} ${said}${said.endsWith('?') ? '' : '.'}`;
      const key = `${node.offset}:${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({
        rule: `${options.rulePrefix}/schema`,
        severity: 'error',
        message,
        file: options.fileName,
        location: offsetToRange(text, node.offset, node.length),
        data: { path: displayPath(path) },
      });
    }
  }
  return { value, problems };
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v) o[String(k.value)] = nodeValue(v);
      }
      return o;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}
