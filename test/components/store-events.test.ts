// @vitest-environment happy-dom
// Main's events reach the stores through one explicit subscription each, made by
// subscribeStores() in a stated order when App.vue mounts, and ended when it unmounts: importing
// or using a store subscribes nothing.
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { Api, StudioEvent } from '../../src-main/contract.ts';
import App from '../../src-renderer/src/App.vue';
import { useAppStore } from '../../src-renderer/src/stores/app.ts';
import { useDatasetStore } from '../../src-renderer/src/stores/dataset.ts';
import { useDogBreedsStore } from '../../src-renderer/src/stores/dog-breeds.ts';
import { useFolderStore } from '../../src-renderer/src/stores/folder.ts';
import { useModelsStore } from '../../src-renderer/src/stores/models.ts';
import { useRecognizeStore } from '../../src-renderer/src/stores/recognize.ts';
import { subscribeStores } from '../../src-renderer/src/stores/subscribe.ts';
import { useZooStore } from '../../src-renderer/src/stores/zoo.ts';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { fakeApi, plugins } from './setup.ts';
import { logLine } from '../../src-main/shared/log-messages.ts';

/** A window.api whose onEvent keeps its listeners, for the test to send events to. */
function eventApi(overrides: Partial<Api> = {}) {
  const listeners = new Set<(e: StudioEvent) => void>();
  let subscriptions = 0;
  fakeApi({
    onEvent: (l) => {
      subscriptions++;
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    ...overrides,
  });
  return {
    listeners,
    subscriptions: () => subscriptions,
    send: (e: StudioEvent) => {
      for (const l of listeners) l(e);
    },
  };
}

const log = (model: string): StudioEvent => ({ type: 'log', level: 'info', ...logLine('training-finished', { model }), time: '2024-01-01T00:00:00Z' });

describe("the stores' event subscriptions", () => {
  it('importing and using a store subscribes nothing', () => {
    plugins();
    const api = eventApi();
    for (const use of [useAppStore, useRecognizeStore, useFolderStore, useTrainingStore, useDatasetStore, useModelsStore, useZooStore, useDogBreedsStore]) use();
    expect(api.subscriptions()).toBe(0);
  });

  it('subscribeStores subscribes app, recognize, folder, training, zoo and dog-breeds in that order, and unsubscribes them all', async () => {
    plugins();
    const api = eventApi({ listModels: async () => [] });
    const order: string[] = [];
    const stores = [useDogBreedsStore(), useZooStore(), useTrainingStore(), useFolderStore(), useRecognizeStore(), useAppStore()];
    for (const store of stores) store.$onAction(({ name }) => void (name === 'subscribe' && order.push(store.$id)));
    const off = subscribeStores();
    expect(order).toEqual(['app', 'recognize', 'folder', 'training', 'zoo', 'dog-breeds']);
    expect(api.listeners.size).toBe(6);

    const app = useAppStore();
    const folder = useFolderStore();
    const training = useTrainingStore();
    api.send(log('hello'));
    api.send({ type: 'menu', command: 'panel', panel: 'models' });
    expect(app.log.map((l) => l.message)).toEqual(['training finished: hello']);
    expect(app.panel).toBe('models');
    folder.jobId = 'job-1';
    api.send({ type: 'folder', jobId: 'job-1', done: 2, total: 5 });
    api.send({ type: 'folder', jobId: 'other', done: 4, total: 9 });
    expect([folder.done, folder.total]).toEqual([2, 5]);
    api.send({ type: 'menu', command: 'open-dataset', path: '/data/birds' });
    expect(training.form.dataset).toBe('/data/birds');
    api.send({ type: 'download', file: 'model.json', received: 10, total: 100 });
    expect(useRecognizeStore().download).toEqual({ file: 'model.json', received: 10, total: 100 });
    // A download the window started follows its own job's events only.
    const zoo = useZooStore();
    zoo.downloads.mobilenet = { jobId: 'dl-1', received: 0, running: true };
    api.send({ type: 'model-download', jobId: 'dl-1', model: 'mobilenet', file: 'a', received: 500, total: 1000 });
    api.send({ type: 'model-download', jobId: 'dl-old', model: 'mobilenet', file: 'a', received: 900, total: 1000 });
    expect(zoo.downloads.mobilenet).toMatchObject({ received: 500, total: 1000, running: true });

    off();
    expect(api.listeners.size).toBe(0);
    api.send(log('after'));
    api.send({ type: 'folder', jobId: 'job-1', done: 5, total: 5 });
    expect(app.log).toHaveLength(1);
    expect(folder.done).toBe(2);
  });

  it("a run that ends reaches Training, which then refreshes the app's model list", async () => {
    plugins();
    let listed = 0;
    const api = eventApi({ listModels: async () => (listed++, []) });
    const off = subscribeStores();
    const training = useTrainingStore();
    training.runId = 'run-1';
    training.running = true;
    api.send({ type: 'training-ended', runId: 'run-1', error: 'out of memory' });
    await flushPromises();
    expect(training.running).toBe(false);
    expect(training.run.error).toBe('out of memory');
    expect(listed).toBe(1);
    off();
  });

  it('App.vue subscribes once when it mounts, before loading anything, and unsubscribes when it unmounts', async () => {
    const { global } = plugins();
    const calls: string[] = [];
    const api = eventApi({
      appInfo: async () => (calls.push(`appInfo after ${api.listeners.size} subscriptions`), { version: '0', versions: {}, backend: 'cpu', skipped: [], storeDir: '/s' }),
      listModels: async () => (calls.push('listModels'), []),
      recentFiles: async () => (calls.push('recentFiles'), []),
    });
    const wrapper = mount(App, { global });
    await flushPromises();
    expect(api.subscriptions()).toBe(6);
    expect(calls).toContain('appInfo after 6 subscriptions');
    api.send({ type: 'menu', command: 'panel', panel: 'folder' });
    await flushPromises();
    expect(wrapper.find('[data-tab="folder"]').attributes('aria-selected')).toBe('true');
    wrapper.unmount();
    expect(api.listeners.size).toBe(0);
  });
});
