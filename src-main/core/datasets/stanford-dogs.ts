// Stanford Dogs from its official files: images.tar (class folders under Images/) and lists.tar
// (the official split, stanford-split.ts), found in the cache, an offline mirror (the tars, or
// them extracted), or downloaded resumably with their digests checked; the tars are unpacked as
// streams, never whole in memory. The cache folder then holds Images/, lists/ and the split.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CodedError, withHint } from '../../shared/errors.ts';
import { DigestMismatchError, verifyFile } from '../downloads/digest.ts';
import { DownloadRefusedError } from '../downloads/download.ts';
import { isDir, isFile } from '../fs-kinds.ts';
import { locateFiles } from '../zoo/files.ts';
import { catalogFiles, datasetPlaces, findDataset, STANFORD_SPLIT_DIR, type DatasetEntry } from './catalog.ts';
import { layOutOfficialSplit, readyOfficialSplit, SPLIT_LISTS, type PreparedSplit } from './stanford-split.ts';
import { extractTar } from './tar.ts';

export const STANFORD_DOGS = 'stanford-dogs';
const IMAGES_TAR = 'images.tar';
const LISTS_TAR = 'lists.tar';
/** A photo of the set is at most a few MB; the whole set unpacks to about 800 MB. */
const IMAGE_LIMITS = { maxEntryBytes: 64 * 1024 ** 2, maxTotalBytes: 8 * 1024 ** 3 };
const LIST_LIMITS = { maxEntryBytes: 64 * 1024 ** 2, maxTotalBytes: 256 * 1024 ** 2 };

export type DogsStage = 'download' | 'extract' | 'split';

export interface DogsSources {
  cacheDir: string;
  mirrorDir?: string;
  offline?: boolean;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (stage: DogsStage, done: number, total: number) => void;
  /** The catalogue entry (tests point one at a local server); resources/datasets.json's by default. */
  entry?: DatasetEntry;
}

export interface PreparedDogs extends PreparedSplit {
  source: 'cache' | 'mirror' | 'download' | 'import';
}

export function stanfordDogsEntry(entry?: DatasetEntry): DatasetEntry {
  const e = entry ?? findDataset(STANFORD_DOGS);
  if (!e) throw new Error(`The dataset catalogue has no ${STANFORD_DOGS}.`);
  return e;
}

const fileOf = (entry: DatasetEntry, name: string) => {
  const f = entry.files.find((x) => x.name === name);
  if (!f) throw new Error(`The catalogue's ${entry.id} has no ${name}.`);
  return f;
};

/** Images/ and the two lists already extracted under `dir` (lists/ or beside Images/). */
async function extractedIn(dir: string): Promise<{ images?: string; lists?: string }> {
  const images = path.join(dir, 'Images');
  let lists: string | undefined;
  for (const d of [path.join(dir, 'lists'), dir]) {
    if ((await isFile(path.join(d, SPLIT_LISTS.train))) && (await isFile(path.join(d, SPLIT_LISTS.test)))) {
      lists = d;
      break;
    }
  }
  return { images: (await isDir(images)) ? images : undefined, lists };
}

/** The message for a host that would not serve the files: what to do instead, in the app's languages too. */
export function hostRefused(entry: DatasetEntry, err: DownloadRefusedError, cache: string): CodedError {
  const page = entry.homepage ?? new URL('.', err.url).href;
  const detail = err.status ? `HTTP ${err.status}` : 'no connection';
  const host = new URL(err.url).host;
  return new CodedError(
    'dataset-download-refused',
    `The ${entry.name} server (${host}) did not serve ${err.url} (${detail}); it is known to refuse requests at times. Try again later (what arrived is kept in ${cache} and the download resumes), ` +
      `or get ${entry.files.map((f) => f.name).join(' and ')} from the official page ${page} on a machine that can, then either import them with: classifier-studio datasets import ${entry.id} <folder holding them>, ` +
      `or put them in an offline mirror (--mirror DIR or CLASSIFIER_MIRROR) as <mirror>/datasets/${entry.id}/.`,
    { name: entry.name, host, url: err.url, detail, page, cache, id: entry.id },
  );
}

/** The two tars: in the cache, a mirror (checked each time), else downloaded into the cache. */
async function locateTars(entry: DatasetEntry, cache: string, mirrors: string[], o: DogsSources): Promise<{ root: string; source: PreparedDogs['source'] }> {
  const files = catalogFiles(entry);
  for (const m of mirrors) {
    if (!(await isFile(path.join(m, IMAGES_TAR))) || !(await isFile(path.join(m, LISTS_TAR)))) continue;
    for (const f of files) await verifyFile(path.join(m, f.path), f, `${path.join(m, f.path)} (in the mirror)`);
    return { root: m, source: 'mirror' };
  }
  const total = files.reduce((s, f) => s + (f.size ?? 0), 0);
  const before = new Map<string, number>();
  let offset = 0;
  for (const f of files) {
    before.set(f.path, offset);
    offset += f.size ?? 0;
  }
  try {
    const got = await locateFiles(files, {
      cacheDir: cache,
      offline: o.offline,
      fetch: o.fetch,
      signal: o.signal,
      onProgress: (p) => o.onProgress?.('download', (before.get(p.file) ?? 0) + p.received, total),
    });
    return { root: got.root, source: got.source === 'cache' ? 'cache' : 'download' };
  } catch (err) {
    if (err instanceof DownloadRefusedError) throw hostRefused(entry, err, cache);
    if (o.offline && !(err instanceof DigestMismatchError)) {
      throw new CodedError(
        'dataset-offline',
        `${entry.name} is not in ${[cache, ...mirrors].join(', ')}, and downloads are off. Get ${entry.files.map((f) => f.url).join(' and ')} (official page: ${entry.homepage ?? ''}), then import them with: classifier-studio datasets import ${entry.id} <folder holding them>, or put them in an offline mirror as <mirror>/datasets/${entry.id}/.`,
        { name: entry.name, id: entry.id, files: entry.files.map((f) => f.name).join(', ') },
      );
    }
    throw err;
  }
}

/** Extracts the lists into `cache`/lists: in a fresh folder, renamed into place when whole. */
async function extractLists(tar: string, cache: string, o: Pick<DogsSources, 'signal'>): Promise<string> {
  const tmp = path.join(cache, `.extract-${randomBytes(4).toString('hex')}`);
  const dest = path.join(cache, 'lists');
  try {
    const wanted = new Set(Object.values(SPLIT_LISTS) as string[]);
    const got = await extractTar(tar, tmp, (n) => wanted.has(path.posix.basename(n)), LIST_LIMITS, { gzip: false, signal: o.signal });
    const out = path.join(tmp, 'lists-out');
    await mkdir(out);
    for (const name of wanted) {
      const rel = got.find((g) => path.basename(g) === name);
      if (!rel) throw new Error(`${tar} does not hold ${name}: it is not Stanford Dogs' lists.tar.`);
      await rename(path.join(tmp, rel), path.join(out, name));
    }
    await rm(dest, { recursive: true, force: true });
    await rename(out, dest);
    return dest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Streams images.tar's Images/<class>/<photo> into `cache`/Images, renamed into place when whole. */
async function extractImages(tar: string, cache: string, o: Pick<DogsSources, 'signal' | 'onProgress'>): Promise<string> {
  const tmp = path.join(cache, `.extract-${randomBytes(4).toString('hex')}`);
  const dest = path.join(cache, 'Images');
  try {
    await extractTar(tar, tmp, (n) => /^(\.\/)?Images\/[^/]+\/[^/]+$/.test(n), IMAGE_LIMITS, {
      gzip: false,
      signal: o.signal,
      onProgress: (read, total) => o.onProgress?.('extract', read, total),
    });
    const got = path.join(tmp, 'Images');
    if (!(await isDir(got)) || !(await readdir(got)).length) throw new Error(`${tar} holds no Images/<breed>/ folders: it is not Stanford Dogs' images.tar.`);
    await rm(dest, { recursive: true, force: true });
    await rename(got, dest);
    return dest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Makes Stanford Dogs ready for training: its official split laid out as train/ and test/ class
 * folders in the cache. Whatever step is already done is not done again (a stopped download
 * resumes from its .part; an extracted Images/ stays).
 */
export async function prepareStanfordDogs(o: DogsSources): Promise<PreparedDogs> {
  const entry = stanfordDogsEntry(o.entry);
  const { cache, mirrors } = datasetPlaces(entry.id, o.cacheDir, o.mirrorDir);
  const splitDir = path.join(cache, STANFORD_SPLIT_DIR);
  const ready = await readyOfficialSplit(splitDir);
  if (ready) return { ...ready, source: 'cache' };
  await mkdir(cache, { recursive: true });
  let { images, lists } = await extractedIn(cache);
  let source: PreparedDogs['source'] = 'cache';
  if (!images || !lists) {
    const inMirror = await firstExtractedMirror(mirrors);
    if (inMirror) return { ...(await layOut(inMirror.images, inMirror.lists, splitDir, o)), source: 'mirror' };
    const tars = await locateTars(entry, cache, mirrors, o);
    source = tars.source;
    lists ??= await extractLists(path.join(tars.root, LISTS_TAR), cache, o);
    if (!images) {
      images = await extractImages(path.join(tars.root, IMAGES_TAR), cache, o);
      // The photos are what is read from now on: the archive would only double the space used.
      if (tars.root === cache) await rm(path.join(cache, IMAGES_TAR), { force: true });
    }
  }
  return { ...(await layOut(images, lists, splitDir, o)), source };
}

async function firstExtractedMirror(mirrors: string[]): Promise<{ images: string; lists: string } | undefined> {
  for (const m of mirrors) {
    const e = await extractedIn(m);
    if (e.images && e.lists) return { images: e.images, lists: e.lists };
  }
  return undefined;
}

function layOut(images: string, lists: string, splitDir: string, o: Pick<DogsSources, 'signal' | 'onProgress'>): Promise<PreparedSplit> {
  return layOutOfficialSplit(images, lists, splitDir, { signal: o.signal, onProgress: (done, total) => o.onProgress?.('split', done, total) });
}

export interface DogsImportResult {
  dir: string;
  layout: 'stanford-dogs-tars' | 'stanford-dogs-images';
  checked: 'digest' | 'contents';
  files: string[];
  notes: string[];
}

const unofficialHint = 'If it is a faithful copy from elsewhere, import it with --allow-unofficial: it is then checked against the official split lists instead.';

/**
 * Imports Stanford Dogs from local files (machines without internet): each source a folder
 * holding images.tar and lists.tar (checked by digest), or the tars themselves; with
 * `allowUnofficial`, also an extracted Images/ folder with the lists. Replaces what the cache had.
 */
export async function importStanfordDogs(sources: string[], o: DogsSources & { allowUnofficial?: boolean }): Promise<DogsImportResult> {
  const entry = stanfordDogsEntry(o.entry);
  const cache = datasetPlaces(entry.id, o.cacheDir).cache;
  const found: { images?: string; lists?: string; imagesDir?: string; listsDir?: string } = {};
  for (const s of sources.map((x) => path.resolve(x))) {
    if (await isFile(s)) {
      const name = path.basename(s);
      if (name === IMAGES_TAR) found.images = s;
      else if (name === LISTS_TAR) found.lists = s;
      else throw new Error(`${s} is neither ${IMAGES_TAR} nor ${LISTS_TAR} of ${entry.name}.`);
    } else if (await isDir(s)) {
      for (const root of [s, path.join(s, entry.id), path.join(s, 'datasets', entry.id)]) {
        if (!found.images && (await isFile(path.join(root, IMAGES_TAR)))) found.images = path.join(root, IMAGES_TAR);
        if (!found.lists && (await isFile(path.join(root, LISTS_TAR)))) found.lists = path.join(root, LISTS_TAR);
        const e = await extractedIn(root);
        found.imagesDir ??= e.images;
        found.listsDir ??= e.lists;
      }
    } else throw new Error(`${s} does not exist.`);
  }
  if (!found.images && !found.imagesDir) throw new Error(`${sources.join(', ')} holds no ${IMAGES_TAR} (nor an extracted Images/ folder) of ${entry.name}.`);
  if (!found.lists && !found.listsDir) throw new Error(`${sources.join(', ')} holds no ${LISTS_TAR} (nor its ${SPLIT_LISTS.train} and ${SPLIT_LISTS.test}) of ${entry.name}.`);
  let checked: DogsImportResult['checked'] = 'digest';
  const check = async (file: string, name: string) => {
    try {
      await verifyFile(file, fileOf(entry, name), `${file} (as ${name} of ${entry.name})`);
    } catch (err) {
      if (!(err instanceof DigestMismatchError) || !o.allowUnofficial) throw withHint(err, unofficialHint);
      checked = 'contents';
    }
  };
  const unofficial = (what: string) => {
    if (!o.allowUnofficial)
      throw new Error(
        `${what} has no published digest to check. Import the official ${IMAGES_TAR} and ${LISTS_TAR}, or add --allow-unofficial to accept it once it is checked against the official split lists.`,
      );
    checked = 'contents';
  };
  await mkdir(cache, { recursive: true });
  let lists: string;
  if (found.lists) {
    await check(found.lists, LISTS_TAR);
    lists = await extractLists(found.lists, cache, o);
  } else {
    unofficial(`${found.listsDir} (extracted lists)`);
    lists = found.listsDir!;
  }
  let images: string;
  if (found.images) {
    await check(found.images, IMAGES_TAR);
    images = await extractImages(found.images, cache, o);
  } else {
    unofficial(`${found.imagesDir} (an extracted Images/ folder)`);
    images = found.imagesDir!;
  }
  const split = await layOut(images, lists, path.join(cache, STANFORD_SPLIT_DIR), o);
  const notes = [`Laid out the official split: ${split.train} training and ${split.test} test images of ${split.classNames.length} breeds in ${split.root}.`];
  if (entry.counts && (split.train !== entry.counts.train || split.test !== entry.counts.test)) {
    notes.push(`The official split has ${entry.counts.train} training and ${entry.counts.test} test images.`);
  }
  const files = [found.images ?? found.imagesDir!, found.lists ?? found.listsDir!];
  return { dir: cache, layout: found.images ? 'stanford-dogs-tars' : 'stanford-dogs-images', checked, files, notes };
}
