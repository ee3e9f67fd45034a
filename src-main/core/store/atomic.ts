// Folders that are replaced whole or not at all: a crash (even SIGKILL) at any moment leaves
// either the old folder or the new one readable, never a mix.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Writes files into a fresh sibling folder, then swaps it in for `dir`. */
export async function replaceFolder(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = randomBytes(4).toString('hex');
  const fresh = `${dir}.tmp-${tag}`;
  const old = `${dir}.old-${tag}`;
  try {
    await mkdir(fresh);
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(fresh, name), data);
    const hadOld = await isDir(dir);
    if (hadOld) await rename(dir, old);
    await rename(fresh, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

/**
 * Finishes a swap that a crash interrupted: if `dir` is missing but its previous version
 * was moved aside, that version comes back.
 */
export async function recoverFolder(dir: string, siblings: string[]): Promise<void> {
  if (await isDir(dir)) return;
  const base = path.basename(dir);
  const aside = siblings.filter((s) => s.startsWith(`${base}.old-`));
  if (aside.length) await rename(path.join(path.dirname(dir), aside[0]!), dir);
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
