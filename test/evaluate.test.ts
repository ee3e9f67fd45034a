// The test-set evaluation keeps, beside the mistakes, the most confident right answers of each
// class (what a diagonal cell of the confusion matrix shows), and `predictionMistakes` lists what
// a model gets wrong on its own training pictures, most confident first. A softmax over the
// features themselves stands in for a trained head, so every confidence is known in advance.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageSet } from '../src-main/core/datasets/types.ts';
import { correctPerClass, evaluate, predictionMistakes } from '../src-main/core/training/evaluate.ts';
import { makeLoss } from '../src-main/core/training/losses.ts';

/** A set of "features" that are the logits: example i of class labels[i] has logits rows[i]. */
function logitSet(rows: number[][], labels: number[], classNames: string[]): ImageSet {
  const k = classNames.length;
  const x = Float32Array.from(rows.flat());
  const y = Int32Array.from(labels);
  return {
    size: labels.length,
    imageShape: [1, 1, k],
    featureLength: k,
    classNames,
    labels: y,
    skipped: [],
    description: { name: 'logits', source: 'memory', format: 'features' },
    file: (i) => `/data/${classNames[labels[i]!]}/${i}.jpg`,
    async read(indices) {
      const out = new Float32Array(indices.length * k);
      indices.forEach((i, n) => out.set(x.subarray(i * k, (i + 1) * k), n * k));
      return { x: new Uint8Array(out.buffer), y: Int32Array.from(indices, (i) => y[i]!), indices: [...indices] };
    },
  };
}

/** softmax(x · I): the probabilities are the softmax of the features. */
function softmaxModel(k: number): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: k, inputShape: [k], useBias: false, activation: 'softmax', kernelInitializer: 'zeros' })] });
  model.layers[0]!.setWeights([tf.eye(k)]);
  return model;
}

const softmax = (row: number[]) => {
  const e = row.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluate: right answers of each class for the diagonal cells', () => {
  it('keeps the most confident right answers per class, capped, with their files; mistakes as before', async () => {
    const rows: number[][] = [];
    const labels: number[] = [];
    // Class 0: 30 right answers of rising confidence (logit 1 + i/10) and 2 mistakes called "b".
    for (let i = 0; i < 30; i++) {
      rows.push([1 + i / 10, 0, 0]);
      labels.push(0);
    }
    rows.push([0, 3, 0], [0, 1, 0]);
    labels.push(0, 0);
    // Class 1: 2 right; class 2: none right (1 mistake called "a").
    rows.push([0, 2, 0], [0, 4, 0]);
    labels.push(1, 1);
    rows.push([5, 0, 0]);
    labels.push(2);
    const set = logitSet(rows, labels, ['a', 'b', 'c']);
    const e = await evaluate(softmaxModel(3), set, 'none', makeLoss({ name: 'sparse-categorical-crossentropy' }), { files: (i) => set.file?.(i), batchSize: 8 });

    expect(e.count).toBe(35);
    expect(e.confusion).toEqual([
      [30, 2, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    expect(e.accuracy).toBeCloseTo(32 / 35, 6);
    // Mistakes: most confident first (the "c" called "a" with logit 5, then the two "a"s called "b").
    expect(e.misclassified.map((m) => m.index)).toEqual([34, 30, 31]);
    expect(e.misclassified[0]).toMatchObject({ trueLabel: 2, predicted: 0, file: '/data/c/34.jpg' });
    expect(e.misclassified[0]!.confidence).toBeCloseTo(softmax([5, 0, 0])[0]!, 5);

    const correct = e.correct!;
    // Class 0 keeps its 24 most confident (indices 29 down to 6), class 1 both, class 2 none.
    const ofClass = (c: number) => correct.filter((m) => m.trueLabel === c);
    expect(ofClass(0).map((m) => m.index)).toEqual(Array.from({ length: 24 }, (_, i) => 29 - i));
    expect(ofClass(1).map((m) => m.index)).toEqual([33, 32]);
    expect(ofClass(2)).toEqual([]);
    for (const m of correct) {
      expect(m.predicted).toBe(m.trueLabel);
      expect(m.file).toBe(`/data/${['a', 'b', 'c'][m.trueLabel]}/${m.index}.jpg`);
    }
    expect(ofClass(0)[0]!.confidence).toBeCloseTo(softmax([3.9, 0, 0])[0]!, 5);
  });

  it('keeps fewer right answers per class when there are many classes', () => {
    expect(correctPerClass(2)).toBe(24);
    expect(correctPerClass(10)).toBe(24);
    expect(correctPerClass(100)).toBe(12);
    expect(correctPerClass(1000)).toBe(3);
  });
});

describe('predictionMistakes: the training pictures a model gets wrong', () => {
  it('lists only the wrong ones, most confident first, at most `max`, named by file', async () => {
    const rows = [
      [2, 0],
      [0, 1],
      [0, 3],
      [0, 2],
      [1, 0],
      [4, 0],
      [0, 0.5],
    ];
    const labels = [0, 0, 0, 0, 1, 1, 1];
    const set = logitSet(rows, labels, ['dog', 'bird']);
    const model = softmaxModel(2);
    const all = await predictionMistakes(model, set, 'none', { files: (i) => set.file?.(i), batchSize: 3 });
    // Wrong: 1 (dog called bird, logit 1), 2 (3), 3 (2), 4 (bird called dog, 1), 5 (4).
    expect(all.map((m) => m.index)).toEqual([5, 2, 3, 1, 4]);
    expect(all[0]).toMatchObject({ trueLabel: 1, predicted: 0, file: '/data/bird/5.jpg' });
    expect(all.map((m) => m.confidence)).toEqual([...all.map((m) => m.confidence)].sort((a, b) => b - a));
    expect((await predictionMistakes(model, set, 'none', { max: 2 })).map((m) => m.index)).toEqual([5, 2]);
  });

  it('is empty for a model that gets everything right', async () => {
    const set = logitSet(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 1],
      ['dog', 'bird'],
    );
    expect(await predictionMistakes(softmaxModel(2), set, 'none')).toEqual([]);
  });
});
