// The refusals of `train --resume` that test/crash-resume.test.ts (a real killed run) does not
// reach: a run still going, a model that is no `train` checkpoint, one with no finished epoch,
// a dataset whose images or classes changed, and weights of another shape. Stored runs are
// written here as the store keeps them, without training anything.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { layersModelFiles } from '../src-main/core/models/layers-io.ts';
import { META_FILE, ModelStore, type StoredModelMeta } from '../src-main/core/store/model-store.ts';
import { TrainConfig } from '../src-main/core/training/config.ts';
import { checkResumeData, loadCheckpointWeights, resumePoint } from '../src-main/core/training/resume.ts';
import type { EpochRecord } from '../src-main/shared/train-events.ts';
import { tempDir } from './helpers/shared.ts';
import { storedMeta } from './helpers/stored-meta.ts';

beforeAll(() => initBackend());

const record = (epoch: number): EpochRecord => ({ epoch, loss: 1 / epoch, accuracy: 0.5, val_loss: 1 / epoch, val_accuracy: 0.5, lr: 0.001, seconds: 1 });
const config = TrainConfig.parse({ dataset: 'mnist', network: 'lenet5', epochs: 5 });

function meta(name: string, extra: Partial<StoredModelMeta> = {}): StoredModelMeta {
  return storedMeta(name, {
    network: 'lenet5',
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    inputSize: [28, 28],
    preprocessing: 'scale01',
    invertLightBackground: true,
    dataset: { name: 'mnist' },
    history: [record(1), record(2), record(3)],
    bestEpoch: 2,
    status: 'cancelled',
    config,
    ...extra,
  });
}

async function store(...metas: StoredModelMeta[]): Promise<ModelStore> {
  const s = new ModelStore(await tempDir('cs-resume-'));
  for (const m of metas) {
    await mkdir(s.folderOf(m.name), { recursive: true });
    await writeFile(path.join(s.folderOf(m.name), META_FILE), JSON.stringify(m));
  }
  return s;
}

describe('resumePoint', () => {
  it('resumes a stopped run from its best epoch, with its own settings', async () => {
    const s = await store(meta('stopped'));
    const point = await resumePoint({ resume: 'stopped' }, s);
    expect(point.bestEpoch).toBe(2);
    expect(point.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(point.cfg).toEqual({ ...config, out: 'stopped' });
  });

  it('refuses a run that a living process is training right now, naming the process', async () => {
    const s = await store(meta('busy', { status: 'training', writer: { pid: process.pid, host: os.hostname() } }));
    await expect(resumePoint({ resume: 'busy' }, s)).rejects.toThrow(`Cannot resume "busy": it is being trained right now (process ${process.pid}); stop that run first.`);
  });

  it('refuses a model that is no checkpoint of a `train` run: another network, or no training settings', async () => {
    const s = await store(meta('imported', { network: 'keras-import' }), meta('no-settings', { config: undefined }), meta('bad-settings', { config: { ...config, epochs: -3 } }));
    await expect(resumePoint({ resume: 'imported' }, s)).rejects.toThrow(
      /Cannot resume "imported": it is not a checkpoint of a `train` run \(network keras-import\); only the classic networks' runs can be resumed/,
    );
    await expect(resumePoint({ resume: 'no-settings' }, s)).rejects.toThrow(
      /Cannot resume "no-settings": it is not a checkpoint of a `train` run \(network lenet5, no training settings stored\)/,
    );
    await expect(resumePoint({ resume: 'bad-settings' }, s)).rejects.toThrow(/Cannot resume "bad-settings": it is not a checkpoint/);
  });

  it('refuses a run with no finished epoch to continue from', async () => {
    const s = await store(
      meta('fresh', { history: [], bestEpoch: undefined }),
      // A best epoch that the history does not hold.
      meta('torn', { history: [record(1)], bestEpoch: 2 }),
    );
    await expect(resumePoint({ resume: 'fresh' }, s)).rejects.toThrow('Cannot resume "fresh": it holds no finished epoch to continue from.');
    await expect(resumePoint({ resume: 'torn' }, s)).rejects.toThrow('Cannot resume "torn": it holds no finished epoch to continue from.');
  });

  it('takes its own dataset named as it was, another folder spelled differently refused', async () => {
    const folder = path.join(os.tmpdir(), 'pets');
    const s = await store(meta('own', { config: { ...config, dataset: folder } }));
    expect((await resumePoint({ resume: 'own', dataset: path.join(folder, 'x', '..') }, s)).cfg.dataset).toBe(folder);
    await expect(resumePoint({ resume: 'own', dataset: path.join(os.tmpdir(), 'cats') }, s)).rejects.toThrow(/Cannot resume "own" on .*cats: it was trained on .*pets/);
  });
});

describe('checkResumeData', () => {
  const m = meta('digits');
  const classes = m.labels;

  it('accepts the dataset as it was', () => {
    expect(() => checkResumeData(m, classes, [28, 28, 1])).not.toThrow();
  });

  it('refuses images of another size or colour', () => {
    expect(() => checkResumeData(m, classes, [32, 32, 1])).toThrow('Cannot resume "digits": its dataset now gives 32x32x1 images, the model takes 28x28x1.');
    expect(() => checkResumeData(m, classes, [28, 28, 3])).toThrow(/now gives 28x28x3 images/);
  });

  it('refuses classes that changed: one more, one fewer, or the same ones in another order', () => {
    expect(() => checkResumeData(m, [...classes, '10'], [28, 28, 1])).toThrow(/Cannot resume "digits": its dataset's classes are now 0, 1, .*, 10; the model was trained on 0, 1/);
    expect(() => checkResumeData(m, classes.slice(1), [28, 28, 1])).toThrow(/classes are now 1, 2/);
    expect(() => checkResumeData(m, [...classes].reverse(), [28, 28, 1])).toThrow(/classes are now 9, 8/);
  });
});

describe('loadCheckpointWeights', () => {
  const dense = (units: number) => tf.sequential({ name: `dense${units}`, layers: [tf.layers.dense({ units, inputShape: [3] })] });

  async function saved(model: tf.LayersModel): Promise<string> {
    const dir = await tempDir('cs-ckpt-');
    const files = await layersModelFiles(model);
    await writeFile(path.join(dir, 'model.json'), files['model.json']);
    await writeFile(path.join(dir, 'weights.bin'), files['weights.bin']);
    return dir;
  }

  it('loads weights of the same shapes', async () => {
    const from = dense(2);
    const dir = await saved(from);
    const into = dense(2);
    await loadCheckpointWeights(into, dir, 'ckpt');
    expect(into.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(from.getWeights().map((w) => Array.from(w.dataSync())));
    from.dispose();
    into.dispose();
  });

  it('refuses weights of another shape, leaving the model as it was', async () => {
    const dir = await saved(dense(4));
    const into = dense(2);
    const before = into.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(loadCheckpointWeights(into, dir, 'ckpt')).rejects.toThrow(/Cannot resume "ckpt": its weights \(2 tensors: 3x4, 4\.\.\.\) do not fit dense2 \(2: 3x2, 2\.\.\.\)/);
    expect(into.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });
});
