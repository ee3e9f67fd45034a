// What a training run tells its caller, as it happens: plain data that crosses threads and IPC,
// typed once here for the core, the service and the renderer (dependency-free on purpose).
import type { LogLine } from './log-messages.ts';

export interface LayerSummary {
  name: string;
  type: string;
  outputShape: string;
  params: number;
}

export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
}

/** A picture and what the model said of it (a mistake, or a right answer); the app adds a thumbnail of it. */
export interface Misclassified {
  index: number;
  file?: string;
  trueLabel: number;
  predicted: number;
  confidence: number;
  thumbnail?: string;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  lr: number;
  seconds: number;
  /** The backend the epoch's steps computed on: said by runs routed to the compute page (webgl, webgpu, or Node's after a fallback). */
  backend?: string;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  classNames: string[];
  /** confusion[true][predicted] */
  confusion: number[][];
  perClass: { className: string; precision: number; recall: number; support: number }[];
  /** The most confident mistakes first. */
  misclassified: Misclassified[];
  /** Right answers, a few of each class, most confident first within the class (what a diagonal cell shows). Older models have none. */
  correct?: Misclassified[];
  /**
   * Pictures of the training set the trained model gets wrong, most confident first: often
   * mislabelled ones. `index` is the training-set index. Transfer runs only.
   */
  trainingMistakes?: Misclassified[];
}

export type TrainEvent =
  | {
      event: 'start';
      network: string;
      dataset: string;
      backend: string;
      train: number;
      validation: number;
      test: number;
      epochs: number;
      batchSize: number;
      stepsPerEpoch: number;
      summary: ModelSummary;
      classNames: string[];
      /** A resumed run: the epochs it continues from (the charts draw them before the new ones). */
      before?: EpochRecord[];
    }
  | { event: 'dataset'; stage: string; done: number; total: number }
  | { event: 'batch'; epoch: number; step: number; steps: number; loss: number; accuracy: number; samplesPerSec: number; etaEpoch: number; etaRun: number }
  | ({ event: 'epoch' } & EpochRecord)
  | { event: 'checkpoint'; epoch: number; monitor: string; value: number; model: string }
  | { event: 'lr'; epoch: number; lr: number }
  | { event: 'early-stop'; epoch: number; bestEpoch: number }
  | { event: 'evaluation'; evaluation: Evaluation }
  | ({ event: 'log' } & LogLine)
  | { event: 'done'; model?: string; cancelled: boolean; stoppedEarly: boolean; bestEpoch?: number; test_accuracy?: number; test_loss?: number; history: EpochRecord[] };
