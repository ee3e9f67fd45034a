// Transfer learning on CIFAR-10 class folders: a mobilenet head on 500 training images per class,
// tested on all 10,000 test images; then the same head trained again over the cached features.
//   node bin/run-ts.js bench/transfer.ts [--dataset DIR] [--per-class 500] [--backbone mobilenet] [--mirror DIR]
//     [--epochs 30] [--patience 3] [--dropout 0.75] [--cache DIR] [--keep-cache]
// The feature cache starts empty (unless --keep-cache) and is kept afterwards, in bench/results/, for more head runs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/core/backend.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import { runTransfer } from '../src-main/core/transfer/run.ts';
import { option } from './each-backend.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dataset = option(args, '--dataset') ?? path.resolve(here, '../../shared/datasets/cifar10');
const perClass = Number(option(args, '--per-class') ?? 500);
const backbone = (option(args, '--backbone') ?? 'mobilenet') as 'mobilenet' | 'resnet50';
const mirrorDir = option(args, '--mirror') ?? path.resolve(here, '../../shared/models');

const cacheDir = option(args, '--cache') ?? path.resolve(here, 'results/transfer-cache');
if (!args.includes('--keep-cache')) await rm(cacheDir, { recursive: true, force: true });
const report = await initBackend();
const work = await mkdtemp(path.join(os.tmpdir(), 'cs-bench-transfer-'));
const env = { cacheDir, storeDir: path.join(work, 'store'), mirrorDir, offline: true };
const log = (e: TrainEvent) => {
  if (e.event === 'epoch')
    console.error(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)} val_acc ${e.val_accuracy?.toFixed(4)} (${e.seconds.toFixed(1)} s)`);
  else if (e.event === 'log') console.error(`  ${e.message}`);
};
const config = {
  dataset,
  backbone,
  limitPerClass: perClass,
  epochs: Number(option(args, '--epochs') ?? 30),
  earlyStopping: { patience: Number(option(args, '--patience') ?? 3) },
  dropout: Number(option(args, '--dropout') ?? 0.75),
};
const rows: string[] = [];
for (const run of ['first (backbone runs)', 'second (cached features)']) {
  console.error(`${run}:`);
  const t = performance.now();
  const done = await runTransfer({ ...config, out: run.startsWith('first') ? 'first' : 'second' }, env, log);
  const seconds = (performance.now() - t) / 1000;
  rows.push(
    `| ${run} | ${backbone} | ${report.backend} | ${perClass} x 10 | ${config.dropout} | ${done.history.length} (best ${done.bestEpoch}) | ${((done.test_accuracy ?? NaN) * 100).toFixed(2)}% | ${seconds.toFixed(1)} |`,
  );
}
console.log('| run | backbone | backend | training images | head dropout | epochs | test accuracy (10,000) | seconds |\n|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
await rm(work, { recursive: true, force: true });
