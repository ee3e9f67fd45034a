import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { ModelStore, runState } from '../src-main/core/store/model-store.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import { runTraining } from '../src-main/core/training/run.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { startTraining, type TrainingRun } from '../src-main/service/training.ts';
import { sharedDir, tempDir } from './helpers/shared.ts';

const datasetsMirror = path.join(sharedDir, 'datasets');

async function env() {
  return { cacheDir: await tempDir(), mirrorDir: datasetsMirror, storeDir: await tempDir('cs-store-'), offline: true };
}

beforeAll(async () => {
  await initBackend();
  await ensureTrainable();
});

describe('training on real MNIST', () => {
  it('lenet5, 2 epochs on 2,000 images, reaches at least 90% on 1,000 test images, with no tensor leak', async () => {
    const e = await env();
    const events: TrainEvent[] = [];
    const counts: number[] = [];
    const done = await runTraining(
      // Batch 8: 2 epochs of 2,000 images are only 450 steps, and batch 32 leaves lenet5 near 87%.
      { dataset: 'mnist', network: 'lenet5', epochs: 2, batchSize: 8, limit: 2000, testLimit: 1000, validationSplit: 0.1, out: 'lenet-test' },
      e,
      (ev) => {
        events.push(ev);
        if (ev.event === 'epoch') counts.push(tf.memory().numTensors);
      },
    );
    console.log(`lenet5: test accuracy ${done.test_accuracy}`);
    expect(done.cancelled).toBe(false);
    expect(done.model).toBe('lenet-test');
    expect(done.test_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(counts).toHaveLength(2);
    // Flat but for the best epoch's weights (lenet5's 10 tensors), kept from the end of epoch 1 on.
    expect(counts[1]).toBe(counts[0]! + 10);

    const start = events.find((x) => x.event === 'start')!;
    expect(start).toMatchObject({ network: 'lenet5', train: 1800, validation: 200, test: 1000, stepsPerEpoch: 225 });
    const epochs = events.filter((x) => x.event === 'epoch');
    expect(epochs.map((x) => x.epoch)).toEqual([1, 2]);
    for (const ep of epochs) expect(Object.keys(ep)).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'seconds']));
    const batches = events.filter((x) => x.event === 'batch');
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.at(-1)).toMatchObject({ epoch: 2, step: 225, steps: 225 });
    const evaluation = events.find((x) => x.event === 'evaluation')!;
    expect(evaluation.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    expect(evaluation.evaluation.perClass).toHaveLength(10);

    // Stored with its story, and usable by predict with the model's own preprocessing.
    const meta = await new ModelStore(e.storeDir).get('lenet-test');
    expect(meta).toMatchObject({ network: 'lenet5', status: 'complete', channels: 1, inputSize: [28, 28], invertLightBackground: true });
    expect(meta.history).toHaveLength(2);
    expect(meta.evaluation!.accuracy).toBe(done.test_accuracy);
    const { classifier } = await loadModel('lenet-test', { cacheDir: e.cacheDir, storeDir: e.storeDir, offline: true });
    expect(classifier.spec.labels.map((l) => l.label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    classifier.dispose();
  });

  it('cancel in a worker keeps the best checkpoint, loadable', async () => {
    const e = await env();
    const events: TrainEvent[] = [];
    let cancelledAt = 0;
    // The handler runs only once events come, after the await has set `run`.
    const run: TrainingRun = await startTraining({ dataset: 'mnist', network: 'lenet5', epochs: 50, batchSize: 32, limit: 1000, testLimit: 200, out: 'to-cancel' }, e, (ev) => {
      events.push(ev);
      // Cancel in the middle of the second epoch.
      if (ev.event === 'batch' && ev.epoch === 2 && ev.step > 5 && !cancelledAt) {
        cancelledAt = ev.step;
        run.cancel();
      }
    });
    const done = await run.done;
    expect(cancelledAt).toBeGreaterThan(0);
    expect(done).toMatchObject({ cancelled: true, model: 'to-cancel', bestEpoch: 1 });
    expect(events.filter((x) => x.event === 'epoch')).toHaveLength(1);
    const store = new ModelStore(e.storeDir);
    expect(await store.get('to-cancel')).toMatchObject({ status: 'cancelled', bestEpoch: 1 });
    expect((await readdir(e.storeDir)).filter((n) => !n.startsWith('.'))).toEqual(['to-cancel']);
    expect(await readdir(path.join(e.storeDir, '.reserved'))).toEqual([]); // released when the run ended
    const { classifier } = await loadModel('to-cancel', { cacheDir: e.cacheDir, storeDir: e.storeDir, offline: true });
    expect(classifier.model.countParams()).toBe(61_706);
    classifier.dispose();
  });

  it('a training thread that dies leaves its run interrupted at once (the process lives on), and resumable', async () => {
    const e = await env();
    const store = new ModelStore(e.storeDir);
    let killing: Promise<void> | undefined;
    // The handler runs only once events come, after the await has set `run`.
    const run: TrainingRun = await startTraining({ dataset: 'mnist', network: 'lenet5', epochs: 50, batchSize: 32, limit: 1000, testLimit: 100, out: 'to-die' }, e, (ev) => {
      // Killed mid-epoch 2, after epoch 1's checkpoint: nothing of the thread gets to tidy up.
      if (ev.event === 'batch' && ev.epoch === 2 && !killing) killing = run.kill();
    });
    await expect(run.done).rejects.toThrow(/training worker stopped/);
    await killing;
    const meta = await store.get('to-die');
    expect(meta).toMatchObject({ status: 'cancelled', interrupted: true, bestEpoch: 1 });
    expect(runState(meta)).toBe('interrupted');
    // Resumed, it is a run like any other: no longer marked interrupted once it goes on.
    const events: TrainEvent[] = [];
    const resumed = await startTraining({ resume: 'to-die', epochs: 2 }, e, (ev) => void events.push(ev));
    expect(await resumed.done).toMatchObject({ cancelled: false, model: 'to-die' });
    // Its start names the epochs it continues from, for the window's charts to draw them.
    const start = events.find((ev) => ev.event === 'start');
    expect(start && 'before' in start ? start.before?.map((h) => h.epoch) : undefined).toEqual([1]);
    const after = await store.get('to-die');
    expect(runState(after)).toBe('complete');
    expect(after.interrupted).toBeUndefined();
  });

  it('refuses bad settings before starting', async () => {
    const e = await env();
    await expect(startTraining({ dataset: 'mnist', network: 'lenet5', epochs: 0 }, e, () => undefined)).rejects.toThrow(/epochs/);
    await expect(runTraining({ dataset: 'mnist', network: 'alexnet' }, e, () => undefined)).rejects.toThrow(/Unknown network "alexnet"/);
  });
});
