// Scale (issue 16): transfer feature extraction over every CIFAR-10 training photo (50,000) with an
// empty feature cache, the code path `transfer` runs (extractFeatures, MobileNet, the backend
// initBackend picks), sampling the process's memory every `--every` photos: RSS, V8 heap used,
// external and arrayBuffers, and tf.memory(). Prints a table and the spread (max - min) of each
// after the first `--settle` photos, then what the cache holds on disk.
// The result itself grows by design (the features of every photo: 50,000 x 768 float32 = 154 MB,
// filled as photos are done), so its size is printed beside the figures to read them against.
//   node bin/run-ts.js bench/extraction-memory.ts [--photos 50000] [--every 1000] [--settle 2000] [--split train] [--keep] [--shared DIR]
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { FeatureCache, featureKeyOf } from '../src-main/core/transfer/feature-cache.ts';
import { extractFeatures } from '../src-main/core/transfer/features.ts';
import { option } from './each-backend.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const shared = option(args, '--shared') ?? path.resolve(here, '../../shared');
const limit = Number(option(args, '--photos') ?? Infinity);
const every = Number(option(args, '--every') ?? 1000);
const settle = Number(option(args, '--settle') ?? 2000);
const split = option(args, '--split') ?? 'train';
const mirrorDir = path.join(shared, 'models');
const work = await mkdtemp(path.join(os.tmpdir(), 'cs-bench-extraction-memory-'));

const MB = 1024 * 1024;
interface Sample {
  done: number;
  seconds: number;
  rss: number;
  heap: number;
  external: number;
  arrayBuffers: number;
  tensors: number;
  tensorBytes: number;
  load: number;
}
const samples: Sample[] = [];
const t0 = performance.now();
const sample = (done: number): Sample => {
  const m = process.memoryUsage();
  const t = tf.memory();
  const s = {
    done,
    seconds: (performance.now() - t0) / 1000,
    rss: m.rss / MB,
    heap: m.heapUsed / MB,
    external: m.external / MB,
    arrayBuffers: m.arrayBuffers / MB,
    tensors: t.numTensors,
    tensorBytes: t.numBytes / MB,
    load: os.loadavg()[0]!,
  };
  samples.push(s);
  const prev = samples.at(-2);
  const rate = prev ? (s.done - prev.done) / (s.seconds - prev.seconds) : 0;
  console.log(
    [
      String(s.done).padStart(6),
      s.seconds.toFixed(0).padStart(6),
      rate.toFixed(1).padStart(6),
      s.rss.toFixed(0).padStart(6),
      s.heap.toFixed(0).padStart(6),
      s.external.toFixed(0).padStart(6),
      s.arrayBuffers.toFixed(0).padStart(6),
      String(s.tensors).padStart(6),
      s.tensorBytes.toFixed(1).padStart(7),
      s.load.toFixed(1).padStart(5),
    ].join(' |'),
  );
  return s;
};

const report = await initBackend();
const root = path.join(shared, 'datasets/cifar10', split);
const classes = (await readdir(root)).sort();
const files: string[] = [];
const labels: number[] = [];
for (const [k, c] of classes.entries()) {
  for (const f of (await readdir(path.join(root, c))).sort()) {
    files.push(path.join(root, c, f));
    labels.push(k);
  }
}
// Interleaved by class, as a real folder's photos do not come one class at a time either; cut to --photos.
const order = files.map((_, i) => i).sort((a, b) => (a % 5000) - (b % 5000) || labels[a]! - labels[b]!);
const list = order.slice(0, Math.min(limit, order.length));
const backbone = await loadBackbone('mobilenet', { cacheDir: path.join(work, 'models'), mirrorDir, offline: true });
const cache = new FeatureCache(path.join(work, 'cache'), featureKeyOf(backbone));
console.log(
  `MobileNet features (${backbone.featureLength}) on ${report.backend}${report.threads ? ` (${report.threads} threads)` : ''}, ${list.length} CIFAR-10 ${split} photos, empty cache in ${cache.dir}; the result will hold ${((list.length * backbone.featureLength * 4) / MB).toFixed(0)} MB of features`,
);
console.log(' photos |     s | ph/s | RSS MB | heap | extern | arrBuf | tensors | tf MB | load');
sample(0);
let nextSample = every;
const features = await extractFeatures({ files: list.map((i) => files[i]!), labels: Int32Array.from(list.map((i) => labels[i]!)) }, backbone, cache, {
  onProgress: (done) => {
    if (done >= nextSample) {
      sample(done);
      nextSample += every;
    }
  },
});
const last = sample(features.labels.length);
console.log(
  `done: ${features.computed} computed, ${features.cached} cached, ${features.skipped.length} skipped, ${(last.done / last.seconds).toFixed(1)} photos/s overall, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);

const after = samples.filter((s) => s.done >= settle && s.done < features.labels.length);
if (after.length > 1) {
  const spread = (pick: (s: Sample) => number) => {
    const v = after.map(pick);
    return `${(Math.max(...v) - Math.min(...v)).toFixed(1)} (${Math.min(...v).toFixed(1)}..${Math.max(...v).toFixed(1)})`;
  };
  // The result fills as photos are done: its share of the RSS growth is expected.
  const resultMB = ((after.at(-1)!.done - after[0]!.done) * backbone.featureLength * 4) / MB;
  console.log(`spread from ${after[0]!.done} to ${after.at(-1)!.done} photos (max - min, MB unless said):`);
  console.log(`  RSS ${spread((s) => s.rss)}; features written into the result meanwhile: ${resultMB.toFixed(0)} MB`);
  console.log(`  heap used ${spread((s) => s.heap)}`);
  console.log(`  external ${spread((s) => s.external)}, arrayBuffers ${spread((s) => s.arrayBuffers)}`);
  console.log(`  tensors ${spread((s) => s.tensors)}, tensor MB ${spread((s) => s.tensorBytes)}`);
  console.log(`  load average (1 min) ${spread((s) => s.load)}`);
}

// What the cache holds on disk: files, their bytes, and the blocks they take (`du`).
let count = 0;
let bytes = 0;
for (const d of await readdir(cache.dir)) {
  for (const f of await readdir(path.join(cache.dir, d))) {
    count++;
    bytes += (await stat(path.join(cache.dir, d, f))).size;
  }
}
const du = execFileSync('du', ['-s', '--block-size=1', cache.dir], { encoding: 'utf8' }).split('\t')[0];
console.log(`cache on disk: ${count} files, ${(bytes / MB).toFixed(1)} MB of features, ${(Number(du) / MB).toFixed(1)} MB of blocks with the folders (du)`);
backbone.classifier.dispose();
if (args.includes('--keep')) console.log(`kept ${work}`);
else await rm(work, { recursive: true, force: true });
