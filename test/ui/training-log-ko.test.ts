// End-to-end: a run's log in Korean at 1024x700. A transfer run on a folder of real CIFAR-10
// photos (no test/ folder, so some are held out) writes coded lines from main (the held-out
// note, the features) and from the window (epochs, checkpoints, the test):
// every line of the Training log and of the log bar is Korean, the English ones gone.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, sharedDir, tempDir } from '../helpers/shared.ts';
import { hasChromium, screenshot, startStudio, type Studio } from './harness.ts';

const HANGUL = /[\uac00-\ud7a3]/;

describe.skipIf(!hasChromium || !hasShared)('the training log in Korean at 1024x700', () => {
  let studio: Studio;
  beforeAll(async () => {
    studio = await startStudio({ locale: 'ko-KR', viewport: { width: 1024, height: 700 } });
  });
  afterAll(async () => {
    await studio?.close();
  });

  it('words every line of a transfer run in Korean, in the Training log and the log bar', async () => {
    const { page, dialogs } = studio;
    const folder = path.join(await tempDir('cs-ui-log-'), 'pets');
    for (const cls of ['cat', 'dog']) {
      await mkdir(path.join(folder, cls), { recursive: true });
      const src = path.join(sharedDir, 'datasets/cifar10/train', cls);
      for (const f of (await readdir(src)).sort().slice(0, 8)) await copyFile(path.join(src, f), path.join(folder, cls, f));
    }
    expect(await page.getByTestId('tab-training').textContent()).toContain('학습');
    await page.getByTestId('tab-training').click();
    dialogs.folder.push(folder);
    await page.getByTestId('dataset').selectOption('__folder');
    await expect.poll(() => page.getByTestId('network').inputValue()).toBe('transfer-mobilenet');
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('limit').fill('');
    await page.getByTestId('test-limit').fill('');
    await page.getByTestId('out').fill('ui-log-ko');
    await page.getByTestId('start').click();
    await expect.poll(() => page.getByTestId('training-status').textContent(), { timeout: 120_000 }).toContain('ui-log-ko');
    await page.getByTestId('evaluation').waitFor({ timeout: 30_000 });

    const lines = (await page.getByTestId('training-log').textContent())!.split('\n');
    expect(lines.filter((l) => !HANGUL.test(l))).toEqual([]);
    const log = lines.join('\n');
    // Main's lines, with the folder by its name (no absolute path reaches the window).
    expect(log).toMatch(/(^|\n)pets에 test\/ 폴더가 없습니다: 이미지 4개/);
    expect(log).toContain('학습: 이미지 12개의 특징, mobilenet이(가) 12개 계산, 캐시에서 0개');
    expect(log).not.toContain(folder);
    // The window's own lines.
    expect(log).toMatch(/에포크 1: 손실 \d\.\d{4}, 정확도 \d\.\d{4}, 검증 손실/);
    expect(log).toMatch(/테스트: 이미지 4개에서 정확도/);
    expect(log).not.toMatch(/\bepoch\b|held out|features of/);

    // The log bar: its last line and the drawer.
    await expect.poll(() => page.locator('.last-log').textContent()).toBe('학습 완료: ui-log-ko');
    await page.getByTestId('training-log').scrollIntoViewIfNeeded();
    // The log fits the window: its card ends inside it, long lines wrap or scroll within it.
    const right = await page.locator('.log-card').evaluate((e) => (e as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect().right);
    expect(right).toBeLessThanOrEqual(1024);
    await screenshot(page, 'training-log-ko-1024x700');
    await page.getByTestId('log-toggle').click();
    const drawer = (await page.getByTestId('log-drawer').textContent())!;
    expect(drawer).toMatch(/\d\d:\d\d:\d\d pets에서 transfer-mobilenet 학습 시작/);
    expect(drawer).toContain('학습 완료: ui-log-ko');
    await screenshot(page, 'log-bar-ko-1024x700');
  }, 240_000);
});
