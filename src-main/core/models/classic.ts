// The classic CNNs of the Keras course programs, layer for layer.
import * as tf from '@tensorflow/tfjs';
import { CLASSIC_NETWORKS, type ClassicNetworkId } from '../../shared/vocabulary.ts';

export interface ClassicOptions {
  inputShape?: [number, number, number];
  classes?: number;
  /** Overrides every Dropout rate of the network (the course values otherwise). */
  dropout?: number;
}

const conv = (filters: number, kernelSize: number, padding: 'same' | 'valid' = 'valid') => tf.layers.conv2d({ filters, kernelSize, padding, activation: 'relu' });

const pool = () => tf.layers.maxPooling2d({ poolSize: 2 });
const dropout = (rate: number, opts: ClassicOptions) => tf.layers.dropout({ rate: opts.dropout ?? rate });
const softmax = (opts: ClassicOptions) => tf.layers.dense({ units: opts.classes ?? 10, activation: 'softmax' });

function sequential(name: string, inputShape: [number, number, number], layers: tf.layers.Layer[]): tf.Sequential {
  const model = tf.sequential({ name });
  model.add(tf.layers.inputLayer({ inputShape }));
  for (const layer of layers) model.add(layer);
  return model;
}

/** LeNet-5 on 28x28x1: 61,706 parameters. */
export function lenet5(opts: ClassicOptions = {}): tf.Sequential {
  return sequential('lenet5', opts.inputShape ?? [28, 28, 1], [
    tf.layers.conv2d({ filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
    pool(),
    tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
    pool(),
    tf.layers.conv2d({ filters: 120, kernelSize: 5, activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 84, activation: 'relu' }),
    softmax(opts),
  ]);
}

/** The Fashion-MNIST course CNN: 333,526 parameters. */
export function fashionCnn(opts: ClassicOptions = {}): tf.Sequential {
  return sequential('fashion-cnn', opts.inputShape ?? [28, 28, 1], [
    conv(32, 3, 'same'),
    pool(),
    conv(64, 3, 'same'),
    pool(),
    tf.layers.flatten(),
    tf.layers.dense({ units: 100, activation: 'relu' }),
    dropout(0.4, opts),
    softmax(opts),
  ]);
}

/** The Keras CIFAR-10 CNN on 32x32x3: 890,410 parameters. */
export function cifarCnn(opts: ClassicOptions = {}): tf.Sequential {
  return sequential('cifar-cnn', opts.inputShape ?? [32, 32, 3], [
    conv(32, 3),
    conv(32, 3),
    pool(),
    dropout(0.25, opts),
    conv(64, 3),
    conv(64, 3),
    pool(),
    dropout(0.25, opts),
    tf.layers.flatten(),
    tf.layers.dense({ units: 512, activation: 'relu' }),
    dropout(0.5, opts),
    softmax(opts),
  ]);
}

/** The Keras mnist_cnn example: 1,199,882 parameters. */
export function mnistCnn(opts: ClassicOptions = {}): tf.Sequential {
  return sequential('mnist-cnn', opts.inputShape ?? [28, 28, 1], [
    conv(32, 3),
    conv(64, 3),
    pool(),
    dropout(0.25, opts),
    tf.layers.flatten(),
    tf.layers.dense({ units: 128, activation: 'relu' }),
    dropout(0.5, opts),
    softmax(opts),
  ]);
}

const BUILDERS: Record<ClassicNetworkId, (o?: ClassicOptions) => tf.Sequential> = { lenet5, 'fashion-cnn': fashionCnn, 'cifar-cnn': cifarCnn, 'mnist-cnn': mnistCnn };

export const NETWORKS = Object.fromEntries(
  Object.entries(CLASSIC_NETWORKS).map(([id, n]) => [id, { build: BUILDERS[id as ClassicNetworkId], inputShape: n.inputShape }]),
) as Record<ClassicNetworkId, { build: (o?: ClassicOptions) => tf.Sequential; inputShape: readonly [number, number, number] }>;

export type NetworkId = ClassicNetworkId;

export function isNetworkId(id: string): id is NetworkId {
  return Object.hasOwn(NETWORKS, id);
}
