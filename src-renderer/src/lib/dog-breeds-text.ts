// Words for the dog-breed build: a time as people say it, and main's stage names (English, fixed
// in src-main/service/dog-breeds.ts and core/transfer/run.ts) in the window's language.
import type { BuildStep } from '../stores/dog-breeds';
import { bytes } from './format';

type T = (key: string, values?: Record<string, unknown>) => string;

/** 40 → "about 40 s", 1490 → "about 25 min", 7400 → "about 2 h 3 min". */
export function aboutTime(t: T, seconds: number): string {
  if (seconds < 90) return t('dogBreeds.aboutSeconds', { n: Math.max(1, Math.round(seconds)) });
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return t('dogBreeds.aboutMinutes', { n: minutes });
  return t('dogBreeds.aboutHours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

const STEPS: [RegExp, string, 'bytes' | 'count'][] = [
  [/^download/, 'dogBreeds.step.download', 'bytes'],
  [/^unpack/, 'dogBreeds.step.unpack', 'bytes'],
  [/^official split/, 'dogBreeds.step.split', 'count'],
  [/^features \(train\)/, 'dogBreeds.step.featuresTrain', 'count'],
  [/^features \(validation\)/, 'dogBreeds.step.featuresValidation', 'count'],
  [/^features \(test\)/, 'dogBreeds.step.featuresTest', 'count'],
];

/** "Download Stanford Dogs: 12.0 MB of 793.6 MB", "Features of the training photos: 480 of 12,000". */
export function stepLabel(t: T, s: BuildStep): string {
  const known = STEPS.find(([re]) => re.test(s.stage));
  const amount =
    known?.[2] === 'bytes'
      ? t('dogBreeds.of', { done: bytes(s.done), total: bytes(s.total) })
      : t('dogBreeds.of', { done: s.done.toLocaleString(), total: s.total.toLocaleString() });
  return `${known ? t(known[1]) : s.stage}: ${amount}`;
}
