// @vitest-environment happy-dom
// A run that fails in its thread ends with 'training-ended' carrying the error (the service's side
// is test/service-jobs.test.ts): the training panel shows it as the run's failure, and the form
// may start again.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { StudioEvent } from '../../src-main/contract.ts';
import TrainingPanel from '../../src-renderer/src/components/TrainingPanel.vue';
import { useAppStore } from '../../src-renderer/src/stores/app.ts';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { fakeApi, plugins } from './setup.ts';

describe('a training run that fails', () => {
  it('shows its error in the panel and leaves the form ready for another run', async () => {
    let send: (e: StudioEvent) => void = () => undefined;
    const started: string[] = [];
    fakeApi({
      onEvent: (listener) => {
        send = listener;
        return () => undefined;
      },
      appInfo: async () => ({ version: '0', versions: {}, backend: 'cpu', skipped: [], storeDir: '/store' }),
      listModels: async () => [],
      startTraining: async (req) => void started.push(req.runId),
    });
    const p = plugins();
    const w = mount(TrainingPanel, { ...p, global: { ...p.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true } } });
    const training = useTrainingStore(p.pinia);
    training.subscribe();
    await useAppStore(p.pinia).init();

    await training.start();
    expect(started).toEqual([training.runId]);
    expect(training.running).toBe(true);
    // Another run's end is not this one's.
    send({ type: 'training-ended', runId: 'someone-else', error: 'not mine' });
    expect(training.running).toBe(true);
    send({ type: 'training-ended', runId: training.runId, error: 'The dataset folder /data/pets has only one class (cat); training needs at least 2.' });
    await flushPromises();
    expect(training.running).toBe(false);
    expect(training.run.error).toMatch(/only one class/);
    const status = w.find('[data-testid="training-status"]');
    expect(status.classes()).toContain('error');
    expect(status.text()).toBe('Training failed: The dataset folder /data/pets has only one class (cat); training needs at least 2.');
  });
});
