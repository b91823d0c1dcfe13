/**
 * Reader problems: the cap on how many are reported, and the placement of invalid bytes at their line and
 * column, which only the parsers know (they track lines at record starts).
 */
import type { Finding, SourceRange } from '../findings';
import type { TableSink } from './table';
import type { InvalidChar } from './decode';

/** Counts every problem, passes the first `max` to the sink, and summarises the rest in one finding at the end. */
export class ProblemReporter {
  count = 0;
  private emitted = 0;
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly sink: TableSink,
    private readonly file: string | undefined,
    private readonly max: number,
  ) {}

  /** `uncapped` for a finding about the whole file that the cap must not hide (found at the end, after it). */
  report(finding: Finding, uncapped = false): void {
    this.count++;
    if (uncapped) {
      this.sink.problem(this.file === undefined ? finding : { ...finding, file: this.file });
    } else if (this.emitted < this.max) {
      this.emitted++;
      this.sink.problem(this.file === undefined ? finding : { ...finding, file: this.file });
    } else {
      this.suppressed.set(finding.rule, (this.suppressed.get(finding.rule) ?? 0) + 1);
    }
  }

  /** Emits the summary of suppressed problems, if any. */
  finish(): void {
    if (this.suppressed.size === 0) return;
    let total = 0;
    const byRule: Record<string, number> = {};
    for (const [rule, n] of this.suppressed) {
      byRule[rule] = n;
      total += n;
    }
    const list = Object.entries(byRule)
      .map(([r, n]) => `${n} ${r}`)
      .join(', ');
    const finding: Finding = {
      rule: 'data/too-many-problems',
      severity: 'warning',
      message: `${total} more reading problems were not reported after the first ${this.max} (${list}).`,
      data: { suppressed: byRule },
    };
    this.sink.problem(this.file === undefined ? finding : { ...finding, file: this.file });
  }
}

/**
 * Invalid characters waiting to be placed. Parsers call {@link InvalidCharQueue.resolve} with a stretch of
 * text whose start line is known; the queue scans that stretch for line breaks (CR, LF, CRLF, as an editor
 * counts them) up to each pending offset. The scan runs only when an invalid byte lies in the stretch.
 */
export class InvalidCharQueue {
  private readonly items: InvalidChar[];
  private head = 0;

  constructor(
    items: InvalidChar[],
    private readonly problems: ProblemReporter,
  ) {
    this.items = items;
  }

  /** Absolute offset of the next unplaced invalid character, or Infinity. */
  get next(): number {
    const it = this.items[this.head];
    return it === undefined ? Infinity : it.offset;
  }

  /**
   * Places every pending invalid character with an absolute offset below `absEnd`.
   * @param buf the parser's buffer; `bufBase` is the absolute offset of `buf[0]`
   * @param fromAbs an absolute offset at which `line` and `lineStartAbs` are known
   */
  resolve(
    buf: string,
    bufBase: number,
    fromAbs: number,
    line: number,
    lineStartAbs: number,
    absEnd: number,
  ): void {
    let i = fromAbs - bufBase;
    let ln = line;
    let ls = lineStartAbs;
    for (;;) {
      const it = this.items[this.head];
      if (it === undefined || it.offset >= absEnd) break;
      const target = it.offset - bufBase;
      if (target < i) {
        // Already passed (should not happen); place it on the current line rather than lose it.
        this.emit(it, ln, it.offset - ls + 1);
        this.head++;
        continue;
      }
      for (; i < target; i++) {
        const c = buf.charCodeAt(i);
        if (c === 10 || (c === 13 && buf.charCodeAt(i + 1) !== 10)) {
          ln++;
          ls = bufBase + i + 1;
        }
      }
      this.emit(it, ln, it.offset - ls + 1);
      this.head++;
    }
    // Free the placed entries now and then so that a file full of bad bytes does not keep them all.
    if (this.head > 4096) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Places the next pending invalid character at a line and column the caller tracked itself. */
  placeNext(line: number, column: number): void {
    const it = this.items[this.head];
    if (it === undefined) return;
    this.emit(it, line, column);
    this.head++;
  }

  /** Places whatever is left (end of input) on the given line. */
  flush(buf: string, bufBase: number, fromAbs: number, line: number, lineStartAbs: number): void {
    this.resolve(buf, bufBase, fromAbs, line, lineStartAbs, Infinity);
  }

  private emit(it: InvalidChar, line: number, column: number): void {
    const location: SourceRange = { line, startColumn: column, endColumn: column + 1 };
    const hex = it.byte.toString(16).toUpperCase().padStart(2, '0');
    if (it.char !== undefined) {
      this.problems.report({
        rule: 'data/windows-1252',
        severity: 'warning',
        message: `The file is not UTF-8 but Windows-1252 (Latin-1): byte 0x${hex} at line ${line}, column ${column} is '${it.char}' there, and the file was read so from there on; most data tools expect UTF-8, so save it as UTF-8.`,
        location,
        data: { byte: it.byte },
      });
      return;
    }
    this.problems.report({
      rule: 'data/invalid-encoding',
      severity: 'error',
      message: `Byte 0x${hex} at line ${line}, column ${column} is not valid UTF-8; it was read as the replacement character U+FFFD.`,
      location,
      data: { byte: it.byte },
    });
  }
}
