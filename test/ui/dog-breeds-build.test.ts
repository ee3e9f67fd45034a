// End to end, the dog-breed model one click away (issue 21): a small Stanford Dogs in the
// official layout (test/helpers/stanford-fixture.ts: real dog photos of ../shared) served by a
// local HTTP server; in Chromium over the real service, Recognize offers "Dog breeds (Stanford
// Dogs)" with its cost (download, photos, time estimated from a timing on this machine) and says
// which model answers until it exists; one click and a confirm start the build, which is stopped
// mid-download and resumed, shows its steps, progress and curves, and ends with the model's
// accuracy on the official test split; the model then recognizes the dog photos. Screenshots at
// 1024×700 in English and Korean.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BREEDS, stanfordFixture, type StanfordFixture } from '../helpers/stanford-fixture.ts';
import { noNetwork, tempDir } from '../helpers/shared.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

if (!hasChromium) console.warn('Dog-breed build end-to-end tests skipped: /usr/bin/chromium is not installed.');

/** The local server only: anything else would be the real internet. */
const localOnly: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  return url.hostname === '127.0.0.1' ? fetch(input, init) : noNetwork(input, init);
};
const breedNames: string[] = BREEDS.map(([, b]) => b.replace(/_/g, ' '));

describe.skipIf(!hasChromium)('the dog-breed model, built from Recognize in Chromium over the real service', () => {
  let studio: Studio;
  let dogs: StanfordFixture;
  const pageErrors: string[] = [];
  const text = (page: Page, id: string) => page.getByTestId(id).innerText();
  const shot = async (name: string) => {
    const { page } = studio;
    for (const locale of ['en', 'ko'] as const) {
      await page.getByTestId('locale').selectOption(locale);
      await page.waitForTimeout(300);
      expect(existsSync(await screenshot(page, `dog-breeds-${name}-${locale}-1024x700`))).toBe(true);
    }
    await page.getByTestId('locale').selectOption('en');
  };

  beforeAll(async () => {
    dogs = await stanfordFixture(await tempDir('cs-ui-dogs-'));
    studio = await startStudio({ service: { offline: false, fetch: localOnly, dogsEntry: dogs.entry } });
    await studio.page.setViewportSize({ width: 1024, height: 700 });
    studio.page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
    studio.page.on('pageerror', (e) => void pageErrors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await studio?.close();
    await dogs?.server.close();
  });

  it('offers the model before it exists, with what building costs, and says which model answers meanwhile', async () => {
    const { page, dialogs } = studio;
    dialogs.image.push(dogs.testPhotos[0]!.file);
    await page.getByTestId('open-image').click();
    await page.getByTestId('verdict').waitFor();
    const picker = page.getByTestId('model-picker');
    expect(await picker.getByTestId('buildable-dog-breeds').textContent()).toBe('Dog breeds (Stanford Dogs) · not built yet');
    await picker.selectOption('dog-breeds');
    // Until it is built, ImageNet's dog breeds answer, and the result says so.
    await expect.poll(() => page.getByTestId('answered-by').count(), { timeout: 60_000 }).toBe(1);
    expect(await text(page, 'answered-by')).toBe('dog-breeds is not built yet: dog-breeds-imagenet answered.');
    // The cost: the two archives, the photos of the official split, the time from a timing here.
    await page.getByTestId('dog-cost-how').waitFor({ timeout: 60_000 });
    const mb = (dogs.imagesTar.length + dogs.listsTar.length) / 1e6; // decimal megabytes, as download sizes are told
    expect(await text(page, 'dog-cost-download')).toBe(`Download: ${mb.toFixed(1)} MB`);
    expect(await text(page, 'dog-cost-photos')).toBe(`Photos: 48 of ${BREEDS.length} breeds, each through mobilenet once`);
    expect(await text(page, 'dog-cost-time')).toMatch(
      /^Time: about \d+ s to compute their features, estimated \(timed just now: 4 photos through mobilenet, [\d.,]+ photos\/s, [\w-]+\)$/,
    );
    expect(await text(page, 'model-hint')).toMatch(new RegExp(`^${BREEDS.length} breeds · not built yet · ${mb.toFixed(1)} MB · 48 photos · about \\d+ s$`));
    const plan = await studio.service.dogBreedsPlan();
    expect(plan).toMatchObject({ built: false, stopped: false, downloadBytes: dogs.imagesTar.length + dogs.listsTar.length, photos: 48, classes: 6 });
    expect(plan.estimate).toMatchObject({ how: 'timed', images: 4 });
    expect(plan.estimate!.seconds).toBeCloseTo(48 / plan.estimate!.imagesPerSecond, 6);
    await shot('offer');
  });

  it('starts on one click and a confirm that shows the cost; stopped mid-download, it keeps what arrived', async () => {
    const { page } = studio;
    await page.getByTestId('dog-build-button').click();
    expect(await text(page, 'dog-confirm')).toMatch(/Build it with the cost above\?.*6 breeds/);
    await shot('confirm');
    dogs.server.throttle = 512; // ~50 KB/s: slow enough to watch, and to stop mid-way
    await page.getByTestId('dog-confirm-build').click();
    const download = page.getByTestId('dog-steps').locator('li[data-stage="download Stanford Dogs"]');
    await download.waitFor({ timeout: 30_000 });
    await expect.poll(async () => /Download Stanford Dogs: [1-9]\d* KB of/.test(await download.innerText()), { timeout: 30_000 }).toBe(true);
    await shot('downloading');
    await page.getByTestId('dog-stop').click();
    await expect.poll(() => page.getByTestId('dog-build').getAttribute('data-mode'), { timeout: 30_000 }).toBe('stopped');
    expect(await text(page, 'dog-stopped')).toMatch(/^Stopped\. The download, the photos and the features computed so far are kept/);
    const part = await stat(path.join(studio.cacheDir, 'datasets/stanford-dogs/images.tar.part'));
    expect(part.size).toBeGreaterThan(0);
    // The cost now counts only the rest.
    await expect.poll(() => text(page, 'dog-cost-download'), { timeout: 10_000 }).toMatch(/^Download: [\d.]+ (KB|MB) more \([\d.]+ (KB|MB) kept from the stopped build\)$/);
    const plan = await studio.service.dogBreedsPlan();
    expect(plan.downloadedBytes).toBe(part.size);
    expect(plan.downloadBytes).toBe(dogs.imagesTar.length + dogs.listsTar.length - part.size);
    await shot('stopped');
  });

  it('resumes, shows each step, the progress and the curves, and ends with the accuracy on the official test split', async () => {
    const { page, service } = studio;
    dogs.server.throttle = undefined;
    dogs.server.requests.length = 0;
    await page.getByTestId('dog-build-button').click();
    expect(await page.getByTestId('dog-confirm-build').innerText()).toBe('Resume the build');
    await page.getByTestId('dog-confirm-build').click();
    await page.getByTestId('dog-done').waitFor({ timeout: 180_000 });
    // The download went on from the .part: the server was asked for the rest only.
    expect(dogs.server.requests.some((r) => r.path.endsWith('images.tar') && r.status === 206)).toBe(true);
    const done = await text(page, 'dog-done');
    const m = /^Built: dog-breeds, ([\d.]+)% right on the 12 photos of the official test split\.$/.exec(done);
    expect(m, done).not.toBeNull();
    const stored = (await service.storedModels()).find((s) => s.name === 'dog-breeds')!;
    expect(stored.status).toBe('complete');
    expect(Number(m![1])).toBeCloseTo(stored.accuracy! * 100, 1);
    // The curves got the run's points, as the Training panel's do.
    expect(Number(await page.getByTestId('dog-loss-chart').getAttribute('data-train-points'))).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('dog-accuracy-chart').getAttribute('data-val-points'))).toBeGreaterThan(0);
    // Every step of the resumed build, each finished: the download's rest, unpacking, the split, the features.
    const steps = page.getByTestId('dog-steps').locator('li');
    expect(await steps.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-stage')))).toEqual([
      'download Stanford Dogs',
      'unpack images.tar',
      'official split',
      'features (train)',
      'features (test)',
    ]);
    for (const line of await steps.allTextContents()) {
      const [, a, b] = /: ([\d.,]+(?: [KM]B)?) of ([\d.,]+(?: [KM]B)?)$/.exec(line.trim()) ?? [];
      expect(a, line).toBe(b);
    }
    console.log(`dog-breeds built in the app: ${done}`);
    await shot('done');
    // This extraction's speed is kept for the next estimate.
    const speed = JSON.parse(await readFile(path.join(studio.cacheDir, 'features/speed.json'), 'utf8')) as Record<string, { images: number; imagesPerSecond: number }>;
    expect(speed.mobilenet?.images).toBe(36);
    console.log(`feature extraction measured in the build: ${speed.mobilenet!.imagesPerSecond.toFixed(1)} photos/s (machine shared with other work)`);
  });

  it('offers the built model in Recognize with its measured accuracy, and it recognizes the dog photos', async () => {
    const { page, dialogs, service } = studio;
    await page.getByTestId('dog-use').click();
    await expect.poll(() => page.getByTestId('answered-by').count(), { timeout: 60_000 }).toBe(0);
    await expect.poll(() => page.getByTestId('dog-build').count()).toBe(0); // the photo gets its room back
    const stored = (await service.storedModels()).find((s) => s.name === 'dog-breeds')!;
    const picker = page.getByTestId('model-picker');
    expect(await picker.locator('optgroup[label="trained here"] option[value="dog-breeds"]').count()).toBe(1);
    expect(await picker.getByTestId('buildable-dog-breeds').count()).toBe(0);
    expect(await text(page, 'model-hint')).toContain(`${(stored.accuracy! * 100).toFixed(1)}%`);
    let right = 0;
    for (const photo of dogs.testPhotos.slice(0, 4)) {
      dialogs.image.push(photo.file);
      await page.getByTestId('open-image').click();
      await expect.poll(async () => (await page.getByTestId('result').locator('h3').textContent()) === path.basename(photo.file), { timeout: 30_000 }).toBe(true);
      await page.getByTestId('verdict').waitFor();
      // What the window shows is the service's answer with the model just built.
      const reply = await service.recognize({ image: photo.file, model: 'dog-breeds', topK: 1 });
      expect(reply.model).toBe('dog-breeds');
      expect(reply.requested).toBeUndefined();
      const best = reply.top[0]!.label;
      expect(breedNames).toContain(best);
      expect(await text(page, 'verdict')).toContain(best);
      if (best === photo.breed) right++;
    }
    expect(right).toBeGreaterThanOrEqual(3);
    await shot('recognized');
    // With the model deleted, the next plan estimates from the measured extraction, not a timing.
    await service.deleteModel('dog-breeds');
    expect((await service.dogBreedsPlan()).estimate).toMatchObject({ how: 'extraction', images: 36 });
    expect(pageErrors).toEqual([]);
  });
});
