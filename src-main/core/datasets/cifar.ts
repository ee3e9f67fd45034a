// The CIFAR-10 binary version (Krizhevsky): each batch is a run of 3073-byte records, one label
// byte then a 32x32 image as three 1024-byte planes R, G, B. The .tar.gz it ships in is read by tar.ts.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { FileRefusedError, readRegularFile } from '../bounded-read.ts';
import { isFile } from '../fs-kinds.ts';
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
  constructor(
    readonly file: string,
    detail: string,
  ) {
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
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
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
