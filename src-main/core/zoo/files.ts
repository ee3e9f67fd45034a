// Finds a catalogue file in the cache, then the offline mirror, then downloads it from its
// official URL (resumably, see download.ts), checking its digest; a download lands under its
// final name only when whole.
import path from 'node:path';
import { fileSetOf, fileUrl, type CatalogFile } from './catalog.ts';
import { verifyFile } from '../downloads/digest.ts';
import { downloadFile, type DownloadProgress } from '../downloads/download.ts';
import { isFile } from '../fs-kinds.ts';
import { CodedError } from '../../shared/errors.ts';

export { digestOf } from '../downloads/digest.ts';
export { DownloadCancelledError, type DownloadProgress } from '../downloads/download.ts';

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

export interface LocatedFiles {
  /** The folder the files' catalogue paths are relative to. */
  root: string;
  source: FileSource;
}

async function allExist(root: string, files: readonly CatalogFile[]): Promise<boolean> {
  for (const f of files) if (!(await isFile(path.join(root, f.path)))) return false;
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
    for (const f of files) await verifyFile(path.join(mirror, f.path), f, `${path.join(mirror, f.path)} (in the mirror)`);
    return { root: mirror, source: 'mirror' };
  }
  for (const f of files) {
    const dest = path.join(sources.cacheDir, f.path);
    if (await isFile(dest)) continue;
    const url = fileUrl(f, baseUrl);
    if (sources.offline) {
      const where = mirror ? `${sources.cacheDir} or the mirror ${mirror}` : sources.cacheDir;
      throw new CodedError(
        'model-not-downloaded',
        `${f.path} is not in ${where}, and downloads are off. Get it from ${url}, or import it with: classifier-studio models import <id> <path>.`,
        { file: f.path },
      );
    }
    await downloadFile(url, dest, f, sources);
  }
  return { root: sources.cacheDir, source: 'download' };
}

/**
 * Where a zoo model (and its labels) can be had without the network: 'cache', 'mirror', or
 * undefined when something must be downloaded. Looks for the files only (no digest is read):
 * for `models` to say what works offline.
 */
export async function modelAvailable(id: string, sources: Pick<FileSources, 'cacheDir' | 'mirrorDir'>): Promise<'cache' | 'mirror' | undefined> {
  const set = fileSetOf(id);
  const where = async (files: readonly CatalogFile[]) =>
    (await allExist(sources.cacheDir, files)) ? ('cache' as const) : sources.mirrorDir && (await allExist(sources.mirrorDir, files)) ? ('mirror' as const) : undefined;
  const files = await where(set.files);
  if (!files || (set.labels && !(await where([set.labels])))) return undefined;
  return files;
}

export async function locateFile(file: CatalogFile, sources: FileSources, baseUrl?: string): Promise<string> {
  const { root } = await locateFiles([file], sources, baseUrl);
  return path.join(root, file.path);
}

export interface FetchedModel {
  id: string;
  files: LocatedFiles;
  labels?: LocatedFiles;
}

/** Makes a zoo model's files (and its labels) available: from the cache or mirror, else downloaded. */
export async function fetchModelFiles(id: string, sources: FileSources): Promise<FetchedModel> {
  const set = fileSetOf(id);
  const files = await locateFiles(set.files, sources, set.baseUrl);
  const labels = set.labels ? await locateFiles([set.labels], sources) : undefined;
  return { id: set.id, files, labels };
}
