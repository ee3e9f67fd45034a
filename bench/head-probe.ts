// The head alone on pooled features derived from cached fine-tuning activations (issue 16): which
// head settings are worth fine-tuning with, in seconds rather than the minutes of a fine-tuning run.
// Reads (or extracts into --cache) the activations at MobileNet's 3-layer split of --per-class
// training photos a class and --test-per-class test photos a class (the transfer run's seeded
// choice), with --flip their flipped copies too, and trains each head in --heads on the pooled features.
//   node bin/run-ts.js bench/head-probe.ts [--per-class 500] [--test-per-class 200] [--cache DIR] [--flip]
//     [--heads 'units=1024,dropout=0.75,epochs=10;units=1024,dropout=0.5,epochs=30,flip=1']
// A head: units, dropout, epochs, lr (Adam), l2 (on the dense kernels), smooth (label smoothing), flip
// (1: the flipped copies' features join the training set), val (the validation fraction, 0.2).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { listClassFolders } from '../src-main/core/datasets/folder.ts';
import { featureKeyOf } from '../src-main/core/transfer/feature-cache.ts';
import { ActivationCache } from '../src-main/core/transfer/activation-cache.ts';
import { extractActivations, pooledFeatures, type Activations } from '../src-main/core/transfer/activations.ts';
import type { Features } from '../src-main/core/transfer/features.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { perClass } from '../src-main/core/transfer/run.ts';
import { splitBackbone } from '../src-main/core/transfer/split.ts';
import { mulberry32, shuffled } from '../src-main/core/training/random.ts';
import { option } from './each-backend.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dataset = option(args, '--dataset') ?? path.resolve(here, '../../shared/datasets/cifar10');
const cacheDir = option(args, '--cache') ?? path.resolve(here, 'results/fine-tune-cache');
const perClassN = Number(option(args, '--per-class') ?? 500);
const testPerClass = Number(option(args, '--test-per-class') ?? 200);
const heads = (option(args, '--heads') ?? 'units=1024,dropout=0.75,epochs=10')
  .split(';')
  .map((h) => Object.fromEntries(h.split(',').map((kv) => kv.split('=').map((v, i) => (i ? Number(v) : v)))) as Record<string, number>);
const wantFlip = args.includes('--flip') || heads.some((h) => h.flip);

await initBackend('wasm');
const backbone = await loadBackbone('mobilenet', { cacheDir, mirrorDir: path.resolve(here, '../../shared/models'), offline: true });
const split = splitBackbone(backbone, 3);
const key = featureKeyOf(backbone, split.length);
const cache = new ActivationCache(cacheDir, key, split.layer);
const flipCache = new ActivationCache(cacheDir, key, split.layer, true);
const train = perClass(await listClassFolders(path.join(dataset, 'train')), perClassN, 1337);
const test = perClass(await listClassFolders(path.join(dataset, 'test')), testPerClass, 1337);
const t0 = performance.now();
const trainActs = await extractActivations(train, backbone, split, cache);
const flipActs = wantFlip ? await extractActivations({ files: trainActs.files, labels: trainActs.labels }, backbone, split, flipCache, { flip: true }) : undefined;
const testActs = await extractActivations(test, backbone, split, cache);
console.error(`activations: ${trainActs.computed + testActs.computed + (flipActs?.computed ?? 0)} computed in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const F = backbone.featureLength;
// The pooled features are kept beside the activations (a few MB), so another set of heads starts at once.
const pooled = async (name: string, acts: Activations, c: ActivationCache): Promise<Features> => {
  const file = path.join(cacheDir, `pooled-${name}-${acts.labels.length}.f32`);
  const kept = await readFile(file).catch(() => undefined);
  if (kept) return { ...acts, x: new Float32Array(kept.buffer, kept.byteOffset, kept.length / 4) };
  const f = await pooledFeatures(acts, split, c, F);
  await writeFile(file, new Uint8Array(f.x.buffer, f.x.byteOffset, f.x.byteLength));
  return f;
};
const trainF = await pooled('train', trainActs, cache);
const testF = await pooled('test', testActs, cache);
const flipF = flipActs && (await pooled('flipped', flipActs, flipCache));

const rows = (x: Float32Array, idx: number[]) => {
  const out = new Float32Array(idx.length * F);
  idx.forEach((i, k) => out.set(x.subarray(i * F, (i + 1) * F), k * F));
  return tf.tensor2d(out, [idx.length, F]);
};
const oneHot = (labels: Int32Array, idx: number[], smooth: number) =>
  tf.tidy(() =>
    tf
      .oneHot(
        tf.tensor1d(
          idx.map((i) => labels[i]!),
          'int32',
        ),
        10,
      )
      .toFloat()
      .mul(1 - smooth)
      .add(smooth / 10),
  );

console.log('| head | val_acc (best epoch) | test accuracy | s |');
console.log('|---|---|---|---|');
for (const h of heads) {
  const { units = 1024, dropout = 0.75, epochs = 10, lr = 1e-3, l2 = 0, smooth = 0, flip = 0, val = 0.2 } = h;
  const n = trainF.labels.length;
  const order = shuffled(n, mulberry32(1337));
  const trainCount = n - Math.floor(n * val);
  const [tIdx, vIdx] = [order.slice(0, trainCount), order.slice(trainCount)];
  tf.engine().startScope();
  const reg = l2 ? tf.regularizers.l2({ l2 }) : undefined;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [F], units, activation: 'relu', kernelRegularizer: reg, kernelInitializer: tf.initializers.glorotUniform({ seed: 1338 }) }),
      tf.layers.dropout({ rate: dropout }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: reg, kernelInitializer: tf.initializers.glorotUniform({ seed: 1339 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  let x = rows(trainF.x, tIdx);
  let y = oneHot(trainF.labels, tIdx, smooth);
  if (flip && flipF) {
    x = tf.concat([x, rows(flipF.x, tIdx)]);
    y = tf.concat([y, oneHot(trainF.labels, tIdx, smooth)]);
  }
  const vx = vIdx.length ? rows(trainF.x, vIdx) : undefined;
  const vy = vIdx.length ? oneHot(trainF.labels, vIdx, 0) : undefined;
  const testIdx = Array.from({ length: testF.labels.length }, (_, i) => i);
  const tx = rows(testF.x, testIdx);
  const ty = oneHot(testF.labels, testIdx, 0);
  const t = performance.now();
  // Best epoch by validation loss, as the transfer run keeps it; its test accuracy.
  let best = { loss: Infinity, acc: 0, epoch: 0, test: 0 };
  for (let e = 1; e <= epochs; e++) {
    await model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: true, verbose: 0 });
    const [vl, va] = vx ? (model.evaluate(vx, vy!) as tf.Scalar[]).map((s) => s.dataSync()[0]!) : [0, 0];
    const ta = (model.evaluate(tx, ty) as tf.Scalar[])[1]!.dataSync()[0]!;
    if (!vx || vl! < best.loss) best = { loss: vl!, acc: va!, epoch: e, test: ta };
    console.error(`  epoch ${e}: val_loss ${vl!.toFixed(4)} val_acc ${va!.toFixed(4)} test ${ta.toFixed(4)}`);
  }
  console.log(
    `| ${Object.entries(h)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} | ${best.acc.toFixed(4)} (${best.epoch}) | ${(best.test * 100).toFixed(2)}% | ${((performance.now() - t) / 1000).toFixed(0)} |`,
  );
  tf.engine().endScope();
}
