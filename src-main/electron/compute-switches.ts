// What the hidden compute window needs from Chromium before the app is ready, and which backend
// it was asked for; pure functions (no Electron import), so tests check the real choices.
import { isPageGpuBackend, type PageGpuBackend } from '../core/backend.ts';

/**
 * Chromium switches, set before 'ready' (later they do nothing). WebGPU is still behind
 * enable-unsafe-webgpu in Electron; on Linux Chromium reaches GPUs through Vulkan only when asked.
 */
export function computeSwitches(platform: NodeJS.Platform): [name: string, value?: string][] {
  return platform === 'linux' ? [['enable-unsafe-webgpu'], ['enable-features', 'Vulkan']] : [['enable-unsafe-webgpu']];
}

/**
 * CLASSIFIER_BACKEND=webgl|webgpu is for the compute window. It is taken out of the environment so
 * the Node side (this process and the worker threads, which inherit it) picks its own backend
 * instead of refusing one it cannot have; any other value stays for the Node side.
 */
export function takePageBackend(env: NodeJS.ProcessEnv): PageGpuBackend | undefined {
  const value = env.CLASSIFIER_BACKEND?.trim().toLowerCase();
  if (!value || !isPageGpuBackend(value)) return undefined;
  delete env.CLASSIFIER_BACKEND;
  return value;
}
