// Zoo models downloaded on demand from the window: one job per model, its progress as events
// (whole-model bytes, the catalogue's sizes), stopped by cancel() keeping what arrived, which
// the next download of that model resumes (core/downloads/download.ts). Nothing here polls.
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { DownloadCancelledError, fetchModelFiles, type FileSources } from '../core/zoo/files.ts';
import { missingFiles } from '../core/zoo/availability.ts';
import { partFileOf } from '../core/downloads/download.ts';
import type { ModelDownloadReply } from '../contract.ts';
import type { EventBus } from './events.ts';

/** At most one progress event per this many ms per job, and the last one always. */
const EVERY_MS = 100;

export class ModelDownloads {
  private readonly jobs = new Map<string, AbortController>();
  /** One job per model: a second request for the same model joins the first. */
  private readonly byModel = new Map<string, Promise<ModelDownloadReply>>();

  constructor(
    private readonly bus: EventBus,
    private readonly sources: () => FileSources,
  ) {}

  run(jobId: string, model: string): Promise<ModelDownloadReply> {
    const running = this.byModel.get(model);
    if (running) return running;
    const job = this.download(jobId, model).finally(() => {
      this.byModel.delete(model);
      this.jobs.delete(jobId);
    });
    this.byModel.set(model, job);
    return job;
  }

  cancel(jobId: string): void {
    this.jobs.get(jobId)?.abort();
  }

  cancelAll(): void {
    for (const c of this.jobs.values()) c.abort();
  }

  private async download(jobId: string, model: string): Promise<ModelDownloadReply> {
    const abort = new AbortController();
    this.jobs.set(jobId, abort);
    const sources = this.sources();
    const missing = await missingFiles(model, sources);
    if (!missing) return { model, status: 'done' };
    const total = missing.bytes;
    // Each file's bytes on disk: a .part resumed counts from where it stopped.
    const onDisk = new Map<string, number>();
    for (const f of missing.files)
      onDisk.set(
        f.path,
        await stat(partFileOf(path.join(sources.cacheDir, f.path))).then(
          (s) => s.size,
          () => 0,
        ),
      );
    const received = () => [...onDisk.values()].reduce((a, b) => a + b, 0);
    let last = 0;
    const emit = (file: string, force = false) => {
      const now = Date.now();
      if (!force && now - last < EVERY_MS) return;
      last = now;
      this.bus.emit({ type: 'model-download', jobId, model, file, received: received(), ...(total !== undefined ? { total } : {}) });
    };
    emit('', true);
    try {
      await fetchModelFiles(model, {
        ...sources,
        signal: abort.signal,
        onProgress: (p) => {
          onDisk.set(p.file, p.received);
          emit(p.file, p.received === p.total);
        },
      });
    } catch (err) {
      if (err instanceof DownloadCancelledError) {
        emit('', true);
        return { model, status: 'cancelled', kept: received() };
      }
      throw err;
    }
    for (const f of missing.files) onDisk.set(f.path, f.size ?? onDisk.get(f.path) ?? 0);
    emit('', true);
    return { model, status: 'done' };
  }
}
