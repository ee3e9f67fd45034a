// Fine-tuning from cached activations (issue 16) on CIFAR-10 class folders: for each number of
// unfrozen layers, the time to extract the activations, the time per fine-tuning epoch and the
// test accuracy, after the head alone and after fine-tuning.
//   node bin/run-ts.js bench/fine-tune.ts [--dataset DIR] [--per-class 100] [--test-per-class 100]
//     [--layers 1,3,5] [--fine-tune-epochs 3] [--fine-tune-lr 1e-4] [--epochs N] [--backbone mobilenet] [--mirror DIR] [--cache DIR]
//     [--flip] [--dropout 0.75] [--validation-split 0.2]
// --flip: flipped copies of the training photos (their activations cached too, either drawn at random per epoch).
// The activation caches are kept in --cache (default bench/results/fine-tune-cache) for more runs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import { runTransfer } from '../src-main/core/transfer/run.ts';
import { option } from './each-backend.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const num = (name: string) => (option(args, name) === undefined ? undefined : Number(option(args, name)));
const dataset = option(args, '--dataset') ?? path.resolve(here, '../../shared/datasets/cifar10');
const perClass = num('--per-class') ?? 100;
const testPerClass = num('--test-per-class') ?? 100;
const backbone = (option(args, '--backbone') ?? 'mobilenet') as 'mobilenet' | 'resnet50';
const layersList = (option(args, '--layers') ?? '1,3,5').split(',').map(Number);
const mirrorDir = option(args, '--mirror') ?? path.resolve(here, '../../shared/models');
const cacheDir = option(args, '--cache') ?? path.resolve(here, 'results/fine-tune-cache');
const report = await initBackend();
await ensureTrainable();
const work = await mkdtemp(path.join(os.tmpdir(), 'cs-bench-ft-'));
const env = { cacheDir, storeDir: path.join(work, 'store'), mirrorDir, offline: true };
const rows: string[] = [];
for (const layers of layersList) {
  console.error(`${layers} layers:`);
  let extractStart = 0;
  let extractSeconds = 0;
  const epochs: Extract<TrainEvent, { event: 'epoch' }>[] = [];
  const ftEpochs = num('--fine-tune-epochs') ?? 3;
  let split = '';
  let lastCpu = 0;
  const log = (e: TrainEvent) => {
    if (e.event === 'log') {
      console.error(`  ${e.message}`);
      const m = /the (\d+x\d+x\d+) activations at (\S+) input/.exec(e.message);
      if (m) split = `${m[1]} (${m[2]!.replace(/'s$/, '')})`;
      if (e.message.startsWith('fine-tuning estimate')) extractStart = performance.now();
    } else if (e.event === 'start') {
      extractSeconds = (performance.now() - extractStart) / 1000;
      const cpu = process.cpuUsage();
      lastCpu = cpu.user + cpu.system;
      console.error(`  extraction ${extractSeconds.toFixed(0)} s, CPU so far ${(lastCpu / 1e6).toFixed(0)} s`);
    } else if (e.event === 'epoch') {
      // CPU seconds of this process since the last epoch: what the epoch costs on a quiet machine (wasm runs on one thread).
      const cpu = process.cpuUsage();
      const cpuSeconds = (cpu.user + cpu.system - lastCpu) / 1e6;
      lastCpu = cpu.user + cpu.system;
      console.error(
        `  epoch ${e.epoch} (CPU ${cpuSeconds.toFixed(1)} s): loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)} val_loss ${e.val_loss?.toFixed(4)} val_acc ${e.val_accuracy?.toFixed(4)} (${e.seconds.toFixed(1)} s)`,
      );
      epochs.push(e);
    }
  };
  const t = performance.now();
  const done = await runTransfer(
    {
      dataset,
      backbone,
      limitPerClass: perClass,
      testLimitPerClass: testPerClass,
      epochs: num('--epochs'),
      dropout: num('--dropout'),
      validationSplit: num('--validation-split'),
      out: `ft-${layers}`,
      fineTune: { layers, epochs: ftEpochs, learningRate: num('--fine-tune-lr') ?? 1e-4, flip: args.includes('--flip') },
    },
    env,
    log,
  );
  const seconds = (performance.now() - t) / 1000;
  // The last epochs are the fine-tuning's (it has no early stopping); the head's last is before them.
  const ftSeconds = epochs.slice(-ftEpochs).map((e) => e.seconds);
  const headAccuracy = epochs.at(-ftEpochs - 1)?.val_accuracy ?? NaN;
  const perEpoch = ftSeconds.reduce((a, b) => a + b, 0) / Math.max(1, ftSeconds.length);
  rows.push(
    `| ${layers} | ${split} | ${report.backend} | ${perClass} x 10 | ${extractSeconds.toFixed(0)} | ${headAccuracy.toFixed(4)} | ${ftSeconds.length} | ${perEpoch.toFixed(1)} | ` +
      `${((done.test_accuracy ?? NaN) * 100).toFixed(2)}% | ${seconds.toFixed(0)} |`,
  );
  console.error(rows.at(-1));
  console.error(`  process CPU ${(process.cpuUsage().user / 1e6).toFixed(0)} s user so far`);
}
console.log(
  `| layers | split | backend | training images | extraction s | head val_acc | fine-tune epochs | s / fine-tune epoch | test accuracy (${testPerClass} x 10) | total s |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
await rm(work, { recursive: true, force: true });
