// Test-set evaluation: loss, accuracy, confusion matrix, per-class precision and recall, the
// misclassified examples, most confident first, and the most confident right answers of each
// class (what a diagonal cell of the confusion matrix shows). `predictionMistakes` lists what a
// model gets wrong on any set (its own training pictures, to catch mislabelled ones).
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import type { Evaluation, Misclassified } from '../../shared/train-events.ts';
import { batchTensor } from './fit.ts';
import type { LossFn } from './losses.ts';

const MAX_MISCLASSIFIED = 200;
/** Right answers kept per class: up to 24, fewer when there are many classes (at most 1,200 in all). */
export function correctPerClass(classes: number): number {
  return Math.max(3, Math.min(24, Math.floor(1200 / Math.max(1, classes))));
}
/** Training pictures the model gets wrong, kept with the evaluation. */
export const MAX_TRAINING_MISTAKES = 50;

type EvalOptions = { batchSize?: number; signal?: AbortSignal; files?: (index: number) => string | undefined };

/** The most confident first; equal confidences by index, so the order is the same every run. */
export const byConfidence = (a: Misclassified, b: Misclassified) => b.confidence - a.confidence || a.index - b.index;

/**
 * Runs the model over the whole set in batches; `each` sees every example's index, true label and
 * row of probabilities (valid only during the call). Returns the summed loss when a loss is given.
 */
async function predictAll(
  model: tf.LayersModel,
  set: ImageSet,
  preprocessing: Preprocessing,
  opts: EvalOptions,
  loss: LossFn | undefined,
  each: (index: number, truth: number, row: Float32Array) => void,
): Promise<{ lossSum: number; count: number }> {
  const k = set.classNames.length;
  const batchSize = opts.batchSize ?? 256;
  let lossSum = 0;
  let count = 0;
  for (let start = 0; start < set.size && !opts.signal?.aborted; start += batchSize) {
    const batch = await set.read(Array.from({ length: Math.min(batchSize, set.size - start) }, (_, i) => start + i));
    const n = batch.indices.length;
    if (!n) continue;
    const [probsT, lossT] = tf.tidy(() => {
      const p = model.predict(batchTensor(batch.x, n, set, preprocessing)) as tf.Tensor2D;
      return [p, loss ? loss(tf.tensor1d(batch.y, 'int32'), p) : undefined];
    });
    const probs = (await probsT.data()) as Float32Array;
    if (lossT) lossSum += (await lossT.data())[0]! * n;
    tf.dispose(lossT ? [probsT, lossT] : [probsT]);
    for (let i = 0; i < n; i++) each(batch.indices[i]!, batch.y[i]!, probs.subarray(i * k, (i + 1) * k));
    count += n;
  }
  return { lossSum, count };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

export async function evaluate(model: tf.LayersModel, set: ImageSet, preprocessing: Preprocessing, loss: LossFn, opts: EvalOptions = {}): Promise<Evaluation> {
  const k = set.classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const mistakes: Misclassified[] = [];
  const right: Misclassified[][] = Array.from({ length: k }, () => []);
  const { lossSum, count } = await predictAll(model, set, preprocessing, opts, loss, (index, truth, row) => {
    const predicted = argmax(row);
    confusion[truth]![predicted]!++;
    const m = { index, file: opts.files?.(index), trueLabel: truth, predicted, confidence: row[predicted]! };
    (predicted === truth ? right[truth]! : mistakes).push(m);
  });
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  const perClass = set.classNames.map((className, c) => {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((s, row) => s + row[c]!, 0);
    return { className, precision: predictedAs ? confusion[c]![c]! / predictedAs : 0, recall: support ? confusion[c]![c]! / support : 0, support };
  });
  mistakes.sort(byConfidence);
  const keep = correctPerClass(k);
  return {
    loss: count ? lossSum / count : NaN,
    accuracy: count ? correct / count : NaN,
    count,
    classNames: set.classNames,
    confusion,
    perClass,
    misclassified: mistakes.slice(0, MAX_MISCLASSIFIED),
    correct: right.flatMap((list) => list.sort(byConfidence).slice(0, keep)),
  };
}

/** What the model gets wrong on a set (no loss, no matrix), most confident first, at most `max`. */
export async function predictionMistakes(model: tf.LayersModel, set: ImageSet, preprocessing: Preprocessing, opts: EvalOptions & { max?: number } = {}): Promise<Misclassified[]> {
  const mistakes: Misclassified[] = [];
  await predictAll(model, set, preprocessing, opts, undefined, (index, truth, row) => {
    const predicted = argmax(row);
    if (predicted !== truth) mistakes.push({ index, file: opts.files?.(index), trueLabel: truth, predicted, confidence: row[predicted]! });
  });
  return mistakes.sort(byConfidence).slice(0, opts.max ?? MAX_TRAINING_MISTAKES);
}
