// Whole Keras .h5 models (model.save('x.h5')): written here in Keras's own layout, read back, and
// compared with the same network built directly.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { architectureParams, type LayerConfig } from '../src-main/core/models/config-size.ts';
import { writeKerasModel, writeKerasWeights } from '../src-main/core/models/keras-h5.ts';
import { loadKerasModel } from '../src-main/core/models/keras-model.ts';
import { importKerasModel, readLabelsFile } from '../src-main/core/store/import-keras.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';
import { errorCodeOf } from '../src-main/shared/errors.ts';
import { tempDir } from './helpers/shared.ts';

beforeAll(() => initBackend());

const random = mulberry32(4242);

/** Every weight random (moving variances positive), so a weight in the wrong place shows. */
function randomize(model: tf.LayersModel): void {
  for (const w of model.weights) {
    const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
    const positive = /moving_variance/.test(w.originalName);
    w.write(
      tf.tensor(
        Float32Array.from({ length: n }, () => (positive ? 0.5 + random() : random() - 0.5)),
        w.shape as number[],
      ),
    );
  }
}

/**
 * Largest difference of a layer's output (random weights saturate a softmax, which would hide a
 * misplaced weight), relative to the output's own size.
 */
function maxDiff(a: tf.LayersModel, b: tf.LayersModel, shape: number[], layer: string, high = 255): number {
  const upTo = (m: tf.LayersModel) => tf.model({ inputs: m.inputs, outputs: m.getLayer(layer).output as tf.SymbolicTensor });
  return tf.tidy(() => {
    const x = tf.randomUniform(shape, 0, high, 'float32', 7);
    const ya = upTo(a).predict(x) as tf.Tensor;
    const yb = upTo(b).predict(x) as tf.Tensor;
    return ya.sub(yb).abs().max().div(ya.abs().max().add(1e-12)).dataSync()[0]!;
  });
}

const init = {
  kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
  bias_initializer: { class_name: 'Zeros', config: {} },
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
};

/** The course's Fashion-MNIST CNN with a Rescaling layer and batch norm, as Keras 2.12 writes its config. */
const kerasSequentialConfig = {
  class_name: 'Sequential',
  config: {
    name: 'fashion',
    layers: [
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28, 1], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
      { class_name: 'Rescaling', config: { name: 'rescaling', trainable: true, dtype: 'float32', scale: 1 / 255, offset: 0.0 } },
      {
        class_name: 'Conv2D',
        config: {
          name: 'conv2d',
          trainable: true,
          dtype: 'float32',
          filters: 8,
          kernel_size: [3, 3],
          strides: [1, 1],
          padding: 'same',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          groups: 1,
          activation: 'relu',
          use_bias: true,
          ...init,
        },
      },
      {
        class_name: 'BatchNormalization',
        config: {
          name: 'batch_normalization',
          trainable: true,
          dtype: 'float32',
          axis: [3],
          momentum: 0.99,
          epsilon: 0.001,
          center: true,
          scale: true,
          beta_initializer: { class_name: 'Zeros', config: {} },
          gamma_initializer: { class_name: 'Ones', config: {} },
          moving_mean_initializer: { class_name: 'Zeros', config: {} },
          moving_variance_initializer: { class_name: 'Ones', config: {} },
          beta_regularizer: null,
          gamma_regularizer: null,
          beta_constraint: null,
          gamma_constraint: null,
        },
      },
      {
        class_name: 'MaxPooling2D',
        config: { name: 'max_pooling2d', trainable: true, dtype: 'float32', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' },
      },
      {
        class_name: 'AveragePooling2D',
        config: { name: 'average_pooling2d', trainable: true, dtype: 'float32', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' },
      },
      { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', data_format: 'channels_last' } },
      { class_name: 'Dense', config: { name: 'dense', trainable: true, dtype: 'float32', units: 16, activation: 'relu', use_bias: true, ...init } },
      { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.4, noise_shape: null, seed: null } },
      { class_name: 'Dense', config: { name: 'dense_1', trainable: true, dtype: 'float32', units: 10, activation: 'softmax', use_bias: true, ...init } },
    ],
  },
};

function directSequential(): tf.Sequential {
  return tf.sequential({
    name: 'fashion',
    layers: [
      tf.layers.rescaling({ name: 'rescaling', scale: 1 / 255, offset: 0, inputShape: [28, 28, 1] }),
      tf.layers.conv2d({ name: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization({ name: 'batch_normalization', axis: 3 }),
      tf.layers.maxPooling2d({ name: 'max_pooling2d', poolSize: 2 }),
      tf.layers.averagePooling2d({ name: 'average_pooling2d', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'dense', units: 16, activation: 'relu' }),
      tf.layers.dropout({ name: 'dropout', rate: 0.4 }),
      tf.layers.dense({ name: 'dense_1', units: 10, activation: 'softmax' }),
    ],
  });
}

/** A small application-style backbone (a residual block and a concatenation) nested in a functional classifier. */
function directFunctional(): tf.LayersModel {
  const inner = tf.input({ shape: [32, 32, 3], name: 'backbone_input' });
  let x = tf.layers.zeroPadding2d({ padding: 1, name: 'conv1_pad' }).apply(inner) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'conv1_conv' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: 3, name: 'conv1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
  const branch = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'block_conv' }).apply(x) as tf.SymbolicTensor;
  const added = tf.layers.add({ name: 'block_add' }).apply([x, branch]) as tf.SymbolicTensor;
  const side = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'side_conv' }).apply(x) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'block_concat' }).apply([added, side]) as tf.SymbolicTensor;
  const backbone = tf.model({ inputs: inner, outputs: joined, name: 'backbone' });
  const input = tf.input({ shape: [32, 32, 3], name: 'image' });
  let y = backbone.apply(input) as tf.SymbolicTensor;
  y = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.dense({ units: 5, activation: 'softmax', name: 'predictions' }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: y, name: 'classifier' });
}

describe('Keras full-model .h5 import', () => {
  it('rebuilds a Sequential model from the config Keras writes, with every weight in place', async () => {
    const direct = directSequential();
    randomize(direct);
    const file = path.join(await tempDir(), 'fashion.h5');
    await writeKerasModel(direct, file, kerasSequentialConfig);
    const imported = await loadKerasModel(file);
    const kinds = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName()).filter((k) => k !== 'InputLayer');
    expect(kinds(imported)).toEqual(kinds(direct));
    expect(imported.countParams()).toBe(direct.countParams());
    // The size checked before building (config-size.ts) is the size built.
    expect(architectureParams(kerasSequentialConfig as LayerConfig, file)).toBe(direct.countParams());
    expect(maxDiff(direct, imported, [4, 28, 28, 1], 'dense')).toBeLessThan(1e-5);
    expect(maxDiff(direct, imported, [4, 28, 28, 1], 'dense_1')).toBeLessThan(1e-5);
    direct.dispose();
    imported.dispose();
  });

  it('rebuilds a functional model with a nested backbone, Add, Concatenate and zero padding', async () => {
    const direct = directFunctional();
    randomize(direct);
    const file = path.join(await tempDir(), 'functional.h5');
    await writeKerasModel(direct, file);
    const imported = await loadKerasModel(file);
    expect(imported.getLayer('backbone').getClassName()).toMatch(/Functional|Model/);
    expect(architectureParams(direct.toJSON(null, false) as unknown as LayerConfig, file)).toBe(direct.countParams());
    expect(maxDiff(direct, imported, [3, 32, 32, 3], 'pool', 1)).toBeLessThan(1e-5);
    expect(maxDiff(direct, imported, [3, 32, 32, 3], 'predictions', 1)).toBeLessThan(1e-5);
    // Swapping two same-shaped weights of the backbone must show: the mapping is by name, not luck.
    const swapped = directFunctional();
    swapped.setWeights(direct.getWeights());
    const bc = swapped.getLayer('backbone') as tf.LayersModel;
    const k1 = bc.getLayer('block_conv').getWeights();
    bc.getLayer('block_conv').setWeights([k1[0]!.reverse(0), k1[1]!]);
    expect(maxDiff(swapped, imported, [3, 32, 32, 3], 'pool', 1)).toBeGreaterThan(1e-3);
    direct.dispose();
    imported.dispose();
    swapped.dispose();
  });

  it('names an unsupported layer, and tells a weights-only file from a model', async () => {
    const dir = await tempDir();
    const lstm = structuredClone(kerasSequentialConfig);
    lstm.config.layers.splice(2, 0, { class_name: 'LSTM', config: { name: 'lstm_1' } } as never);
    const direct = directSequential();
    const bad = path.join(dir, 'lstm.h5');
    await writeKerasModel(direct, bad, lstm);
    await expect(loadKerasModel(bad)).rejects.toThrow(/layer "lstm_1" is a LSTM, which cannot be imported/);
    const weightsOnly = path.join(dir, 'weights.h5');
    await writeKerasWeights(direct, weightsOnly);
    await expect(loadKerasModel(weightsOnly)).rejects.toThrow(/weights only \(model\.save_weights\)/);
    await writeFile(path.join(dir, 'text.h5'), 'not hdf5');
    await expect(loadKerasModel(path.join(dir, 'text.h5'))).rejects.toThrow(/no HDF5 signature/);
    direct.dispose();
  });

  it('imports a model with sidecar labels into the store, where predict applies its preprocessing', async () => {
    const dir = await tempDir();
    const direct = directSequential();
    randomize(direct);
    const file = path.join(dir, 'fashion.h5');
    await writeKerasModel(direct, file, kerasSequentialConfig);
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    await writeFile(path.join(dir, 'labels.txt'), names.join('\n') + '\n');
    await writeFile(path.join(dir, 'labels.json'), JSON.stringify(names));
    expect(await readLabelsFile(path.join(dir, 'labels.json'))).toEqual(names);
    await writeFile(path.join(dir, 'nine.txt'), names.slice(0, 9).join('\n'));
    const storeDir = path.join(dir, 'store');
    await expect(importKerasModel(file, { storeDir, labels: path.join(dir, 'nine.txt') })).rejects.toThrow(/10 outputs but 9 class names were given.*nine\.txt/);
    // Coded for the window, which words it in the user's language (test/components/refusals-ko.test.ts).
    const refused = await importKerasModel(file, { storeDir, labels: path.join(dir, 'nine.txt') }).catch((e: unknown) => e);
    expect(errorCodeOf(refused)).toEqual({ code: 'import-labels-mismatch', params: { file: 'fashion.h5', outputs: 10, labels: 9 } });

    const meta = await importKerasModel(file, { storeDir, labels: path.join(dir, 'labels.txt'), name: 'course-fashion' });
    expect(meta).toMatchObject({ inputSize: [28, 28], channels: 1, preprocessing: 'none', resize: 'area', invertLightBackground: true, labels: names });
    await expect(importKerasModel(file, { storeDir, labels: path.join(dir, 'labels.txt'), name: 'course-fashion' })).rejects.toThrow(
      /A model called "course-fashion" already exists: choose another name, or ask to overwrite it/,
    );

    const { classifier } = await loadModel('course-fashion', { cacheDir: dir, storeDir, offline: true });
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#f0f0f0' } })
      .png()
      .toBuffer();
    const [top] = await classifier.classify([await classifier.decode(photo, 'photo.png')], 3);
    // The same answer as the network built directly, given the same grey, inverted 28x28 input.
    const decoded = await classifier.decode(photo, 'photo.png');
    const expected = tf.tidy(() => (direct.predict(tf.tensor4d(decoded.data, [1, 28, 28, 1], 'int32').toFloat()) as tf.Tensor).dataSync());
    expect(top![0]!.probability).toBeCloseTo(Math.max(...expected), 5);
    expect(top![0]!.label).toBe(names[expected.indexOf(Math.max(...expected))]);
    classifier.dispose();

    // predict --model fashion.h5 opens the file itself, naming classes from fashion.labels.txt beside it.
    await writeFile(path.join(dir, 'fashion.labels.txt'), names.join('\n'));
    await writeFile(path.join(dir, 'labels.txt'), 'wrong\n');
    const direct2 = await loadModel(file, { cacheDir: dir, offline: true });
    expect(direct2.classifier.spec).toMatchObject({ inputSize: [28, 28], channels: 1, preprocessing: 'none', invertLightBackground: true });
    expect(direct2.classifier.spec.labels.map((l) => l.label)).toEqual(names);
    const [again] = await direct2.classifier.classify([decoded], 1);
    expect(again![0]!.label).toBe(top![0]!.label);
    direct2.classifier.dispose();
    direct.dispose();
  });
});
