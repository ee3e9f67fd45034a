// `eval` for a person: what the app's evaluation view shows, as text. The accuracy and the loss,
// each class's precision, recall (the app's "accuracy (recall)"), F1 and number of images, and
// the confusion matrix (rows: the true class, columns: the predicted one).
import type { Evaluation } from '../shared/train-events.ts';
import { table } from './format.ts';

/** More classes than this make a matrix no terminal shows: --json has it. */
export const MAX_MATRIX_CLASSES = 20;

export const f1 = (precision: number, recall: number) => (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0);

export function formatEvaluation(ev: Pick<Evaluation, 'accuracy' | 'loss' | 'count' | 'classNames' | 'confusion' | 'perClass'>): string {
  const fixed = (x: number) => x.toFixed(4);
  const lines = [`accuracy ${fixed(ev.accuracy)}, loss ${fixed(ev.loss)} on ${ev.count} images`, ''];
  lines.push(
    table([
      ['class', 'precision', 'recall', 'F1', 'images'],
      ...ev.perClass.map((c) => [c.className, fixed(c.precision), fixed(c.recall), fixed(f1(c.precision, c.recall)), String(c.support)]),
    ]),
  );
  lines.push('');
  const n = ev.classNames.length;
  if (n > MAX_MATRIX_CLASSES) {
    lines.push(`confusion matrix: ${n} classes, too many to show here (--json has it)`);
  } else {
    lines.push('confusion matrix (rows: true class, columns: predicted class, numbered as the rows)');
    // Columns by number: class names would make it too wide; the rows say which number is which.
    const head = ['', ...ev.classNames.map((_, j) => String(j))];
    const rows = ev.confusion.map((row, i) => [`${i} ${ev.classNames[i]}`, ...row.map(String)]);
    lines.push(rightAligned([head, ...rows]));
  }
  return lines.join('\n');
}

/** Like table(), but the number columns aligned on the right. */
function rightAligned(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
