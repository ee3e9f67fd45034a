import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, loadCatalog } from '../src-main/core/zoo/catalog.ts';
import { fetchModelFiles, locateFile, locateFiles, type DownloadProgress } from '../src-main/core/zoo/files.ts';
import { loadDataset, loadDatasetCatalog } from '../src-main/core/datasets/catalog.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { initBackend } from '../src-main/core/backend.ts';
import { mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('catalogue', () => {
  it('lists mobilenet and resnet50 with their official URLs and digests', () => {
    const ids = loadCatalog().models.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['mobilenet', 'resnet50']));
    const mobilenet = findModel('mobilenet')!;
    expect(mobilenet.files).toHaveLength(56);
    expect(mobilenet.files.every((f) => f.sha256)).toBe(true);
    expect(new URL(mobilenet.entry, mobilenet.baseUrl).href).toBe('https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.75_224/model.json');
    const resnet = findModel('resnet50')!;
    expect(new URL(resnet.entry, resnet.baseUrl).href).toBe('https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5');
  });

  it('gives every model its licence, input, preprocessing and classes, and every file a size and digest', () => {
    const { models, labels } = loadCatalog();
    for (const m of models) {
      expect(m.license, m.id).not.toBe('');
      expect(m.inputSize, m.id).toEqual([224, 224]);
      expect(['tf', 'caffe', 'scale01', 'none'], m.id).toContain(m.preprocessing);
      expect(m.classes, m.id).toBe(1000);
      expect(labels[m.labels], m.id).toBeDefined();
    }
    const files = [...models.flatMap((m) => m.files), ...Object.values(labels)];
    // Keras publishes only an md5 for the ResNet50 weights (and its downloader prints their size:
    // 102967424 bytes), and no copy is here to hash.
    const md5Only = files.filter((f) => !f.sha256).map((f) => f.path);
    expect(md5Only).toEqual(['resnet50_weights_tf_dim_ordering_tf_kernels.h5']);
    for (const f of files) expect(f.size, f.path).toBeGreaterThan(0);
    expect(findModel('resnet50')!.files[0]!.size).toBe(102967424);
    for (const d of loadDatasetCatalog()) {
      expect(d.license, d.id).toBeTruthy();
      expect(d.counts, d.id).toBeDefined();
      for (const f of d.files) {
        expect(f.sha256, f.name).toMatch(/^[0-9a-f]{64}$/);
        expect(f.size, f.name).toBeGreaterThan(0);
      }
    }
  });

  it('matches the files of the offline mirror in ../shared/models byte for byte', async () => {
    for (const f of findModel('mobilenet')!.files) {
      expect(sha256(await readFile(path.join(mirrorDir, f.path))), f.path).toBe(f.sha256);
    }
  });
});

describe('cache, mirror, download', () => {
  const catalog = loadCatalog();

  it('finds a model in the mirror without touching the network, and loads it', async () => {
    await initBackend();
    const cacheDir = await tempDir();
    const { classifier, source } = await loadModel('mobilenet', { cacheDir, mirrorDir, fetch: noNetwork });
    expect(source).toMatch(/^mirror: /);
    // 2,601,976 parameters as published; loaded with its 27 batch norms folded into biases.
    expect(classifier.model.countParams()).toBe(2_577_352);
    expect(classifier.spec.labels).toHaveLength(1000);
    classifier.dispose();
    // The same mirror setting serves the model's files, its label file and a dataset.
    const fetched = await fetchModelFiles('mobilenet', { cacheDir, mirrorDir, fetch: noNetwork });
    expect(fetched).toEqual({ id: 'mobilenet', files: { root: mirrorDir, source: 'mirror' }, labels: { root: mirrorDir, source: 'mirror' } });
    const mnist = await loadDataset('mnist', { cacheDir, mirrorDir, fetch: noNetwork, imageSize: [28, 28], channels: 1, limit: 10 });
    expect(mnist.train.description.source).toBe(path.join(path.dirname(mirrorDir), 'datasets', 'mnist'));
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('prefers the cache over the mirror', async () => {
    const cacheDir = await tempDir();
    const entry = catalog.labels.imagenet!;
    await writeFile(path.join(cacheDir, entry.path), await readFile(path.join(mirrorDir, entry.path)));
    const found = await locateFiles([entry], { cacheDir, mirrorDir, fetch: noNetwork });
    expect(found).toEqual({ root: cacheDir, source: 'cache' });
  });

  it('refuses a mirror file whose digest does not match', async () => {
    const cacheDir = await tempDir();
    const badMirror = await tempDir();
    const entry = catalog.labels.imagenet!;
    await writeFile(path.join(badMirror, entry.path), '{"0": ["n0", "tampered"]}');
    await expect(locateFile(entry, { cacheDir, mirrorDir: badMirror, fetch: noNetwork })).rejects.toThrow(/does not match the catalogue/);
  });

  it('says where to get a file when offline and missing', async () => {
    const cacheDir = await tempDir();
    await expect(locateFile(catalog.labels.imagenet!, { cacheDir, offline: true, fetch: noNetwork })).rejects.toThrow(
      /not in .* downloads are off\. Get it from https:\/\/storage\.googleapis\.com/,
    );
  });

  describe('from a server (loopback only)', () => {
    const body = Buffer.from('x'.repeat(200_000));
    let server: http.Server;
    let base: string;
    const hits: string[] = [];

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        hits.push(req.url!);
        if (req.url === '/missing.bin') return res.writeHead(404).end();
        const data = req.url === '/corrupt.bin' ? Buffer.from('y'.repeat(200_000)) : body;
        res.writeHead(200, { 'content-length': data.length });
        // Two chunks, so progress is reported more than once.
        res.write(data.subarray(0, 100_000));
        setTimeout(() => res.end(data.subarray(100_000)), 20);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('downloads with progress, checks sha256 and lands the file whole', async () => {
      const cacheDir = await tempDir();
      const progress: DownloadProgress[] = [];
      const file = { path: 'sub/good.bin', url: `${base}good.bin`, sha256: sha256(body), size: body.length };
      const where = await locateFile(file, { cacheDir, onProgress: (p) => progress.push(p) });
      expect(where).toBe(path.join(cacheDir, 'sub/good.bin'));
      expect((await readFile(where)).equals(body)).toBe(true);
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toMatchObject({ received: body.length, total: body.length });
      expect(await readdir(path.join(cacheDir, 'sub'))).toEqual(['good.bin']);
      // Second time: from the cache, no request.
      const before = hits.length;
      await locateFile(file, { cacheDir });
      expect(hits.length).toBe(before);
    });

    it('leaves nothing behind when the digest is wrong or the server fails', async () => {
      const cacheDir = await tempDir();
      await mkdir(path.join(cacheDir, 'sub'));
      const corrupt = { path: 'sub/corrupt.bin', url: `${base}corrupt.bin`, sha256: sha256(body) };
      await expect(locateFile(corrupt, { cacheDir })).rejects.toThrow(/does not match the catalogue/);
      const missing = { path: 'sub/missing.bin', url: `${base}missing.bin` };
      await expect(locateFile(missing, { cacheDir })).rejects.toThrow(/HTTP 404/);
      expect(await readdir(path.join(cacheDir, 'sub'))).toEqual([]);
      expect(existsSync(path.join(cacheDir, 'sub/corrupt.bin'))).toBe(false);
    });
  });
});
