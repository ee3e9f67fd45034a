// Short soaks (bench/soak.ts runs the long ones): recognitions and a training run leave the
// tensor count exactly flat after warm-up; and recognition through the service keeps answering
// correctly while a training run goes on in its worker thread.
import { describe, expect, it } from 'vitest';
import type { TrainEvent } from '../src-main/shared/train-events.ts';
import type { StudioEvent } from '../src-main/contract.ts';
import { labelledPhotos, recognitionSoak, threadedStudio, trainingSoak } from './helpers/soak.ts';

describe('soak, short', () => {
  it('50 recognitions in the recognizer thread: tensors flat after the first, top-5 right', async () => {
    const { samples, top5 } = await recognitionSoak(50, 10);
    console.log(`recognitions: ${samples.map((s) => `${s.at}: ${s.numTensors} tensors, rss ${s.rssMB.toFixed(0)} MB`).join('; ')}`);
    expect(samples.map((s) => s.at)).toEqual([1, 10, 20, 30, 40, 50]);
    // The loaded MobileNet's weights and nothing more, every time.
    expect(new Set(samples.map((s) => s.numTensors)).size).toBe(1);
    expect(new Set(samples.map((s) => s.numBytes)).size).toBe(1);
    expect(samples[0]!.numTensors).toBeGreaterThan(50);
    expect(top5).toBeGreaterThanOrEqual(46);
  });

  it('3 epochs of lenet5: tensors flat after the first epoch', async () => {
    const { samples, done } = await trainingSoak({ dataset: 'mnist', network: 'lenet5', epochs: 3, batchSize: 32, limit: 1000, testLimit: 100, seed: 7 });
    console.log(`training: ${samples.map((s) => `epoch ${s.at}: ${s.numTensors} tensors, rss ${s.rssMB.toFixed(0)} MB`).join('; ')}`);
    expect(done.history).toHaveLength(3);
    // Sampled at each epoch's end, before the checkpoint: from epoch 2 on the best epoch's copy
    // of the weights (lenet5's 10 tensors, made after epoch 1's sample) is held, and nothing else.
    const [first, ...rest] = samples.map((s) => s.numTensors);
    expect(rest).toEqual([first! + 10, first! + 10]);
  });
});

describe('recognition while a training runs', () => {
  it('answers real photos correctly through the service while the training worker runs, and the training still completes', async () => {
    const studio = await threadedStudio();
    const events: TrainEvent[] = [];
    let ended: Extract<StudioEvent, { type: 'training-ended' }> | undefined;
    let progressed!: () => void;
    const started = new Promise<void>((resolve) => (progressed = resolve));
    studio.on((e) => {
      if (e.type === 'training') {
        events.push(e.event as TrainEvent);
        if (events.filter((x) => x.event === 'batch').length === 2) progressed();
      }
      if (e.type === 'training-ended') ended = e;
    });
    try {
      await studio.startTraining({
        runId: 'soak',
        dataset: 'mnist',
        network: 'lenet5',
        epochs: 3,
        batchSize: 16,
        optimizer: 'adam',
        learningRate: 0.001,
        validationSplit: 0.2,
        limit: 2000,
        testLimit: 200,
        out: 'while-recognizing',
      });
      await started;
      const photos = (await labelledPhotos()).filter((p) => [0, 385, 950].includes(p.index)); // tench, Indian elephant, orange
      expect(photos).toHaveLength(3);
      for (const photo of photos) {
        const reply = await studio.recognize({ image: photo.file, model: 'mobilenet', topK: 5 });
        expect(
          reply.top.map((p) => p.index),
          photo.file,
        ).toContain(photo.index);
      }
      // Answered while the run was still going: training events kept coming after the answers.
      expect(ended).toBeUndefined();
      const seen = events.length;
      await studio.settle();
      expect(events.length).toBeGreaterThan(seen);
      expect(ended).toEqual({ type: 'training-ended', runId: 'soak' });
      const done = events.find((e) => e.event === 'done');
      expect(done).toMatchObject({ event: 'done', model: 'while-recognizing', cancelled: false });
      expect(events.filter((e) => e.event === 'epoch')).toHaveLength(3);
    } finally {
      studio.dispose();
    }
  });
});
