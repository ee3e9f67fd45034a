// Whole Keras models saved with `model.save('x.h5')`: the architecture from the model_config
// attribute, rebuilt by TensorFlow.js, then the weights of model_weights, layer by layer.
import * as tf from '@tensorflow/tfjs';
import { checkArchitectureSize, type LayerConfig } from './config-size.ts';
import { readModelConfig } from './h5-reader.ts';
import { withKerasWeights } from './keras-h5.ts';

/** The layers the course programs use; a file with any other is refused, naming it. */
export const SUPPORTED_LAYERS = [
  'InputLayer',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'Dense',
  'Dropout',
  'Flatten',
  'Rescaling',
  'BatchNormalization',
  'Activation',
  'ZeroPadding2D',
  'GlobalAveragePooling2D',
  'Add',
  'Concatenate',
  'DepthwiseConv2D',
  'ReLU',
  'Reshape',
] as const;
const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);

/**
 * Refuses layers we cannot import, and smooths what Keras writes that TensorFlow.js reads
 * otherwise: a built BatchNormalization saves its axis as a list ([3]).
 */
function checkLayers(cfg: LayerConfig, file: string): void {
  for (const layer of cfg.config.layers ?? []) {
    const axis = layer.config.axis;
    if (layer.class_name === 'BatchNormalization' && Array.isArray(axis) && axis.length === 1) layer.config.axis = axis[0];
    if (CONTAINERS.has(layer.class_name)) checkLayers(layer, file);
    else if (!(SUPPORTED_LAYERS as readonly string[]).includes(layer.class_name)) {
      throw new Error(`${file}: layer "${layer.config.name ?? '?'}" is a ${layer.class_name}, which cannot be imported (supported: ${SUPPORTED_LAYERS.join(', ')}).`);
    }
  }
}

/** The model_config of a full Keras HDF5 model, or an error saying what the file is instead. */
export async function readKerasModelConfig(file: string): Promise<LayerConfig> {
  const { config, weightsOnly } = await readModelConfig(file);
  if (!config) {
    throw new Error(
      `${file} has no model architecture (no model_config)${weightsOnly ? ': it holds weights only (model.save_weights); save the whole model with model.save()' : ''}.`,
    );
  }
  try {
    return JSON.parse(config) as LayerConfig;
  } catch (err) {
    throw new Error(`${file}: its model_config is not valid JSON (${(err as Error).message})`);
  }
}

/** Whether an HDF5 file holds a whole model (architecture and weights) rather than weights alone. */
export async function isKerasModelFile(file: string): Promise<boolean> {
  return !!(await readModelConfig(file)).config;
}

/** A Keras architecture (Keras 2 form) checked (layers we take, a bounded size) and built, without weights. */
export async function buildKerasArchitecture(config: LayerConfig, file: string): Promise<tf.LayersModel> {
  if (!CONTAINERS.has(config.class_name)) throw new Error(`${file}: the saved object is a ${config.class_name}, not a model.`);
  checkLayers(config, file);
  checkArchitectureSize(config, file);
  try {
    return await tf.models.modelFromJSON({ modelTopology: config as unknown as tf.io.ModelJSON['modelTopology'] });
  } catch (err) {
    throw new Error(`${file}: TensorFlow.js could not rebuild the architecture: ${(err as Error).message}`);
  }
}

export async function loadKerasModel(file: string): Promise<tf.LayersModel> {
  return withKerasWeights(await buildKerasArchitecture(await readKerasModelConfig(file), file), file);
}
