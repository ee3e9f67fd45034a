// Fine-tuning after the head: the backbone's last layers learn too, slowly (the course's 1e-6),
// on the images themselves, since their features change with every step. Native backends only
// (see fineTuneRefusal): on wasm a step over a batch of photos through the whole backbone is far too slow.
import { fileImageSet } from '../datasets/folder.ts';
import { splitValidation, type ImageSet } from '../datasets/types.ts';
import type { LayersModel } from '@tensorflow/tfjs';
import type { TrainConfig } from '../training/config.ts';
import type { EpochRecord } from '../../shared/train-events.ts';
import { fit, type FitHooks } from '../training/fit.ts';
import type { Backbone } from './backbone.ts';
import type { TransferConfig } from './config.ts';
import type { LabelledFiles } from './features.ts';

export function imageSetOf(list: LabelledFiles, backbone: Backbone, classNames: string[], split: string): ImageSet {
  return fileImageSet({
    files: list.files, labels: list.labels, classNames, imageSize: backbone.inputSize, channels: 3, resize: 'bilinear', fit: backbone.fit,
    description: { name: split, source: 'transfer', format: 'folder', split },
  });
}

export async function fineTune(
  combined: LayersModel,
  backbone: Backbone,
  lists: Record<'train' | 'validation' | 'test', LabelledFiles | undefined>,
  classNames: string[],
  ft: NonNullable<TransferConfig['fineTune']>,
  trainCfg: TrainConfig,
  hooks: FitHooks,
  epochsBefore: number,
): Promise<EpochRecord[]> {
  for (const layer of backbone.features.layers.filter((l) => l.weights.length).slice(-ft.layers)) layer.trainable = true;
  let train = imageSetOf(lists.train!, backbone, classNames, 'train');
  let validation = lists.validation && imageSetOf(lists.validation, backbone, classNames, 'validation');
  if (!validation && trainCfg.validationSplit > 0) ({ train, validation } = splitValidation(train, trainCfg.validationSplit, trainCfg.seed));
  const cfg: TrainConfig = { ...trainCfg, epochs: ft.epochs, optimizer: { name: 'adam', learningRate: ft.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } };
  const result = await fit(combined, train, validation, cfg, backbone.preprocessing, hooks);
  return result.history.map((r) => ({ ...r, epoch: r.epoch + epochsBefore }));
}
