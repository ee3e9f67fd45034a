// The training worker: runs one training off the caller's thread and streams its events; or,
// asked for a preview, makes the augmented samples the training form shows.
import { parentPort, workerData } from 'node:worker_threads';
import { augmentPreview, type AugmentPreview } from './augment-preview.ts';
import type { RunConfigInput, TrainConfigInput } from './config.ts';
import { runTransfer } from '../transfer/run.ts';
import type { TransferConfigInput } from '../transfer/config.ts';
import { runTraining, type RunEnvironment } from './run.ts';
import { fromSentError, toSentError, type SentError } from '../../shared/errors.ts';
import type { SessionCall } from '../compute/session.ts';

/** What the worker is asked to do: a training run, a transfer-learning run, or an augmentation preview. */
export type WorkerJob =
  | { kind: 'train'; config: RunConfigInput; env: RunEnvironment }
  | { kind: 'transfer'; config: TransferConfigInput; env: RunEnvironment }
  | { kind: 'preview'; config: TrainConfigInput; env: RunEnvironment };

/** A reply to a `page` call: the compute page's answer, relayed by the service from main. */
export type PageReply = { type: 'page-reply'; id: number; ok: true; value: unknown } | ({ type: 'page-reply'; id: number; ok: false } & SentError);
export type ToWorker = { type: 'cancel' } | PageReply;
export type FromWorker =
  | { type: 'event'; event: import('../../shared/train-events.ts').TrainEvent }
  | { type: 'preview'; preview: AugmentPreview }
  | ({ type: 'error' } & SentError)
  /** A session call for the compute page (env.computeOn): the thread cannot hold main's port itself. */
  | { type: 'page'; id: number; call: SessionCall };

const port = parentPort!;
const job = (workerData as { data: WorkerJob }).data;
const controller = new AbortController();
const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
let next = 1;
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') controller.abort();
  if (m.type === 'page-reply') {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(fromSentError(m));
  }
});
const post = (m: FromWorker) => port.postMessage(m);
/** The run's way to the compute page: out to the service, which relays to main and back. */
const page = (call: SessionCall) =>
  new Promise<unknown>((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    // The batch's own buffer goes along rather than a copy (remote-compute.ts made it for this).
    const transfer = 'batch' in call ? [call.batch.x.buffer as ArrayBuffer] : [];
    port.postMessage({ type: 'page', id, call } satisfies FromWorker, transfer);
  });

try {
  const emit = (event: import('../../shared/train-events.ts').TrainEvent) => post({ type: 'event', event });
  if (job.kind === 'preview') post({ type: 'preview', preview: await augmentPreview(job.config, job.env) });
  else if (job.kind === 'transfer') await runTransfer(job.config, job.env, emit, controller.signal, job.env.computeOn && page);
  else await runTraining(job.config, job.env, emit, controller.signal, job.env.computeOn && page);
} catch (err) {
  // A coded error keeps its code across the thread (the window words it).
  post({ type: 'error', ...toSentError(err) });
} finally {
  port.close();
}
