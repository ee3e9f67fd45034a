// A TensorFlow.js layers model from its files' contents: model.json's text and the weight shards.
// No file system here, so the compute page (a browser renderer) builds models with the same checks
// as the Node path, which reads the files in layers-io.ts.
import * as tf from '@tensorflow/tfjs';

export interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, object>;
}

/** model.json parsed and checked to be a layers model; `file` names it in errors. */
export function parseModelJson(text: string, file: string): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || !json.modelTopology) throw new Error(`${file} is not a TensorFlow.js layers model (no modelTopology)`);
  return json;
}

/** The shard paths model.json names, in the order their bytes join. */
export function shardPaths(json: ModelJson): string[] {
  return (json.weightsManifest ?? []).flatMap((g) => g.paths);
}

/**
 * The artifacts tf.loadLayersModel takes: the shards (in shardPaths order) joined, after checking
 * their size against what the manifest describes (a truncated download fails here, not as garbage).
 */
export function layersArtifacts(json: ModelJson, shards: readonly Uint8Array[], where: string): tf.io.ModelArtifacts {
  const manifest = json.weightsManifest ?? [];
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.byteLength;
  }
  const weightSpecs = manifest.flatMap((g) => g.weights);
  const expected = weightSpecs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'int32' || w.dtype === 'float32' || !w.dtype ? 4 : 1), 0);
  if (!weightSpecs.some((w) => w.quantization) && expected !== total) {
    throw new Error(`${where}: the weight files hold ${total} bytes but model.json describes ${expected}`);
  }
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}
