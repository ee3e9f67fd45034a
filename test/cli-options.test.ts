// The flags of `train` and `transfer`, parsed in-process by the real commands (their actions
// swapped for one that keeps what commander gave them): what each flag becomes in the settings
// that the core checks, and what is refused before anything starts. test/cli.test.ts and the
// training tests launch the CLI where a whole run matters.
import { FINE_TUNE_DEFAULTS } from '../src-main/core/transfer/config.ts';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerTraining, runConfigFrom } from '../src-main/cli/train.ts';
import { parseBackend } from '../src-main/core/backend.ts';
import { errorCodeOf } from '../src-main/shared/errors.ts';
import { registerTransfer, transferConfigFrom } from '../src-main/cli/transfer.ts';
import { parseRunConfig, parseTrainConfig, type TrainConfig } from '../src-main/core/training/config.ts';
import { parseTransferConfig } from '../src-main/core/transfer/config.ts';

type Parsed = { options: Record<string, unknown>; cmd: Command };

/** `classifier-studio <args>` as far as commander goes: the options the action would get, or commander's refusal. */
async function parse(args: string[]): Promise<Parsed> {
  const program = new Command()
    .name('classifier-studio')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerTraining(program);
  registerTransfer(program);
  let got: Parsed | undefined;
  for (const cmd of program.commands) cmd.action((options: Record<string, unknown>, c: Command) => void (got = { options, cmd: c }));
  await program.parseAsync(args, { from: 'user' });
  return got!;
}

async function train(args: string[]) {
  const { options, cmd } = await parse(['train', ...args]);
  return parseRunConfig(runConfigFrom(options as unknown as Parameters<typeof runConfigFrom>[0], cmd));
}

async function transfer(args: string[]) {
  const { options } = await parse(['transfer', ...args]);
  return parseTransferConfig(transferConfigFrom(options as unknown as Parameters<typeof transferConfigFrom>[0]));
}

async function refusal(args: string[]): Promise<string> {
  try {
    await train(args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`not refused: ${args.join(' ')}`);
}

describe('train flags', () => {
  it('without settings: Keras defaults, 20 epochs, adam', async () => {
    const c = (await train(['--dataset', 'mnist', '--model', 'lenet5'])) as TrainConfig;
    expect(c).toEqual(parseTrainConfig({ dataset: 'mnist', network: 'lenet5', epochs: 20 }));
    expect(c).toMatchObject({ epochs: 20, batchSize: 32, validationSplit: 0.2, seed: 1337, checkpointMonitor: 'val_loss', overwrite: false });
    expect(c.optimizer).toEqual({ name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect([c.earlyStopping, c.reduceLrOnPlateau, c.augment, c.dropout, c.limit]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('every flag reaches its setting', async () => {
    const c = (await train([
      '--dataset',
      'cifar10',
      '--model',
      'cifar-cnn',
      '--epochs',
      '7',
      '--batch-size',
      '16',
      '--optimizer',
      'sgd',
      '--lr',
      '0.05',
      '--momentum',
      '0.9',
      '--nesterov',
      '--loss',
      'focal',
      '--gamma',
      '3',
      '--validation-split',
      '0.1',
      '--early-stopping-patience',
      '4',
      '--monitor',
      'val_accuracy',
      '--reduce-lr',
      '--augment',
      '--dropout',
      '0.3',
      '--limit',
      '500',
      '--test-limit',
      '100',
      '--seed',
      '7',
      '--out',
      'my run',
      '--overwrite',
    ])) as TrainConfig;
    expect(c).toEqual({
      dataset: 'cifar10',
      network: 'cifar-cnn',
      epochs: 7,
      batchSize: 16,
      optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
      loss: { name: 'focal', gamma: 3, alpha: 0.25 },
      validationSplit: 0.1,
      earlyStopping: { monitor: 'val_accuracy', patience: 4, minDelta: 0, restoreBestWeights: true },
      reduceLrOnPlateau: { monitor: 'val_accuracy', patience: 2, factor: 0.1, minLr: 0, minDelta: 1e-4 },
      checkpointMonitor: 'val_accuracy',
      // Photos: the preset flips them too.
      augment: { rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true },
      dropout: 0.3,
      limit: 500,
      testLimit: 100,
      seed: 7,
      out: 'my run',
      overwrite: true,
    });
  });

  it('each optimizer with its Keras default rate; --lr overrides it; digits are not flipped', async () => {
    const rate = async (o: string) => ((await train(['--dataset', 'mnist', '--model', 'lenet5', '--optimizer', o])) as TrainConfig).optimizer;
    expect(await rate('sgd')).toEqual({ name: 'sgd', learningRate: 0.01, momentum: 0, nesterov: false });
    expect(await rate('rmsprop')).toEqual({ name: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7 });
    expect(await rate('adagrad')).toEqual({ name: 'adagrad', learningRate: 0.001, initialAccumulatorValue: 0.1 });
    expect(((await train(['--dataset', 'mnist', '--model', 'lenet5', '--optimizer', 'rmsprop', '--lr', '0.01'])) as TrainConfig).optimizer).toMatchObject({ learningRate: 0.01 });
    expect(((await train(['--dataset', 'mnist', '--model', 'lenet5', '--augment'])) as TrainConfig).augment).toMatchObject({ horizontalFlip: false });
  });

  it("--resume takes the run's own settings: only --epochs, and --dataset/--model as a check", async () => {
    expect(await train(['--resume', 'crashy'])).toEqual({ resume: 'crashy' });
    expect(await train(['--resume', 'crashy', '--epochs', '9', '--dataset', 'mnist', '--model', 'lenet5', '--json', '--offline', '--store', '/tmp/s'])).toEqual({
      resume: 'crashy',
      epochs: 9,
      dataset: 'mnist',
      network: 'lenet5',
    });
    expect(await refusal(['--resume', 'crashy', '--batch-size', '4'])).toBe('--resume continues "crashy" with its own settings; only --epochs may change (not --batch-size).');
    expect(await refusal(['--resume', 'crashy', '--lr', '0.1', '--reduce-lr', '--early-stopping-patience', '3'])).toMatch(
      /only --epochs may change \(not --lr, --reduce-lr, --early-stopping-patience\)/,
    );
  });

  it('CLASSIFIER_BACKEND=webgl or webgpu: the Node side says they need the app, coded for the window', () => {
    for (const name of ['webgl', ' WebGPU ']) {
      let caught: unknown;
      try {
        parseBackend(name);
      } catch (err) {
        caught = err;
      }
      expect(errorCodeOf(caught)).toEqual({ code: 'backend-needs-app', params: { backend: name.trim().toLowerCase(), choices: 'tfjs-node-gpu, tfjs-node, wasm, cpu' } });
    }
    expect(parseBackend('wasm')).toBe('wasm');
  });

  it('refuses what cannot start: no dataset or model, bad numbers, unknown choices', async () => {
    expect(await refusal(['--model', 'lenet5'])).toMatch(/train needs --dataset and --model/);
    expect(await refusal(['--dataset', 'mnist'])).toMatch(/train needs --dataset and --model/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--epochs', 'ten'])).toMatch(/"ten" is not a number/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--epochs', '0'])).toMatch(/Invalid training settings: epochs/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--optimizer', 'adadelta'])).toMatch(/Invalid training settings: optimizer/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--monitor', 'val_f1'])).toMatch(/Invalid training settings: checkpointMonitor/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--validation-split', '1'])).toMatch(/validationSplit/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--backend', 'quantum'])).toMatch(/argument 'quantum' is invalid. Allowed choices are .*wasm/);
    expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--models-dir', 'x'])).toMatch(/unknown option '--models-dir'/);
    // The browser's GPU backends: refused saying why, not as unknown words.
    for (const name of ['webgl', 'webgpu']) {
      expect(await refusal(['--dataset', 'mnist', '--model', 'lenet5', '--backend', name])).toMatch(
        new RegExp(`${name} computes in the app's hidden compute window, and the command line has no window. Start the app with CLASSIFIER_BACKEND=${name}`),
      );
    }
    await expect(parse(['train', '--dataset', 'mnist', '--model', 'lenet5', '--no-such-flag'])).rejects.toBeInstanceOf(CommanderError);
  });
});

describe('transfer flags', () => {
  it('without settings: mobilenet, sizes chosen later from the data', async () => {
    expect(await transfer(['--dataset', '/data/dogs'])).toEqual(parseTransferConfig({ dataset: '/data/dogs' }));
    expect(await transfer(['--dataset', '/data/dogs'])).toMatchObject({
      backbone: 'mobilenet',
      units: 1024,
      dropout: 0.75,
      validationSplit: 0.2,
      epochs: undefined,
      batchSize: undefined,
      fineTune: undefined,
    });
  });

  it('every flag reaches its setting', async () => {
    const c = await transfer([
      '--dataset',
      '/data/dogs',
      '--backbone',
      'resnet50',
      '--epochs',
      '12',
      '--batch-size',
      '8',
      '--lr',
      '0.0005',
      '--validation-split',
      '0.25',
      '--limit-per-class',
      '40',
      '--test-limit-per-class',
      '10',
      '--units',
      '256',
      '--dropout',
      '0.5',
      '--early-stopping-patience',
      '2',
      '--fine-tune',
      '--fine-tune-epochs',
      '3',
      '--fine-tune-lr',
      '0.00001',
      '--no-fine-tune-flip',
      '--seed',
      '9',
      '--out',
      'dog-breeds',
      '--overwrite',
    ]);
    expect(c).toMatchObject({
      dataset: '/data/dogs',
      backbone: 'resnet50',
      epochs: 12,
      batchSize: 8,
      optimizer: { name: 'adam', learningRate: 0.0005 },
      validationSplit: 0.25,
      limitPerClass: 40,
      testLimitPerClass: 10,
      units: 256,
      dropout: 0.5,
      earlyStopping: { patience: 2 },
      fineTune: { epochs: 3, learningRate: 0.00001, flip: false },
      seed: 9,
      out: 'dog-breeds',
      overwrite: true,
    });
  });

  it('takes flipped copies by default or as asked', async () => {
    expect((await transfer(['--dataset', '/d', '--fine-tune'])).fineTune?.flip).toBe(FINE_TUNE_DEFAULTS.flip);
    expect((await transfer(['--dataset', '/d', '--fine-tune', '--fine-tune-flip'])).fineTune?.flip).toBe(true);
    expect((await transfer(['--dataset', '/d', '--fine-tune', '--no-fine-tune-flip'])).fineTune?.flip).toBe(false);
  });

  it('refuses an unknown backbone and a missing dataset', async () => {
    await expect(transfer(['--dataset', '/data/dogs', '--backbone', 'vgg16'])).rejects.toThrow(/backbone/);
    await expect(parse(['transfer'])).rejects.toThrow(/required option '--dataset <folder>' not specified/);
  });
});
