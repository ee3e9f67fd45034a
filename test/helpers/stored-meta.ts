// A stored model's metadata for tests that save a network of their own: a finished model with
// what the test does not care about filled in, so each test states only what it is about.
import type { StoredModelMeta } from '../../src-main/core/store/model-store.ts';

export function storedMeta(name: string, extra: Partial<StoredModelMeta> = {}): StoredModelMeta {
  const now = new Date().toISOString();
  return {
    name,
    network: 'custom',
    labels: ['a', 'b'],
    inputSize: [1, 1],
    channels: 1,
    preprocessing: 'none',
    resize: 'bilinear',
    invertLightBackground: false,
    dataset: { name: 'none' },
    history: [],
    status: 'complete',
    createdAt: now,
    updatedAt: now,
    ...extra,
  };
}
