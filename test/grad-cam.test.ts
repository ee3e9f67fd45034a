// Grad-CAM against a direct computation with tf.grad (MobileNet as published, a classic CNN
// trained a few steps), and its localisation on 2x2 mosaics of real photos.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import type { Classifier } from '../src-main/core/classifier.ts';
import { readIdxImages, readIdxLabels } from '../src-main/core/datasets/idx.ts';
import { explainClasses } from '../src-main/core/explain.ts';
import type { Heatmap } from '../src-main/core/images/heatmap.ts';
import { NETWORKS } from '../src-main/core/models/classic.ts';
import { camLayerName, gradCam } from '../src-main/core/models/grad-cam.ts';
import { loadLayersModelFromDir } from '../src-main/core/models/layers-io.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { transferHead } from '../src-main/core/transfer/head.ts';
import { imagenetDevDir, mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';

/** Grad-CAM written out for a head given as a function of the feature maps: the paper's formulas. */
function directCam(a: tf.Tensor4D, scores: (a: tf.Tensor4D) => tf.Tensor1D, c: number): Float32Array {
  return tf.tidy(() => {
    const g = tf.grad((maps: tf.Tensor) =>
      scores(maps as tf.Tensor4D)
        .slice([c], [1])
        .sum(),
    )(a);
    const alpha = g.mean([0, 1, 2]);
    const cam = tf.relu(tf.sum(tf.mul(a, alpha), -1));
    const max = cam.max();
    return tf.where(max.greater(0), cam.div(max), tf.zerosLike(cam)).dataSync() as Float32Array;
  });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

let mobilenet: Classifier;
beforeAll(async () => {
  await initBackend();
  mobilenet = (await loadModel('mobilenet', { mirrorDir, cacheDir: await tempDir(), offline: true })).classifier;
});
afterAll(() => mobilenet?.dispose());

describe('Grad-CAM equals the direct computation', () => {
  it('for MobileNet (loaded with batch norms folded) against MobileNet as published, conv_pw_13_relu and the logits of conv_preds', async () => {
    expect(camLayerName(mobilenet.model)).toBe('conv_pw_13'); // conv + folded batch norm + relu6 in one layer
    const plain = await loadLayersModelFromDir(path.join(mirrorDir, 'mobilenet_v1_0.75_224'));
    const photo = await mobilenet.decode(path.join(imagenetDevDir, 'n02504013_Indian_elephant.JPEG'));
    const x = preprocessBatch([photo.data], 224, 224, 3, 'tf');
    const before = tf.memory().numTensors;
    const classes = [385, 101, 386]; // Indian elephant, tusker, African elephant
    const ours = await gradCam(mobilenet.model, x, classes);
    expect(tf.memory().numTensors, 'no tensor left behind').toBe(before);
    expect(ours.layer).toBe('conv_pw_13');
    const features = tf.model({ inputs: plain.inputs, outputs: plain.getLayer('conv_pw_13_relu').output as tf.SymbolicTensor });
    const a = features.predict(x) as tf.Tensor4D;
    const [kernel, bias] = plain.getLayer('conv_preds').getWeights() as [tf.Tensor4D, tf.Tensor1D];
    // The published head: global average pooling, dropout (none at inference), a 1x1 convolution, then softmax (left out).
    const logits = (maps: tf.Tensor4D) =>
      tf
        .conv2d(maps.mean([1, 2], true) as tf.Tensor4D, kernel, 1, 'valid')
        .add(bias)
        .reshape([-1]) as tf.Tensor1D;
    for (const [i, c] of classes.entries()) {
      const direct = directCam(a, logits, c);
      expect(ours.maps[i]!.width * ours.maps[i]!.height).toBe(49);
      expect(maxDiff(ours.maps[i]!.values, direct), `class ${c}`).toBeLessThan(1e-4);
      expect(Math.max(...ours.maps[i]!.values)).toBe(1);
    }
    tf.dispose([x, a]);
    plain.dispose();
  });

  it('for a Fashion-MNIST CNN trained a few steps: the last convolution, and the Dense softmax layer taken before its softmax', async () => {
    await ensureTrainable();
    const dir = path.join(sharedDir, 'datasets/fashion-mnist');
    const images = await readIdxImages(path.join(dir, 't10k-images-idx3-ubyte.gz'));
    const labels = await readIdxLabels(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
    const n = 512;
    const model = NETWORKS['fashion-cnn'].build();
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const xs = tf
      .tensor4d(images.data.subarray(0, n * 784), [n, 28, 28, 1], 'int32')
      .toFloat()
      .div(255);
    const ys = tf.tensor1d(Array.from(labels.subarray(0, n)), 'float32');
    const history = await model.fit(xs, ys, { epochs: 2, batchSize: 64, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss[1]!).toBeLessThan(loss[0]!); // it did learn something
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    const last = convs[convs.length - 1]!;
    expect(camLayerName(model)).toBe(last.name);
    const x = xs.slice([n - 1], [1]) as tf.Tensor4D;
    const predicted = (model.predict(x) as tf.Tensor).argMax(-1).dataSync()[0]!;
    const classes = [...new Set([predicted, Number(labels[n - 1])])];
    const ours = await gradCam(model, x, classes);
    const a = tf.model({ inputs: model.inputs, outputs: last.output as tf.SymbolicTensor }).predict(x) as tf.Tensor4D;
    // After the last convolution: max pooling, flatten, dense relu, dropout (none at inference), dense (its softmax left out).
    const [dense1, dense2] = model.layers.filter((l) => l.getClassName() === 'Dense');
    const [k1, b1] = dense1!.getWeights();
    const [k2, b2] = dense2!.getWeights();
    const logits = (maps: tf.Tensor4D) =>
      tf
        .relu(tf.maxPool(maps, 2, 2, 'valid').reshape([1, -1]).matMul(k1!).add(b1!))
        .matMul(k2!)
        .add(b2!)
        .reshape([-1]) as tf.Tensor1D;
    expect(ours.maps[0]).toMatchObject({ width: 14, height: 14 });
    for (const [i, c] of classes.entries()) {
      expect(Math.max(...ours.maps[i]!.values), `class ${c}: something speaks for it`).toBe(1);
      expect(maxDiff(ours.maps[i]!.values, directCam(a, logits, c)), `class ${c}`).toBeLessThan(1e-4);
    }
    // The same on the plain JavaScript backend as on wasm.
    const backend = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const onCpu = await gradCam(model, x, classes);
      for (const [i] of classes.entries()) expect(maxDiff(onCpu.maps[i]!.values, ours.maps[i]!.values)).toBeLessThan(1e-4);
    } finally {
      await tf.setBackend(backend);
    }
    tf.dispose([xs, ys, x, a]);
    model.dispose();
  });

  it("for a transfer model: the backbone's last feature maps, through the head before its softmax", async () => {
    const backbone = await loadBackbone('mobilenet', { mirrorDir, cacheDir: await tempDir(), offline: true });
    const head = transferHead(backbone.featureLength, 3, { units: 16, dropout: 0.5, seed: 7 });
    const combined = head.attach(backbone.classifier.model.inputs as tf.SymbolicTensor[], backbone.pooled);
    const photo = await backbone.classifier.decode(path.join(imagenetDevDir, 'n02110185_Siberian_husky.JPEG'));
    const x = preprocessBatch([photo.data], 224, 224, 3, 'tf');
    const ours = await gradCam(combined, x, [0, 1, 2]);
    expect(ours.layer).toBe('conv_pw_13');
    const a = tf
      .model({ inputs: backbone.classifier.model.inputs, outputs: backbone.classifier.model.getLayer('conv_pw_13').output as tf.SymbolicTensor })
      .predict(x) as tf.Tensor4D;
    const [k1, b1] = combined.getLayer('head_dense').getWeights();
    const [k2, b2] = combined.getLayer('head_predictions').getWeights();
    const logits = (maps: tf.Tensor4D) =>
      tf
        .relu(maps.mean([1, 2]).matMul(k1!).add(b1!))
        .matMul(k2!)
        .add(b2!)
        .reshape([-1]) as tf.Tensor1D;
    for (const c of [0, 1, 2]) expect(maxDiff(ours.maps[c]!.values, directCam(a, logits, c)), `class ${c}`).toBeLessThan(1e-4);
    tf.dispose([x, a]);
    backbone.classifier.dispose();
  });
});

/** The share of the heatmap's mass in each quadrant (top-left, top-right, bottom-left, bottom-right), cells split where a border crosses them. */
function quadrantShares(h: Heatmap): number[] {
  const shares = [0, 0, 0, 0];
  const part = (i: number, n: number) => [Math.max(0, Math.min(1, n / 2 - i)), Math.max(0, Math.min(1, i + 1 - n / 2))];
  for (let y = 0; y < h.height; y++) {
    for (let x = 0; x < h.width; x++) {
      const [top, bottom] = part(y, h.height);
      const [left, right] = part(x, h.width);
      const v = h.values[y * h.width + x]!;
      shares[0] += v * top! * left!;
      shares[1] += v * top! * right!;
      shares[2] += v * bottom! * left!;
      shares[3] += v * bottom! * right!;
    }
  }
  const total = shares.reduce((s, v) => s + v, 0);
  return shares.map((s) => s / total);
}

describe('Grad-CAM localises', () => {
  // "Most of its mass": more than any other quadrant holds. More than half of it is a stricter
  // reading that MobileNet's 7x7 maps reach in about 60% of these cases (printed below): a tile
  // is 3.5 cells wide, and for a head of global pooling and one linear layer, Grad-CAM is exactly
  // the class activation map, whose spread is the network's own (checked equal above).
  it("on 2x2 mosaics of real photos, the heatmap of a tile's class holds most of its mass in that tile in at least 80% of cases", async () => {
    const rows = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    // Tiles: photos MobileNet gets right on their own.
    const right: { file: string; index: number }[] = [];
    for (const [file, index] of rows) {
      if (right.length === 80) break;
      const [top] = await mobilenet.classify([await mobilenet.decode(path.join(imagenetDevDir, file!))], 1);
      if (top![0]!.index === Number(index)) right.push({ file: file!, index: Number(index) });
    }
    expect(right).toHaveLength(80);
    let hits = 0;
    let majority = 0;
    let cases = 0;
    for (let m = 0; m < right.length; m += 4) {
      const tiles = right.slice(m, m + 4);
      const parts = await Promise.all(
        tiles.map((t) => sharp(path.join(imagenetDevDir, t.file)).rotate().resize(112, 112, { fit: 'cover' }).toColourspace('srgb').removeAlpha().png().toBuffer()),
      );
      const mosaic = await sharp({ create: { width: 224, height: 224, channels: 3, background: '#000' } })
        .composite(parts.map((input, i) => ({ input, left: (i % 2) * 112, top: Math.floor(i / 2) * 112 })))
        .png()
        .toBuffer();
      const decoded = await mobilenet.decode(mosaic, `mosaic ${m / 4}`);
      const { heatmaps } = await explainClasses(
        mobilenet,
        decoded,
        tiles.map((t) => t.index),
      );
      heatmaps.forEach((h, i) => {
        const shares = quadrantShares(h);
        cases++;
        if (shares.every((s, q) => q === i || s < shares[i]!)) hits++;
        if (shares[i]! > 0.5) majority++;
      });
    }
    console.log(
      `Grad-CAM localisation on ${cases / 4} mosaics of 4 dev photos: ${hits}/${cases} (${((100 * hits) / cases).toFixed(1)}%) heatmaps with the most of their mass on their tile (over half of it: ${majority}/${cases})`,
    );
    expect(hits / cases).toBeGreaterThanOrEqual(0.8);
  });
});
