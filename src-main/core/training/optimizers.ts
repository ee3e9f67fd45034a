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

// Adam, RMSprop and Adagrad read this.learningRate on each step; SGD and momentum step with a
// tensor made from it, which only their setter remakes.
// (instanceof cannot tell them apart: tfjs counts every optimizer an instance of each.)
type WithRate = { learningRate: number; setLearningRate?(lr: number): void };

export function getLearningRate(opt: tf.Optimizer): number {
  return (opt as unknown as WithRate).learningRate;
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as WithRate;
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}
