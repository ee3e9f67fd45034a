// The hidden compute page: tfjs on WebGPU, WebGL or wasm, serving the engine (src-main/core/compute)
// over a MessagePort that arrives as a window message 'compute-port' (Electron's preload forwards
// main's port so; a test posts its own). It reaches core only through core/compute, which is
// browser-safe.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { serveCompute, type BackendProbe, type PageBackend, type Port } from '../../src-main/core/compute/port.ts';
import type { LossWatch } from '../../src-main/core/compute/gpu-loss.ts';
import { probeWebGl, probeWebGpu } from './probe.ts';
import { setUpWasm, wasmProbe } from './wasm.ts';
import { watchBackend } from './watch.ts';

const wasmReady = setUpWasm();

/** One watch a backend: each request asks for it, and a fresh one would add a listener each time. */
const watches = new Map<string, LossWatch>();

const host = {
  async probe(): Promise<BackendProbe[]> {
    const cpu: BackendProbe = { backend: 'cpu', available: true };
    return [await probeWebGpu(), probeWebGl(), await wasmProbe(wasmReady), cpu];
  },
  async use(backend: PageBackend): Promise<void> {
    if (backend === 'wasm') await wasmReady;
    if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not initialise in the compute page`);
    await tf.ready();
  },
  watch(): LossWatch {
    const name = tf.getBackend();
    let watch = watches.get(name);
    if (!watch) watches.set(name, (watch = watchBackend(name, tf.backend())));
    return watch;
  },
};

let served = false;
window.addEventListener('message', (e: MessageEvent) => {
  // Only this page's own origin (its preload, or a test in the page) may hand it the port, once.
  if (served || e.origin !== location.origin || e.data !== 'compute-port' || !e.ports[0]) return;
  served = true;
  serveCompute(e.ports[0] as unknown as Port, host);
});
// Tells whoever waits (the preload, a test) that the listener is in place.
document.title = 'compute ready';
