// A stored model written out for other tools: a Keras 3 `.keras` file, a Keras 2 `.h5` file
// (model.save) or a TensorFlow.js folder, each with its class names and preprocessing. What is
// exported is the stored network in plain Keras layers: a transfer model's backbone is stored
// folded for inference (fold-batch-norms.ts), so it is rebuilt on the published backbone with its
// batch norms (unfold-batch-norms.ts). Nothing at the destination is replaced without
// `overwrite`, and the file or folder appears whole or not at all.
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { CodedError, reasonOf } from '../../shared/errors.ts';
import { keras3Archive } from '../models/keras3-file.ts';
import { writeKerasModel } from '../models/keras-h5.ts';
import { layersModelFiles, loadLayersModelFromDir } from '../models/layers-io.ts';
import type { ModelFileKind } from '../models/model-file.ts';
import { unfoldOnto } from '../models/unfold-batch-norms.ts';
import { findModel } from '../zoo/catalog.ts';
import type { FileSources } from '../zoo/files.ts';
import { loadPlainZooModel } from '../zoo/load.ts';
import { swapFolderIn } from './atomic.ts';
import { ModelStore, type StoredModelMeta } from './model-store.ts';

export type ExportFormat = ModelFileKind;

/** What an exported model says about itself: the FolderMetadata fields (meta-check.ts). */
export function studioMetadata(meta: Pick<StoredModelMeta, 'name' | 'labels' | 'preprocessing' | 'inputSize' | 'channels' | 'resize' | 'fit' | 'invertLightBackground'>) {
  const { name, labels, preprocessing, inputSize, channels, resize, invertLightBackground } = meta;
  // How photos were fitted in training goes with the model: a centre-cropped one squashed answers worse.
  return { name, labels, preprocessing, inputSize, channels, resize, fit: meta.fit ?? 'squash', invertLightBackground };
}
export type StudioMetadata = ReturnType<typeof studioMetadata>;

export interface ExportOptions {
  format: ExportFormat;
  out: string;
  overwrite?: boolean;
}

const tag = () => randomBytes(4).toString('hex');

/** `tmp` moved to `out`: replacing only when allowed; without, a file that appeared meanwhile is kept (link fails on it). */
async function placeFile(tmp: string, out: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(tmp, out);
  try {
    await link(tmp, out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(out);
    throw err;
  }
}

const existsError = (out: string) => new CodedError('export-exists', `${out} already exists: choose another place, or ask to replace it (--overwrite).`, { path: out });

/** Writes `model` at `out` in `format`, with `studio` (labels, preprocessing) inside or beside it. */
export async function writeModelAs(model: tf.LayersModel, studio: StudioMetadata, opts: ExportOptions): Promise<string> {
  const out = path.resolve(opts.out);
  if (
    !opts.overwrite &&
    (await lstat(out).then(
      () => true,
      () => false,
    ))
  )
    throw existsError(out);
  await mkdir(path.dirname(out), { recursive: true });
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.tmp-${tag()}`);
  try {
    if (opts.format === 'tfjs') {
      const files = await layersModelFiles(model);
      await mkdir(tmp);
      await writeFile(path.join(tmp, 'model.json'), files['model.json']);
      await writeFile(path.join(tmp, 'weights.bin'), files['weights.bin']);
      await writeFile(path.join(tmp, 'metadata.json'), JSON.stringify(studio, null, 1));
      await writeFile(path.join(tmp, 'labels.txt'), `${studio.labels.join('\n')}\n`);
      if (opts.overwrite) await swapFolderIn(tmp, out);
      else
        await rename(tmp, out).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'ENOTEMPTY' || err.code === 'EEXIST' ? existsError(out) : err;
        });
    } else {
      if (opts.format === 'keras') await writeFile(tmp, await keras3Archive(model, studio));
      else await writeKerasModel(model, tmp, undefined, studio);
      await placeFile(tmp, out, !!opts.overwrite);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return out;
}

/** The stored model in plain Keras layers: a transfer model rebuilt on its published backbone. */
export async function plainStoredModel(store: ModelStore, meta: StoredModelMeta, sources: FileSources): Promise<tf.LayersModel> {
  const stored = await loadLayersModelFromDir(store.folderOf(meta.name));
  const backboneId = meta.network.startsWith('transfer-') ? meta.network.slice('transfer-'.length) : undefined;
  if (!backboneId) return stored;
  const entry = findModel(backboneId);
  if (!entry) {
    stored.dispose();
    throw new CodedError('model-backbone-missing', `The model "${meta.name}" was trained on the backbone ${backboneId}, which the zoo does not have.`, {
      name: meta.name,
      backbone: backboneId,
    });
  }
  try {
    const backbone = (await loadPlainZooModel(entry, sources)).model;
    const model = unfoldOnto(stored, backbone);
    // The new model holds the backbone's layers up to the cut (and so their variables); the
    // published top past it (MobileNet's classifier) is in no model once this returns.
    const used = new Set(model.layers.map((l) => l.name));
    for (const layer of backbone.layers) if (!used.has(layer.name)) for (const w of layer.weights) w.dispose();
    return model;
  } finally {
    stored.dispose();
  }
}

/** `trained export`: the stored model `name` written at `opts.out`. */
export async function exportStoredModel(storeDir: string, name: string, opts: ExportOptions & { sources: FileSources }): Promise<{ out: string; format: ExportFormat }> {
  const store = new ModelStore(storeDir);
  const meta = await store.get(name);
  const model = await plainStoredModel(store, meta, opts.sources);
  try {
    return { out: await writeModelAs(model, studioMetadata(meta), opts), format: opts.format };
  } catch (err) {
    if (err instanceof CodedError) throw err;
    throw new CodedError('export-failed', `The model "${name}" could not be exported as ${opts.format}: ${(err as Error).message}`, {
      name,
      format: opts.format,
      ...reasonOf(err),
    });
  } finally {
    model.dispose();
  }
}
