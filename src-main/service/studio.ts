// The app's whole API in one object: what the Electron IPC layer exposes to the window and what
// the e2e harness exposes to the page, so that only the transport differs between them.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type {
  AugmentPreviewView, EvaluationView, FolderItem, FolderReply, ModelView, PreviewView, RecognizeReply, StoredModelView, StudioEvent,
} from '../contract.ts';
import { FolderRequest, RecognizeRequest, ResumeRequest, TrainRequest } from '../contract.ts';
import { augmentPreset, isBuiltInDataset, isTransferNetwork, TRANSFER_NETWORKS } from '../shared/vocabulary.ts';
import type { BackendReport } from '../core/backend.ts';
import { resolveStorage, type StorageSettings } from '../core/paths.ts';
import { ModelStore, runState, type StoredModelMeta } from '../core/store/model-store.ts';
import type { TrainConfigInput } from '../core/training/config.ts';
import type { TrainEvent } from '../shared/train-events.ts';
import { DatasetService } from './datasets.ts';
import { misclassifiedThumbnails } from './evaluation.ts';
import { pixelsToDataUrl, previewImage, scanImageFolder, thumbnail } from './images.ts';
import { RecognitionService, type ServiceOptions } from './recognition.ts';
import type { RecognizerStats } from './recognition.ts';
import { augmentPreview, startTraining, startTransfer, type TrainingRun } from './training.ts';
import type { TransferConfigInput } from '../core/transfer/config.ts';
import { importDatasetFiles, type DatasetImportResult } from '../core/datasets/import.ts';
import { fetchModelFiles, type FetchedModel } from '../core/zoo/files.ts';
import { importModelFiles, type ImportResult } from '../core/zoo/import.ts';

export interface StudioOptions {
  cacheDir?: string;
  /** Offline mirror of the model zoo (laid out like the official URLs). */
  mirrorDir?: string;
  /** Offline mirror of the built-in datasets; the model mirror when absent. */
  datasetMirrorDir?: string;
  storeDir?: string;
  /** The datasets the app manages; `<stateDir>/datasets` when absent (the user-data folder in the app). */
  datasetsDir?: string;
  backend?: string;
  offline?: boolean;
  fetch?: typeof fetch;
  /** Where the service may keep small files of its own (recent images). */
  stateDir?: string;
  /** Swap in another recognizer, e.g. one running in a worker thread. */
  recognizer?: Recognizer;
}

/** The part of RecognitionService the studio needs; a worker-thread proxy offers the same. */
export interface Recognizer {
  backend(): Promise<BackendReport>;
  recognize(req: RecognizeRequest): Promise<RecognizeReply>;
  forget?(spec: string): void;
  /** Tensors and memory where the models run (soak tests: nothing may pile up). */
  stats?(): Promise<RecognizerStats>;
  dispose(): void;
}

type Listener = (e: StudioEvent) => void;

export class StudioService {
  readonly storage: StorageSettings;
  readonly store: ModelStore;
  readonly datasets: DatasetService;
  private readonly recognizer: Recognizer;
  private readonly listeners = new Set<Listener>();
  private readonly runs = new Map<string, TrainingRun>();
  private readonly folderJobs = new Map<string, { cancelled: boolean }>();
  /** A run between its request and its thread (the name being reserved). */
  private starting = false;

  constructor(private readonly options: StudioOptions = {}) {
    this.storage = resolveStorage({ ...options, datasetsDir: options.datasetsDir ?? (options.stateDir && path.join(options.stateDir, 'datasets')) });
    this.store = new ModelStore(this.storage.storeDir);
    this.datasets = new DatasetService(this.storage.datasetsDir, this.storage.cacheDir);
    const recognitionOptions: ServiceOptions = {
      ...this.storage,
      backend: options.backend,
      offline: options.offline,
      fetch: options.fetch,
      onDownload: (p) => this.emit({ type: 'download', file: p.file, received: p.received, total: p.total }),
      log: (line) => this.log(line),
    };
    this.recognizer = options.recognizer ?? inProcess(new RecognitionService(recognitionOptions));
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StudioEvent): void {
    for (const l of this.listeners) l(e);
  }

  log(message: string, level: 'info' | 'error' = 'info'): void {
    this.emit({ type: 'log', level, message, time: new Date().toISOString() });
  }

  backend(): Promise<BackendReport> {
    return this.recognizer.backend();
  }

  /** The zoo, then the trained models of the store that have weights. */
  async listModels(): Promise<ModelView[]> {
    const zoo: ModelView[] = new RecognitionService(this.storage).listModels().map((m) => ({ ...m, kind: 'zoo' as const }));
    const trained = (await this.store.list())
      // A live run's checkpoint changes under the recognizer; an interrupted run's best epoch is a model.
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
    return [...zoo, ...trained];
  }

  recognize(input: RecognizeRequest): Promise<RecognizeReply> {
    return this.recognizer.recognize(RecognizeRequest.parse(input));
  }

  recognizerStats(): Promise<RecognizerStats> {
    if (!this.recognizer.stats) throw new Error('This recognizer reports no statistics.');
    return this.recognizer.stats();
  }

  preview(file: string): Promise<PreviewView> {
    return previewImage(file);
  }

  /** Recognizes every image directly in a folder, reporting each as it is answered. */
  async recognizeFolder(input: FolderRequest): Promise<FolderReply> {
    const req = FolderRequest.parse(input);
    const job = { cancelled: false };
    this.folderJobs.set(req.jobId, job);
    try {
      const { files, skipped } = await scanImageFolder(req.folder);
      // Refused entries are answered first, each with its reason, like a photo that fails to decode.
      const items: FolderItem[] = skipped.map((s) => ({ file: s.file, name: path.basename(s.file), error: s.error }));
      const total = items.length + files.length;
      this.emit({ type: 'folder', jobId: req.jobId, done: 0, total });
      items.forEach((item, k) => this.emit({ type: 'folder', jobId: req.jobId, done: k + 1, total, item }));
      for (const file of files) {
        if (job.cancelled) break;
        const item: FolderItem = { file, name: path.basename(file) };
        try {
          item.top = (await this.recognize({ image: file, model: req.model, topK: req.topK ?? 3 })).top;
          item.thumbnail = await thumbnail(file, 72);
        } catch (err) {
          item.error = (err as Error).message;
        }
        items.push(item);
        this.emit({ type: 'folder', jobId: req.jobId, done: items.length, total, item });
      }
      return { jobId: req.jobId, folder: req.folder, model: req.model, items, cancelled: job.cancelled };
    } finally {
      this.folderJobs.delete(req.jobId);
    }
  }

  private trainingEnv() {
    return {
      ...this.storage,
      mirrorDir: this.options.datasetMirrorDir ?? this.storage.mirrorDir,
      backend: this.options.backend,
      offline: this.options.offline,
    };
  }

  /** A few training images, each beside augmented versions of itself, as the form's settings would make them. */
  async augmentPreview(input: TrainRequest): Promise<AugmentPreviewView> {
    const req = TrainRequest.parse(input);
    if (isTransferNetwork(req.network)) throw new Error('Transfer learning trains on features of unaugmented photos: there is no augmentation to preview.');
    const p = await augmentPreview(toTrainConfig({ ...req, augment: true }), this.trainingEnv());
    const scale = Math.max(1, Math.round(64 / p.width));
    const url = (px: Uint8Array) => pixelsToDataUrl(px, p.width, p.height, p.channels, scale);
    return {
      samples: await Promise.all(p.samples.map(async (s) => ({ label: s.label, original: await url(s.original), variants: await Promise.all(s.variants.map(url)) }))),
    };
  }

  cancelFolder(jobId: string): void {
    const job = this.folderJobs.get(jobId);
    if (job) job.cancelled = true;
  }

  /**
   * Starts a run in a worker thread; its events arrive through on(). One run at a time: two
   * would only halve each other's speed. A model name in use is refused here, before the run
   * starts (`overwrite` replaces a stored model of that name).
   */
  async startTraining(input: TrainRequest): Promise<void> {
    const req = TrainRequest.parse(input);
    const onEvent = this.forward(req.runId);
    await this.launch(req.runId, `training ${req.network} on ${req.dataset}`, () =>
      isTransferNetwork(req.network)
        ? // The backbone comes from the models mirror; the photos are the user's folder.
          startTransfer(toTransferConfig(req), { ...this.trainingEnv(), mirrorDir: this.storage.mirrorDir }, onEvent)
        : startTraining(toTrainConfig(req), this.trainingEnv(), onEvent));
  }

  /** Continues a stored run (interrupted, stopped, or complete with more epochs) from its best checkpoint, under its name. */
  async resumeTraining(input: ResumeRequest): Promise<void> {
    const req = ResumeRequest.parse(input);
    await this.launch(req.runId, `resuming ${req.model}`, () => {
      this.recognizer.forget?.(req.model); // its weights are about to change
      return startTraining({ resume: req.model, epochs: req.epochs }, this.trainingEnv(), this.forward(req.runId));
    });
  }

  private async launch(runId: string, what: string, start: () => Promise<TrainingRun>): Promise<void> {
    if (this.runs.size || this.starting) throw new Error('A training run is already going; stop it first.');
    this.starting = true;
    try {
      this.track(runId, await start(), what);
    } finally {
      this.starting = false;
    }
  }

  private forward(runId: string): (event: TrainEvent) => void {
    return (event) => {
      this.emit({ type: 'training', runId, event });
    };
  }

  private track(runId: string, run: TrainingRun, what: string): void {
    this.runs.set(runId, run);
    this.log(`${what} started`);
    run.done.then(
      (done) => {
        // A replaced or resumed model may be loaded from before: the next recognition reads it anew.
        if (done.model) this.recognizer.forget?.(done.model);
        this.log(done.cancelled ? 'training stopped' : `training finished${done.model ? `: ${done.model}` : ''}`);
        this.emit({ type: 'training-ended', runId });
      },
      (err: Error) => {
        this.log(`training failed: ${err.message}`, 'error');
        this.emit({ type: 'training-ended', runId, error: err.message });
      },
    ).finally(() => this.runs.delete(runId));
  }

  cancelTraining(runId: string): void {
    this.runs.get(runId)?.cancel();
  }

  /** Resolves when every run has ended (tests, and quitting cleanly). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  async storedModels(): Promise<StoredModelView[]> {
    return (await this.store.list()).map((m) => ({
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

  async renameModel(from: string, to: string): Promise<void> {
    await this.store.rename(from, to);
    this.recognizer.forget?.(from);
  }

  async deleteModel(name: string): Promise<void> {
    await this.store.delete(name);
    this.recognizer.forget?.(name);
  }

  modelFolder(name: string): string {
    return this.store.folderOf(name);
  }

  /** The stored test-set evaluation of a trained model, with pictures of its worst mistakes. */
  async evaluation(name: string, thumbnails = 24): Promise<EvaluationView | null> {
    const meta = await this.store.get(name);
    if (!meta.evaluation) return null;
    const view: EvaluationView = { ...meta.evaluation, misclassified: meta.evaluation.misclassified ?? [] };
    if (thumbnails > 0 && view.misclassified.length) {
      try {
        const env = { ...this.storage, mirrorDir: this.options.datasetMirrorDir ?? this.storage.mirrorDir, offline: this.options.offline };
        view.misclassified = await misclassifiedThumbnails(meta, view.misclassified, thumbnails, env);
      } catch (err) {
        this.log(`no thumbnails for ${name}: ${(err as Error).message}`, 'error');
      }
    }
    return view;
  }

  /**
   * A zoo model's files (and labels) from the cache or mirror, else downloaded resumably with
   * 'download' events; aborting keeps the partial download for the next call to resume.
   */
  downloadModel(id: string, signal?: AbortSignal): Promise<FetchedModel> {
    return fetchModelFiles(id, {
      ...this.storage,
      offline: this.options.offline,
      fetch: this.options.fetch,
      signal,
      onProgress: (p) => this.emit({ type: 'download', file: p.file, received: p.received, total: p.total }),
    });
  }

  /** Air-gapped machines: a zoo model's files from a local file or folder, each checked against the catalogue. */
  importModel(id: string, source: string): Promise<ImportResult> {
    return importModelFiles(id, source, { cacheDir: this.storage.cacheDir });
  }

  /** A built-in dataset from local files: the official ones, or (allowUnofficial) any copy whose contents check out. */
  importDataset(id: string, source: string, opts: { allowUnofficial?: boolean } = {}): Promise<DatasetImportResult> {
    return importDatasetFiles(id, source, { cacheDir: this.storage.cacheDir, allowUnofficial: opts.allowUnofficial });
  }

  async ensureDirs(): Promise<void> {
    await mkdir(this.storage.storeDir, { recursive: true });
    await mkdir(this.storage.cacheDir, { recursive: true });
  }

  dispose(): void {
    for (const run of this.runs.values()) run.cancel();
    this.recognizer.dispose();
    this.listeners.clear();
  }
}

function inProcess(service: RecognitionService): Recognizer {
  return {
    backend: () => service.backend(),
    recognize: (req) => service.recognize(req),
    forget: (spec) => service.forget(spec),
    stats: async () => service.stats(),
    dispose: () => service.dispose(),
  };
}

function datasetName(m: StoredModelMeta): string {
  const d = m.dataset as { name?: unknown };
  return typeof d.name === 'string' ? d.name : '';
}

/** The form's fields as core training settings; the core schema checks them once more. */
export function toTrainConfig(req: ReturnType<typeof TrainRequest.parse>): TrainConfigInput {
  // Without a validation set, callbacks can only watch the training loss.
  const monitor = req.validationSplit > 0 ? 'val_loss' : 'loss';
  return {
    dataset: req.dataset,
    network: req.network,
    epochs: req.epochs,
    batchSize: req.batchSize,
    optimizer: { name: req.optimizer, learningRate: req.learningRate },
    validationSplit: req.validationSplit,
    checkpointMonitor: monitor,
    limit: req.limit,
    testLimit: req.testLimit,
    dropout: req.dropout,
    augment: req.augment ? augmentPreset(req.dataset) : undefined,
    earlyStopping: req.earlyStoppingPatience !== undefined ? { monitor, patience: req.earlyStoppingPatience, restoreBestWeights: true } : undefined,
    out: req.out,
    overwrite: !!req.overwrite,
  };
}

/** The form's fields as transfer settings: limits count per class, dropout is the head's. */
export function toTransferConfig(req: ReturnType<typeof TrainRequest.parse>): TransferConfigInput {
  if (isBuiltInDataset(req.dataset)) {
    throw new Error('Transfer learning works on photos in a folder of class sub-folders: choose one with "Folder…".');
  }
  if (req.augment) throw new Error('Transfer learning trains on features of unaugmented photos: turn augmentation off.');
  if (!isTransferNetwork(req.network)) throw new Error(`${req.network} is not a transfer-learning network.`);
  return {
    dataset: req.dataset,
    backbone: TRANSFER_NETWORKS[req.network].backbone,
    epochs: req.epochs,
    batchSize: req.batchSize,
    optimizer: { name: req.optimizer, learningRate: req.learningRate } as TransferConfigInput['optimizer'],
    validationSplit: req.validationSplit,
    limitPerClass: req.limit,
    testLimitPerClass: req.testLimit,
    ...(req.dropout !== undefined ? { dropout: req.dropout } : {}),
    earlyStopping: req.earlyStoppingPatience !== undefined ? { patience: req.earlyStoppingPatience } : undefined,
    out: req.out,
    overwrite: !!req.overwrite,
  };
}
