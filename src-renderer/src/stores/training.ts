// The training panel's state: the form, the run's progress and curves, and its evaluation.
import { defineStore } from 'pinia';
import { errorMessageOf, isTransferNetwork, TrainRequest, type AugmentPreviewView, type EvaluationView, type TrainEvent } from '../../../src-main/contract';
import { newSmoother, smooth, smoothingSteps } from '../lib/curves';
import { newId } from '../lib/format';
import { isBuiltInDataset, NETWORK_FOR_DATASET, TRAINING_DEFAULTS } from '../../../src-main/shared/vocabulary';
import { useAppStore } from './app';
import { logFailure, logLine, type LogLine } from '../../../src-main/shared/log-messages';
import { fieldIssues } from '../../../src-main/shared/field-issues';
import type { FieldIssue } from '../../../src-main/shared/errors';

export interface TrainForm {
  dataset: string;
  network: TrainRequest['network'];
  epochs: number;
  batchSize: number;
  optimizer: TrainRequest['optimizer'];
  learningRate: number;
  validationSplit: number;
  limit: number | null;
  testLimit: number | null;
  dropout: number | null;
  /** Transfer learning only: how photos are fitted to the backbone's input. */
  fit: NonNullable<TrainRequest['fit']>;
  augment: boolean;
  earlyStoppingPatience: number | null;
  /** Transfer learning: fine-tune the backbone's last layers after the head. */
  fineTune: boolean;
  out: string;
  /** The user confirmed that the run replaces the stored model called `out`. */
  overwrite: boolean;
}

/** Keras's default learning rate of each optimizer. */
export const DEFAULT_LR: Record<TrainForm['optimizer'], number> = { adam: 0.001, sgd: 0.01, rmsprop: 0.001, adagrad: 0.001 };

type Start = Extract<TrainEvent, { event: 'start' }>;
type Batch = Extract<TrainEvent, { event: 'batch' }>;
type Done = Extract<TrainEvent, { event: 'done' }>;
export interface Point {
  x: number;
  y: number;
}

function emptyRun() {
  return {
    start: null as Start | null,
    batch: null as Batch | null,
    stage: null as { stage: string; done: number; total: number } | null,
    curves: { loss: [] as Point[], accuracy: [] as Point[], valLoss: [] as Point[], valAccuracy: [] as Point[] },
    /** The training curves' smoothing across epochs (lib/curves.ts). */
    smoothing: { loss: newSmoother(), accuracy: newSmoother() },
    epochsDone: 0,
    done: null as Done | null,
    evaluation: null as EvaluationView | null,
    error: '',
    /** Where the batches compute when the run goes through the compute page (its epochs say so). */
    computedOn: '',
    /** The page failed mid-run and Node went on: from which backend, in which epoch, from which checkpoint. */
    fellBack: null as { from: string; backend: string; epoch: number; best?: number } | null,
    /** Coded lines (lib/log-text.ts words them in the user's language). */
    log: [] as LogLine[],
  };
}

export const useTrainingStore = defineStore('training', {
  state: () => ({
    form: {
      // The CLI's defaults (one list: shared/vocabulary.ts).
      dataset: 'mnist',
      network: 'lenet5',
      ...TRAINING_DEFAULTS,
      optimizer: 'adam',
      learningRate: 0.001,
      limit: null,
      testLimit: null,
      dropout: null,
      fit: 'crop',
      augment: false,
      earlyStoppingPatience: null,
      fineTune: false,
      out: '',
      overwrite: false,
    } as TrainForm,
    runId: '',
    running: false,
    stopping: false,
    run: emptyRun(),
    /** The epochs field's last value the schema took: the panel's "Epoch 0 of N" and the charts' axis keep it while the field holds one it refuses. */
    lastValidEpochs: TRAINING_DEFAULTS.epochs as number,
    /** Augmented samples for the form's settings, shown until closed. */
    preview: null as AugmentPreviewView | null,
    previewing: false,
    previewError: '',
  }),
  getters: {
    request(s): TrainRequest {
      const f = s.form;
      const opt = <T>(v: T | null | '') => (v === null || v === '' ? undefined : v);
      return {
        runId: s.runId || 'pending',
        dataset: f.dataset,
        network: f.network,
        epochs: f.epochs,
        batchSize: f.batchSize,
        optimizer: f.optimizer,
        learningRate: f.learningRate,
        validationSplit: f.validationSplit,
        limit: opt(f.limit),
        testLimit: opt(f.testLimit),
        dropout: opt(f.dropout),
        // Transfer learning hides the augmentation box (it trains on features of the photos as they are).
        augment: f.augment && !isTransferNetwork(f.network),
        earlyStoppingPatience: opt(f.earlyStoppingPatience),
        out: opt(f.out.trim()),
        ...(f.fineTune && isTransferNetwork(f.network) ? { fineTune: true } : {}),
        ...(f.overwrite && f.out.trim() ? { overwrite: true } : {}),
        ...(isTransferNetwork(f.network) ? { fit: f.fit } : {}),
      };
    },
    /** Field name → its first issue, from the same schema main checks against; the form words it. */
    errors(): Record<string, FieldIssue> {
      const parsed = TrainRequest.safeParse(this.request);
      const out: Record<string, FieldIssue> = {};
      if (!parsed.success) for (const i of fieldIssues(parsed.error.issues)) out[i.field.split('.')[0] || 'form'] ??= i;
      return out;
    },
    valid(): boolean {
      return Object.keys(this.errors).length === 0;
    },
    /** The epochs the panel counts to: the run's, else the form's, but never a value the field refuses (5000 says why beside it, and drives nothing). */
    plannedEpochs(): number {
      return this.run.start?.epochs ?? (this.errors.epochs ? this.lastValidEpochs : this.form.epochs);
    },
    /** Fractions 0..1 of the current epoch and of the whole run. */
    progress(): { epoch: number; run: number } {
      const b = this.run.batch;
      if (this.run.done && !this.run.done.cancelled) return { epoch: 1, run: 1 };
      if (!b) return { epoch: 0, run: 0 };
      return { epoch: b.step / b.steps, run: Math.min(1, (b.epoch - 1 + b.step / b.steps) / this.plannedEpochs) };
    },
  },
  actions: {
    /** File > Open Dataset Folder… and the run's events; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type === 'menu' && e.command === 'open-dataset') this.setDataset(e.path);
        if (e.type === 'training' && e.runId === this.runId) this.apply(e.event);
        if (e.type === 'training-ended' && e.runId === this.runId) {
          this.running = false;
          this.stopping = false;
          // Its code (if any) travels in the text, as a refused request's does: errorText words it.
          if (e.error) this.run.error = errorMessageOf({ ok: false, error: e.error, code: e.code, params: e.params });
          void useAppStore().refreshModels();
        }
      });
    },
    setOptimizer(name: TrainForm['optimizer']) {
      this.form.optimizer = name;
      this.form.learningRate = DEFAULT_LR[name];
    },
    setDataset(dataset: string) {
      this.form.dataset = dataset;
      // A folder of photos suits transfer learning best; the built-in sets have their course CNN.
      this.form.network = isBuiltInDataset(dataset) ? NETWORK_FOR_DATASET[dataset] : 'transfer-mobilenet';
      if (isTransferNetwork(this.form.network)) this.form.augment = false;
    },
    async chooseFolder() {
      const folder = await window.api.openFolderDialog('dataset');
      if (folder) this.setDataset(folder);
    },
    async start() {
      if (this.running || !this.valid) return;
      await this.launch((runId) => window.api.startTraining({ ...this.request, runId }));
      this.form.overwrite = false; // confirmed for this run only
    },
    /** A stopped or interrupted run of the Models panel, continued here from its best checkpoint. */
    async resume(model: string) {
      if (this.running) return;
      await this.launch((runId) => window.api.resumeTraining({ runId, model }));
    },
    /** A new run on this panel: its events come under the new runId; a refusal shows as its error. */
    async launch(request: (runId: string) => Promise<void>) {
      this.runId = newId('run');
      this.run = emptyRun();
      this.running = true;
      try {
        await request(this.runId);
      } catch (err) {
        this.running = false;
        this.run.error = (err as Error).message;
      }
    },
    async previewAugment() {
      if (this.previewing || !this.valid) return;
      this.previewing = true;
      this.previewError = '';
      try {
        this.preview = await window.api.augmentPreview({ ...this.request, augment: true });
      } catch (err) {
        this.preview = null;
        this.previewError = (err as Error).message;
      } finally {
        this.previewing = false;
      }
    },
    async stop() {
      if (!this.running) return;
      this.stopping = true;
      await window.api.cancelTraining(this.runId);
    },
    apply(e: TrainEvent) {
      const r = this.run;
      switch (e.event) {
        case 'start':
          r.start = e;
          r.stage = null;
          // A resumed run draws the epochs it continues from, one point each, as the History does.
          for (const h of e.before ?? []) {
            r.curves.loss.push({ x: h.epoch, y: h.loss });
            r.curves.accuracy.push({ x: h.epoch, y: h.accuracy });
            if (h.val_loss !== undefined) r.curves.valLoss.push({ x: h.epoch, y: h.val_loss });
            if (h.val_accuracy !== undefined) r.curves.valAccuracy.push({ x: h.epoch, y: h.val_accuracy });
          }
          r.epochsDone = e.before?.at(-1)?.epoch ?? 0;
          // Only the compute page's backends: a Node run's backend is in the summary already.
          if (e.backend === 'webgl' || e.backend === 'webgpu') r.computedOn = e.backend;
          break;
        case 'dataset':
          r.stage = { stage: e.stage, done: e.done, total: e.total };
          break;
        case 'batch': {
          r.batch = e;
          const x = e.epoch - 1 + e.step / e.steps;
          const steps = smoothingSteps(e.steps);
          r.curves.loss.push({ x, y: Math.max(0, smooth(r.smoothing.loss, e.epoch, e.step, e.loss, steps)) });
          r.curves.accuracy.push({ x, y: Math.min(1, Math.max(0, smooth(r.smoothing.accuracy, e.epoch, e.step, e.accuracy, steps))) });
          break;
        }
        case 'epoch':
          r.epochsDone = e.epoch;
          // Only a routed run's records carry it: what computed this epoch, by the page's word.
          if (e.backend) r.computedOn = e.backend;
          if (e.val_loss !== undefined) r.curves.valLoss.push({ x: e.epoch, y: e.val_loss });
          if (e.val_accuracy !== undefined) r.curves.valAccuracy.push({ x: e.epoch, y: e.val_accuracy });
          {
            const scores = { epoch: e.epoch, loss: e.loss.toFixed(4), accuracy: e.accuracy.toFixed(4), seconds: e.seconds.toFixed(1) };
            r.log.push(
              e.val_loss !== undefined
                ? logLine('epoch-validation', { ...scores, valLoss: e.val_loss.toFixed(4), valAccuracy: (e.val_accuracy ?? 0).toFixed(4) })
                : logLine('epoch', scores),
            );
          }
          break;
        case 'checkpoint':
          r.log.push(logLine('checkpoint', { epoch: e.epoch, monitor: e.monitor, value: e.value.toFixed(4), model: e.model }));
          break;
        case 'lr':
          r.log.push(logLine('learning-rate', { lr: e.lr }));
          break;
        case 'early-stop':
          r.log.push(logLine('early-stop', { epoch: e.epoch, best: e.bestEpoch }));
          break;
        case 'evaluation':
          r.evaluation = e.evaluation;
          r.log.push(logLine('test-result', { accuracy: e.evaluation.accuracy.toFixed(4), loss: e.evaluation.loss.toFixed(4), count: e.evaluation.count }));
          break;
        case 'log': {
          const { event: _event, ...line } = e;
          r.log.push(line);
          if (line.code === 'compute-train-fell-back' || line.code === 'compute-train-fell-back-start') {
            const p = line.params;
            r.fellBack = { from: String(p.from), backend: String(p.backend), epoch: Number(p.epoch), ...(line.code === 'compute-train-fell-back' ? { best: Number(p.best) } : {}) };
          }
          break;
        }
        case 'done':
          r.done = e;
          if (e.model && r.evaluation) void this.loadThumbnails(e.model);
          break;
      }
    },
    /** The evaluation event names mistakes by index; main turns them into pictures. */
    async loadThumbnails(model: string) {
      try {
        const full = await window.api.evaluation({ model, thumbnails: 200 });
        if (full && this.run.done?.model === model) this.run.evaluation = full;
      } catch (err) {
        this.run.log.push(logFailure('thumbnails-failed', {}, err));
      }
    },
  },
});
