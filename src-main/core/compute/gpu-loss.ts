// A GPU going away under the compute page: WebGL's context lost or WebGPU's device lost, as the
// page notices it (src-renderer/compute/watch.ts), coded so the window words it. A training
// session's reads race with it (session.ts): a read on a lost WebGL context waits on a fence that
// never passes. What a run does then is Node's to decide (training/routed-fit.ts).
import type * as tf from '@tensorflow/tfjs';
import { CodedError } from '../../shared/errors.ts';

/** How the page learns that its GPU went, and why: now (polled between steps) or whenever (raced with reads). */
export interface LossWatch {
  now(): GpuLoss | undefined;
  next: Promise<GpuLoss>;
}

/** Why the GPU went, coded (the window words it); the browser's own words about a lost device stay a value. */
export type GpuLoss = CodedError;
export const webglLost = (): GpuLoss => new CodedError('compute-webgl-lost', 'the WebGL context was lost');
export const webgpuLost = (detail: string): GpuLoss => new CodedError('compute-webgpu-lost', `the WebGPU device was lost (${detail})`, { detail });

/** The watch of a backend that cannot be lost (wasm, cpu). */
export const NEVER_LOST: LossWatch = { now: () => undefined, next: new Promise(() => {}) };

/** The GPU went away under a step. Its code and values are the loss's, so the reply carries them coded. */
export class ComputeLost extends CodedError {
  constructor(loss: GpuLoss) {
    super(loss.code, loss.message, loss.params);
  }
}

/**
 * A tensor's values, or ComputeLost: a read on a lost WebGL context waits on a fence that never
 * passes, so it is raced with the loss itself.
 */
export async function read(t: tf.Tensor, watch: LossWatch): Promise<Float32Array> {
  const lost = watch.now();
  if (lost) throw new ComputeLost(lost);
  const values = await Promise.race([
    t.data() as Promise<Float32Array>,
    watch.next.then((why) => {
      throw new ComputeLost(why);
    }),
  ]);
  return Float32Array.from(values);
}

/**
 * `work`'s answer, or ComputeLost at once when the GPU is lost before or while it runs: a request
 * of many reads (a recognition, a model's load) that a lost WebGL context would hold forever.
 * The abandoned work's tensors stay with the lost context, which frees nothing any more.
 */
export async function raced<T>(watch: LossWatch, work: () => Promise<T>): Promise<T> {
  const before = watch.now();
  if (before) throw new ComputeLost(before);
  try {
    return await Promise.race([
      work(),
      watch.next.then((why): never => {
        throw new ComputeLost(why);
      }),
    ]);
  } catch (err) {
    const lost = watch.now();
    throw lost && !(err instanceof ComputeLost) ? new ComputeLost(lost) : err;
  }
}

/** The page backend a loss's code names: main keeps that backend off the page from then on (client.ts). */
export function lostBackend(code: string | undefined): 'webgl' | 'webgpu' | undefined {
  return code === 'compute-webgl-lost' ? 'webgl' : code === 'compute-webgpu-lost' ? 'webgpu' : undefined;
}

/** Runs `f`; an error thrown while the GPU is lost is the loss, not a bug. */
export function guarded<T>(watch: LossWatch, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const lost = watch.now();
    throw lost ? new ComputeLost(lost) : err;
  }
}
