// Zip archives, as far as Keras 3 `.keras` files need them: read from untrusted files (every size
// bounded before anything is inflated, names kept as data, never turned into paths), and written
// with the entries stored, as Python's zipfile writes them by default. Node's zlib does the
// inflating; no zip library ships with the app.
import { inflateRawSync } from 'node:zlib';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;

export interface ZipLimits {
  /** Most entries an archive may list. */
  maxEntries: number;
  /** Most bytes one entry may inflate to. */
  maxEntryBytes: number;
}

export interface ZipEntry {
  name: string;
  size: number;
  read(): Buffer;
}

const fail = (file: string, why: string) => new Error(`${file} is not a readable .keras (zip) file: ${why}`);

/** Whether the bytes start like a zip archive (a local file header, or the end record of an empty one). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

function findEnd(buf: Buffer, file: string): number {
  const lowest = Math.max(0, buf.length - END_SIZE - MAX_COMMENT);
  for (let i = buf.length - END_SIZE; i >= lowest; i--) if (buf.readUInt32LE(i) === END) return i;
  throw fail(file, 'no end-of-archive record');
}

/**
 * The entries of an archive held in memory, by name. Zip64, encryption and methods other than
 * stored and deflate are refused; so are duplicate names, and entries whose data lies outside the
 * archive or inflates to other than the size it declares.
 */
export function readZip(buf: Buffer, file: string, limits: ZipLimits): Map<string, ZipEntry> {
  const end = findEnd(buf, file);
  const count = buf.readUInt16LE(end + 10);
  const dirSize = buf.readUInt32LE(end + 12);
  const dirAt = buf.readUInt32LE(end + 16);
  if (count === 0xffff || dirAt === 0xffffffff) throw fail(file, 'Zip64 archives are not supported');
  if (count > limits.maxEntries) throw fail(file, `it lists ${count} entries, over the limit of ${limits.maxEntries}`);
  if (dirAt + dirSize > end) throw fail(file, 'its directory lies outside the file');
  const entries = new Map<string, ZipEntry>();
  let p = dirAt;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL) throw fail(file, `directory entry ${i + 1} is damaged`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const packed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localAt = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw fail(file, `${name} is encrypted`);
    if (method !== 0 && method !== 8) throw fail(file, `${name} is compressed with method ${method} (only stored and deflate are read)`);
    if (size === 0xffffffff || packed === 0xffffffff || localAt === 0xffffffff) throw fail(file, 'Zip64 archives are not supported');
    if (size > limits.maxEntryBytes) throw fail(file, `${name} declares ${size} bytes, over the limit of ${limits.maxEntryBytes}`);
    if (entries.has(name)) throw fail(file, `${name} is listed twice`);
    if (localAt + 30 > end || buf.readUInt32LE(localAt) !== LOCAL) throw fail(file, `the data of ${name} is damaged`);
    const dataAt = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    if (dataAt + packed > end) throw fail(file, `the data of ${name} lies outside the file`);
    entries.set(name, {
      name,
      size,
      read() {
        const raw = buf.subarray(dataAt, dataAt + packed);
        let data: Buffer;
        try {
          // maxOutputLength: a deflate stream that inflates past its declared size stops there.
          data = method === 0 ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
        } catch (err) {
          throw fail(file, `${name} cannot be inflated (${(err as Error).message})`);
        }
        if (data.length !== size) throw fail(file, `${name} holds ${data.length} bytes but declares ${size}`);
        if (crc32(data) !== crc) throw fail(file, `${name} fails its checksum`);
        return data;
      },
    });
  }
  return entries;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An archive of the given files, stored (not compressed), in the order given. */
export function writeZip(files: [string, Uint8Array][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 1980-01-01 00:00, the earliest DOS date: a fixed stamp, so the same model makes the same bytes.
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // names are UTF-8
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(END_SIZE);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  if (offset > 0xfffffffe) throw new Error('The model is too large for a zip archive without Zip64 (4 GB).');
  return Buffer.concat([...locals, dir, end]);
}
