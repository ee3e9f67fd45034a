// The wasm backend computes on every core (our patch of tfjs-backend-wasm's threaded build for
// Node), gives the same answers as on one thread, and lets command-line runs exit by themselves.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './helpers/cli.ts';
import { imagenetDevDir, mirrorDir, tempDir } from './helpers/shared.ts';

interface Top {
  index: number;
  probability: number;
}

const photos = ['n02504013_Indian_elephant.JPEG', 'n01440764_tench.JPEG'].map((f) => path.join(imagenetDevDir, f));

async function predict(threads: number, modelsDir: string): Promise<Top[][]> {
  const run = await runCli(['predict', ...photos, '--mirror', mirrorDir, '--cache', modelsDir, '--top', '5', '--json'], {
    CLASSIFIER_WASM_THREADS: String(threads),
  });
  expect(run.code, run.stderr).toBe(0);
  return jsonLines(run.stdout).map((l) => l.top as Top[]);
}

describe('multi-threaded wasm', () => {
  it('says how many threads it uses, and the command exits on its own', async () => {
    const two = await runCli(['backend'], { CLASSIFIER_WASM_THREADS: '2' });
    expect(two.code).toBe(0);
    expect(two.stdout + two.stderr).toMatch(/Backend: wasm, 2 threads/);
    const one = await runCli(['backend'], { CLASSIFIER_WASM_THREADS: '1' });
    expect(one.stdout + one.stderr).toMatch(/Backend: wasm\n/);
    const bad = await runCli(['backend'], { CLASSIFIER_WASM_THREADS: 'many' });
    expect(bad.stdout + bad.stderr).toMatch(/CLASSIFIER_WASM_THREADS must be a whole number/);
  }, 60_000);

  it('recognizes exactly as one thread does (MobileNet, real photos)', async () => {
    const dir = await tempDir();
    const [threaded, single] = [await predict(2, dir), await predict(1, dir)];
    expect(threaded.map((t) => t[0]!.index)).toEqual([385, 0]);
    for (let i = 0; i < photos.length; i++) {
      expect(threaded[i]!.map((p) => p.index)).toEqual(single[i]!.map((p) => p.index));
      for (let k = 0; k < 5; k++) expect(Math.abs(threaded[i]![k]!.probability - single[i]![k]!.probability)).toBeLessThan(1e-5);
    }
  }, 120_000);
});
