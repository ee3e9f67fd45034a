// A Recognizer that runs in a worker thread (recognition-worker.ts): what the desktop app uses,
// so compute stays off the Electron main thread. The CLI and tests use RecognitionService directly.
import type { Worker } from 'node:worker_threads';
import type { RecognizeReply } from '../contract.ts';
import type { BackendReport } from '../core/backend.ts';
import { startWorker } from '../core/threads.ts';
import type { FromRecognizer, ToRecognizer } from './recognition-worker.ts';
import type { ServiceOptions } from './recognition.ts';
import type { Recognizer } from './studio.ts';
import { workerEntry } from './worker-entry.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export function threadRecognizer(
  options: Omit<ServiceOptions, 'onDownload' | 'log' | 'fetch'>,
  events: { onDownload?: ServiceOptions['onDownload']; log?: (line: string) => void } = {},
): Recognizer {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, Pending>();

  // Started on first use, and again after a crash: one bad image must not end recognition.
  function ensure(): Worker {
    if (worker) return worker;
    const w = startWorker(workerEntry('recognition-worker', './recognition-worker.ts', import.meta.url), options);
    w.on('message', (m: FromRecognizer) => {
      if ('id' in m) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(m.error));
      } else if (m.type === 'download') events.onDownload?.({ file: m.file, url: '', received: m.received, total: m.total });
      else events.log?.(m.message);
    });
    const fail = (err: Error) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`The recognition worker stopped (exit code ${code}).`)));
    worker = w;
    return w;
  }

  function ask<T>(m: Distribute<ToRecognizer>): Promise<T> {
    const id = ++next;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ensure().postMessage({ ...m, id });
    });
  }

  return {
    backend: () => ask<BackendReport>({ type: 'backend' }),
    recognize: (req) => ask<RecognizeReply>({ type: 'recognize', req }),
    forget: (spec) => void ask({ type: 'forget', spec }).catch(() => undefined),
    dispose: () => {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
