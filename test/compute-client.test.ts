// The main side's compute client against the page's real server (core/compute/port.ts) over Node's
// MessageChannel: the protocol both ends speak, events in order before their reply, checkpoints
// kept on the main side as they come, and a lost "GPU" (cpu standing in for it, its loss
// simulated mid-run) falling back to wasm with the best checkpoint's weights.
import { MessageChannel } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ComputeClient } from '../src-main/core/compute/client.ts';
import { serveCompute, type PageHost, type Port } from '../src-main/core/compute/port.ts';
import { webglLost, type GpuLoss, type LossWatch, type RunEvent } from '../src-main/core/compute/run.ts';
import { lenet5 } from '../src-main/core/models/classic.ts';
import { layersModelFiles } from '../src-main/core/models/layers-io.ts';
import { TrainConfig } from '../src-main/core/training/config.ts';
import type { ComputeNotice } from '../src-main/shared/compute-notices.ts';
import { asMainPort } from './helpers/page-channel.ts';

const NEVER: LossWatch = { now: () => undefined, next: new Promise(() => {}) };

/**
 * A page whose "GPU" is tfjs's cpu backend, lost at the given read of the given watch (a run asks
 * for one each epoch). On cpu every read resolves at once, so the whole run is one turn of Node's
 * event loop and messages from the test would come too late: the page loses it by itself.
 */
function fakePage(loseAt: { watch: number; read: number }, why: GpuLoss) {
  let watches = 0;
  const host: PageHost = {
    probe: async () => [{ backend: 'webgl', available: true, adapter: { name: 'test GPU (tfjs cpu)', software: false } }],
    use: async (backend) => {
      if (!(await tf.setBackend(backend === 'wasm' ? 'wasm' : 'cpu'))) throw new Error(`no ${backend}`);
    },
    watch: () => {
      if (tf.getBackend() !== 'cpu') return NEVER;
      const doomed = ++watches === loseAt.watch;
      let reads = 0;
      return { now: () => (doomed && ++reads >= loseAt.read ? why : undefined), next: new Promise(() => {}) };
    },
  };
  return host;
}

/** Deterministic pictures: class k is a bright k-th band on a dark ground, with noise. */
function bandBatch(n: number, seed: number): { x: Uint8Array; y: Int32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 60;
  const x = new Uint8Array(n * 784);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = (i + seed) % 10;
    y[i] = k;
    for (let p = 0; p < 784; p++) x[i * 784 + p] = Math.floor(rand() + (Math.floor(p / 28 / 2.8) === k ? 180 : 0));
  }
  return { x, y };
}

describe('the compute client over a MessageChannel', () => {
  let channel: MessageChannel;
  let client: ComputeClient;

  beforeAll(async () => {
    await initBackend('wasm');
    channel = new MessageChannel();
    // Epoch 2's third read: its first step's loss and accuracy are read, the second's loss is not.
    serveCompute(channel.port2 as unknown as Port, fakePage({ watch: 2, read: 3 }, webglLost()));
    client = new ComputeClient(asMainPort(channel.port1));
  });
  afterAll(async () => {
    client.close();
    channel.port2.close();
    await tf.setBackend('wasm');
  });

  it('asks and gets answers in order; a page error comes back as a rejection', async () => {
    expect(await client.probe()).toEqual([{ backend: 'webgl', available: true, adapter: { name: 'test GPU (tfjs cpu)', software: false } }]);
    await client.use('webgl');
    await expect(client.weights('nothing')).rejects.toThrow('No model "nothing" is loaded in the compute page');
  });

  it('a run whose GPU is lost mid-run goes on on wasm from the best checkpoint, which main keeps', async () => {
    await client.use('webgl');
    const initial = lenet5();
    const saved = await layersModelFiles(initial);
    initial.dispose();
    await client.load('lenet5', { json: saved['model.json'], shards: [saved['weights.bin']] }, 'training');
    const cfg = TrainConfig.parse({ dataset: 'fashion-mnist', network: 'lenet5', optimizer: { name: 'adam', learningRate: 0.003 } });
    const events: RunEvent[] = [];
    const notices: ComputeNotice[] = [];
    let keptBeforeLoss: Float32Array[] | undefined;
    const result = await client.trainRun(
      'lenet5',
      {
        shape: [28, 28, 1],
        preprocessing: 'scale01',
        optimizer: cfg.optimizer,
        loss: cfg.loss,
        epochs: 3,
        batches: [1, 2, 3].map((s) => bandBatch(16, s)),
        validation: bandBatch(40, 7),
      },
      {
        onEvent: (e) => {
          events.push(e);
          // The checkpoint main holds when it learns the GPU went: what the run must go on from.
          if (e.event === 'fell-back') keptBeforeLoss = client.checkpoints.get('lenet5')!.weights.map((w) => w.slice());
        },
        onNotice: (n) => notices.push(n),
      },
    );
    expect(result.backend).toBe('wasm');
    expect(result.fellBack).toEqual({ from: 'cpu', to: 'wasm', reason: 'the WebGL context was lost', atEpoch: 2, resumeAfter: 1 });
    expect(notices.map((n) => n.code)).toEqual(['fell-back']);
    expect(notices[0]!.message).toMatch(/^Fell back to wasm: the WebGL context was lost/);
    const fell = events.find((e) => e.event === 'fell-back')!;
    if (fell.event !== 'fell-back') throw new Error('unreachable');
    // Went on from exactly the checkpoint main was holding.
    expect(fell.restored.weights.map((w) => Array.from(w))).toEqual(keptBeforeLoss!.map((w) => Array.from(w)));
    expect(result.history.map((r) => [r.epoch, r.backend])).toEqual([
      [1, 'cpu'],
      [2, 'wasm'],
      [3, 'wasm'],
    ]);
    // Main's copy is the run's final best, equal to the page's.
    const kept = client.checkpoints.get('lenet5')!;
    expect(kept.epoch).toBe(result.best!.epoch);
    expect(kept.weights.map((w) => Array.from(w))).toEqual(result.best!.weights.map((w) => Array.from(w)));
    expect(result.history.every((r) => Number.isFinite(r.loss) && Number.isFinite(r.valLoss))).toBe(true);
    expect(result.history.at(-1)!.loss).toBeLessThan(result.history[0]!.loss);
    await client.dispose('lenet5');
  });

  it('rejects what is waiting when the page goes away, and anything asked after', async () => {
    const ch = new MessageChannel();
    const lonely = new ComputeClient(asMainPort(ch.port1));
    const pending = lonely.probe(); // nobody serves port2
    ch.port2.close();
    await expect(pending).rejects.toThrow('The compute window went away');
    await expect(lonely.probe()).rejects.toThrow('The compute window went away');
  });
});
