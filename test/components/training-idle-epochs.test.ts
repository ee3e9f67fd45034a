// @vitest-environment happy-dom
// An epochs value the field refuses (5000: "must be at most 1000" beside it) drives nothing in
// the idle Training panel: its "Epoch 0 of N" line and the charts' x-axis keep the last value
// the schema took, and follow the field again once it holds a valid one.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import TrainingPanel from '../../src-renderer/src/components/TrainingPanel.vue';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { fakeApi, plugins } from './setup.ts';

function mountPanel(locale: 'en' | 'ko') {
  fakeApi({ onEvent: () => () => undefined });
  const p = plugins(locale);
  const w = mount(TrainingPanel, { ...p, global: { ...p.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true } } });
  return { w, store: useTrainingStore(p.pinia) };
}

/** The epoch line and the x-axis end of both charts (the stubs keep their props as attributes). */
function shown(w: ReturnType<typeof mountPanel>['w']) {
  return {
    line: w.find('.progress-row span').text(),
    axes: w.findAll('curve-chart-stub').map((c) => c.attributes('epochs')),
  };
}

describe('the idle training panel and an invalid epochs value', () => {
  it.each([
    ['en', 'Epoch 0 of 30', 'Epoch 0 of 7', 'must be at most 1000'],
    ['ko', '에포크 0 / 30', '에포크 0 / 7', '1000 이하여야 합니다'],
  ] as const)('%s: shows the last valid value, never the refused one', async (locale, thirty, seven, why) => {
    const { w, store } = mountPanel(locale);
    const epochs = w.find('[data-testid="epochs"]');
    await epochs.setValue('30');
    expect(shown(w)).toEqual({ line: thirty, axes: ['30', '30'] });

    for (const bad of ['5000', '0', '2.5', '']) {
      await epochs.setValue(bad);
      expect(store.errors.epochs, bad).toBeDefined();
      expect(shown(w), bad).toEqual({ line: thirty, axes: ['30', '30'] });
    }
    await epochs.setValue('5000');
    expect(w.find('[data-testid="epochs-error"]').text()).toBe(why);
    expect(w.text()).not.toContain('5000');

    await epochs.setValue('7');
    expect(shown(w)).toEqual({ line: seven, axes: ['7', '7'] });
  });
});
