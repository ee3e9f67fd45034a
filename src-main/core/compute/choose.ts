// Which backend computes, decided from what was measured on this machine rather than guessed:
// the fastest hardware backend, never a software renderer unless someone asks for it by name,
// and wasm when nothing beats it. Pure: the figures come from whoever timed them.
import { SKIP_REASONS, type SkipReason } from '../../shared/skip-reasons.ts';

export const COMPUTE_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type ComputeBackend = (typeof COMPUTE_BACKENDS)[number];

export { SKIP_REASONS, type SkipReason };

export interface Adapter {
  /** What the driver calls the device ("ANGLE (..., SwiftShader driver)", "nvidia ampere"). */
  name: string;
  /** A CPU pretending to be a GPU (SwiftShader, llvmpipe): 10-50x slower than wasm. */
  software: boolean;
}

export interface Candidate {
  backend: ComputeBackend;
  available: boolean;
  adapter?: Adapter;
  /** Milliseconds for one MobileNet batch and one training step of the Fashion-MNIST CNN. */
  measured?: { inferenceMs: number; trainStepMs: number };
  /** Why it is unavailable or why measuring it failed, as the backend said it. */
  detail?: string;
}

export interface Skipped {
  backend: ComputeBackend;
  reason: SkipReason;
  detail?: string;
}

export interface Choice {
  backend: ComputeBackend;
  adapter?: Adapter;
  /** True when it was asked for by name (CLASSIFIER_BACKEND, the Settings). */
  forced: boolean;
  skipped: Skipped[];
}

const SOFTWARE = /SwiftShader|llvmpipe|softpipe|Software|Microsoft Basic Render/i;

/** Whether a renderer or adapter description names a software rasterizer. */
export function isSoftwareRenderer(name: string): boolean {
  return SOFTWARE.test(name);
}

/** The figure backends are ranked by: a recognition batch and a training step, equally weighted. */
const cost = (c: Candidate) => (c.measured ? c.measured.inferenceMs + c.measured.trainStepMs : Infinity);

function fallback(candidates: readonly Candidate[]): Candidate {
  const floor = candidates.find((c) => c.backend === 'wasm' && c.available) ?? candidates.find((c) => c.backend === 'cpu' && c.available);
  return floor ?? { backend: 'cpu', available: true };
}

/**
 * The backend to compute with. A forced one is honoured when it is available, software or not;
 * a forced one that is not available falls back like the automatic choice, saying why.
 */
export function chooseBackend(candidates: readonly Candidate[], forced?: ComputeBackend): Choice {
  const skipped: Skipped[] = [];
  const skip = (c: Candidate, reason: SkipReason, detail = c.detail) => skipped.push({ backend: c.backend, reason, ...(detail ? { detail } : {}) });
  if (forced) {
    const wanted = candidates.find((c) => c.backend === forced);
    if (wanted?.available) {
      for (const c of candidates) if (c !== wanted) skip(c, 'not-requested');
      return { backend: wanted.backend, ...(wanted.adapter ? { adapter: wanted.adapter } : {}), forced: true, skipped };
    }
    skip(wanted ?? { backend: forced, available: false }, 'unavailable');
  }
  let best: Candidate | undefined;
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    if (c.backend === forced) continue;
    if (!c.available) skip(c, 'unavailable');
    else if (c.adapter?.software) skip(c, 'software-adapter', c.adapter.name);
    else if (c.detail) skip(c, 'failed');
    else if (!c.measured && c.backend !== 'wasm' && c.backend !== 'cpu') skip(c, 'not-measured');
    else eligible.push(c);
  }
  // Unmeasured wasm/cpu stay eligible as the floor, but any measured backend beats "unknown".
  const measured = eligible.filter((c) => c.measured);
  for (const c of measured) if (!best || cost(c) < cost(best)) best = c;
  best ??= fallback(eligible);
  for (const c of eligible) if (c !== best) skip(c, 'slower');
  return { backend: best.backend, ...(best.adapter ? { adapter: best.adapter } : {}), forced: false, skipped };
}

/** One line for logs and the About box: the choice, its adapter, and why the others lost. */
export function describeChoice(choice: Choice): string {
  const head = `${choice.backend}${choice.adapter ? ` on ${choice.adapter.name}` : ''}${choice.forced ? ' (asked for)' : ''}`;
  const skipped = choice.skipped.map((s) => `${s.backend} ${s.reason}${s.detail ? ` (${s.detail})` : ''}`);
  return skipped.length ? `${head}; skipped: ${skipped.join('; ')}` : head;
}
