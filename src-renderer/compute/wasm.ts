// tfjs's wasm backend in the compute page, its binaries served from the page's own origin (the
// app's resources; vite copies them beside the page's script) rather than from a CDN, which the
// page's policy would refuse anyway. Without cross-origin isolation there is no SharedArrayBuffer,
// so tfjs takes the single-threaded SIMD binary; it asks for a URL of each of the three anyway.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';

export async function setUpWasm(): Promise<void> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': threaded });
}

/** wasm is there wherever WebAssembly is; whether its binary loads shows when it is used. */
export async function wasmProbe(ready: Promise<void>): Promise<BackendProbe> {
  try {
    await ready;
    return typeof WebAssembly === 'object' ? { backend: 'wasm', available: true } : { backend: 'wasm', available: false, detail: 'no WebAssembly' };
  } catch (err) {
    return { backend: 'wasm', available: false, detail: err instanceof Error ? err.message : String(err) };
  }
}
