// Batch norms folded into convolutions (and relu/relu6 fused in) must not change the answers:
// for the real MobileNet on real photos, for ResNet50 with batch norms that do something, and for
// the shapes of network a user's own model may have.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { decodeImage } from '../src-main/core/images/decode.ts';
import { foldBatchNorms } from '../src-main/core/models/fold-batch-norms.ts';
import { loadLayersModelFromDir } from '../src-main/core/models/layers-io.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';
import { resnet50 } from '../src-main/core/models/resnet50.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

beforeAll(async () => {
  await initBackend();
  await ensureTrainable();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sub(a, b).abs().max().dataSync()[0]!);
const classes = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName());

/** Batch norms that do something: scales and variances away from 1, means and shifts away from 0. */
function randomizeBatchNorms(model: tf.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const cfg = layer.getConfig() as { scale?: boolean; center?: boolean };
    const kinds = [...(cfg.scale !== false ? ['gamma'] : []), ...(cfg.center !== false ? ['beta'] : []), 'mean', 'variance'];
    layer.setWeights(
      layer.getWeights().map((w, k) => {
        const positive = kinds[k] === 'gamma' || kinds[k] === 'variance';
        return tf.tensor(
          Float32Array.from({ length: w.size }, () => (positive ? 0.5 + random() : (random() - 0.5) * 0.4)),
          w.shape,
        );
      }),
    );
  }
}

describe('foldBatchNorms', () => {
  it('gives MobileNet the same answers on real photos with a third of its layers', async () => {
    const plain = await loadLayersModelFromDir(path.join(mirrorDir, 'mobilenet_v1_0.75_224'));
    const folded = await foldBatchNorms(plain);
    expect(classes(plain).filter((c) => c === 'BatchNormalization')).toHaveLength(27);
    expect(classes(folded)).not.toContain('BatchNormalization');
    // relu6 now runs inside the convolutions.
    expect(folded.layers).toHaveLength(plain.layers.length - 2 * 27);
    expect((folded.getLayer('conv_dw_1').getConfig() as { activation: string }).activation).toBe('relu6');
    const names = ['n01440764_tench.JPEG', 'n01882714_koala.JPEG', 'n04120489_running_shoe.JPEG'];
    const images = await Promise.all(names.map((n) => decodeImage(path.join(imagenetDevDir, n), { width: 224, height: 224 })));
    const x = preprocessBatch(
      images.map((i) => i.data),
      224,
      224,
      3,
      'tf',
    );
    const [a, b] = [plain.predict(x) as tf.Tensor, folded.predict(x) as tf.Tensor];
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
    expect(Array.from(b.argMax(-1).dataSync())).toEqual(Array.from(a.argMax(-1).dataSync()));
    // One kernel per layer: no batch norm, relu or minimum (relu6) passes left.
    const profile = await tf.profile(() => folded.predict(x) as tf.Tensor);
    tf.dispose(profile.result as tf.Tensor);
    const kernels = new Set(profile.kernelNames);
    expect([...kernels]).toEqual(expect.arrayContaining(['FusedConv2D', 'FusedDepthwiseConv2D']));
    for (const k of ['FusedBatchNorm', 'Relu', 'Relu6', 'Minimum', 'DepthwiseConv2dNative', 'Add']) expect(kernels.has(k), k).toBe(false);
    tf.dispose([x, a, b]);
    plain.dispose();
    folded.dispose();
  }, 60_000);

  it('gives ResNet50 the same pooled features and softmax', async () => {
    const plain = resnet50();
    randomizeBatchNorms(plain, 99);
    const folded = await foldBatchNorms(plain);
    expect(classes(folded)).not.toContain('BatchNormalization');
    expect(folded.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['conv1_conv', 'conv5_block3_3_conv', 'conv5_block3_out', 'avg_pool', 'predictions']));
    // conv - bn - relu became one layer; the shortcut's conv - bn (no relu) too.
    expect((folded.getLayer('conv2_block1_1_conv').getConfig() as { activation: string }).activation).toBe('relu');
    expect((folded.getLayer('conv2_block1_0_conv').getConfig() as { activation: string }).activation).toBe('linear');
    const x = tf.randomUniform([2, 224, 224, 3], -100, 100, 'float32', 11);
    const upTo = (m: tf.LayersModel) => tf.model({ inputs: m.inputs, outputs: m.getLayer('avg_pool').output as tf.SymbolicTensor });
    const [pa, pb] = [upTo(plain).predict(x) as tf.Tensor, upTo(folded).predict(x) as tf.Tensor];
    expect(maxDiff(pa, pb) / pa.abs().max().dataSync()[0]!).toBeLessThan(1e-5);
    const [sa, sb] = [plain.predict(x) as tf.Tensor, folded.predict(x) as tf.Tensor];
    expect(maxDiff(sa, sb)).toBeLessThan(1e-4);
    tf.dispose([x, pa, pb, sa, sb]);
    plain.dispose();
    folded.dispose();
  }, 120_000);

  it('folds sequential models, depth multipliers, biases, scale/center off and ReLU layers; leaves the rest', async () => {
    const plain = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 4, kernelSize: 3, padding: 'same', useBias: true, biasInitializer: 'randomNormal' }),
        tf.layers.batchNormalization({ scale: false }),
        tf.layers.reLU({ maxValue: 6 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, useBias: false }),
        tf.layers.batchNormalization({ center: false, epsilon: 0.01 }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.conv2d({ filters: 5, kernelSize: 1 }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'tanh' }), // not fusable: stays a layer of its own
        tf.layers.batchNormalization(), // after an activation: nothing to fold into
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    randomizeBatchNorms(plain, 7);
    const folded = await foldBatchNorms(plain);
    expect(classes(folded)).toEqual(['Conv2D', 'DepthwiseConv2D', 'Conv2D', 'Activation', 'BatchNormalization', 'Flatten', 'Dense']);
    const x = tf.randomUniform([4, 12, 12, 3], -3, 3, 'float32', 3);
    const [a, b] = [plain.predict(x) as tf.Tensor, folded.predict(x) as tf.Tensor];
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
    plain.dispose();
    folded.dispose();
  });

  it('adds residuals without copying the first input', async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([input, bn]) as tf.SymbolicTensor;
    const plain = tf.model({ inputs: input, outputs: tf.layers.activation({ activation: 'relu' }).apply(sum) as tf.SymbolicTensor });
    randomizeBatchNorms(plain, 5);
    const folded = await foldBatchNorms(plain);
    expect(classes(folded)).toEqual(['InputLayer', 'Conv2D', 'Add', 'Activation']);
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 9);
    // tf.profile hands back one shared object: count before profiling again.
    const copiesIn = async (m: tf.LayersModel) => {
      const p = await tf.profile(() => m.predict(x) as tf.Tensor);
      return { result: p.result as tf.Tensor, copies: p.kernels.filter((k) => k.name === 'Identity').length };
    };
    const [f, a] = [await copiesIn(folded), await copiesIn(plain)];
    // The stock Add copies its first input before adding.
    expect(f.copies).toBe(a.copies - 1);
    expect(maxDiff(a.result, f.result)).toBeLessThan(1e-5);
    tf.dispose([x, a.result, f.result]);
    plain.dispose();
    folded.dispose();
  });

  it('leaves a convolution whose output is also used elsewhere, and returns a model with nothing to fold as it is', async () => {
    const input = tf.input({ shape: [8, 8, 2] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([conv, bn]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum });
    expect(await foldBatchNorms(model)).toBe(model);
    model.dispose();
  });

  it('saves as plain Keras layers that load again, and still trains', async () => {
    const plain = await loadLayersModelFromDir(path.join(mirrorDir, 'mobilenet_v1_0.75_224'));
    const folded = await foldBatchNorms(plain);
    plain.dispose();
    let saved!: tf.io.ModelArtifacts;
    await folded.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const json = JSON.stringify(saved.modelTopology);
    expect(json).toContain('"class_name":"DepthwiseConv2D"');
    expect(json).not.toMatch(/Fused/);
    const again = await tf.loadLayersModel(tf.io.fromMemory(saved));
    const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 5);
    const [a, b] = [folded.predict(x) as tf.Tensor, again.predict(x) as tf.Tensor];
    expect(maxDiff(a, b)).toBe(0);
    // Gradients flow through the fused layers (tf.fused falls back to separate ops under a tape).
    const head = tf.model({ inputs: folded.inputs, outputs: folded.getLayer('conv_pw_1').output as tf.SymbolicTensor });
    const opt = tf.train.sgd(1e-3);
    const before = head.getLayer('conv_pw_1').getWeights()[0]!.clone();
    opt.minimize(() => (head.apply(x) as tf.Tensor).square().mean() as tf.Scalar);
    expect(maxDiff(before, head.getLayer('conv_pw_1').getWeights()[0]!)).toBeGreaterThan(0);
    tf.dispose([x, a, b, before]);
    opt.dispose();
    folded.dispose();
    again.dispose();
  }, 60_000);

  it('is what the loader gives for the zoo models', async () => {
    const { classifier } = await loadModel('mobilenet', { cacheDir: await tempDir(), mirrorDir, fetch: noNetwork });
    expect(classes(classifier.model)).not.toContain('BatchNormalization');
    classifier.dispose();
  });
});
