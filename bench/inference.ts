// Inference speed of the zoo's models on every backend present, as the app loads them, and on
// stock TensorFlow.js (wasm as it starts in Node, one thread; the networks unchanged) in the same run.
//   node bin/run-ts.js bench/inference.ts [--mirror DIR] [--json]
// Each backend runs in a child process of its own, because a process keeps one backend.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { resnet50 } from '../src-main/core/models/resnet50.ts';
import { loadLayersModelFromDir } from '../src-main/core/models/layers-io.ts';
import { resolveStorage } from '../src-main/core/paths.ts';
import { option, runPerBackend } from './each-backend.ts';

const here = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const opt = (name: string) => option(args, name);
const mirrorDir = opt('--mirror') ?? path.resolve(path.dirname(here), '../../shared/models');

interface Row {
  backend: string;
  model: string;
  weights: string;
  batch: number;
  msPerImage: number;
  runs: number;
}

/** Median ms per image over runs that together take about `budgetMs`. */
async function time(model: tf.LayersModel, batch: number, budgetMs: number): Promise<{ ms: number; runs: number }> {
  const input = tf.randomUniform([batch, 224, 224, 3], -1, 1);
  const once = async () => {
    const t = performance.now();
    const out = model.predict(input) as tf.Tensor;
    await out.data();
    out.dispose();
    return performance.now() - t;
  };
  await once(); // warm-up: kernels and memory
  const times = [await once()];
  while (times.reduce((a, b) => a + b, 0) < budgetMs && times.length < 20) times.push(await once());
  input.dispose();
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]! / batch, runs: times.length };
}

async function child(backend: string, label: string, stock: boolean): Promise<void> {
  await initBackend(backend);
  const rows: Row[] = [];
  const budget = backend === 'cpu' ? 20_000 : 8_000;
  const timeAll = async (model: tf.LayersModel, name: string, weights: string) => {
    for (const batch of [1, 8]) rows.push({ backend: label, model: name, weights, batch, ...rename(await time(model, batch, budget)) });
    model.dispose();
  };
  // Without ResNet50's weights file (none here): the same network with random weights, the same arithmetic.
  const random = 'random (no ResNet50 .h5 here)';
  if (stock) {
    // The networks as TensorFlow.js runs them: batch norms and activations are layers of their own.
    await timeAll(await loadLayersModelFromDir(path.join(mirrorDir, 'mobilenet_v1_0.75_224')), 'mobilenet', 'imagenet');
    await timeAll(resnet50(), 'resnet50', random);
  } else {
    // Imported here only: they register the app's layer classes, which stock must not have.
    const { loadModel } = await import('../src-main/core/zoo/load.ts');
    const { foldBatchNorms } = await import('../src-main/core/models/fold-batch-norms.ts');
    const storage = { ...resolveStorage({ mirrorDir }), offline: true };
    await timeAll((await loadModel('mobilenet', storage)).classifier.model, 'mobilenet', 'imagenet');
    const loaded = await loadModel('resnet50', storage).catch(() => undefined);
    if (loaded) await timeAll(loaded.classifier.model, 'resnet50', 'imagenet');
    else {
      const plain = resnet50();
      await timeAll(await foldBatchNorms(plain), 'resnet50', random); // folded, as the app loads it
      plain.dispose();
    }
  }
  process.stdout.write(JSON.stringify(rows) + '\n');
}

function rename(t: { ms: number; runs: number }) {
  return { msPerImage: Math.round(t.ms * 10) / 10, runs: t.runs };
}

function parent(): void {
  // Stock TensorFlow.js in the same run: its wasm backend as it starts in Node (one thread), plain models.
  const stock = { backend: 'wasm', label: 'stock wasm', env: { CLASSIFIER_WASM_THREADS: '1' }, args: ['--stock'] };
  const rows = runPerBackend<Row>(here, ['--mirror', mirrorDir], [stock]);
  if (args.includes('--json')) {
    console.log(JSON.stringify(rows));
    return;
  }
  console.log(`| backend | model | weights | batch | ms / image | runs |\n|---|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.backend} | ${r.model} | ${r.weights} | ${r.batch} | ${r.msPerImage} | ${r.runs} |`);
}

const childBackend = opt('--child');
if (childBackend) await child(childBackend, opt('--label') ?? childBackend, args.includes('--stock'));
else parent();
