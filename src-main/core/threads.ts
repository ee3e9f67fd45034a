// Worker threads of ours: where their modules are, how to start them from TypeScript source
// (CLI, tests: through tsx) or from the built JavaScript, and a client for the ones that answer
// requests.
import { Worker } from 'node:worker_threads';
import { fromSentError, type SentError } from '../shared/errors.ts';

/**
 * Where a worker module is. From TypeScript sources it is the .ts module (`source`, relative to
 * `base`); built, its own file `builtName.js` beside the main bundle (electron.vite.config.ts
 * names them), while the calling code may sit in a shared chunk one folder down.
 */
export function workerEntry(source: `${string}.worker.ts`, base: string): URL {
  if (base.endsWith('.ts')) return new URL(source, base);
  // Built, every *.worker.ts is out/main/<name>.worker.js (electron.vite.config.ts finds them all);
  // the caller's code may sit in out/main/chunks/.
  const here = new URL('.', base);
  const builtName = source.slice(source.lastIndexOf('/') + 1).replace(/\.ts$/, '.js');
  return new URL(builtName, here.pathname.endsWith('/chunks/') ? new URL('../', here) : here);
}

export function startWorker(entry: URL, data: unknown): Worker {
  if (entry.pathname.endsWith('.ts')) {
    return new Worker(new URL('./ts-worker.js', import.meta.url), { workerData: { entry: entry.href, data } });
  }
  return new Worker(entry, { workerData: { data } });
}

/** A reply of a request worker; other messages (progress, logs) carry no id. */
export type WorkerReply = { id: number; ok: true; value: unknown } | ({ id: number; ok: false } & SentError);

export interface AskOptions {
  /** Ends the worker and fails the request after this long. */
  timeoutMs?: number;
  /** The error for this request when the worker dies or times out; `why` says which. */
  failure?: (why: string) => Error;
}

/**
 * A worker started on first use and again after it dies, answering requests by id. A dead
 * worker fails every request it held; the next request starts a new one.
 */
export function workerClient(start: () => Worker, opts: { onOther?: (message: unknown) => void; unref?: boolean } = {}) {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; failure: (why: string) => Error }>();

  function ensure(): Worker {
    if (worker) return worker;
    const w = start();
    w.on('message', (m: WorkerReply | object) => {
      if (!('id' in m)) return opts.onOther?.(m);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(fromSentError(m));
    });
    const fail = (why: string) => {
      for (const p of pending.values()) p.reject(p.failure(why));
      pending.clear();
      if (worker === w) worker = undefined;
    };
    w.on('error', (err) => fail(`failed (${err.message})`));
    w.on('exit', (code) => fail(`stopped (exit code ${code})`));
    // After the listeners: adding a 'message' listener refs the worker again (Node 20), and an
    // unref made before it left every process that read an HDF5 file unable to exit.
    if (opts.unref) w.unref();
    worker = w;
    return w;
  }

  return {
    ask<T>(message: object, o: AskOptions = {}): Promise<T> {
      const w = ensure();
      const id = ++next;
      const failure = o.failure ?? ((why: string) => new Error(`The worker ${why}.`));
      return new Promise<T>((resolve, reject) => {
        const timer =
          o.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                pending.delete(id);
                if (worker === w) worker = undefined;
                void w.terminate();
                reject(failure(`took longer than ${Math.round(o.timeoutMs! / 1000)} s`));
              }, o.timeoutMs);
        pending.set(id, {
          resolve: (v) => (clearTimeout(timer), resolve(v as T)),
          reject: (e) => (clearTimeout(timer), reject(e)),
          failure,
        });
        w.postMessage({ ...message, id });
      });
    },
    /** A message that is no request (an answer to one of the worker's own questions), to the worker if it runs. */
    tell(message: object): void {
      worker?.postMessage(message);
    },
    dispose(): void {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
