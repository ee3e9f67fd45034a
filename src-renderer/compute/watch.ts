// Noticing that the GPU under the backend went away: WebGL's context lost (a driver reset, the
// GPU process crashing, WEBGL_lose_context in a test) or WebGPU's device lost. tfjs itself never
// says so: its reads on a lost WebGL context wait forever, so the engine races them with this.
import type * as tf from '@tensorflow/tfjs';
import { NEVER_LOST, webglLost, webgpuLost, type GpuLoss, type LossWatch } from '../../src-main/core/compute/gpu-loss.ts';

interface WebGlBackend {
  gpgpu: { gl: WebGL2RenderingContext; itemsToPoll?: unknown[] };
}
interface WebGpuBackend {
  device: { lost: Promise<{ reason?: string; message?: string }> };
}

export function watchBackend(name: string, backend: tf.KernelBackend): LossWatch {
  if (name === 'webgl') {
    const { gpgpu } = backend as unknown as WebGlBackend;
    const gl = gpgpu.gl;
    const why = webglLost();
    const next = new Promise<GpuLoss>((resolve) =>
      gl.canvas.addEventListener(
        'webglcontextlost',
        () => {
          // tfjs polls its fences every tick until they pass; on a lost context none ever does.
          gpgpu.itemsToPoll = [];
          resolve(why);
        },
        { once: true },
      ),
    );
    return { now: () => (gl.isContextLost() ? why : undefined), next };
  }
  if (name === 'webgpu') {
    let lost: GpuLoss | undefined;
    const next = (backend as unknown as WebGpuBackend).device.lost.then((info) => (lost = webgpuLost([info.reason, info.message].filter(Boolean).join(': ') || 'no reason given')));
    return { now: () => lost, next };
  }
  return NEVER_LOST;
}
