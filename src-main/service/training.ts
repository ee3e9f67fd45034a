// Training as the app and the CLI see it: start a run (classic or transfer learning) in a worker
// thread, get its events, cancel it; and augmentation previews made the same way.
import type { Worker } from 'node:worker_threads';
import { startWorker, workerEntry } from '../core/threads.ts';
import { CodedError, fromSentError, toSentError } from '../shared/errors.ts';
import type { AugmentPreview } from '../core/training/augment-preview.ts';
import { parseRunConfig, parseTrainConfig, type RunConfigInput, type TrainConfigInput } from '../core/training/config.ts';
import type { TrainEvent } from '../shared/train-events.ts';
import type { RunEnvironment } from '../core/training/run.ts';
import { reserveTrainingName, reserveTransferName } from '../core/store/run-names.ts';
import { ModelStore, type Reservation } from '../core/store/model-store.ts';
import type { FromWorker, ToWorker, WorkerJob } from '../core/training/training.worker.ts';
import type { PageTraining } from '../core/compute/page-training.ts';
import { parseTransferConfig, type TransferConfigInput } from '../core/transfer/config.ts';

export type DoneEvent = Extract<TrainEvent, { event: 'done' }>;

export interface TrainingRun {
  /** Stops at the next batch; the best checkpoint so far stays in the store. */
  cancel(): void;
  /** Ends the thread at once, as a crash would: the stored run reads as interrupted, its best checkpoint kept. */
  kill(): Promise<void>;
  /** Resolves with the last event, rejects with the reason the run failed. */
  done: Promise<DoneEvent>;
}

function startJob(job: WorkerJob): Worker {
  return startWorker(workerEntry('../core/training/training.worker.ts', import.meta.url), job);
}

/** Settles when the worker exits: with what `take` found in its messages, else with its error. */
function outcome<T>(worker: Worker, take: (m: FromWorker) => T | undefined, stopped: (code: number) => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    let failure: Error | undefined;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') failure = fromSentError(m);
      else result = take(m) ?? result;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result !== undefined ? resolve(result) : reject(failure ?? stopped(code))));
  });
}

export interface TrainingOptions {
  /**
   * Main's route to the compute page (the app's, once its compute window is up): while the page
   * computes, a run's batches go there (a classic run's, a transfer run's head and fine-tuning
   * steps), the rest of the run stays in its thread.
   */
  page?: PageTraining;
}

/** Relays the thread's session calls to the page and the answers back, under one session name a run. */
function relay(worker: Worker, page: PageTraining, session: string): () => void {
  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'page') return;
    const reply = (r: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(r, transfer);
    page.call(session, m.call).then(
      (value) => reply({ type: 'page-reply', id: m.id, ok: true, value }, Array.isArray(value) ? value.map((w: Float32Array) => w.buffer as ArrayBuffer) : []),
      // A coded reason (a lost GPU, a silent page) keeps its code: the run's log line words it.
      (err: unknown) => reply({ type: 'page-reply', id: m.id, ok: false, ...toSentError(err) }),
    );
  });
  return () => page.end(session);
}

let sessions = 0;

function run(job: WorkerJob, held: Reservation, onEvent: (e: TrainEvent) => void, options: TrainingOptions = {}): TrainingRun {
  const store = new ModelStore(job.env.storeDir);
  // The choice of the moment the run starts: a run does not move when the choice changes.
  const use = job.kind === 'preview' ? undefined : options.page?.use();
  const env = { ...job.env, reservation: held, ...(use ? { computeOn: use.backend } : {}) };
  const worker = startJob({ ...job, env } as WorkerJob);
  const endSession = use && options.page ? relay(worker, options.page, `train:${held.name}:${++sessions}`) : undefined;
  let cancelled = false;
  const done = outcome<DoneEvent>(
    worker,
    (m) => {
      if (m.type !== 'event') return undefined;
      onEvent(m.event);
      return m.event.event === 'done' ? m.event : undefined;
    },
    (code) =>
      cancelled
        ? new CodedError('training-cancelled-early', 'Training was cancelled before it started.')
        : new CodedError('training-worker-stopped', `The training worker stopped (exit code ${code}).`, { exitCode: code }),
  )
    .catch(async (err: unknown) => {
      // A thread that died mid-run may have left its model 'training' under this (living) process.
      await store.markInterrupted(held).catch(() => undefined);
      throw err;
    })
    .finally(() => {
      endSession?.();
      // Returned, so `done` settles only once the name is free again.
      return store.release(held);
    });
  return {
    cancel: () => {
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
    },
    kill: async () => {
      await worker.terminate();
      await done.catch(() => undefined);
    },
    done,
  };
}

/**
 * A new run, or `{ resume: name, epochs? }`: a stored run continued from its best checkpoint.
 * Settings are checked and the model's name reserved here, before a thread starts: a name in
 * use (stored, or held by a run of any process) is refused at once.
 */
export async function startTraining(config: RunConfigInput, env: RunEnvironment, onEvent: (e: TrainEvent) => void, options?: TrainingOptions): Promise<TrainingRun> {
  const held = await reserveTrainingName(parseRunConfig(config), new ModelStore(env.storeDir));
  return run({ kind: 'train', config, env }, held, onEvent, options);
}

export async function startTransfer(config: TransferConfigInput, env: RunEnvironment, onEvent: (e: TrainEvent) => void, options?: TrainingOptions): Promise<TrainingRun> {
  const held = await reserveTransferName(parseTransferConfig(config), new ModelStore(env.storeDir));
  return run({ kind: 'transfer', config, env }, held, onEvent, options);
}

/** Augmented samples for the training form, made in a worker like training itself. */
export function augmentPreview(config: TrainConfigInput, env: RunEnvironment): Promise<AugmentPreview> {
  parseTrainConfig(config);
  const worker = startJob({ kind: 'preview', config, env });
  return outcome(
    worker,
    (m) => (m.type === 'preview' ? m.preview : undefined),
    (code) => new CodedError('preview-worker-stopped', `The preview worker stopped (exit code ${code}).`, { exitCode: code }),
  );
}
