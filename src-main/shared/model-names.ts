// What may name a model in the store, for every caller (store, contract, renderer): one folder
// name that is valid and means the same on Linux, macOS and Windows. Dependency-free, so the
// renderer may import it too.

export const MODEL_NAME_MAX = 128;
const SHAPE = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
/** Names Windows gives to devices, with or without an extension ("con", "com1.txt"). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** `<name>.old-xxxxxxxx` / `.tmp-xxxxxxxx`: what a crash leaves beside a folder being swapped (store/atomic.ts). */
export const LEFTOVER_TAG = /\.(old|tmp)-[0-9a-f]{8}$/;

/** Why `name` cannot name a model, or undefined if it can. */
export function modelNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MODEL_NAME_MAX) return `at most ${MODEL_NAME_MAX} characters, and not empty`;
  if (!SHAPE.test(name)) return 'letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit';
  if (name.includes('..')) return 'no two dots in a row';
  if (/[. ]$/.test(name)) return 'no dot or space at the end (Windows drops them)';
  if (WINDOWS_DEVICE.test(name)) return 'not a name Windows keeps for devices (CON, PRN, AUX, NUL, COM1-9, LPT1-9)';
  if (LEFTOVER_TAG.test(name)) return 'not ending like a half-saved copy (.old- or .tmp- and 8 hex digits)';
  return undefined;
}

export const isModelName = (name: string): boolean => modelNameProblem(name) === undefined;
