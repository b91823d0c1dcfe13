/**
 * JSON (an array of objects) and JSON Lines readers. Each object's text is parsed with jsonc-parser's visitor,
 * which gives the offset, line and character of every key and value. For a JSON array the elements are cut
 * out of the stream by a small scanner that tracks strings and nesting depth, so a 1 GB array is read one
 * element at a time with memory bounded by the largest element.
 */
import { visit } from 'jsonc-parser';
import type { SourceRange } from '../findings';
import type { InvalidCharQueue, ProblemReporter } from './problems';

/** One object read from the file: keys in order, with values and positions (4 numbers per key). */
export interface ParsedObject {
  keys: string[];
  values: (string | undefined)[];
  /** line, startColumn, endLine, endColumn per key; all 0 for a `null` value. */
  positions: number[];
  keyLocations: SourceRange[];
  /** Line where the object starts. */
  line: number;
}

export type ObjectHandler = (object: ParsedObject) => void;

const ERROR_TEXT: Record<number, string> = {
  1: 'an invalid symbol',
  2: 'an invalid number',
  3: 'a missing property name',
  4: 'a missing value',
  5: 'a missing colon',
  6: 'a missing comma',
  7: 'a missing closing brace',
  8: 'a missing closing bracket',
  9: 'unexpected text after the value',
  10: 'a comment, which JSON does not allow',
  11: 'an unterminated comment',
  12: 'an unterminated string',
  13: 'an unterminated number',
  14: 'an invalid unicode escape',
  15: 'an invalid escape character',
  16: 'an invalid character in a string',
};

/** Longest element (characters) held while looking for its end; past it the input is declared broken. */
const MAX_ELEMENT_CHARS = 1 << 26;

interface ObjectError {
  message: string;
  location: SourceRange;
}

function kindOf(text: string): string {
  const c = text.charCodeAt(0);
  if (c === 91) return 'an array';
  if (c === 34) return 'a string';
  if (text === 'null') return 'null';
  if (text === 'true' || text === 'false') return 'a boolean';
  return 'a number';
}

/**
 * Parses the text of one top-level value that should be an object. `line` and `column` place its first
 * character in the file. Returns the object, or the first syntax error, or `kind` when it is valid JSON but
 * not an object.
 */
export function parseObjectText(
  text: string,
  line: number,
  column: number,
): { object?: ParsedObject; error?: ObjectError; kind?: string } {
  const at = (l: number, ch: number): [number, number] => [line + l, l === 0 ? column + ch : ch + 1];
  const keys: string[] = [];
  const values: (string | undefined)[] = [];
  const positions: number[] = [];
  const keyLocations: SourceRange[] = [];
  const slot = new Map<string, number>();
  let depth = 0;
  let rootIsObject = false;
  let key: string | undefined;
  let nestedStart = -1;
  let nestedLine = 0;
  let nestedCol = 0;
  let error: ObjectError | undefined;
  const set = (value: string | undefined, p: [number, number, number, number] | undefined): void => {
    if (key === undefined) return;
    let i = slot.get(key);
    if (i === undefined) return;
    values[i] = value;
    i *= 4;
    positions[i] = p ? p[0] : 0;
    positions[i + 1] = p ? p[1] : 0;
    positions[i + 2] = p ? p[2] : 0;
    positions[i + 3] = p ? p[3] : 0;
  };
  const begin = (offset: number, l: number, ch: number, isObject: boolean): boolean => {
    if (depth === 0) {
      depth = 1;
      rootIsObject = isObject;
      return isObject;
    }
    if (depth === 1) {
      nestedStart = offset;
      [nestedLine, nestedCol] = at(l, ch);
    }
    depth++;
    return true;
  };
  const finishNested = (offset: number, l: number, ch: number): void => {
    depth--;
    if (depth === 1) {
      const [el, ec] = at(l, ch);
      set(text.slice(nestedStart, offset + 1), [nestedLine, nestedCol, el, ec + 1]);
    }
  };
  visit(
    text,
    {
      onObjectBegin: (offset, _len, l, ch) => begin(offset, l, ch, true),
      onArrayBegin: (offset, _len, l, ch) => begin(offset, l, ch, false),
      onObjectEnd: (offset, _len, l, ch) => finishNested(offset, l, ch),
      onArrayEnd: (offset, _len, l, ch) => finishNested(offset, l, ch),
      onObjectProperty: (name: string, _offset, length, l, ch) => {
        if (depth !== 1) return;
        key = name;
        if (!slot.has(name)) {
          slot.set(name, keys.length);
          keys.push(name);
          values.push(undefined);
          positions.push(0, 0, 0, 0);
          const [kl, kc] = at(l, ch);
          const quoted = text.charCodeAt(_offset) === 34;
          keyLocations.push({
            line: kl,
            startColumn: quoted ? kc + 1 : kc,
            endColumn: quoted ? kc + length - 1 : kc + length,
          });
        }
      },
      onLiteralValue: (value: unknown, offset, length, l, ch) => {
        if (depth !== 1) return;
        const [vl, vc] = at(l, ch);
        if (value === null) set(undefined, undefined);
        else if (typeof value === 'string') set(value, [vl, vc + 1, vl, vc + length - 1]);
        else set(text.slice(offset, offset + length), [vl, vc, vl, vc + length]);
      },
      onError: (code, offset, length, l, ch) => {
        if (error) return;
        const [el, ec] = at(l, ch);
        // An error at the end of the text (an unclosed object) gets an empty range there.
        let span = Math.min(Math.max(1, length), text.length - offset);
        // A bad token can run into a line break (an unterminated string): the range stays on its line.
        const lineBreak = text.slice(offset, offset + span).search(/[\r\n]/);
        if (lineBreak >= 0) span = lineBreak;
        error = {
          message: `Invalid JSON at line ${el}, column ${ec}: ${ERROR_TEXT[code] ?? 'a syntax error'}.`,
          location: { line: el, startColumn: ec, endColumn: ec + Math.max(0, span) },
        };
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  if (error) return { error };
  if (!rootIsObject) return { kind: kindOf(text) };
  return { object: { keys, values, positions, keyLocations, line } };
}

const enum State {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  End,
  Dead,
}

/** Streams the elements of a top-level JSON array. */
export class JsonArrayReader {
  private buf = '';
  private bufBase = 0;
  private scan = 0;
  private line = 1;
  private lineStartAbs = 0;
  private state = State.BeforeArray;
  private afterComma = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementStart = 0;
  private elementLine = 0;
  private elementLineStart = 0;
  private elements = 0;

  constructor(
    private readonly onObject: ObjectHandler,
    private readonly problems: ProblemReporter,
    private readonly invalid: InvalidCharQueue,
  ) {}

  push(text: string): void {
    if (text.length === 0) return;
    const keep = this.state === State.InElement ? this.elementStart : this.scan;
    this.buf = this.buf.slice(keep) + text;
    this.bufBase += keep;
    this.scan -= keep;
    this.elementStart -= keep;
    this.run(false);
  }

  end(): void {
    this.run(true);
    if (this.state === State.InElement) {
      this.finishElement(this.buf.length);
      this.state = State.AfterElement;
    }
    const endLoc = (): SourceRange => {
      const col = this.bufBase + this.buf.length - this.lineStartAbs + 1;
      return { line: this.line, startColumn: col, endColumn: col };
    };
    if (this.state === State.BeforeArray) {
      // Nothing but white space: the caller reports an empty file.
    } else if (this.state !== State.End && this.state !== State.Dead) {
      this.problems.report({
        rule: 'data/invalid-json',
        severity: 'error',
        message: `The JSON array is not closed: the file ends at line ${this.line} before its closing bracket.`,
        location: endLoc(),
      });
    }
    this.invalid.flush(this.buf, this.bufBase, this.bufBase + this.scan, this.line, this.lineStartAbs);
  }

  /** True when the input held anything but white space. */
  get sawContent(): boolean {
    return this.state !== State.BeforeArray;
  }

  private fail(message: string, i: number, dead: boolean): void {
    const col = this.bufBase + i - this.lineStartAbs + 1;
    this.problems.report({
      rule: 'data/invalid-json',
      severity: 'error',
      message: message.replace('%', `line ${this.line}, column ${col}`),
      location: { line: this.line, startColumn: col, endColumn: col + 1 },
    });
    if (dead) this.state = State.Dead;
  }

  private run(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    let i = this.scan;
    // This scanner visits every character anyway, so invalid bytes are placed as they are passed.
    let nextInvalid = this.invalid.next - this.bufBase;
    while (i < len) {
      const c = buf.charCodeAt(i);
      if (i === nextInvalid) {
        this.invalid.placeNext(this.line, this.bufBase + i - this.lineStartAbs + 1);
        nextInvalid = this.invalid.next - this.bufBase;
      }
      const ws = c === 32 || c === 10 || c === 13 || c === 9;
      if (c === 13 && i + 1 >= len && !final) break;
      switch (this.state) {
        case State.InElement:
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === 92) this.escaped = true;
            else if (c === 34) this.inString = false;
          } else if (c === 34) {
            this.inString = true;
          } else if (c === 123 || c === 91) {
            this.depth++;
          } else if (c === 125 || c === 93) {
            if (this.depth === 0) {
              this.finishElement(i);
              this.state = State.AfterElement;
              continue;
            }
            if (--this.depth === 0) {
              this.finishElement(i + 1);
              this.state = State.AfterElement;
            }
          } else if (this.depth === 0 && (c === 44 || ws)) {
            this.finishElement(i);
            this.state = State.AfterElement;
            continue;
          }
          if (this.state === State.InElement && i - this.elementStart > MAX_ELEMENT_CHARS) {
            const col = this.bufBase + this.elementStart - this.elementLineStart + 1;
            this.problems.report({
              rule: 'data/invalid-json',
              severity: 'error',
              message: `The array element that starts at line ${this.elementLine}, column ${col} does not end within ${MAX_ELEMENT_CHARS} characters; reading stopped there.`,
              location: { line: this.elementLine, startColumn: col, endColumn: col + 1 },
            });
            this.state = State.Dead;
          }
          break;
        case State.BeforeArray:
          if (ws) break;
          if (c === 91) {
            this.state = State.BeforeElement;
            this.afterComma = false;
          } else {
            this.fail(
              c === 123
                ? 'The JSON file holds an object at %, not an array of objects; nothing was read.'
                : 'The JSON file does not start with an array at %; nothing was read.',
              i,
              true,
            );
          }
          break;
        case State.BeforeElement:
          if (ws) break;
          if (c === 93) {
            if (this.afterComma)
              this.fail('Invalid JSON at %: a comma before the closing bracket.', i, false);
            this.state = State.End;
          } else if (c === 44) {
            this.fail('Invalid JSON at %: an empty array element.', i, false);
          } else {
            this.state = State.InElement;
            this.elementStart = i;
            this.elementLine = this.line;
            this.elementLineStart = this.lineStartAbs;
            this.depth = c === 123 || c === 91 ? 1 : 0;
            this.inString = c === 34;
            this.escaped = false;
          }
          break;
        case State.AfterElement:
          if (ws) break;
          if (c === 44) {
            this.state = State.BeforeElement;
            this.afterComma = true;
          } else if (c === 93) {
            this.state = State.End;
          } else {
            // A missing comma: say so and read on from here as the next element.
            this.fail('Invalid JSON at %: a comma is missing between array elements.', i, false);
            this.state = State.BeforeElement;
            this.afterComma = false;
            continue;
          }
          break;
        case State.End:
          if (ws) break;
          this.fail('Invalid JSON at %: text after the end of the array was ignored.', i, true);
          break;
        case State.Dead:
          break;
      }
      if (c === 10 || (c === 13 && buf.charCodeAt(i + 1) !== 10)) {
        this.line++;
        this.lineStartAbs = this.bufBase + i + 1;
      }
      i++;
    }
    this.scan = i;
  }

  private finishElement(end: number): void {
    const start = this.elementStart;
    const text = this.buf.slice(start, end);
    const base = this.bufBase;
    const col = base + start - this.elementLineStart + 1;
    this.elements++;
    const r = parseObjectText(text, this.elementLine, col);
    if (r.object) {
      this.onObject(r.object);
    } else if (r.error) {
      this.problems.report({ rule: 'data/invalid-json', severity: 'error', ...r.error });
    } else {
      this.problems.report({
        rule: 'data/invalid-json',
        severity: 'error',
        message: `Array element ${this.elements} at line ${this.elementLine}, column ${col} is ${r.kind}, not an object; it was skipped.`,
        location: { line: this.elementLine, startColumn: col, endColumn: col + 1 },
      });
    }
  }
}

/** Streams JSON Lines: one object per line; a bad line is reported and skipped. */
export class JsonLinesReader {
  private buf = '';
  private bufBase = 0;
  private pos = 0;
  private line = 1;
  private lineStartAbs = 0;
  sawContent = false;

  constructor(
    private readonly onObject: ObjectHandler,
    private readonly problems: ProblemReporter,
    private readonly invalid: InvalidCharQueue,
  ) {}

  /** Characters after `pos` already searched for a line break without finding one (a long line in parts). */
  private searched = 0;

  push(text: string): void {
    if (text.length === 0) return;
    this.buf = this.buf.slice(this.pos) + text;
    this.bufBase += this.pos;
    this.pos = 0;
    this.run(false);
  }

  end(): void {
    this.run(true);
    this.invalid.flush(this.buf, this.bufBase, this.bufBase + this.pos, this.line, this.lineStartAbs);
  }

  private run(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    let lf = -1;
    let cr = -1;
    while (this.pos < len) {
      const p = this.pos;
      const from = p + this.searched;
      if (lf < from) lf = buf.indexOf('\n', from);
      if (lf === -1) lf = len;
      if (cr < from) cr = buf.indexOf('\r', from);
      if (cr === -1) cr = len;
      const e = lf < cr ? lf : cr;
      if ((e >= len || (e === cr && e + 1 >= len)) && !final) {
        // Wait for the rest of the line; what was searched need not be searched again.
        this.searched = Math.max(0, Math.min(e, len) - p);
        break;
      }
      this.searched = 0;
      const next = e >= len ? len : e === cr && buf.charCodeAt(e + 1) === 10 ? e + 2 : e + 1;
      if (this.invalid.next < this.bufBase + next) {
        this.invalid.resolve(
          buf,
          this.bufBase,
          this.bufBase + p,
          this.line,
          this.lineStartAbs,
          this.bufBase + next,
        );
      }
      let s = p;
      while (s < e && isJsonSpace(buf.charCodeAt(s))) s++;
      if (s < e) {
        this.sawContent = true;
        let t = e;
        while (t > s && isJsonSpace(buf.charCodeAt(t - 1))) t--;
        const col = s - p + 1;
        const r = parseObjectText(buf.slice(s, t), this.line, col);
        if (r.object) this.onObject(r.object);
        else if (r.error) this.problems.report({ rule: 'data/invalid-json', severity: 'error', ...r.error });
        else {
          this.problems.report({
            rule: 'data/invalid-json',
            severity: 'error',
            message: `Line ${this.line} holds ${r.kind}, not an object; it was skipped.`,
            location: { line: this.line, startColumn: col, endColumn: col + (t - s) },
          });
        }
      }
      this.pos = next;
      if (next > e) {
        this.line++;
        this.lineStartAbs = this.bufBase + next;
      }
    }
  }
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 9;
}
