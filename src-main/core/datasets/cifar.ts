// The CIFAR-10 binary version (Krizhevsky): each batch is a run of 3073-byte records, one label
// byte then a 32x32 image as three 1024-byte planes R, G, B. Also a small reader for the
// .tar.gz it ships in, since no tar library is installed.
import { createReadStream } from 'node:fs';
import { access, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FileRefusedError, readRegularFile } from '../bounded-read.ts';
import { isFile } from '../fs-kinds.ts';
import { ChunkReader } from './chunk-reader.ts';
import { memoryImageSet, type DatasetSplits } from './types.ts';

export const CIFAR_SIDE = 32;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD = 1 + 3 * PLANE;
export const CIFAR10_TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_BATCH = 'test_batch.bin';
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A batch file is read whole: the official ones hold 10,000 records (30 MB); eight times that is plenty. */
export const MAX_CIFAR_BATCH_BYTES = 80_000 * CIFAR_RECORD;
const MAX_META_BYTES = 1024 ** 2;

export class CifarError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'CifarError';
  }
}

/** Decodes one batch file into HWC pixels and labels. */
export async function readCifarBatch(file: string, classes = CIFAR10_CLASSES.length): Promise<{ x: Uint8Array; labels: Int32Array }> {
  const buf = await readCifarFile(file, MAX_CIFAR_BATCH_BYTES, 'CIFAR batch');
  if (buf.length === 0 || buf.length % CIFAR_RECORD !== 0) {
    throw new CifarError(file, `${buf.length} bytes is not a whole number of CIFAR-10 records (${CIFAR_RECORD} bytes each: 1 label byte + 32x32x3 pixels)`);
  }
  const n = buf.length / CIFAR_RECORD;
  const x = new Uint8Array(n * 3 * PLANE);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR_RECORD;
    labels[r] = buf[base];
    if (labels[r] >= classes) throw new CifarError(file, `record ${r} has label ${labels[r]}, but there are only ${classes} classes`);
    const out = r * 3 * PLANE;
    for (let c = 0; c < 3; c++) {
      const plane = base + 1 + c * PLANE;
      for (let p = 0; p < PLANE; p++) x[out + p * 3 + c] = buf[plane + p];
    }
  }
  return { x, labels };
}

async function readCifarFile(file: string, maxBytes: number, what: string): Promise<Buffer> {
  try {
    return await readRegularFile(file, maxBytes, what);
  } catch (e) {
    throw new CifarError(file, e instanceof FileRefusedError ? e.detail : `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Class names from batches.meta.txt (one a line), or the standard ones when it is missing. */
export async function readCifarMeta(dir: string): Promise<string[]> {
  const file = path.join(dir, 'batches.meta.txt');
  if (!(await isFile(file))) return [...CIFAR10_CLASSES];
  const text = (await readCifarFile(file, MAX_META_BYTES, 'class list')).toString('utf8');
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (names.length < 2) throw new CifarError(file, `lists ${names.length} class names; expected one per line`);
  return names;
}

export async function hasCifarBatches(dir: string): Promise<boolean> {
  try {
    await Promise.all([...CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH].map((f) => access(path.join(dir, f))));
    return true;
  } catch {
    return false;
  }
}

async function readBatches(dir: string, files: string[], classes: number) {
  const parts = [];
  for (const f of files) parts.push(await readCifarBatch(path.join(dir, f), classes));
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const x = new Uint8Array(n * 3 * PLANE);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * 3 * PLANE);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { x, labels };
}

/** The five training batches and the test batch of a cifar-10-batches-bin folder, in memory. */
export async function loadCifarBinary(dir: string, name = 'CIFAR-10'): Promise<DatasetSplits> {
  const classNames = await readCifarMeta(dir);
  const make = async (files: string[], split: string) => {
    const { x, labels } = await readBatches(dir, files, classNames.length);
    return memoryImageSet({ x, labels, imageShape: [CIFAR_SIDE, CIFAR_SIDE, 3], classNames, description: { name, source: dir, format: 'cifar-binary', split } });
  };
  return { train: await make(CIFAR10_TRAIN_BATCHES, 'train'), test: await make([CIFAR10_TEST_BATCH], 'test') };
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

function tarNumber(b: Buffer): number {
  // GNU base-256 for sizes over 8 GiB: high bit set, big-endian after the first byte.
  if (b[0] & 0x80) return b.subarray(1).reduce((v, byte) => v * 256 + byte, b[0] & 0x7f);
  const s = cString(b).trim();
  return s ? parseInt(s, 8) : 0;
}

function paxPath(data: Buffer): string | undefined {
  // Records are "<len> key=value\n".
  for (const line of data.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Extracts the regular files of a .tar.gz (ustar, GNU long names, pax paths) under destDir,
 * refusing paths that would leave it. Returns the extracted paths, relative to destDir.
 */
export async function extractTarGz(archive: string, destDir: string, accept: (name: string) => boolean = () => true): Promise<string[]> {
  // pipeline, not pipe: a read error (a missing file) must reach the loop below.
  const stream = pipeline(createReadStream(archive), createGunzip(), () => {});
  const reader = new ChunkReader(stream);
  const extracted: string[] = [];
  let longName: string | undefined;
  try {
    for (;;) {
      const header = await reader.read(512);
      if (header.length === 0) break;
      if (header.length < 512) throw new CifarError(archive, 'the tar archive is truncated (partial header)');
      if (header.every((b) => b === 0)) break;
      const stored = tarNumber(header.subarray(148, 156));
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
      if (sum !== stored) throw new CifarError(archive, 'not a tar archive, or a corrupt one (header checksum mismatch)');
      const size = tarNumber(header.subarray(124, 136));
      const type = String.fromCharCode(header[156] || 48);
      const ustar = header.subarray(257, 262).toString('latin1') === 'ustar';
      const prefix = ustar ? cString(header.subarray(345, 500)) : '';
      const name = longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
      longName = undefined;
      const padded = Math.ceil(size / 512) * 512;
      if (type === 'L' || type === 'x') {
        const data = await reader.read(padded);
        if (data.length < padded) throw new CifarError(archive, 'the tar archive is truncated');
        longName = type === 'L' ? cString(data.subarray(0, size)) : paxPath(data.subarray(0, size));
        continue;
      }
      const rel = path.normalize(name);
      const wanted = (type === '0' || type === '7') && accept(name);
      if (wanted && (path.isAbsolute(rel) || rel.split(path.sep).includes('..'))) {
        throw new CifarError(archive, `the tar archive holds a path outside its folder: ${name}`);
      }
      const out = wanted ? await (async () => {
        await mkdir(path.dirname(path.join(destDir, rel)), { recursive: true });
        return open(path.join(destDir, rel), 'w');
      })() : undefined;
      try {
        for (let left = padded; left > 0;) {
          const piece = await reader.read(Math.min(left, 1 << 20));
          if (piece.length === 0) throw new CifarError(archive, `the tar archive is truncated (in ${name})`);
          const keep = Math.max(0, Math.min(piece.length, size - (padded - left)));
          if (out && keep > 0) await out.write(piece.subarray(0, keep));
          left -= piece.length;
        }
      } finally {
        await out?.close();
      }
      if (wanted) extracted.push(rel);
    }
  } catch (e) {
    if (e instanceof CifarError) throw e;
    const msg = (e as Error).message;
    throw new CifarError(archive, /unexpected end/i.test(msg) ? 'the archive is truncated' : `cannot extract (${msg})`);
  } finally {
    stream.destroy();
  }
  return extracted;
}
