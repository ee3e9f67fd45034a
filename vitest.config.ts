import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Component tests mount .vue files.
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    // Real models and real data: give each test room, and run files one after another so
    // two heavy tests never fight for the 2 cores.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
