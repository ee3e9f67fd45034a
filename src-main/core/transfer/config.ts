// What a transfer-learning run can be told, checked before anything starts.
import { z } from 'zod';
import { OptimizerConfig, parseSettings } from '../training/config.ts';
import { BACKBONES } from './backbone.ts';
import { PHOTO_FITS } from '../../shared/vocabulary.ts';

/** Measured on CIFAR-10 (BENCHMARKS.md, issue 16). */
export const FINE_TUNE_DEFAULTS = { epochs: 5, learningRate: 1e-4, flip: false };

export const TransferConfig = z.strictObject({
  /** A folder of class sub-folders, or of train/ and test/ (and validation/) each holding them. */
  dataset: z.string().min(1).max(4096),
  backbone: z.enum(BACKBONES).default('mobilenet'),
  /** How photos are fitted to the backbone's input; absent: the zoo model's own ('crop'). Stored with the model. */
  fit: z.enum(PHOTO_FITS).optional(),
  /** Absent: chosen from the training set's size (defaults.ts). */
  epochs: z.number().int().min(1).max(10_000).optional(),
  batchSize: z.number().int().min(1).max(4096).optional(),
  optimizer: OptimizerConfig.default({ name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
  validationSplit: z.number().min(0).lt(1).default(0.2),
  /** Training images per class (seeded choice); all when absent. */
  limitPerClass: z.number().int().positive().optional(),
  testLimitPerClass: z.number().int().positive().optional(),
  /** The classic course head: Dense(units, relu) - Dropout(dropout) - Dense(classes, softmax). */
  units: z.number().int().min(1).max(16_384).default(1024),
  dropout: z.number().min(0).lt(1).default(0.75),
  earlyStopping: z.strictObject({ patience: z.number().int().min(0).default(3) }).optional(),
  /**
   * After the head: unfreeze the backbone's last `layers` layers with weights (absent: split.ts's
   * DEFAULT_UNFROZEN) and train them with the head, from activations cached where the backbone is split.
   */
  fineTune: z
    .strictObject({
      epochs: z.number().int().min(1).max(10_000).default(FINE_TUNE_DEFAULTS.epochs),
      learningRate: z.number().positive().default(FINE_TUNE_DEFAULTS.learningRate),
      layers: z.number().int().min(1).max(1000).optional(),
      /** Also cache the activations of each training photo turned left to right, and train on either at random. */
      flip: z.boolean().default(FINE_TUNE_DEFAULTS.flip),
    })
    .optional(),
  seed: z.number().int().default(1337),
  out: z.string().min(1).max(128).optional(),
  /** Replace a stored model called `out`; without it, an existing name is refused. */
  overwrite: z.boolean().default(false),
});
export type TransferConfig = z.infer<typeof TransferConfig>;
export type TransferConfigInput = z.input<typeof TransferConfig>;

export function parseTransferConfig(input: unknown): TransferConfig {
  return parseSettings(TransferConfig, input, 'transfer');
}
