// A training run killed with SIGKILL mid-epoch (the real CLI, real MNIST): its best checkpoint
// loads and predicts, the store tells it was interrupted, and `train --resume` finishes the run
// under the same name with the history going on from the checkpoint's epoch. Then the refusals.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { loadDataset } from '../src-main/core/datasets/catalog.ts';
import { splitValidation } from '../src-main/core/datasets/types.ts';
import { ModelStore, runState } from '../src-main/core/store/model-store.ts';
import type { EpochRecord } from '../src-main/shared/train-events.ts';
import { measure } from '../src-main/core/training/fit.ts';
import { makeLoss } from '../src-main/core/training/losses.ts';
import { runTraining } from '../src-main/core/training/run.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { jsonLines, runCli } from './helpers/cli.ts';
import { repoRoot, sharedDir, tempDir } from './helpers/shared.ts';

const datasets = path.join(sharedDir, 'datasets');
const NAME = 'crashy';
// 1,200 training images in batches of 16: an epoch is 75 steps, a few seconds here.
const RUN = ['--dataset', 'mnist', '--model', 'lenet5', '--epochs', '4', '--batch-size', '16', '--limit', '1500', '--test-limit', '200'];

type Line = Record<string, unknown>;

/** Starts `train --json` and SIGKILLs it halfway through epoch 3, timed from epoch 2's length. */
function trainAndKill(args: string[]): Promise<{ lines: Line[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/classifier-studio.js'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (l) => {
    const e = JSON.parse(l) as Line;
    lines.push(e);
    if (e.event === 'epoch' && e.epoch === 2) setTimeout(() => child.kill('SIGKILL'), ((e.seconds as number) * 1000) / 2);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal ? resolve({ lines, signal }) : reject(new Error(`train ended by itself (code ${code}) before the kill: ${stderr}`))));
  });
}

/** The first `n` MNIST test digits as PNG files' bytes, with their labels. */
async function mnistDigits(n: number): Promise<{ png: Buffer; label: number }[]> {
  const images = gunzipSync(readFileSync(path.join(datasets, 'mnist/t10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(path.join(datasets, 'mnist/t10k-labels-idx1-ubyte.gz')));
  return Promise.all(
    Array.from({ length: n }, async (_, i) => ({
      png: await sharp(images.subarray(16 + i * 784, 16 + (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toBuffer(),
      label: labels[8 + i]!,
    })),
  );
}

beforeAll(async () => {
  await initBackend();
  await ensureTrainable();
});

describe('a training run killed with SIGKILL, then resumed', async () => {
  const storeDir = await tempDir('cs-crash-store-');
  const cacheDir = await tempDir('cs-crash-cache-');
  const storage = ['--mirror', datasets, '--cache', cacheDir, '--store', storeDir, '--offline'];
  const store = new ModelStore(storeDir);
  let killed: Line[] = [];
  let checkpointEpoch = 0;

  it('leaves its best checkpoint loadable, with the weights of that epoch, and marked interrupted', async () => {
    const { lines, signal } = await trainAndKill(['train', ...RUN, '--out', NAME, '--json', ...storage]);
    killed = lines;
    expect(signal).toBe('SIGKILL');
    const epochs = lines.filter((l) => l.event === 'epoch').map((l) => l.epoch);
    expect(epochs).toEqual([1, 2]); // killed inside epoch 3
    expect(lines.some((l) => l.event === 'done')).toBe(false);
    checkpointEpoch = lines.filter((l) => l.event === 'checkpoint').at(-1)!.epoch as number;
    expect(checkpointEpoch).toBeGreaterThanOrEqual(1);

    const meta = await store.get(NAME);
    expect(meta).toMatchObject({ status: 'training', bestEpoch: checkpointEpoch, network: 'lenet5' });
    expect(runState(meta)).toBe('interrupted');
    expect(meta.history.map((h) => h.epoch)).toEqual(Array.from({ length: checkpointEpoch }, (_, i) => i + 1));
    expect((await readdir(storeDir)).filter((n) => !n.startsWith('.'))).toEqual([NAME]);
    // The killed run's reservation stays behind, stale: its process is gone, so the next run takes it over.
    expect(await readdir(path.join(storeDir, '.reserved'))).toEqual([NAME]);

    // The stored weights are the checkpoint epoch's: they give its validation loss again.
    const { classifier } = await loadModel(NAME, { cacheDir, storeDir, offline: true });
    try {
      const splits = await loadDataset('mnist', { cacheDir, mirrorDir: datasets, offline: true, limit: 1500, testLimit: 200, imageSize: [28, 28], channels: 1 });
      const { validation } = splitValidation(splits.train, 0.2);
      const v = await measure(classifier.model, validation, 'scale01', makeLoss({ name: 'sparse-categorical-crossentropy' }));
      const logged = lines.find((l) => l.event === 'epoch' && l.epoch === checkpointEpoch)!;
      expect(v.loss).toBeCloseTo(logged.val_loss as number, 5);
      expect(v.accuracy).toBeCloseTo(logged.val_accuracy as number, 6);

      // And it recognizes real digits from image files, with the model's own preprocessing.
      const digits = await mnistDigits(20);
      const answers = await classifier.classify(await Promise.all(digits.map((d, i) => classifier.decode(d.png, `digit-${i}.png`))), 1);
      const right = answers.filter((a, i) => a[0]!.label === String(digits[i]!.label)).length;
      console.log(`checkpoint of epoch ${checkpointEpoch}: val_loss ${v.loss.toFixed(4)}, ${right}/20 test digits right`);
      expect(right).toBeGreaterThanOrEqual(14);
    } finally {
      classifier.dispose();
    }
  });

  it('is listed as interrupted by `trained list` and by the service, and offered for recognition', async () => {
    const list = await runCli(['trained', 'list', '--json', '--store', storeDir]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: NAME, status: 'training', state: 'interrupted', bestEpoch: checkpointEpoch, epochs: checkpointEpoch }),
    ]);
    const studio = new StudioService({ storeDir, cacheDir, offline: true });
    try {
      expect(await studio.storedModels()).toEqual([expect.objectContaining({ name: NAME, status: 'cancelled', interrupted: true, bestEpoch: checkpointEpoch })]);
      expect((await studio.listModels()).map((m) => m.id)).toContain(NAME);
    } finally {
      studio.dispose();
    }
  });

  // Other settings beside --resume are refused as the flags are read: test/cli-options.test.ts.
  it('refuses to resume as another network or on another dataset, naming the model', async () => {
    const env = { cacheDir, mirrorDir: datasets, storeDir, offline: true };
    await expect(runTraining({ resume: NAME, network: 'fashion-cnn' }, env, () => undefined)).rejects.toThrow(/Cannot resume "crashy" as fashion-cnn: it is a lenet5 model/);
    await expect(runTraining({ resume: NAME, dataset: 'fashion-mnist' }, env, () => undefined)).rejects.toThrow(/Cannot resume "crashy" on fashion-mnist: it was trained on mnist/);
    await expect(runTraining({ resume: 'nothing-here' }, env, () => undefined)).rejects.toThrow(/Cannot resume "nothing-here": there is no such model/);
    await expect(runTraining({ resume: NAME, epochs: checkpointEpoch }, env, () => undefined)).rejects.toThrow(/ask for more epochs/);
    expect(runState(await store.get(NAME))).toBe('interrupted'); // the refusals changed nothing
  });

  it('`train --resume` finishes the remaining epochs under the same name, the history going on from the checkpoint', async () => {
    const run = await runCli(['train', '--resume', NAME, '--json', ...storage]);
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.find((l) => l.event === 'log' && /fresh optimizer/.test(l.message as string))).toBeTruthy();
    const resumedEpochs = lines.filter((l) => l.event === 'epoch').map((l) => l.epoch);
    expect(resumedEpochs).toEqual(Array.from({ length: 4 - checkpointEpoch }, (_, i) => checkpointEpoch + 1 + i));
    const done = lines.find((l) => l.event === 'done')!;
    expect(done).toMatchObject({ model: NAME, cancelled: false });
    const history = done.history as EpochRecord[];
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    // The epochs before the checkpoint are the killed run's own records.
    const before = killed.filter((l) => l.event === 'epoch' && (l.epoch as number) <= checkpointEpoch).map(({ event: _e, ...r }) => r);
    expect(history.slice(0, checkpointEpoch)).toEqual(before);
    expect(done.bestEpoch as number).toBeGreaterThanOrEqual(checkpointEpoch);
    expect(done.test_accuracy as number).toBeGreaterThan(0.85);

    const meta = await store.get(NAME);
    expect(meta).toMatchObject({ status: 'complete', bestEpoch: done.bestEpoch });
    expect(meta.history).toHaveLength(4);
    expect(meta.evaluation?.accuracy).toBe(done.test_accuracy);
    expect((await readdir(storeDir)).filter((n) => !n.startsWith('.'))).toEqual([NAME]);
    expect(await readdir(path.join(storeDir, '.reserved'))).toEqual([]);

    // Complete now: resuming again needs more epochs than it ran.
    const env = { cacheDir, mirrorDir: datasets, storeDir, offline: true };
    await expect(runTraining({ resume: NAME }, env, () => undefined)).rejects.toThrow(
      /"crashy" is complete: it ran 4 epochs .* ask for more epochs than that \(e\.g\. --epochs 9\)/,
    );
  });
});
