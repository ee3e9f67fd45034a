// Keras optimizers with Keras's defaults, as TensorFlow.js optimizers.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from './config.ts';

export function makeOptimizer(c: OptimizerConfig): tf.Optimizer {
  switch (c.name) {
    case 'sgd':
      return c.momentum > 0 || c.nesterov ? tf.train.momentum(c.learningRate, c.momentum, c.nesterov) : tf.train.sgd(c.learningRate);
    case 'adam':
      return tf.train.adam(c.learningRate, c.beta1, c.beta2, c.epsilon);
    case 'rmsprop':
      return tf.train.rmsprop(c.learningRate, c.rho, c.momentum, c.epsilon);
    case 'adagrad':
      return tf.train.adagrad(c.learningRate, c.initialAccumulatorValue);
  }
}

// Every tfjs optimizer reads this.learningRate on each step, but only SGD exposes a setter.
type WithRate = { learningRate: number };

export function getLearningRate(opt: tf.Optimizer): number {
  return (opt as unknown as WithRate).learningRate;
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as WithRate).learningRate = lr;
}
