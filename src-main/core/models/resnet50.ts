// Keras applications ResNet50 (v1), layer for layer and name for name, so that the weights
// file Keras publishes loads by layer name.
import * as tf from '@tensorflow/tfjs';

export interface ResNet50Options {
  /** With the 1000-way ImageNet classifier on top (Keras include_top). */
  includeTop?: boolean;
  /** Without the top: global pooling of the last feature map, or none (a 7x7x2048 map). */
  pooling?: 'avg' | 'max';
  classes?: number;
  inputShape?: [number, number, number];
  name?: string;
}

// Keras uses this epsilon for ResNet's batch norms, not its 1e-3 default.
const BN_EPSILON = 1.001e-5;

type Sym = tf.SymbolicTensor;

const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** conv - bn [- relu]. */
function convBn(x: Sym, filters: number, kernelSize: number, strides: number, name: string, relu: boolean, padding: 'valid' | 'same' = 'valid'): Sym {
  const y = apply(tf.layers.conv2d({ filters, kernelSize, strides, padding, name: `${name}_conv` }), x);
  const z = apply(tf.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name: `${name}_bn` }), y);
  return relu ? apply(tf.layers.activation({ activation: 'relu', name: `${name}_relu` }), z) : z;
}

/** Keras `block1`: a bottleneck residual block. */
function block(x: Sym, filters: number, stride: number, convShortcut: boolean, name: string): Sym {
  // The shortcut comes first, as in Keras, so that layer order (and h5 order) matches.
  const shortcut = convShortcut ? convBn(x, 4 * filters, 1, stride, `${name}_0`, false) : x;
  let y = convBn(x, filters, 1, stride, `${name}_1`, true);
  y = convBn(y, filters, 3, 1, `${name}_2`, true, 'same');
  y = convBn(y, 4 * filters, 1, 1, `${name}_3`, false);
  y = apply(tf.layers.add({ name: `${name}_add` }), [shortcut, y]);
  return apply(tf.layers.activation({ activation: 'relu', name: `${name}_out` }), y);
}

/** Keras `stack1`. */
function stack(x: Sym, filters: number, blocks: number, stride: number, name: string): Sym {
  let y = block(x, filters, stride, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) y = block(y, filters, 1, false, `${name}_block${i}`);
  return y;
}

/** `ResNet50(weights=None)`: 25,636,712 parameters with the top, 23,587,712 without. */
export function resnet50(opts: ResNet50Options = {}): tf.LayersModel {
  const includeTop = opts.includeTop ?? true;
  const input = tf.input({ shape: opts.inputShape ?? [224, 224, 3], name: 'input_1' });
  let x = apply(tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input);
  x = convBn(x, 64, 7, 2, 'conv1', true);
  x = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
  x = stack(x, 64, 3, 1, 'conv2');
  x = stack(x, 128, 4, 2, 'conv3');
  x = stack(x, 256, 6, 2, 'conv4');
  x = stack(x, 512, 3, 2, 'conv5');
  if (includeTop) {
    x = apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
    x = apply(tf.layers.dense({ units: opts.classes ?? 1000, activation: 'softmax', name: 'predictions' }), x);
  } else if (opts.pooling === 'avg') {
    x = apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  } else if (opts.pooling === 'max') {
    x = apply(tf.layers.globalMaxPooling2d({ name: 'max_pool' }), x);
  }
  return tf.model({ inputs: input, outputs: x, name: opts.name ?? 'resnet50' });
}
