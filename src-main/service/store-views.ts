// The model store as the window sees it: the trained models with their state and history, the
// ones Recognize may use, and a model's evaluation with pictures of its worst mistakes.
import type { EvaluationView, ModelView, StoredModelView } from '../contract.ts';
import type { StorageSettings } from '../core/paths.ts';
import { runState, type ModelStore, type StoredModelMeta } from '../core/store/model-store.ts';
import { misclassifiedThumbnails } from './evaluation.ts';

function datasetName(m: StoredModelMeta): string {
  const d = m.dataset as { name?: unknown };
  return typeof d.name === 'string' ? d.name : '';
}

export async function storedModelViews(store: ModelStore): Promise<StoredModelView[]> {
  return (await store.list()).map((m) => ({
    name: m.name,
    network: m.network,
    dataset: datasetName(m),
    classes: m.labels.length,
    ...(runState(m) === 'interrupted' ? { status: 'cancelled' as const, interrupted: true } : { status: m.status }),
    accuracy: m.evaluation?.accuracy,
    epochs: m.history.length,
    bestEpoch: m.bestEpoch,
    history: m.history,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  }));
}

/** The trained models Recognize offers: a live run's checkpoint changes under the recognizer; an interrupted run's best epoch is a model. */
export async function recognizableModels(store: ModelStore): Promise<ModelView[]> {
  return (await store.list())
    .filter((m) => runState(m) !== 'training')
    .map((m): ModelView => ({
      id: m.name,
      name: m.name,
      description: `${m.network} · ${datasetName(m)}`,
      speed: 'fast',
      classes: m.labels.length,
      kind: 'trained',
      inputSize: m.inputSize,
      accuracy: m.evaluation?.accuracy,
    }));
}

/** The stored test-set evaluation, with thumbnails of up to `thumbnails` mistakes (a failure to make them is logged, not thrown). */
export async function evaluationView(
  store: ModelStore, name: string, thumbnails: number, env: StorageSettings & { offline?: boolean }, log: (line: string) => void,
): Promise<EvaluationView | null> {
  const meta = await store.get(name);
  if (!meta.evaluation) return null;
  const view: EvaluationView = { ...meta.evaluation, misclassified: meta.evaluation.misclassified ?? [] };
  if (thumbnails > 0 && view.misclassified.length) {
    try {
      view.misclassified = await misclassifiedThumbnails(meta, view.misclassified, thumbnails, env);
    } catch (err) {
      log(`no thumbnails for ${name}: ${(err as Error).message}`);
    }
  }
  return view;
}
