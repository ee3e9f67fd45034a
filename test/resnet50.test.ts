// ResNet50 as Keras builds it, and its weights arriving from a Keras-layout HDF5 file. The real
// ImageNet weights cannot be downloaded here, so the tests write files in the Keras layout with
// seeded values for every layer and check that each value lands where Keras would put it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { decodeImage } from '../src-main/core/images/decode.ts';
import { readKerasWeights } from '../src-main/core/models/h5-reader.ts';
import { loadKerasWeights, writeKerasWeights } from '../src-main/core/models/keras-h5.ts';
import { resnet50 } from '../src-main/core/models/resnet50.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

beforeAll(() => initBackend());

/** A value that says which weight and which element it is: weight k, flat index i. */
const seeded = (k: number, i: number) => k + ((i % 1000) + 1) / 2048;

function seededValues(model: tf.LayersModel): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  model.weights.forEach((v, k) => {
    const a = new Float32Array((v.shape as number[]).reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = seeded(k, i);
    values.set(v.originalName, a);
  });
  return values;
}

describe('resnet50()', () => {
  it('has the Keras layers, names and parameter counts', () => {
    const model = resnet50();
    expect(model.countParams()).toBe(25_636_712);
    expect(model.layers).toHaveLength(177);
    const names = model.layers.map((l) => l.name);
    for (const n of [
      'input_1',
      'conv1_pad',
      'conv1_conv',
      'conv1_bn',
      'pool1_pool',
      'conv2_block1_0_conv',
      'conv3_block4_out',
      'conv4_block6_3_bn',
      'conv5_block3_out',
      'avg_pool',
      'predictions',
    ]) {
      expect(names).toContain(n);
    }
    expect(model.outputs[0]!.shape).toEqual([null, 1000]);
    model.dispose();
    const notop = resnet50({ includeTop: false, pooling: 'avg' });
    expect(notop.countParams()).toBe(23_587_712);
    expect(notop.outputs[0]!.shape).toEqual([null, 2048]);
    notop.dispose();
  });
});

describe('Keras HDF5 weights', () => {
  it('loads every tensor of a ResNet50 weights file into its layer, in Keras orientation', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'resnet50_weights_tf_dim_ordering_tf_kernels.h5');
    const writer = resnet50();
    const values = seededValues(writer);
    await writeKerasWeights(writer, file, { values });
    writer.dispose();

    // The file has the layout Keras writes: shapes in Keras order, datasets at <layer>/<layer>/<w>:0.
    const stored = await readKerasWeights(file);
    expect(stored.get('conv1_conv')!.map((w) => [w.name, w.shape])).toEqual([
      ['conv1_conv/kernel:0', [7, 7, 3, 64]],
      ['conv1_conv/bias:0', [64]],
    ]);
    expect(stored.get('conv1_bn')!.map((w) => w.name)).toEqual(['conv1_bn/gamma:0', 'conv1_bn/beta:0', 'conv1_bn/moving_mean:0', 'conv1_bn/moving_variance:0']);
    expect(stored.get('conv2_block1_0_conv')![0]!.shape).toEqual([1, 1, 64, 256]);
    expect(stored.get('predictions')![0]!.shape).toEqual([2048, 1000]);
    expect([...stored.values()].filter((w) => w.length > 0)).toHaveLength(107);

    const model = resnet50();
    await loadKerasWeights(model, file);
    const byName = new Map(model.weights.map((v) => [v.originalName, v]));
    for (const [name, expected] of values) {
      const got = byName.get(name)!.read().dataSync();
      expect(got.length, name).toBe(expected.length);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(expected.buffer)), name).toBe(true);
    }
    // Orientation, element by element: kernel[kh][kw][in][out] of conv1 is element ((kh*7+kw)*3+in)*64+out.
    const k = model.weights.findIndex((v) => v.originalName === 'conv1_conv/kernel');
    const kernel = byName.get('conv1_conv/kernel')!.read().arraySync() as number[][][][];
    for (const [a, b, c, d] of [
      [0, 0, 0, 0],
      [6, 5, 2, 63],
      [3, 1, 1, 17],
    ] as const) {
      expect(kernel[a]![b]![c]![d]).toBeCloseTo(seeded(k, ((a * 7 + b) * 3 + c) * 64 + d), 6);
    }
    const dense = byName.get('predictions/kernel')!.read().arraySync() as number[][];
    const kd = model.weights.findIndex((v) => v.originalName === 'predictions/kernel');
    expect(dense[2047]![999]).toBeCloseTo(seeded(kd, 2047 * 1000 + 999), 6);
    model.dispose();
  }, 60_000);

  it('gives the same predictions after a round trip through HDF5', async () => {
    const build = (name: string) =>
      tf.sequential({
        name,
        layers: [
          tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 5, kernelSize: 3, name: 'c1' }),
          tf.layers.batchNormalization({ name: 'bn' }),
          tf.layers.flatten({ name: 'flat' }),
          tf.layers.dense({ units: 4, activation: 'softmax', name: 'out' }),
        ],
      });
    const a = build('a');
    // Non-trivial moving statistics, so that a swapped mean/variance would show.
    const bn = a.getLayer('bn');
    bn.setWeights(bn.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.5 + i, 1 + i, 'float32', 7 + i)));
    const file = path.join(await tempDir(), 'small.h5');
    await writeKerasWeights(a, file);
    const b = build('b');
    await loadKerasWeights(b, file);
    const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 3);
    expect(Array.from((b.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((a.predict(x) as tf.Tensor).dataSync()));

    // Other layer names, same structure: loaded by order, as Keras does without by_name.
    const renamed = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 5, kernelSize: 3, name: 'conv_x' }),
        tf.layers.batchNormalization({ name: 'bn_x' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: 'softmax', name: 'dense_x' }),
      ],
    });
    await loadKerasWeights(renamed, file);
    expect(Array.from((renamed.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((a.predict(x) as tf.Tensor).dataSync()));
  });

  it('refuses files that do not match, naming the file, layer and shapes, and leaves the model as it was', async () => {
    const dir = await tempDir();
    const small = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'd' })] });
    const smallFile = path.join(dir, 'small.h5');
    await writeKerasWeights(small, smallFile);
    const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, name: 'd' })] });
    const before = other.getWeights()[0]!.dataSync().slice();
    await expect(loadKerasWeights(other, smallFile)).rejects.toThrow(/small\.h5: weight d\/kernel:0 of layer d has shape \[3,2\] but the model expects \[4,2\]/);
    expect(other.getWeights()[0]!.dataSync()).toEqual(before);

    const model = resnet50();
    await expect(loadKerasWeights(model, smallFile)).rejects.toThrow(/does not match the model resnet50: layer conv1_conv and 106 more not in the file/);
    model.dispose();

    const notH5 = path.join(dir, 'weights.h5');
    await writeFile(notH5, '<html>404 Not Found</html>');
    await expect(loadKerasWeights(other, notH5)).rejects.toThrow(/weights\.h5 is not a Keras HDF5 weights file/);
    await expect(loadKerasWeights(other, path.join(dir, 'absent.h5'))).rejects.toThrow(/Cannot read the weights file .*absent\.h5/);

    // Valid HDF5 that is not a Keras weights file.
    await h5wasm.ready;
    const plain = path.join(dir, 'plain.h5');
    const f = new h5wasm.File(plain, 'w');
    f.create_dataset({ name: 'x', data: new Float32Array([1, 2]) });
    f.close();
    await expect(loadKerasWeights(other, plain)).rejects.toThrow(/not a Keras HDF5 weights file \(no layer_names attribute\)/);
  });

  it('opens a .h5 path as a ResNet50 classifier with ImageNet labels', async () => {
    const file = path.join(await tempDir(), 'my_resnet.h5');
    const writer = resnet50();
    await writeKerasWeights(writer, file);
    const { classifier } = await loadModel(file, { cacheDir: await tempDir(), mirrorDir, fetch: noNetwork });
    expect(classifier.spec.preprocessing).toBe('caffe');
    expect(classifier.spec.labels).toHaveLength(1000);
    // The same weights give the same output as the model they were written from.
    const img = await decodeImage(path.join(imagenetDevDir, 'n01440764_tench.JPEG'), { width: 224, height: 224 });
    const [top] = await classifier.classify([img], 5);
    expect(top).toHaveLength(5);
    const x = tf.randomUniform([1, 224, 224, 3], -100, 100, 'float32', 5);
    // The loader folds the batch norms into the convolutions: the softmax may move in float rounding only.
    const diff = tf
      .sub(classifier.model.predict(x) as tf.Tensor, writer.predict(x) as tf.Tensor)
      .abs()
      .max()
      .dataSync()[0]!;
    expect(diff).toBeLessThan(1e-4);
    expect(classifier.model.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    writer.dispose();
    classifier.dispose();
  }, 60_000);
});
