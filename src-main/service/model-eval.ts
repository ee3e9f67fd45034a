// A model (stored, zoo or a path) evaluated on a dataset's test images (or, without a test split,
// its training images), as `eval` in the CLI: accuracy and loss, the per-class figures and the
// confusion matrix (as the app's evaluation view shows them).
import { initBackend } from '../core/backend.ts';
import { ensureTrainable } from '../core/backends/wasm-training-kernels.ts';
import { loadDataset } from '../core/datasets/catalog.ts';
import type { RunEnvironment } from '../core/training/run.ts';
import { evaluate } from '../core/training/evaluate.ts';
import type { Evaluation } from '../shared/train-events.ts';
import { makeLoss } from '../core/training/losses.ts';
import { loadModel } from '../core/zoo/load.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';

export type ModelScore = Pick<Evaluation, 'accuracy' | 'loss' | 'count' | 'classNames' | 'confusion' | 'perClass'>;

/** `fit`: how a folder's photos are fitted to the input; the model's own (what it was trained with) by default. */
export async function evaluateModel(model: string, dataset: string, env: RunEnvironment, testLimit?: number, fit?: PhotoFit): Promise<ModelScore> {
  await initBackend(env.backend);
  await ensureTrainable();
  const { classifier } = await loadModel(model, env);
  try {
    const spec = classifier.spec;
    const splits = await loadDataset(dataset, { ...env, testLimit, imageSize: spec.inputSize, channels: spec.channels, fit: fit ?? spec.fit });
    const ev = await evaluate(classifier.model, splits.test ?? splits.train, spec.preprocessing, makeLoss({ name: 'sparse-categorical-crossentropy' }));
    return { accuracy: ev.accuracy, loss: ev.loss, count: ev.count, classNames: ev.classNames, confusion: ev.confusion, perClass: ev.perClass };
  } finally {
    classifier.dispose();
  }
}
