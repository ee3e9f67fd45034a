// The compute page's GPU memory does not grow with every model ever recognized: the recognition
// service (its PageScoring) tells main's PageRoute when it drops a model or loads one again, and
// the route keeps only the last few in the page. The page is the real server (core/compute/port.ts)
// over Node's MessageChannel, tfjs's wasm standing in for the GPU; the models are LeNet-5s in a
// temporary store, recognized through RecognitionService as the app's recognition thread does.
import { MessageChannel } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ComputeClient } from '../src-main/core/compute/client.ts';
import { PAGE_MODELS_KEPT, PageRoute } from '../src-main/core/compute/page-route.ts';
import { RecognitionService, type RecognizeResult } from '../src-main/service/recognition.ts';
import { threadRecognizer } from '../src-main/service/recognizer-thread.ts';
import { storeLenet } from './helpers/stored-lenet.ts';
import { noNetwork, tempDir } from './helpers/shared.ts';
import { pageOverChannel } from './helpers/page-channel.ts';

describe("the page's loaded models", () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  let channel: MessageChannel;
  let client: ComputeClient;
  let route: PageRoute;
  let service: RecognitionService;
  let image: { name: string; data: Uint8Array<ArrayBuffer> };
  let storeDir: string;

  beforeAll(async () => {
    await initBackend('wasm');
    storeDir = await tempDir();
    for (const name of names) await storeLenet(storeDir, name);
    ({ client, channel } = pageOverChannel());
    route = new PageRoute(client, () => ({ backend: 'webgl' }));
    service = new RecognitionService({
      cacheDir: await tempDir(),
      storeDir,
      offline: true,
      fetch: noNetwork,
      backend: 'wasm',
      page: (call) => route.score(call),
      pageForget: (model) => route.forget(model),
    });
    const png = await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: 200, g: 200, b: 200 } } })
      .png()
      .toBuffer();
    image = { name: 'grey.png', data: new Uint8Array(png) as Uint8Array<ArrayBuffer> };
  });
  afterAll(() => {
    service?.dispose();
    client?.close();
    channel?.port2.close();
  });

  const recognize = async (model: string) => {
    const result = await service.recognize({ image, model, topK: 1 });
    // Through the page, not Node: the reply names the page's backend (wasm, standing in).
    expect(result.backend).toBe('wasm');
    return result;
  };
  /** What the page holds, once the disposes sent meanwhile were served (the page serves in order). */
  const inPage = async () => (await client.models()).sort();

  it('stay the last few recognized, however many were', async () => {
    for (const name of names) await recognize(name);
    expect(PAGE_MODELS_KEPT).toBeLessThan(names.length);
    expect(await inPage()).toEqual(['c#1', 'd#1', 'e#1']);
    expect(route.models()).toEqual(['c#1', 'd#1', 'e#1']);
    // One used again is the most recent: the next one loaded evicts another.
    await recognize('c');
    await recognize('a');
    expect(await inPage()).toEqual(['a#1', 'c#1', 'e#1']);
  });

  it('leave the page when the service drops them, and a model loaded again replaces its old copy', async () => {
    const before = await recognize('e');
    // Retrained, renamed or deleted: the studio tells the recognizer to forget it.
    service.forget('e');
    expect(await inPage()).toEqual(['a#1', 'c#1']);
    const after = await recognize('e');
    expect(after.top[0]!.index).toBe(before.top[0]!.index);
    expect(await inPage()).toEqual(['a#1', 'c#1', 'e#2']);
    // Deleted ones leave nothing behind.
    service.forget('c');
    service.forget('a');
    await recognize('e');
    expect(await inPage()).toEqual(['e#2']);
  });

  it("leave it from the app's recognition thread too (its drops go up to main's route)", async () => {
    const threadRoute = new PageRoute(client, () => ({ backend: 'webgl' }));
    const thread = threadRecognizer(
      { cacheDir: await tempDir(), storeDir, offline: true, backend: 'wasm' },
      { page: (call) => threadRoute.score(call), pageForget: (model) => threadRoute.forget(model) },
    );
    try {
      const got = (await thread.recognize({ image, model: 'b', topK: 1 })) as RecognizeResult;
      expect(got.backend).toBe('wasm');
      expect(threadRoute.models()).toEqual(['b#1']);
      expect(await inPage()).toContain('b#1');
      thread.forget!('b');
      await expect.poll(() => threadRoute.models()).toEqual([]);
      expect(await inPage()).not.toContain('b#1');
    } finally {
      thread.dispose();
    }
  });
});
