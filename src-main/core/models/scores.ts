// A classifier's answer for a batch of decoded pixels: preprocess, predict, and with a class range
// renormalize over it. No decoding and no file system, so the compute page runs this same code.
import * as tf from '@tensorflow/tfjs';
import { preprocessBatch } from './preprocess.ts';
import type { Preprocessing } from './preprocessing.ts';

export interface ScoreSpec {
  inputSize: [height: number, width: number];
  channels: 1 | 3;
  preprocessing: Preprocessing;
  /** Only outputs first..last (inclusive) count, renormalized to sum to 1. */
  classRange?: [first: number, last: number];
}

export interface Scores {
  probabilities: Float32Array;
  /** With a class range: the share of the whole probability that fell on it before renormalizing. */
  rangeShare?: number;
}

/** pixels: HWC uint8 images of the spec's input size. */
export async function scoreBatch(model: tf.LayersModel, spec: ScoreSpec, pixels: readonly Uint8Array[]): Promise<Scores[]> {
  const [height, width] = spec.inputSize;
  const range = spec.classRange;
  const [scores, shares] = tf.tidy(() => {
    const x = preprocessBatch(pixels, height, width, spec.channels, spec.preprocessing);
    const p = model.predict(x) as tf.Tensor2D;
    if (!range) return [p, undefined];
    const kept = p.slice([0, range[0]], [-1, range[1] - range[0] + 1]);
    const share = kept.sum(-1, true);
    return [kept.div(share) as tf.Tensor2D, share.reshape([-1])];
  });
  try {
    const flat = (await scores.data()) as Float32Array;
    const share = shares && ((await shares.data()) as Float32Array);
    const n = scores.shape[1];
    return pixels.map((_, i) => ({ probabilities: flat.slice(i * n, (i + 1) * n), ...(share ? { rangeShare: share[i]! } : {}) }));
  } finally {
    tf.dispose([scores, shares]);
  }
}
