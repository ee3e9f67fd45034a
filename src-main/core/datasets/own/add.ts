// Adding images to a class of one's own dataset: each is checked as an image before it is
// copied (never moved: the user's originals stay where they are), and is stored under its
// content hash, so the same image is kept once. A copy is written under a hidden temporary
// name in the class folder and renamed into place, so a failure or a crash at any point leaves
// the dataset as it was, plus whole images only.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { FileRefusedError, readRegularFile } from '../../bounded-read.ts';
import path from 'node:path';
import { ImageDecodeError, decodeImage, type ImageDecodeErrorCode } from '../../images/decode.ts';
import { STALE_TMP_MS } from '../../store/atomic.ts';
import { checkClassName } from './class-names.ts';
import { checkDatasetFolder, contentIndex } from './layout.ts';

/** Bigger files are refused before they are read: no photo needs a quarter of a gigabyte. */
export const MAX_IMAGE_BYTES = 256 * 1024 ** 2;

/** The file name extension of each format decodeImage accepts. */
const EXTENSION: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tif', avif: 'avif' };

export type RefusalReason = ImageDecodeErrorCode | 'not-a-file' | 'too-big' | 'in-another-class' | 'copy-failed';

export type AddOutcome =
  /** `stored`: where it is now, `<class>/<file>` inside the dataset. */
  | { file: string; status: 'added'; stored: string }
  /** The same image was already in this class. */
  | { file: string; status: 'present'; stored: string }
  /** Not added; `stored` names the image already in another class when that was why. */
  | { file: string; status: 'refused'; reason: RefusalReason; error: string; stored?: string };

export interface AddOptions {
  /** Each outcome as soon as it is known (the CLI prints them one by one). */
  onOutcome?: (o: AddOutcome) => void;
  pixelLimit?: number;
}

class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly stored?: string,
  ) {
    super(message);
  }
}

const TMP = /^\..+\.tmp-[0-9a-f]{8}$/;

// Temporary copies a killed process left behind; a live one's are seconds old.
async function sweepStaleCopies(classDir: string): Promise<void> {
  for (const name of await readdir(classDir)) {
    if (!TMP.test(name)) continue;
    const p = path.join(classDir, name);
    const age = await stat(p).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_TMP_MS) await rm(p, { force: true });
  }
}

/** The bytes of a regular file (followed through a symlink), read as every untrusted file is (bounded-read.ts), or why they are not read. */
async function readPicture(file: string): Promise<Buffer> {
  try {
    return await readRegularFile(file, MAX_IMAGE_BYTES, 'image file');
  } catch (e) {
    if (e instanceof FileRefusedError) throw new Refusal(e.reason === 'too-large' ? 'too-big' : 'not-a-file', e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (
      code === 'ENOENT' &&
      (await lstat(file).then(
        (l) => l.isSymbolicLink(),
        () => false,
      ))
    ) {
      throw new Refusal('not-a-file', `${file}: a symlink to nothing (its target is missing)`);
    }
    throw new Refusal('unreadable', `${file}: cannot read the file (${code === 'ENOENT' ? 'it does not exist' : (code ?? (e as Error).message)})`);
  }
}

/** Checks a image and names it by its content: `<sha256, 16 hex>.<extension of its real format>`. */
async function checkedPicture(file: string, pixelLimit: number | undefined): Promise<{ bytes: Buffer; name: string }> {
  const bytes = await readPicture(file);
  try {
    // Decoded whole (to a tiny size), so a truncated file fails here rather than in training.
    const img = await decodeImage(bytes, { width: 8, height: 8, pixelLimit }, file);
    const ext = EXTENSION[img.original.format];
    if (!ext) throw new Refusal('unsupported', `${file}: ${img.original.format} images cannot be added`);
    return { bytes, name: `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.${ext}` };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new Refusal(e.kind, e.message);
    throw e;
  }
}

async function copyIn(bytes: Buffer, classDir: string, name: string, file: string): Promise<void> {
  const tmp = path.join(classDir, `.${name}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, path.join(classDir, name));
  } catch (e) {
    throw new Refusal('copy-failed', `${file}: could not be copied into ${classDir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was changed`);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Copies images into `<dir>/<cls>/`, making both folders when missing. A file that is refused
 * (not an image, truncated, empty, too large, not a regular file, already in another class)
 * is named in its outcome; the others are still added.
 */
export async function addImages(dir: string, cls: string, files: readonly string[], opts: AddOptions = {}): Promise<AddOutcome[]> {
  checkClassName(cls);
  await checkDatasetFolder(dir, { mustExist: false });
  const classDir = path.join(dir, cls);
  await mkdir(classDir, { recursive: true });
  await sweepStaleCopies(classDir);
  const index = await contentIndex(dir);
  const out: AddOutcome[] = [];
  for (const file of files) {
    let outcome: AddOutcome;
    try {
      const { bytes, name } = await checkedPicture(file, opts.pixelLimit);
      const key = name.slice(0, 16);
      const there = index.get(key);
      if (there && there.split('/')[0] === cls) outcome = { file, status: 'present', stored: there };
      else if (there) throw new Refusal('in-another-class', `${file}: the same image is already in class "${there.split('/')[0]}" (${there}); not added to "${cls}"`, there);
      else {
        await copyIn(bytes, classDir, name, file);
        index.set(key, `${cls}/${name}`);
        outcome = { file, status: 'added', stored: `${cls}/${name}` };
      }
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      outcome = { file, status: 'refused', reason: e.reason, error: e.message, ...(e.stored ? { stored: e.stored } : {}) };
    }
    out.push(outcome);
    opts.onOutcome?.(outcome);
  }
  return out;
}
