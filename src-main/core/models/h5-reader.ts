// HDF5 files are read in a worker thread: h5wasm runs synchronously, and a damaged file can send
// it into a loop that would freeze whatever thread called it. A worker that takes too long is
// ended and the read fails with an error that names the file.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads.ts';
import type { H5Weight } from './keras-h5.ts';

export type H5Request = { id: number; op: 'weights' | 'config'; file: string };
export type H5Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const DEFAULT_TIMEOUT_MS = 120_000;
let worker: Worker | undefined;
let next = 0;
const pending = new Map<number, { file: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function entry(): URL {
  // From sources (CLI, tests) the .ts module; built, its own file beside the main bundle
  // (electron.vite.config.ts), while this code may sit in a shared chunk one folder down.
  if (import.meta.url.endsWith('.ts')) return new URL('./h5-worker.ts', import.meta.url);
  const here = new URL('.', import.meta.url);
  return new URL('h5-worker.js', here.pathname.endsWith('/chunks/') ? new URL('../', here) : here);
}

function ensure(): Worker {
  if (worker) return worker;
  const w = startWorker(entry(), {});
  w.unref(); // an idle reader must not keep the CLI alive
  w.on('message', (m: H5Reply) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(m.error));
  });
  // h5wasm aborts the whole thread on some damaged files: what was being read gets the blame.
  const fail = (why: string) => {
    for (const p of pending.values()) p.reject(new Error(`${p.file}: the HDF5 reader ${why}; the file is probably damaged.`));
    pending.clear();
    if (worker === w) worker = undefined;
  };
  w.on('error', (err) => fail(`failed (${err.message})`));
  w.on('exit', (code) => fail(`stopped (exit code ${code})`));
  worker = w;
  return w;
}

function ask<T>(op: H5Request['op'], file: string, timeoutMs: number): Promise<T> {
  const w = ensure();
  const id = ++next;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      if (worker === w) worker = undefined;
      void w.terminate();
      reject(new Error(`${file}: reading it took longer than ${Math.round(timeoutMs / 1000)} s; the file may be damaged.`));
    }, timeoutMs);
    pending.set(id, {
      file,
      resolve: (v) => (clearTimeout(timer), resolve(v as T)),
      reject: (e) => (clearTimeout(timer), reject(e)),
    });
    w.postMessage({ id, op, file } satisfies H5Request);
  });
}

/** Every layer's weights of a Keras HDF5 file, in the file's layer order. */
export async function readKerasWeights(file: string, opts: { timeoutMs?: number } = {}): Promise<Map<string, H5Weight[]>> {
  return new Map(await ask<[string, H5Weight[]][]>('weights', file, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
}

/** The model_config of a whole saved Keras model, and whether the file is a weights-only one. */
export function readModelConfig(file: string, opts: { timeoutMs?: number } = {}): Promise<{ config?: string; weightsOnly: boolean }> {
  return ask('config', file, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}
