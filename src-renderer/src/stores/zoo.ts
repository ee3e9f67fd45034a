// Zoo models on demand: a download the window started, its progress from main's events (never
// polled), stopping it (what arrived is kept, and the next download resumes), and importing the
// files from disk on machines without internet. The model list says what is missing (ModelView.missing).
import { defineStore } from 'pinia';
import { newId } from '../lib/format';
import { useAppStore } from './app';
import { useRecognizeStore } from './recognize';

export interface DownloadState {
  jobId: string;
  received: number;
  total?: number;
  running: boolean;
  /** Set when stopped by the user: the bytes kept for the next download. */
  kept?: number;
}

export const useZooStore = defineStore('zoo', {
  state: () => ({
    downloads: {} as Record<string, DownloadState>,
    /** What the last download or import finished, for one model: shown until the next action. */
    finished: null as { model: string; kind: 'done' | 'imported'; files?: number } | null,
    error: '',
  }),
  actions: {
    /** Download progress; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type !== 'model-download') return;
        const d = this.downloads[e.model];
        if (d && d.jobId === e.jobId) Object.assign(d, { received: e.received, total: e.total });
      });
    },
    async download(model: string) {
      const jobId = newId('dl');
      this.downloads[model] = { jobId, received: 0, running: true };
      this.error = '';
      this.finished = null;
      try {
        const reply = await window.api.downloadModel({ jobId, model });
        const d = this.downloads[model]!;
        d.running = false;
        if (reply.status === 'cancelled') d.kept = reply.kept;
        else {
          delete this.downloads[model];
          this.finished = { model, kind: 'done' };
        }
      } catch (err) {
        delete this.downloads[model];
        this.error = (err as Error).message;
      }
      await this.ready(model);
    },
    /** The model list again; a picture waiting in Recognize for this model is recognized now. */
    async ready(model: string) {
      await useAppStore().refreshModels();
      const rec = useRecognizeStore();
      if (rec.model === model && rec.source && !rec.result) await rec.recognize();
    },
    async cancel(model: string) {
      const d = this.downloads[model];
      if (d?.running) await window.api.cancelModelDownload(d.jobId);
    },
    async importFiles(model: string) {
      this.error = '';
      this.finished = null;
      try {
        const reply = await window.api.importZooModel(model);
        if (reply) {
          delete this.downloads[model];
          this.finished = { model, kind: 'imported', files: reply.files };
        }
      } catch (err) {
        this.error = (err as Error).message;
      }
      await this.ready(model);
    },
  },
});
