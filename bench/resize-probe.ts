// Which resampling filter gives MobileNet's pooled features the most to learn from, when CIFAR-10's
// 32x32 photos are enlarged to 224x224 (issue 16): a head trained on each filter's features.
//   node bin/run-ts.js bench/resize-probe.ts [--per-class 200] [--test-per-class 100] [--kernels lanczos3,linear]
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { option } from './each-backend.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const shared = path.resolve(here, '../../shared');
const perClass = Number(option(args, '--per-class') ?? 200);
const testPerClass = Number(option(args, '--test-per-class') ?? 100);
type Kernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
const kernels = (option(args, '--kernels') ?? 'lanczos3,cubic,linear,nearest').split(',') as Kernel[];
await initBackend('wasm');
const backbone = await loadBackbone('mobilenet', { cacheDir: '/tmp/s25/probe-cache', mirrorDir: path.join(shared, 'models'), offline: true });

async function list(split: string, n: number): Promise<{ files: string[]; labels: number[] }> {
  const root = path.join(shared, 'datasets/cifar10', split);
  const classes = (await readdir(root)).sort();
  const files: string[] = [];
  const labels: number[] = [];
  for (const [c, name] of classes.entries()) {
    for (const f of (await readdir(path.join(root, name))).sort().slice(0, n)) {
      files.push(path.join(root, name, f));
      labels.push(c);
    }
  }
  return { files, labels };
}

async function features(files: string[], kernel: Kernel): Promise<Float32Array> {
  const out = new Float32Array(files.length * backbone.featureLength);
  for (let i = 0; i < files.length; i += 8) {
    const batch = await Promise.all(
      files.slice(i, i + 8).map(
        async (f) =>
          new Uint8Array(
            await sharp(await readFile(f))
              .removeAlpha()
              .resize(224, 224, { fit: 'fill', kernel })
              .raw()
              .toBuffer(),
          ),
      ),
    );
    const y = tf.tidy(() => backbone.features.predict(preprocessBatch(batch, 224, 224, 3, backbone.preprocessing)) as tf.Tensor);
    out.set(await y.data(), i * backbone.featureLength);
    y.dispose();
  }
  return out;
}

/** A head as the transfer run builds it (dense 1024 relu, dropout 0.5, softmax), Adam 1e-3, best test accuracy over epochs. */
async function head(x: Float32Array, y: number[], tx: Float32Array, ty: number[]): Promise<number[]> {
  const f = backbone.featureLength;
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [f], units: 1024, activation: 'relu' }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor2d(x, [y.length, f]);
  const ys = tf.tensor1d(y, 'float32');
  const txs = tf.tensor2d(tx, [ty.length, f]);
  const tys = tf.tensor1d(ty, 'float32');
  const h = await model.fit(xs, ys, { epochs: 15, batchSize: 32, shuffle: true, validationData: [txs, tys], verbose: 0 });
  tf.dispose([xs, ys, txs, tys]);
  model.dispose();
  return (h.history.val_acc as number[]) ?? (h.history.val_accuracy as number[]);
}

const train = await list('train', perClass);
const test = await list('test', testPerClass);
for (const kernel of kernels) {
  const t = performance.now();
  const x = await features(train.files, kernel);
  const tx = await features(test.files, kernel);
  const acc = await head(x, train.labels, tx, test.labels);
  const last5 = acc.slice(-5);
  console.log(
    `${kernel}: test accuracy over epochs 11-15: ${last5.map((a) => (a * 100).toFixed(1)).join(', ')} (mean ${((last5.reduce((a, b) => a + b, 0) / 5) * 100).toFixed(2)}%), ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
}
