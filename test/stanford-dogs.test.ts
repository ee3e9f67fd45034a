// Stanford Dogs end to end, small: a Stanford-layout images.tar made of the real dog photos of
// ../shared (each breed's photo cropped several ways: the training and test photos are
// different views of it) and a lists.tar of MATLAB 5 split lists, served over HTTP by a local
// server, go through download (cut mid-way, resumed), digest check, streaming extraction, the
// official split, the dog-breeds build and a recognition. Also: a wrong digest, a refused host,
// the offline route (datasets import, then models build --offline), memory during extraction.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetEntry } from '../src-main/core/datasets/catalog.ts';
import { prepareStanfordDogs, stanfordDogsEntry } from '../src-main/core/datasets/stanford-dogs.ts';
import { ModelStore } from '../src-main/core/store/model-store.ts';
import { startDogBreedsBuild } from '../src-main/service/dog-breeds.ts';
import { dogBreedsPlan } from '../src-main/service/dog-breeds-plan.ts';
import { recordExtractionSpeed } from '../src-main/core/transfer/speed.ts';
import { RecognitionService } from '../src-main/service/recognition.ts';
import { CodedError } from '../src-main/shared/errors.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import type { FileServer } from './helpers/file-server.ts';
import { BREEDS, stanfordFixture, TEST_VIEWS, TRAIN_VIEWS, type StanfordFixture } from './helpers/stanford-fixture.ts';
import { mirrorDir, noNetwork, repoRoot, tempDir } from './helpers/shared.ts';
import { writeTarFile } from './helpers/tar-writer.ts';

let root: string;
let server: FileServer;
let imagesTar: Buffer;
let listsTar: Buffer;
let entry: DatasetEntry;
let testPhotos: StanfordFixture['testPhotos'];

beforeAll(async () => {
  root = await tempDir('cs-dogs-');
  ({ imagesTar, listsTar, testPhotos, server, entry } = await stanfordFixture(root));
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('the Stanford Dogs catalogue entry', () => {
  it('names the official files, sizes and digests', () => {
    expect(stanfordDogsEntry().files).toEqual([
      {
        name: 'images.tar',
        url: 'http://vision.stanford.edu/aditya86/ImageNetDogs/images.tar',
        sha256: 'a443fc2f9a851aa1a7b8e4fa4af94b8459fce2c9f5a2f4dd4669cf9673a4ec58',
        size: 793579520,
      },
      {
        name: 'lists.tar',
        url: 'http://vision.stanford.edu/aditya86/ImageNetDogs/lists.tar',
        sha256: '34b47cacd9a98b5d150e084f24d29391c084c55272295ec65c85651bc35f4d6c',
        size: 481280,
      },
    ]);
    expect(stanfordDogsEntry().counts).toEqual({ train: 12000, test: 8580 });
  });
});

describe('preparing Stanford Dogs from a server', () => {
  it('downloads (cut mid-way, then resumed), checks, unpacks and lays out the official split', async () => {
    const cacheDir = await tempDir();
    const stages = new Set<string>();
    server.requests.length = 0;
    server.cutNextAfter = Math.floor(imagesTar.length / 2);
    await expect(prepareStanfordDogs({ cacheDir, entry })).rejects.toThrow(/interrupted after \d+ of \d+ bytes.*images\.tar\.part is kept/);
    const part = await stat(path.join(cacheDir, 'datasets/stanford-dogs/images.tar.part'));
    expect(part.size).toBeGreaterThan(0);
    expect(part.size).toBeLessThan(imagesTar.length);
    const dogs = await prepareStanfordDogs({ cacheDir, entry, onProgress: (s) => stages.add(s) });
    // The second request asked for the rest only.
    expect(server.requests.find((r) => r.path.endsWith('images.tar') && r.status === 206)?.range).toBe(`bytes=${part.size}-`);
    expect(dogs).toMatchObject({ source: 'download', train: 36, test: 12 });
    expect(dogs.classNames).toEqual(['Shih-Tzu', 'Afghan hound', 'flat-coated retriever', 'German shepherd', 'Siberian husky', 'chow']);
    expect([...stages]).toEqual(['download', 'extract', 'split']);
    const chihuahuaLike = path.join(dogs.root, 'test/n02086240-Shih-Tzu');
    expect((await readdir(chihuahuaLike)).sort()).toEqual(['n02086240_6.jpg', 'n02086240_7.jpg']);
    // Hard links into Images/, not copies; and the 800 MB archive is gone once unpacked.
    expect((await stat(path.join(chihuahuaLike, 'n02086240_6.jpg'))).nlink).toBe(2);
    await expect(stat(path.join(cacheDir, 'datasets/stanford-dogs/images.tar'))).rejects.toThrow();
    // Ready now: no request, no work.
    const again = await prepareStanfordDogs({ cacheDir, entry, fetch: noNetwork, offline: true });
    expect(again).toMatchObject({ source: 'cache', train: 36, test: 12 });
  });

  it('refuses a download whose digest is wrong, keeping nothing of it', async () => {
    const cacheDir = await tempDir();
    const wrong = { ...entry, files: [entry.files[0]!, { ...entry.files[1]!, sha256: '0'.repeat(64) }] };
    await expect(prepareStanfordDogs({ cacheDir, entry: wrong })).rejects.toThrow(
      /lists\.tar does not match the catalogue \(sha256 [0-9a-f]{64}, expected 0{64}\)\. The partial download .* was deleted/,
    );
    await expect(stat(path.join(cacheDir, 'datasets/stanford-dogs/lists.tar.part'))).rejects.toThrow();
  });

  it('says what to do when the host refuses (HTTP 403) or cannot be reached', async () => {
    const refusing = http.createServer((_req, res) => res.writeHead(403).end('Forbidden'));
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const port = (refusing.address() as AddressInfo).port;
    const at = (base: string) => ({ ...entry, files: entry.files.map((f) => ({ ...f, url: `${base}/aditya86/ImageNetDogs/${f.name}` })) });
    try {
      const err = await prepareStanfordDogs({ cacheDir: await tempDir(), entry: at(`http://127.0.0.1:${port}`) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodedError);
      expect((err as CodedError).code).toBe('dataset-download-refused');
      expect((err as CodedError).params).toMatchObject({ detail: 'HTTP 403', page: 'http://vision.stanford.edu/aditya86/ImageNetDogs/' });
      expect((err as Error).message).toMatch(
        /did not serve .*images\.tar \(HTTP 403\).*official page http:\/\/vision\.stanford\.edu\/aditya86\/ImageNetDogs\/.*datasets import stanford-dogs.*offline mirror/,
      );
    } finally {
      await new Promise((r) => refusing.close(r));
    }
    // The port is closed now: connection refused.
    const err = await prepareStanfordDogs({ cacheDir: await tempDir(), entry: at(`http://127.0.0.1:${port}`) }).catch((e: unknown) => e);
    expect((err as CodedError).code).toBe('dataset-download-refused');
    expect((err as Error).message).toMatch(/\(no connection\).*datasets import stanford-dogs/);
    const ko = (await import('../src-renderer/src/locales/ko.ts')).default.errors['dataset-download-refused'];
    // The app's words name the page and the app's button, never a command (test/components/dataset-messages.test.ts).
    expect(ko).toMatch(/공식 페이지 \{page\}/);
    expect(ko).not.toMatch(/classifier-studio|datasets import/);
  });
});

describe('the dog-breeds build', () => {
  it('is answered by dog-breeds-imagenet until built; then builds, tests on the official split, stores and recognizes', async () => {
    const cacheDir = await tempDir();
    const storeDir = await tempDir();
    const recognizer = new RecognitionService({ cacheDir, mirrorDir, storeDir, offline: true, fetch: noNetwork });
    try {
      const before = await recognizer.recognize({ image: testPhotos[0]!.file, model: 'dog-breeds' });
      expect(before).toMatchObject({ model: 'dog-breeds-imagenet', requested: 'dog-breeds' });

      const events: TrainEvent[] = [];
      const run = await startDogBreedsBuild({ epochs: 8, seed: 7 }, { env: { cacheDir, storeDir }, modelMirrorDir: mirrorDir, entry }, (e) => events.push(e));
      const done = await run.done;
      expect(done).toMatchObject({ model: 'dog-breeds', cancelled: false });
      const stages = new Set(events.flatMap((e) => (e.event === 'dataset' ? [e.stage] : [])));
      expect([...stages]).toEqual(expect.arrayContaining(['download Stanford Dogs', 'unpack images.tar', 'official split', 'features (train)', 'features (test)']));
      const evaluation = events.find((e) => e.event === 'evaluation');
      expect(evaluation && evaluation.event === 'evaluation' && evaluation.evaluation.count).toBe(12);
      const meta = await new ModelStore(storeDir).get('dog-breeds');
      expect(meta).toMatchObject({
        status: 'complete',
        network: 'transfer-mobilenet',
        labels: ['Shih-Tzu', 'Afghan hound', 'flat-coated retriever', 'German shepherd', 'Siberian husky', 'chow'],
      });
      expect(meta.evaluation?.accuracy).toBe(done.test_accuracy);
      console.log(
        `dog-breeds on ${BREEDS.length} breeds (${BREEDS.length * TRAIN_VIEWS} training views): test accuracy ${(done.test_accuracy! * 100).toFixed(1)}% on ${BREEDS.length * TEST_VIEWS} held-out views`,
      );
      // Different views of the same photos: a head that learned anything gets most of them.
      expect(done.test_accuracy).toBeGreaterThanOrEqual(0.75);

      let right = 0;
      for (const p of testPhotos) {
        const r = await recognizer.recognize({ image: p.file, model: 'dog-breeds', topK: 3 });
        expect(r.model).toBe('dog-breeds');
        expect(r.requested).toBeUndefined();
        if (r.top[0]!.label === p.breed) right++;
      }
      expect(right / testPhotos.length).toBeGreaterThanOrEqual(0.75);

      // Built: a second build does not replace it unasked, and says so before downloading anything.
      await expect(startDogBreedsBuild({}, { env: { cacheDir, storeDir }, modelMirrorDir: mirrorDir, entry }, () => {})).rejects.toThrow(
        /"dog-breeds" already exists: build with --overwrite/,
      );
    } finally {
      recognizer.dispose();
    }
  }, 240_000);

  it('stops mid-download when asked, keeping the .part for the next build', async () => {
    const cacheDir = await tempDir();
    server.throttle = 16 * 1024;
    try {
      const events: TrainEvent[] = [];
      const run = await startDogBreedsBuild({}, { env: { cacheDir, storeDir: await tempDir() }, modelMirrorDir: mirrorDir, entry }, (e) => {
        events.push(e);
        if (e.event === 'dataset' && e.done > 64 * 1024) run.cancel();
      });
      const done = await run.done;
      expect(done.cancelled).toBe(true);
      expect(done.model).toBeUndefined();
      expect(events.some((e) => e.event === 'log' && /stopped while preparing Stanford Dogs; building again goes on/.test(e.message))).toBe(true);
      expect((await stat(path.join(cacheDir, 'datasets/stanford-dogs/images.tar.part'))).size).toBeGreaterThan(64 * 1024);
    } finally {
      server.throttle = undefined;
    }
  });

  it('stopped while computing features, ends as stopped (not failed); the plan then counts no download and times the backbone', async () => {
    const cacheDir = await tempDir();
    const storeDir = await tempDir();
    const events: TrainEvent[] = [];
    const run = await startDogBreedsBuild({}, { env: { cacheDir, storeDir }, modelMirrorDir: mirrorDir, entry }, (e) => {
      events.push(e);
      if (e.event === 'dataset' && e.stage === 'features (train)') run.cancel();
    });
    const done = await run.done;
    expect(done).toMatchObject({ cancelled: true, history: [] });
    expect(done.model).toBeUndefined();
    expect(events.some((e) => e.event === 'log' && /stopped while computing the train features; those computed so far are cached/.test(e.message))).toBe(true);
    expect(events.filter((e) => e.event === 'done')).toHaveLength(1);
    // Nothing was stored, the photos are here: building again downloads nothing; no extraction finished, so the time is timed.
    let probed = 0;
    const probe = async () => (probed++, { imagesPerSecond: 12, images: 4, backend: 'test', measuredAt: new Date().toISOString() });
    const plan = await dogBreedsPlan({ env: { cacheDir, storeDir }, entry, probe });
    expect(plan).toMatchObject({ built: false, stopped: false, downloadBytes: 0, downloadedBytes: 0, photos: 48, classes: 6, backbone: 'mobilenet' });
    expect(plan.estimate).toMatchObject({ how: 'timed', seconds: 4, imagesPerSecond: 12 });
    expect(probed).toBe(1);
    // A finished extraction's speed wins over a timing.
    await recordExtractionSpeed(cacheDir, 'mobilenet', { computed: 40, cached: 0, seconds: 5, backend: 'test' });
    expect((await dogBreedsPlan({ env: { cacheDir, storeDir }, entry, probe })).estimate).toMatchObject({ how: 'extraction', imagesPerSecond: 8, images: 40, seconds: 6 });
    expect(probed).toBe(1);
    // Too few photos, or mostly cached ones, time the warm-up rather than the speed: not kept.
    await recordExtractionSpeed(cacheDir, 'mobilenet', { computed: 8, cached: 0, seconds: 0.1, backend: 'test' });
    await recordExtractionSpeed(cacheDir, 'mobilenet', { computed: 20, cached: 30, seconds: 0.1, backend: 'test' });
    expect((await dogBreedsPlan({ env: { cacheDir, storeDir }, entry })).estimate?.imagesPerSecond).toBe(8);
  }, 240_000);

  it('without internet: datasets import of the tars, then models build --offline (the CLI)', async () => {
    const home = await tempDir();
    const tars = path.join(home, 'from-usb');
    await mkdir(tars);
    await writeFile(path.join(tars, 'images.tar'), imagesTar);
    await writeFile(path.join(tars, 'lists.tar'), listsTar);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'bin/classifier-studio.js'), ...args, '--cache', path.join(home, 'cache')], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 200_000,
      });
    // Not the official bytes (the official digest is the catalogue's): refused, then accepted once checked.
    const refused = cli('datasets', 'import', 'stanford-dogs', tars);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/lists\.tar \(as lists\.tar of Stanford Dogs\) does not match the catalogue .*--allow-unofficial/);
    const imported = cli('datasets', 'import', 'stanford-dogs', path.join(tars, 'images.tar'), path.join(tars, 'lists.tar'), '--allow-unofficial');
    expect(imported.stderr).toMatch(/Laid out the official split: 36 training and 12 test images of 6 breeds/);
    expect(imported.status).toBe(0);
    const built = cli('models', 'build', 'dog-breeds', '--offline', '--mirror', mirrorDir, '--store', path.join(home, 'store'), '--epochs', '4');
    expect(built.stderr).toMatch(/Stanford Dogs \(cache\): 36 training and 12 test photos of 6 breeds/);
    expect(built.stderr).toMatch(/dog-breeds: \d+\.\d% top-1 on the official test split/);
    expect(built.status).toBe(0);
    const predicted = cli('predict', testPhotos[1]!.file, '--model', 'dog-breeds', '--offline', '--mirror', mirrorDir, '--store', path.join(home, 'store'), '--json');
    expect(JSON.parse(predicted.stdout.trim())).toMatchObject({ model: 'dog-breeds' });
    expect(predicted.stdout).not.toMatch(/requested/);
  }, 240_000);
});

describe('extraction memory', () => {
  const MB = 1024 * 1024;
  /** Peak RSS of a child process (64 MB heap) that unpacks a tar of `n` 1 MB photos. */
  async function peakWhileExtracting(n: number): Promise<{ bytes: number; peak: number }> {
    const dir = await tempDir();
    const archive = path.join(dir, 'big.tar');
    const chunk = Buffer.alloc(MB, 0x5a);
    const bytes = await writeTarFile(
      archive,
      (function* () {
        for (let i = 0; i < n; i++) yield { name: `Images/n000000${i % 10}-breed/${i}.jpg`, data: () => chunk };
      })(),
    );
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=64', path.join(repoRoot, 'bin/run-ts.js'), path.join(repoRoot, 'test/helpers/extract-big-tar.ts'), archive, path.join(dir, 'out')],
      { cwd: repoRoot },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    await rm(dir, { recursive: true, force: true });
    expect(code, err).toBe(0);
    const report = JSON.parse(out.trim()) as { files: number; maxRssBytes: number };
    expect(report.files).toBe(n);
    return { bytes, peak: report.maxRssBytes };
  }

  it('stays flat: six times the archive, about the same peak memory (child processes with a 64 MB heap)', async () => {
    const small = await peakWhileExtracting(64);
    const big = await peakWhileExtracting(384);
    console.log(
      `peak RSS extracting a ${(small.bytes / MB).toFixed(0)} MB tar: ${(small.peak / MB).toFixed(0)} MB; a ${(big.bytes / MB).toFixed(0)} MB tar: ${(big.peak / MB).toFixed(0)} MB`,
    );
    expect(big.peak).toBeLessThan(big.bytes / 2);
    // Whole-archive reading would add 320 MB here.
    expect(big.peak - small.peak).toBeLessThan(64 * MB);
  }, 180_000);
});
