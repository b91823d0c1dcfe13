/**
 * JSON (an array of objects) and JSON Lines readers. Each object's text is parsed with jsonc-parser's visitor,
 * which gives the offset, line and character of every key and value. For a JSON array the elements are cut
 * out of the stream by a small scanner that tracks strings and nesting depth, so a 1 GB array is read one
 * element at a time with memory bounded by the largest element.
 */
import { visit } from 'jsonc-parser';
import type { SourceRange } from '../findings';
import type { InvalidCharQueue, ProblemReporter } from './problems';
import { groupDigits } from '../numberText';

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

/** An object read, with the text it was read from and where that starts (to read it again: see `JsonTable`). */
export type ObjectHandler = (object: ParsedObject, text: string, column: number) => void;

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

/**
 * The common case of {@link parseObjectText} without jsonc-parser: one flat object whose keys and string values
 * hold no escape, whose values are strings, numbers, `true`, `false` or `null`, laid out with spaces, tabs and
 * `\n`. Returns what {@link parseObjectText} returns for such text, or undefined for anything else (nesting,
 * escapes, `\r`, any syntax error), which the caller then parses in full. The visitor's callbacks, closures and
 * position arrays were a third of a JSON Lines audit; this finds strings' ends with `indexOf` and steps only
 * through the characters between tokens.
 *
 * `previousKeys` are the keys of the object before: where a key's text is the same, its string is reused, so
 * that objects with the same keys (nearly every JSON Lines file) share key strings and Map lookups of them
 * hash nothing.
 */
export function fastObjectText(
  text: string,
  line: number,
  column: number,
  previousKeys: readonly string[] = [],
): ParsedObject | undefined {
  const n = text.length;
  if (text.charCodeAt(0) !== 123) return undefined;
  const keys: string[] = [];
  const values: (string | undefined)[] = [];
  const positions: number[] = [];
  const keyLocations: SourceRange[] = [];
  /** True while every key so far is `previousKeys`' at the same place. */
  let sameKeys = true;
  let index: Map<string, number> | undefined;
  let l = 0;
  let lineStart = 0;
  let i = 1;
  // White space: space, tab and \n (lines counted); what follows is checked by the caller.
  const skip = (): void => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) continue;
      if (c === 10) {
        l++;
        lineStart = i + 1;
        continue;
      }
      break;
    }
  };
  // Escapes and control characters other than white space anywhere: the visitor's business. Tabs and line
  // breaks are white space between tokens but not allowed inside strings, so their places are tracked.
  if (NOT_FAST.test(text)) return undefined;
  let nl = -1;
  let tab = -1;
  /** The end of a plain string whose opening quote is at `q`, or -1 (a tab or line break inside, no end). */
  const stringEnd = (q: number): number => {
    const e = text.indexOf('"', q + 1);
    if (e < 0) return -1;
    if (nl < q) nl = indexOrEnd(text, '\n', q);
    if (tab < q) tab = indexOrEnd(text, '\t', q);
    return nl < e || tab < e ? -1 : e;
  };
  skip();
  if (i < n && text.charCodeAt(i) === 125) {
    i++;
  } else {
    for (;;) {
      if (i >= n || text.charCodeAt(i) !== 34) return undefined;
      const q = i;
      const e = stringEnd(q);
      if (e < 0) return undefined;
      const k = keys.length;
      const prev = previousKeys[k];
      const reused = prev !== undefined && prev.length === e - q - 1 && text.startsWith(prev, q + 1);
      const name = reused ? prev : text.slice(q + 1, e);
      const kl = line + l;
      const kc = l === 0 ? column + (q - lineStart) : q - lineStart + 1;
      i = e + 1;
      skip();
      if (i >= n || text.charCodeAt(i) !== 58) return undefined;
      i++;
      skip();
      if (i >= n) return undefined;
      const vs = i;
      const c = text.charCodeAt(i);
      let value: string | undefined;
      let quoted = false;
      if (c === 34) {
        const ve = stringEnd(vs);
        if (ve < 0) return undefined;
        value = text.slice(vs + 1, ve);
        quoted = true;
        i = ve + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        i = numberEnd(text, vs);
        if (i < 0) return undefined;
        value = text.slice(vs, i);
      } else if (text.startsWith('true', vs)) {
        i = vs + 4;
        value = 'true';
      } else if (text.startsWith('false', vs)) {
        i = vs + 5;
        value = 'false';
      } else if (text.startsWith('null', vs)) {
        i = vs + 4;
        value = undefined;
      } else return undefined;
      // A value runs into the next token only through white space, a comma or the closing brace.
      const after = i < n ? text.charCodeAt(i) : -1;
      if (after !== 32 && after !== 9 && after !== 10 && after !== 44 && after !== 125) return undefined;
      const vc = l === 0 ? column + (vs - lineStart) : vs - lineStart + 1;
      // A repeated key keeps its first place and location and takes the last value, as the visitor does. While
      // every key is the object before's at the same place, none can repeat (that object's keys are distinct);
      // past that, a few keys are searched and many looked up (objects of thousands of keys).
      let slot = k;
      if (!(sameKeys && reused)) {
        sameKeys = false;
        if (k <= 16) {
          for (let j = 0; j < k; j++) {
            if (keys[j] === name) {
              slot = j;
              break;
            }
          }
        } else {
          if (!index) {
            index = new Map<string, number>();
            for (let j = 0; j < k; j++) index.set(keys[j]!, j);
          }
          slot = index.get(name) ?? k;
        }
      }
      if (slot === k) {
        keys.push(name);
        index?.set(name, k);
        keyLocations.push({ line: kl, startColumn: kc + 1, endColumn: kc + (e - q) });
        values.push(undefined);
        positions.push(0, 0, 0, 0);
      }
      values[slot] = value;
      const at = 4 * slot;
      if (value === undefined) {
        positions[at] = positions[at + 1] = positions[at + 2] = positions[at + 3] = 0;
      } else {
        positions[at] = line + l;
        positions[at + 1] = quoted ? vc + 1 : vc;
        positions[at + 2] = line + l;
        positions[at + 3] = quoted ? vc + (i - vs) - 1 : vc + (i - vs);
      }
      skip();
      if (i >= n) return undefined;
      const d = text.charCodeAt(i++);
      if (d === 125) break;
      if (d !== 44) return undefined;
      skip();
    }
  }
  skip();
  return i === n ? { keys, values, positions, keyLocations, line } : undefined;
}

/** Characters that keep a text off {@link fastObjectText}: a backslash, and control characters but tab and \n. */
const NOT_FAST = /[\\\x00-\x08\x0b-\x1f]/;

function indexOrEnd(text: string, c: string, from: number): number {
  const i = text.indexOf(c, from);
  return i < 0 ? text.length : i;
}

/** The end of the JSON number that starts at `s`, or -1 where the text there is not one. */
function numberEnd(text: string, s: number): number {
  const n = text.length;
  let i = s;
  if (text.charCodeAt(i) === 45) i++;
  const digits = (): number => {
    const from = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    return i - from;
  };
  if (text.charCodeAt(i) === 48) i++;
  else if (digits() === 0) return -1;
  if (text.charCodeAt(i) === 46) {
    i++;
    if (digits() === 0) return -1;
  }
  const c = text.charCodeAt(i);
  if (c === 101 || c === 69) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    if (digits() === 0) return -1;
  }
  return i;
}

/** {@link fastObjectText} where it applies, else {@link parseObjectText}: the same result either way. */
export function parseObject(
  text: string,
  line: number,
  column: number,
  previousKeys: readonly string[],
): ReturnType<typeof parseObjectText> {
  const fast = fastObjectText(text, line, column, previousKeys);
  return fast ? { object: fast } : parseObjectText(text, line, column);
}

const enum State {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  End,
  Dead,
  /** In a top-level object (`{"data": [...]}`): before a key, or `}`. */
  WrapKey,
  /** In a key's string. */
  WrapInKey,
  /** After a key, before its colon. */
  WrapColon,
  /** After a colon, before the value. */
  WrapValue,
  /** After an array's `[`: its first element says whether it holds the records. */
  WrapArrayStart,
  /** Passing over a value that is not the records (another key's). */
  WrapSkip,
  /** After a member's value: `,` or `}`. */
  WrapAfterValue,
}

/** Keys of a wrapping object named at most in its finding. */
const NAMED_KEYS = 5;

/**
 * Text received but not yet added to a reader's buffer. Adding each piece to the buffer made a new string of
 * the buffer and the piece, which V8 copies into one when it is next searched: a line or element of 60 MB,
 * arriving in pieces of 64 KiB, was copied about a thousand times (15.8 s and 1 GB for one JSON Lines line).
 * Pieces wait here until they are at least as long as what the buffer holds unread, so that a long record is
 * copied a few times, while a short one is read as soon as its piece comes.
 */
class PendingText {
  private pieces: string[] = [];
  length = 0;

  /** Keeps `text`; true when the pieces should now join the buffer, which holds `held` characters unread. */
  add(text: string, held: number): boolean {
    this.pieces.push(text);
    this.length += text.length;
    return this.length >= held;
  }

  take(): string {
    const t = this.pieces.length === 1 ? (this.pieces[0] as string) : this.pieces.join('');
    this.pieces = [];
    this.length = 0;
    return t;
  }
}

/** A JSON Lines line still open after this many characters is skipped to its end, as a CSV record is cut. */
const MAX_LINE_CHARS = 1 << 24;

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
  /** The last object's keys (see {@link fastObjectText}). */
  private keysBefore: readonly string[] = [];
  /**
   * A file whose top level is an object rather than an array (`{"data": [...]}`, pandas'
   * `to_json(orient="table")`, most web APIs): its records are the first array of objects among its values,
   * read as an array file's; the other keys' values are passed over.
   */
  private wrapper:
    | {
        line: number;
        column: number;
        key: string;
        recordsKey?: string;
        recordsLine?: number;
        arrayLine?: number;
        others: string[];
      }
    | undefined;
  private keyStart = 0;

  constructor(
    private readonly onObject: ObjectHandler,
    private readonly problems: ProblemReporter,
    private readonly invalid: InvalidCharQueue,
    /**
     * A byte range of a scan split by rows: `startLine` and `startColumn` (UTF-16 units, from 1) when it
     * starts at an element after a comma (not at the file's start); `endsAfterComma` when it ends after one
     * (not at the file's end), where an array still open is what a range holds, not an error.
     */
    private readonly range: { startLine?: number; startColumn?: number; endsAfterComma?: boolean } = {},
  ) {
    if (range.startLine !== undefined) {
      this.state = State.BeforeElement;
      this.afterComma = true;
      this.line = range.startLine;
      // Columns count from the line's start, `startColumn - 1` units before this range's first character.
      this.lineStartAbs = 1 - (range.startColumn ?? 1);
    }
  }

  private readonly pending = new PendingText();

  /** Where the buffer must be kept from: the element or key being read, else the scan. */
  private get keep(): number {
    return this.state === State.InElement
      ? this.elementStart
      : this.state === State.WrapInKey
        ? this.keyStart
        : this.scan;
  }

  push(text: string): void {
    if (text.length === 0) return;
    const keep = this.keep;
    if (!this.pending.add(text, this.buf.length - keep)) return;
    this.buf = this.buf.slice(keep) + this.pending.take();
    this.bufBase += keep;
    this.scan -= keep;
    this.elementStart -= keep;
    this.keyStart -= keep;
    this.run(false);
  }

  end(): void {
    if (this.pending.length > 0) {
      const keep = this.keep;
      this.buf = this.buf.slice(keep) + this.pending.take();
      this.bufBase += keep;
      this.scan -= keep;
      this.elementStart -= keep;
      this.keyStart -= keep;
    }
    this.run(true);
    if (this.state === State.InElement) {
      this.finishElement(this.buf.length);
      this.state = State.AfterElement;
    }
    const endLoc = (): SourceRange => {
      const col = this.bufBase + this.buf.length - this.lineStartAbs + 1;
      return { line: this.line, startColumn: col, endColumn: col };
    };
    const w = this.wrapper;
    if (w && this.state !== State.Dead) this.wrapperEnd(w, endLoc);
    else if (this.state === State.BeforeArray) {
      // Nothing but white space: the caller reports an empty file.
    } else if (this.range.endsAfterComma && this.state === State.BeforeElement && this.afterComma) {
      // The rest of the array is another range's.
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
    // The next backslash and line breaks, found as the scan passes them (see the jump below).
    let bs = -1;
    let lf = -1;
    let cr = -1;
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
          } else if (c === 123 && this.range.startLine === undefined) {
            this.wrapper = {
              line: this.line,
              column: this.bufBase + i - this.lineStartAbs + 1,
              key: '',
              others: [],
            };
            this.state = State.WrapKey;
          } else {
            this.fail('The JSON file does not start with an array at %; nothing was read.', i, true);
          }
          break;
        case State.WrapKey:
          if (ws) break;
          if (c === 34) {
            this.state = State.WrapInKey;
            this.keyStart = i + 1;
            this.escaped = false;
          } else if (c === 125 && !this.afterComma) {
            this.state = State.End;
          } else {
            this.fail('Invalid JSON at %: a key was expected in the object.', i, true);
          }
          break;
        case State.WrapInKey:
          if (this.escaped) this.escaped = false;
          else if (c === 92) this.escaped = true;
          else if (c === 34) {
            const raw = buf.slice(this.keyStart, i);
            let key = raw;
            try {
              key = JSON.parse(`"${raw}"`) as string;
            } catch {
              // An invalid escape: the key is named as written.
            }
            (this.wrapper as { key: string }).key = key;
            this.state = State.WrapColon;
          }
          break;
        case State.WrapColon:
          if (ws) break;
          if (c === 58) this.state = State.WrapValue;
          else this.fail('Invalid JSON at %: a colon was expected after the key.', i, true);
          break;
        case State.WrapValue: {
          if (ws) break;
          const w = this.wrapper!;
          if (c === 91 && w.recordsKey === undefined) {
            w.arrayLine = this.line;
            this.state = State.WrapArrayStart;
            break;
          }
          if (w.others.length <= NAMED_KEYS) w.others.push(w.key);
          this.startSkip(c);
          break;
        }
        case State.WrapArrayStart: {
          if (ws) break;
          const w = this.wrapper!;
          if (c === 123 || c === 93) {
            // The records: read from here as an array file's elements.
            w.recordsKey = w.key;
            w.recordsLine = w.arrayLine;
            this.state = State.BeforeElement;
            this.afterComma = false;
            continue;
          }
          // An array of something else (column names, an index): passed over, already inside its bracket.
          if (w.others.length <= NAMED_KEYS) w.others.push(w.key);
          this.state = State.WrapSkip;
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
          continue;
        }
        case State.WrapSkip:
          // The element scan's tracking of strings and depth, without keeping the text as an element's is kept:
          // a value passed over may be of any size (pandas' index of a million numbers).
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === 92) this.escaped = true;
            else if (c === 34) {
              this.inString = false;
              if (this.depth === 0) this.state = State.WrapAfterValue;
            }
          } else if (c === 34) {
            this.inString = true;
          } else if (c === 123 || c === 91) {
            this.depth++;
          } else if (c === 125 || c === 93) {
            if (this.depth === 0) {
              this.state = State.WrapAfterValue;
              continue;
            }
            if (--this.depth === 0) this.state = State.WrapAfterValue;
          } else if (this.depth === 0 && (c === 44 || ws)) {
            this.state = State.WrapAfterValue;
            continue;
          }
          break;
        case State.WrapAfterValue:
          if (ws) break;
          if (c === 44) {
            this.state = State.WrapKey;
            this.afterComma = true;
          } else if (c === 125) {
            this.state = State.End;
          } else {
            this.fail('Invalid JSON at %: a comma or closing brace was expected in the object.', i, true);
          }
          break;
        case State.BeforeElement:
          if (ws) break;
          if (c === 93) {
            if (this.afterComma)
              this.fail('Invalid JSON at %: a comma before the closing bracket.', i, false);
            this.state = this.wrapper ? State.WrapAfterValue : State.End;
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
            this.state = this.wrapper ? State.WrapAfterValue : State.End;
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
          this.fail(
            `Invalid JSON at %: text after the end of the ${this.wrapper ? 'object' : 'array'} was ignored.`,
            i,
            true,
          );
          break;
        case State.Dead:
          break;
      }
      if (c === 10 || (c === 13 && buf.charCodeAt(i + 1) !== 10)) {
        this.line++;
        this.lineStartAbs = this.bufBase + i + 1;
      }
      i++;
      // Inside a string only a quote, a backslash, a line break or an invalid character changes anything, so
      // the scan jumps to the next of them: most of an array's characters are in strings.
      if (this.inString && !this.escaped && this.state === State.InElement) {
        let to = indexOrEnd(buf, '"', i);
        if (bs < i) bs = indexOrEnd(buf, '\\', i);
        if (lf < i) lf = indexOrEnd(buf, '\n', i);
        if (cr < i) cr = indexOrEnd(buf, '\r', i);
        if (bs < to) to = bs;
        if (lf < to) to = lf;
        if (cr < to) to = cr;
        if (nextInvalid >= i && nextInvalid < to) to = nextInvalid;
        i = to;
      }
    }
    this.scan = i;
  }

  /** Starts passing over a value that begins with `c` (not the records). */
  private startSkip(c: number): void {
    this.state = State.WrapSkip;
    this.depth = c === 123 || c === 91 ? 1 : 0;
    this.inString = c === 34;
    this.escaped = false;
  }

  /** At the end of a file whose top level is an object: where its records came from, or that it had none. */
  private wrapperEnd(w: NonNullable<JsonArrayReader['wrapper']>, endLoc: () => SourceRange): void {
    const at = { line: w.line, startColumn: w.column, endColumn: w.column + 1 };
    if (w.recordsKey === undefined) {
      this.problems.report({
        rule: 'data/invalid-json',
        severity: 'error',
        message:
          `The JSON file holds an object at line ${w.line}, column ${w.column}, with no array of objects among ` +
          'its values; nothing was read. Write the records as an array of objects or as JSON Lines (pandas: ' +
          'to_json(orient="records"), with lines=True for JSON Lines).',
        location: at,
      });
      return;
    }
    if (this.state !== State.End) {
      this.problems.report({
        rule: 'data/invalid-json',
        severity: 'error',
        message: `The JSON object is not closed: the file ends at line ${this.line} before its closing brace.`,
        location: endLoc(),
      });
    }
    const others = w.others.slice(0, NAMED_KEYS).map((k) => JSON.stringify(k));
    const more = w.others.length > NAMED_KEYS ? ', ...' : '';
    this.problems.report({
      rule: 'data/json-object',
      severity: 'info',
      message:
        `The JSON file is an object: its records were read from the array under ${JSON.stringify(w.recordsKey)} ` +
        `(line ${w.recordsLine})` +
        (others.length ? `; its other keys (${others.join(', ')}${more}) were not read.` : '.'),
      location: at,
      data: { key: w.recordsKey },
    });
  }

  private finishElement(end: number): void {
    const start = this.elementStart;
    const text = this.buf.slice(start, end);
    const base = this.bufBase;
    const col = base + start - this.elementLineStart + 1;
    this.elements++;
    const r = parseObject(text, this.elementLine, col, this.keysBefore);
    if (r.object) {
      this.keysBefore = r.object.keys;
      this.onObject(r.object, text, col);
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
  /** The last object's keys (see {@link fastObjectText}). */
  private keysBefore: readonly string[] = [];

  constructor(
    private readonly onObject: ObjectHandler,
    private readonly problems: ProblemReporter,
    private readonly invalid: InvalidCharQueue,
    /** Line number of the first character (a later range of a scan split by rows starts past line 1). */
    startLine = 1,
  ) {
    this.line = startLine;
  }

  /** Characters after `pos` already searched for a line break without finding one (a long line in parts). */
  private searched = 0;
  /**
   * In a line longer than {@link MAX_LINE_CHARS}, reported and read past to its end without keeping it: a line
   * of 60 MB, read whole, peaked at 300 MB.
   */
  private skipping = false;

  private readonly pending = new PendingText();

  push(text: string): void {
    if (text.length === 0) return;
    if (!this.pending.add(text, this.buf.length - this.pos)) return;
    this.refill();
    this.run(false);
  }

  private refill(): void {
    this.buf = this.buf.slice(this.pos) + this.pending.take();
    this.bufBase += this.pos;
    this.pos = 0;
  }

  end(): void {
    if (this.pending.length > 0) this.refill();
    this.run(true);
    this.invalid.flush(this.buf, this.bufBase, this.bufBase + this.pos, this.line, this.lineStartAbs);
  }

  /** Reports the invalid bytes between `from` and `to` in the buffer, on the current line. */
  private resolveInvalid(from: number, to: number): void {
    if (this.invalid.next < this.bufBase + to) {
      this.invalid.resolve(
        this.buf,
        this.bufBase,
        this.bufBase + from,
        this.line,
        this.lineStartAbs,
        this.bufBase + to,
      );
    }
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
        const wait = Math.min(e, len);
        if (this.skipping || wait - p > MAX_LINE_CHARS) {
          if (!this.skipping) {
            this.skipping = true;
            this.problems.report({
              rule: 'data/long-record',
              severity: 'error',
              message: `Line ${this.line} does not end within ${groupDigits(MAX_LINE_CHARS)} characters; it was skipped to its end.`,
              location: { line: this.line, startColumn: 1, endColumn: 1 },
            });
          }
          // Read past: only its invalid bytes are still reported, at their places.
          this.resolveInvalid(p, wait);
          this.pos = wait;
          this.searched = 0;
          break;
        }
        // Wait for the rest of the line; what was searched need not be searched again.
        this.searched = wait - p;
        break;
      }
      this.searched = 0;
      const next = e >= len ? len : e === cr && buf.charCodeAt(e + 1) === 10 ? e + 2 : e + 1;
      this.resolveInvalid(p, next);
      if (this.skipping) {
        this.skipping = false;
        this.pos = next;
        if (next > e) {
          this.line++;
          this.lineStartAbs = this.bufBase + next;
        }
        continue;
      }
      let s = p;
      while (s < e && isJsonSpace(buf.charCodeAt(s))) s++;
      if (s < e) {
        this.sawContent = true;
        let t = e;
        while (t > s && isJsonSpace(buf.charCodeAt(t - 1))) t--;
        const col = s - p + 1;
        const text = buf.slice(s, t);
        const r = parseObject(text, this.line, col, this.keysBefore);
        if (r.object) {
          this.keysBefore = r.object.keys;
          this.onObject(r.object, text, col);
        } else if (r.error)
          this.problems.report({ rule: 'data/invalid-json', severity: 'error', ...r.error });
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
