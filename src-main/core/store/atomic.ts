// Folders that are replaced whole or not at all: a crash (even SIGKILL) at any moment leaves
// either the old folder or the new one readable, never a mix. A SIGKILL between the two renames
// of a swap leaves only the old version, moved aside: recoverFolder puts it back.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDir } from '../fs-kinds.ts';
import { LEFTOVER_TAG } from '../../shared/model-names.ts';

/** A half-written `.tmp-` folder older than this belongs to no live writer (a swap takes seconds). */
export const STALE_TMP_MS = 10 * 60_000;

/** The folder a leftover `<dir>.old-x` or `<dir>.tmp-x` belongs to, or undefined for any other name. */
export function leftoverOf(name: string): { base: string; kind: 'old' | 'tmp' } | undefined {
  const m = LEFTOVER_TAG.exec(name);
  return m ? { base: name.slice(0, m.index), kind: m[1] as 'old' | 'tmp' } : undefined;
}

const tag = () => randomBytes(4).toString('hex');

/** Writes files into a fresh sibling folder, then swaps it in for `dir`. */
export async function replaceFolder(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  const fresh = `${dir}.tmp-${tag()}`;
  try {
    await mkdir(fresh);
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(fresh, name), data);
    await swapFolderIn(fresh, dir);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

/**
 * Moves the finished folder `fresh` into place as `dir`: the previous `dir` is moved aside as
 * `<dir>.old-x` (what recoverFolder looks for), then deleted. If the new one cannot be moved in,
 * the previous one goes back.
 */
export async function swapFolderIn(fresh: string, dir: string): Promise<void> {
  const aside: string[] = [];
  // Twice at most: a reader may recover the old folder between our two renames (it saw `dir`
  // missing); the writer wins and moves it aside again.
  for (let attempt = 0; ; attempt++) {
    if (await isDir(dir)) {
      const old = `${dir}.old-${tag()}`;
      await rename(dir, old);
      aside.push(old);
    }
    try {
      await rename(fresh, dir);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt > 0 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) {
        const previous = aside.pop();
        if (previous && !(await isDir(dir))) await rename(previous, dir);
        throw err;
      }
    }
  }
  for (const old of aside) await rm(old, { recursive: true, force: true });
}

/**
 * Finishes or undoes a swap that a crash interrupted, given the names in `dir`'s parent folder:
 * if `dir` is missing but its previous version was moved aside, that version comes back; aside
 * copies of a `dir` that exists are removed, and so are stale half-written new versions.
 */
export async function recoverFolder(dir: string, siblings: string[]): Promise<void> {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const mine = siblings.filter((s) => leftoverOf(s)?.base === base).sort();
  if (!mine.length) return;
  const olds = mine.filter((s) => leftoverOf(s)!.kind === 'old');
  if (!(await isDir(dir)) && olds.length) {
    try {
      await rename(path.join(parent, olds.shift()!), dir);
    } catch (err) {
      // A writer finished its swap meanwhile, or another reader recovered first: both leave `dir`.
      if (!(await isDir(dir))) throw err;
    }
  }
  if (await isDir(dir)) for (const old of olds) await rm(path.join(parent, old), { recursive: true, force: true });
  for (const tmp of mine.filter((s) => leftoverOf(s)!.kind === 'tmp')) {
    const p = path.join(parent, tmp);
    const age = await stat(p).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_TMP_MS) await rm(p, { recursive: true, force: true });
  }
}

/** Writes one file so that readers see the old content or the new, never half. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
