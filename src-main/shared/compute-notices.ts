// What the compute page tells about where it computes, coded like errors.ts: the English message
// travels with the code and values (the CLI and logs print it), the window shows each locale's
// words (renderer locales, `compute`). Dependency-free, so the renderer can import the codes too.

/** fell-back: going on from the best epoch so far; fell-back-start: no epoch had ended, from the starting weights. */
export const COMPUTE_NOTICE_CODES = ['fell-back', 'fell-back-start'] as const;
export type ComputeNoticeCode = (typeof COMPUTE_NOTICE_CODES)[number];

/** Why a backend was not the choice (core/compute/choose.ts); a code, so each window says it in its own language. */
export const SKIP_REASONS = ['unavailable', 'software-adapter', 'failed', 'not-measured', 'slower', 'not-requested'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A GPU went away mid-run (context lost, device lost) and the run went on on wasm. */
export interface FellBack {
  from: string;
  to: 'wasm';
  /** As the browser said it, in English. */
  reason: string;
  /** The epoch that was running when the GPU went. */
  atEpoch: number;
  /** The best epoch, whose weights the run went on from (0: none yet, the weights it started with). */
  resumeAfter: number;
}

export interface ComputeNotice {
  code: ComputeNoticeCode;
  message: string;
  params: Record<string, string | number>;
}

export function fellBackNotice(f: FellBack): ComputeNotice {
  const params = { from: f.from, to: f.to, reason: f.reason, epoch: f.atEpoch, best: f.resumeAfter };
  const head = `Fell back to wasm: ${f.reason} (${f.from}, epoch ${f.atEpoch}); the run goes on from`;
  return f.resumeAfter
    ? { code: 'fell-back', message: `${head} the best epoch so far (${f.resumeAfter}).`, params }
    : { code: 'fell-back-start', message: `${head} the starting weights.`, params };
}
