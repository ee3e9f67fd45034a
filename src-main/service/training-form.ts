// The training form's fields (TrainRequest) as the core's settings: the app's defaults for the
// callbacks, the augmentation preset, and transfer learning's per-class limits.
import type { TrainRequest } from '../contract.ts';
import type { TrainConfigInput } from '../core/training/config.ts';
import type { TransferConfigInput } from '../core/transfer/config.ts';
import { augmentPreset, isBuiltInDataset, isTransferNetwork, TRANSFER_NETWORKS } from '../shared/vocabulary.ts';
import { CodedError } from '../shared/errors.ts';

type Form = ReturnType<typeof TrainRequest.parse>;

/** The form's fields as core training settings; the core schema checks them once more. */
export function toTrainConfig(req: Form): TrainConfigInput {
  // Without a validation set, callbacks can only watch the training loss.
  const monitor = req.validationSplit > 0 ? 'val_loss' : 'loss';
  return {
    dataset: req.dataset,
    network: req.network,
    epochs: req.epochs,
    batchSize: req.batchSize,
    optimizer: { name: req.optimizer, learningRate: req.learningRate },
    validationSplit: req.validationSplit,
    checkpointMonitor: monitor,
    limit: req.limit,
    testLimit: req.testLimit,
    dropout: req.dropout,
    augment: req.augment ? augmentPreset(req.dataset) : undefined,
    earlyStopping: req.earlyStoppingPatience !== undefined ? { monitor, patience: req.earlyStoppingPatience, restoreBestWeights: true } : undefined,
    out: req.out,
    overwrite: !!req.overwrite,
  };
}

/** The form's fields as transfer settings: limits count per class, dropout is the head's. */
export function toTransferConfig(req: Form): TransferConfigInput {
  if (isBuiltInDataset(req.dataset)) {
    throw new CodedError('transfer-needs-folder', 'Transfer learning works on photos in a folder of class sub-folders: choose one with "Folder…".');
  }
  if (req.augment) throw new CodedError('transfer-no-augment', 'Transfer learning trains on features of unaugmented photos: turn augmentation off.');
  if (!isTransferNetwork(req.network)) throw new Error(`${req.network} is not a transfer-learning network.`);
  return {
    dataset: req.dataset,
    backbone: TRANSFER_NETWORKS[req.network].backbone,
    epochs: req.epochs,
    batchSize: req.batchSize,
    optimizer: { name: req.optimizer, learningRate: req.learningRate } as TransferConfigInput['optimizer'],
    validationSplit: req.validationSplit,
    limitPerClass: req.limit,
    testLimitPerClass: req.testLimit,
    ...(req.dropout !== undefined ? { dropout: req.dropout } : {}),
    fit: req.fit,
    earlyStopping: req.earlyStoppingPatience !== undefined ? { patience: req.earlyStoppingPatience } : undefined,
    ...(req.fineTune ? { fineTune: {} } : {}),
    out: req.out,
    overwrite: !!req.overwrite,
  };
}
