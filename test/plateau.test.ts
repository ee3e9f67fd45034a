// EarlyStopping and ReduceLROnPlateau wait as Keras does.
import { describe, expect, it } from 'vitest';
import { Plateau } from '../src-main/core/training/plateau.ts';

const feed = (p: Plateau, values: number[]) => values.map((v) => p.update(v));

describe('Plateau (EarlyStopping / ReduceLROnPlateau)', () => {
  it('fires after `patience` epochs without a lower loss, as Keras stops (wait >= patience)', () => {
    // Keras EarlyStopping(patience=3) on val_loss stops at the 3rd epoch after the best one.
    expect(feed(new Plateau('val_loss', 3), [0.5, 0.4, 0.45, 0.41, 0.42])).toEqual([false, false, false, false, true]);
  });

  it('counts from the last improvement, and min_delta decides what improves', () => {
    expect(feed(new Plateau('val_loss', 2), [1, 0.9, 0.95, 0.8, 0.85, 0.81])).toEqual([false, false, false, false, false, true]);
    expect(feed(new Plateau('loss', 2, 0.05), [1, 0.97, 0.96])).toEqual([false, false, true]);
  });

  it('wants accuracy to rise', () => {
    expect(feed(new Plateau('val_accuracy', 1), [0.8, 0.85, 0.85])).toEqual([false, false, true]);
  });

  it('patience 0 stops at the first epoch that does not improve', () => {
    expect(feed(new Plateau('val_loss', 0), [1, 0.9, 0.95])).toEqual([false, false, true]);
  });

  it('starts counting again after a restart (ReduceLROnPlateau after lowering the rate)', () => {
    const p = new Plateau('val_loss', 2);
    expect(feed(p, [1, 1.1, 1.2])).toEqual([false, false, true]);
    p.restart();
    expect(feed(p, [1.3, 1.4])).toEqual([false, true]);
  });
});
