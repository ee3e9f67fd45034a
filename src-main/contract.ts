// The one contract between the Electron main process and the renderer: channel names,
// request and reply types, and the schemas that main checks every request against.
// Self-contained on purpose: the renderer type-checks it without Node or TensorFlow types.
import { z } from 'zod';
import { isModelName } from './shared/model-names.ts';
import type { ErrorCode, ErrorParams } from './shared/errors.ts';
import type { EpochRecord, Evaluation, TrainEvent } from './shared/train-events.ts';
import type { LogLine } from './shared/log-messages.ts';
import type { RecognizeWarning } from './shared/recognize-warnings.ts';
import type { SkipReason } from './shared/skip-reasons.ts';

export type { EpochRecord, Evaluation, TrainEvent };

const Path = z.string().min(1).max(4096);
export const ModelName = z.string().min(1).max(128);
/** Ids the renderer makes up for a run or a job, so events can be matched before replies. */
export const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const RecognizeRequest = z.strictObject({
  /** A path the user chose in a dialog, or the bytes of a dropped or pasted image. */
  image: z.union([Path, z.strictObject({ name: z.string().min(1).max(256), data: z.instanceof(Uint8Array) })]),
  /** A zoo id or a stored model's name: main refuses anything else (electron/requests.ts checkModel). */
  model: Path,
  topK: z.number().int().min(1).max(1000).optional(),
  /** Each answer gets its Grad-CAM heatmap. */
  explain: z.boolean().optional(),
});
export type RecognizeRequest = z.input<typeof RecognizeRequest>;

/** Grad-CAM of one class (the top answer when classIndex is absent) for one photo. */
export const ExplainRequest = z.strictObject({
  image: RecognizeRequest.shape.image,
  model: Path,
  /** The model's own class index, as predictions give it. */
  classIndex: z.number().int().min(0).max(100_000).optional(),
  /** A layer of the model whose feature maps to use; the last convolution's when absent. */
  layer: z.string().min(1).max(256).optional(),
});
export type ExplainRequest = z.input<typeof ExplainRequest>;

/** Inside the model that recognizes: a layer's feature maps for a photo (none without one), and the first filters. */
export const FeatureMapsRequest = z.strictObject({
  model: Path,
  image: RecognizeRequest.shape.image.optional(),
  /** The layer whose maps to show; the first convolution's when absent. */
  layer: z.string().min(1).max(256).optional(),
});
export type FeatureMapsRequest = z.input<typeof FeatureMapsRequest>;

export const FolderRequest = z.strictObject({
  jobId: JobId,
  folder: Path,
  model: Path,
  topK: z.number().int().min(1).max(20).optional(),
});
export type FolderRequest = z.input<typeof FolderRequest>;

import type { TileGrid } from './shared/tiles.ts';
import { MODEL_FILE_KINDS, NETWORKS, OPTIMIZERS, PHOTO_FITS } from './shared/vocabulary.ts';

export { BUILT_IN_DATASETS, isTransferNetwork, MODEL_FILE_KINDS, NETWORKS, OPTIMIZERS, PHOTO_FITS, type ModelFileKind } from './shared/vocabulary.ts';

/** The training form: a friendly subset of the core settings, which check again. */
export const TrainRequest = z.strictObject({
  runId: JobId,
  /** A built-in dataset, or a folder of class sub-folders chosen in a dialog. */
  dataset: Path,
  network: z.enum(NETWORKS),
  /** Absent: transfer learning chooses them from the training set's size (core/transfer/defaults.ts). */
  epochs: z.number().int().min(1).max(1000).optional(),
  batchSize: z.number().int().min(1).max(4096).optional(),
  optimizer: z.enum(OPTIMIZERS),
  learningRate: z.number().gt(0).max(10),
  validationSplit: z.number().min(0).max(0.9),
  limit: z.number().int().positive().max(10_000_000).optional(),
  testLimit: z.number().int().positive().max(10_000_000).optional(),
  dropout: z.number().min(0).lt(1).optional(),
  /** Transfer learning: how photos are fitted to the backbone's input (absent: crop). */
  fit: z.enum(PHOTO_FITS).optional(),
  augment: z.boolean().optional(),
  earlyStoppingPatience: z.number().int().min(0).max(1000).optional(),
  /** Transfer learning only: then train the backbone's last layers with the head (core/transfer/fine-tune.ts), with its default settings. */
  fineTune: z.boolean().optional(),
  /** The form marks a name the store cannot take (the store refuses it too, coded: store/model-store.ts checkName). */
  out: z.string().refine(isModelName, 'not a model name: letters, digits, spaces, dots, dashes, underscores').optional(),
  /** Replace a stored model called `out` (the user confirmed); without it, an existing name is refused. */
  overwrite: z.boolean().optional(),
});
export type TrainRequest = z.input<typeof TrainRequest>;

/** Continues a stored training run from its best checkpoint, with its own settings; only the epochs may change. */
export const ResumeRequest = z.strictObject({
  runId: JobId,
  model: ModelName,
  epochs: z.number().int().min(1).max(1000).optional(),
});
export type ResumeRequest = z.input<typeof ResumeRequest>;

/** Builds `dog-breeds` from Stanford Dogs (downloaded first where need be); a stopped build is continued. */
export const DogBreedsBuildRequest = z.strictObject({
  runId: JobId,
  /** Replace a finished `dog-breeds` (the user confirmed). */
  overwrite: z.boolean().optional(),
});
export type DogBreedsBuildRequest = z.input<typeof DogBreedsBuildRequest>;

export const RenameRequest = z.strictObject({ from: ModelName, to: ModelName });
export const EvaluationRequest = z.strictObject({ model: ModelName, thumbnails: z.number().int().min(0).max(200).optional() });
export const FolderPurpose = z.enum(['images', 'dataset']);

/**
 * A stored model written out: main asks where in a save dialog; a place that exists comes back as
 * 'exists' and is replaced only when the window asks again with `out` (that place) and `overwrite`.
 */
export const ExportRequest = z.strictObject({ name: ModelName, format: z.enum(MODEL_FILE_KINDS), out: Path.optional(), overwrite: z.boolean().optional() });
export type ExportRequest = z.input<typeof ExportRequest>;
export type ExportReply = { status: 'saved' | 'exists'; path: string; format: z.infer<typeof ExportRequest>['format'] } | null;
/** A .keras or .h5 file, or a TensorFlow.js folder, chosen in a dialog, into the store as `name` (else the file's name). */
export const ImportModelRequest = z.strictObject({ pick: z.enum(['file', 'folder']), name: ModelName.optional(), overwrite: z.boolean().optional() });
/** A zoo model fetched from its official place, progress as 'model-download' events; cancelModelDownload keeps what arrived. */
/** A zoo model's id, as the catalogue spells them (main checks it is one). */
export const ZooId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'not a zoo model id: lowercase letters, digits and dashes');
export const ModelDownloadRequest = z.strictObject({ jobId: JobId, model: ZooId });
export type ModelDownloadReply = { model: string; status: 'done' | 'cancelled'; kept?: number };

export const channels = {
  appInfo: 'app:info',
  computeFigures: 'compute:figures',
  measureCompute: 'compute:measure',
  listModels: 'models:list',
  recognize: 'recognize',
  explain: 'recognize:explain',
  modelSummary: 'model:summary',
  featureMaps: 'model:feature-maps',
  preview: 'image:preview',
  recentFiles: 'image:recent',
  openImageDialog: 'dialog:open-image',
  openFolderDialog: 'dialog:open-folder',
  recognizeFolder: 'folder:recognize',
  cancelFolder: 'folder:cancel',
  saveCsv: 'folder:save-csv',
  startTraining: 'training:start',
  resumeTraining: 'training:resume',
  augmentPreview: 'training:augment-preview',
  cancelTraining: 'training:cancel',
  storedModels: 'store:list',
  renameModel: 'store:rename',
  deleteModel: 'store:delete',
  revealModel: 'store:reveal',
  evaluation: 'store:evaluation',
  exportModel: 'store:export',
  importModel: 'store:import',
  downloadModel: 'zoo:download',
  cancelModelDownload: 'zoo:cancel-download',
  importZooModel: 'zoo:import',
  buildDogBreeds: 'dog-breeds:build',
  dogBreedsPlan: 'dog-breeds:plan',
  listDatasets: 'dataset:list',
  createDataset: 'dataset:create',
  showDataset: 'dataset:show',
  datasetImages: 'dataset:images',
  datasetThumbnails: 'dataset:thumbnails',
  datasetImage: 'dataset:image',
  addFilesToDataset: 'dataset:add-files',
  addBytesToDataset: 'dataset:add-bytes',
  removeFromDataset: 'dataset:remove',
  moveInDataset: 'dataset:move',
  createClass: 'dataset:create-class',
  renameClass: 'dataset:rename-class',
  deleteClass: 'dataset:delete-class',
  /** main to renderer */
  event: 'studio:event',
} as const;

export interface PredictionView {
  index: number;
  id: string;
  label: string;
  probability: number;
}

/** Grad-CAM over the whole photo: cells across and down, row-major from the top left, in [0, 1] with 1 at the maximum. */
export interface HeatmapView {
  width: number;
  height: number;
  values: number[];
}

export type WarningView = RecognizeWarning;

export interface RecognizeReply {
  file: string;
  /** The model that answered (see `requested`). */
  model: string;
  /** The model asked for, when another answered (`dog-breeds` before it is built). */
  requested?: string;
  backend: string;
  ms: number;
  timings: { load: number; decode: number; inference: number };
  top: (PredictionView & { heatmap?: HeatmapView })[];
  /** A view's share of its base model's probability on the view's classes (dog breeds: how much says "a dog" at all). */
  rangeShare?: number;
  /** Coded (shared/recognize-warnings.ts), with the English message; the window shows its locale's `warnings.<code>`. */
  warnings: WarningView[];
}

export interface ExplainReply {
  file: string;
  model: string;
  backend: string;
  ms: number;
  prediction: PredictionView;
  /** The layer whose feature maps were used. */
  layer: string;
  heatmap: HeatmapView;
  /** The part of the upright photo, in its pixels, that the model saw: all of it, or the centre crop. */
  seen: { left: number; top: number; width: number; height: number };
  photo: { width: number; height: number };
  /** What the model sees: the exact picture it was given, as PNG bytes. */
  input: { width: number; height: number; channels: 1 | 3; png: Uint8Array };
}

/** model.summary() as Keras prints it (zoo models as published, batch norms included). */
export interface ModelSummaryView {
  name: string;
  layers: { name: string; type: string; outputShape: string; params: number }[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

/** Same-sized 8-bit tiles one after the other in `levels` (shared/tiles.ts). */
export type TileGridView = TileGrid;

export interface FeatureMapsView {
  /** The model that answered (`dog-breeds` before it is built: the ImageNet view). */
  model: string;
  /** Layers whose output is a picture, [height, width, channels]. */
  layers: { name: string; type: string; shape: [number, number, number] }[];
  maps?: TileGridView;
  /** The first convolution's filters. */
  filters?: TileGridView;
}

export interface PreviewView {
  /** A JPEG or PNG data URL, at most 1600 px on a side, EXIF orientation applied. */
  url: string;
  width: number;
  height: number;
  name: string;
}

export interface AugmentPreviewView {
  /** PNG data URLs, enlarged for small images. */
  samples: { label: string; original: string; variants: string[] }[];
}

export interface AppInfo {
  version: string;
  versions: Record<string, string | undefined>;
  backend: string;
  /** Threads the wasm backend computes with (absent for the others). */
  threads?: number;
  skipped: { backend: string; reason?: string }[];
  storeDir: string;
  /** Recognition routed to the compute window: its GPU backend and the device it runs on. */
  computing?: { backend: string; adapter?: string };
}

/** How the compute backend was chosen (core/compute/measure-all.ts's figures, as the window sees them). */
export interface ComputeFiguresView {
  measuredAt: string;
  candidates: {
    backend: string;
    available: boolean;
    adapter?: { name: string; software: boolean };
    /** A MobileNet batch of 8 and a Fashion-MNIST CNN training step of 32, in milliseconds. */
    measured?: { inferenceMs: number; trainStepMs: number };
    detail?: string;
  }[];
  choice: { backend: string; adapter?: { name: string; software: boolean }; forced: boolean; skipped: { backend: string; reason: SkipReason; detail?: string }[] };
  note?: string;
}

export interface ModelView {
  id: string;
  name: string;
  description: string;
  speed: string;
  classes: number;
  kind: 'zoo' | 'trained';
  inputSize: [number, number];
  parameters?: number;
  accuracy?: number;
  /** A zoo model not on this machine: what a download fetches (bytes, when the catalogue gives every size), what a stopped one kept, and whether an import takes a file or a folder. */
  missing?: { bytes?: number; kept: number; pick: 'file' | 'folder' };
}

/** What building the dog-breed model costs, told before it starts. */
export interface DogBreedsPlanView {
  /** `dog-breeds` is stored and finished. */
  built: boolean;
  /** A stopped or interrupted build is stored: building again goes on from it. */
  stopped: boolean;
  /** Bytes still to download (0 when the set is in the cache or a mirror). */
  downloadBytes: number;
  /** Bytes a stopped download already kept (its .part files), not counted in downloadBytes. */
  downloadedBytes: number;
  photos: number;
  classes: number;
  /** The zoo model whose features the head is trained on. */
  backbone: string;
  /**
   * Computing the features of every photo on this machine, estimated from a measured speed:
   * the last feature extraction's ('extraction'), else photos timed through the backbone just
   * now ('timed'). Absent where neither could be measured (the backbone not at hand).
   */
  estimate?: { seconds: number; imagesPerSecond: number; how: 'extraction' | 'timed'; images: number; backend: string; measuredAt: string };
}

/** A stored evaluation as the window shows it: each mistake may carry its picture's thumbnail. */
export type EvaluationView = Evaluation;

export interface StoredModelView {
  name: string;
  network: string;
  dataset: string;
  classes: number;
  /** A run whose process died mid-training shows as 'cancelled' with `interrupted`: its best epoch is kept. */
  status: 'training' | 'complete' | 'cancelled';
  interrupted?: boolean;
  accuracy?: number;
  epochs: number;
  bestEpoch?: number;
  history: EpochRecord[];
  createdAt: string;
  updatedAt: string;
}

export interface FolderItem {
  file: string;
  name: string;
  thumbnail?: string;
  top?: PredictionView[];
  error?: string;
  /** The error's code and values (a picture that does not decode: `image-<kind>`), worded by the window. */
  coded?: { code: ErrorCode; params: ErrorParams };
}

export interface FolderReply {
  jobId: string;
  folder: string;
  model: string;
  items: FolderItem[];
  cancelled: boolean;
}

export type MenuCommand = { command: 'open-image'; path: string } | { command: 'open-dataset'; path: string } | { command: 'panel'; panel: PanelId } | { command: 'about' };

export type PanelId = 'recognize' | 'folder' | 'dataset' | 'training' | 'models';

export type StudioEvent =
  | { type: 'training'; runId: string; event: TrainEvent }
  /** The run is over: after its 'done' event, or with the reason it failed. */
  | { type: 'training-ended'; runId: string; error?: string; code?: ErrorCode; params?: ErrorParams }
  | { type: 'download'; file: string; received: number; total?: number }
  /** A download the window asked for (downloadModel): the whole model's bytes on disk so far. */
  | { type: 'model-download'; jobId: string; model: string; file: string; received: number; total?: number }
  | ({ type: 'log'; level: 'info' | 'error'; time: string } & LogLine)
  | { type: 'folder'; jobId: string; done: number; total: number; item?: FolderItem }
  | ({ type: 'menu' } & MenuCommand);

/** What the preload exposes as window.api; the e2e tests provide the same shape. */
export interface Api {
  appInfo(): Promise<AppInfo>;
  /** The figures the compute backend was chosen by; null before the first measurement. */
  computeFigures(): Promise<ComputeFiguresView | null>;
  /** Times every backend present again and chooses (seconds; minutes with a forced software adapter). */
  measureCompute(): Promise<ComputeFiguresView>;
  listModels(): Promise<ModelView[]>;
  recognize(req: RecognizeRequest): Promise<RecognizeReply>;
  /** Where in the photo the model found a class (Grad-CAM), and the picture the model was given. */
  explain(req: ExplainRequest): Promise<ExplainReply>;
  /** The Keras-style table of a model's layers, output shapes and parameters. */
  modelSummary(model: string): Promise<ModelSummaryView>;
  /** A layer's feature maps for a photo, and the first convolution's filters. */
  featureMaps(req: FeatureMapsRequest): Promise<FeatureMapsView>;
  preview(path: string): Promise<PreviewView>;
  recentFiles(): Promise<string[]>;
  openImageDialog(): Promise<string | null>;
  openFolderDialog(purpose: z.infer<typeof FolderPurpose>): Promise<string | null>;
  recognizeFolder(req: FolderRequest): Promise<FolderReply>;
  cancelFolder(jobId: string): Promise<void>;
  /** Asks where to save, then writes; resolves with the file, or null if the user cancelled. */
  saveCsv(req: { name: string; csv: string }): Promise<string | null>;
  startTraining(req: TrainRequest): Promise<void>;
  /** Continues a stopped or interrupted run from its best checkpoint; progress comes as that runId's events. */
  resumeTraining(req: ResumeRequest): Promise<void>;
  /** Some training images beside augmented versions of each, for the form's settings. */
  augmentPreview(req: TrainRequest): Promise<AugmentPreviewView>;
  cancelTraining(runId: string): Promise<void>;
  storedModels(): Promise<StoredModelView[]>;
  renameModel(req: z.input<typeof RenameRequest>): Promise<void>;
  deleteModel(name: string): Promise<void>;
  revealModel(name: string): Promise<void>;
  evaluation(req: z.input<typeof EvaluationRequest>): Promise<EvaluationView | null>;
  /** Asks where to save (a save dialog), then writes; null if the user cancelled; 'exists' asks for consent first. */
  exportModel(req: ExportRequest): Promise<ExportReply>;
  /** Asks for the file or folder, then stores it; null if the user cancelled. */
  importModel(req: z.input<typeof ImportModelRequest>): Promise<{ name: string } | null>;
  downloadModel(req: z.input<typeof ModelDownloadRequest>): Promise<ModelDownloadReply>;
  cancelModelDownload(jobId: string): Promise<void>;
  /** A zoo model's files from a file or folder the user chooses (machines without internet); null if cancelled. */
  importZooModel(model: string): Promise<{ model: string; files: number } | null>;
  /** Starts building `dog-breeds`; its progress comes as that runId's training events, stopped with cancelTraining. */
  buildDogBreeds(req: DogBreedsBuildRequest): Promise<void>;
  /** Whether `dog-breeds` is built, and what building it would download and compute (with an estimated time). */
  dogBreedsPlan(): Promise<DogBreedsPlanView>;
  /** The datasets the app manages under its user-data folder. */
  listDatasets(): Promise<DatasetView[]>;
  createDataset(name: string): Promise<DatasetView>;
  /** A managed dataset's folder, or one the user chose with openFolderDialog('dataset'). */
  showDataset(dataset: string): Promise<DatasetSummaryView>;
  datasetImages(req: z.input<typeof DatasetImagesRequest>): Promise<DatasetImagesView>;
  datasetThumbnails(req: z.input<typeof DatasetThumbnailsRequest>): Promise<ThumbnailView[]>;
  /** A picture's bytes (to open it in Recognize). */
  datasetImage(req: z.input<typeof DatasetFileRequest>): Promise<NamedBytes>;
  /** Asks for pictures in the open dialog and copies them into the class; null if the user cancelled. */
  addFilesToDataset(req: z.input<typeof DatasetClassRequest>): Promise<AddedView[] | null>;
  /** Dropped, pasted or captured pictures. */
  addBytesToDataset(req: z.input<typeof DatasetBytesRequest>): Promise<AddedView[]>;
  removeFromDataset(req: z.input<typeof DatasetRemoveRequest>): Promise<AddedView[]>;
  /** Returns where the picture is now, `<class>/<file>`. */
  moveInDataset(req: z.input<typeof DatasetMoveRequest>): Promise<string>;
  createClass(req: z.input<typeof DatasetClassRequest>): Promise<void>;
  renameClass(req: z.input<typeof DatasetRenameClassRequest>): Promise<void>;
  /** Deletes the class and its pictures (the window confirms first); returns how many went. */
  deleteClass(req: z.input<typeof DatasetClassRequest>): Promise<number>;
  /** Subscribes to main's events; returns the unsubscribe. */
  onEvent(listener: (e: StudioEvent) => void): () => void;
}

export const SaveCsvRequest = z.strictObject({ name: z.string().min(1).max(256), csv: z.string().max(64 * 1024 * 1024) });

/** Replies carry either a value or an error: Electron mangles thrown errors. A coded error (shared/errors.ts) brings its code and values. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string; code?: ErrorCode; params?: ErrorParams };

/**
 * An error crosses contextBridge as its message alone, so a code travels inside the message,
 * between invisible separators, for `readError` in the renderer to take out again.
 */
const MARK = '\u2063';

export function errorMessageOf(reply: Extract<Reply<unknown>, { ok: false }>): string {
  return reply.code ? `${MARK}${JSON.stringify({ code: reply.code, params: reply.params ?? {} })}${MARK}${reply.error}` : reply.error;
}

/** The English message of an error from main, with its code and values when it has them. */
export function readError(err: unknown): { message: string; code?: ErrorCode; params: ErrorParams } {
  const text = err instanceof Error ? err.message : String(err);
  const m = text.startsWith(MARK) ? /^\u2063(\{.*?\})\u2063([\s\S]*)$/.exec(text) : null;
  if (!m) return { message: text, params: {} };
  try {
    const { code, params } = JSON.parse(m[1]!) as { code: ErrorCode; params: ErrorParams };
    return { message: m[2]!, code, params };
  } catch {
    return { message: m[2]!, params: {} };
  }
}

// One's own datasets (service/datasets.ts). Names are checked again where they are used; these
// keep the shape: a class and a picture are plain names, never paths.
const PlainName = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !/[/\\\0]/.test(n) && !n.startsWith('.'), 'a plain file name');
const ClassName = z
  .string()
  .min(1)
  .max(128)
  .refine((n) => !/[/\\\0]/.test(n) && !n.startsWith('.'), 'a plain class name');
export const NamedBytes = z.strictObject({ name: z.string().min(1).max(256), data: z.instanceof(Uint8Array) });
export type NamedBytes = z.infer<typeof NamedBytes>;
export const DatasetClassRequest = z.strictObject({ dataset: Path, cls: ClassName });
export const DatasetImagesRequest = DatasetClassRequest.extend({ offset: z.number().int().min(0).max(10_000_000), limit: z.number().int().min(1).max(1000) });
export const DatasetThumbnailsRequest = DatasetClassRequest.extend({ names: z.array(PlainName).max(100) });
export const DatasetFileRequest = DatasetClassRequest.extend({ name: PlainName });
/** At most 64 pictures and 256 MB a request: a burst or a drop is sent in parts. */
export const DatasetBytesRequest = DatasetClassRequest.extend({ images: z.array(NamedBytes).min(1).max(64) }).refine(
  (r) => r.images.reduce((n, i) => n + i.data.byteLength, 0) <= 256 * 1024 ** 2,
  'at most 256 MB a request',
);
export const DatasetRemoveRequest = z.strictObject({
  dataset: Path,
  files: z
    .array(z.strictObject({ cls: ClassName, name: PlainName }))
    .min(1)
    .max(1000),
});
export const DatasetMoveRequest = DatasetFileRequest.extend({ to: ClassName });
export const DatasetRenameClassRequest = DatasetClassRequest.extend({ to: ClassName });
export const DatasetName = z.string().min(1).max(128);

export interface DatasetView {
  /** The folder: what every dataset request names it by. */
  dir: string;
  name: string;
  /** Made by the app under its user-data folder (else a folder the user chose). */
  managed: boolean;
}

export interface DatasetSummaryView extends DatasetView {
  classes: { name: string; count: number }[];
  images: number;
  /** What the one-button run trains with: the held-out test split and size-aware settings. */
  plan: { train: number; validation: number; test: number; epochs: number; batchSize: number };
}

export interface DatasetImagesView {
  total: number;
  offset: number;
  files: string[];
}

export interface ThumbnailView {
  name: string;
  url?: string;
  error?: string;
}

/** One picture's outcome; `error` names it by the name the window gave it. */
export interface AddedView {
  name: string;
  status: 'added' | 'present' | 'removed' | 'refused';
  stored?: string;
  reason?: string;
  error?: string;
}
