// The backend chooser: measured figures decide, software renderers never win by themselves, a forced
// choice is honoured, and wasm is the floor.
import { describe, expect, it } from 'vitest';
import { chooseBackend, isSoftwareRenderer, type Candidate } from '../src-main/core/compute/choose.ts';

const swiftshader = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const wasm: Candidate = { backend: 'wasm', available: true, measured: { inferenceMs: 300, trainStepMs: 40 } };

describe('chooseBackend', () => {
  it('names software rasterizers as software, real GPUs not', () => {
    expect([swiftshader, 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Microsoft Basic Render Driver', 'google swiftshader'].every(isSoftwareRenderer)).toBe(true);
    expect(
      ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)', 'Apple M2', 'AMD Radeon RX 6600 (radeonsi, navi23, LLVM 15.0.6)', 'nvidia ampere'].some(
        isSoftwareRenderer,
      ),
    ).toBe(false);
  });

  it('refuses a software adapter even when it measured faster, and says why', () => {
    const webgl: Candidate = { backend: 'webgl', available: true, adapter: { name: swiftshader, software: true }, measured: { inferenceMs: 1, trainStepMs: 1 } };
    const choice = chooseBackend([webgl, wasm]);
    expect(choice).toMatchObject({ backend: 'wasm', forced: false });
    expect(choice.skipped).toEqual([{ backend: 'webgl', reason: 'software-adapter', detail: swiftshader }]);
  });

  it('honours a forced software adapter', () => {
    const webgpu: Candidate = { backend: 'webgpu', available: true, adapter: { name: 'google swiftshader', software: true } };
    const choice = chooseBackend([webgpu, wasm], 'webgpu');
    expect(choice).toMatchObject({ backend: 'webgpu', forced: true, adapter: { software: true } });
    expect(choice.skipped).toEqual([{ backend: 'wasm', reason: 'not-requested' }]);
  });

  it('keeps the fastest hardware backend by a recognition batch plus a training step', () => {
    const gpu = { name: 'NVIDIA GeForce RTX 3060', software: false };
    const webgl: Candidate = { backend: 'webgl', available: true, adapter: gpu, measured: { inferenceMs: 30, trainStepMs: 20 } };
    const webgpu: Candidate = { backend: 'webgpu', available: true, adapter: gpu, measured: { inferenceMs: 20, trainStepMs: 25 } };
    const choice = chooseBackend([webgpu, webgl, wasm]);
    expect(choice.backend).toBe('webgpu');
    expect(choice.skipped.map((s) => [s.backend, s.reason])).toEqual([
      ['webgl', 'slower'],
      ['wasm', 'slower'],
    ]);
    // A GPU slower than wasm loses to it.
    expect(chooseBackend([{ ...webgl, measured: { inferenceMs: 400, trainStepMs: 50 } }, wasm]).backend).toBe('wasm');
  });

  it('skips what is missing, failed or unmeasured, and falls back to wasm', () => {
    const choice = chooseBackend([
      { backend: 'tfjs-node-gpu', available: false, detail: 'not installed' },
      { backend: 'webgpu', available: true, adapter: { name: 'x', software: false }, detail: 'device lost' },
      { backend: 'webgl', available: true, adapter: { name: 'y', software: false } },
      { backend: 'wasm', available: true },
    ]);
    expect(choice.backend).toBe('wasm');
    expect(choice.skipped.map((s) => s.reason)).toEqual(['unavailable', 'failed', 'not-measured']);
  });

  it('a forced backend that is not there falls back, saying so', () => {
    const choice = chooseBackend([{ backend: 'webgpu', available: false, detail: 'no adapter' }, wasm], 'webgpu');
    expect(choice).toMatchObject({ backend: 'wasm', forced: false });
    expect(choice.skipped[0]).toEqual({ backend: 'webgpu', reason: 'unavailable', detail: 'no adapter' });
  });
});
