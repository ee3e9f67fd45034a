// A training run in the compute page that survives its GPU: epochs over the given batches, the
// best epoch's weights (lowest validation loss) copied off the GPU as soon as they are made and
// sent out, and, when the WebGL context or WebGPU device is lost mid-run, the run goes on on wasm
// from that copy instead of ending with nothing. The step is the Node path's (training/step.ts).
import * as tf from '@tensorflow/tfjs';
import { preprocessBatch } from '../models/preprocess.ts';
import { accuracy, makeLoss, type LossFn } from '../training/losses.ts';
import { makeOptimizer } from '../training/optimizers.ts';
import { trainableVariables, trainStep } from '../training/step.ts';
import type { TrainBatch, TrainStepsRequest } from './engine.ts';
import type { FellBack } from '../../shared/compute-notices.ts';
import { CodedError } from '../../shared/errors.ts';

export interface TrainRunRequest extends Omit<TrainStepsRequest, 'batches'> {
  epochs: number;
  /** One epoch's batches, gone through in this order every epoch. */
  batches: TrainBatch[];
  /** Scored after each epoch; its loss decides the best epoch. */
  validation: TrainBatch;
}

/** The weights of the best epoch so far, in model.getWeights() order, off the GPU. */
export interface Checkpoint {
  epoch: number;
  valLoss: number;
  weights: Float32Array[];
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  backend: string;
}

export type RunEvent =
  | { event: 'step'; epoch: number; step: number; loss: number; backend: string }
  | ({ event: 'epoch' } & EpochRecord)
  /** Copies of the weights, so the receiver owns them (they are transferred). */
  | ({ event: 'checkpoint' } & Checkpoint)
  | ({ event: 'fell-back' } & FellBack & { restored: Checkpoint });

export interface TrainRunResult {
  history: EpochRecord[];
  best?: Checkpoint;
  backend: string;
  fellBack?: FellBack;
}

/** How a run learns that its GPU went, and why: now (polled between steps) or whenever (raced with reads). */
export interface LossWatch {
  now(): GpuLoss | undefined;
  next: Promise<GpuLoss>;
}

/** Why the GPU went, coded (the window words it); the browser's own words about a lost device stay a value. */
export type GpuLoss = CodedError;
export const webglLost = (): GpuLoss => new CodedError('compute-webgl-lost', 'the WebGL context was lost');
export const webgpuLost = (detail: string): GpuLoss => new CodedError('compute-webgpu-lost', `the WebGPU device was lost (${detail})`, { detail });

/** The watch of a backend that cannot be lost (wasm, cpu). */
export const NEVER_LOST: LossWatch = { now: () => undefined, next: new Promise(() => {}) };

/** What the run needs from the page around it. */
export interface RunContext {
  backend(): string;
  watch(): LossWatch;
  /** Switches the page to wasm and builds the model again there with these weights (none: as loaded). */
  rebuildOnWasm(weights: Float32Array[] | undefined): Promise<tf.LayersModel>;
  emit(event: RunEvent, transfer?: ArrayBuffer[]): void;
}

/** The GPU went away under a step; the run can go on elsewhere. Its code and values are the loss's. */
export class ComputeLost extends CodedError {
  readonly reason: string;
  constructor(loss: GpuLoss) {
    super(loss.code, loss.message, loss.params);
    this.reason = loss.message;
  }
}

/**
 * A tensor's values, or ComputeLost: a read on a lost WebGL context waits on a fence that never
 * passes, so it is raced with the loss itself.
 */
export async function read(t: tf.Tensor, watch: LossWatch): Promise<Float32Array> {
  const lost = watch.now();
  if (lost) throw new ComputeLost(lost);
  const values = await Promise.race([
    t.data() as Promise<Float32Array>,
    watch.next.then((why) => {
      throw new ComputeLost(why);
    }),
  ]);
  return Float32Array.from(values);
}

/** Runs `f`; an error thrown while the GPU is lost is the loss, not a bug. */
export function guarded<T>(watch: LossWatch, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const lost = watch.now();
    throw lost ? new ComputeLost(lost) : err;
  }
}

const images = (batch: TrainBatch, size: number) => Array.from({ length: batch.y.length }, (_, i) => batch.x.subarray(i * size, (i + 1) * size));

async function validate(model: tf.LayersModel, req: TrainRunRequest, lossFn: LossFn, watch: LossWatch): Promise<[number, number]> {
  const [h, w, c] = req.shape;
  const out = guarded(watch, () =>
    tf.tidy(() => {
      const pred = model.apply(preprocessBatch(images(req.validation, h * w * c), h, w, c, req.preprocessing), { training: false }) as tf.Tensor2D;
      return tf.stack([lossFn(tf.tensor1d(req.validation.y, 'int32'), pred), accuracy(tf.tensor1d(req.validation.y, 'int32'), pred)]);
    }),
  );
  try {
    const [loss, acc] = await read(out, watch);
    return [loss!, acc!];
  } finally {
    out.dispose();
  }
}

async function readWeights(model: tf.LayersModel, watch: LossWatch): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const w of model.getWeights()) out.push(await read(w, watch));
  return out;
}

const copy = (c: Checkpoint): Checkpoint => ({ ...c, weights: c.weights.map((w) => w.slice()) });

/** Trains `model` (the page's, loaded for training) for req.epochs, falling back to wasm once if its GPU is lost. */
export async function trainRun(model: tf.LayersModel, req: TrainRunRequest, ctx: RunContext): Promise<TrainRunResult> {
  const [h, w, c] = req.shape;
  const size = h * w * c;
  for (const b of [...req.batches, req.validation]) {
    if (b.x.length !== b.y.length * size) throw new Error(`A batch of ${b.y.length} labels holds ${b.x.length} pixel values, expected ${b.y.length * size}`);
  }
  if (!Number.isInteger(req.epochs) || req.epochs < 1) throw new Error(`epochs must be a whole number of at least 1, not ${req.epochs}`);
  const lossFn = makeLoss(req.loss);
  let optimizer = makeOptimizer(req.optimizer);
  const history: EpochRecord[] = [];
  let best: Checkpoint | undefined;
  let fellBack: FellBack | undefined;
  let epoch = 1;
  try {
    while (epoch <= req.epochs) {
      const watch = ctx.watch();
      const backend = ctx.backend();
      try {
        const vars = trainableVariables(model);
        let lossSum = 0;
        let accSum = 0;
        for (const [i, batch] of req.batches.entries()) {
          const [loss, acc] = guarded(watch, () =>
            tf.tidy(() => trainStep(model, optimizer, lossFn, preprocessBatch(images(batch, size), h, w, c, req.preprocessing), tf.tensor1d(batch.y, 'int32'), vars)),
          );
          try {
            const l = (await read(loss, watch))[0]!;
            lossSum += l;
            accSum += (await read(acc, watch))[0]!;
            ctx.emit({ event: 'step', epoch, step: i + 1, loss: l, backend });
          } finally {
            tf.dispose([loss, acc]);
          }
        }
        const [valLoss, valAccuracy] = await validate(model, req, lossFn, watch);
        const record = { epoch, loss: lossSum / req.batches.length, accuracy: accSum / req.batches.length, valLoss, valAccuracy, backend };
        if (!best || valLoss < best.valLoss) {
          // Read before it is announced: a loss during the read leaves the previous best standing.
          const weights = await readWeights(model, watch);
          best = { epoch, valLoss, weights };
          const sent = copy(best);
          ctx.emit(
            { event: 'checkpoint', ...sent },
            sent.weights.map((x) => x.buffer as ArrayBuffer),
          );
        }
        history.push(record);
        ctx.emit({ event: 'epoch', ...record });
        epoch++;
      } catch (err) {
        if (!(err instanceof ComputeLost) || fellBack) throw err;
        // The GPU's tensors (weights, optimizer moments) are gone; the best epoch's copy is not.
        optimizer.dispose();
        model = await ctx.rebuildOnWasm(best?.weights);
        optimizer = makeOptimizer(req.optimizer);
        const from = backend;
        const resumeAfter = best?.epoch ?? 0;
        fellBack = { from, to: 'wasm', reason: err.reason, atEpoch: epoch, resumeAfter };
        const [valLoss] = await validate(model, req, lossFn, NEVER_LOST);
        const restored = { epoch: resumeAfter, valLoss, weights: await readWeights(model, NEVER_LOST) };
        ctx.emit(
          { event: 'fell-back', ...fellBack, restored },
          restored.weights.map((x) => x.buffer as ArrayBuffer),
        );
        // The epochs after the checkpoint were worse or unfinished: they are done again on wasm.
        history.splice(0, history.length, ...history.filter((r) => r.epoch <= resumeAfter));
        epoch = resumeAfter + 1;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { history, ...(best ? { best } : {}), backend: ctx.backend(), ...(fellBack ? { fellBack } : {}) };
}
