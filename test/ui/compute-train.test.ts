// The app's training routed to the real compute page in Chromium (SwiftShader): the service's
// startTraining runs LeNet-5 on real MNIST in its worker thread, and the batches' model work goes,
// through the service and main's PageTraining, to the page's webgl or webgpu, as the app wires it.
// A run there gives the epoch losses of the same run on Node's wasm (within 1e-3) and stores a
// loadable model; a WebGL context lost mid-run sends the run back to Node from its best checkpoint.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/backend.ts';
import { ComputeClient } from '../../src-main/core/compute/client.ts';
import { PageTraining } from '../../src-main/core/compute/page-training.ts';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';
import { loadLayersModelFromDir } from '../../src-main/core/models/layers-io.ts';
import { META_FILE, ModelStore } from '../../src-main/core/store/model-store.ts';
import type { RunConfigInput } from '../../src-main/core/training/config.ts';
import type { RunEnvironment } from '../../src-main/core/training/run.ts';
import { startTraining, type DoneEvent, type TrainingOptions } from '../../src-main/service/training.ts';
import type { EpochRecord, TrainEvent } from '../../src-main/shared/train-events.ts';
import { hasShared, sharedDir, tempDir } from '../helpers/shared.ts';
import { servePagesAndModels } from '../helpers/page-server.ts';
import { launchForCompute, mainPortOf, RECORD_GL } from './compute-page.ts';
import { buildRenderer, CHROMIUM, hasChromium } from './harness.ts';

const datasetsMirror = path.join(sharedDir, 'datasets');
// 320 MNIST images: 256 to train on in 8 batches of 32, 64 to validate; 100 test images.
const RUN = { dataset: 'mnist', network: 'lenet5', batchSize: 32, limit: 320, validationSplit: 0.2, testLimit: 100 } as const;

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe.skipIf(!hasChromium || !hasShared)("the app's training routed to the compute page (SwiftShader)", () => {
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  const timings: string[] = [];

  /** A fresh compute page with its client, as main opens the compute window. */
  async function openPage(initScript?: string): Promise<{ page: Page; client: ComputeClient; probes: BackendProbe[] }> {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('compute page:', e.message));
    if (initScript) await page.addInitScript(initScript);
    await page.goto(`${origin}/compute.html`);
    const client = new ComputeClient(await mainPortOf(page));
    return { page, client, probes: await client.probe() };
  }

  async function env(): Promise<RunEnvironment> {
    return { cacheDir: await tempDir(), mirrorDir: datasetsMirror, storeDir: await tempDir('cs-store-'), offline: true, backend: 'wasm' };
  }

  async function train(config: RunConfigInput, e: RunEnvironment, options?: TrainingOptions, onEvent?: (ev: TrainEvent) => void) {
    const events: TrainEvent[] = [];
    const start = performance.now();
    const run = await startTraining(
      config,
      e,
      (ev) => {
        events.push(ev);
        onEvent?.(ev);
      },
      options,
    );
    const done: DoneEvent = await run.done;
    return { done, events, seconds: (performance.now() - start) / 1000 };
  }

  const epochsOf = (events: TrainEvent[]) => events.filter((e): e is Extract<TrainEvent, { event: 'epoch' }> => e.event === 'epoch');

  beforeAll(async () => {
    server = await servePagesAndModels(await buildRenderer());
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchForCompute(CHROMIUM);
    await initBackend('wasm');
  });
  afterAll(async () => {
    console.log(`routed training timings (SwiftShader on a shared, loaded 2-core machine):\n${timings.join('\n')}`);
    await browser?.close();
    server?.close();
  });

  for (const backend of ['webgl', 'webgpu'] as const) {
    it(`LeNet-5 on MNIST through the page on ${backend}: the epochs of the same run on Node wasm (within 1e-3), stored and loadable`, async () => {
      // Both runs go on from one checkpoint (a stored model's weights are random until trained:
      // resuming one is the way to give two runs the same start), with the same replayed shuffles.
      const base = await env();
      const first = await train({ ...RUN, epochs: 1, out: 'base' }, base);
      expect(first.done.model).toBe('base');
      const onPage = { ...base, storeDir: await tempDir('cs-store-') };
      await cp(base.storeDir, onPage.storeDir, { recursive: true });

      const node = await train({ resume: 'base', epochs: 3 }, base);
      const { page, client, probes } = await openPage();
      try {
        const probe = probes.find((p) => p.backend === backend)!;
        expect(probe, `${backend}: ${probe?.detail}`).toMatchObject({ available: true });
        const training = new PageTraining(client, () => ({ backend, ...(probe.adapter ? { adapter: probe.adapter } : {}) }));
        const routed = await train({ resume: 'base', epochs: 3 }, onPage, { page: training });
        timings.push(`${backend}: 2 epochs of 8 steps, validation and test: ${routed.seconds.toFixed(1)} s (Node wasm in its thread: ${node.seconds.toFixed(1)} s)`);

        expect(routed.events.find((e) => e.event === 'start')).toMatchObject({ backend });
        expect(routed.events.filter((e) => e.event === 'log' && e.code.startsWith('compute-train-fell-back'))).toEqual([]);
        const got = epochsOf(routed.events);
        const want = epochsOf(node.events);
        expect(got.map((e) => e.epoch)).toEqual([2, 3]);
        expect(want.map((e) => e.epoch)).toEqual([2, 3]);
        // Each epoch says where it computed; Node's own runs say nothing new.
        expect(got.map((e) => e.backend)).toEqual([backend, backend]);
        expect(want.every((e) => e.backend === undefined)).toBe(true);
        for (const [i, g] of got.entries()) {
          const w = want[i]!;
          timings.push(`${backend} epoch ${g.epoch}: loss ${g.loss.toFixed(6)} vs ${w.loss.toFixed(6)}, val_loss ${g.val_loss!.toFixed(6)} vs ${w.val_loss!.toFixed(6)}`);
          expect(relative(g.loss, w.loss), `epoch ${g.epoch} loss`).toBeLessThan(1e-3);
          expect(relative(g.val_loss!, w.val_loss!), `epoch ${g.epoch} val_loss`).toBeLessThan(1e-3);
          expect(Math.abs(g.accuracy - w.accuracy)).toBeLessThan(0.02);
        }
        // The run trained: epoch 3's loss is below the checkpoint's epoch 1.
        expect(got[1]!.loss).toBeLessThan(first.done.history[0]!.loss);

        // Stored as the Node run stores it: complete, its history, weights that load and answer.
        expect(routed.done.model).toBe('base');
        const meta = await new ModelStore(onPage.storeDir).get('base');
        expect(meta.status).toBe('complete');
        expect(meta.history.map((r: EpochRecord) => r.epoch)).toEqual([1, 2, 3]);
        const model = await loadLayersModelFromDir(new ModelStore(onPage.storeDir).folderOf('base'));
        const reference = await loadLayersModelFromDir(new ModelStore(base.storeDir).folderOf('base'));
        const [a, b] = [model.getWeights(), reference.getWeights()];
        let largest = 0;
        for (const [i, t] of a.entries()) {
          const [x, y] = [t.dataSync(), b[i]!.dataSync()];
          for (let j = 0; j < x.length; j++) largest = Math.max(largest, Math.abs(x[j]! - y[j]!));
        }
        timings.push(`${backend}: largest weight difference from the Node run's stored model ${largest.toExponential(1)}`);
        expect(largest).toBeLessThan(1e-2);
        model.dispose();
        reference.dispose();
        expect(Math.abs(routed.done.test_accuracy! - node.done.test_accuracy!)).toBeLessThan(0.03);
      } finally {
        client.close();
        await page.close().catch(() => undefined);
      }
      // SwiftShader's WebGPU is far slower than its WebGL (software Vulkan under Dawn).
    }, 600_000);
  }

  it('a WebGL context lost mid-run: the run goes back to Node from its best checkpoint, kept in the store, and finishes', async () => {
    const e = await env();
    const { page, client, probes } = await openPage(RECORD_GL);
    // The store as the epoch 1 checkpoint left it, copied the moment it was announced.
    const snapshot = await tempDir('cs-store-');
    let lost = false;
    try {
      await client.use('webgl');
      const training = new PageTraining(client, () => ({ backend: 'webgl', adapter: probes.find((p) => p.backend === 'webgl')!.adapter! }));
      const run = await train({ ...RUN, epochs: 3, out: 'lossy' }, e, { page: training }, (ev) => {
        if (ev.event === 'checkpoint' && ev.epoch === 1) cpSync(new ModelStore(e.storeDir).folderOf('lossy'), path.join(snapshot, 'lossy'), { recursive: true });
        // Losing the context at epoch 2's first batch: epoch 1's checkpoint was made on webgl by then.
        if (ev.event === 'batch' && ev.epoch === 2 && !lost) {
          lost = true;
          void page.evaluate(() => {
            const w = globalThis as unknown as { __glContexts: { getExtension(n: string): { loseContext(): void } | null }[] };
            for (const gl of w.__glContexts) gl.getExtension('WEBGL_lose_context')?.loseContext();
          });
        }
      });
      timings.push(`a run of 3 epochs whose context was lost in epoch 2: ${run.seconds.toFixed(1)} s`);
      expect(lost).toBe(true);
      const line = run.events.find((ev) => ev.event === 'log' && ev.code === 'compute-train-fell-back') as Extract<TrainEvent, { event: 'log' }> | undefined;
      expect(line, JSON.stringify(run.events.filter((ev) => ev.event === 'log'))).toBeDefined();
      expect(line!.params).toMatchObject({ from: 'webgl', backend: 'wasm', epoch: 2, best: 1 });
      expect(line!.message).toMatch(/^Training went back from webgl to wasm in epoch 2 \(the WebGL context was lost\); it goes on from the checkpoint of epoch 1/);
      // Epoch 1 on webgl; epoch 2 (again) and 3 on Node's wasm, after the line.
      const at = run.events.indexOf(line!);
      expect(epochsOf(run.events.slice(0, at)).map((r) => [r.epoch, r.backend])).toEqual([[1, 'webgl']]);
      expect(epochsOf(run.events.slice(at)).map((r) => [r.epoch, r.backend])).toEqual([
        [2, 'wasm'],
        [3, 'wasm'],
      ]);
      expect(run.done.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
      expect(run.done.model).toBe('lossy');
      expect((await new ModelStore(e.storeDir).get('lossy')).status).toBe('complete');

      // Going back to Node is resuming from the checkpoint: a Node run resumed from the copy of
      // the epoch 1 checkpoint gives epochs 2 and 3 exactly (same weights, shuffles and backend).
      const metaFile = path.join(snapshot, 'lossy', META_FILE);
      const { writer: _, ...meta } = JSON.parse(await readFile(metaFile, 'utf8')) as Record<string, unknown>;
      await writeFile(metaFile, JSON.stringify({ ...meta, status: 'cancelled' }));
      const resumed = await train({ resume: 'lossy', epochs: 3 }, { ...e, storeDir: snapshot });
      const after = epochsOf(run.events.slice(at));
      expect(epochsOf(resumed.events).map((r) => [r.epoch, r.loss, r.val_loss])).toEqual(after.map((r) => [r.epoch, r.loss, r.val_loss]));
    } finally {
      client.close();
      await page.close().catch(() => undefined);
      await rm(snapshot, { recursive: true, force: true });
    }
  }, 400_000);
});
