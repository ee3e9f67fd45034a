// The plain Keras form of a model whose backbone was folded for inference (fold-batch-norms.ts):
// a transfer model is stored as the folded zoo backbone with a head on it. Exported, it must be
// the network as published (batch norms and activations as layers) so that Keras can train it
// further. Given the plain backbone, every folded convolution gets its batch norm back:
// - weights the run did not change are the published ones, bit for bit;
// - a convolution fine-tuned while folded (W', b') is unfolded exactly with the batch norm's own
//   statistics: W = W' / s, beta = b' - (b - mean) * s, s = gamma / sqrt(var + eps), so that
//   batch norm(conv(x)) = W' x + b' again.
import * as tf from '@tensorflow/tfjs';
import { foldedWeights } from './fold-batch-norms.ts';

const CONVS = new Set(['Conv2D', 'DepthwiseConv2D']);

/** Largest difference relative to the largest value: how far stored weights are from the published ones folded. */
function relativeGap(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().div(a.abs().max().add(1e-12)).dataSync()[0]!);
}

/** [kernel, bias?] of the convolution and [gamma?, beta?, mean, variance] of its batch norm, from the folded [W', b']. */
function unfold(conv: tf.layers.Layer, bn: tf.layers.Layer, folded: tf.Tensor[]): { conv: tf.Tensor[]; bn: tf.Tensor[] } {
  const published = foldedWeights(conv, bn);
  try {
    if (published.every((t, i) => relativeGap(t, folded[i]!) < 1e-6)) return { conv: conv.getWeights().map((t) => t.clone()), bn: bn.getWeights().map((t) => t.clone()) };
  } finally {
    tf.dispose(published);
  }
  const cfg = bn.getConfig() as { scale?: boolean; center?: boolean; epsilon?: number };
  if (cfg.center === false) throw new Error(`The fine-tuned layer ${conv.name} cannot be given back its batch normalization ${bn.name}, which has no beta.`);
  const w = bn.getWeights();
  const gamma = cfg.scale !== false ? w[0]! : undefined;
  const [mean, variance] = w.slice(-2) as [tf.Tensor1D, tf.Tensor1D];
  return tf.tidy(() => {
    const s = tf.div(gamma ?? tf.scalar(1), tf.sqrt(tf.add(variance, cfg.epsilon ?? 1e-3))) as tf.Tensor1D;
    const [kernelF, biasF] = folded as [tf.Tensor4D, tf.Tensor1D];
    const [, , inChannels, last] = kernelF.shape;
    const perChannel = conv.getClassName() === 'DepthwiseConv2D' ? s.reshape([inChannels, last]) : s;
    const own = conv.getWeights();
    const bias = own[1] ?? tf.zeros(mean.shape);
    const beta = tf.sub(biasF, tf.mul(tf.sub(bias, mean), s));
    const bnWeights = gamma ? [gamma, beta, mean, variance] : [beta, mean, variance];
    // Clones: getWeights gives the layers' own variables, which the caller disposes after setting.
    return { conv: [tf.div(kernelF, perChannel), ...own.slice(1).map((t) => t.clone())], bn: bnWeights.map((t) => t.clone()) };
  });
}

/**
 * `stored` (a folded backbone with layers of its own on top) rebuilt on `backbone` (the same
 * network, unfolded): the backbone's layers up to where `stored` took its features, then copies
 * of the layers `stored` added. A new model; neither argument is changed or disposed.
 */
export function unfoldOnto(stored: tf.LayersModel, backbone: tf.LayersModel): tf.LayersModel {
  const own = new Set(backbone.layers.map((l) => l.name));
  const outputs = new Map<string, tf.SymbolicTensor>(backbone.layers.map((l) => [l.name, l.output as tf.SymbolicTensor]));
  const added: [tf.layers.Layer, tf.layers.Layer][] = [];
  for (const layer of stored.layers) {
    if (own.has(layer.name)) continue;
    const inputs = (layer.inboundNodes[0]?.inboundLayers ?? []).map((l) => {
      const t = outputs.get(l.name);
      if (!t) throw new Error(`The layer ${layer.name} takes ${l.name}, which is not in the backbone ${backbone.name}.`);
      return t;
    });
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()]!;
    const copy = fromConfig(cls, layer.getConfig()) as unknown as tf.layers.Layer;
    outputs.set(layer.name, copy.apply(inputs.length === 1 ? inputs[0]! : inputs) as tf.SymbolicTensor);
    added.push([layer, copy]);
  }
  const model = tf.model({ inputs: backbone.inputs, outputs: stored.outputs.map((t) => outputs.get(t.sourceLayer.name)!), name: stored.name });
  for (const [from, to] of added) to.setWeights(from.getWeights());
  const byName = new Map(stored.layers.map((l) => [l.name, l]));
  for (const layer of model.layers) {
    if (!own.has(layer.name) || !layer.weights.length) continue;
    const kept = byName.get(layer.name);
    if (!kept) continue; // a batch norm folded away: set with its convolution below
    const next = layer.outboundNodes.map((n) => n.outboundLayer);
    const bn = next.length === 1 && next[0]!.getClassName() === 'BatchNormalization' && !byName.has(next[0]!.name) ? next[0]! : undefined;
    if (bn && CONVS.has(layer.getClassName())) {
      const { conv, bn: norm } = unfold(layer, bn, kept.getWeights());
      layer.setWeights(conv);
      bn.setWeights(norm);
      tf.dispose([...conv, ...norm]);
    } else {
      layer.setWeights(kept.getWeights());
    }
  }
  return model;
}
