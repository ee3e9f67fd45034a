// Child-process side of boundedReads (bounded.ts): runs readers on files, one after another, and
// prints for each what happened and how much the process's memory grew meanwhile, one JSON line each.
// Usage: node bin/run-ts.js read-untrusted.ts <op> <file> [<op> <file> ...].
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Imported when used: the model readers load h5wasm, which takes seconds through tsx.
const idx = () => import('../../src-main/core/datasets/idx.ts');
const tar = () => import('../../src-main/core/datasets/tar.ts');
const h5 = () => import('../../src-main/core/models/h5-reader.ts');
const keras = () => import('../../src-main/core/models/keras-h5.ts');
const kerasModel = () => import('../../src-main/core/models/keras-model.ts');
const small = () => import('./small-models.ts');

const args = process.argv.slice(2);
const cases = Array.from({ length: args.length / 2 }, (_, k) => ({ op: args[2 * k]!, file: args[2 * k + 1]! }));

const readers: Record<string, (file: string) => Promise<unknown>> = {
  idx: async (f) => (await idx()).readIdx(f),
  tar: async (f) => (await tar()).extractTarGz(f, await mkdtemp(path.join(os.tmpdir(), 'cs-untar-'))),
  'h5-weights': async (f) => (await h5()).readKerasWeights(f),
  'h5-into-model': async (f) => (await keras()).loadKerasWeights((await small()).smallDense(), f),
  'keras-model': async (f) => (await kerasModel()).loadKerasModel(f),
};

// Starting the HDF5 worker loads h5wasm (hundreds of MB through tsx): done before measuring.
// This file is no HDF5 file, so the request fails at once.
if (cases.some((c) => /h5|keras/.test(c.op))) {
  await Promise.all([keras(), kerasModel(), small()]);
  await (await h5()).readModelConfig(fileURLToPath(import.meta.url)).catch(() => undefined);
}
for (const c of cases) if (c.op === 'idx') await idx();
for (const c of cases) if (c.op === 'tar') await tar();

const MiB = 1024 ** 2;
for (const { op, file } of cases) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(sample, 5);
  let error: string | undefined;
  try {
    const read = readers[op];
    if (!read) throw new Error(`unknown reader ${op}`);
    await read(file);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ error, growthMiB: Math.round((peak - before) / MiB) }));
}
process.exit(0);
