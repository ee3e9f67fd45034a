// Child-process side of test/quiet-output.test.ts: reads damaged Keras .h5 files in the HDF5
// worker and prints one JSON line per file with the error each read ended with, and nothing else,
// so that anything h5wasm lets through to stdout or stderr shows.
// Usage: node bin/run-ts.js test/helpers/read-damaged-h5.ts <dir>
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readKerasWeights } from '../../src-main/core/models/h5-reader.ts';
import { writeKerasWeights } from '../../src-main/core/models/keras-h5.ts';
import { Mutator } from './fuzz.ts';

const dir = process.argv[2]!;
const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'd1' }), tf.layers.dense({ units: 2, name: 'd2' })] });
const good = path.join(dir, 'good.h5');
await writeKerasWeights(model, good);
const h5 = new Uint8Array(readFileSync(good));
// The 161st mutation of this seed (the HDF5 case of test/fuzz.test.ts) damages a weight's name
// into bytes that are not UTF-8.
const m = new Mutator(20261129);
for (let i = 0; i < 160; i++) m.mutate(h5);
const cases: Record<string, Uint8Array> = {
  good: h5,
  truncated: h5.slice(0, h5.length >> 1),
  'not-utf8': m.mutate(h5),
};
for (const [name, bytes] of Object.entries(cases)) {
  const file = path.join(dir, `${name}.h5`);
  await writeFile(file, bytes);
  const error = await readKerasWeights(file, { timeoutMs: 20_000 }).then(
    () => null,
    (err: unknown) => (err as Error).message,
  );
  process.stdout.write(`${JSON.stringify({ name, error })}\n`);
}
