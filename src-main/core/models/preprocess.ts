// Turns decoded 8-bit pixels into the float input a model was trained on.
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from './preprocessing.ts';

const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

/** pixels: a batch of HWC uint8 images, all of the model's input size. */
export function preprocessBatch(pixels: readonly Uint8Array[], height: number, width: number, channels: 1 | 3, mode: Preprocessing): tf.Tensor4D {
  return tf.tidy(() => {
    const size = height * width * channels;
    const joined = new Uint8Array(size * pixels.length);
    pixels.forEach((p, i) => {
      if (p.length !== size) throw new Error(`Image ${i} has ${p.length} values, expected ${size} (${height}x${width}x${channels}).`);
      joined.set(p, i * size);
    });
    // Stay uint8 until the tensor exists: a quarter of the memory and of the copying.
    const x = tf.tensor4d(joined, [pixels.length, height, width, channels], 'int32').toFloat();
    switch (mode) {
      case 'tf':
        return x.div(127.5).sub(1);
      case 'caffe': {
        if (channels !== 3) throw new Error('caffe preprocessing needs RGB input');
        const bgr = tf.reverse(x, -1);
        return bgr.sub(tf.tensor1d(CAFFE_MEAN_BGR));
      }
      case 'scale01':
        return x.div(255);
      case 'none':
        return x;
    }
  });
}
