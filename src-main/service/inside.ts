// "Inside the model" for the window and the CLI: the Keras-style summary of a model as its
// authors published it (core/zoo/architecture.ts), and for the model that recognizes, a layer's
// feature maps for a photo and the first convolution's filters (core/models/inside.ts).
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../core/classifier.ts';
import type { FileSources } from '../core/zoo/files.ts';
import { featureMaps, firstFilters, mapLayers, type MapLayer, type TileGrid } from '../core/models/inside.ts';
import { preprocessBatch } from '../core/models/preprocess.ts';
import { summarize, type ModelSummary } from '../core/models/summary.ts';
import { loadArchitecture } from '../core/zoo/architecture.ts';
import { CodedError } from '../shared/errors.ts';

export type { MapLayer, TileGrid };

export interface SummaryResult extends ModelSummary {
  nonTrainableParams: number;
}

export interface FeatureMapsResult {
  model: string;
  /** The layers of the model that recognizes whose maps can be shown (zoo models: batch norms folded in). */
  layers: MapLayer[];
  /** The chosen layer's maps for the photo; absent without a photo. */
  maps?: TileGrid;
  filters?: TileGrid;
}

/** The summary of a model as published (batch norms and all): a zoo id, a stored model or a path. */
export async function modelSummary(spec: string, sources: FileSources & { storeDir?: string }): Promise<SummaryResult> {
  const net = await loadArchitecture(spec, sources);
  try {
    const s = summarize(net);
    return { ...s, nonTrainableParams: s.totalParams - s.trainableParams };
  } finally {
    net.dispose();
  }
}

/** The feature maps of `layer` (the first convolution's when absent) for a decoded photo, and the first filters. */
export function insideOf(classifier: Classifier, model: string, image: { data: Uint8Array } | undefined, layer?: string): FeatureMapsResult {
  const {
    inputSize: [height, width],
    channels,
    preprocessing,
  } = classifier.spec;
  const layers = mapLayers(classifier.model);
  const filters = firstFilters(classifier.model);
  if (!image) {
    if (layer !== undefined && !layers.some((l) => l.name === layer))
      throw new CodedError('layer-no-maps', `The model has no layer called "${layer}" with feature maps.`, { layer });
    return { model, layers, ...(filters ? { filters } : {}) };
  }
  const x = preprocessBatch([image.data], height, width, channels, preprocessing);
  try {
    return { model, layers, maps: featureMaps(classifier.model, x, layer), ...(filters ? { filters } : {}) };
  } finally {
    tf.dispose(x);
  }
}
