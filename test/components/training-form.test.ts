// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { TrainRequest } from '../../src-main/contract.ts';
import { TrainConfig } from '../../src-main/core/training/config.ts';
import TrainingForm from '../../src-renderer/src/components/TrainingForm.vue';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { fakeApi, plugins } from './setup.ts';

function mountForm(locale: 'en' | 'ko' = 'en') {
  const p = plugins(locale);
  const w = mount(TrainingForm, p);
  return { w, store: useTrainingStore(p.pinia) };
}

describe('the training form', () => {
  it('starts valid with Keras-like defaults', () => {
    const { w, store } = mountForm();
    expect(store.valid).toBe(true);
    expect(w.find('[data-testid="start"]').attributes('disabled')).toBeUndefined();
    expect(w.findAll('.field-error')).toHaveLength(0);
  });

  it('starts from the same defaults as the CLI and the core (20 epochs, batches of 32, a fifth for validation)', () => {
    const { w } = mountForm();
    const value = (id: string) => Number((w.find(`[data-testid="${id}"]`).element as HTMLInputElement).value);
    const core = TrainConfig.parse({ dataset: 'mnist', network: 'lenet5' });
    expect({ epochs: value('epochs'), batchSize: value('batch-size'), validationSplit: value('validation-split') }).toEqual({
      epochs: core.epochs,
      batchSize: core.batchSize,
      validationSplit: core.validationSplit,
    });
    expect(core).toMatchObject({ epochs: 20, batchSize: 32, validationSplit: 0.2 }); // as README says
  });

  it('marks bad fields with the schema main checks against, and will not start', async () => {
    const { w, store } = mountForm();
    await w.find('[data-testid="epochs"]').setValue('0');
    await w.find('[data-testid="learning-rate"]').setValue('');
    await w.find('[data-testid="validation-split"]').setValue('0.95');
    await w.find('[data-testid="out"]').setValue('../escape');
    expect(Object.keys(store.errors).sort()).toEqual(['epochs', 'learningRate', 'out', 'validationSplit']);
    expect(w.findAll('.field.invalid')).toHaveLength(4);
    expect(w.find('[data-testid="start"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="epochs"]').setValue('3');
    expect(store.errors.epochs).toBeUndefined();
  });

  // Each field the schema refuses says why beside it, in the user's language (not zod's English).
  const BAD_FIELDS: [string, string, string, string][] = [
    ['epochs', '0', 'must be at least 1', '1 이상이어야 합니다'],
    ['epochs', '2.5', 'must be a whole number', '정수여야 합니다'],
    ['epochs', '5000', 'must be at most 1000', '1000 이하여야 합니다'],
    ['batch-size', '', 'must be a number', '숫자여야 합니다'],
    ['learning-rate', '0', 'must be more than 0', '0보다 커야 합니다'],
    ['validation-split', '0.95', 'must be at most 0.9', '0.9 이하여야 합니다'],
    ['patience', '-1', 'must be at least 0', '0 이상이어야 합니다'],
    ['limit', '0', 'must be more than 0', '0보다 커야 합니다'],
    ['test-limit', '1.5', 'must be a whole number', '정수여야 합니다'],
    ['dropout', '1', 'must be less than 1', '1보다 작아야 합니다'],
  ];

  it.each(BAD_FIELDS)('says why %s = %j cannot be, beside the field, in English and Korean', async (field, value, english, korean) => {
    for (const [locale, text] of [
      ['en', english],
      ['ko', korean],
    ] as const) {
      const { w } = mountForm(locale);
      await w.find(`[data-testid="${field}"]`).setValue(value);
      expect(
        w.findAll('.field-error').map((e) => e.text()),
        `${locale}: ${field}`,
      ).toEqual([text]);
      // Beside its own input: the error is in the field that holds it.
      expect(w.find(`[data-testid="${field}-error"]`).element.closest('.field')?.querySelector(`[data-testid="${field}"]`)).not.toBeNull();
      expect(w.find('[data-testid="start"]').attributes('disabled')).toBeDefined();
    }
  });

  it('says why a model name cannot be, in Korean', async () => {
    const { w } = mountForm('ko');
    await w.find('[data-testid="out"]').setValue('run..2');
    expect(w.find('[data-testid="out-error"]').text()).toBe('점을 두 개 이어 쓸 수 없습니다');
    await w.find('[data-testid="out"]').setValue('con');
    expect(w.find('[data-testid="out-error"]').text()).toMatch(/^Windows가 장치 이름으로/);
  });

  it('sends the request with optional fields left out, and switches to Stop while running', async () => {
    const sent: TrainRequest[] = [];
    fakeApi({ startTraining: async (r) => void sent.push(r) });
    const { w } = mountForm();
    await w.find('[data-testid="limit"]').setValue('600');
    await w.find('[data-testid="epochs"]').setValue('2');
    await w.find('form').trigger('submit');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ dataset: 'mnist', network: 'lenet5', epochs: 2, limit: 600, batchSize: 32, optimizer: 'adam' });
    expect(sent[0]!.testLimit).toBeUndefined();
    expect(sent[0]!.runId).toMatch(/^run-/);
    expect(w.find('[data-testid="stop"]').exists()).toBe(true);
  });

  it('picks the learning rate of the chosen optimizer and the network of the chosen dataset', async () => {
    const { w, store } = mountForm();
    await w.find('[data-testid="optimizer"]').setValue('sgd');
    expect(store.form.learningRate).toBe(0.01);
    await w.find('[data-testid="dataset"]').setValue('cifar10');
    expect(store.form.network).toBe('cifar-cnn');
  });

  it('offers fine-tuning for transfer learning only, with its time per epoch up front, and sends it', async () => {
    const sent: TrainRequest[] = [];
    fakeApi({ startTraining: async (r) => void sent.push(r) });
    const { w, store } = mountForm();
    expect(w.find('[data-testid="fine-tune"]').exists()).toBe(false);
    store.setDataset('/photos/dogs');
    await w.vm.$nextTick();
    expect(store.form.network).toBe('transfer-mobilenet');
    expect(w.find('[data-testid="fine-tune-hint"]').text()).toBe(
      "Fine-tuning trains the backbone's last 3 layers with the head, from activations computed once per photo and cached: about 30 s an epoch per 1,000 training photos (measured on wasm; the log gives this computer's estimate before training).",
    );
    await w.find('[data-testid="fine-tune"]').setValue(true);
    await w.find('form').trigger('submit');
    expect(sent[0]).toMatchObject({ network: 'transfer-mobilenet', fineTune: true });
  });
});

describe('photo resize for transfer learning', () => {
  it('is offered for transfer networks only, crop by default, and sent with the request', async () => {
    const sent: TrainRequest[] = [];
    fakeApi({ startTraining: async (r) => void sent.push(r) });
    const { w, store } = mountForm();
    expect(w.find('[data-testid="fit"]').exists()).toBe(false);
    store.form.dataset = '/photos/dogs';
    await w.find('[data-testid="network"]').setValue('transfer-mobilenet');
    const select = w.find('[data-testid="fit"]');
    expect((select.element as HTMLSelectElement).value).toBe('crop');
    expect(select.findAll('option').map((o) => o.text())).toEqual(['Centre crop', 'Squash']);
    await select.setValue('squash');
    await w.find('form').trigger('submit');
    expect(sent[0]).toMatchObject({ network: 'transfer-mobilenet', fit: 'squash' });
  });

  it("is left out of a classic network's request", () => {
    const { store } = mountForm();
    expect(store.request.fit).toBeUndefined();
  });
});
