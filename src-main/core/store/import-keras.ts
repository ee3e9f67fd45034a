// A Keras .h5 model people already have, made a stored model that Recognize and predict use.
import { readFile } from 'node:fs/promises';
import type { LayersModel } from '@tensorflow/tfjs';
import path from 'node:path';
import { CodedError } from '../../shared/errors.ts';
import { isFile } from '../fs-kinds.ts';
import { loadModelFile } from '../models/model-file.ts';
import { Preprocessing } from '../models/preprocessing.ts';
import { checkMetadata, MAX_INPUT_SIDE, type FolderMetadata } from './meta-check.ts';
import { ModelStore, type StoredModelMeta } from './model-store.ts';

/** Class names from a sidecar: a JSON list, or plain text with one name per line. */
export async function readLabelsFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new Error(`Cannot read the labels file ${file}: ${err.message}`);
  });
  if (/^\s*\[/.test(text)) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file} starts like a JSON list but is not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error(`${file}: expected a JSON list of class names`);
    return list as string[];
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

export interface ImportOptions {
  storeDir: string;
  /** Replace a stored model of that name; without it, an existing name is refused. */
  overwrite?: boolean;
  /** Class names (a file); without it, those the model file carries or a sidecar's. */
  labels?: string;
  name?: string;
  /** How the model wants its pixels: 'scale01' (x/255) unless it starts with a Rescaling layer ('none'). */
  preprocessing?: string;
}

/** How a Keras image model wants its photos, read off its input shape and first layer. */
export function kerasModelUse(model: LayersModel, file: string, labels: string[], preprocessing?: string) {
  const [, h, w, c] = model.inputs[0]!.shape;
  const out = model.outputs[0]!.shape;
  const classes = out[out.length - 1];
  const name = path.basename(file);
  if (!h || !w || (c !== 1 && c !== 3)) {
    const shape = `[${model.inputs[0]!.shape.map((d) => d ?? 'None').join(',')}]`;
    throw new CodedError('import-not-image-model', `${file}: the model takes input of shape ${shape}; an image model takes [None, height, width, 1 or 3].`, { file: name, shape });
  }
  if (h > MAX_INPUT_SIDE || w > MAX_INPUT_SIDE)
    throw new CodedError('import-input-too-large', `${file}: the model takes ${h}x${w} images, over the limit of ${MAX_INPUT_SIDE} pixels a side.`, {
      file: name,
      size: `${h}x${w}`,
      limit: MAX_INPUT_SIDE,
    });
  if (classes !== labels.length)
    throw new CodedError('import-labels-mismatch', `${file} has ${classes} outputs but ${labels.length} class names were given.`, {
      file: name,
      outputs: classes ?? 0,
      labels: labels.length,
    });
  const first = model.layers.find((l) => l.getClassName() !== 'InputLayer');
  return {
    labels,
    inputSize: [h, w] as [number, number],
    channels: c as 1 | 3,
    preprocessing: Preprocessing.parse(preprocessing ?? (first?.getClassName() === 'Rescaling' ? 'none' : 'scale01')),
    resize: (h <= 64 ? 'area' : 'bilinear') as 'area' | 'bilinear',
    // Keras's load_img(target_size) squashes; a model trained otherwise can say so in its metadata.
    fit: 'squash' as const,
    // Small grey models are MNIST-like: light strokes on black, so a photo with a light background is inverted.
    invertLightBackground: c === 1 && h <= 64,
  };
}

/** The class names kept beside a model file: x.labels.txt, x.labels.json, or labels.txt / labels.json in its folder. */
export async function sidecarLabels(file: string): Promise<string[] | undefined> {
  const base = file.replace(/\.(h5|keras)$/i, '');
  for (const candidate of [`${base}.labels.txt`, `${base}.labels.json`, path.join(path.dirname(file), 'labels.txt'), path.join(path.dirname(file), 'labels.json')]) {
    if (await isFile(candidate)) return readLabelsFile(candidate);
  }
  return undefined;
}

/** Class names for an imported model: the --labels file, else what the model file says, else a sidecar. */
async function labelsFor(file: string, given: string | undefined, own: FolderMetadata): Promise<string[]> {
  if (given) return readLabelsFile(given);
  if (Array.isArray(own.labels)) return own.labels;
  const sidecar = await sidecarLabels(file);
  if (sidecar) return sidecar;
  throw new Error(`${file} does not name its classes: give them with --labels (a JSON list, or one name per line).`);
}

/** A Keras model (.keras, .h5) or a TensorFlow.js folder into the store, under a name it reserves. */
export async function importKerasModel(file: string, opts: ImportOptions): Promise<StoredModelMeta> {
  const loaded = await loadModelFile(file);
  const model = loaded.model;
  try {
    const own = loaded.studio === undefined ? {} : checkMetadata(loaded.studio, loaded.path, model);
    const labels = await labelsFor(loaded.kind === 'tfjs' ? path.join(loaded.path, 'model.json') : loaded.path, opts.labels, own);
    const use = (() => {
      try {
        return { ...kerasModelUse(model, loaded.path, labels, opts.preprocessing ?? own.preprocessing), ...definedOf(own, opts.preprocessing) };
      } catch (err) {
        const message = `${(err as Error).message}${opts.labels ? ` (labels from ${opts.labels})` : ''}`;
        throw err instanceof CodedError ? new CodedError(err.code, message, err.params) : new Error(message);
      }
    })();
    const store = new ModelStore(opts.storeDir);
    const held = await store.reserveNew(opts.name, path.basename(loaded.path).replace(/\.(h5|keras)$/i, ''), !!opts.overwrite, 'imported');
    const name = held.name;
    const now = new Date().toISOString();
    const meta: StoredModelMeta = {
      name,
      network: `${loaded.kind === 'tfjs' ? 'tfjs' : 'keras'}: ${model.name}`,
      ...use,
      dataset: { name: 'imported', source: loaded.path, format: FORMAT_NAMES[loaded.kind] },
      history: [],
      status: 'complete',
      createdAt: now,
      updatedAt: now,
    };
    try {
      await store.save(model, meta, held);
    } finally {
      await store.release(held);
    }
    return meta;
  } finally {
    model.dispose();
  }
}

const FORMAT_NAMES = { keras: 'keras', h5: 'keras-h5', tfjs: 'tfjs-layers' } as const;

/** How the file says it is used (input size, resizing...), where it says so; a preprocessing given by the user wins. */
function definedOf(own: FolderMetadata, preprocessing: string | undefined) {
  const { inputSize, channels, resize, fit, invertLightBackground } = own;
  const picked = { inputSize, channels, resize, fit, invertLightBackground, ...(preprocessing ? {} : { preprocessing: own.preprocessing }) };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as Partial<Omit<FolderMetadata, 'labels' | 'name'>>;
}
