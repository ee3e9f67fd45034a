// The stock wasm backend has no Conv2DBackpropFilter and no depthwise backprop kernels, so
// it cannot train a convolution. These kernels build them from kernels wasm does have
// (strided slices, pads, batched matmul), so the heavy arithmetic still runs in XNNPACK.
import * as tf from '@tensorflow/tfjs';
import { backend_util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';

import { WASM_MAX_POOL_GRAD } from './wasm-max-pool-grad.ts';

type Backend = tf.KernelBackend;
type Inputs = Record<string, TensorInfo> | TensorInfo[];
type Conv2DInfo = backend_util.Conv2DInfo;

/** Runs a kernel of the wasm backend directly (no engine, no tape) and remembers its output for disposal. */
class Scratch {
  private readonly made: TensorInfo[] = [];
  constructor(private readonly backend: Backend) {}

  run(name: string, inputs: Inputs, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`The wasm backend has no ${name} kernel.`);
    const out = kernel.kernelFunc({ inputs: inputs as never, backend: this.backend, attrs }) as TensorInfo;
    this.made.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return paddings.every(([a, b]) => a === 0 && b === 0) ? x : this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** x[:, r0 : r0+(rows-1)*sr+1 : sr, c0 : c0+(cols-1)*sc+1 : sc, :] of an NHWC tensor (the same on axes 2, 3 of a CNHW one). */
  window(x: TensorInfo, r0: number, c0: number, rows: number, cols: number, sr: number, sc: number, channelsFirst = false): TensorInfo {
    const [d0, d1, , d3] = x.shape as [number, number, number, number];
    const rowEnd = r0 + (rows - 1) * sr + 1;
    const colEnd = c0 + (cols - 1) * sc + 1;
    return this.run(
      'StridedSlice',
      { x },
      {
        begin: channelsFirst ? [0, 0, r0, c0] : [0, r0, c0, 0],
        end: channelsFirst ? [d0, d1, rowEnd, colEnd] : [d0, rowEnd, colEnd, d3],
        strides: channelsFirst ? [1, 1, sr, sc] : [1, sr, sc, 1],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      },
    );
  }

  /** Frees every intermediate except `keep`, which the engine takes over. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.made) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }
}

function assertNHWC(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`${kernel} on wasm supports NHWC only, not ${String(dataFormat)}.`);
}

/**
 * The input padded so that every filter tap's strided window lies inside it: row r of a
 * window for tap kh starts at kh * dilation, as in the forward convolution.
 */
function paddedInput(s: Scratch, x: TensorInfo, info: Conv2DInfo): TensorInfo {
  const needH = (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1;
  const needW = (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  return s.pad(x, [
    [0, 0],
    [top, Math.max(0, needH - info.inHeight - top)],
    [left, Math.max(0, needW - info.inWidth - left)],
    [0, 0],
  ]);
}

/**
 * The strided input window under each filter tap, in (kh, kw) order: [B, outH, outW, C] each
 * for an NHWC input, or [C, B, outH, outW] each for a channels-first one.
 */
function tapWindows(s: Scratch, xPadded: TensorInfo, info: Conv2DInfo, channelsFirst = false): TensorInfo[] {
  const windows: TensorInfo[] = [];
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      windows.push(s.window(xPadded, kh * info.dilationHeight, kw * info.dilationWidth, info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, channelsFirst));
    }
  }
  return windows;
}

/**
 * dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*s + kh*d - pad, ow*s + kw*d - pad, ci] * dy[b,oh,ow,co].
 * Two ways, each faster for its kind of layer (measured on fashion-cnn's and cifar-cnn's layers):
 * from the tap windows (few input channels) or as one forward convolution (many).
 * tfjs's kernel has no dilations attribute; one given anyway is honoured.
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape, dilations } = attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };
  assertNHWC(dataFormat, 'Conv2DBackpropFilter');
  const info = backend_util.computeConv2DInfo(x.shape as never, filterShape, strides, dilations ?? 1, pad, dimRoundingMode);
  const s = new Scratch(backend as Backend);
  const filter = info.inChannels >= 16 ? filterGradByConvolution(s, x, dy, info) : filterGradByWindows(s, x, dy, info);
  return s.finish(filter);
};

/**
 * With x channels-first, the tap windows stacked one under another are the transposed im2col
 * matrix [taps*Ci, N], and one plain matmul with dy [N, Co] gives all of dW (wasm's matmul is
 * fast only without transposeA).
 */
function filterGradByWindows(s: Scratch, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const n = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth;
  // [Ci, B, H, W]: a window then is [Ci, B, outH, outW], already in matmul row order.
  const xT = s.transpose(paddedInput(s, x, info), [3, 0, 1, 2]);
  const windows = tapWindows(s, xT, info, true);
  const cols = windows.length === 1 ? windows[0]! : s.run('Concat', windows, { axis: 0 });
  const a = s.reshape(cols, [1, taps * info.inChannels, n]);
  const b = s.reshape(dy, [1, n, info.outChannels]);
  const product = s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  return s.reshape(product, [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
}

/**
 * The same sum as a convolution in XNNPACK: the input as [Ci, H, W, B] (channels as the batch,
 * the batch as channels), dy as the filter [outH, outW, B, Co], the layer's dilation as its stride
 * and its stride as its dilation; out comes [Ci, kh, kw, Co].
 */
function filterGradByConvolution(s: Scratch, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const xT = s.transpose(paddedInput(s, x, info), [3, 1, 2, 0]);
  const dyT = s.transpose(dy, [1, 2, 0, 3]);
  let out = s.run(
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
    },
  );
  const [ci, h, w, co] = out.shape as [number, number, number, number];
  if (h > info.filterHeight || w > info.filterWidth) out = s.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [ci, info.filterHeight, info.filterWidth, co] });
  return s.transpose(out, [1, 2, 0, 3]);
}

/**
 * dx as a forward convolution, which wasm runs in XNNPACK (its own Conv2DBackpropInput is a
 * plain loop): dy with zeros between rows and columns for the strides, padded so that every
 * input position sees the taps that touched it, convolved with the filter turned 180 degrees
 * and its in/out channels swapped.
 */
const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape, dilations } = attrs as unknown as tf.Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
  assertNHWC(dataFormat, 'Conv2DBackpropInput');
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as never, strides, dilations ?? 1, pad, dimRoundingMode);
  const s = new Scratch(backend as Backend);
  const { batchSize: bs, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outChannels: co } = info;
  const spread = spreadForStrides(s, dy, sh, sw);
  const before: [number, number] = [(info.filterHeight - 1) * dh - info.padInfo.top, (info.filterWidth - 1) * dw - info.padInfo.left];
  const size: [number, number] = [info.inHeight + (info.filterHeight - 1) * dh, info.inWidth + (info.filterWidth - 1) * dw];
  const framed = frame(s, spread, [oh * sh, ow * sw], before, size, [bs, co]);
  const turned = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
  return s.finish(s.run('Conv2D', { x: framed, filter: turned }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [dh, dw] }));
};

/** [B, h, w, C] -> [B, h*sh, w*sw, C] with each value followed by sh-1 zero rows and sw-1 zero columns. */
function spreadForStrides(s: Scratch, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const wide = s.pad(s.reshape(x, [b, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return s.reshape(wide, [b, h * sh, w * sw, c]);
}

/**
 * Places an NHWC tensor of spatial size `have` at offset `before` in a zero frame of spatial
 * size `size`; negative offsets or a frame smaller than the tensor crop it.
 */
function frame(s: Scratch, x: TensorInfo, have: [number, number], before: [number, number], size: [number, number], [b, c]: [number, number]): TensorInfo {
  const padTop = Math.max(0, before[0]);
  const padLeft = Math.max(0, before[1]);
  const padded = s.pad(x, [
    [0, 0],
    [padTop, Math.max(0, size[0] - before[0] - have[0])],
    [padLeft, Math.max(0, size[1] - before[1] - have[1])],
    [0, 0],
  ]);
  const [, ph, pw] = padded.shape as [number, number, number, number];
  const top = padTop - before[0];
  const left = padLeft - before[1];
  if (top === 0 && left === 0 && ph === size[0] && pw === size[1]) return padded;
  return s.run('Slice', { x: padded }, { begin: [0, top, left, 0], size: [b, size[0], size[1], c] });
}

/** dW[kh,kw,c,m] = sum over b,oh,ow of x[b, oh*s + kh*d - pad, ..., c] * dy[b,oh,ow,c*M+m]: one matmul per channel. */
const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(x.shape as never, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const s = new Scratch(backend as Backend);
  const n = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth;
  const c = info.inChannels;
  const m = info.outChannels / c;
  const windows = tapWindows(s, paddedInput(s, x, info), info);
  const stacked = s.reshape(windows.length === 1 ? windows[0]! : s.run('Pack', windows, { axis: 0 }), [taps, n, c]);
  const a = s.transpose(stacked, [2, 0, 1]); // [C, taps, N]
  const b = s.transpose(s.reshape(dy, [n, c, m]), [1, 0, 2]); // [C, N, M]
  const product = s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }); // [C, taps, M]
  return s.finish(s.reshape(s.transpose(product, [1, 0, 2]), [info.filterHeight, info.filterWidth, c, m]));
};

/**
 * dx: each filter tap's contribution dy . w[kh,kw] (summed over the channel multiplier) is
 * spread back onto the input grid (zeros between rows and columns for strides), shifted by
 * the tap's offset, and the taps are added up; the padding is cut off last.
 */
const depthwiseBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as never, strides, dilations, pad, dimRoundingMode, true);
  const s = new Scratch(backend as Backend);
  const { batchSize: bs, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const c = info.inChannels;
  const m = info.outChannels / c;
  const { top: padTop, left: padLeft } = info.padInfo;
  const [fh, fw] = [info.filterHeight, info.filterWidth];
  if (dh === 1 && dw === 1 && m === 1 && padTop < fh && padLeft < fw) {
    // dx is dy (with zeros between its rows and columns for the strides) correlated with the
    // filter turned by 180 degrees, over that padded by (filter - 1 - padding) a side: the
    // forward depthwise kernel (XNNPACK), not the per-tap spreading below, which took
    // MobileNet's conv_dw_13 two seconds a batch of 16 (issue 16).
    let src = spreadForStrides(s, dy, sh, sw);
    const [lh, lw] = [oh * sh, ow * sw];
    const [above, before] = [fh - 1 - padTop, fw - 1 - padLeft];
    const below = info.inHeight + fh - 1 - above - lh;
    const after = info.inWidth + fw - 1 - before - lw;
    // Past the last row of dy there are only the stride's zeros: cut where the input ends.
    if (below < 0 || after < 0) src = s.run('Slice', { x: src }, { begin: [0, 0, 0, 0], size: [bs, lh + Math.min(0, below), lw + Math.min(0, after), c] });
    const turned = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const pad = [
      [0, 0],
      [above, Math.max(0, below)],
      [before, Math.max(0, after)],
      [0, 0],
    ];
    return s.finish(s.run('DepthwiseConv2dNative', { x: src, filter: turned }, { strides: [1, 1], dilations: [1, 1], pad }));
  }
  const taps = info.filterHeight * info.filterWidth;
  const n = bs * oh * ow;
  // All taps at once, batched over channels: [C, N, M] x [C, M, taps] -> [C, N, taps].
  const dyC = s.transpose(s.reshape(dy, [n, c, m]), [1, 0, 2]);
  const wC = s.transpose(s.reshape(filter, [taps, c, m]), [1, 2, 0]);
  const contrib = s.run('BatchMatMul', { a: dyC, b: wC }, { transposeA: false, transposeB: false });
  // [C, B, oh, ow, taps] -> [taps * B, oh, 1, ow, 1, C] (XNNPACK pads at most 6 dimensions),
  // then zeros between rows and columns for the strides.
  const perTap = s.reshape(s.transpose(s.reshape(contrib, [c, bs, oh, ow, taps]), [4, 1, 2, 3, 0]), [taps * bs, oh, 1, ow, 1, c]);
  const spread = s.reshape(
    s.pad(perTap, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]),
    [taps, bs, oh * sh, ow * sw, c],
  );
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const fullH = Math.max(top + info.inHeight, (info.filterHeight - 1) * dh + oh * sh);
  const fullW = Math.max(left + info.inWidth, (info.filterWidth - 1) * dw + ow * sw);
  const placed: TensorInfo[] = [];
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      const k = kh * info.filterWidth + kw;
      const tap = s.run('Slice', { x: spread }, { begin: [k, 0, 0, 0, 0], size: [1, bs, oh * sh, ow * sw, c] });
      const r = kh * dh;
      const q = kw * dw;
      placed.push(
        s.pad(s.reshape(tap, [bs, oh * sh, ow * sw, c]), [
          [0, 0],
          [r, fullH - r - oh * sh],
          [q, fullW - q - ow * sw],
          [0, 0],
        ]),
      );
    }
  }
  const sum = placed.length === 1 ? placed[0]! : s.run('AddN', placed);
  return s.finish(s.run('Slice', { x: sum }, { begin: [0, top, left, 0], size: [bs, info.inHeight, info.inWidth, c] }));
};

/**
 * wasm's matmul is fast (XNNPACK) only for a plain A B: with A transposed it runs a slow loop,
 * and with B transposed it took 19 ms where the same product as (B A^T)^T took 1 (cifar-cnn's
 * dense layer). A dense layer's gradients ask for both: x^T dy for its weights, dy W^T for its
 * input. So the transposes are made explicitly, on the smaller operands where there is a choice.
 */
function plainBatchMatMul(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const s = new Scratch(backend as Backend);
    const swapLast = (t: TensorInfo) => s.transpose(t, [...Array(t.shape.length - 2).keys(), t.shape.length - 1, t.shape.length - 2]);
    const product = (a: TensorInfo, b: TensorInfo) => s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    const { b } = inputs as { a: TensorInfo; b: TensorInfo };
    let { a } = inputs as { a: TensorInfo; b: TensorInfo };
    if (transposeA) a = swapLast(a);
    if (!transposeB) return s.finish(product(a, b));
    const [m, k] = a.shape.slice(-2) as [number, number];
    const n = b.shape[b.shape.length - 2]!;
    // A B^T = (B A^T)^T: two small transposes instead of one of B.
    return s.finish(m * k + m * n < n * k ? swapLast(product(b, swapLast(a))) : product(a, swapLast(b)));
  };
}

/** Kernels wasm lacks. */
export const WASM_TRAINING_KERNELS: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput },
];

/** Kernels wasm has, replaced by faster ones made of its fast kernels. */
export const WASM_FASTER_KERNELS: KernelConfig[] = [{ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput }, WASM_MAX_POOL_GRAD];

let registered = false;

/** Registers the gradient kernels for wasm (once); harmless on other backends. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of WASM_TRAINING_KERNELS) {
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  }
  for (const config of WASM_FASTER_KERNELS) replaceKernel(config);
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (matMul) replaceKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: plainBatchMatMul(matMul.kernelFunc) });
}

function replaceKernel(config: KernelConfig): void {
  const old = tf.getKernel(config.kernelName, config.backendName);
  if (old) tf.unregisterKernel(config.kernelName, config.backendName);
  // wasm binds a kernel's native function in its setupFunc when the backend starts; a replacement
  // registered before that (the compute page registers early) keeps the original's.
  tf.registerKernel(old?.setupFunc && !config.setupFunc ? { ...config, setupFunc: old.setupFunc } : config);
}

/**
 * Makes the active backend able to train convolutions. The native backends and cpu can
 * already; wasm gets the kernels above.
 */
export async function ensureTrainable(): Promise<void> {
  await tf.ready();
  registerWasmTrainingKernels();
}
