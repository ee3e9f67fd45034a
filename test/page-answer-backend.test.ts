// Each answer routed through the compute page names the backend the page's own reply named: two
// requests in flight together keep their own labels (no "latest answer" shared between them), and
// a page computing on something other than the chosen backend is labelled by what computed.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { PageRoute, type PageClient, type PageScoreAnswer, type PageScoreCall } from '../src-main/core/compute/page-route.ts';
import { type PageBackend, type PageHost } from '../src-main/core/compute/port.ts';
import { fashionCnn } from '../src-main/core/models/classic.ts';
import { layersModelFiles } from '../src-main/core/models/layers-io.ts';
import { RecognitionService, type RecognizeResult } from '../src-main/service/recognition.ts';
import { hasShared, imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';
import { pageOverChannel } from './helpers/page-channel.ts';

/** A distribution over ImageNet's classes sure of `index`. */
const sureOf = (index: number, n = 1000) => Float32Array.from({ length: n }, (_, i) => (i === index ? 0.9 : 0.1 / (n - 1)));

describe('the backend of a routed answer', () => {
  it("comes from the page's reply: a page computing on another backend than the chosen one is labelled by what computed", async () => {
    const reply = (backend: PageBackend) => async () => ({ probabilities: [sureOf(3)], ms: 1, backend });
    const client: PageClient = { load: async () => undefined, dispose: async () => undefined, recognize: reply('wasm'), lostGpu: () => undefined };
    const route = new PageRoute(client, () => ({ backend: 'webgl', adapter: { name: 'a GPU', software: false } }));
    const call: PageScoreCall = { model: 'm#1', files: { json: '{}', shards: [] }, spec: { inputSize: [2, 2], channels: 3, preprocessing: 'tf' }, pixels: [new Uint8Array(12)] };
    // The adapter is the chosen backend's: it does not go with an answer computed elsewhere.
    expect(await route.score(call)).toEqual({ routed: true, probabilities: [sureOf(3)], ms: 1, backend: 'wasm' });
    client.recognize = reply('webgl');
    expect(await route.score(call)).toMatchObject({ routed: true, backend: 'webgl', adapter: { name: 'a GPU' } });
  });

  it("is the page's own backend in its recognize reply (served over a MessageChannel)", async () => {
    await initBackend('wasm');
    // A page whose "GPU" is tfjs's cpu backend: its replies must say cpu, not the webgl asked for.
    const host: PageHost = {
      probe: async () => [],
      use: async (backend) => void (await tf.setBackend(backend === 'wasm' ? 'wasm' : 'cpu')),
      watch: () => ({ now: () => undefined, next: new Promise(() => {}) }),
    };
    const { client, channel } = pageOverChannel(host);
    try {
      const saved = await layersModelFiles(fashionCnn());
      const files = { json: saved['model.json'], shards: [saved['weights.bin']] };
      const spec = { inputSize: [28, 28] as [number, number], channels: 1 as const, preprocessing: 'scale01' as const };
      for (const [asked, computed] of [
        ['webgl', 'cpu'],
        ['wasm', 'wasm'],
      ] as const) {
        await client.use(asked);
        await client.load('cnn', files, 'inference');
        const got = await client.recognize('cnn', spec, [new Uint8Array(784)]);
        expect(got.backend).toBe(computed);
        expect(got.probabilities[0]).toHaveLength(10);
      }
    } finally {
      client.close();
      channel.port2.close();
      await tf.setBackend('wasm');
    }
  });
});

describe.skipIf(!hasShared)('two recognitions in flight together through the page', () => {
  let service: RecognitionService;
  const photos = ['n01440764_tench.JPEG', 'n02391049_zebra.JPEG'].map((f) => path.join(imagenetDevDir, f));
  let answer: (call: PageScoreCall) => Promise<PageScoreAnswer> = async () => ({ routed: true, probabilities: [sureOf(0)], ms: 1, backend: 'webgl' });

  beforeAll(async () => {
    service = new RecognitionService({ cacheDir: await tempDir(), mirrorDir, offline: true, fetch: noNetwork, backend: 'wasm', page: (c) => answer(c) });
    // MobileNet loaded first: both requests then reach the page in the order they were made.
    await service.recognize({ image: photos[0]!, model: 'mobilenet', topK: 1 });
  });
  afterAll(() => service?.dispose());

  it('each keeps the backend and the scores of its own reply', async () => {
    // Both replies are held until both were asked, then given together, first the first's: while
    // the label was "the latest answer's", the second's label overwrote the first's.
    let bothAsked!: () => void;
    const gate = new Promise<void>((r) => (bothAsked = r));
    let asked = 0;
    answer = async () => {
      const n = ++asked;
      if (n === 2) bothAsked();
      await gate;
      return n === 1 ? { routed: true, probabilities: [sureOf(1)], ms: 1, backend: 'webgl' } : { routed: true, probabilities: [sureOf(2)], ms: 1, backend: 'webgpu' };
    };
    const results: RecognizeResult[] = await Promise.all(photos.map((image) => service.recognize({ image, model: 'mobilenet', topK: 1 })));
    expect(asked).toBe(2);
    expect(results.map((r) => [r.backend, r.top[0]!.index])).toEqual([
      ['webgl', 1],
      ['webgpu', 2],
    ]);
  });
});
