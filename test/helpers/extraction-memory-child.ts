// Run by test/extraction-memory.test.ts as `node --expose-gc bin/run-ts.js <this> <shared> <photos> <passes>`:
// feature extraction as `transfer` runs it (MobileNet, an empty feature cache each pass), over
// different real CIFAR-10 photos each pass, and the process's memory after each pass with the
// result dropped and the garbage collected, printed as one JSON line. A child of its own, so
// that gc() is there and nothing else the test runner holds moves the figures.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/core/backend.ts';
import { loadBackbone } from '../../src-main/core/transfer/backbone.ts';
import { FeatureCache, featureKeyOf } from '../../src-main/core/transfer/feature-cache.ts';
import { extractFeatures } from '../../src-main/core/transfer/features.ts';

const [shared, photos, passes] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
await initBackend();
const root = path.join(shared, 'datasets/cifar10/train');
const classes = (await readdir(root)).sort();
const byClass = await Promise.all(classes.map(async (c) => (await readdir(path.join(root, c))).sort().map((f) => path.join(root, c, f))));
const work = await mkdtemp(path.join(os.tmpdir(), 'cs-extraction-memory-'));
const backbone = await loadBackbone('mobilenet', { cacheDir: path.join(work, 'models'), mirrorDir: path.join(shared, 'models'), offline: true });
const measure = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  const t = tf.memory();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, numTensors: t.numTensors, numBytes: t.numBytes };
};
const samples = [{ pass: 0, computed: 0, ...measure() }];
for (let pass = 1; pass <= passes; pass++) {
  // Photos no pass has seen, every class in turn.
  const files: string[] = [];
  const labels: number[] = [];
  for (let i = 0; files.length < photos; i++) {
    const k = i % classes.length;
    files.push(byClass[k]![(pass - 1) * Math.ceil(photos / classes.length) + Math.floor(i / classes.length)]!);
    labels.push(k);
  }
  const cache = new FeatureCache(path.join(work, `features-${pass}`), featureKeyOf(backbone));
  const f = await extractFeatures({ files, labels: Int32Array.from(labels) }, backbone, cache);
  samples.push({ pass, computed: f.computed, ...measure() });
}
backbone.classifier.dispose();
await rm(work, { recursive: true, force: true });
console.log(JSON.stringify(samples));
