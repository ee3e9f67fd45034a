// model.summary() as Keras prints it, as data for the UI and as text for the terminal.
import type * as tf from '@tensorflow/tfjs';
import type { LayerSummary, ModelSummary } from '../../shared/train-events.ts';

export type { LayerSummary, ModelSummary };

function shapeText(shape: unknown): string {
  const one = (s: unknown) => `(${(s as (number | null)[]).map((d) => (d === null ? 'None' : d)).join(', ')})`;
  return Array.isArray(shape) && Array.isArray(shape[0]) ? shape.map(one).join(', ') : one(shape);
}

export function summarize(model: tf.LayersModel): ModelSummary {
  // Keras lists a Sequential model's input layer nowhere; a functional model's it does.
  const sequential = model.getClassName() === 'Sequential';
  const shown = model.layers.filter((l) => !(sequential && l.getClassName() === 'InputLayer'));
  const layers = shown.map((l) => ({
    name: l.name,
    type: l.getClassName(),
    outputShape: shapeText(l.outputShape),
    params: l.countParams(),
  }));
  const trainableParams = model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { name: model.name, layers, totalParams: model.countParams(), trainableParams };
}

export function summaryText(s: ModelSummary): string {
  const rows = s.layers.map((l) => [`${l.name} (${l.type})`, l.outputShape, l.params.toLocaleString('en-US')]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(w[i]!))
      .join('')
      .trimEnd();
  const rule = (ch: string) => ch.repeat(w.reduce((a, b) => a + b, 0));
  return [
    `Model: "${s.name}"`,
    rule('_'),
    line(head),
    rule('='),
    ...rows.flatMap((r, i) => (i ? [rule('_'), line(r)] : [line(r)])),
    rule('='),
    `Total params: ${s.totalParams.toLocaleString('en-US')}`,
    `Trainable params: ${s.trainableParams.toLocaleString('en-US')}`,
    `Non-trainable params: ${(s.totalParams - s.trainableParams).toLocaleString('en-US')}`,
  ].join('\n');
}
