// Multi-threaded wasm in Node and Electron's main process. tfjs-backend-wasm 4.22 ships a
// threaded SIMD build but never uses it in Node (tfjs issue #3830): it gives Emscripten its
// pthread worker and main script as Blob URLs, which Node's worker_threads cannot start. This
// module writes both scripts to files and points Emscripten at them for the length of the
// backend's initialisation, then puts every global it touched back. XNNPACK then splits each
// convolution and matmul over the cores (about 1.8x on 2 cores).
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The worker's code that turns a Blob into a URL; it is rewritten to read our file instead. */
const WORKER_IMPORT = 'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
const MAIN_PREFIX = 'var WasmBackendModuleThreadedSimd';
/**
 * The threaded factory is cut out of the package's rollup bundle and refers to the bundle's
 * names for Node modules; the script defines them first.
 */
const BUNDLE_NAMES = "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;\n";

/** Threads to use: CLASSIFIER_WASM_THREADS, else one per core (XNNPACK caps at 8). */
export function wantedWasmThreads(): number {
  const env = process.env.CLASSIFIER_WASM_THREADS;
  const n = env ? Number(env) : os.availableParallelism();
  if (!Number.isInteger(n) || n < 1) throw new Error(`CLASSIFIER_WASM_THREADS must be a whole number of at least 1, not "${env}".`);
  return Math.min(n, 8);
}

/** Writes a script once per content: several processes and threads may race here. */
function scriptFile(name: string, text: string): string {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'classifier-studio-wasm');
  const file = path.join(dir, `${digest}-${name}`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const part = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}`;
    writeFileSync(part, text);
    renameSync(part, file);
  }
  return file;
}

/**
 * Patches, until the returned function is called, the three things tfjs-backend-wasm's init
 * reads: `Blob` (to see the scripts' text), `URL.createObjectURL` (to hand out files instead
 * of blob: URLs) and `os.cpus` (the C++ side uses half the logical cores, assuming
 * hyper-threads, and caps the pool there).
 */
export function patchForWasmThreads(threads: number): () => void {
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();
  let mainFile: string | undefined;

  globalThis.Blob = class extends RealBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts?.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        // The factory is built right after this Blob, and its workers ask for the main script
        // only later, so the file is in place in time.
        if (text.startsWith(MAIN_PREFIX)) mainFile = scriptFile('wasm-main.js', BUNDLE_NAMES + text);
      }
    }
  };
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined) return realCreateObjectURL(blob);
    if (!mainFile || !text.includes(WORKER_IMPORT)) {
      throw new Error('tfjs-backend-wasm changed the way it starts its threads; set CLASSIFIER_WASM_THREADS=1.');
    }
    return scriptFile('wasm-worker.js', text.replace(WORKER_IMPORT, `importScripts(${JSON.stringify(mainFile)})`));
  };
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  return () => {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
  };
}
