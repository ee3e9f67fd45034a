// Inference speed of the zoo's models on every backend present.
//   node bin/run-ts.js bench/inference.ts [--mirror DIR] [--json]
// Each backend runs in a child process of its own, because a process keeps one backend.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { foldBatchNorms } from '../src-main/core/models/fold-batch-norms.ts';
import { resnet50 } from '../src-main/core/models/resnet50.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { resolveStorage } from '../src-main/core/paths.ts';
import { option, runPerBackend } from './each-backend.ts';

const here = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const opt = (name: string) => option(args, name);
const mirrorDir = opt('--mirror') ?? path.resolve(path.dirname(here), '../../shared/models');

interface Row { backend: string; model: string; weights: string; batch: number; msPerImage: number; runs: number }

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

async function child(backend: string): Promise<void> {
  await initBackend(backend);
  const rows: Row[] = [];
  const storage = resolveStorage({ mirrorDir });
  const budget = backend === 'cpu' ? 20_000 : 8_000;
  const { classifier } = await loadModel('mobilenet', { ...storage, offline: true });
  for (const batch of [1, 8]) rows.push({ backend, model: 'mobilenet', weights: 'imagenet', batch, ...rename(await time(classifier.model, batch, budget)) });
  classifier.dispose();
  // The app loads ResNet50 with its batch norms folded into the convolutions; without the weights
  // file here, the plain network is timed too, with random weights, beside its folded form.
  let weights = 'random (no ResNet50 .h5 here)';
  let plain: tf.LayersModel | undefined;
  let folded: tf.LayersModel;
  try {
    folded = (await loadModel('resnet50', { ...storage, offline: true })).classifier.model;
    weights = 'imagenet';
  } catch {
    plain = resnet50();
    folded = await foldBatchNorms(plain);
  }
  if (plain) for (const batch of [1, 8]) rows.push({ backend, model: 'resnet50 (plain)', weights, batch, ...rename(await time(plain, batch, budget)) });
  for (const batch of [1, 8]) rows.push({ backend, model: 'resnet50 (BN folded, as loaded)', weights, batch, ...rename(await time(folded, batch, budget)) });
  plain?.dispose();
  folded.dispose();
  process.stdout.write(JSON.stringify(rows) + '\n');
}

function rename(t: { ms: number; runs: number }) {
  return { msPerImage: Math.round(t.ms * 10) / 10, runs: t.runs };
}

function parent(): void {
  const rows = runPerBackend<Row>(here, ['--mirror', mirrorDir]);
  if (args.includes('--json')) {
    console.log(JSON.stringify(rows));
    return;
  }
  console.log(`| backend | model | weights | batch | ms / image | runs |\n|---|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.backend} | ${r.model} | ${r.weights} | ${r.batch} | ${r.msPerImage} | ${r.runs} |`);
}

const childBackend = opt('--child');
if (childBackend) await child(childBackend);
else parent();
