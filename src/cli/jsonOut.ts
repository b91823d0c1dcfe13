/**
 * `JSON.stringify(value, null, 2)` written in pieces of 64 KB, byte for byte the same text.
 *
 * The audit of a wide table is a large report (a column entry per column, with a label a proxy entry per
 * column and protected attribute and a leakage entry per column: 25 MB of JSON at 20,000 columns), and one
 * string of it, then its bytes for the write, added twice its size to the audit's peak, which comes at the end
 * for such tables. Streaming JSON libraries write the same syntax but not this exact layout, and the JSON
 * report is a documented contract whose text users diff; so this walks the containers of the top levels and
 * leaves each small value to `JSON.stringify`, indented to its depth.
 */

/** Containers this deep and deeper are written by one `JSON.stringify` each. */
const WHOLE_DEPTH = 3;
/**
 * Characters gathered before a piece is written. Pieces of a megabyte went to V8's large-object space and
 * their bytes with them, 20 MB of garbage at the end of a 20,000-column audit; these stay in the young
 * generation.
 */
const PIECE_CHARS = 1 << 16;

/** Writes `value` as `JSON.stringify(value, null, 2)` would give it, in pieces, through `write`. */
export function writeJson(value: unknown, write: (piece: string) => void): void {
  const parts: string[] = [];
  let size = 0;
  const emit = (s: string): void => {
    parts.push(s);
    size += s.length;
    if (size >= PIECE_CHARS) {
      write(parts.join(''));
      parts.length = 0;
      size = 0;
    }
  };
  if (!emitValue(value, '', 0, emit)) throw new TypeError(`${typeof value} has no JSON text.`);
  if (parts.length > 0) write(parts.join(''));
}

/** Whether `JSON.stringify` leaves the value out of an object (and writes `null` for it in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** Emits `v` at `indent`; false when JSON has no text for it (see {@link omitted}). */
function emitValue(v: unknown, indent: string, depth: number, emit: (s: string) => void): boolean {
  if (omitted(v)) return false;
  if (
    v === null ||
    typeof v !== 'object' ||
    depth >= WHOLE_DEPTH ||
    typeof (v as { toJSON?: unknown }).toJSON === 'function' ||
    v instanceof Number ||
    v instanceof String ||
    v instanceof Boolean
  ) {
    const text = JSON.stringify(v, null, 2);
    // JSON escapes line breaks inside strings, so every raw one is the layout's.
    emit(indent === '' ? text : text.replace(/\n/g, `\n${indent}`));
    return true;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      emit('[]');
      return true;
    }
    emit('[\n');
    for (let i = 0; i < v.length; i++) {
      emit(i === 0 ? inner : `,\n${inner}`);
      if (!emitValue(v[i], inner, depth + 1, emit)) emit('null');
    }
    emit(`\n${indent}]`);
    return true;
  }
  const record = v as Record<string, unknown>;
  let first = true;
  for (const key of Object.keys(record)) {
    const x = record[key];
    if (omitted(x)) continue;
    emit(first ? `{\n${inner}` : `,\n${inner}`);
    first = false;
    emit(`${JSON.stringify(key)}: `);
    emitValue(x, inner, depth + 1, emit);
  }
  emit(first ? '{}' : `\n${indent}}`);
  return true;
}
