// Whether a zoo model is on this machine (cache, mirror, or a converted copy the user put
// there), and if not, what getting it takes: the bytes a download fetches (from the catalogue)
// and how an import from local files is chosen (one file, or a folder of them).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileSetOf, findModel, findView, loadCatalog, type CatalogFile } from './catalog.ts';
import { partFileOf } from '../downloads/download.ts';
import { isFile } from '../fs-kinds.ts';

export interface Sources {
  cacheDir: string;
  mirrorDir?: string;
}

async function allIn(root: string | undefined, files: readonly CatalogFile[]): Promise<boolean> {
  if (!root) return false;
  for (const f of files) if (!(await isFile(path.join(root, f.path)))) return false;
  return true;
}

/** The files of `files` a download would still fetch: none when all are in the cache or all in the mirror. */
async function toFetch(files: readonly CatalogFile[], sources: Sources): Promise<CatalogFile[]> {
  if ((await allIn(sources.cacheDir, files)) || (await allIn(sources.mirrorDir, files))) return [];
  const out: CatalogFile[] = [];
  for (const f of files) if (!(await isFile(path.join(sources.cacheDir, f.path)))) out.push(f);
  return out;
}

export interface Missing {
  /** The catalogue's files a download fetches (the model's and its labels'). */
  files: CatalogFile[];
  /** Their size in bytes; undefined when the catalogue does not give every one. */
  bytes?: number;
  /** Bytes already kept from a stopped download (.part files), which the next one resumes from. */
  kept: number;
}

async function keptOf(files: readonly CatalogFile[], cacheDir: string): Promise<number> {
  let kept = 0;
  for (const f of files)
    kept += await stat(partFileOf(path.join(cacheDir, f.path))).then(
      (s) => s.size,
      () => 0,
    );
  return kept;
}

/** What zoo model (or view) `id` lacks on this machine; undefined when nothing. */
export async function missingFiles(id: string, sources: Sources): Promise<Missing | undefined> {
  const entry = findModel(id) ?? findModel(findView(id)?.of ?? '');
  if (!entry) return undefined;
  const set = fileSetOf(entry.id);
  const converted = await Promise.all(entry.alternatives.flatMap((a) => [sources.cacheDir, sources.mirrorDir].map((root) => (root ? isFile(path.join(root, a.entry)) : false))));
  const model = converted.some(Boolean) ? [] : await toFetch(set.files, sources);
  const labels = set.labels ? await toFetch([set.labels], sources) : [];
  const files = [...model, ...labels];
  if (!files.length) return undefined;
  const bytes = files.every((f) => f.size !== undefined) ? files.reduce((n, f) => n + f.size!, 0) : undefined;
  return { files, bytes, kept: await keptOf(files, sources.cacheDir) };
}

export interface ImportNeed {
  /** The catalogue id whose files the import brings (the model's, or its labels' when only those lack). */
  id: string;
  /** One file is chosen in a file dialog; several come as the folder that holds them. */
  pick: 'file' | 'folder';
  /** For a file: the extensions the dialog offers. */
  extensions: string[];
}

/** What importing zoo model `id` from local files asks the user to choose; undefined when nothing lacks. */
export async function importNeed(id: string, sources: Sources): Promise<ImportNeed | undefined> {
  const missing = await missingFiles(id, sources);
  if (!missing) return undefined;
  const set = fileSetOf(findModel(id)?.id ?? findView(id)?.of ?? id);
  const modelMissing = missing.files.some((f) => set.files.includes(f));
  if (!modelMissing && set.labels) {
    const labelsId = Object.entries(loadCatalog().labels).find(([, l]) => l.path === set.labels!.path)?.[0] ?? set.labels.path;
    return { id: labelsId, pick: 'file', extensions: [path.extname(set.labels.path).slice(1)] };
  }
  if (set.files.length === 1) return { id: set.id, pick: 'file', extensions: [path.extname(set.files[0]!.path).slice(1)] };
  return { id: set.id, pick: 'folder', extensions: [] };
}
