// The dog-breed model in one step: Stanford Dogs made ready (downloaded or taken from the mirror
// or an import, unpacked, its official split laid out), then the course's transfer run on it
// (Dense(1024)-Dropout(0.75)-Dense(120) over a frozen backbone), evaluated on the official test
// split and stored as `dog-breeds`. Stopping keeps every finished step: the download's .part,
// the extracted photos, the cached features, the best epoch; building again goes on from there.
import path from 'node:path';
import { STANFORD_SPLIT_DIR, datasetPlaces, type DatasetEntry } from '../core/datasets/catalog.ts';
import { prepareStanfordDogs, stanfordDogsEntry, type DogsStage } from '../core/datasets/stanford-dogs.ts';
import { ModelStore, runState } from '../core/store/model-store.ts';
import type { RunEnvironment } from '../core/training/run.ts';
import type { BackboneId } from '../core/transfer/backbone.ts';
import type { TransferConfigInput } from '../core/transfer/config.ts';
import { CodedError } from '../shared/errors.ts';
import type { TrainEvent } from '../shared/train-events.ts';
import { DOG_BREEDS_MODEL } from '../shared/vocabulary.ts';
import { logLine, word } from '../shared/log-messages.ts';
import { startTransfer, type DoneEvent, type TrainingOptions, type TrainingRun } from './training.ts';

export interface DogBreedsRequest {
  backbone?: BackboneId;
  /** Then unfreeze the backbone's last layers (where the backend offers it). */
  fineTune?: boolean;
  /** Replace a stored `dog-breeds` (an unfinished build of the same set is continued without it). */
  overwrite?: boolean;
  /** Absent: chosen from the training set's size, as every transfer run does. */
  epochs?: number;
  batchSize?: number;
  /** A quick model from fewer photos (tests, trying it out). */
  limitPerClass?: number;
  testLimitPerClass?: number;
  seed?: number;
}

export interface DogBreedsContext {
  /** Where the dataset is cached and looked for (the datasets' mirror), and the model stored. */
  env: RunEnvironment;
  /** Where the backbone comes from (the models' mirror). */
  modelMirrorDir?: string;
  fetch?: typeof fetch;
  /** The catalogue entry (tests serve their own); resources/datasets.json's by default. */
  entry?: DatasetEntry;
  /** Main's route to the compute page: the build's head (and fine-tuning) steps compute there while it computes. */
  page?: TrainingOptions['page'];
}

/** The backbone a build uses unless told otherwise. */
export const DOG_BREEDS_BACKBONE: BackboneId = 'mobilenet';

const STAGE_NAMES: Record<DogsStage, string> = { download: 'download Stanford Dogs', extract: 'unpack images.tar', split: 'official split' };

/** May this build write `dog-breeds`? Refused at once (before any download) when a finished model has the name. */
async function mayWrite(store: ModelStore, splitRoot: string, overwrite: boolean | undefined, emit: (e: TrainEvent) => void): Promise<boolean> {
  if (overwrite || !(await store.has(DOG_BREEDS_MODEL))) return !!overwrite;
  const meta = await store.get(DOG_BREEDS_MODEL);
  const unfinished = runState(meta) === 'cancelled' || runState(meta) === 'interrupted';
  if (unfinished && meta.dataset.source === splitRoot) {
    emit({ event: 'log', ...logLine('dog-breeds-again', { model: DOG_BREEDS_MODEL }) });
    return true;
  }
  throw new CodedError('model-exists', `A model called "${DOG_BREEDS_MODEL}" already exists: build with --overwrite to replace it, or rename it first.`, {
    name: DOG_BREEDS_MODEL,
  });
}

/** Starts the build; `done` settles when the model is stored (or the build stopped or failed). */
export async function startDogBreedsBuild(req: DogBreedsRequest, ctx: DogBreedsContext, onEvent: (e: TrainEvent) => void): Promise<TrainingRun> {
  const entry = stanfordDogsEntry(ctx.entry);
  const splitRoot = path.join(datasetPlaces(entry.id, ctx.env.cacheDir).cache, STANFORD_SPLIT_DIR);
  const overwrite = await mayWrite(new ModelStore(ctx.env.storeDir), splitRoot, req.overwrite, onEvent);
  const abort = new AbortController();
  let training: TrainingRun | undefined;
  const done = (async (): Promise<DoneEvent> => {
    const dogs = await prepareStanfordDogs({
      cacheDir: ctx.env.cacheDir,
      mirrorDir: ctx.env.mirrorDir,
      offline: ctx.env.offline,
      fetch: ctx.fetch,
      signal: abort.signal,
      entry,
      onProgress: (stage, d, total) => onEvent({ event: 'dataset', stage: STAGE_NAMES[stage], done: d, total }),
    }).catch((err: unknown) => {
      if (abort.signal.aborted) return undefined;
      throw err;
    });
    if (!dogs) {
      onEvent({ event: 'log', ...logLine('dog-breeds-stopped') });
      const stopped: DoneEvent = { event: 'done', cancelled: true, stoppedEarly: false, history: [] };
      onEvent(stopped);
      return stopped;
    }
    onEvent({ event: 'log', ...logLine('dog-breeds-ready', { source: word(dogs.source), train: dogs.train, test: dogs.test, breeds: dogs.classNames.length }) });
    const config: TransferConfigInput = {
      dataset: dogs.root,
      backbone: req.backbone ?? DOG_BREEDS_BACKBONE,
      epochs: req.epochs,
      batchSize: req.batchSize,
      limitPerClass: req.limitPerClass,
      testLimitPerClass: req.testLimitPerClass,
      seed: req.seed,
      earlyStopping: { patience: 3 },
      fineTune: req.fineTune ? {} : undefined,
      out: DOG_BREEDS_MODEL,
      overwrite,
    };
    training = await startTransfer(config, { ...ctx.env, mirrorDir: ctx.modelMirrorDir }, onEvent, ctx.page ? { page: ctx.page } : {});
    if (abort.signal.aborted) training.cancel();
    return training.done;
  })();
  return {
    cancel: () => {
      abort.abort();
      training?.cancel();
    },
    kill: async () => {
      abort.abort();
      await training?.kill();
      await done.catch(() => undefined);
    },
    done,
  };
}
