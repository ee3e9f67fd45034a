// A training run's model work in the compute page, one request per batch: the run itself (fit.ts,
// its loop, callbacks and checkpoints) stays on Node and calls in here through its FitCompute
// (training/remote-compute.ts). The session keeps what must last the whole run: the model, and one
// optimizer whose moments carry from step to step (engine.trainSteps makes a new one each call).
// The step is the Node path's (training/step.ts); a lost GPU is noticed by racing reads with it (gpu-loss.ts).
import * as tf from '@tensorflow/tfjs';
import { preprocessBatch } from '../models/preprocess.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import type { LossConfig, OptimizerConfig } from '../training/config.ts';
import { accuracy, makeLoss, type LossFn } from '../training/losses.ts';
import { makeOptimizer, setLearningRate } from '../training/optimizers.ts';
import { trainableVariables, trainStep } from '../training/step.ts';
import { modelFromFiles, type ModelFiles } from './engine.ts';
import { guarded, read, type LossWatch } from './gpu-loss.ts';

export interface SessionSpec {
  /** The backend the page trains with (it switches to it if it is on another). */
  backend: 'webgl' | 'webgpu';
  /** The model with the weights the run starts from. */
  files: ModelFiles;
  /** h, w, c of an image; a features set's examples are `featureLength` floats instead. */
  shape: [number, number, number];
  featureLength?: number;
  preprocessing: Preprocessing;
  /** Parsed: Adam's and RMSprop's epsilon are explicit there (webgl's own epsilon() is 1e-4). */
  optimizer: OptimizerConfig;
  loss: LossConfig;
}

/**
 * A batch: uint8 HWC pixels, preprocessed here; or the model's input as it is, in floats (a
 * features set, or pixels augmented on Node: augmentation draws from the run's generator there).
 */
export interface SessionBatch {
  x: Uint8Array | Float32Array;
  y: Int32Array;
}

/** What the run asks of its session, one call a request. */
export type SessionCall =
  | { op: 'begin'; spec: SessionSpec }
  | { op: 'step'; batch: SessionBatch }
  | { op: 'measure'; batch: SessionBatch }
  | { op: 'learning-rate'; lr: number }
  | { op: 'weights' }
  | { op: 'end' };

/** What each call answers. */
export interface SessionAnswers {
  begin: { backend: string };
  step: { loss: number; accuracy: number };
  measure: { lossSum: number; correct: number };
  'learning-rate': null;
  weights: Float32Array[];
  end: null;
}

export class TrainSession {
  private readonly vars: tf.Variable[];
  private readonly lossFn: LossFn;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly spec: SessionSpec,
    private readonly watch: LossWatch,
  ) {
    this.vars = trainableVariables(model);
    this.lossFn = makeLoss(spec.loss);
  }

  /** Loads the model for training on the backend in use; `watch` says when that backend's GPU goes. */
  static async begin(spec: SessionSpec, watch: LossWatch, name: string): Promise<TrainSession> {
    const model = await modelFromFiles(spec.files, 'training', name);
    return new TrainSession(model, makeOptimizer(spec.optimizer), spec, watch);
  }

  private input(batch: SessionBatch): tf.Tensor {
    const n = batch.y.length;
    const [h, w, c] = this.spec.shape;
    const per = this.spec.featureLength ?? h * w * c;
    if (batch.x.length !== n * per) throw new Error(`A batch of ${n} labels holds ${batch.x.length} values, expected ${n * per}`);
    if (batch.x instanceof Float32Array) return this.spec.featureLength ? tf.tensor2d(batch.x, [n, per]) : tf.tensor4d(batch.x, [n, h, w, c]);
    const pixels = batch.x;
    const images = Array.from({ length: n }, (_, i) => pixels.subarray(i * per, (i + 1) * per));
    return preprocessBatch(images, h, w, c as 1 | 3, this.spec.preprocessing);
  }

  async step(batch: SessionBatch): Promise<SessionAnswers['step']> {
    const out = guarded(this.watch, () =>
      tf.tidy(() => {
        const [loss, acc] = trainStep(this.model, this.optimizer, this.lossFn, this.input(batch), tf.tensor1d(batch.y, 'int32'), this.vars);
        return tf.stack([loss, acc]);
      }),
    );
    try {
      const [loss, acc] = await read(out, this.watch);
      return { loss: loss!, accuracy: acc! };
    } finally {
      out.dispose();
    }
  }

  /** As Node measures a batch (fit-compute.ts batchMeasure): predict, loss and accuracy times the count. */
  async measure(batch: SessionBatch): Promise<SessionAnswers['measure']> {
    const n = batch.y.length;
    const out = guarded(this.watch, () =>
      tf.tidy(() => {
        const pred = this.model.predict(this.input(batch)) as tf.Tensor2D;
        const y = tf.tensor1d(batch.y, 'int32');
        return tf.stack([this.lossFn(y, pred).mul(n), accuracy(y, pred).mul(n)]);
      }),
    );
    try {
      const [lossSum, correct] = await read(out, this.watch);
      return { lossSum: lossSum!, correct: correct! };
    } finally {
      out.dispose();
    }
  }

  setLearningRate(lr: number): null {
    setLearningRate(this.optimizer, lr);
    return null;
  }

  /** Copies of the weights in model.getWeights() order, off the GPU (the reply transfers them). */
  async weights(): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const w of this.model.getWeights()) out.push(await read(w, this.watch));
    return out;
  }

  dispose(): void {
    // After a lost GPU its tensors cannot be freed either; the page forgets them all the same.
    try {
      this.optimizer.dispose();
      this.model.dispose();
    } catch {
      /* the context is gone */
    }
  }
}
