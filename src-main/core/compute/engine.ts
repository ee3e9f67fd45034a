// What the compute page computes, in code that runs on any tfjs backend and touches no file system:
// models from their files' bytes, recognition and training steps. The Node path's own modules
// (layers-artifacts, fold-batch-norms, scores, step) do the work, so a GPU answer is the same code.
import * as tf from '@tensorflow/tfjs';
import { foldBatchNorms } from '../models/fold-batch-norms.ts';
import { layersArtifacts, parseModelJson, shardPaths } from '../models/layers-artifacts.ts';
import { preprocessBatch } from '../models/preprocess.ts';
import type { Preprocessing } from '../models/preprocessing.ts';
import { scoreBatch, type ScoreSpec } from '../models/scores.ts';
import type { LossConfig, OptimizerConfig } from '../training/config.ts';
import { makeLoss } from '../training/losses.ts';
import { makeOptimizer } from '../training/optimizers.ts';
import { trainableVariables, trainStep } from '../training/step.ts';

/** A layers model as bytes: model.json's text and its shards in the order model.json names them. */
export interface ModelFiles {
  json: string;
  shards: Uint8Array[];
}

/**
 * Builds the model; for inference its batch norms are folded into the convolutions as the Node
 * path does (zoo/load.ts), so both run the same graph.
 */
export async function modelFromFiles(files: ModelFiles, purpose: 'inference' | 'training', where = 'model'): Promise<tf.LayersModel> {
  const json = parseModelJson(files.json, `${where}/model.json`);
  const wanted = shardPaths(json).length;
  if (files.shards.length !== wanted) throw new Error(`${where}: model.json names ${wanted} weight files but ${files.shards.length} came`);
  const model = await tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(json, files.shards, where)));
  if (purpose === 'training') return model;
  const folded = await foldBatchNorms(model);
  if (folded !== model) model.dispose();
  return folded;
}

export function recognize(model: tf.LayersModel, spec: ScoreSpec, pixels: readonly Uint8Array[]): Promise<Float32Array[]> {
  return scoreBatch(model, spec, pixels).then((s) => s.map((x) => x.probabilities));
}

export interface TrainBatch {
  /** HWC uint8 images one after another. */
  x: Uint8Array;
  /** Class indices, one per image. */
  y: Int32Array;
}

export interface TrainStepsRequest {
  shape: [height: number, width: number, channels: 1 | 3];
  preprocessing: Preprocessing;
  /** Parsed configs: Adam's and RMSprop's epsilon are always explicit there (webgl's own is 1e-4). */
  optimizer: OptimizerConfig;
  loss: LossConfig;
  batches: TrainBatch[];
}

/** Each batch's loss and accuracy (before its update), and the time of each step. */
export async function trainSteps(model: tf.LayersModel, req: TrainStepsRequest): Promise<{ losses: number[]; accuracies: number[]; ms: number[] }> {
  const optimizer = makeOptimizer(req.optimizer);
  const lossFn = makeLoss(req.loss);
  const vars = trainableVariables(model);
  const [h, w, c] = req.shape;
  const size = h * w * c;
  const out = { losses: [] as number[], accuracies: [] as number[], ms: [] as number[] };
  try {
    for (const batch of req.batches) {
      const n = batch.y.length;
      if (batch.x.length !== n * size) throw new Error(`A batch of ${n} labels holds ${batch.x.length} pixel values, expected ${n * size}`);
      const start = performance.now();
      const [loss, acc] = tf.tidy(() => {
        const images = Array.from({ length: n }, (_, i) => batch.x.subarray(i * size, (i + 1) * size));
        return trainStep(model, optimizer, lossFn, preprocessBatch(images, h, w, c, req.preprocessing), tf.tensor1d(batch.y, 'int32'), vars);
      });
      out.losses.push((await loss.data())[0]!);
      out.accuracies.push((await acc.data())[0]!);
      out.ms.push(performance.now() - start);
      tf.dispose([loss, acc]);
    }
  } finally {
    optimizer.dispose();
  }
  return out;
}
