// What may name a class of one's own dataset: its folder name, so the rules of model names
// (valid and the same on Linux, macOS and Windows) apply, and the split folder names are
// kept out, since a dataset whose classes were all called so would read as train/ and test/.
import { modelNameProblemCode, nameRefused, NAME_PROBLEMS_ENGLISH, type NameProblem } from '../../../shared/model-names.ts';
import { SPLIT_FOLDERS } from '../folder.ts';

const SPLIT_NAMES = new Set<string>(Object.values(SPLIT_FOLDERS).flat());

/** Why `name` cannot name a class, by code, or undefined if it can. */
export function classNameProblemCode(name: string): NameProblem | undefined {
  return SPLIT_NAMES.has(name.toLowerCase()) ? 'split' : modelNameProblemCode(name);
}

/** Why `name` cannot name a class, or undefined if it can. */
export function classNameProblem(name: string): string | undefined {
  const code = classNameProblemCode(name);
  return code && NAME_PROBLEMS_ENGLISH[code];
}

export function checkClassName(name: string): void {
  const problem = classNameProblemCode(name);
  if (problem) throw nameRefused('class', name, problem);
}
