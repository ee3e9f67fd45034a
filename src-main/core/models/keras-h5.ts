// Keras HDF5 weight files (`model.save_weights('x.h5')`, the files keras.applications downloads),
// read and written with h5wasm so that no Python or native HDF5 is needed.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { MAX_MODEL_PARAMS } from './config-size.ts';
import { readKerasWeightShapes, readWantedWeights } from './h5-reader.ts';
import type { H5Weight, H5WeightInfo, WantedWeight } from './h5-types.ts';

export type { H5Weight, H5WeightInfo, WantedWeight };

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function checkSignature(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new Error(`Cannot read the weights file ${file}: ${(err as Error).message}`);
  }
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    // HDF5 may put a user block before the superblock, but Keras never does.
    if (bytesRead < 8 || !head.equals(HDF5_SIGNATURE)) {
      const size = (await stat(file)).size;
      throw new Error(`${file} is not a Keras HDF5 weights file (${size} bytes, no HDF5 signature)`);
    }
  } finally {
    await handle.close();
  }
}

function strings(value: unknown): string[] {
  if (value == null) return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : Array.from(value as ArrayLike<unknown>);
  return list.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v)).replace(/\0+$/, ''));
}

function attrStrings(group: H5Group, name: string): string[] | undefined {
  const attr = group.attrs[name];
  return attr ? strings(attr.value) : undefined;
}

async function openFile(file: string): Promise<InstanceType<typeof h5wasm.File>> {
  await checkSignature(file);
  await h5wasm.ready;
  try {
    return new h5wasm.File(path.resolve(file), 'r');
  } catch (err) {
    throw new Error(`${file} could not be opened as HDF5: ${(err as Error).message}`);
  }
}

/** An error that names the file: h5wasm's own messages ("name not defined!") do not. */
function inFile(file: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.includes(file) ? (err as Error) : new Error(`${file} is damaged or not a Keras HDF5 file (${msg})`);
}

/** Runs `read` on the open file; errors name it. */
async function withFile<T>(file: string, read: (h5: InstanceType<typeof h5wasm.File>) => T): Promise<T> {
  const h5 = await openFile(file);
  try {
    return read(h5);
  } catch (err) {
    throw inFile(file, err);
  } finally {
    h5.close();
  }
}

/**
 * Every layer's weights, in the file's layer order, read on this thread. Use readKerasWeights
 * (h5-reader.ts), which reads in a worker: a damaged file can send HDF5 into an endless loop.
 */
export function readKerasWeightsInThread(file: string): Promise<Map<string, H5Weight[]>> {
  return withFile(file, (h5) => readLayers(h5, file));
}

/** The names and shapes of every layer's weights, without reading any data (in the worker: readKerasWeightShapes). */
export function readKerasWeightShapesInThread(file: string): Promise<Map<string, H5WeightInfo[]>> {
  return withFile(file, (h5) => readShapes(h5, file));
}

/** The data of the weights a model asked for, in its order (in the worker: readWantedWeights). */
export function readWantedWeightsInThread(file: string, wanted: WantedWeight[]): Promise<Float32Array[]> {
  return withFile(file, (h5) => {
    const root = weightsRoot(h5, file).root;
    return wanted.map((w) => {
      const ds = dataset(root, w.layer, w.name, file);
      const shape = shapeOf(ds);
      if (!sameShape(shape, w.shape)) throw new Error(`${file}: weight ${w.layer}/${w.name} has shape [${shape}] but the model expects [${w.shape}]`);
      return Float32Array.from(ds.value as ArrayLike<number>);
    });
  });
}

// A whole saved model keeps its weights under model_weights; a weights file at the root.
function weightsRoot(h5: InstanceType<typeof h5wasm.File>, file: string): { root: H5Group; layerNames: string[] } {
  const mw = h5.get('model_weights');
  const root = mw instanceof h5wasm.Group ? mw : (h5 as H5Group);
  const layerNames = attrStrings(root, 'layer_names');
  if (!layerNames) throw new Error(`${file} is not a Keras HDF5 weights file (no layer_names attribute)`);
  return { root, layerNames };
}

function dataset(root: H5Group, layer: string, name: string, file: string): H5Dataset {
  const group = root.get(layer);
  if (!(group instanceof h5wasm.Group)) throw new Error(`${file}: layer ${layer} is listed but has no group`);
  const ds = group.get(name);
  if (!(ds instanceof h5wasm.Dataset)) throw new Error(`${file}: weight ${layer}/${name} is listed but missing`);
  return ds;
}

const shapeOf = (ds: H5Dataset) => [...(ds.shape ?? [])].map(Number);

function readShapes(h5: InstanceType<typeof h5wasm.File>, file: string): Map<string, H5WeightInfo[]> {
  const { root, layerNames } = weightsRoot(h5, file);
  const out = new Map<string, H5WeightInfo[]>();
  for (const layer of layerNames) {
    const group = root.get(layer);
    if (!(group instanceof h5wasm.Group)) throw new Error(`${file}: layer ${layer} is listed but has no group`);
    out.set(layer, (attrStrings(group, 'weight_names') ?? []).map((name) => ({ name, shape: shapeOf(dataset(root, layer, name, file)) })));
  }
  return out;
}

// Every weight, for tools that read a file without a model: the shapes first, so that a file
// declaring billions of values (a sparse file takes no disk for them) is refused unread.
function readLayers(h5: InstanceType<typeof h5wasm.File>, file: string): Map<string, H5Weight[]> {
  const shapes = readShapes(h5, file);
  const total = [...shapes.values()].flat().reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  if (total > MAX_MODEL_PARAMS) {
    throw new Error(`${file} declares ${total.toLocaleString('en')} weight values, over the limit of ${MAX_MODEL_PARAMS.toLocaleString('en')}; nothing was read.`);
  }
  const root = weightsRoot(h5, file).root;
  return new Map(
    [...shapes].map(([layer, infos]) => [layer, infos.map((w) => ({ ...w, values: Float32Array.from(dataset(root, layer, w.name, file).value as ArrayLike<number>) }))]),
  );
}

/** `conv1_bn/moving_mean:0` → `moving_mean`; tfjs names its variables the same way. */
function shortName(name: string): string {
  return name.split('/').pop()!.replace(/:\d+$/, '').replace(/_\d+$/, '');
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** `block1_conv/kernel:0` → `block1_conv/kernel`: a nested model's weights are told apart by their inner layer too. */
function innerName(name: string): string {
  const parts = name.replace(/:\d+$/, '').split('/');
  return `${parts.at(-2) ?? ''}/${parts.at(-1)!.replace(/_\d+$/, '')}`;
}

function orderFor(layer: tf.layers.Layer, stored: H5WeightInfo[], file: string): H5WeightInfo[] {
  const wanted = layer.weights;
  if (stored.length !== wanted.length) {
    throw new Error(`${file}: layer ${layer.name} has ${stored.length} weights in the file but ${wanted.length} in the model`);
  }
  const key = layer instanceof tf.LayersModel ? innerName : shortName;
  const byName = new Map(stored.map((w) => [key(w.name), w]));
  const named = wanted.map((v) => byName.get(key(v.originalName)));
  // Files written by other tools may name weights differently; their order is then the contract.
  const chosen = named.every((w) => w !== undefined) ? (named as H5WeightInfo[]) : stored;
  chosen.forEach((w, i) => {
    const expected = wanted[i]!.shape as number[];
    if (!sameShape(w.shape, expected)) {
      throw new Error(`${file}: weight ${w.name} of layer ${layer.name} has shape [${w.shape}] but the model expects [${expected}]`);
    }
  });
  return chosen;
}

/**
 * Loads weights by layer name (as Keras `load_weights(by_name=True)`), or by layer order when the
 * file's names do not match the model's at all. Every model layer with weights must be filled.
 * The file's shapes are matched against the model before any weight data is read, and only the
 * weights the model takes are read.
 */
export async function loadKerasWeights(model: tf.LayersModel, file: string): Promise<void> {
  const stored = await readKerasWeightShapes(file);
  const layers = model.layers.filter((l) => l.weights.length > 0);
  const storedWithWeights = [...stored.entries()].filter(([, w]) => w.length > 0);
  const byName = layers.every((l) => stored.has(l.name));
  if (!byName && storedWithWeights.length !== layers.length) {
    const missing = layers.filter((l) => !stored.has(l.name)).map((l) => l.name);
    throw new Error(
      `${file} does not match the model ${model.name}: layer ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''} not in the file ` +
        `(the file has ${storedWithWeights.length} layers with weights, the model ${layers.length})`,
    );
  }
  const plan: { variable: tf.LayerVariable; wanted: WantedWeight }[] = [];
  layers.forEach((layer, i) => {
    const [fileLayer, weights] = byName ? [layer.name, stored.get(layer.name)!] : storedWithWeights[i]!;
    orderFor(layer, weights, file).forEach((w, k) => plan.push({ variable: layer.weights[k]!, wanted: { layer: fileLayer, name: w.name, shape: w.shape } }));
  });
  const values = await readWantedWeights(file, plan.map((p) => p.wanted));
  const assignments: [tf.LayerVariable, tf.Tensor][] = [];
  try {
    plan.forEach((p, k) => assignments.push([p.variable, tf.tensor(values[k]!, p.wanted.shape, 'float32')]));
    // Only write once everything matched, so a bad file leaves the model as it was.
    for (const [variable, value] of assignments) variable.write(value);
  } finally {
    for (const [, t] of assignments) t.dispose();
  }
}

/** The model with the file's weights; on failure the model is disposed and the error names the file. */
export async function withKerasWeights<M extends tf.LayersModel>(model: M, file: string): Promise<M> {
  try {
    await loadKerasWeights(model, file);
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** The model_config attribute of a whole saved model (on this thread; see readKerasWeightsInThread). */
export function readModelConfigInThread(file: string): Promise<{ config?: string; weightsOnly: boolean }> {
  return withFile(file, (h5) => ({ config: attrStrings(h5 as H5Group, 'model_config')?.[0], weightsOnly: !!attrStrings(h5 as H5Group, 'layer_names') }));
}

export interface WriteOptions {
  /** Values to write instead of the model's own, by the variable's original name. */
  values?: Map<string, Float32Array>;
}

/** Writes weights in the Keras layout: `<layer>/<layer>/<weight>:0` with layer_names and weight_names attributes. */
export async function writeKerasWeights(model: tf.LayersModel, file: string, opts: WriteOptions = {}): Promise<void> {
  await h5wasm.ready;
  const h5 = new h5wasm.File(path.resolve(file), 'w');
  try {
    writeLayerGroups(h5 as H5Group, model, opts);
  } finally {
    h5.close();
  }
}

/**
 * A whole model as Keras `model.save('x.h5')` writes it: the architecture as JSON in the
 * model_config attribute, the weights under model_weights. `config` defaults to the model's own
 * Keras-format JSON; tests pass what Keras itself would write.
 */
export async function writeKerasModel(model: tf.LayersModel, file: string, config?: unknown): Promise<void> {
  await h5wasm.ready;
  const h5 = new h5wasm.File(path.resolve(file), 'w');
  try {
    h5.create_attribute('model_config', JSON.stringify(config ?? model.toJSON(null, false)));
    h5.create_attribute('keras_version', '2.12.0');
    h5.create_attribute('backend', 'tensorflow');
    writeLayerGroups(h5.create_group('model_weights'), model, {});
  } finally {
    h5.close();
  }
}

function writeLayerGroups(root: H5Group, model: tf.LayersModel, opts: WriteOptions): void {
  root.create_attribute('layer_names', model.layers.map((l) => l.name));
  root.create_attribute('backend', 'tensorflow');
  root.create_attribute('keras_version', '2.2.4');
  for (const layer of model.layers) {
    const group = root.create_group(layer.name);
    // A nested model (an application backbone) keeps each weight under its inner layer's name.
    const names = layer.weights.map((v) => (layer instanceof tf.LayersModel ? `${innerName(v.originalName)}:0` : `${layer.name}/${shortName(v.originalName)}:0`));
    // h5wasm cannot store an empty string list; Keras's own readers accept a missing attribute.
    if (names.length > 0) group.create_attribute('weight_names', names);
    layer.weights.forEach((v, i) => {
      const data = opts.values?.get(v.originalName) ?? (v.read().dataSync() as Float32Array);
      // h5wasm does not create intermediate groups, and reports failures only on stderr.
      const parts = names[i]!.split('/');
      let parent = group;
      for (const part of parts.slice(0, -1)) {
        const existing = parent.get(part);
        parent = existing instanceof h5wasm.Group ? existing : parent.create_group(part);
      }
      parent.create_dataset({ name: parts.at(-1)!, data, shape: v.shape as number[], dtype: '<f' });
    });
  }
}
