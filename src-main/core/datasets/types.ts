// What the training engine consumes: a set of uint8 HWC images read by index, so that a set
// may live in memory (MNIST) or be decoded per batch from files (a folder of photos).
import { mulberry32, shuffled } from '../training/random.ts';
import type { SkippedFile } from '../../shared/errors.ts';

export interface ImageSet {
  readonly size: number;
  /** h, w, c (c = 1 or 3) */
  readonly imageShape: [number, number, number];
  readonly classNames: string[];
  /** Label of every example, 0..classes-1. */
  readonly labels: Int32Array;
  /** Examples by index, as HWC uint8 concatenated. Examples whose file cannot be decoded are left out
   *  (and added to `skipped`), so `indices` tells which ones came back, in order. */
  read(indices: readonly number[]): Promise<{ x: Uint8Array; y: Int32Array; indices: number[] }>;
  readonly skipped: SkippedFile[];
  /**
   * Set for a set of backbone features (core/transfer): each example is then this many float32
   * values, and `read` returns their bytes in `x` (a Uint8Array view of the floats).
   */
  readonly featureLength?: number;
  readonly description: { name: string; source: string; format: string; [k: string]: unknown };
  /** The file an example came from, where there is one (for listing misclassified photos). */
  file?(index: number): string | undefined;
}

export interface DatasetSplits {
  train: ImageSet;
  test?: ImageSet;
  validation?: ImageSet;
}

export type ReadResult = Awaited<ReturnType<ImageSet['read']>>;

export function pixelsPerImage(set: Pick<ImageSet, 'imageShape'>): number {
  const [h, w, c] = set.imageShape;
  return h * w * c;
}

export function checkIndex(i: number, size: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`Example index ${i} is out of range (0..${size - 1})`);
}

export interface MemoryImageSetInit {
  /** All images, HWC uint8 concatenated. */
  x: Uint8Array;
  labels: Int32Array;
  imageShape: [number, number, number];
  classNames: string[];
  description: ImageSet['description'];
  skipped?: ImageSet['skipped'];
  files?: readonly string[];
}

export function memoryImageSet(init: MemoryImageSetInit): ImageSet {
  const { x, labels, imageShape, classNames, description, files } = init;
  const px = imageShape[0] * imageShape[1] * imageShape[2];
  const size = labels.length;
  if (x.length !== size * px) {
    throw new Error(`${description.name}: ${x.length} bytes of pixels for ${size} images of ${imageShape.join('x')} (expected ${size * px})`);
  }
  checkLabels(labels, classNames.length, description.name);
  return {
    size,
    imageShape,
    classNames,
    labels,
    skipped: init.skipped ?? [],
    description,
    file: files ? (i) => files[i] : undefined,
    async read(indices) {
      const { rows, y } = pickRows(x, labels, px, indices);
      return { x: rows, y, indices: [...indices] };
    },
  };
}

/** The rows of `indices` (each `rowLength` values) copied out of an in-memory set, with their labels. */
export function pickRows<T extends Uint8Array | Float32Array>(x: T, labels: Int32Array, rowLength: number, indices: readonly number[]): { rows: T; y: Int32Array } {
  const rows = new (x.constructor as new (n: number) => T)(indices.length * rowLength);
  const y = new Int32Array(indices.length);
  const size = labels.length;
  indices.forEach((i, k) => {
    checkIndex(i, size);
    rows.set(x.subarray(i * rowLength, (i + 1) * rowLength), k * rowLength);
    y[k] = labels[i]!;
  });
  return { rows, y };
}

export function checkLabels(labels: Int32Array, classes: number, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= classes) throw new Error(`${name}: example ${i} has label ${labels[i]}, but there are only ${classes} classes`);
  }
}

/** A view of some examples of a set, in the given order; nothing is copied. */
export function subsetImageSet(set: ImageSet, indices: readonly number[], extra: Record<string, unknown> = {}): ImageSet {
  const map = Int32Array.from(indices, (i) => (checkIndex(i, set.size), i));
  const labels = Int32Array.from(map, (i) => set.labels[i]);
  return {
    size: map.length,
    imageShape: set.imageShape,
    classNames: set.classNames,
    labels,
    // Shared, so files the parent skips lazily show up here too.
    skipped: set.skipped,
    featureLength: set.featureLength,
    description: { ...set.description, ...extra },
    file: set.file ? (i) => set.file!(map[i]) : undefined,
    async read(want) {
      const parentIdx = want.map((i) => (checkIndex(i, map.length), map[i]));
      const got = await set.read(parentIdx);
      // The parent answers in request order, leaving some out: walk both lists to map back.
      const back: number[] = [];
      let p = 0;
      for (let k = 0; k < parentIdx.length && p < got.indices.length; k++) {
        if (parentIdx[k] === got.indices[p]) {
          back.push(want[k]);
          p++;
        }
      }
      return { x: got.x, y: got.y, indices: back };
    },
  };
}

/**
 * Splits off a validation set. With a seed, the examples are shuffled first and the last
 * `fraction` of the shuffled order is held out (like image_dataset_from_directory, whose files
 * come sorted by class); without one, the last `fraction` in the set's own order (like Keras
 * `validation_split` in fit, right for sets that come shuffled such as MNIST).
 */
export function splitValidation(set: ImageSet, fraction: number, seed?: number): { train: ImageSet; validation: ImageSet } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`The validation fraction must be between 0 and 1, got ${fraction}`);
  const n = set.size;
  const order = seed === undefined ? Array.from({ length: n }, (_, i) => i) : shuffled(n, mulberry32(seed));
  // Same rounding as Keras: fit() rounds the training part, image_dataset_from_directory floors the validation part.
  const trainCount = seed === undefined ? Math.round(n * (1 - fraction)) : n - Math.floor(n * fraction);
  if (trainCount < 1 || trainCount >= n) {
    throw new Error(`A validation fraction of ${fraction} of ${n} examples leaves ${n - trainCount} for validation and ${trainCount} for training; both need at least one.`);
  }
  const how = seed === undefined ? { validationSplit: fraction } : { validationSplit: fraction, splitSeed: seed };
  return {
    train: subsetImageSet(set, order.slice(0, trainCount), { ...how, subset: 'training' }),
    validation: subsetImageSet(set, order.slice(trainCount), { ...how, subset: 'validation' }),
  };
}

/** The first `limit` examples after a seeded shuffle, so that sets sorted by class stay balanced. */
export function limitImageSet(set: ImageSet, limit: number | undefined, seed: number): ImageSet {
  if (limit === undefined || limit >= set.size) return set;
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return subsetImageSet(set, shuffled(set.size, mulberry32(seed)).slice(0, limit), { limit, limitSeed: seed });
}
