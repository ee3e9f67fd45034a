// Models in and out from the window (issue #14), in Chromium over the real service: a LeNet-5
// trained on MNIST exported in each format through the save dialog (consent before replacing),
// each file imported back into the store; and MobileNet, absent from this machine, downloaded
// from a loopback server serving the real files of ../shared/models, with progress, Cancel
// (what arrived is kept) and a resumed download, then imported from a folder instead.
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findModel } from '../../src-main/core/zoo/catalog.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { imagenetDevDir, mirrorDir, tempDir } from '../helpers/shared.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

const tench = path.join(imagenetDevDir, 'n01440764_tench.JPEG');
const mobilenet = findModel('mobilenet')!;
const mobilenetBytes = mobilenet.files.reduce((n, f) => n + f.size!, 0) + 35366; // and the ImageNet class index

if (!hasChromium) console.warn('UI end-to-end tests skipped: /usr/bin/chromium is not installed (apt-get install chromium).');

const small = { width: 1024, height: 700 };
async function inBothLanguages(page: Page, name: string): Promise<void> {
  for (const locale of ['en', 'ko'] as const) {
    await page.getByTestId('locale').selectOption(locale);
    await page.waitForTimeout(150);
    await screenshot(page, `${name}-${locale}-1024x700`);
  }
  await page.getByTestId('locale').selectOption('en');
}

describe.skipIf(!hasChromium)('Models panel: export and import', () => {
  let studio: Studio;
  let out: string;
  beforeAll(async () => {
    studio = await startStudio({ viewport: small });
    out = await tempDir('cs-ui-export-');
    // A real model to export: LeNet-5, one epoch on 600 MNIST images.
    await studio.service.startTraining({
      runId: 'lenet',
      dataset: 'mnist',
      network: 'lenet5',
      epochs: 1,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 0.001,
      validationSplit: 0.1,
      limit: 600,
      testLimit: 100,
      out: 'lenet',
    });
    await studio.service.settle();
  });
  afterAll(async () => {
    await studio?.close();
    await rm(out, { recursive: true, force: true });
  });

  const row = (name: string) => studio.page.getByTestId('models-table').locator('tbody tr', { has: studio.page.getByText(name, { exact: true }) });

  it('exports in each format through the save dialog, asks before replacing, and imports each file back', async () => {
    const { page, dialogs } = studio;
    await page.getByTestId('tab-models').click();
    await expect.poll(() => row('lenet').count(), { timeout: 30_000 }).toBe(1);
    for (const format of ['keras', 'h5', 'tfjs'] as const) {
      const target = path.join(out, format === 'tfjs' ? 'lenet-tfjs' : `lenet.${format}`);
      await row('lenet').getByTestId('export').click();
      await page.getByTestId(`export-format-${format}`).check();
      dialogs.save.push(target);
      await page.getByTestId('export-save').click();
      await expect.poll(() => page.getByTestId('models-done').textContent(), { timeout: 60_000 }).toContain(target);
      expect(existsSync(format === 'tfjs' ? path.join(target, 'model.json') : target), format).toBe(true);
    }
    await inBothLanguages(page, 'models-exported');

    // The same place again: nothing is replaced until the user says so.
    const keras = path.join(out, 'lenet.keras');
    const before = (await stat(keras)).mtimeMs;
    await row('lenet').getByTestId('export').click();
    await page.getByTestId('export-format-keras').check();
    dialogs.save.push(path.join(out, 'lenet')); // a bare name gets the format's extension
    await page.getByTestId('export-save').click();
    await expect.poll(() => page.getByTestId('export-exists').textContent()).toContain(keras);
    expect((await stat(keras)).mtimeMs).toBe(before);
    await inBothLanguages(page, 'models-export-exists');
    await page.getByTestId('export-replace').click();
    await expect.poll(() => page.getByTestId('models-done').textContent(), { timeout: 60_000 }).toContain(keras);
    expect((await stat(keras)).mtimeMs).toBeGreaterThan(before);

    // Each file back into the store, under a name.
    for (const [pick, file, name] of [
      ['file', keras, 'back-keras'],
      ['file', path.join(out, 'lenet.h5'), 'back-h5'],
      ['folder', path.join(out, 'lenet-tfjs'), 'back-tfjs'],
    ] as const) {
      await page.getByTestId('import-name').fill(name);
      dialogs.model.push(file);
      await page.getByTestId(`import-${pick}`).click();
      await expect.poll(() => page.getByTestId('models-done').textContent(), { timeout: 60_000 }).toContain(`“${name}”`);
      await expect.poll(() => row(name).count()).toBe(1);
    }
    const imported = (await studio.service.storedModels()).find((m) => m.name === 'back-keras')!;
    expect(imported.classes).toBe(10);
    // What was exported answers as the original does, on the same picture.
    const [a, b] = await Promise.all(['lenet', 'back-keras'].map((model) => studio.service.recognize({ image: tench, model, topK: 3 })));
    expect(b!.top.map((p) => p.index)).toEqual(a!.top.map((p) => p.index));
    for (let i = 0; i < 3; i++) expect(b!.top[i]!.probability).toBeCloseTo(a!.top[i]!.probability, 4);

    // A name in use is refused unless Replace it is ticked.
    await page.getByTestId('import-name').fill('back-keras');
    dialogs.model.push(keras);
    await page.getByTestId('import-file').click();
    await expect.poll(() => page.getByTestId('models-error').textContent()).toContain('A model called "back-keras" already exists');
    await page.getByTestId('locale').selectOption('ko');
    await expect.poll(() => page.getByTestId('models-error').textContent()).toContain('"back-keras" 모델이 이미 있습니다');
    await screenshot(page, 'models-import-exists-ko-1024x700');
    await page.getByTestId('locale').selectOption('en');
    await page.getByTestId('import-replace').check();
    dialogs.model.push(keras);
    await page.getByTestId('import-file').click();
    await expect.poll(() => page.getByTestId('models-done').textContent(), { timeout: 60_000 }).toContain('“back-keras”');
    expect(await page.getByTestId('models-error').count()).toBe(0);
  });
});

describe.skipIf(!hasChromium)('Recognize: a zoo model on demand', () => {
  let studio: Studio;
  let server: FileServer;
  beforeAll(async () => {
    server = await startFileServer(mirrorDir);
    // The official URLs, path and all, go to the loopback server (as test/helpers/redirect-fetch.mjs does for the CLI).
    const redirect: typeof fetch = (input, init) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url);
      return fetch(new URL(url.pathname.slice(1), server.base), init);
    };
    studio = await startStudio({ fetch: redirect, viewport: small });
  });
  afterAll(async () => {
    await studio?.close();
    await server?.close();
  });

  it('marks MobileNet as not downloaded, downloads it with progress, cancels keeping the bytes, resumes, then recognizes', async () => {
    const { page, dialogs, cacheDir } = studio;
    await page.getByTestId('panel-recognize').waitFor();
    const option = page.getByTestId('model-picker').locator('option[value="mobilenet"]');
    await expect.poll(() => option.textContent()).toMatch(/not downloaded, 10\.5 MB/);
    // ResNet50's one file has its size in the catalogue too (Keras publishes only an md5 for it).
    await expect.poll(() => page.getByTestId('model-picker').locator('option[value="resnet50"]').textContent()).toMatch(/not downloaded, 103\.0 MB/);
    dialogs.image.push(tench);
    await page.getByTestId('open-image').click();
    await page.getByTestId('model-on-demand').waitFor();
    expect(await page.getByTestId('panel-recognize').textContent()).not.toMatch(/classifier-studio|models import/);
    expect(await page.getByTestId('model-on-demand').textContent()).toContain('10.5 MB');
    await inBothLanguages(page, 'recognize-not-downloaded');

    server.throttle = 16 * 1024; // about 1.6 MB/s: slow enough to stop half-way
    await page.getByTestId('download').click();
    await expect
      .poll(async () => Number((await page.getByTestId('download-progress').getAttribute('style'))?.match(/width: ([\d.]+)%/)?.[1] ?? 0), { timeout: 60_000 })
      .toBeGreaterThan(5);
    await inBothLanguages(page, 'recognize-downloading');
    await page.getByTestId('download-cancel').click();
    await page.getByTestId('download-stopped').waitFor({ timeout: 30_000 });
    const progress = studio.events.filter((e) => e.type === 'model-download');
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.received).toBeGreaterThanOrEqual(progress[i - 1]!.received);
    expect(progress.at(-1)).toMatchObject({ model: 'mobilenet', total: mobilenetBytes });
    const kept = progress.at(-1)!.received;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(mobilenetBytes);
    const parts = (await readdir(cacheDir, { recursive: true })).filter((f) => f.endsWith('.part'));
    expect(parts.length).toBe(1);
    await inBothLanguages(page, 'recognize-download-stopped');

    server.throttle = undefined;
    server.requests.length = 0;
    await page.getByTestId('download').click();
    await expect.poll(() => page.getByTestId('overlay-label').count(), { timeout: 120_000 }).toBe(5);
    expect((await page.getByTestId('overlay-label').allTextContents())[0]).toBe('tench');
    // The stopped file went on from its .part with a Range request; files already whole were not fetched again.
    const resumed = server.requests.find((r) => r.range);
    expect(resumed).toMatchObject({ path: parts[0]!.replace(/\.part$/, ''), status: 206 });
    expect(server.requests.length).toBeLessThan(mobilenet.files.length + 1);
    expect((await readdir(cacheDir, { recursive: true })).filter((f) => f.endsWith('.part'))).toEqual([]);
    await expect.poll(() => option.textContent()).not.toMatch(/not downloaded/);
    await inBothLanguages(page, 'recognize-downloaded');
  });

  it('imports MobileNet from a folder on a machine without internet', async () => {
    const { page, dialogs, cacheDir } = studio;
    for (const name of await readdir(cacheDir)) await rm(path.join(cacheDir, name), { recursive: true, force: true });
    await page.reload();
    await page.getByTestId('model-on-demand').waitFor();
    dialogs.model.push(mirrorDir);
    server.requests.length = 0;
    await page.getByTestId('import-zoo').click();
    await expect.poll(() => page.getByTestId('download-done').textContent(), { timeout: 60_000 }).toContain(`${mobilenet.files.length + 1} files imported`);
    expect(server.requests).toEqual([]);
    await expect.poll(() => page.getByTestId('model-picker').locator('option[value="mobilenet"]').textContent()).not.toMatch(/not downloaded/);
  });
});
