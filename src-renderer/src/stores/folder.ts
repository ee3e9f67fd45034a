import { defineStore } from 'pinia';
import type { FolderItem, HeatmapView } from '../../../src-main/contract';
import { predictionsCsv } from '../lib/csv';
import { basename, newId } from '../lib/format';

export type SortKey = 'name' | 'label' | 'probability';

/** A row's heatmap, asked for by a click on its thumbnail: on the way, there, or why not. */
export type RowHeat =
  { state: 'loading' } | { state: 'ready'; heatmap: HeatmapView; photo: { width: number; height: number }; label: string; layer: string } | { state: 'error'; error: string };

export const useFolderStore = defineStore('folder', {
  state: () => ({
    folder: '',
    /** The model the shown results came from. */
    model: '',
    jobId: '',
    items: [] as FolderItem[],
    done: 0,
    total: 0,
    running: false,
    sort: { key: 'name' as SortKey, desc: false },
    error: '',
    savedTo: '',
    /** By file: the heatmaps shown over thumbnails. */
    heat: {} as Record<string, RowHeat>,
  }),
  getters: {
    sorted(s): FolderItem[] {
      const value = (i: FolderItem): string | number => (s.sort.key === 'name' ? i.name : s.sort.key === 'label' ? (i.top?.[0]?.label ?? '') : (i.top?.[0]?.probability ?? -1));
      const dir = s.sort.desc ? -1 : 1;
      return [...s.items].sort((a, b) => {
        const va = value(a);
        const vb = value(b);
        return dir * (typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true }));
      });
    },
  },
  actions: {
    /** The running job's progress; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type !== 'folder' || e.jobId !== this.jobId) return;
        this.done = e.done;
        this.total = e.total;
        if (e.item && !this.items.some((i) => i.file === e.item!.file)) this.items.push(e.item);
      });
    },
    sortBy(key: SortKey) {
      this.sort = { key, desc: this.sort.key === key ? !this.sort.desc : key === 'probability' };
    },
    async choose(model: string) {
      const folder = await window.api.openFolderDialog('images');
      if (folder) await this.run(folder, model);
    },
    async run(folder: string, model: string) {
      this.folder = folder;
      this.model = model;
      this.jobId = newId('folder');
      this.items = [];
      this.done = 0;
      this.total = 0;
      this.error = '';
      this.savedTo = '';
      this.heat = {};
      this.running = true;
      try {
        const reply = await window.api.recognizeFolder({ jobId: this.jobId, folder, model, topK: 3 });
        this.items = reply.items;
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.running = false;
      }
    },
    /** Shows the Grad-CAM heatmap of a row's top answer over its thumbnail, or hides it. */
    async toggleHeat(file: string) {
      if (this.heat[file]) {
        delete this.heat[file];
        return;
      }
      this.heat[file] = { state: 'loading' };
      try {
        const r = await window.api.explain({ image: file, model: this.model });
        if (this.heat[file]) this.heat[file] = { state: 'ready', heatmap: r.heatmap, photo: r.photo, label: r.prediction.label, layer: r.layer };
      } catch (err) {
        if (this.heat[file]) this.heat[file] = { state: 'error', error: (err as Error).message };
      }
    },
    async cancel() {
      if (this.running) await window.api.cancelFolder(this.jobId);
    },
    csv(): string {
      return predictionsCsv(this.sorted, this.model);
    },
    async saveCsv() {
      const file = await window.api.saveCsv({ name: `${basename(this.folder) || 'predictions'}.csv`, csv: this.csv() });
      if (file) this.savedTo = file;
    },
  },
});
