// The training loop: Keras model.fit with its callbacks, over uint8 batches that are turned
// into tensors one batch at a time, with progress as events and cancel at any batch. Each batch's
// work goes through a FitCompute (fit-compute.ts): Node's tfjs, or the compute page's GPU.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import type { Monitor, TrainConfig } from './config.ts';
import type { EpochRecord, TrainEvent } from '../../shared/train-events.ts';
import { batchMeasure, ComputeCancelled, ComputeFailed, localCompute, type FitCompute } from './fit-compute.ts';
import type { LossFn } from './losses.ts';
import { improves, Plateau } from './plateau.ts';
import { mulberry32, shuffled } from './random.ts';

export { batchTensor } from './fit-compute.ts';

export interface FitHooks {
  emit(e: TrainEvent): void;
  signal?: AbortSignal;
  /** Called when the monitored value improves; saves the model as the run's best. */
  checkpoint?(model: tf.LayersModel, history: EpochRecord[], epoch: number): Promise<string>;
  /**
   * Where the batches compute (fit disposes it at the end); Node's tfjs on the model when absent.
   * Given, each epoch record names its backend, and a ComputeFailed ends fit with `failed`.
   */
  compute?: FitCompute;
}

/** Where a resumed run picks up: the model holds the weights of `bestEpoch`, the last epoch of `history` that counts. */
export interface FitStart {
  history: EpochRecord[];
  bestEpoch: number;
  /**
   * A new phase after `history` rather than a resume (fine-tuning after the head): its epochs are
   * numbered after the last one there, all of that history is kept, and the optimizer and the
   * callbacks start afresh; only the best so far carries over, so an epoch worse than the head's
   * best is not saved over it.
   */
  continues?: boolean;
}

export interface FitResult {
  history: EpochRecord[];
  bestEpoch?: number;
  checkpoint?: string;
  cancelled: boolean;
  stoppedEarly: boolean;
  /**
   * The compute failed at this epoch (a lost GPU, a closed compute window): `history` ends at the
   * last finished epoch and the model holds the best epoch's weights (as loaded, if none yet).
   */
  failed?: ReturnType<ComputeFailed['at']>;
}

const BATCH_EVENT_INTERVAL_MS = 200;
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

function valueOf(rec: EpochRecord, monitor: Monitor): number | undefined {
  return rec[monitor];
}

/** Loss and accuracy of a model over a set, in batches, without training behaviour. */
export function measure(
  model: tf.LayersModel,
  set: ImageSet,
  preprocessing: Preprocessing,
  loss: LossFn,
  batchSize = 256,
  signal?: AbortSignal,
): Promise<{ loss: number; accuracy: number; count: number }> {
  return measureSet(batchMeasure(model, set, preprocessing, loss), set, batchSize, signal);
}

async function measureSet(measureBatch: FitCompute['measure'], set: ImageSet, batchSize: number, signal?: AbortSignal): Promise<{ loss: number; accuracy: number; count: number }> {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (let start = 0; start < set.size; start += batchSize) {
    if (signal?.aborted) break;
    const idx = Array.from({ length: Math.min(batchSize, set.size - start) }, (_, i) => start + i);
    const batch = await set.read(idx);
    const n = batch.indices.length;
    if (!n) continue;
    const m = await measureBatch({ x: batch.x, y: batch.y, count: n });
    lossSum += m.lossSum;
    correct += m.correct;
    count += n;
    await nextTick();
  }
  return { loss: count ? lossSum / count : NaN, accuracy: count ? correct / count : NaN, count };
}

export async function fit(
  model: tf.LayersModel,
  train: ImageSet,
  validation: ImageSet | undefined,
  cfg: TrainConfig,
  preprocessing: Preprocessing,
  hooks: FitHooks,
  start?: FitStart,
): Promise<FitResult> {
  const compute = hooks.compute ?? localCompute(model, cfg, train, preprocessing);
  // Runs that may compute elsewhere say where each epoch computed; Node's own runs are as they were.
  const tag = hooks.compute ? { backend: compute.backend } : {};
  const random = mulberry32(cfg.seed);
  const steps = Math.ceil(train.size / cfg.batchSize);
  const monitorOf = (m: Monitor): Monitor => (validation || !m.startsWith('val_') ? m : (m.slice(4) as Monitor));
  const ckptMonitor = monitorOf(cfg.checkpointMonitor);
  const history: EpochRecord[] = !start ? [] : start.continues ? [...start.history] : start.history.filter((r) => r.epoch <= start.bestEpoch);
  let best: { value: number; epoch: number; weights: tf.Tensor[] } | undefined;
  let checkpoint: string | undefined;
  let stoppedEarly = false;
  let cancelled = false;
  let failed: FitResult['failed'];
  let epoch = 0;
  const es = cfg.earlyStopping;
  const earlyStop = es && new Plateau(monitorOf(es.monitor), es.patience, es.minDelta);
  const rl = cfg.reduceLrOnPlateau;
  const plateau = rl && new Plateau(monitorOf(rl.monitor), rl.patience, rl.minDelta);

  const first = !start ? 1 : start.continues ? (start.history.at(-1)?.epoch ?? 0) + 1 : start.bestEpoch + 1;
  const last = start?.continues ? first - 1 + cfg.epochs : cfg.epochs;
  try {
    if (start?.continues) {
      const rec = history.find((r) => r.epoch === start.bestEpoch);
      const value = rec && valueOf(rec, ckptMonitor);
      if (value !== undefined && Number.isFinite(value)) best = { value, epoch: start.bestEpoch, weights: model.getWeights().map((w) => w.clone()) };
    } else if (start) {
      // The checkpoint is the best so far and the callbacks count from it (Keras's wait is 0 at
      // the best epoch). The optimizer starts fresh, at the checkpoint epoch's learning rate.
      const rec = history.find((r) => r.epoch === start.bestEpoch);
      const value = rec && valueOf(rec, ckptMonitor);
      if (value !== undefined && Number.isFinite(value)) best = { value, epoch: start.bestEpoch, weights: model.getWeights().map((w) => w.clone()) };
      if (rec) {
        if (earlyStop) earlyStop.update(valueOf(rec, earlyStop.monitor)!);
        if (plateau) plateau.update(valueOf(rec, plateau.monitor)!);
        await compute.setLearningRate(rec.lr);
      }
      // Replays the shuffles of the epochs already run, so (without augmentation, which draws
      // from the same generator) each epoch sees the order an unbroken run would have given it.
      for (let e = 1; e < first; e++) shuffled(train.size, random);
    }
    for (epoch = first; epoch <= last && !cancelled && !stoppedEarly; epoch++) {
      const epochStart = performance.now();
      const order = shuffled(train.size, random);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lastEvent = 0;
      let pending = train.read(order.slice(0, cfg.batchSize));
      for (let step = 0; step < steps; step++) {
        if (hooks.signal?.aborted) {
          cancelled = true;
          break;
        }
        const batch = await pending;
        // Read the next batch while this one trains: decoding runs off the JS thread.
        if (step + 1 < steps) pending = train.read(order.slice((step + 1) * cfg.batchSize, (step + 2) * cfg.batchSize));
        const n = batch.indices.length;
        if (!n) continue;
        const { loss: l, accuracy: a } = await compute.step({ x: batch.x, y: batch.y, count: n }, random);
        lossSum += l * n;
        correct += a * n;
        seen += n;
        const now = performance.now();
        if (now - lastEvent > BATCH_EVENT_INTERVAL_MS || step === steps - 1) {
          lastEvent = now;
          const perStep = (now - epochStart) / (step + 1);
          const epochLeft = perStep * (steps - step - 1);
          hooks.emit({
            event: 'batch',
            epoch,
            step: step + 1,
            steps,
            loss: lossSum / seen,
            accuracy: correct / seen,
            samplesPerSec: (seen / (now - epochStart)) * 1000,
            etaEpoch: epochLeft / 1000,
            etaRun: (epochLeft + perStep * steps * (last - epoch) + (validation ? perStep * steps * 0.1 * (last - epoch) : 0)) / 1000,
          });
        }
        // Let messages (cancel) in between steps.
        await nextTick();
      }
      if (cancelled) break;
      const rec: EpochRecord = { epoch, loss: lossSum / seen, accuracy: correct / seen, lr: compute.learningRate(), seconds: 0, ...tag };
      if (validation) {
        const v = await measureSet((b) => compute.measure(b), validation, 256, hooks.signal);
        rec.val_loss = v.loss;
        rec.val_accuracy = v.accuracy;
      }
      rec.seconds = (performance.now() - epochStart) / 1000;
      history.push(rec);
      hooks.emit({ event: 'epoch', ...rec });

      const value = valueOf(rec, ckptMonitor);
      if (value !== undefined && Number.isFinite(value) && (!best || improves(ckptMonitor, value, best.value, 0))) {
        await compute.pull();
        best?.weights.forEach((w) => w.dispose());
        best = { value, epoch, weights: model.getWeights().map((w) => w.clone()) };
        if (hooks.checkpoint) {
          checkpoint = await hooks.checkpoint(model, history, epoch);
          hooks.emit({ event: 'checkpoint', epoch, monitor: ckptMonitor, value, model: checkpoint });
        }
      }
      if (earlyStop?.update(valueOf(rec, earlyStop.monitor)!)) {
        stoppedEarly = true;
        hooks.emit({ event: 'early-stop', epoch, bestEpoch: best?.epoch ?? epoch });
      }
      if (rl && plateau?.update(valueOf(rec, plateau.monitor)!)) {
        const lr = Math.max(rl.minLr, compute.learningRate() * rl.factor);
        if (lr < compute.learningRate()) {
          await compute.setLearningRate(lr);
          hooks.emit({ event: 'lr', epoch, lr });
        }
        plateau.restart();
      }
    }
    // The model leaves fit() with its best weights, as EarlyStopping(restore_best_weights)
    // and a save-best checkpoint would leave it; else with the last ones.
    if (best && (cfg.earlyStopping?.restoreBestWeights ?? true)) model.setWeights(best.weights);
    else await compute.pull();
  } catch (err) {
    if (err instanceof ComputeCancelled) cancelled = true;
    // The epoch it broke in is unfinished; the best one's weights are here, off the compute.
    else if (err instanceof ComputeFailed) failed = err.at(epoch);
    else throw err;
    if (best) model.setWeights(best.weights);
  } finally {
    best?.weights.forEach((w) => w.dispose());
    compute.dispose();
  }
  return { history, bestEpoch: best?.epoch, checkpoint, cancelled, stoppedEarly, ...(failed ? { failed } : {}) };
}
