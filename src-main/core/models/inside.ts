// "See inside the CNN": what one layer computes for a photo (its feature maps, one small grey
// picture a channel), and what the first convolution looks for (its filters, as tiny pictures).
// Both come back as 8-bit tiles, each scaled to its own range: a channel's absolute size says
// little to the eye, where it lights up says a lot. The counts are bounded so that a ResNet's
// 2048 channels never cross to the window.
import * as tf from '@tensorflow/tfjs';
import type { TileGrid } from '../../shared/tiles.ts';

/** A layer whose output is still a picture (height x width x channels), so its maps can be shown. */
export interface MapLayer {
  name: string;
  type: string;
  /** [height, width, channels] */
  shape: [number, number, number];
}

export type { TileGrid };

export const MAX_TILES = 64;
/** Feature maps larger than this on a side are shrunk: 64 tiles of 112x112 are already 800 kB. */
export const MAX_TILE_SIDE = 112;

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);

function outputShape(layer: tf.layers.Layer): (number | null)[] | undefined {
  const s = layer.outputShape as (number | null)[] | (number | null)[][];
  return Array.isArray(s[0]) ? undefined : (s as (number | null)[]);
}

/** The layers whose maps can be shown, in the model's order. */
export function mapLayers(model: tf.LayersModel): MapLayer[] {
  return model.layers.flatMap((l) => {
    const s = outputShape(l);
    if (l.getClassName() === 'InputLayer' || !s || s.length !== 4 || (s[1] ?? 0) * (s[2] ?? 0) <= 1) return [];
    return [{ name: l.name, type: l.getClassName(), shape: [s[1]!, s[2]!, s[3]!] as [number, number, number] }];
  });
}

/** The first convolution: what the maps show unless another layer is chosen. */
export function firstConvolution(model: tf.LayersModel): tf.layers.Layer | undefined {
  return model.layers.find((l) => CONVOLUTIONS.has(l.getClassName()));
}

/** Each of `n` tiles of `size` values scaled from its own min..max to 0..255 (a flat tile is all 0). */
function toLevels(values: Float32Array, n: number, size: number): Uint8Array {
  const out = new Uint8Array(n * size);
  for (let t = 0; t < n; t++) {
    let [lo, hi] = [Infinity, -Infinity];
    for (let i = t * size; i < (t + 1) * size; i++) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
    const span = hi - lo;
    // A flat tile: black when it is all zero (a channel the photo left off), white when all on (a relu6 at its cap).
    if (!(span > 0) || !Number.isFinite(span)) {
      if (lo > 0) out.fill(255, t * size, (t + 1) * size);
      continue;
    }
    for (let i = t * size; i < (t + 1) * size; i++) out[i] = Math.round((255 * (values[i]! - lo)) / span);
  }
  return out;
}

/**
 * The feature maps of layer `layerName` (the first convolution's when absent) for one
 * preprocessed image `x` ([1, h, w, c]): its first `maxTiles` channels, one grey tile each.
 */
export function featureMaps(model: tf.LayersModel, x: tf.Tensor4D, layerName?: string, maxTiles = MAX_TILES): TileGrid {
  const choices = mapLayers(model);
  const name = layerName ?? firstConvolution(model)?.name ?? choices[0]?.name;
  const chosen = choices.find((c) => c.name === name);
  if (!chosen) {
    if (name !== undefined && model.layers.some((l) => l.name === name))
      throw new Error(`Layer "${name}" gives no feature maps (its output is not a picture), so none can be shown.`);
    throw new Error(name === undefined ? 'The model has no layer with feature maps to show.' : `The model has no layer called "${name}".`);
  }
  const layer = model.getLayer(name);
  const [h0, w0, total] = chosen.shape;
  const count = Math.min(total, Math.max(1, maxTiles));
  const scale = Math.min(1, MAX_TILE_SIDE / Math.max(h0, w0));
  const [height, width] = [Math.max(1, Math.round(h0 * scale)), Math.max(1, Math.round(w0 * scale))];
  // A model from the model's input to this layer: the same weights, computed only as far as needed.
  const probe = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  const maps = tf.tidy(() => {
    let a = (probe.predict(x) as tf.Tensor4D).slice([0, 0, 0, 0], [1, -1, -1, count]);
    if (scale < 1) a = tf.image.resizeBilinear(a, [height, width]);
    // Channel-major: one tile after the other.
    return a.squeeze([0]).transpose([2, 0, 1]);
  });
  try {
    const levels = toLevels(maps.dataSync() as Float32Array, count, height * width);
    return { layer: chosen.name, type: chosen.type, width, height, channels: 1, total, count, levels };
  } finally {
    maps.dispose();
  }
}

/**
 * The first convolution's filters as pictures: kernel [kh, kw, in, out] gives `out` tiles of
 * kh x kw, in colour when the layer reads RGB and in grey when it reads one channel (a depthwise
 * or later convolution reads many: the mean over them is shown).
 */
export function firstFilters(model: tf.LayersModel, maxTiles = MAX_TILES): TileGrid | undefined {
  const layer = firstConvolution(model);
  const kernel = layer?.getWeights()[0];
  if (!layer || !kernel || kernel.shape.length !== 4) return undefined;
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  // A depthwise kernel is [kh, kw, in, multiplier]: its tiles are the in x multiplier filters.
  const depthwise = layer.getClassName() === 'DepthwiseConv2D';
  const channels: 1 | 3 = !depthwise && cin === 3 ? 3 : 1;
  const total = depthwise ? cin * cout : cout;
  const count = Math.min(total, Math.max(1, maxTiles));
  const tiles = tf.tidy(() => {
    if (depthwise)
      return kernel
        .reshape([kh, kw, cin * cout])
        .transpose([2, 0, 1])
        .slice([0, 0, 0], [count, -1, -1])
        .expandDims(-1);
    const k = kernel.slice([0, 0, 0, 0], [-1, -1, -1, count]).transpose([3, 0, 1, 2]); // [count, kh, kw, in]
    return channels === 3 ? k : k.mean(-1, true);
  });
  try {
    const levels = toLevels(tiles.dataSync() as Float32Array, count, kh * kw * channels);
    return { layer: layer.name, type: layer.getClassName(), width: kw, height: kh, channels, total, count, levels };
  } finally {
    tiles.dispose();
  }
}
