// Pictures of a trained model's worst test-set mistakes. The evaluation stored with the model
// names them by test-set index; the set is loaded again (same limit, same order) to show them.
import type { EvaluationView } from '../contract.ts';
import { loadDataset } from '../core/datasets/catalog.ts';
import type { StoredModelMeta } from '../core/store/model-store.ts';
import { pixelsToDataUrl, thumbnail } from './images.ts';

type Mistake = EvaluationView['misclassified'][number];

export async function misclassifiedThumbnails(
  meta: StoredModelMeta,
  mistakes: Mistake[],
  max: number,
  env: { cacheDir: string; mirrorDir?: string; offline?: boolean },
): Promise<Mistake[]> {
  const shown = mistakes.slice(0, max);
  const rest = mistakes.slice(max);
  if (shown.every((m) => m.file)) {
    return [...(await Promise.all(shown.map(async (m) => ({ ...m, thumbnail: await thumbnail(m.file!, 96) })))), ...rest];
  }
  const config = (meta.config ?? {}) as { dataset?: string; testLimit?: number };
  if (!config.dataset) throw new Error('the model does not say which dataset it was trained on');
  const splits = await loadDataset(config.dataset, {
    cacheDir: env.cacheDir,
    mirrorDir: env.mirrorDir,
    offline: env.offline,
    // Only the test set is wanted; a tiny training subset keeps the load short.
    limit: 1,
    testLimit: config.testLimit,
    imageSize: meta.inputSize,
    channels: meta.channels,
  });
  const test = splits.test;
  if (!test) throw new Error(`${config.dataset} has no test set`);
  const [h, w, c] = test.imageShape;
  const px = h * w * c;
  const batch = await test.read(shown.map((m) => m.index));
  const scale = Math.max(1, Math.round(64 / w));
  const pictures = new Map<number, string>();
  for (let k = 0; k < batch.indices.length; k++) {
    pictures.set(batch.indices[k]!, await pixelsToDataUrl(batch.x.subarray(k * px, (k + 1) * px), w, h, c as 1 | 3, scale));
  }
  return [...shown.map((m) => ({ ...m, thumbnail: pictures.get(m.index) })), ...rest];
}
