// The live training curve without steps at the epoch boundaries. A batch event's loss and
// accuracy are the epoch's running means (as Keras prints them): they restart with each epoch,
// so drawn as they come the curve jumps at every boundary. Each batch's own value is taken back
// out of the running mean, then smoothed by an exponential moving average that carries over
// from one epoch to the next (as TensorBoard smooths).

export interface Smoother {
  epoch: number;
  /** The step and the running mean of the last event of this epoch. */
  step: number;
  mean: number;
  /** The smoothed value so far (undefined before the first batch). */
  value?: number;
}

export const newSmoother = (): Smoother => ({ epoch: 0, step: 0, mean: 0 });

/** Steps the average spans: a tenth of an epoch, at least 1 and at most 50. */
export const smoothingSteps = (stepsPerEpoch: number) => Math.min(50, Math.max(1, Math.round(stepsPerEpoch / 10)));

/** The smoothed value after the running mean `mean` at `step` of `epoch` (events may skip steps). */
export function smooth(s: Smoother, epoch: number, step: number, mean: number, steps: number): number {
  if (epoch !== s.epoch || step <= s.step) Object.assign(s, { epoch, step: 0, mean: 0 });
  const n = step - s.step;
  // The mean of the n batches since the last event: the sum so far less the sum before.
  const batches = (step * mean - s.step * s.mean) / n;
  s.step = step;
  s.mean = mean;
  const alpha = 1 - (1 - 1 / steps) ** n;
  s.value = s.value === undefined ? batches : s.value + alpha * (batches - s.value);
  return s.value;
}
