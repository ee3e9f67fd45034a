// App-wide state: backend info, the model list, the current panel and the log.
import { defineStore } from 'pinia';
import type { AppInfo, ModelView, PanelId } from '../../../src-main/contract';
import type { LogLine } from '../../../src-main/shared/log-messages';

/** A line of the log bar: coded (lib/log-text.ts words it in the user's language), with its time. */
export type LogEntry = LogLine & { time: string; level: 'info' | 'error' };

export const useAppStore = defineStore('app', {
  state: () => ({
    info: null as AppInfo | null,
    models: [] as ModelView[],
    panel: 'recognize' as PanelId,
    log: [] as LogEntry[],
    error: '',
  }),
  actions: {
    /** Log lines and View menu panels from main; returns the unsubscribe (stores/subscribe.ts calls it). */
    subscribe(): () => void {
      return window.api.onEvent((e) => {
        if (e.type === 'log') {
          this.addLog(e);
          // The compute window is up and routes recognition (or not): the badge names what computes.
          if (e.code === 'compute-chosen' || e.code === 'compute-recognize-fell-back') void this.refreshInfo();
        } else if (e.type === 'menu' && e.command === 'panel') this.panel = e.panel;
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
    /** The backend badge again (the compute window came up, or the backend was measured again). */
    async refreshInfo() {
      try {
        this.info = await window.api.appInfo();
      } catch {
        /* the badge keeps what it showed */
      }
    },
    async refreshModels() {
      this.models = await window.api.listModels();
    },
    addLog({ code, params, message, reason, words, level, time }: LogEntry) {
      this.log.push({ code, params, message, ...(reason ? { reason } : {}), ...(words ? { words } : {}), level, time });
      if (this.log.length > 500) this.log.splice(0, this.log.length - 500);
    },
  },
});
