// @vitest-environment happy-dom
// A dataset that is not here: the CLI tells its user the command to run; the app never does.
// The same coded errors (dataset-not-prepared, dataset-offline, dataset-download-refused) carry
// the CLI's English as their message, and the window words them from its locale files, pointing
// at its own buttons. Real loaders on empty folders; the app side through a real training run of
// the service, its failure reaching the Training panel.
import { flushPromises, mount } from '@vue/test-utils';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { errorMessageOf, type StudioEvent } from '../../src-main/contract.ts';
import { loadDataset } from '../../src-main/core/datasets/catalog.ts';
import { hostRefused, prepareStanfordDogs, stanfordDogsEntry } from '../../src-main/core/datasets/stanford-dogs.ts';
import { DownloadRefusedError } from '../../src-main/core/downloads/download.ts';
import { CodedError, errorCodeOf } from '../../src-main/shared/errors.ts';
import TrainingPanel from '../../src-renderer/src/components/TrainingPanel.vue';
import { useErrorText } from '../../src-renderer/src/lib/errors.ts';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { noNetwork, tempDir } from '../helpers/shared.ts';
import { fakeApi, plugins } from './setup.ts';
import en from '../../src-renderer/src/locales/en.ts';
import ko from '../../src-renderer/src/locales/ko.ts';

const COMMAND = /classifier-studio|datasets import|models build|--mirror/;

function errorWords(locale: 'en' | 'ko') {
  let text!: ReturnType<typeof useErrorText>;
  mount(
    defineComponent({
      setup() {
        text = useErrorText();
        return () => h('div');
      },
    }),
    plugins(locale),
  );
  // As an error reaches the window over IPC: its code and values inside the message.
  return (err: unknown) => text(new Error(errorMessageOf({ ok: false, error: (err as Error).message, ...errorCodeOf(err) })));
}

const fail = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('it should fail') as never,
    (e: unknown) => e as CodedError,
  );

describe('dataset messages: commands in the CLI, buttons in the app', async () => {
  const cacheDir = await tempDir('cs-dsmsg-');
  const notPrepared = await fail(loadDataset('stanford-dogs', { cacheDir, offline: true, imageSize: [224, 224], channels: 3 }));
  const offline = await fail(loadDataset('mnist', { cacheDir, offline: true, imageSize: [28, 28], channels: 1 }));
  const dogsOffline = await fail(prepareStanfordDogs({ cacheDir, offline: true, fetch: noNetwork }));
  const entry = stanfordDogsEntry();
  const refused = hostRefused(entry, new DownloadRefusedError(entry.files[0]!.url, 'HTTP 403', entry.files[0]!.name, 403), path.join(cacheDir, 'datasets/stanford-dogs'));

  it('the CLI is told the command to run (the message, as it prints it)', () => {
    expect(notPrepared).toMatchObject({ code: 'dataset-not-prepared', params: { name: 'Stanford Dogs', id: 'stanford-dogs' } });
    expect(notPrepared.message).toMatch(/run classifier-studio models build dog-breeds .* classifier-studio datasets import stanford-dogs/);
    expect(offline).toMatchObject({ code: 'dataset-offline', params: { id: 'mnist' } });
    expect(offline.message).toMatch(/downloads are off.*classifier-studio datasets import mnist <folder>/);
    expect(dogsOffline).toMatchObject({ code: 'dataset-offline', params: { id: 'stanford-dogs', files: 'images.tar, lists.tar' } });
    expect(dogsOffline.message).toMatch(/classifier-studio datasets import stanford-dogs/);
    expect(refused.message).toMatch(/classifier-studio datasets import stanford-dogs/);
  });

  it('the app is never told to run a command: its own words point at its buttons, in both languages', () => {
    for (const locale of ['en', 'ko'] as const) {
      const say = errorWords(locale);
      const texts = [notPrepared, offline, dogsOffline, refused].map(say);
      for (const t of texts) expect(t, t).not.toMatch(COMMAND);
      // The buttons by the names the window gives them.
      const words = locale === 'en' ? en : ko;
      const build = `“${words.dogBreeds.build}”`;
      expect(texts[0]).toContain(build);
      expect(texts[0]).toContain(`“${words.dogBreeds.name}”`);
      expect(texts[1]).toContain(locale === 'en' ? 'MNIST is not on this computer, and downloads are off' : 'MNIST이(가) 이 컴퓨터에 없고');
      expect(texts[3]).toContain(build);
      expect(texts[3]).toContain('HTTP 403');
    }
  });

  it("a run whose dataset is missing fails on the Training panel in the app's words", async () => {
    // The event as the service sends it (test/dataset-messages.test.ts runs the service for it).
    const listeners = new Set<(e: StudioEvent) => void>();
    fakeApi({ onEvent: (l) => (listeners.add(l), () => listeners.delete(l)), startTraining: async () => undefined, listModels: async () => [] });
    const p = plugins('ko');
    const w = mount(TrainingPanel, { ...p, global: { ...p.global, stubs: { CurveChart: true, EvaluationPanel: true, AugmentPreview: true, RunCurves: true } } });
    const training = useTrainingStore(p.pinia);
    training.subscribe();
    await training.start();
    const ended: StudioEvent = { type: 'training-ended', runId: training.runId, error: offline.message, ...errorCodeOf(offline) };
    listeners.forEach((l) => l(ended));
    await flushPromises();
    const status = w.find('[data-testid="training-status"]').text();
    expect(status).toContain('MNIST이(가) 이 컴퓨터에 없고 내려받기가 꺼져 있습니다');
    expect(status).not.toMatch(COMMAND);
  });
});
