import { existsSync } from 'node:fs';
import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * Tests that need neither ../shared (real models, data, photos) nor Chromium: `npm run test:unit`,
 * and all that `npm test` runs where ../shared is missing. A new test file needs ../shared until
 * it is listed here.
 */
const UNIT = [
  'test/augment.test.ts',
  'test/cli-eval-format.test.ts',
  'test/cli-options.test.ts',
  'test/components/**/*.test.ts',
  'test/coded-errors.test.ts',
  'test/compute-choose.test.ts',
  'test/csv-export.test.ts',
  'test/electron-shell.test.ts',
  'test/evaluate.test.ts',
  'test/fit.test.ts',
  'test/keras-import.test.ts',
  'test/mat5.test.ts',
  'test/model-files.test.ts',
  'test/networks.test.ts',
  'test/optimizers.test.ts',
  'test/photo-fit.test.ts',
  'test/plateau.test.ts',
  'test/preprocess.test.ts',
  'test/preview-errors.test.ts',
  'test/redact-paths.test.ts',
  'test/resume.test.ts',
  'test/service-jobs.test.ts',
  'test/store-recovery.test.ts',
  'test/wasm-kernels.test.ts',
  'test/window-security.test.ts',
];

const shared = process.env.CLASSIFIER_SHARED ?? path.resolve(import.meta.dirname, '../shared');

export default defineConfig(({ mode }) => {
  const hasShared = existsSync(path.join(shared, 'models'));
  if (mode !== 'unit' && !hasShared) {
    console.warn(
      `\n${shared} is missing: only the tests that need no real models or data run (npm run test:unit). ` + 'README "Test" says how to make ../shared from the official files.\n',
    );
  }
  return {
    // Component tests mount .vue files.
    plugins: [vue()],
    test: {
      include: mode === 'unit' || !hasShared ? UNIT : ['test/**/*.test.ts'],
      // Real models and real data: give each test room, and run files one after another so
      // two heavy tests never fight for the 2 cores.
      testTimeout: 180_000,
      hookTimeout: 180_000,
      fileParallelism: false,
      pool: 'forks',
    },
  };
});
