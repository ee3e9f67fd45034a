// Keras ImageDataGenerator's random rotation, shifts, zoom and horizontal flip, applied to a
// whole batch in one projective transform (one kernel call instead of one per image).
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from './config.ts';

export function isIdentity(a: AugmentConfig | undefined): boolean {
  return !a || (!a.rotationRange && !a.widthShiftRange && !a.heightShiftRange && !a.zoomRange && !a.horizontalFlip);
}

type Mat = [number, number, number, number, number, number, number, number, number];

function mul(a: Mat, b: Mat): Mat {
  const r = new Array<number>(9) as Mat;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return r;
}

/**
 * The matrix that maps an output pixel (x, y) to where it is read in the input, as
 * tf.image.transform wants it: [a0, a1, a2, b0, b1, b2, c0, c1].
 */
export function randomTransform(a: AugmentConfig, width: number, height: number, random: () => number): number[] {
  const u = (r: number) => (random() * 2 - 1) * r;
  const theta = (u(a.rotationRange) * Math.PI) / 180;
  const tx = u(a.widthShiftRange) * width;
  const ty = u(a.heightShiftRange) * height;
  const zx = 1 + u(a.zoomRange);
  const zy = 1 + u(a.zoomRange);
  const flip = a.horizontalFlip && random() < 0.5;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  let m: Mat = [1, 0, cx + tx, 0, 1, cy + ty, 0, 0, 1];
  m = mul(m, [cos, -sin, 0, sin, cos, 0, 0, 0, 1]);
  m = mul(m, [zx, 0, 0, 0, zy, 0, 0, 0, 1]);
  m = mul(m, [1, 0, -cx, 0, 1, -cy, 0, 0, 1]);
  if (flip) m = mul(m, [-1, 0, width - 1, 0, 1, 0, 0, 0, 1]);
  return [m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]];
}

/** images: [n, h, w, c] float. Edges are filled with the nearest pixel, as Keras does by default. */
export function augmentBatch(images: tf.Tensor4D, a: AugmentConfig, random: () => number): tf.Tensor4D {
  const [n, h, w] = images.shape;
  const transforms = Array.from({ length: n }, () => randomTransform(a, w, h, random));
  return tf.tidy(() => tf.image.transform(images, tf.tensor2d(transforms, [n, 8]), 'bilinear', 'nearest'));
}
