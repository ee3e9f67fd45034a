// One transfer-learning run: features from a frozen backbone (cached on disk), a head trained
// over them with the training engine, the backbone and head stored as one model that
// recognizes photos, and optionally a slow fine-tune of the backbone's last layers.
import path from 'node:path';
import { initBackend } from '../backend.ts';
import { ensureTrainable } from '../backends/wasm-training-kernels.ts';
import { classNameFromFolder, listClassFolders, splitFolders } from '../datasets/folder.ts';
import { heldOutNote, holdOutFiles } from '../datasets/held-out.ts';
import { splitValidation, type ImageSet } from '../datasets/types.ts';
import { summarize } from '../models/summary.ts';
import { ModelStore, type Reservation, type StoredModelMeta } from '../store/model-store.ts';
import { reserveTransferName } from '../store/run-names.ts';
import { parseTrainConfig } from '../training/config.ts';
import { evaluate, predictionMistakes } from '../training/evaluate.ts';
import type { TrainEvent } from '../../shared/train-events.ts';
import type { SessionLink } from '../training/remote-compute.ts';
import { pageRoute, routedFit } from '../training/routed-fit.ts';
import { makeLoss } from '../training/losses.ts';
import { mulberry32, shuffled } from '../training/random.ts';
import type { RunEnvironment } from '../training/run.ts';
import { loadBackbone } from './backbone.ts';
import { parseTransferConfig, type TransferConfig, type TransferConfigInput } from './config.ts';
import { chosenNote, sizeAwareSettings } from './defaults.ts';
import { FeatureCache, featureKeyOf } from './feature-cache.ts';
import { extractFeatures, featureSet, type LabelledFiles } from './features.ts';
import { estimateNote } from './estimate.ts';
import { FineTuning } from './fine-tune.ts';
import { transferHead } from './head.ts';
import { recordExtractionSpeed } from './speed.ts';
import { logLine, skippedLine, word } from '../../shared/log-messages.ts';
import { CodedError } from '../../shared/errors.ts';

type Done = Extract<TrainEvent, { event: 'done' }>;

/** At most `limit` files of each class, a seeded choice, in listing order. */
export function perClass(listing: LabelledFiles, limit: number | undefined, seed: number): LabelledFiles {
  if (!limit) return listing;
  const byClass = new Map<number, number[]>();
  listing.labels.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]));
  const random = mulberry32(seed);
  const keep = [...byClass.values()]
    .flatMap((idx) =>
      shuffled(idx.length, random)
        .slice(0, limit)
        .map((k) => idx[k]!),
    )
    .sort((a, b) => a - b);
  return { files: keep.map((i) => listing.files[i]!), labels: Int32Array.from(keep, (i) => listing.labels[i]!) };
}

function stoppedDuringFeatures(split: 'train' | 'validation' | 'test', emit: (e: TrainEvent) => void): Done {
  emit({ event: 'log', ...logLine('features-stopped', { split: word(split) }) });
  const done: Done = { event: 'done', cancelled: true, stoppedEarly: false, history: [] };
  emit(done);
  return done;
}

/**
 * `page`: the way to the compute page, for the head's and the fine-tuning's batches while
 * `env.computeOn` names its backend (as runTraining's); the backbone's features and activations
 * are always extracted on Node, once per photo, into the caches that every later run reads.
 */
export async function runTransfer(input: TransferConfigInput, env: RunEnvironment, emit: (e: TrainEvent) => void, signal?: AbortSignal, page?: SessionLink): Promise<Done> {
  const cfg = parseTransferConfig(input);
  const store = new ModelStore(env.storeDir);
  return store.underReservation(
    env.reservation,
    () => reserveTransferName(cfg, store),
    (held) => transfer(cfg, held, store, env, emit, signal, page),
  );
}

async function transfer(
  cfg: TransferConfig,
  held: Reservation,
  store: ModelStore,
  env: RunEnvironment,
  emit: (e: TrainEvent) => void,
  signal?: AbortSignal,
  page?: SessionLink,
): Promise<Done> {
  const report = await initBackend(env.backend);
  await ensureTrainable();

  const root = path.resolve(cfg.dataset);
  const splits = (await splitFolders(root)) ?? { train: root };
  // Links are followed only inside the dataset (root), whichever split folder holds them.
  const trainListing = await listClassFolders(splits.train!, undefined, undefined, root);
  const classNames = trainListing.folders.map(classNameFromFolder);
  if (new Set(trainListing.labels).size < 2) {
    throw new CodedError('dataset-too-few-classes', `The dataset folder ${splits.train} has fewer than 2 classes with images; training needs at least 2.`, {
      name: path.basename(splits.train!),
    });
  }
  // Without a test/ folder, some of each class is held out, so the model is still evaluated.
  const heldOut = splits.test ? undefined : holdOutFiles(trainListing);
  const testFolder = splits.test ? await listClassFolders(splits.test, trainListing.folders, undefined, root) : undefined;
  const testListing = testFolder ?? heldOut?.test;
  const lists: Record<'train' | 'validation' | 'test', LabelledFiles | undefined> = {
    train: perClass(heldOut?.train ?? trainListing, cfg.limitPerClass, cfg.seed),
    validation: splits.validation ? await listClassFolders(splits.validation, trainListing.folders, undefined, root) : undefined,
    test: testListing && perClass(testListing, cfg.testLimitPerClass, cfg.seed),
  };
  if (heldOut) emit({ event: 'log', ...heldOutNote(lists.test!.files.length, root) });
  for (const s of [...trainListing.skipped, ...(testFolder?.skipped ?? [])]) emit({ event: 'log', ...skippedLine(s) });

  const sources = { cacheDir: env.cacheDir, mirrorDir: env.mirrorDir, offline: env.offline };
  const backbone = await loadBackbone(cfg.backbone, sources, cfg.fit);
  const head = transferHead(backbone.featureLength, classNames.length, cfg);
  const combined = head.attach(backbone.classifier.model.inputs as never, backbone.pooled);
  try {
    const key = featureKeyOf(backbone);
    const cache = new FeatureCache(env.cacheDir, key);
    // Fine-tuning caches the activations where the backbone is split instead, and derives the head's features from them.
    const ft = cfg.fineTune && new FineTuning(backbone, head, key, env.cacheDir, cfg.fineTune, cfg.seed);
    if (ft) {
      emit({ event: 'log', ...ft.describe() });
      const timing = await ft.time(cfg.batchSize ?? 32);
      const count = (l?: LabelledFiles) => l?.files.length ?? 0;
      const fromTrain = lists.validation ? 0 : Math.round(count(lists.train) * cfg.validationSplit);
      // Flipped copies: the training photos once more.
      const photos = count(lists.train) * (ft.settings.flip ? 2 : 1) + count(lists.validation) + count(lists.test);
      emit({ event: 'log', ...estimateNote(timing, photos, count(lists.train) - fromTrain, count(lists.validation) + fromTrain, report.backend) });
    }
    const name0 = path.basename(root);
    const description = { name: name0, source: root, format: 'folder', backbone: backbone.id, features: backbone.featureLength, featureCache: cache.dir };
    const sets: Partial<Record<keyof typeof lists, ImageSet>> = {};
    for (const split of ['train', 'validation', 'test'] as const) {
      const list = lists[split];
      if (!list) continue;
      const t0 = performance.now();
      const stage = ft ? `activations (${split})` : `features (${split})`;
      const opts = { signal, onProgress: (done: number, total: number) => emit({ event: 'dataset', stage, done, total }) };
      const f = await (ft ? ft.extract(list, split, classNames, description, opts) : extractFeatures(list, backbone, cache, opts)).catch((err: unknown) => {
        if (signal?.aborted) return undefined;
        throw err;
      });
      // Stopped here: a stop, not a failure; what was computed so far is in the cache for the next run.
      if (!f) return stoppedDuringFeatures(split, emit);
      // This machine's speed, for the next estimate of a build's time (the dog-breed model's plan).
      if (!ft)
        await recordExtractionSpeed(env.cacheDir, backbone.id, { computed: f.computed, cached: f.cached, seconds: (performance.now() - t0) / 1000, backend: report.backend });
      const counts = { split: word(split), count: f.labels.length, computed: f.computed, backbone: backbone.id, cached: f.cached };
      emit({ event: 'log', ...(ft ? logLine('activations-done', { ...counts, layer: ft.split.layer }) : logLine('features-done', counts)) });
      const m = (f as { flipped?: { computed: number; cached: number } }).flipped;
      if (m) emit({ event: 'log', ...logLine('flipped-done', { split: word(split), computed: m.computed, cached: m.cached }) });
      for (const s of f.skipped) emit({ event: 'log', ...skippedLine(s) });
      sets[split] = featureSet(f, backbone.featureLength, classNames, { ...description, split });
    }
    let train = sets.train!;
    let validation = sets.validation;
    // With flipped copies the head, too, trains on either copy of a photo (the same photos held out: the same seed and size).
    const flipped = ft && (await ft.flippedFeatures(train));
    if (!validation && cfg.validationSplit > 0) {
      ({ train, validation } = splitValidation(train, cfg.validationSplit, cfg.seed));
      if (flipped) train = splitValidation(flipped, cfg.validationSplit, cfg.seed).train;
    } else if (flipped) train = flipped;
    const test = sets.test;
    const chosen = sizeAwareSettings(train.size, cfg);
    const note = chosenNote(chosen, train.size);
    if (note) emit({ event: 'log', ...note });
    const run: TransferConfig = { ...cfg, fit: backbone.fit, epochs: chosen.epochs, batchSize: chosen.batchSize };

    const name = held.name;
    const monitor = validation ? 'val_loss' : 'loss';
    const trainCfg = parseTrainConfig({
      dataset: cfg.dataset,
      network: `transfer-${backbone.id}`,
      epochs: run.epochs,
      batchSize: run.batchSize,
      optimizer: cfg.optimizer,
      validationSplit: 0,
      checkpointMonitor: monitor,
      seed: cfg.seed,
      out: name,
      earlyStopping: cfg.earlyStopping ? { monitor, patience: cfg.earlyStopping.patience, restoreBestWeights: true } : undefined,
    });
    const now = new Date().toISOString();
    const meta: StoredModelMeta = {
      name,
      network: `transfer-${backbone.id}`,
      labels: classNames,
      inputSize: backbone.inputSize,
      channels: 3,
      preprocessing: backbone.preprocessing,
      resize: 'bilinear',
      fit: backbone.fit,
      invertLightBackground: false,
      dataset: { ...description, train: train.size, validation: validation?.size ?? 0, test: test?.size ?? 0 },
      history: [],
      status: 'training',
      config: run,
      createdAt: now,
      updatedAt: now,
    };
    emit({
      event: 'start',
      network: `${backbone.id} + head`,
      dataset: cfg.dataset,
      backend: (page && env.computeOn) || report.backend,
      train: train.size,
      validation: validation?.size ?? 0,
      test: test?.size ?? 0,
      epochs: chosen.epochs,
      batchSize: chosen.batchSize,
      stepsPerEpoch: Math.ceil(train.size / chosen.batchSize),
      summary: summarize(head.model),
      classNames,
    });
    const hooks = {
      emit,
      signal,
      checkpoint: async (_head: unknown, history: StoredModelMeta['history'], epoch: number) => {
        await store.save(combined, { ...meta, history, bestEpoch: epoch, updatedAt: new Date().toISOString() }, held);
        return name;
      },
    };
    // The head's and the fine-tuning's batches compute on the page when the run has one (the
    // features and activations they read were extracted on Node above, and cached). A page that
    // fails hands the run to Node from its best checkpoint, and the rest of the run stays there.
    const route = pageRoute(env.computeOn, page);
    const result = await routedFit(head.model, train, validation, trainCfg, backbone.preprocessing, hooks, undefined, route, report.backend);
    let { history, cancelled, bestEpoch, stoppedEarly } = result;
    if (ft && !cancelled) {
      const ftRoute = result.fellBack ? undefined : route;
      ({ history, cancelled, bestEpoch, stoppedEarly } = await ft.run(trainCfg, validation && !sets.validation ? cfg.validationSplit : 0, hooks, result, ftRoute, report.backend));
    }
    const saved = result.checkpoint !== undefined;
    let evaluation;
    if (test && saved && !cancelled) {
      // A fine-tuned top gives other features than the pooled ones: then the top and head run on the cached activations,
      // which is what the whole stored model computes on the photos.
      const [model, set, all] = ft ? [ft.model, ft.sets.test!, ft.sets.train!] : [head.model, test, sets.train!];
      evaluation = await evaluate(model, set, backbone.preprocessing, makeLoss(trainCfg.loss), { signal, files: (i) => set.file?.(i) });
      // The training pictures it gets wrong, to catch mislabelled ones: cheap over cached features or activations.
      const trainingMistakes = await predictionMistakes(model, all, backbone.preprocessing, { signal, files: (i) => all.file?.(i) });
      evaluation = { ...evaluation, trainingMistakes };
      emit({ event: 'evaluation', evaluation });
    }
    if (saved) await store.updateMeta(held, { history, status: cancelled ? 'cancelled' : 'complete', ...(evaluation ? { evaluation } : {}) });
    const done: Done = {
      event: 'done',
      model: saved ? name : undefined,
      cancelled,
      stoppedEarly,
      bestEpoch,
      test_accuracy: evaluation?.accuracy,
      test_loss: evaluation?.loss,
      history,
    };
    emit(done);
    return done;
  } finally {
    // The backbone's layers sit in three models and the head's in two; tfjs counts each use, so
    // the weights are freed layer by layer, once each.
    for (const layer of new Set([...backbone.classifier.model.layers, ...combined.layers])) for (const w of layer.weights) w.dispose();
  }
}
