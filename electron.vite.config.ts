import { readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

// Every file under src-main named *.worker.ts, relative to src-main (Node 20 has no fs.glob).
const workers = () => readdirSync(resolve(__dirname, 'src-main'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.worker.ts'));

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          // Compute runs in worker threads: every *.worker.ts under src-main becomes its own file beside
          // index.js, where workerEntry (core/threads.ts) finds it.
          ...Object.fromEntries(workers().map((f) => [basename(f, '.ts'), resolve(__dirname, 'src-main', f)])),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot load ES modules or node_modules: one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        // compute: the hidden compute window's, which only hands main's MessagePort to its page.
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts'), compute: resolve(__dirname, 'src-main/electron/compute-preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    build: {
      // compute.html: the hidden compute window's page (WebGL/WebGPU tfjs), beside the app's.
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html'), compute: resolve(__dirname, 'src-renderer/compute.html') } },
    },
  },
});
