// How long a fine-tuning run will take, said before it starts: one batch through the backbone's
// bottom (the extraction, once per photo) and one training step of the top and head (every
// epoch), timed on this machine and backend after a warm-up call.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { Split } from './split.ts';
import { logLine, type LogLine } from '../../shared/log-messages.ts';

export interface FineTuneTiming {
  /** Milliseconds a photo through the frozen bottom. */
  extractMs: number;
  /** Milliseconds a photo of a training step (forward, backward, update of the top and head). */
  stepMs: number;
}

async function timed(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const once = async () => {
    const t = performance.now();
    const out = f();
    await Promise.all((Array.isArray(out) ? out : [out]).map((o) => o.data()));
    tf.dispose(out);
    return performance.now() - t;
  };
  await once(); // the first call compiles and allocates
  return once();
}

export async function timeFineTune(split: Split, model: tf.LayersModel, inputSize: [number, number], batch: number): Promise<FineTuneTiming> {
  const probe = Math.max(1, Math.min(batch, 8));
  const image = tf.zeros([probe, inputSize[0], inputSize[1], 3]);
  const acts = tf.randomUniform([batch, split.length], 0, 6, 'float32', 1);
  const classes = model.outputs[0]!.shape[1]!;
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  const vars = model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
  try {
    const extract = await timed(() => split.bottom.predict(image) as tf.Tensor);
    const step = await timed(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(acts, { training: true }) as tf.Tensor) as tf.Scalar, vars);
      return [value, ...Object.values(grads)];
    });
    return { extractMs: extract / probe, stepMs: step / batch };
  } finally {
    tf.dispose([image, acts, y]);
  }
}

const duration = (ms: number) => (ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`);

/** The CLI's and the log's line: the extraction (at most: photos already cached are read) and an epoch. */
export function estimateNote(t: FineTuneTiming, photos: number, train: number, validation: number, backend: string): LogLine {
  // Validation runs the top forward only: about a third of a training step.
  const epoch = t.stepMs * (train + validation / 3);
  return logLine('fine-tuning-estimate', { backend, photos, extract: duration(t.extractMs * photos), epoch: duration(epoch), stepMs: t.stepMs.toFixed(1) });
}
