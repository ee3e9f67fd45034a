// Photos in bulk (classify-many.ts, folder jobs, transfer features): decoded ahead and run in
// batches, with the answers of one photo at a time, in order, and a bounded number of decodes
// in flight. The real MobileNet on real ImageNet dev photos and CIFAR-10 photos.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { classifyMany } from '../src-main/core/classify-many.ts';
import type { Classifier } from '../src-main/core/classifier.ts';
import { loadBackbone, type Backbone } from '../src-main/core/transfer/backbone.ts';
import { FeatureCache, featureKeyOf } from '../src-main/core/transfer/feature-cache.ts';
import { extractFeatures } from '../src-main/core/transfer/features.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { imagenetDevDir, mirrorDir, noNetwork, sharedDir, tempDir } from './helpers/shared.ts';

const tmp = await tempDir('cs-bulk-');
const sources = { cacheDir: path.join(tmp, 'cache'), mirrorDir, offline: true };
let mobilenet: Classifier;
let photos: string[];

beforeAll(async () => {
  await initBackend('wasm');
  mobilenet = (await loadModel('mobilenet', sources)).classifier;
  photos = (await readdir(imagenetDevDir))
    .filter((f) => f.endsWith('.JPEG'))
    .sort()
    .slice(0, 40)
    .map((f) => path.join(imagenetDevDir, f));
});
afterAll(() => mobilenet.dispose());

/** Every class's probability, by ImageNet index. */
const byIndex = (top: { index: number; probability: number }[]) => {
  const p = new Float64Array(1000);
  for (const t of top) p[t.index] = t.probability;
  return p;
};

describe('classifyMany', () => {
  it('answers 40 dev photos in batches of 8 as one at a time does: softmax within 1e-5, in order', async () => {
    const alone: Float32Array[] = [];
    for (const file of photos) alone.push((await mobilenet.probabilities([await mobilenet.decode(file)]))[0]!);
    const got = [];
    for await (const r of classifyMany(mobilenet, photos, { batchSize: 8, prefetch: 16, topK: 1000 })) got.push(r);
    expect(got.map((r) => r.file)).toEqual(photos);
    let worst = 0;
    got.forEach((r, i) => {
      const batched = byIndex(r.top!);
      for (let c = 0; c < 1000; c++) worst = Math.max(worst, Math.abs(batched[c]! - alone[i]![c]!));
      expect(r.top![0]!.index).toBe(alone[i]!.indexOf(Math.max(...alone[i]!)));
    });
    console.log(`classifyMany, batches of 8 against one at a time: largest softmax difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it('answers a photo that does not decode in its place, and keeps at most `prefetch` decodes in flight', async () => {
    const broken = path.join(tmp, 'broken.jpg');
    await writeFile(broken, 'no JPEG here');
    const list = [...photos.slice(0, 5), broken, ...photos.slice(5, 12), path.join(tmp, 'missing.jpg'), ...photos.slice(12, 20)];
    let inFlight = 0;
    let most = 0;
    const counting = Object.create(mobilenet) as Classifier;
    counting.decode = async (...a: Parameters<Classifier['decode']>) => {
      most = Math.max(most, ++inFlight);
      try {
        return await mobilenet.decode(...a);
      } finally {
        inFlight--;
      }
    };
    const got = [];
    for await (const r of classifyMany(counting, list, { batchSize: 4, prefetch: 6 })) got.push(r);
    expect(got.map((r) => r.file)).toEqual(list);
    expect(got.map((r) => r.index)).toEqual(list.map((_, i) => i));
    expect(got[5]!.error).toMatch(/broken\.jpg/);
    expect(got[13]!.error).toMatch(/missing\.jpg.*does not exist/);
    expect(got.filter((r) => r.top).length).toBe(20);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(6);
  });
});

describe('a folder job', () => {
  it('gives each photo the answer recognize gives it alone', async () => {
    const folder = path.join(tmp, 'folder');
    await mkdir(folder);
    for (const p of photos.slice(0, 19)) await copyFile(p, path.join(folder, path.basename(p)));
    const studio = new StudioService({ cacheDir: sources.cacheDir, mirrorDir, storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
    try {
      const reply = await studio.recognizeFolder({ jobId: 'dev', folder, model: 'mobilenet', topK: 3 });
      expect(reply.items.map((i) => i.name)).toEqual(photos.slice(0, 19).map((p) => path.basename(p)));
      for (const item of reply.items) {
        expect(item.thumbnail).toMatch(/^data:image\//);
        const alone = await studio.recognize({ image: item.file, model: 'mobilenet', topK: 3 });
        expect(item.top!.map((t) => t.index)).toEqual(alone.top.map((t) => t.index));
        item.top!.forEach((t, k) => expect(Math.abs(t.probability - alone.top[k]!.probability)).toBeLessThan(1e-5));
      }
    } finally {
      studio.dispose();
    }
  });
});

describe('transfer feature extraction', () => {
  let backbone: Backbone;
  beforeAll(async () => {
    backbone = await loadBackbone('mobilenet', sources);
  });
  afterAll(() => backbone.classifier.dispose());

  it('gives the features of one photo at a time, in batches with decodes ahead', async () => {
    const dir = path.join(sharedDir, 'datasets/cifar10/train/ship');
    const files = (await readdir(dir))
      .sort()
      .slice(0, 20)
      .map((f) => path.join(dir, f));
    const list = { files, labels: new Int32Array(files.length) };
    const key = featureKeyOf(backbone);
    const one = await extractFeatures(list, backbone, new FeatureCache(path.join(tmp, 'f1'), key), { batchSize: 1, prefetch: 1 });
    const many = await extractFeatures(list, backbone, new FeatureCache(path.join(tmp, 'f8'), key), { batchSize: 8, prefetch: 16 });
    expect([one.computed, many.computed]).toEqual([20, 20]);
    expect(many.files).toEqual(files);
    let worst = 0;
    for (let i = 0; i < one.x.length; i++) worst = Math.max(worst, Math.abs(one.x[i]! - many.x[i]!) / Math.max(1, Math.abs(one.x[i]!)));
    console.log(`transfer features, batches of 8 against one at a time: largest difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    // And every feature was written to the cache: a second pass computes none.
    const again = await extractFeatures(list, backbone, new FeatureCache(path.join(tmp, 'f8'), key));
    expect([again.computed, again.cached]).toEqual([0, 20]);
    expect(again.x).toEqual(many.x);
  });
});
