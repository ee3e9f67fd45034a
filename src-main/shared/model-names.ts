// What may name a model in the store, for every caller (store, contract, renderer): one folder
// name that is valid and means the same on Linux, macOS and Windows. Dependency-free, so the
// renderer may import it too.
import { CodedError } from './errors.ts';

export const MODEL_NAME_MAX = 128;
const SHAPE = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
/** Names Windows gives to devices, with or without an extension ("con", "com1.txt"). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** `<name>.old-xxxxxxxx` / `.tmp-xxxxxxxx`: what a crash leaves beside a folder being swapped (store/atomic.ts). */
export const LEFTOVER_TAG = /\.(old|tmp)-[0-9a-f]{8}$/;

/**
 * Why a name is refused, by code (the window words each in the user's language: `nameProblems`
 * in its locales); English here, as the CLI prints it. `split` is a class's only (class-names.ts).
 */
export const NAME_PROBLEMS_ENGLISH = {
  length: `at most ${MODEL_NAME_MAX} characters, and not empty`,
  shape: 'letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit',
  'two-dots': 'no two dots in a row',
  'trailing-dot': 'no dot or space at the end (Windows drops them)',
  device: 'not a name Windows keeps for devices (CON, PRN, AUX, NUL, COM1-9, LPT1-9)',
  leftover: 'not ending like a half-saved copy (.old- or .tmp- and 8 hex digits)',
  split: 'not train, test, validation, val (those name the splits of a dataset)',
} as const satisfies Record<string, string>;
export type NameProblem = keyof typeof NAME_PROBLEMS_ENGLISH;

/** Why `name` cannot name a model, by code, or undefined if it can. */
export function modelNameProblemCode(name: string): NameProblem | undefined {
  if (name.length === 0 || name.length > MODEL_NAME_MAX) return 'length';
  if (!SHAPE.test(name)) return 'shape';
  if (name.includes('..')) return 'two-dots';
  if (/[. ]$/.test(name)) return 'trailing-dot';
  if (WINDOWS_DEVICE.test(name)) return 'device';
  if (LEFTOVER_TAG.test(name)) return 'leftover';
  return undefined;
}

/** Why `name` cannot name a model, or undefined if it can. */
export function modelNameProblem(name: string): string | undefined {
  const code = modelNameProblemCode(name);
  return code && NAME_PROBLEMS_ENGLISH[code];
}

/** What a refused name was to name; each its own error code. */
const NAME_ERRORS = {
  model: { code: 'model-name-invalid', text: (name: string) => `"${name}" cannot be a model name` },
  dataset: { code: 'dataset-name-invalid', text: (name: string) => `"${name}" cannot name a dataset` },
  class: { code: 'class-name-invalid', text: (name: string) => `"${name}" cannot name a class` },
} as const;

/** The refusal of `name` for `problem`: the CLI's English, the window's code and values. */
export function nameRefused(what: keyof typeof NAME_ERRORS, name: string, problem: NameProblem): CodedError {
  const e = NAME_ERRORS[what];
  return new CodedError(e.code, `${e.text(name)}: ${NAME_PROBLEMS_ENGLISH[problem]}.`, { name, problem: NAME_PROBLEMS_ENGLISH[problem], problemCode: problem });
}

export const isModelName = (name: string): boolean => modelNameProblem(name) === undefined;
