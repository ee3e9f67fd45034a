// Continuing a stored training run from its best checkpoint: which run, with which settings and
// history, and the checks that it is one (a classic network, its own dataset, epochs left).
// Checkpoints hold weights, settings and history but not the optimizer's state (Adam's moments):
// saving it would triple what every checkpoint writes, for state that a few hundred steps rebuild.
// A resumed run starts a fresh optimizer at the checkpoint epoch's learning rate, as a Keras run
// restarted from a ModelCheckpoint(save_weights_only=True) file would.
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { findDataset } from '../datasets/catalog.ts';
import { isNetworkId } from '../models/classic.ts';
import { loadLayersModelFromDir } from '../models/layers-io.ts';
import { runState, type ModelStore, type StoredModelMeta } from '../store/model-store.ts';
import { TrainConfig, type ResumeConfig } from './config.ts';
import type { EpochRecord } from '../../shared/train-events.ts';

export interface ResumePoint {
  /** The run's own settings; epochs as asked, the model's name as `out`. */
  cfg: TrainConfig;
  meta: StoredModelMeta;
  /** The stored history up to the checkpoint's epoch: the epochs after it are run again. */
  history: EpochRecord[];
  bestEpoch: number;
}

const sameDataset = (a: string, b: string) => (findDataset(a) || findDataset(b) ? a === b : path.resolve(a) === path.resolve(b));

/** Reads and checks the checkpoint to resume; every refusal says why and what would work. */
export async function resumePoint(input: ResumeConfig, store: ModelStore): Promise<ResumePoint> {
  const name = input.resume;
  let meta: StoredModelMeta;
  try {
    meta = await store.get(name);
  } catch {
    throw new Error(`Cannot resume "${name}": there is no such model in ${store.dir}.`);
  }
  const state = runState(meta);
  if (state === 'training') throw new Error(`Cannot resume "${name}": it is being trained right now (process ${meta.writer?.pid}); stop that run first.`);
  const parsed = TrainConfig.safeParse(meta.config);
  if (!isNetworkId(meta.network) || !parsed.success) {
    throw new Error(
      `Cannot resume "${name}": it is not a checkpoint of a \`train\` run (network ${meta.network}${parsed.success ? '' : ', no training settings stored'}); only the classic networks' runs can be resumed.`,
    );
  }
  const cfg = parsed.data;
  const bestEpoch = meta.bestEpoch;
  const history = meta.history.filter((r) => bestEpoch !== undefined && r.epoch <= bestEpoch);
  if (bestEpoch === undefined || history.at(-1)?.epoch !== bestEpoch) throw new Error(`Cannot resume "${name}": it holds no finished epoch to continue from.`);
  if (input.network !== undefined && input.network !== meta.network) {
    throw new Error(`Cannot resume "${name}" as ${input.network}: it is a ${meta.network} model.`);
  }
  if (input.dataset !== undefined && !sameDataset(input.dataset, cfg.dataset)) {
    throw new Error(`Cannot resume "${name}" on ${input.dataset}: it was trained on ${cfg.dataset}.`);
  }
  const ran = meta.history.at(-1)?.epoch ?? bestEpoch;
  if (state === 'complete' && (input.epochs === undefined || input.epochs <= ran)) {
    throw new Error(
      `"${name}" is complete: it ran ${ran} epochs (best: ${bestEpoch}). To train it further, ask for more epochs than that (e.g. --epochs ${ran + 5}); they continue from its best epoch.`,
    );
  }
  const epochs = input.epochs ?? cfg.epochs;
  if (epochs <= bestEpoch) throw new Error(`Cannot resume "${name}" for ${epochs} epochs: its checkpoint is epoch ${bestEpoch} already; ask for more epochs.`);
  return { cfg: { ...cfg, epochs, out: name }, meta, history, bestEpoch };
}

/** Refuses a dataset that no longer gives what the model was trained on (a folder whose classes changed). */
export function checkResumeData(meta: StoredModelMeta, classNames: string[], imageShape: readonly number[]): void {
  const was = [...meta.inputSize, meta.channels].join('x');
  if (imageShape.join('x') !== was) throw new Error(`Cannot resume "${meta.name}": its dataset now gives ${imageShape.join('x')} images, the model takes ${was}.`);
  if (classNames.join('\n') !== meta.labels.join('\n')) {
    throw new Error(`Cannot resume "${meta.name}": its dataset's classes are now ${classNames.join(', ')}; the model was trained on ${meta.labels.join(', ')}.`);
  }
}

/** Loads the checkpoint's weights into a freshly built network, refusing weights of another shape. */
export async function loadCheckpointWeights(model: tf.LayersModel, dir: string, name: string): Promise<void> {
  const stored = await loadLayersModelFromDir(dir);
  try {
    const want = model.weights.map((w) => w.shape.join('x'));
    const have = stored.weights.map((w) => w.shape.join('x'));
    if (want.join() !== have.join()) {
      throw new Error(
        `Cannot resume "${name}": its weights (${have.length} tensors: ${have.slice(0, 4).join(', ')}...) do not fit ${model.name} (${want.length}: ${want.slice(0, 4).join(', ')}...).`,
      );
    }
    model.setWeights(stored.getWeights());
  } finally {
    stored.dispose();
  }
}
