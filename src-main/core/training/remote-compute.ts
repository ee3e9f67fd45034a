// fit's batches computed in the compute page (core/compute/session.ts), from the training thread:
// the thread cannot hold main's port, so each call goes out through `link` (the worker's messages
// to the service, which hands them to main's PageTraining). The model here keeps the weights the
// run started with until fit pulls the page's (at each checkpoint, at the end), so a page that
// fails leaves it holding the best checkpoint's. Augmentation runs here, on the thread's backend,
// before a batch goes: it draws from the run's own generator, as a Node run's does.
import * as tf from '@tensorflow/tfjs';
import type { SessionAnswers, SessionBatch, SessionCall } from '../compute/session.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import { layersModelFiles } from '../models/layers-io.ts';
import { isIdentity } from './augment.ts';
import type { TrainConfig } from './config.ts';
import { ComputeCancelled, ComputeFailed, stepInput, type FitBatch, type FitCompute, type InputShape } from './fit-compute.ts';

/** One session call to the page, by whatever way reaches it; rejects when the page fails. */
export type SessionLink = (call: SessionCall) => Promise<unknown>;

/**
 * The page's answer, or ComputeFailed when it fails (a stalled page included: main's watchdog
 * rejects it), or ComputeCancelled as soon as `signal` aborts: a cancel does not wait for a page
 * that may never answer (the run keeps its best checkpoint, as at any cancel).
 */
async function ask<C extends SessionCall>(link: SessionLink, call: C, signal?: AbortSignal): Promise<SessionAnswers[C['op']]> {
  if (signal?.aborted) throw new ComputeCancelled();
  let onAbort = () => undefined as void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ComputeCancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return (await Promise.race([link(call), aborted])) as SessionAnswers[C['op']];
  } catch (err) {
    if (err instanceof ComputeCancelled) throw err;
    throw ComputeFailed.of(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** A batch's bytes of its own (a set's read may be a view into a larger buffer, which would be copied whole). */
function pixels(batch: FitBatch, input: InputShape): SessionBatch {
  const { x, y } = batch;
  if (input.featureLength) return { x: new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)), y: y.slice() };
  return { x: x.slice(), y: y.slice() };
}

/** Begins the page's session with `model`'s weights; ComputeFailed when the page cannot. */
export async function remoteCompute(
  model: tf.LayersModel,
  cfg: Pick<TrainConfig, 'optimizer' | 'loss' | 'augment'>,
  input: InputShape,
  preprocessing: Preprocessing,
  backend: 'webgl' | 'webgpu',
  link: SessionLink,
  /** The run's cancel: a call in flight stops waiting for the page (ComputeCancelled). */
  signal?: AbortSignal,
): Promise<FitCompute> {
  const saved = await layersModelFiles(model);
  const files = { json: saved['model.json'], shards: [saved['weights.bin']] };
  const spec = {
    backend,
    files,
    shape: input.imageShape,
    ...(input.featureLength ? { featureLength: input.featureLength } : {}),
    preprocessing,
    optimizer: cfg.optimizer,
    loss: cfg.loss,
  };
  const begun = await ask(link, { op: 'begin', spec }, signal);
  const augmented = !isIdentity(cfg.augment) && !input.featureLength;
  let lr = cfg.optimizer.learningRate;
  return {
    backend: begun.backend,
    async step(batch, random) {
      if (!augmented) return ask(link, { op: 'step', batch: pixels(batch, input) }, signal);
      const x = tf.tidy(() => stepInput(batch, input, cfg, preprocessing, random));
      // A copy of its own: the batch's buffer is transferred to the page on its way.
      const values = Float32Array.from(await x.data());
      x.dispose();
      return ask(link, { op: 'step', batch: { x: values, y: batch.y.slice() } }, signal);
    },
    measure: (batch) => ask(link, { op: 'measure', batch: pixels(batch, input) }, signal),
    learningRate: () => lr,
    async setLearningRate(value) {
      await ask(link, { op: 'learning-rate', lr: value }, signal);
      lr = value;
    },
    async pull() {
      const weights = await ask(link, { op: 'weights' }, signal);
      const current = model.getWeights();
      if (weights.length !== current.length) throw new ComputeFailed(`the page sent ${weights.length} weights, the model has ${current.length}`);
      const tensors = weights.map((w, i) => tf.tensor(w, current[i]!.shape));
      model.setWeights(tensors);
      tf.dispose(tensors);
    },
    dispose: () => void link({ op: 'end' }).catch(() => undefined),
  };
}
