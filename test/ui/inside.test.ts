// "See inside the CNN" in Chromium over the real service: any of the top answers' heatmaps, its
// strength, and inside the model (Keras summary, feature maps, first filters) for a zoo model in
// Recognize and a trained LeNet-5 in Models; screenshots at two window sizes in English and Korean.
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenetDevDir } from '../helpers/shared.ts';
import { storeLenet } from '../helpers/stored-lenet.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

const elephant = path.join(imagenetDevDir, 'n02504013_Indian_elephant.JPEG');

/** The heatmap canvas's pixels, as one string to compare. */
const pixels = (heat: Locator) =>
  heat.evaluate((c) => {
    const canvas = c as unknown as {
      width: number;
      height: number;
      getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data).join(',');
  });

async function bothSizes(page: Page, name: string, scrollTo?: Locator): Promise<void> {
  for (const [width, height] of [
    [1280, 800],
    [1024, 700],
  ] as const) {
    await page.setViewportSize({ width, height });
    await scrollTo?.scrollIntoViewIfNeeded();
    await page.waitForTimeout(250); // charts resize on the next frame
    await screenshot(page, `${name}-${width}x${height}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(!hasChromium)('see inside the CNN', () => {
  for (const locale of ['en', 'ko'] as const) {
    describe(locale, () => {
      let studio: Studio;
      const pageErrors: string[] = [];
      beforeAll(async () => {
        studio = await startStudio({ locale: locale === 'en' ? 'en-US' : 'ko-KR' });
        await storeLenet(studio.storeDir);
        studio.page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
        studio.page.on('pageerror', (e) => void pageErrors.push(e.message));
      });
      afterAll(async () => {
        await studio?.close();
      });

      it('shows the heatmap of the answer clicked on the photo or the chart, as strong as the slider says', async () => {
        const { page, dialogs } = studio;
        dialogs.image.push(elephant);
        await page.getByTestId('open-image').click();
        const answers = page.getByTestId('overlay-answer');
        await expect.poll(() => answers.count(), { timeout: 60_000 }).toBe(5);
        await page.getByTestId('explain').click();
        const heat = page.getByTestId('heatmap');
        const explained = page.getByTestId('explanation');
        await explained.waitFor({ timeout: 60_000 });
        const first = await explained.getAttribute('data-class');
        const firstPixels = await pixels(heat);

        // The second answer, clicked on the photo.
        await answers.nth(1).click();
        await expect.poll(() => explained.getAttribute('data-class'), { timeout: 60_000 }).not.toBe(first);
        const second = await explained.getAttribute('data-class');
        expect(await answers.nth(1).getAttribute('class')).toContain('explained');
        await expect.poll(() => pixels(heat)).not.toBe(firstPixels);
        expect(await page.getByTestId('explain-class').nth(1).getAttribute('aria-checked')).toBe('true');

        // The third, clicked on its bar in the chart (the middle row of five).
        const chart = page.locator('[data-testid="result"] .chart-box canvas');
        const box = (await chart.boundingBox())!;
        await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.45);
        await expect.poll(() => explained.getAttribute('data-class'), { timeout: 60_000 }).not.toBe(second);
        expect(await page.getByTestId('explain-class').nth(2).getAttribute('aria-checked')).toBe('true');

        // The strength slider.
        expect(await heat.evaluate((c) => (c as unknown as { style: { opacity: string } }).style.opacity)).toBe('0.45');
        await page.getByTestId('heat-opacity').fill('80');
        await expect.poll(() => heat.evaluate((c) => (c as unknown as { style: { opacity: string } }).style.opacity)).toBe('0.8');
        await answers.nth(1).click();
        await expect.poll(() => explained.getAttribute('data-class'), { timeout: 60_000 }).toBe(second);
        await bothSizes(page, `inside-heatmap-second-${locale}`);
      });

      it("shows MobileNet's summary as published, an elephant's feature maps and the first filters", async () => {
        const { page } = studio;
        await page.getByTestId('show-inside').click();
        const inside = page.getByTestId('model-inside');
        await expect.poll(() => page.getByTestId('total-params').textContent(), { timeout: 60_000 }).toBe('2,601,976');
        expect(await page.locator('[data-testid="summary-table"] tbody tr').count()).toBeGreaterThan(80);
        await expect.poll(() => page.locator('[data-testid="feature-maps"] [data-testid="tile"]').count(), { timeout: 60_000 }).toBe(24);
        expect(await page.locator('[data-testid="filters"] [data-testid="tile"]').count()).toBe(24);
        // The tiles are drawn: not one colour.
        const shades = await page
          .locator('[data-testid="feature-maps"] [data-testid="tile"]')
          .first()
          .evaluate((c) => {
            const canvas = c as unknown as {
              width: number;
              height: number;
              getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
            };
            return new Set(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data).size;
          });
        expect(shades).toBeGreaterThan(20);
        await bothSizes(page, `inside-mobilenet-${locale}`, inside);
        // A deeper layer: 7x7 maps, the first 64 of its channels.
        const select = page.getByTestId('maps-layer');
        const deep = await select.evaluate((s) => Array.from((s as unknown as { options: { value: string; text: string }[] }).options).find((o) => o.text.includes('7×7'))!.value);
        await select.selectOption(deep);
        await expect.poll(() => page.locator('[data-testid="feature-maps"]').getAttribute('data-layer'), { timeout: 60_000 }).toBe(deep);
        expect(await page.locator('[data-testid="feature-maps"] [data-testid="tile"]').count()).toBe(64);
      });

      it('shows a trained LeNet-5 inside in Models: 61,706 parameters, 6 maps of the photo, 6 filters', async () => {
        const { page } = studio;
        await page.getByTestId('tab-models').click();
        await page.locator('[data-testid="models-table"] tbody tr', { hasText: 'digits' }).click();
        const inside = page.locator('[data-testid="model-inside"][data-model="digits"]');
        await inside.waitFor({ timeout: 60_000 });
        await expect.poll(() => inside.getByTestId('total-params').textContent(), { timeout: 60_000 }).toBe('61,706');
        await expect.poll(() => inside.locator('[data-testid="feature-maps"] [data-testid="tile"]').count(), { timeout: 60_000 }).toBe(6);
        expect(await inside.locator('[data-testid="filters"] [data-testid="tile"]').count()).toBe(6);
        await bothSizes(page, `inside-lenet-${locale}`, inside);
        expect(pageErrors).toEqual([]);
      });
    });
  }
});
