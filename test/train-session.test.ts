// fit's seam with its batches computed "in the page": remoteCompute → main's PageTraining →
// ComputeClient → the page's real server (core/compute/port.ts, session.ts) over Node's
// MessageChannel, tfjs's wasm standing in for the GPU (one process: both sides compute on it). The same run as fit on the model itself,
// with augmentation and a learning-rate schedule; and a "GPU" lost after the first checkpoint ends
// fit with `failed`, the model holding that checkpoint's weights.
import { MessageChannel } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { ComputeClient } from '../src-main/core/compute/client.ts';
import { PageTraining } from '../src-main/core/compute/page-training.ts';
import { webglLost, type GpuLoss } from '../src-main/core/compute/gpu-loss.ts';
import { lenet5 } from '../src-main/core/models/classic.ts';
import { TrainConfig, type TrainConfigInput } from '../src-main/core/training/config.ts';
import { fit } from '../src-main/core/training/fit.ts';
import { remoteCompute } from '../src-main/core/training/remote-compute.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import { bandSet, pageOverChannel, quietHost } from './helpers/page-channel.ts';

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Float32Array.from(w.dataSync()));
function largestDifference(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((w, i) => w.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

describe("fit's batches through the page's training session", () => {
  let channel: MessageChannel;
  let client: ComputeClient;
  let training: PageTraining;
  /** Set to lose the "GPU": every read in the page from then on fails as a lost WebGL context does. */
  let lost: GpuLoss | undefined;
  let sessions = 0;
  const train = bandSet(48, 1);
  const validation = bandSet(16, 7);

  beforeAll(async () => {
    await initBackend('wasm');
    await ensureTrainable();
    ({ client, channel } = pageOverChannel(quietHost(() => lost)));
    training = new PageTraining(client, () => ({ backend: 'webgl' }));
  });
  afterAll(async () => {
    client.close();
    channel.port2.close();
  });

  /** Two LeNet-5s with the same starting weights. */
  function twins(): [tf.LayersModel, tf.LayersModel] {
    const a = lenet5();
    const b = lenet5();
    b.setWeights(a.getWeights());
    return [a, b];
  }

  const config = (extra: Partial<TrainConfigInput> = {}) =>
    TrainConfig.parse({ dataset: 'bands', network: 'lenet5', epochs: 3, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.003 }, ...extra });

  for (const [what, extra] of [
    ['plain', {}],
    [
      'augmented on Node, the learning rate cut by a plateau',
      { augment: { rotationRange: 10, widthShiftRange: 0.1, zoomRange: 0.1 }, reduceLrOnPlateau: { patience: 0, minDelta: 10 } },
    ],
  ] as const) {
    it(`gives the run fit gives on the model itself (${what}), naming the page's backend`, async () => {
      const cfg = config(extra);
      const [local, remote] = twins();
      const session = `s${++sessions}`;
      const compute = await remoteCompute(remote, cfg, train, 'scale01', 'webgl', (call) => training.call(session, call));
      const events: TrainEvent[] = [];
      const want = await fit(local, train, validation, cfg, 'scale01', { emit: () => undefined });
      const got = await fit(remote, train, validation, cfg, 'scale01', { emit: (e) => void events.push(e), compute });
      expect(got.failed).toBeUndefined();
      expect(got.history.map((r) => r.backend)).toEqual(['wasm', 'wasm', 'wasm']);
      expect(want.history.every((r) => r.backend === undefined)).toBe(true);
      expect(got.history.map((r) => r.lr)).toEqual(want.history.map((r) => r.lr));
      if ('reduceLrOnPlateau' in extra) expect(events.filter((e) => e.event === 'lr').length).toBeGreaterThan(0);
      for (const [i, r] of got.history.entries()) {
        const w = want.history[i]!;
        expect(Math.abs(r.loss - w.loss) / w.loss).toBeLessThan(1e-5);
        expect(Math.abs(r.val_loss! - w.val_loss!) / w.val_loss!).toBeLessThan(1e-5);
        expect(r.accuracy).toBeCloseTo(w.accuracy, 5);
      }
      expect(got.bestEpoch).toBe(want.bestEpoch);
      // The model came out of fit with the page's best weights, as the local one with its own.
      expect(largestDifference(weightsOf(remote), weightsOf(local))).toBeLessThan(1e-5);
      // The session ended with the run: the page has nothing of it left.
      await expect(training.call(session, { op: 'weights' })).rejects.toThrow(`No training session "${session}"`);
      local.dispose();
      remote.dispose();
    });
  }

  it('a GPU lost after the first checkpoint ends fit with failed, the model holding that checkpoint', async () => {
    const cfg = config();
    const [model] = twins();
    const session = `s${++sessions}`;
    const compute = await remoteCompute(model, cfg, train, 'scale01', 'webgl', (call) => training.call(session, call));
    let checkpoint: Float32Array[] | undefined;
    const initial = weightsOf(model);
    try {
      const result = await fit(model, train, validation, cfg, 'scale01', {
        emit: () => undefined,
        compute,
        checkpoint: async (m, _history, epoch) => {
          checkpoint = weightsOf(m);
          if (epoch === 1) lost = webglLost();
          return 'm';
        },
      });
      // Its code came through the page's reply and main's client: the window words it (routed-fit's log line).
      expect(result.failed).toEqual({ reason: 'the WebGL context was lost', atEpoch: 2, coded: { code: 'compute-webgl-lost', params: {} } });
      expect(result.bestEpoch).toBe(1);
      expect(result.history.map((r) => r.epoch)).toEqual([1]);
      expect(result.checkpoint).toBe('m');
      expect(largestDifference(weightsOf(model), checkpoint!)).toBe(0);
      // Not the starting weights: epoch 1 trained them on the page, and they came back.
      expect(largestDifference(weightsOf(model), initial)).toBeGreaterThan(1e-3);
    } finally {
      lost = undefined;
      model.dispose();
    }
  });
});
