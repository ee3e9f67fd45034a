// Datasets as folders of class sub-folders, the layout of Keras image_dataset_from_directory:
// class order is the sorted folder names, and files are decoded lazily per batch, since a
// folder of photos rarely fits in memory as floats.
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../images/decode.ts';
import { checkIndex, type DatasetSplits, type ImageSet } from './types.ts';
import { isDir } from '../fs-kinds.ts';
import { folderEntry } from '../folder-entries.ts';
import type { PhotoFit } from '../../shared/vocabulary.ts';
import { CodedError, skippedFile } from '../../shared/errors.ts';

/** What sharp decodes (BMP and PSD it does not, so those files are not listed at all). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

export const DEFAULT_CACHE_BYTES = 1024 ** 3;

/** ImageNet-style synset folders (`n02085620-Chihuahua`, as in the Stanford Dogs set) show only the name. */
export function classNameFromFolder(name: string): string {
  const m = /^n\d{8}[-_](.+)$/.exec(name);
  return (m ? m[1] : name).replace(/_/g, ' ');
}

export function isImageFile(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/**
 * Shared by the splits of one dataset so that together they stay under one budget.
 * Only uint8 pixels are kept: floats would take four times the memory.
 */
export class PixelCache {
  used = 0;
  constructor(readonly budget: number = DEFAULT_CACHE_BYTES) {}
  take(bytes: number): boolean {
    if (this.used + bytes > this.budget) return false;
    this.used += bytes;
    return true;
  }
}

export interface FolderOptions {
  imageSize: [number, number];
  channels: 1 | 3;
  /** Default: 'area' up to 64 pixels high (small images such as CIFAR), else 'bilinear'. */
  resize?: 'bilinear' | 'area';
  /** How photos are fitted to imageSize; default 'squash'. */
  fit?: PhotoFit;
  invertLightBackground?: boolean;
  /** Files decoded at once. */
  concurrency?: number;
  cache?: PixelCache;
  name?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export const SPLIT_FOLDERS = { train: ['train'], test: ['test'], validation: ['validation', 'val'] } as const;

type Skipped = ImageSet['skipped'];

// Symlinked class folders count too (Keras follows links; datasets are often assembled that way),
// but only those whose target is inside the dataset: `b -> /usr` would train on system files.
async function subfolders(dir: string, realRoot: string, skipped: Skipped = []): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.isFile()) continue;
    const entry = await folderEntry(dir, e, realRoot);
    if (entry.kind === 'dir') out.push(e.name);
    else if (entry.kind === 'skipped' && entry.was === 'dir') skipped.push({ file: entry.path, error: entry.reason });
  }
  return out.sort();
}

// Nested folders inside a class folder belong to that class, as in Keras (real folders only: a
// linked one could lead back to its own parent).
async function imagesUnder(dir: string, realRoot: string, skipped: Skipped): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await imagesUnder(full, realRoot, skipped)));
    else if (!isImageFile(e.name)) continue;
    else if (e.isFile()) out.push(full);
    else {
      const entry = await folderEntry(dir, e, realRoot);
      if (entry.kind === 'file') out.push(full);
      else if (entry.kind === 'skipped') skipped.push({ file: full, error: entry.reason });
    }
  }
  return out;
}

export interface ClassFolderListing {
  folders: string[];
  files: string[];
  labels: Int32Array;
  /** Entries left out, with why: links that leave the dataset, devices, pipes. */
  skipped: Skipped;
}

/**
 * Lists the images of a folder of class folders; `folders` fixes the class order when given.
 * Symbolic links are followed only to places inside `datasetRoot` (the dataset's top folder,
 * by default `root` itself).
 */
export async function listClassFolders(root: string, folders?: string[], onProgress?: FolderOptions['onProgress'], datasetRoot: string = root): Promise<ClassFolderListing> {
  if (!(await isDir(root))) throw new CodedError('dataset-folder-missing', `The dataset folder ${root} does not exist (or is not a folder).`, { name: path.basename(root) });
  const realRoot = await realpath(datasetRoot);
  const skipped: Skipped = [];
  const own = await subfolders(root, realRoot, skipped);
  const classes = folders ?? own;
  const files: string[] = [];
  const labels: number[] = [];
  let withImages = 0;
  for (const [k, name] of classes.entries()) {
    onProgress?.('read', k, classes.length);
    if (!own.includes(name)) continue;
    const found = await imagesUnder(path.join(root, name), realRoot, skipped);
    if (found.length) withImages++;
    for (const f of found) {
      files.push(f);
      labels.push(k);
    }
  }
  onProgress?.('read', classes.length, classes.length);
  if (files.length === 0 || withImages === 0) {
    throw new CodedError(
      'dataset-no-classes',
      `The dataset folder ${root} has no class sub-folders with images (expected one sub-folder per class, e.g. ${path.join(root, 'cats', 'photo1.jpg')}).`,
      { name: path.basename(root) },
    );
  }
  return { folders: classes, files, labels: Int32Array.from(labels), skipped };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, k: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k], k);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface FileImageSetInit extends FolderOptions {
  files: readonly string[];
  labels: Int32Array;
  classNames: string[];
  description: ImageSet['description'];
  /** Files already left out while listing, reported with those that fail to decode. */
  skipped?: Skipped;
}

/** A set read from image files on demand; files that do not decode are skipped, never fatal. */
export function fileImageSet(init: FileImageSetInit): ImageSet {
  const { files, labels, classNames, description } = init;
  const [h, w] = init.imageSize;
  const c = init.channels;
  const px = h * w * c;
  const size = files.length;
  const concurrency = Math.max(1, init.concurrency ?? 4);
  const cache = init.cache ?? new PixelCache();
  const decoded = new Map<number, Uint8Array>();
  const failed = new Set<number>();
  const skipped: Skipped = [...(init.skipped ?? [])];
  const decodeOpts = {
    width: w,
    height: h,
    channels: c,
    resize: init.resize ?? (h <= 64 ? 'area' : 'bilinear'),
    fit: init.fit,
    invertLightBackground: init.invertLightBackground,
  } as const;

  const one = async (i: number): Promise<Uint8Array | undefined> => {
    const hit = decoded.get(i);
    if (hit) return hit;
    // A file that failed once is not retried every epoch: it is already listed in `skipped`.
    if (failed.has(i)) return undefined;
    try {
      const img = await decodeImage(files[i], decodeOpts);
      if (cache.take(img.data.length)) decoded.set(i, img.data);
      return img.data;
    } catch (e) {
      if (e instanceof RangeError) throw e;
      failed.add(i);
      skipped.push(skippedFile(files[i]!, e));
      return undefined;
    }
  };

  return {
    size,
    imageShape: [h, w, c],
    classNames,
    labels,
    skipped,
    description,
    file: (i) => files[i],
    async read(indices) {
      for (const i of indices) checkIndex(i, size);
      const got = await mapLimit(indices, concurrency, (i) => one(i));
      const kept: number[] = [];
      got.forEach((d, k) => d && kept.push(k));
      const x = new Uint8Array(kept.length * px);
      const y = new Int32Array(kept.length);
      kept.forEach((k, j) => {
        x.set(got[k]!, j * px);
        y[j] = labels[indices[k]];
      });
      return { x, y, indices: kept.map((k) => indices[k]) };
    },
  };
}

/** Which split folders a dataset root holds, if it is laid out as train/ and test/ (and maybe validation/). */
export async function splitFolders(root: string): Promise<Partial<Record<keyof typeof SPLIT_FOLDERS, string>> | undefined> {
  if (!(await isDir(root))) return undefined;
  const own = await subfolders(root, await realpath(root));
  const found: Partial<Record<keyof typeof SPLIT_FOLDERS, string>> = {};
  for (const [split, names] of Object.entries(SPLIT_FOLDERS) as [keyof typeof SPLIT_FOLDERS, readonly string[]][]) {
    const name = names.find((n) => own.includes(n));
    if (name) found[split] = path.join(root, name);
  }
  // A root with train/ among other, non-split folders is a class folder set that has a class named "train".
  const splitNames = new Set<string>(Object.values(SPLIT_FOLDERS).flat());
  return found.train && own.every((f) => splitNames.has(f)) ? found : undefined;
}

/**
 * Loads a dataset folder: train/ + test/ (+ validation/ or val/) each holding class folders, or
 * a root of class folders that is all training data. The classes come from train/; the other
 * splits use its order and may lack some classes, but may not add any.
 */
export async function loadImageFolder(root: string, opts: FolderOptions): Promise<DatasetSplits> {
  root = path.resolve(root);
  if (!(await isDir(root))) throw new CodedError('dataset-folder-missing', `The dataset folder ${root} does not exist (or is not a folder).`, { name: path.basename(root) });
  const name = opts.name ?? path.basename(root);
  const splits = (await splitFolders(root)) ?? { train: root };
  const trainDir = splits.train!;
  const train = await listClassFolders(trainDir, undefined, opts.onProgress, root);
  const classNames = train.folders.map(classNameFromFolder);
  const present = new Set(train.labels);
  if (present.size < 2) {
    throw new CodedError('dataset-too-few-classes', `The dataset folder ${trainDir} has only one class (${classNames[train.labels[0]]}); training needs at least 2.`, {
      name: path.basename(trainDir),
    });
  }
  const cache = opts.cache ?? new PixelCache();
  const make = (listing: ClassFolderListing, split: string, dir: string) =>
    fileImageSet({
      ...opts,
      cache,
      files: listing.files,
      labels: listing.labels,
      skipped: listing.skipped,
      classNames,
      description: { name, source: root, format: 'folder', split, folder: dir, files: listing.files.length, classFolders: train.folders },
    });
  const out: DatasetSplits = { train: make(train, 'train', trainDir) };
  for (const split of ['test', 'validation'] as const) {
    const dir = splits[split];
    if (!dir) continue;
    const extra = (await subfolders(dir, await realpath(root))).filter((f) => !train.folders.includes(f));
    if (extra.length) {
      throw new Error(`${dir} has class folders that ${trainDir} lacks (${extra.join(', ')}); every class must have training images.`);
    }
    out[split] = make(await listClassFolders(dir, train.folders, undefined, root), split, dir);
  }
  return out;
}
