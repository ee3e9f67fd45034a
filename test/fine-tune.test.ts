// Fine-tuning from cached activations (issue 16): the backbone split where fine-tuning begins,
// the frozen bottom's output cached on disk, and the top trained on it. The gradients are
// those of the whole network on the photos, and the stored model predicts with the whole network.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { decodeImage } from '../src-main/core/images/decode.ts';
import { flipPixels } from '../src-main/core/transfer/features.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';
import { makeLoss } from '../src-main/core/training/losses.ts';
import { ActivationCache } from '../src-main/core/transfer/activation-cache.ts';
import { activationSet, eitherCopy, extractActivations, pooledFeatures } from '../src-main/core/transfer/activations.ts';
import { loadBackbone, type Backbone } from '../src-main/core/transfer/backbone.ts';
import { transferHead } from '../src-main/core/transfer/head.ts';
import { DEFAULT_UNFROZEN, splitBackbone, unfreezeTop } from '../src-main/core/transfer/split.ts';
import { perClass, runTransfer } from '../src-main/core/transfer/run.ts';
import { listClassFolders } from '../src-main/core/datasets/folder.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { toTransferConfig } from '../src-main/service/training-form.ts';
import { foldBatchNorms } from '../src-main/core/models/fold-batch-norms.ts';
import { resnet50 } from '../src-main/core/models/resnet50.ts';
import { parseTransferConfig } from '../src-main/core/transfer/config.ts';
import type { Evaluation, TrainEvent } from '../src-main/shared/train-events.ts';
import { imagenetDevDir, mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';

let env: { cacheDir: string; mirrorDir: string; storeDir: string; offline: boolean };
let backbone: Backbone;

beforeAll(async () => {
  await initBackend('wasm');
  await ensureTrainable();
  env = { cacheDir: await tempDir('cs-ftcache-'), mirrorDir, storeDir: await tempDir('cs-ftstore-'), offline: true };
  backbone = await loadBackbone('mobilenet', env);
});
afterAll(() => backbone?.classifier.dispose());

/**
 * Real ImageNet photos made 224x224 PNGs, so any decoding (resize or centre crop) gives the
 * very pixels the whole network is fed here.
 */
async function photos(count: number): Promise<{ files: string[]; labels: Int32Array }> {
  const dir = await tempDir('cs-ftphotos-');
  await mkdir(dir, { recursive: true });
  const names = (await readdir(imagenetDevDir))
    .filter((f) => f.endsWith('.JPEG'))
    .sort()
    .slice(0, count);
  const files = await Promise.all(
    names.map(async (n, i) => {
      const file = path.join(dir, `${i}.png`);
      await sharp(path.join(imagenetDevDir, n)).resize(224, 224, { fit: 'fill' }).removeAlpha().toColourspace('srgb').png().toFile(file);
      return file;
    }),
  );
  return { files, labels: Int32Array.from(files, (_, i) => i % 2) };
}

const cacheKey = (b: Backbone, length: number) => ({
  backbone: b.id,
  weightsTag: b.weightsTag,
  preprocessing: b.preprocessing,
  resize: 'bilinear',
  inputSize: b.inputSize,
  featureLength: length,
});

describe('the backbone split', () => {
  it('cuts MobileNet before its last 3 layers with weights, at the 7x7x384 map, and the two halves compute the whole', async () => {
    const split = splitBackbone(backbone, DEFAULT_UNFROZEN.mobilenet);
    expect(split.layer).toBe('conv_pw_12');
    expect(split.shape).toEqual([7, 7, 384]);
    expect(split.unfrozen).toEqual(['conv_pw_12', 'conv_dw_13', 'conv_pw_13']);
    // One layer: the last pointwise convolution; 4 layers: the split moves up to the 14x14 map.
    expect(splitBackbone(backbone, 1).shape).toEqual([7, 7, 768]);
    expect(splitBackbone(backbone, 4).shape).toEqual([14, 14, 384]);
    const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 7);
    const whole = backbone.features.predict(x) as tf.Tensor;
    const mid = split.bottom.predict(x) as tf.Tensor;
    const halves = split.top.predict(mid.reshape([2, split.length])) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(whole, halves))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, whole, mid, halves]);
  });

  it('cuts ResNet50 before its last block, where the residual graph has one tensor, moving up from inside a block', async () => {
    // The architecture with random weights (its ImageNet weights are not in ../shared), at 64 px, folded like the zoo's.
    const model = await foldBatchNorms(resnet50({ inputShape: [64, 64, 3], classes: 10 }));
    const pool = model.getLayer('avg_pool');
    const pooled = pool.output as tf.SymbolicTensor;
    const features = tf.model({ inputs: model.inputs, outputs: pooled });
    const fake = { id: 'resnet50', features, pooled, featureLength: 2048, inputSize: [64, 64] } as unknown as Backbone;
    const split = splitBackbone(fake, DEFAULT_UNFROZEN.resnet50);
    expect(split.layer).toBe('conv5_block3_1_conv');
    expect(split.shape).toEqual([2, 2, 2048]);
    expect(split.unfrozen).toEqual(['conv5_block3_1_conv', 'conv5_block3_2_conv', 'conv5_block3_3_conv']);
    // Inside the block the shortcut needs conv5_block2_out too: the cut moves up to the block's input.
    expect(splitBackbone(fake, 2).layer).toBe('conv5_block3_1_conv');
    // One more layer: the whole of block 2 (whose shortcut is its input) joins.
    expect(splitBackbone(fake, 4).unfrozen).toEqual(['conv5_block2_1_conv', 'conv5_block2_2_conv', 'conv5_block2_3_conv', ...split.unfrozen]);
    const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 3);
    const whole = features.predict(x) as tf.Tensor;
    const halves = split.top.predict((split.bottom.predict(x) as tf.Tensor).reshape([2, split.length])) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(whole, halves))).dataSync()[0]! / tf.max(tf.abs(whole)).dataSync()[0]!).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('fine-tuning from cached activations', () => {
  it('gives the gradients of the whole network on real photos (within 1e-4), and reads them from the cache the second time', async () => {
    const list = await photos(6);
    const split = splitBackbone(backbone, DEFAULT_UNFROZEN.mobilenet);
    unfreezeTop(backbone, split);
    const head = transferHead(backbone.featureLength, 2, { units: 16, dropout: 0, seed: 5 });
    const whole = head.attach(backbone.classifier.model.inputs as never, backbone.pooled);
    const fine = head.attach([split.topInput], split.topPooled);
    const cache = new ActivationCache(env.cacheDir, cacheKey(backbone, split.length), split.layer);
    const acts = await extractActivations(list, backbone, split, cache);
    expect([acts.computed, acts.cached, acts.labels.length]).toEqual([6, 0, 6]);
    const again = await extractActivations(list, backbone, split, cache);
    expect([again.computed, again.cached]).toEqual([0, 6]);
    expect(again.hashes).toEqual(acts.hashes);

    const loss = makeLoss({ name: 'sparseCategoricalCrossentropy' } as never);
    const y = tf.tensor1d(list.labels, 'int32');
    const vars = fine.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
    expect(vars.length).toBe(3 * 2 + 2 * 2); // three convolutions and two dense layers, kernel and bias each
    expect(whole.trainableWeights.length).toBe(vars.length);
    const images = await Promise.all(list.files.map((f) => decodeImage(f, { width: 224, height: 224, channels: 3, resize: 'bilinear' })));
    const x = preprocessBatch(
      images.map((i) => i.data),
      224,
      224,
      3,
      backbone.preprocessing,
    );
    const viaWhole = tf.variableGrads(() => loss(y, whole.apply(x, { training: true }) as tf.Tensor2D), vars);
    const rows = await activationSet(acts, cache, ['a', 'b'], { name: 't', source: 't', format: 'folder' }).read([0, 1, 2, 3, 4, 5]);
    const cached = tf.tensor2d(new Float32Array(rows.x.buffer), [6, split.length]);
    const viaCache = tf.variableGrads(() => loss(y, fine.apply(cached, { training: true }) as tf.Tensor2D), vars);
    expect(Math.abs(viaWhole.value.dataSync()[0]! - viaCache.value.dataSync()[0]!)).toBeLessThan(1e-4);
    let worst = 0;
    let largest = 0;
    for (const v of vars) {
      const d = tf.max(tf.abs(tf.sub(viaWhole.grads[v.name]!, viaCache.grads[v.name]!))).dataSync()[0]!;
      worst = Math.max(worst, d);
      largest = Math.max(largest, tf.max(tf.abs(viaWhole.grads[v.name]!)).dataSync()[0]!);
    }
    console.log(`gradients: largest ${largest.toExponential(2)}, worst difference ${worst.toExponential(2)}`);
    expect(largest).toBeGreaterThan(1e-3); // gradients that are there to compare
    expect(worst).toBeLessThan(1e-4);

    // The pooled features the head first trains on are the whole backbone's.
    const pooled = await pooledFeatures(acts, split, cache, backbone.featureLength);
    const direct = (backbone.features.predict(x) as tf.Tensor).dataSync();
    expect(Math.max(...pooled.x.map((v, i) => Math.abs(v - direct[i]!)))).toBeLessThan(1e-5);
    tf.dispose([y, x, cached, viaWhole.value, viaCache.value, ...Object.values(viaWhole.grads), ...Object.values(viaCache.grads)]);
    for (const layer of backbone.features.layers) layer.trainable = false;
  });
});

describe('flipped copies of the training photos', () => {
  it("turns pixels left to right, keeping each pixel's channels together", () => {
    // 3 wide, 2 high, RGB: rows [a b c] [d e f] become [c b a] [f e d].
    const px = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect([...flipPixels(px, 3, 2, 3)]).toEqual([7, 8, 9, 4, 5, 6, 1, 2, 3, 16, 17, 18, 13, 14, 15, 10, 11, 12]);
    expect([...flipPixels(Uint8Array.from([1, 2, 3, 4]), 4, 1, 1)]).toEqual([4, 3, 2, 1]);
  });

  it('caches the activations of each photo turned left to right (those of the flipped photo within 1e-5), and training reads either copy', async () => {
    const list = await photos(3);
    const split = splitBackbone(backbone, DEFAULT_UNFROZEN.mobilenet);
    const cache = new ActivationCache(env.cacheDir, cacheKey(backbone, split.length), split.layer);
    const flipCache = new ActivationCache(env.cacheDir, cacheKey(backbone, split.length), split.layer, true);
    expect(flipCache.dir).not.toBe(cache.dir);
    const acts = await extractActivations(list, backbone, split, cache);
    const flipped = await extractActivations(list, backbone, split, flipCache, { flip: true });
    expect(flipped.hashes).toEqual(acts.hashes);
    expect([flipped.computed, flipped.cached]).toEqual([3, 0]);

    // Reference: the decoded photos flipped by tfjs, through the bottom.
    const images = await Promise.all(list.files.map((f) => decodeImage(f, { width: 224, height: 224, channels: 3, resize: 'bilinear' })));
    const x = preprocessBatch(
      images.map((i) => i.data),
      224,
      224,
      3,
      backbone.preprocessing,
    );
    const turned = tf.image.flipLeftRight(x as tf.Tensor4D);
    const expected = (split.bottom.predict(turned) as tf.Tensor).reshape([3, split.length]);
    const plain = (split.bottom.predict(x) as tf.Tensor).reshape([3, split.length]);
    const got = tf.tensor2d(await flipCache.getAll(flipped.hashes), [3, split.length]);
    expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5);
    // Something to tell apart: the flipped activations are not the photo's own.
    expect(tf.max(tf.abs(tf.sub(got, plain))).dataSync()[0]).toBeGreaterThan(0.1);

    // A set with flipped copies answers each read with one copy or the other, as its coin says.
    const coins = [0.9, 0.1, 0.3]; // plain, flipped, flipped
    const d = { name: 't', source: 't', format: 'folder' };
    const set = eitherCopy(activationSet(acts, cache, ['a', 'b'], d), activationSet(flipped, flipCache, ['a', 'b'], d), () => coins.shift()!);
    const rows = await set.read([0, 1, 2]);
    const read = new Float32Array(rows.x.buffer);
    const n = split.length;
    const [own, other] = [await cache.getAll(acts.hashes), await flipCache.getAll(acts.hashes)];
    expect(read.subarray(0, n)).toEqual(own.subarray(0, n));
    expect(read.subarray(n, 2 * n)).toEqual(other.subarray(n, 2 * n));
    expect(read.subarray(2 * n)).toEqual(other.subarray(2 * n));
    tf.dispose([x, turned, expected, plain, got]);
  });
});

describe('a fine-tuning transfer run on wasm', () => {
  it('says what it unfreezes and how long an epoch takes before training, and stores a whole network that predicts what the run evaluated', async () => {
    const cifar = path.join(sharedDir, 'datasets/cifar10');
    const events: TrainEvent[] = [];
    const done = await runTransfer(
      {
        dataset: cifar,
        limitPerClass: 6,
        testLimitPerClass: 3,
        epochs: 2,
        batchSize: 16,
        out: 'cifar-ft',
        fineTune: { epochs: 1, learningRate: 1e-3 },
      },
      env,
      (e) => events.push(e),
    );
    expect(done.model).toBe('cifar-ft');
    expect(done.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    // One best over head and fine-tuning: each checkpoint beats every one before it, a fine-tuning
    // epoch worse than the head's best is not saved over it, and the best epoch is the lowest val_loss.
    const saves = events.flatMap((e) => (e.event === 'checkpoint' ? [e.value] : []));
    for (let i = 1; i < saves.length; i++) expect(saves[i]!).toBeLessThan(saves[i - 1]!);
    const valLoss = (epoch: number) => done.history.find((h) => h.epoch === epoch)!.val_loss!;
    expect(valLoss(done.bestEpoch!)).toBe(Math.min(...done.history.map((h) => h.val_loss!)));
    const logs = events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
    expect(logs).toContain("fine-tuning: the last 3 layers with weights (conv_pw_12 to conv_pw_13) learn from the 7x7x384 activations at conv_pw_12's input");
    const estimate = events.findIndex(
      (e) => e.event === 'log' && /^fine-tuning estimate on wasm: activations of 90 photos take up to \d+ s .* then about \d+ s per fine-tuning epoch/.test(e.message),
    );
    expect(estimate).toBeGreaterThanOrEqual(0);
    expect(estimate).toBeLessThan(events.findIndex((e) => e.event === 'dataset'));
    expect(logs).toContain('train: activations at conv_pw_12 of 60 images, 60 computed by mobilenet, 0 from the cache');
    const evaluation = events.find((e) => e.event === 'evaluation')!.evaluation as Evaluation;
    expect(evaluation.count).toBe(30);

    // The stored model is the whole network: photo in, class out. It answers every test photo as
    // the run's evaluation (top and head on the cached activations) did, to float precision.
    const { classifier } = await loadModel('cifar-ft', env);
    const tests = perClass(await listClassFolders(path.join(cifar, 'test')), 3, 1337);
    const probs = await classifier.probabilities(await Promise.all(tests.files.map((f) => classifier.decode(f))));
    const right = probs.filter((p, i) => p.indexOf(Math.max(...p)) === tests.labels[i]).length;
    expect(right / tests.files.length).toBeCloseTo(evaluation.accuracy, 6);
    const listed = [...evaluation.misclassified, ...(evaluation.correct ?? [])];
    expect(listed.length).toBeGreaterThan(5);
    for (const m of listed) {
      const p = probs[tests.files.indexOf(m.file!)]!;
      expect(p.indexOf(Math.max(...p))).toBe(m.predicted);
      expect(Math.abs(p[m.predicted]! - m.confidence)).toBeLessThan(1e-4);
    }
    // Fine-tuning moved the unfrozen layers and left the frozen ones as the zoo has them.
    const zoo = (await loadModel('mobilenet', env)).classifier;
    // Compared as bytes: a failing toEqual on 300,000 floats would spend minutes printing its diff.
    const bytes = (m: tf.LayersModel, layer: string) => Buffer.from(m.getLayer(layer).getWeights()[0]!.dataSync().buffer);
    const same = (layer: string) => bytes(classifier.model, layer).equals(bytes(zoo.model, layer));
    expect(same('conv_pw_11')).toBe(true);
    // The stored top is the fine-tuned one exactly when the fine-tuning epoch (3) was the best.
    expect(same('conv_pw_12')).toBe(done.bestEpoch !== 3);
    expect(same('conv_pw_13')).toBe(done.bestEpoch !== 3);
    classifier.dispose();
    zoo.dispose();

    // A second run reads every photo's activations from the cache.
    const again: string[] = [];
    await runTransfer(
      { dataset: cifar, limitPerClass: 6, testLimitPerClass: 3, epochs: 1, batchSize: 16, out: 'cifar-ft-2', fineTune: { epochs: 1 } },
      env,
      (e) => e.event === 'log' && again.push(e.message),
    );
    expect(again).toContain('train: activations at conv_pw_12 of 60 images, 0 computed by mobilenet, 60 from the cache');
  });
});

describe('a fine-tuning run with flipped copies', () => {
  it('extracts the training photos twice, counts them in the estimate, and trains head and top on either copy', async () => {
    const events: TrainEvent[] = [];
    const done = await runTransfer(
      {
        dataset: path.join(sharedDir, 'datasets/cifar10'),
        limitPerClass: 6,
        testLimitPerClass: 3,
        epochs: 1,
        batchSize: 16,
        out: 'cifar-ft-flip',
        fineTune: { epochs: 1, flip: true },
      },
      env,
      (e) => events.push(e),
    );
    expect(done.model).toBe('cifar-ft-flip');
    expect(done.history.map((h) => h.epoch)).toEqual([1, 2]);
    const logs = events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
    // 60 training photos and their 60 flipped copies, 30 test photos.
    expect(logs.some((m) => m.startsWith('fine-tuning estimate on wasm: activations of 150 photos'))).toBe(true);
    expect(logs).toContain('train: flipped copies, 60 computed, 0 from the cache');
    // Progress runs over both passes of the training photos.
    const progress = events.flatMap((e) => (e.event === 'dataset' && e.stage === 'activations (train)' ? [[e.done, e.total]] : []));
    expect(progress.at(-1)).toEqual([120, 120]);
    // The head trained on the 48 training photos (either copy), validated on the 12 held out as they are.
    const start = events.find((e) => e.event === 'start')!;
    expect([start.train, start.validation]).toEqual([48, 12]);
  });
});

describe('the training form', () => {
  it('asks for fine-tuning with its default settings, which the core takes', () => {
    const form = { runId: 'r', dataset: '/photos', network: 'transfer-mobilenet', optimizer: 'adam', learningRate: 0.001, validationSplit: 0.2 } as const;
    expect(toTransferConfig({ ...form, fineTune: true }).fineTune).toEqual({});
    expect(parseTransferConfig(toTransferConfig({ ...form, fineTune: true })).fineTune).toEqual({ epochs: 5, learningRate: 1e-4, flip: false });
    expect(toTransferConfig(form).fineTune).toBeUndefined();
  });
});
