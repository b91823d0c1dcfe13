/**
 * An integer with commas between groups of three digits, as `toLocaleString('en-US')` writes it, without
 * `Intl`: a process's first `toLocaleString` loads ICU's number formats, 14 ms, which an audit of the bench's
 * 25 MB paid at its first message that names a count (about a seventieth of its time). Numbers past 2^53 and
 * fractions are left to `toLocaleString`.
 */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return n < 0 || Object.is(n, -0) ? '-' + out : out;
}

/** `n` (digits grouped) and `noun`, plural unless n is 1: "1 row", "2,048 rows". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${groupDigits(n)} ${n === 1 ? noun : plural}`;
}
