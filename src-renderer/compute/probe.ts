// What this page's GPU backends would run on: WebGPU's adapter and WebGL's renderer, named as their
// drivers name them, and whether that is a software rasterizer (never an automatic choice).
import { isSoftwareRenderer } from '../../src-main/core/compute/choose.ts';
import type { BackendProbe } from '../../src-main/core/compute/port.ts';

// TypeScript's DOM library has no WebGPU types yet; only what is read here.
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?(): Promise<GpuAdapterInfo>;
}
type Gpu = { requestAdapter(): Promise<GpuAdapter | null> };

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function probeWebGpu(): Promise<BackendProbe> {
  const gpu = (navigator as unknown as { gpu?: Gpu }).gpu;
  if (!gpu) return { backend: 'webgpu', available: false, detail: 'navigator.gpu is missing (WebGPU disabled, or not a secure context)' };
  try {
    const adapter: GpuAdapter | null = await gpu.requestAdapter();
    if (!adapter) return { backend: 'webgpu', available: false, detail: 'no WebGPU adapter (on Linux Chromium needs --enable-unsafe-webgpu --enable-features=Vulkan)' };
    // adapter.info since Chromium 127; requestAdapterInfo() before it.
    const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed WebGPU adapter';
    const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || isSoftwareRenderer(name);
    return { backend: 'webgpu', available: true, adapter: { name, software } };
  } catch (err) {
    return { backend: 'webgpu', available: false, detail: why(err) };
  }
}

export function probeWebGl(): BackendProbe {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return { backend: 'webgl', available: false, detail: 'no WebGL2 context' };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { backend: 'webgl', available: true, adapter: { name, software: isSoftwareRenderer(name) } };
  } catch (err) {
    return { backend: 'webgl', available: false, detail: why(err) };
  }
}
