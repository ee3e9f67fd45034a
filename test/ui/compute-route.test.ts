// Recognition routed to the real compute page in Chromium (SwiftShader), through the main side's
// ComputeClient and PageRoute as the app wires them: real dev photos answered on webgl and webgpu
// as Node's wasm answers them (softmax within 1e-4), a view's range share too, the reply naming the
// page's backend; a page that goes away mid-session falls back to Node, logged once; and a page
// whose WebGL context is lost answers the next recognition on Node at once, then is not asked again.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/backend.ts';
import { ComputeClient } from '../../src-main/core/compute/client.ts';
import { PageRoute, type PageUse } from '../../src-main/core/compute/page-route.ts';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';
import { RecognitionService, type RecognizeResult } from '../../src-main/service/recognition.ts';
import { threadRecognizer } from '../../src-main/service/recognizer-thread.ts';
import type { LogLine } from '../../src-main/shared/log-messages.ts';
import { hasShared, imagenetDevDir, mirrorDir, tempDir } from '../helpers/shared.ts';
import { launchForCompute, mainPortOf, RECORD_GL } from './compute-page.ts';
import { buildRenderer, CHROMIUM, hasChromium } from './harness.ts';
import { servePagesAndModels } from '../helpers/page-server.ts';
import { countedPageClient } from '../helpers/page-channel.ts';

const PHOTOS = ['n01440764_tench.JPEG', 'n02391049_zebra.JPEG', 'n02086240_Shih-Tzu.JPEG'].map((f) => path.join(imagenetDevDir, f));
const DOG = PHOTOS[2]!;

/** Every class's probability of an answer given with all classes, by the model's class index. */
const byIndex = (r: RecognizeResult) => new Map(r.top.map((p) => [p.index, p.probability]));
function largestDifference(a: RecognizeResult, b: RecognizeResult): number {
  const pa = byIndex(a);
  const pb = byIndex(b);
  expect(pa.size).toBe(pb.size);
  let m = 0;
  for (const [i, p] of pa) m = Math.max(m, Math.abs(p - pb.get(i)!));
  return m;
}

describe.skipIf(!hasChromium || !hasShared)('recognition routed to the compute page (SwiftShader)', () => {
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  let node: RecognitionService;
  let cacheDir: string;
  const timings: string[] = [];

  /** A fresh compute page with its client, as main opens the compute window. */
  async function openPage(initScript?: string): Promise<{ page: Page; client: ComputeClient; probes: BackendProbe[]; close(): Promise<void> }> {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('compute page:', e.message));
    if (initScript) await page.addInitScript(initScript);
    await page.goto(`${origin}/compute.html`);
    const client = new ComputeClient(await mainPortOf(page));
    return { page, client, probes: await client.probe(), close: () => page.close() };
  }

  beforeAll(async () => {
    server = await servePagesAndModels(await buildRenderer());
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchForCompute(CHROMIUM);
    await initBackend('wasm');
    cacheDir = await tempDir();
    node = new RecognitionService({ cacheDir, mirrorDir, offline: true, backend: 'wasm' });
  });
  afterAll(async () => {
    console.log(`routed recognition timings (SwiftShader on a shared, loaded 2-core machine):\n${timings.join('\n')}`);
    node?.dispose();
    await browser?.close();
    server?.close();
  });

  for (const backend of ['webgl', 'webgpu'] as const) {
    it(`recognizes real photos on ${backend} like Node wasm (softmax within 1e-4), one by one, in a batch and through a view`, async () => {
      const { client, probes, close } = await openPage();
      const probe = probes.find((p) => p.backend === backend)!;
      expect(probe, `${backend}: ${probe?.detail}`).toMatchObject({ available: true });
      await client.use(backend);
      const use: PageUse = { backend, ...(probe.adapter ? { adapter: probe.adapter } : {}) };
      const route = new PageRoute(client, () => use);
      const lines: LogLine[] = [];
      const routed = new RecognitionService({ cacheDir, mirrorDir, offline: true, backend: 'wasm', page: (c) => route.score(c), log: (l) => lines.push(l) });
      try {
        for (const [i, image] of PHOTOS.entries()) {
          const start = performance.now();
          const got = await routed.recognize({ image, model: 'mobilenet', topK: 1000 });
          timings.push(`${backend} ${path.basename(image)}: ${(performance.now() - start).toFixed(0)} ms${i === 0 ? ' (MobileNet loaded into the page first)' : ''}`);
          const want = await node.recognize({ image, model: 'mobilenet', topK: 1000 });
          expect(want.backend).toBe('wasm');
          expect(got.backend).toBe(backend);
          const diff = largestDifference(got, want);
          timings.push(`${backend} ${path.basename(image)}: largest softmax difference from Node wasm ${diff.toExponential(1)}`);
          expect(diff, path.basename(image)).toBeLessThan(1e-4);
          expect(got.top[0]!.index).toBe(want.top[0]!.index);
        }
        // A batch (folder jobs' path) goes through the page as well, in order.
        const many: RecognizeResult[] = [];
        for await (const r of routed.recognizeMany({ images: PHOTOS, model: 'mobilenet', topK: 3 })) many.push(r as RecognizeResult);
        expect(many.map((r) => r.backend)).toEqual(PHOTOS.map(() => backend));
        expect(many.map((r) => r.top[0]!.index)).toEqual([0, 340, 155]);
        // A view: the base model's outputs over its classes, renormalized, and its share of the whole.
        const view = await routed.recognize({ image: DOG, model: 'dog-breeds-imagenet', topK: 200 });
        const viewNode = await node.recognize({ image: DOG, model: 'dog-breeds-imagenet', topK: 200 });
        expect(view.backend).toBe(backend);
        expect(largestDifference(view, viewNode)).toBeLessThan(1e-4);
        expect(Math.abs(view.rangeShare! - viewNode.rangeShare!)).toBeLessThan(1e-4);
        expect(view.rangeShare).toBeGreaterThan(0.5);
        expect(lines.filter((l) => l.code === 'compute-recognize-fell-back')).toEqual([]);
      } finally {
        routed.dispose();
        client.close();
        await close().catch(() => undefined);
      }
    });
  }

  it("the app's way: the recognition thread asks main's route through its port, and answers on webgl", async () => {
    const { client, probes, close } = await openPage();
    await client.use('webgl');
    const route = new PageRoute(client, () => ({ backend: 'webgl', adapter: probes.find((p) => p.backend === 'webgl')!.adapter! }));
    const lines: LogLine[] = [];
    const thread = threadRecognizer({ cacheDir, mirrorDir, offline: true, backend: 'wasm' }, { page: (c) => route.score(c), log: (l) => lines.push(l) });
    try {
      const got = (await thread.recognize({ image: PHOTOS[1]!, model: 'mobilenet', topK: 1000 })) as RecognizeResult;
      expect(got.backend).toBe('webgl');
      expect(largestDifference(got, await node.recognize({ image: PHOTOS[1]!, model: 'mobilenet', topK: 1000 }))).toBeLessThan(1e-4);
      expect(lines.filter((l) => l.code === 'compute-recognize-fell-back')).toEqual([]);
    } finally {
      thread.dispose();
      client.close();
      await close().catch(() => undefined);
    }
  });

  it('a page that goes away falls back to Node for the request, saying so once, and answers the same', async () => {
    const { client, probes, close } = await openPage();
    await client.use('webgl');
    const route = new PageRoute(client, () => ({ backend: 'webgl', adapter: probes.find((p) => p.backend === 'webgl')!.adapter! }));
    const lines: LogLine[] = [];
    const routed = new RecognitionService({ cacheDir, mirrorDir, offline: true, backend: 'wasm', page: (c) => route.score(c), log: (l) => lines.push(l) });
    try {
      const before = await routed.recognize({ image: PHOTOS[0]!, model: 'mobilenet', topK: 1000 });
      expect(before.backend).toBe('webgl');
      await close(); // the compute window crashed or was closed
      const answers: RecognizeResult[] = [];
      for (const image of PHOTOS) answers.push(await routed.recognize({ image, model: 'mobilenet', topK: 1000 }));
      expect(answers.map((a) => a.backend)).toEqual(PHOTOS.map(() => 'wasm'));
      for (const [i, image] of PHOTOS.entries()) expect(largestDifference(answers[i]!, await node.recognize({ image, model: 'mobilenet', topK: 1000 }))).toBe(0);
      const fellBack = lines.filter((l) => l.code === 'compute-recognize-fell-back');
      expect(fellBack).toHaveLength(1);
      expect(fellBack[0]!.params).toMatchObject({ model: 'mobilenet', backend: 'wasm' });
      expect(fellBack[0]!.message).toMatch(/^Recognition went back to wasm for mobilenet: the compute window failed \(The compute window went away\)/);
    } finally {
      routed.dispose();
      client.close();
    }
  });

  it('a lost WebGL context: the next recognition is answered by Node within seconds, coded, and later ones go straight to Node', async () => {
    const { page, client, probes, close } = await openPage(RECORD_GL);
    await client.use('webgl');
    // What main's route asks the page.
    const asked: string[] = [];
    const counted = countedPageClient(client, asked);
    const route = new PageRoute(counted, () => ({ backend: 'webgl', adapter: probes.find((p) => p.backend === 'webgl')!.adapter! }));
    const lines: LogLine[] = [];
    const routed = new RecognitionService({ cacheDir, mirrorDir, offline: true, backend: 'wasm', page: (c) => route.score(c), log: (l) => lines.push(l) });
    try {
      expect((await routed.recognize({ image: PHOTOS[0]!, model: 'mobilenet', topK: 5 })).backend).toBe('webgl');
      const lostCount = await page.evaluate(() => {
        const w = globalThis as unknown as { __glContexts: { getExtension(n: string): { loseContext(): void } | null }[] };
        for (const gl of w.__glContexts) gl.getExtension('WEBGL_lose_context')?.loseContext();
        return w.__glContexts.length;
      });
      expect(lostCount).toBeGreaterThan(0);
      asked.length = 0;
      const start = performance.now();
      const next = await routed.recognize({ image: PHOTOS[1]!, model: 'mobilenet', topK: 1000 });
      const seconds = (performance.now() - start) / 1000;
      timings.push(`recognition after the WebGL context was lost: answered by Node in ${seconds.toFixed(1)} s`);
      expect(next.backend).toBe('wasm');
      expect(largestDifference(next, await node.recognize({ image: PHOTOS[1]!, model: 'mobilenet', topK: 1000 }))).toBe(0);
      // Seconds (Node's own MobileNet included), not the watchdog's 2 minutes and more.
      expect(seconds).toBeLessThan(15);
      expect(asked).toEqual(['recognize']);
      const fellBack = lines.filter((l) => l.code === 'compute-recognize-fell-back');
      expect(fellBack).toHaveLength(1);
      expect(fellBack[0]!.reason).toMatchObject({ code: 'compute-webgl-lost' });
      expect(fellBack[0]!.message).toMatch(/^Recognition went back to wasm for mobilenet: the compute window failed \(the WebGL context was lost\)/);
      // From now on the page is not asked: Node answers straight away, with nothing more logged.
      expect(route.use()).toBeUndefined();
      const later = await routed.recognize({ image: PHOTOS[2]!, model: 'mobilenet', topK: 3 });
      expect(later.backend).toBe('wasm');
      expect(later.top[0]!.index).toBe(155);
      expect(asked).toEqual(['recognize']);
      expect(lines.filter((l) => l.code === 'compute-recognize-fell-back')).toHaveLength(1);
    } finally {
      routed.dispose();
      client.close();
      await close().catch(() => undefined);
    }
  });
});
