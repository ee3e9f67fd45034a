// The service's jobs when things go wrong, with nothing from ../shared: a folder job cancelled
// halfway, one with an image that cannot be decoded (recognized by a small model saved to a
// temporary store), and a training run that fails in its thread, which must reach the window
// as the run's error in 'training-ended'.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../src-main/contract.ts';
import { initBackend } from '../src-main/core/backend.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { noNetwork, tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

const tmp = await tempDir('cs-jobs-');
const service = new StudioService({ cacheDir: path.join(tmp, 'cache'), storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
const events: StudioEvent[] = [];
service.on((e) => events.push(e));
afterAll(() => service.dispose());

/** A solid-colour PNG of 8x8. */
const png = (file: string, rgb: [number, number, number]) =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);

/** 'colours': 8x8 RGB in, red or blue out, by the mean of the red channel minus the blue one. */
async function storeModel(): Promise<void> {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 3] }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  const kernel = Array.from({ length: 8 * 8 * 3 }, (_, i) => (i % 3 === 0 ? [1, -1] : i % 3 === 2 ? [-1, 1] : [0, 0]));
  model.setWeights([tf.tensor2d(kernel), tf.zeros([2])]);
  const meta = storedMeta('colours', { labels: ['red', 'blue'], inputSize: [8, 8], channels: 3, preprocessing: 'scale01' });
  await service.store.withReservation('colours', 'saved', 'replace', (held) => service.store.save(model, meta, held));
  model.dispose();
}

beforeAll(async () => {
  await initBackend();
  await storeModel();
});

describe('folder jobs', () => {
  it('answers every image, and an image that cannot be decoded as an item with its error, in order', async () => {
    const folder = path.join(tmp, 'mixed');
    await mkdir(folder);
    await png(path.join(folder, '1-red.png'), [250, 0, 0]);
    await writeFile(path.join(folder, '2-broken.jpg'), 'this is no JPEG');
    await png(path.join(folder, '3-blue.png'), [0, 0, 250]);
    events.length = 0;
    const reply = await service.recognizeFolder({ jobId: 'mixed', folder, model: 'colours', topK: 1 });
    expect(reply.cancelled).toBe(false);
    expect(reply.items.map((i) => [i.name, i.top?.[0]?.label ?? 'error'])).toEqual([
      ['1-red.png', 'red'],
      ['2-broken.jpg', 'error'],
      ['3-blue.png', 'blue'],
    ]);
    const broken = reply.items[1]!;
    expect(broken.error).toMatch(/2-broken\.jpg/);
    expect(broken.error).toMatch(/decode|image|format|unsupported/i);
    expect(broken.thumbnail).toBeUndefined();
    expect(reply.items[0]!.thumbnail).toMatch(/^data:image\//);
    // Progress: 0 of 3, then each item as it is answered, the broken one included.
    const progress = events.flatMap((e) => (e.type === 'folder' && e.jobId === 'mixed' ? [[e.done, e.total, e.item?.name ?? null]] : []));
    expect(progress).toEqual([
      [0, 3, null],
      [1, 3, '1-red.png'],
      [2, 3, '2-broken.jpg'],
      [3, 3, '3-blue.png'],
    ]);
  });

  it('stops at the next image once cancelled, replying with the items answered so far', async () => {
    const folder = path.join(tmp, 'many');
    await mkdir(folder);
    for (let i = 0; i < 6; i++) await png(path.join(folder, `img-${i}.png`), [40 * i, 0, 250 - 40 * i]);
    const off = service.on((e) => {
      if (e.type === 'folder' && e.jobId === 'many' && e.done === 2) service.cancelFolder('many');
    });
    events.length = 0;
    const reply = await service.recognizeFolder({ jobId: 'many', folder, model: 'colours' });
    off();
    expect(reply.cancelled).toBe(true);
    expect(reply.items.map((i) => i.name)).toEqual(['img-0.png', 'img-1.png']);
    expect(reply.items.every((i) => i.top?.length === 2 && !i.error)).toBe(true);
    const progress = events.flatMap((e) => (e.type === 'folder' && e.jobId === 'many' ? [e.done] : []));
    expect(progress).toEqual([0, 1, 2]);
    // A job that is over (or never was) can be cancelled without harm, and the next job runs whole.
    service.cancelFolder('many');
    service.cancelFolder('no-such-job');
    expect((await service.recognizeFolder({ jobId: 'many', folder, model: 'colours' })).items).toHaveLength(6);
  });
});

describe('a training run that fails', () => {
  it('ends with its error in training-ended (what the window shows), and a log line', async () => {
    // A folder of one class: the run starts, and its thread refuses the dataset.
    const folder = path.join(tmp, 'one-class');
    await mkdir(path.join(folder, 'red'), { recursive: true });
    for (let i = 0; i < 4; i++) await png(path.join(folder, 'red', `${i}.png`), [200 + i, 0, 0]);
    events.length = 0;
    await service.startTraining({ runId: 'doomed', dataset: folder, network: 'lenet5', epochs: 1, optimizer: 'adam', learningRate: 0.001, validationSplit: 0 });
    await service.settle();
    const ended = events.filter((e) => e.type === 'training-ended');
    // Coded through the training thread, so the window words it in the user's language.
    expect(ended).toEqual([
      {
        type: 'training-ended',
        runId: 'doomed',
        error: expect.stringMatching(/has only one class \(red\); training needs at least 2/),
        code: 'dataset-too-few-classes',
        params: { name: 'one-class' },
      },
    ]);
    expect(events.some((e) => e.type === 'log' && e.level === 'error' && /training failed: .*only one class/.test(e.message))).toBe(true);
    // Nothing of the run is left in the store, and the next run may start.
    expect((await service.storedModels()).map((m) => m.name)).toEqual(['colours']);
  });
});
