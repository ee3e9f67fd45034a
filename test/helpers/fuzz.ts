// Seeded mutation fuzzers for the image decoder and the IDX, CIFAR and Keras HDF5 readers, shared
// by test/fuzz.test.ts (thousands of cases) and bench/fuzz.ts (ten times more). Each case must be
// read, or refused with an Error whose message names the file; anything else (another throw, an
// error that does not say which file, a hang) is a problem, listed with the seed that repeats it.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { CIFAR_RECORD, readCifarBatch } from '../../src-main/core/datasets/cifar.ts';
import { parseIdx, readIdx } from '../../src-main/core/datasets/idx.ts';
import { decodeImage } from '../../src-main/core/images/decode.ts';
import { readKerasWeights } from '../../src-main/core/models/h5-reader.ts';
import { writeKerasWeights } from '../../src-main/core/models/keras-h5.ts';
import { mulberry32 } from '../../src-main/core/training/random.ts';
import { imagenetDevDir, sharedDir, tempDir } from './shared.ts';

export interface FuzzReport {
  reader: string;
  cases: number;
  read: number;
  refused: number;
  /** Cases that broke the rule, each with why; empty when the reader is sound. */
  problems: string[];
  /** Distinct refusal messages with the file name taken out, most frequent first: what users would read. */
  messages: [string, number][];
  seconds: number;
}

export class Mutator {
  private readonly random: () => number;
  constructor(readonly seed: number) {
    this.random = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** One of: flipped bytes, a truncation, inserted junk, a repeated run, a zeroed run. */
  mutate(src: Uint8Array): Uint8Array {
    const b = Uint8Array.from(src);
    const splice = (at: number, insert: Uint8Array) => {
      const out = new Uint8Array(b.length + insert.length);
      out.set(b.subarray(0, at));
      out.set(insert, at);
      out.set(b.subarray(at), at + insert.length);
      return out;
    };
    switch (this.int(5)) {
      case 0:
        for (let k = 1 + this.int(16); k > 0; k--) b[this.int(b.length)] = this.int(256);
        return b;
      case 1:
        return b.subarray(0, this.int(b.length));
      case 2: {
        const at = this.int(b.length);
        return splice(
          at,
          Uint8Array.from({ length: 1 + this.int(64) }, () => this.int(256)),
        );
      }
      case 3: {
        const at = this.int(b.length);
        return splice(at, b.slice(at, at + 1 + this.int(256)));
      }
      default: {
        const at = this.int(b.length);
        b.fill(0, at, at + 1 + this.int(512));
        return b;
      }
    }
  }
}

const HANG = Symbol('hang');

/** 'ok', the thrown value, or HANG after `ms`. */
async function outcome(run: () => Promise<unknown> | unknown, ms: number): Promise<'ok' | unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<typeof HANG>((resolve) => (timer = setTimeout(() => resolve(HANG), ms)));
  try {
    const r = await Promise.race([
      Promise.resolve()
        .then(run)
        .then(() => 'ok' as const),
      hang,
    ]);
    return r;
  } catch (err) {
    return err;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `cases` seeded cases; `make(i)` gives the name the error must contain and the read to try. */
async function fuzz(reader: string, cases: number, hangMs: number, make: (i: number) => Promise<{ name: string; run: () => Promise<unknown> | unknown }>): Promise<FuzzReport> {
  const t0 = performance.now();
  const report: FuzzReport = { reader, cases, read: 0, refused: 0, problems: [], messages: [], seconds: 0 };
  const messages = new Map<string, number>();
  for (let i = 0; i < cases; i++) {
    const { name, run } = await make(i);
    const r = await outcome(run, hangMs);
    if (r === 'ok') report.read++;
    else if (r === HANG) report.problems.push(`case ${i} (${name}): no answer in ${hangMs / 1000} s`);
    else if (!(r instanceof Error)) report.problems.push(`case ${i} (${name}): threw a non-Error ${String(r)}`);
    else if (!r.message.includes(name)) report.problems.push(`case ${i} (${name}): the error does not name the file: ${r.message}`);
    else {
      report.refused++;
      const text = r.message.split(name).join('<file>').replace(/\d+/g, 'N');
      messages.set(text, (messages.get(text) ?? 0) + 1);
    }
  }
  report.messages = [...messages].sort((a, b) => b[1] - a[1]);
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

/** Mutated JPEG, PNG, WebP and GIF files of a real photo, through decodeImage. */
export async function fuzzImageDecoder(cases: number, seed: number): Promise<FuzzReport> {
  const m = new Mutator(seed);
  const small = sharp(path.join(imagenetDevDir, 'n01440764_tench.JPEG')).resize(48, 36);
  const seeds = await Promise.all([small.clone().jpeg().toBuffer(), small.clone().png().toBuffer(), small.clone().webp().toBuffer(), small.clone().gif().toBuffer()]);
  return fuzz('image decoder (JPEG, PNG, WebP, GIF)', cases, 10_000, async (i) => {
    const name = `fuzz-${i}.img`;
    const bytes = Buffer.from(m.mutate(seeds[i % seeds.length]!));
    return { name, run: () => decodeImage(bytes, { width: 24, height: 24 }, name) };
  });
}

/** The header and first 10 images of MNIST's test set, its count patched to match. */
function idxSeed(): Uint8Array {
  const real = gunzipSync(readFileSync(path.join(sharedDir, 'datasets/mnist/t10k-images-idx3-ubyte.gz')));
  const seed = Uint8Array.from(real.subarray(0, 16 + 10 * 784));
  new DataView(seed.buffer).setUint32(4, 10, false);
  return seed;
}

/** Mutated IDX buffers through parseIdx, half of them told to expect the images' magic number. */
export async function fuzzIdxBuffers(cases: number, seed: number): Promise<FuzzReport> {
  const m = new Mutator(seed);
  const idx = idxSeed();
  return fuzz('IDX (in memory)', cases, 10_000, async (i) => {
    const name = `idx-${i}`;
    const bytes = m.mutate(idx);
    return { name, run: () => parseIdx(bytes, name, i % 2 ? 2051 : undefined) };
  });
}

/** Mutated gzipped IDX files through readIdx. */
export async function fuzzIdxFiles(cases: number, seed: number): Promise<FuzzReport> {
  const m = new Mutator(seed);
  const gz = gzipSync(idxSeed());
  const dir = await tempDir('cs-fuzz-');
  return fuzz('IDX (gzip files)', cases, 10_000, async (i) => {
    const file = path.join(dir, `m${i}.gz`);
    await writeFile(file, m.mutate(gz));
    return { name: file, run: () => readIdx(file, 2051) };
  });
}

/** Mutated CIFAR-10 binary batches (4 records) through readCifarBatch. */
export async function fuzzCifar(cases: number, seed: number): Promise<FuzzReport> {
  const m = new Mutator(seed);
  const batch = Uint8Array.from({ length: 4 * CIFAR_RECORD }, (_, k) => (k % CIFAR_RECORD === 0 ? k % 10 : k & 255));
  const dir = await tempDir('cs-fuzz-');
  return fuzz('CIFAR binary batches', cases, 10_000, async (i) => {
    const file = path.join(dir, `b${i}.bin`);
    await writeFile(file, m.mutate(batch));
    return { name: file, run: () => readCifarBatch(file) };
  });
}

/** Mutated Keras HDF5 weight files (a small dense model's) through readKerasWeights, in its worker with a 5 s limit. */
export async function fuzzKerasH5(cases: number, seed: number): Promise<FuzzReport> {
  const m = new Mutator(seed);
  const dir = await tempDir('cs-fuzz-');
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'd1' }), tf.layers.dense({ units: 2, name: 'd2' })] });
  const good = path.join(dir, 'good.h5');
  await writeKerasWeights(model, good);
  model.dispose();
  const h5 = new Uint8Array(readFileSync(good));
  return fuzz('Keras HDF5 weights', cases, 30_000, async (i) => {
    const file = path.join(dir, `w${i}.h5`);
    await writeFile(file, m.mutate(h5));
    return { name: file, run: () => readKerasWeights(file, { timeoutMs: 5000 }) };
  });
}
