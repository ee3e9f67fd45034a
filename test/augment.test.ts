// randomTransform's matrix (output pixel -> where it is read in the input, as tf.image.transform
// takes it) and augmentBatch on real pixels.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { AugmentConfig } from '../src-main/core/training/config.ts';
import { augmentBatch, isIdentity, randomTransform } from '../src-main/core/training/augment.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';

beforeAll(() => initBackend());

const W = 7;
const H = 5;

/** Where the transform reads output pixel (x, y) from. */
function source(m: number[], x: number, y: number): [number, number] {
  const d = m[6]! * x + m[7]! * y + 1;
  return [(m[0]! * x + m[1]! * y + m[2]!) / d, (m[3]! * x + m[4]! * y + m[5]!) / d];
}

const every = (f: (x: number, y: number) => void) => {
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f(x, y);
};

/** A generator that gives the values listed, in order. */
const scripted = (values: number[]) => () => {
  const v = values.shift();
  if (v === undefined) throw new Error('drew more random numbers than expected');
  return v;
};

describe('randomTransform', () => {
  it('is the identity when every setting is zero, whatever it draws', () => {
    const zero = AugmentConfig.parse({});
    expect(isIdentity(zero)).toBe(true);
    const random = mulberry32(3);
    for (let k = 0; k < 20; k++) {
      const m = randomTransform(zero, W, H, random);
      [1, 0, 0, 0, 1, 0, 0, 0].forEach((v, i) => expect(m[i]).toBeCloseTo(v, 12));
    }
  });

  it('a horizontal flip (drawn below 0.5) maps x to w-1-x and keeps y; drawn above, it is the identity', () => {
    const flip = AugmentConfig.parse({ horizontalFlip: true });
    expect(isIdentity(flip)).toBe(false);
    // Five draws for rotation, shifts and zoom (all zero here), then the flip's.
    const flipped = randomTransform(flip, W, H, scripted([0.9, 0.1, 0.7, 0.3, 0.5, 0.2]));
    every((x, y) => {
      const [sx, sy] = source(flipped, x, y);
      expect(sx).toBeCloseTo(W - 1 - x, 10);
      expect(sy).toBeCloseTo(y, 10);
    });
    const kept = randomTransform(flip, W, H, scripted([0.9, 0.1, 0.7, 0.3, 0.5, 0.8]));
    every((x, y) => expect(source(kept, x, y).map((v) => +v.toFixed(10))).toEqual([x, y]));
  });

  it('rotation and zoom turn about the image centre; a shift moves every pixel by the same amount', () => {
    const cx = (W - 1) / 2;
    const cy = (H - 1) / 2;
    const turn = randomTransform(AugmentConfig.parse({ rotationRange: 90, zoomRange: 0.5 }), W, H, scripted([1, 0.5, 0.5, 0, 1]));
    const [sx, sy] = source(turn, cx, cy);
    expect(sx).toBeCloseTo(cx, 10);
    expect(sy).toBeCloseTo(cy, 10);
    // 90 degrees: a step right in the output is a step along y in the input, zoomed by 1 - 0.5.
    const [rx, ry] = source(turn, cx + 1, cy);
    expect(Math.hypot(rx - cx, ry - cy)).toBeCloseTo(0.5, 10);
    expect(rx).toBeCloseTo(cx, 10);

    // A width shift of the whole range (drawn 1): every output pixel reads 0.2 * W further along x.
    const shift = randomTransform(AugmentConfig.parse({ widthShiftRange: 0.2 }), W, H, scripted([0.5, 1, 0.5, 0.5, 0.5]));
    every((x, y) => {
      const [px, py] = source(shift, x, y);
      expect(px - x).toBeCloseTo(0.2 * W, 10);
      expect(py).toBeCloseTo(y, 10);
    });
  });
});

describe('augmentBatch', () => {
  it('mirrors the pixels of a flipped image exactly, and leaves one drawn unflipped as it was', () => {
    const pixels = Array.from({ length: H * W * 3 }, (_, i) => (i * 37) % 251);
    const image = tf.tensor4d([...pixels, ...pixels], [2, H, W, 3]);
    // The first image draws a flip (0.2), the second none (0.8).
    const out = augmentBatch(image, AugmentConfig.parse({ horizontalFlip: true }), scripted([0.5, 0.5, 0.5, 0.5, 0.5, 0.2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.8]));
    const [flipped, kept] = out.arraySync();
    const input = image.arraySync()[0]!;
    every((x, y) => {
      for (let c = 0; c < 3; c++) {
        expect(flipped![y]![x]![c]).toBeCloseTo(input[y]![W - 1 - x]![c]!, 4);
        expect(kept![y]![x]![c]).toBeCloseTo(input[y]![x]![c]!, 4);
      }
    });
    tf.dispose([image, out]);
  });
});
