// A compute page whose GPU is lost, played by the page's real server (core/compute/port.ts) over
// Node's MessageChannel with a host whose loss watch says "lost" from a chosen moment, tfjs's wasm
// standing in for the GPU. The recognition that meets the loss is answered by Node at once with
// the coded loss in its log line; from then on main keeps off that backend (client.ts lostGpu,
// page-route.ts usable): recognition goes straight to Node without asking the page, a new training
// run starts on Node and the log says why. Another backend of the same page is still used.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { webglLost, type GpuLoss } from '../src-main/core/compute/gpu-loss.ts';
import { PageRoute, type PageUse } from '../src-main/core/compute/page-route.ts';
import { PageTraining } from '../src-main/core/compute/page-training.ts';
import { EventBus } from '../src-main/service/events.ts';
import { TrainingJobs } from '../src-main/service/training-jobs.ts';
import type { StudioEvent } from '../src-main/contract.ts';
import type { LogLine } from '../src-main/shared/log-messages.ts';
import { pageOverChannel, quietHost, routedClassifier } from './helpers/page-channel.ts';
import { tempDir } from './helpers/shared.ts';
import { countedPageClient } from './helpers/page-channel.ts';

describe('a compute page that lost its GPU', () => {
  beforeAll(() => initBackend('wasm'));
  afterAll(() => tf.setBackend('wasm'));

  it('answers the recognition that meets the loss on Node at once, coded, and sends no later one to the page', async () => {
    let loss: GpuLoss | undefined;
    const { client, channel } = pageOverChannel(quietHost(() => loss));
    // What the page is asked, as main's route asks it.
    const asked: string[] = [];
    const counted = countedPageClient(client, asked);
    let choice: PageUse = { backend: 'webgl' };
    const route = new PageRoute(counted, () => choice);
    const training = new PageTraining(client, () => choice);
    const lines: LogLine[] = [];
    const classifier = routedClassifier(route, lines);
    const pixels = [new Uint8Array(784).fill(90)];
    try {
      expect((await classifier.remote!(pixels))?.[0]!.computedBy).toBe('wasm');
      expect(asked).toEqual(['load', 'recognize']);
      expect(route.use()).toEqual({ backend: 'webgl' });

      loss = webglLost();
      const t = performance.now();
      // Undefined: Node scores this one.
      expect(await classifier.remote!(pixels)).toBeUndefined();
      expect(performance.now() - t).toBeLessThan(1000);
      expect(lines.map((l) => l.code)).toEqual(['compute-recognize-fell-back']);
      expect(lines[0]!.reason).toMatchObject({ code: 'compute-webgl-lost' });
      expect(lines[0]!.message).toMatch(/went back to wasm for cnn: the compute window failed \(the WebGL context was lost\)/);
      expect(client.lostGpu('webgl')?.code).toBe('compute-webgl-lost');

      // From now on: Node without asking the page, and for a new training run too.
      asked.length = 0;
      expect(route.use()).toBeUndefined();
      expect(await classifier.remote!(pixels)).toBeUndefined();
      expect(await route.score({ model: 'cnn#1', spec: classifier.spec, pixels })).toEqual({ routed: false });
      expect(asked).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(training.use()).toBeUndefined();
      expect(training.lost()).toMatchObject({ backend: 'webgl', loss: { code: 'compute-webgl-lost' } });

      // The choice made again on another backend of this page (Measure again): the page is asked again.
      choice = { backend: 'webgpu' };
      loss = undefined; // the stand-in page's "webgpu" is this process's wasm, which lost nothing
      expect(route.use()).toEqual({ backend: 'webgpu' });
      expect(training.use()).toEqual({ backend: 'webgpu' });
      expect(training.lost()).toBeUndefined();
      expect((await classifier.remote!(pixels))?.[0]!.probabilities).toHaveLength(10);
      expect(asked).toContain('recognize');
    } finally {
      classifier.dispose();
      client.close();
      channel.port2.close();
    }
  });

  it('fails a model load on a lost GPU at once with the coded loss', async () => {
    const { client, channel } = pageOverChannel(quietHost(() => webglLost()));
    try {
      await expect(client.load('m', { json: '{}', shards: [] }, 'inference')).rejects.toMatchObject({ code: 'compute-webgl-lost' });
      expect(client.lostGpu('webgl')?.code).toBe('compute-webgl-lost');
      expect(client.lostGpu('webgpu')).toBeUndefined();
    } finally {
      client.close();
      channel.port2.close();
    }
  });

  it('starts a new training run on Node with a coded log line saying why', async () => {
    const training = new PageTraining({ session: async () => null as never, lostGpu: (b) => (b === 'webgl' ? webglLost() : undefined) }, () => ({ backend: 'webgl' }));
    const bus = new EventBus();
    const events: StudioEvent[] = [];
    bus.on((e) => events.push(e));
    const dir = await tempDir();
    const jobs = new TrainingJobs(bus, { env: { cacheDir: dir, storeDir: dir }, forget: () => undefined, page: () => training });
    // No such model to resume: the run fails in its thread, after the choice of where it computes was made.
    await jobs.resume({ runId: 'r1', model: 'nothing-here' }).catch(() => undefined);
    await jobs.settle();
    const line = events.find((e) => e.type === 'log' && e.code === 'compute-train-on-node') as Extract<StudioEvent, { type: 'log' }> | undefined;
    expect(line?.message).toBe('Training runs on Node, not on webgl: the compute window lost its GPU (the WebGL context was lost)');
    expect(line?.reason).toMatchObject({ code: 'compute-webgl-lost' });
  });
});
