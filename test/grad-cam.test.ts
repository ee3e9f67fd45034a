// Grad-CAM against a direct computation with tf.grad (MobileNet as published, a classic CNN
// trained a few steps, a transfer model), and its localisation on 2x2 mosaics of real photos.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import type { Classifier } from '../src-main/core/classifier.ts';
import { readIdxImages, readIdxLabels } from '../src-main/core/datasets/idx.ts';
import { explainClasses } from '../src-main/core/explain.ts';
import { NETWORKS } from '../src-main/core/models/classic.ts';
import { camLayerName, gradCam } from '../src-main/core/models/grad-cam.ts';
import { loadLayersModelFromDir } from '../src-main/core/models/layers-io.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { transferHead } from '../src-main/core/transfer/head.ts';
import { coarseGroup, mosaicPng, mosaicsOf, quadrantShares, tilesRightAlone } from './helpers/mosaics.ts';
import { imagenetDevDir, mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';

/** The class score Grad-CAM differentiates, written out: the logit less the log-sum-exp of the other logits (taken apart by slicing). */
function contrast(z: tf.Tensor1D, c: number): tf.Scalar {
  const others = [z.slice([0], [c]), z.slice([c + 1])].filter((t) => t.size > 0);
  return z
    .slice([c], [1])
    .sum()
    .sub(tf.logSumExp(tf.concat(others))) as tf.Scalar;
}

/** Grad-CAM written out for a head given as a function of the feature maps: the paper's formulas, with the contrastive score. */
function directCam(a: tf.Tensor4D, scores: (a: tf.Tensor4D) => tf.Tensor1D, c: number): Float32Array {
  return tf.tidy(() => {
    const g = tf.grad((maps: tf.Tensor) => contrast(scores(maps as tf.Tensor4D), c))(a);
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
      // The predicted class's contrast has evidence somewhere; another class's may have none over
      // the likelier one (an all-zero map), as a model trained for two epochs can well say.
      if (c === predicted) expect(Math.max(...ours.maps[i]!.values), `class ${c}: something speaks for it`).toBe(1);
      else expect([0, 1], `class ${c}: scaled to 1 at its maximum, or nothing speaks for it`).toContain(Math.max(...ours.maps[i]!.values));
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

describe('Grad-CAM localises', () => {
  // Mosaics of four dev photos, each centre-cropped to its quadrant (helpers/mosaics.ts). A tile's
  // class is the photo's true label, and only photos MobileNet gives that label as top-1 on their
  // own are tiles: then the class is surely one the photo shows, whichever way one reads it. The
  // four tiles of a mosaic are of four coarse groups of the class index (no two birds, no two
  // dogs): the evidence for one dog breed is partly in another dog, and Grad-CAM rightly shows it.
  // The mass is measured on the 7x7 grid, each cell a uniform square split where a border crosses
  // it (a tile is 3.5 cells wide); the overlay's bilinear stretch gives the same counts
  // (bench/grad-cam-localisation.ts, with the figures of the other variants in BENCHMARKS.md).
  it("on 2x2 mosaics of real photos, the heatmap of a tile's class holds more than half of its mass in that tile in at least 80% of cases", async () => {
    const tiles = await tilesRightAlone(mobilenet);
    const mosaics = mosaicsOf(tiles);
    expect(mosaics.length).toBeGreaterThanOrEqual(25); // 28 of 183 tiles today
    for (const m of mosaics) expect(new Set(m.map((t) => coarseGroup(t.index))).size).toBe(4);
    let [cases, plurality, majority] = [0, 0, 0];
    for (const [n, m] of mosaics.entries()) {
      const decoded = await mobilenet.decode(await mosaicPng(m), `mosaic ${n}`);
      const { heatmaps } = await explainClasses(
        mobilenet,
        decoded,
        m.map((t) => t.index),
      );
      heatmaps.forEach((h, q) => {
        const shares = quadrantShares(h);
        cases++;
        if (shares.every((s, k) => k === q || s < shares[q]!)) plurality++;
        if (shares[q]! > 0.5) majority++;
      });
    }
    const pc = (n: number) => `${n}/${cases} (${((100 * n) / cases).toFixed(1)}%)`;
    console.log(`Grad-CAM on ${mosaics.length} mosaics of 4 dev photos: over half of the mass on the tile ${pc(majority)}, more than on any other quadrant ${pc(plurality)}`);
    expect(majority / cases).toBeGreaterThanOrEqual(0.8);
    expect(plurality).toBeGreaterThanOrEqual(majority);
  });
});
