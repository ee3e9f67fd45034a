// HDF5 files are read in a worker thread: h5wasm runs synchronously, and a damaged file can send
// it into a loop that would freeze whatever thread called it, or abort the thread. A worker that
// takes too long is ended, and either way the read fails with an error that names the file.
import path from 'node:path';
import { startWorker, workerClient, workerEntry } from '../threads.ts';
import type { H5Weight, H5WeightInfo, WantedWeight } from './h5-types.ts';
import { CodedError } from '../../shared/errors.ts';

export type H5Request = { id: number; op: 'weights' | 'vars' | 'config' | 'shapes'; file: string } | { id: number; op: 'wanted'; file: string; wanted: WantedWeight[] };

const DEFAULT_TIMEOUT_MS = 120_000;
// unref: an idle reader must not keep the CLI alive.
const reader = workerClient(() => startWorker(workerEntry('./h5.worker.ts', import.meta.url), {}), { unref: true });

function ask<T>(op: H5Request['op'], file: string, timeoutMs = DEFAULT_TIMEOUT_MS, extra: object = {}): Promise<T> {
  return reader.ask<T>(
    { op, file, ...extra },
    { timeoutMs, failure: (why) => new CodedError('h5-reader-failed', `${file}: the HDF5 reader ${why}; the file is probably damaged.`, { file: path.basename(file) }) },
  );
}

/** Every layer's weights of a Keras HDF5 file, in the file's layer order. */
export async function readKerasWeights(file: string, opts: { timeoutMs?: number } = {}): Promise<Map<string, H5Weight[]>> {
  return new Map(await ask<[string, H5Weight[]][]>('weights', file, opts.timeoutMs));
}

/** The names and shapes of every layer's weights, no data read: what a model is matched against first. */
export async function readKerasWeightShapes(file: string, opts: { timeoutMs?: number } = {}): Promise<Map<string, H5WeightInfo[]>> {
  return new Map(await ask<[string, H5WeightInfo[]][]>('shapes', file, opts.timeoutMs));
}

/** The data of the given weights only, each checked to have the shape given before it is read. */
export function readWantedWeights(file: string, wanted: WantedWeight[], opts: { timeoutMs?: number } = {}): Promise<Float32Array[]> {
  return ask('wanted', file, opts.timeoutMs, { wanted });
}

/** The model_config of a whole saved Keras model, and whether the file is a weights-only one. */
export function readModelConfig(file: string, opts: { timeoutMs?: number } = {}): Promise<{ config?: string; weightsOnly: boolean; studio?: string }> {
  return ask('config', file, opts.timeoutMs);
}

/** The variables of a Keras 3 weights file (model.weights.h5), by the path of their layer. */
export async function readKeras3Vars(file: string, opts: { timeoutMs?: number } = {}): Promise<Map<string, H5Weight[]>> {
  return new Map(await ask<[string, H5Weight[]][]>('vars', file, opts.timeoutMs));
}
