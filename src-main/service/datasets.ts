// One's own datasets for the window: the ones the app manages (<datasetsDir>/<name>) and folders
// the user picked, edited through the same core as the CLI's `dataset` commands. Requests name
// a dataset by its folder and a picture by its class and plain file name, never by a path.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { AddedView, DatasetImagesView, DatasetSummaryView, DatasetView, NamedBytes } from '../contract.ts';
import { MAX_IMAGE_FILE_BYTES, readRegularFile } from '../core/bounded-read.ts';
import { heldOutCount } from '../core/datasets/held-out.ts';
import { addImages, type AddOutcome } from '../core/datasets/own/add.ts';
import { checkClassName, classNameProblem } from '../core/datasets/own/class-names.ts';
import { createClass, deleteClass, moveImage, removeImages, renameClass, type RemoveOutcome } from '../core/datasets/own/edit.ts';
import { classFolders, contentKeyOf, imagesOf, showDataset } from '../core/datasets/own/layout.ts';
import { isDir } from '../core/fs-kinds.ts';
import { DEFAULT_PIXEL_LIMIT } from '../core/images/decode.ts';
import { writeFileAtomic } from '../core/store/atomic.ts';
import { sizeAwareSettings } from '../core/transfer/defaults.ts';
import { CodedError } from '../shared/errors.ts';
import { modelNameProblem, modelNameProblemCode, nameRefused } from '../shared/model-names.ts';

/** The validation share the one-button run trains with (transfer's own default). */
export const TRAIN_VALIDATION_SPLIT = 0.2;
const THUMB_PX = 128;

/** A file name inside a class folder: no path, nothing hidden (temporary copies are). */
export function plainNameProblem(name: string): string | undefined {
  if (!name || name.length > 255) return 'empty or too long';
  if (/[/\\\0]/.test(name) || name === '.' || name === '..') return 'a file name, not a path';
  if (name.startsWith('.')) return 'not a hidden file';
  return undefined;
}

function check(problem: string | undefined, what: string): void {
  if (problem) throw new Error(`${what}: ${problem}.`);
}

export class DatasetService {
  constructor(
    private readonly root: string,
    private readonly cacheDir: string,
  ) {}

  /** A folder the app made for the user (one plain name directly under its datasets folder). */
  isManaged(dir: string): boolean {
    return path.isAbsolute(dir) && path.resolve(dir) === dir && path.dirname(dir) === this.root && !modelNameProblem(path.basename(dir));
  }

  private view(dir: string): DatasetView {
    return { dir, name: path.basename(dir), managed: this.isManaged(dir) };
  }

  async list(): Promise<DatasetView[]> {
    if (!(await isDir(this.root))) return [];
    const names = (await readdir(this.root, { withFileTypes: true })).filter((e) => e.isDirectory() && !modelNameProblem(e.name)).map((e) => e.name);
    return names.sort((a, b) => a.localeCompare(b)).map((n) => this.view(path.join(this.root, n)));
  }

  async create(name: string): Promise<DatasetView> {
    const problem = modelNameProblemCode(name);
    if (problem) throw nameRefused('dataset', name, problem);
    await mkdir(this.root, { recursive: true });
    const taken = (await this.list()).find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (taken) throw new CodedError('dataset-exists', `A dataset called "${taken.name}" already exists.`, { name: taken.name });
    const dir = path.join(this.root, name);
    await mkdir(dir);
    return this.view(dir);
  }

  /** Classes and counts, and what the one-button run would train with. */
  async show(dir: string): Promise<DatasetSummaryView> {
    const s = await showDataset(dir);
    const held = s.classes.reduce((n, c) => n + heldOutCount(c.count), 0);
    const fit = s.images - held;
    const validation = Math.floor(fit * TRAIN_VALIDATION_SPLIT);
    const train = fit - validation;
    const { epochs, batchSize } = sizeAwareSettings(Math.max(1, train), {});
    return { ...this.view(dir), classes: s.classes, images: s.images, plan: { train, validation, test: held, epochs, batchSize } };
  }

  /** One page of a class's pictures, by name (sorted, as the CLI lists them). */
  async images(dir: string, cls: string, offset: number, limit: number): Promise<DatasetImagesView> {
    const names = await imagesOf(await this.classDir(dir, cls));
    return { total: names.length, offset, files: names.slice(offset, offset + limit) };
  }

  private async classDir(dir: string, cls: string): Promise<string> {
    checkClassName(cls);
    if (!(await classFolders(dir)).includes(cls)) throw new CodedError('class-missing', `There is no class "${cls}" in ${path.basename(dir)}.`, { name: cls });
    return path.join(dir, cls);
  }

  /** Files the user chose in the open dialog; outcomes name each by its base name only. */
  async addFiles(dir: string, cls: string, files: readonly string[]): Promise<AddedView[]> {
    const outcomes = await addImages(dir, cls, files);
    return outcomes.map((o, i) => addedView(o, path.basename(files[i]!), files[i]!));
  }

  /**
   * Dropped, pasted or captured pictures: written to a private temporary folder under plain
   * numbered names, then added as files, so every check of addImages applies to them too.
   */
  async addBytes(dir: string, cls: string, images: readonly NamedBytes[]): Promise<AddedView[]> {
    checkClassName(cls);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'cs-add-'));
    try {
      const files = await Promise.all(
        images.map(async (img, i) => {
          const file = path.join(
            tmp,
            `${i}${path
              .extname(img.name)
              .replace(/[^.\w]/g, '')
              .slice(0, 8)}`,
          );
          await writeFile(file, img.data);
          return file;
        }),
      );
      const outcomes = await addImages(dir, cls, files);
      return outcomes.map((o, i) => addedView(o, images[i]!.name, files[i]!));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async remove(dir: string, files: readonly { cls: string; name: string }[]): Promise<AddedView[]> {
    for (const f of files) check(plainNameProblem(f.name) ?? classNameProblem(f.cls), f.name);
    const out = await removeImages(
      dir,
      files.map((f) => `${f.cls}/${f.name}`),
    );
    return out.map((o) =>
      o.status === 'removed' ? { name: o.stored, status: 'removed' as const, stored: o.stored } : { name: o.file, status: 'refused' as const, error: o.error },
    );
  }

  async move(dir: string, from: { cls: string; name: string }, to: string): Promise<string> {
    check(plainNameProblem(from.name) ?? classNameProblem(from.cls), from.name);
    return (await moveImage(dir, `${from.cls}/${from.name}`, to)).stored;
  }

  createClass(dir: string, name: string): Promise<void> {
    return createClass(dir, name);
  }

  renameClass(dir: string, from: string, to: string): Promise<void> {
    return renameClass(dir, from, to);
  }

  /**
   * The window asks twice (its second click confirms), so a class with pictures goes with them;
   * the command line deletes one with pictures only when told to (--force).
   */
  async deleteClass(dir: string, name: string, { force = true } = {}): Promise<number> {
    return (await deleteClass(dir, name, { force })).removed;
  }

  // The command line names pictures by their paths, and pictures already in the dataset by a
  // reference (<class>/<file>, a path into it, or a file name found in one class); the window
  // never sends either.

  /** Copies files into a class, each outcome reported as soon as it is known. */
  addPaths(dir: string, cls: string, files: readonly string[], onOutcome?: (o: AddOutcome) => void): Promise<AddOutcome[]> {
    return addImages(dir, cls, files, { onOutcome });
  }

  removeByReference(dir: string, refs: readonly string[]): Promise<RemoveOutcome[]> {
    return removeImages(dir, refs);
  }

  moveByReference(dir: string, ref: string, to: string): Promise<{ from: string; stored: string }> {
    return moveImage(dir, ref, to);
  }

  /** The picture's bytes, for Recognize (which takes dropped bytes the same way). */
  async imageBytes(dir: string, cls: string, name: string): Promise<NamedBytes> {
    check(plainNameProblem(name), name);
    const data = await readRegularFile(path.join(await this.classDir(dir, cls), name), MAX_IMAGE_FILE_BYTES, 'image file');
    return { name, data: new Uint8Array(data) };
  }

  /**
   * Small square JPEG data URLs, each made once: cached under the cache folder by the picture's
   * content name (or, for a name given by hand, by where it is and when it changed).
   */
  async thumbnails(dir: string, cls: string, names: readonly string[]): Promise<{ name: string; url?: string; error?: string }[]> {
    const classDir = await this.classDir(dir, cls);
    const cache = path.join(this.cacheDir, 'thumbnails');
    await mkdir(cache, { recursive: true });
    const out = [];
    for (const name of names) {
      try {
        check(plainNameProblem(name), name);
        const file = path.join(classDir, name);
        const key = contentKeyOf(name) ?? (await handNamedKey(file));
        out.push({ name, url: `data:image/jpeg;base64,${(await cachedThumbnail(file, path.join(cache, `${key}-${THUMB_PX}.jpg`))).toString('base64')}` });
      } catch (e) {
        out.push({ name, error: (e as Error).message });
      }
    }
    return out;
  }
}

async function handNamedKey(file: string): Promise<string> {
  const st = await stat(file);
  return createHash('sha256')
    .update(`${path.resolve(file)}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
}

async function cachedThumbnail(file: string, cached: string): Promise<Buffer> {
  const hit = await readRegularFile(cached, 1024 ** 2, 'thumbnail').catch(() => undefined);
  if (hit) return hit;
  const source = await readRegularFile(file, MAX_IMAGE_FILE_BYTES, 'image file');
  const jpeg = await sharp(source, { limitInputPixels: DEFAULT_PIXEL_LIMIT, failOn: 'error', pages: 1 })
    .rotate()
    .resize(THUMB_PX, THUMB_PX, { fit: 'cover' })
    .jpeg({ quality: 78 })
    .toBuffer();
  // Whole or absent for a reader meanwhile; a cache that cannot be written only costs a redo.
  await writeFileAtomic(cached, jpeg).catch(() => undefined);
  return jpeg;
}

/** An outcome as the window shows it: the name it knows the picture by, never main's temporary path. */
function addedView(o: AddOutcome, name: string, file: string): AddedView {
  const named = (text: string) => text.split(file).join(name);
  if (o.status === 'refused') return { name, status: 'refused', reason: o.reason, error: named(o.error), ...(o.stored ? { stored: o.stored } : {}) };
  return { name, status: o.status, stored: o.stored };
}
