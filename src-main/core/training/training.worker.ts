// The training worker: runs one training off the caller's thread and streams its events; or,
// asked for a preview, makes the augmented samples the training form shows.
import { parentPort, workerData } from 'node:worker_threads';
import { augmentPreview, type AugmentPreview } from './augment-preview.ts';
import type { RunConfigInput, TrainConfigInput } from './config.ts';
import { runTransfer } from '../transfer/run.ts';
import type { TransferConfigInput } from '../transfer/config.ts';
import { runTraining, type RunEnvironment } from './run.ts';
import { toWorkerError, type WorkerError } from '../threads.ts';

/** What the worker is asked to do: a training run, a transfer-learning run, or an augmentation preview. */
export type WorkerJob =
  | { kind: 'train'; config: RunConfigInput; env: RunEnvironment }
  | { kind: 'transfer'; config: TransferConfigInput; env: RunEnvironment }
  | { kind: 'preview'; config: TrainConfigInput; env: RunEnvironment };

export type ToWorker = { type: 'cancel' };
export type FromWorker =
  { type: 'event'; event: import('../../shared/train-events.ts').TrainEvent } | { type: 'preview'; preview: AugmentPreview } | ({ type: 'error' } & WorkerError);

const port = parentPort!;
const job = (workerData as { data: WorkerJob }).data;
const controller = new AbortController();
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') controller.abort();
});
const post = (m: FromWorker) => port.postMessage(m);

try {
  const emit = (event: import('../../shared/train-events.ts').TrainEvent) => post({ type: 'event', event });
  if (job.kind === 'preview') post({ type: 'preview', preview: await augmentPreview(job.config, job.env) });
  else if (job.kind === 'transfer') await runTransfer(job.config, job.env, emit, controller.signal);
  else await runTraining(job.config, job.env, emit, controller.signal);
} catch (err) {
  // A coded error keeps its code across the thread (the window words it).
  post({ type: 'error', ...toWorkerError(err) });
} finally {
  port.close();
}
