// Plain ustar archives for tests, as GNU tar writes them: a 512-byte header per file (octal
// fields, checksum), the data padded to 512, two zero blocks at the end. Written to a stream,
// so a test can make an archive far larger than it would want in memory.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar-writer: name over 100 bytes: ${name}`);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'latin1',
  );
  h.write('        ', 148, 'latin1');
  h[156] = 0x30; // '0': a regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

export function tarOf(entries: { name: string; data: Buffer }[]): Buffer {
  return Buffer.concat([...entries.flatMap((e) => [tarHeader(e.name, e.data.length), e.data, padding(e.data.length)]), Buffer.alloc(1024)]);
}

/** Writes the entries as they are generated (each one's data made on demand). */
export async function writeTarFile(file: string, entries: Iterable<{ name: string; data: () => Buffer }>): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  const put = async (b: Buffer) => {
    bytes += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  for (const e of entries) {
    const data = e.data();
    await put(tarHeader(e.name, data.length));
    await put(data);
    await put(padding(data.length));
  }
  await put(Buffer.alloc(1024));
  out.end();
  await once(out, 'close');
  return bytes;
}
