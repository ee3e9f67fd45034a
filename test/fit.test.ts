// The training loop's callbacks and augmentation on a tiny synthetic set (4x4 grey images, two
// classes, a one-layer model), so each run takes a fraction of a second: EarlyStopping and
// ReduceLROnPlateau stop and lower the rate at the epochs Keras would, the best weights come
// back, and augmentation moves the pixels training sees and nothing else.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { memoryImageSet, type ImageSet } from '../src-main/core/datasets/types.ts';
import { TrainConfig, type TrainConfigInput } from '../src-main/core/training/config.ts';
import { fit, measure } from '../src-main/core/training/fit.ts';
import { makeLoss } from '../src-main/core/training/losses.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';

beforeAll(() => initBackend());

const H = 4;
const W = 4;

/** Class 0 is bright on the left, class 1 on the right, with noise: no image is its own mirror. */
function synthetic(n: number, seed: number, flipLabels = false): ImageSet {
  const random = mulberry32(seed);
  const x = new Uint8Array(n * H * W);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const bright0 = labels[i] === 0;
    if (flipLabels) labels[i] = 1 - labels[i]!;
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const bright = c < W / 2 === bright0;
        x[i * H * W + r * W + c] = Math.floor((bright ? 150 : 20) + random() * 80);
      }
    }
  }
  return memoryImageSet({ x, labels, imageShape: [H, W, 1], classNames: ['left', 'right'], description: { name: 'synthetic', source: 'test', format: 'memory' } });
}

function model(): tf.LayersModel {
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [H, W, 1] }), tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'zeros' })] });
  return m;
}

const config = (c: Partial<TrainConfigInput>) => TrainConfig.parse({ dataset: 'synthetic', network: 'test', batchSize: 8, optimizer: { name: 'sgd', learningRate: 0.1 }, ...c });

async function run(c: Partial<TrainConfigInput>, validation: ImageSet | null = synthetic(16, 2), m = model()) {
  const events: TrainEvent[] = [];
  /** The weights at each checkpoint, by epoch. */
  const saved = new Map<number, number[][]>();
  const result = await fit(m, synthetic(48, 1), validation ?? undefined, config(c), 'scale01', {
    emit: (e) => events.push(e),
    checkpoint: async (cm, _history, epoch) => {
      saved.set(
        epoch,
        cm.getWeights().map((w) => Array.from(w.dataSync())),
      );
      return `checkpoint-${epoch}`;
    },
  });
  const of = <K extends TrainEvent['event']>(k: K) => events.filter((e): e is Extract<TrainEvent, { event: K }> => e.event === k);
  const weights = () => m.getWeights().map((w) => Array.from(w.dataSync()));
  return { result, events, of, model: m, saved, weights };
}

describe('fit: EarlyStopping and ReduceLROnPlateau', () => {
  it('stops `patience` epochs after the last improvement, lowers the rate each `patience` epochs down to min_lr, and restores the best weights', async () => {
    // A min_delta no epoch can beat: every epoch after the first one counts as no improvement.
    const {
      result,
      of,
      model: m,
      saved,
      weights,
    } = await run({
      epochs: 10,
      earlyStopping: { monitor: 'val_loss', patience: 5, minDelta: 100 },
      reduceLrOnPlateau: { monitor: 'val_loss', patience: 2, factor: 0.5, minLr: 0.04, minDelta: 100 },
    });
    expect(result).toMatchObject({ stoppedEarly: true, cancelled: false });
    expect(of('epoch').map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    // Keras: wait reaches patience at the 5th epoch after the best one.
    expect(of('early-stop')).toEqual([{ event: 'early-stop', epoch: 6, bestEpoch: result.bestEpoch }]);
    // 0.1 -> 0.05 after epoch 3; the wait starts again, and after epoch 5 0.025 is held at min_lr 0.04.
    expect(of('lr').map(({ epoch, lr }) => [epoch, lr])).toEqual([
      [3, 0.05],
      [5, 0.04],
    ]);
    expect(result.history.map((h) => h.lr)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.04]);

    // The checkpoint monitor (val_loss, no min_delta) picks the best epoch, and the model leaves with its weights.
    const losses = result.history.map((h) => h.val_loss!);
    expect(result.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    expect(result.checkpoint).toBe(`checkpoint-${result.bestEpoch}`);
    expect(weights()).toEqual(saved.get(result.bestEpoch!));
    const after = await measure(m, synthetic(16, 2), 'scale01', makeLoss({ name: 'sparse-categorical-crossentropy' }));
    expect(after.loss).toBeCloseTo(losses[result.bestEpoch! - 1]!, 6);
    m.dispose();
  });

  it('keeps going while the monitored value improves; without a validation set val_loss means loss', async () => {
    // A separable problem at a small rate: the training loss falls every epoch.
    const { result, of } = await run(
      {
        epochs: 5,
        optimizer: { name: 'sgd', learningRate: 0.05 },
        earlyStopping: { monitor: 'val_loss', patience: 0 },
        reduceLrOnPlateau: { monitor: 'val_loss', patience: 0, factor: 0.5 },
        checkpointMonitor: 'val_loss',
      },
      null,
    );
    const losses = result.history.map((h) => h.loss);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    expect(result.stoppedEarly).toBe(false);
    expect(of('epoch')).toHaveLength(5);
    expect(of('lr')).toEqual([]);
    expect(result.bestEpoch).toBe(5);
    expect(result.history.every((h) => h.val_loss === undefined)).toBe(true);
  });

  // Validated on the opposite labels: the better the model learns, the worse val_loss gets.
  const contrary = () => synthetic(16, 2, true);

  it("with patience 1 stops at the first epoch that is not better, and goes back to the best epoch's weights", async () => {
    const { result, of, saved, weights, model: m } = await run({ epochs: 20, earlyStopping: { monitor: 'val_loss', patience: 1 } }, contrary());
    const losses = result.history.map((h) => h.val_loss!);
    expect(losses[1]!).toBeGreaterThan(losses[0]!);
    expect(of('early-stop')).toEqual([{ event: 'early-stop', epoch: 2, bestEpoch: 1 }]);
    expect(of('checkpoint').map((e) => e.epoch)).toEqual([1]);
    expect(weights()).toEqual(saved.get(1));
    m.dispose();
  });

  it("restore_best_weights false leaves the last epoch's weights", async () => {
    const { result, saved, weights, model: m } = await run({ epochs: 20, earlyStopping: { monitor: 'val_loss', patience: 0, restoreBestWeights: false } }, contrary());
    expect(result).toMatchObject({ stoppedEarly: true, bestEpoch: 1 });
    expect(result.history).toHaveLength(2);
    expect(weights()).not.toEqual(saved.get(1));
    m.dispose();
  });
});

describe('fit: augmentation', () => {
  /** The images (as floats) that the model is trained on, and those it is validated on. */
  async function seen(augment: TrainConfigInput['augment']) {
    const m = model();
    const trained: number[][] = [];
    const validated: number[][] = [];
    const apply = m.apply.bind(m);
    m.apply = ((x: tf.Tensor, kwargs) => {
      for (const img of (x as tf.Tensor4D).arraySync()) trained.push(img.flat(2));
      return apply(x, kwargs);
    }) as typeof m.apply;
    const predict = m.predict.bind(m);
    m.predict = ((x: tf.Tensor, args) => {
      for (const img of (x as tf.Tensor4D).arraySync()) validated.push(img.flat(2));
      return predict(x, args);
    }) as typeof m.predict;
    await run({ epochs: 2, augment }, synthetic(16, 2), m);
    m.dispose();
    return { trained, validated };
  }

  const pixels = (set: ImageSet) =>
    set.read([...Array(set.size).keys()]).then((b) => Array.from({ length: set.size }, (_, i) => Array.from(b.x.subarray(i * H * W, (i + 1) * H * W), (v) => v / 255)));
  const mirror = (img: number[]) => img.map((_, k) => img[Math.floor(k / W) * W + (W - 1 - (k % W))]!);
  const key = (img: number[]) => img.map((v) => v.toFixed(4)).join();

  it('a horizontal flip mirrors about half the training images, each exactly, and leaves validation alone', async () => {
    const originals = new Set((await pixels(synthetic(48, 1))).map(key));
    const mirrored = new Set((await pixels(synthetic(48, 1))).map((p) => key(mirror(p))));
    const { trained, validated } = await seen({ horizontalFlip: true });
    expect(trained).toHaveLength(96);
    const flipped = trained.filter((img) => mirrored.has(key(img))).length;
    const kept = trained.filter((img) => originals.has(key(img))).length;
    expect(flipped + kept).toBe(96);
    expect(flipped).toBeGreaterThan(96 * 0.3);
    expect(kept).toBeGreaterThan(96 * 0.3);
    const valOriginals = new Set((await pixels(synthetic(16, 2))).map(key));
    expect(validated).toHaveLength(32);
    expect(validated.every((img) => valOriginals.has(key(img)))).toBe(true);
  });

  it('no augmentation, or one with every setting at zero, trains on the images as they are', async () => {
    const originals = new Set((await pixels(synthetic(48, 1))).map(key));
    for (const augment of [undefined, { rotationRange: 0, widthShiftRange: 0, heightShiftRange: 0, zoomRange: 0, horizontalFlip: false }]) {
      const { trained } = await seen(augment);
      expect(trained).toHaveLength(96);
      expect(trained.every((img) => originals.has(key(img)))).toBe(true);
    }
  });

  it('rotation moves the pixels of (almost) every training image', async () => {
    const originals = new Set((await pixels(synthetic(48, 1))).map(key));
    const { trained } = await seen({ rotationRange: 40 });
    expect(trained.filter((img) => !originals.has(key(img))).length).toBeGreaterThan(90);
  });
});
