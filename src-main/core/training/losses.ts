// Losses on softmax outputs, for integer labels (y as int32 class indices).
import * as tf from '@tensorflow/tfjs';
import type { LossConfig } from './config.ts';

const EPS = 1e-7;

/** Mean loss over the batch; yTrue holds class indices. */
export type LossFn = (yTrue: tf.Tensor1D, yPred: tf.Tensor2D) => tf.Scalar;

export function makeLoss(c: LossConfig): LossFn {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const oneHot = tf.oneHot(yTrue, yPred.shape[1]).toFloat();
      const p = yPred.clipByValue(EPS, 1 - EPS);
      // Categorical and sparse categorical cross-entropy are the same number; they differ
      // only in how labels are given, which the data pipeline already settled.
      if (c.name !== 'focal') return tf.neg(tf.sum(oneHot.mul(p.log()), -1)).mean() as tf.Scalar;
      const weight = tf.pow(tf.sub(1, p), c.gamma).mul(c.alpha);
      return tf.neg(tf.sum(oneHot.mul(weight).mul(p.log()), -1)).mean() as tf.Scalar;
    });
}

export function accuracy(yTrue: tf.Tensor1D, yPred: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.equal(yPred.argMax(-1), yTrue.toInt()).toFloat().mean() as tf.Scalar);
}
