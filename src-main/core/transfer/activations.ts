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

/** The activations as a set the training engine reads like features: float32 bytes, flat rows of the split's length. */
export function activationSet(acts: Activations, cache: ActivationCache, classNames: string[], description: ImageSet['description']): ImageSet {
  const { labels, files, hashes } = acts;
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
      const x = await cache.getAll(indices.map((i) => hashes[i]!));
      return { x: new Uint8Array(x.buffer), y: Int32Array.from(indices, (i) => labels[i]!), indices: [...indices] };
    },
  };
}

/**
 * Two feature sets of the same photos in the same order (the photos as they are and turned left
 * to right): each read takes every example from one or the other, by a fair coin, so each epoch
 * sees a fresh mix (the flip augmentation, exact, for features that cannot be moved themselves).
 */
export function eitherCopy(plain: ImageSet, flipped: ImageSet, random: () => number): ImageSet {
  if (plain.size !== flipped.size || !plain.featureLength || plain.featureLength !== flipped.featureLength)
    throw new Error(`The flipped copies (${flipped.size} of ${flipped.featureLength}) do not match the photos (${plain.size} of ${plain.featureLength}).`);
  const n = plain.featureLength * 4;
  return {
    ...plain,
    description: { ...plain.description, flipped: flipped.description.activationCache ?? true },
    async read(indices) {
      const turn = indices.map(() => random() < 0.5);
      const [a, b] = await Promise.all([plain.read(indices.filter((_, k) => !turn[k])), flipped.read(indices.filter((_, k) => turn[k]))]);
      const x = new Uint8Array(indices.length * n);
      const y = new Int32Array(indices.length);
      const next = [0, 0];
      turn.forEach((t, k) => {
        const from = t ? b : a;
        const j = next[+t]!++;
        x.set(from.x.subarray(j * n, (j + 1) * n), k * n);
        y[k] = from.y[j]!;
      });
      return { x, y, indices: [...indices] };
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
