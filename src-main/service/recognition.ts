// The one typed API that the IPC layer and the CLI both call.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { initBackend, type BackendId, type BackendReport } from '../core/backend.ts';
import type { Classifier } from '../core/classifier.ts';
import { classifyMany, type ClassifyManyOptions } from '../core/classify-many.ts';
import type { Prediction } from '../core/labels.ts';
import { loadCatalog } from '../core/zoo/catalog.ts';
import type { DownloadProgress } from '../core/zoo/files.ts';
import { loadModel, isPathLike } from '../core/zoo/load.ts';
import { resolveStorage, type StorageSettings } from '../core/paths.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';

export interface ServiceOptions {
  cacheDir?: string;
  mirrorDir?: string;
  storeDir?: string;
  /** A backend name, or undefined for the best present (CLASSIFIER_BACKEND is honoured). */
  backend?: string;
  offline?: boolean;
  fetch?: typeof fetch;
  onDownload?: (p: DownloadProgress) => void;
  log?: (line: string) => void;
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
}

export interface RecognizeResult {
  file: string;
  model: string;
  backend: BackendId;
  /** Milliseconds from the request to the answer, model loading included on the first call. */
  ms: number;
  timings: { load: number; decode: number; inference: number };
  top: Prediction[];
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

  constructor(private readonly options: ServiceOptions = {}) {
    this.storage = resolveStorage(options);
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
        const { classifier, source } = await loadModel(spec, {
          ...this.storage,
          offline: this.options.offline,
          fetch: this.options.fetch,
          onProgress: this.options.onDownload,
        });
        this.options.log?.(`loaded ${spec} from ${source}`);
        classifier.warmUp();
        return classifier;
      })();
      this.models.set(key, pending);
      pending.catch(() => this.models.delete(key));
    }
    return pending;
  }

  async recognize(req: RecognizeRequest): Promise<RecognizeResult> {
    const t0 = performance.now();
    const { backend } = await this.backend();
    const classifier = await this.model(req.model);
    const t1 = performance.now();
    const name = typeof req.image === 'string' ? req.image : req.image.name;
    const decoded = await classifier.decode(typeof req.image === 'string' ? req.image : Buffer.from(req.image.data), name, req.fit);
    const t2 = performance.now();
    const [top] = await classifier.classify([decoded], req.topK ?? 5);
    const t3 = performance.now();
    return {
      file: name,
      model: req.model,
      backend,
      ms: round(t3 - t0),
      timings: { load: round(t1 - t0), decode: round(t2 - t1), inference: round(t3 - t2) },
      top: top!,
    };
  }

  /**
   * Many photos, answered in order as they are done: decoded ahead of inference and run in
   * batches (core/classify-many.ts), the same answers as recognize() one by one. A model that
   * does not load throws; a photo that does not decode is a RecognizeFailure in its place.
   */
  async *recognizeMany(req: RecognizeManyRequest, opts: Pick<ClassifyManyOptions, 'batchSize' | 'prefetch' | 'signal'> = {}): AsyncGenerator<RecognizeResult | RecognizeFailure> {
    const t0 = performance.now();
    const { backend } = await this.backend();
    const classifier = await this.model(req.model);
    const load = round(performance.now() - t0);
    for await (const r of classifyMany(classifier, req.images, { ...opts, topK: req.topK ?? 5, fit: req.fit })) {
      if (!r.top) {
        yield { file: r.file, error: r.error! };
        continue;
      }
      const { decode, inference } = r.timings!;
      // ms: this photo's own work (its decode and its share of its batch), the load counted once.
      yield { file: r.file, model: req.model, backend, ms: round((r.index === 0 ? load : 0) + decode + inference), timings: { load: r.index === 0 ? load : 0, decode: round(decode), inference: round(inference) }, top: r.top };
    }
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
    this.models.get(key)?.then((c) => c.dispose(), () => undefined);
    this.models.delete(key);
  }

  dispose(): void {
    for (const pending of this.models.values()) pending.then((c) => c.dispose(), () => undefined);
    this.models.clear();
  }
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
