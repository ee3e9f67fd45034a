// Model files that cannot be trusted (issue 17): Keras .h5 files whose datasets or architecture
// declare gigabytes. Each is refused before the memory is taken (peak memory measured in a
// child process), with an error that names the file.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { architectureParams, type LayerConfig } from '../src-main/core/models/config-size.ts';
import { loadKerasWeights, writeKerasModel } from '../src-main/core/models/keras-h5.ts';
import { boundedReads, type BoundedRun } from './helpers/bounded.ts';
import { mirrorDir, tempDir } from './helpers/shared.ts';
import { declaredWeightsFile, smallDense, type LayerSpec } from './helpers/small-models.ts';

const dense = (name: string, fanIn: number, units: number): LayerSpec => ({
  name,
  weights: [
    { name: `${name}/kernel:0`, shape: [fanIn, units] },
    { name: `${name}/bias:0`, shape: [units] },
  ],
});

// The hostile files, read in one child process (its start-up takes seconds), before the tests look.
let sparse: string;
let extra: string;
let wide: string;
let runs: Record<'intoModel' | 'withoutModel' | 'extraLayer' | 'wideModel', BoundedRun>;

beforeAll(async () => {
  await initBackend();
  const dir = await tempDir('cs-h5-');
  // d1's kernel declares 40000x40000 float32 values: 6.4 GB, in a file of a few hundred KB.
  sparse = path.join(dir, 'sparse.h5');
  await declaredWeightsFile(sparse, [dense('d1', 40000, 40000), dense('d2', 4, 2)]);
  // The model's layers, right, and a layer it does not have that declares 6.4 GB.
  extra = path.join(dir, 'extra.h5');
  await declaredWeightsFile(extra, [dense('d1', 3, 4), dense('junk', 40000, 40000), dense('d2', 4, 2)]);
  // 1000 inputs into 1.4 million units: 1.4 billion parameters, 5.6 GB once built.
  wide = path.join(dir, 'wide.h5');
  const model = smallDense();
  const config = model.toJSON(null, false) as unknown as LayerConfig;
  Object.assign(config.config.layers![0]!.config, { batch_input_shape: [null, 1000], units: 1_400_000 });
  await writeKerasModel(model, wide, config);
  model.dispose();
  const [intoModel, withoutModel, extraLayer, wideModel] = await boundedReads([
    { op: 'h5-into-model', file: sparse },
    { op: 'h5-weights', file: sparse },
    { op: 'h5-into-model', file: extra },
    { op: 'keras-model', file: wide },
  ]);
  runs = { intoModel: intoModel!, withoutModel: withoutModel!, extraLayer: extraLayer!, wideModel: wideModel! };
});

describe('Keras HDF5 weights', () => {
  it('checks every dataset shape against the model before reading any data', async () => {
    expect((await stat(sparse)).size).toBeLessThan(1024 ** 2);
    expect(runs.intoModel.error).toBe(`Error: ${sparse}: weight d1/kernel:0 of layer d1 has shape [40000,40000] but the model expects [3,4]`);
    expect(runs.intoModel.growthMiB).toBeLessThan(300);
    // Read without a model, the file is refused by the total it declares.
    expect(runs.withoutModel.error).toBe(`Error: ${sparse} declares 1,600,040,010 weight values, over the limit of 200,000,000; nothing was read.`);
    expect(runs.withoutModel.growthMiB).toBeLessThan(300);
  });

  it('reads only the layers the model takes: a huge extra layer in the file is never read', async () => {
    expect(runs.extraLayer.error).toBeUndefined();
    expect(runs.extraLayer.growthMiB).toBeLessThan(300);
    // The same file in this process: the weights land where the model wants them.
    const model = smallDense();
    await loadKerasWeights(model, extra);
    expect(model.getLayer('d2').getWeights()[0]!.shape).toEqual([4, 2]);
    model.dispose();
  });
});

describe('Keras architectures', () => {
  it('refuses a config asking for a Dense layer of 1.4 million units before building it', () => {
    expect(runs.wideModel.error).toBe(`Error: ${wide}: the architecture has 1,404,200,002 parameters, over the limit of 200,000,000; it is not built.`);
    expect(runs.wideModel.growthMiB).toBeLessThan(300);
  });

  it('counts parameters from the config as TensorFlow.js does once it is built', async () => {
    const json = JSON.parse(await readFile(path.join(mirrorDir, 'mobilenet_v1_0.75_224/model.json'), 'utf8')) as { modelTopology: { model_config: LayerConfig } };
    expect(architectureParams(json.modelTopology.model_config, 'mobilenet')).toBe(2_601_976);

    const inner = tf.input({ shape: [32, 32, 3] });
    let x = tf.layers
      .zeroPadding2d({
        padding: [
          [1, 2],
          [0, 1],
        ],
      })
      .apply(inner) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: 8, kernelSize: [3, 5], strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ axis: -1 }).apply(x) as tf.SymbolicTensor;
    const side = tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate().apply([x, side]) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reshape({ targetShape: [-1, 16] }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 5 }).apply(x) as tf.SymbolicTensor;
    const backbone = tf.model({ inputs: inner, outputs: x });
    const outer = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [32, 32, 3] }), backbone, tf.layers.dense({ units: 7 })] });
    expect(architectureParams(outer.toJSON(null, false) as unknown as LayerConfig, 'nested')).toBe(outer.countParams());
    outer.dispose();
  });
});
