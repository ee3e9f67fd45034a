// `summary`: the architectures as published, with the course's numbers.
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { summarize, summaryText } from '../src-main/core/models/summary.ts';
import { camLayerName } from '../src-main/core/models/grad-cam.ts';
import { loadArchitecture } from '../src-main/core/zoo/architecture.ts';
import { loadModel } from '../src-main/core/zoo/load.ts';
import { jsonLines, runCli } from './helpers/cli.ts';
import { mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

describe('model summaries', () => {
  const expected: [string, number, number][] = [
    ['lenet5', 61_706, 0],
    ['fashion-cnn', 333_526, 0],
    ['cifar-cnn', 890_410, 0],
    // MobileNet v1 0.75 as published: its batch norms' moving means and variances are the non-trainable part.
    ['mobilenet', 2_601_976, 16_416],
    ['resnet50', 25_636_712, 53_120],
  ];
  for (const [id, total, frozen] of expected) {
    it(`${id}: ${total.toLocaleString('en-US')} parameters, ${frozen.toLocaleString('en-US')} non-trainable`, async () => {
      await initBackend();
      const model = await loadArchitecture(id, { mirrorDir, cacheDir: await tempDir(), offline: true, fetch: noNetwork });
      try {
        const s = summarize(model);
        expect(s.totalParams).toBe(total);
        expect(s.totalParams - s.trainableParams).toBe(frozen);
        expect(s.layers.reduce((n, l) => n + l.params, 0)).toBe(total);
        const text = summaryText(s);
        expect(text).toContain(`Total params: ${total.toLocaleString('en-US')}`);
        expect(text).toContain(`Non-trainable params: ${frozen.toLocaleString('en-US')}`);
        if (id === 'resnet50') expect(camLayerName(model)).toBe('conv5_block3_out'); // after the residual Add, as the Keras example uses
        if (id === 'mobilenet') {
          expect(s.layers.filter((l) => l.type === 'BatchNormalization')).toHaveLength(27);
          expect(camLayerName(model)).toBe('conv_pw_13_relu');
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('is of the published MobileNet, not of the folded one that recognizes', async () => {
    const { classifier } = await loadModel('mobilenet', { mirrorDir, cacheDir: await tempDir(), offline: true, fetch: noNetwork });
    expect(classifier.model.countParams()).not.toBe(2_601_976);
    expect(classifier.model.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    classifier.dispose();
  });

  it('classifier-studio summary prints the Keras table, and --json the same as data', async () => {
    const text = await runCli(['summary', 'mobilenet', '--mirror', mirrorDir, '--cache', await tempDir(), '--offline']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Layer \(type\) +Output Shape +Param #/);
    expect(text.stdout).toMatch(/conv_pw_13_bn \(BatchNormalization\) +\(None, 7, 7, 768\) +3,072/);
    expect(text.stdout).toContain('Total params: 2,601,976');
    expect(text.stdout).toContain('Trainable params: 2,585,560');
    expect(text.stdout).toContain('Non-trainable params: 16,416');
    const json = await runCli(['summary', 'lenet5', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const [s] = jsonLines(json.stdout);
    expect(s).toMatchObject({ name: 'lenet5', totalParams: 61_706, trainableParams: 61_706, nonTrainableParams: 0 });
    expect((s!.layers as unknown[])[0]).toEqual({ name: expect.any(String), type: 'Conv2D', outputShape: '(None, 28, 28, 6)', params: 156 });
    const bad = await runCli(['summary', 'no-such-net', '--json']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Unknown model "no-such-net"/);
  });
});
