// How photos are fitted to a model's input ('crop' or 'squash'), stored with each model and used
// by predict: a stored model whose answer tells the two apart (the mean colour of what it sees),
// and a picture of red, green and blue thirds, of which crop keeps only the green middle.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { checkMetadata } from '../src-main/core/store/meta-check.ts';
import { ModelStore, type StoredModelMeta } from '../src-main/core/store/model-store.ts';
import { loadCatalog } from '../src-main/core/zoo/catalog.ts';
import { RecognitionService } from '../src-main/service/recognition.ts';
import { jsonLines, runCli } from './helpers/cli.ts';
import { noNetwork, tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

const tmp = await tempDir('cs-fit-');
const storeDir = path.join(tmp, 'store');
const store = new ModelStore(storeDir);
const service = new RecognitionService({ cacheDir: path.join(tmp, 'cache'), storeDir, offline: true, fetch: noNetwork });
const thirds = path.join(tmp, 'thirds.png');
afterAll(() => service.dispose());

/** 'mean-colour': 4x4 RGB in, red / green / blue out by the mean of each channel (softmax of 10x the mean). */
function meanColourModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.globalAveragePooling2d({ inputShape: [4, 4, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  });
  model.setWeights([tf.eye(3).mul(10), tf.zeros([3])]);
  return model;
}

async function storeModel(name: string, fit: StoredModelMeta['fit']): Promise<void> {
  const model = meanColourModel();
  const meta = storedMeta(name, { labels: ['red', 'green', 'blue'], inputSize: [4, 4], channels: 3, preprocessing: 'scale01', ...(fit ? { fit } : {}) });
  await store.withReservation(name, 'saved', 'replace', (held) => store.save(model, meta, held));
  model.dispose();
}

beforeAll(async () => {
  await initBackend('cpu');
  // 300x100: red, green and blue thirds.
  const raw = Buffer.alloc(300 * 100 * 3);
  for (let y = 0; y < 100; y++) for (let x = 0; x < 300; x++) raw.set(x < 100 ? [255, 0, 0] : x < 200 ? [0, 255, 0] : [0, 0, 255], (y * 300 + x) * 3);
  await writeFile(
    thirds,
    await sharp(raw, { raw: { width: 300, height: 100, channels: 3 } })
      .png()
      .toBuffer(),
  );
  await storeModel('cropped', 'crop');
  await storeModel('squashed', 'squash');
  await storeModel('old', undefined);
});

const probabilities = async (model: string, fit?: 'crop' | 'squash') => {
  const r = await service.recognize({ image: thirds, model, topK: 3, fit });
  return Object.fromEntries(r.top.map((p) => [p.label, p.probability]));
};

describe('the fit stored with a model', () => {
  it('round-trips through the store, and a model stored without it reads as squash', async () => {
    expect((await store.get('cropped')).fit).toBe('crop');
    expect((await store.get('squashed')).fit).toBe('squash');
    expect((await store.get('old')).fit).toBeUndefined();
    expect((await service.model('old')).spec.fit).toBe('squash');
    expect((await service.model('cropped')).spec.fit).toBe('crop');
  });

  it('is what recognition uses: crop sees only the green middle, squash all three thirds', async () => {
    const cropped = await probabilities('cropped');
    expect(cropped.green).toBeGreaterThan(0.99);
    for (const model of ['squashed', 'old']) {
      const p = await probabilities(model);
      for (const colour of ['red', 'green', 'blue']) expect(p[colour]).toBeCloseTo(1 / 3, 1);
    }
    // An explicit choice (predict --resize) overrides the stored one, both ways.
    expect((await probabilities('cropped', 'squash')).green).toBeCloseTo(1 / 3, 1);
    expect((await probabilities('old', 'crop')).green).toBeGreaterThan(0.99);
  });

  it("is checked in a model folder's metadata", () => {
    const model = meanColourModel();
    try {
      expect(checkMetadata({ fit: 'crop' }, 'meta.json', model).fit).toBe('crop');
      expect(() => checkMetadata({ fit: 'stretch' }, 'meta.json', model)).toThrow(/meta\.json: not valid model metadata \(fit: /);
    } finally {
      model.dispose();
    }
  });

  it('is crop for every ImageNet model of the zoo catalogue', () => {
    const { models, views } = loadCatalog();
    for (const m of models) expect([m.id, m.fit]).toEqual([m.id, 'crop']);
    // Views inherit their model's.
    for (const v of views) expect(v.fit ?? 'crop').toBe('crop');
  });
});

describe('predict --resize', () => {
  it('uses the stored fit, overrides it when given, and refuses an unknown one', async () => {
    const args = (model: string, ...more: string[]) => [
      'predict',
      thirds,
      '--model',
      model,
      '--store',
      storeDir,
      '--cache',
      path.join(tmp, 'cache'),
      '--offline',
      '--json',
      '--top',
      '1',
      ...more,
    ];
    const top = async (model: string, ...more: string[]) => {
      const run = await runCli(args(model, ...more));
      expect(run.stderr).toBe('');
      const [line] = jsonLines(run.stdout) as { top: { label: string; probability: number }[] }[];
      return line!.top[0]!;
    };
    expect(await top('cropped')).toMatchObject({ label: 'green' });
    expect((await top('cropped')).probability).toBeGreaterThan(0.99);
    expect((await top('old')).probability).toBeLessThan(0.4);
    expect(await top('old', '--resize', 'crop')).toMatchObject({ label: 'green' });
    expect((await top('cropped', '--resize', 'squash')).probability).toBeLessThan(0.4);
    const bad = await runCli(args('cropped', '--resize', 'stretch'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--resize.*stretch.*crop, squash/s);
  }, 180_000);
});
