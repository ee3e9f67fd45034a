// Log lines that the window shows in the user's language: each is a code from this one table and
// the values its text needs, travelling with the English line (which the CLI prints as it is).
// The renderer's locale files give every code its words (en.ts takes these; ko.ts must have each,
// the type below and test/components/i18n-coverage.test.ts see to it). Dependency-free, so the
// renderer imports it too. Placeholders are `{name}`, as vue-i18n reads them.
import { errorCodeOf, reasonOf, type ErrorCode, type ErrorParams, type SkippedFile } from './errors.ts';

/** The English text of every log line, by code: the one list the codes are derived from. */
export const LOG_ENGLISH = {
  // Training and transfer runs (core/training/run.ts, core/transfer/run.ts).
  'skipped-file': 'skipped {file}: {reason}',
  'held-out': '{dataset} has no test/ folder: {count} images ({percent}% of each class with {min} or more, chosen by file name) are held out as the test set',
  resuming:
    'resuming "{name}" from its checkpoint of epoch {best}: epochs {from} to {to}, with a fresh optimizer (checkpoints keep weights, settings and history, not the optimizer\'s state)',
  'features-stopped': 'stopped while computing the {split} features; those computed so far are cached, so the next run goes on from there',
  'features-done': '{split}: features of {count} images, {computed} computed by {backbone}, {cached} from the cache',
  'flipped-done': '{split}: flipped copies, {computed} computed, {cached} from the cache',
  'activations-done': '{split}: activations at {layer} of {count} images, {computed} computed by {backbone}, {cached} from the cache',
  'fine-tuning': "fine-tuning: the last {count} layers with weights ({first} to {last}) learn from the {shape} activations at {layer}'s input",
  'fine-tuning-one': "fine-tuning: the last {count} layers with weights ({first}) learn from the {shape} activations at {layer}'s input",
  'fine-tuning-estimate':
    'fine-tuning estimate on {backend}: activations of {photos} photos take up to {extract} (once: cached for later runs), then about {epoch} per fine-tuning epoch ({stepMs} ms a training photo)',
  'chosen-epochs': 'settings for {count} training images: {epochs} epochs ({steps} steps per epoch, {total} in all); give --epochs or --batch-size to choose yourself',
  'chosen-batch-size': 'settings for {count} training images: batch size {batchSize} ({steps} steps per epoch, {total} in all); give --epochs or --batch-size to choose yourself',
  'chosen-both':
    'settings for {count} training images: batch size {batchSize} and {epochs} epochs ({steps} steps per epoch, {total} in all); give --epochs or --batch-size to choose yourself',
  // The dog-breed build (service/dog-breeds.ts).
  'dog-breeds-again': '{model} is a stopped build of Stanford Dogs: building it again (the download, the photos and the features computed so far are reused)',
  'dog-breeds-stopped': 'stopped while preparing Stanford Dogs; building again goes on from where it stopped',
  'dog-breeds-ready': 'Stanford Dogs ({source}): {train} training and {test} test photos of {breeds} breeds, the official split',
  // The app's log bar (service/training-jobs.ts, recognition, store views).
  'training-started': 'training {network} on {dataset} started',
  'resume-started': 'resuming {model} started',
  'dog-breeds-started': 'building dog-breeds from Stanford Dogs started',
  'training-stopped': 'training stopped',
  'training-finished': 'training finished: {model}',
  'training-ended': 'training finished',
  'training-failed': 'training failed: {reason}',
  'model-loaded': 'loaded {model} from {source}',
  'model-loaded-via': 'loaded {model} from {via}: {file}',
  'no-thumbnails': 'no thumbnails for {name}: {reason}',
  'no-training-thumbnails': 'no thumbnails of training pictures for {name}: {reason}',
  // Lines the Training panel writes from a run's events (stores/training.ts).
  epoch: 'epoch {epoch}: loss {loss}, accuracy {accuracy} ({seconds} s)',
  'epoch-validation': 'epoch {epoch}: loss {loss}, accuracy {accuracy}, val_loss {valLoss}, val_accuracy {valAccuracy} ({seconds} s)',
  checkpoint: 'checkpoint: epoch {epoch}, {monitor} {value} → {model}',
  'learning-rate': 'learning rate → {lr}',
  'early-stop': 'early stop at epoch {epoch} (best {best})',
  'test-result': 'test: accuracy {accuracy}, loss {loss} on {count} images',
  'thumbnails-failed': 'thumbnails: {reason}',
  // The hidden compute window (electron/main.ts).
  'compute-probed': 'Compute window: {devices}',
  'compute-forced': 'Compute window computes with {backend} (CLASSIFIER_BACKEND)',
  'compute-chosen': 'Compute backend by measurement ({measuredAt}): {choice}',
  'compute-failed': 'The compute window could not start: {reason}',
  'compute-recognize-fell-back': 'Recognition went back to {backend} for {model}: the compute window failed ({reason})',
  // A training run whose batches computed in the compute window (core/training/routed-fit.ts).
  'compute-train-fell-back': 'Training went back from {from} to {backend} in epoch {epoch} ({reason}); it goes on from the checkpoint of epoch {best}',
  'compute-train-fell-back-start': 'Training went back from {from} to {backend} in epoch {epoch} ({reason}); it starts again from the starting weights',
  // A run started after the compute window lost the chosen backend's GPU (service/training-jobs.ts).
  'compute-train-on-node': 'Training runs on Node, not on {from}: the compute window lost its GPU ({reason})',
} as const satisfies Record<string, string>;

export type LogCode = keyof typeof LOG_ENGLISH;
export const LOG_CODES = Object.keys(LOG_ENGLISH) as LogCode[];
export type LogParams = Record<string, string | number>;

/**
 * The app's own words that a log line holds as a value (where a download came from, which split
 * of a dataset): each travels as its code, so a Korean line never holds an English word. English
 * here (as the CLI prints them); the window's in its locales (`logWords`). A user's own names
 * (folders, models, classes) are never words of this list.
 */
export const LOG_WORDS_ENGLISH = {
  cache: 'cache',
  mirror: 'mirror',
  download: 'download',
  import: 'import',
  train: 'train',
  validation: 'validation',
  test: 'test',
} as const satisfies Record<string, string>;
export type LogWord = keyof typeof LOG_WORDS_ENGLISH;
export const LOG_WORDS = Object.keys(LOG_WORDS_ENGLISH) as LogWord[];

/** A value of logLine's params that is one of the app's words: `word('cache')`. */
export interface WordValue {
  word: LogWord;
}
export const word = (w: LogWord): WordValue => ({ word: w });

/** A log line: its code and values for the window, its English text for the CLI and for tests. */
export interface LogLine {
  code: LogCode;
  params: LogParams;
  message: string;
  /** A coded error inside the line (its {reason}): the window words it in the user's language. */
  reason?: { code: ErrorCode; params: ErrorParams };
  /** The params that are the app's words (LOG_WORDS_ENGLISH), by name: the window words them. */
  words?: Record<string, LogWord>;
}

/** `{name}` placeholders filled from `params`; one left unfilled stays as written. */
export function fillPlaceholders(text: string, params: LogParams): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

export function logLine(code: LogCode, values: Record<string, string | number | WordValue> = {}, reason?: LogLine['reason']): LogLine {
  const params: LogParams = {};
  const words: Record<string, LogWord> = {};
  for (const [key, v] of Object.entries(values)) {
    if (typeof v === 'object') {
      words[key] = v.word;
      params[key] = LOG_WORDS_ENGLISH[v.word];
    } else params[key] = v;
  }
  return {
    code,
    params,
    message: fillPlaceholders(LOG_ENGLISH[code], params),
    ...(reason ? { reason } : {}),
    ...(Object.keys(words).length ? { words } : {}),
  };
}

/** A line whose {reason} is an error: its message for the CLI, its code (if it has one) for the window. */
export function logFailure(code: LogCode, params: LogParams, err: unknown): LogLine {
  return logLine(code, { ...params, ...reasonOf(err) }, errorCodeOf(err));
}

/** The log line of a file a run left out. */
export function skippedLine(s: SkippedFile): LogLine {
  return logLine('skipped-file', { file: s.file, reason: s.error, ...(s.reasonCode ? { reasonCode: s.reasonCode } : {}) }, s.coded);
}
