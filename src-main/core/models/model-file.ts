// A model on disk in any of the three forms people bring: a Keras 3 `.keras` file, a Keras 2
// `.h5` file (model.save) or a TensorFlow.js layers folder (model.json). The form is told from the
// bytes, not the name; a path that is none of them is refused saying why for each.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { readRegularFile } from '../bounded-read.ts';
import { isFile } from '../fs-kinds.ts';
import { MAX_META_BYTES } from '../store/meta-check.ts';
import { readModelConfig } from './h5-reader.ts';
import { loadKeras3Model } from './keras3-file.ts';
import { loadKerasModel } from './keras-model.ts';
import { loadLayersModelFromDir } from './layers-io.ts';
import { looksLikeZip } from './zip.ts';

import { MODEL_FILE_KINDS, type ModelFileKind } from '../../shared/vocabulary.ts';
import { CodedError } from '../../shared/errors.ts';

export { MODEL_FILE_KINDS, type ModelFileKind };

const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function head(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await handle.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Which of the three forms `target` is, or an error saying why it is none of them. */
export async function modelFileKind(target: string): Promise<{ kind: ModelFileKind; path: string }> {
  const resolved = path.resolve(target);
  const s = await stat(resolved).catch(() => undefined);
  if (!s) {
    throw new CodedError(
      'model-file-missing',
      `No model at ${resolved}: there is no such file or folder (a model is a .keras file, a .h5 file or a TensorFlow.js folder with model.json).`,
      {
        name: path.basename(resolved),
      },
    );
  }
  if (s.isDirectory()) {
    if (await isFile(path.join(resolved, 'model.json'))) return { kind: 'tfjs', path: resolved };
    throw new CodedError('model-folder-no-json', `${resolved} is a folder without model.json, so not a TensorFlow.js model; a Keras model is a single .keras or .h5 file.`, {
      name: path.basename(resolved),
    });
  }
  if (path.basename(resolved) === 'model.json') return { kind: 'tfjs', path: path.dirname(resolved) };
  const bytes = await head(resolved);
  if (looksLikeZip(bytes)) return { kind: 'keras', path: resolved };
  if (bytes.length === 8 && bytes.equals(HDF5)) return { kind: 'h5', path: resolved };
  throw new CodedError(
    'model-file-not-model',
    `${resolved} is not a model this app reads: not a Keras 3 .keras file (no zip signature), not a Keras .h5 file (no HDF5 signature), ` +
      'and not a TensorFlow.js model (that is a folder holding model.json).',
    { name: path.basename(resolved) },
  );
}

export interface LoadedModelFile {
  model: tf.LayersModel;
  kind: ModelFileKind;
  path: string;
  /** What the file says about itself (labels, preprocessing): our metadata, unchecked. */
  studio?: unknown;
}

function parseStudio(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The model at `target` in whichever form it is; a Keras .h5 holding weights only is refused (see loadModel for ResNet50's). */
export async function loadModelFile(target: string): Promise<LoadedModelFile> {
  const { kind, path: p } = await modelFileKind(target);
  if (kind === 'keras') {
    const { model, studio } = await loadKeras3Model(p);
    return { model, kind, path: p, studio };
  }
  if (kind === 'h5') {
    const { studio } = await readModelConfig(p);
    return { model: await loadKerasModel(p), kind, path: p, studio: parseStudio(studio) };
  }
  const model = await loadLayersModelFromDir(p);
  return {
    model,
    kind,
    path: p,
    studio: await folderMetadata(p).catch((err: unknown) => {
      model.dispose();
      throw err;
    }),
  };
}

/** The description beside a TensorFlow.js model (metadata.json, as we and Google publish them), parsed, unchecked. */
async function folderMetadata(dir: string): Promise<unknown> {
  for (const name of ['classifier-studio.json', 'metadata.json']) {
    const file = path.join(dir, name);
    if (!(await isFile(file))) continue;
    try {
      return JSON.parse((await readRegularFile(file, MAX_META_BYTES, 'metadata file')).toString('utf8'));
    } catch (err) {
      throw new Error(err instanceof SyntaxError ? `${file}: not valid JSON (${err.message})` : (err as Error).message);
    }
  }
  return undefined;
}
