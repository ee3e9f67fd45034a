// TensorFlow.js layers models (model.json + weight shards) read from disk, and their files. tfjs-node has
// its own file:// handler, but the wasm and cpu backends need this one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, object>;
}

async function readModelJson(file: string): Promise<ModelJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`No TensorFlow.js model at ${path.dirname(file)}: cannot read ${path.basename(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || !json.modelTopology) throw new Error(`${file} is not a TensorFlow.js layers model (no modelTopology)`);
  return json;
}

/** An IOHandler for a model folder; shard paths are resolved against the folder, never outside it. */
export function fileSystemLoader(dir: string, entry = 'model.json'): tf.io.IOHandler {
  const root = path.resolve(dir);
  return {
    async load() {
      const json = await readModelJson(path.join(root, entry));
      const manifest = json.weightsManifest ?? [];
      const shards: Uint8Array[] = [];
      for (const group of manifest) {
        for (const p of group.paths) {
          const file = path.resolve(root, p);
          if (path.relative(root, file).startsWith('..')) throw new Error(`${root}/${entry}: weight file ${p} lies outside the model folder`);
          try {
            shards.push(await readFile(file));
          } catch (err) {
            throw new Error(`${root}: weight file ${p} is missing or unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
          }
        }
      }
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
        throw new Error(`${root}: the weight files hold ${total} bytes but model.json describes ${expected}`);
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
    },
  };
}

export async function loadLayersModelFromDir(dir: string): Promise<tf.LayersModel> {
  const handler = fileSystemLoader(dir);
  try {
    return await tf.loadLayersModel(handler);
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.startsWith(path.resolve(dir)) || msg.startsWith('No TensorFlow.js model')) throw err;
    throw new Error(`${path.resolve(dir)}: cannot build the model (${msg})`);
  }
}

/** The files of a TensorFlow.js layers model, as tfjs would write them, in memory. */
export async function layersModelFiles(model: tf.LayersModel): Promise<{ 'model.json': string; 'weights.bin': Uint8Array }> {
  let files: { 'model.json': string; 'weights.bin': Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights = new Uint8Array(a.weightData ? tf.io.CompositeArrayBuffer.join(a.weightData) : new ArrayBuffer(0));
      const json = {
        modelTopology: a.modelTopology,
        format: 'layers-model',
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
      };
      files = { 'model.json': JSON.stringify(json), 'weights.bin': weights };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  return files!;
}
