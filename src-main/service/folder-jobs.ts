// Recognize a folder: every image directly in it, answered one by one as 'folder' events, with
// the refused entries (links out of the folder, devices) answered first with their reasons.
import path from 'node:path';
import type { FolderItem, FolderReply, RecognizeReply, RecognizeRequest } from '../contract.ts';
import { FolderRequest } from '../contract.ts';
import type { EventBus } from './events.ts';
import { scanImageFolder, thumbnail } from './images.ts';

export class FolderJobs {
  private readonly jobs = new Map<string, { cancelled: boolean }>();

  constructor(private readonly bus: EventBus, private readonly recognize: (req: RecognizeRequest) => Promise<RecognizeReply>) {}

  async run(input: FolderRequest): Promise<FolderReply> {
    const req = FolderRequest.parse(input);
    const job = { cancelled: false };
    this.jobs.set(req.jobId, job);
    try {
      const { files, skipped } = await scanImageFolder(req.folder);
      const items: FolderItem[] = skipped.map((s) => ({ file: s.file, name: path.basename(s.file), error: s.error }));
      const total = items.length + files.length;
      this.bus.emit({ type: 'folder', jobId: req.jobId, done: 0, total });
      items.forEach((item, k) => this.bus.emit({ type: 'folder', jobId: req.jobId, done: k + 1, total, item }));
      for (const file of files) {
        if (job.cancelled) break;
        const item: FolderItem = { file, name: path.basename(file) };
        try {
          item.top = (await this.recognize({ image: file, model: req.model, topK: req.topK ?? 3 })).top;
          item.thumbnail = await thumbnail(file, 72);
        } catch (err) {
          item.error = (err as Error).message;
        }
        items.push(item);
        this.bus.emit({ type: 'folder', jobId: req.jobId, done: items.length, total, item });
      }
      return { jobId: req.jobId, folder: req.folder, model: req.model, items, cancelled: job.cancelled };
    } finally {
      this.jobs.delete(req.jobId);
    }
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job) job.cancelled = true;
  }
}
