// Recognize a folder: every image directly in it, answered one by one as 'folder' events, with
// the refused entries (links out of the folder, devices) answered first with their reasons.
// Photos go to the recognizer a chunk at a time, the next chunk already asked for while one is
// answered, so decoding, inference and thumbnails overlap; cancelling stops at the next photo.
import path from 'node:path';
import type { FolderItem, FolderReply, RecognizeReply } from '../contract.ts';
import { FolderRequest } from '../contract.ts';
import type { EventBus } from './events.ts';
import { errorCodeOf } from '../shared/errors.ts';
import { scanImageFolder, thumbnail } from './images.ts';
import type { RecognizeFailure, RecognizeManyRequest } from './recognition.ts';

/** Photos per request: a batch of inference (classify-many.ts decodes and batches within it). */
const CHUNK = 8;

type Answer = RecognizeReply | RecognizeFailure;

/** A photo that could not be answered: the English reason, and its code when it has one. */
function failure(file: string, err: unknown): RecognizeFailure {
  const coded = errorCodeOf(err);
  return { file, error: err instanceof Error ? err.message : String(err), ...(coded ? { coded } : {}) };
}

export class FolderJobs {
  private readonly jobs = new Map<string, { cancelled: boolean }>();

  constructor(
    private readonly bus: EventBus,
    private readonly recognizeMany: (req: RecognizeManyRequest) => Promise<Answer[]>,
  ) {}

  async run(input: FolderRequest): Promise<FolderReply> {
    const req = FolderRequest.parse(input);
    const job = { cancelled: false };
    this.jobs.set(req.jobId, job);
    try {
      const { files, skipped } = await scanImageFolder(req.folder);
      const items: FolderItem[] = skipped.map((s) => ({ file: s.file, name: path.basename(s.file), error: s.error, ...(s.coded ? { coded: s.coded } : {}) }));
      const total = items.length + files.length;
      this.bus.emit({ type: 'folder', jobId: req.jobId, done: 0, total });
      items.forEach((item, k) => this.bus.emit({ type: 'folder', jobId: req.jobId, done: k + 1, total, item }));
      const ask = (start: number) => this.chunk(files.slice(start, start + CHUNK), req.model, req.topK ?? 3);
      let pending = files.length ? ask(0) : undefined;
      for (let start = 0; pending && !job.cancelled; start += CHUNK) {
        const answered = await pending;
        // One chunk ahead at most: memory stays bounded however large the folder.
        pending = start + CHUNK < files.length && !job.cancelled ? ask(start + CHUNK) : undefined;
        for (const item of answered) {
          if (job.cancelled) break;
          items.push(item);
          this.bus.emit({ type: 'folder', jobId: req.jobId, done: items.length, total, item });
        }
      }
      // A chunk asked for before the cancel is left to finish unobserved.
      void pending?.catch(() => undefined);
      return { jobId: req.jobId, folder: req.folder, model: req.model, items, cancelled: job.cancelled };
    } finally {
      this.jobs.delete(req.jobId);
    }
  }

  /** A chunk's items: recognition and thumbnails made side by side; never rejects. */
  private async chunk(files: string[], model: string, topK: number): Promise<FolderItem[]> {
    const thumbs = files.map((f) =>
      thumbnail(f, 72).then(
        (url) => ({ url }),
        (err: unknown) => failure(f, err),
      ),
    );
    let answers: Answer[];
    try {
      answers = await this.recognizeMany({ images: files, model, topK });
    } catch (err) {
      answers = files.map((file) => failure(file, err));
    }
    return Promise.all(
      files.map(async (file, k): Promise<FolderItem> => {
        const item: FolderItem = { file, name: path.basename(file) };
        const answer = answers[k]!;
        if ('error' in answer) return { ...item, error: answer.error, ...(answer.coded ? { coded: answer.coded } : {}) };
        const thumb = await thumbs[k]!;
        if ('error' in thumb) return { ...item, error: thumb.error, ...(thumb.coded ? { coded: thumb.coded } : {}) };
        return { ...item, top: answer.top, thumbnail: thumb.url };
      }),
    );
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job) job.cancelled = true;
  }
}
