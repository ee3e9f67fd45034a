// A backbone cut in two where fine-tuning begins: the frozen bottom (photo in, activations at the
// split out) runs once per photo and its output is cached (activation-cache.ts); the top (those
// activations in, pooled features out) shares the backbone's layers, so what the top learns is
// what the whole network, and the model that is stored, computes.
//
// Batch norms: the zoo backbones come with theirs folded into the convolutions (models/
// fold-batch-norms.ts), so the top has none. Keras's advice for fine-tuning is to keep batch norms
// in inference mode, and in inference mode a batch norm is a fixed per-channel scale and shift
// after its convolution: W' = W * s, b' = (b - mean) * s + beta. Training the folded W', b' is
// training the same function family (any W, gamma, beta has a W', b' and back, s being nonzero);
// only the steps differ by a per-channel scale, which Adam's per-weight normalisation mostly takes
// out. The moving statistics stay frozen by construction, and the stored (folded) model predicts
// exactly what was trained. A batch norm that survived folding would run in training mode under
// fit (tfjs-layers ignores `trainable` there), so such a top is refused rather than fine-tuned wrong.
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from './backbone.ts';

export interface Split {
  /** The first layer of the top: the split point is its input. */
  layer: string;
  /** The activations at the split: [h, w, c] per photo. */
  shape: [number, number, number];
  /** h * w * c: how many numbers a photo's activations are. */
  length: number;
  /** Photo in, activations at the split out: frozen, run once per photo. */
  bottom: tf.LayersModel;
  /** Activations (flat, [batch, length]) in, pooled features out: the backbone's own layers. */
  top: tf.LayersModel;
  /** The top's input and output, where a head is attached for fine-tuning. */
  topInput: tf.SymbolicTensor;
  topPooled: tf.SymbolicTensor;
  /** The backbone layers with weights that fine-tuning trains, in order. */
  unfrozen: string[];
}

/** Default layers with weights to unfreeze, by backbone: chosen from the measurements in BENCHMARKS.md (issue 16). */
export const DEFAULT_UNFROZEN: Record<Backbone['id'], number> = {
  // conv_pw_12, conv_dw_13, conv_pw_13: the split is conv_dw_12's 7x7x384 output, the smallest map in MobileNet.
  mobilenet: 3,
  // conv5_block3 (its three convolutions): the split is conv5_block2_out, 7x7x2048, where the residual graph has one tensor.
  resnet50: 3,
};

type Node = { inputTensors: tf.SymbolicTensor[]; outputTensors: tf.SymbolicTensor[] };
/** The layer's first node: its place in the zoo model it was loaded with (later nodes are the heads and tops built on it). */
const nodeOf = (layer: tf.layers.Layer) => (layer as unknown as { inboundNodes: Node[] }).inboundNodes[0]!;

/**
 * Replays the backbone's layers after `cut` on `input`; the pooled output's replacement, or
 * undefined when some layer after the cut also needs a tensor from before it (a residual graph
 * cut inside a block).
 */
function replay(backbone: Backbone, cut: tf.SymbolicTensor, input: tf.SymbolicTensor): { pooled: tf.SymbolicTensor; layers: tf.layers.Layer[] } | undefined {
  const mapped = new Map<number, tf.SymbolicTensor>([[cut.id, input]]);
  const layers: tf.layers.Layer[] = [];
  for (const layer of backbone.features.layers) {
    const node = nodeOf(layer);
    const known = node.inputTensors.filter((t) => mapped.has(t.id));
    if (!known.length) continue;
    if (known.length !== node.inputTensors.length) return undefined;
    const ins = node.inputTensors.map((t) => mapped.get(t.id)!);
    const out = layer.apply(ins.length === 1 ? ins[0]! : ins) as tf.SymbolicTensor | tf.SymbolicTensor[];
    (Array.isArray(out) ? out : [out]).forEach((t, i) => mapped.set(node.outputTensors[i]!.id, t));
    layers.push(layer);
  }
  const pooled = mapped.get(backbone.pooled.id);
  return pooled && { pooled, layers };
}

/**
 * The backbone split before its last `unfreeze` layers with weights, or earlier where the graph
 * has more than one tensor there (ResNet50's shortcuts): the nearest cut above that works.
 */
export function splitBackbone(backbone: Backbone, unfreeze: number): Split {
  const weighted = backbone.features.layers.filter((l) => l.weights.length);
  for (let k = Math.min(Math.max(1, unfreeze), weighted.length); k <= weighted.length; k++) {
    const first = weighted[weighted.length - k]!;
    const cut = nodeOf(first).inputTensors[0]!;
    const [, h, w, c] = cut.shape as [null, number, number, number];
    if (cut.shape.length !== 4 || !h || !w || !c) continue;
    const flat = tf.input({ shape: [h * w * c], name: `${first.name}_input` });
    const input = tf.layers.reshape({ targetShape: [h, w, c], name: `${first.name}_activations` }).apply(flat) as tf.SymbolicTensor;
    const top = replay(backbone, cut, input);
    if (!top) continue;
    const bn = top.layers.find((l) => l.getClassName() === 'BatchNormalization');
    if (bn)
      throw new Error(`The ${backbone.id} backbone has a batch normalization (${bn.name}) in its last layers that was not folded; it cannot be fine-tuned in inference mode.`);
    return {
      layer: first.name,
      shape: [h, w, c],
      length: h * w * c,
      bottom: tf.model({ inputs: backbone.features.inputs, outputs: cut, name: `${backbone.id}_bottom` }),
      top: tf.model({ inputs: flat, outputs: top.pooled, name: `${backbone.id}_top` }),
      topInput: flat,
      topPooled: top.pooled,
      unfrozen: top.layers.filter((l) => l.weights.length).map((l) => l.name),
    };
  }
  throw new Error(`The ${backbone.id} backbone has no point to split it at for fine-tuning.`);
}

/** Makes the top's layers trainable (and the rest of the backbone not). */
export function unfreezeTop(backbone: Backbone, split: Split): void {
  const top = new Set(split.unfrozen);
  for (const layer of backbone.features.layers) layer.trainable = top.has(layer.name);
}
