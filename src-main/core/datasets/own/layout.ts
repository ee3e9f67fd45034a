// One's own dataset on disk: DATASET/<class>/<file>, the layout `train`, `transfer` and Keras
// image_dataset_from_directory read as it is, so no manifest is kept beside it. Images added
// by the app are named by their content (`<sha256, 16 hex>.<ext>`), which is how the same
// image is found again, in any class.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isDir } from '../../fs-kinds.ts';
import { isImageFile, splitFolders } from '../folder.ts';
import { CodedError } from '../../../shared/errors.ts';

export interface ClassCount {
  name: string;
  count: number;
}

export interface DatasetSummary {
  classes: ClassCount[];
  images: number;
}

const CONTENT_NAME = /^([0-9a-f]{16})\.[a-z]+$/;

/** The hash part of a content-named file, or undefined for a name given by hand. */
export function contentKeyOf(name: string): string | undefined {
  return CONTENT_NAME.exec(name)?.[1];
}

/** Refuses a folder this module would misread: a file, or a train/ and test/ layout. */
export async function checkDatasetFolder(dir: string, { mustExist }: { mustExist: boolean }): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) {
    if (mustExist) throw new CodedError('dataset-folder-missing', `The dataset folder ${dir} does not exist.`, { name: path.basename(dir) });
    return;
  }
  if (!(await isDir(dir))) throw new CodedError('dataset-folder-missing', `The dataset folder ${dir} is not a folder.`, { name: path.basename(dir) });
  if (await splitFolders(dir)) {
    throw new CodedError(
      'dataset-split-layout',
      `The dataset folder ${dir} is laid out as train/ and test/; the dataset commands manage a folder of class folders (${path.join(dir, 'dog', 'photo.jpg')}).`,
      { name: path.basename(dir) },
    );
  }
}

/** The class folders, sorted as training orders them (hidden ones are not classes). */
export async function classFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory() || (e.isSymbolicLink() && (await isDir(path.join(dir, e.name))))) out.push(e.name);
  }
  return out.sort();
}

/** Image files directly in a class folder (what `dataset` adds, removes and moves). */
export async function imagesOf(classDir: string): Promise<string[]> {
  const entries = await readdir(classDir, { withFileTypes: true });
  return entries
    .filter((e) => isImageFile(e.name) && (e.isFile() || e.isSymbolicLink()))
    .map((e) => e.name)
    .sort();
}

// Training also reads images in folders nested inside a class folder: they count as well.
async function countImages(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) n += await countImages(path.join(dir, e.name));
    else if (isImageFile(e.name) && (e.isFile() || e.isSymbolicLink())) n++;
  }
  return n;
}

/** Classes with their image counts; an absent folder is an empty dataset. */
export async function showDataset(dir: string): Promise<DatasetSummary> {
  await checkDatasetFolder(dir, { mustExist: false });
  if (!(await isDir(dir))) return { classes: [], images: 0 };
  const classes: ClassCount[] = [];
  for (const name of await classFolders(dir)) classes.push({ name, count: await countImages(path.join(dir, name)) });
  return { classes, images: classes.reduce((s, c) => s + c.count, 0) };
}

/** Where each content-named image is, by its hash: `<class>/<file>`. */
export async function contentIndex(dir: string): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  if (!(await isDir(dir))) return index;
  for (const cls of await classFolders(dir)) {
    for (const name of await imagesOf(path.join(dir, cls))) {
      const key = contentKeyOf(name);
      if (key && !index.has(key)) index.set(key, `${cls}/${name}`);
    }
  }
  return index;
}

/**
 * The image a user means by `ref`: `<class>/<file>` inside the dataset, a path to a file in one
 * of its class folders, or a bare file name found in exactly one class.
 */
export async function locateImage(dir: string, ref: string): Promise<{ cls: string; name: string; file: string }> {
  const root = path.resolve(dir);
  const candidates = [path.resolve(ref), path.resolve(root, ref)];
  for (const full of candidates) {
    const parts = path.relative(root, full).split(path.sep);
    if (parts.length !== 2 || parts.some((p) => p === '..' || p === '' || p.startsWith('.'))) continue;
    const st = await lstat(full).catch(() => undefined);
    if (st && !st.isDirectory()) return { cls: parts[0]!, name: parts[1]!, file: full };
  }
  if (!ref.includes('/') && !ref.includes(path.sep)) {
    const found = [];
    for (const cls of await classFolders(root)) if ((await imagesOf(path.join(root, cls))).includes(ref)) found.push(cls);
    if (found.length === 1) return { cls: found[0]!, name: ref, file: path.join(root, found[0]!, ref) };
    if (found.length > 1)
      throw new CodedError('picture-ambiguous', `${ref}: in more than one class of ${root} (${found.join(', ')}); give it as <class>/${ref}.`, {
        name: ref,
        classes: found.join(', '),
      });
  }
  throw new CodedError('picture-missing', `${ref}: no such image in a class folder of ${root}.`, { name: ref });
}
