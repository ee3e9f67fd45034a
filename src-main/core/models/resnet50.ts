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
  /**
   * For inference: each batch normalization folded into the convolution before it (which then
   * has the relu fused in where one follows). Same names for the convolutions; no _bn layers.
   */
  folded?: boolean;
}

// Keras uses this epsilon for ResNet's batch norms, not its 1e-3 default.
const BN_EPSILON = 1.001e-5;

type Sym = tf.SymbolicTensor;

const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

interface Build {
  folded: boolean;
}

/** conv - bn [- relu]; folded: one convolution with the relu fused. */
function convBn(b: Build, x: Sym, filters: number, kernelSize: number, strides: number, name: string, relu: boolean, padding: 'valid' | 'same' = 'valid'): Sym {
  if (b.folded) return apply(tf.layers.conv2d({ filters, kernelSize, strides, padding, activation: relu ? 'relu' : 'linear', name: `${name}_conv` }), x);
  const y = apply(tf.layers.conv2d({ filters, kernelSize, strides, padding, name: `${name}_conv` }), x);
  const z = apply(tf.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name: `${name}_bn` }), y);
  return relu ? apply(tf.layers.activation({ activation: 'relu', name: `${name}_relu` }), z) : z;
}

/** Keras `block1`: a bottleneck residual block. */
function block(b: Build, x: Sym, filters: number, stride: number, convShortcut: boolean, name: string): Sym {
  // The shortcut comes first, as in Keras, so that layer order (and h5 order) matches.
  const shortcut = convShortcut ? convBn(b, x, 4 * filters, 1, stride, `${name}_0`, false) : x;
  let y = convBn(b, x, filters, 1, stride, `${name}_1`, true);
  y = convBn(b, y, filters, 3, 1, `${name}_2`, true, 'same');
  y = convBn(b, y, 4 * filters, 1, 1, `${name}_3`, false);
  y = apply(tf.layers.add({ name: `${name}_add` }), [shortcut, y]);
  return apply(tf.layers.activation({ activation: 'relu', name: `${name}_out` }), y);
}

/** Keras `stack1`. */
function stack(b: Build, x: Sym, filters: number, blocks: number, stride: number, name: string): Sym {
  let y = block(b, x, filters, stride, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) y = block(b, y, filters, 1, false, `${name}_block${i}`);
  return y;
}

/** `ResNet50(weights=None)`: 25,636,712 parameters with the top, 23,587,712 without. */
export function resnet50(opts: ResNet50Options = {}): tf.LayersModel {
  const includeTop = opts.includeTop ?? true;
  const input = tf.input({ shape: opts.inputShape ?? [224, 224, 3], name: 'input_1' });
  const b: Build = { folded: !!opts.folded };
  let x = apply(tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input);
  x = convBn(b, x, 64, 7, 2, 'conv1', true);
  x = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
  x = stack(b, x, 64, 3, 1, 'conv2');
  x = stack(b, x, 128, 4, 2, 'conv3');
  x = stack(b, x, 256, 6, 2, 'conv4');
  x = stack(b, x, 512, 3, 2, 'conv5');
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

/**
 * The same network for inference with every batch normalization folded into its convolution:
 * W' = W * s and b' = (b - mean) * s + beta per output channel, s = gamma / sqrt(var + eps).
 * Fewer passes over every feature map, and the relu runs inside the convolution kernel.
 */
export function foldResNet50(model: tf.LayersModel, opts: Omit<ResNet50Options, 'folded'> = {}): tf.LayersModel {
  const folded = resnet50({ ...opts, inputShape: model.inputs[0]!.shape.slice(1) as [number, number, number], folded: true, name: model.name });
  const values = tf.tidy(() =>
    folded.layers.filter((l) => l.weights.length).map((layer) => {
      const source = model.getLayer(layer.name);
      if (layer.getClassName() !== 'Conv2D') return source.getWeights().map((w) => w.clone());
      const [w, bias] = source.getWeights() as [tf.Tensor4D, tf.Tensor1D];
      const [gamma, beta, mean, variance] = model.getLayer(layer.name.replace(/_conv$/, '_bn')).getWeights() as tf.Tensor1D[];
      const scale = gamma!.div(variance!.add(BN_EPSILON).sqrt());
      return [w.mul(scale), bias.sub(mean!).mul(scale).add(beta!)];
    }),
  );
  folded.layers.filter((l) => l.weights.length).forEach((layer, i) => layer.setWeights(values[i]!));
  tf.dispose(values.flat());
  return folded;
}
