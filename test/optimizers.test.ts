// Each optimizer the settings offer, stepped on a tiny problem and compared with Keras's update
// rule written out in plain JS (keras/src/optimizers/*.py), with settings away from the
// defaults so that a dropped or swapped argument shows.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { OptimizerConfig } from '../src-main/core/training/config.ts';
import { getLearningRate, makeOptimizer, setLearningRate } from '../src-main/core/training/optimizers.ts';

beforeAll(() => initBackend());

// loss(w) = sum(A * w^2 + B * w): its gradient 2 A w + B differs per coordinate and changes with w.
const A = [0.5, 2, 1.5];
const B = [1, -3, 0.25];
const W0 = [0.8, -0.4, 2];
const grad = (w: number[]) => w.map((v, i) => 2 * A[i]! * v + B[i]!);
const STEPS = 4;

/** The weights after each of STEPS steps of the tfjs optimizer that makeOptimizer builds. */
function stepsOf(input: unknown): number[][] {
  const opt = makeOptimizer(OptimizerConfig.parse(input));
  const w = tf.variable(tf.tensor1d(W0));
  const a = tf.tensor1d(A);
  const b = tf.tensor1d(B);
  const out: number[][] = [];
  try {
    for (let s = 0; s < STEPS; s++) {
      opt.minimize(() => a.mul(w.square()).add(b.mul(w)).sum() as tf.Scalar, false, [w]);
      out.push(Array.from(w.dataSync()));
    }
  } finally {
    opt.dispose();
    tf.dispose([w, a, b]);
  }
  return out;
}

/** Keras's rule, `update(w, g, state)` returning the new w, over the same steps. */
function keras<S>(state: S, update: (w: number, g: number, s: S, i: number) => number): number[][] {
  let w = [...W0];
  const out: number[][] = [];
  for (let s = 0; s < STEPS; s++) {
    const g = grad(w);
    w = w.map((v, i) => update(v, g[i]!, state, i));
    out.push(w);
  }
  return out;
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, s) => row.forEach((v, i) => expect(v, `step ${s + 1}, w[${i}]`).toBeCloseTo(expected[s]![i]!, 5)));
}

describe('optimizers against the Keras update rules', () => {
  it('SGD: w -= lr * g', () => {
    const lr = 0.1;
    expectClose(
      stepsOf({ name: 'sgd', learningRate: lr }),
      keras({}, (w, g) => w - lr * g),
    );
  });

  it('SGD with momentum: v = m v - lr g; w += v', () => {
    const lr = 0.1;
    const m = 0.8;
    const v = [0, 0, 0];
    expectClose(
      stepsOf({ name: 'sgd', learningRate: lr, momentum: m }),
      keras(v, (w, g, v, i) => {
        v[i] = m * v[i]! - lr * g;
        return w + v[i]!;
      }),
    );
  });

  it('SGD with Nesterov momentum: v = m v - lr g; w += m v - lr g', () => {
    const lr = 0.1;
    const m = 0.8;
    const v = [0, 0, 0];
    const nesterov = stepsOf({ name: 'sgd', learningRate: lr, momentum: m, nesterov: true });
    expectClose(
      nesterov,
      keras(v, (w, g, v, i) => {
        v[i] = m * v[i]! - lr * g;
        return w + m * v[i]! - lr * g;
      }),
    );
    // And it is not plain momentum: the two part from the second step on.
    expect(Math.abs(nesterov[1]![0]! - stepsOf({ name: 'sgd', learningRate: lr, momentum: m })[1]![0]!)).toBeGreaterThan(1e-3);
  });

  it('RMSprop: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)', () => {
    const [lr, rho, eps] = [0.05, 0.7, 1e-2];
    const v = [0, 0, 0];
    expectClose(
      stepsOf({ name: 'rmsprop', learningRate: lr, rho, epsilon: eps }),
      keras(v, (w, g, v, i) => {
        v[i] = rho * v[i]! + (1 - rho) * g * g;
        return w - (lr * g) / Math.sqrt(v[i]! + eps);
      }),
    );
  });

  it('RMSprop with momentum: m = momentum m + lr g / sqrt(v + eps); w -= m', () => {
    const [lr, rho, momentum, eps] = [0.05, 0.7, 0.6, 1e-2];
    const s = { v: [0, 0, 0], m: [0, 0, 0] };
    expectClose(
      stepsOf({ name: 'rmsprop', learningRate: lr, rho, momentum, epsilon: eps }),
      keras(s, (w, g, s, i) => {
        s.v[i] = rho * s.v[i]! + (1 - rho) * g * g;
        s.m[i] = momentum * s.m[i]! + (lr * g) / Math.sqrt(s.v[i]! + eps);
        return w - s.m[i]!;
      }),
    );
  });

  it('Adagrad: acc starts at initial_accumulator_value; acc += g^2; w -= lr g / sqrt(acc + eps)', () => {
    const [lr, initial] = [0.3, 0.5];
    const acc = [initial, initial, initial];
    expectClose(
      stepsOf({ name: 'adagrad', learningRate: lr, initialAccumulatorValue: initial }),
      keras(acc, (w, g, acc, i) => {
        acc[i] = acc[i]! + g * g;
        return w - (lr * g) / Math.sqrt(acc[i]! + 1e-7);
      }),
    );
  });

  it('Adam: m and v as Keras keeps them; w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)', () => {
    // tfjs scales epsilon with the bias correction, Keras does not: the same rule at Keras's epsilon of 1e-7.
    const [lr, b1, b2, eps] = [0.05, 0.8, 0.9, 1e-7];
    const s = { m: [0, 0, 0], v: [0, 0, 0], t: [0, 0, 0] };
    expectClose(
      stepsOf({ name: 'adam', learningRate: lr, beta1: b1, beta2: b2, epsilon: eps }),
      keras(s, (w, g, s, i) => {
        const t = ++s.t[i]!;
        s.m[i] = b1 * s.m[i]! + (1 - b1) * g;
        s.v[i] = b2 * s.v[i]! + (1 - b2) * g * g;
        const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        return w - (alpha * s.m[i]!) / (Math.sqrt(s.v[i]!) + eps);
      }),
    );
  });

  it('a learning rate set between steps is the one the next step uses, for every optimizer', () => {
    for (const name of ['sgd', 'adam', 'rmsprop', 'adagrad'] as const) {
      const opt = makeOptimizer(OptimizerConfig.parse({ name, learningRate: 0.1 }));
      expect(getLearningRate(opt), name).toBe(0.1);
      const w = tf.variable(tf.tensor1d([1]));
      const step = () => {
        const before = w.dataSync()[0]!;
        opt.minimize(() => w.square().sum() as tf.Scalar, false, [w]);
        return before - w.dataSync()[0]!;
      };
      step();
      setLearningRate(opt, 0);
      expect(getLearningRate(opt), name).toBe(0);
      expect(step(), `${name} at lr 0`).toBe(0);
      opt.dispose();
      w.dispose();
    }
  });
});
