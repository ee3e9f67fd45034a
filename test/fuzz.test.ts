// Mutated files through the image decoder and the IDX, CIFAR and Keras HDF5 readers: thousands of
// them, seeded, so any failure repeats. Each must be read or refused with an Error that names the
// file; nothing may crash the process or hang.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { CIFAR_RECORD, readCifarBatch } from '../src-main/core/datasets/cifar.ts';
import { parseIdx, readIdx } from '../src-main/core/datasets/idx.ts';
import { decodeImage } from '../src-main/core/images/decode.ts';
import { readKerasWeights } from '../src-main/core/models/h5-reader.ts';
import { writeKerasWeights } from '../src-main/core/models/keras-h5.ts';
import { mulberry32 } from '../src-main/core/training/random.ts';
import { imagenetDevDir, sharedDir, tempDir } from './helpers/shared.ts';

const random = mulberry32(20261125);
const int = (n: number) => Math.floor(random() * n);

/** One of: flipped bytes, a truncation, inserted junk, a repeated run, a zeroed run. */
function mutate(src: Uint8Array): Uint8Array {
  const b = Uint8Array.from(src);
  switch (int(5)) {
    case 0:
      for (let k = 1 + int(16); k > 0; k--) b[int(b.length)] = int(256);
      return b;
    case 1:
      return b.subarray(0, int(b.length));
    case 2: {
      const at = int(b.length);
      return Uint8Array.from([...b.subarray(0, at), ...Array.from({ length: 1 + int(64) }, () => int(256)), ...b.subarray(at)]);
    }
    case 3: {
      const at = int(b.length);
      const len = 1 + int(256);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + len), ...b.subarray(at)]);
    }
    default: {
      const at = int(b.length);
      b.fill(0, at, at + 1 + int(512));
      return b;
    }
  }
}

/** Resolves with 'ok' or the Error; a hang fails after `ms`. */
async function outcome(p: Promise<unknown>, ms = 10_000): Promise<'ok' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('HANG')), ms)));
  try {
    await Promise.race([p, hang]);
    return 'ok';
  } catch (err) {
    if ((err as Error).message === 'HANG') throw new Error('a reader hung');
    return err as Error;
  } finally {
    clearTimeout(timer);
  }
}

function expectClear(result: 'ok' | Error, name: string): void {
  if (result === 'ok') return;
  expect(result).toBeInstanceOf(Error);
  expect(result.message, String(result)).toContain(name);
}

beforeAll(() => initBackend());

describe('fuzzing the readers', () => {
  it('decodeImage: 1,500 mutated JPEG, PNG, WebP and GIF files', async () => {
    const photo = path.join(imagenetDevDir, 'n01440764_tench.JPEG');
    const small = sharp(photo).resize(48, 36);
    const seeds = await Promise.all([small.clone().jpeg().toBuffer(), small.clone().png().toBuffer(), small.clone().webp().toBuffer(), small.clone().gif().toBuffer()]);
    const counts = { ok: 0, refused: 0 };
    for (let i = 0; i < 1500; i++) {
      const name = `fuzz-${i}.img`;
      const result = await outcome(decodeImage(Buffer.from(mutate(seeds[i % seeds.length]!)), { width: 24, height: 24 }, name));
      expectClear(result, name);
      counts[result === 'ok' ? 'ok' : 'refused']++;
    }
    console.log(`decodeImage: ${counts.ok} decoded, ${counts.refused} refused`);
    expect(counts.refused).toBeGreaterThan(100);
  });

  it('IDX: 3,000 mutated MNIST headers and data in memory, and 150 mutated gzip files', async () => {
    const real = gunzipSync(await import('node:fs').then((fs) => fs.readFileSync(path.join(sharedDir, 'datasets/mnist/t10k-images-idx3-ubyte.gz'))));
    // The header with 10 images, its counts patched to match.
    const seed = Uint8Array.from(real.subarray(0, 16 + 10 * 784));
    new DataView(seed.buffer).setUint32(4, 10, false);
    let ok = 0;
    for (let i = 0; i < 3000; i++) {
      const result = (() => {
        try {
          parseIdx(mutate(seed), `idx-${i}`, i % 2 ? 2051 : undefined);
          return 'ok' as const;
        } catch (err) {
          return err as Error;
        }
      })();
      expectClear(result, `idx-${i}`);
      if (result === 'ok') ok++;
    }
    const dir = await tempDir('cs-fuzz-');
    const gz = gzipSync(seed);
    for (let i = 0; i < 150; i++) {
      const file = path.join(dir, `m${i}.gz`);
      await writeFile(file, mutate(gz));
      expectClear(await outcome(readIdx(file, 2051)), file);
    }
    console.log(`IDX: ${ok} of 3000 mutated buffers still parse`);
  });

  it('CIFAR binary batches: 300 mutated files', async () => {
    const dir = await tempDir('cs-fuzz-');
    const seed = Uint8Array.from({ length: 4 * CIFAR_RECORD }, (_, k) => (k % CIFAR_RECORD === 0 ? k % 10 : k & 255));
    for (let i = 0; i < 300; i++) {
      const file = path.join(dir, `b${i}.bin`);
      await writeFile(file, mutate(seed));
      expectClear(await outcome(readCifarBatch(file)), file);
    }
  });

  it('Keras HDF5 weights: 200 mutated files', async () => {
    const dir = await tempDir('cs-fuzz-');
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'd1' }), tf.layers.dense({ units: 2, name: 'd2' })] });
    const good = path.join(dir, 'good.h5');
    await writeKerasWeights(model, good);
    const seed = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(good)));
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const file = path.join(dir, `w${i}.h5`);
      await writeFile(file, mutate(seed));
      const result = await outcome(readKerasWeights(file, { timeoutMs: 5000 }), 30_000);
      expectClear(result, file);
      if (result !== 'ok') refused++;
    }
    console.log(`HDF5: ${refused} of 200 mutated files refused`);
    model.dispose();
  });
});
