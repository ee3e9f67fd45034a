// The app's whole API in one object: what the Electron IPC layer exposes to the window, what the
// e2e harness exposes to the page (so that only the transport differs), and what the CLI calls.
// A facade: training runs, folder jobs, store views and model files each live in their module.
import type { Candidate, ComputeBackend } from '../core/compute/choose.ts';
import type { ComputeFigures } from '../core/compute/measure-all.ts';
import type { PageUse } from '../core/compute/page-route.ts';
import type { PageTraining } from '../core/compute/page-training.ts';
import { ComputeChoice } from './compute-choice.ts';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type {
  AugmentPreviewView,
  EvaluationView,
  ExplainReply,
  FeatureMapsView,
  FolderReply,
  ModelDownloadReply,
  ModelSummaryView,
  ModelView,
  PreviewView,
  RecognizeReply,
  StoredModelView,
  StudioEvent,
  TrainRequest,
} from '../contract.ts';
import { ExplainRequest, FeatureMapsRequest, FolderRequest, RecognizeRequest, ResumeRequest } from '../contract.ts';
import type { BackendReport } from '../core/backend.ts';
import { importDatasetFiles, type DatasetImportResult } from '../core/datasets/import.ts';
import { resolveStorage, type StorageSettings } from '../core/paths.ts';
import { ModelStore } from '../core/store/model-store.ts';
import type { RunEnvironment } from '../core/training/run.ts';
import { fetchModelFiles, type DownloadProgress, type FetchedModel } from '../core/zoo/files.ts';
import { importKerasModel, type ImportOptions } from '../core/store/import-keras.ts';
import { exportStoredModel, type ExportFormat, type ExportOptions } from '../core/store/export-model.ts';
import type { StoredModelMeta } from '../core/store/model-store.ts';
import { evaluateModel, type ModelScore } from './model-eval.ts';
import { importModelFiles, type ImportResult } from '../core/zoo/import.ts';
import { DatasetService } from './datasets.ts';
import { EventBus } from './events.ts';
import { FolderJobs } from './folder-jobs.ts';
import { previewImage } from './images.ts';
import { collect, RecognitionService, type RecognizeFailure, type RecognizeManyRequest, type RecognizerStats } from './recognition.ts';
import { evaluationView, recognizableModels, storedModelViews } from './store-views.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';
import type { LogLine } from '../shared/log-messages.ts';
import { TrainingJobs } from './training-jobs.ts';
import { importNeed, missingFiles, type ImportNeed } from '../core/zoo/availability.ts';
import { ModelDownloads } from './model-downloads.ts';
import { DOG_BREEDS_BACKBONE, type DogBreedsRequest } from './dog-breeds.ts';
import { dogBreedsPlan, type DogBreedsPlan } from './dog-breeds-plan.ts';
import { timeBackbone } from './extraction-probe.ts';
import type { DatasetEntry } from '../core/datasets/catalog.ts';
import type { ExtractionSpeed } from '../core/transfer/speed.ts';

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
  /** A backend asked for by name (CLASSIFIER_BACKEND, webgl and webgpu included): the chooser honours it. */
  computeBackend?: ComputeBackend;
  /** Stanford Dogs' catalogue entry (tests serve their own copy); resources/datasets.json's by default. */
  dogsEntry?: DatasetEntry;
}

/** The part of RecognitionService the studio needs; a worker-thread proxy offers the same. */
export interface Recognizer {
  backend(): Promise<BackendReport>;
  recognize(req: RecognizeRequest): Promise<RecognizeReply>;
  explain(req: ExplainRequest): Promise<ExplainReply>;
  /** The Keras-style summary of a model as published. */
  summary(spec: string): Promise<ModelSummaryView>;
  /** A layer's feature maps for a photo and the first convolution's filters. */
  featureMaps(req: FeatureMapsRequest): Promise<FeatureMapsView>;
  /** Many photos at once, decoded ahead and run in batches (folder jobs): one answer each, in order. */
  recognizeMany(req: RecognizeManyRequest): Promise<(RecognizeReply | RecognizeFailure)[]>;
  forget?(spec: string): void;
  /** Tensors and memory where the models run (soak tests: nothing may pile up). */
  stats?(): Promise<RecognizerStats>;
  /** Its backend timed as the compute chooser ranks backends, and the Node backends that failed. */
  measure?(): Promise<Candidate[]>;
  dispose(): void;
}

export class StudioService {
  readonly storage: StorageSettings;
  readonly store: ModelStore;
  /** Where training runs find built-in datasets (their own mirror when given) and store models. */
  readonly runEnv: RunEnvironment & StorageSettings;
  readonly datasets: DatasetService;
  private readonly bus = new EventBus();
  private readonly recognizer: Recognizer;
  private readonly training: TrainingJobs;
  private readonly folders: FolderJobs;
  private readonly downloads: ModelDownloads;
  /** The backbone's speed timed once this session, where no extraction had measured it. */
  private probed?: Promise<ExtractionSpeed>;
  /** Which backend computes, by measuring (only with a state folder to keep the figures in). */
  readonly compute?: ComputeChoice;
  private pageUse?: () => PageUse | undefined;
  private pageTraining?: PageTraining;

  constructor(private readonly options: StudioOptions = {}) {
    this.storage = resolveStorage({ ...options, datasetsDir: options.datasetsDir ?? (options.stateDir && path.join(options.stateDir, 'datasets')) });
    this.store = new ModelStore(this.storage.storeDir);
    this.datasets = new DatasetService(this.storage.datasetsDir, this.storage.cacheDir);
    this.runEnv = { ...this.storage, mirrorDir: options.datasetMirrorDir ?? this.storage.mirrorDir, backend: options.backend, offline: options.offline };
    this.recognizer =
      options.recognizer ??
      inProcess(
        new RecognitionService({
          ...this.storage,
          backend: options.backend,
          offline: options.offline,
          fetch: options.fetch,
          onDownload: (p) => this.bus.emit({ type: 'download', file: p.file, received: p.received, total: p.total }),
          log: (line) => this.log(line),
        }),
      );
    this.training = new TrainingJobs(this.bus, {
      env: this.runEnv,
      modelMirrorDir: this.storage.mirrorDir,
      forget: (m) => this.recognizer.forget?.(m),
      page: () => this.pageTraining,
    });
    this.folders = new FolderJobs(this.bus, (req) => this.recognizer.recognizeMany(req));
    this.downloads = new ModelDownloads(this.bus, () => ({ ...this.storage, offline: this.options.offline, fetch: this.options.fetch }));
    const recognizer = this.recognizer;
    if (options.stateDir) {
      this.compute = new ComputeChoice({
        stateDir: options.stateDir,
        storage: this.storage,
        ...(recognizer.measure ? { node: () => recognizer.measure!() } : {}),
        ...(options.computeBackend ? { forced: options.computeBackend } : {}),
      });
    }
  }

  /** What the compute window computes with when recognition is routed there (main sets it once the window is up). */
  computeOnPage(using: () => PageUse | undefined): void {
    this.pageUse = using;
  }

  /** Main's route for training runs' batches to the compute window (set once the window is up; undefined when it goes). */
  trainOnPage(training: PageTraining | undefined): void {
    this.pageTraining = training;
  }

  /** The page's backend and adapter computing recognition now; undefined: Node's backend does. */
  computing(): PageUse | undefined {
    return this.pageUse?.();
  }

  /** The figures the backend was chosen by, for the Settings; undefined before the first measurement. */
  async computeFigures(): Promise<ComputeFigures | undefined> {
    return this.compute?.figures();
  }

  /** Times every backend present again and chooses (the Settings' "Measure again"). */
  measureCompute(): Promise<ComputeFigures> {
    if (!this.compute) return Promise.reject(new Error('Measuring backends needs a folder to keep the figures in (stateDir)'));
    return this.compute.measure();
  }

  on(listener: (e: StudioEvent) => void): () => void {
    return this.bus.on(listener);
  }

  log(line: LogLine, level: 'info' | 'error' = 'info'): void {
    this.bus.log(line, level);
  }

  backend(): Promise<BackendReport> {
    return this.recognizer.backend();
  }

  /** The zoo (each saying what it lacks on this machine), then the trained models of the store that have weights. */
  async listModels(): Promise<ModelView[]> {
    const zoo: ModelView[] = await Promise.all(
      new RecognitionService(this.storage).listModels().map(async (m) => {
        const missing = await missingFiles(m.id, this.storage);
        const pick = missing && (await importNeed(m.id, this.storage))?.pick;
        return {
          ...m,
          kind: 'zoo' as const,
          ...(missing && pick ? { missing: { ...(missing.bytes !== undefined ? { bytes: missing.bytes } : {}), kept: missing.kept, pick } } : {}),
        };
      }),
    );
    return [...zoo, ...(await recognizableModels(this.store))];
  }

  recognize(input: RecognizeRequest): Promise<RecognizeReply> {
    return this.recognizer.recognize(RecognizeRequest.parse(input));
  }

  /** Grad-CAM of one class for one photo, and the picture the model was given. */
  explain(input: ExplainRequest): Promise<ExplainReply> {
    return this.recognizer.explain(ExplainRequest.parse(input));
  }

  /** The Keras-style table of a model's layers (zoo models as published, batch norms included). */
  modelSummary(model: string): Promise<ModelSummaryView> {
    return this.recognizer.summary(model);
  }

  /** Inside the model that recognizes: a layer's feature maps for a photo, and the first filters. */
  featureMaps(input: FeatureMapsRequest): Promise<FeatureMapsView> {
    return this.recognizer.featureMaps(FeatureMapsRequest.parse(input));
  }

  recognizerStats(): Promise<RecognizerStats> {
    if (!this.recognizer.stats) throw new Error('This recognizer reports no statistics.');
    return this.recognizer.stats();
  }

  preview(file: string): Promise<PreviewView> {
    return previewImage(file);
  }

  /** Recognizes every image directly in a folder, reporting each as it is answered. */
  recognizeFolder(input: FolderRequest): Promise<FolderReply> {
    return this.folders.run(input);
  }

  cancelFolder(jobId: string): void {
    this.folders.cancel(jobId);
  }

  /** Starts a run in a worker thread (events through on()); a model name in use is refused here, before it starts. */
  startTraining(input: TrainRequest): Promise<void> {
    return this.training.start(input);
  }

  resumeTraining(input: ResumeRequest): Promise<void> {
    return this.training.resume(input);
  }

  augmentPreview(input: TrainRequest): Promise<AugmentPreviewView> {
    return this.training.augmentPreview(input);
  }

  cancelTraining(runId: string): void {
    this.training.cancel(runId);
  }

  /** Resolves when every run has ended (tests, and quitting cleanly). */
  settle(): Promise<void> {
    return this.training.settle();
  }

  storedModels(): Promise<StoredModelView[]> {
    return storedModelViews(this.store);
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
  evaluation(name: string, thumbnails = 24): Promise<EvaluationView | null> {
    return evaluationView(this.store, name, thumbnails, this.runEnv, (line) => this.log(line, 'error'));
  }

  /**
   * A zoo model's files (and labels) from the cache or mirror, else downloaded resumably with
   * 'download' events; aborting keeps the partial download for the next call to resume.
   */
  downloadModel(id: string, signal?: AbortSignal, onProgress?: (p: DownloadProgress) => void): Promise<FetchedModel> {
    return fetchModelFiles(id, {
      ...this.storage,
      offline: this.options.offline,
      fetch: this.options.fetch,
      signal,
      onProgress: (p) => {
        onProgress?.(p);
        this.bus.emit({ type: 'download', file: p.file, received: p.received, total: p.total });
      },
    });
  }

  /** The window's download of a zoo model: progress as 'model-download' events, stopped by cancelModelDownload (what arrived is kept and resumed). */
  downloadZooModel(jobId: string, id: string): Promise<ModelDownloadReply> {
    return this.downloads.run(jobId, id);
  }

  cancelModelDownload(jobId: string): void {
    this.downloads.cancel(jobId);
  }

  /** What importing zoo model `id` from local files asks for: its files (one, or a folder), or only its labels. */
  zooImportNeed(id: string): Promise<ImportNeed | undefined> {
    return importNeed(id, this.storage);
  }

  /** Air-gapped machines: a zoo model's files from a local file or folder, each checked against the catalogue. */
  importModel(id: string, source: string): Promise<ImportResult> {
    return importModelFiles(id, source, { cacheDir: this.storage.cacheDir });
  }

  /** Builds the dog-breed model from Stanford Dogs in a run like training's (events through on(), stop with cancelTraining). */
  buildDogBreeds(runId: string, req: DogBreedsRequest = {}): Promise<void> {
    return this.training.buildDogBreeds(runId, req, { fetch: this.options.fetch, entry: this.options.dogsEntry });
  }

  /** Whether dog-breeds is built, and what building it would download and compute, with the time estimated on this machine. */
  dogBreedsPlan(): Promise<DogBreedsPlan> {
    const probe = () => {
      this.probed ??= timeBackbone(DOG_BREEDS_BACKBONE, (r) => this.recognize(r));
      this.probed.catch(() => (this.probed = undefined)); // tried again next time
      return this.probed;
    };
    return dogBreedsPlan({ env: this.runEnv, entry: this.options.dogsEntry, probe });
  }

  /** A built-in dataset from local files: the official ones, or (allowUnofficial) any copy whose contents check out. */
  importDataset(id: string, source: string | string[], opts: { allowUnofficial?: boolean } = {}): Promise<DatasetImportResult> {
    return importDatasetFiles(id, source, { cacheDir: this.storage.cacheDir, allowUnofficial: opts.allowUnofficial });
  }

  /** A model evaluated on a dataset's test images (`eval`). */
  evaluateModel(model: string, dataset: string, testLimit?: number, fit?: PhotoFit): Promise<ModelScore> {
    return evaluateModel(model, dataset, this.runEnv, testLimit, fit);
  }

  /** A stored model written out as a Keras 3 .keras file, a Keras 2 .h5 file or a TensorFlow.js folder (`trained export`). */
  exportModel(name: string, opts: ExportOptions): Promise<{ out: string; format: ExportFormat }> {
    return exportStoredModel(this.storage.storeDir, name, {
      ...opts,
      sources: { cacheDir: this.storage.cacheDir, mirrorDir: this.storage.mirrorDir, offline: this.options.offline, fetch: this.options.fetch },
    });
  }

  /** A whole Keras model (.keras, or .h5 from model.save) or a TensorFlow.js folder into the store, under a name it reserves. */
  importKerasModel(file: string, opts: Omit<ImportOptions, 'storeDir'>): Promise<StoredModelMeta> {
    return importKerasModel(file, { ...opts, storeDir: this.storage.storeDir });
  }

  async ensureDirs(): Promise<void> {
    await mkdir(this.storage.storeDir, { recursive: true });
    await mkdir(this.storage.cacheDir, { recursive: true });
  }

  dispose(): void {
    this.training.cancelAll();
    this.downloads.cancelAll();
    this.recognizer.dispose();
    this.bus.clear();
  }
}

function inProcess(service: RecognitionService): Recognizer {
  return {
    backend: () => service.backend(),
    recognize: (req) => service.recognize(req),
    explain: (req) => service.explain(req),
    summary: (spec) => service.summary(spec),
    featureMaps: (req) => service.featureMaps(req),
    recognizeMany: (req) => collect(service.recognizeMany(req)),
    forget: (spec) => service.forget(spec),
    stats: async () => service.stats(),
    measure: () => service.measure(),
    dispose: () => service.dispose(),
  };
}
