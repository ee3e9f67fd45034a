// The model store as the window sees it: the trained models with their state and history, the
// ones Recognize may use, and a model's evaluation with pictures of its worst mistakes.
import type { EvaluationView, ModelView, StoredModelView } from '../contract.ts';
import type { StorageSettings } from '../core/paths.ts';
import { runState, type ModelStore, type StoredModelMeta } from '../core/store/model-store.ts';
import { misclassifiedThumbnails } from './evaluation.ts';
import { logFailure, type LogLine } from '../shared/log-messages.ts';

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

/**
 * The stored test-set evaluation, with thumbnails of up to `thumbnails` mistakes, of the right
 * answers of each class (up to `thumbnails` in all, shared among the classes) and of up to
 * `thumbnails` training pictures the model gets wrong. A failure to make them is logged, not thrown.
 */
export async function evaluationView(
  store: ModelStore,
  name: string,
  thumbnails: number,
  env: StorageSettings & { offline?: boolean },
  log: (line: LogLine) => void,
): Promise<EvaluationView | null> {
  const meta = await store.get(name);
  if (!meta.evaluation) return null;
  const view: EvaluationView = { ...meta.evaluation, misclassified: meta.evaluation.misclassified ?? [] };
  if (thumbnails <= 0) return view;
  // Test pictures (mistakes and right answers) in one go: a built-in dataset is loaded once for both.
  const mistakes = view.misclassified.slice(0, thumbnails);
  const correct = correctToShow(view.correct ?? [], view.classNames.length, thumbnails);
  if (mistakes.length || correct.length) {
    try {
      const pictures = await misclassifiedThumbnails(meta, [...mistakes, ...correct], mistakes.length + correct.length, env);
      view.misclassified = [...pictures.slice(0, mistakes.length), ...view.misclassified.slice(mistakes.length)];
      if (view.correct) view.correct = pictures.slice(mistakes.length);
    } catch (err) {
      log(logFailure('no-thumbnails', { name }, err));
    }
  }
  // Training pictures are named by file only (an index would be into the training set, not the test set).
  const training = (view.trainingMistakes ?? []).filter((m) => m.file).slice(0, thumbnails);
  if (training.length) {
    try {
      view.trainingMistakes = await misclassifiedThumbnails(meta, training, training.length, env);
    } catch (err) {
      log(logFailure('no-training-thumbnails', { name }, err));
    }
  }
  return view;
}

/** The first right answers of each class, as many per class as `max` in all allows (at least 2, at most 24). */
function correctToShow(correct: NonNullable<EvaluationView['correct']>, classes: number, max: number): NonNullable<EvaluationView['correct']> {
  const perClass = Math.max(2, Math.min(24, Math.floor(max / Math.max(1, classes))));
  const seen = new Map<number, number>();
  return correct.filter((m) => {
    const n = seen.get(m.trueLabel) ?? 0;
    seen.set(m.trueLabel, n + 1);
    return n < perClass;
  });
}
