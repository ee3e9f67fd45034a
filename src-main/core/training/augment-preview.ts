// A few training images as the augmentation will show them to the network: what the training
// form previews before a run, so a user sees whether rotations and shifts still look right.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { loadDataset } from '../datasets/catalog.ts';
import { isNetworkId, NETWORKS } from '../models/classic.ts';
import { augmentBatch, isIdentity } from './augment.ts';
import { parseTrainConfig, type TrainConfigInput } from './config.ts';
import { mulberry32 } from './random.ts';
import type { RunEnvironment } from './run.ts';

export interface AugmentPreview {
  width: number;
  height: number;
  channels: 1 | 3;
  samples: { label: string; original: Uint8Array; variants: Uint8Array[] }[];
}

/** Images are picked across the first `pool` examples, so a class-sorted folder shows several classes. */
export async function augmentPreview(input: TrainConfigInput, env: RunEnvironment, count = 6, variants = 5, pool = 2000): Promise<AugmentPreview> {
  const cfg = parseTrainConfig(input);
  if (isIdentity(cfg.augment)) throw new Error('Augmentation is off: there is nothing to preview.');
  if (!isNetworkId(cfg.network)) throw new Error(`Unknown network "${cfg.network}".`);
  await initBackend(env.backend);
  const [h, w, c] = NETWORKS[cfg.network].inputShape;
  const { train } = await loadDataset(cfg.dataset, {
    cacheDir: env.cacheDir,
    mirrorDir: env.mirrorDir,
    offline: env.offline,
    limit: pool,
    testLimit: 1,
    imageSize: [h, w],
    channels: c as 1 | 3,
  });
  const picks = Array.from({ length: Math.min(count, train.size) }, (_, i) => Math.floor((i * train.size) / Math.min(count, train.size)));
  const batch = await train.read(picks);
  const n = batch.indices.length;
  const random = mulberry32(cfg.seed);
  const x = tf.tensor4d(batch.x, [n, h, w, c], 'int32');
  const outs: Uint8Array[] = [];
  for (let v = 0; v < variants; v++) {
    const t = tf.tidy(() => augmentBatch(x.toFloat(), cfg.augment!, random).clipByValue(0, 255).round().toInt());
    outs.push(Uint8Array.from(await t.data()));
    t.dispose();
  }
  x.dispose();
  const size = h * w * c;
  return {
    width: w,
    height: h,
    channels: c as 1 | 3,
    samples: Array.from({ length: n }, (_, i) => ({
      label: train.classNames[batch.y[i]!] ?? String(batch.y[i]),
      original: batch.x.slice(i * size, (i + 1) * size),
      variants: outs.map((o) => o.slice(i * size, (i + 1) * size)),
    })),
  };
}
