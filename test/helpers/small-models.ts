// Tiny models and hand-made HDF5 files for the tests of untrusted model files.
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';

/** Dense d1 (3 -> 4), then Dense d2 (4 -> 2). */
export function smallDense(): tf.Sequential {
  return tf.sequential({ name: 'small', layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'd1' }), tf.layers.dense({ units: 2, name: 'd2' })] });
}

export interface LayerSpec {
  name: string;
  weights: { name: string; shape: number[] }[];
}

/**
 * A Keras weights file whose datasets may declare any shape: they are chunked and left
 * unwritten, so a dataset of billions of values takes no disk (a sparse file, as an attacker's).
 */
export async function declaredWeightsFile(file: string, layers: LayerSpec[]): Promise<void> {
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'w');
  try {
    h5.create_attribute(
      'layer_names',
      layers.map((l) => l.name),
    );
    for (const layer of layers) {
      const group = h5.create_group(layer.name);
      group.create_attribute(
        'weight_names',
        layer.weights.map((w) => w.name),
      );
      for (const w of layer.weights) {
        const [sub, leaf] = w.name.split('/') as [string, string];
        const parent = (group.get(sub) as InstanceType<typeof h5wasm.Group> | null) ?? group.create_group(sub);
        const ones = w.shape.map(() => 1);
        const ds = parent.create_dataset({
          name: leaf,
          data: new Float32Array(1),
          shape: ones,
          maxshape: w.shape.map(() => null),
          chunks: w.shape.map((d) => Math.min(d, 256)),
          dtype: '<f',
        });
        ds.resize(w.shape);
      }
    }
  } finally {
    h5.close();
  }
}
