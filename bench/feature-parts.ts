// Transfer feature extraction taken apart (issue 16): the same CIFAR-10 photos decoded first (sharp,
// 32 at a time), then MobileNet alone over the decoded photos in batches, each phase's wall and CPU
// time per photo and its CPU by thread. Against bench/bulk.ts (the pipeline), it says what the
// pipeline costs beyond its parts.
//   node bin/run-ts.js bench/feature-parts.ts [--photos 400] [--batch 8] [--shared DIR]
// CLASSIFIER_WASM_THREADS=1 for one wasm thread.
import * as tf from '@tensorflow/tfjs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/core/backend.ts';
import { decodeImage, type DecodedImage } from '../src-main/core/images/decode.ts';
import { preprocessBatch } from '../src-main/core/models/preprocess.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { option } from './each-backend.ts';
import { threadCpu, threadCpuReport } from './thread-cpu.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const shared = option(args, '--shared') ?? path.resolve(here, '../../shared');
const photos = Number(option(args, '--photos') ?? 400);
const batch = Number(option(args, '--batch') ?? 8);
const report = await initBackend();
const root = path.join(shared, 'datasets/cifar10/train');
const files: string[] = [];
const classes = (await readdir(root)).sort();
for (const c of classes) for (const f of (await readdir(path.join(root, c))).sort().slice(0, Math.ceil(photos / classes.length))) files.push(path.join(root, c, f));
files.length = Math.min(files.length, photos);
const n = files.length;
const cacheDir = path.join(os.tmpdir(), 'cs-bench-feature-parts');
const backbone = await loadBackbone('mobilenet', { cacheDir, mirrorDir: path.join(shared, 'models'), offline: true });
const [h, w] = backbone.inputSize;

async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const th0 = threadCpu();
  const result = await run();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  console.log(`${name}: wall ${(wall / n).toFixed(2)} ms/photo, CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms/photo, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`  CPU ms per photo by thread: ${threadCpuReport(th0, threadCpu(), n)}`);
  return result;
}

// Warm: the first batch compiles and allocates.
tf.tidy(() => (backbone.features.predict(tf.zeros([batch, h, w, 3])) as tf.Tensor).dataSync());
const opts = { width: w, height: h, channels: 3 as const, resize: 'bilinear' as const, fit: backbone.fit };
const images = await phase('decode (read, sharp, 32 at a time)', async () => {
  const out: DecodedImage[] = [];
  for (let i = 0; i < n; i += 32) out.push(...(await Promise.all(files.slice(i, i + 32).map(async (f) => decodeImage(await readFile(f), opts)))));
  return out;
});
await phase(`mobilenet alone, batch ${batch}, ${report.backend}${report.threads ? ` (${report.threads} threads)` : ''}`, async () => {
  for (let i = 0; i < n; i += batch) {
    const out = tf.tidy(
      () =>
        backbone.features.predict(
          preprocessBatch(
            images.slice(i, i + batch).map((m) => m.data),
            h,
            w,
            3,
            backbone.preprocessing,
          ),
        ) as tf.Tensor,
    );
    await out.data();
    out.dispose();
  }
});
backbone.classifier.dispose();
process.exit(0);
