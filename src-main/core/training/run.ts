// One training run from settings to a stored, evaluated model: the code the training worker
// runs, and that tests may run directly.
import { DARK_BACKGROUND_DATASETS, isBuiltInDataset } from '../../shared/vocabulary.ts';
import { initBackend } from '../backend.ts';
import { ensureTrainable } from '../backends/wasm-training-kernels.ts';
import { loadDataset } from '../datasets/catalog.ts';
import { heldOutNote } from '../datasets/held-out.ts';
import { splitValidation } from '../datasets/types.ts';
import { isNetworkId, NETWORKS } from '../models/classic.ts';
import { summarize } from '../models/summary.ts';
import { ModelStore, type Reservation, type StoredModelMeta } from '../store/model-store.ts';
import { reserveTrainingName } from '../store/run-names.ts';
import { parseRunConfig, type ResumeConfig, type RunConfigInput, type TrainConfig } from './config.ts';
import { evaluate } from './evaluate.ts';
import type { EpochRecord, TrainEvent } from '../../shared/train-events.ts';
import type { SessionLink } from './remote-compute.ts';
import { pageRoute, routedFit } from './routed-fit.ts';
import { makeLoss } from './losses.ts';
import { checkResumeData, loadCheckpointWeights, resumePoint, type ResumePoint } from './resume.ts';
import { logLine, skippedLine } from '../../shared/log-messages.ts';

export interface RunEnvironment {
  cacheDir: string;
  mirrorDir?: string;
  storeDir: string;
  backend?: string;
  offline?: boolean;
  /** The model's name, reserved by the caller (the service, before the thread starts); else the run reserves it. */
  reservation?: Reservation;
  /**
   * The compute page's GPU backend the batches compute on (the service sets it while the app
   * computes there), through the link runTraining is given; Node's backend takes over if it fails.
   */
  computeOn?: 'webgl' | 'webgpu';
}

/** A new run, or (`{ resume: name }`) a stored one continued from its best checkpoint under the same name. */
export async function runTraining(
  input: RunConfigInput,
  env: RunEnvironment,
  emit: (e: TrainEvent) => void,
  signal?: AbortSignal,
  page?: SessionLink,
): Promise<Extract<TrainEvent, { event: 'done' }>> {
  const parsed = parseRunConfig(input);
  const store = new ModelStore(env.storeDir);
  return store.underReservation(
    env.reservation,
    () => reserveTrainingName(parsed, store),
    (held) => train(parsed, held, store, env, emit, signal, page),
  );
}

async function train(
  parsed: TrainConfig | ResumeConfig,
  held: Reservation,
  store: ModelStore,
  env: RunEnvironment,
  emit: (e: TrainEvent) => void,
  signal?: AbortSignal,
  page?: SessionLink,
): Promise<Extract<TrainEvent, { event: 'done' }>> {
  const resumed: ResumePoint | undefined = 'resume' in parsed ? await resumePoint(parsed, store) : undefined;
  const cfg: TrainConfig = resumed ? resumed.cfg : (parsed as TrainConfig);
  if (!isNetworkId(cfg.network)) throw new Error(`Unknown network "${cfg.network}". Choose one of ${Object.keys(NETWORKS).join(', ')}.`);
  const report = await initBackend(env.backend);
  await ensureTrainable();
  const network = NETWORKS[cfg.network];
  const builtIn = isBuiltInDataset(cfg.dataset);
  const [h, w, c] = network.inputShape;
  const splits = await loadDataset(cfg.dataset, {
    cacheDir: env.cacheDir,
    mirrorDir: env.mirrorDir,
    offline: env.offline,
    limit: cfg.limit,
    testLimit: cfg.testLimit,
    imageSize: [h, w],
    channels: c as 1 | 3,
    onProgress: (stage, done, total) => emit({ event: 'dataset', stage, done, total }),
  });
  for (const s of splits.train.skipped) emit({ event: 'log', ...skippedLine(s) });
  let { train, validation } = splits;
  if (!validation && cfg.validationSplit > 0) {
    ({ train, validation } = splitValidation(train, cfg.validationSplit, builtIn ? undefined : cfg.seed));
  }
  const test = splits.test;
  if (test?.description.subset === 'held-out') emit({ event: 'log', ...heldOutNote(test.size, cfg.dataset) });
  const classNames = train.classNames;
  if (classNames.length < 2) throw new Error(`The dataset ${cfg.dataset} has ${classNames.length} class; training needs at least 2.`);

  if (resumed) checkResumeData(resumed.meta, classNames, train.imageShape);

  const model = network.build({ inputShape: train.imageShape, classes: classNames.length, dropout: cfg.dropout });
  const name = held.name;
  const now = new Date().toISOString();
  const meta: StoredModelMeta = {
    name,
    network: cfg.network,
    labels: classNames,
    inputSize: [train.imageShape[0], train.imageShape[1]],
    channels: train.imageShape[2] as 1 | 3,
    preprocessing: 'scale01',
    resize: train.imageShape[0] <= 64 ? 'area' : 'bilinear',
    fit: 'squash',
    invertLightBackground: (DARK_BACKGROUND_DATASETS as readonly string[]).includes(cfg.dataset),
    dataset: { ...train.description, train: train.size, validation: validation?.size ?? 0, test: test?.size ?? 0 },
    history: [],
    status: 'training',
    config: cfg,
    createdAt: resumed?.meta.createdAt ?? now,
    updatedAt: now,
  };
  const stepsPerEpoch = Math.ceil(train.size / cfg.batchSize);
  emit({
    event: 'start',
    network: cfg.network,
    dataset: cfg.dataset,
    backend: (page && env.computeOn) || report.backend,
    train: train.size,
    validation: validation?.size ?? 0,
    test: test?.size ?? 0,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    stepsPerEpoch,
    summary: summarize(model),
    classNames,
    ...(resumed ? { before: resumed.history } : {}),
  });

  // Set once the stored model is this run's: a run that fails then must not leave it 'training'
  // while this process lives (the app's), which would hide it and refuse its resume.
  let owned = false;
  try {
    if (resumed) {
      await loadCheckpointWeights(model, store.folderOf(name), name);
      // From here the stored model is this run's: a second resume is refused, a crash shows.
      await store.updateMeta(held, { status: 'training' });
      owned = true;
      emit({ event: 'log', ...logLine('resuming', { name, best: resumed.bestEpoch, from: resumed.bestEpoch + 1, to: cfg.epochs }) });
    }
    const hooks = {
      emit,
      signal,
      checkpoint: async (m: typeof model, history: EpochRecord[], epoch: number) => {
        await store.save(m, { ...meta, history, bestEpoch: epoch, updatedAt: new Date().toISOString() }, held);
        owned = true;
        return name;
      },
    };
    const start = resumed && { history: resumed.history, bestEpoch: resumed.bestEpoch };
    const result = await routedFit(model, train, validation, cfg, meta.preprocessing, hooks, start, pageRoute(env.computeOn, page), report.backend);
    // A resumed run's checkpoint was there before it; it stays the best unless an epoch beats it.
    const saved = result.checkpoint !== undefined || !!resumed;
    let evaluation;
    if (test && saved && !result.cancelled) {
      evaluation = await evaluate(model, test, meta.preprocessing, makeLoss(cfg.loss), { signal });
      emit({ event: 'evaluation', evaluation });
    }
    if (saved) {
      await store.updateMeta(held, { history: result.history, status: result.cancelled ? 'cancelled' : 'complete', ...(evaluation ? { evaluation } : {}) });
    }
    const done: Extract<TrainEvent, { event: 'done' }> = {
      event: 'done',
      model: saved ? name : undefined,
      cancelled: result.cancelled,
      stoppedEarly: result.stoppedEarly,
      bestEpoch: result.bestEpoch,
      test_accuracy: evaluation?.accuracy,
      test_loss: evaluation?.loss,
      history: result.history,
    };
    emit(done);
    return done;
  } catch (err) {
    if (owned) await store.updateMeta(held, { status: 'cancelled' }).catch(() => undefined);
    throw err;
  } finally {
    model.dispose();
  }
}
