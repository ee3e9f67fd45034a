// The name a training run stores its model under, reserved before any work starts (the service
// does it before the thread starts, so a name in use is refused at once).
import path from 'node:path';
import { isBuiltInDataset } from '../../shared/vocabulary.ts';
import type { ResumeConfig, TrainConfig } from '../training/config.ts';
import type { TransferConfig } from '../transfer/config.ts';
import type { ModelStore, Reservation } from './model-store.ts';

const folderName = (dataset: string) => path.basename(path.resolve(dataset));

/** A resumed run's own name, `out`, or a free one from the network and dataset. */
export function reserveTrainingName(parsed: TrainConfig | ResumeConfig, store: ModelStore): Promise<Reservation> {
  // Whether the model is there is resumePoint's to say, with what would work instead.
  if ('resume' in parsed) return store.reserve(parsed.resume, 'trained', 'replace');
  return store.reserveNew(parsed.out, `${parsed.network}-${isBuiltInDataset(parsed.dataset) ? parsed.dataset : folderName(parsed.dataset)}`, parsed.overwrite, 'trained');
}

/** `out`, or a free one from the backbone and the folder. */
export function reserveTransferName(cfg: TransferConfig, store: ModelStore): Promise<Reservation> {
  return store.reserveNew(cfg.out, `${cfg.backbone}-${folderName(cfg.dataset)}`, cfg.overwrite, 'trained');
}
