// Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
// Gradient-based Localization"): which part of the picture made the model say a class. The
// gradient of the class score with respect to the feature maps A of the last convolution is
// averaged per channel (alpha_k), the maps are weighted by it and summed, and a relu keeps what
// speaks for the class: cam = relu(sum_k alpha_k A_k), then scaled to [0, 1].
//
// The class score is contrastive: the class's logit less the log-sum-exp of the other classes'
// logits (its log-odds against the likeliest alternatives), where the paper takes the logit
// alone. Its gradient is the class's own evidence less the evidence for the classes that
// compete with it, weighted by how likely each is, so what would also make the model say
// something else cancels out: on 2x2 mosaics of four photos, the tile's quadrant holds more than
// half of the heatmap in 93% of cases, against 84% with the logit (46% against 80% when tiles
// of one kind share a mosaic, two dog breeds say; BENCHMARKS.md, issue 15). Unlike the
// log-softmax, its gradient does not vanish when the model is sure (p near 1 in float32).
//
// Only the part of the network after A is differentiated: the model's own graph is walked once
// up to A, then tf.grad runs the layers from A to the class scores again with A as the variable.
// That needs nothing but the gradients of ordinary layers, so it runs on every backend (wasm
// gets the backprop kernels it lacks from wasm-training-kernels.ts; tests compare cpu and wasm),
// and it works for any topology (sequential, ResNet's residual blocks, a transfer model's
// backbone and head) because the walk follows the model's own nodes. The fused layers of loaded
// models (fused-layers.ts) are differentiable: under a gradient tape tf.fused runs separate ops.
import * as tf from '@tensorflow/tfjs';
import { CodedError } from '../../shared/errors.ts';
import { ensureTrainable } from '../backends/wasm-training-kernels.ts';

type Sym = tf.SymbolicTensor;

/** One call of a layer in the model's graph: the node that turns `inputs` into `outputs`. */
interface Step {
  layer: tf.layers.Layer;
  inputs: Sym[];
  outputs: Sym[];
  kwargs: Record<string, unknown>;
}

interface NodeLike {
  inputTensors: Sym[];
  outputTensors: Sym[];
  callArgs?: Record<string, unknown>;
}

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);
/** Layers that only rearrange values: the output is the same numbers, reshaped. */
const SHAPE_ONLY = new Set(['Reshape', 'Flatten']);
/** Activations whose input is the score Grad-CAM wants (see `logitsOf`). */
const SQUASHING = new Set(['softmax', 'sigmoid']);

/** The model's nodes in an order where every input comes before its use (from its outputs back). */
function stepsOf(model: tf.LayersModel): Step[] {
  const seen = new Set<NodeLike>();
  const order: Step[] = [];
  const visit = (t: Sym) => {
    const node = t.sourceLayer.inboundNodes[t.nodeIndex] as unknown as NodeLike;
    if (seen.has(node)) return;
    seen.add(node);
    for (const input of node.inputTensors) if (input !== t) visit(input);
    order.push({ layer: t.sourceLayer as tf.layers.Layer, inputs: node.inputTensors, outputs: node.outputTensors, kwargs: node.callArgs ?? {} });
  };
  for (const out of model.outputs) visit(out);
  return order;
}

const isInput = (s: Step) => s.layer.getClassName() === 'InputLayer';
const spatial = (t: Sym) => t.shape.length === 4 && (t.shape[1] ?? 0) * (t.shape[2] ?? 0) > 1;
const sameShape = (a: Sym, b: Sym) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

const isConvolution = (s: Step) => CONVOLUTIONS.has(s.layer.getClassName()) && s.outputs.length === 1 && spatial(s.outputs[0]!);

/** A convolution and the layers after it that keep its shape, one after the other (its activation, a batch norm, a residual Add). */
function chainFrom(steps: Step[], conv: Step): Step[] {
  const chain = [conv];
  for (;;) {
    const out = chain[chain.length - 1]!.outputs[0]!;
    const users = steps.filter((s) => s.inputs.includes(out));
    const next = users.length === 1 && users[0]!.outputs.length === 1 && sameShape(users[0]!.outputs[0]!, out) ? users[0]! : undefined;
    if (!next) return chain;
    chain.push(next);
  }
}

/** The names a user may give as Grad-CAM's layer, in the model's order: each convolution whose output is a picture, and what follows it keeping its shape. */
function candidatesOf(steps: Step[]): string[] {
  const names = new Set<string>();
  for (const conv of steps.filter(isConvolution)) for (const s of chainFrom(steps, conv)) names.add(s.layer.name);
  return [...names];
}

/** The candidates for a message: the deepest ones (the useful end), with how many earlier ones are left out. */
function listed(candidates: string[], most = 30): string {
  if (candidates.length <= most) return candidates.join(', ');
  return `... (${candidates.length - most} earlier), ${candidates.slice(-most).join(', ')}`;
}

/**
 * The feature maps Grad-CAM looks at: the last convolution whose output is still a picture
 * (MobileNet's final 1x1 'conv_preds' works on a 1x1 map and is the classifier, not a feature
 * extractor), followed past the layers that keep its shape (its activation, a batch norm, a
 * residual Add: ResNet50's 'conv5_block3_out', as the Keras Grad-CAM example uses), up to where
 * pooling or flattening starts. Loaded zoo models have their batch norms and relu folded into
 * the convolution (fold-batch-norms.ts), so there the convolution's own output is those maps.
 * A named layer must be one of those of some convolution (`candidatesOf`).
 */
function featureStep(steps: Step[], layerName?: string): Step {
  if (layerName !== undefined) {
    const candidates = candidatesOf(steps);
    const named = steps.find((s) => s.layer.name === layerName);
    const usable = listed(candidates);
    if (!named) {
      throw new CodedError('layer-missing', `The model has no layer called "${layerName}". Grad-CAM can use: ${usable}.`, { layer: layerName, candidates: usable });
    }
    if (!candidates.includes(layerName)) {
      const kind = named.layer.getClassName();
      const shape = JSON.stringify(named.outputs[0]?.shape ?? null);
      throw new CodedError(
        'layer-not-convolution',
        `Layer "${layerName}" (${kind}, output ${shape}) is not a convolution's feature maps, so Grad-CAM cannot use it. It can use: ${usable}.`,
        { layer: layerName, kind, shape, candidates: usable },
      );
    }
    return named;
  }
  const last = [...steps].reverse().find(isConvolution);
  if (!last) throw new Error('The model has no convolution with a feature map to explain its answer with.');
  return chainFrom(steps, last).at(-1)!;
}

/**
 * Where the class scores are: the logits, before the softmax, which the score Grad-CAM
 * differentiates is made of (see the top); the probability's own gradient vanishes where the
 * model is sure (p near 1). Models end in a softmax as a layer (MobileNet's 'act_softmax', then a
 * Reshape) or as a Dense layer's activation (ResNet50, the classic CNNs, transfer heads): the
 * first gives its input as the scores, the second runs the layer with a linear activation.
 */
function logitsOf(steps: Step[]): { step: Step; tensor: Sym; linear: boolean; sigmoid: boolean } {
  let step = steps[steps.length - 1]!;
  while (SHAPE_ONLY.has(step.layer.getClassName()) && step.inputs.length === 1) {
    const from = step.inputs[0]!;
    step = steps.find((s) => s.outputs.includes(from))!;
  }
  const cls = step.layer.getClassName();
  const activation = String((step.layer.getConfig() as { activation?: string }).activation);
  const sigmoid = activation === 'sigmoid';
  if ((cls === 'Activation' && SQUASHING.has(activation)) || cls === 'Softmax') {
    return { step, tensor: step.inputs[0]!, linear: false, sigmoid };
  }
  if (SQUASHING.has(activation)) return { step, tensor: step.outputs[0]!, linear: true, sigmoid };
  return { step, tensor: step.outputs[0]!, linear: false, sigmoid };
}

/**
 * The score of class c from the logits z. The contrast: z_c less the others' log-sum-exp, which
 * leaves c out by giving it a large negative score. A sigmoid's logit is the class's log-odds
 * already (each class stands alone), and so is a model's single output: their contrast is z_c.
 */
function classScore(z: tf.Tensor1D, c: number, kind: Score, sigmoid: boolean): tf.Scalar {
  // A one-hot dot product picks the class: gather's gradient needs a kernel wasm lacks.
  const hot = tf.oneHot(c, z.shape[0]).toFloat();
  const logit = z.mul(hot).sum() as tf.Scalar;
  if (kind === 'logit' || (kind === 'contrast' && (sigmoid || z.shape[0] < 2))) return logit;
  if (kind === 'log-softmax') return tf.logSoftmax(z).mul(hot).sum();
  return logit.sub(tf.logSumExp(z.sub(hot.mul(1e9))));
}

/** The map: the feature maps `a` ([1, h, w, k]) weighted by the class score's gradients `g` (the same shape), relu'd ([h, w]). */
function weighted(a: tf.Tensor, g: tf.Tensor, method: Method): tf.Tensor {
  if (method === 'layer-cam') return tf.relu(a.mul(tf.relu(g)).sum(-1).squeeze([0]));
  if (method === 'grad-cam++') {
    // alpha_kij = g^2 / (2 g^2 + sum_ab A_kab g^3), the paper's closed form; 0 where g is.
    const g2 = g.square();
    const denom = g2.mul(2).add(a.sum([1, 2], true).mul(g2.mul(g)));
    const nonzero = denom.abs().greater(1e-12);
    const aij = tf.where(nonzero, g2.div(tf.where(nonzero, denom, tf.onesLike(denom))), tf.zerosLike(denom));
    return tf.relu(
      a
        .mul(aij.mul(tf.relu(g)).sum([0, 1, 2]))
        .sum(-1)
        .squeeze([0]),
    );
  }
  const alpha = g.mean([0, 1, 2]); // [channels]: one weight per feature map
  return tf.relu(a.mul(alpha).sum(-1).squeeze([0]));
}

const LINEAR = (tf.layers.activation({ activation: 'linear' }) as unknown as { activation: unknown }).activation;

/** Runs one node on concrete tensors; `linear`: with its activation left out (the scores). */
function run(step: Step, values: Map<Sym, tf.Tensor>, linear = false): void {
  const inputs = step.inputs.map((t) => {
    const v = values.get(t);
    if (!v) throw new Error(`Grad-CAM: no value for ${t.name} (the graph was walked out of order).`);
    return v;
  });
  const layer = step.layer as unknown as { activation: unknown };
  const kept = layer.activation;
  if (linear) layer.activation = LINEAR;
  try {
    const out = step.layer.apply(inputs.length === 1 ? inputs[0]! : inputs, step.kwargs) as tf.Tensor | tf.Tensor[];
    (Array.isArray(out) ? out : [out]).forEach((t, i) => values.set(step.outputs[i]!, t));
  } finally {
    if (linear) layer.activation = kept;
  }
}

/** The steps whose value depends on `from` (they are run again under the gradient). */
function downstreamOf(steps: Step[], from: Step): Step[] {
  const tainted = new Set<Sym>(from.outputs);
  const after: Step[] = [];
  for (const s of steps.slice(steps.indexOf(from) + 1)) {
    if (s.inputs.some((t) => tainted.has(t))) {
      after.push(s);
      for (const o of s.outputs) tainted.add(o);
    }
  }
  return after;
}

export interface CamGrid {
  /** Feature-map cells across and down; the grid covers the whole model input. */
  width: number;
  height: number;
  /** Row-major, top-left first, in [0, 1] with 1 at the maximum (all 0 when nothing speaks for the class). */
  values: Float32Array;
}

export interface GradCamResult {
  /** The layer whose feature maps were used. */
  layer: string;
  /** One grid per asked class, in the order asked. */
  maps: CamGrid[];
}

export type Score = 'contrast' | 'logit' | 'log-softmax';
export type Method = 'grad-cam' | 'grad-cam++' | 'layer-cam';

export interface GradCamOptions {
  /** The feature maps to use instead of the last convolution's. */
  layer?: string;
  /**
   * The class score differentiated: 'contrast' (the default; see the top of this file), its
   * 'logit' (the paper's y^c) or its 'log-softmax'. The others are kept for the benchmark.
   */
  score?: Score;
  /**
   * How gradients weight the maps: 'grad-cam' (the default: one mean per channel), or, for the
   * benchmark, 'grad-cam++' (Chattopadhyay et al. 2018) and 'layer-cam' (Jiang et al. 2021, per
   * position, positive gradients), which localise worse here (they drop the negative evidence).
   */
  method?: Method;
}

/**
 * Grad-CAM maps of one preprocessed image `x` ([1, h, w, c]) for each of `classes` (indices of
 * the model's output).
 */
export async function gradCam(model: tf.LayersModel, x: tf.Tensor4D, classes: readonly number[], opts: GradCamOptions = {}): Promise<GradCamResult> {
  const { layer, score = 'contrast', method = 'grad-cam' } = opts;
  // A convolution computed in one fused kernel differentiates its filter too, which stock wasm cannot.
  await ensureTrainable();
  if (x.shape[0] !== 1) throw new Error(`Grad-CAM explains one image at a time, not ${x.shape[0]}.`);
  const steps = stepsOf(model);
  const target = featureStep(steps, layer);
  const logits = logitsOf(steps);
  const outputs = logits.tensor.shape[logits.tensor.shape.length - 1] ?? 0;
  for (const c of classes) if (!(Number.isInteger(c) && c >= 0 && c < outputs)) throw new Error(`Class ${c} is not one of the model's ${outputs} outputs.`);
  const feature = target.outputs[0]!;
  const after = downstreamOf(steps, target);
  const maps = tf.tidy(() => {
    // Everything up to the feature maps, once: the layers after them read these as constants
    // where they need them (a residual branch that skips the maps).
    const values = new Map<Sym, tf.Tensor>();
    for (const [i, input] of model.inputs.entries()) values.set(input, i === 0 ? x : tf.zeros(input.shape.map((d) => d ?? 1)));
    for (const s of steps.slice(0, steps.indexOf(target) + 1)) if (!isInput(s)) run(s, values);
    const a = values.get(feature)!;
    return classes.map((c) => {
      const classScoreOf = (maps: tf.Tensor): tf.Scalar => {
        const local = new Map(values);
        local.set(feature, maps);
        for (const s of after) {
          if (local.has(logits.tensor)) break;
          run(s, local, s === logits.step && logits.linear);
        }
        return classScore(local.get(logits.tensor)!.reshape([-1]), c, score, logits.sigmoid);
      };
      const cam = weighted(a, tf.grad(classScoreOf)(a), method);
      const max = cam.max();
      return tf.keep(tf.where(max.greater(0), cam.div(tf.maximum(max, 1e-30)), tf.zerosLike(cam)) as tf.Tensor2D);
    });
  });
  try {
    const [, height, width] = feature.shape as [null, number, number, number];
    return { layer: target.layer.name, maps: maps.map((m) => ({ width, height, values: m.dataSync() as Float32Array })) };
  } finally {
    tf.dispose(maps);
  }
}

/** The layer Grad-CAM uses by default: for the summary and for tests. */
export function camLayerName(model: tf.LayersModel): string {
  return featureStep(stepsOf(model)).layer.name;
}

/** The layers Grad-CAM can be given (`GradCamOptions.layer`), in the model's order. */
export function camLayerNames(model: tf.LayersModel): string[] {
  return candidatesOf(stepsOf(model));
}
