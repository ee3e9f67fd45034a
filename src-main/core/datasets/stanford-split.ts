// Stanford Dogs' official split: lists.tar's train_list.mat and test_list.mat (MATLAB 5) name
// each image ('n02085620-Chihuahua/n02085620_5927.jpg') with its class (1-120). The split is laid
// out as train/ and test/ class folders of hard links into the extracted Images/ (copies where
// links cannot be made), the layout every transfer run reads, made in a fresh folder and
// renamed into place only when whole.
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readRegularFile } from '../bounded-read.ts';
import { isFile } from '../fs-kinds.ts';
import { classNameFromFolder } from './folder.ts';
import { cellStrings, numbers, readMat5 } from './mat5.ts';

export const SPLIT_LISTS = { train: 'train_list.mat', test: 'test_list.mat' } as const;
export type SplitName = keyof typeof SPLIT_LISTS;
/** Written last into a finished split folder: what it holds. */
export const SPLIT_DONE = '.complete.json';
/** The official lists are under a megabyte each. */
const MAX_LIST_BYTES = 64 * 1024 ** 2;

export interface SplitList {
  /** Paths relative to Images/, as the list gives them. */
  files: string[];
  /** The list's classes, 1-based as MATLAB has them. */
  labels: number[];
}

export interface PreparedSplit {
  /** The folder holding train/ and test/. */
  root: string;
  classNames: string[];
  train: number;
  test: number;
}

/** A list .mat file: `file_list` (cell array of strings) and `labels` (numbers), checked against each other. */
export async function readSplitList(file: string): Promise<SplitList> {
  const vars = readMat5(await readRegularFile(file, MAX_LIST_BYTES, 'split list'), file);
  const files = cellStrings(vars.get('file_list'), 'file_list', file);
  const labels = Array.from(numbers(vars.get('labels'), 'labels', file));
  if (files.length !== labels.length) throw new Error(`${file}: file_list names ${files.length} images but labels has ${labels.length}.`);
  files.forEach((f, i) => {
    const parts = f.split(/[\\/]/);
    if (parts.length !== 2 || parts.some((p) => !p || p === '.' || p === '..')) throw new Error(`${file}: entry ${i + 1} of file_list ("${f}") is not <class folder>/<image>.`);
    if (!Number.isInteger(labels[i]) || labels[i]! < 1) throw new Error(`${file}: label ${i + 1} is ${labels[i]}, not a class number from 1.`);
  });
  return { files: files.map((f) => f.replace(/\\/g, '/')), labels };
}

/** The class folders in label order (1, 2, ...), each label naming one folder in every list. */
export function classFoldersOf(lists: SplitList[], shownAs: string): string[] {
  const byLabel = new Map<number, string>();
  for (const list of lists) {
    list.files.forEach((f, i) => {
      const folder = f.split('/')[0]!;
      const known = byLabel.get(list.labels[i]!);
      if (known === undefined) byLabel.set(list.labels[i]!, folder);
      else if (known !== folder) throw new Error(`${shownAs}: class ${list.labels[i]} is both ${known} and ${folder}; the lists are damaged.`);
    });
  }
  const labels = [...byLabel.keys()].sort((a, b) => a - b);
  if (labels.length < 2 || labels[labels.length - 1] !== labels.length)
    throw new Error(`${shownAs}: the lists' classes are not 1-${labels.length} (${labels.length} classes found, up to ${labels[labels.length - 1]}).`);
  const folders = labels.map((l) => byLabel.get(l)!);
  if (new Set(folders).size !== folders.length) throw new Error(`${shownAs}: one folder carries two class numbers; the lists are damaged.`);
  return folders;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    // Another file system (a mirror on another disk), or one without hard links.
    if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    await copyFile(from, to);
  }
}

/** The split already laid out in `dest`, or undefined. */
export async function readyOfficialSplit(dest: string): Promise<PreparedSplit | undefined> {
  const mark = path.join(dest, SPLIT_DONE);
  if (!(await isFile(mark))) return undefined;
  try {
    const m = JSON.parse(await readFile(mark, 'utf8')) as Omit<PreparedSplit, 'root'>;
    return { root: dest, classNames: m.classNames, train: m.train, test: m.test };
  } catch {
    return undefined;
  }
}

/**
 * Lays out the split of the lists in `listsDir` as `dest`/train/<folder>/<image> and
 * `dest`/test/..., from the images under `imagesDir`. Every listed image must be there.
 */
export async function layOutOfficialSplit(
  imagesDir: string,
  listsDir: string,
  dest: string,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<PreparedSplit> {
  const lists = {
    train: await readSplitList(path.join(listsDir, SPLIT_LISTS.train)),
    test: await readSplitList(path.join(listsDir, SPLIT_LISTS.test)),
  };
  const folders = classFoldersOf([lists.train, lists.test], listsDir);
  const tmp = `${dest}.tmp-${randomBytes(4).toString('hex')}`;
  const total = lists.train.files.length + lists.test.files.length;
  let done = 0;
  const missing: string[] = [];
  try {
    for (const split of ['train', 'test'] as const) {
      for (const folder of folders) await mkdir(path.join(tmp, split, folder), { recursive: true });
      for (const rel of lists[split].files) {
        if (opts.signal?.aborted) throw new Error('Laying out the official split was stopped; it starts again next time.');
        const from = path.join(imagesDir, rel);
        if (!(await isFile(from))) missing.push(rel);
        else await linkOrCopy(from, path.join(tmp, split, rel));
        if (++done % 500 === 0 || done === total) opts.onProgress?.(done, total);
      }
    }
    if (missing.length) {
      throw new Error(
        `${imagesDir} lacks ${missing.length} of the ${total} images the official split lists (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}): the images and the lists are not of one Stanford Dogs.`,
      );
    }
    const classNames = folders.map(classNameFromFolder);
    const made: Omit<PreparedSplit, 'root'> = { classNames, train: lists.train.files.length, test: lists.test.files.length };
    await writeFile(path.join(tmp, SPLIT_DONE), JSON.stringify(made));
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    return { root: dest, ...made };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
