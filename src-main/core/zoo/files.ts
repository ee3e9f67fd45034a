// Finds a catalogue file in the cache, then the offline mirror, then downloads it from its
// official URL, checking its digest; a download lands under its final name only when whole.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileUrl, type CatalogFile } from './catalog.ts';

export interface DownloadProgress {
  file: string;
  url: string;
  received: number;
  total?: number;
}

export interface FileSources {
  /** Where downloads are kept; searched first. */
  cacheDir: string;
  /** A folder laid out like the official URLs (files under their last path segments). */
  mirrorDir?: string;
  /** Never go to the network (fail instead). */
  offline?: boolean;
  fetch?: typeof fetch;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

export type FileSource = 'cache' | 'mirror' | 'download';

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function expectedDigest(file: CatalogFile): { algorithm: 'sha256' | 'md5'; hex: string } | undefined {
  if (file.sha256) return { algorithm: 'sha256', hex: file.sha256 };
  if (file.md5) return { algorithm: 'md5', hex: file.md5 };
  return undefined;
}

export async function digestOf(file: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function verify(local: string, file: CatalogFile, what: string): Promise<void> {
  const want = expectedDigest(file);
  if (!want) return;
  const got = await digestOf(local, want.algorithm);
  if (got !== want.hex) {
    throw new Error(`${what} does not match the catalogue (${want.algorithm} ${got}, expected ${want.hex}).`);
  }
}

export interface LocatedFiles {
  /** The folder the files' catalogue paths are relative to. */
  root: string;
  source: FileSource;
}

async function allExist(root: string, files: readonly CatalogFile[]): Promise<boolean> {
  for (const f of files) if (!(await exists(path.join(root, f.path)))) return false;
  return true;
}

/**
 * Finds a set of files that belong together (a model's topology and weight shards) in one
 * place: all in the cache, else all in the mirror, else what the cache lacks is downloaded
 * into it. Cached files were checked when they arrived; mirror files are checked each time.
 */
export async function locateFiles(files: readonly CatalogFile[], sources: FileSources, baseUrl?: string): Promise<LocatedFiles> {
  if (await allExist(sources.cacheDir, files)) return { root: sources.cacheDir, source: 'cache' };
  const mirror = sources.mirrorDir;
  if (mirror && (await allExist(mirror, files))) {
    for (const f of files) await verify(path.join(mirror, f.path), f, `${path.join(mirror, f.path)} (in the mirror)`);
    return { root: mirror, source: 'mirror' };
  }
  for (const f of files) {
    const dest = path.join(sources.cacheDir, f.path);
    if (await exists(dest)) continue;
    const url = fileUrl(f, baseUrl);
    if (sources.offline) {
      const where = mirror ? `${sources.cacheDir} or the mirror ${mirror}` : sources.cacheDir;
      throw new Error(`${f.path} is not in ${where}, and downloads are off. Get it from ${url}.`);
    }
    await download(url, dest, f, sources);
  }
  return { root: sources.cacheDir, source: 'download' };
}

export async function locateFile(file: CatalogFile, sources: FileSources, baseUrl?: string): Promise<string> {
  const { root } = await locateFiles([file], sources, baseUrl);
  return path.join(root, file.path);
}

async function download(url: string, dest: string, file: CatalogFile, sources: FileSources): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part-${randomBytes(4).toString('hex')}`;
  const doFetch = sources.fetch ?? fetch;
  try {
    let response: Response;
    try {
      response = await doFetch(url, { signal: sources.signal });
    } catch (err) {
      throw new Error(`Could not download ${url}: ${(err as Error).message}. Set an offline mirror (--mirror DIR or CLASSIFIER_MIRROR) on machines without internet.`);
    }
    if (!response.ok || !response.body) throw new Error(`Could not download ${url}: HTTP ${response.status}`);
    const total = Number(response.headers.get('content-length')) || file.size;
    let received = 0;
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      sources.onProgress?.({ file: file.path, url, received, total });
    });
    await pipeline(body, createWriteStream(part));
    if (file.size && received !== file.size) throw new Error(`Download of ${url} is incomplete (${received} of ${file.size} bytes).`);
    await verify(part, file, `The download of ${url}`);
    await rename(part, dest);
  } finally {
    await rm(part, { force: true });
  }
}
