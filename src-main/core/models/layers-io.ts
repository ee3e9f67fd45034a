// TensorFlow.js layers models (model.json + weight shards) read from disk, and their files. tfjs-node has
// its own file:// handler, but the wasm and cpu backends need this one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { layersArtifacts, parseModelJson, shardPaths, type ModelJson } from './layers-artifacts.ts';

async function readModelJson(file: string): Promise<ModelJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`No TensorFlow.js model at ${path.dirname(file)}: cannot read ${path.basename(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseModelJson(text, file);
}

/** An IOHandler for a model folder; shard paths are resolved against the folder, never outside it. */
export function fileSystemLoader(dir: string, entry = 'model.json'): tf.io.IOHandler {
  const root = path.resolve(dir);
  return {
    async load() {
      const json = await readModelJson(path.join(root, entry));
      const shards: Uint8Array[] = [];
      for (const p of shardPaths(json)) {
        const file = path.resolve(root, p);
        if (path.relative(root, file).startsWith('..')) throw new Error(`${root}/${entry}: weight file ${p} lies outside the model folder`);
        try {
          shards.push(await readFile(file));
        } catch (err) {
          throw new Error(`${root}: weight file ${p} is missing or unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
      }
      return layersArtifacts(json, shards, root);
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
