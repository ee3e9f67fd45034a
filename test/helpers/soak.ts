// Long runs that must not pile anything up: recognitions through the service (the model runs in
// the recognizer's worker thread, which reports its own tf.memory()) and a training run, sampled
// as they go. Shared by test/soak.test.ts (short) and bench/soak.ts (long).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfigInput } from '../../src-main/core/training/config.ts';
import type { TrainEvent } from '../../src-main/shared/train-events.ts';
import { runTraining } from '../../src-main/core/training/run.ts';
import { threadRecognizer } from '../../src-main/service/recognizer-thread.ts';
import { StudioService } from '../../src-main/service/studio.ts';
import { imagenetDevDir, mirrorDir, sharedDir, tempDir } from './shared.ts';

export interface Sample {
  /** Recognitions done, or epochs finished. */
  at: number;
  numTensors: number;
  numBytes: number;
  rssMB: number;
  /** The V8 heap of the thread that runs the model. */
  heapMB: number;
}

const MB = 1024 * 1024;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** The labelled photos of imagenet-dev: file and ImageNet class index. */
export async function labelledPhotos(): Promise<{ file: string; index: number }[]> {
  const rows = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8')).trim().split('\n').slice(1);
  return rows.map((r) => r.split(',')).map(([file, index]) => ({ file: path.join(imagenetDevDir, file!), index: Number(index) }));
}

/** A studio whose recognizer runs in a worker thread, as in the desktop app. */
export async function threadedStudio(): Promise<StudioService> {
  const dirs = { cacheDir: await tempDir('cs-soak-cache-'), storeDir: await tempDir('cs-soak-store-') };
  return new StudioService({
    ...dirs,
    mirrorDir,
    datasetMirrorDir: path.join(sharedDir, 'datasets'),
    offline: true,
    recognizer: threadRecognizer({ ...dirs, mirrorDir, offline: true }),
  });
}

/**
 * `count` recognitions with mobilenet over the photos in turn, sampled after the first (the
 * warm-up: model loaded, kernels compiled) and every `every` after that.
 */
export async function recognitionSoak(count: number, every: number, log?: (s: Sample) => void): Promise<{ samples: Sample[]; top5: number; seconds: number }> {
  const photos = await labelledPhotos();
  const studio = await threadedStudio();
  const samples: Sample[] = [];
  let top5 = 0;
  const t0 = performance.now();
  try {
    for (let i = 1; i <= count; i++) {
      const photo = photos[(i - 1) % photos.length]!;
      const reply = await studio.recognize({ image: photo.file, model: 'mobilenet', topK: 5 });
      if (reply.top.some((p) => p.index === photo.index)) top5++;
      if (i === 1 || i % every === 0) {
        const s = await studio.recognizerStats();
        const sample = { at: i, numTensors: s.numTensors, numBytes: s.numBytes, rssMB: s.rss / MB, heapMB: s.heapUsed / MB };
        samples.push(sample);
        log?.(sample);
      }
    }
  } finally {
    studio.dispose();
  }
  return { samples, top5, seconds: (performance.now() - t0) / 1000 };
}

/** A training run in this thread, sampled at the end of every epoch. */
export async function trainingSoak(
  config: TrainConfigInput,
  log?: (s: Sample) => void,
): Promise<{ samples: Sample[]; done: Extract<TrainEvent, { event: 'done' }>; seconds: number }> {
  const env = { cacheDir: await tempDir('cs-soak-cache-'), mirrorDir: path.join(sharedDir, 'datasets'), storeDir: await tempDir('cs-soak-store-'), offline: true };
  const samples: Sample[] = [];
  const t0 = performance.now();
  const done = await runTraining(config, env, (e) => {
    if (e.event !== 'epoch') return;
    gc();
    const m = tf.memory();
    const mem = process.memoryUsage();
    const sample = { at: e.epoch, numTensors: m.numTensors, numBytes: m.numBytes, rssMB: mem.rss / MB, heapMB: mem.heapUsed / MB };
    samples.push(sample);
    log?.(sample);
  });
  return { samples, done, seconds: (performance.now() - t0) / 1000 };
}
