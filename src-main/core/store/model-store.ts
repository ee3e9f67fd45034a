// Trained models on disk: one folder each, holding the TensorFlow.js model (model.json,
// weights.bin) and classifier-studio.json with what is needed to use it and its story.
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../models/preprocessing.ts';
import type { PhotoFit } from '../../shared/vocabulary.ts';
import type { EpochRecord, Evaluation } from '../../shared/train-events.ts';
import { leftoverOf, recoverFolder, replaceFolder, writeFileAtomic } from './atomic.ts';
import { describeOwner, holdsLock, isLock, processAlive, releaseLock, tryLock } from './lock-file.ts';
import { layersModelFiles } from '../models/layers-io.ts';
import { CodedError } from '../../shared/errors.ts';
import { modelNameProblem, modelNameProblemCode, nameRefused } from '../../shared/model-names.ts';

export const META_FILE = 'classifier-studio.json';

export interface StoredModelMeta {
  name: string;
  network: string;
  labels: string[];
  inputSize: [number, number];
  channels: 1 | 3;
  preprocessing: Preprocessing;
  resize: 'bilinear' | 'area';
  /** How photos were fitted to the input in training; absent in models stored before it was kept (then 'squash'). */
  fit?: PhotoFit;
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

export function runState(meta: StoredModelMeta): RunState {
  if (meta.status === 'cancelled' && meta.interrupted) return 'interrupted';
  if (meta.status !== 'training') return meta.status;
  const w = meta.writer;
  // Another machine's process cannot be checked (a store on a shared drive): trust the status.
  if (w && w.host !== os.hostname()) return 'training';
  return w && processAlive(w.pid) ? 'training' : 'interrupted';
}

/** Marks a meta written by a running training with this process, so a crash can be told later. */
function stamped(meta: StoredModelMeta): StoredModelMeta {
  if (meta.status !== 'training') return meta;
  const { interrupted: _, ...rest } = meta; // a run going again is no longer interrupted
  return { ...rest, writer: { pid: process.pid, host: os.hostname() } };
}

export function checkName(name: string): string {
  const problem = modelNameProblemCode(name);
  if (problem) throw nameRefused('model', name, problem);
  return name;
}

/** A name held by one writer (a run, a rename, a delete, an import) across processes. Plain data, so a worker thread can carry it. */
export interface Reservation {
  readonly name: string;
  readonly token: string;
}

/** What `reserve` does about a model already stored under the name. */
export type IfStored = 'refuse' | 'replace' | 'require';

/** Reservations live beside the models, under a name no model can have (it starts with a dot). */
const RESERVED = '.reserved';

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
      if (leftoverOf(n) || n.startsWith('.')) continue;
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
      if (modelNameProblem(name)) return false;
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
      throw new CodedError('model-missing', `No stored model "${name}" (${(err as Error).message})`, { name });
    }
  }

  /**
   * Holds `name` until released: no other run, rename, delete or import (in any process) can
   * write it meanwhile. `ifStored` says what to do about a model already stored under it.
   */
  async reserve(name: string, purpose: string, ifStored: IfStored): Promise<Reservation> {
    const got = await tryLock(this.reservationFile(name), purpose);
    if (!isLock(got)) {
      throw new CodedError('model-busy', `The model "${name}" is being ${got.purpose} by ${describeOwner(got)}; wait until that ends, or stop it first.`, {
        name,
        purpose: got.purpose,
      });
    }
    const held = { name, token: got.owner.token };
    const stored = await this.has(name);
    if (ifStored === 'refuse' && stored) {
      await got.release();
      throw new CodedError('model-exists', `A model called "${name}" already exists: choose another name, or ask to overwrite it (--overwrite).`, { name });
    }
    if (ifStored === 'require' && !stored) {
      await got.release();
      throw new CodedError('model-missing', `No stored model "${name}".`, { name });
    }
    return held;
  }

  /** Reserves the first free name of base, base-2, base-3, ...: two runs started together get two names. */
  async reserveFree(base: string, purpose: string): Promise<Reservation> {
    const clean =
      base
        .replace(/[^\p{L}\p{N} ._-]/gu, '-')
        .replace(/^[^\p{L}\p{N}]+|[. ]+$/gu, '')
        .slice(0, 100) || 'model';
    for (let i = 1; ; i++) {
      const name = i === 1 ? clean : `${clean}-${i}`;
      if (modelNameProblem(name) || (await this.has(name)) || (await this.folderExists(name))) continue;
      try {
        return await this.reserve(name, purpose, 'refuse');
      } catch (err) {
        if (!(err instanceof CodedError)) throw err; // busy or just made by another process: the next name
      }
    }
  }

  /** The name a new model goes under: the one asked for (refused if stored, unless `overwrite`), else a free one made from `base`. */
  reserveNew(name: string | undefined, base: string, overwrite: boolean, purpose: string): Promise<Reservation> {
    return name === undefined ? this.reserveFree(base, purpose) : this.reserve(checkName(name), purpose, overwrite ? 'replace' : 'refuse');
  }

  release(r: Reservation): Promise<void> {
    return releaseLock(this.reservationFile(r.name), r.token);
  }

  /** Runs `job` holding the name; released however it ends. */
  withReservation<T>(name: string, purpose: string, ifStored: IfStored, job: (r: Reservation) => Promise<T>): Promise<T> {
    return this.underReservation(undefined, () => this.reserve(name, purpose, ifStored), job);
  }

  /** Runs `job` under the caller's reservation when it made one (the service, before a thread), else under one `reserve` makes for it. */
  async underReservation<T>(given: Reservation | undefined, reserve: () => Promise<Reservation>, job: (r: Reservation) => Promise<T>): Promise<T> {
    if (given) return job(given);
    const r = await reserve();
    try {
      return await job(r);
    } finally {
      await this.release(r);
    }
  }

  private reservationFile(name: string): string {
    return path.join(this.dir, RESERVED, checkName(name));
  }

  private async folderExists(name: string): Promise<boolean> {
    return stat(this.folderOf(name)).then(
      () => true,
      () => false,
    );
  }

  /** A write by a holder that lost its reservation (it cannot while it lives) must not land. */
  private async checkHeld(r: Reservation): Promise<void> {
    if (!(await holdsLock(this.reservationFile(r.name), r.token))) {
      throw new CodedError('model-reservation-lost', `The model "${r.name}" is no longer reserved for this run; nothing was written.`, { name: r.name });
    }
  }

  /** Model and description replace the old folder in one step, by the holder of the name. */
  async save(model: tf.LayersModel, meta: StoredModelMeta, held: Reservation): Promise<void> {
    if (held.name !== meta.name) throw new Error(`Saving "${meta.name}" under the reservation of "${held.name}".`);
    await this.checkHeld(held);
    const files = await layersModelFiles(model);
    await replaceFolder(this.folderOf(meta.name), { ...files, [META_FILE]: JSON.stringify(stamped(meta), null, 1) });
  }

  async updateMeta(held: Reservation, patch: Partial<StoredModelMeta>): Promise<StoredModelMeta> {
    await this.checkHeld(held);
    return this.writeMeta(held.name, patch);
  }

  private async writeMeta(name: string, patch: Partial<StoredModelMeta>): Promise<StoredModelMeta> {
    const meta = stamped({ ...(await this.get(name)), ...patch, name, updatedAt: new Date().toISOString() });
    await writeFileAtomic(path.join(this.folderOf(name), META_FILE), JSON.stringify(meta, null, 1));
    return meta;
  }

  /**
   * A run of this process whose training thread died without ending it (out of memory, killed):
   * it reads as interrupted at once, rather than as training until the app restarts.
   */
  async markInterrupted(held: Reservation): Promise<void> {
    const meta = await this.get(held.name).catch(() => undefined);
    if (meta?.status !== 'training' || meta.writer?.pid !== process.pid || meta.writer.host !== os.hostname()) return;
    await this.updateMeta(held, { status: 'cancelled', interrupted: true });
  }

  /** Refused while anything (a training run) holds either name, and if `to` is taken. */
  async rename(from: string, to: string): Promise<void> {
    checkName(to);
    await this.withReservation(from, 'renamed', 'require', () =>
      this.withReservation(to, 'renamed', 'refuse', async () => {
        await rename(this.folderOf(from), this.folderOf(to));
        await this.writeMeta(to, { name: to });
      }),
    );
  }

  /** Refused while the model is training (or being renamed). */
  async delete(name: string): Promise<void> {
    await this.withReservation(name, 'deleted', 'require', async () => {
      await rm(this.folderOf(name), { recursive: true, force: true });
    });
  }
}
