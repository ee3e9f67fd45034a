// One optimizer step on one batch: the part of training that is the same on every backend. The
// Node loop (fit.ts) and the compute page's engine both call it, so a GPU run is this code, not a copy.
import * as tf from '@tensorflow/tfjs';
import { accuracy, type LossFn } from './losses.ts';

/** The variables a step updates: the model's trainable weights as tfjs variables. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
}

/**
 * Updates `vars` from one batch (x already preprocessed, y class indices) and gives the batch's
 * loss and accuracy before the update; the caller disposes both.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  lossFn: LossFn,
  x: tf.Tensor,
  y: tf.Tensor1D,
  vars: tf.Variable[],
): [loss: tf.Scalar, accuracy: tf.Scalar] {
  let acc: tf.Scalar | undefined;
  const loss = optimizer.minimize(
    () => {
      const pred = model.apply(x, { training: true }) as tf.Tensor2D;
      acc = tf.keep(accuracy(y, pred));
      return lossFn(y, pred);
    },
    true,
    vars,
  )!;
  return [loss, acc!];
}
