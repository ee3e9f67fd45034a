// Mutated files through the image decoder and the IDX, CIFAR and Keras HDF5 readers: thousands of
// them, seeded, so any failure repeats. Each must be read or refused with an Error that names the
// file; nothing may crash the process or hang. bench/fuzz.ts runs the same fuzzers ten times longer
// (the HDF5 one, the slowest a file, runs 50 files here and its benchmark length, 200 times the scale, there).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/core/backend.ts';
import { fuzzCifar, fuzzIdxBuffers, fuzzIdxFiles, fuzzImageDecoder, fuzzKerasH5, type FuzzReport } from './helpers/fuzz.ts';

const SEED = 20261125;

function summary(r: FuzzReport): string {
  return `${r.reader}: ${r.read} read, ${r.refused} refused of ${r.cases} in ${r.seconds.toFixed(1)} s; ${r.messages.length} distinct messages`;
}

beforeAll(() => initBackend());

describe('fuzzing the readers', () => {
  it('decodeImage: 1,500 mutated JPEG, PNG, WebP and GIF files', async () => {
    const r = await fuzzImageDecoder(1500, SEED);
    console.log(summary(r));
    expect(r.problems).toEqual([]);
    expect(r.refused).toBeGreaterThan(100);
  });

  it('IDX: 3,000 mutated MNIST headers and data in memory, and 150 mutated gzip files', async () => {
    const mem = await fuzzIdxBuffers(3000, SEED + 1);
    const files = await fuzzIdxFiles(150, SEED + 2);
    console.log(`${summary(mem)}\n${summary(files)}`);
    expect(mem.problems).toEqual([]);
    expect(files.problems).toEqual([]);
    expect(mem.refused).toBeGreaterThan(300);
    expect(files.refused).toBeGreaterThan(50);
  });

  it('CIFAR binary batches: 300 mutated files', async () => {
    const r = await fuzzCifar(300, SEED + 3);
    console.log(summary(r));
    expect(r.problems).toEqual([]);
    expect(r.refused).toBeGreaterThan(30);
  });

  it('Keras HDF5 weights: 50 mutated files', async () => {
    const r = await fuzzKerasH5(50, SEED + 4);
    console.log(summary(r));
    expect(r.problems).toEqual([]);
    expect(r.refused).toBeGreaterThan(20);
  });
});
