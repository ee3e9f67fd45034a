// The Training panel says where a run computes when it goes through the compute page, and how it
// went back to Node when the page failed. The window is the real renderer in Chromium; the app's
// service runs in this process with main's PageTraining wired as main.ts wires it, to the page's
// real server (core/compute/port.ts) over Node's MessageChannel, tfjs's wasm standing in for the GPU
// (so the epochs it computes say "wasm"). Its "GPU" is lost once epoch 1's checkpoint is saved.
// Checked in English and Korean, at 1024x700.
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/backend.ts';
import { ensureTrainable } from '../../src-main/core/backends/wasm-training-kernels.ts';
import { ComputeClient } from '../../src-main/core/compute/client.ts';
import { PageTraining } from '../../src-main/core/compute/page-training.ts';
import { webglLost, type GpuLoss } from '../../src-main/core/compute/gpu-loss.ts';
import { ENGLISH } from '../helpers/languages.ts';
import { hasShared } from '../helpers/shared.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';
import { pageOverChannel, quietHost } from '../helpers/page-channel.ts';

describe.skipIf(!hasChromium || !hasShared)('the Training panel says where a routed run computes', () => {
  let studio: Studio;
  let channel: MessageChannel;
  let client: ComputeClient;
  /** Set to lose the page's "GPU": its reads fail from then on as after a lost WebGL context. */
  let lost: GpuLoss | undefined;

  beforeAll(async () => {
    await initBackend('wasm');
    await ensureTrainable();
    studio = await startStudio({ viewport: { width: 1024, height: 700 } });
    ({ client, channel } = pageOverChannel(quietHost(() => lost)));
    studio.service.trainOnPage(new PageTraining(client, () => ({ backend: 'webgl' })));
    // The checkpoint event comes from the run's thread before its next batch's page call does.
    studio.service.on((e) => {
      if (e.type === 'training' && e.event.event === 'checkpoint' && e.event.epoch === 1 && armed) lost = webglLost();
    });
  }, 120_000);
  let armed = false;
  afterAll(async () => {
    client?.close();
    channel?.port2.close();
    await studio?.close();
  });

  async function run(out: string, epochs: number): Promise<void> {
    const { page } = studio;
    await page.getByTestId('tab-training').click();
    await page.getByTestId('dataset').selectOption('mnist');
    await page.getByTestId('epochs').fill(String(epochs));
    await page.getByTestId('limit').fill('320');
    await page.getByTestId('test-limit').fill('100');
    await page.getByTestId('out').fill(out);
    await page.getByTestId('start').click();
    await expect.poll(() => page.getByTestId('training-status').textContent(), { timeout: 180_000 }).toContain(out);
  }

  /** The line lies inside the window, wrapping rather than running off it. */
  async function fits(where: string): Promise<void> {
    const line = studio.page.getByTestId('compute-where');
    await line.scrollIntoViewIfNeeded();
    const box = (await line.boundingBox())!;
    expect(box.x, where).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, where).toBeLessThanOrEqual(1024);
    const sideways = await studio.page.locator('main.content').evaluate((e) => e.scrollWidth - e.clientWidth);
    expect(sideways, `${where}: the panel is wider than its place`).toBeLessThanOrEqual(0);
  }

  it('names the backend the page computed on', async () => {
    await run('where-page', 1);
    const { page } = studio;
    // The page's own tfjs backend (wasm here, standing in), as its epochs named it.
    const [, backend] = (await page.getByTestId('compute-where').textContent())!.match(/^Computed on (\w+)$/)!;
    expect(backend).toBe(studio.events.flatMap((e) => (e.type === 'training' && e.event.event === 'epoch' ? [e.event.backend] : [])).at(-1));
    await fits('computed on, en');
    await page.getByTestId('locale').selectOption('ko');
    expect(await page.getByTestId('compute-where').textContent()).toBe(`${backend}에서 계산함`);
    await page.getByTestId('locale').selectOption('en');
  });

  it('says the GPU failed and from which checkpoint Node went on', async () => {
    armed = true;
    await run('where-fell-back', 3);
    const { page } = studio;
    expect(lost).toBeDefined();
    const [, node] = (await page.getByTestId('compute-where').textContent())!.match(/^The GPU \(webgl\) failed in epoch 2: continued on (\w+) from epoch 1's checkpoint$/)!;
    await fits('fell back, en');
    await screenshot(page, 'training-compute-fell-back-en-1024x700');
    // The log says it too, in the run's own line, with the page's reason.
    const logLines = async () => (await page.getByTestId('training-log').textContent())!.split('\n');
    expect(await logLines()).toContain(`Training went back from webgl to ${node} in epoch 2 (the WebGL context was lost); it goes on from the checkpoint of epoch 1`);
    await page.getByTestId('locale').selectOption('ko');
    expect(await page.getByTestId('compute-where').textContent()).toBe(`에포크 2에서 GPU(webgl)가 멈춰 에포크 1의 체크포인트부터 ${node}(으)로 이어 갔습니다`);
    // In Korean, its reason too (it crossed the page's reply, main's client, the run's thread as a code).
    const line = (await logLines()).find((l) => l.startsWith('에포크 2에서 학습을'));
    expect(line).toBe(`에포크 2에서 학습을 webgl에서 ${node}(으)로 되돌렸습니다 (WebGL 컨텍스트를 잃었습니다). 에포크 1의 체크포인트에서 이어 갑니다`);
    expect(line).not.toMatch(ENGLISH);
    await fits('fell back, ko');
    await screenshot(page, 'training-compute-fell-back-ko-1024x700');
    await page.getByTestId('locale').selectOption('en');
  });
});
