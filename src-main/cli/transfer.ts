// classifier-studio transfer: a head on a frozen zoo backbone, over features cached on disk.
import type { Command } from 'commander';
import { FINE_TUNE_DEFAULTS, type TransferConfigInput } from '../core/transfer/config.ts';
import { startTransfer } from '../service/training.ts';
import { resizeOption, storageOf, withStorage } from './options.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';
import { nextStep } from './format.ts';
import { num, printerFor } from './progress.ts';

interface TransferOptions {
  backbone: string;
  resize?: PhotoFit;
  dataset: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  validationSplit: number;
  limitPerClass?: number;
  testLimitPerClass?: number;
  units: number;
  dropout: number;
  earlyStoppingPatience?: number;
  fineTune?: boolean;
  fineTuneEpochs: number;
  fineTuneLr: number;
  fineTuneLayers?: number;
  fineTuneFlip?: boolean;
  seed: number;
  out?: string;
  overwrite?: boolean;
  json?: boolean;
  backend?: string;
  mirror?: string;
  cache?: string;
  store?: string;
  offline?: boolean;
}

export function transferConfigFrom(o: TransferOptions): TransferConfigInput {
  return {
    dataset: o.dataset,
    backbone: o.backbone as TransferConfigInput['backbone'],
    fit: o.resize,
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer: { name: 'adam', ...(o.lr !== undefined ? { learningRate: o.lr } : {}) },
    validationSplit: o.validationSplit,
    limitPerClass: o.limitPerClass,
    testLimitPerClass: o.testLimitPerClass,
    units: o.units,
    dropout: o.dropout,
    earlyStopping: o.earlyStoppingPatience !== undefined ? { patience: o.earlyStoppingPatience } : undefined,
    fineTune: o.fineTune ? { epochs: o.fineTuneEpochs, learningRate: o.fineTuneLr, layers: o.fineTuneLayers, flip: o.fineTuneFlip } : undefined,
    seed: o.seed,
    out: o.out,
    overwrite: !!o.overwrite,
  };
}

export function registerTransfer(program: Command): void {
  const cmd = program
    .command('transfer')
    .description(
      'transfer learning: train a head on a frozen mobilenet or resnet50, then with --fine-tune its last layers too (what the backbone computes is cached, so a second run skips it)',
    )
    .requiredOption(
      '--dataset <folder>',
      'a folder of class sub-folders (or train/ and test/ holding them), e.g. Stanford Dogs Images/; without test/, 20% of each class is held out for testing',
    )
    .option('--backbone <id>', 'mobilenet or resnet50', 'mobilenet')
    .addOption(resizeOption('default: crop, as the backbone was trained; stored with the model, so predict does the same'))
    .option('--epochs <n>', "epochs (default: from the training set's size, at least 10)", num)
    .option('--batch-size <n>', "batch size (default: from the training set's size, at most 32)", num)
    .option('--lr <rate>', 'Adam learning rate', num)
    .option('--validation-split <f>', 'fraction of the training images held out (when there is no validation/ folder)', num, 0.2)
    .option('--limit-per-class <n>', 'training images per class', num)
    .option('--test-limit-per-class <n>', 'test images per class', num)
    .option('--units <n>', "units of the head's hidden Dense layer", num, 1024)
    .option('--dropout <rate>', "the head's dropout", num, 0.75)
    .option('--early-stopping-patience <n>', 'stop after n epochs without a better validation loss', num)
    .option('--fine-tune', "then train the backbone's last layers with the head, from activations cached once per photo (the time per epoch is estimated first)")
    .option('--fine-tune-epochs <n>', 'epochs of fine-tuning', num, FINE_TUNE_DEFAULTS.epochs)
    .option('--fine-tune-lr <rate>', 'Adam learning rate of fine-tuning', num, FINE_TUNE_DEFAULTS.learningRate)
    .option('--fine-tune-layers <n>', 'layers with weights to unfreeze, from the top (default: mobilenet 3, resnet50 3, its last block)', num)
    .option('--fine-tune-flip', `also cache each training photo's activations turned left to right, and train on either copy at random`, FINE_TUNE_DEFAULTS.flip)
    .option('--no-fine-tune-flip', 'without the flipped copies')
    .option('--seed <n>', 'random seed', num, 1337)
    .option('--out <name>', 'name in the model store (e.g. dog-breeds)')
    .option('--overwrite', 'replace a stored model called --out (refused without it)')
    .option('--json', 'one JSON object per line');
  withStorage(cmd).action(async (o: TransferOptions) => {
    const s = storageOf(o);
    const run = await startTransfer(transferConfigFrom(o), { ...s, backend: o.backend, offline: o.offline }, printerFor(o.json));
    process.once('SIGINT', () => run.cancel());
    const done = await run.done;
    if (!done.model) process.exitCode = 1;
    else if (!o.json) console.error(nextStep(done.model));
  });
}
