// tfjs-layers runs Conv2D through the fused kernel (convolution, bias and activation in one pass)
// only for relu, linear and elu, and DepthwiseConv2D never: the bias and a relu6 are then extra
// passes over every feature map (relu6 even two: relu, then minimum), which cost MobileNet more
// than its convolutions on wasm. These subclasses take the fused kernels for every activation
// those kernels have. They keep Keras's class names and configs, so a saved model stays plain
// Keras; registered in place of the stock classes, every Conv2D and DepthwiseConv2D read from a
// model file is one of them (so is Add, below). Under a gradient tape tf.fused falls back to the
// separate ops, so training is unchanged.
import * as tf from '@tensorflow/tfjs';

/** Activations tf.fused computes inside the kernel, on every backend. */
const FUSED = new Set(['linear', 'relu', 'relu6', 'elu']);

type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu';

interface ConvFields {
  kernel?: tf.LayerVariable;
  depthwiseKernel?: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  padding: 'valid' | 'same';
  dilationRate: number | number[];
  dataFormat: 'channelsLast' | 'channelsFirst';
  rank?: number;
  activation: { getClassName(): string } | null;
}

type LayerClass = new (args: never) => tf.layers.Layer;
const classOf = (layer: tf.layers.Layer) => layer.constructor as LayerClass & { className: string };
const StockConv2D = classOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 }));
const StockDepthwiseConv2D = classOf(tf.layers.depthwiseConv2d({ kernelSize: 1 }));
const StockAdd = classOf(tf.layers.add());

/** The fused kernel's activation when this layer can take the fused path, else undefined. */
function fusedActivation(f: ConvFields): FusedActivation | undefined {
  const name = f.activation?.getClassName() ?? 'linear';
  const dilations = typeof f.dilationRate === 'number' ? [f.dilationRate] : f.dilationRate;
  if (f.dataFormat !== 'channelsLast' || (f.rank ?? 2) !== 2 || dilations.some((d) => d !== 1) || !FUSED.has(name)) return undefined;
  return name as FusedActivation;
}

const single = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;

type FusedOp = (args: { x: tf.Tensor4D; filter: tf.Tensor4D; strides: [number, number]; pad: 'valid' | 'same'; bias?: tf.Tensor; activation: FusedActivation }) => tf.Tensor;

/** The layer's output through `op`, or undefined where the fused kernel cannot compute it. */
function fusedCall(layer: tf.layers.Layer, inputs: tf.Tensor | tf.Tensor[], op: FusedOp, filter: 'kernel' | 'depthwiseKernel'): tf.Tensor | undefined {
  const f = layer as unknown as ConvFields;
  const activation = fusedActivation(f);
  if (!activation) return undefined;
  return tf.tidy(() => op({ x: single(inputs), filter: f[filter]!.read() as tf.Tensor4D, strides: f.strides, pad: f.padding, bias: f.bias?.read(), activation }));
}

export class FusedConv2D extends StockConv2D {
  static override className = StockConv2D.className;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return fusedCall(this, inputs, tf.fused.conv2d, 'kernel') ?? super.call(inputs, kwargs);
  }
}

export class FusedDepthwiseConv2D extends StockDepthwiseConv2D {
  static override className = StockDepthwiseConv2D.className;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return fusedCall(this, inputs, tf.fused.depthwiseConv2d, 'depthwiseKernel') ?? super.call(inputs, kwargs);
  }
}

/** Keras Add without the copy of its first input that tfjs-layers makes first (a full pass on wasm). */
export class CopyFreeAdd extends StockAdd {
  static override className = StockAdd.className;

  protected mergeFunction(inputs: tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => inputs.slice(1).reduce((sum, x) => tf.add(sum, x), inputs[0]!));
  }
}

tf.serialization.registerClass(CopyFreeAdd as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
tf.serialization.registerClass(FusedConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
tf.serialization.registerClass(FusedDepthwiseConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
