// Keras HDF5 weight files (`model.save_weights('x.h5')`, the files keras.applications downloads)
// matched to a TensorFlow.js model, and written, with h5wasm so that no Python or native HDF5 is
// needed. Reading the file is h5-file.ts, in the reader thread (h5-reader.ts).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { H5Group } from './h5-file.ts';
import { readKerasWeightShapes, readWantedWeights } from './h5-reader.ts';
import { sameShape, type H5Weight, type H5WeightInfo, type WantedWeight } from './h5-types.ts';

export type { H5Weight, H5WeightInfo, WantedWeight };

/** `conv1_bn/moving_mean:0` → `moving_mean`; tfjs names its variables the same way. */
function shortName(name: string): string {
  return name.split('/').pop()!.replace(/:\d+$/, '').replace(/_\d+$/, '');
}

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
  const values = await readWantedWeights(
    file,
    plan.map((p) => p.wanted),
  );
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

export type H5wasm = typeof import('h5wasm/node').default;

// Imported on first write only: compiling h5wasm takes about 2 s, which every command and the
// app's recognition thread would otherwise pay at start-up (reading runs in h5.worker.ts).
export async function loadH5wasm(): Promise<H5wasm> {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  return h5wasm;
}

export interface WriteOptions {
  /** Values to write instead of the model's own, by the variable's original name. */
  values?: Map<string, Float32Array>;
}

/** Writes weights in the Keras layout: `<layer>/<layer>/<weight>:0` with layer_names and weight_names attributes. */
export async function writeKerasWeights(model: tf.LayersModel, file: string, opts: WriteOptions = {}): Promise<void> {
  const h5wasm = await loadH5wasm();
  const h5 = new h5wasm.File(path.resolve(file), 'w');
  try {
    writeLayerGroups(h5wasm, h5 as H5Group, model, opts);
  } finally {
    h5.close();
  }
}

/**
 * A whole model as Keras `model.save('x.h5')` writes it: the architecture as JSON in the
 * model_config attribute, the weights under model_weights. `config` defaults to the model's own
 * Keras-format JSON; tests pass what Keras itself would write.
 */
export async function writeKerasModel(model: tf.LayersModel, file: string, config?: unknown, studio?: object): Promise<void> {
  const h5wasm = await loadH5wasm();
  const h5 = new h5wasm.File(path.resolve(file), 'w');
  try {
    const { class_name, config: inner } = (config ?? model.toJSON(null, false)) as { class_name: string; config: unknown };
    // Keras 2 names a functional model's class Functional; TensorFlow.js says Model (Keras 2 reads both).
    h5.create_attribute('model_config', JSON.stringify({ class_name: class_name === 'Model' ? 'Functional' : class_name, config: inner }));
    h5.create_attribute('keras_version', '2.12.0');
    h5.create_attribute('backend', 'tensorflow');
    // Our description of the model (labels, preprocessing): an attribute Keras does not read.
    if (studio) h5.create_attribute('classifier_studio', JSON.stringify(studio));
    writeLayerGroups(h5wasm, h5.create_group('model_weights'), model, {});
  } finally {
    h5.close();
  }
}

function writeLayerGroups(h5wasm: H5wasm, root: H5Group, model: tf.LayersModel, opts: WriteOptions): void {
  root.create_attribute(
    'layer_names',
    model.layers.map((l) => l.name),
  );
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
