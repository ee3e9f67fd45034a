// Many photos through one classifier at full speed: decoding and resizing (sharp, on libuv's
// threads) run ahead of inference in a bounded window, and the model sees batches. The answers
// are those of one photo at a time (the same pixels; a batch changes softmax by about 1e-7),
// in the order the photos were given.
import { performance } from 'node:perf_hooks';
import type { Classifier } from './classifier.ts';
import type { PageBackend } from './compute/port.ts';
import type { DecodedImage } from './images/decode.ts';
import type { Prediction } from './labels.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';
import { errorCodeOf, type ErrorCode, type ErrorParams } from '../shared/errors.ts';

export type PhotoInput = string | { data: Uint8Array; name: string };

export interface ClassifyManyOptions {
  /** Photos per inference (default 8: MobileNet on wasm is fastest per photo there). */
  batchSize?: number;
  /**
   * Decodes in flight at most (default 2 batches): enough to keep the model fed while one batch
   * runs, and a bound on memory (each holds a file's bytes and its pixels).
   */
  prefetch?: number;
  topK?: number;
  /** Instead of the model's own way of fitting photos to its input. */
  fit?: PhotoFit;
  signal?: AbortSignal;
}

export interface ClassifiedPhoto {
  index: number;
  file: string;
  top?: Prediction[];
  /** With a view's classRange: the share of the base model's probability on those classes. */
  rangeShare?: number;
  /** The compute page's backend when the page computed this answer (Classifier.answers). */
  computedBy?: PageBackend;
  /** The pixels the model was given (the answer's checks read them). */
  image?: DecodedImage;
  error?: string;
  /** The error's code and values (a picture that does not decode: `image-<kind>`), for the window's words. */
  coded?: { code: ErrorCode; params: ErrorParams };
  /** This photo's decode, and its share of its batch's inference, in milliseconds. */
  timings?: { decode: number; inference: number };
}

type Decoded = { index: number; file: string; image?: DecodedImage; error?: string; coded?: ClassifiedPhoto['coded']; ms: number };

export async function* classifyMany(classifier: Classifier, photos: readonly PhotoInput[], opts: ClassifyManyOptions = {}): AsyncGenerator<ClassifiedPhoto> {
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const prefetch = Math.max(batchSize, opts.prefetch ?? 2 * batchSize);
  const decode = async (index: number): Promise<Decoded> => {
    const photo = photos[index]!;
    const file = typeof photo === 'string' ? photo : photo.name;
    const t0 = performance.now();
    try {
      const image = await classifier.decode(typeof photo === 'string' ? photo : Buffer.from(photo.data), file, opts.fit);
      return { index, file, image, ms: performance.now() - t0 };
    } catch (err) {
      const coded = errorCodeOf(err);
      return { index, file, error: err instanceof Error ? err.message : String(err), ...(coded ? { coded } : {}), ms: performance.now() - t0 };
    }
  };
  const window: Promise<Decoded>[] = [];
  let next = 0;
  const fill = () => {
    while (window.length < prefetch && next < photos.length) window.push(decode(next++));
  };
  fill();
  while (window.length) {
    if (opts.signal?.aborted) break;
    // The next photos in order, up to a batch; each taken makes room for another decode.
    const group: Decoded[] = [];
    while (group.length < batchSize && window.length) {
      group.push(await window.shift()!);
      fill();
    }
    const ok = group.filter((d) => d.image);
    const t0 = performance.now();
    const answers = ok.length
      ? await classifier.answers(
          ok.map((d) => d.image!),
          opts.topK ?? 5,
        )
      : [];
    const share = ok.length ? (performance.now() - t0) / ok.length : 0;
    let k = 0;
    for (const d of group) {
      const a = d.image && answers[k++]!;
      yield a
        ? {
            index: d.index,
            file: d.file,
            top: a.top,
            rangeShare: a.rangeShare,
            ...(a.computedBy ? { computedBy: a.computedBy } : {}),
            image: d.image,
            timings: { decode: d.ms, inference: share },
          }
        : { index: d.index, file: d.file, error: d.error!, ...(d.coded ? { coded: d.coded } : {}) };
    }
  }
}
