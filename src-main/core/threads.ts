// Starts a worker thread from a module of ours, whether we run from TypeScript source
// (CLI, tests: through tsx) or from the built JavaScript.
import { Worker } from 'node:worker_threads';

export function startWorker(entry: URL, data: unknown): Worker {
  if (entry.pathname.endsWith('.ts')) {
    return new Worker(new URL('./ts-worker.js', import.meta.url), { workerData: { entry: entry.href, data } });
  }
  return new Worker(entry, { workerData: { data } });
}
