// The architecture of a Keras 3 `.keras` file (config.json) and where its weights go in
// model.weights.h5, from and to the Keras 2 form that TensorFlow.js reads and writes. Facts from
// Keras 3's saving_lib.py, serialization_lib.py and models/functional.py:
// - every object is {module, class_name, config, registered_name}, layers with a build_config;
//   a Functional model's layers also carry name and inbound_nodes, each node
//   {args, kwargs} with the inputs as {class_name: '__keras_tensor__', config: {shape, dtype,
//   keras_history: [layer, node, tensor]}} (a merge layer takes them as one list argument);
// - InputLayer takes batch_shape (Keras 2: batch_input_shape); a Sequential lists its InputLayer
//   first; dtypes are DTypePolicy objects;
// - weights live at layers/<snake_case class name>[_k]/vars/<i> (k counting layers of the same
//   class in model.layers order, a nested model's under its own path), in each layer's variable
//   order; a Sequential's layers leave out its InputLayer, a Functional's include theirs.
import type * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from './config-size.ts';

type Json = Record<string, unknown>;
type Tensor3 = [string, number, number];

const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keras's naming.to_snake_case: Conv2D → conv2d, BatchNormalization → batch_normalization, ReLU → re_lu. */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The group of each layer with weights, in model.layers order (a nested model's layers under it), as Keras 3 names them. */
export function keras3WeightGroups(model: tf.LayersModel, prefix = 'layers'): { group: string; layer: tf.layers.Layer }[] {
  const used = new Map<string, number>();
  const out: { group: string; layer: tf.layers.Layer }[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const base = snakeCase(cls === 'Model' ? 'Functional' : cls);
    const k = used.get(base);
    used.set(base, (k ?? -1) + 1);
    const group = `${prefix}/${k === undefined ? base : `${base}_${k + 1}`}`;
    if ('layers' in layer && Array.isArray((layer as tf.LayersModel).layers)) out.push(...keras3WeightGroups(layer as tf.LayersModel, `${group}/layers`));
    else if (layer.weights.length) out.push({ group, layer });
  }
  return out;
}

// ---- to Keras 3 ----

const MODULE_BY_SUFFIX: [RegExp, string][] = [
  [/_initializer$/, 'keras.initializers'],
  [/_regularizer$/, 'keras.regularizers'],
  [/_constraint$/, 'keras.constraints'],
];
/** Keras 3's Glorot, He and Lecun initializers take only a seed; TensorFlow.js writes them as VarianceScaling. */
const VARIANCE_SCALING: Record<string, string> = {
  'fan_avg/uniform': 'GlorotUniform',
  'fan_avg/normal': 'GlorotNormal',
  'fan_in/uniform': 'HeUniform',
  'fan_in/normal': 'HeNormal',
};

function initializer3(value: Json): Json {
  let { class_name: cls, config } = value as { class_name: string; config: Json };
  if (cls === 'VarianceScaling') {
    const named = VARIANCE_SCALING[`${String(config.mode)}/${String(config.distribution)}`];
    const scale = Number(config.scale);
    if (named && ((scale === 1 && named.startsWith('Glorot')) || (scale === 2 && named.startsWith('He')))) [cls, config] = [named, { seed: config.seed ?? null }];
    // TensorFlow.js's 'normal' is a truncated normal, which Keras 3 calls so.
    else if (config.distribution === 'normal') config = { ...config, distribution: 'truncated_normal' };
  }
  return { module: 'keras.initializers', class_name: cls, config, registered_name: null };
}

const dtypePolicy = (name: unknown) => ({ module: 'keras', class_name: 'DTypePolicy', config: { name: typeof name === 'string' ? name : 'float32' }, registered_name: null });

function layerConfig3(config: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'batch_input_shape' || key === 'input_dtype') continue;
    const module = MODULE_BY_SUFFIX.find(([re]) => re.test(key))?.[1];
    if (module && isObject(value))
      out[key] = module === 'keras.initializers' ? initializer3(value) : { module, class_name: value.class_name, config: value.config, registered_name: null };
    else out[key] = value;
  }
  out.dtype = dtypePolicy(config.dtype);
  return out;
}

const shapeOf = (t: tf.SymbolicTensor) => [...t.shape];

/** The shapes a layer was built for: one input's shape, or a list of them for a merge layer. */
function inputShapeOf(layer: tf.layers.Layer): unknown {
  const shapes = layer.inboundNodes[0]?.inputTensors.map(shapeOf) ?? [];
  return shapes.length === 1 ? shapes[0] : shapes;
}

function wrapLayer(json: { class_name: string; config: Json }, layer: tf.layers.Layer): Json {
  if (layer.getClassName() === 'InputLayer' || CONTAINERS.has(json.class_name)) {
    if (CONTAINERS.has(json.class_name)) return toKeras3(layer as tf.LayersModel);
    const { batch_input_shape: shape, dtype, sparse, name } = json.config;
    return { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shape, dtype: dtype ?? 'float32', sparse: sparse ?? false, name }, registered_name: null };
  }
  return { module: 'keras.layers', class_name: json.class_name, config: layerConfig3(json.config), registered_name: null, build_config: { input_shape: inputShapeOf(layer) } };
}

function kerasTensor(t: tf.SymbolicTensor): Json {
  return { class_name: '__keras_tensor__', config: { shape: shapeOf(t), dtype: t.dtype, keras_history: [t.sourceLayer.name, t.nodeIndex, t.tensorIndex] } };
}

/** The model as Keras 3's serialize_keras_object writes it: what config.json of a `.keras` file holds. */
export function toKeras3(model: tf.LayersModel): Json {
  const topology = model.toJSON(null, false) as unknown as { class_name: string; config: { name: string; layers: { class_name: string; config: Json }[] } };
  if (topology.class_name === 'Sequential') {
    const first = topology.config.layers[0];
    const inputShape = shapeOf(model.inputs[0]!);
    // Keras 3 lists a Sequential's InputLayer first; TensorFlow.js keeps one only if it was added.
    const given = first?.class_name === 'InputLayer';
    const input = {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: inputShape, dtype: first?.config.dtype ?? 'float32', sparse: false, name: `${model.name}_input` },
      registered_name: null,
    };
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    const layers = topology.config.layers.filter((json) => json.class_name !== 'InputLayer').map((json) => wrapLayer(json, byName.get(String(json.config.name))!));
    if (given) input.config.name = String(first.config.name);
    return {
      module: 'keras',
      class_name: 'Sequential',
      registered_name: null,
      config: { name: model.name, trainable: true, dtype: dtypePolicy('float32'), layers: [input, ...layers], build_input_shape: inputShape },
      build_config: { input_shape: inputShape },
    };
  }
  const one = (ts: tf.SymbolicTensor[]) => (ts.length === 1 ? [ts[0]!.sourceLayer.name, 0, 0] : ts.map((t) => [t.sourceLayer.name, t.nodeIndex, t.tensorIndex]));
  const layers = topology.config.layers.map((json, i) => {
    const layer = model.layers[i]!;
    const node = layer.inboundNodes[0];
    const inputs = node?.inputTensors ?? [];
    // A merge layer is called with one list; other layers with one tensor.
    const args = inputs.length > 1 ? [inputs.map(kerasTensor)] : inputs.map(kerasTensor);
    return { ...wrapLayer(json, layer), name: layer.name, inbound_nodes: layer.getClassName() === 'InputLayer' ? [] : [{ args, kwargs: {} }] };
  });
  return {
    module: 'keras',
    class_name: 'Functional',
    registered_name: 'Functional',
    config: { name: model.name, trainable: true, layers, input_layers: one(model.inputs), output_layers: one(model.outputs) },
    build_config: { input_shape: null },
  };
}

// ---- from Keras 3 ----

/** A Keras 3 object without its module wrapping, recursively: initializers and the like as TensorFlow.js reads them. */
function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (!isObject(value)) return value;
  if (typeof value.class_name === 'string' && 'config' in value) {
    if (value.class_name === 'DTypePolicy' || value.class_name === 'DTypePolicyMap') return (value.config as Json | undefined)?.name ?? 'float32';
    const cfg = value.config;
    if (value.class_name === 'VarianceScaling' && isObject(cfg) && cfg.distribution !== 'uniform')
      return { class_name: 'VarianceScaling', config: { ...cfg, distribution: 'normal' } };
    return { class_name: value.class_name, config: unwrap(cfg) };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
}

function historiesIn(value: unknown, out: Tensor3[]): Tensor3[] {
  if (Array.isArray(value)) for (const v of value) historiesIn(v, out);
  else if (isObject(value)) {
    if (value.class_name === '__keras_tensor__' && isObject(value.config)) out.push(value.config.keras_history as Tensor3);
    else for (const v of Object.values(value)) historiesIn(v, out);
  }
  return out;
}

const tensorList = (v: unknown): unknown[] => (Array.isArray(v) && typeof v[0] === 'string' ? [v] : ((v as unknown[]) ?? []));

function layerFrom3(layer: Json, file: string): LayerConfig {
  const cls = String(layer.class_name);
  if (CONTAINERS.has(cls))
    return { ...fromKeras3(layer, file), ...(layer.name !== undefined ? { name: layer.name, inbound_nodes: nodesFrom3(layer.inbound_nodes) } : {}) } as LayerConfig;
  const config = unwrap(layer.config) as Json;
  if (cls === 'InputLayer') {
    const { batch_shape: shape, batch_input_shape: legacy, ...rest } = config;
    return {
      class_name: cls,
      config: { ...rest, batch_input_shape: shape ?? legacy },
      ...(layer.name !== undefined ? { name: layer.name, inbound_nodes: [] } : {}),
    } as LayerConfig;
  }
  return { class_name: cls, config, ...(layer.name !== undefined ? { name: layer.name, inbound_nodes: nodesFrom3(layer.inbound_nodes) } : {}) } as unknown as LayerConfig;
}

/** Keras 3 nodes ({args, kwargs}) as Keras 2 lists of [layer, node, tensor, kwargs]; Keras 2 lists pass through. */
function nodesFrom3(nodes: unknown): unknown[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => (Array.isArray(node) ? node : historiesIn(isObject(node) ? node.args : [], []).map((h) => [...h.slice(0, 3), {}])));
}

/** A Keras 3 config.json as the Keras 2 topology TensorFlow.js rebuilds (errors name `file`). */
export function fromKeras3(cfg: unknown, file: string): LayerConfig {
  if (!isObject(cfg) || typeof cfg.class_name !== 'string' || !isObject(cfg.config))
    throw new Error(`${file}: config.json does not describe a Keras model (no class_name and config).`);
  const config = cfg.config;
  const cls = cfg.class_name === 'Model' ? 'Functional' : cfg.class_name;
  if (!CONTAINERS.has(cls)) throw new Error(`${file}: the saved object is a ${cls}, not a Sequential or Functional model.`);
  if (!Array.isArray(config.layers)) throw new Error(`${file}: config.json lists no layers.`);
  const layers = config.layers.map((l: unknown) => {
    if (!isObject(l) || typeof l.class_name !== 'string') throw new Error(`${file}: config.json has a layer without a class_name.`);
    return layerFrom3(l, file);
  });
  const inner: Json = { name: config.name, layers };
  if (cls === 'Functional') {
    inner.input_layers = tensorList(config.input_layers);
    inner.output_layers = tensorList(config.output_layers);
  }
  return { class_name: cls === 'Functional' ? 'Model' : cls, config: inner } as unknown as LayerConfig;
}
