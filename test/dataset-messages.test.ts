// A training run whose built-in dataset is not here (offline, no mirror): the service ends it
// with the coded error, so the window words it (test/components/dataset-messages.test.ts) where
// the CLI prints the command to run.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StudioEvent } from '../src-main/contract.ts';
import { StudioService } from '../src-main/service/studio.ts';
import { noNetwork, tempDir } from './helpers/shared.ts';
import { runCli } from './helpers/cli.ts';

describe('a run on a dataset that is not here', () => {
  it("ends with the dataset-offline code beside the CLI's English", async () => {
    const tmp = await tempDir('cs-dsrun-');
    const service = new StudioService({ cacheDir: tmp, storeDir: path.join(tmp, 'store'), stateDir: tmp, offline: true, fetch: noNetwork });
    const events: StudioEvent[] = [];
    service.on((e) => events.push(e));
    try {
      await service.startTraining({ runId: 'r', dataset: 'mnist', network: 'lenet5', epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.001, validationSplit: 0 });
      await expect.poll(() => events.find((e) => e.type === 'training-ended'), { timeout: 60_000 }).toBeTruthy();
      const ended = events.find((e) => e.type === 'training-ended')!;
      expect(ended).toMatchObject({
        runId: 'r',
        code: 'dataset-offline',
        params: { name: 'MNIST', id: 'mnist' },
        error: expect.stringMatching(/classifier-studio datasets import mnist/),
      });
    } finally {
      service.dispose();
    }
  }, 90_000);
});

describe('the CLI on a dataset that is not here', () => {
  it('tells its user the command that imports it', async () => {
    const dir = await tempDir('cs-dscli-');
    const run = await runCli(['train', '--dataset', 'mnist', '--model', 'lenet5', '--epochs', '1', '--offline', '--cache', dir, '--store', path.join(dir, 'store')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/The dataset MNIST \(mnist\) is not in .*downloads are off\..*import them with: classifier-studio datasets import mnist <folder>\./);
  }, 90_000);
});
