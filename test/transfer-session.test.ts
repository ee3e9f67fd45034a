// Transfer-learning runs with their head's and fine-tuning's batches computed "in the page":
// runTransfer → remoteCompute → main's PageTraining → ComputeClient → the page's real server
// (core/compute/port.ts, session.ts) over Node's MessageChannel, tfjs's wasm standing in for the
// GPU (one process: both sides compute on it, so the page's epochs say "wasm"). Real CIFAR-10
// photos, the real MobileNet; one cache folder for every run, so the backbone runs once a photo.
// The head has no dropout here: its masks are random on each side (head.ts), the rest is seeded.
import { MessageChannel } from 'node:worker_threads';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { ComputeClient } from '../src-main/core/compute/client.ts';
import { PageTraining } from '../src-main/core/compute/page-training.ts';
import type { SessionCall } from '../src-main/core/compute/session.ts';
import { ModelStore } from '../src-main/core/store/model-store.ts';
import { webglLost, type GpuLoss } from '../src-main/core/compute/gpu-loss.ts';
import type { RunEnvironment } from '../src-main/core/training/run.ts';
import type { TransferConfigInput } from '../src-main/core/transfer/config.ts';
import { runTransfer } from '../src-main/core/transfer/run.ts';
import { startTransfer } from '../src-main/service/training.ts';
import type { EpochRecord, TrainEvent } from '../src-main/shared/train-events.ts';
import { mirrorDir, sharedDir, tempDir } from './helpers/shared.ts';
import { pageOverChannel, quietHost } from './helpers/page-channel.ts';

const cifar = path.join(sharedDir, 'datasets/cifar10');

let env: RunEnvironment;
let channel: MessageChannel;
let client: ComputeClient;
let training: PageTraining;
/** Set to lose the "GPU": every read in the page from then on fails as a lost WebGL context does. */
let lost: GpuLoss | undefined;
/** The session calls the page was asked, by op, since the last reset. */
let calls: Record<string, number> = {};
/** Told of each session call before the page gets it. */
let onCall: ((call: SessionCall) => void) | undefined;
let sessions = 0;

beforeAll(async () => {
  await initBackend('wasm');
  await ensureTrainable();
  env = { cacheDir: await tempDir('cs-tscache-'), mirrorDir, storeDir: await tempDir('cs-tsstore-'), offline: true };
  ({ client, channel, training } = countedPage());
});

/**
 * A page whose "GPU" is lost while `lost` is set, main's client counting the session calls that
 * reach it (whichever way they came: a link, or the service's relay), and main's PageTraining.
 */
function countedPage() {
  const { client, channel } = pageOverChannel(quietHost(() => lost));
  const session = client.session.bind(client);
  client.session = ((name: string, call: SessionCall) => {
    calls[call.op] = (calls[call.op] ?? 0) + 1;
    onCall?.(call);
    return session(name, call);
  }) as typeof client.session;
  return { client, channel, training: new PageTraining(client, () => ({ backend: 'webgl' })) };
}
afterAll(() => {
  client?.close();
  channel?.port2.close();
});

/** A run on Node, or (`page`) with its batches on the page; its events, its done. */
async function transfer(config: TransferConfigInput, page: boolean, onEvent: (e: TrainEvent) => void = () => undefined) {
  const events: TrainEvent[] = [];
  const emit = (e: TrainEvent) => {
    events.push(e);
    onEvent(e);
  };
  const session = `transfer-${++sessions}`;
  calls = {};
  const done = page ? await runTransfer(config, { ...env, computeOn: 'webgl' }, emit, undefined, (call) => training.call(session, call)) : await runTransfer(config, env, emit);
  return { done, events, logs: events.flatMap((e) => (e.event === 'log' ? [e.message] : [])), calls: { ...calls } };
}

/** Each epoch's losses on the page within 1e-3 (relative) of Node's. */
function expectSameLosses(got: EpochRecord[], want: EpochRecord[]): void {
  expect(got.map((r) => r.epoch)).toEqual(want.map((r) => r.epoch));
  for (const [i, r] of got.entries()) {
    const w = want[i]!;
    expect(Math.abs(r.loss - w.loss) / w.loss).toBeLessThan(1e-3);
    expect(Math.abs(r.val_loss! - w.val_loss!) / w.val_loss!).toBeLessThan(1e-3);
    expect(Math.abs(r.accuracy - w.accuracy)).toBeLessThan(0.02);
  }
}

const head: TransferConfigInput = { dataset: cifar, limitPerClass: 20, testLimitPerClass: 2, epochs: 3, batchSize: 32, units: 64, dropout: 0 };

describe("a transfer run's head on the page", () => {
  let node: Awaited<ReturnType<typeof transfer>>;

  it('gives the epochs Node gives, each naming the page backend, over features extracted on Node', async () => {
    const t0 = performance.now();
    node = await transfer({ ...head, out: 'head-node' }, false);
    const t1 = performance.now();
    const page = await transfer({ ...head, out: 'head-page' }, true);
    console.log(`head on Node (features extracted): ${((t1 - t0) / 1000).toFixed(1)} s; on the page (features cached): ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    expect(node.done.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expectSameLosses(page.done.history, node.done.history);
    expect(page.done.history.map((r) => r.backend)).toEqual(['wasm', 'wasm', 'wasm']);
    expect(node.done.history.every((r) => r.backend === undefined)).toBe(true);
    expect(page.events.find((e) => e.event === 'start')).toMatchObject({ backend: 'webgl', train: 160, validation: 40 });
    // Every training step went to the page (160 examples in batches of 32, 3 epochs), the features as floats.
    expect(page.calls).toMatchObject({ begin: 1, step: 15, end: 1 });
    expect(node.calls).toEqual({});
    // The features came from the cache the Node run filled: the backbone ran on Node, once a photo.
    expect(page.logs).toContain('train: features of 200 images, 0 computed by mobilenet, 200 from the cache');
    expect(page.done.bestEpoch).toBe(node.done.bestEpoch);
    expect(page.done.test_accuracy).toBeCloseTo(node.done.test_accuracy!, 6);
    expect(page.logs.some((m) => m.startsWith('Training went back'))).toBe(false);
  });

  it('a page lost mid-head hands the run to Node from the best checkpoint, which the store keeps', async () => {
    let lostAt: number | undefined;
    try {
      const run = await transfer({ ...head, out: 'head-lost' }, true, (e) => {
        if (e.event === 'checkpoint' && e.epoch === 1 && !lost) {
          lost = webglLost();
          lostAt = calls.step;
        }
      });
      expect(run.logs).toContain('Training went back from webgl to wasm in epoch 2 (the WebGL context was lost); it goes on from the checkpoint of epoch 1');
      // Its reason travels coded, for the window to word in the user's language.
      expect(run.events.find((e) => e.event === 'log' && e.code === 'compute-train-fell-back')).toMatchObject({ reason: { code: 'compute-webgl-lost', params: {} } });
      // Epoch 1 on the page, the same as Node's; 2 and 3 again on Node, from epoch 1's weights.
      const { history } = run.done;
      expect(history.map((r) => r.epoch)).toEqual([1, 2, 3]);
      expectSameLosses(history.slice(0, 1), node.done.history.slice(0, 1));
      // The page got epoch 1's 5 steps and one more (refused); none after it failed.
      expect(lostAt).toBe(5);
      expect(run.calls.step).toBe(6);
      // Node went on from epoch 1's checkpoint, not from the starting weights: its epoch 2 starts
      // where Node's own epoch 2 did, far below where epoch 1 started.
      const [e1, e2] = [node.done.history[0]!.loss, node.done.history[1]!.loss];
      console.log(`epoch 2 after the fall-back: loss ${history[1]!.loss.toFixed(4)}; Node's own: epoch 1 ${e1.toFixed(4)}, epoch 2 ${e2.toFixed(4)}`);
      expect(Math.abs(history[1]!.loss - e2)).toBeLessThan(Math.abs(history[1]!.loss - e1) / 2);
      // The stored model is the run's best, complete and evaluated.
      expect(run.done.model).toBe('head-lost');
      const meta = await new ModelStore(env.storeDir).get('head-lost');
      expect(meta).toMatchObject({ status: 'complete', bestEpoch: run.done.bestEpoch });
      expect(meta.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
      expect(run.done.test_accuracy).toBeGreaterThan(0);
    } finally {
      lost = undefined;
    }
  });
});

describe('a fine-tuning transfer run on the page', () => {
  const config: TransferConfigInput = { ...head, limitPerClass: 6, epochs: 2, batchSize: 16, fineTune: { epochs: 1, learningRate: 1e-3 } };
  let node: Awaited<ReturnType<typeof transfer>>;

  it('gives the head and the fine-tuning epochs Node gives, the top and head trained on the page from cached activations', async () => {
    node = await transfer({ ...config, out: 'ft-node' }, false);
    const page = await transfer({ ...config, out: 'ft-page' }, true);
    expect(node.done.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expectSameLosses(page.done.history, node.done.history);
    expect(page.done.history.map((r) => r.backend)).toEqual(['wasm', 'wasm', 'wasm']);
    // Two sessions: the head's (48 examples, batches of 16, 2 epochs) and the fine-tuning's (1 epoch).
    expect(page.calls).toMatchObject({ begin: 2, step: 9, end: 2 });
    expect(page.logs).toContain('train: activations at conv_pw_12 of 60 images, 0 computed by mobilenet, 60 from the cache');
    expect(page.done.bestEpoch).toBe(node.done.bestEpoch);
    expect(page.done.test_accuracy).toBeCloseTo(node.done.test_accuracy!, 6);
  });
  it("a page lost as fine-tuning begins: Node fine-tunes from the head's best checkpoint, as Node alone would have", async () => {
    // The head computes on the page; the fine-tuning's session begins, and its first step fails.
    onCall = (call) => {
      if (call.op === 'begin' && calls.begin === 2) lost = webglLost();
    };
    try {
      const run = await transfer({ ...config, out: 'ft-lost' }, true);
      const best = node.done.history.slice(0, 2).reduce((a, b) => (b.val_loss! < a.val_loss! ? b : a)).epoch;
      expect(run.logs).toContain(`Training went back from webgl to wasm in epoch 3 (the WebGL context was lost); it goes on from the checkpoint of epoch ${best}`);
      expect(run.calls.step).toBe(7);
      // The head's two epochs from the page, the fine-tuning's one from Node: all three as Node's own run.
      expect(run.done.history.map((r) => r.backend)).toEqual(['wasm', 'wasm', 'wasm']);
      expectSameLosses(run.done.history, node.done.history);
      expect(run.done.bestEpoch).toBe(node.done.bestEpoch);
      expect(await new ModelStore(env.storeDir).get('ft-lost')).toMatchObject({ status: 'complete', bestEpoch: node.done.bestEpoch });
    } finally {
      onCall = undefined;
      lost = undefined;
    }
  });
});

describe("the service's relay", () => {
  it('sends a transfer run started by the service through main to the page, from its worker thread', async () => {
    // A page of its own: main keeps a page whose GPU was lost (above) off every later run.
    lost = undefined;
    const fresh = countedPage();
    calls = {};
    const events: TrainEvent[] = [];
    const run = await startTransfer({ ...head, epochs: 1, out: 'head-service' }, env, (e) => events.push(e), { page: fresh.training });
    const done = await run.done.finally(() => {
      fresh.client.close();
      fresh.channel.port2.close();
    });
    expect(done.model).toBe('head-service');
    expect(done.history.map((r) => r.backend)).toEqual(['wasm']);
    expect(events.find((e) => e.event === 'start')).toMatchObject({ backend: 'webgl' });
    expect(calls).toMatchObject({ begin: 1, step: 5, end: 1 });
  });
});
