// The classifier put on a backbone's pooled features.
import * as tf from '@tensorflow/tfjs';

export interface Head {
  /** Features in, class probabilities out: what is trained over the cached features. */
  model: tf.LayersModel;
  /** The same layers (the same weights) on top of the backbone: what is stored and recognizes photos. */
  attach(backboneInputs: tf.SymbolicTensor[], pooled: tf.SymbolicTensor): tf.LayersModel;
}

/** Seeded initial weights, so a run can be repeated; dropout's masks stay random (a seeded tfjs dropout repeats one mask). */
export function transferHead(featureLength: number, classes: number, opts: { units: number; dropout: number; seed?: number }): Head {
  const init = (k: number) => (opts.seed === undefined ? undefined : tf.initializers.glorotUniform({ seed: opts.seed + k }));
  const layers = [
    tf.layers.dense({ units: opts.units, activation: 'relu', name: 'head_dense', kernelInitializer: init(1) }),
    tf.layers.dropout({ rate: opts.dropout, name: 'head_dropout' }),
    tf.layers.dense({ units: classes, activation: 'softmax', name: 'head_predictions', kernelInitializer: init(2) }),
  ];
  const chain = (x: tf.SymbolicTensor) => layers.reduce((t, l) => l.apply(t) as tf.SymbolicTensor, x);
  const input = tf.input({ shape: [featureLength], name: 'features' });
  return {
    model: tf.model({ inputs: input, outputs: chain(input), name: 'head' }),
    attach: (inputs, pooled) => tf.model({ inputs, outputs: chain(pooled), name: 'transfer' }),
  };
}
