// App-wide state: backend info, the model list, the current panel and the log.
import { defineStore } from 'pinia';
import type { AppInfo, ModelView, PanelId } from '../../../src-main/contract';

export interface LogLine {
  time: string;
  level: 'info' | 'error';
  message: string;
}

export const useAppStore = defineStore('app', {
  state: () => ({
    info: null as AppInfo | null,
    models: [] as ModelView[],
    panel: 'recognize' as PanelId,
    log: [] as LogLine[],
    error: '',
  }),
  actions: {
    /** Log lines and View menu panels from main; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type === 'log') this.addLog(e.level, e.message, e.time);
        else if (e.type === 'menu' && e.command === 'panel') this.panel = e.panel;
      });
    },
    /** Backend info and the model list. */
    async init() {
      try {
        const [info] = await Promise.all([window.api.appInfo(), this.refreshModels()]);
        this.info = info;
      } catch (err) {
        this.error = (err as Error).message;
      }
    },
    async refreshModels() {
      this.models = await window.api.listModels();
    },
    addLog(level: 'info' | 'error', message: string, time = new Date().toISOString()) {
      this.log.push({ time, level, message });
      if (this.log.length > 500) this.log.splice(0, this.log.length - 500);
    },
  },
});
