// "Where did it look?" in Chromium over the real service: the Grad-CAM heatmap over the photo,
// what the model sees, and an honest warning, in English and Korean (screenshots of each).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenetDevDir } from '../helpers/shared.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

const elephant = path.join(imagenetDevDir, 'n02504013_Indian_elephant.JPEG');
const tench = path.join(imagenetDevDir, 'n01440764_tench.JPEG');

describe.skipIf(!hasChromium)('Recognize explains its answer', () => {
  for (const locale of ['en', 'ko'] as const) {
    describe(locale, () => {
      let studio: Studio;
      const pageErrors: string[] = [];
      beforeAll(async () => {
        studio = await startStudio({ locale: locale === 'en' ? 'en-US' : 'ko-KR' });
        studio.page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
        studio.page.on('pageerror', (e) => void pageErrors.push(e.message));
      });
      afterAll(async () => {
        await studio?.close();
      });

      it('lays the heatmap of the top answer over the photo and shows the 224x224 picture the model was given', async () => {
        const { page, dialogs } = studio;
        dialogs.image.push(elephant);
        await page.getByTestId('open-image').click();
        await expect.poll(() => page.getByTestId('overlay-label').count(), { timeout: 60_000 }).toBe(5);
        await page.getByTestId('explain').click();
        const heat = page.getByTestId('heatmap');
        await heat.waitFor({ timeout: 60_000 });
        // The centre crop's 7x7 cells, across the whole 500x333 photo.
        expect(await heat.getAttribute('data-cells')).toBe('11x7');
        // The canvas lies exactly on the photo, and is not one colour.
        const [photo, layer] = [(await page.getByTestId('photo').boundingBox())!, (await heat.boundingBox())!];
        for (const k of ['x', 'y', 'width', 'height'] as const) expect(layer[k]).toBeCloseTo(photo[k], 0);
        const colours = await heat.evaluate((c) => {
          const canvas = c as unknown as {
            width: number;
            height: number;
            getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
          };
          const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          return new Set(Array.from({ length: d.length / 4 }, (_, i) => `${d[4 * i]},${d[4 * i + 1]},${d[4 * i + 2]}`)).size;
        });
        expect(colours).toBeGreaterThan(5);
        const seen = page.getByTestId('model-input');
        await expect.poll(() => seen.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBe(224);
        await screenshot(page, `recognize-explain-${locale}`);
        await page.getByTestId('explain').click();
        await expect.poll(() => heat.count()).toBe(0);
      });

      it('says "not a dog" for a fish given to the dog-breed model', async () => {
        const { page, dialogs } = studio;
        await page.getByTestId('model-picker').selectOption('dog-breeds-imagenet');
        await expect.poll(() => page.locator('.busy-plate').count(), { timeout: 60_000 }).toBe(0);
        dialogs.image.push(tench);
        await page.getByTestId('open-image').click();
        const warning = page.locator('[data-testid="warnings"] li[data-code="not-a-dog"]');
        await warning.waitFor({ timeout: 60_000 });
        expect(await warning.textContent()).toMatch(locale === 'en' ? /^Not a dog.*<0\.1%/ : /개가 아닙니다.*<0\.1%/);
        // However high the breed's renormalized probability, the answer is not a sure one.
        expect(await page.getByTestId('verdict').getAttribute('data-sure')).toBe('false');
        await expect.poll(() => page.locator('.busy-plate').count(), { timeout: 60_000 }).toBe(0);
        await screenshot(page, `recognize-not-a-dog-${locale}`);
        expect(pageErrors).toEqual([]);
      });
    });
  }
});
