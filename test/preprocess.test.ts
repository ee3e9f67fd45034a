// Each preprocessing mode on known pixels, against Keras's imagenet_utils.preprocess_input.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';

beforeAll(() => initBackend());

// Two images of 1x2 RGB pixels; every channel value different.
const a = new Uint8Array([10, 20, 30, 255, 0, 128]);
const b = new Uint8Array([1, 2, 3, 200, 100, 50]);
const run = (mode: Parameters<typeof preprocessBatch>[4], images = [a, b], c: 1 | 3 = 3) => {
  const width = images[0]!.length / c;
  const t = preprocessBatch(images, 1, width, c, mode);
  const out = Array.from(t.dataSync());
  expect(t.shape).toEqual([images.length, 1, width, c]);
  t.dispose();
  return out;
};
const expectValues = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v, `value ${i}`).toBeCloseTo(expected[i]!, 3));
};

describe('preprocessing', () => {
  it('caffe: RGB to BGR, then the ImageNet mean (B 103.939, G 116.779, R 123.68) subtracted, no scaling', () => {
    const caffe = ([r, g, bl]: number[]) => [bl! - 103.939, g! - 116.779, r! - 123.68];
    const expected = [a, b].flatMap((img) => [caffe([...img.subarray(0, 3)]), caffe([...img.subarray(3, 6)])].flat());
    expectValues(run('caffe'), expected);
    // Spelled out for the first pixel (R 10, G 20, B 30): blue first.
    expectValues(run('caffe').slice(0, 3), [30 - 103.939, 20 - 116.779, 10 - 123.68]);
  });

  it('caffe refuses grey input', () => {
    expect(() => run('caffe', [new Uint8Array([1, 2])], 1)).toThrow(/caffe preprocessing needs RGB/);
  });

  it('tf: x / 127.5 - 1, in RGB order', () => {
    expectValues(
      run('tf'),
      [...a, ...b].map((v) => v / 127.5 - 1),
    );
  });

  it('scale01: x / 255; none: x as it is', () => {
    expectValues(
      run('scale01'),
      [...a, ...b].map((v) => v / 255),
    );
    expectValues(run('none'), [...a, ...b]);
  });

  it('refuses an image of the wrong size', () => {
    expect(() => preprocessBatch([a, new Uint8Array(3)], 1, 2, 3, 'tf')).toThrow(/Image 1 has 3 values, expected 6/);
  });
});

// The modes are table lookups into an array the wasm backend copies from; these are the tensor
// ops they replaced, which must give the same bits.
describe('preprocessing as a table', () => {
  const all = Uint8Array.from({ length: 3 * 256 }, (_, i) => (i * 7) % 256);
  const ops = (mode: 'tf' | 'caffe' | 'scale01' | 'none') =>
    tf.tidy(() => {
      const x = tf.tensor4d(Int32Array.from(all), [1, 1, 256, 3], 'int32').toFloat();
      const y = mode === 'tf' ? x.div(127.5).sub(1) : mode === 'caffe' ? tf.reverse(x, -1).sub(tf.tensor1d(CAFFE_MEAN)) : mode === 'scale01' ? x.div(255) : x;
      return Array.from(y.dataSync());
    });
  const CAFFE_MEAN = [103.939, 116.779, 123.68];

  it.each(['tf', 'caffe', 'scale01', 'none'] as const)('%s gives exactly what the tensor ops give, for every pixel value in every channel', (mode) => {
    expect(tf.getBackend()).toBe('wasm');
    const t = preprocessBatch([all], 1, 256, 3, mode);
    expect(Array.from(t.dataSync())).toEqual(ops(mode));
    t.dispose();
  });

  it('a batch keeps its values when the next one is made (the staging array is copied, not kept)', () => {
    const first = preprocessBatch([a, b], 1, 2, 3, 'none');
    const second = preprocessBatch([b, a], 1, 2, 3, 'none');
    expect(Array.from(first.dataSync())).toEqual([...a, ...b]);
    expect(Array.from(second.dataSync())).toEqual([...b, ...a]);
    tf.dispose([first, second]);
  });
});
