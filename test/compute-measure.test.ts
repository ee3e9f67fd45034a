// The chooser at first start: every backend present timed by the same code (core/compute/measure.ts),
// a software adapter never timed unless asked for, the fastest kept, the figures stored between
// starts and measured again on demand. The page side is a stand-in here (test/ui/compute.test.ts
// times the real page); Node's side is the real RecognitionService on wasm with the real MobileNet.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../src-main/core/compute/choose.ts';
import { FIGURES_FILE, readFigures, writeFigures } from '../src-main/core/compute/figures-store.ts';
import { measureAndChoose, type PageSide } from '../src-main/core/compute/measure-all.ts';
import type { PageBackend } from '../src-main/core/compute/port.ts';
import { RecognitionService } from '../src-main/service/recognition.ts';
import { ComputeChoice } from '../src-main/service/compute-choice.ts';
import { hasShared, mirrorDir, tempDir } from './helpers/shared.ts';

/** A page with a software WebGPU, a hardware WebGL and wasm; it times each as told and records what it was asked. */
function fakePage(ms: Partial<Record<PageBackend, number>>) {
  const timed: PageBackend[] = [];
  const used: PageBackend[] = [];
  const shards: number[] = [];
  const page: PageSide = {
    probe: async () => [
      { backend: 'webgpu', available: true, adapter: { name: 'google swiftshader', software: true } },
      { backend: 'webgl', available: true, adapter: { name: 'ANGLE (NVIDIA GeForce RTX 3060)', software: false } },
      { backend: 'wasm', available: true },
      { backend: 'cpu', available: true },
    ],
    measure: async (backend, files) => {
      timed.push(backend);
      shards.push(files.shards.length);
      if (ms[backend] === undefined) throw new Error(`${backend} failed to compile a shader`);
      return { inferenceMs: ms[backend]!, trainStepMs: ms[backend]! / 10 };
    },
    use: async (backend) => void used.push(backend),
  };
  return { page, timed, used, shards };
}

const mobilenet = { files: { json: '{}', shards: [new Uint8Array(4)] }, spec: { inputSize: [224, 224] as [number, number], channels: 3 as const, preprocessing: 'tf' as const } };
const nodeWasm = async (): Promise<Candidate[]> => [{ backend: 'wasm', available: true, measured: { inferenceMs: 300, trainStepMs: 30 } }];

describe('measureAndChoose', () => {
  it('times hardware backends, not a software adapter, keeps the fastest and leaves the page computing with it', async () => {
    const { page, timed, used } = fakePage({ webgl: 40, webgpu: 1 });
    const figures = await measureAndChoose({ node: nodeWasm, page, mobilenet, now: () => new Date('2026-01-02T03:04:05Z') });
    expect(timed).toEqual(['webgl']); // not SwiftShader, not the page's wasm (Node's stands for it), not cpu
    expect(figures.choice).toMatchObject({ backend: 'webgl', forced: false, adapter: { software: false } });
    expect(figures.choice.skipped.map((s) => [s.backend, s.reason])).toEqual([
      ['webgpu', 'software-adapter'],
      ['wasm', 'slower'],
    ]);
    expect(figures.measuredAt).toBe('2026-01-02T03:04:05.000Z');
    expect(used).toEqual(['webgl']);
  });

  it('a GPU slower than wasm, or failing, loses to wasm; the failure is told', async () => {
    const slow = fakePage({ webgl: 900 });
    expect((await measureAndChoose({ node: nodeWasm, page: slow.page, mobilenet })).choice.backend).toBe('wasm');
    expect(slow.used).toEqual([]);
    const broken = fakePage({});
    const figures = await measureAndChoose({ node: nodeWasm, page: broken.page, mobilenet });
    expect(figures.choice.backend).toBe('wasm');
    expect(figures.choice.skipped).toContainEqual({ backend: 'webgl', reason: 'failed', detail: 'webgl failed to compile a shader' });
  });

  it('a forced software adapter is timed and honoured', async () => {
    const { page, timed, used } = fakePage({ webgl: 40, webgpu: 5000 });
    const figures = await measureAndChoose({ node: nodeWasm, page, mobilenet, forced: 'webgpu' });
    expect(timed).toEqual(['webgpu', 'webgl']);
    expect(figures.choice).toMatchObject({ backend: 'webgpu', forced: true, adapter: { name: 'google swiftshader', software: true } });
    expect(used).toEqual(['webgpu']);
  });

  it('without MobileNet nothing in the page is timed, and says so; the page then computes with its own wasm when Node has none timed', async () => {
    const { page, timed, used } = fakePage({ webgl: 40 });
    const figures = await measureAndChoose({ page });
    expect(timed).toEqual([]);
    expect(figures.note).toMatch(/MobileNet is not on this machine/);
    expect(figures.choice.backend).toBe('wasm');
    expect(figures.choice.skipped).toContainEqual({ backend: 'webgl', reason: 'not-measured' });
    expect(used).toEqual(['wasm']);
  });
});

describe('the kept figures', () => {
  it('round-trip; a damaged or foreign file is as good as none', async () => {
    const dir = await tempDir('cs-figures-');
    expect(await readFigures(dir)).toBeUndefined();
    const figures = await measureAndChoose({ node: nodeWasm, page: fakePage({ webgl: 40 }).page, mobilenet });
    await writeFigures(dir, figures);
    expect(await readFigures(dir)).toEqual(figures);
    await writeFile(path.join(dir, FIGURES_FILE), '{"measuredAt": "yesterday", "candidates": [], "choice": {}}');
    expect(await readFigures(dir)).toBeUndefined();
    await writeFile(path.join(dir, FIGURES_FILE), '{ not json');
    expect(await readFigures(dir)).toBeUndefined();
  });
});

describe.skipIf(!hasShared)('ComputeChoice with the real MobileNet and Node wasm', () => {
  it('measures at first start, reads the figures at the next, measures again when asked', async () => {
    const stateDir = await tempDir('cs-choice-');
    const cacheDir = await tempDir('cs-choice-cache-');
    const service = new RecognitionService({ cacheDir, mirrorDir, backend: 'wasm', offline: true });
    let nodeRuns = 0;
    const { page, timed, shards } = fakePage({ webgl: 1 });
    const choice = new ComputeChoice({
      stateDir,
      storage: { cacheDir, mirrorDir },
      node: () => {
        nodeRuns++;
        return service.measure();
      },
    });
    choice.attachPage(page);
    const first = await choice.atStart();
    // Node's wasm really timed: a MobileNet batch of 8 and a CNN step take some milliseconds.
    const wasm = first.candidates.find((c) => c.backend === 'wasm')!;
    console.log(
      `Node wasm (loaded shared machine): MobileNet batch of 8 ${wasm.measured!.inferenceMs.toFixed(0)} ms, Fashion-MNIST CNN step of 32 ${wasm.measured!.trainStepMs.toFixed(0)} ms`,
    );
    expect(wasm.measured!.inferenceMs).toBeGreaterThan(1);
    expect(wasm.measured!.trainStepMs).toBeGreaterThan(0.1);
    // The page got MobileNet's real files (model.json names its shards).
    const json = JSON.parse(await readFile(path.join(mirrorDir, 'mobilenet_v1_0.75_224/model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    expect(shards).toEqual([json.weightsManifest.flatMap((g) => g.paths).length]);
    expect(timed).toEqual(['webgl']);
    expect(first.choice.backend).toBe('webgl');
    expect(await choice.atStart()).toEqual(first);
    expect(nodeRuns).toBe(1);
    const again = await choice.measure();
    expect(nodeRuns).toBe(2);
    expect(await choice.figures()).toEqual(again);
    service.dispose();
  });
});
