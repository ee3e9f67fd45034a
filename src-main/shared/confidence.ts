// The confidence threshold of Recognize (and `predict --threshold`): below it the answer is "not
// sure" rather than a confident wrong label. Pure, so the window and the CLI decide alike.

/** Half: a label the model gives more than even odds. */
export const DEFAULT_THRESHOLD = 0.5;

/** A threshold as a fraction in [0, 1]; anything else (a missing, edited or garbled setting) is the default. */
export function parseThreshold(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : DEFAULT_THRESHOLD;
}

export interface Verdict<P> {
  /** The most probable answer clears the threshold. */
  sure: boolean;
  /** The most probable answer, sure or not; undefined for no answers. */
  best: P | undefined;
}

/**
 * Sure when the best answer's probability is at least the threshold, and no warning says the
 * photo is not of what the model knows (shared/recognize-warnings.ts). `top` is the model's answers
 * (any order); a threshold of 0 is always sure, one above 1 never.
 */
export function verdict<P extends { probability: number }>(top: readonly P[], threshold: number, warnings: readonly { code: string }[] = []): Verdict<P> {
  let best: P | undefined;
  for (const p of top) if (!best || p.probability > best.probability) best = p;
  // A dog-breed answer for a photo that is no dog is a guess however high its renormalized probability.
  const doubted = warnings.some((w) => w.code === 'not-a-dog');
  return { sure: !doubted && !!best && Number.isFinite(best.probability) && best.probability >= threshold, best };
}
