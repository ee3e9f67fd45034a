// Keras HDF5 files as data: the weights' names, shapes and values, and a saved model's config,
// read with h5wasm and nothing else, so that the reader thread (h5.worker.ts) loads no TensorFlow.js.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { MAX_MODEL_PARAMS } from './config-size.ts';
import { sameShape, type H5Weight, type H5WeightInfo, type WantedWeight } from './h5-types.ts';

export type H5Group = InstanceType<typeof h5wasm.Group>;
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
    out.set(
      layer,
      (attrStrings(group, 'weight_names') ?? []).map((name) => ({ name, shape: shapeOf(dataset(root, layer, name, file)) })),
    );
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

/** The model_config attribute of a whole saved model (on this thread; see readKerasWeightsInThread). */
export function readModelConfigInThread(file: string): Promise<{ config?: string; weightsOnly: boolean; studio?: string }> {
  return withFile(file, (h5) => ({
    config: attrStrings(h5 as H5Group, 'model_config')?.[0],
    weightsOnly: !!attrStrings(h5 as H5Group, 'layer_names'),
    studio: attrStrings(h5 as H5Group, 'classifier_studio')?.[0],
  }));
}

/** How deep a Keras 3 weights file's groups may nest (layers/functional/layers/conv2d/vars is 5). */
const MAX_DEPTH = 32;

/**
 * The variables of a Keras 3 model.weights.h5 (inside a .keras file): every `vars` group under
 * `layers/`, by its path, its datasets `0`, `1`, ... in order. An optimizer's state
 * (`optimizer/vars`) and anything else outside `layers/` is left unread. Shapes are summed before
 * any data is read, as readLayers does.
 */
export function readKeras3VarsInThread(file: string): Promise<Map<string, H5Weight[]>> {
  return withFile(file, (h5) => {
    const found: { path: string; vars: H5Group }[] = [];
    const walk = (group: H5Group, at: string, depth: number) => {
      if (depth > MAX_DEPTH) throw new Error(`${file}: groups nest deeper than ${MAX_DEPTH} levels`);
      for (const key of group.keys()) {
        const child = group.get(key);
        if (!(child instanceof h5wasm.Group)) continue;
        if (key === 'vars') found.push({ path: at, vars: child });
        else walk(child, `${at}/${key}`, depth + 1);
      }
    };
    const layers = h5.get('layers');
    if (layers instanceof h5wasm.Group) walk(layers, 'layers', 1);
    const infos = found.map(({ path: p, vars }) => {
      const names = vars
        .keys()
        .filter((k) => /^\d+$/.test(k))
        .sort((a, b) => Number(a) - Number(b));
      names.forEach((n, i) => {
        if (Number(n) !== i) throw new Error(`${file}: ${p}/vars has variable ${n} but not ${i}`);
      });
      const datasets = names.map((n) => {
        const ds = vars.get(n);
        if (!(ds instanceof h5wasm.Dataset)) throw new Error(`${file}: ${p}/vars/${n} is not a dataset`);
        return ds;
      });
      return { path: p, datasets };
    });
    const total = infos.flatMap((i) => i.datasets).reduce((n, ds) => n + shapeOf(ds).reduce((a, b) => a * b, 1), 0);
    if (total > MAX_MODEL_PARAMS) {
      throw new Error(`${file} declares ${total.toLocaleString('en')} weight values, over the limit of ${MAX_MODEL_PARAMS.toLocaleString('en')}; nothing was read.`);
    }
    return new Map(
      infos.map(({ path: p, datasets }) => [p, datasets.map((ds, i) => ({ name: String(i), shape: shapeOf(ds), values: Float32Array.from(ds.value as ArrayLike<number>) }))]),
    );
  });
}
