import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          // Compute runs in worker threads; each needs its own file beside index.js (see service/worker-entry.ts).
          'training-worker': resolve(__dirname, 'src-main/core/training/worker.ts'),
          'recognition-worker': resolve(__dirname, 'src-main/service/recognition-worker.ts'),
          // HDF5 files are read in their own thread (core/models/h5-reader.ts).
          'h5-worker': resolve(__dirname, 'src-main/core/models/h5-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot load ES modules or node_modules: one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
  },
});
