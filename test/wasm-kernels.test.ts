// The gradient kernels that let wasm train, checked against the cpu backend's own kernels.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { ensureTrainable } from '../src-main/core/backends/wasm-training-kernels.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';

type Pad = 'same' | 'valid';
interface Case {
  batch: number;
  h: number;
  w: number;
  c: number;
  out: number;
  k: [number, number];
  stride: number;
  dilation: number;
  pad: Pad;
}

const random = mulberry32(20261125);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const values = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);

/** Random shapes over strides 1 and 2, same and valid padding, and dilation 2 (with stride 1, as TensorFlow allows). */
function cases(count: number, channelMultiplier: boolean, channels: [number, number] = [1, 6]): Case[] {
  const list: Case[] = [];
  for (let i = 0; i < count; i++) {
    const dilation = i % 4 === 3 ? 2 : 1;
    const stride = dilation > 1 ? 1 : 1 + (i % 2);
    const k: [number, number] = [int(1, 5), int(1, 5)];
    const h = int(k[0] * dilation + 2, 17);
    const w = int(k[1] * dilation + 2, 17);
    const c = int(...channels);
    list.push({ batch: int(1, 3), h, w, c, out: channelMultiplier ? int(1, 3) : int(1, 8), k, stride, dilation, pad: i % 3 === 0 ? 'valid' : 'same' });
  }
  return list;
}

/** max |a - b| over max |b|: the relative error of a whole tensor. */
function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

async function runKernel(
  backend: 'cpu' | 'wasm',
  name: string,
  inputs: Record<string, { shape: number[]; data: Float32Array }>,
  attrs: object,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
  const out = tf.engine().runKernel(name, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, data: (await out.data()) as Float32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** A dilated filter as the plain filter with (d - 1) zeros between taps: the cpu kernels' reference for dilation. */
function dilateFilter(f: Float32Array, [kh, kw, c, m]: number[], d: number): { shape: number[]; data: Float32Array } {
  const dh = (kh! - 1) * d + 1;
  const dw = (kw! - 1) * d + 1;
  const out = new Float32Array(dh * dw * c! * m!);
  for (let i = 0; i < kh!; i++) for (let j = 0; j < kw!; j++) for (let q = 0; q < c! * m!; q++) out[(i * d * dw + j * d) * c! * m! + q] = f[(i * kw! + j) * c! * m! + q]!;
  return { shape: [dh, dw, c!, m!], data: out };
}

function undilateFilter(f: Float32Array, [kh, kw, c, m]: number[], d: number): Float32Array {
  const dw = (kw! - 1) * d + 1;
  const out = new Float32Array(kh! * kw! * c! * m!);
  for (let i = 0; i < kh!; i++) for (let j = 0; j < kw!; j++) for (let q = 0; q < c! * m!; q++) out[(i * kw! + j) * c! * m! + q] = f[(i * d * dw + j * d) * c! * m! + q]!;
  return out;
}

function outShape(t: Case, filterShape: number[], depthwise: boolean): number[] {
  const info = tf.backend_util.computeConv2DInfo([t.batch, t.h, t.w, t.c], filterShape as [number, number, number, number], t.stride, t.dilation, t.pad, undefined, depthwise);
  return info.outShape;
}

beforeAll(async () => {
  const report = await initBackend('wasm');
  expect(report.backend).toBe('wasm');
  await ensureTrainable();
});

describe('wasm gradient kernels equal the cpu backend', () => {
  for (const [kernel, depthwise] of [
    ['Conv2DBackpropFilter', false],
    ['DepthwiseConv2dNativeBackpropFilter', true],
  ] as const) {
    it(kernel, async () => {
      // Conv2DBackpropFilter goes another way from 16 input channels on.
      for (const t of [...cases(24, depthwise), ...(depthwise ? [] : cases(12, false, [16, 20]))]) {
        const filterShape = [t.k[0], t.k[1], t.c, t.out];
        const x = { shape: [t.batch, t.h, t.w, t.c], data: values(t.batch * t.h * t.w * t.c) };
        const dyShape = outShape(t, filterShape, depthwise);
        const dy = { shape: dyShape, data: values(dyShape.reduce((a, b) => a * b, 1)) };
        const attrs = { strides: t.stride, pad: t.pad, dataFormat: 'NHWC', filterShape, dilations: t.dilation };
        const wasm = await runKernel('wasm', kernel, { x, dy }, attrs);
        // cpu's kernels ignore dilation: differentiate the zero-filled dilated filter instead.
        const dilated = dilateFilter(new Float32Array(filterShape.reduce((a, b) => a * b, 1)), filterShape, t.dilation).shape;
        const cpu = await runKernel('cpu', kernel, { x, dy }, { ...attrs, filterShape: dilated, dilations: 1 });
        expect(wasm.shape).toEqual(filterShape);
        expect(relativeError(wasm.data, undilateFilter(cpu.data, filterShape, t.dilation)), JSON.stringify(t)).toBeLessThan(1e-4);
      }
    });
  }

  it('DepthwiseConv2dNativeBackpropInput (without a multiplier, a forward depthwise convolution)', async () => {
    const plain = cases(24, true).map((t, i) => ({ ...t, stride: t.dilation > 1 ? 1 : 1 + (i % 3), out: 1 }));
    for (const t of [...cases(24, true), ...plain]) {
      const filterShape = [t.k[0], t.k[1], t.c, t.out];
      const inputShape = [t.batch, t.h, t.w, t.c];
      const filter = { shape: filterShape, data: values(filterShape.reduce((a, b) => a * b, 1)) };
      const dyShape = outShape(t, filterShape, true);
      const dy = { shape: dyShape, data: values(dyShape.reduce((a, b) => a * b, 1)) };
      const attrs = { strides: t.stride, pad: t.pad, inputShape, dilations: t.dilation };
      const wasm = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
      const cpu = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: dilateFilter(filter.data, filterShape, t.dilation) }, { ...attrs, dilations: 1 });
      expect(wasm.shape).toEqual(inputShape);
      expect(relativeError(wasm.data, cpu.data), JSON.stringify(t)).toBeLessThan(1e-4);
    }
  });

  it('Conv2DBackpropInput (replaced by a forward convolution)', async () => {
    for (const t of cases(24, false).filter((c) => c.dilation === 1)) {
      const filterShape = [t.k[0], t.k[1], t.c, t.out];
      const inputShape = [t.batch, t.h, t.w, t.c];
      const filter = { shape: filterShape, data: values(filterShape.reduce((a, b) => a * b, 1)) };
      const dyShape = outShape(t, filterShape, false);
      const dy = { shape: dyShape, data: values(dyShape.reduce((a, b) => a * b, 1)) };
      const attrs = { strides: t.stride, pad: t.pad, dataFormat: 'NHWC', inputShape };
      const wasm = await runKernel('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
      const cpu = await runKernel('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
      expect(wasm.shape).toEqual(inputShape);
      expect(relativeError(wasm.data, cpu.data), JSON.stringify(t)).toBeLessThan(1e-4);
    }
  });

  it('MaxPoolGrad (one pass per window), ties and overlapping windows included', async () => {
    for (let i = 0; i < 30; i++) {
      const size: [number, number] = [int(1, 3), int(1, 3)];
      const stride: [number, number] = [int(1, 3), int(1, 3)];
      const pad: Pad = i % 2 ? 'same' : 'valid';
      const shape = [int(1, 3), int(size[0], 11), int(size[1], 11), int(1, 9)];
      const n = shape.reduce((a, b) => a * b, 1);
      // Every third case from four levels only, so that windows hold equal maxima.
      const input = { shape, data: i % 3 === 0 ? Float32Array.from({ length: n }, () => int(0, 3) / 2) : values(n) };
      const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], size, stride, 1, pad);
      const dy = { shape: info.outShape, data: values(info.outShape.reduce((a, b) => a * b, 1)) };
      const output = await runKernel('cpu', 'MaxPool', { x: input }, { filterSize: size, strides: stride, pad });
      const attrs = { filterSize: size, strides: stride, pad };
      const wasm = await runKernel('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
      const cpu = await runKernel('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
      expect(wasm.shape).toEqual(shape);
      expect(relativeError(wasm.data, cpu.data), JSON.stringify({ shape, size, stride, pad })).toBeLessThan(1e-6);
    }
  });

  it("BatchMatMul with transposed operands (dense layers' gradients), either way round", async () => {
    // [32, 64] x [300, 64]^T swaps the operands (B is the big one); [64, 300] x [10, 300]^T does not.
    for (const [batch, m, k, n] of [
      [1, 7, 5, 3],
      [3, 4, 9, 2],
      [1, 64, 300, 10],
      [1, 32, 64, 300],
      [2, 3, 40, 50],
    ] as const) {
      for (const [transposeA, transposeB] of [
        [true, false],
        [true, true],
        [false, true],
      ]) {
        const a = { shape: transposeA ? [batch, k, m] : [batch, m, k], data: values(batch * k * m) };
        const b = { shape: transposeB ? [batch, n, k] : [batch, k, n], data: values(batch * k * n) };
        const attrs = { transposeA, transposeB };
        const wasm = await runKernel('wasm', 'BatchMatMul', { a, b }, attrs);
        const cpu = await runKernel('cpu', 'BatchMatMul', { a, b }, attrs);
        expect(wasm.shape).toEqual([batch, m, n]);
        expect(relativeError(wasm.data, cpu.data), JSON.stringify({ batch, m, k, n, transposeA, transposeB })).toBeLessThan(1e-4);
      }
    }
  });

  it('gives a whole conv net the cpu gradients and frees its intermediates', async () => {
    const x = tf.tensor(values(2 * 12 * 12 * 3), [2, 12, 12, 3]);
    const w1 = tf.tensor(values(3 * 3 * 3 * 4), [3, 3, 3, 4]);
    const w2 = tf.tensor(values(3 * 3 * 4 * 2), [3, 3, 4, 2]);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() =>
        tf
          .depthwiseConv2d(tf.relu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 2, 'same')), b as tf.Tensor4D, 1, 'valid')
          .square()
          .sum(),
      );
    const grads = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const g = tf.grads(loss)([w1, w2]);
      const data = await Promise.all(g.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(g);
      return data;
    };
    const reference = await grads('cpu');
    await tf.setBackend('wasm');
    await grads('wasm'); // warm up
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    const wasm = await grads('wasm');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    for (let i = 0; i < 2; i++) expect(relativeError(wasm[i]!, reference[i]!)).toBeLessThan(1e-4);
    tf.dispose([x, w1, w2]);
  });
});
