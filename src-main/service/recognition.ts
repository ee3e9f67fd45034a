// The one typed API that the IPC layer and the CLI both call.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { initBackend, type BackendId, type BackendReport, type PageGpuBackend } from '../core/backend.ts';
import type { Classifier } from '../core/classifier.ts';
import type { ExplainReply } from '../contract.ts';
import { classifyMany, type ClassifyManyOptions } from '../core/classify-many.ts';
import type { Prediction } from '../core/labels.ts';
import { answerWarnings } from '../core/answer-checks.ts';
import { explainClasses, modelInputPng, placementOf, type Heatmap } from '../core/explain.ts';
import { seenRegion } from '../core/images/heatmap.ts';
import { findView, loadCatalog } from '../core/zoo/catalog.ts';
import type { RecognizeWarning } from '../shared/recognize-warnings.ts';
import { modelAvailable, type DownloadProgress } from '../core/zoo/files.ts';
import { ensureTrainable } from '../core/backends/wasm-training-kernels.ts';
import type { Candidate } from '../core/compute/choose.ts';
import { measureBackend } from '../core/compute/measure.ts';
import { loadModel, isPathLike } from '../core/zoo/load.ts';
import { resolveStorage, type StorageSettings } from '../core/paths.ts';
import { ModelStore } from '../core/store/model-store.ts';
import { insideOf, modelSummary, type FeatureMapsResult, type SummaryResult } from './inside.ts';
import { DOG_BREEDS_FALLBACK, DOG_BREEDS_MODEL } from '../shared/vocabulary.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';
import { logLine, word, type LogLine } from '../shared/log-messages.ts';
import { PageScoring, type AskPage, type ForgetOnPage } from './page-scoring.ts';
import type { ErrorCode, ErrorParams } from '../shared/errors.ts';

export interface ServiceOptions {
  cacheDir?: string;
  mirrorDir?: string;
  storeDir?: string;
  /** A backend name, or undefined for the best present (CLASSIFIER_BACKEND is honoured). */
  backend?: string;
  offline?: boolean;
  fetch?: typeof fetch;
  onDownload?: (p: DownloadProgress) => void;
  log?: (line: LogLine) => void;
  /** The compute page (main's PageRoute): models score there while it computes, on Node when it fails. */
  page?: AskPage;
  /** Frees a model in the page when this service drops it (main's PageRoute.forget). */
  pageForget?: ForgetOnPage;
}

export interface ModelInfo {
  id: string;
  name: string;
  description: string;
  speed: string;
  classes: number;
  inputSize: [number, number];
  parameters: number;
}

export type ImageInput = string | { data: Uint8Array; name: string };

export interface RecognizeRequest {
  image: ImageInput;
  model: string;
  topK?: number;
  /** How the photo is fitted to the input, instead of the model's own way (predict --resize). */
  fit?: PhotoFit;
  /** Each answer of `top` gets its Grad-CAM heatmap. */
  explain?: boolean;
  /** With `explain`: the layer whose feature maps Grad-CAM uses; the last convolution's when absent. */
  layer?: string;
}

export interface ExplainRequest {
  image: ImageInput;
  model: string;
  /** The model's own class index (as predictions give it); the top answer when absent. */
  classIndex?: number;
  /** The layer whose feature maps to use; the last convolution's when absent. */
  layer?: string;
}

export interface FeatureMapsRequest {
  model: string;
  /** Without a photo, only the layers and the first filters. */
  image?: ImageInput;
  /** The layer whose maps to show; the first convolution's when absent. */
  layer?: string;
}

/** The window's ExplainReply (contract.ts), with the core's own types for what it carries. */
export interface ExplainResult extends Omit<ExplainReply, 'backend' | 'prediction' | 'heatmap'> {
  backend: BackendId;
  /** The class explained, with the probability the model gives it. */
  prediction: Prediction;
  heatmap: Heatmap;
}

export interface RecognizeManyRequest {
  images: ImageInput[];
  model: string;
  topK?: number;
  fit?: PhotoFit;
}

/** A photo of a batch that could not be recognized (it did not decode), in its place in the order. */
export interface RecognizeFailure {
  file: string;
  error: string;
  /** Its code and values (`image-<kind>` for a picture that does not decode): the window words it. */
  coded?: { code: ErrorCode; params: ErrorParams };
}

export interface RecognizeResult {
  file: string;
  /** The model that answered: `dog-breeds-imagenet` where `dog-breeds` was asked for but is not built yet. */
  model: string;
  /** Set when another model answered than the one asked for. */
  requested?: string;
  /** Node's backend, or the compute page's GPU backend when recognition was routed there. */
  backend: BackendId | PageGpuBackend;
  /** Milliseconds from the request to the answer, model loading included on the first call. */
  ms: number;
  timings: { load: number; decode: number; inference: number };
  top: (Prediction & { heatmap?: Heatmap })[];
  /** With `explain`: the layer whose feature maps the heatmaps come from. */
  layer?: string;
  /** A view's share of the base model's probability on its classes (dog breeds: on dogs at all). */
  rangeShare?: number;
  /** Why the answer may not be worth much (not a dog, a tiny photo, a colour photo to a grey model). */
  warnings: RecognizeWarning[];
}

/** Where the models run: tfjs's tensor count and bytes, and the memory of the thread and process. */
export interface RecognizerStats {
  numTensors: number;
  numBytes: number;
  /** This thread's V8 heap (a worker has its own). */
  heapUsed: number;
  /** The whole process, every thread. */
  rss: number;
  models: number;
}

export class RecognitionService {
  readonly storage: StorageSettings;
  private readonly models = new Map<string, Promise<Classifier>>();
  private readonly page?: PageScoring;

  constructor(private readonly options: ServiceOptions = {}) {
    this.storage = resolveStorage(options);
    if (options.page) this.page = new PageScoring(options.page, async () => (await this.backend()).backend, options.log, options.pageForget);
  }

  backend(): Promise<BackendReport> {
    return initBackend(this.options.backend);
  }

  listModels(): ModelInfo[] {
    const { models, views } = loadCatalog();
    const zoo = models.map(({ id, name, description, speed, classes, inputSize, parameters }) => ({ id, name, description, speed, classes, inputSize, parameters }));
    const derived = views.flatMap((v) => {
      const base = zoo.find((m) => m.id === v.of);
      return base ? [{ ...base, id: v.id, name: v.name, description: v.description, speed: v.speed, classes: v.classRange[1] - v.classRange[0] + 1 }] : [];
    });
    return [...zoo, ...derived];
  }

  /** Loads once and keeps the model; a failed load is forgotten so it can be retried. */
  async model(spec: string): Promise<Classifier> {
    const key = isPathLike(spec) ? path.resolve(spec) : spec;
    let pending = this.models.get(key);
    if (!pending) {
      pending = (async () => {
        await this.backend();
        const { classifier, source, located } = await loadModel(spec, {
          ...this.storage,
          offline: this.options.offline,
          fetch: this.options.fetch,
          onProgress: this.options.onDownload,
        });
        this.options.log?.(located ? logLine('model-loaded-via', { model: spec, via: word(located.via), file: located.file }) : logLine('model-loaded', { model: spec, source }));
        classifier.warmUp();
        this.page?.attach(key, classifier);
        return classifier;
      })();
      this.models.set(key, pending);
      pending.catch(() => this.models.delete(key));
    }
    return pending;
  }

  /** `dog-breeds` answers once built (models build dog-breeds); until then the zero-training view of ImageNet does. */
  async answeringModel(spec: string): Promise<string> {
    if (spec !== DOG_BREEDS_MODEL || (await new ModelStore(this.storage.storeDir).has(spec))) return spec;
    return DOG_BREEDS_FALLBACK;
  }

  async recognize(req: RecognizeRequest): Promise<RecognizeResult> {
    const t0 = performance.now();
    const { backend } = await this.backend();
    const model = await this.answeringModel(req.model);
    const classifier = await this.model(model);
    const t1 = performance.now();
    const { name, source } = sourceOf(req.image);
    const decoded = await classifier.decode(source, name, req.fit);
    const t2 = performance.now();
    const [answer] = await classifier.answers([decoded], req.topK ?? 5);
    const { top, rangeShare, computedBy } = answer!;
    const explained = req.explain
      ? await explainClasses(
          classifier,
          decoded,
          top.map((p) => p.index),
          { layer: req.layer },
        )
      : undefined;
    const heatmaps = explained?.heatmaps;
    const t3 = performance.now();
    const warnings = await answerWarnings({ spec: classifier.spec, image: decoded, source, name, rangeShare, subject: findView(model)?.subject });
    return {
      file: name,
      model,
      ...(model !== req.model ? { requested: req.model } : {}),
      backend: computedBy ?? backend,
      ms: round(t3 - t0),
      timings: { load: round(t1 - t0), decode: round(t2 - t1), inference: round(t3 - t2) },
      top: heatmaps ? top.map((p, i) => ({ ...p, heatmap: heatmaps[i]! })) : top,
      ...(explained ? { layer: explained.layer } : {}),
      ...(rangeShare === undefined ? {} : { rangeShare }),
      warnings,
    };
  }

  /** Grad-CAM: where in the photo the model found one class (its top answer by default), and what it was given. */
  async explain(req: ExplainRequest): Promise<ExplainResult> {
    const t0 = performance.now();
    const { backend } = await this.backend();
    const classifier = await this.model(req.model);
    const { name, source } = sourceOf(req.image);
    const decoded = await classifier.decode(source, name);
    const [answer] = await classifier.answers([decoded], classifier.spec.labels.length);
    const index = req.classIndex ?? answer!.top[0]!.index;
    const prediction = answer!.top.find((p) => p.index === index);
    if (!prediction) {
      const first = classifier.spec.classRange?.[0] ?? 0;
      throw new Error(`Class ${index} is not one of the classes of ${req.model} (${first} to ${first + classifier.spec.labels.length - 1}).`);
    }
    const { layer, heatmaps } = await explainClasses(classifier, decoded, [index], { layer: req.layer });
    const png = await modelInputPng(decoded);
    return {
      file: name,
      model: req.model,
      backend,
      ms: round(performance.now() - t0),
      prediction,
      layer,
      heatmap: heatmaps[0]!,
      seen: seenRegion(placementOf(classifier, decoded)),
      photo: { width: decoded.original.width, height: decoded.original.height },
      input: { width: decoded.width, height: decoded.height, channels: decoded.channels, png: new Uint8Array(png) },
    };
  }

  /** The Keras-style summary of the model as published; `dog-breeds` before it is built: the model that answers for it. */
  async summary(spec: string): Promise<SummaryResult> {
    await this.backend();
    return modelSummary(await this.answeringModel(spec), { ...this.storage, offline: this.options.offline, fetch: this.options.fetch });
  }

  /** A layer's feature maps for a photo, and the first convolution's filters, of the model that recognizes. */
  async featureMaps(req: FeatureMapsRequest): Promise<FeatureMapsResult> {
    await this.backend();
    const model = await this.answeringModel(req.model);
    const classifier = await this.model(model);
    if (!req.image) return insideOf(classifier, model, undefined, req.layer);
    const { name, source } = sourceOf(req.image);
    return insideOf(classifier, model, await classifier.decode(source, name), req.layer);
  }

  /**
   * Many photos, answered in order as they are done: decoded ahead of inference and run in
   * batches (core/classify-many.ts), the same answers as recognize() one by one. A model that
   * does not load throws; a photo that does not decode is a RecognizeFailure in its place.
   */
  async *recognizeMany(req: RecognizeManyRequest, opts: Pick<ClassifyManyOptions, 'batchSize' | 'prefetch' | 'signal'> = {}): AsyncGenerator<RecognizeResult | RecognizeFailure> {
    const t0 = performance.now();
    const { backend } = await this.backend();
    const model = await this.answeringModel(req.model);
    const classifier = await this.model(model);
    const load = round(performance.now() - t0);
    const subject = findView(model)?.subject;
    for await (const r of classifyMany(classifier, req.images, { ...opts, topK: req.topK ?? 5, fit: req.fit })) {
      if (!r.top) {
        yield { file: r.file, error: r.error!, ...(r.coded ? { coded: r.coded } : {}) };
        continue;
      }
      const photo = req.images[r.index]!;
      const { name, source } = sourceOf(photo);
      const warnings = await answerWarnings({ spec: classifier.spec, image: r.image!, source, name, rangeShare: r.rangeShare, subject });
      const { decode, inference } = r.timings!;
      const firstLoad = r.index === 0 ? load : 0;
      // ms: this photo's own work (its decode and its share of its batch), the load counted once.
      yield {
        file: r.file,
        model,
        ...(model !== req.model ? { requested: req.model } : {}),
        backend: r.computedBy ?? backend,
        ms: round(firstLoad + decode + inference),
        timings: { load: firstLoad, decode: round(decode), inference: round(inference) },
        top: r.top,
        ...(r.rangeShare === undefined ? {} : { rangeShare: r.rangeShare }),
        warnings,
      };
    }
  }

  /**
   * This thread's backend timed as the chooser ranks backends (core/compute/measure.ts), and the
   * Node backends that failed to start, as unavailable. MobileNet is never downloaded for this.
   */
  async measure(): Promise<Candidate[]> {
    const report = await this.backend();
    const failed: Candidate[] = report.attempts.filter((a) => !a.ok).map((a) => ({ backend: a.backend, available: false, ...(a.reason ? { detail: a.reason } : {}) }));
    // Without MobileNet: present but not timed (measure-all.ts notes why).
    if (!(await modelAvailable('mobilenet', this.storage))) return [{ backend: report.backend, available: true }, ...failed];
    await ensureTrainable();
    const { spec, model } = await this.model('mobilenet');
    const measured = await measureBackend(model, { inputSize: spec.inputSize, channels: spec.channels, preprocessing: spec.preprocessing });
    return [{ backend: report.backend, available: true, measured }, ...failed];
  }

  stats(): RecognizerStats {
    // Under --expose-gc (soak runs) collect first, so heap figures compare from sample to sample.
    (globalThis as { gc?: () => void }).gc?.();
    const m = tf.memory();
    const mem = process.memoryUsage();
    return { numTensors: m.numTensors, numBytes: m.numBytes, heapUsed: mem.heapUsed, rss: mem.rss, models: this.models.size };
  }

  /** Drops a loaded model, e.g. a stored one that was renamed or deleted. */
  forget(spec: string): void {
    const key = isPathLike(spec) ? path.resolve(spec) : spec;
    const pending = this.models.get(key);
    pending?.then(
      (c) => c.dispose(),
      () => undefined,
    );
    if (pending) this.page?.detach(key);
    this.models.delete(key);
  }

  dispose(): void {
    for (const pending of this.models.values())
      pending.then(
        (c) => c.dispose(),
        () => undefined,
      );
    this.models.clear();
  }
}

function sourceOf(image: ImageInput): { name: string; source: string | Buffer } {
  return typeof image === 'string' ? { name: image, source: image } : { name: image.name, source: Buffer.from(image.data) };
}

/** Every item of an async stream, in order (a batch answered over IPC or to a worker's caller). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
