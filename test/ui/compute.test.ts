// The compute page in Chromium with SwiftShader (a software GPU): its probe names the adapter as
// software, MobileNet on webgl and webgpu answers like Node's wasm, LeNet-5 training steps lose the
// same, and the chooser refuses SwiftShader by itself yet honours it when forced.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/backend.ts';
import { ensureTrainable } from '../../src-main/core/backends/wasm-training-kernels.ts';
import { chooseBackend, describeChoice, type Candidate } from '../../src-main/core/compute/choose.ts';
import type { Figures } from '../../src-main/core/compute/measure.ts';
import { measureAndChoose, type PageSide } from '../../src-main/core/compute/measure-all.ts';
import { modelFromFiles, trainSteps, type ModelFiles, type TrainStepsRequest } from '../../src-main/core/compute/engine.ts';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';
import { readIdxImages, readIdxLabels } from '../../src-main/core/datasets/idx.ts';
import { lenet5 } from '../../src-main/core/models/classic.ts';
import { layersModelFiles } from '../../src-main/core/models/layers-io.ts';
import { TrainConfig } from '../../src-main/core/training/config.ts';
import { loadModel } from '../../src-main/core/zoo/load.ts';
import { hasShared, imagenetDevDir, mirrorDir, sharedDir, tempDir } from '../helpers/shared.ts';
import { b64, connect, launchForCompute } from './compute-page.ts';
import { buildRenderer, CHROMIUM, hasChromium } from './harness.ts';
import { servePagesAndModels } from '../helpers/page-server.ts';

const PHOTOS = ['n01440764_tench.JPEG', 'n02391049_zebra.JPEG'];
const MOBILENET = 'mobilenet_v1_0.75_224';

/** `count` batches of Fashion-MNIST's first training pictures, in order. */
async function fashionBatches(batchSize: number, count: number): Promise<{ x: Uint8Array; y: Int32Array }[]> {
  const dir = path.join(sharedDir, 'datasets/fashion-mnist');
  const images = await readIdxImages(path.join(dir, 'train-images-idx3-ubyte.gz'));
  const labels = await readIdxLabels(path.join(dir, 'train-labels-idx1-ubyte.gz'));
  return Array.from({ length: count }, (_, b) => ({
    x: images.data.slice(b * batchSize * 784, (b + 1) * batchSize * 784),
    y: Int32Array.from(labels.subarray(b * batchSize, (b + 1) * batchSize)),
  }));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

if (!hasShared) console.warn(`compute page tests skipped: ${mirrorDir} is missing (see ../shared/README.md)`);

describe.skipIf(!hasChromium || !hasShared)('the compute page in Chromium (SwiftShader)', () => {
  let browser: Browser;
  let server: http.Server;
  let page: Page;
  const call = <T>(req: Record<string, unknown>) => page.evaluate((r) => (globalThis as unknown as { __call(r: unknown): Promise<unknown> }).__call(r), req) as Promise<T>;
  let probes: BackendProbe[];
  const timings: string[] = [];

  beforeAll(async () => {
    server = await servePagesAndModels(await buildRenderer(), mirrorDir);
    browser = await launchForCompute(CHROMIUM);
    page = await browser.newPage();
    page.on('pageerror', (e) => console.error('compute page:', e.message));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(`${origin}/compute.html`);
    await connect(page);
    probes = await call<BackendProbe[]>({ kind: 'probe' });
    await initBackend('wasm');
  });
  afterAll(async () => {
    console.log(`compute page timings (SwiftShader on a shared, loaded 2-core machine):\n${timings.join('\n')}`);
    await browser?.close();
    server?.close();
  });

  const gpuBackends = () => probes.filter((p) => p.backend === 'webgl' || p.backend === 'webgpu');
  // The page's own wasm too: the chooser may pick it.
  const pageBackends = () => probes.filter((p) => p.backend !== 'cpu');

  it('probes WebGL and WebGPU and names SwiftShader as software', () => {
    const webgl = probes.find((p) => p.backend === 'webgl')!;
    expect(webgl).toMatchObject({ available: true, adapter: { software: true } });
    expect(webgl.adapter!.name).toMatch(/SwiftShader/);
    const webgpu = probes.find((p) => p.backend === 'webgpu')!;
    expect(webgpu, `WebGPU: ${webgpu.detail}`).toMatchObject({ available: true, adapter: { software: true } });
    expect(webgpu.adapter!.name).toMatch(/swiftshader/i);
  });

  it('recognizes real photos with MobileNet on webgl, webgpu and the page wasm like Node wasm does (softmax within 1e-4)', async () => {
    const { classifier } = await loadModel('mobilenet', { cacheDir: await tempDir(), mirrorDir, offline: true });
    const images = await Promise.all(PHOTOS.map((f) => classifier.decode(path.join(imagenetDevDir, f))));
    let start = performance.now();
    const expected = await classifier.probabilities(images);
    timings.push(`MobileNet, batch of ${images.length}, Node wasm (first call): ${(performance.now() - start).toFixed(0)} ms`);
    start = performance.now();
    await classifier.probabilities(images);
    timings.push(`MobileNet, batch of ${images.length}, Node wasm: ${(performance.now() - start).toFixed(0)} ms`);
    const spec = { inputSize: classifier.spec.inputSize, channels: classifier.spec.channels, preprocessing: classifier.spec.preprocessing };
    expect(pageBackends().map((p) => [p.backend, p.available])).toEqual([
      ['webgpu', true],
      ['webgl', true],
      ['wasm', true],
    ]);
    for (const probe of pageBackends()) {
      await call({ kind: 'use', backend: probe.backend });
      await page.evaluate((n) => (globalThis as unknown as { __load(...a: unknown[]): Promise<unknown> }).__load('mobilenet', `models/${n}`, 'inference'), MOBILENET);
      const pixels = images.map((i) => b64(i.data));
      const run = () =>
        page.evaluate(([s, p]) => (globalThis as unknown as { __recognize(...a: unknown[]): Promise<unknown> }).__recognize('mobilenet', s, p), [
          spec,
          pixels,
        ] as const) as Promise<{ probabilities: Float32Array[]; ms: number }>;
      const first = await run();
      const again = await run();
      timings.push(`MobileNet, batch of ${images.length}, ${probe.backend}: first ${first.ms.toFixed(0)} ms, then ${again.ms.toFixed(0)} ms`);
      // Typed arrays come back from page.evaluate as plain objects of index keys.
      const got = again.probabilities.map((p) => Object.values(p as unknown as Record<string, number>));
      timings.push(`MobileNet ${probe.backend} vs Node wasm: largest softmax difference ${Math.max(...got.map((p, i) => maxAbsDiff(p, expected[i]!))).toExponential(1)}`);
      got.forEach((p, i) => {
        expect(p).toHaveLength(1000);
        expect(maxAbsDiff(p, expected[i]!), `${probe.backend}, ${PHOTOS[i]}`).toBeLessThan(1e-4);
      });
      expect(got.map((p) => p.indexOf(Math.max(...p)))).toEqual([0, 340]);
      await call({ kind: 'dispose', name: 'mobilenet' });
    }
    classifier.dispose();
  });

  it('trains LeNet-5 a few steps on Fashion-MNIST on webgl, webgpu and the page wasm with the losses of Node wasm (within 1e-3 relative)', async () => {
    const batchSize = 16;
    const batches = await fashionBatches(batchSize, 4);
    // A learning rate of 0.01 so four steps move the loss well away from ln(10): wrong gradients show.
    const cfg = TrainConfig.parse({ dataset: 'fashion-mnist', network: 'lenet5', optimizer: { name: 'adam', learningRate: 0.01 } });
    const req: Omit<TrainStepsRequest, 'batches'> = { shape: [28, 28, 1], preprocessing: 'scale01', optimizer: cfg.optimizer, loss: cfg.loss };
    // One set of initial weights for every backend: the files a fresh LeNet-5 saves to.
    const initial = lenet5();
    const saved = await layersModelFiles(initial);
    initial.dispose();
    const files: ModelFiles = { json: saved['model.json'], shards: [saved['weights.bin']] };
    await ensureTrainable();
    const reference = await modelFromFiles(files, 'training');
    const node = await trainSteps(reference, { ...req, batches });
    reference.dispose();
    timings.push(`LeNet-5 step, batch of ${batchSize}, Node ${tf.getBackend()}: ${node.ms.map((m) => m.toFixed(0)).join(', ')} ms`);
    const inline = { json: files.json, shard: b64(files.shards[0]!) };
    const wire = batches.map((b) => ({ x: b64(b.x), y: Array.from(b.y) }));
    for (const probe of pageBackends()) {
      await call({ kind: 'use', backend: probe.backend });
      await page.evaluate((f) => (globalThis as unknown as { __load(...a: unknown[]): Promise<unknown> }).__load('lenet5', '', 'training', f), inline);
      const got = (await page.evaluate(([r, b]) => (globalThis as unknown as { __train(...a: unknown[]): Promise<unknown> }).__train('lenet5', r, b), [req, wire] as const)) as {
        losses: number[];
        ms: number[];
      };
      timings.push(`LeNet-5 step, batch of ${batchSize}, ${probe.backend}: ${got.ms.map((m) => m.toFixed(0)).join(', ')} ms`);
      timings.push(`LeNet-5 ${probe.backend} losses ${got.losses.map((l) => l.toFixed(6)).join(', ')} vs Node ${node.losses.map((l) => l.toFixed(6)).join(', ')}`);
      got.losses.forEach((l, i) => expect(Math.abs(l - node.losses[i]!) / node.losses[i]!, `${probe.backend} step ${i + 1}: ${l} vs ${node.losses[i]}`).toBeLessThan(1e-3));
      // The steps did train: the loss moved.
      expect(new Set(got.losses.map((l) => l.toFixed(4))).size).toBeGreaterThan(1);
      await call({ kind: 'dispose', name: 'lenet5' });
    }
  });

  it('the chooser times the page: its wasm, never SwiftShader by itself; a forced webgl is timed and kept', async () => {
    const pageSide: PageSide = {
      probe: () => call<BackendProbe[]>({ kind: 'probe' }),
      use: (backend) => call({ kind: 'use', backend }),
      // The page fetches MobileNet itself (as main would send the cached files).
      measure: (backend, _files, spec, options) =>
        page.evaluate(([b, n, s, o]) => (globalThis as unknown as { __measure(...a: unknown[]): Promise<unknown> }).__measure(b, `models/${n}`, s, o), [
          backend,
          MOBILENET,
          spec,
          options,
        ] as const) as Promise<Figures>,
    };
    const mobilenet = { files: { json: '', shards: [] }, spec: { inputSize: [224, 224] as [number, number], channels: 3 as const, preprocessing: 'tf' as const } };
    const options = { batch: 2, repeats: 1, trainBatch: 16 };
    const start = performance.now();
    const auto = await measureAndChoose({ page: pageSide, mobilenet, options });
    timings.push(`chooser, automatic (page only, no Node side): ${((performance.now() - start) / 1000).toFixed(1)} s; ${describeChoice(auto.choice)}`);
    const wasm = auto.candidates.find((c) => c.backend === 'wasm')!;
    timings.push(`page wasm: MobileNet batch of 2 ${wasm.measured!.inferenceMs.toFixed(0)} ms, Fashion-MNIST CNN step of 16 ${wasm.measured!.trainStepMs.toFixed(0)} ms`);
    expect(auto.candidates.filter((c) => c.measured).map((c) => c.backend)).toEqual(['wasm']);
    expect(auto.choice).toMatchObject({ backend: 'wasm', forced: false });
    expect(auto.choice.skipped.filter((s) => s.reason === 'software-adapter').map((s) => s.backend)).toEqual(['webgpu', 'webgl']);
    const forced = await measureAndChoose({ page: pageSide, mobilenet, options, forced: 'webgl' });
    const webgl = forced.candidates.find((c) => c.backend === 'webgl')!;
    timings.push(
      `page webgl (SwiftShader, forced): MobileNet batch of 2 ${webgl.measured!.inferenceMs.toFixed(0)} ms, CNN step of 16 ${webgl.measured!.trainStepMs.toFixed(0)} ms`,
    );
    expect(forced.choice).toMatchObject({ backend: 'webgl', forced: true, adapter: { software: true } });
    expect(webgl.measured!.inferenceMs).toBeGreaterThan(0);
  });

  it('the chooser refuses SwiftShader by itself, yet honours it when forced', () => {
    // Even a SwiftShader faster than wasm (it is not) must not be picked automatically.
    const candidates: Candidate[] = [
      ...gpuBackends().map((p) => ({ ...p, measured: { inferenceMs: 1, trainStepMs: 1 } })),
      { backend: 'wasm' as const, available: true, measured: { inferenceMs: 100, trainStepMs: 10 } },
    ].filter((c) => c.available);
    const auto = chooseBackend(candidates);
    expect(auto.backend).toBe('wasm');
    expect(
      auto.skipped
        .filter((s) => s.reason === 'software-adapter')
        .map((s) => s.backend)
        .sort(),
    ).toEqual(['webgl', 'webgpu']);
    const forced = chooseBackend(candidates, 'webgl');
    expect(forced).toMatchObject({ backend: 'webgl', forced: true, adapter: { software: true } });
    expect(forced.adapter!.name).toMatch(/SwiftShader/);
  });
});
