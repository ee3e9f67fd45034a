// A lock shared by processes (the app and the CLI use one store and one cache): a file made
// with an exclusive create, holding its owner's pid and host. A lock whose process is gone (a
// crash, SIGKILL) is stale and taken over; one held by another machine cannot be checked and
// is respected. Tokens tell two holders apart inside one process (the app runs many jobs).
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  /** What holds it, for messages: "training", "renaming", "downloading"... */
  purpose: string;
  since: string;
}

export interface Lock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Idempotent; removes the file only while it is still this lock's. */
  release(): Promise<void>;
}

/** A lock file made but not yet written is this young at most; an empty one older was left by a crash. */
const UNWRITTEN_GRACE_MS = 10_000;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | 'unwritten' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') return o;
  } catch {
    // being written, or cut short by a crash: told apart by age below
  }
  return 'unwritten';
}

function stale(owner: LockOwner): boolean {
  return owner.host === os.hostname() && !processAlive(owner.pid);
}

/** The live owner of a lock file, or undefined if it is free or stale. */
export async function lockOwner(file: string): Promise<LockOwner | undefined> {
  const o = await readOwner(file);
  return o && o !== 'unwritten' && !stale(o) ? o : undefined;
}

/**
 * Removes a stale lock, unless another process replaced it meanwhile: the file is moved aside
 * (only one taker can), and put back if what was moved is not the stale lock that was read.
 */
async function breakStale(file: string, seen: LockOwner | 'unwritten'): Promise<void> {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another taker was first
    throw err;
  }
  const moved = await readOwner(aside);
  const same = seen === 'unwritten' ? moved === 'unwritten' : moved !== 'unwritten' && moved?.token === seen.token;
  if (!same) await link(aside, file).catch(() => undefined); // a live lock: back, unless a newer one is there
  await rm(aside, { force: true });
}

/** Takes the lock, or returns its live owner. */
export async function tryLock(file: string, purpose: string): Promise<Lock | LockOwner> {
  await mkdir(path.dirname(file), { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex'), purpose, since: new Date().toISOString() };
  let beingWritten = 0;
  for (let attempt = 0; attempt < 25; attempt++) {
    try {
      await writeFile(file, JSON.stringify(owner), { flag: 'wx' });
      return heldLock(file, owner);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = await readOwner(file);
    if (current === undefined) continue; // released meanwhile
    if (current === 'unwritten') {
      const age = await stat(file).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age < UNWRITTEN_GRACE_MS) {
        // Made an instant ago and being written (the exclusive create comes before the write):
        // read it again shortly, so the refusal names its owner.
        if (++beingWritten > 20) return { pid: 0, host: os.hostname(), token: '', purpose: 'reserved', since: new Date().toISOString() };
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
    } else if (!stale(current)) {
      return current;
    }
    await breakStale(file, current);
  }
  throw new Error(`Could not take the lock ${file}: it keeps changing hands.`);
}

/** Whether the lock at `file` is the live one with `token`. */
export async function holdsLock(file: string, token: string): Promise<boolean> {
  return (await lockOwner(file).catch(() => undefined))?.token === token;
}

/** Removes the lock at `file` only while it is still the one with `token`. */
export async function releaseLock(file: string, token: string): Promise<void> {
  if (await holdsLock(file, token)) await rm(file, { force: true });
}

function heldLock(file: string, owner: LockOwner): Lock {
  let released = false;
  return {
    file,
    owner,
    async release() {
      if (released) return;
      released = true;
      await releaseLock(file, owner.token);
    },
  };
}

export function isLock(x: Lock | LockOwner): x is Lock {
  return 'release' in x;
}

/** "process 1234 on this computer" / "process 1234 on host-b": who holds a lock, for messages. */
export function describeOwner(o: LockOwner): string {
  if (o.pid === 0) return 'another program'; // its lock was still being written
  if (o.pid === process.pid && o.host === os.hostname()) return 'this program';
  return o.host === os.hostname() ? `process ${o.pid}` : `process ${o.pid} on ${o.host}`;
}

/** Takes the lock, waiting while a live process holds it (a download another process is making). */
export async function waitForLock(file: string, purpose: string, signal?: AbortSignal, onWait?: (owner: LockOwner) => void): Promise<Lock> {
  for (let waited = false; ; waited = true) {
    const got = await tryLock(file, purpose);
    if (isLock(got)) return got;
    if (!waited) onWait?.(got);
    // No event tells another process's release: look again shortly.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, 250);
      function done() {
        signal?.removeEventListener('abort', abort);
        resolve();
      }
      function abort() {
        clearTimeout(timer);
        reject(signal!.reason ?? new Error('aborted'));
      }
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
    });
  }
}
