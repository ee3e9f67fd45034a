// dog-breeds-imagenet: MobileNet's ImageNet classifier seen through its 118 dog classes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecognitionService } from '../src-main/service/recognition.ts';
import { imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';

describe('dog-breeds-imagenet', () => {
  it('is in the zoo, named as what it is', () => {
    const m = new RecognitionService().listModels().find((x) => x.id === 'dog-breeds-imagenet');
    expect(m).toMatchObject({ classes: 118, inputSize: [224, 224] });
    expect(m!.description).toMatch(/ImageNet.*151-268.*not a model trained on Stanford Dogs/);
  });

  it('reaches at least 80% top-1 on the dog photos of imagenet-dev, with breed names and ImageNet indices', async () => {
    const rows = (await readFile(path.join(imagenetDevDir, 'labels.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const dogs = rows.filter((r) => Number(r[1]) >= 151 && Number(r[1]) <= 268);
    expect(dogs).toHaveLength(23);
    const svc = new RecognitionService({ mirrorDir, cacheDir: await tempDir(), offline: true, fetch: noNetwork });
    let right = 0;
    try {
      for (const [file, index] of dogs) {
        const r = await svc.recognize({ image: path.join(imagenetDevDir, file!), model: 'dog-breeds-imagenet', topK: 118 });
        expect(r.top).toHaveLength(118);
        for (const p of r.top) expect(p.index).toBeGreaterThanOrEqual(151);
        expect(r.top.reduce((s, p) => s + p.probability, 0)).toBeCloseTo(1, 4);
        if (r.top[0]!.index === Number(index)) right++;
      }
    } finally {
      svc.dispose();
    }
    console.log(`dog-breeds-imagenet on the ${dogs.length} dog photos: top-1 ${((100 * right) / dogs.length).toFixed(1)}%`);
    expect(right / dogs.length).toBeGreaterThanOrEqual(0.8);
  });

  it('answers even a photo of a fish with dog breeds only', async () => {
    const svc = new RecognitionService({ mirrorDir, cacheDir: await tempDir(), offline: true, fetch: noNetwork });
    try {
      const tench = await svc.recognize({ image: path.join(imagenetDevDir, 'n01440764_tench.JPEG'), model: 'dog-breeds-imagenet' });
      for (const p of tench.top) expect(p.index >= 151 && p.index <= 268).toBe(true);
    } finally {
      svc.dispose();
    }
  });
});
