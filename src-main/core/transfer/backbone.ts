// A zoo classifier without its top: the frozen feature extractor of transfer learning.
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../classifier.ts';
import { findModel } from '../zoo/catalog.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import type { FileSources } from '../zoo/files.ts';
import type { PhotoFit } from '../../shared/vocabulary.ts';
import { loadModel } from '../zoo/load.ts';

export const BACKBONES = ['mobilenet', 'resnet50'] as const;
export type BackboneId = (typeof BACKBONES)[number];

export interface Backbone {
  id: BackboneId;
  /** The whole zoo classifier; its layers up to the pooling are shared with `features`. */
  classifier: Classifier;
  /** Image in, pooled features out: [batch, featureLength]. */
  features: tf.LayersModel;
  /** The pooling layer's output, where a head is attached. */
  pooled: tf.SymbolicTensor;
  featureLength: number;
  inputSize: [number, number];
  preprocessing: Preprocessing;
  /** How photos are fitted to its input, in feature extraction, fine-tuning and the stored model. */
  fit: PhotoFit;
  /** Names the backbone's weights in feature-cache keys: a different weights file, different features. */
  weightsTag: string;
}

export function isBackboneId(id: string): id is BackboneId {
  return (BACKBONES as readonly string[]).includes(id);
}

/** `fit`: how photos are fitted to the input; the zoo model's own ('crop') when not given. */
export async function loadBackbone(id: string, sources: FileSources, fit?: PhotoFit): Promise<Backbone> {
  if (!isBackboneId(id)) throw new Error(`Unknown backbone "${id}". Choose one of ${BACKBONES.join(', ')}.`);
  const { classifier } = await loadModel(id, sources);
  const model = classifier.model;
  // The global average pooling before the classifier: 'avg_pool' in ResNet50, 'global_average_pooling2d_1' in MobileNet.
  const pool = [...model.layers].reverse().find((l) => l.getClassName() === 'GlobalAveragePooling2D');
  if (!pool) {
    classifier.dispose();
    throw new Error(`The ${id} model has no global average pooling layer to take features from.`);
  }
  const pooled = pool.output as tf.SymbolicTensor;
  const features = tf.model({ inputs: model.inputs, outputs: pooled, name: `${id}_features` });
  for (const layer of features.layers) layer.trainable = false;
  const entry = findModel(id)!;
  return {
    id,
    classifier,
    features,
    pooled,
    featureLength: pooled.shape[pooled.shape.length - 1]!,
    inputSize: classifier.spec.inputSize,
    preprocessing: classifier.spec.preprocessing,
    fit: fit ?? classifier.spec.fit,
    weightsTag: (entry.files.find((f) => f.sha256)?.sha256 ?? entry.files[0]!.path).slice(0, 12),
  };
}
