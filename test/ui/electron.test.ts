// The real desktop app through Playwright's Electron support. It needs the Electron binary,
// which installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1 leave out: then this says so and skips.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { mirrorDir, repoRoot, tempDir } from '../helpers/shared.ts';

/** The binary's path, or why there is none (require('electron') throws when it was not downloaded). */
function electronBinary(): { path?: string; why?: string } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { why: `the electron package points to ${String(p)}, which does not exist` };
  } catch (err) {
    return { why: (err as Error).message.split('\n')[0] };
  }
}

const binary = electronBinary();
if (!binary.path) console.warn(`Electron end-to-end test skipped: no Electron binary here (${binary.why}).`);

describe.skipIf(!binary.path)('the desktop app in Electron', () => {
  it('opens one secure window showing the Recognize panel, with window.api and no Node', async () => {
    const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const userData = await tempDir('cs-electron-');
    const app = await electron.launch({
      executablePath: binary.path,
      args: [path.join(repoRoot, 'out/main/index.js'), `--user-data-dir=${userData}`],
      env: { ...process.env, CLASSIFIER_MIRROR: mirrorDir, CLASSIFIER_CACHE: path.join(userData, 'models') } as Record<string, string>,
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('panel-recognize').waitFor();
      const globals = await page.evaluate(() => {
        const g = globalThis as unknown as Record<string, unknown>;
        return { api: typeof g.api, require: typeof g.require, process: typeof g.process };
      });
      expect(globals).toEqual({ api: 'object', require: 'undefined', process: 'undefined' });
      // contextIsolation: the page sees the bridged api, and nothing of Node or the preload.
      expect(await page.evaluate(() => typeof (globalThis as unknown as { api: { recognize: unknown } }).api.recognize)).toBe('function');
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
      // Navigation away from the app is refused.
      const before = page.url();
      await page.evaluate(() => void ((globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/'));
      await page.waitForTimeout(500);
      expect(page.url()).toBe(before);
      await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 60_000 }).toMatch(/wasm|cpu|tensorflow/);
    } finally {
      await app.close();
    }
  });
});
