// @vitest-environment happy-dom
// The live training curves: no step at each epoch boundary (the running mean restarts there), a
// resumed run shows the epochs before its stop, and a series of one point is drawn as a dot.
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Line } from 'vue-chartjs';
import type { TrainEvent } from '../../src-main/contract.ts';
import CurveChart from '../../src-renderer/src/components/CurveChart.vue';
import { newSmoother, smooth } from '../../src-renderer/src/lib/curves.ts';
import { useTrainingStore } from '../../src-renderer/src/stores/training.ts';
import { plugins } from './setup.ts';

/** Batch events of `epochs` epochs whose batches have loss 2 − 0.01·k (k counts every batch): running means, as fit() sends. */
function batches(epochs: number, steps: number): Extract<TrainEvent, { event: 'batch' }>[] {
  const out: Extract<TrainEvent, { event: 'batch' }>[] = [];
  let k = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0;
    for (let step = 1; step <= steps; step++) {
      const loss = 2 - 0.01 * k++;
      sum += loss;
      out.push({ event: 'batch', epoch, step, steps, loss: sum / step, accuracy: 0.5, samplesPerSec: 1, etaEpoch: 0, etaRun: 0 });
    }
  }
  return out;
}
const start = (epochs: number, before?: TrainEvent extends infer E ? (E extends { event: 'start'; before?: infer B } ? B : never) : never): TrainEvent => ({
  event: 'start',
  network: 'lenet5',
  dataset: 'mnist',
  backend: 'cpu',
  train: 100,
  validation: 10,
  test: 0,
  epochs,
  batchSize: 10,
  stepsPerEpoch: 10,
  summary: { layers: [], totalParams: 0, trainableParams: 0 } as never,
  classNames: ['a', 'b'],
  ...(before ? { before } : {}),
});

describe('the live training curve', () => {
  it("follows the batches across an epoch boundary without the running mean's jump", () => {
    const events = batches(2, 50);
    const raw = events.map((e) => e.loss);
    const s = newSmoother();
    const drawn = events.map((e) => smooth(s, e.epoch, e.step, e.loss, 5));
    // Drawn as sent, the curve jumps up by nearly half a unit where epoch 2 starts.
    expect(raw[49]! - raw[50]!).toBeGreaterThan(0.2);
    // Smoothed, every step is about one batch's change (0.01), the boundary too.
    const steps = drawn.slice(1).map((v, i) => Math.abs(v - drawn[i]!));
    expect(Math.max(...steps)).toBeLessThan(0.03);
    // And it tracks the batches: at the end it lies within a few batches' change of the last one.
    expect(Math.abs(drawn.at(-1)! - (2 - 0.01 * 99))).toBeLessThan(0.06);
  });

  it('works when events skip steps (they are throttled)', () => {
    const events = batches(2, 40).filter((e) => e.step % 4 === 0);
    const s = newSmoother();
    const drawn = events.map((e) => smooth(s, e.epoch, e.step, e.loss, 5));
    const steps = drawn.slice(1).map((v, i) => Math.abs(v - drawn[i]!));
    expect(Math.max(...steps)).toBeLessThan(0.06);
  });

  it('in the store: the drawn points carry no jump at the boundary', () => {
    plugins();
    const store = useTrainingStore();
    store.apply(start(2));
    for (const e of batches(2, 50)) store.apply(e);
    const ys = store.run.curves.loss.map((p) => p.y);
    expect(ys).toHaveLength(100);
    expect(Math.max(...ys.slice(1).map((v, i) => Math.abs(v - ys[i]!)))).toBeLessThan(0.03);
  });

  it('a resumed run draws the epochs before the stop, then goes on', () => {
    plugins();
    const store = useTrainingStore();
    const rec = (epoch: number) => ({ epoch, loss: 1 / epoch, accuracy: 0.5 + epoch / 10, val_loss: 1.2 / epoch, val_accuracy: 0.4 + epoch / 10, lr: 0.001, seconds: 1 });
    store.apply(start(5, [rec(1), rec(2), rec(3)]));
    expect(store.run.curves.loss).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 0.5 },
      { x: 3, y: 1 / 3 },
    ]);
    expect(store.run.curves.valAccuracy.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(store.run.epochsDone).toBe(3);
    store.apply({ event: 'batch', epoch: 4, step: 1, steps: 10, loss: 0.3, accuracy: 0.9, samplesPerSec: 1, etaEpoch: 0, etaRun: 0 });
    expect(store.run.curves.loss.at(-1)).toEqual({ x: 3.1, y: 0.3 });
    store.apply({ event: 'epoch', epoch: 4, loss: 0.25, accuracy: 0.9, val_loss: 0.3, val_accuracy: 0.85, lr: 0.001, seconds: 1 });
    expect(store.run.curves.valLoss.map((p) => p.x)).toEqual([1, 2, 3, 4]);
  });
});

describe('a curve of one point', () => {
  afterEach(() => vi.restoreAllMocks());
  it("is drawn as a dot (a one-epoch model's History): the line of two or more has none", () => {
    const props = (train: { x: number; y: number }[]) => ({
      title: 'Loss',
      train,
      val: [{ x: 1, y: 0.5 }],
      trainLabel: 'train',
      valLabel: 'validation',
      xLabel: 'epoch',
      epochs: 1,
    });
    // happy-dom has no canvas: Chart.js says so and draws nothing; the data it is given is what counts.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const radius = (train: { x: number; y: number }[]) => {
      const w = mount(CurveChart, { ...plugins(), props: props(train) });
      const data = w.findComponent(Line).props('data') as { datasets: { pointRadius: number }[] };
      return data.datasets.map((d) => d.pointRadius);
    };
    expect(radius([{ x: 1, y: 0.7 }])).toEqual([4, 4]);
    expect(
      radius([
        { x: 0.5, y: 0.9 },
        { x: 1, y: 0.7 },
      ]),
    ).toEqual([0, 4]);
  });
});
