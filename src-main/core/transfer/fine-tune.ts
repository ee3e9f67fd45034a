// Fine-tuning after the head: the backbone's last layers learn too, slowly, with the head. The
// frozen rest of the backbone runs once per photo: its output at the split (split.ts) is cached
// on disk (activation-cache.ts), and every step runs only the top and the head, so fine-tuning is
// offered on every backend. The head first trains on pooled features computed from the same cached
// activations, so the backbone's bottom never runs twice for a photo.
import * as tf from '@tensorflow/tfjs';
import { splitValidation, type ImageSet } from '../datasets/types.ts';
import type { TrainConfig } from '../training/config.ts';
import type { EpochRecord } from '../../shared/train-events.ts';
import type { FitHooks } from '../training/fit.ts';
import { routedFit, type PageRoute } from '../training/routed-fit.ts';
import { ActivationCache } from './activation-cache.ts';
import { activationSet, eitherCopy, extractActivations, pooledFeatures, type Activations } from './activations.ts';
import type { Backbone } from './backbone.ts';
import type { TransferConfig } from './config.ts';
import type { FeatureKeyParts } from './feature-cache.ts';
import { featureSet, type Features, type LabelledFiles } from './features.ts';
import type { Head } from './head.ts';
import { timeFineTune, type FineTuneTiming } from './estimate.ts';
import { DEFAULT_UNFROZEN, splitBackbone, unfreezeTop, type Split } from './split.ts';
import { logLine, type LogLine } from '../../shared/log-messages.ts';
import { mulberry32 } from '../training/random.ts';

type SplitName = 'train' | 'validation' | 'test';
export type FineTuneSettings = NonNullable<TransferConfig['fineTune']>;

export class FineTuning {
  readonly split: Split;
  readonly cache: ActivationCache;
  /** The activations of the training photos turned left to right, when `settings.flip`. */
  readonly flipCache?: ActivationCache;
  private trainActs?: Activations;
  /** Activations in, class probabilities out: the top and the head, sharing the stored model's layers. */
  readonly model: tf.LayersModel;
  /** The activation sets extracted so far, by split. */
  readonly sets: Partial<Record<SplitName, ImageSet>> = {};

  constructor(
    private readonly backbone: Backbone,
    head: Head,
    key: FeatureKeyParts,
    cacheDir: string,
    readonly settings: FineTuneSettings,
    /** Seeds the coin that picks between a photo and its flipped copy. */
    private readonly seed = 1337,
  ) {
    this.split = splitBackbone(backbone, settings.layers ?? DEFAULT_UNFROZEN[backbone.id]);
    this.cache = new ActivationCache(cacheDir, { ...key, featureLength: this.split.length }, this.split.layer);
    if (settings.flip) this.flipCache = new ActivationCache(cacheDir, this.cache.key, this.split.layer, true);
    this.model = head.attach([this.split.topInput], this.split.topPooled);
  }

  /** "the last 3 layers with weights (conv_pw_12 to conv_pw_13) learn from the 7x7x384 activations at conv_pw_12's input" */
  describe(): LogLine {
    const u = this.split.unfrozen;
    const params = { count: u.length, first: u[0] ?? '', shape: this.split.shape.join('x'), layer: this.split.layer };
    return u.length > 1 ? logLine('fine-tuning', { ...params, last: u[u.length - 1]! }) : logLine('fine-tuning-one', params);
  }

  /**
   * Activations of the list's photos (cached), kept as a set; the pooled features the head trains
   * on first. Training photos are also extracted turned left to right when `settings.flip`
   * (`flipped` counts those; progress then runs over both passes).
   */
  async extract(
    list: LabelledFiles,
    name: SplitName,
    classNames: string[],
    description: ImageSet['description'],
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<Features & { flipped?: { computed: number; cached: number } }> {
    const flip = name === 'train' ? this.flipCache : undefined;
    const n = list.files.length;
    const passes = flip ? 2 : 1;
    const acts = await extractActivations(list, this.backbone, this.split, this.cache, { ...opts, onProgress: (done) => opts.onProgress?.(done, passes * n) });
    this.sets[name] = activationSet(acts, this.cache, classNames, { ...description, split: name, activations: this.split.layer, activationCache: this.cache.dir });
    let flipped;
    if (flip) {
      this.trainActs = acts;
      // The photos kept the first time: the same files, so the same hashes and the same order.
      const kept = { files: acts.files, labels: acts.labels };
      const m = await extractActivations(kept, this.backbone, this.split, flip, { ...opts, flip: true, onProgress: (done) => opts.onProgress?.(n + done, 2 * n) });
      if (m.skipped.length) throw new Error(`${m.skipped[0]!.file} could be read once but not a second time, for its flipped copy: ${m.skipped[0]!.error}`);
      flipped = { computed: m.computed, cached: m.cached };
    }
    return { ...(await pooledFeatures(acts, this.split, this.cache, this.backbone.featureLength)), flipped };
  }

  /**
   * The head's training set with flipped copies (`eitherCopy` of `plain`, the pooled features of
   * the training photos, and those of the flipped photos); undefined without `settings.flip`.
   */
  async flippedFeatures(plain: ImageSet): Promise<ImageSet | undefined> {
    if (!this.flipCache || !this.trainActs) return undefined;
    const f = await pooledFeatures(this.trainActs, this.split, this.flipCache, this.backbone.featureLength);
    return eitherCopy(
      plain,
      featureSet(f, this.backbone.featureLength, plain.classNames, { ...plain.description, activationCache: this.flipCache.dir }),
      mulberry32(this.seed + 2),
    );
  }

  /** Times the extraction and a training step of the top and head (see estimate.ts). */
  async time(batch: number): Promise<FineTuneTiming> {
    unfreezeTop(this.backbone, this.split);
    try {
      return await timeFineTune(this.split, this.model, this.backbone.inputSize, batch);
    } finally {
      this.freeze();
    }
  }

  private freeze(): void {
    for (const layer of this.backbone.features.layers) layer.trainable = false;
  }

  /**
   * Trains the top and the head on the cached activations. `validationSplit` is the fraction the
   * head's run took from the training set (0 with a validation folder): the same seeded split here.
   */
  /**
   * `head`: the head's run. Its best carries over, so a fine-tuning epoch is saved only when it
   * beats it, and the fine-tuning epochs are numbered after the head's (one history, one chart).
   * `route`: the compute page the steps go to (the top and head over the cached activations, as
   * floats), Node's `nodeBackend` taking over if it fails.
   */
  async run(
    trainCfg: TrainConfig,
    validationSplit: number,
    hooks: FitHooks,
    head: { history: EpochRecord[]; bestEpoch?: number },
    route: PageRoute | undefined,
    nodeBackend: string,
  ): Promise<{ history: EpochRecord[]; bestEpoch?: number; cancelled: boolean; stoppedEarly: boolean }> {
    unfreezeTop(this.backbone, this.split);
    let train = this.sets.train!;
    let validation = this.sets.validation;
    // With flipped copies, training reads either copy of a photo at random; validation the photos as they are.
    const flipped =
      this.flipCache &&
      this.trainActs &&
      eitherCopy(train, activationSet(this.trainActs, this.flipCache, train.classNames, { ...train.description, activationCache: this.flipCache.dir }), mulberry32(this.seed + 1));
    if (!validation && validationSplit > 0) {
      ({ train, validation } = splitValidation(train, validationSplit, trainCfg.seed));
      // The same seed and size: the same photos held out.
      if (flipped) train = splitValidation(flipped, validationSplit, trainCfg.seed).train;
    } else if (flipped) train = flipped;
    const cfg: TrainConfig = {
      ...trainCfg,
      epochs: this.settings.epochs,
      optimizer: { name: 'adam', learningRate: this.settings.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    };
    try {
      const start = head.bestEpoch === undefined ? undefined : { history: head.history, bestEpoch: head.bestEpoch, continues: true };
      const result = await routedFit(this.model, train, validation, cfg, this.backbone.preprocessing, hooks, start, route, nodeBackend);
      const before = head.history.at(-1)?.epoch ?? 0;
      // Without a best to carry over, the epochs are still numbered after the head's.
      const history = start ? result.history : [...head.history, ...result.history.map((r) => ({ ...r, epoch: r.epoch + before }))];
      const bestEpoch = start ? result.bestEpoch : result.bestEpoch === undefined ? head.bestEpoch : result.bestEpoch + before;
      return { history, bestEpoch, cancelled: result.cancelled, stoppedEarly: result.stoppedEarly };
    } finally {
      this.freeze();
    }
  }
}
