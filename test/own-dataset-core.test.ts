// The core of one's own classes without the CLI: the held-out test split, the size-aware
// transfer settings, class names, edits, and an add whose copy fails halfway.
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadDataset } from '../src-main/core/datasets/catalog.ts';
import { heldOutCount, heldOutSplit } from '../src-main/core/datasets/held-out.ts';
import { addImages } from '../src-main/core/datasets/own/add.ts';
import { classNameProblem } from '../src-main/core/datasets/own/class-names.ts';
import { createClass, deleteClass, moveImage, removeImages, renameClass } from '../src-main/core/datasets/own/edit.ts';
import { showDataset } from '../src-main/core/datasets/own/layout.ts';
import { sizeAwareSettings } from '../src-main/core/transfer/defaults.ts';
import { sharedDir, tempDir } from './helpers/shared.ts';

// Copies into a dataset can be made to fail after half their bytes are written, as a full disk would.
const failing = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const writeFile: typeof fs.writeFile = async (file, data, opts) => {
    if (failing.on && String(file).includes('.tmp-') && data instanceof Uint8Array) {
      await fs.writeFile(file, data.subarray(0, data.length >> 1), opts);
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    }
    return fs.writeFile(file, data, opts);
  };
  return { ...fs, default: { ...fs, writeFile }, writeFile };
});

const cifar = path.join(sharedDir, 'datasets/cifar10/train');
const cifarFiles = (cls: string, n: number, from = 0) => Array.from({ length: n }, (_, k) => path.join(cifar, cls, `${String(from + k).padStart(4, '0')}.jpg`));

async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const cls of await readdir(dir)) for (const f of await readdir(path.join(dir, cls))) out.set(`${cls}/${f}`, (await readFile(path.join(dir, cls, f))).toString('hex'));
  return out;
}

describe('the held-out test split', () => {
  it('holds out 20% of each class, at least 1 from 3 images on, none below', () => {
    expect([1, 2, 3, 4, 7, 8, 15, 100].map(heldOutCount)).toEqual([0, 0, 1, 1, 1, 2, 3, 20]);
  });

  it('is stratified and depends on the file names only, not their order', () => {
    const files = [...Array.from({ length: 15 }, (_, i) => `dog/${i}.jpg`), ...Array.from({ length: 5 }, (_, i) => `cat/${i}.jpg`), 'fox/0.jpg', 'fox/1.jpg'];
    const labels = Int32Array.from(files, (f) => ['dog', 'cat', 'fox'].indexOf(f.split('/')[0]!));
    const { train, test } = heldOutSplit(files, labels);
    expect(test.map((i) => labels[i])).toEqual([0, 0, 0, 1]);
    expect(train.length + test.length).toBe(files.length);
    const reversed = [...files].reverse();
    const again = heldOutSplit(
      reversed,
      Int32Array.from(reversed, (f) => ['dog', 'cat', 'fox'].indexOf(f.split('/')[0]!)),
    );
    expect(again.test.map((i) => reversed[i]).sort()).toEqual(test.map((i) => files[i]).sort());
  });

  it('gives `train --dataset <folder>` a test set when the folder has no test/', async () => {
    const dir = path.join(await tempDir('cs-own-train-'), 'pets');
    await addImages(dir, 'dog', cifarFiles('dog', 10));
    await addImages(dir, 'bird', cifarFiles('bird', 5));
    const splits = await loadDataset(dir, { cacheDir: await tempDir(), imageSize: [32, 32], channels: 3 });
    expect(splits.test?.size).toBe(3);
    expect([...splits.test!.labels].sort()).toEqual([0, 1, 1]);
    expect(splits.train.size).toBe(12);
    expect(splits.test!.description.subset).toBe('held-out');
  });
});

describe('size-aware transfer settings', () => {
  it('gives small sets at least 8 steps per epoch and 150 in all, and big ones the old defaults', () => {
    expect(sizeAwareSettings(24, {})).toEqual({ epochs: 13, batchSize: 2, chosen: ['batchSize', 'epochs'] });
    expect(sizeAwareSettings(5, {})).toEqual({ epochs: 30, batchSize: 1, chosen: ['batchSize', 'epochs'] });
    expect(sizeAwareSettings(10_000, {})).toEqual({ epochs: 10, batchSize: 32, chosen: ['batchSize', 'epochs'] });
    expect(sizeAwareSettings(1, {}).epochs).toBe(100);
    // Only what was not given is chosen.
    expect(sizeAwareSettings(24, { batchSize: 24 })).toEqual({ epochs: 100, batchSize: 24, chosen: ['epochs'] });
    expect(sizeAwareSettings(24, { epochs: 3 })).toEqual({ epochs: 3, batchSize: 2, chosen: ['batchSize'] });
    expect(sizeAwareSettings(24, { epochs: 3, batchSize: 5 }).chosen).toEqual([]);
  });
});

describe("one's own dataset folder", () => {
  it('names classes by the rules of model names, keeping the split folder names out', () => {
    expect(classNameProblem('golden retriever')).toBeUndefined();
    for (const bad of ['', 'test', 'Val', '../x', '.hidden', 'a/b', 'con', 'dog.']) expect(classNameProblem(bad)).toBeDefined();
  });

  it('leaves the dataset as it was when a copy fails halfway, and adds the next image', async () => {
    const dir = path.join(await tempDir('cs-own-fail-'), 'pets');
    await addImages(dir, 'dog', cifarFiles('dog', 3));
    const before = await snapshot(dir);
    failing.on = true;
    let got;
    try {
      got = await addImages(dir, 'dog', cifarFiles('dog', 1, 3), {});
    } finally {
      failing.on = false;
    }
    expect(got[0]).toMatchObject({ status: 'refused', reason: 'copy-failed' });
    expect((got[0] as { error: string }).error).toContain(cifarFiles('dog', 1, 3)[0]);
    expect(await snapshot(dir)).toEqual(before);
    const next = await addImages(dir, 'dog', cifarFiles('dog', 1, 3));
    expect(next[0]!.status).toBe('added');
  });

  it('moves, removes, and makes, renames and deletes classes', async () => {
    const dir = path.join(await tempDir('cs-own-edit-'), 'pets');
    const [a, b] = (await addImages(dir, 'cat', cifarFiles('dog', 2))).map((o) => (o as { stored: string }).stored);
    expect(await moveImage(dir, path.basename(a!), 'dog')).toEqual({ from: a, stored: `dog/${path.basename(a!)}` });
    expect(await removeImages(dir, [path.join(dir, b!), 'cat/nothing.jpg'])).toMatchObject([{ status: 'removed', stored: b }, { status: 'refused' }]);
    await createClass(dir, 'bird');
    await expect(createClass(dir, 'Bird')).rejects.toThrow('already exists');
    await expect(createClass(dir, 'train')).rejects.toThrow('cannot name a class');
    await renameClass(dir, 'dog', 'puppy');
    await expect(deleteClass(dir, 'puppy')).rejects.toThrow('has 1 image;');
    expect(await deleteClass(dir, 'puppy', { force: true })).toEqual({ removed: 1 });
    await expect(lstat(path.join(dir, 'puppy'))).rejects.toThrow();
    expect(await showDataset(dir)).toEqual({
      classes: [
        { name: 'bird', count: 0 },
        { name: 'cat', count: 0 },
      ],
      images: 0,
    });
  });
});
