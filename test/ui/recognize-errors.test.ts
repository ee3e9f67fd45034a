// End-to-end: Recognize on pictures that cannot be read. The message names the file and says what
// is wrong in the user's language (English and Korean), a dropped file that is no picture is said
// at once, an older error never stays beside a newer one, and Recognize is off while nothing is shown.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenetDevDir, tempDir } from '../helpers/shared.ts';
import { drop } from './fake-camera.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

describe.skipIf(!hasChromium)('Recognize after a picture that cannot be read', () => {
  let studio: Studio;
  let dir: string;
  const pageErrors: string[] = [];
  const alert = () => studio.page.getByRole('alert');

  beforeAll(async () => {
    studio = await startStudio();
    studio.page.on('pageerror', (e) => void pageErrors.push(e.message));
    dir = await tempDir('cs-ui-errors-');
    await studio.page.setViewportSize({ width: 1024, height: 700 });
  });
  afterAll(async () => {
    await studio?.close();
  });

  it('a file that is no image: named, said in English and in Korean, and nothing left to recognize', async () => {
    const { page, dialogs } = studio;
    const notes = path.join(dir, 'notes.jpg');
    await writeFile(notes, 'this is not a picture');
    dialogs.image.push(notes);
    await page.getByTestId('open-image').click();
    await expect.poll(() => alert().textContent()).toBe('“notes.jpg” is not an image, or not in a format the app reads (JPEG, PNG, WebP, GIF, TIFF, AVIF).');
    expect(await page.getByTestId('recognize').isDisabled()).toBe(true);
    await screenshot(page, 'recognize-error-en-1024x700');
    await page.getByTestId('locale').selectOption('ko');
    await expect.poll(() => alert().textContent()).toContain('“notes.jpg”은(는) 이미지가 아니거나');
    await screenshot(page, 'recognize-error-ko-1024x700');
    await page.getByTestId('locale').selectOption('en');
  });

  it('a dropped file that is no picture replaces the older error with its own', async () => {
    const { page } = studio;
    await drop(page, 'drop-zone', [{ name: 'readme.txt', bytes: Buffer.from('hello'), type: 'text/plain' }]);
    await expect.poll(() => alert().textContent()).toBe('“readme.txt” is not an image, or not in a format the app reads (JPEG, PNG, WebP, GIF, TIFF, AVIF).');
    expect(await alert().count()).toBe(1);
    expect(await page.getByTestId('recognize').isDisabled()).toBe(true);
  });

  it('a dropped JPEG cut short: the recognizer says so by name, and the preview goes', async () => {
    const { page } = studio;
    // A real photo's first half, as a download broken off leaves it ("VipsJpeg: premature end of JPEG image").
    const jpeg = await readFile(path.join(imagenetDevDir, 'n01440764_tench.JPEG'));
    await drop(page, 'drop-zone', [{ name: 'cut.jpg', bytes: jpeg.subarray(0, jpeg.length >> 1), type: 'image/jpeg' }]);
    await expect.poll(() => alert().textContent(), { timeout: 60_000 }).toBe('“cut.jpg” is damaged or incomplete: the picture cannot be read to its end.');
    expect(await page.getByTestId('recognize').isDisabled()).toBe(true);
    expect(await page.getByTestId('photo').count()).toBe(0);
    await page.getByTestId('locale').selectOption('ko');
    await expect.poll(() => alert().textContent()).toBe('“cut.jpg” 파일이 손상되었거나 일부가 잘렸습니다. 그림을 끝까지 읽을 수 없습니다.');
    await page.getByTestId('locale').selectOption('en');
  });

  it('a good photo afterwards clears the error and can be recognized again', async () => {
    const { page, dialogs } = studio;
    // A dog of long names: the top-5 chart shows them wrapped, not cut on the left (see the screenshot).
    dialogs.image.push(path.join(imagenetDevDir, 'n02093428_American_Staffordshire_terrier.JPEG'));
    await page.getByTestId('open-image').click();
    await expect.poll(() => page.getByTestId('overlay-label').count(), { timeout: 60_000 }).toBe(5);
    expect(await alert().count()).toBe(0);
    expect(await page.getByTestId('recognize').isDisabled()).toBe(false);
    expect(await page.getByTestId('prediction-chart').getAttribute('title')).toMatch(/Staffordshire/);
    await page.waitForTimeout(300); // the chart's animation
    await screenshot(page, 'recognize-long-labels-en-1024x700');
    expect(pageErrors).toEqual([]);
  });
});
