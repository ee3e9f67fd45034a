// A compute page that stops answering (a hung GPU driver: no lost context, no error, silence),
// played by the page's real server (core/compute/port.ts) over Node's MessageChannel whose incoming
// requests are held back from a chosen moment, tfjs's wasm standing in for the GPU. Main's
// watchdog (client.ts, watchdog.ts) counts the silence as a failure: recognition goes back to
// Node for that request (logged once), a training run ends with `failed` holding its best
// checkpoint (training/run.ts goes on on Node from there), and a cancel stops a run whose step the
// page never answers at once. A page that wakes up and answers is asked again.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { PageRoute } from '../src-main/core/compute/page-route.ts';
import { PageTraining } from '../src-main/core/compute/page-training.ts';
import { GENEROUS_LIMITS, limitOf } from '../src-main/core/compute/watchdog.ts';
import { lenet5 } from '../src-main/core/models/classic.ts';
import { TrainConfig } from '../src-main/core/training/config.ts';
import { fit } from '../src-main/core/training/fit.ts';
import { remoteCompute } from '../src-main/core/training/remote-compute.ts';
import type { LogLine } from '../src-main/shared/log-messages.ts';
import { bandSet, routedClassifier, stallablePage } from './helpers/page-channel.ts';

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Float32Array.from(w.dataSync()));
function largestDifference(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((w, i) => w.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

/** Settles after `ms`, for a test that waits on something else (the watchdog) and must not wait forever. */
const deadline = (ms: number) => new Promise<'too late'>((resolve) => setTimeout(() => resolve('too late'), ms).unref());

describe('a compute page that stops answering', () => {
  const train = bandSet(48, 1);
  const validation = bandSet(16, 7);
  const cfg = TrainConfig.parse({ dataset: 'bands', network: 'lenet5', epochs: 3, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.003 } });

  beforeAll(async () => {
    await initBackend('wasm');
    await ensureTrainable();
  });
  afterAll(() => tf.setBackend('wasm'));

  it('is allowed more silence for more work', () => {
    const spec = { inputSize: [224, 224] as [number, number], channels: 3 as const, preprocessing: 'tf' as const };
    const one = limitOf({ kind: 'recognize', name: 'm', spec, pixels: [new Uint8Array(1)] });
    const eight = limitOf({ kind: 'recognize', name: 'm', spec, pixels: Array.from({ length: 8 }, () => new Uint8Array(1)) });
    expect(one).toBeGreaterThanOrEqual(GENEROUS_LIMITS.baseMs);
    expect(eight - one).toBe(7 * GENEROUS_LIMITS.perPictureMs);
    const step = (n: number) => limitOf({ kind: 'session', name: 's', call: { op: 'step', batch: { x: new Uint8Array(n * 784), y: new Int32Array(n) } } });
    expect(step(256)).toBeGreaterThan(step(16));
  });

  it('fails a training run at its stalled step; fit ends with `failed`, the model holding the best checkpoint', async () => {
    const page = stallablePage({ baseMs: 3000, perExampleMs: 100, perMegabyteMs: 60_000 });
    const training = new PageTraining(page.client, () => ({ backend: 'webgl' }));
    const model = lenet5();
    try {
      const compute = await remoteCompute(model, cfg, train, 'scale01', 'webgl', (call) => training.call('stall', call));
      let checkpoint: Float32Array[] | undefined;
      const t0 = performance.now();
      let stalledAt = 0;
      const result = await fit(model, train, validation, cfg, 'scale01', {
        emit: () => undefined,
        compute,
        checkpoint: async (m, _history, epoch) => {
          checkpoint = weightsOf(m);
          if (epoch === 1) {
            page.stall();
            stalledAt = performance.now();
          }
          return 'm';
        },
      });
      const waited = performance.now() - stalledAt;
      expect(result.failed?.reason).toMatch(/^the compute page stalled: no answer to session within 5 s/);
      // Coded, for the window to word (routed-fit's log line carries it).
      expect(result.failed?.coded).toEqual({ code: 'compute-page-stalled', params: { request: 'session', seconds: 5 } });
      expect(result.failed?.atEpoch).toBe(2);
      expect(result.bestEpoch).toBe(1);
      expect(result.history.map((r) => r.epoch)).toEqual([1]);
      expect(largestDifference(weightsOf(model), checkpoint!)).toBe(0);
      // The limit, not forever (nor at once): 3 s and 0.1 s for each of the batch's 16 examples.
      expect(waited).toBeGreaterThan(4500);
      expect(waited).toBeLessThan(20_000);
      expect(page.client.isStalled()).toBe(true);
      // The page wakes: it answers what it owed (late, ignored) and is asked again.
      page.wake();
      await expect.poll(() => page.client.isStalled(), { timeout: 10_000 }).toBe(false);
      expect(await page.client.probe()).toEqual([]);
      // The run's session ended when fit did (sent to the stalled page, done when it woke).
      await expect(training.call('stall', { op: 'weights' })).rejects.toThrow('No training session "stall"');
      console.log(`stalled run: failed ${(waited / 1000).toFixed(1)} s after the stall, ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
    } finally {
      model.dispose();
      page.close();
    }
  });

  it('a cancel while the page sits on a step stops the run at once, keeping the best checkpoint', async () => {
    // The watchdog would take minutes: the cancel must not wait for it.
    const page = stallablePage();
    const training = new PageTraining(page.client, () => ({ backend: 'webgl' }));
    const model = lenet5();
    const controller = new AbortController();
    try {
      const compute = await remoteCompute(model, cfg, train, 'scale01', 'webgl', (call) => training.call('cancel', call), controller.signal);
      let checkpoint: Float32Array[] | undefined;
      let cancelledAt = 0;
      const run = fit(model, train, validation, cfg, 'scale01', {
        emit: () => undefined,
        compute,
        signal: controller.signal,
        checkpoint: async (m, _history, epoch) => {
          checkpoint = weightsOf(m);
          if (epoch === 1) {
            page.stall();
            setTimeout(() => {
              cancelledAt = performance.now();
              controller.abort();
            }, 500);
          }
          return 'm';
        },
      });
      const result = await Promise.race([run, deadline(20_000)]);
      if (result === 'too late') throw new Error('fit did not stop on cancel');
      const stopped = performance.now() - cancelledAt;
      expect(result.cancelled).toBe(true);
      expect(result.failed).toBeUndefined();
      expect(result.bestEpoch).toBe(1);
      expect(result.checkpoint).toBe('m');
      expect(largestDifference(weightsOf(model), checkpoint!)).toBe(0);
      expect(stopped).toBeLessThan(1000);
      console.log(`cancel with a stalled page: fit returned ${stopped.toFixed(0)} ms after it`);
    } finally {
      model.dispose();
      page.close();
    }
  });

  it('sends recognition back to Node for the stalled request, logged once, and routes again once the page answers', async () => {
    const page = stallablePage({ baseMs: 2000, perPictureMs: 0, perMegabyteMs: 60_000 });
    const route = new PageRoute(page.client, () => ({ backend: 'webgl' }));
    const lines: LogLine[] = [];
    const classifier = routedClassifier(route, lines);
    const pixels = [new Uint8Array(784).fill(90)];
    try {
      const routed = await classifier.remote!(pixels);
      expect(routed?.[0]!.computedBy).toBe('wasm');
      expect(routed![0]!.probabilities).toHaveLength(10);
      page.stall();
      // Stalled: undefined, which is "Node scores this one".
      expect(await classifier.remote!(pixels)).toBeUndefined();
      // Asked again while it still owes the answer: Node at once, not another wait.
      const t = performance.now();
      expect(await classifier.remote!(pixels)).toBeUndefined();
      expect(performance.now() - t).toBeLessThan(500);
      expect(lines.map((l) => l.code)).toEqual(['compute-recognize-fell-back']);
      expect(lines[0]!.message).toMatch(/went back to wasm for cnn: the compute window failed \(the compute page stalled: no answer to recognize within 2 s\)/);
      expect(lines[0]!.reason).toEqual({ code: 'compute-page-stalled', params: { request: 'recognize', seconds: 2 } });
      page.wake();
      await expect.poll(() => page.client.isStalled(), { timeout: 10_000 }).toBe(false);
      const again = await classifier.remote!(pixels);
      expect(again?.[0]!.probabilities).toEqual(routed![0]!.probabilities);
    } finally {
      classifier.dispose();
      page.close();
    }
  });
});
