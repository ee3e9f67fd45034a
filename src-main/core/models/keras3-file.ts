// Keras 3 `.keras` files: a zip of metadata.json, config.json and model.weights.h5 (layout in
// keras3-config.ts). Written so that keras.saving.load_model opens them; read from untrusted
// files with every size bounded: the archive, each entry, the architecture (config-size.ts) and
// the weights (h5-file.ts). A file saved with its optimizer (model.compile, then save) keeps that
// state under optimizer/ in the weights: it is not read.
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readRegularFile } from '../bounded-read.ts';
import type { H5Group } from './h5-file.ts';
import { sameShape } from './h5-types.ts';
import { loadH5wasm, type H5wasm } from './keras-h5.ts';
import { readKeras3Vars } from './h5-reader.ts';
import { fromKeras3, keras3WeightGroups, toKeras3 } from './keras3-config.ts';
import { buildKerasArchitecture } from './keras-model.ts';
import { looksLikeZip, readZip, writeZip } from './zip.ts';

/** A .keras file's size: 200M float32 weights (MAX_MODEL_PARAMS) and room for the rest. */
export const MAX_KERAS_FILE_BYTES = 1024 ** 3;
const MAX_JSON_BYTES = 64 * 1024 ** 2;
/** The Keras 3 release whose layout the files follow. */
export const KERAS3_VERSION = '3.6.0';
/** Where our description of the model (labels, preprocessing) goes in metadata.json; Keras ignores it. */
export const STUDIO_KEY = 'classifier_studio';

export const CONFIG_ENTRY = 'config.json';
export const METADATA_ENTRY = 'metadata.json';
export const WEIGHTS_ENTRY = 'model.weights.h5';

/** Runs `job` with a fresh private folder, removed afterwards: h5wasm reads and writes files by path. */
async function withTempDir<T>(job: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-keras-'));
  try {
    return await job(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function groupAt(h5wasm: H5wasm, root: H5Group, parts: string[]): H5Group {
  let g = root;
  for (const part of parts) {
    const existing = g.get(part);
    g = existing instanceof h5wasm.Group ? existing : g.create_group(part);
  }
  return g;
}

/** model.weights.h5 as Keras 3 writes it: layers/<class>[_k]/vars/<i>, each vars group naming its layer. */
export async function keras3WeightsFile(model: tf.LayersModel): Promise<Buffer> {
  const h5wasm = await loadH5wasm();
  return withTempDir(async (dir) => {
    const file = path.join(dir, WEIGHTS_ENTRY);
    const h5 = new h5wasm.File(file, 'w');
    try {
      for (const { group, layer } of keras3WeightGroups(model)) {
        const vars = groupAt(h5wasm, h5 as H5Group, [...group.split('/'), 'vars']);
        vars.create_attribute('name', layer.name);
        layer.weights.forEach((v, i) => vars.create_dataset({ name: String(i), data: v.read().dataSync() as Float32Array, shape: v.shape as number[], dtype: '<f' }));
      }
    } finally {
      h5.close();
    }
    return readFile(file);
  });
}

/** The bytes of a .keras file of `model`; `studio` (labels, preprocessing...) goes into metadata.json. */
export async function keras3Archive(model: tf.LayersModel, studio: object): Promise<Buffer> {
  const metadata = { keras_version: KERAS3_VERSION, date_saved: new Date().toISOString().slice(0, 19).replace('T', '@'), [STUDIO_KEY]: studio };
  return writeZip([
    [METADATA_ENTRY, Buffer.from(JSON.stringify(metadata))],
    [CONFIG_ENTRY, Buffer.from(JSON.stringify(toKeras3(model)))],
    [WEIGHTS_ENTRY, await keras3WeightsFile(model)],
  ]);
}

/** Whether the file starts like a zip archive (a .keras file), read from its first bytes only. */
export async function isZipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return looksLikeZip(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

function parseJson(data: Buffer, file: string, entry: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new Error(`${file}: ${entry} is not valid JSON (${(err as Error).message})`);
  }
}

/** A .keras file's model, and the description metadata.json carries (ours, when we wrote it). */
export async function loadKeras3Model(file: string): Promise<{ model: tf.LayersModel; studio?: unknown; kerasVersion?: string }> {
  const bytes = await readRegularFile(file, MAX_KERAS_FILE_BYTES, '.keras file');
  const entries = readZip(bytes, file, { maxEntries: 10_000, maxEntryBytes: MAX_KERAS_FILE_BYTES });
  const entry = (name: string, max: number) => {
    const e = entries.get(name);
    if (!e) return undefined;
    if (e.size > max) throw new Error(`${file}: ${name} declares ${e.size} bytes, over the limit of ${max}`);
    return e.read();
  };
  const configBytes = entry(CONFIG_ENTRY, MAX_JSON_BYTES);
  if (!configBytes) throw new Error(`${file} is a zip archive but not a Keras 3 model: it has no ${CONFIG_ENTRY}.`);
  const metaBytes = entry(METADATA_ENTRY, MAX_JSON_BYTES);
  const meta = metaBytes ? (parseJson(metaBytes, file, METADATA_ENTRY) as Record<string, unknown>) : {};
  const weights = entry(WEIGHTS_ENTRY, MAX_KERAS_FILE_BYTES);
  if (!weights) {
    const npz = entries.has('model.weights.npz') ? ' (its weights are in model.weights.npz, which is not supported: save with the default .h5 weights)' : '';
    throw new Error(`${file}: no ${WEIGHTS_ENTRY} in the archive${npz}.`);
  }
  const config = fromKeras3(parseJson(configBytes, file, CONFIG_ENTRY), file);
  const model = await buildKerasArchitecture(config, file);
  try {
    const vars = await withTempDir(async (dir) => {
      const h5 = path.join(dir, WEIGHTS_ENTRY);
      await writeFile(h5, weights);
      return readKeras3Vars(h5).catch((err: Error) => {
        throw new Error(err.message.split(h5).join(`${file} (${WEIGHTS_ENTRY})`));
      });
    });
    assignVars(model, vars, file);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const kerasVersion = typeof meta.keras_version === 'string' ? meta.keras_version : undefined;
  return { model, studio: meta[STUDIO_KEY], kerasVersion };
}

/** Every layer with weights gets its group's variables, all checked before any is written. */
function assignVars(model: tf.LayersModel, vars: Map<string, { shape: number[]; values: Float32Array }[]>, file: string): void {
  const plan: [tf.LayerVariable, { shape: number[]; values: Float32Array }][] = [];
  for (const { group, layer } of keras3WeightGroups(model)) {
    const stored = vars.get(group);
    if (!stored) throw new Error(`${file}: no weights for layer ${layer.name} (${group}/vars in ${WEIGHTS_ENTRY})`);
    if (stored.length !== layer.weights.length) throw new Error(`${file}: layer ${layer.name} has ${stored.length} weights in the file but ${layer.weights.length} in the model`);
    layer.weights.forEach((v, i) => {
      const w = stored[i]!;
      if (!sameShape(w.shape, v.shape as number[]))
        throw new Error(`${file}: weight ${group}/vars/${i} of layer ${layer.name} has shape [${w.shape}] but the model expects [${v.shape}]`);
      plan.push([v, w]);
    });
  }
  for (const [v, w] of plan) {
    const t = tf.tensor(w.values, w.shape, 'float32');
    v.write(t);
    t.dispose();
  }
}
