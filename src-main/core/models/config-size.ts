// The parameter count of a Keras architecture, worked out from its config alone: TensorFlow.js
// allocates every weight as it builds a model, so a config that asks for a Dense layer of a
// million units must be refused before it is built. Covers the layers keras-model.ts accepts.
export const MAX_MODEL_PARAMS = 200_000_000;

type Dim = number | null;
type Shape = Dim[];

export interface LayerConfig {
  class_name: string;
  config: { name?: string; layers?: LayerConfig[] } & Record<string, unknown>;
  inbound_nodes?: unknown[];
  name?: string;
}

const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);

class SizeError extends Error {}

const nameOf = (l: LayerConfig) => l.config.name ?? l.name ?? '?';

function int(v: unknown, what: string, layer: LayerConfig): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new SizeError(`layer "${nameOf(layer)}" has no valid ${what} (${JSON.stringify(v)})`);
  return v;
}

/** A size, or a pair of sizes (kernel, strides, pool, padding), as [a, b]. */
function pair(v: unknown, what: string, layer: LayerConfig, fallback?: [number, number]): [number, number] {
  if (v == null && fallback) return fallback;
  const list = Array.isArray(v) ? v : [v, v];
  if (list.length !== 2) throw new SizeError(`layer "${nameOf(layer)}" has no valid ${what} (${JSON.stringify(v)})`);
  return [int(list[0], what, layer), int(list[1], what, layer)];
}

function known(d: Dim, what: string, layer: LayerConfig): number {
  if (d === null || d === undefined) throw new SizeError(`the ${what} of layer "${nameOf(layer)}" is not fixed, so its size cannot be known`);
  return d;
}

function inputShape(layer: LayerConfig): Shape | undefined {
  const c = layer.config;
  const s = (c.batch_input_shape ?? c.batch_shape) as Shape | undefined;
  if (Array.isArray(s)) return s.map((d) => (d === null ? null : int(d, 'input shape', layer)));
  return undefined;
}

const channelsFirst = (layer: LayerConfig) => layer.config.data_format === 'channels_first';

function windowed(size: Dim, k: number, stride: number, same: boolean, dilation = 1): Dim {
  if (size === null) return null;
  return same ? Math.ceil(size / stride) : Math.max(0, Math.floor((size - (k - 1) * dilation - 1) / stride) + 1);
}

/** Spatial layers: [height, width, channels] of an input, and an output from new ones. */
function spatial(shape: Shape, layer: LayerConfig) {
  if (shape.length !== 4) throw new SizeError(`layer "${nameOf(layer)}" expects a 4-D input, got [${shape.join(', ')}]`);
  const cf = channelsFirst(layer);
  const [h, w, c] = cf ? [shape[2]!, shape[3]!, shape[1]!] : [shape[1]!, shape[2]!, shape[3]!];
  return { h, w, c, out: (h2: Dim, w2: Dim, c2: Dim): Shape => (cf ? [shape[0]!, c2, h2, w2] : [shape[0]!, h2, w2, c2]) };
}

/** One layer applied to input shapes: its parameters and output shapes. */
function step(layer: LayerConfig, ins: Shape[]): { params: number; out: Shape[] } {
  if (CONTAINERS.has(layer.class_name)) {
    const inner = walk(layer, ins[0]);
    return { params: inner.params, out: inner.outputs };
  }
  const c = layer.config;
  const x = ins[0];
  if (!x) throw new SizeError(`layer "${nameOf(layer)}" has no input`);
  const bias = c.use_bias !== false;
  switch (layer.class_name) {
    case 'InputLayer':
      return { params: 0, out: [inputShape(layer) ?? x] };
    case 'Dense': {
      const units = int(c.units, 'number of units', layer);
      const fanIn = known(x[x.length - 1]!, 'input size', layer);
      return { params: fanIn * units + (bias ? units : 0), out: [[...x.slice(0, -1), units]] };
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const s = spatial(x, layer);
      const [kh, kw] = pair(c.kernel_size, 'kernel size', layer);
      const [sh, sw] = pair(c.strides, 'strides', layer, [1, 1]);
      const [dh, dw] = pair(c.dilation_rate, 'dilation rate', layer, [1, 1]);
      const cin = known(s.c, 'channel count', layer);
      const same = c.padding === 'same';
      const depthwise = layer.class_name === 'DepthwiseConv2D';
      const cout = depthwise ? cin * int(c.depth_multiplier ?? 1, 'depth multiplier', layer) : int(c.filters, 'number of filters', layer);
      const perFilter = depthwise ? kh * kw : kh * kw * (cin / (typeof c.groups === 'number' && c.groups > 0 ? c.groups : 1));
      return { params: perFilter * cout + (bias ? cout : 0), out: [s.out(windowed(s.h, kh, sh, same, dh), windowed(s.w, kw, sw, same, dw), cout)] };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const s = spatial(x, layer);
      const [ph, pw] = pair(c.pool_size, 'pool size', layer, [2, 2]);
      const [sh, sw] = pair(c.strides, 'strides', layer, [ph, pw]);
      const same = c.padding === 'same';
      return { params: 0, out: [s.out(windowed(s.h, ph, sh, same), windowed(s.w, pw, sw, same), s.c)] };
    }
    case 'ZeroPadding2D': {
      const s = spatial(x, layer);
      const p = c.padding ?? 1;
      // 1, [1, 2] (rows, columns) or [[top, bottom], [left, right]].
      const rows = Array.isArray(p) ? p[0] : p;
      const cols = Array.isArray(p) ? p[1] : p;
      const [t, b] = pair(rows, 'padding', layer);
      const [l, r] = pair(cols, 'padding', layer);
      const add = (d: Dim, n: number) => (d === null ? null : d + n);
      return { params: 0, out: [s.out(add(s.h, t + b), add(s.w, l + r), s.c)] };
    }
    case 'GlobalAveragePooling2D': {
      const s = spatial(x, layer);
      return { params: 0, out: [c.keepdims ? s.out(1, 1, s.c) : [x[0]!, s.c]] };
    }
    case 'BatchNormalization': {
      const axis = typeof c.axis === 'number' ? c.axis : -1;
      const ch = known(x[axis < 0 ? x.length + axis : axis] ?? null, 'channel count', layer);
      return { params: ch * (2 + (c.scale !== false ? 1 : 0) + (c.center !== false ? 1 : 0)), out: [x] };
    }
    case 'Flatten': {
      const rest = x.slice(1);
      return { params: 0, out: [[x[0]!, rest.every((d) => d !== null) ? (rest as number[]).reduce((a, b) => a * b, 1) : null]] };
    }
    case 'Reshape': {
      // TensorFlow.js writes the free dimension as null, Keras as -1.
      const target = (c.target_shape as unknown[] | undefined)?.map((d) => (d === -1 || d === null ? -1 : int(d, 'target shape', layer)));
      if (!target) throw new SizeError(`layer "${nameOf(layer)}" has no target shape`);
      const total = x.slice(1).every((d) => d !== null) ? (x.slice(1) as number[]).reduce((a, b) => a * b, 1) : null;
      const fixed = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      return { params: 0, out: [[x[0]!, ...target.map((d) => (d === -1 ? (total === null || fixed === 0 ? null : total / fixed) : d))]] };
    }
    case 'Concatenate': {
      const axis = typeof c.axis === 'number' ? c.axis : -1;
      const k = axis < 0 ? x.length + axis : axis;
      const sum = ins.reduce<Dim>((a, s) => (a === null || s[k] == null ? null : a + s[k]!), 0);
      return { params: 0, out: [x.map((d, i) => (i === k ? sum : d))] };
    }
    default:
      // Add, Dropout, Activation, ReLU, Rescaling: no weights, the input's shape.
      return { params: 0, out: [x] };
  }
}

/** [layer name, node index, tensor index] of each input of a node, as Keras 2 or Keras 3 writes it. */
function nodeInputs(node: unknown): [string, number, number][] {
  if (Array.isArray(node)) {
    return node.filter((t): t is unknown[] => Array.isArray(t) && typeof t[0] === 'string').map((t) => [t[0] as string, Number(t[1] ?? 0), Number(t[2] ?? 0)]);
  }
  const found: [string, number, number][] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    const history = (v as { config?: { keras_history?: unknown[] } }).config?.keras_history;
    if (Array.isArray(history) && typeof history[0] === 'string') found.push([history[0], Number(history[1] ?? 0), Number(history[2] ?? 0)]);
    else Object.values(v).forEach(visit);
  };
  visit((node as { args?: unknown })?.args ?? node);
  return found;
}

/** A container's parameters and output shapes; `input` is what a nested Sequential is applied to. */
function walk(model: LayerConfig, input?: Shape): { params: number; outputs: Shape[] } {
  const layers = model.config.layers ?? [];
  if (model.class_name === 'Sequential') {
    let shape: Shape | undefined = input;
    let params = 0;
    for (const layer of layers) {
      shape = inputShape(layer) ?? shape;
      if (layer.class_name === 'InputLayer') continue;
      if (!shape) throw new SizeError(`layer "${nameOf(layer)}" has no known input shape`);
      const r = step(layer, [shape]);
      params += r.params;
      shape = r.out[0];
    }
    return { params, outputs: shape ? [shape] : [] };
  }
  // Functional: layers come in the order Keras built them, each with the nodes it was applied at.
  const outputsOf = new Map<string, Shape[][]>();
  let params = 0;
  for (const layer of layers) {
    const name = nameOf(layer);
    const own = inputShape(layer);
    if (layer.class_name === 'InputLayer') {
      if (!own) throw new SizeError(`input layer "${name}" has no shape`);
      outputsOf.set(name, [[own]]);
      continue;
    }
    const nodes = layer.inbound_nodes ?? [];
    if (!nodes.length) throw new SizeError(`layer "${name}" is connected to nothing`);
    const results: Shape[][] = [];
    nodes.forEach((node, k) => {
      const ins = nodeInputs(node).map(([from, n, t]) => {
        const s = outputsOf.get(from)?.[n]?.[t];
        if (!s) throw new SizeError(`layer "${name}" takes its input from the layer "${from}", which comes later or not at all`);
        return s;
      });
      const r = step(layer, ins);
      if (k === 0) params += r.params; // a shared layer has one set of weights
      results.push(r.out);
    });
    // A nested model's node 0 is its own inner graph, so the nodes it is applied at count from 1
    // (Keras's _should_skip_first_node); its output shape is the same at each.
    outputsOf.set(name, CONTAINERS.has(layer.class_name) ? [results[0]!, ...results] : results);
  }
  const outs = (model.config.output_layers as unknown[] | undefined) ?? [];
  const outputs = nodeInputs(Array.isArray(outs[0]) || !outs.length ? outs : [outs]).map(([from, n, t]) => outputsOf.get(from)?.[n]?.[t] ?? []);
  return { params, outputs };
}

/** The number of parameters the architecture would allocate; throws, naming the file, if it cannot be told. */
export function architectureParams(config: LayerConfig, file: string): number {
  try {
    return walk(config).params;
  } catch (err) {
    if (err instanceof SizeError) throw new Error(`${file}: the size of the architecture cannot be worked out from its config: ${err.message}`);
    throw err;
  }
}

/** Refuses, before anything is built, an architecture of more than `max` parameters. */
export function checkArchitectureSize(config: LayerConfig, file: string, max = MAX_MODEL_PARAMS): number {
  const params = architectureParams(config, file);
  if (params > max) {
    throw new Error(`${file}: the architecture has ${params.toLocaleString('en')} parameters, over the limit of ${max.toLocaleString('en')}; it is not built.`);
  }
  return params;
}
