// ResNet50 on the compute page in Chromium (SwiftShader): its softmax on webgl and webgpu equals
// Node wasm's within 1e-4 for a real dev photo. The real weights are not in ../shared, so the
// network has seeded random ones, batch norms included (random means, variances, scales and shifts,
// so the folding of batch norms into convolutions is exercised on both sides); the arithmetic is
// the real network's.
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/backend.ts';
import { modelFromFiles, recognize, type ModelFiles } from '../../src-main/core/compute/engine.ts';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';
import { decodeImage } from '../../src-main/core/images/decode.ts';
import { layersModelFiles } from '../../src-main/core/models/layers-io.ts';
import { resnet50 } from '../../src-main/core/models/resnet50.ts';
import type { ScoreSpec } from '../../src-main/core/models/scores.ts';
import { hasShared, imagenetDevDir, tempDir } from '../helpers/shared.ts';
import { b64, connect, launchForCompute } from './compute-page.ts';
import { servePagesAndModels } from '../helpers/page-server.ts';
import { buildRenderer, CHROMIUM, hasChromium } from './harness.ts';

const PHOTO = path.join(imagenetDevDir, 'n02391049_zebra.JPEG');
const SPEC: ScoreSpec = { inputSize: [224, 224], channels: 3, preprocessing: 'caffe' };

/** mulberry32: a small seeded generator, the same numbers on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * ResNet50 with seeded weights: kernels uniform with variance 1/fan-in (LeCun), batch norms'
 * scales and variances around 1 and means and shifts around 0, so activations stay finite and the
 * softmax is neither one-hot nor flat (checked below: a test that compares flat softmaxes proves nothing).
 */
export function seededResnet50(seed = 20): tf.LayersModel {
  const model = resnet50();
  const rand = seeded(seed);
  const uniform = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const values = model.weights.map((w) => {
    const n = w.shape.reduce<number>((a, b) => a * b!, 1);
    const name = w.originalName;
    let v: Float32Array;
    if (/kernel$/.test(name)) {
      const fanIn = n / w.shape.at(-1)!;
      const a = Math.sqrt(3 / fanIn);
      v = uniform(n, -a, a);
    } else if (/gamma$|moving_variance$/.test(name)) v = uniform(n, 0.5, 1.5);
    else v = uniform(n, -0.1, 0.1); // beta, moving_mean, bias
    return tf.tensor(v, w.shape as number[]);
  });
  model.setWeights(values);
  tf.dispose(values);
  return model;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.skipIf(!hasChromium || !hasShared)('ResNet50 on the compute page (SwiftShader)', () => {
  let browser: Browser;
  let server: http.Server;
  let page: Page;
  let probes: BackendProbe[];
  let expected: Float32Array;
  let pixels: Uint8Array;
  const timings: string[] = [];

  beforeAll(async () => {
    const built = await buildRenderer();
    // The seeded network's files, served to the page beside the built pages.
    const modelDir = await tempDir();
    await initBackend('wasm');
    const model = seededResnet50();
    const saved = await layersModelFiles(model);
    model.dispose();
    await mkdir(path.join(modelDir, 'resnet50'));
    for (const [name, data] of Object.entries(saved)) await writeFile(path.join(modelDir, 'resnet50', name), data);
    server = await servePagesAndModels(built, modelDir);
    // Node's wasm answer, from the same files by the same engine code as the page's.
    const files: ModelFiles = { json: saved['model.json'], shards: [saved['weights.bin']] };
    pixels = (await decodeImage(PHOTO, { width: 224, height: 224, channels: 3 })).data;
    const node = await modelFromFiles(files, 'inference', 'resnet50');
    const start = performance.now();
    [expected] = await recognize(node, SPEC, [pixels]);
    timings.push(`ResNet50 (seeded), one photo, Node wasm: ${(performance.now() - start).toFixed(0)} ms`);
    node.dispose();
    browser = await launchForCompute(CHROMIUM);
    page = await browser.newPage();
    page.on('pageerror', (e) => console.error('compute page:', e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/compute.html`);
    await connect(page);
    probes = (await page.evaluate(() => (globalThis as unknown as { __call(r: unknown): Promise<unknown> }).__call({ kind: 'probe' }))) as BackendProbe[];
  }, 120_000);
  afterAll(async () => {
    console.log(`ResNet50 page timings (SwiftShader on a shared, loaded 2-core machine):\n${timings.join('\n')}`);
    await browser?.close();
    server?.close();
  });

  it('the seeded network is decided but not certain: a softmax worth comparing', () => {
    const top = Math.max(...expected);
    timings.push(`Node wasm top probability ${top.toFixed(4)} at class ${expected.indexOf(top)}`);
    expect(expected).toHaveLength(1000);
    expect(top).toBeGreaterThan(0.01);
    expect(top).toBeLessThan(0.99);
  });

  for (const backend of ['webgl', 'webgpu'] as const) {
    it(`answers a real photo on ${backend} like Node wasm (softmax within 1e-4)`, async () => {
      const probe = probes.find((p) => p.backend === backend)!;
      expect(probe, `${backend}: ${probe?.detail}`).toMatchObject({ available: true });
      type W = Record<string, (...a: unknown[]) => Promise<unknown>>;
      const call = <T>(f: string, ...a: unknown[]) => page.evaluate(([f, a]) => (globalThis as unknown as W)[f]!(...a), [f, a] as const) as Promise<T>;
      await call('__call', { kind: 'use', backend });
      await call('__load', 'resnet50', 'models/resnet50', 'inference');
      const start = performance.now();
      const got = await call<{ probabilities: Record<string, number>[]; ms: number; backend: string }>('__recognize', 'resnet50', SPEC, [b64(pixels)]);
      timings.push(
        `ResNet50 (seeded), one photo, ${backend}: ${got.ms.toFixed(0)} ms in the page (${(performance.now() - start).toFixed(0)} ms asked to answered, shaders compiled first)`,
      );
      await call('__call', { kind: 'dispose', name: 'resnet50' });
      expect(got.backend).toBe(backend);
      // Typed arrays come back from page.evaluate as plain objects of index keys.
      const p = Object.values(got.probabilities[0]!);
      const diff = maxAbsDiff(p, expected);
      timings.push(`ResNet50 ${backend} vs Node wasm: largest softmax difference ${diff.toExponential(1)}`);
      expect(p).toHaveLength(1000);
      expect(diff).toBeLessThan(1e-4);
      expect(p.indexOf(Math.max(...p))).toBe(expected.indexOf(Math.max(...expected)));
    }, 300_000);
  }
});
