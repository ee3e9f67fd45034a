// Models out and back in, on real data from ../shared: a LeNet-5 trained on MNIST, a MobileNet
// transfer model (stored folded, exported with its batch norms back) and MobileNet itself, each
// exported in the three formats, read back through predict's loader, and compared on real photos.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import type { Classifier } from '../src-main/core/classifier.ts';
import { loadBackbone } from '../src-main/core/transfer/backbone.ts';
import { transferHead } from '../src-main/core/transfer/head.ts';
import { plainStoredModel, writeModelAs } from '../src-main/core/store/export-model.ts';
import * as tf from '@tensorflow/tfjs';
import { ModelStore } from '../src-main/core/store/model-store.ts';
import { findModel } from '../src-main/core/zoo/catalog.ts';
import { loadModel, loadPlainZooModel } from '../src-main/core/zoo/load.ts';
import { startTraining } from '../src-main/service/training.ts';
import { evaluateModel } from '../src-main/service/model-eval.ts';
import { runCli } from './helpers/cli.ts';
import { imagenetDevDir, mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

const FORMATS = ['keras', 'h5', 'tfjs'] as const;
const out = (dir: string, f: (typeof FORMATS)[number]) => path.join(dir, f === 'keras' ? 'm.keras' : f === 'h5' ? 'm.h5' : 'm-tfjs');

beforeAll(async () => {
  await initBackend();
  await ensureTrainable();
});

async function photos(n: number): Promise<string[]> {
  const names = (await readdir(imagenetDevDir)).filter((f) => f.endsWith('.JPEG')).sort();
  return names
    .filter((_, i) => i % Math.floor(names.length / n) === 0)
    .slice(0, n)
    .map((f) => path.join(imagenetDevDir, f));
}

/** Largest softmax difference of two classifiers on the same photos, each decoded by its own spec. */
async function softmaxGap(a: Classifier, b: Classifier, files: string[]): Promise<number> {
  const pa = await a.probabilities(await Promise.all(files.map((f) => a.decode(f))));
  const pb = await b.probabilities(await Promise.all(files.map((f) => b.decode(f))));
  return Math.max(...pa.flatMap((p, i) => Array.from(p, (v, k) => Math.abs(v - pb[i]![k]!))));
}

const useOf = (c: Classifier) => ({
  labels: c.spec.labels.map((l) => l.label),
  inputSize: c.spec.inputSize,
  channels: c.spec.channels,
  preprocessing: c.spec.preprocessing,
  resize: c.spec.resize,
  fit: c.spec.fit,
  invert: c.spec.invertLightBackground,
});

describe('export round trips on real models and photos', () => {
  it('a MobileNet transfer model (stored folded, one conv fine-tuned) exports with its batch norms and backbone, the same to 1e-5', async () => {
    const sources = { cacheDir: await tempDir(), mirrorDir, offline: true };
    const storeDir = await tempDir('cs-store-');
    const backbone = await loadBackbone('mobilenet', sources);
    const head = transferHead(backbone.featureLength, 3, { units: 16, dropout: 0.2, seed: 5 });
    const combined = head.attach(backbone.classifier.model.inputs as never, backbone.pooled);
    // As if fine-tuned: the last folded convolution changed.
    const last = combined.layers.filter((l) => l.getClassName() === 'Conv2D').at(-1)!;
    last.setWeights(last.getWeights().map((w) => w.mul(1.01)));
    const store = new ModelStore(storeDir);
    const held = await store.reserve('dogs', 'trained', 'refuse');
    const meta = storedMeta('dogs', {
      network: 'transfer-mobilenet',
      labels: ['a', 'b', 'c'],
      inputSize: [224, 224],
      channels: 3,
      preprocessing: backbone.preprocessing,
      dataset: {},
    });
    await store.save(combined, meta, held);
    await store.release(held);
    const files = await photos(4);
    const stored = (await loadModel('dogs', { ...sources, storeDir })).classifier;
    const dir = await tempDir();
    for (const format of FORMATS) {
      const r = await runCli([
        'trained',
        'export',
        'dogs',
        '--format',
        format,
        '--out',
        out(dir, format),
        '--store',
        storeDir,
        '--mirror',
        mirrorDir,
        '--cache',
        sources.cacheDir,
        '--offline',
      ]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code, r.stderr).toBe(0);
      const back = (await loadModel(out(dir, format), sources)).classifier;
      expect(useOf(back)).toEqual(useOf(stored));
      expect(await softmaxGap(stored, back, files)).toBeLessThan(1e-5);
      back.dispose();
    }
    // Plain Keras layers: the batch norms are back, with the published values where nothing was trained.
    const { model: exported } = await import('../src-main/core/models/model-file.ts').then((m) => m.loadModelFile(out(dir, 'keras')));
    const published = (await loadPlainZooModel(findModel('mobilenet')!, sources)).model;
    expect(exported.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(published.layers.filter((l) => l.getClassName() === 'BatchNormalization').length);
    const conv = exported.getLayer('conv1');
    expect(Array.from(conv.getWeights()[0]!.dataSync())).toEqual(Array.from(published.getLayer('conv1').getWeights()[0]!.dataSync()));
    // An export leaves nothing in memory: the published top past the cut (MobileNet's classifier) goes too.
    exported.dispose();
    published.dispose();
    const before = tf.memory().numTensors;
    const plain = await plainStoredModel(store, await store.get('dogs'), sources);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    plain.dispose();
    expect(tf.memory().numTensors).toBe(before);
    stored.dispose();
  }, 600_000);

  it('MobileNet itself (plain, as published) round-trips in the three formats to 1e-5', async () => {
    const sources = { cacheDir: await tempDir(), mirrorDir, offline: true };
    const zoo = (await loadModel('mobilenet', sources)).classifier;
    const plain = (await loadPlainZooModel(findModel('mobilenet')!, sources)).model;
    const studio = {
      name: 'mobilenet',
      labels: zoo.spec.labels.map((l) => l.label),
      preprocessing: zoo.spec.preprocessing,
      inputSize: zoo.spec.inputSize,
      channels: zoo.spec.channels,
      resize: 'bilinear' as const,
      fit: zoo.spec.fit,
      invertLightBackground: false,
    };
    const dir = await tempDir();
    const files = await photos(4);
    for (const format of FORMATS) {
      await writeModelAs(plain, studio, { format, out: out(dir, format) });
      const back = (await loadModel(out(dir, format), sources)).classifier;
      expect(back.spec.labels.map((l) => l.label)).toEqual(studio.labels);
      expect(back.spec.fit).toBe('crop'); // centre-cropped, as MobileNet was evaluated
      expect(await softmaxGap(zoo, back, files)).toBeLessThan(1e-5);
      back.dispose();
    }
    zoo.dispose();
  }, 600_000);

  it('a LeNet-5 trained one epoch on MNIST: trained export in each format, eval of the file within 0.002 of the stored accuracy; import takes each back', async () => {
    const env = { cacheDir: await tempDir(), mirrorDir: path.join(sharedDir, 'datasets'), storeDir: await tempDir('cs-store-'), offline: true };
    const run = await startTraining(
      { dataset: 'mnist', network: 'lenet5', epochs: 1, batchSize: 32, limit: 3000, testLimit: 1000, validationSplit: 0.1, out: 'lenet' },
      env,
      () => undefined,
    );
    const done = await run.done;
    expect(done.model).toBe('lenet');
    const meta = await new ModelStore(env.storeDir).get('lenet');
    const accuracy = meta.evaluation!.accuracy;
    expect(accuracy).toBeGreaterThan(0.8);
    const dir = await tempDir();
    const stored = (await loadModel('lenet', env)).classifier;
    for (const format of FORMATS) {
      const r = await runCli(['trained', 'export', 'lenet', '--format', format, '--out', out(dir, format), '--store', env.storeDir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ name: 'lenet', format, out: out(dir, format) });
      const score = await evaluateModel(out(dir, format), 'mnist', env, 1000);
      expect(Math.abs(score.accuracy - accuracy)).toBeLessThanOrEqual(0.002);
      const back = (await loadModel(out(dir, format), env)).classifier;
      expect(useOf(back)).toEqual(useOf(stored));
      back.dispose();
      const again = await runCli(['trained', 'export', 'lenet', '--format', format, '--out', out(dir, format), '--store', env.storeDir]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already exists: choose another place, or ask to replace it \(--overwrite\)/);
      const imported = await runCli(['trained', 'import', out(dir, format), '--name', `back-${format}`, '--store', env.storeDir]);
      expect(imported.stderr).not.toMatch(/error/i);
      expect(imported.stdout).toMatch(/28x28x1 input, 10 classes, preprocessing/);
    }
    stored.dispose();
  }, 600_000);
});
