// The service's events, in one place: training progress, folder jobs, downloads, log lines and
// menu commands reach the window (over IPC) and the tests through on().
import type { StudioEvent } from '../contract.ts';
import type { LogLine } from '../shared/log-messages.ts';

type Listener = (e: StudioEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: StudioEvent): void {
    for (const l of this.listeners) l(e);
  }

  log(line: LogLine, level: 'info' | 'error' = 'info'): void {
    this.emit({ type: 'log', level, ...line, time: new Date().toISOString() });
  }

  clear(): void {
    this.listeners.clear();
  }
}
