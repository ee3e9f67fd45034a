// End-to-end, issue 19's "done when": every panel, in a state with content (Recognize with a
// result, Folder with results, Dataset with classes and pictures, Training during and after a
// short run, Models with that model), fits at 1024x700 and 1280x800 in English and Korean:
// nothing runs off the window sideways, and each panel's key controls lie inside the window
// (scrolled to where need be). Screenshots of each in test-artifacts/screenshots/fit-*.png; the
// Korean text of each panel that still reads as an English sentence is listed beside them.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listImages } from '../../src-main/service/images.ts';
import { hasShared, imagenetDevDir, tempDir } from '../helpers/shared.ts';
import { hasChromium, screenshot, screenshotsDir, startStudio, type Studio } from './harness.ts';

const SIZES = [
  [1024, 700],
  [1280, 800],
] as const;
/** Three Latin words in a row: an English phrase (model, class and file names are single words, mostly). */
const ENGLISH = /[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}/g;

describe.skipIf(!hasChromium || !hasShared)('every panel fits at 1024x700 and 1280x800, in English and Korean', () => {
  let studio: Studio;
  const english: string[] = [];
  beforeAll(async () => {
    studio = await startStudio();
  }, 120_000);
  afterAll(async () => {
    await mkdir(screenshotsDir, { recursive: true });
    await writeFile(path.join(screenshotsDir, 'fit-ko-english.txt'), english.join('\n') + '\n');
    await studio?.close();
  });

  /** The panel at both sizes in both languages: no sideways overflow, its `keys` inside the window. */
  async function fits(panel: string, keys: string[]): Promise<void> {
    const { page } = studio;
    for (const locale of ['en', 'ko'] as const) {
      await page.getByTestId('locale').selectOption(locale);
      for (const [w, h] of SIZES) {
        await page.setViewportSize({ width: w, height: h });
        await page.waitForTimeout(250);
        const where = `${panel} ${locale} ${w}x${h}`;
        type Box = { scrollWidth: number; clientWidth: number };
        const overflow = await page.evaluate(() => {
          const d = globalThis as unknown as { document: { scrollingElement: Box; querySelector(s: string): Box }; innerWidth: number };
          // The panels scroll inside .content: wider content there would hide behind its scroll bar.
          const content = d.document.querySelector('main.content');
          return { scroll: d.document.scrollingElement.scrollWidth, width: d.innerWidth, content: content.scrollWidth, contentWidth: content.clientWidth };
        });
        expect(overflow.scroll, `${where}: the page is wider than the window`).toBeLessThanOrEqual(overflow.width);
        expect(overflow.content, `${where}: the panel is wider than its place`).toBeLessThanOrEqual(overflow.contentWidth);
        for (const key of keys) {
          const el = page.getByTestId(key).first();
          await el.evaluate((e) => e.scrollIntoView({ block: 'start', inline: 'nearest' }));
          const box = (await el.boundingBox())!;
          expect(box, `${where}: ${key} is not shown`).not.toBeNull();
          expect(box.x, `${where}: ${key} starts left of the window`).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, `${where}: ${key} ends right of the window`).toBeLessThanOrEqual(w + 0.5);
          // Scrolled to, it starts inside the window (one taller than the window, the evaluation, cannot end there).
          expect(box.y, `${where}: ${key} cannot be scrolled into the window`).toBeGreaterThanOrEqual(-0.5);
          expect(Math.min(box.y + box.height, box.y + 40), `${where}: ${key} cannot be scrolled into the window`).toBeLessThanOrEqual(h + 0.5);
        }
        await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
        await page.locator('main.content').evaluate((e) => e.scrollTo(0, 0));
        await screenshot(page, `fit-${panel}-${locale}-${w}x${h}`);
      }
      if (locale === 'ko') {
        const text = (await page.getByTestId(`panel-${panel.replace(/-.*/, '')}`).innerText()).split('\n');
        for (const line of text) if (line.match(ENGLISH)) english.push(`${panel}: ${line.trim()}`);
      }
    }
    await page.getByTestId('locale').selectOption('en');
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  it('Recognize with a result', async () => {
    const { page, dialogs } = studio;
    await page.getByTestId('panel-recognize').waitFor();
    dialogs.image.push(path.join(imagenetDevDir, 'n02093428_American_Staffordshire_terrier.JPEG'));
    await page.getByTestId('open-image').click();
    await expect.poll(() => page.getByTestId('overlay-label').count(), { timeout: 90_000 }).toBe(5);
    await fits('recognize', ['open-image', 'result', 'threshold']);
    // The zoo entry named in words reads in Korean too (a network's name stays as it is).
    await page.getByTestId('locale').selectOption('ko');
    const options = await page.getByTestId('model-picker').locator('option').allTextContents();
    expect(options).toContain('개 품종 (MobileNet의 ImageNet 개 클래스)');
    expect(options.join('\n')).not.toMatch(/Dog breeds/);
    await page.getByTestId('locale').selectOption('en');
  }, 180_000);

  it('Folder with results', async () => {
    const { page, dialogs } = studio;
    const folder = await tempDir('cs-fit-folder-');
    const photos = (await listImages(imagenetDevDir)).slice(0, 6);
    for (const p of photos) await copyFile(p, path.join(folder, path.basename(p)));
    await page.getByTestId('tab-folder').click();
    dialogs.folder.push(folder);
    await page.getByTestId('choose-folder').click();
    await expect.poll(() => page.getByTestId('folder-row').count(), { timeout: 90_000 }).toBe(photos.length);
    await expect.poll(() => page.getByTestId('save-csv').isEnabled()).toBe(true);
    await fits('folder', ['choose-folder', 'save-csv', 'folder-table']);
  }, 180_000);

  it('Dataset with classes and pictures', async () => {
    const { page, dialogs } = studio;
    await page.getByTestId('tab-dataset').click();
    await page.getByTestId('dataset-new').click();
    await page.getByTestId('dataset-name').fill('pets');
    await page.getByTestId('dataset-create').click();
    await page.getByTestId('classes').waitFor();
    const all = await listImages(imagenetDevDir);
    for (const [cls, files] of [
      ['fish', all.slice(0, 3)],
      ['birds', all.slice(3, 6)],
    ] as const) {
      await page.getByTestId('new-class').fill(cls);
      await page.getByTestId('add-class').click();
      await page.getByTestId(`class-${cls}`).waitFor();
      dialogs.images.push([...files]);
      await page.getByTestId('add-pictures').click();
      await expect.poll(() => page.getByTestId('picture').count(), { timeout: 30_000 }).toBe(3);
    }
    await fits('dataset', ['dataset-choose', 'add-pictures', 'new-class', 'add-class']);
  }, 180_000);

  it('Training during and after a short run', async () => {
    const { page } = studio;
    await page.getByTestId('tab-training').click();
    await fits('training-form', ['dataset', 'network', 'start']);
    await page.getByTestId('dataset').selectOption('mnist');
    await page.getByTestId('network').selectOption('lenet5');
    await page.getByTestId('epochs').fill('3');
    await page.getByTestId('limit').fill('3000');
    await page.getByTestId('test-limit').fill('200');
    await page.getByTestId('out').fill('fit-lenet');
    await page.getByTestId('start').click();
    // During: once an epoch has ended (its charts have points), while the next runs.
    await expect.poll(() => page.getByTestId('training-log').textContent(), { timeout: 120_000 }).toMatch(/epoch 1:/);
    await fits('training-running', ['stop', 'epoch-progress', 'training-log']);
    await expect.poll(() => page.getByTestId('training-status').textContent(), { timeout: 180_000 }).toContain('fit-lenet');
    await page.getByTestId('evaluation').waitFor({ timeout: 60_000 });
    await fits('training-done', ['start', 'training-status', 'evaluation', 'training-log']);
  }, 420_000);

  it('Models with a trained model', async () => {
    const { page } = studio;
    await page.getByTestId('tab-models').click();
    await page.getByTestId('models-table').locator('tbody tr', { hasText: 'fit-lenet' }).waitFor();
    await fits('models', ['models-table', 'export', 'delete']);
  }, 180_000);
});
