// The options that say where files are and what computes, with one name and one meaning in
// every command that takes them (the app's settings have the same four folders and backend).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BACKENDS, isPageGpuBackend, needsAppError, PAGE_GPU_BACKENDS } from '../core/backend.ts';
import { resolveStorage, type StorageSettings } from '../core/paths.ts';
import { StudioService } from '../service/studio.ts';
import { PHOTO_FITS } from '../shared/vocabulary.ts';

export interface StorageOptions {
  backend?: string;
  mirror?: string;
  cache?: string;
  store?: string;
  offline?: boolean;
}

const BACKEND_CHOICES = [...BACKENDS, 'auto'];

/** --backend: the Node backends; webgl and webgpu are refused with why (they need the app's window). */
function backendOption(): Option {
  return new Option('--backend <name>', `compute backend (default: the best present; env CLASSIFIER_BACKEND; ${PAGE_GPU_BACKENDS.join(' and ')} only in the app)`)
    .choices(BACKEND_CHOICES)
    .argParser((value: string) => {
      if (isPageGpuBackend(value)) throw new InvalidArgumentError(needsAppError(value.trim().toLowerCase() as 'webgl' | 'webgpu').message);
      if (!BACKEND_CHOICES.includes(value)) throw new InvalidArgumentError(`Allowed choices are ${BACKEND_CHOICES.join(', ')}.`);
      return value;
    });
}

const OPTIONS = {
  backend: backendOption,
  mirror: () => new Option('--mirror <dir>', 'offline mirror of models and datasets (env CLASSIFIER_MIRROR)'),
  cache: () => new Option('--cache <dir>', 'where downloaded models and datasets are kept (env CLASSIFIER_CACHE; default: the app data folder)'),
  store: () => new Option('--store <dir>', 'trained models folder (env CLASSIFIER_STORE; default: the app data folder)'),
  offline: () => new Option('--offline', 'never download; use the cache and the mirror only'),
} satisfies Record<keyof StorageOptions, () => Option>;

/** `--resize crop|squash`, one name and meaning in predict, transfer and eval. */
export function resizeOption(what: string): Option {
  return new Option(
    '--resize <how>',
    `how photos are fitted to the model's input: crop (the shorter side resized, the centre cut out) or squash (resized straight, proportions changed); ${what}`,
  ).choices([...PHOTO_FITS]);
}

/** Adds the named options (all of them by default) to a command. */
export function withStorage(cmd: Command, names: (keyof StorageOptions)[] = ['backend', 'mirror', 'cache', 'store', 'offline']): Command {
  for (const n of names) cmd.addOption(OPTIONS[n]());
  return cmd;
}

/** The service, with the command's folders and backend: every command works through it. */
export function studioOf(o: StorageOptions): StudioService {
  return new StudioService({ ...storageOf(o), backend: o.backend, offline: o.offline });
}

export function storageOf(o: StorageOptions): StorageSettings {
  return resolveStorage({ mirrorDir: o.mirror, cacheDir: o.cache, storeDir: o.store });
}
