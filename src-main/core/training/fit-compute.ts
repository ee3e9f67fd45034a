// Where fit's per-batch work is computed. fit.ts keeps the loop, the callbacks, the checkpoints and
// the events; only this seam moves: Node's tfjs on the model itself (localCompute, what every run
// did before), or the compute page's GPU (remote-compute.ts), whose weights come back to the model
// only when fit asks (a checkpoint, the end).
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import { preprocessBatch } from '../models/preprocess.ts';
import { augmentBatch, isIdentity } from './augment.ts';
import type { TrainConfig } from './config.ts';
import { accuracy, makeLoss, type LossFn } from './losses.ts';
import { getLearningRate, makeOptimizer, setLearningRate } from './optimizers.ts';
import { trainableVariables, trainStep } from './step.ts';
import { errorCodeOf, type Coded } from '../../shared/errors.ts';

/** A batch as a set reads it: uint8 HWC pixels (or a features set's float bytes) and class indices. */
export interface FitBatch {
  x: Uint8Array;
  y: Int32Array;
  count: number;
}

/** What a batch's input is: a set's shape, as batchTensor reads it. */
export type InputShape = Pick<ImageSet, 'imageShape' | 'featureLength'>;

export interface FitCompute {
  /** The backend the steps compute on (the epoch records name it in runs routed to the page). */
  readonly backend: string;
  /** One optimizer step: the batch's mean loss and accuracy before the update. `random` draws the augmentation. */
  step(batch: FitBatch, random: () => number): Promise<{ loss: number; accuracy: number }>;
  /** The batch's loss and accuracy, each summed over its examples, without training behaviour. */
  measure(batch: FitBatch): Promise<{ lossSum: number; correct: number }>;
  learningRate(): number;
  setLearningRate(lr: number): Promise<void>;
  /** Makes fit's model hold the weights computed so far (nothing to do where they are computed on it). */
  pull(): Promise<void>;
  dispose(): void;
}

/**
 * The compute went away mid-run (a lost GPU, a closed compute window): the run can go on elsewhere.
 * `reason` is the English (the CLI's); `coded`, where the cause had a code, is what the window words.
 */
export class ComputeFailed extends Error {
  constructor(
    readonly reason: string,
    readonly coded?: Coded,
  ) {
    super(reason);
  }

  /** `err` (the page's rejection, as the link gave it) as a failure: its first line, and its code. */
  static of(err: unknown): ComputeFailed {
    if (err instanceof ComputeFailed) return err;
    return new ComputeFailed((err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300), errorCodeOf(err));
  }

  /** As fit's result says it: the epoch it broke in, why, and the code of why. */
  at(atEpoch: number): { reason: string; atEpoch: number; coded?: Coded } {
    return { reason: this.reason, atEpoch, ...(this.coded ? { coded: this.coded } : {}) };
  }
}

/**
 * The run was cancelled while the compute was busy with a batch (a page still working, or one
 * that stopped answering): fit stops there, as at a cancel between batches, without its answer.
 */
export class ComputeCancelled extends Error {
  constructor() {
    super('Cancelled while a batch was computing');
  }
}

/** Float input for a batch: uint8 pixels until here, then one tensor; backbone features as they are. */
export function batchTensor(x: Uint8Array, count: number, set: InputShape, preprocessing: Preprocessing): tf.Tensor {
  if (set.featureLength) return tf.tensor2d(new Float32Array(x.buffer, x.byteOffset, count * set.featureLength), [count, set.featureLength]);
  const [h, w, c] = set.imageShape;
  const size = h * w * c;
  const images = Array.from({ length: count }, (_, i) => x.subarray(i * size, (i + 1) * size));
  return preprocessBatch(images, h, w, c as 1 | 3, preprocessing);
}

/** The model's input for a training step: preprocessed, then augmented where the config says so (pixels only). */
export function stepInput(batch: FitBatch, input: InputShape, cfg: Pick<TrainConfig, 'augment'>, preprocessing: Preprocessing, random: () => number): tf.Tensor {
  const augment = isIdentity(cfg.augment) ? undefined : cfg.augment;
  const x = batchTensor(batch.x, batch.count, input, preprocessing);
  // Augmentation moves pixels; a features set has none (transfer refuses --augment).
  return augment && !input.featureLength ? augmentBatch(x as tf.Tensor4D, augment, random) : x;
}

/** A batch's summed loss and accuracy by `model` on Node's tfjs, as predict() gives them. */
export function batchMeasure(model: tf.LayersModel, input: InputShape, preprocessing: Preprocessing, lossFn: LossFn): FitCompute['measure'] {
  return async (batch) => {
    const n = batch.count;
    const [l, a] = tf.tidy(() => {
      const pred = model.predict(batchTensor(batch.x, n, input, preprocessing)) as tf.Tensor2D;
      const y = tf.tensor1d(batch.y, 'int32');
      return [lossFn(y, pred).mul(n), accuracy(y, pred).mul(n)];
    });
    const lossSum = (await l.data())[0]!;
    const correct = (await a.data())[0]!;
    tf.dispose([l, a]);
    return { lossSum, correct };
  };
}

/** Node's tfjs training `model` itself, with its own optimizer. */
export function localCompute(model: tf.LayersModel, cfg: Pick<TrainConfig, 'optimizer' | 'loss' | 'augment'>, input: InputShape, preprocessing: Preprocessing): FitCompute {
  const optimizer = makeOptimizer(cfg.optimizer);
  const lossFn = makeLoss(cfg.loss);
  const vars = trainableVariables(model);
  return {
    backend: tf.getBackend(),
    async step(batch, random) {
      const [cost, acc] = tf.tidy(() => {
        const x = stepInput(batch, input, cfg, preprocessing, random);
        return trainStep(model, optimizer, lossFn, x, tf.tensor1d(batch.y, 'int32'), vars);
      });
      const loss = (await cost.data())[0]!;
      const accuracy = (await acc.data())[0]!;
      tf.dispose([cost, acc]);
      return { loss, accuracy };
    },
    measure: batchMeasure(model, input, preprocessing, lossFn),
    learningRate: () => getLearningRate(optimizer),
    setLearningRate: async (lr) => setLearningRate(optimizer, lr),
    pull: async () => undefined,
    dispose: () => optimizer.dispose(),
  };
}
