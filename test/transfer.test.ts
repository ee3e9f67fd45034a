// Transfer learning on a frozen MobileNet: the feature cache, label naming, and a run whose
// stored model recognizes photos (fine-tuning: fine-tune.test.ts).
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { listClassFolders } from '../src-main/core/datasets/folder.ts';
import { ModelStore } from '../src-main/core/store/model-store.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { FeatureCache } from '../src-main/core/transfer/feature-cache.ts';
import { extractFeatures } from '../src-main/core/transfer/features.ts';
import { runTransfer } from '../src-main/core/transfer/run.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';

const cifar = path.join(sharedDir, 'datasets/cifar10');

/** A Stanford-Dogs-style folder (Images/n0xxxxxxx-Breed_name/*.jpg) made of real CIFAR-10 photos. */
async function dogsStyleFolder(): Promise<string> {
  const root = path.join(await tempDir('cs-dogs-'), 'Images');
  for (const [folder, from] of [
    ['n02085620-Chihuahua', 'cat'],
    ['n02096294-Australian_terrier', 'dog'],
  ] as const) {
    await mkdir(path.join(root, folder), { recursive: true });
    const files = (await readdir(path.join(cifar, 'train', from))).sort().slice(0, 8);
    for (const f of files) await copyFile(path.join(cifar, 'train', from, f), path.join(root, folder, f));
  }
  return root;
}

let env: { cacheDir: string; mirrorDir: string; storeDir: string; offline: boolean };

beforeAll(async () => {
  await initBackend('wasm');
  await ensureTrainable();
  env = { cacheDir: await tempDir('cs-tcache-'), mirrorDir, storeDir: await tempDir('cs-tstore-'), offline: true };
});

describe('the feature cache', () => {
  it('computes each image once, and misses for a changed file or another backbone key', async () => {
    const root = await dogsStyleFolder();
    const listing = await listClassFolders(root);
    const backbone = await loadBackbone('mobilenet', env);
    try {
      expect(backbone.featureLength).toBe(768); // MobileNet v1 0.75: 1024 x 0.75 channels before its classifier
      const key = {
        backbone: backbone.id,
        weightsTag: backbone.weightsTag,
        preprocessing: backbone.preprocessing,
        resize: 'bilinear',
        inputSize: backbone.inputSize,
        featureLength: backbone.featureLength,
      };
      const cache = new FeatureCache(env.cacheDir, key);
      const first = await extractFeatures(listing, backbone, cache);
      expect([first.computed, first.cached, first.labels.length]).toEqual([16, 0, 16]);
      const again = await extractFeatures(listing, backbone, cache);
      expect([again.computed, again.cached]).toEqual([0, 16]);
      expect(again.x).toEqual(first.x);

      // Another picture under the same name: its content hash changes, so it is computed again.
      const changed = listing.files[3]!;
      await writeFile(changed, await sharp(changed).flop().jpeg().toBuffer());
      const third = await extractFeatures(listing, backbone, cache);
      expect([third.computed, third.cached]).toEqual([1, 15]);
      expect(third.x.subarray(3 * 768, 4 * 768)).not.toEqual(first.x.subarray(3 * 768, 4 * 768));

      // Another backbone (or its weights, or its preprocessing) keys another folder: nothing is shared.
      for (const other of [
        { ...key, backbone: 'resnet50' },
        { ...key, weightsTag: 'other' },
        { ...key, preprocessing: 'caffe' },
      ]) {
        const elsewhere = new FeatureCache(env.cacheDir, other);
        expect(elsewhere.dir).not.toBe(cache.dir);
        const miss = await extractFeatures({ files: listing.files.slice(0, 1), labels: listing.labels.slice(0, 1) }, backbone, elsewhere);
        expect(miss.computed).toBe(1);
      }
    } finally {
      backbone.classifier.dispose();
    }
  });
});

describe('transfer learning', () => {
  it('names classes from Stanford Dogs folders and stores a model that recognizes photos', async () => {
    const root = await dogsStyleFolder();
    // The size-aware settings (some 150 steps): two epochs of 9 photos left the head a coin toss.
    const done = await runTransfer({ dataset: root, validationSplit: 0.25, out: 'dogs-test' }, env, () => undefined);
    expect(done.model).toBe('dogs-test');
    const meta = await new ModelStore(env.storeDir).get('dogs-test');
    expect(meta).toMatchObject({
      labels: ['Chihuahua', 'Australian terrier'],
      network: 'transfer-mobilenet',
      inputSize: [224, 224],
      preprocessing: 'tf',
      fit: 'crop',
      status: 'complete',
    });
    expect(meta.config).toMatchObject({ fit: 'crop' });
    const { classifier } = await loadModel('dogs-test', { ...env });
    // Its own photos (CIFAR cats as "Chihuahua", dogs as "Australian terrier"), recognized as their folder's class.
    const photos = (
      await Promise.all(
        ['n02085620-Chihuahua', 'n02096294-Australian_terrier'].map(async (folder, label) =>
          (await readdir(path.join(root, folder))).map((f) => ({ file: path.join(root, folder, f), label: meta.labels[label]! })),
        ),
      )
    ).flat();
    const answers = await classifier.classify(await Promise.all(photos.map((p) => classifier.decode(p.file))), 2);
    const right = answers.filter((a, i) => a[0]!.label === photos[i]!.label).length;
    console.log(`transfer on 2 classes: ${right}/${photos.length} of its photos right`);
    // Its 9 training photos are learned; the rest are CIFAR cats and dogs at 32 px, near chance for
    // any head. 11 of 16 is what it gets with the photos cropped (sharp's lanczos3 upscale; 12 when
    // they were squashed with the triangle filter: one near-chance photo changed sides); a model
    // with swapped labels gets 5, a random one about 8.
    expect(right).toBeGreaterThanOrEqual(11);
    for (const a of answers) expect(a[0]!.probability + a[1]!.probability).toBeCloseTo(1, 5);
    classifier.dispose();
  });

  it('trains the default course head on CIFAR-10 features, and a second run reads every feature from the cache', async () => {
    const events: TrainEvent[] = [];
    const config = { dataset: cifar, limitPerClass: 20, testLimitPerClass: 10, epochs: 8, out: 'cifar-head' };
    const t0 = performance.now();
    const first = await runTransfer(config, env, (e) => events.push(e));
    const firstSeconds = (performance.now() - t0) / 1000;
    const start = events.find((e) => e.event === 'start')!;
    expect(start).toMatchObject({ train: 160, validation: 40, test: 100 });
    expect(start.summary.layers.map((l) => [l.type, l.outputShape])).toEqual([
      ['InputLayer', '(None, 768)'],
      ['Dense', '(None, 1024)'],
      ['Dropout', '(None, 1024)'],
      ['Dense', '(None, 10)'],
    ]);
    expect(start.summary.layers.map((l) => l.name)).toEqual(['features', 'head_dense', 'head_dropout', 'head_predictions']);
    expect(start.summary.totalParams).toBe(768 * 1024 + 1024 + 1024 * 10 + 10);
    expect(events.some((e) => e.event === 'dataset' && e.stage === 'features (train)' && e.done === e.total)).toBe(true);
    console.log(`transfer on 200 CIFAR-10 images: test accuracy ${first.test_accuracy} (${firstSeconds.toFixed(1)} s)`);
    // Chance is 10%; 20 images a class over MobileNet features do far better.
    expect(first.test_accuracy).toBeGreaterThan(0.4);

    const logs: string[] = [];
    const t1 = performance.now();
    const second = await runTransfer({ ...config, out: 'cifar-head-2' }, env, (e) => e.event === 'log' && logs.push(e.message));
    const secondSeconds = (performance.now() - t1) / 1000;
    expect(logs).toContain('train: features of 200 images, 0 computed by mobilenet, 200 from the cache');
    expect(logs).toContain('test: features of 100 images, 0 computed by mobilenet, 100 from the cache');
    expect(second.test_accuracy).toBeGreaterThan(0.4);
    console.log(`second run over cached features: ${secondSeconds.toFixed(1)} s`);
    expect(secondSeconds).toBeLessThan(firstSeconds / 2);
  });

  it('refuses a one-class folder and unknown settings', async () => {
    const one = path.join(await tempDir('cs-one-'), 'only');
    await mkdir(path.join(one, 'cats'), { recursive: true });
    await copyFile(path.join(cifar, 'train/cat', (await readdir(path.join(cifar, 'train/cat')))[0]!), path.join(one, 'cats/a.jpg'));
    await expect(runTransfer({ dataset: one }, env, () => undefined)).rejects.toThrow(/fewer than 2 classes/);
    await expect(runTransfer({ dataset: one, backbone: 'vgg16' as never }, env, () => undefined)).rejects.toThrow(/backbone/);
  });
});
