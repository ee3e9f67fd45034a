// The waiting that Keras's EarlyStopping and ReduceLROnPlateau share: count the epochs since
// the monitored value last improved, and say when `patience` of them have gone by.
import type { Monitor } from './config.ts';

/** Accuracy must rise, loss must fall, each by more than minDelta. */
export function improves(monitor: Monitor, value: number, best: number, minDelta: number): boolean {
  return monitor.endsWith('accuracy') ? value > best + minDelta : value < best - minDelta;
}

export class Plateau {
  private best: number | undefined;
  private wait = 0;

  constructor(
    readonly monitor: Monitor,
    readonly patience: number,
    readonly minDelta = 0,
  ) {}

  /** Feeds one epoch's value; true when `patience` epochs in a row brought no improvement (Keras: wait >= patience). */
  update(value: number): boolean {
    if (this.best === undefined || improves(this.monitor, value, this.best, this.minDelta)) {
      this.best = value;
      this.wait = 0;
      return false;
    }
    this.wait++;
    return this.wait >= this.patience;
  }

  /** Starts counting again, as ReduceLROnPlateau does after lowering the rate. */
  restart(): void {
    this.wait = 0;
  }
}
