// The app's training runs: one at a time (two would only halve each other's speed), each in a
// worker thread, its events forwarded as 'training' events under the window's runId, its end as
// 'training-ended'. A model name in use is refused before the run starts.
import type { AugmentPreviewView, TrainRequest as TrainRequestInput } from '../contract.ts';
import { ResumeRequest, TrainRequest } from '../contract.ts';
import type { RunEnvironment } from '../core/training/run.ts';
import type { TrainEvent } from '../shared/train-events.ts';
import { isTransferNetwork } from '../shared/vocabulary.ts';
import { logFailure, logLine, type LogLine } from '../shared/log-messages.ts';
import { CodedError, errorCodeOf } from '../shared/errors.ts';
import type { EventBus } from './events.ts';
import { pixelsToDataUrl } from './images.ts';
import { augmentPreview, startTraining, startTransfer, type TrainingOptions, type TrainingRun } from './training.ts';
import { toTrainConfig, toTransferConfig } from './training-form.ts';
import { startDogBreedsBuild, type DogBreedsContext, type DogBreedsRequest } from './dog-breeds.ts';

export interface TrainingJobsOptions {
  /** Where runs read built-in datasets and store models. */
  env: RunEnvironment;
  /** The models mirror, where a transfer run finds its backbone (the datasets may have their own). */
  modelMirrorDir?: string;
  /** A model whose weights change (replaced, resumed) must be read anew by the recognizer. */
  forget: (model: string) => void;
  /** Main's route to the compute page, asked at each run's start (none: Node computes). */
  page?: () => TrainingOptions['page'];
}

export class TrainingJobs {
  private readonly runs = new Map<string, TrainingRun>();
  /** A run between its request and its thread (the name being reserved). */
  private starting = false;

  constructor(
    private readonly bus: EventBus,
    private readonly o: TrainingJobsOptions,
  ) {}

  async start(input: TrainRequestInput): Promise<void> {
    const req = TrainRequest.parse(input);
    const onEvent = this.forward(req.runId);
    await this.launch(req.runId, logLine('training-started', { network: req.network, dataset: req.dataset }), () =>
      isTransferNetwork(req.network)
        ? startTransfer(toTransferConfig(req), { ...this.o.env, mirrorDir: this.o.modelMirrorDir }, onEvent, this.options())
        : startTraining(toTrainConfig(req), this.o.env, onEvent, this.options()),
    );
  }

  /** Continues a stored run (interrupted, stopped, or complete with more epochs) from its best checkpoint, under its name. */
  async resume(input: ResumeRequest): Promise<void> {
    const req = ResumeRequest.parse(input);
    await this.launch(req.runId, logLine('resume-started', { model: req.model }), () => {
      this.o.forget(req.model); // its weights are about to change
      return startTraining({ resume: req.model, epochs: req.epochs }, this.o.env, this.forward(req.runId), this.options());
    });
  }

  /** Builds `dog-breeds` from Stanford Dogs (downloaded first if need be), as one run: stop keeps what is done. */
  async buildDogBreeds(runId: string, req: DogBreedsRequest, sources: Pick<DogBreedsContext, 'fetch' | 'entry'> = {}): Promise<void> {
    await this.launch(runId, logLine('dog-breeds-started'), () =>
      startDogBreedsBuild(req, { env: this.o.env, modelMirrorDir: this.o.modelMirrorDir, ...sources, ...this.options() }, this.forward(runId)),
    );
  }

  /** A few training images, each beside augmented versions of itself, as the form's settings would make them. */
  async augmentPreview(input: TrainRequestInput): Promise<AugmentPreviewView> {
    const req = TrainRequest.parse(input);
    if (isTransferNetwork(req.network))
      throw new CodedError('transfer-no-preview', 'Transfer learning trains on features of unaugmented photos: there is no augmentation to preview.');
    const p = await augmentPreview(toTrainConfig({ ...req, augment: true }), this.o.env);
    const scale = Math.max(1, Math.round(64 / p.width));
    const url = (px: Uint8Array) => pixelsToDataUrl(px, p.width, p.height, p.channels, scale);
    return {
      samples: await Promise.all(p.samples.map(async (s) => ({ label: s.label, original: await url(s.original), variants: await Promise.all(s.variants.map(url)) }))),
    };
  }

  private options(): TrainingOptions {
    const page = this.o.page?.();
    // The choice is the page's but its GPU went: the run starts on Node, and the log says why.
    const lost = page?.lost();
    if (lost) this.bus.log(logFailure('compute-train-on-node', { from: lost.backend }, lost.loss));
    return page ? { page } : {};
  }

  cancel(runId: string): void {
    this.runs.get(runId)?.cancel();
  }

  /** Resolves when every run has ended (tests, and quitting cleanly). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  cancelAll(): void {
    for (const run of this.runs.values()) run.cancel();
  }

  private async launch(runId: string, what: LogLine, start: () => Promise<TrainingRun>): Promise<void> {
    if (this.runs.size || this.starting) throw new CodedError('training-busy', 'A training run is already going; stop it first.');
    this.starting = true;
    try {
      this.track(runId, await start(), what);
    } finally {
      this.starting = false;
    }
  }

  private forward(runId: string): (event: TrainEvent) => void {
    return (event) => this.bus.emit({ type: 'training', runId, event });
  }

  private track(runId: string, run: TrainingRun, what: LogLine): void {
    this.runs.set(runId, run);
    this.bus.log(what);
    run.done
      .then(
        (done) => {
          // A replaced or resumed model may be loaded from before: the next recognition reads it anew.
          if (done.model) this.o.forget(done.model);
          this.bus.log(done.cancelled ? logLine('training-stopped') : done.model ? logLine('training-finished', { model: done.model }) : logLine('training-ended'));
          this.bus.emit({ type: 'training-ended', runId });
        },
        (err: Error) => {
          this.bus.log(logFailure('training-failed', {}, err), 'error');
          // A coded error keeps its code, so the window says it in its own words (never a CLI command).
          this.bus.emit({ type: 'training-ended', runId, error: err.message, ...errorCodeOf(err) });
        },
      )
      .finally(() => this.runs.delete(runId));
  }
}
