// A model as its authors published it, for `summary`: the classic CNNs as the course builds
// them, ResNet50 as Keras builds it, MobileNet from its model.json with its batch norms (the
// models that recognize have them folded into the convolutions, which changes the layer list
// and the parameter count: fold-batch-norms.ts), a stored or given model as saved.
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { isNetworkId, NETWORKS } from '../models/classic.ts';
import { isKerasModelFile, loadKerasModel } from '../models/keras-model.ts';
import { loadLayersModelFromDir } from '../models/layers-io.ts';
import { resnet50 } from '../models/resnet50.ts';
import { ModelStore } from '../store/model-store.ts';
import { isFile } from '../fs-kinds.ts';
import { findModel, findView, loadCatalog, type ModelEntry } from './catalog.ts';
import { locateFiles, type FileSources } from './files.ts';
import { isPathLike } from './load.ts';
import { CodedError } from '../../shared/errors.ts';

async function zooArchitecture(entry: ModelEntry, sources: FileSources): Promise<tf.LayersModel> {
  // Its layers and shapes are the architecture's own: random weights count the same.
  if (entry.architecture === 'resnet50') return resnet50();
  if (entry.format !== 'tfjs-layers') throw new Error(`No architecture is known for ${entry.id}.`);
  const located = await locateFiles(entry.files, sources, entry.baseUrl);
  return loadLayersModelFromDir(path.dirname(path.join(located.root, entry.entry)));
}

/** A classic network id, a zoo id or view, a stored model's name, or a path (model folder or Keras .h5). */
export async function loadArchitecture(spec: string, sources: FileSources & { storeDir?: string }): Promise<tf.LayersModel> {
  if (isNetworkId(spec)) return NETWORKS[spec].build();
  const entry = findModel(spec) ?? findModel(findView(spec)?.of ?? '');
  if (entry) return zooArchitecture(entry, sources);
  if (sources.storeDir && (await new ModelStore(sources.storeDir).has(spec))) return loadLayersModelFromDir(new ModelStore(sources.storeDir).folderOf(spec));
  if (isPathLike(spec)) {
    const resolved = path.resolve(spec);
    if (/\.h5$/i.test(resolved) && (await isKerasModelFile(resolved))) return loadKerasModel(resolved);
    return loadLayersModelFromDir((await isFile(resolved)) ? path.dirname(resolved) : resolved);
  }
  const known = [...Object.keys(NETWORKS), ...loadCatalog().models.map((m) => m.id), ...loadCatalog().views.map((v) => v.id)];
  throw new CodedError('model-missing', `Unknown model "${spec}". Choose one of ${known.join(', ')}, a trained model's name, or the path of a model folder or .h5 file.`, {
    name: spec,
  });
}
