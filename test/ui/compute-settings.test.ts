// The badge opens where the app says which device computes and why: before any measurement, then
// after "Measure again" times the real backends (Node's wasm with the real MobileNet, and the
// compute page in a second tab of the same Chromium, its WebGL and WebGPU on SwiftShader: refused
// as software renderers). Screenshots at 1024x700 in English and Korean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared } from '../helpers/shared.ts';
import { connect, GPU_ARGS, pageSideOf } from './compute-page.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

describe.skipIf(!hasChromium || !hasShared)('the compute devices dialog', () => {
  let studio: Studio;

  beforeAll(async () => {
    studio = await startStudio({ viewport: { width: 1024, height: 700 }, extraArgs: GPU_ARGS });
    // The compute page, from the same built renderer, as the app's hidden window would show it.
    const compute = await studio.page.context().newPage();
    await compute.goto(new URL('compute.html', studio.page.url()).href);
    await connect(compute);
    studio.service.compute!.attachPage(pageSideOf(compute));
    // A tab in the background draws no frames, and a screenshot of it waits for one.
    await studio.page.bringToFront();
  });
  afterAll(async () => {
    await studio?.close();
  });

  it('says nothing was measured yet, measures on demand and shows each device with its figures and why it lost', async () => {
    const { page } = studio;
    await page.getByTestId('backend').click();
    await expect.poll(() => page.getByTestId('compute-none').textContent()).toMatch(/Not measured yet/);
    await page.getByTestId('compute-measure').click();
    await expect.poll(() => page.getByTestId('compute-choice').textContent(), { timeout: 120_000 }).toMatch(/Chosen by measuring: wasm/);
    const row = (backend: string) => page.locator(`[data-testid="compute-table"] tr[data-backend="${backend}"]`);
    await expect.poll(() => row('webgl').textContent()).toMatch(/SwiftShader.*software renderer.*software renderer: slower than wasm/);
    expect(await row('webgpu').textContent()).toMatch(/swiftshader.*software renderer: slower than wasm/i);
    const wasm = (await row('wasm').locator('td').allTextContents()).map((s) => s.trim());
    expect(wasm[0]).toBe('wasm');
    expect(wasm[4]).toBe('chosen');
    // Real figures, in milliseconds.
    expect(Number(wasm[2])).toBeGreaterThan(1);
    expect(Number(wasm[3])).toBeGreaterThan(0);
    // What the dialog shows is what was kept for the next start.
    const kept = await studio.service.computeFigures();
    expect(kept!.choice.backend).toBe('wasm');
    expect(kept!.candidates.find((c) => c.backend === 'wasm')!.measured!.inferenceMs.toFixed(0)).toBe(Number(wasm[2]).toFixed(0));
    console.log(`figures shown: ${JSON.stringify(kept!.candidates.map((c) => [c.backend, c.measured ?? c.detail ?? '']))}`);
    await screenshot(page, 'compute-devices-en');
    await page.getByTestId('locale').selectOption('ko');
    await expect.poll(() => page.getByTestId('compute-choice').textContent()).toMatch(/측정으로 고른 백엔드: wasm/);
    expect(await row('webgl').textContent()).toMatch(/소프트웨어 렌더러: wasm보다 느림/);
    await screenshot(page, 'compute-devices-ko');
    await page.getByTestId('locale').selectOption('en');
    await page.getByTestId('compute-close').click();
    expect(await page.getByTestId('compute-settings').count()).toBe(0);
  });
});
