// End-to-end, Test mode's Live (issue 13): after training on real dog and bird photos, a fake
// webcam playing other dog photos is answered about twice a second, one recognition at a time;
// a frame is kept in the tried list, marked wrong and filed under a class; the camera stops when
// Live is turned off and when the panel is left. Screenshots in English and Korean, at two sizes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/shared.ts';
import { birds, classCount, dogs, drop, fakeCameraArgs, jpegs, y4m } from './fake-camera.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

if (!hasChromium) console.warn('Live test-mode end-to-end tests skipped: /usr/bin/chromium is not installed.');

describe.skipIf(!hasChromium)('Test mode live on the (fake) webcam, in Chromium over the real service', () => {
  let studio: Studio;
  const pageErrors: string[] = [];
  /** Recognitions main was asked for, and the most ever running at once. */
  const calls = { started: [] as number[], running: 0, most: 0 };
  /** Each state in both languages at both sizes, `focus` scrolled into view as the panel does on a small window. */
  const shot = async (name: string, focus: string) => {
    const { page } = studio;
    for (const locale of ['en', 'ko'] as const) {
      await page.getByTestId('locale').selectOption(locale);
      for (const [w, h] of [
        [1280, 800],
        [1024, 700],
      ] as const) {
        await page.setViewportSize({ width: w, height: h });
        await page.getByTestId(focus).first().scrollIntoViewIfNeeded();
        await page.waitForTimeout(700);
        expect(existsSync(await screenshot(page, `dataset-${name}-${locale}-${w}x${h}`))).toBe(true);
      }
    }
    await page.getByTestId('locale').selectOption('en');
    await page.setViewportSize({ width: 1280, height: 800 });
  };
  /** Whether a camera track the page opened is still live (getUserMedia is watched from the start). */
  const cameraOn = () =>
    studio.page.evaluate(() => {
      const g = globalThis as unknown as { __streams: { getTracks(): { readyState: string }[] }[] };
      return g.__streams.some((s) => s.getTracks().some((t) => t.readyState === 'live'));
    });
  const watchCamera = () =>
    studio.page.evaluate(() => {
      const g = globalThis as unknown as { __streams: unknown[]; navigator: { mediaDevices: { getUserMedia(c: unknown): Promise<unknown> } } };
      const md = g.navigator.mediaDevices;
      const open = md.getUserMedia.bind(md);
      g.__streams = [];
      md.getUserMedia = async (c) => {
        const s = await open(c);
        g.__streams.push(s);
        return s;
      };
    });

  beforeAll(async () => {
    const video = path.join(await tempDir('cs-ui-live-'), 'dogs.y4m');
    // Dogs the model never saw, each held for 2 seconds.
    await y4m(dogs.slice(15, 21), video, 10);
    studio = await startStudio({ extraArgs: fakeCameraArgs(video) });
    studio.page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
    studio.page.on('pageerror', (e) => void pageErrors.push(e.message));
    const service = studio.service;
    const recognize = service.recognize.bind(service);
    service.recognize = async (r) => {
      calls.started.push(Date.now());
      calls.most = Math.max(calls.most, ++calls.running);
      try {
        return await recognize(r);
      } finally {
        calls.running--;
      }
    };
  }, 120_000);
  afterAll(async () => {
    await studio?.close();
  });

  it('trains on a dog and bird dataset', async () => {
    const { page } = studio;
    await page.getByTestId('tab-dataset').click();
    await page.getByTestId('dataset-new').click();
    await page.getByTestId('dataset-name').fill('live');
    await page.getByTestId('dataset-create').click();
    for (const cls of ['dog', 'bird']) {
      await page.getByTestId('new-class').fill(cls);
      await page.getByTestId('add-class').click();
      await page.getByTestId(`class-${cls}`).waitFor();
    }
    await drop(page, 'class-dog', await jpegs(dogs.slice(0, 15)));
    await drop(page, 'class-bird', await jpegs(birds)); // all 12 of the dev set
    await expect.poll(() => classCount(page, 'dog'), { timeout: 60_000 }).toBe(15);
    await expect.poll(() => classCount(page, 'bird'), { timeout: 60_000 }).toBe(12);
    expect(await page.getByTestId('dataset-total').textContent()).toBe('27 pictures in 2 classes');
    await page.getByTestId('train-dataset').click();
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 300_000, interval: 500 }).toMatch(/saved as “live”/);
    await page.getByTestId('dataset-test').waitFor();
  }, 400_000);

  it('answers the camera live, about twice a second, one recognition at a time', async () => {
    const { page } = studio;
    const before = calls.started.length;
    await watchCamera();
    await page.getByTestId('live-toggle').click();
    expect(await page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('true');
    // The dogs on camera are answered "dog", sure.
    await expect
      .poll(
        () =>
          page
            .getByTestId('live-label')
            .textContent()
            .catch(() => ''),
        { timeout: 60_000 },
      )
      .toBe('dog');
    expect(await page.getByTestId('live-answer').getAttribute('data-sure')).toBe('true');
    expect(await page.getByTestId('live-answer').textContent()).toMatch(/dog, \d+\.\d% sure/);
    const from = calls.started.length;
    await page.waitForTimeout(4000);
    const inFour = calls.started.length - from;
    expect(inFour).toBeGreaterThanOrEqual(2); // answered again and again...
    expect(inFour).toBeLessThanOrEqual(9); // ...but about twice a second, not every frame
    expect(calls.most).toBe(1);
    expect(calls.started.length).toBeGreaterThan(before);
    await shot('live', 'live');
  }, 120_000);

  it('keeps a frame, which is marked wrong and filed under a class like a dropped photo', async () => {
    const { page } = studio;
    await page.getByTestId('live-keep').click();
    const tried = page.getByTestId('tried');
    await expect.poll(() => tried.count()).toBe(1);
    expect(await tried.first().getByTestId('tried-label').textContent()).toMatch(/^dog \d+\.\d%$/);
    expect(
      await tried
        .first()
        .locator('img')
        .evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(224);
    await tried.first().getByTestId('mark-wrong').click();
    await tried.first().getByTestId('file-to').selectOption('bird');
    await shot('live-kept', 'tried');
    await tried.first().getByTestId('file-under').click();
    await expect.poll(() => classCount(page, 'bird')).toBe(13);
    expect(await page.getByTestId('tried-filed').textContent()).toContain('bird');
    expect(await page.getByTestId('test-score').textContent()).toBe('0 of 1 right');
  });

  it('stops the camera when Live is turned off, and when the panel is left', async () => {
    const { page } = studio;
    expect(await cameraOn()).toBe(true);
    await page.getByTestId('live-toggle').click();
    expect(await page.getByTestId('live').count()).toBe(0);
    expect(await cameraOn()).toBe(false);
    const stopped = calls.started.length;
    await page.waitForTimeout(1500);
    expect(calls.started.length).toBe(stopped);
    // On again, then away to Recognize: nothing keeps running in the hidden panel.
    await page.getByTestId('live-toggle').click();
    await page.getByTestId('live-answer').waitFor({ timeout: 30_000 });
    await page.getByTestId('tab-recognize').click();
    await page.getByTestId('panel-recognize').waitFor();
    await expect.poll(cameraOn).toBe(false);
    const left = calls.started.length;
    await page.waitForTimeout(1500);
    expect(calls.started.length).toBe(left);
    await page.getByTestId('tab-dataset').click();
    expect(await page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('false');
  });

  it('logged no errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
