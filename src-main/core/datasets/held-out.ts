// A test set for a folder that has no test/ folder: without one, a model trained on one's own
// photos would get no evaluation and no confusion matrix at all. Which photos are held out
// depends on their file names only (not on --seed), so `train`, `transfer` and `eval` of one
// folder agree, and photos added later leave the earlier choice mostly as it was.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { subsetImageSet, type ImageSet } from './types.ts';
import { logLine, type LogLine } from '../../shared/log-messages.ts';

/** The share of each class held out for testing. */
export const HELD_OUT_FRACTION = 0.2;
/** A class with fewer images than this gives all of them to training. */
export const HELD_OUT_MIN_CLASS = 3;

/** How many of a class's `n` images are held out: 20% rounded, at least 1 from 3 images on. */
export function heldOutCount(n: number): number {
  return n < HELD_OUT_MIN_CLASS ? 0 : Math.max(1, Math.round(n * HELD_OUT_FRACTION));
}

// A fixed salt, so the order is a shuffle and not the order of names (managed datasets name
// files by their content hash, which would otherwise work too, but hand-made ones do not).
const rank = (file: string) =>
  createHash('sha256')
    .update(`held-out-test:${path.basename(file)}`)
    .digest('hex');

/** Indices of the training and the held-out test examples, each in the original order. */
export function heldOutSplit(files: readonly string[], labels: Int32Array): { train: number[]; test: number[] } {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]));
  const test = new Set<number>();
  for (const idx of byClass.values()) {
    const ranked = idx.map((i) => ({ i, r: rank(files[i]!) })).sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : a.i - b.i));
    for (const { i } of ranked.slice(0, heldOutCount(idx.length))) test.add(i);
  }
  const all = Array.from(labels, (_, i) => i);
  return { train: all.filter((i) => !test.has(i)), test: all.filter((i) => test.has(i)) };
}

/** A file-backed set split into training and held-out test sets; undefined when nothing can be held out. */
export function holdOutTestSet(set: ImageSet): { train: ImageSet; test: ImageSet } | undefined {
  if (!set.file) return undefined;
  const files = Array.from({ length: set.size }, (_, i) => set.file!(i) ?? String(i));
  const { train, test } = heldOutSplit(files, set.labels);
  if (!test.length) return undefined;
  const how = { heldOutFraction: HELD_OUT_FRACTION };
  return { train: subsetImageSet(set, train, { ...how, subset: 'training' }), test: subsetImageSet(set, test, { ...how, split: 'test', subset: 'held-out' }) };
}

/** What a run's log says about a held-out test set. */
export function heldOutNote(testCount: number, root: string): LogLine {
  return logLine('held-out', { dataset: root, count: testCount, percent: HELD_OUT_FRACTION * 100, min: HELD_OUT_MIN_CLASS });
}

/** A list of labelled files split the same way; undefined when nothing can be held out. */
export function holdOutFiles<T extends { files: readonly string[]; labels: Int32Array }>(list: T): { train: LabelledList; test: LabelledList } | undefined {
  const { train, test } = heldOutSplit(list.files, list.labels);
  if (!test.length) return undefined;
  const pick = (idx: number[]): LabelledList => ({ files: idx.map((i) => list.files[i]!), labels: Int32Array.from(idx, (i) => list.labels[i]!) });
  return { train: pick(train), test: pick(test) };
}

export interface LabelledList {
  files: readonly string[];
  labels: Int32Array;
}
