// Main's names for the stages of loading a dataset (English, fixed in core/datasets,
// core/transfer/run.ts and service/dog-breeds.ts) in the window's language; one it does not
// know is shown as "Loading <name>".
import { LOG_WORDS } from '../../../src-main/shared/log-messages';

type T = (key: string, values?: Record<string, unknown>) => string;

const STAGES: [RegExp, string][] = [
  [/^download/, 'training.stages.download'],
  [/^read$/, 'training.stages.read'],
  [/^(extract|unpack)/, 'training.stages.extract'],
  [/^(split|official split)$/, 'training.stages.split'],
  [/^features \((\w+)\)$/, 'training.stages.features'],
  [/^activations \((\w+)\)$/, 'training.stages.activations'],
];

/** A split's name in the window's language (the app's roles train/validation/test). */
function splitWord(t: T, split: string): string {
  return (LOG_WORDS as string[]).includes(split) ? t(`logWords.${split}`) : split;
}

export function stageText(t: T, stage: string): string {
  for (const [re, key] of STAGES) {
    const m = re.exec(stage);
    if (m) return t(key, { split: splitWord(t, m[1] ?? '') });
  }
  return t('training.datasetStage', { stage });
}
