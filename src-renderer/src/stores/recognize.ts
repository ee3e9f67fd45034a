import { defineStore } from 'pinia';
import type { AppInfo, ModelView, RecognizeReply } from '../../../src-main/contract';

export const useRecognizeStore = defineStore('recognize', {
  state: () => ({
    info: null as AppInfo | null,
    models: [] as ModelView[],
    model: 'mobilenet',
    file: null as string | null,
    result: null as RecognizeReply | null,
    busy: false,
    error: '',
  }),
  actions: {
    async init() {
      try {
        [this.info, this.models] = await Promise.all([window.api.appInfo(), window.api.listModels()]);
      } catch (err) {
        this.error = (err as Error).message;
      }
    },
    async open() {
      const file = await window.api.openImageDialog();
      if (file) {
        this.file = file;
        await this.recognize();
      }
    },
    async recognize() {
      if (!this.file) return;
      this.busy = true;
      this.error = '';
      try {
        this.result = await window.api.recognize({ image: this.file, model: this.model, topK: 5 });
      } catch (err) {
        this.result = null;
        this.error = (err as Error).message;
      } finally {
        this.busy = false;
      }
    },
  },
});
