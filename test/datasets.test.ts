// Datasets on the real files in ../shared/datasets: IDX, CIFAR binary, class folders, and the
// cache -> mirror -> download lookup (with fake fetches: no test touches the network).
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetPlaces, findDataset, loadBuiltIn, loadDataset, type DatasetEntry, type LoadDatasetOptions } from '../src-main/core/datasets/catalog.ts';
import { CIFAR_RECORD, CIFAR10_TEST_BATCH, CIFAR10_TRAIN_BATCHES, loadCifarBinary } from '../src-main/core/datasets/cifar.ts';
import { classNameFromFolder, loadImageFolder } from '../src-main/core/datasets/folder.ts';
import { readIdxImages } from '../src-main/core/datasets/idx.ts';
import type { ImageSet } from '../src-main/core/datasets/types.ts';
import { noNetwork, sharedDir, tempDir as makeTempDir } from './helpers/shared.ts';

const datasetsDir = path.join(sharedDir, 'datasets');
const modelsMirror = path.join(sharedDir, 'models');

// Some of these hold tens of megabytes (a plain copy of MNIST, downloads): remove them all at the end.
const made: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir('cs-datasets-');
  made.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

async function opts(extra: Partial<LoadDatasetOptions> = {}): Promise<LoadDatasetOptions> {
  return { cacheDir: await tempDir(), fetch: noNetwork, imageSize: [28, 28], channels: 1, ...extra };
}

async function png(file: string, rgb: [number, number, number], size = 8): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);
}

describe('built-in datasets from the shared mirror', () => {
  it('finds MNIST beside the models mirror and reads it in the original order', async () => {
    const stages = new Set<string>();
    const { train, test } = await loadDataset('mnist', await opts({ mirrorDir: modelsMirror, onProgress: (s) => stages.add(s) }));
    expect(train.size).toBe(60000);
    expect(test!.size).toBe(10000);
    expect(train.imageShape).toEqual([28, 28, 1]);
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([...train.labels.subarray(0, 6)]).toEqual([5, 0, 4, 1, 9, 2]);
    expect([...test!.labels.subarray(0, 6)]).toEqual([7, 2, 1, 0, 4, 1]);
    expect(train.description.source).toBe(path.join(datasetsDir, 'mnist'));
    expect(stages.has('read')).toBe(true);
    const { x, y } = await train.read([0, 1]);
    expect(x.length).toBe(2 * 784);
    expect([...y]).toEqual([5, 0]);
    expect(x[0]).toBe(0); // background is black, the stroke white
    expect(Math.max(...x.subarray(0, 784))).toBeGreaterThan(200);
  });

  it('reads Fashion-MNIST from <mirror>/<id>', async () => {
    const { train, test } = await loadDataset('fashion-mnist', await opts({ mirrorDir: datasetsDir }));
    expect([train.size, test!.size]).toEqual([60000, 10000]);
    expect(train.classNames[0]).toBe('T-shirt/top');
    expect(train.classNames[9]).toBe('Ankle boot');
  });

  it('converts an in-memory set to the size and channels a model wants', async () => {
    const { train } = await loadDataset('mnist', await opts({ mirrorDir: datasetsDir, imageSize: [32, 32], channels: 3, limit: 10 }));
    expect(train.imageShape).toEqual([32, 32, 3]);
    const { x } = await train.read(all(10));
    expect(x.length).toBe(10 * 32 * 32 * 3);
    // Grey replicated into R, G and B.
    for (let i = 0; i < x.length; i += 3) expect(x[i]).toBe(x[i + 2]);
  });

  it('reads IDX files gzipped and plain alike, and plain ones from the cache', async () => {
    const cacheDir = await tempDir();
    const { cache } = datasetPlaces('mnist', cacheDir);
    await mkdir(cache, { recursive: true });
    for (const f of await readdir(path.join(datasetsDir, 'mnist'))) {
      if (f.endsWith('.gz')) await writeFile(path.join(cache, f.slice(0, -3)), gunzipSync(await readFile(path.join(datasetsDir, 'mnist', f))));
    }
    const gz = await readIdxImages(path.join(datasetsDir, 'mnist', 't10k-images-idx3-ubyte.gz'));
    const plain = await readIdxImages(path.join(cache, 't10k-images-idx3-ubyte'));
    expect([plain.count, plain.height, plain.width]).toEqual([10000, 28, 28]);
    expect(Buffer.from(plain.data).equals(Buffer.from(gz.data))).toBe(true);
    const { train, test } = await loadDataset('mnist', { cacheDir, offline: true, fetch: noNetwork, imageSize: [28, 28], channels: 1 });
    expect(train.description.source).toBe(cache);
    expect([train.size, test!.size]).toEqual([60000, 10000]);
  });

  it('reads the CIFAR-10 class folders, limited reproducibly', async () => {
    const o = await opts({ mirrorDir: modelsMirror, imageSize: [32, 32], channels: 3, limit: 200, testLimit: 50, seed: 7 });
    const { train, test } = await loadDataset('cifar10', o);
    expect([train.size, test!.size]).toEqual([200, 50]);
    expect(train.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(new Set(train.labels).size).toBe(10);
    expect(train.file!(0)).toMatch(/cifar10[/\\]train[/\\]\w+[/\\]\d{4}\.jpg$/);
    const { x, y, indices } = await train.read(all(16));
    expect(indices).toEqual(all(16));
    expect(x.length).toBe(16 * 32 * 32 * 3);
    expect([...y]).toEqual([...train.labels.subarray(0, 16)]);
    expect(train.skipped).toEqual([]);
    const again = await loadDataset('cifar10', o);
    expect([...again.train.labels]).toEqual([...train.labels]);
    expect(again.train.file!(5)).toBe(train.file!(5));
  });
});

describe('IDX and CIFAR binary formats', () => {
  it('rejects an IDX file with the wrong magic number', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'labels-as-images');
    await writeFile(file, Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]));
    await expect(readIdxImages(file)).rejects.toThrow(/not an IDX image file: magic number 2049.*expected 2051/);
  });

  // Pixel value = 10 * channel + position, so each byte tells where it came from.
  function cifarRecords(labels: number[]): Buffer {
    const buf = Buffer.alloc(labels.length * CIFAR_RECORD);
    labels.forEach((l, r) => {
      buf[r * CIFAR_RECORD] = l;
      for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) buf[r * CIFAR_RECORD + 1 + c * 1024 + p] = (10 * c + p + r) % 256;
    });
    return buf;
  }

  async function writeCifar(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [b, f] of CIFAR10_TRAIN_BATCHES.entries()) await writeFile(path.join(dir, f), cifarRecords([b, 9 - b]));
    await writeFile(path.join(dir, CIFAR10_TEST_BATCH), cifarRecords([3]));
  }

  function checkHwc(x: Uint8Array, r: number): void {
    for (const p of [0, 1, 31, 32, 500, 1023]) for (let c = 0; c < 3; c++) expect(x[r * 3072 + p * 3 + c]).toBe((10 * c + p + r) % 256);
  }

  it('turns CIFAR records (label, R plane, G plane, B plane) into HWC images', async () => {
    const dir = await tempDir();
    await writeCifar(dir);
    const { train, test } = await loadCifarBinary(dir);
    expect([train.size, test!.size]).toEqual([10, 1]);
    expect([...train.labels.subarray(0, 4)]).toEqual([0, 9, 1, 8]);
    const { x } = await train.read([0, 1]);
    checkHwc(x, 0);
    checkHwc(x, 1);
  });

  it('loads CIFAR-10 batches from the cache, and extracts a downloaded archive there', async () => {
    const cacheDir = await tempDir();
    await writeCifar(path.join(datasetPlaces('cifar10', cacheDir).cache, 'cifar-10-batches-bin'));
    const cached = await loadDataset('cifar10', { cacheDir, offline: true, imageSize: [32, 32], channels: 3 });
    expect(cached.train.size).toBe(10);
    expect(cached.train.description.format).toBe('cifar-binary');

    // The same batches packed as the official archive, served by a fake fetch.
    const src = await tempDir();
    await writeCifar(path.join(src, 'cifar-10-batches-bin'));
    await writeFile(path.join(src, 'cifar-10-batches-bin', 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    execFileSync('tar', ['-czf', path.join(src, 'cifar.tar.gz'), '-C', src, 'cifar-10-batches-bin']);
    const bytes = await readFile(path.join(src, 'cifar.tar.gz'));
    const entry = findDataset('cifar10')!;
    const unchecked: DatasetEntry = { ...entry, files: entry.files.map((f) => ({ name: f.name, url: f.url })) };
    const fresh = await tempDir();
    const { train, test } = await loadBuiltIn(unchecked, { cacheDir: fresh, fetch: async () => new Response(bytes), imageSize: [32, 32], channels: 3 });
    expect([train.size, test!.size, train.classNames[9]]).toEqual([10, 1, 'j']);
    checkHwc((await train.read([0])).x, 0);
    // Only the extracted batches stay: no archive, no half-extracted folder.
    expect(await readdir(datasetPlaces('cifar10', fresh).cache)).toEqual(['cifar-10-batches-bin']);
  });
});

describe('image folders', () => {
  it('names classes after their folders', () => {
    expect(classNameFromFolder('n02085620-Chihuahua')).toBe('Chihuahua');
    expect(classNameFromFolder('n02085620-Japanese_spaniel')).toBe('Japanese spaniel');
    expect(classNameFromFolder('golden_retriever')).toBe('golden retriever');
    expect(classNameFromFolder('cats')).toBe('cats');
  });

  it('reads sorted class folders lazily, skipping and listing files that do not decode', async () => {
    const root = await tempDir();
    await png(path.join(root, 'n02085620-Japanese_spaniel', 'b.png'), [0, 0, 255]);
    await png(path.join(root, 'n02085620-Chihuahua', 'a.png'), [255, 0, 0]);
    await png(path.join(root, 'n02085620-Chihuahua', 'nested', 'c.png'), [0, 255, 0], 20);
    await writeFile(path.join(root, 'n02085620-Chihuahua', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    await writeFile(path.join(root, 'n02085620-Chihuahua', 'notes.txt'), 'not an image');
    await writeFile(path.join(root, 'n02085620-Chihuahua', '.hidden.png'), 'not read');
    await mkdir(path.join(root, '.cache'));
    await png(path.join(root, '.cache', 'x.png'), [1, 2, 3]);

    const { train, test } = await loadImageFolder(root, { imageSize: [4, 4], channels: 3 });
    expect(test).toBeUndefined();
    expect(train.classNames).toEqual(['Chihuahua', 'Japanese spaniel']);
    expect(train.size).toBe(4);
    expect([...train.labels]).toEqual([0, 0, 0, 1]);
    expect(train.file!(0)).toBe(path.join(root, 'n02085620-Chihuahua', 'a.png'));
    const { x, y, indices } = await train.read([3, 1, 0, 2]);
    expect(indices).toEqual([3, 0, 2]);
    expect([...y]).toEqual([1, 0, 0]);
    expect([...x.subarray(0, 3)]).toEqual([0, 0, 255]);
    expect([...x.subarray(48, 51)]).toEqual([255, 0, 0]);
    expect([...x.subarray(96, 99)]).toEqual([0, 255, 0]);
    expect(train.skipped).toHaveLength(1);
    expect(train.skipped[0].file).toBe(path.join(root, 'n02085620-Chihuahua', 'broken.jpg'));
    expect(train.skipped[0].error).toMatch(/truncated or corrupt/);
    // Read again (next epoch): same answer, the failure listed once.
    expect((await train.read([0, 1, 2, 3])).indices).toEqual([0, 2, 3]);
    expect(train.skipped).toHaveLength(1);
  });

  it('decodes to the requested size and channels', async () => {
    const root = await tempDir();
    await png(path.join(root, 'light', 'a.png'), [200, 200, 200], 16);
    await png(path.join(root, 'dark', 'a.png'), [10, 10, 10], 16);
    const { train } = await loadImageFolder(root, { imageSize: [5, 7], channels: 1 });
    expect(train.imageShape).toEqual([5, 7, 1]);
    const { x } = await train.read([0, 1]);
    expect(x.length).toBe(70);
    expect([x[0], x[35]]).toEqual([10, 200]);
  });

  it('uses train/, test/ and val/ sub-folders as splits', async () => {
    const root = await tempDir();
    for (const split of ['train', 'test', 'val']) {
      await png(path.join(root, split, 'cat', '1.png'), [1, 1, 1]);
      await png(path.join(root, split, 'dog', '1.png'), [2, 2, 2]);
    }
    await png(path.join(root, 'train', 'dog', '2.png'), [2, 2, 2]);
    const s = await loadDataset(root, await opts({ imageSize: [8, 8], channels: 3 }));
    expect([s.train.size, s.test!.size, s.validation!.size]).toEqual([3, 2, 2]);
    expect(s.test!.classNames).toEqual(['cat', 'dog']);
    expect([...s.test!.labels]).toEqual([0, 1]);
    expect(s.validation!.description.split).toBe('validation');
  });

  it('explains missing, empty and one-class folders', async () => {
    const o = { imageSize: [8, 8] as [number, number], channels: 3 as const };
    const root = await tempDir();
    await expect(loadImageFolder(path.join(root, 'nope'), o)).rejects.toThrow(/nope does not exist/);
    await expect(loadDataset(path.join(root, 'nope'), await opts())).rejects.toThrow(/nope does not exist/);
    await expect(loadImageFolder(root, o)).rejects.toThrow(/has no class sub-folders with images/);
    await mkdir(path.join(root, 'empty'));
    await writeFile(path.join(root, 'empty', 'readme.txt'), 'no images');
    await expect(loadImageFolder(root, o)).rejects.toThrow(/has no class sub-folders with images/);
    await png(path.join(root, 'n02085620-Chihuahua', 'a.png'), [1, 2, 3]);
    await expect(loadImageFolder(root, o)).rejects.toThrow(/has only one class \(Chihuahua\); training needs at least 2/);
    // Each coded, so the window says it in the user's language (components/refusals-ko).
    await expect(loadImageFolder(root, o)).rejects.toMatchObject({ code: 'dataset-too-few-classes', params: { name: path.basename(root) } });
    await rm(path.join(root, 'n02085620-Chihuahua'), { recursive: true });
    await expect(loadImageFolder(root, o)).rejects.toMatchObject({ code: 'dataset-no-classes', params: { name: path.basename(root) } });
    await expect(loadDataset(root, await opts())).rejects.toMatchObject({ code: 'dataset-no-classes' });
    await expect(loadImageFolder(path.join(root, 'nope'), o)).rejects.toMatchObject({ code: 'dataset-folder-missing', params: { name: 'nope' } });
    await expect(loadDataset(path.join(root, 'nope'), await opts())).rejects.toMatchObject({ code: 'dataset-folder-missing', params: { name: 'nope' } });
  });
});

describe('finding and downloading built-ins', () => {
  it('offline and not found: names the dataset, the places looked and the URL', async () => {
    const cacheDir = await tempDir();
    const mirror = await tempDir();
    const err = await loadDataset('mnist', { cacheDir, mirrorDir: mirror, offline: true, fetch: noNetwork, imageSize: [28, 28], channels: 1 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain('MNIST');
    expect(msg).toContain(path.join(cacheDir, 'datasets', 'mnist'));
    expect(msg).toContain(path.join(mirror, 'mnist'));
    expect(msg).toContain('https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz');
  });

  it('rejects an unknown name that is no folder either', async () => {
    await expect(loadDataset('no-such-dataset', await opts())).rejects.toThrow(/no-such-dataset does not exist.*mnist, fashion-mnist, cifar10/);
  });

  it('downloads into the cache whole, checks digests, and uses the cache next time', async () => {
    const served: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      const url = String(input);
      served.push(url);
      const bytes = await readFile(path.join(datasetsDir, 'mnist', url.slice(url.lastIndexOf('/') + 1)));
      return new Response(bytes, { headers: { 'content-length': String(bytes.length) } });
    };
    const entry = findDataset('mnist')!;
    // The shared MNIST is a faithful rebuild, not the original bytes, so the official size and digests refuse it.
    const cacheDir = await tempDir();
    await expect(loadDataset('mnist', { cacheDir, fetch: fakeFetch, imageSize: [28, 28], channels: 1 })).rejects.toThrow(
      /does not match the catalogue \(9475630 bytes, expected 9912422\)/,
    );
    const cache = datasetPlaces('mnist', cacheDir).cache;
    expect((await readdir(cache)).filter((f) => !f.endsWith('.gz'))).toEqual([]);
    expect(await readdir(cache)).not.toContain('train-images-idx3-ubyte.gz');

    const unchecked: DatasetEntry = { ...entry, files: entry.files.map((f) => ({ name: f.name, url: f.url })) };
    const progress: number[] = [];
    served.length = 0;
    const splits = await loadBuiltIn(unchecked, { cacheDir, fetch: fakeFetch, imageSize: [28, 28], channels: 1, onProgress: (s, done) => s === 'download' && progress.push(done) });
    expect(served).toHaveLength(4);
    expect(progress.length).toBeGreaterThan(0);
    expect((await readdir(cache)).sort()).toEqual(entry.files.map((f) => f.name).sort());
    expect(splits.train.size).toBe(60000);
    const again = await loadDataset('mnist', { cacheDir, fetch: noNetwork, imageSize: [28, 28], channels: 1, limit: 100 });
    expect(again.train.description.source).toBe(cache);
    expect(again.train.size).toBe(100);
    expect(await sameLabels(again.train, splits.train)).toBe(true);
  });
});

/** Every image of `limited` is one of `full`'s, under the same label (by pixels: `limited` is a sample of `full`). */
async function sameLabels(limited: ImageSet, full: ImageSet): Promise<boolean> {
  const px = limited.imageShape.reduce((a, b) => a * b, 1);
  const labelsOf = new Map<string, Set<number>>();
  const whole = await full.read(all(full.size));
  for (let i = 0; i < full.size; i++) {
    const key = Buffer.from(whole.x.subarray(i * px, (i + 1) * px)).toString('base64');
    labelsOf.set(key, (labelsOf.get(key) ?? new Set()).add(whole.y[i]!));
  }
  const { x, y } = await limited.read(all(limited.size));
  return (
    limited.classNames.join() === full.classNames.join() &&
    [...y].every((l, i) => l === limited.labels[i] && labelsOf.get(Buffer.from(x.subarray(i * px, (i + 1) * px)).toString('base64'))?.has(l))
  );
}
