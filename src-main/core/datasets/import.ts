// Puts a built-in dataset into the cache from local files, for machines without internet: the
// official files (checked by digest), or, when the user allows it, a copy from elsewhere (a
// re-compressed or rebuilt IDX set, extracted CIFAR batches, class folders) checked by reading
// it. Everything is assembled in a fresh folder and swapped in whole.
import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { commitStaged, discardStaged, stageVerified, type StagedCopy } from '../downloads/copy-verified.ts';
import { DigestMismatchError, verifyFile } from '../downloads/digest.ts';
import { datasetPlaces, extractCifar, findDataset, findIdxFiles, loadDatasetCatalog, type DatasetEntry } from './catalog.ts';
import { CIFAR_RECORD, CIFAR10_TEST_BATCH, CIFAR10_TRAIN_BATCHES, hasCifarBatches } from './cifar.ts';
import { classNameFromFolder, listClassFolders, splitFolders } from './folder.ts';
import { loadIdxPair } from './idx.ts';
import { isDir, isFile } from '../fs-kinds.ts';
import { withHint } from '../../shared/errors.ts';
import { importStanfordDogs, type DogsImportResult } from './stanford-dogs.ts';
import { recoverFolder, swapFolderIn } from '../store/atomic.ts';

export interface DatasetImportOptions {
  cacheDir: string;
  /** Accept files other than the official ones (no digest to check) once their contents are checked. */
  allowUnofficial?: boolean;
}

export type DatasetLayout = 'idx' | 'cifar-archive' | 'cifar-batches' | 'class-folders' | DogsImportResult['layout'];

export interface DatasetImportResult {
  id: string;
  /** The dataset's folder in the cache. */
  dir: string;
  layout: DatasetLayout;
  /** 'digest': the official bytes; 'contents': a copy read and found complete. */
  checked: 'digest' | 'contents';
  /** What was taken, relative to the source. */
  files: string[];
  notes: string[];
}

const unofficialHint = 'If it is a faithful copy from elsewhere (re-compressed or rebuilt), import it with --allow-unofficial: its contents are then checked instead.';

/** The folders a source may hold the dataset in: itself, <id>/, datasets/<id>/. */
async function roots(source: string, id: string): Promise<string[]> {
  const all = [source, path.join(source, id), path.join(source, 'datasets', id)];
  const out: string[] = [];
  for (const r of all) if (await isDir(r)) out.push(r);
  return out;
}

async function importIdx(entry: DatasetEntry, files: string[], fresh: string, opts: DatasetImportOptions): Promise<Omit<DatasetImportResult, 'id' | 'dir'>> {
  const staged: StagedCopy[] = [];
  let unofficial = false;
  try {
    for (const from of files) {
      const official = entry.files.find((f) => f.name === path.basename(from));
      const dest = path.join(fresh, path.basename(from));
      try {
        if (!official) throw new Error(`${from} is not one of the official files of ${entry.name} (${entry.files.map((f) => f.name).join(', ')}).`);
        staged.push(await stageVerified(from, dest, official, `${from} (as ${official.name} of ${entry.name})`));
      } catch (err) {
        if (!opts.allowUnofficial) throw withHint(err, unofficialHint);
        unofficial = true;
        staged.push(await stageVerified(from, dest, {}, from));
      }
    }
    await commitStaged(staged);
  } catch (err) {
    await discardStaged(staged);
    throw err;
  }
  const notes: string[] = [];
  if (unofficial)
    notes.push(
      ...(await checkIdxContents(
        entry,
        files.map((f) => path.join(fresh, path.basename(f))),
        files,
      )),
    );
  return { layout: 'idx', checked: unofficial ? 'contents' : 'digest', files, notes };
}

/** Reads both splits in full (gzip CRCs, IDX headers, labels in range) and checks the counts and shape. */
async function checkIdxContents(entry: DatasetEntry, copies: string[], originals: string[]): Promise<string[]> {
  const [h, w] = entry.imageShape;
  const splits = [
    { split: 'train', x: 0, y: 1, count: entry.counts?.train },
    { split: 'test', x: 2, y: 3, count: entry.counts?.test },
  ];
  for (const { split, x, y, count } of splits) {
    let set;
    try {
      set = await loadIdxPair(copies[x], copies[y], { classNames: entry.classNames ?? [] });
    } catch (e) {
      // Name the user's files, not our temporary copies.
      let msg = (e as Error).message;
      for (const [i, c] of copies.entries()) msg = msg.split(c).join(originals[i]);
      throw new Error(`${msg} (importing ${entry.name})`);
    }
    if (set.imageShape[0] !== h || set.imageShape[1] !== w) {
      throw new Error(`${originals[x]} holds ${set.imageShape[0]}x${set.imageShape[1]} images; ${entry.name} has ${h}x${w}.`);
    }
    if (count !== undefined && set.size !== count) throw new Error(`${originals[x]} holds ${set.size} ${split} images; ${entry.name} has ${count}.`);
  }
  return [`The files are not the official ones (no digest matched); their contents were read and are a complete ${entry.name}.`];
}

async function importCifarArchive(entry: DatasetEntry, archive: string, fresh: string, opts: DatasetImportOptions): Promise<Omit<DatasetImportResult, 'id' | 'dir'>> {
  let checked: 'digest' | 'contents' = 'digest';
  try {
    await verifyFile(archive, entry.files[0], `${archive} (as ${entry.files[0].name} of ${entry.name})`);
  } catch (err) {
    if (!(err instanceof DigestMismatchError) || !opts.allowUnofficial) throw withHint(err, unofficialHint);
    checked = 'contents';
  }
  await extractCifar(archive, fresh);
  if (checked === 'contents') await checkCifarBatches(entry, path.join(fresh, 'cifar-10-batches-bin'), archive);
  return { layout: 'cifar-archive', checked, files: [archive], notes: [] };
}

async function checkCifarBatches(entry: DatasetEntry, dir: string, shownAs: string): Promise<void> {
  const records = async (files: string[]) => {
    let n = 0;
    for (const f of files) {
      const size = (await stat(path.join(dir, f))).size;
      if (size % CIFAR_RECORD) throw new Error(`${path.join(shownAs, f)}: ${size} bytes is not a whole number of CIFAR records (${CIFAR_RECORD} bytes each).`);
      n += size / CIFAR_RECORD;
    }
    return n;
  };
  const train = await records(CIFAR10_TRAIN_BATCHES);
  const test = await records([CIFAR10_TEST_BATCH]);
  if (entry.counts && (train !== entry.counts.train || test !== entry.counts.test)) {
    throw new Error(`${shownAs} holds ${train} training and ${test} test images; ${entry.name} has ${entry.counts.train} and ${entry.counts.test}.`);
  }
}

async function importCifarBatches(entry: DatasetEntry, dir: string, fresh: string): Promise<Omit<DatasetImportResult, 'id' | 'dir'>> {
  await checkCifarBatches(entry, dir, dir);
  const names = [...CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH];
  if (await isFile(path.join(dir, 'batches.meta.txt'))) names.push('batches.meta.txt');
  const out = path.join(fresh, 'cifar-10-batches-bin');
  await mkdir(out, { recursive: true });
  for (const n of names) await cp(path.join(dir, n), path.join(out, n));
  return { layout: 'cifar-batches', checked: 'contents', files: names.map((n) => path.join(dir, n)), notes: [] };
}

async function importClassFolders(entry: DatasetEntry, root: string, splits: Record<string, string | undefined>, fresh: string): Promise<Omit<DatasetImportResult, 'id' | 'dir'>> {
  const trainDir = splits.train!;
  const train = await listClassFolders(trainDir, undefined, undefined, root);
  const names = train.folders.map(classNameFromFolder);
  const known = entry.classNames ?? names;
  const missing = known.filter((c) => !names.includes(c));
  const extra = names.filter((c) => !known.includes(c));
  if (missing.length || extra.length) {
    throw new Error(
      `${trainDir} does not hold the classes of ${entry.name}${missing.length ? `: ${missing.join(', ')} missing` : ''}${extra.length ? `; ${extra.join(', ')} unknown` : ''}.`,
    );
  }
  const notes: string[] = [];
  const counted: string[] = [];
  for (const [split, dir] of Object.entries(splits)) {
    if (!dir) continue;
    const listing = split === 'train' ? train : await listClassFolders(dir, train.folders, undefined, root);
    counted.push(`${listing.files.length} ${split}`);
    // The listed images only, as files: a copied link would point back at the source (or outside it).
    for (const file of listing.files) {
      const dest = path.join(fresh, path.basename(dir), path.relative(dir, file));
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(file, dest);
    }
    for (const s of listing.skipped) notes.push(`Skipped ${s.file}: ${s.error}`);
  }
  if (entry.counts) notes.push(`Imported ${counted.join(', ')} images (the official set has ${entry.counts.train} train and ${entry.counts.test} test).`);
  return { layout: 'class-folders', checked: 'contents', files: Object.values(splits).filter((d): d is string => !!d), notes };
}

/**
 * Imports built-in dataset `id` from `source`: a folder (or its <id>/ or datasets/<id>/) holding
 * the official files (IDX .gz files; the CIFAR-10 archive, which may also be given as the file
 * itself), or with `allowUnofficial` any layout the loader reads: other IDX copies, extracted
 * CIFAR batches, train/ and test/ class folders. The dataset's cache folder is replaced whole.
 */
export async function importDatasetFiles(dataset: string | DatasetEntry, source: string | string[], opts: DatasetImportOptions): Promise<DatasetImportResult> {
  const entry = typeof dataset === 'string' ? findDataset(dataset) : dataset;
  if (!entry)
    throw new Error(
      `Unknown dataset "${String(dataset)}": choose one of ${loadDatasetCatalog()
        .map((d) => d.id)
        .join(', ')}.`,
    );
  // Stanford Dogs comes as two tars (or a folder holding them), unpacked rather than copied.
  if (entry.format === 'stanford-dogs') return { id: entry.id, ...(await importStanfordDogs([source].flat(), { ...opts, entry })) };
  if (Array.isArray(source)) {
    if (source.length !== 1) throw new Error(`${entry.name} is imported from one folder (or archive); ${source.length} were given.`);
    source = source[0]!;
  }
  const src = path.resolve(source);
  if (!(await isFile(src)) && !(await isDir(src))) throw new Error(`${src} does not exist.`);
  const dir = datasetPlaces(entry.id, opts.cacheDir).cache;
  await mkdir(path.dirname(dir), { recursive: true });
  // An import that was killed (or ran out of memory) left its half-made folder behind; one of a
  // live import is younger than STALE_TMP_MS and stays.
  await recoverFolder(dir, await readdir(path.dirname(dir)));
  const fresh = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(fresh);
  try {
    const result = await importInto(entry, src, fresh, opts);
    await swapFolderIn(fresh, dir);
    return { id: entry.id, dir, ...result };
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

async function importInto(entry: DatasetEntry, src: string, fresh: string, opts: DatasetImportOptions): Promise<Omit<DatasetImportResult, 'id' | 'dir'>> {
  const archiveName = entry.format === 'cifar-binary' ? entry.files[0].name : undefined;
  if (await isFile(src)) {
    if (archiveName) return importCifarArchive(entry, src, fresh, opts);
    throw new Error(`${src} is one file; ${entry.name} has ${entry.files.length} (${entry.files.map((f) => f.name).join(', ')}): give the folder that holds them.`);
  }
  const places = await roots(src, entry.id);
  for (const root of places) {
    if (entry.format === 'idx') {
      const idx = await findIdxFiles(root);
      if (idx) return importIdx(entry, idx, fresh, opts);
      continue;
    }
    if (archiveName && (await isFile(path.join(root, archiveName)))) return importCifarArchive(entry, path.join(root, archiveName), fresh, opts);
    const batches = (await hasCifarBatches(root)) ? root : (await hasCifarBatches(path.join(root, 'cifar-10-batches-bin'))) ? path.join(root, 'cifar-10-batches-bin') : undefined;
    const splits = batches ? undefined : await splitFolders(root);
    if (!batches && !(splits?.train && splits.test)) continue;
    if (!opts.allowUnofficial) {
      const what = batches ? `extracted CIFAR batches (${batches})` : `class folders (${root})`;
      throw new Error(
        `${src} holds ${entry.name} as ${what}, which have no published digest to check. Import them with --allow-unofficial to accept them after their contents are checked, or import the official ${archiveName}.`,
      );
    }
    return batches ? importCifarBatches(entry, batches, fresh) : importClassFolders(entry, root, splits!, fresh);
  }
  const expected = entry.format === 'idx' ? entry.files.map((f) => f.name).join(', ') : `${archiveName}, cifar-10-batches-bin/ or train/ and test/ class folders`;
  const looked = places.length ? places.join(', ') : src;
  const listing = places.length ? ` (it holds: ${(await readdir(places[0])).slice(0, 8).join(', ') || 'nothing'})` : '';
  throw new Error(`${looked} does not hold ${entry.name}: expected ${expected}${listing}.`);
}
