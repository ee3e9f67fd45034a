// MaxPoolGrad for the wasm backend, in JavaScript on the wasm heap. The stock C++ kernel finds
// each window's maximum again for every input pixel the window covers and runs on one thread; it
// took a quarter of a fashion-cnn training step (19 of 72 ms). Here each window's maximum is found
// once, all channels of a pixel together (contiguous in NHWC), and its gradient goes to that one
// input: the same rule as TensorFlow and tfjs's cpu backend (the first maximum in window order;
// windows that overlap add up).
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';

/** The wasm backend's own access to tensors in its heap. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const wasm = backend as unknown as WasmHeapBackend;
  const out = wasm.makeOutput(input.shape, 'float32');
  // Views after the allocation: making the output may grow (and move) the heap.
  const [x, g, dx] = [wasm.typedArrayFromHeap(input), wasm.typedArrayFromHeap(dy), wasm.typedArrayFromHeap(out)];
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const best = new Float32Array(ch);
  const at = new Int32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      for (let c = 0; c < outWidth; c++) {
        best.fill(-Infinity);
        at.fill(-1);
        for (let wr = 0; wr < fh; wr += dh) {
          const xr = r * strideHeight - top + wr;
          if (xr < 0 || xr >= inHeight) continue;
          for (let wc = 0; wc < fw; wc += dw) {
            const xc = c * strideWidth - left + wc;
            if (xc < 0 || xc >= inWidth) continue;
            const base = ((b * inHeight + xr) * inWidth + xc) * ch;
            for (let k = 0; k < ch; k++) {
              const v = x[base + k]!;
              if (v > best[k]!) {
                best[k] = v;
                at[k] = base + k;
              }
            }
          }
        }
        const gBase = ((b * outHeight + r) * outWidth + c) * ch;
        for (let k = 0; k < ch; k++) if (at[k]! >= 0) dx[at[k]!] += g[gBase + k]!;
      }
    }
  }
  return out;
};

export const WASM_MAX_POOL_GRAD: KernelConfig = { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad };
