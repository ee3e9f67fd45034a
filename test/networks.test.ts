import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { NETWORKS } from '../src-main/core/models/classic.ts';
import { summarize, summaryText } from '../src-main/core/models/summary.ts';
import { CLASSIC_NETWORKS } from '../src-main/shared/vocabulary.ts';

beforeAll(() => initBackend());

describe('the classic CNNs', () => {
  const expected: Record<keyof typeof NETWORKS, number> = {
    lenet5: 61_706,
    'fashion-cnn': 333_526,
    'cifar-cnn': 890_410,
    'mnist-cnn': 1_199_882,
  };

  for (const [id, params] of Object.entries(expected)) {
    it(`${id} has exactly ${params.toLocaleString('en-US')} parameters and a 10-way softmax`, () => {
      const model = NETWORKS[id as keyof typeof NETWORKS].build();
      expect(model.countParams()).toBe(params);
      expect(CLASSIC_NETWORKS[id as keyof typeof CLASSIC_NETWORKS].params, 'the count the app shows').toBe(params);
      expect(model.outputs[0]!.shape).toEqual([null, 10]);
      // The summary (app and CLI) names it as the --model option and the form do.
      expect(summarize(model).name).toBe(id);
      model.dispose();
    });
  }

  it('lenet5 is the course network layer for layer', () => {
    const model = NETWORKS.lenet5.build();
    const s = summarize(model);
    expect(s.layers.map((l) => `${l.type}${l.outputShape}`)).toEqual([
      'Conv2D(None, 28, 28, 6)',
      'MaxPooling2D(None, 14, 14, 6)',
      'Conv2D(None, 10, 10, 16)',
      'MaxPooling2D(None, 5, 5, 16)',
      'Conv2D(None, 1, 1, 120)',
      'Flatten(None, 120)',
      'Dense(None, 84)',
      'Dense(None, 10)',
    ]);
    expect(s.layers.map((l) => l.params)).toEqual([156, 0, 2416, 0, 48120, 0, 10164, 850]);
    model.dispose();
  });

  it('prints a summary like Keras model.summary()', () => {
    const model = NETWORKS['fashion-cnn'].build();
    const text = summaryText(summarize(model));
    expect(text).toMatch(/Layer \(type\) +Output Shape +Param #/);
    expect(text).toMatch(/dropout\S* \(Dropout\) +\(None, 100\) +0/);
    expect(text).toMatch(/Total params: 333,526/);
    expect(text).toMatch(/Trainable params: 333,526/);
    model.dispose();
  });

  it('builds for other input shapes, class counts and dropout rates', () => {
    const model = NETWORKS['cifar-cnn'].build({ inputShape: [32, 32, 1], classes: 3, dropout: 0.1 });
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    const rates = model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => (l.getConfig() as { rate: number }).rate);
    expect(rates).toEqual([0.1, 0.1, 0.1]);
    model.dispose();
  });
});
