/**
 * A tar archive writer for tests, as POSIX lays the format out: 512-byte ustar headers, data padded to whole
 * blocks, two zero blocks at the end; a pax record for a name over 100 bytes. Real writers' archives (GNU,
 * pax and ustar long names) are fixtures in `test/fixtures/archives/`.
 */

/** A file of a tar archive for {@link makeTar}. */
export interface TarEntry {
  name: string;
  data?: Buffer;
  /** `0` a file (the default), `5` a folder, `2` a symbolic link. */
  type?: string;
  /** Write a checksum that does not match (a damaged header). */
  badChecksum?: boolean;
}

function header(name: string, size: number, type: string, badChecksum = false): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0001750\0', 108, 'latin1');
  h.write('0001750\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('15123456701\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write((sum + (badChecksum ? 1 : 0)).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** A tar archive of `entries`, in their order. */
export function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    if (Buffer.byteLength(e.name) > 100) {
      // A pax record: "<length> path=<name>\n", its length counting its own digits.
      const body = ` path=${e.name}\n`;
      let n = Buffer.byteLength(body) + 1;
      while (String(n).length + Buffer.byteLength(body) !== n) n++;
      const record = Buffer.from(`${n}${body}`, 'utf8');
      parts.push(header('PaxHeaders/x', record.length, 'x'), record, pad(record.length));
    }
    parts.push(header(e.name, data.length, e.type ?? '0', e.badChecksum), data, pad(data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
