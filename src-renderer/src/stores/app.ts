// App-wide state: backend info, the model list, the current panel, the log, and the one
// subscription to main's events, which it hands to whoever registered for them.
import { defineStore } from 'pinia';
import type { AppInfo, ModelView, PanelId, StudioEvent } from '../../../src-main/contract';

export interface LogLine {
  time: string;
  level: 'info' | 'error';
  message: string;
}

type Handler = (e: StudioEvent) => void;
const handlers = new Set<Handler>();

/** Stores call this once to receive main's events. */
export function onStudioEvent(h: Handler): void {
  handlers.add(h);
}

export const useAppStore = defineStore('app', {
  state: () => ({
    info: null as AppInfo | null,
    models: [] as ModelView[],
    panel: 'recognize' as PanelId,
    log: [] as LogLine[],
    error: '',
    subscribed: false,
  }),
  actions: {
    async init() {
      if (!this.subscribed) {
        this.subscribed = true;
        window.api.onEvent((e) => {
          if (e.type === 'log') this.addLog(e.level, e.message, e.time);
          else if (e.type === 'menu' && e.command === 'panel') this.panel = e.panel;
          for (const h of handlers) h(e);
        });
      }
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
