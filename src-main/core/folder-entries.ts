// What an entry of a dataset (or a picked folder) is, following a symbolic link only when it
// stays inside the folder: a link may point anywhere (`b -> /usr`, `x.jpg -> /dev/zero`), and a
// dataset must not read the system's files as its own.
import type { Dirent } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EntrySkipKind } from '../shared/errors.ts';

export type EntryKind = 'file' | 'dir' | 'other';

export type FolderEntry =
  | { path: string; kind: 'file' | 'dir' }
  /** Not to be read: `was` is what it is (or points at), `reason` says why it is left out. */
  | { path: string; kind: 'skipped'; was: EntryKind; reason: string; why: EntrySkipKind };

/** Whether `p` is `root` or inside it; both must already be real (symlink-free) paths. */
export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

const kindOfStats = (s: { isFile(): boolean; isDirectory(): boolean }): EntryKind => (s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other');

/** Classifies entry `e` of folder `dir`; `realRoot` is the realpath of the folder links must stay in. */
export async function folderEntry(dir: string, e: Dirent, realRoot: string): Promise<FolderEntry> {
  const full = path.join(dir, e.name);
  if (e.isFile()) return { path: full, kind: 'file' };
  if (e.isDirectory()) return { path: full, kind: 'dir' };
  if (!e.isSymbolicLink()) {
    return { path: full, kind: 'skipped', was: 'other', reason: 'not a regular file (a device, pipe or socket): skipped', why: 'not-regular' };
  }
  let target: string;
  let was: EntryKind;
  try {
    target = await realpath(full);
    was = kindOfStats(await stat(target));
  } catch {
    return { path: full, kind: 'skipped', was: 'other', reason: 'a broken symbolic link: skipped', why: 'broken-link' };
  }
  if (!isWithin(realRoot, target)) {
    return { path: full, kind: 'skipped', was, reason: `a symbolic link to ${target}, outside the folder ${realRoot}: not followed`, why: 'link-outside' };
  }
  if (was === 'other') return { path: full, kind: 'skipped', was, reason: `a symbolic link to ${target}, which is not a regular file: skipped`, why: 'link-not-file' };
  return { path: full, kind: was };
}
