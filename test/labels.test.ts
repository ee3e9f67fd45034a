import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClassIndex, readClassIndex, topK } from '../src-main/core/labels.ts';
import { mirrorDir } from './helpers/shared.ts';

describe('ImageNet labels', () => {
  it('reads the Keras class index in order', async () => {
    const labels = await readClassIndex(path.join(mirrorDir, 'imagenet_class_index.json'));
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toEqual({ id: 'n01440764', label: 'tench' });
    expect(labels[386]).toEqual({ id: 'n02504458', label: 'African_elephant' });
    expect(labels[999]!.id).toBe('n15075141');
  });

  it('rejects a malformed index with the source named', () => {
    expect(() => parseClassIndex([1, 2], 'x.json')).toThrow(/x\.json/);
    expect(() => parseClassIndex({ '0': ['n1'] }, 'y.json')).toThrow(/y\.json.*"0"/);
    expect(() => parseClassIndex({ '5': ['n1', 'a'] }, 'z.json')).toThrow(/"5"/);
  });
});

describe('topK like decode_predictions', () => {
  const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((l, i) => ({ id: `n${i}`, label: l }));

  it('returns the k most probable with index, id, label and probability, highest first', () => {
    const probs = Float32Array.from([0.05, 0.4, 0.1, 0.2, 0.05, 0.15, 0.05]);
    const top = topK(probs, labels, 5);
    expect(top.map((p) => p.index)).toEqual([1, 3, 5, 2, 0]);
    expect(top[0]).toEqual({ index: 1, id: 'n1', label: 'b', probability: probs[1] });
  });

  it('breaks ties by the lower index and clamps k', () => {
    const probs = [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1];
    expect(topK(probs, labels, 4).map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(topK(probs, labels, 50)).toHaveLength(7);
    expect(topK(probs, labels, 0)).toHaveLength(0);
  });

  it('refuses scores that do not match the labels', () => {
    expect(() => topK([0.5, 0.5], labels)).toThrow(/2 scores but there are 7 labels/);
  });
});
