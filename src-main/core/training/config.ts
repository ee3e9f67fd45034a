// What a training run can be told, with Keras's defaults, checked before anything starts.
import { z } from 'zod';
import { TRAINING_DEFAULTS } from '../../shared/vocabulary.ts';

export const OptimizerConfig = z.discriminatedUnion('name', [
  z.strictObject({
    name: z.literal('sgd'),
    learningRate: z.number().positive().default(0.01),
    momentum: z.number().min(0).max(1).default(0),
    nesterov: z.boolean().default(false),
  }),
  z.strictObject({
    name: z.literal('adam'),
    learningRate: z.number().positive().default(0.001),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-7),
  }),
  z.strictObject({
    name: z.literal('rmsprop'),
    learningRate: z.number().positive().default(0.001),
    rho: z.number().min(0).lt(1).default(0.9),
    momentum: z.number().min(0).max(1).default(0),
    epsilon: z.number().positive().default(1e-7),
  }),
  z.strictObject({ name: z.literal('adagrad'), learningRate: z.number().positive().default(0.001), initialAccumulatorValue: z.number().positive().default(0.1) }),
]);
export type OptimizerConfig = z.infer<typeof OptimizerConfig>;

export const LossConfig = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('sparse-categorical-crossentropy') }),
  z.strictObject({ name: z.literal('categorical-crossentropy') }),
  z.strictObject({ name: z.literal('focal'), gamma: z.number().min(0).default(2), alpha: z.number().positive().default(0.25) }),
]);
export type LossConfig = z.infer<typeof LossConfig>;

const Monitor = z.enum(['val_loss', 'val_accuracy', 'loss', 'accuracy']);
export type Monitor = z.infer<typeof Monitor>;

export const AugmentConfig = z.strictObject({
  rotationRange: z.number().min(0).max(180).default(0),
  widthShiftRange: z.number().min(0).max(1).default(0),
  heightShiftRange: z.number().min(0).max(1).default(0),
  horizontalFlip: z.boolean().default(false),
  zoomRange: z.number().min(0).max(1).default(0),
});
export type AugmentConfig = z.infer<typeof AugmentConfig>;

export const TrainConfig = z.strictObject({
  dataset: z.string().min(1).max(4096),
  network: z.string().min(1).max(64),
  epochs: z.number().int().min(1).max(10_000).default(TRAINING_DEFAULTS.epochs),
  batchSize: z.number().int().min(1).max(4096).default(TRAINING_DEFAULTS.batchSize),
  optimizer: OptimizerConfig.default({ name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
  loss: LossConfig.default({ name: 'sparse-categorical-crossentropy' }),
  validationSplit: z.number().min(0).lt(1).default(TRAINING_DEFAULTS.validationSplit),
  dropout: z.number().min(0).lt(1).optional(),
  augment: AugmentConfig.optional(),
  earlyStopping: z
    .strictObject({
      monitor: Monitor.default('val_loss'),
      patience: z.number().int().min(0).default(2),
      minDelta: z.number().min(0).default(0),
      restoreBestWeights: z.boolean().default(true),
    })
    .optional(),
  reduceLrOnPlateau: z
    .strictObject({
      monitor: Monitor.default('val_loss'),
      factor: z.number().positive().lt(1).default(0.1),
      patience: z.number().int().min(0).default(10),
      minLr: z.number().min(0).default(0),
      minDelta: z.number().min(0).default(1e-4),
    })
    .optional(),
  /** The checkpoint keeps the best epoch by this measure. */
  checkpointMonitor: Monitor.default('val_loss'),
  limit: z.number().int().positive().optional(),
  testLimit: z.number().int().positive().optional(),
  seed: z.number().int().default(1337),
  /** Name in the model store; a free one is made from the network and dataset when absent. */
  out: z.string().min(1).max(128).optional(),
  /** Replace a stored model called `out`; without it, an existing name is refused. */
  overwrite: z.boolean().default(false),
});
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/**
 * Continues a stored run from its best checkpoint with the run's own settings; only the number
 * of epochs may change. Dataset and network, when given, must be the run's (a guard against
 * resuming the wrong model).
 */
export const ResumeConfig = z.strictObject({
  resume: z.string().min(1).max(128),
  epochs: z.number().int().min(1).max(10_000).optional(),
  dataset: z.string().min(1).max(4096).optional(),
  network: z.string().min(1).max(64).optional(),
});
export type ResumeConfig = z.infer<typeof ResumeConfig>;
export type ResumeConfigInput = z.input<typeof ResumeConfig>;

/** What a training job is given: new settings, or a stored run to continue. */
export type RunConfigInput = TrainConfigInput | ResumeConfigInput;

export function isResume(input: RunConfigInput): input is ResumeConfigInput {
  return typeof input === 'object' && input !== null && 'resume' in input;
}

/** Checks settings against a schema; the error lists every problem with its field. */
export function parseSettings<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`Invalid ${what} settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function parseTrainConfig(input: unknown): TrainConfig {
  return parseSettings(TrainConfig, input, 'training');
}

export function parseRunConfig(input: RunConfigInput): TrainConfig | ResumeConfig {
  return isResume(input) ? parseSettings(ResumeConfig, input, 'resume') : parseTrainConfig(input);
}
