// End-to-end: the built renderer in Debian's Chromium over the real service (see harness.ts).
// One browser for the whole file; the tests run in order and build on each other (the training
// run leaves a model that the Models screenshots show).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/backend.ts';
import { layersModelFiles } from '../../src-main/core/models/layers-io.ts';
import { resnet50 } from '../../src-main/core/models/resnet50.ts';
import { listImages } from '../../src-main/service/images.ts';
import { imagenetDevDir, sharedDir, tempDir } from '../helpers/shared.ts';
import { artifactsDir, hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

const tench = path.join(imagenetDevDir, 'n01440764_tench.JPEG');

/** Fills the Training form for lenet5 on MNIST and starts the run. */
async function startLenet5(page: Studio['page'], o: { epochs: number; limit: number; testLimit: number; out: string }): Promise<void> {
  await page.getByTestId('tab-training').click();
  await page.getByTestId('dataset').selectOption('mnist');
  await page.getByTestId('network').selectOption('lenet5');
  await page.getByTestId('epochs').fill(String(o.epochs));
  await page.getByTestId('limit').fill(String(o.limit));
  await page.getByTestId('test-limit').fill(String(o.testLimit));
  await page.getByTestId('out').fill(o.out);
  await page.getByTestId('start').click();
}

if (!hasChromium) console.warn('UI end-to-end tests skipped: /usr/bin/chromium is not installed (apt-get install chromium).');

describe.skipIf(!hasChromium)('the app in Chromium, over the real service', () => {
  let studio: Studio;
  const latency: { first?: number; warm?: number } = {};

  /** Anything the page logs as an error (a CSP violation, a Vue warning, an uncaught throw). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    studio = await startStudio();
    studio.page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
    studio.page.on('pageerror', (e) => void pageErrors.push(e.message));
  });
  afterAll(async () => {
    await studio?.close();
  });

  it('starts on the Recognize panel with the backend badge and the zoo', async () => {
    const { page } = studio;
    await page.getByTestId('panel-recognize').waitFor();
    await expect.poll(() => page.getByTestId('backend').textContent()).toMatch(/Backend: (wasm|cpu|tensorflow|cuda)/);
    // On wasm with more than one core, the badge says how many threads compute.
    if (os.availableParallelism() > 1) expect(await page.getByTestId('backend').textContent()).toMatch(/wasm · \d+ threads|tensorflow|cuda/);
    const options = await page.getByTestId('model-picker').locator('option').allTextContents();
    expect(options.join(' ')).toMatch(/MobileNet/i);
  });

  it('opens a real photo, recognizes it with mobilenet and shows five labels on the image', async () => {
    const { page, dialogs } = studio;
    dialogs.image.push(tench);
    // The first recognition after start loads the model too (issue #7: at most 4 s for mobilenet).
    const clicked = performance.now();
    await page.getByTestId('open-image').click();
    const labels = page.getByTestId('overlay-label');
    await expect.poll(() => labels.count(), { timeout: 60_000, interval: 20 }).toBe(5);
    latency.first = performance.now() - clicked;
    expect((await labels.allTextContents())[0]).toBe('tench');
    await expect.poll(() => page.getByTestId('time').textContent()).toMatch(/\d+ ms/);
    // The overlay is pinned 14 px into the frame's top-left corner, at least 250 px and at most
    // half the frame wide; the photo, fitted whole at 100%, lies inside the frame under it.
    const frame = (await page.locator('.viewer-frame').boundingBox())!;
    const photo = (await page.getByTestId('photo').boundingBox())!;
    const overlay = (await page.getByTestId('overlay').boundingBox())!;
    expect(overlay.x - frame.x).toBeCloseTo(14, 0);
    expect(overlay.y - frame.y).toBeCloseTo(14, 0);
    expect(overlay.width).toBeGreaterThanOrEqual(250);
    expect(overlay.width).toBeLessThanOrEqual(frame.width / 2 + 0.5);
    expect(overlay.y + overlay.height).toBeLessThan(frame.y + frame.height);
    expect(photo.x).toBeGreaterThanOrEqual(frame.x - 0.5);
    expect(photo.y).toBeGreaterThanOrEqual(frame.y - 0.5);
    expect(photo.x + photo.width).toBeLessThanOrEqual(frame.x + frame.width + 0.5);
    expect(photo.y + photo.height).toBeLessThanOrEqual(frame.y + frame.height + 0.5);
    // Fitted: it fills the frame's width or its height.
    expect(Math.max(photo.width / frame.width, photo.height / frame.height)).toBeCloseTo(1, 2);
    // And the overlay lies on the photo.
    expect(overlay.x < photo.x + photo.width && photo.x < overlay.x + overlay.width && overlay.y < photo.y + photo.height && photo.y < overlay.y + overlay.height).toBe(true);
  });

  it('recognizes the next photo, model warm, and writes down how long both took', async () => {
    const { page, dialogs } = studio;
    dialogs.image.push(path.join(imagenetDevDir, 'n02504013_Indian_elephant.JPEG'));
    const clicked = performance.now();
    await page.getByTestId('open-image').click();
    await expect.poll(async () => (await page.getByTestId('overlay-label').allTextContents())[0], { timeout: 30_000, interval: 20 }).toBe('Indian elephant');
    latency.warm = performance.now() - clicked;
    await mkdir(artifactsDir, { recursive: true });
    await writeFile(
      path.join(artifactsDir, 'recognize-latency.json'),
      JSON.stringify({ model: 'mobilenet', firstMs: Math.round(latency.first!), warmMs: Math.round(latency.warm) }) + '\n',
    );
    console.log(`Recognize, click to drawn top-5 (mobilenet): first ${latency.first!.toFixed(0)} ms, warm ${latency.warm.toFixed(0)} ms`);
    // Generous bounds (CI shares 2 cores); BENCHMARKS.md has the figures of a quiet machine.
    expect(latency.first).toBeLessThan(15_000);
    expect(latency.warm).toBeLessThan(5_000);
  });

  it('recognizes with resnet50 (random weights: the real ones cannot be had here) and times it', async () => {
    const { page, dialogs } = studio;
    // A converted ResNet50 in the cache, where the zoo looks for one (models.json "alternatives");
    // random weights, so only the time means anything: the arithmetic is the real network's.
    await initBackend();
    const model = resnet50();
    const files = await layersModelFiles(model);
    model.dispose();
    const dir = path.join(studio.cacheDir, 'resnet50');
    await mkdir(dir, { recursive: true });
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(dir, name), data);
    const labels = page.getByTestId('overlay-label');
    // Choosing the model recognizes the photo on screen again: the first recognition, loading included.
    const chosen = performance.now();
    await page.getByTestId('model-picker').selectOption('resnet50');
    await expect.poll(async () => (await labels.allTextContents())[0], { timeout: 120_000, interval: 20 }).not.toBe('Indian elephant');
    const first = performance.now() - chosen;
    expect(await labels.count()).toBe(5);
    // Warm: the next photo. Its labels are the new ones once the new photo shows (opening clears the old).
    const before = await page.getByTestId('photo').getAttribute('src');
    dialogs.image.push(tench);
    const clicked = performance.now();
    await page.getByTestId('open-image').click();
    await expect.poll(async () => (await page.getByTestId('photo').getAttribute('src')) !== before && (await labels.count()) === 5, { timeout: 30_000, interval: 10 }).toBe(true);
    const warm = performance.now() - clicked;
    await writeFile(
      path.join(artifactsDir, 'recognize-latency-resnet50.json'),
      JSON.stringify({ model: 'resnet50 (random weights)', firstMs: Math.round(first), warmMs: Math.round(warm) }) + '\n',
    );
    console.log(`Recognize, click to drawn top-5 (resnet50, random weights): first ${first.toFixed(0)} ms, warm ${warm.toFixed(0)} ms`);
    expect(warm).toBeLessThan(10_000);
    await page.getByTestId('model-picker').selectOption('mobilenet');
    await expect.poll(async () => (await labels.allTextContents())[0], { timeout: 30_000 }).toBe('tench');
  }, 240_000);

  it('refuses a file the user did not choose, as the desktop app does', async () => {
    const error = await studio.page.evaluate(async () => {
      const api = (globalThis as unknown as { api: { preview(p: string): Promise<unknown> } }).api;
      return api.preview('/etc/passwd').then(
        () => 'allowed',
        (e: Error) => e.message,
      );
    });
    expect(error).toMatch(/not chosen by the user/);
  });

  it('recognizes every image of a folder into a sortable table and saves it as CSV', async () => {
    const { page, dialogs } = studio;
    const folder = await tempDir('cs-folder-');
    const photos = (await listImages(imagenetDevDir)).slice(0, 4);
    for (const p of photos) await copyFile(p, path.join(folder, path.basename(p)));
    const count = photos.length;
    await page.getByTestId('tab-folder').click();
    dialogs.folder.push(folder);
    await page.getByTestId('choose-folder').click();
    const rows = page.getByTestId('folder-table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(count);
    await expect.poll(() => page.getByTestId('folder-progress').textContent()).toBe(`${count} of ${count}`);
    await expect.poll(() => page.getByTestId('save-csv').isEnabled()).toBe(true);
    await page.getByTestId('save-csv').click();
    await expect.poll(() => dialogs.savedCsv.length).toBe(1);
    const csvRows = dialogs.savedCsv[0]!.csv.trim().split(/\r?\n/);
    expect(csvRows[0]).toMatch(/^file,model,label,probability/);
    // Each row names the model, and labels read as in the app (spaces, not the class index's underscores).
    for (const row of csvRows.slice(1)) expect(row).toMatch(/^[^,]+,mobilenet,/);
    expect(dialogs.savedCsv[0]!.csv).toContain('tench');
    expect(dialogs.savedCsv[0]!.csv).not.toMatch(/,[A-Za-z]+_[A-Za-z_]+,/);
    // A click on a row's thumbnail lays its top answer's heatmap over it, without leaving the panel; another hides it.
    const brambling = rows.filter({ hasText: 'n01530575_brambling' });
    await brambling.getByTestId('folder-thumb').click();
    const heat = brambling.getByTestId('folder-heat');
    await heat.waitFor({ timeout: 60_000 });
    expect(await heat.locator('canvas').getAttribute('data-cells')).toMatch(/^(7x\d+|\d+x7)$/); // MobileNet's 7x7 over the crop, across the photo
    expect(await heat.getAttribute('title')).toMatch(/^Where the model looked for “brambling” \(Grad-CAM on conv_pw_13\)$/);
    expect(await page.getByTestId('panel-folder').isVisible()).toBe(true);
    await screenshot(page, 'folder-heatmap-en');
    await brambling.getByTestId('folder-thumb').click();
    await expect.poll(() => heat.count()).toBe(0);
    // A row opens its photo in Recognize.
    await brambling.click();
    await page.getByTestId('panel-recognize').waitFor();
    await expect.poll(() => page.locator('.result-head h3').textContent(), { timeout: 30_000 }).toBe('n01530575_brambling.JPEG');
    await expect.poll(() => page.getByTestId('overlay-label').count()).toBe(5);
    await page.getByTestId('tab-folder').click();
  });

  it("previews augmented MNIST samples for the form's settings", async () => {
    const { page } = studio;
    await page.getByTestId('tab-training').click();
    await page.getByTestId('dataset').selectOption('mnist');
    await page.getByTestId('augment').check();
    await page.getByTestId('augment-preview').click();
    const rows = page.getByTestId('augment-grid').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(6);
    // MNIST starts 5 0 4 1 9 2; six picks spread over its first 2,000 images, each with 5 variants.
    expect(await rows.first().locator('img').count()).toBe(6);
    const sources = await rows
      .first()
      .locator('img')
      .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { src: string }).src));
    expect(new Set(sources).size).toBe(6);
    await screenshot(page, 'training-augment-en');
    await page.getByTestId('augment-close').click();
    await page.getByTestId('augment').uncheck();
    await expect.poll(() => page.getByTestId('augment-grid').count()).toBe(0);
  });

  it('trains lenet5 on 600 real MNIST images: curves get points, progress reaches the end', async () => {
    const { page } = studio;
    await startLenet5(page, { epochs: 2, limit: 600, testLimit: 200, out: 'ui-lenet' });
    await page.getByTestId('stop').waitFor({ timeout: 10_000 });
    const status = page.getByTestId('training-status');
    await status.waitFor({ timeout: 170_000 });
    expect(await status.textContent()).toContain('ui-lenet');
    expect(await page.getByTestId('run-progress').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.getByTestId('epoch-progress').getAttribute('aria-valuenow')).toBe('100');
    const loss = page.getByTestId('loss-chart');
    expect(Number(await loss.getAttribute('data-train-points'))).toBeGreaterThan(2);
    expect(Number(await loss.getAttribute('data-val-points'))).toBe(2);
    expect(Number(await page.getByTestId('accuracy-chart').getAttribute('data-val-points'))).toBe(2);
    await page.getByTestId('evaluation').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('test-accuracy').textContent()).toMatch(/%$/);
    // A confusion-matrix cell opens its images (once the pictures of the mistakes are there).
    await page.getByTestId('misclassified').waitFor({ timeout: 30_000 });
    const matrix = page.getByTestId('evaluation').locator('.matrix-box canvas');
    const box = (await matrix.boundingBox())!;
    await matrix.click({ position: { x: box.width * 0.7, y: box.height * 0.75 } });
    await expect.poll(() => page.getByTestId('cell-title').textContent()).toMatch(/\d+ images?$/);
    const cellText = (await page.getByTestId('cell-title').textContent())!;
    const [, truth, predicted] = /is (\S+), predicted (\S+)/.exec(cellText)!;
    // Off the diagonal, each picture shown is of that cell.
    if (truth !== predicted) {
      for (const item of await page.getByTestId('misclassified').locator('li').all()) {
        expect(await item.textContent()).toContain(`is ${truth}`);
      }
    }
    await page.getByTestId('cell-images').scrollIntoViewIfNeeded();
    await screenshot(page, 'training-evaluation-cell-en');
    await page.getByTestId('cell-clear').click();
    await expect.poll(() => page.getByTestId('cell-title').count()).toBe(0);
  });
  it('a model name already in the store is replaced only once the user ticks "Replace it"', async () => {
    const { page } = studio;
    await page.getByTestId('tab-training').click();
    await page.getByTestId('out').fill('ui-lenet');
    await page.getByTestId('out-taken').waitFor();
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    await screenshot(page, 'training-name-taken-en');
    await page.getByTestId('overwrite').check();
    expect(await page.getByTestId('start').isDisabled()).toBe(false);
    // Another name: no warning, and the tick does not carry over to the next name that exists.
    await page.getByTestId('out').fill('ui-fresh-name');
    await expect.poll(() => page.getByTestId('out-taken').count()).toBe(0);
    await page.getByTestId('out').fill('ui-lenet');
    await page.getByTestId('out-taken').waitFor();
    expect(await page.getByTestId('overwrite').isChecked()).toBe(false);
    await page.getByTestId('out').fill('');
  });

  it('stops a run, then resumes it from the Models panel to the end', async () => {
    const { page } = studio;
    await startLenet5(page, { epochs: 12, limit: 2000, testLimit: 100, out: 'ui-resume' });
    // Stop once the first epoch has been validated (and so checkpointed).
    await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-val-points')), { timeout: 120_000, interval: 50 }).toBeGreaterThan(0);
    await page.getByTestId('stop').click();
    await expect.poll(() => page.getByTestId('training-status').textContent(), { timeout: 60_000 }).toMatch(/stopped/i);
    // It says what was kept and where to go on.
    expect(await page.getByTestId('training-status').textContent()).toMatch(/^Stopped\. The best epoch \(\d+\) is kept as “ui-resume”: .*Resume in Models\.$/);
    await page.getByTestId('tab-models').click();
    const row = page.getByTestId('models-table').locator('tbody tr', { hasText: 'ui-resume' });
    await expect.poll(() => row.getByTestId('model-status').textContent()).toBe('stopped');
    const stoppedAt = Number((await row.locator('td.num').nth(1).textContent())!.trim().split(/\s/)[0]);
    expect(stoppedAt).toBeLessThan(12);
    // The completed run of the test before offers no Resume.
    expect(await page.getByTestId('models-table').locator('tbody tr', { hasText: 'ui-lenet' }).getByTestId('resume').count()).toBe(0);
    await screenshot(page, 'models-stopped-run-en');
    await row.getByTestId('resume').click();
    await page.getByTestId('panel-training').waitFor();
    await expect.poll(() => page.getByTestId('training-status').textContent(), { timeout: 170_000 }).toContain('ui-resume');
    // The live charts show the whole run: the epochs kept from before the stop, then the resumed ones.
    expect(Number(await page.getByTestId('loss-chart').getAttribute('data-val-points'))).toBe(12);
    await page.getByTestId('tab-models').click();
    await expect.poll(() => row.getByTestId('model-status').textContent()).toBe('complete');
    expect(await row.locator('td.num').nth(1).textContent()).toMatch(/^12\b/);
    expect(await row.getByTestId('resume').count()).toBe(0);
  }, 300_000);

  it('trains a transfer-learning head on a folder of photos chosen in the dialog', async () => {
    const { page, dialogs } = studio;
    const folder = path.join(await tempDir('cs-ui-photos-'), 'pets');
    for (const cls of ['cat', 'dog']) {
      await mkdir(path.join(folder, cls), { recursive: true });
      const src = path.join(sharedDir, 'datasets/cifar10/train', cls);
      for (const f of (await readdir(src)).sort().slice(0, 8)) await copyFile(path.join(src, f), path.join(folder, cls, f));
    }
    await page.getByTestId('tab-training').click();
    dialogs.folder.push(folder);
    await page.getByTestId('dataset').selectOption('__folder');
    await expect.poll(() => page.getByTestId('network').inputValue()).toBe('transfer-mobilenet');
    await page.getByTestId('transfer-hint').waitFor();
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('limit').fill('');
    await page.getByTestId('test-limit').fill('');
    await page.getByTestId('out').fill('ui-transfer');
    await page.getByTestId('start').click();
    const status = page.getByTestId('training-status');
    await expect.poll(() => status.textContent(), { timeout: 120_000 }).toContain('ui-transfer');
    // No test/ folder: 2 of each class's 8 are held out, so the run still gets its evaluation.
    expect(await page.getByTestId('training-log').textContent()).toMatch(/held out as the test set[\s\S]*train: features of 12 images, 12 computed by mobilenet/);
    await page.getByTestId('evaluation').waitFor({ timeout: 30_000 });
    expect(Number(await page.getByTestId('loss-chart').getAttribute('data-val-points'))).toBe(2);
    await screenshot(page, 'training-transfer-en');
    // The new model is offered for recognition.
    await page.getByTestId('tab-recognize').click();
    await expect.poll(async () => (await page.getByTestId('model-picker').locator('option').allTextContents()).join(' ')).toContain('ui-transfer');
  });

  it('saves a screenshot of every panel at 1280x800, in English and in Korean', async () => {
    const { page } = studio;
    const panels = ['recognize', 'folder', 'training', 'models'] as const;
    for (const locale of ['en', 'ko'] as const) {
      await page.getByTestId('locale').selectOption(locale);
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang)).toBe(locale);
      for (const panel of panels) {
        await page.getByTestId(`tab-${panel}`).click();
        await page.getByTestId(`panel-${panel}`).waitFor();
        if (panel === 'models' && (await page.getByTestId('models-table').count())) {
          await page.getByTestId('models-table').locator('tbody tr').first().click();
        }
        await page.waitForTimeout(250);
        const file = await screenshot(page, `${panel}-${locale}`);
        expect(existsSync(file)).toBe(true);
      }
    }
    expect(await page.getByTestId('tab-training').textContent()).toContain('학습');
    await page.getByTestId('locale').selectOption('en');
  });

  it('fits a 1024x700 window: no panel is wider than the window, the Models actions are reachable (both languages)', async () => {
    const { page } = studio;
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      for (const locale of ['en', 'ko'] as const) {
        await page.getByTestId('locale').selectOption(locale);
        for (const panel of ['recognize', 'folder', 'training', 'models'] as const) {
          await page.getByTestId(`tab-${panel}`).click();
          await page.getByTestId(`panel-${panel}`).waitFor();
          await page.waitForTimeout(250);
          await screenshot(page, `${panel}-${locale}-1024x700`);
          const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
          expect(width, `${panel} (${locale}) at 1024 px`).toBeLessThanOrEqual(1024);
        }
        const del = page.getByTestId('models-table').getByTestId('delete').first();
        const box = (await del.boundingBox())!;
        expect(box.x + box.width, `Delete (${locale})`).toBeLessThanOrEqual(1024);
      }
    } finally {
      await page.getByTestId('locale').selectOption('en');
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('logged no errors in the page (CSP violations included)', () => {
    expect(pageErrors).toEqual([]);
  });
});
