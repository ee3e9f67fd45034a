// Activations at the fine-tuning split for every photo of a list: through the feature extraction
// of features.ts (the same reading, decoding and preprocessing, so the top learns on what the
// stored model will see), with the backbone's bottom in place of the whole backbone and the
// activation cache in place of the feature cache. Only the content hashes stay in memory;
// training reads the activations back from the cache a batch at a time.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import type { ActivationCache } from './activation-cache.ts';
import type { Backbone } from './backbone.ts';
import { extractFeatures, type Features, type LabelledFiles } from './features.ts';
import type { Split } from './split.ts';

/** Photos a chunk: its activations (19 MB for MobileNet's split) are dropped before the next. */
const CHUNK = 256;

export type Activations = Omit<Features, 'x'>;

export async function extractActivations(
  list: LabelledFiles,
  backbone: Backbone,
  split: Split,
  cache: ActivationCache,
  opts: { flip?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Activations> {
  const bottom: Backbone = { ...backbone, features: split.bottom, featureLength: split.length };
  const total = list.files.length;
  const out: Activations = { labels: new Int32Array(0), files: [], hashes: [], skipped: [], computed: 0, cached: 0 };
  const labels: number[] = [];
  for (let start = 0; start < total; start += CHUNK) {
    const part = { files: list.files.slice(start, start + CHUNK), labels: list.labels.subarray(start, start + CHUNK) };
    const f = await extractFeatures(part, bottom, cache, { flip: opts.flip, signal: opts.signal, onProgress: (done) => opts.onProgress?.(start + done, total) });
    labels.push(...f.labels);
    out.files.push(...f.files);
    out.hashes.push(...f.hashes);
    out.skipped.push(...f.skipped);
    out.computed += f.computed;
    out.cached += f.cached;
  }
  return { ...out, labels: Int32Array.from(labels) };
}

/**
 * The activations as a set the training engine reads like features: float32 bytes, flat rows of
 * the split's length. With `flip`, each read takes every photo's flipped activations instead
 * with probability 1/2 (the flip augmentation, exact: the cached activations of the photo turned
 * left to right), so each epoch sees a fresh mix.
 */
export function activationSet(
  acts: Activations,
  cache: ActivationCache,
  classNames: string[],
  description: ImageSet['description'],
  flip?: { cache: ActivationCache; random: () => number },
): ImageSet {
  const { labels, files, hashes } = acts;
  const rows = async (indices: readonly number[]) => {
    if (!flip) return cache.getAll(indices.map((i) => hashes[i]!));
    const turn = indices.map(() => flip.random() < 0.5);
    const pick = (want: boolean) => indices.filter((_, k) => turn[k] === want).map((i) => hashes[i]!);
    const [plain, turned] = await Promise.all([cache.getAll(pick(false)), flip.cache.getAll(pick(true))]);
    const n = cache.key.featureLength;
    const out = new Float32Array(indices.length * n);
    const next = [0, 0];
    turn.forEach((f, k) => {
      const from = f ? turned : plain;
      const j = next[+f]!++;
      out.set(from.subarray(j * n, (j + 1) * n), k * n);
    });
    return out;
  };
  return {
    size: labels.length,
    imageShape: [1, 1, cache.key.featureLength],
    featureLength: cache.key.featureLength,
    classNames,
    labels,
    skipped: acts.skipped,
    description,
    file: (i) => files[i],
    async read(indices) {
      const x = await rows(indices);
      return { x: new Uint8Array(x.buffer), y: Int32Array.from(indices, (i) => labels[i]!), indices: [...indices] };
    },
  };
}

/** The pooled features the head first trains on, from the cached activations through the (still frozen) top. */
export async function pooledFeatures(acts: Activations, split: Split, cache: ActivationCache, featureLength: number, batch = 64): Promise<Features> {
  const n = acts.labels.length;
  const x = new Float32Array(n * featureLength);
  for (let start = 0; start < n; start += batch) {
    const hashes = acts.hashes.slice(start, start + batch);
    const rows = await cache.getAll(hashes);
    const out = tf.tidy(() => split.top.predict(tf.tensor2d(rows, [hashes.length, split.length])) as tf.Tensor);
    x.set((await out.data()) as Float32Array, start * featureLength);
    out.dispose();
  }
  return { ...acts, x };
}
