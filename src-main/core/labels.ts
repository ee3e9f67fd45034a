// ImageNet labels as Keras ships them, and top-k decoding like decode_predictions(top=k).
import { readFile } from 'node:fs/promises';

export interface ClassLabel {
  /** WordNet synset id for ImageNet ('n02504458'); the class name itself for other models. */
  id: string;
  label: string;
}

export interface Prediction extends ClassLabel {
  index: number;
  probability: number;
}

/** Reads the Keras class index: {"0": ["n01440764", "tench"], ...}. */
export async function readClassIndex(file: string): Promise<ClassLabel[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not a readable class index (${(err as Error).message})`);
  }
  return parseClassIndex(raw, file);
}

export function parseClassIndex(raw: unknown, source = 'class index'): ClassLabel[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${source}: expected an object {"0": [synset, label], ...}`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const labels: ClassLabel[] = new Array(entries.length);
  for (const [key, value] of entries) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= entries.length || !Array.isArray(value) || value.length !== 2) {
      throw new Error(`${source}: entry "${key}" is not of the form "<index>": [synset, label]`);
    }
    labels[index] = { id: String(value[0]), label: String(value[1]) };
  }
  return labels;
}

/** Labels for models whose classes are plain names (stored models, dataset folders). */
export function namedLabels(names: readonly string[]): ClassLabel[] {
  return names.map((name) => ({ id: name, label: name }));
}

/**
 * The k most probable classes, highest first; ties keep the lower index first, so the
 * order is deterministic. Compare indices, not label strings: ImageNet repeats some.
 */
export function topK(probabilities: ArrayLike<number>, labels: readonly ClassLabel[], k = 5): Prediction[] {
  if (probabilities.length !== labels.length) {
    throw new Error(`The model gives ${probabilities.length} scores but there are ${labels.length} labels.`);
  }
  const order = Array.from({ length: probabilities.length }, (_, i) => i);
  order.sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
  return order.slice(0, Math.max(0, Math.min(k, order.length))).map((index) => ({
    index,
    id: labels[index]!.id,
    label: labels[index]!.label,
    probability: probabilities[index]!,
  }));
}
