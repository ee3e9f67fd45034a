// Dataset and photo folders that cannot be trusted (issue 17): links to /dev/zero or out of the
// dataset, pipes, huge files. Each is refused, before it is read, with a reason that names it;
// links that stay inside the folder still count.
import { execFileSync } from 'node:child_process';
import { mkdir, open, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadImageFolder } from '../src-main/core/datasets/folder.ts';
import { decodeImage, ImageDecodeError } from '../src-main/core/images/decode.ts';
import type { Backbone } from '../src-main/core/transfer/backbone.ts';
import { FeatureCache } from '../src-main/core/transfer/feature-cache.ts';
import { extractFeatures } from '../src-main/core/transfer/features.ts';
import { previewImage, scanImageFolder } from '../src-main/service/images.ts';
import { tempDir } from './helpers/shared.ts';

async function png(file: string, grey = 128): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: grey, g: grey, b: grey } } })
    .png()
    .toFile(file);
}

/** A file that claims `bytes` without taking disk space, as an auditor's huge file would. */
async function sparse(file: string, bytes: number): Promise<void> {
  const h = await open(file, 'w');
  await h.truncate(bytes);
  await h.close();
}

/**
 * A dataset of class folders a and b, plus: a/zero.jpg -> /dev/zero, a class folder `sys` linked
 * to a folder of images outside the dataset, and a/inside.png linked to b's photo (inside: kept).
 */
async function hostileDataset(): Promise<{ root: string; outside: string }> {
  const base = await tempDir('cs-untrusted-');
  const root = path.join(base, 'dataset');
  const outside = path.join(base, 'elsewhere');
  for (const k of [0, 1, 2]) {
    await png(path.join(root, 'a', `a${k}.png`), 20 + k);
    await png(path.join(root, 'b', `b${k}.png`), 200 + k);
    await png(path.join(outside, `secret${k}.png`), 90);
  }
  await symlink('/dev/zero', path.join(root, 'a', 'zero.jpg'));
  await symlink(outside, path.join(root, 'sys'));
  await symlink(path.join(outside, 'secret0.png'), path.join(root, 'b', 'leak.png'));
  await symlink('../b/b0.png', path.join(root, 'a', 'inside.png'));
  return { root, outside };
}

describe('dataset folders with links that leave them', () => {
  it('follows links only inside the dataset, and reports the others as skipped', async () => {
    const { root, outside } = await hostileDataset();
    const { train } = await loadImageFolder(root, { imageSize: [8, 8], channels: 1 });
    expect(train.classNames).toEqual(['a', 'b']);
    const files = Array.from({ length: train.size }, (_, i) => path.basename(train.file!(i)!));
    expect(files).toEqual(['a0.png', 'a1.png', 'a2.png', 'inside.png', 'b0.png', 'b1.png', 'b2.png']);
    const skipped = new Map(train.skipped.map((s) => [path.basename(s.file), s.error]));
    expect(skipped.get('zero.jpg')).toMatch(/symbolic link to \/dev\/zero, outside the folder .*dataset: not followed/);
    expect(skipped.get('sys')).toContain(`a symbolic link to ${outside}, outside the folder`);
    expect(skipped.get('leak.png')).toContain('outside the folder');
    const { x } = await train.read(Array.from({ length: train.size }, (_, i) => i));
    expect(x.length).toBe(7 * 64);
  });

  it('refuses a device and a huge file before reading them, naming the file', async () => {
    const dir = await tempDir('cs-untrusted-');
    const big = path.join(dir, 'big.png');
    await sparse(big, 4 * 1024 ** 3);
    const t0 = performance.now();
    const dev = await decodeImage('/dev/zero').catch((e: ImageDecodeError) => e);
    expect(dev).toBeInstanceOf(ImageDecodeError);
    expect((dev as ImageDecodeError).kind).toBe('unreadable');
    expect((dev as Error).message).toBe('/dev/zero: a device, not a regular file: only regular files are read');
    const huge = await decodeImage(big).catch((e: ImageDecodeError) => e);
    expect((huge as ImageDecodeError).kind).toBe('too-large');
    expect((huge as Error).message).toBe(`${big}: the image file is 4 GiB, over the limit of 512 MiB`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('never hashes a link to /dev/zero for the feature cache', async () => {
    const { root } = await hostileDataset();
    // No image reaches the backbone, so a stand-in with the right sizes is enough.
    const backbone = { inputSize: [8, 8], featureLength: 4 } as unknown as Backbone;
    const cache = new FeatureCache(await tempDir('cs-untrusted-'), { backbone: 'x', weightsTag: 'x', preprocessing: 'x', resize: 'x', inputSize: [8, 8], featureLength: 4 });
    const zero = path.join(root, 'a', 'zero.jpg');
    const big = path.join(root, 'a', 'big.jpg');
    await sparse(big, 3 * 1024 ** 3);
    const f = await extractFeatures({ files: [zero, big], labels: Int32Array.from([0, 0]) }, backbone, cache);
    expect(f.labels.length).toBe(0);
    expect(f.skipped.map((s) => s.error)).toEqual([
      `${zero}: a device, not a regular file: only regular files are read`,
      `${big}: the image file is 3 GiB, over the limit of 512 MiB`,
    ]);
  });
});

describe('a folder picked for Recognize', () => {
  it('lists links inside it, and reports links out of it, pipes and devices with a reason', async () => {
    const { root } = await hostileDataset();
    const dir = path.join(root, 'a');
    execFileSync('mkfifo', [path.join(dir, 'pipe.png')]);
    await writeFile(path.join(dir, 'notes.txt'), 'not an image');
    const { files, skipped } = await scanImageFolder(dir);
    expect(files.map((f) => path.basename(f))).toEqual(['a0.png', 'a1.png', 'a2.png']);
    expect(skipped.map((s) => path.basename(s.file))).toEqual(['inside.png', 'pipe.png', 'zero.jpg']);
    expect(skipped[0]!.error).toMatch(/inside\.png: a symbolic link to .*b0\.png, outside the folder/);
    expect(skipped[1]!.error).toMatch(/pipe\.png: not a regular file/);
    // A pipe opened for reading would wait for a writer forever; it is refused at once.
    await expect(previewImage(path.join(dir, 'pipe.png'))).rejects.toThrow(/pipe\.png: a named pipe \(FIFO\), not a regular file/);
    await expect(previewImage(path.join(dir, 'zero.jpg'))).rejects.toThrow(/zero\.jpg: a device, not a regular file/);
  }, 10_000);
});
