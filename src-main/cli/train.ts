// classifier-studio train / eval / trained: the training half of the command line.
import { Option, type Command } from 'commander';
import { MODEL_FILE_KINDS, type ModelFileKind } from '../core/models/model-file.ts';
import { f1, formatEvaluation } from './evaluation.ts';
import { runState, type StoredModelMeta } from '../core/store/model-store.ts';
import type { RunConfigInput, TrainConfigInput } from '../core/training/config.ts';
import { startTraining } from '../service/training.ts';
import { resizeOption, storageOf, studioOf, withStorage, type StorageOptions } from './options.ts';
import type { PhotoFit } from '../shared/vocabulary.ts';
import { createInterface } from 'node:readline/promises';
import { nextStep, table } from './format.ts';
import { num, printerFor } from './progress.ts';
import { augmentPreset, TRAINING_DEFAULTS } from '../shared/vocabulary.ts';

type Storage = StorageOptions;

interface TrainOptions extends Storage {
  dataset?: string;
  model?: string;
  epochs?: number;
  resume?: string;
  batchSize: number;
  optimizer: string;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  loss: string;
  gamma?: number;
  validationSplit: number;
  earlyStoppingPatience?: number;
  monitor: string;
  reduceLr?: boolean;
  augment?: boolean;
  dropout?: number;
  limit?: number;
  testLimit?: number;
  seed: number;
  out?: string;
  overwrite?: boolean;
  json?: boolean;
}

const DEFAULT_EPOCHS = TRAINING_DEFAULTS.epochs;
/** What --resume may be given beside it: the rest are the run's own settings. */
const WITH_RESUME = new Set(['resume', 'epochs', 'dataset', 'model', 'json', 'backend', 'mirror', 'cache', 'store', 'offline']);

export function trainConfigFrom(o: TrainOptions & { dataset: string; model: string }): TrainConfigInput {
  const optimizer = {
    name: o.optimizer,
    ...(o.lr !== undefined ? { learningRate: o.lr } : {}),
    ...(o.optimizer === 'sgd' ? { momentum: o.momentum ?? 0, nesterov: !!o.nesterov } : {}),
  };
  return {
    dataset: o.dataset,
    network: o.model,
    epochs: o.epochs ?? DEFAULT_EPOCHS,
    batchSize: o.batchSize,
    optimizer: optimizer as TrainConfigInput['optimizer'],
    loss: (o.loss === 'focal' ? { name: 'focal', gamma: o.gamma ?? 2 } : { name: o.loss }) as TrainConfigInput['loss'],
    validationSplit: o.validationSplit,
    earlyStopping: o.earlyStoppingPatience !== undefined ? { monitor: o.monitor as 'val_loss', patience: o.earlyStoppingPatience, restoreBestWeights: true } : undefined,
    reduceLrOnPlateau: o.reduceLr ? { monitor: o.monitor as 'val_loss', patience: 2 } : undefined,
    checkpointMonitor: o.monitor as 'val_loss',
    augment: o.augment ? augmentPreset(o.dataset) : undefined,
    dropout: o.dropout,
    limit: o.limit,
    testLimit: o.testLimit,
    seed: o.seed,
    out: o.out,
    overwrite: !!o.overwrite,
  };
}

/** `train --resume NAME [--epochs N]`: the stored run's own settings; anything else given is refused. */
export function runConfigFrom(o: TrainOptions, cmd: Command): RunConfigInput {
  if (o.resume === undefined) {
    if (!o.dataset || !o.model) throw new Error('train needs --dataset and --model (or --resume NAME to continue a stored run).');
    return trainConfigFrom({ ...o, dataset: o.dataset, model: o.model });
  }
  const given = Object.keys(o).filter((k) => cmd.getOptionValueSource(k) === 'cli' && !WITH_RESUME.has(k));
  if (given.length) {
    const flags = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new Error(`--resume continues "${o.resume}" with its own settings; only --epochs may change (not ${flags.join(', ')}).`);
  }
  return { resume: o.resume, epochs: o.epochs, dataset: o.dataset, network: o.model };
}

/** "3/5 epochs, best 3": how far the run went of what it was asked, and the epoch `train --resume` continues from. */
function epochsOf(m: StoredModelMeta): string {
  const planned = (m.config as { epochs?: unknown } | undefined)?.epochs;
  const ran = typeof planned === 'number' && planned !== m.history.length ? `${m.history.length}/${planned}` : `${m.history.length}`;
  return `${ran} epoch${ran === '1' ? '' : 's'}${m.bestEpoch === undefined ? '' : `, best ${m.bestEpoch}`}`;
}

/** Deleting asks first on a terminal; --yes (or no terminal) goes ahead. */
async function confirmDelete(name: string, yes?: boolean): Promise<boolean> {
  if (yes || !process.stdin.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`Delete the model "${name}"? This cannot be undone. [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function registerTraining(program: Command): void {
  withStorage(
    program
      .command('train')
      .description('train a classic CNN; the best epoch is kept in the model store')
      .option('--dataset <name>', 'mnist, fashion-mnist, cifar10, or a folder of class sub-folders')
      .option('--model <network>', 'lenet5, fashion-cnn, cifar-cnn or mnist-cnn')
      .option('--resume <name>', 'continue a stored run from its best checkpoint (interrupted, stopped, or complete with more --epochs)')
      .option('--epochs <n>', `epochs (default ${DEFAULT_EPOCHS}; with --resume, the run's own)`, num)
      .option('--batch-size <n>', 'batch size', num, TRAINING_DEFAULTS.batchSize)
      .option('--optimizer <name>', 'sgd, adam, rmsprop or adagrad', 'adam')
      .option('--lr <rate>', 'learning rate (default: Keras default of the optimizer)', num)
      .option('--momentum <m>', 'SGD momentum', num)
      .option('--nesterov', 'SGD with Nesterov momentum')
      .option('--loss <name>', 'sparse-categorical-crossentropy, categorical-crossentropy or focal', 'sparse-categorical-crossentropy')
      .option('--gamma <g>', 'focal loss gamma', num)
      .option('--validation-split <f>', 'fraction of the training data held out', num, TRAINING_DEFAULTS.validationSplit)
      .option('--early-stopping-patience <n>', 'stop after n epochs without improvement', num)
      .option('--monitor <what>', 'val_loss, val_accuracy, loss or accuracy (checkpoint and callbacks)', 'val_loss')
      .option('--reduce-lr', 'ReduceLROnPlateau (factor 0.1, patience 2)')
      .option('--augment', 'random rotation, shifts, zoom (and flips for photos)')
      .option('--dropout <rate>', 'override every dropout rate', num)
      .option('--limit <n>', 'use the first n training images', num)
      .option('--test-limit <n>', 'use the first n test images', num)
      .option('--seed <n>', 'random seed', num, 1337)
      .option('--out <name>', 'name in the model store')
      .option('--overwrite', 'replace a stored model called --out (refused without it)')
      .option('--json', 'one JSON object per line'),
  ).action(async (o: TrainOptions, cmd: Command) => {
    const s = storageOf(o);
    const run = await startTraining(runConfigFrom(o, cmd), { ...s, backend: o.backend, offline: o.offline }, printerFor(o.json));
    process.once('SIGINT', () => run.cancel());
    const done = await run.done;
    if (!done.model) process.exitCode = 1;
    else if (!o.json) console.error(nextStep(done.model));
  });

  withStorage(
    program
      .command('eval')
      .description("evaluate a trained model on a dataset's test images")
      .requiredOption('--model <name>', 'a stored model name, a .keras or .h5 file, or a TensorFlow.js model folder')
      .requiredOption('--dataset <name>', 'mnist, fashion-mnist, cifar10, or a folder')
      .option('--test-limit <n>', 'use the first n test images', num)
      .addOption(resizeOption('for a folder of photos; default: what the model was trained with'))
      .option('--json', 'as JSON'),
  ).action(async (o: Storage & { model: string; dataset: string; testLimit?: number; resize?: PhotoFit; json?: boolean }) => {
    const ev = await studioOf(o).evaluateModel(o.model, o.dataset, o.testLimit, o.resize);
    const perClass = ev.perClass.map((c) => ({ ...c, f1: f1(c.precision, c.recall) }));
    if (o.json) console.log(JSON.stringify({ accuracy: ev.accuracy, loss: ev.loss, count: ev.count, classNames: ev.classNames, perClass, confusion: ev.confusion }));
    else console.log(formatEvaluation(ev));
  });

  const trained = program.command('trained').description('the model store: list, rename, export, import, delete');
  withStorage(trained.command('list').description('the stored models: network, state, epochs (best of run) and test accuracy'), ['store'])
    .option('--json', 'as JSON')
    .action(async (o: Storage & { json?: boolean }) => {
      const list = await studioOf(o).store.list();
      if (o.json)
        console.log(
          JSON.stringify(list.map(({ history, evaluation, ...m }) => ({ ...m, state: runState({ ...m, history }), epochs: history.length, test_accuracy: evaluation?.accuracy }))),
        );
      else if (!list.length) console.log('No trained models yet.');
      else
        console.log(
          table([
            ['name', 'network', 'state', 'epochs', 'test accuracy'],
            ...list.map((m) => [m.name, m.network, runState(m), epochsOf(m), m.evaluation ? m.evaluation.accuracy.toFixed(4) : '-']),
          ]),
        );
    });
  withStorage(trained.command('rename <from> <to>').description('rename a stored model (refused if <to> exists)'), ['store']).action(
    async (from: string, to: string, o: Storage) => {
      await studioOf(o).renameModel(from, to);
      console.log(`renamed "${from}" to "${to}"`);
    },
  );
  withStorage(trained.command('export <name>'), ['store', 'mirror', 'cache', 'offline'])
    .description('write a stored model for Keras or TensorFlow.js, with its class names and preprocessing')
    .addOption(
      new Option('--format <format>', 'keras (Keras 3 .keras file), h5 (Keras 2 model.save .h5 file) or tfjs (TensorFlow.js folder)')
        .choices([...MODEL_FILE_KINDS])
        .makeOptionMandatory(),
    )
    .requiredOption('--out <path>', 'the file (keras, h5) or folder (tfjs) to write')
    .option('--overwrite', 'replace what is at --out (refused without it)')
    .option('--json', 'the outcome as one JSON line')
    .action(async (name: string, o: Storage & { format: ModelFileKind; out: string; overwrite?: boolean; json?: boolean }) => {
      const r = await studioOf(o).exportModel(name, { format: o.format, out: o.out, overwrite: o.overwrite });
      console.log(o.json ? JSON.stringify({ name, ...r }) : `exported "${name}" as ${r.format} to ${r.out}`);
    });
  withStorage(trained.command('import <file>'), ['store'])
    .description('import a Keras model (.keras, or .h5 saved with model.save) or a TensorFlow.js model folder, with its class names')
    .option('--labels <file>', 'class names: a JSON list, or one per line (default: those the model file carries, or labels.txt beside it)')
    .option('--name <name>', 'name in the store (default: the file name)')
    .option('--overwrite', 'replace a stored model of that name (refused without it)')
    .option('--preprocessing <how>', 'scale01 (x/255), tf (x/127.5-1), caffe or none (default: none after a Rescaling layer, else scale01)')
    .action(async (file: string, o: Storage & { labels: string; name?: string; preprocessing?: string; overwrite?: boolean }) => {
      const meta = await studioOf(o).importKerasModel(file, { labels: o.labels, name: o.name, preprocessing: o.preprocessing, overwrite: o.overwrite });
      console.log(`imported ${file} as "${meta.name}": ${meta.inputSize.join('x')}x${meta.channels} input, ${meta.labels.length} classes, preprocessing ${meta.preprocessing}`);
    });
  withStorage(trained.command('delete <name>').description('delete a stored model, after asking on a terminal'), ['store'])
    .option('-y, --yes', 'do not ask first (a terminal is asked; a script is not)')
    .action(async (name: string, o: Storage & { yes?: boolean }) => {
      const studio = studioOf(o);
      await studio.store.get(name); // an unknown name is said before asking
      if (!(await confirmDelete(name, o.yes))) {
        console.error('nothing deleted');
        process.exitCode = 1;
        return;
      }
      await studio.deleteModel(name);
      console.log(`deleted "${name}"`);
    });
}
