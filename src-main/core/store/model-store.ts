// Trained models on disk: one folder each, holding the TensorFlow.js model (model.json,
// weights.bin) and classifier-studio.json with what is needed to use it and its story.
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../zoo/catalog.ts';
import type { EpochRecord, Evaluation } from '../training/events.ts';
import { leftoverOf, recoverFolder, replaceFolder, writeFileAtomic } from './atomic.ts';
import { layersModelFiles } from '../models/layers-io.ts';

export const META_FILE = 'classifier-studio.json';

export interface StoredModelMeta {
  name: string;
  network: string;
  labels: string[];
  inputSize: [number, number];
  channels: 1 | 3;
  preprocessing: Preprocessing;
  resize: 'bilinear' | 'area';
  invertLightBackground: boolean;
  dataset: Record<string, unknown>;
  history: EpochRecord[];
  bestEpoch?: number;
  evaluation?: Omit<Evaluation, 'misclassified'> & { misclassified?: Evaluation['misclassified'] };
  status: 'training' | 'complete' | 'cancelled';
  config?: unknown;
  /** The process that wrote status 'training': once it is gone, the run was interrupted. */
  writer?: { pid: number; host: string };
  /** A stopped run whose training thread died while its process (the app) lived on. */
  interrupted?: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a stored model is now: 'interrupted' is a run whose process died (crash, SIGKILL) before it ended. */
export type RunState = StoredModelMeta['status'] | 'interrupted';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runState(meta: StoredModelMeta): RunState {
  if (meta.status === 'cancelled' && meta.interrupted) return 'interrupted';
  if (meta.status !== 'training') return meta.status;
  const w = meta.writer;
  // Another machine's process cannot be checked (a store on a shared drive): trust the status.
  if (w && w.host !== os.hostname()) return 'training';
  return w && alive(w.pid) ? 'training' : 'interrupted';
}

/** Marks a meta written by a running training with this process, so a crash can be told later. */
function stamped(meta: StoredModelMeta): StoredModelMeta {
  if (meta.status !== 'training') return meta;
  const { interrupted: _, ...rest } = meta; // a run going again is no longer interrupted
  return { ...rest, writer: { pid: process.pid, host: os.hostname() } };
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,127}$/u;

export function checkName(name: string): string {
  // A name like "x.old-0a1b2c3d" would be taken for a crash's leftover (atomic.ts).
  if (!NAME.test(name) || name.includes('..') || leftoverOf(name)) {
    throw new Error(`"${name}" cannot be a model name: use letters, digits, spaces, dots, dashes or underscores (at most 128).`);
  }
  return name;
}

export class ModelStore {
  constructor(readonly dir: string) {}

  folderOf(name: string): string {
    return path.join(this.dir, checkName(name));
  }

  async list(): Promise<StoredModelMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const interrupted = new Set(names.flatMap((n) => leftoverOf(n)?.base ?? []));
    for (const base of interrupted) await recoverFolder(path.join(this.dir, base), names);
    const metas: StoredModelMeta[] = [];
    for (const n of interrupted.size ? await readdir(this.dir) : names) {
      if (leftoverOf(n)) continue;
      const meta = await this.read(n).catch(() => undefined);
      if (meta) metas.push(meta);
    }
    return metas.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Puts back a model folder that a crash left moved aside mid-save (see atomic.ts). */
  private async recover(name: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    if (names.some((n) => leftoverOf(n)?.base === name)) await recoverFolder(this.folderOf(name), names);
  }

  async has(name: string): Promise<boolean> {
    try {
      if (!NAME.test(name)) return false;
      await this.recover(name);
      return (await stat(path.join(this.folderOf(name), META_FILE))).isFile();
    } catch {
      return false;
    }
  }

  async get(name: string): Promise<StoredModelMeta> {
    checkName(name);
    await this.recover(name);
    return this.read(name);
  }

  private async read(name: string): Promise<StoredModelMeta> {
    const file = path.join(this.folderOf(name), META_FILE);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as StoredModelMeta;
    } catch (err) {
      throw new Error(`No stored model "${name}" (${(err as Error).message})`);
    }
  }

  /** Model and description replace the old folder in one step. */
  async save(model: tf.LayersModel, meta: StoredModelMeta): Promise<void> {
    const files = await layersModelFiles(model);
    await replaceFolder(this.folderOf(meta.name), { ...files, [META_FILE]: JSON.stringify(stamped(meta), null, 1) });
  }

  async updateMeta(name: string, patch: Partial<StoredModelMeta>): Promise<StoredModelMeta> {
    const meta = stamped({ ...(await this.get(name)), ...patch, name, updatedAt: new Date().toISOString() });
    await writeFileAtomic(path.join(this.folderOf(name), META_FILE), JSON.stringify(meta, null, 1));
    return meta;
  }

  /**
   * A run of this process whose training thread died without ending it (out of memory, killed):
   * it reads as interrupted at once, rather than as training until the app restarts.
   */
  async markInterrupted(name: string): Promise<void> {
    const meta = await this.get(name).catch(() => undefined);
    if (meta?.status !== 'training' || meta.writer?.pid !== process.pid || meta.writer.host !== os.hostname()) return;
    await this.updateMeta(name, { status: 'cancelled', interrupted: true });
  }

  /** A name not yet used: base, base-2, base-3, ... */
  async freeName(base: string): Promise<string> {
    const clean = base.replace(/[^\p{L}\p{N} ._-]/gu, '-').slice(0, 100) || 'model';
    for (let i = 1; ; i++) {
      const name = i === 1 ? clean : `${clean}-${i}`;
      if (!(await this.has(name))) {
        try {
          await stat(this.folderOf(name));
        } catch {
          return name;
        }
      }
    }
  }

  async rename(from: string, to: string): Promise<void> {
    checkName(to);
    if (await this.has(to)) throw new Error(`A model called "${to}" already exists.`);
    await this.get(from);
    await rename(this.folderOf(from), this.folderOf(to));
    await this.updateMeta(to, { name: to });
  }

  async delete(name: string): Promise<void> {
    await this.get(name);
    await rm(this.folderOf(name), { recursive: true, force: true });
  }
}
