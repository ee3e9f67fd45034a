// Turns decoded 8-bit pixels into the float input a model was trained on.
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from './preprocessing.ts';

const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

/**
 * What each of the 256 pixel values becomes in each output channel, worked out once per mode in
 * the float32 steps the tensor ops took (x / 127.5, then - 1; the mean as a float32 tensor), so
 * a lookup gives the very same bits (test/preprocess.test.ts checks every value).
 */
const tables = new Map<Preprocessing, Float32Array[]>();
function lookupTables(mode: Preprocessing): Float32Array[] {
  let t = tables.get(mode);
  if (!t) {
    const f = Math.fround;
    const one = (fn: (x: number) => number) => Float32Array.from({ length: 256 }, (_, x) => fn(x));
    t =
      mode === 'tf'
        ? [one((x) => f(f(x / 127.5) - 1))]
        : mode === 'caffe'
          ? CAFFE_MEAN_BGR.map((m) => one((x) => f(x - f(m))))
          : mode === 'scale01'
            ? [one((x) => f(x / 255))]
            : [one((x) => x)];
    tables.set(mode, t);
  }
  return t;
}

// The wasm backend copies a new tensor's values into its heap at once (BackendWasm.move), so one
// array can stage every batch there: a batch of eight 224x224 photos is 4.8 MB, and allocating it
// afresh each time kept the garbage collector busy (BENCHMARKS.md, issue 16). Other backends keep
// the array they are given, so they get their own. It grows to the largest batch seen and stays.
let staging = new Float32Array(0);
function target(length: number): Float32Array {
  if (tf.getBackend() !== 'wasm') return new Float32Array(length);
  if (staging.length < length) staging = new Float32Array(length);
  return staging.subarray(0, length);
}

function translate(p: Uint8Array, out: Float32Array, at: number, lut: Float32Array[], mode: Preprocessing): void {
  if (mode === 'caffe') {
    // RGB to BGR: output channel c is input channel 2 - c, less the mean of c.
    const [b, g, r] = lut as [Float32Array, Float32Array, Float32Array];
    for (let k = 0; k < p.length; k += 3) {
      out[at + k] = b[p[k + 2]!]!;
      out[at + k + 1] = g[p[k + 1]!]!;
      out[at + k + 2] = r[p[k]!]!;
    }
  } else {
    const t = lut[0]!;
    for (let k = 0; k < p.length; k++) out[at + k] = t[p[k]!]!;
  }
}

/** pixels: a batch of HWC uint8 images, all of the model's input size. */
export function preprocessBatch(pixels: readonly Uint8Array[], height: number, width: number, channels: 1 | 3, mode: Preprocessing): tf.Tensor4D {
  const size = height * width * channels;
  pixels.forEach((p, i) => {
    if (p.length !== size) throw new Error(`Image ${i} has ${p.length} values, expected ${size} (${height}x${width}x${channels}).`);
  });
  if (mode === 'caffe' && channels !== 3) throw new Error('caffe preprocessing needs RGB input');
  const lut = lookupTables(mode);
  const out = target(size * pixels.length);
  pixels.forEach((p, i) => translate(p, out, i * size, lut, mode));
  return tf.tensor4d(out, [pixels.length, height, width, channels]);
}
