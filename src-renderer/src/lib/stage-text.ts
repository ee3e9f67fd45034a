// Main's names for the stages of loading a dataset (English, fixed in core/datasets,
// core/transfer/run.ts and service/dog-breeds.ts) in the window's language; one it does not
// know is shown as "Loading <name>".
type T = (key: string, values?: Record<string, unknown>) => string;

const STAGES: [RegExp, string][] = [
  [/^download/, 'training.stages.download'],
  [/^read$/, 'training.stages.read'],
  [/^(extract|unpack)/, 'training.stages.extract'],
  [/^(split|official split)$/, 'training.stages.split'],
  [/^features \((\w+)\)$/, 'training.stages.features'],
  [/^activations \((\w+)\)$/, 'training.stages.activations'],
];

export function stageText(t: T, stage: string): string {
  for (const [re, key] of STAGES) {
    const m = re.exec(stage);
    if (m) return t(key, { split: m[1] ?? '' });
  }
  return t('training.datasetStage', { stage });
}
