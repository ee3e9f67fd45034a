// How long the compute page may stay silent on a request before main counts it as stalled (a hung
// GPU driver, a page stuck in a fence that never signals): no lost context, no error, just
// nothing. The limits are generous and scale with the work, because a forced software adapter
// (SwiftShader, llvmpipe) is 10-50x slower than wasm and a first call compiles its shaders; they
// only have to tell "slow" from "never". The client (client.ts) counts from the page's last reply,
// so requests queued behind a slow one are not charged for its time.
import { CodedError } from '../../shared/errors.ts';
import type { ComputeRequest } from './port.ts';

export interface WatchdogLimits {
  /** Every request: the silence allowed before any work is counted (shader compiles included). */
  baseMs: number;
  /** Each picture of a recognition. */
  perPictureMs: number;
  /** Each example of a training or measuring batch. */
  perExampleMs: number;
  /** Each megabyte of a model's weights to load. */
  perMegabyteMs: number;
  /** A backend's timing (measure.ts), which runs many batches without a word in between. */
  measureMs: number;
}

export const GENEROUS_LIMITS: WatchdogLimits = {
  baseMs: 120_000,
  perPictureMs: 30_000,
  perExampleMs: 2_000,
  perMegabyteMs: 5_000,
  measureMs: 15 * 60_000,
};

const megabytes = (shards: Uint8Array[]) => shards.reduce((n, s) => n + s.byteLength, 0) / 1e6;
const examples = (batches: { y: ArrayLike<number> }[]) => batches.reduce((n, b) => n + b.y.length, 0);

/** The silence `req` is allowed, in ms: from its sending, or from the page's last word while it runs. */
export function limitOf(req: ComputeRequest, limits: WatchdogLimits = GENEROUS_LIMITS): number {
  const { baseMs, perPictureMs, perExampleMs, perMegabyteMs } = limits;
  switch (req.kind) {
    case 'recognize':
      return baseMs + perPictureMs * req.pixels.length;
    case 'load':
      return baseMs + perMegabyteMs * megabytes(req.files.shards);
    case 'trainSteps':
      return baseMs + perExampleMs * examples(req.batches);
    case 'measure':
      return limits.measureMs;
    case 'session': {
      const { call } = req;
      if (call.op === 'begin') return baseMs + perMegabyteMs * megabytes(call.spec.files.shards);
      if (call.op === 'step' || call.op === 'measure') return baseMs + perExampleMs * call.batch.y.length;
      return baseMs;
    }
    default:
      return baseMs;
  }
}

/** Calls that only free what the page holds: sent even to a stalled page, which frees them when it wakes. */
export function isCleanup(req: ComputeRequest): boolean {
  return req.kind === 'dispose' || (req.kind === 'session' && req.call.op === 'end');
}

/** A page that said nothing within a request's limit; the reason the logs give, coded so the window words it. */
export class PageStalled extends CodedError {
  constructor(kind: string, limitMs: number) {
    const seconds = Math.round(limitMs / 1000);
    super('compute-page-stalled', `the compute page stalled: no answer to ${kind} within ${seconds} s`, { request: kind, seconds });
  }
}
