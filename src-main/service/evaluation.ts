// Pictures of a trained model's worst test-set mistakes. The evaluation stored with the model
// names them by test-set index; the set is loaded again (same limit, same order) to show them.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { EvaluationView } from '../contract.ts';
import { datasetPlaces, findDataset, loadDataset } from '../core/datasets/catalog.ts';
import { isImageFile } from '../core/datasets/folder.ts';
import { isWithin } from '../core/folder-entries.ts';
import type { StoredModelMeta } from '../core/store/model-store.ts';
import { pixelsToDataUrl, thumbnail } from './images.ts';
import { CodedError } from '../shared/errors.ts';

type Mistake = EvaluationView['misclassified'][number];
type Env = { cacheDir: string; mirrorDir?: string; offline?: boolean };

/** Where the model's training photos may be: its dataset folder, or the places of a built-in dataset. */
function datasetRoots(meta: StoredModelMeta, env: Env): string[] {
  const dataset = (meta.config as { dataset?: unknown } | undefined)?.dataset;
  if (typeof dataset !== 'string' || !dataset) return [];
  if (findDataset(dataset)) {
    const places = datasetPlaces(dataset, env.cacheDir, env.mirrorDir);
    return [places.cache, ...places.mirrors];
  }
  // The folder as resolved when the model was trained (the config may hold a relative path).
  const source = meta.dataset?.format === 'folder' && typeof meta.dataset.source === 'string' ? [meta.dataset.source] : [];
  return [...new Set([path.resolve(dataset), ...source])];
}

/**
 * Refuses a photo the metadata names unless it is an image inside the dataset the model was
 * trained on: metadata can be edited, and a thumbnail must not open any file it names.
 */
async function checkTrainingPhoto(file: string, roots: string[], model: string): Promise<void> {
  const real = await realpath(file).catch(() => undefined);
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => undefined)));
  if (!isImageFile(path.basename(file)) || !real || !realRoots.some((r) => r !== undefined && isWithin(r, real))) {
    const where = roots.length ? `the dataset folder ${roots[0]}` : 'a dataset folder';
    throw new CodedError(
      'evaluation-photo-outside',
      `the evaluation of ${model} names ${file}, which is not an image in ${where} the model was trained on; no thumbnails are made.`,
      { name: model, file: path.basename(file) },
    );
  }
}

export async function misclassifiedThumbnails(meta: StoredModelMeta, mistakes: Mistake[], max: number, env: Env): Promise<Mistake[]> {
  const shown = mistakes.slice(0, max);
  const rest = mistakes.slice(max);
  if (shown.every((m) => m.file)) {
    const roots = datasetRoots(meta, env);
    for (const m of shown) await checkTrainingPhoto(m.file!, roots, meta.name);
    return [...(await Promise.all(shown.map(async (m) => ({ ...m, thumbnail: await thumbnail(m.file!, 96) })))), ...rest];
  }
  const config = (meta.config ?? {}) as { dataset?: string; testLimit?: number };
  if (!config.dataset) throw new CodedError('model-no-dataset', 'the model does not say which dataset it was trained on', { name: meta.name });
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
  if (!test) throw new CodedError('dataset-no-test-set', `${config.dataset} has no test set`, { dataset: path.basename(config.dataset) });
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
