// A network for inference with every batch normalization folded into the convolution before it,
// and the relu or relu6 after that (if any) fused into the convolution too:
//   W' = W * s,  b' = (b - mean) * s + beta  per output channel,  s = gamma / sqrt(var + eps).
// One pass over each feature map instead of three or four: the same answers, faster. Works on the
// Keras topology of any functional or sequential model (ResNet50, MobileNet, a user's own), so
// saved copies stay plain Keras. The folded model is for inference; in training a batch norm
// uses batch statistics, which folding cannot keep.
import * as tf from '@tensorflow/tfjs';
import './fused-layers.ts';

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: unknown[][];
}

interface Topology {
  class_name: string;
  config: { layers: LayerJson[]; output_layers?: unknown[] } | LayerJson[];
}

/** A convolution whose batch norm (and maybe activation) go into it. */
interface Fold {
  conv: string;
  bn: string;
}

const CONVS = new Set(['Conv2D', 'DepthwiseConv2D']);

/** relu or relu6 when the layer is just that activation, else undefined. */
function plainActivation(layer: LayerJson): 'relu' | 'relu6' | undefined {
  const c = layer.config;
  if (layer.class_name === 'Activation' && (c.activation === 'relu' || c.activation === 'relu6')) return c.activation;
  if (layer.class_name !== 'ReLU' || (c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) return undefined;
  if (c.max_value == null) return 'relu';
  return c.max_value === 6 ? 'relu6' : undefined;
}

/** The wiring of the topology's layers, edited in place. */
interface Graph {
  layers: LayerJson[];
  inputsOf(name: string): string[];
  consumers(name: string): string[];
  isOutput(name: string): boolean;
  /** Takes the layer out; what it fed is fed by `replacement` instead. */
  remove(name: string, replacement: string): void;
}

const drop = (layers: LayerJson[], name: string) =>
  layers.splice(
    layers.findIndex((l) => l.config.name === name),
    1,
  );

// Functional: inbound_nodes [[ [name, node, tensor, kwargs], ... ]]; output_layers [[name, node, tensor]].
function functionalGraph(config: { layers: LayerJson[]; output_layers?: unknown[] }): Graph | undefined {
  const { layers } = config;
  if (layers.some((l) => (l.inbound_nodes?.length ?? 0) > 1)) return undefined; // shared layers: leave alone
  const refs = (l: LayerJson) => (l.inbound_nodes?.[0] ?? []) as [string, ...unknown[]][];
  const outputs = (config.output_layers ?? []) as [string, ...unknown[]][];
  return {
    layers,
    inputsOf: (name) => refs(layers.find((l) => l.config.name === name)!).map((r) => r[0]),
    consumers: (name) => layers.filter((l) => refs(l).some((r) => r[0] === name)).map((l) => l.config.name),
    isOutput: (name) => outputs.some((o) => o[0] === name),
    remove(name, replacement) {
      drop(layers, name);
      for (const r of [...layers.flatMap(refs), ...outputs]) if (r[0] === name) r[0] = replacement;
    },
  };
}

// Sequential: the order is the wiring.
function sequentialGraph(layers: LayerJson[]): Graph {
  const at = (name: string) => layers.findIndex((l) => l.config.name === name);
  return {
    layers,
    inputsOf: (name) => (at(name) > 0 ? [layers[at(name) - 1]!.config.name] : []),
    consumers: (name) => (at(name) >= 0 && at(name) < layers.length - 1 ? [layers[at(name) + 1]!.config.name] : []),
    isOutput: (name) => at(name) === layers.length - 1,
    remove: (name) => void drop(layers, name),
  };
}

/** Rewrites the topology in place; returns what was folded. */
function rewrite(graph: Graph): Fold[] {
  const folds: Fold[] = [];
  const byName = (name: string) => graph.layers.find((l) => l.config.name === name);
  for (const bn of [...graph.layers]) {
    if (bn.class_name !== 'BatchNormalization') continue;
    const axis = bn.config.axis as number | number[];
    if (![-1, 3].includes(Array.isArray(axis) ? (axis.length === 1 ? axis[0]! : NaN) : axis)) continue;
    const [inName, ...others] = graph.inputsOf(bn.config.name);
    const conv = inName === undefined ? undefined : byName(inName);
    if (!conv || others.length || !CONVS.has(conv.class_name) || conv.config.activation !== 'linear') continue;
    if (conv.config.data_format !== 'channels_last' || graph.consumers(conv.config.name).length !== 1 || graph.isOutput(conv.config.name)) continue;
    conv.config.use_bias = true;
    const next = graph.consumers(bn.config.name);
    const after = next.length === 1 && !graph.isOutput(bn.config.name) ? byName(next[0]!) : undefined;
    const activation = after && plainActivation(after);
    graph.remove(bn.config.name, conv.config.name);
    if (after && activation) {
      conv.config.activation = activation;
      graph.remove(after.config.name, conv.config.name);
    }
    folds.push({ conv: conv.config.name, bn: bn.config.name });
  }
  return folds;
}

/** The folded weights of one convolution: [kernel, bias]. */
export function foldedWeights(conv: tf.layers.Layer, bn: tf.layers.Layer): tf.Tensor[] {
  return tf.tidy(() => {
    const [kernel, convBias] = conv.getWeights() as [tf.Tensor4D, tf.Tensor1D | undefined];
    const cfg = bn.getConfig() as { scale?: boolean; center?: boolean; epsilon?: number };
    const w = bn.getWeights();
    const gamma = cfg.scale !== false ? w.shift()! : tf.scalar(1);
    const beta = cfg.center !== false ? w.shift()! : tf.scalar(0);
    const [mean, variance] = w as [tf.Tensor1D, tf.Tensor1D];
    const s = tf.div(gamma, tf.sqrt(tf.add(variance, cfg.epsilon ?? 1e-3))) as tf.Tensor1D;
    // A depthwise kernel [h, w, in, multiplier] makes output channel in * multiplier + m.
    const [, , inChannels, last] = kernel.shape;
    const scale = conv.getClassName() === 'DepthwiseConv2D' ? s.reshape([inChannels, last]) : s;
    const bias = convBias ?? tf.zeros(mean.shape);
    return [tf.mul(kernel, scale), tf.add(tf.mul(tf.sub(bias, mean), s), beta)];
  });
}

/**
 * `model` with its batch norms folded, as a new model (`model` is left as it was, for the caller
 * to dispose); `model` itself when it has none to fold.
 */
export async function foldBatchNorms(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as Topology;
  const layers = Array.isArray(topology.config) ? topology.config : topology.config.layers;
  const graph = topology.class_name === 'Sequential' ? sequentialGraph(layers) : functionalGraph(topology.config as { layers: LayerJson[] });
  const folds = graph ? rewrite(graph) : [];
  if (!folds.length) return model;
  const folded = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  const bnOf = new Map(folds.map((f) => [f.conv, f.bn]));
  for (const layer of folded.layers) {
    if (!layer.weights.length) continue;
    const bn = bnOf.get(layer.name);
    const values = bn ? foldedWeights(model.getLayer(layer.name), model.getLayer(bn)) : model.getLayer(layer.name).getWeights();
    layer.setWeights(values);
    if (bn) tf.dispose(values);
  }
  return folded;
}
