// The three export formats' layouts (Keras 3 .keras, Keras 2 .h5, TensorFlow.js folder) checked
// name by name against what Keras writes, read back exactly, and refused when damaged. No Keras
// is installed here, so the layouts are those of Keras's source (saving_lib.py, functional.py).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { lenet5 } from '../src-main/core/models/classic.ts';
import { keras3WeightsFile, loadKeras3Model } from '../src-main/core/models/keras3-file.ts';
import { snakeCase } from '../src-main/core/models/keras3-config.ts';
import { loadModelFile } from '../src-main/core/models/model-file.ts';
import { readZip, writeZip } from '../src-main/core/models/zip.ts';
import { writeModelAs, type StudioMetadata } from '../src-main/core/store/export-model.ts';
import { CodedError } from '../src-main/shared/errors.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';
import { tempDir } from './helpers/shared.ts';

beforeAll(() => initBackend());

const random = mulberry32(99);
function randomize(model: tf.LayersModel): tf.LayersModel {
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
  return model;
}

/** A small functional network with what the layout must handle: a merge, a batch norm, a depthwise convolution, two of a class. */
function functionalNet(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3], name: 'image' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.batchNormalization({ name: 'bn' }).apply(a) as tf.SymbolicTensor;
  const c = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(b) as tf.SymbolicTensor;
  const d = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'c2' }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([c, d]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(pooled) as tf.SymbolicTensor;
  return randomize(tf.model({ inputs: input, outputs: out, name: 'small_functional' }));
}

const studioOf = (model: tf.LayersModel): StudioMetadata => {
  const [, h, w, c] = model.inputs[0]!.shape as number[];
  const classes = model.outputs[0]!.shape.at(-1)!;
  return {
    name: model.name,
    labels: Array.from({ length: classes }, (_, i) => `k${i}`),
    preprocessing: 'tf',
    inputSize: [h!, w!],
    channels: c as 1 | 3,
    resize: 'bilinear',
    fit: 'crop',
    invertLightBackground: false,
  };
};

/** Every weight identical, in the same order: the file carries the very numbers. */
function sameWeights(a: tf.LayersModel, b: tf.LayersModel): boolean {
  const x = a.weights.map((w) => w.read().dataSync());
  const y = b.weights.map((w) => w.read().dataSync());
  return x.length === y.length && x.every((v, i) => v.length === y[i]!.length && v.every((n, k) => n === y[i]![k]));
}

// Outputs, not bit for bit: a model read from a file runs its convolutions through the fused kernels (fused-layers.ts).
function maxGap(a: tf.LayersModel, b: tf.LayersModel): number {
  const shape = [2, ...(a.inputs[0]!.shape.slice(1) as number[])];
  return tf.tidy(() => {
    const x = tf.randomUniform(shape, -1, 1, 'float32', 3);
    return (a.predict(x) as tf.Tensor)
      .sub(b.predict(x) as tf.Tensor)
      .abs()
      .max()
      .dataSync()[0]!;
  });
}

/** Every dataset path in an HDF5 file. */
async function h5Paths(file: string): Promise<string[]> {
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'r');
  const out: string[] = [];
  const walk = (g: InstanceType<typeof h5wasm.Group>, at: string) => {
    for (const k of g.keys()) {
      const child = g.get(k);
      if (child instanceof h5wasm.Group) walk(child, `${at}${k}/`);
      else out.push(`${at}${k}`);
    }
  };
  try {
    walk(h5 as unknown as InstanceType<typeof h5wasm.Group>, '');
  } finally {
    h5.close();
  }
  return out.sort();
}

describe('export layouts', () => {
  it('.keras: metadata.json, config.json in Keras 3 serialization, weights at layers/<class>[_k]/vars/<i>', async () => {
    const dir = await tempDir();
    const model = functionalNet();
    const file = await writeModelAs(model, studioOf(model), { format: 'keras', out: path.join(dir, 'm.keras') });
    const entries = readZip(await readFile(file), file, { maxEntries: 10, maxEntryBytes: 1e8 });
    expect([...entries.keys()]).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
    const meta = JSON.parse(entries.get('metadata.json')!.read().toString());
    expect(Object.keys(meta)).toEqual(['keras_version', 'date_saved', 'classifier_studio']);
    expect(meta.keras_version).toMatch(/^3\./);
    const config = JSON.parse(entries.get('config.json')!.read().toString());
    expect(config).toMatchObject({
      module: 'keras',
      class_name: 'Functional',
      registered_name: 'Functional',
      config: { name: 'small_functional', input_layers: ['image', 0, 0], output_layers: ['probs', 0, 0] },
    });
    const layers = config.config.layers as Record<string, unknown>[];
    expect(layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'Conv2D', 'Add', 'GlobalAveragePooling2D', 'Dense']);
    expect(layers[0]).toEqual({
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [null, 12, 12, 3], dtype: 'float32', sparse: false, name: 'image' },
      registered_name: null,
      name: 'image',
      inbound_nodes: [],
    });
    for (const l of layers.slice(1)) expect(Object.keys(l).sort()).toEqual(['build_config', 'class_name', 'config', 'inbound_nodes', 'module', 'name', 'registered_name']);
    const conv = layers[1] as { config: Record<string, unknown>; inbound_nodes: unknown[] };
    expect(conv.config.kernel_initializer).toMatchObject({ module: 'keras.initializers', registered_name: null });
    expect(conv.config.dtype).toEqual({ module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null });
    expect(conv.inbound_nodes).toEqual([
      { args: [{ class_name: '__keras_tensor__', config: { shape: [null, 12, 12, 3], dtype: 'float32', keras_history: ['image', 0, 0] } }], kwargs: {} },
    ]);
    // A merge layer is called with one list of tensors.
    expect((layers[5]!.inbound_nodes as { args: unknown[][] }[])[0]!.args[0]).toHaveLength(2);
    const h5 = path.join(dir, 'w.h5');
    await writeFile(h5, entries.get('model.weights.h5')!.read());
    expect(await h5Paths(h5)).toEqual([
      'layers/batch_normalization/vars/0',
      'layers/batch_normalization/vars/1',
      'layers/batch_normalization/vars/2',
      'layers/batch_normalization/vars/3',
      'layers/conv2d/vars/0',
      'layers/conv2d/vars/1',
      'layers/conv2d_1/vars/0',
      'layers/conv2d_1/vars/1',
      'layers/dense/vars/0',
      'layers/dense/vars/1',
      'layers/depthwise_conv2d/vars/0',
      'layers/depthwise_conv2d/vars/1',
    ]);
    expect(['Conv2D', 'BatchNormalization', 'ReLU', 'GlobalAveragePooling2D', 'ZeroPadding2D'].map(snakeCase)).toEqual([
      'conv2d',
      'batch_normalization',
      're_lu',
      'global_average_pooling2d',
      'zero_padding2d',
    ]);
    const back = await loadKeras3Model(file);
    expect(maxGap(model, back.model)).toBeLessThan(1e-6);
    expect(sameWeights(model, back.model)).toBe(true);
    expect(back.studio).toEqual(studioOf(model));
  });

  it('.keras of a Sequential lists its InputLayer first and keeps it out of the weights', async () => {
    const dir = await tempDir();
    const model = randomize(lenet5());
    const file = await writeModelAs(model, studioOf(model), { format: 'keras', out: path.join(dir, 'lenet.keras') });
    const entries = readZip(await readFile(file), file, { maxEntries: 10, maxEntryBytes: 1e8 });
    const config = JSON.parse(entries.get('config.json')!.read().toString());
    expect(config).toMatchObject({ module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 28, 28, 1] } });
    expect(config.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual([
      'InputLayer',
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'Flatten',
      'Dense',
      'Dense',
    ]);
    expect(config.config.layers[0].config.batch_shape).toEqual([null, 28, 28, 1]);
    const h5 = path.join(dir, 'w.h5');
    await writeFile(h5, entries.get('model.weights.h5')!.read());
    expect(await h5Paths(h5)).toEqual(['conv2d', 'conv2d_1', 'conv2d_2', 'dense', 'dense_1'].flatMap((g) => [`layers/${g}/vars/0`, `layers/${g}/vars/1`]));
    expect(maxGap(model, (await loadKeras3Model(file)).model)).toBeLessThan(1e-6);
  });

  it('.keras saved with optimizer state: the model is read, optimizer/vars ignored', async () => {
    const dir = await tempDir();
    const model = functionalNet();
    const file = await writeModelAs(model, studioOf(model), { format: 'keras', out: path.join(dir, 'm.keras') });
    const entries = readZip(await readFile(file), file, { maxEntries: 10, maxEntryBytes: 1e8 });
    // Add what Keras writes for a compiled model's Adam: iterations, learning rate, then moments.
    const h5 = path.join(dir, 'w.h5');
    await writeFile(h5, entries.get('model.weights.h5')!.read());
    await h5wasm.ready;
    const f = new h5wasm.File(h5, 'a');
    const vars = f.create_group('optimizer').create_group('vars');
    vars.create_dataset({ name: '0', data: new BigInt64Array([100n]), shape: [], dtype: '<q' });
    vars.create_dataset({ name: '1', data: new Float32Array([0.001]), shape: [], dtype: '<f' });
    vars.create_dataset({ name: '2', data: new Float32Array(3 * 3 * 3 * 4), shape: [3, 3, 3, 4], dtype: '<f' });
    f.close();
    expect(await h5Paths(h5)).toContain('optimizer/vars/2');
    const withOptimizer = path.join(dir, 'compiled.keras');
    const compileConfig = {
      optimizer: { module: 'keras.optimizers', class_name: 'Adam', config: { name: 'adam', learning_rate: 0.001 }, registered_name: null },
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
    };
    const config = { ...JSON.parse(entries.get('config.json')!.read().toString()), compile_config: compileConfig };
    await writeFile(
      withOptimizer,
      writeZip([
        ['metadata.json', entries.get('metadata.json')!.read()],
        ['config.json', Buffer.from(JSON.stringify(config))],
        ['model.weights.h5', await readFile(h5)],
      ]),
    );
    const back = await loadModelFile(withOptimizer);
    expect(back.kind).toBe('keras');
    expect(maxGap(model, back.model)).toBeLessThan(1e-6);
  });

  it('.h5: Keras 2 model.save layout (model_config, model_weights with layer_names / weight_names)', async () => {
    const dir = await tempDir();
    const model = functionalNet();
    const file = await writeModelAs(model, studioOf(model), { format: 'h5', out: path.join(dir, 'm.h5') });
    await h5wasm.ready;
    const h5 = new h5wasm.File(file, 'r');
    try {
      expect(Object.keys(h5.attrs).sort()).toEqual(['backend', 'classifier_studio', 'keras_version', 'model_config']);
      const config = JSON.parse(String(h5.attrs.model_config!.value));
      expect(Object.keys(config)).toEqual(['class_name', 'config']);
      expect(config.class_name).toBe('Functional');
      const mw = h5.get('model_weights') as InstanceType<typeof h5wasm.Group>;
      expect(mw.attrs.layer_names!.value).toEqual(
        ['image', 'c1', 'c2', 'bn', 'dw', 'sum', 'gap', 'probs'].sort((a, b) => model.layers.findIndex((l) => l.name === a) - model.layers.findIndex((l) => l.name === b)),
      );
      expect((mw.get('bn') as InstanceType<typeof h5wasm.Group>).attrs.weight_names!.value).toEqual(['bn/gamma:0', 'bn/beta:0', 'bn/moving_mean:0', 'bn/moving_variance:0']);
    } finally {
      h5.close();
    }
    expect(await h5Paths(file)).toContain('model_weights/c1/c1/kernel:0');
    const back = await loadModelFile(file);
    expect(maxGap(model, back.model)).toBeLessThan(1e-6);
    expect(sameWeights(model, back.model)).toBe(true);
    expect(back.studio).toEqual(studioOf(model));
  });

  it('tfjs: model.json, weights.bin, metadata.json and labels.txt', async () => {
    const dir = await tempDir();
    const model = functionalNet();
    const out = await writeModelAs(model, studioOf(model), { format: 'tfjs', out: path.join(dir, 'web') });
    const json = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(json).toMatchObject({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'] }] });
    expect(JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'))).toEqual(studioOf(model));
    expect(await readFile(path.join(out, 'labels.txt'), 'utf8')).toBe('k0\nk1\nk2\n');
    const back = await loadModelFile(out);
    expect(maxGap(model, back.model)).toBeLessThan(1e-6);
  });

  it('never replaces what is at --out without overwrite', async () => {
    const dir = await tempDir();
    const model = functionalNet();
    for (const format of ['keras', 'h5', 'tfjs'] as const) {
      const out = path.join(dir, `taken-${format}`);
      if (format === 'tfjs') await mkdir(out);
      else await writeFile(out, 'mine');
      const err = await writeModelAs(model, studioOf(model), { format, out }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodedError);
      expect((err as CodedError).code).toBe('export-exists');
      if (format !== 'tfjs') expect(await readFile(out, 'utf8')).toBe('mine');
      await writeModelAs(model, studioOf(model), { format, out, overwrite: true });
      expect(maxGap(model, (await loadModelFile(out)).model)).toBeLessThan(1e-6);
    }
  });
});

describe('untrusted model files', () => {
  it('says which of the three forms a file is not, and why', async () => {
    const dir = await tempDir();
    const junk = path.join(dir, 'x.keras');
    await writeFile(junk, 'not a model');
    await expect(loadModelFile(junk)).rejects.toThrow(
      /not a Keras 3 \.keras file \(no zip signature\), not a Keras \.h5 file \(no HDF5 signature\), and not a TensorFlow\.js model/,
    );
    await expect(loadModelFile(path.join(dir, 'missing.keras'))).rejects.toThrow(/No model at .*missing\.keras: there is no such file or folder/);
    await expect(loadModelFile(dir)).rejects.toThrow(/folder without model\.json/);
    // Coded, so the window says it in the user's language (components/refusals-ko).
    await expect(loadModelFile(junk)).rejects.toMatchObject({ code: 'model-file-not-model', params: { name: 'x.keras' } });
    await expect(loadModelFile(path.join(dir, 'missing.keras'))).rejects.toMatchObject({ code: 'model-file-missing', params: { name: 'missing.keras' } });
    await expect(loadModelFile(dir)).rejects.toMatchObject({ code: 'model-folder-no-json', params: { name: path.basename(dir) } });
  });

  it('refuses archives that are not Keras models, or lie about sizes', async () => {
    const dir = await tempDir();
    const noConfig = path.join(dir, 'a.keras');
    await writeFile(noConfig, writeZip([['../../evil.txt', Buffer.from('x')]]));
    await expect(loadModelFile(noConfig)).rejects.toThrow(/not a Keras 3 model: it has no config\.json/);
    // An entry declaring more bytes than the limit is refused before it is inflated.
    const zip = writeZip([['config.json', Buffer.from('{}')]]);
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0xfffffff0, central + 24);
    const big = path.join(dir, 'b.keras');
    await writeFile(big, zip);
    await expect(loadModelFile(big)).rejects.toThrow(/Zip64|over the limit/);
    // A truncated archive.
    const cut = path.join(dir, 'c.keras');
    const whole = writeZip([
      ['config.json', Buffer.from('{}')],
      ['metadata.json', Buffer.from('{}')],
    ]);
    await writeFile(cut, whole.subarray(0, whole.length - 30));
    await expect(loadModelFile(cut)).rejects.toThrow(/not a readable \.keras \(zip\) file/);
    // A damaged checksum.
    const bad = Buffer.from(
      writeZip([
        ['config.json', Buffer.from('{"class_name":"Sequential"}')],
        ['model.weights.h5', await keras3WeightsFile(lenet5())],
      ]),
    );
    bad[30 + 'config.json'.length] ^= 0xff;
    const crc = path.join(dir, 'd.keras');
    await writeFile(crc, bad);
    await expect(loadModelFile(crc)).rejects.toThrow(/fails its checksum/);
  });
});
