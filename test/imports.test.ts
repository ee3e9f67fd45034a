// Importing models and datasets from local files (air-gapped machines), on copies of the real
// MobileNet, MNIST and CIFAR-10 files of ../shared: each file is checked before it enters the
// cache, a tampered copy is refused by name with the digest expected, and nothing half-done stays.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { datasetPlaces, findDataset, loadDataset, type DatasetEntry } from '../src-main/core/datasets/catalog.ts';
import { CIFAR_RECORD, CIFAR10_TEST_BATCH, CIFAR10_TRAIN_BATCHES } from '../src-main/core/datasets/cifar.ts';
import { importDatasetFiles } from '../src-main/core/datasets/import.ts';
import { findModel, loadCatalog } from '../src-main/core/zoo/catalog.ts';
import { importModelFiles } from '../src-main/core/zoo/import.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { jsonLines, runCli } from './helpers/cli.ts';
import { mirrorDir, noNetwork, sharedDir, tempDir as makeTempDir } from './helpers/shared.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mobilenet = findModel('mobilenet')!;
const labels = loadCatalog().labels.imagenet!;
const MOBILENET_DIR = 'mobilenet_v1_0.75_224';
const datasetsDir = path.join(sharedDir, 'datasets');

const made: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir('cs-import-');
  made.push(dir);
  return dir;
}
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const all = await readdir(dir, { recursive: true, withFileTypes: true });
  return all
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function flipByte(file: string, at?: number): Promise<void> {
  const b = await readFile(file);
  b[at ?? b.length >> 1] ^= 0xff;
  await writeFile(file, b);
}

describe('models import', () => {
  it('takes MobileNet and its labels from a folder laid out like the mirror; the cache then serves it offline', async () => {
    await initBackend();
    const src = await tempDir();
    await cp(path.join(mirrorDir, MOBILENET_DIR), path.join(src, MOBILENET_DIR), { recursive: true });
    await cp(path.join(mirrorDir, labels.path), path.join(src, labels.path));
    const cacheDir = await tempDir();
    const r = await importModelFiles('mobilenet', src, { cacheDir });
    expect(r.files).toHaveLength(57);
    expect(r.notes).toEqual([]);
    expect(r.files.every((f) => f.algorithm === 'sha256')).toBe(true);
    expect(await filesUnder(cacheDir)).toEqual([...mobilenet.files.map((f) => f.path), labels.path].sort());
    const { classifier, source } = await loadModel('mobilenet', { cacheDir, offline: true, fetch: noNetwork });
    expect(source).toMatch(/^cache: /);
    // 2,601,976 parameters as published; loaded with its 27 batch norms folded into biases.
    expect(classifier.model.countParams()).toBe(2_577_352);
    classifier.dispose();
  });

  it('takes the files side by side in one folder, and a one-file entry (the labels) from the file itself', async () => {
    const flat = path.join(await tempDir(), 'anywhere');
    await cp(path.join(mirrorDir, MOBILENET_DIR), flat, { recursive: true });
    const cacheDir = await tempDir();
    const r = await importModelFiles('dog-breeds-imagenet', flat, { cacheDir });
    expect(r.id).toBe('mobilenet');
    expect(r.files).toHaveLength(56);
    expect(r.notes.join()).toMatch(
      /imagenet_class_index\.json \(the class labels\) is not in .* nor in the cache: import it too \(classifier-studio models import imagenet <file>\)/,
    );
    const file = path.join(await tempDir(), 'my-labels.json');
    await cp(path.join(mirrorDir, labels.path), file);
    const l = await importModelFiles('imagenet', file, { cacheDir });
    expect(l.files.map((f) => [f.dest, f.digest])).toEqual([[path.join(cacheDir, labels.path), labels.sha256]]);
  });

  it('refuses a tampered copy, naming it and the digest expected, and keeps nothing of the set', async () => {
    const src = await tempDir();
    await cp(path.join(mirrorDir, MOBILENET_DIR), src, { recursive: true });
    const shard = mobilenet.files.find((f) => f.path.endsWith('group29-shard1of1'))!;
    await flipByte(path.join(src, 'group29-shard1of1'));
    const cacheDir = await tempDir();
    const err = await importModelFiles('mobilenet', src, { cacheDir }).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `${path.join(src, 'group29-shard1of1')} (as ${shard.path} of mobilenet) does not match the catalogue (sha256 ${sha256(await readFile(path.join(src, 'group29-shard1of1')))}, expected ${shard.sha256}).`,
    );
    expect(await filesUnder(cacheDir)).toEqual([]);

    // Cut short: refused on its size, before it is read, the digest still named.
    await cp(path.join(mirrorDir, shard.path), path.join(src, 'group29-shard1of1'));
    await writeFile(path.join(src, 'group31-shard1of1'), (await readFile(path.join(src, 'group31-shard1of1'))).subarray(0, 1000));
    await expect(importModelFiles('mobilenet', src, { cacheDir })).rejects.toThrow(
      /group31-shard1of1 \(as .*\) does not match the catalogue \(1000 bytes, expected 589824; sha256 expected e4dbda04/,
    );
    expect(await filesUnder(cacheDir)).toEqual([]);

    // ResNet50 is one file, checked by its size and the md5 Keras publishes.
    const fakeH5 = path.join(src, 'resnet50.h5');
    await writeFile(fakeH5, 'not the weights');
    await expect(importModelFiles('resnet50', fakeH5, { cacheDir })).rejects.toThrow(
      /resnet50\.h5 \(as resnet50_weights_tf_dim_ordering_tf_kernels\.h5 of resnet50\) does not match the catalogue \(15 bytes, expected 102967424; md5 expected 2cb95161c43110f7111970584f804107\)/,
    );
  });

  it('says what is missing, and refuses one file for a many-file model and unknown ids', async () => {
    const src = await tempDir();
    await cp(path.join(mirrorDir, MOBILENET_DIR), src, { recursive: true });
    await rm(path.join(src, 'group55-shard1of1'));
    const cacheDir = await tempDir();
    await expect(importModelFiles('mobilenet', src, { cacheDir })).rejects.toThrow(/lacks 1 of the 56 files of mobilenet: mobilenet_v1_0\.75_224\/group55-shard1of1/);
    await expect(importModelFiles('mobilenet', path.join(src, 'model.json'), { cacheDir })).rejects.toThrow(/is one file, but mobilenet has 56 .*give the folder/);
    await expect(importModelFiles('alexnet', src, { cacheDir })).rejects.toThrow(/Unknown model "alexnet": choose one of mobilenet, resnet50, dog-breeds-imagenet, imagenet/);
    await expect(importModelFiles('mobilenet', path.join(src, 'nope'), { cacheDir })).rejects.toThrow(/nope does not exist/);
    // Coded, so the window says them in the user's language.
    await expect(importModelFiles('mobilenet', src, { cacheDir })).rejects.toMatchObject({
      code: 'zoo-import-missing',
      params: { name: path.basename(src), model: 'mobilenet', missing: 1, total: 56, files: 'mobilenet_v1_0.75_224/group55-shard1of1' },
    });
    await expect(importModelFiles('mobilenet', path.join(src, 'model.json'), { cacheDir })).rejects.toMatchObject({
      code: 'zoo-import-needs-folder',
      params: { name: 'model.json', model: 'mobilenet', count: 56 },
    });
    await expect(importModelFiles('mobilenet', path.join(src, 'nope'), { cacheDir })).rejects.toMatchObject({ code: 'model-file-missing', params: { name: 'nope' } });
  });
});

async function mnistCopy(): Promise<string> {
  const src = await tempDir();
  await cp(path.join(datasetsDir, 'mnist'), src, { recursive: true });
  return src;
}

/** MNIST's entry with the digests of the shared copy, standing in for the official bytes. */
async function entryFor(src: string): Promise<DatasetEntry> {
  const entry = findDataset('mnist')!;
  const files = await Promise.all(
    entry.files.map(async (f) => {
      const b = await readFile(path.join(src, f.name));
      return { name: f.name, url: f.url, sha256: sha256(b), size: b.length };
    }),
  );
  return { ...entry, files };
}

const readMnist = (cacheDir: string) => loadDataset('mnist', { cacheDir, offline: true, fetch: noNetwork, imageSize: [28, 28], channels: 1 });

describe('datasets import', () => {
  it('refuses the shared MNIST as the official files (it is a rebuild), naming the file and the digest expected', async () => {
    const src = await mnistCopy();
    const cacheDir = await tempDir();
    const err = await importDatasetFiles('mnist', src, { cacheDir }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /train-images-idx3-ubyte\.gz \(as train-images-idx3-ubyte\.gz of MNIST\) does not match the catalogue \(9475630 bytes, expected 9912422; sha256 expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609\)\. .*--allow-unofficial/,
    );
    expect(await filesUnder(cacheDir)).toEqual([]);
  });

  it('imports IDX files whose digests match, which the loader then reads from the cache; a tampered one changes nothing', async () => {
    const src = await mnistCopy();
    const entry = await entryFor(src);
    const cacheDir = await tempDir();
    const r = await importDatasetFiles(entry, src, { cacheDir });
    expect(r).toMatchObject({ id: 'mnist', layout: 'idx', checked: 'digest', dir: datasetPlaces('mnist', cacheDir).cache });
    const { train, test } = await readMnist(cacheDir);
    expect([train.size, test!.size, train.description.source]).toEqual([60000, 10000, r.dir]);
    expect([...train.labels.subarray(0, 6)]).toEqual([5, 0, 4, 1, 9, 2]);

    await flipByte(path.join(src, 't10k-labels-idx1-ubyte.gz'));
    const want = entry.files.find((f) => f.name === 't10k-labels-idx1-ubyte.gz')!.sha256!;
    await expect(importDatasetFiles(entry, src, { cacheDir })).rejects.toThrow(
      new RegExp(`t10k-labels-idx1-ubyte\\.gz \\(as .*\\) does not match the catalogue \\(sha256 [0-9a-f]{64}, expected ${want}\\)`),
    );
    expect(await filesUnder(path.dirname(r.dir))).toEqual(entry.files.map((f) => path.join('mnist', f.name)).sort());
    expect((await readMnist(cacheDir)).train.size).toBe(60000);
  });

  it('with allowUnofficial (through the service): reads the copy in full, and refuses damaged or wrong files by name', async () => {
    const src = await mnistCopy();
    const cacheDir = await tempDir();
    const studio = new StudioService({ cacheDir, storeDir: await tempDir(), offline: true, fetch: noNetwork });
    const r = await studio.importDataset('mnist', src, { allowUnofficial: true });
    expect(r).toMatchObject({ layout: 'idx', checked: 'contents' });
    expect(r.notes.join()).toMatch(/not the official ones .* a complete MNIST/);
    expect((await readMnist(cacheDir)).test!.size).toBe(10000);

    const damaged = await mnistCopy();
    await flipByte(path.join(damaged, 'train-images-idx3-ubyte.gz'), 5000);
    const fresh = await tempDir();
    await expect(importDatasetFiles('mnist', damaged, { cacheDir: fresh, allowUnofficial: true })).rejects.toThrow(
      new RegExp(`^${path.join(damaged, 'train-images-idx3-ubyte.gz')}: the gzip data is corrupt`),
    );
    expect(await filesUnder(fresh)).toEqual([]);

    const wrong = await mnistCopy();
    for (const kind of ['images-idx3', 'labels-idx1']) await cp(path.join(wrong, `t10k-${kind}-ubyte.gz`), path.join(wrong, `train-${kind}-ubyte.gz`));
    await expect(importDatasetFiles('mnist', wrong, { cacheDir: fresh, allowUnofficial: true })).rejects.toThrow(
      /train-images-idx3-ubyte\.gz holds 10000 train images; MNIST has 60000/,
    );
    studio.dispose();
  });

  it('imports CIFAR-10 class folders only when allowed, and checks their classes', async () => {
    const src = await tempDir();
    const classes = findDataset('cifar10')!.classNames!;
    for (const [split, n] of [
      ['train', 2],
      ['test', 1],
    ] as const) {
      for (const c of classes) {
        await mkdir(path.join(src, split, c), { recursive: true });
        for (let i = 0; i < n; i++) await cp(path.join(datasetsDir, 'cifar10', split, c, `000${i}.jpg`), path.join(src, split, c, `000${i}.jpg`));
      }
    }
    const cacheDir = await tempDir();
    await expect(importDatasetFiles('cifar10', src, { cacheDir })).rejects.toThrow(/holds CIFAR-10 as class folders .* no published digest .*--allow-unofficial/);
    const r = await importDatasetFiles('cifar10', src, { cacheDir, allowUnofficial: true });
    expect(r).toMatchObject({ layout: 'class-folders', checked: 'contents' });
    expect(r.notes.join()).toMatch(/Imported 20 train, 10 test images \(the official set has 50000 train and 10000 test\)/);
    const { train, test } = await loadDataset('cifar10', { cacheDir, offline: true, fetch: noNetwork, imageSize: [32, 32], channels: 3 });
    expect([train.size, test!.size, train.classNames]).toEqual([20, 10, classes]);

    await rm(path.join(src, 'train', 'frog'), { recursive: true });
    await rm(path.join(src, 'test', 'frog'), { recursive: true });
    await expect(importDatasetFiles('cifar10', src, { cacheDir, allowUnofficial: true })).rejects.toThrow(/does not hold the classes of CIFAR-10: frog missing/);
    expect((await readdir(r.dir)).sort()).toEqual(['test', 'train']);
  });

  it('imports a CIFAR-10 archive by its digest and extracts it into the cache', async () => {
    const src = await tempDir();
    const batches = path.join(src, 'cifar-10-batches-bin');
    await mkdir(batches);
    const record = (label: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(CIFAR_RECORD - 1, label * 20)]);
    for (const f of [...CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH]) await writeFile(path.join(batches, f), Buffer.concat([record(1), record(2)]));
    const archive = path.join(src, 'cifar-10-binary.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', src, 'cifar-10-batches-bin']);
    const official = findDataset('cifar10')!;
    const bytes = await readFile(archive);
    const entry: DatasetEntry = { ...official, files: [{ ...official.files[0], sha256: sha256(bytes), md5: undefined, size: bytes.length }] };
    const cacheDir = await tempDir();
    const r = await importDatasetFiles(entry, archive, { cacheDir });
    expect(r).toMatchObject({ layout: 'cifar-archive', checked: 'digest' });
    expect(await readdir(r.dir)).toEqual(['cifar-10-batches-bin']);
    const { train } = await loadDataset('cifar10', { cacheDir, offline: true, fetch: noNetwork, imageSize: [32, 32], channels: 3 });
    expect([...train.labels]).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
    // Against the real catalogue it is not the official archive.
    await expect(importDatasetFiles('cifar10', src, { cacheDir })).rejects.toThrow(
      /cifar-10-binary\.tar\.gz \(as .* of CIFAR-10\) does not match the catalogue \(sha256 [0-9a-f]{64}, expected c4a38c50/,
    );
  });
});

describe('the import commands', () => {
  it('models import and datasets import, with --json', { timeout: 60_000 }, async () => {
    const cacheDir = await tempDir();
    const model = await runCli(['models', 'import', 'imagenet', path.join(mirrorDir, labels.path), '--cache', cacheDir, '--json']);
    expect(model.code).toBe(0);
    expect(jsonLines(model.stdout)[0]).toMatchObject({ id: 'imagenet', files: [{ dest: path.join(cacheDir, labels.path), digest: labels.sha256 }] });

    const src = await mnistCopy();
    const refused = await runCli(['datasets', 'import', 'mnist', src, '--cache', cacheDir]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/error: .*train-images-idx3-ubyte\.gz .* sha256 expected 440fcabf.*--allow-unofficial/);
    const taken = await runCli(['datasets', 'import', 'mnist', src, '--cache', cacheDir, '--allow-unofficial', '--json']);
    expect(taken.code).toBe(0);
    expect(jsonLines(taken.stdout)[0]).toMatchObject({ id: 'mnist', layout: 'idx', checked: 'contents', dir: path.join(cacheDir, 'datasets', 'mnist') });
  });
});
