// classifier-studio models build dog-breeds: Stanford Dogs fetched (or taken from the mirror or an
// import), unpacked, its official split trained on and tested, the model stored as dog-breeds.
import type { Command } from 'commander';
import { startDogBreedsBuild } from '../service/dog-breeds.ts';
import { DOG_BREEDS_MODEL } from '../shared/vocabulary.ts';
import { nextStep } from './format.ts';
import { storageOf, withStorage, type StorageOptions } from './options.ts';
import { num, printerFor } from './progress.ts';

interface BuildOptions extends StorageOptions {
  backbone: 'mobilenet' | 'resnet50';
  fineTune?: boolean;
  overwrite?: boolean;
  epochs?: number;
  batchSize?: number;
  limitPerClass?: number;
  testLimitPerClass?: number;
  seed?: number;
  json?: boolean;
}

export function registerBuild(models: Command): void {
  const cmd = models
    .command('build <model>')
    .description(
      `build ${DOG_BREEDS_MODEL}: download Stanford Dogs (about 790 MB; or take it from --mirror, or from datasets import), train the course's head ` +
        'on a frozen backbone over its official split, test it on the official test split and store it; Ctrl-C stops, and building again goes on from there',
    )
    .option('--backbone <id>', 'mobilenet (fast) or resnet50 (more accurate, slower)', 'mobilenet')
    .option('--fine-tune', "then unfreeze the backbone's last layers")
    .option('--overwrite', `replace a stored model called ${DOG_BREEDS_MODEL}`)
    .option('--epochs <n>', "epochs (default: from the training set's size)", num)
    .option('--batch-size <n>', "batch size (default: from the training set's size)", num)
    .option('--limit-per-class <n>', 'training photos per breed (a quicker, weaker model)', num)
    .option('--test-limit-per-class <n>', 'test photos per breed', num)
    .option('--seed <n>', 'random seed', num)
    .option('--json', 'one JSON object per line');
  withStorage(cmd).action(async (model: string, o: BuildOptions) => {
    if (model !== DOG_BREEDS_MODEL)
      throw new Error(
        `models build makes ${DOG_BREEDS_MODEL} (from Stanford Dogs); "${model}" is not one it knows. Train your own with: classifier-studio transfer --dataset <folder>.`,
      );
    if (o.backbone !== 'mobilenet' && o.backbone !== 'resnet50') throw new Error(`--backbone takes mobilenet or resnet50, not "${String(o.backbone)}".`);
    const s = storageOf(o);
    const run = await startDogBreedsBuild(
      {
        backbone: o.backbone,
        fineTune: o.fineTune,
        overwrite: o.overwrite,
        epochs: o.epochs,
        batchSize: o.batchSize,
        limitPerClass: o.limitPerClass,
        testLimitPerClass: o.testLimitPerClass,
        seed: o.seed,
      },
      { env: { ...s, backend: o.backend, offline: o.offline }, modelMirrorDir: s.mirrorDir },
      printerFor(o.json),
    );
    const onSigint = () => run.cancel();
    process.once('SIGINT', onSigint);
    try {
      const done = await run.done;
      if (!done.model || done.cancelled) process.exitCode = done.cancelled ? 130 : 1;
      else if (!o.json) {
        if (done.test_accuracy !== undefined) console.error(`${DOG_BREEDS_MODEL}: ${(done.test_accuracy * 100).toFixed(1)}% top-1 on the official test split`);
        console.error(nextStep(done.model));
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}
