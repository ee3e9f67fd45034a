// A loaded model with everything needed to answer "what is this?" for a photo.
import * as tf from '@tensorflow/tfjs';
import { decodeImage, type DecodedImage } from './images/decode.ts';
import { topK, type ClassLabel, type Prediction } from './labels.ts';
import { scoreBatch, type Scores } from './models/scores.ts';
import type { Preprocessing } from './models/preprocessing.ts';
import type { PageBackend } from './compute/port.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';

export interface ClassifierSpec {
  id: string;
  name: string;
  inputSize: [height: number, width: number];
  channels: 1 | 3;
  preprocessing: Preprocessing;
  /** 'area' suits models trained on tiny images (MNIST): it keeps thin strokes. */
  resize: 'bilinear' | 'area';
  /** How photos are fitted to the input: what the model was trained (or, in the zoo, evaluated) with. */
  fit: PhotoFit;
  /** MNIST-style models expect a light subject on a dark background. */
  invertLightBackground: boolean;
  labels: ClassLabel[];
  /**
   * Only the model's outputs first..last (inclusive) count, renormalized to sum to 1; `labels`
   * are those classes', and predictions keep the model's own class indices.
   */
  classRange?: [first: number, last: number];
}

/** Scores and, when the compute page computed them, which of its backends did (its reply says so). */
export type ComputedScores = Scores & { computedBy?: PageBackend };

/** Scores computed elsewhere (the compute page); undefined: not there this time, so here. */
export type RemoteScores = (pixels: Uint8Array[]) => Promise<(Scores & { computedBy: PageBackend })[] | undefined>;

export class Classifier {
  /** Where scores are computed instead of `model` when it can (service/page-scoring.ts). */
  remote?: RemoteScores;

  constructor(
    readonly spec: ClassifierSpec,
    readonly model: tf.LayersModel,
  ) {
    const out = model.outputs[0]!.shape;
    const classes = out[out.length - 1] ?? 0;
    const range = spec.classRange;
    if (range && (range[1] >= classes || range[1] - range[0] + 1 !== spec.labels.length)) {
      throw new Error(`Model ${spec.id}: classes ${range[0]}-${range[1]} of ${classes} outputs do not match ${spec.labels.length} labels.`);
    }
    if (!range && classes !== spec.labels.length) {
      throw new Error(`Model ${spec.id} has ${classes} outputs but ${spec.labels.length} labels.`);
    }
  }

  /** `fit` overrides the model's own (predict --resize). */
  decode(input: string | Buffer, label?: string, fit: PhotoFit = this.spec.fit): Promise<DecodedImage> {
    const [height, width] = this.spec.inputSize;
    return decodeImage(
      input,
      {
        width,
        height,
        channels: this.spec.channels,
        resize: this.spec.resize,
        fit,
        invertLightBackground: this.spec.invertLightBackground,
      },
      label,
    );
  }

  /** Class probabilities for a batch of images already decoded to the input size. */
  async probabilities(images: readonly DecodedImage[]): Promise<Float32Array[]> {
    return (await this.scores(images)).map((s) => s.probabilities);
  }

  /**
   * Probabilities, and with `classRange` the share of the model's whole probability that fell
   * on those classes before renormalizing (a dog-breed view's "is this a dog at all?").
   */
  async scores(images: readonly DecodedImage[]): Promise<ComputedScores[]> {
    const pixels = images.map((i) => i.data);
    return (await this.remote?.(pixels)) ?? scoreBatch(this.model, this.spec, pixels);
  }

  async classify(images: readonly DecodedImage[], k = 5): Promise<Prediction[][]> {
    return (await this.answers(images, k)).map((a) => a.top);
  }

  /**
   * The top k of each image, the share of its probability on `classRange` (see scores), and the
   * compute page's backend when the page computed it (each answer its own: requests interleave).
   */
  async answers(images: readonly DecodedImage[], k = 5): Promise<{ top: Prediction[]; rangeShare?: number; computedBy?: PageBackend }[]> {
    const offset = this.spec.classRange?.[0] ?? 0;
    return (await this.scores(images)).map(({ probabilities, rangeShare, computedBy }) => ({
      top: topK(probabilities, this.spec.labels, k).map((pred) => ({ ...pred, index: pred.index + offset })),
      ...(rangeShare === undefined ? {} : { rangeShare }),
      ...(computedBy ? { computedBy } : {}),
    }));
  }

  /** Runs one batch of zeros so the first real image does not pay for kernel set-up. */
  warmUp(): void {
    const [h, w] = this.spec.inputSize;
    tf.tidy(() => {
      (this.model.predict(tf.zeros([1, h, w, this.spec.channels])) as tf.Tensor).dataSync();
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}
