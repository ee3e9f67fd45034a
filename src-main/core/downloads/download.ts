// Resumable downloads. Bytes go to `<dest>.part` (one per destination, so a later run finds it);
// a run that finds a .part asks the server for the rest with a Range request. The file appears
// under its final name only when whole and its digest checked; a cancelled or interrupted run
// keeps the .part, a corrupt one (bad digest, a range the server refuses) deletes it. Every
// failure is coded (shared/errors.ts `download-*`) with the file's catalogue path, so the window
// says it in the user's language; the English, with the URL and paths, is the CLI's.
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DigestMismatchError, verifyFile, type Digests } from './digest.ts';
import { waitForLock } from '../store/lock-file.ts';
import { CodedError, type ErrorCode, type ErrorParams } from '../../shared/errors.ts';

/** A download whose size the catalogue does not give stops here: a server that never ends must not fill the disk. */
export const UNSIZED_DOWNLOAD_LIMIT = 2 * 1024 ** 3;

export interface DownloadProgress {
  /** The file's catalogue path. */
  file: string;
  url: string;
  /** Bytes of the file on disk so far, the resumed part included. */
  received: number;
  total?: number;
  /** Where this transfer started: the size of the .part it resumed, 0 for a fresh start. */
  resumedFrom?: number;
}

export interface DownloadOptions {
  fetch?: typeof fetch;
  /** Where a download of unknown size stops (UNSIZED_DOWNLOAD_LIMIT). */
  unsizedLimit?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

export interface DownloadTarget extends Digests {
  /** The name progress and errors use (the catalogue path). */
  path: string;
  size?: number;
}

export class DownloadCancelledError extends Error {
  constructor(
    readonly url: string,
    readonly partFile: string,
    readonly received: number,
  ) {
    super(`Download of ${url} cancelled; the ${received} bytes so far are kept in ${partFile} and the next download resumes from there.`);
    this.name = 'DownloadCancelledError';
  }
}

/** The host did not serve the file: no connection, or an HTTP error status (`status`). */
export class DownloadRefusedError extends CodedError {
  constructor(
    readonly url: string,
    message: string,
    file: string,
    readonly status?: number,
  ) {
    const host = new URL(url).host;
    super(status ? 'download-http' : 'download-no-connection', message, { file, host, ...(status ? { status } : {}) });
    this.name = 'DownloadRefusedError';
  }
}

/** A byte count as the window shows it: "3,076,000" (the same grouping in English and Korean). */
export const byteCount = (n: number): string => n.toLocaleString('en-US');

/** A failed download's error: `file` the catalogue path; sizes as byte counts. */
function failed(code: ErrorCode, message: string, file: string, sizes: Record<string, number> = {}, more: ErrorParams = {}): CodedError {
  const params: ErrorParams = { file, ...more };
  for (const [k, n] of Object.entries(sizes)) params[k] = byteCount(n);
  return new CodedError(code, message, params);
}

export function partFileOf(dest: string): string {
  return `${dest}.part`;
}

// One download per destination in this process: a second caller waits for the first, since
// two writers appending to one .part would interleave their bytes.
const active = new Map<string, Promise<void>>();

export async function downloadFile(url: string, dest: string, target: DownloadTarget, opts: DownloadOptions = {}): Promise<void> {
  const key = path.resolve(dest);
  for (let running = active.get(key); running; running = active.get(key)) {
    await untilSettledOrAborted(running, opts.signal, url, dest);
  }
  // No await between the check above and the set below, so that a second caller sees this job.
  const job = (async () => {
    if ((await sizeOf(dest)) !== undefined) return; // another caller finished it meanwhile
    // The same across processes (the app and the CLI share the cache): the second waits.
    const lock = await waitForLock(`${dest}.lock`, 'downloading', opts.signal).catch(async (err: unknown) => {
      if (opts.signal?.aborted) throw new DownloadCancelledError(url, partFileOf(dest), (await sizeOf(partFileOf(dest))) ?? 0);
      throw err;
    });
    try {
      if ((await sizeOf(dest)) !== undefined) return; // the other process finished it
      await transfer(url, dest, target, opts);
    } finally {
      await lock.release();
    }
  })();
  active.set(key, job);
  try {
    await job;
  } finally {
    if (active.get(key) === job) active.delete(key);
  }
}

async function untilSettledOrAborted(p: Promise<void>, signal: AbortSignal | undefined, url: string, dest: string): Promise<void> {
  if (!signal) return p.catch(() => undefined);
  const part = partFileOf(dest);
  if (signal.aborted) throw new DownloadCancelledError(url, part, (await sizeOf(part)) ?? 0);
  let onAbort = () => {};
  const aborted = new Promise<void>((_, reject) => {
    onAbort = () => void sizeOf(part).then((n) => reject(new DownloadCancelledError(url, part, n ?? 0)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([p.catch(() => undefined), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** `bytes 100-199/200` -> { start: 100, total: 200 }. */
function contentRange(header: string | null): { start: number; total?: number } | undefined {
  const m = header && /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

async function finish(part: string, dest: string, url: string, target: DownloadTarget): Promise<void> {
  try {
    await verifyFile(part, target, `The download of ${url}`);
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof DigestMismatchError)
      throw failed(
        'download-digest-mismatch',
        `${err.message} The partial download ${part} was deleted; the next download starts from zero.`,
        target.path,
        {},
        { algorithm: err.algorithm },
      );
    throw err;
  }
  await rename(part, dest);
}

async function transfer(url: string, dest: string, target: DownloadTarget, opts: DownloadOptions): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const part = partFileOf(dest);
  const doFetch = opts.fetch ?? fetch;
  const signal = opts.signal;
  const cancelled = async () => new DownloadCancelledError(url, part, (await sizeOf(part)) ?? 0);
  if (signal?.aborted) throw await cancelled();

  let offset = (await sizeOf(part)) ?? 0;
  if (target.size !== undefined && offset > target.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  // Whole already (a run stopped between the last byte and the rename): check it, no request.
  if (target.size !== undefined && offset === target.size && offset > 0) return finish(part, dest, url, target);

  let response: Response;
  try {
    response = await doFetch(url, { signal, headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
  } catch (err) {
    if (signal?.aborted) throw await cancelled();
    throw new DownloadRefusedError(
      url,
      `Could not download ${url}: ${(err as Error).message}. Set an offline mirror (--mirror DIR or CLASSIFIER_MIRROR) on machines without internet, or import the files (models import / datasets import).`,
      target.path,
    );
  }
  if (response.status === 416) {
    await response.body?.cancel().catch(() => undefined);
    await rm(part, { force: true });
    throw failed(
      'download-range-refused',
      `Could not resume ${url}: the server refused the range from byte ${offset} (HTTP 416). The partial download ${part} was deleted; the next download starts from zero.`,
      target.path,
      { offset },
      { host: new URL(url).host },
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new DownloadRefusedError(url, `Could not download ${url}: HTTP ${response.status}`, target.path, response.status);
  }
  let start = 0;
  let total: number | undefined;
  const length = Number(response.headers.get('content-length')) || undefined;
  if (response.status === 206) {
    const range = contentRange(response.headers.get('content-range'));
    if (!range || range.start !== offset) {
      await response.body.cancel().catch(() => undefined);
      await rm(part, { force: true });
      throw failed(
        'download-range-refused',
        `Could not resume ${url}: asked for the bytes from ${offset}, the server sent ${response.headers.get('content-range') ?? 'no Content-Range'}. The partial download ${part} was deleted; the next download starts from zero.`,
        target.path,
        { offset },
        { host: new URL(url).host },
      );
    }
    start = offset;
    total = range.total ?? (length !== undefined ? offset + length : undefined);
  } else {
    // 200: the server ignored the Range (or there was none): the body is the whole file.
    total = length;
  }

  const limit = target.size ?? opts.unsizedLimit ?? UNSIZED_DOWNLOAD_LIMIT;
  if (total !== undefined && total > limit) {
    await response.body.cancel().catch(() => undefined);
    throw failed(
      'download-too-big',
      `The download of ${url} would be ${total} bytes, more than ${target.size !== undefined ? 'the catalogue gives' : `the ${limit} bytes allowed for a file of unknown size`}; nothing was written.`,
      target.path,
      { size: total, limit },
    );
  }
  let received = start;
  const report = () => opts.onProgress?.({ file: target.path, url, received, total: total ?? target.size, resumedFrom: start });
  report();
  const out = await open(part, start > 0 ? 'a' : 'w');
  let overrun = false;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > limit) {
        overrun = true;
        break;
      }
      await out.write(chunk);
      report();
      if (signal?.aborted) break;
    }
  } catch (err) {
    if (signal?.aborted) throw new DownloadCancelledError(url, part, received);
    throw failed(
      'download-interrupted',
      `The download of ${url} was interrupted after ${received}${total ? ` of ${total}` : ''} bytes (${(err as Error).message}); ${part} is kept and the next download resumes from there.`,
      target.path,
      { received },
    );
  } finally {
    await out.close();
  }
  if (overrun) {
    await response.body.cancel().catch(() => undefined);
    await rm(part, { force: true });
    throw failed(
      'download-overrun',
      `The download of ${url} went on past ${limit} bytes (${target.size !== undefined ? "the catalogue's size" : 'the bound for a file of unknown size'}); it was stopped and ${part} deleted.`,
      target.path,
      { limit },
    );
  }
  if (signal?.aborted) {
    await response.body.cancel().catch(() => undefined);
    throw new DownloadCancelledError(url, part, received);
  }
  if (total !== undefined && received < total) {
    throw failed(
      'download-incomplete',
      `The download of ${url} is incomplete (${received} of ${total} bytes); ${part} is kept and the next download resumes from there.`,
      target.path,
      { received, total },
    );
  }
  // The server sent all it meant to: a size other than the catalogue's is another file.
  if (target.size !== undefined && received !== target.size) {
    await rm(part, { force: true });
    throw failed(
      'download-size-mismatch',
      `The download of ${url} does not match the catalogue (${received} bytes, expected ${target.size}). The partial download ${part} was deleted; the next download starts from zero.`,
      target.path,
      { size: received, expected: target.size },
    );
  }
  await finish(part, dest, url, target);
}
