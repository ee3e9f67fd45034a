import { defineStore } from 'pinia';
import type { EvaluationView, ModelFileKind, StoredModelView } from '../../../src-main/contract';
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
    /** The export being chosen or written: its place once the save dialog gave one; `exists` waits for consent to replace. */
    exporting: null as { name: string; format: ModelFileKind; busy: boolean; exists?: string } | null,
    /** What the last export or import did, shown until the next one. */
    done: null as { kind: 'exported'; name: string; format: ModelFileKind; path: string } | { kind: 'imported'; name: string } | null,
    importing: false,
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
    startExport(name: string) {
      this.exporting = { name, format: 'keras', busy: false };
      this.done = null;
      this.error = '';
    },
    /** Asks main to save (its dialog); a place that exists is replaced only after `replace` is pressed. */
    async exportModel(replace = false) {
      const job = this.exporting;
      if (!job) return;
      job.busy = true;
      this.error = '';
      try {
        const reply = await window.api.exportModel(
          replace && job.exists ? { name: job.name, format: job.format, out: job.exists, overwrite: true } : { name: job.name, format: job.format },
        );
        if (!reply)
          job.exists = undefined; // the dialog was cancelled: the chooser stays open
        else if (reply.status === 'exists') job.exists = reply.path;
        else {
          this.done = { kind: 'exported', name: job.name, format: reply.format, path: reply.path };
          this.exporting = null;
        }
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        if (this.exporting) this.exporting.busy = false;
      }
    },
    /** A .keras or .h5 file, or a TF.js folder, into the store; an existing name is replaced only when `overwrite`. */
    async importModel(pick: 'file' | 'folder', name: string, overwrite: boolean) {
      this.importing = true;
      this.error = '';
      this.done = null;
      try {
        const reply = await window.api.importModel({ pick, ...(name ? { name } : {}), overwrite });
        if (reply) {
          this.done = { kind: 'imported', name: reply.name };
          this.selected = reply.name;
        }
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.importing = false;
      }
      await Promise.all([this.refresh(), useAppStore().refreshModels()]);
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
