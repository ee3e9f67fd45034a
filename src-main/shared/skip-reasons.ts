// Why the chooser passed a backend over, coded like errors.ts: the CLI and logs print the code, the
// window shows each locale's words (renderer locales, `compute.reasons`). Dependency-free, so the
// renderer can import the codes too.

/** Why a backend was not the choice (core/compute/choose.ts); a code, so each window says it in its own language. */
export const SKIP_REASONS = ['unavailable', 'software-adapter', 'failed', 'not-measured', 'slower', 'not-requested'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
