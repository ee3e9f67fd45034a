// What may name a class of one's own dataset: its folder name, so the rules of model names
// (valid and the same on Linux, macOS and Windows) apply, and the split folder names are
// kept out, since a dataset whose classes were all called so would read as train/ and test/.
import { modelNameProblem } from '../../../shared/model-names.ts';
import { SPLIT_FOLDERS } from '../folder.ts';

const SPLIT_NAMES = new Set<string>(Object.values(SPLIT_FOLDERS).flat());

/** Why `name` cannot name a class, or undefined if it can. */
export function classNameProblem(name: string): string | undefined {
  if (SPLIT_NAMES.has(name.toLowerCase())) return `not ${[...SPLIT_NAMES].join(', ')} (those name the splits of a dataset)`;
  return modelNameProblem(name);
}

export function checkClassName(name: string): void {
  const problem = classNameProblem(name);
  if (problem) throw new Error(`"${name}" cannot name a class: ${problem}.`);
}
