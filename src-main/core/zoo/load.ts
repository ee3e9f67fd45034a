// Builds a ready Classifier from a zoo id ('mobilenet', 'resnet50') or a path on disk.
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { Classifier, type ClassifierSpec } from '../classifier.ts';
import { namedLabels, readClassIndex, type ClassLabel } from '../labels.ts';
import { withKerasWeights } from '../models/keras-h5.ts';
import { isKerasModelFile } from '../models/keras-model.ts';
import { loadModelFile, modelFileKind } from '../models/model-file.ts';
import { kerasModelUse, sidecarLabels } from '../store/import-keras.ts';
import { loadLayersModelFromDir } from '../models/layers-io.ts';
import { foldBatchNorms } from '../models/fold-batch-norms.ts';
import { resnet50 } from '../models/resnet50.ts';
import { META_FILE, ModelStore } from '../store/model-store.ts';
import { checkMetadata, MAX_META_BYTES, type FolderMetadata } from '../store/meta-check.ts';
import { readRegularFile } from '../bounded-read.ts';
import { findModel, findView, loadCatalog, type ModelEntry, type ViewEntry } from './catalog.ts';
import { Preprocessing } from '../models/preprocessing.ts';
import { locateFile, locateFiles, type FileSource, type FileSources } from './files.ts';
import { isFile } from '../fs-kinds.ts';
import { LEGACY_FIT } from '../../shared/vocabulary.ts';
import { CodedError } from '../../shared/errors.ts';

export interface LoadedModel {
  classifier: Classifier;
  /** Where the weights came from, for logs and the UI. */
  source: string;
  /** A zoo model's files: where they were found (cache, mirror or a download) and its entry file. */
  located?: { via: FileSource; file: string };
}

export async function imagenetLabels(sources: FileSources): Promise<ClassLabel[]> {
  const entry = loadCatalog().labels.imagenet!;
  return readClassIndex(await locateFile(entry, sources));
}

function specOf(entry: ModelEntry, labels: ClassLabel[]): ClassifierSpec {
  return {
    id: entry.id,
    name: entry.name,
    inputSize: entry.inputSize,
    channels: entry.channels,
    preprocessing: entry.preprocessing,
    resize: 'bilinear',
    fit: entry.fit,
    invertLightBackground: false,
    labels,
  };
}

/** A converted TensorFlow.js folder of the same network, if the user put one in the cache or mirror. */
async function findAlternative(entry: ModelEntry, sources: FileSources): Promise<string | undefined> {
  for (const alt of entry.alternatives) {
    for (const root of [sources.cacheDir, sources.mirrorDir]) {
      if (root && (await isFile(path.join(root, alt.entry)))) return path.dirname(path.join(root, alt.entry));
    }
  }
  return undefined;
}

async function buildFromH5(architecture: string | undefined, file: string): Promise<tf.LayersModel> {
  if (architecture !== 'resnet50') throw new Error(`${file}: weights-only .h5 files are supported for ResNet50 only.`);
  return withKerasWeights(resnet50(), file);
}

/**
 * For inference only: batch norms folded into the convolutions, which then run with their
 * activation in one kernel; the same answers (softmax within 1e-6), 1.2x (ResNet50) to 4x
 * (MobileNet) faster on wasm.
 */
async function forInference(plain: tf.LayersModel): Promise<tf.LayersModel> {
  const folded = await foldBatchNorms(plain);
  if (folded !== plain) plain.dispose();
  return folded;
}

/** A zoo network as published, batch norms and all (what is exported, and what training starts from). */
export async function loadPlainZooModel(entry: ModelEntry, sources: FileSources): Promise<{ model: tf.LayersModel; source: string; located?: LoadedModel['located'] }> {
  const alternative = await findAlternative(entry, sources);
  if (alternative) return { model: await loadLayersModelFromDir(alternative), source: alternative };
  const located = await locateFiles(entry.files, sources, entry.baseUrl);
  const entryPath = path.join(located.root, entry.entry);
  const model = entry.format === 'tfjs-layers' ? await loadLayersModelFromDir(path.dirname(entryPath)) : await buildFromH5(entry.architecture, entryPath);
  return { model, source: `${located.source}: ${entryPath}`, located: { via: located.source, file: entryPath } };
}

async function loadZooModel(entry: ModelEntry, sources: FileSources): Promise<LoadedModel> {
  const labels = await imagenetLabels(sources);
  const { model, source, located } = await loadPlainZooModel(entry, sources);
  return { classifier: new Classifier(specOf(entry, labels), await forInference(model)), source, ...(located ? { located } : {}) };
}

/** A view: its zoo model, with only the view's classes counting. */
async function loadView(view: ViewEntry, sources: FileSources): Promise<LoadedModel> {
  const base = findModel(view.of);
  if (!base) throw new Error(`The zoo view ${view.id} is of an unknown model "${view.of}".`);
  const { classifier, source, located } = await loadZooModel(base, sources);
  const [first, last] = view.classRange;
  const spec: ClassifierSpec = {
    ...classifier.spec,
    id: view.id,
    name: view.name,
    labels: classifier.spec.labels.slice(first, last + 1),
    classRange: view.classRange,
    fit: view.fit ?? classifier.spec.fit,
  };
  return { classifier: new Classifier(spec, classifier.model), source, ...(located ? { located } : {}) };
}

/** The folder's metadata file, checked against the model it describes (meta-check.ts); {} when there is none. */
async function readMetadata(dir: string, model: tf.LayersModel): Promise<FolderMetadata> {
  for (const name of [META_FILE, 'metadata.json']) {
    const file = path.join(dir, name);
    if (await isFile(file)) {
      let raw: unknown;
      try {
        raw = JSON.parse((await readRegularFile(file, MAX_META_BYTES, 'metadata file')).toString('utf8'));
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        throw new CodedError('model-meta-not-json', `${file}: not valid JSON (${err.message})`, { file });
      }
      return checkMetadata(raw, file, model);
    }
  }
  return {};
}

/**
 * A TensorFlow.js layers folder (model.json) or a Keras ResNet50 weights file. A folder may
 * describe itself in classifier-studio.json (or the metadata.json published beside tfjs
 * models); what it leaves out is inferred from the network.
 */
async function loadPathModel(target: string, sources: FileSources): Promise<LoadedModel> {
  const { kind, path: resolved } = await modelFileKind(target);
  if (kind === 'h5' && !(await isKerasModelFile(resolved))) {
    const entry = findModel('resnet50')!;
    const model = await forInference(await buildFromH5('resnet50', resolved));
    const spec = { ...specOf(entry, await imagenetLabels(sources)), id: resolved, name: `ResNet50 (${path.basename(resolved)})` };
    return { classifier: new Classifier(spec, model), source: resolved };
  }
  if (kind !== 'tfjs') return loadKerasModelFile(resolved);
  const dir = resolved;
  const model = await forInference(await loadLayersModelFromDir(dir));
  let meta: FolderMetadata;
  try {
    meta = await readMetadata(dir, model);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const inShape = model.inputs[0]!.shape;
  const outShape = model.outputs[0]!.shape;
  const classes = outShape[outShape.length - 1] ?? 0;
  const imagenet = meta.labels === 'imagenet' || (Array.isArray(meta.labels) ? false : classes === 1000);
  const labels = imagenet ? await imagenetLabels(sources) : namedLabels(Array.isArray(meta.labels) ? meta.labels : Array.from({ length: classes }, (_, i) => `class ${i}`));
  const spec: ClassifierSpec = {
    id: resolved,
    name: meta.name ?? model.name ?? path.basename(dir),
    inputSize: meta.inputSize ?? [inShape[1] ?? 224, inShape[2] ?? 224],
    channels: meta.channels ?? (inShape[3] === 1 ? 1 : 3),
    preprocessing: Preprocessing.parse(meta.preprocessing ?? (/resnet/i.test(model.name) ? 'caffe' : 'tf')),
    resize: meta.resize ?? 'bilinear',
    // A model stored before the choice was kept was trained on squashed photos.
    fit: meta.fit ?? LEGACY_FIT,
    invertLightBackground: meta.invertLightBackground ?? false,
    labels,
  };
  try {
    return { classifier: new Classifier(spec, model), source: dir };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * A whole Keras model (.keras, or .h5 from model.save): described by what we wrote into it when
 * we exported it, else by its shapes, with class names from a sidecar file or numbered.
 */
async function loadKerasModelFile(file: string): Promise<LoadedModel> {
  const loaded = await loadModelFile(file);
  const model = await forInference(loaded.model);
  try {
    const out = model.outputs[0]!.shape;
    const own = loaded.studio === undefined ? {} : checkMetadata(loaded.studio, file, model);
    const names = (Array.isArray(own.labels) ? own.labels : undefined) ?? (await sidecarLabels(file)) ?? Array.from({ length: out[out.length - 1] ?? 0 }, (_, i) => `class ${i}`);
    const use = kerasModelUse(model, file, names);
    const spec: ClassifierSpec = {
      id: file,
      name: `${own.name ?? model.name} (${path.basename(file)})`,
      ...use,
      ...Object.fromEntries(
        Object.entries({
          inputSize: own.inputSize,
          channels: own.channels,
          preprocessing: own.preprocessing,
          resize: own.resize,
          fit: own.fit,
          invertLightBackground: own.invertLightBackground,
        }).filter(([, v]) => v !== undefined),
      ),
      labels: namedLabels(names),
    };
    return { classifier: new Classifier(spec, model), source: file };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

export function isPathLike(spec: string): boolean {
  return spec.includes('/') || spec.includes('\\') || spec.startsWith('.') || /\.(h5|keras|json)$/i.test(spec);
}

/** A zoo id, then a model of the store (trained here), then a path. */
export async function loadModel(spec: string, sources: FileSources & { storeDir?: string }): Promise<LoadedModel> {
  const entry = findModel(spec);
  if (entry) return loadZooModel(entry, sources);
  const view = findView(spec);
  if (view) return loadView(view, sources);
  if (sources.storeDir) {
    const store = new ModelStore(sources.storeDir);
    if (await store.has(spec)) return loadPathModel(store.folderOf(spec), sources);
  }
  if (isPathLike(spec)) return loadPathModel(spec, sources);
  const known = [...loadCatalog().models, ...loadCatalog().views].map((m) => m.id);
  throw new CodedError('model-missing', `Unknown model "${spec}". Choose one of ${known.join(', ')}, a trained model's name, or the path of a model folder, .keras or .h5 file.`, {
    name: spec,
  });
}
