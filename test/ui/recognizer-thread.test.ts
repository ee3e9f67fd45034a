// The desktop app recognizes in a worker thread (Electron's main thread must stay free); this
// checks that path answers like the in-process one and survives a bad image.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorCodeOf } from '../../src-main/shared/errors.ts';
import { threadRecognizer } from '../../src-main/service/recognizer-thread.ts';
import { imagenetDevDir, mirrorDir, tempDir } from '../helpers/shared.ts';

describe('recognition in a worker thread', async () => {
  const logs: string[] = [];
  const recognizer = threadRecognizer({ cacheDir: await tempDir(), mirrorDir, storeDir: await tempDir(), offline: true }, { log: (l) => logs.push(l.message) });
  afterAll(() => recognizer.dispose());

  it('answers a real photo with mobilenet, and reports its backend', async () => {
    const reply = await recognizer.recognize({ image: path.join(imagenetDevDir, 'n01440764_tench.JPEG'), model: 'mobilenet', topK: 5 });
    expect(reply.top).toHaveLength(5);
    expect(reply.top[0]!.label).toBe('tench');
    expect((await recognizer.backend()).backend).toBe(reply.backend);
    expect(logs.join('\n')).toMatch(/loaded mobilenet/);
  });

  it('explains an answer there too: the heatmap and the PNG of the input cross the thread', async () => {
    const reply = await recognizer.explain({ image: path.join(imagenetDevDir, 'n01440764_tench.JPEG'), model: 'mobilenet' });
    expect(reply.prediction.label).toBe('tench');
    // The centre crop's 7x7 cells, across the whole 500x375 photo.
    expect([reply.heatmap.width, reply.heatmap.height, Math.max(...reply.heatmap.values)]).toEqual([9, 7, 1]);
    expect(reply.input.png).toBeInstanceOf(Uint8Array);
    expect(Array.from(reply.input.png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it("shows inside there too: MobileNet's summary as published, and its first maps and filters as tiles", async () => {
    expect((await recognizer.summary('mobilenet')).totalParams).toBe(2_601_976);
    const inside = await recognizer.featureMaps({ image: path.join(imagenetDevDir, 'n01440764_tench.JPEG'), model: 'mobilenet' });
    expect(inside.maps?.levels).toBeInstanceOf(Uint8Array);
    expect(inside.maps?.levels).toHaveLength(24 * 112 * 112);
    expect(inside.filters).toMatchObject({ width: 3, height: 3, channels: 3, count: 24 });
  });

  it('turns a bad image into an error naming the file, and keeps working', async () => {
    const err = await recognizer.recognize({ image: { name: 'junk.jpg', data: new Uint8Array([1, 2, 3]) }, model: 'mobilenet' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/junk\.jpg/);
    // It crosses the thread as a coded error, so the window can say it in the user's language.
    expect(errorCodeOf(err)).toEqual({ code: 'image-not-an-image', params: { file: 'junk.jpg' } });
    const again = await recognizer.recognize({ image: path.join(imagenetDevDir, 'n01440764_tench.JPEG'), model: 'mobilenet' });
    expect(again.top[0]!.label).toBe('tench');
  });

  it('answers many photos at once (folder jobs), in order, a bad one in its place, as one at a time', async () => {
    const tench = path.join(imagenetDevDir, 'n01440764_tench.JPEG');
    const ray = path.join(imagenetDevDir, 'n01496331_electric_ray.JPEG');
    const many = await recognizer.recognizeMany({ images: [tench, { name: 'junk.jpg', data: new Uint8Array([1, 2, 3]) }, ray], model: 'mobilenet', topK: 3 });
    expect(many.map((r) => r.file)).toEqual([tench, 'junk.jpg', ray]);
    expect(many[1]).toMatchObject({ error: expect.stringMatching(/junk\.jpg/) });
    for (const k of [0, 2]) {
      const alone = await recognizer.recognize({ image: many[k]!.file, model: 'mobilenet', topK: 3 });
      expect(many[k]).toMatchObject({ top: alone.top.map((t) => ({ ...t, probability: expect.closeTo(t.probability, 5) })) });
    }
  });
});
