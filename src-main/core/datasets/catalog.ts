// Training datasets by name: the built-ins of resources/datasets.json, found in the cache, then
// an offline mirror, then downloaded; or a folder the user points at.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { resourcesDir, type CatalogFile } from '../zoo/catalog.ts';
import { digestMessage, fileChecks, hasDigest, verifyFile } from '../downloads/digest.ts';
import { locateFiles } from '../zoo/files.ts';
import { hasCifarBatches, loadCifarBinary, MAX_CIFAR_BATCH_BYTES } from './cifar.ts';
import { extractTarGz } from './tar.ts';
import { loadImageFolder, splitFolders } from './folder.ts';
import { holdOutTestSet } from './held-out.ts';
import { loadIdxPair, readIdxLabels } from './idx.ts';
import { limitImageSet, pixelsPerImage, type DatasetSplits, type ImageSet } from './types.ts';
import type { PhotoFit } from '../../shared/vocabulary.ts';
import { isDir, isFile } from '../fs-kinds.ts';
import { CodedError } from '../../shared/errors.ts';

const DatasetFile = z.object({ name: z.string().min(1), url: z.string().url(), ...fileChecks }).refine(hasDigest, digestMessage('dataset'));

const DatasetEntry = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string(),
  description: z.string().optional(),
  /** stanford-dogs: images.tar of class folders and lists.tar of the official split (stanford-dogs.ts). */
  format: z.enum(['idx', 'cifar-binary', 'stanford-dogs']),
  imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.union([z.literal(1), z.literal(3)])]),
  /** Examples in the official train and test splits (imports are checked against them). */
  counts: z.object({ train: z.number().int().positive(), test: z.number().int().positive() }).optional(),
  /** Absent where the data names its classes (Stanford Dogs' folders). */
  classNames: z.array(z.string()).min(2).optional(),
  classCount: z.number().int().min(2).optional(),
  license: z.string().optional(),
  homepage: z.string().url().optional(),
  files: z.array(DatasetFile).min(1),
});
export type DatasetEntry = z.infer<typeof DatasetEntry>;

const DatasetCatalog = z.object({ datasets: z.array(DatasetEntry) });

let cached: DatasetEntry[] | undefined;

export function loadDatasetCatalog(): DatasetEntry[] {
  cached ??= DatasetCatalog.parse(JSON.parse(readFileSync(path.join(resourcesDir(), 'datasets.json'), 'utf8'))).datasets;
  return cached;
}

export function findDataset(id: string): DatasetEntry | undefined {
  return loadDatasetCatalog().find((d) => d.id === id);
}

export interface LoadDatasetOptions {
  cacheDir: string;
  mirrorDir?: string;
  offline?: boolean;
  fetch?: typeof fetch;
  /** Cancels a download (its .part is kept for the next run to resume). */
  signal?: AbortSignal;
  limit?: number;
  testLimit?: number;
  imageSize: [number, number];
  channels: 1 | 3;
  /** How the photos of a folder are fitted to imageSize (default 'squash'); the built-in sets are square already. */
  fit?: PhotoFit;
  onProgress?: (stage: string, done: number, total: number) => void;
  seed?: number;
}

const DEFAULT_SEED = 42;

/** A built-in id, or a folder (of class folders, IDX files or CIFAR batches). */
export async function loadDataset(spec: string, opts: LoadDatasetOptions): Promise<DatasetSplits> {
  const entry = findDataset(spec);
  if (entry) return loadBuiltIn(entry, opts);
  const dir = path.resolve(spec);
  if (!(await isDir(dir))) {
    const ids = loadDatasetCatalog()
      .map((d) => d.id)
      .join(', ');
    throw new CodedError('dataset-folder-missing', `The dataset folder ${dir} does not exist ("${spec}" is not a built-in dataset either: ${ids}).`, { name: path.basename(dir) });
  }
  const splits = await loadFromDir(dir, opts, undefined);
  if (!splits) throw new CodedError('dataset-no-classes', `The dataset folder ${dir} has no class sub-folders with images.`, { name: path.basename(dir) });
  return finish(withTestSet(splits), opts);
}

/** Where a prepared Stanford Dogs keeps its official split (train/ and test/), inside its cache folder. */
export const STANFORD_SPLIT_DIR = 'official-split';

/** The places a built-in dataset may already be, in the order they are searched. */
export function datasetPlaces(id: string, cacheDir: string, mirrorDir?: string): { cache: string; mirrors: string[] } {
  const cache = path.join(cacheDir, 'datasets', id);
  // The models mirror is ../shared/models and its datasets sit beside it in ../shared/datasets.
  const mirrors = mirrorDir ? [path.join(mirrorDir, id), path.join(mirrorDir, 'datasets', id), path.join(path.dirname(mirrorDir), 'datasets', id)] : [];
  return { cache, mirrors: [...new Set(mirrors.map((m) => path.resolve(m)))] };
}

/**
 * Where a built-in dataset can be had without the network: 'cache', 'mirror', or undefined.
 * Looks for its files (IDX files, CIFAR batches or archive, train/ and test/ folders), reads none.
 */
export async function datasetAvailable(entry: DatasetEntry, cacheDir: string, mirrorDir?: string): Promise<'cache' | 'mirror' | undefined> {
  const { cache, mirrors } = datasetPlaces(entry.id, cacheDir, mirrorDir);
  for (const dir of [cache, ...mirrors]) {
    if (!(await isDir(dir))) continue;
    const here =
      (await findIdxFiles(dir)) ||
      (await hasCifarBatches(dir)) ||
      (await hasCifarBatches(path.join(dir, 'cifar-10-batches-bin'))) ||
      (await findArchive(dir, entry)) ||
      (await splitFolders(dir));
    if (here) return dir === cache ? 'cache' : 'mirror';
  }
  return undefined;
}

export async function loadBuiltIn(entry: DatasetEntry, opts: LoadDatasetOptions): Promise<DatasetSplits> {
  const { cache, mirrors } = datasetPlaces(entry.id, opts.cacheDir, opts.mirrorDir);
  if (entry.format === 'stanford-dogs') {
    // Laid out by stanford-dogs.ts (a build or an import), which this module does not call.
    const splits = await loadFromDir(path.join(cache, STANFORD_SPLIT_DIR), opts, entry);
    if (!splits)
      throw new CodedError(
        'dataset-not-prepared',
        `${entry.name} is not prepared in ${cache}: run classifier-studio models build dog-breeds (it downloads it), or classifier-studio datasets import ${entry.id} <folder holding images.tar and lists.tar>.`,
        { name: entry.name, id: entry.id },
      );
    return finish(splits, opts);
  }
  for (const dir of [cache, ...mirrors]) {
    const splits = await loadFromDir(dir, opts, entry);
    if (splits) return finish(splits, opts);
    // A mirror laid out like the official URLs holds the archive itself.
    const archive = await findArchive(dir, entry);
    if (archive) {
      if (dir !== cache) await verifyFile(archive, entry.files[0], `${archive} (in the mirror)`);
      await extractCifar(archive, cache);
      return finish((await loadFromDir(cache, opts, entry))!, opts);
    }
  }
  if (opts.offline) {
    const looked = [cache, ...mirrors].join(', ');
    const urls = entry.files.map((f) => f.url).join(' ');
    throw new CodedError(
      'dataset-offline',
      `The dataset ${entry.name} (${entry.id}) is not in ${looked}, and downloads are off. Download ${urls} into ${cache}${mirrors.length ? '' : ' (or set an offline mirror)'}, or import them with: classifier-studio datasets import ${entry.id} <folder>.`,
      { name: entry.name, id: entry.id, files: entry.files.map((f) => f.name).join(', ') },
    );
  }
  await locateFiles(catalogFiles(entry), {
    cacheDir: cache,
    fetch: opts.fetch,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.('download', p.received, p.total ?? 0),
  });
  if (entry.format === 'cifar-binary') {
    const archive = path.join(cache, entry.files[0].name);
    await extractCifar(archive, cache);
    // The batches are what is read from now on; the archive would only double the space used.
    await rm(archive, { force: true });
  }
  const splits = await loadFromDir(cache, opts, entry);
  if (!splits) throw new Error(`The download of ${entry.name} into ${cache} does not hold the expected files.`);
  return finish(splits, opts);
}

/** A dataset's files as the zoo's file lookup and downloader see them. */
export function catalogFiles(entry: DatasetEntry): CatalogFile[] {
  return entry.files.map((f) => ({ path: f.name, url: f.url, sha256: f.sha256, md5: f.md5, size: f.size }));
}

/** A folder of class folders alone gets a held-out test set, so its models are evaluated too. */
function withTestSet(splits: DatasetSplits): DatasetSplits {
  if (splits.test || splits.train.description.format !== 'folder') return splits;
  const held = holdOutTestSet(splits.train);
  return held ? { ...splits, ...held } : splits;
}

function finish(splits: DatasetSplits, opts: LoadDatasetOptions): DatasetSplits {
  const seed = opts.seed ?? DEFAULT_SEED;
  const fit = (s: ImageSet) => fitImageSet(s, opts.imageSize, opts.channels);
  return {
    train: limitImageSet(fit(splits.train), opts.limit, seed),
    test: splits.test && limitImageSet(fit(splits.test), opts.testLimit, seed),
    validation: splits.validation && fit(splits.validation),
  };
}

export const IDX_ROLES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

// Plain or gzipped, and also the dotted names some re-distributions use (train-images.idx3-ubyte).
export async function findIdxFiles(dir: string): Promise<string[] | undefined> {
  const out: string[] = [];
  for (const role of IDX_ROLES) {
    const dotted = role.replace('-idx', '.idx');
    let found: string | undefined;
    for (const name of [`${role}.gz`, role, `${dotted}.gz`, dotted]) {
      if (await isFile(path.join(dir, name))) {
        found = path.join(dir, name);
        break;
      }
    }
    if (!found) return undefined;
    out.push(found);
  }
  return out;
}

async function findArchive(dir: string, entry: DatasetEntry): Promise<string | undefined> {
  if (entry.format !== 'cifar-binary') return undefined;
  const file = path.join(dir, entry.files[0].name);
  return (await isFile(file)) ? file : undefined;
}

/** Reads whatever dataset layout `dir` holds; undefined when it holds none (or is missing). */
async function loadFromDir(dir: string, opts: LoadDatasetOptions, entry: DatasetEntry | undefined): Promise<DatasetSplits | undefined> {
  if (!(await isDir(dir))) return undefined;
  const name = entry?.name ?? path.basename(dir);
  const progress = (done: number, total: number) => opts.onProgress?.('read', done, total);
  const idx = await findIdxFiles(dir);
  if (idx) {
    const [trainX, trainY, testX, testY] = idx;
    const classNames = entry?.classNames ?? (await digitClasses(trainY));
    progress(0, 2);
    const train = await loadIdxPair(trainX, trainY, { classNames, name, source: dir });
    progress(1, 2);
    const test = await loadIdxPair(testX, testY, { classNames, name, source: dir });
    progress(2, 2);
    return { train, test };
  }
  for (const d of [dir, path.join(dir, 'cifar-10-batches-bin')]) {
    if (await hasCifarBatches(d)) {
      progress(0, 1);
      const splits = await loadCifarBinary(d, name);
      progress(1, 1);
      return splits;
    }
  }
  // Built-ins come as train/ and test/ class folders; a user's folder may also be a single set of class folders.
  if (entry && !(await splitFolders(dir))) return undefined;
  if (!entry && !(await hasSubfolders(dir))) return undefined;
  const [h, w] = opts.imageSize;
  return loadImageFolder(dir, {
    imageSize: [h, w],
    channels: opts.channels,
    fit: opts.fit,
    name,
    onProgress: opts.onProgress,
    // Greyscale digit models expect a light stroke on black, as in the IDX originals.
    invertLightBackground: entry?.format === 'idx' && opts.channels === 1,
  });
}

async function hasSubfolders(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.some((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()));
}

// An IDX set found without a catalogue entry: name the classes by their numbers.
async function digitClasses(labelsFile: string): Promise<string[]> {
  const labels = await readIdxLabels(labelsFile);
  let max = 1;
  for (const l of labels) max = Math.max(max, l);
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}

/**
 * Extracts the batches of the CIFAR-10 archive into `cacheDir`/cifar-10-batches-bin: into a
 * fresh folder first, renamed into place only when whole, so an interrupted extraction is never read.
 */
export async function extractCifar(archive: string, cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.extract-${randomBytes(4).toString('hex')}`);
  const final = path.join(cacheDir, 'cifar-10-batches-bin');
  try {
    // The official archive unpacks to 185 MB: a gigabyte is a generous bound for any copy of it.
    const limits = { maxEntryBytes: MAX_CIFAR_BATCH_BYTES, maxTotalBytes: 1024 ** 3 };
    await extractTarGz(archive, tmp, (n) => /^cifar-10-batches-bin\/(?:[^/]+\.bin|batches\.meta\.txt)$/.test(n.replace(/^\.\//, '')), limits);
    const got = path.join(tmp, 'cifar-10-batches-bin');
    if (!(await hasCifarBatches(got))) throw new Error(`${archive} does not hold the CIFAR-10 batches (cifar-10-batches-bin/data_batch_1.bin ... test_batch.bin).`);
    await rm(final, { recursive: true, force: true });
    await rename(got, final);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The set at the size and channels a model wants. Folder sets decode at that size already; the
 * in-memory ones (28x28 IDX, 32x32 CIFAR) are converted per batch, so no second copy is kept.
 */
export function fitImageSet(set: ImageSet, size: [number, number], channels: 1 | 3): ImageSet {
  const [h0, w0, c0] = set.imageShape;
  const [h, w] = size;
  if (h === h0 && w === w0 && channels === c0) return set;
  if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0)) throw new RangeError(`Image size must be positive integers, got ${h}x${w}`);
  const pxIn = pixelsPerImage(set);
  const pxOut = h * w * channels;
  return {
    size: set.size,
    imageShape: [h, w, channels],
    classNames: set.classNames,
    labels: set.labels,
    skipped: set.skipped,
    description: { ...set.description, convertedFrom: set.imageShape.join('x') },
    file: set.file?.bind(set),
    async read(indices) {
      const got = await set.read(indices);
      const n = got.indices.length;
      const x = new Uint8Array(n * pxOut);
      for (let k = 0; k < n; k++) {
        const img = convertChannels(got.x.subarray(k * pxIn, (k + 1) * pxIn), c0, channels);
        x.set(h === h0 && w === w0 ? img : resizeBilinear(img, w0, h0, channels, w, h), k * pxOut);
      }
      return { x, y: got.y, indices: got.indices };
    },
  };
}

// ITU-R 601 luma, the weights PIL's convert('L') and tf.image.rgb_to_grayscale use.
function convertChannels(src: Uint8Array, from: number, to: 1 | 3): Uint8Array {
  if (from === to) return src;
  const n = src.length / from;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) {
    if (to === 3) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = src[i];
    else out[i] = Math.round(0.299 * src[i * 3] + 0.587 * src[i * 3 + 1] + 0.114 * src[i * 3 + 2]);
  }
  return out;
}

// Half-pixel centres, as tf.image.resize('bilinear') does; enough for the small in-memory sets.
function resizeBilinear(src: Uint8Array, w0: number, h0: number, c: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * c);
  const sy = h0 / h;
  const sx = w0 / w;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h0 - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h0 - 1);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w0 - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w0 - 1);
      const tx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const a = src[(y0 * w0 + x0) * c + ch] * (1 - tx) + src[(y0 * w0 + x1) * c + ch] * tx;
        const b = src[(y1 * w0 + x0) * c + ch] * (1 - tx) + src[(y1 * w0 + x1) * c + ch] * tx;
        out[(y * w + x) * c + ch] = Math.round(a * (1 - ty) + b * ty);
      }
    }
  }
  return out;
}
