// Backbone features of every image of a list, from the feature cache where they are already
// there and from the backbone otherwise, as a set the training engine reads like images.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import { pickRows } from '../datasets/types.ts';
import { MAX_IMAGE_FILE_BYTES, readRegularFile } from '../bounded-read.ts';
import { decodeImage, type DecodedImage } from '../images/decode.ts';
import { preprocessBatch } from '../models/preprocess.ts';
import type { Backbone } from './backbone.ts';
import { contentHash, type FeatureCache } from './feature-cache.ts';
import { skippedFile, type SkippedFile } from '../../shared/errors.ts';

export interface LabelledFiles {
  files: readonly string[];
  labels: Int32Array;
}

export interface Features {
  /** [kept, featureLength] */
  x: Float32Array;
  labels: Int32Array;
  files: string[];
  /** The content hash of each kept file, in order: its key in the cache. */
  hashes: string[];
  skipped: SkippedFile[];
  computed: number;
  cached: number;
}

interface Prepared {
  file: string;
  label: number;
  hash?: string;
  cached?: Float32Array;
  image?: DecodedImage;
  failure?: SkippedFile;
}

/** The image turned left to right, in place: row by row, pixel by pixel, its channels kept together. */
export function flipPixels(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const row = width * channels;
  const pixel = new Uint8Array(channels);
  for (let y = 0; y < height; y++) {
    for (let left = y * row, right = left + row - channels; left < right; left += channels, right -= channels) {
      pixel.set(data.subarray(left, left + channels));
      data.copyWithin(left, right, right + channels);
      data.set(pixel, right);
    }
  }
  return data;
}

async function prepare(file: string, label: number, backbone: Backbone, cache: FeatureCache, flip: boolean): Promise<Prepared> {
  try {
    // Bounded and regular files only: a link to /dev/zero would otherwise be hashed forever.
    const bytes = await readRegularFile(file, MAX_IMAGE_FILE_BYTES, 'image file');
    const hash = contentHash(bytes);
    const cached = await cache.get(hash);
    if (cached) return { file, label, hash, cached };
    const [height, width] = backbone.inputSize;
    const image = await decodeImage(bytes, { width, height, channels: 3, resize: 'bilinear', fit: backbone.fit }, file);
    // Flipped after fitting: exactly the photo the network would see turned left to right.
    if (flip) flipPixels(image.data, image.width, image.height, image.channels);
    return { file, label, hash, image };
  } catch (err) {
    return { file, label, failure: skippedFile(file, err) };
  }
}

export async function extractFeatures(
  list: LabelledFiles,
  backbone: Backbone,
  cache: FeatureCache,
  /** `flip`: each photo turned left to right (`cache` must then be a cache of flipped photos). */
  opts: { batchSize?: number; prefetch?: number; flip?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Features> {
  const total = list.files.length;
  // 8: MobileNet on wasm is fastest per photo there (BENCHMARKS.md, issue 7).
  const batch = Math.max(1, opts.batchSize ?? 8);
  const f = backbone.featureLength;
  const x = new Float32Array(total * f);
  const labels: number[] = [];
  const files: string[] = [];
  const hashes: string[] = [];
  const skipped: Features['skipped'] = [];
  let computed = 0;
  let cached = 0;
  // Files read, hashed, looked up and decoded ahead of the backbone (sharp works on libuv's
  // threads while the backbone runs), in a bounded window: memory stays flat however many photos.
  const prefetch = Math.max(batch, opts.prefetch ?? 4 * batch);
  const window: Promise<Prepared>[] = [];
  let next = 0;
  const fill = () => {
    while (window.length < prefetch && next < total) {
      const i = next++;
      window.push(prepare(list.files[i]!, list.labels[i]!, backbone, cache, opts.flip ?? false));
    }
  };
  fill();
  let writes: Promise<unknown> = Promise.resolve();
  let done = 0;
  while (window.length) {
    if (opts.signal?.aborted) {
      await writes.catch(() => undefined);
      throw new Error('Feature extraction was cancelled.');
    }
    const items: Prepared[] = [];
    while (items.length < batch && window.length) {
      items.push(await window.shift()!);
      fill();
    }
    const toRun = items.filter((p) => p.image);
    let fresh: Float32Array | undefined;
    if (toRun.length) {
      const [h, w] = backbone.inputSize;
      const out = tf.tidy(
        () =>
          backbone.features.predict(
            preprocessBatch(
              toRun.map((p) => p.image!.data),
              h,
              w,
              3,
              backbone.preprocessing,
            ),
          ) as tf.Tensor,
      );
      fresh = (await out.data()) as Float32Array;
      out.dispose();
      // Written while the next batch runs; at most one batch of writes waits.
      await writes;
      const got = fresh;
      writes = Promise.all(toRun.map((p, k) => cache.put(p.hash!, got.slice(k * f, (k + 1) * f))));
    }
    let k = 0;
    for (const p of items) {
      if (p.failure) {
        skipped.push(p.failure);
        continue;
      }
      const v = p.cached ?? fresh!.subarray(k * f, (k + 1) * f);
      if (p.cached) cached++;
      else {
        computed++;
        k++;
      }
      x.set(v, labels.length * f);
      labels.push(p.label);
      files.push(p.file);
      hashes.push(p.hash!);
    }
    done += items.length;
    opts.onProgress?.(done, total);
  }
  await writes;
  // A view, not a copy: a copy would hold the features twice at the end (146 MB more for
  // 50,000 MobileNet photos, BENCHMARKS.md "Scale"); skipped photos leave only their rows unused.
  return { x: x.subarray(0, labels.length * f), labels: Int32Array.from(labels), files, hashes, skipped, computed, cached };
}

/** Features as an ImageSet: `read` hands out the float32 bytes; see ImageSet.featureLength. */
export function featureSet(features: Features, featureLength: number, classNames: string[], description: ImageSet['description']): ImageSet {
  const { x, labels, files } = features;
  const size = labels.length;
  return {
    size,
    // Not an image: [1, 1, F] only says how many numbers an example has.
    imageShape: [1, 1, featureLength],
    featureLength,
    classNames,
    labels,
    skipped: features.skipped,
    description,
    file: (i) => files[i],
    async read(indices) {
      const { rows, y } = pickRows(x, labels, featureLength, indices);
      return { x: new Uint8Array(rows.buffer), y, indices: [...indices] };
    },
  };
}
