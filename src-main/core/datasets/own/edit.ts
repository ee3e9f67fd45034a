// Changing one's own dataset by hand: removing and moving images, making, renaming and
// deleting classes. Each change is one rename or one delete, so nothing is ever half done.
import { lstat, mkdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isDir } from '../../fs-kinds.ts';
import { CodedError } from '../../../shared/errors.ts';
import { checkClassName } from './class-names.ts';
import { checkDatasetFolder, classFolders, locateImage, showDataset } from './layout.ts';

export type RemoveOutcome = { file: string; status: 'removed'; stored: string } | { file: string; status: 'refused'; error: string };

/** Deletes images from the dataset (copies: the originals they came from are not touched). */
export async function removeImages(dir: string, refs: readonly string[]): Promise<RemoveOutcome[]> {
  await checkDatasetFolder(dir, { mustExist: true });
  const out: RemoveOutcome[] = [];
  for (const ref of refs) {
    try {
      const found = await locateImage(dir, ref);
      await unlink(found.file);
      out.push({ file: ref, status: 'removed', stored: `${found.cls}/${found.name}` });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const system = !(e instanceof CodedError) && err.code;
      out.push({ file: ref, status: 'refused', error: system ? `${ref}: could not be removed (${err.code})` : err.message });
    }
  }
  return out;
}

/** Moves a image to another class (made when missing); returns where it is now. */
export async function moveImage(dir: string, ref: string, to: string): Promise<{ from: string; stored: string }> {
  checkClassName(to);
  await checkDatasetFolder(dir, { mustExist: true });
  const found = await locateImage(dir, ref);
  const from = `${found.cls}/${found.name}`;
  if (found.cls === to) return { from, stored: from };
  const target = path.join(dir, to, found.name);
  if (
    await lstat(target).then(
      () => true,
      () => false,
    )
  )
    throw new CodedError('picture-exists', `${ref}: ${to}/${found.name} already exists; not moved.`, { name: found.name, cls: to });
  await mkdir(path.join(dir, to), { recursive: true });
  await rename(found.file, target);
  return { from, stored: `${to}/${found.name}` };
}

async function checkNewClass(dir: string, name: string): Promise<void> {
  checkClassName(name);
  // Windows and macOS folders ignore case: "Dog" beside "dog" would be the same folder there.
  const clash = (await isDir(dir)) ? (await classFolders(dir)).find((c) => c.toLowerCase() === name.toLowerCase()) : undefined;
  if (clash) throw new CodedError('class-exists', `${path.join(dir, name)}: the class "${clash}" already exists.`, { name: clash });
}

export async function createClass(dir: string, name: string): Promise<void> {
  await checkDatasetFolder(dir, { mustExist: false });
  await checkNewClass(dir, name);
  await mkdir(path.join(dir, name), { recursive: true });
}

export async function renameClass(dir: string, from: string, to: string): Promise<void> {
  await checkDatasetFolder(dir, { mustExist: true });
  if (!(await classFolders(dir)).includes(from)) throw new CodedError('class-missing', `${path.join(dir, from)}: no such class.`, { name: from });
  // A change of case only is a rename of the folder itself.
  if (from.toLowerCase() !== to.toLowerCase()) await checkNewClass(dir, to);
  else checkClassName(to);
  await rename(path.join(dir, from), path.join(dir, to));
}

/** Deletes a class folder; one with images only when `force` is given, since they go with it. */
export async function deleteClass(dir: string, name: string, { force = false } = {}): Promise<{ removed: number }> {
  const summary = await showDataset(dir);
  const cls = summary.classes.find((c) => c.name === name);
  if (!cls) throw new CodedError('class-missing', `${path.join(dir, name)}: no such class.`, { name });
  if (cls.count && !force)
    throw new CodedError('class-not-empty', `${path.join(dir, name)}: the class has ${cls.count} image${cls.count === 1 ? '' : 's'}; deleting it deletes them (--force).`, {
      name,
      count: cls.count,
    });
  await rm(path.join(dir, name), { recursive: true });
  return { removed: cls.count };
}
