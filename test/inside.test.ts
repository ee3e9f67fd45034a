// "Inside the model" through the service: the Keras-style summary of zoo and trained models,
// a layer's feature maps for a photo, and the first convolution's filters.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { NETWORKS } from '../src-main/core/models/classic.ts';
import { featureMaps, firstFilters, mapLayers } from '../src-main/core/models/inside.ts';
import { RecognitionService } from '../src-main/service/recognition.ts';
import { imagenetDevDir, mirrorDir, noNetwork, tempDir } from './helpers/shared.ts';
import { storeLenet } from './helpers/stored-lenet.ts';

const ELEPHANT = path.join(imagenetDevDir, 'n02504013_Indian_elephant.JPEG');
const AIRSHIP = path.join(imagenetDevDir, 'n02692877_airship.JPEG');

let svc: RecognitionService;
beforeAll(async () => {
  await initBackend();
  const dir = await tempDir();
  await storeLenet(path.join(dir, 'store'));
  svc = new RecognitionService({ mirrorDir, cacheDir: path.join(dir, 'cache'), storeDir: path.join(dir, 'store'), offline: true, fetch: noNetwork });
});
afterAll(() => svc?.dispose());

describe('feature maps and filters (core)', () => {
  it("are each channel's own range in 0..255, of the asked layer, bounded in count and size", () => {
    const net = NETWORKS['cifar-cnn'].build();
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1) as tf.Tensor4D;
    try {
      const layers = mapLayers(net);
      expect(layers[0]).toMatchObject({ type: 'Conv2D', shape: [30, 30, 32] });
      const first = featureMaps(net, x);
      expect(first).toMatchObject({ layer: layers[0]!.name, width: 30, height: 30, channels: 1, total: 32, count: 32 });
      expect(first.levels).toHaveLength(30 * 30 * 32);
      const few = featureMaps(net, x, layers[1]!.name, 5);
      expect(few.count).toBe(5);
      expect(few.levels).toHaveLength(5 * few.width * few.height);
      // A channel that varies spans the whole range.
      const tile = few.levels.subarray(0, few.width * few.height);
      if (new Set(tile).size > 1) expect([Math.min(...tile), Math.max(...tile)]).toEqual([0, 255]);
      expect(() => featureMaps(net, x, 'nope')).toThrow(/no layer called "nope"/);
      const dense = net.layers.find((l) => l.getClassName() === 'Dense')!.name;
      expect(() => featureMaps(net, x, dense)).toThrow(/gives no feature maps/);
      const filters = firstFilters(net)!;
      expect(filters).toMatchObject({ width: 3, height: 3, channels: 3, total: 32, count: 32 });
      expect(filters.levels).toHaveLength(32 * 3 * 3 * 3);
    } finally {
      x.dispose();
      net.dispose();
    }
  });
});

describe('inside the models that recognize', () => {
  it('MobileNet: summarized as published (2,601,976 parameters, 16,416 non-trainable)', async () => {
    const s = await svc.summary('mobilenet');
    expect(s).toMatchObject({ totalParams: 2_601_976, trainableParams: 2_585_560, nonTrainableParams: 16_416 });
    expect(s.layers.find((l) => l.name === 'conv_pw_13_bn')).toEqual({ name: 'conv_pw_13_bn', type: 'BatchNormalization', outputShape: '(None, 7, 7, 768)', params: 3072 });
  });

  it("MobileNet: the first convolution's 24 maps of an elephant at 112x112, its colour filters, and a chosen deeper layer", async () => {
    const r = await svc.featureMaps({ model: 'mobilenet', image: ELEPHANT });
    expect(r.layers.length).toBeGreaterThan(10);
    expect(r.maps).toMatchObject({ layer: r.layers[0]!.name, width: 112, height: 112, total: 24, count: 24, channels: 1 });
    expect(r.filters).toMatchObject({ layer: r.layers[0]!.name, width: 3, height: 3, channels: 3, count: 24 });
    // Not blank: the photo shows through.
    expect(new Set(r.maps!.levels.subarray(0, 112 * 112)).size).toBeGreaterThan(20);
    const deep = r.layers.find((l) => l.shape[0] === 7)!;
    const d = await svc.featureMaps({ model: 'mobilenet', image: ELEPHANT, layer: deep.name });
    expect(d.maps).toMatchObject({ layer: deep.name, width: 7, height: 7, total: deep.shape[2], count: 64 });
    // Another photo, other maps.
    const other = await svc.featureMaps({ model: 'mobilenet', image: AIRSHIP, layer: deep.name });
    expect(Buffer.from(other.maps!.levels).equals(Buffer.from(d.maps!.levels))).toBe(false);
    const bare = await svc.featureMaps({ model: 'mobilenet' });
    expect(bare.maps).toBeUndefined();
    expect(bare.filters?.count).toBe(24);
  });

  it('a LeNet-5 trained here: 61,706 parameters, its 6 maps of 28x28 in grey, its 5x5 grey filters', async () => {
    const s = await svc.summary('digits');
    expect(s).toMatchObject({ totalParams: 61_706, trainableParams: 61_706, nonTrainableParams: 0 });
    const r = await svc.featureMaps({ model: 'digits', image: AIRSHIP });
    expect(r.maps).toMatchObject({ width: 28, height: 28, total: 6, count: 6, channels: 1 });
    expect(r.filters).toMatchObject({ width: 5, height: 5, channels: 1, total: 6 });
    await expect(svc.featureMaps({ model: 'digits', layer: 'nope' })).rejects.toThrow(/no layer called "nope"/);
  });
});
