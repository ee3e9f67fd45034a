// Keras HDF5 weight files (`model.save_weights('x.h5')`, the files keras.applications downloads),
// read and written with h5wasm so that no Python or native HDF5 is needed.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { readKerasWeights } from './h5-reader.ts';

export interface H5Weight {
  /** As stored, e.g. `conv1_conv/kernel:0`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

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

/**
 * Every layer's weights, in the file's layer order, read on this thread. Use readKerasWeights
 * (h5-reader.ts), which reads in a worker: a damaged file can send HDF5 into an endless loop.
 */
export async function readKerasWeightsInThread(file: string): Promise<Map<string, H5Weight[]>> {
  const h5 = await openFile(file);
  try {
    return readLayers(h5, file);
  } catch (err) {
    throw inFile(file, err);
  } finally {
    h5.close();
  }
}

function readLayers(h5: InstanceType<typeof h5wasm.File>, file: string): Map<string, H5Weight[]> {
  // A whole saved model keeps its weights under model_weights; a weights file at the root.
  const mw = h5.get('model_weights');
  const root = mw instanceof h5wasm.Group ? mw : (h5 as H5Group);
  const layerNames = attrStrings(root, 'layer_names');
  if (!layerNames) throw new Error(`${file} is not a Keras HDF5 weights file (no layer_names attribute)`);
  const out = new Map<string, H5Weight[]>();
  for (const layer of layerNames) {
    const group = root.get(layer);
    if (!(group instanceof h5wasm.Group)) throw new Error(`${file}: layer ${layer} is listed but has no group`);
    const weights = (attrStrings(group, 'weight_names') ?? []).map((name) => {
      const ds = group.get(name);
      if (!(ds instanceof h5wasm.Dataset)) throw new Error(`${file}: weight ${layer}/${name} is listed but missing`);
      return { name, shape: [...(ds as H5Dataset).shape!], values: Float32Array.from((ds as H5Dataset).value as ArrayLike<number>) };
    });
    out.set(layer, weights);
  }
  return out;
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

function orderFor(layer: tf.layers.Layer, stored: H5Weight[], file: string): H5Weight[] {
  const wanted = layer.weights;
  if (stored.length !== wanted.length) {
    throw new Error(`${file}: layer ${layer.name} has ${stored.length} weights in the file but ${wanted.length} in the model`);
  }
  const key = layer instanceof tf.LayersModel ? innerName : shortName;
  const byName = new Map(stored.map((w) => [key(w.name), w]));
  const named = wanted.map((v) => byName.get(key(v.originalName)));
  // Files written by other tools may name weights differently; their order is then the contract.
  const chosen = named.every((w) => w !== undefined) ? (named as H5Weight[]) : stored;
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
 */
export async function loadKerasWeights(model: tf.LayersModel, file: string): Promise<void> {
  const stored = await readKerasWeights(file);
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
  const assignments: [tf.LayerVariable, tf.Tensor][] = [];
  try {
    layers.forEach((layer, i) => {
      const weights = byName ? stored.get(layer.name)! : storedWithWeights[i]![1];
      orderFor(layer, weights, file).forEach((w, k) => assignments.push([layer.weights[k]!, tf.tensor(w.values, w.shape, 'float32')]));
    });
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
export async function readModelConfigInThread(file: string): Promise<{ config?: string; weightsOnly: boolean }> {
  const h5 = await openFile(file);
  try {
    return { config: attrStrings(h5 as H5Group, 'model_config')?.[0], weightsOnly: !!attrStrings(h5 as H5Group, 'layer_names') };
  } catch (err) {
    throw inFile(file, err);
  } finally {
    h5.close();
  }
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
