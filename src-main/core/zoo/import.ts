// Puts a zoo model's files into the cache from a local file or folder, for machines without
// internet: each file must be the catalogue's (size and digest), and the set goes in whole or not at all.
import path from 'node:path';
import { fileSetOf, loadCatalog, type CatalogFile } from './catalog.ts';
import { commitStaged, discardStaged, stageVerified, type CopiedFile, type StagedCopy } from '../downloads/copy-verified.ts';
import { isDir, isFile } from '../fs-kinds.ts';
import { CodedError } from '../../shared/errors.ts';

export interface ImportResult {
  id: string;
  cacheDir: string;
  files: CopiedFile[];
  /** Things the user may want to know: a labels file still missing, say. */
  notes: string[];
}

interface ImportSet {
  id: string;
  /** Files that must be in the source. */
  required: CatalogFile[];
  /** Files taken when the source has them (a model's class labels). */
  optional: CatalogFile[];
}

function importSet(id: string): ImportSet {
  const set = fileSetOf(id);
  return { id: set.id, required: set.files, optional: set.labels ? [set.labels] : [] };
}

/** Laid out like the mirror (the catalogue path), or all in one folder (the file name alone). */
async function findInFolder(dir: string, f: CatalogFile): Promise<string | undefined> {
  for (const candidate of [path.join(dir, f.path), path.join(dir, path.basename(f.path))]) {
    if (await isFile(candidate)) return candidate;
  }
  return undefined;
}

async function sourcesOf(set: ImportSet, source: string): Promise<{ found: Map<CatalogFile, string>; missing: CatalogFile[] }> {
  const found = new Map<CatalogFile, string>();
  if (await isFile(source)) {
    const single = set.required.length === 1 ? set.required[0] : undefined;
    if (!single) {
      throw new CodedError(
        'zoo-import-needs-folder',
        `${source} is one file, but ${set.id} has ${set.required.length} (e.g. ${set.required[0].path}): give the folder that holds them.`,
        { name: path.basename(source), model: set.id, count: set.required.length },
      );
    }
    found.set(single, source);
    return { found, missing: [] };
  }
  if (!(await isDir(source))) throw new CodedError('model-file-missing', `${source} does not exist.`, { name: path.basename(source) });
  const missing: CatalogFile[] = [];
  for (const f of set.required) {
    const at = await findInFolder(source, f);
    if (at) found.set(f, at);
    else missing.push(f);
  }
  for (const f of set.optional) {
    const at = await findInFolder(source, f);
    if (at) found.set(f, at);
  }
  return { found, missing };
}

/**
 * Imports the files of zoo model `id` (or a labels file) from `source`: a folder laid out like
 * the mirror or holding the files side by side, or the file itself for a one-file model. Each
 * is copied under a temporary name and checked against the catalogue; a wrong file is refused,
 * naming it and the digest expected, and then nothing of the set is kept.
 */
export async function importModelFiles(id: string, source: string, opts: { cacheDir: string }): Promise<ImportResult> {
  const set = importSet(id);
  const src = path.resolve(source);
  const { found, missing } = await sourcesOf(set, src);
  if (missing.length) {
    const list = missing
      .slice(0, 5)
      .map((f) => f.path)
      .join(', ');
    const files = `${list}${missing.length > 5 ? ', ...' : ''}`;
    throw new CodedError(
      'zoo-import-missing',
      `${src} lacks ${missing.length} of the ${set.required.length} files of ${set.id}: ${files} (looked for each under its catalogue path and its file name).`,
      { name: path.basename(src), model: set.id, missing: missing.length, total: set.required.length, files },
    );
  }
  const staged: StagedCopy[] = [];
  try {
    for (const [f, from] of found) staged.push(await stageVerified(from, path.join(opts.cacheDir, f.path), f, `${from} (as ${f.path} of ${set.id})`));
  } catch (err) {
    await discardStaged(staged);
    throw err;
  }
  const files = await commitStaged(staged);
  const notes: string[] = [];
  for (const f of set.optional) {
    if (!found.has(f) && !(await isFile(path.join(opts.cacheDir, f.path)))) {
      notes.push(`${f.path} (the class labels) is not in ${src} nor in the cache: import it too (classifier-studio models import ${labelsIdOf(f)} <file>) or use a mirror.`);
    }
  }
  return { id: set.id, cacheDir: opts.cacheDir, files, notes };
}

function labelsIdOf(f: CatalogFile): string {
  return Object.entries(loadCatalog().labels).find(([, l]) => l.path === f.path)?.[0] ?? f.path;
}
