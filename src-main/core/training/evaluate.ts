// Test-set evaluation: loss, accuracy, confusion matrix, per-class precision and recall, and
// the misclassified examples, most confident first.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import type { Evaluation } from '../../shared/train-events.ts';
import { batchTensor } from './fit.ts';
import type { LossFn } from './losses.ts';

const MAX_MISCLASSIFIED = 200;

export async function evaluate(model: tf.LayersModel, set: ImageSet, preprocessing: Preprocessing, loss: LossFn, opts: { batchSize?: number; signal?: AbortSignal; files?: (index: number) => string | undefined } = {}): Promise<Evaluation> {
  const k = set.classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const mistakes: Evaluation['misclassified'] = [];
  const batchSize = opts.batchSize ?? 256;
  let lossSum = 0;
  let count = 0;
  for (let start = 0; start < set.size && !opts.signal?.aborted; start += batchSize) {
    const batch = await set.read(Array.from({ length: Math.min(batchSize, set.size - start) }, (_, i) => start + i));
    const n = batch.indices.length;
    if (!n) continue;
    const [probsT, lossT] = tf.tidy(() => {
      const p = model.predict(batchTensor(batch.x, n, set, preprocessing)) as tf.Tensor2D;
      return [p, loss(tf.tensor1d(batch.y, 'int32'), p)];
    });
    const probs = (await probsT.data()) as Float32Array;
    lossSum += (await lossT.data())[0]! * n;
    tf.dispose([probsT, lossT]);
    for (let i = 0; i < n; i++) {
      const row = probs.subarray(i * k, (i + 1) * k);
      let predicted = 0;
      for (let c = 1; c < k; c++) if (row[c]! > row[predicted]!) predicted = c;
      const truth = batch.y[i]!;
      confusion[truth]![predicted]!++;
      if (predicted !== truth) {
        const index = batch.indices[i]!;
        mistakes.push({ index, file: opts.files?.(index), trueLabel: truth, predicted, confidence: row[predicted]! });
      }
    }
    count += n;
  }
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  const perClass = set.classNames.map((className, c) => {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((s, row) => s + row[c]!, 0);
    return { className, precision: predictedAs ? confusion[c]![c]! / predictedAs : 0, recall: support ? confusion[c]![c]! / support : 0, support };
  });
  mistakes.sort((a, b) => b.confidence - a.confidence);
  return {
    loss: count ? lossSum / count : NaN,
    accuracy: count ? correct / count : NaN,
    count,
    classNames: set.classNames,
    confusion,
    perClass,
    misclassified: mistakes.slice(0, MAX_MISCLASSIFIED),
  };
}
