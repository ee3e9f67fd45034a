// Issue 20's GPU figures: each backend of the compute page (webgpu, webgl, its wasm) beside Node's
// wasm, on the same engine code (core/compute/engine.ts): ms per image of MobileNet (real weights
// from ../shared/models) and ResNet50 (random weights: the real ones are not in ../shared, and the
// time does not depend on the values) at batch 1 and 8, and ms per training step of the
// Fashion-MNIST CNN at batch 32. The page runs in Debian's Chromium through Playwright.
//
//   node bin/run-ts.js bench/gpu.ts                 SwiftShader (software), headless: what CI has
//   node bin/run-ts.js bench/gpu.ts --gpu           the machine's real GPU, headless
//   node bin/run-ts.js bench/gpu.ts --gpu --headed  the real GPU in a visible window (some drivers
//                                                   give headless Chromium no GPU)
//   --repeats N (timed runs after one warm-up, default 3), --backends webgl,wasm (default all),
//   --models mobilenet (default mobilenet,resnet50), CLASSIFIER_CHROMIUM=/path/to/chrome,
//   --budget-s S: skip a batch of 8 whose runs would take longer than S seconds by batch 1's time
//   (SwiftShader's WebGPU takes minutes for one ResNet50 batch of 8); skipped cells print "-".
// It serves the built renderer (out/renderer: run `npx electron-vite build` first; the tests' own
// build, test/ui/harness.ts, loads electron.vite.config.ts, which only vite and vitest can load).
//
// The adapter each page backend ran on is printed: "software" means SwiftShader or llvmpipe, and
// those figures are not a GPU's.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { modelFromFiles, recognize, trainSteps, type ModelFiles, type TrainStepsRequest } from '../src-main/core/compute/engine.ts';
import { median } from '../src-main/core/compute/measure.ts';
import type { BackendProbe } from '../src-main/core/compute/port.ts';
import { fashionCnn } from '../src-main/core/models/classic.ts';
import { layersModelFiles } from '../src-main/core/models/layers-io.ts';
import { resnet50 } from '../src-main/core/models/resnet50.ts';
import type { ScoreSpec } from '../src-main/core/models/scores.ts';
import { LossConfig, OptimizerConfig } from '../src-main/core/training/config.ts';
import { hasShared, mirrorDir, tempDir } from '../test/helpers/shared.ts';
import { b64, connect, GPU_ARGS, launchForCompute } from '../test/ui/compute-page.ts';
import { option } from './each-backend.ts';
import { servePages } from '../test/helpers/page-server.ts';

const args = process.argv.slice(2);
const realGpu = args.includes('--gpu');
const headed = args.includes('--headed');
const repeats = Number(option(args, '--repeats') ?? 3);
const budgetMs = Number(option(args, '--budget-s') ?? Infinity) * 1000;
const pageBackends = (option(args, '--backends') ?? 'webgpu,webgl,wasm').split(',');
const modelNames = (option(args, '--models') ?? 'mobilenet,resnet50').split(',') as ('mobilenet' | 'resnet50')[];
const BATCHES = [1, 8];
const TRAIN_BATCH = 32;
const MOBILENET = 'mobilenet_v1_0.75_224';

if (!hasShared) throw new Error(`bench/gpu.ts needs MobileNet's weights in ${mirrorDir} (see ../shared/README.md)`);
const CHROMIUM = process.env.CLASSIFIER_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: set CLASSIFIER_CHROMIUM`);
const rendererDir = path.resolve(import.meta.dirname, '../out/renderer');
if (!existsSync(path.join(rendererDir, 'compute.html'))) throw new Error(`No ${rendererDir}/compute.html: run \`npx electron-vite build\` first`);

const SPECS: Record<(typeof modelNames)[number], ScoreSpec> = {
  mobilenet: { inputSize: [224, 224], channels: 3, preprocessing: 'tf' },
  resnet50: { inputSize: [224, 224], channels: 3, preprocessing: 'caffe' },
};

/** Pictures that look like nothing in particular but are the same every time (as measure.ts's). */
function pictures(n: number, size: number): Uint8Array[] {
  let s = 12345;
  return Array.from({ length: n }, () => Uint8Array.from({ length: size }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % 256));
}

// The models as files, the way main hands them to the page: MobileNet from the mirror, ResNet50
// and the CNN freshly built (their initial weights; only the arithmetic is timed).
const modelsDir = await tempDir();
const files: Record<string, ModelFiles> = {};
{
  const json = await readFile(path.join(mirrorDir, MOBILENET, 'model.json'), 'utf8');
  const paths = (JSON.parse(json) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
  files.mobilenet = { json, shards: await Promise.all(paths.map(async (p) => new Uint8Array(await readFile(path.join(mirrorDir, MOBILENET, p))))) };
}
await initBackend('wasm');
for (const [name, build] of [
  ['resnet50', resnet50],
  ['cnn', fashionCnn],
] as const) {
  if (name === 'resnet50' && !modelNames.includes('resnet50')) continue;
  const model = build();
  const saved = await layersModelFiles(model);
  model.dispose();
  files[name] = { json: saved['model.json'], shards: [saved['weights.bin']] };
  await mkdir(path.join(modelsDir, name), { recursive: true });
  for (const [f, data] of Object.entries(saved)) await writeFile(path.join(modelsDir, name, f), data);
}
await mkdir(path.join(modelsDir, 'mobilenet'), { recursive: true });
await writeFile(path.join(modelsDir, 'mobilenet', 'model.json'), files.mobilenet.json);

const train: Omit<TrainStepsRequest, 'batches'> = {
  shape: [28, 28, 1],
  preprocessing: 'scale01',
  optimizer: OptimizerConfig.parse({ name: 'sgd', learningRate: 0.01 }),
  loss: LossConfig.parse({ name: 'sparse-categorical-crossentropy' }),
};
const trainBatches = Array.from({ length: repeats + 1 }, () => ({ x: pictures(1, TRAIN_BATCH * 784)[0]!, y: Int32Array.from({ length: TRAIN_BATCH }, (_, i) => i % 10) }));

interface Row {
  backend: string;
  adapter: string;
  /** ms per image, by model and batch ("mobilenet@8"). */
  perImage: Record<string, number>;
  trainStepMs?: number;
}
const rows: Row[] = [];

/** A batch's timings into its row (the first run, which compiles, left out) and the log. */
function record(row: Row, name: string, batch: number, ms: number[]): void {
  row.perImage[`${name}@${batch}`] = median(ms.slice(1)) / batch;
  console.log(
    `${row.backend} ${name} batch ${batch}: first ${ms[0]!.toFixed(0)} ms, then ${ms
      .slice(1)
      .map((m) => m.toFixed(0))
      .join(', ')} ms`,
  );
}

/** The built pages; /models/<name>/ are the files above (MobileNet's shards from the mirror). */
function serve(dir: string): Promise<http.Server> {
  return servePages((rel) => {
    const model = /^models\/([^/]+)\/([^/]+)$/.exec(rel);
    if (!model) return path.join(dir, rel);
    return model[1] === 'mobilenet' && model[2] !== 'model.json' ? path.join(mirrorDir, MOBILENET, model[2]!) : path.join(modelsDir, model[1]!, model[2]!);
  });
}

const server = await serve(rendererDir);
// --gpu: leave WebGL to the real GPU (no SwiftShader switch) and ignore Chromium's driver blocklist.
const gpuArgs = realGpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist'] : GPU_ARGS;
const browser = await launchForCompute(CHROMIUM, { gpuArgs, headed });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('compute page:', e.message));
  // tsx keeps function names with an __name helper that code sent by page.evaluate calls.
  await page.addInitScript('globalThis.__name = (f) => f');
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/compute.html`);
  await connect(page);
  type W = Record<string, (...a: unknown[]) => Promise<unknown>>;
  const call = <T>(f: string, ...a: unknown[]) => page.evaluate(([f, a]) => (globalThis as unknown as W)[f]!(...a), [f, a] as const) as Promise<T>;
  const probes = await call<BackendProbe[]>('__call', { kind: 'probe' });
  for (const p of probes.filter((p) => p.backend !== 'cpu'))
    console.log(
      `${p.backend}: ${p.available ? (p.adapter ? `${p.adapter.name}${p.adapter.software ? ' (software: not a GPU figure)' : ''}` : 'available') : `unavailable (${p.detail})`}`,
    );
  for (const probe of probes.filter((p) => p.available && pageBackends.includes(p.backend))) {
    const row: Row = { backend: `page ${probe.backend}`, adapter: probe.adapter ? `${probe.adapter.name}${probe.adapter.software ? ' (software)' : ''}` : '', perImage: {} };
    await call('__call', { kind: 'use', backend: probe.backend });
    for (const name of modelNames) {
      await call('__load', name, `models/${name}`, 'inference');
      for (const batch of BATCHES) {
        const expected = (row.perImage[`${name}@1`] ?? 0) * batch * (repeats + 1);
        if (expected > budgetMs) {
          console.log(`${row.backend} ${name} batch ${batch}: skipped (about ${(expected / 1000).toFixed(0)} s by batch 1's time, over --budget-s)`);
          continue;
        }
        const pixels = pictures(batch, 224 * 224 * 3).map(b64);
        const ms: number[] = [];
        for (let i = 0; i <= repeats; i++) ms.push((await call<{ ms: number }>('__recognize', name, SPECS[name], pixels)).ms);
        record(row, name, batch, ms);
      }
      await call('__call', { kind: 'dispose', name });
    }
    await call('__load', 'cnn', '', 'training', { json: files.cnn!.json, shard: b64(files.cnn!.shards[0]!) });
    const { ms } = await call<{ ms: number[] }>(
      '__train',
      'cnn',
      train,
      trainBatches.map((b) => ({ x: b64(b.x), y: Array.from(b.y) })),
    );
    row.trainStepMs = median(ms.slice(1));
    console.log(`${row.backend} CNN step of ${TRAIN_BATCH}: ${ms.map((m) => m.toFixed(0)).join(', ')} ms`);
    await call('__call', { kind: 'dispose', name: 'cnn' });
    rows.push(row);
  }
} finally {
  await browser.close();
  server.close();
}

// Node's wasm, the same engine code on the same files.
await ensureTrainable();
const row: Row = { backend: `Node ${tf.getBackend()}`, adapter: `${os.cpus().length} CPU threads`, perImage: {} };
for (const name of modelNames) {
  const model = await modelFromFiles(files[name]!, 'inference', name);
  for (const batch of BATCHES) {
    const photos = pictures(batch, 224 * 224 * 3);
    const ms: number[] = [];
    for (let i = 0; i <= repeats; i++) {
      const start = performance.now();
      await recognize(model, SPECS[name], photos);
      ms.push(performance.now() - start);
    }
    record(row, name, batch, ms);
  }
  model.dispose();
}
{
  const cnn = await modelFromFiles(files.cnn!, 'training', 'cnn');
  const { ms } = await trainSteps(cnn, { ...train, batches: trainBatches });
  row.trainStepMs = median(ms.slice(1));
  console.log(`${row.backend} CNN step of ${TRAIN_BATCH}: ${ms.map((m) => m.toFixed(0)).join(', ')} ms`);
  cnn.dispose();
}
rows.push(row);

const columns = modelNames.flatMap((n) => BATCHES.map((b) => `${n}@${b}`));
console.log(`\n| backend | adapter | ${columns.map((c) => `${c.replace('@', ' batch ')} (ms/image)`).join(' | ')} | CNN step of ${TRAIN_BATCH} (ms) |`);
console.log(`|${' --- |'.repeat(columns.length + 3)}`);
for (const r of rows) console.log(`| ${r.backend} | ${r.adapter} | ${columns.map((c) => r.perImage[c]?.toFixed(0) ?? '-').join(' | ')} | ${r.trainStepMs?.toFixed(0) ?? '-'} |`);
console.log(JSON.stringify(rows));
