// Epochs and batch size for a transfer run that was not given them, from the size of its
// training set: a fixed 10 epochs of batch 32 gives 30 photos a single step per epoch and 10
// steps in all, far too few for the head to learn; a big set needs no more than the old defaults.
import { logLine, type LogLine } from '../../shared/log-messages.ts';

/** A small set still gets this many steps per epoch (the batch shrinks, down to 1). */
export const MIN_STEPS_PER_EPOCH = 8;
/** And this many steps in all (the epochs grow, up to MAX_AUTO_EPOCHS). */
export const MIN_TOTAL_STEPS = 150;
export const MAX_BATCH_SIZE = 32;
export const MIN_AUTO_EPOCHS = 10;
export const MAX_AUTO_EPOCHS = 100;

export interface ChosenSettings {
  epochs: number;
  batchSize: number;
  /** Which of the two were chosen here (the others were given). */
  chosen: ('epochs' | 'batchSize')[];
}

/** The largest power of two up to `x`, at least 1. */
const powerOfTwoBelow = (x: number) => 2 ** Math.max(0, Math.floor(Math.log2(Math.max(1, x))));

export function sizeAwareSettings(trainSize: number, given: { epochs?: number; batchSize?: number }): ChosenSettings {
  const chosen: ChosenSettings['chosen'] = [];
  let batchSize = given.batchSize;
  if (batchSize === undefined) {
    batchSize = Math.min(MAX_BATCH_SIZE, powerOfTwoBelow(trainSize / MIN_STEPS_PER_EPOCH));
    chosen.push('batchSize');
  }
  let epochs = given.epochs;
  if (epochs === undefined) {
    const steps = Math.max(1, Math.ceil(trainSize / batchSize));
    epochs = Math.min(MAX_AUTO_EPOCHS, Math.max(MIN_AUTO_EPOCHS, Math.ceil(MIN_TOTAL_STEPS / steps)));
    chosen.push('epochs');
  }
  return { epochs, batchSize, chosen };
}

/** The log line of a run whose settings were (partly) chosen here; undefined when all were given. */
export function chosenNote(s: ChosenSettings, trainSize: number): LogLine | undefined {
  if (!s.chosen.length) return undefined;
  const steps = Math.ceil(trainSize / s.batchSize);
  const code = s.chosen.length === 2 ? 'chosen-both' : s.chosen[0] === 'epochs' ? 'chosen-epochs' : 'chosen-batch-size';
  return logLine(code, { count: trainSize, epochs: s.epochs, batchSize: s.batchSize, steps, total: steps * s.epochs });
}
