import { defineStore } from 'pinia';
import type { EvaluationView, StoredModelView } from '../../../src-main/contract';
import { useAppStore } from './app';
import { useRecognizeStore } from './recognize';
import { useTrainingStore } from './training';

export const useModelsStore = defineStore('models', {
  state: () => ({
    list: [] as StoredModelView[],
    selected: '',
    evaluation: null as EvaluationView | null,
    loading: false,
    error: '',
  }),
  actions: {
    async refresh() {
      this.loading = true;
      try {
        this.list = await window.api.storedModels();
        if (this.selected && !this.list.some((m) => m.name === this.selected)) this.select('');
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.loading = false;
      }
    },
    async select(name: string) {
      this.selected = name;
      this.evaluation = null;
      if (!name) return;
      try {
        this.evaluation = await window.api.evaluation({ model: name, thumbnails: 200 });
      } catch (err) {
        this.error = (err as Error).message;
      }
    },
    /** Makes the model the one the Recognize panel uses, and goes there. */
    use(name: string) {
      useRecognizeStore().model = name;
      useAppStore().panel = 'recognize';
    },
    /** Continues a stopped or interrupted run on the Training panel, where its progress shows. */
    resume(name: string) {
      useAppStore().panel = 'training';
      void useTrainingStore().resume(name);
    },
    async rename(from: string, to: string) {
      await this.guard(() => window.api.renameModel({ from, to }));
      if (this.selected === from) this.selected = to;
      const rec = useRecognizeStore();
      if (rec.model === from) rec.model = to;
    },
    async remove(name: string) {
      await this.guard(() => window.api.deleteModel(name));
      const rec = useRecognizeStore();
      if (rec.model === name) rec.model = 'mobilenet';
    },
    async reveal(name: string) {
      await this.guard(() => window.api.revealModel(name));
    },
    async guard(fn: () => Promise<void>) {
      this.error = '';
      try {
        await fn();
      } catch (err) {
        this.error = (err as Error).message;
      }
      await Promise.all([this.refresh(), useAppStore().refreshModels()]);
    },
  },
});
