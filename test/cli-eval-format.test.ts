// `eval` as text: the figures of the app's evaluation view (per-class precision, recall, F1 and
// images, and the confusion matrix), not the accuracy alone.
import { describe, expect, it } from 'vitest';
import { f1, formatEvaluation, MAX_MATRIX_CLASSES } from '../src-main/cli/evaluation.ts';

const ev = {
  accuracy: 0.8,
  loss: 0.51234,
  count: 10,
  classNames: ['cat', 'dog'],
  // 4 of 5 cats right, 4 of 5 dogs right
  confusion: [
    [4, 1],
    [1, 4],
  ],
  perClass: [
    { className: 'cat', precision: 0.8, recall: 0.8, support: 5 },
    { className: 'dog', precision: 0.8, recall: 0.8, support: 5 },
  ],
};

describe('formatEvaluation', () => {
  it('prints accuracy and loss, a row of figures per class, and the confusion matrix', () => {
    expect(formatEvaluation(ev)).toBe(
      [
        'accuracy 0.8000, loss 0.5123 on 10 images',
        '',
        'class  precision  recall  F1      images',
        'cat    0.8000     0.8000  0.8000  5',
        'dog    0.8000     0.8000  0.8000  5',
        '',
        'confusion matrix (rows: true class, columns: predicted class, numbered as the rows)',
        '       0  1',
        '0 cat  4  1',
        '1 dog  1  4',
      ].join('\n'),
    );
  });

  it('F1 is the harmonic mean of precision and recall, 0 when both are', () => {
    expect(f1(1, 0.5)).toBeCloseTo(2 / 3, 10);
    expect(f1(0, 0)).toBe(0);
  });

  it('leaves out a matrix too wide for a terminal, saying where it is', () => {
    const n = MAX_MATRIX_CLASSES + 1;
    const names = Array.from({ length: n }, (_, i) => `c${i}`);
    const big = { ...ev, classNames: names, confusion: names.map(() => names.map(() => 0)), perClass: names.map((c) => ({ className: c, precision: 0, recall: 0, support: 0 })) };
    const text = formatEvaluation(big);
    expect(text).toContain(`confusion matrix: ${n} classes, too many to show here (--json has it)`);
    expect(text.split('\n').filter((l) => /^c\d+ /.test(l))).toHaveLength(n);
  });
});
