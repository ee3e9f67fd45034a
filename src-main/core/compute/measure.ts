// The figures the chooser ranks backends by (choose.ts), measured by the same engine code on
// whichever backend is active: a MobileNet recognition batch and a training step of the
// Fashion-MNIST course CNN, each timed after a warm-up (the first call compiles shaders or
// kernels), the median of a few. Browser-safe: the compute page and Node both run it.
import * as tf from '@tensorflow/tfjs';
import { fashionCnn } from '../models/classic.ts';
import type { ScoreSpec } from '../models/scores.ts';
import { LossConfig, OptimizerConfig } from '../training/config.ts';
import { recognize, trainSteps } from './engine.ts';

export interface Figures {
  inferenceMs: number;
  trainStepMs: number;
}

export interface MeasureOptions {
  /** Pictures in the MobileNet batch (issue 20 asks for 1 and 8; the chooser uses 8). */
  batch?: number;
  /** Timed repetitions of each, after one warm-up. */
  repeats?: number;
  /** Pictures in the CNN's training batch. */
  trainBatch?: number;
}

/** The middle of a few timings (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Pictures that look like nothing in particular but are the same every time. */
function pictures(n: number, size: number): Uint8Array[] {
  let s = 12345;
  return Array.from({ length: n }, () => Uint8Array.from({ length: size }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % 256));
}

// Plain SGD: the step's cost is the network's, not an optimizer's bookkeeping.
const SGD = OptimizerConfig.parse({ name: 'sgd', learningRate: 0.01 });
const LOSS = LossConfig.parse({ name: 'sparse-categorical-crossentropy' });

/** Times `mobilenet` (built for inference, with its spec) and a fresh Fashion-MNIST CNN on the active backend. */
export async function measureBackend(mobilenet: tf.LayersModel, spec: ScoreSpec, opts: MeasureOptions = {}): Promise<Figures> {
  const { batch = 8, repeats = 3, trainBatch = 32 } = opts;
  const [h, w] = spec.inputSize;
  const photos = pictures(batch, h * w * spec.channels);
  const inference: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const start = performance.now();
    await recognize(mobilenet, spec, photos);
    if (i > 0) inference.push(performance.now() - start);
  }
  const cnn = fashionCnn();
  try {
    const x = pictures(1, trainBatch * 784)[0]!;
    const y = Int32Array.from({ length: trainBatch }, (_, i) => i % 10);
    // trainSteps times each step itself (the read of its loss included); the first is the warm-up.
    const { ms } = await trainSteps(cnn, {
      shape: [28, 28, 1],
      preprocessing: 'scale01',
      optimizer: SGD,
      loss: LOSS,
      batches: Array.from({ length: repeats + 1 }, () => ({ x, y })),
    });
    return { inferenceMs: median(inference), trainStepMs: median(ms.slice(1)) };
  } finally {
    cnn.dispose();
  }
}
